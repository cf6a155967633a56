package ui

import "github.com/gorilla/mux"

// registerAgencyRoutes registers agency filing: the clerk's form, review, lists, history, credential slips, the agency's own filing and self-application (public).
func (s *Server) registerAgencyRoutes(r *mux.Router) {
}
