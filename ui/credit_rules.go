package ui

import "github.com/gorilla/mux"

func (s *Server) registerCreditRuleRoutes(r *mux.Router) {}
