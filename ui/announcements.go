package ui

import "github.com/gorilla/mux"

func (s *Server) registerAnnouncementRoutes(r *mux.Router) {}
