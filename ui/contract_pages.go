package ui

import "github.com/gorilla/mux"

// registerContractPageRoutes registers contract lists, detail, print, revocation, the model contract text and parties' confirmation.
func (s *Server) registerContractPageRoutes(r *mux.Router) {
}
