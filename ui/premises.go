package ui

import "github.com/gorilla/mux"

// registerPremisesRoutes registers premises distribution (场所分布): chart, server-drawn SVG, optional tile map.
func (s *Server) registerPremisesRoutes(r *mux.Router) {
}
