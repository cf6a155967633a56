package ui

import "github.com/gorilla/mux"

// registerContractImportRoutes registers bulk back-entry of paper contracts.
func (s *Server) registerContractImportRoutes(r *mux.Router) {
}
