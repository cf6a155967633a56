package ui

import "github.com/gorilla/mux"

// registerAgencyPortalRoutes registers the agency portal's home, staff accounts and branches.
func (s *Server) registerAgencyPortalRoutes(r *mux.Router) {
}
