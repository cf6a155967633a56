package ui

import "github.com/gorilla/mux"

func (s *Server) registerCreditRoutes(r *mux.Router) {}
