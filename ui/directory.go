package ui

import "github.com/gorilla/mux"

// registerDirectoryRoutes registers the public agency directory.
func (s *Server) registerDirectoryRoutes(r *mux.Router) {
}
