package ui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerDirectoryRoutes registers the public agency directory (信息公示:
// 机构名录). It has no rate limit, unlike the verification check: it
// answers with what filings make public and cannot be used to guess a
// secret, and its pages are as cheap as any other public page.
func (s *Server) registerDirectoryRoutes(r *mux.Router) {
	r.HandleFunc("/agencies", s.handleDirectory).Methods("GET")
	r.HandleFunc("/agencies/{id:[0-9]+}", s.handleDirectoryAgency).Methods("GET")
}

// directoryPageSize is the directory's page: short, for phones.
const directoryPageSize = 20

type directoryData struct {
	Result    app.PublicAgencyPage
	Pager     pager
	Districts []*app.DictEntry
	Types     []string
	Statuses  []string
}

// handleDirectory lists filed (and cancelled) agencies: ?q= searches by
// name, former name, credit code, filing number, address or legal
// representative; type, district and status filter.
func (s *Server) handleDirectory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aq := app.AgencyQuery{Text: q.Get("q"), District: q.Get("district"), Size: directoryPageSize}
	// Unknown values are ignored rather than refused: this is a public
	// search box, and the form only offers known ones.
	if t := q.Get("type"); slices.Contains(app.AgencyTypes, t) {
		aq.Type = t
	}
	if st := q.Get("status"); st == app.AgencyFiled || st == app.AgencyCancelled {
		aq.Status = st
	}
	aq.Page, _ = strconv.Atoi(q.Get("page"))
	res, err := s.app.PublicAgencies(aq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "public_agencies", &view{Title: "directory.title", Portal: "public", Form: q,
		Data: directoryData{Result: res, Pager: newPager(r, res.Page, res.Pages), Districts: s.enabledDistricts(),
			Types: app.AgencyTypes, Statuses: []string{app.AgencyFiled, app.AgencyCancelled}}})
}

// handleDirectoryAgency shows one agency's public page; an unknown or
// unfiled agency is a 404.
func (s *Server) handleDirectoryAgency(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.PublicAgency(pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "public_agency", &view{Title: "directory.agency_title", Portal: "public", Data: v})
}
