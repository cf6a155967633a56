package ui

import "github.com/gorilla/mux"

// registerRegistryRoutes: the registry import pages (sysadmin).
func (s *Server) registerRegistryRoutes(r *mux.Router) {}
