package ui

import "github.com/gorilla/mux"

// registerPractitionerRoutes registers practitioners: lists, forms, employment, information cards, the public page.
func (s *Server) registerPractitionerRoutes(r *mux.Router) {
}
