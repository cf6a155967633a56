package ui

import "github.com/gorilla/mux"

func (s *Server) registerListRoutes(r *mux.Router) {}
