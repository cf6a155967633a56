package ui

import "github.com/gorilla/mux"

// registerContractRoutes registers online signing (受理网签): the step form from a verification to the signed contract.
func (s *Server) registerContractRoutes(r *mux.Router) {
}
