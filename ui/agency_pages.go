package ui

import (
	"net/http"
	"strconv"

	"anju/app"
)

// agencyData is the agency page, in the government portal and as the
// agency's own filing page.
type agencyData struct {
	Ag        *app.Agency
	Branches  []*app.Agency
	History   []*app.AgencyApplication
	Pending   *app.AgencyApplication
	CanChange bool // may open a change or cancellation
	Base      string
	AppBase   string // where this portal shows applications
}

func (s *Server) showAgency(w http.ResponseWriter, r *http.Request, id uint64, nav string) {
	a := actorOf(r)
	ag, err := s.app.GetAgency(a, id)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	portal := portalOfPath(r.URL.Path)
	d := agencyData{Ag: ag, Base: "/" + portal + "/agencies/" + strconv.FormatUint(ag.ID, 10),
		AppBase: "/" + portal + "/agency-applications/"}
	if d.Branches, err = s.app.AgencyBranches(a, ag.ID); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	if d.History, err = s.app.AgencyHistory(a, ag.ID); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	for _, h := range d.History {
		if h.ID == ag.PendingApp && h.Open() {
			d.Pending = h
		}
	}
	if ag.PendingApp != 0 && d.Pending == nil {
		// A change still in draft is not history yet, but it blocks a second one.
		d.Pending, _ = s.app.GetApplication(a, app.AppRef{ID: ag.PendingApp})
	}
	d.CanChange = ag.Live() && d.Pending == nil &&
		(a.Can(app.PermAgencyFile) || (a.Can(app.PermAgencyApply) && a.AgencyID == ag.ID))
	s.render(w, r, http.StatusOK, "agency", &view{Title: "agency.detail_title", Nav: nav, Data: d})
}

func (s *Server) handleAgencyShow(w http.ResponseWriter, r *http.Request) {
	nav := "agencies"
	if portalOfPath(r.URL.Path) == "agency" {
		nav = "branches"
		if pathID(r) == actorOf(r).AgencyID {
			nav = "my_agency"
		}
	}
	s.showAgency(w, r, pathID(r), nav)
}

func (s *Server) handleOwnAgency(w http.ResponseWriter, r *http.Request) {
	s.showAgency(w, r, actorOf(r).AgencyID, "my_agency")
}

func (s *Server) handleAgencyLicence(w http.ResponseWriter, r *http.Request) {
	info, data, err := s.app.AgencyLicence(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	serveDocument(w, info.ContentType, data)
}

func (s *Server) handleChangeStart(w http.ResponseWriter, r *http.Request) {
	ap, err := s.app.StartChange(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	http.Redirect(w, r, "/"+portalOfPath(r.URL.Path)+"/agency-applications/"+strconv.FormatUint(ap.ID, 10)+"/step/1", http.StatusSeeOther)
}

func (s *Server) handleCancelForm(w http.ResponseWriter, r *http.Request) {
	ag, err := s.app.GetAgency(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "agency_cancel", &view{Title: "agency.cancel_title", Nav: "agencies", Data: ag})
}

func (s *Server) handleCancelSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	ap, err := s.app.StartCancellation(a, pathID(r), r.PostForm.Get("reason"))
	if err != nil {
		ag, gerr := s.app.GetAgency(a, pathID(r))
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		v := &view{Title: "agency.cancel_title", Nav: "agencies", Form: r.PostForm, Data: ag}
		if e, ok := app.AsError(err); ok && e.Code == app.ECONFLICT {
			v.Error, v.ErrorArgs = e.Key, e.Args
			s.render(w, r, http.StatusConflict, "agency_cancel", v)
			return
		}
		s.fail(w, r, err, "agency_cancel", v)
		return
	}
	s.setFlash(w, r, "agency.submitted_ok")
	http.Redirect(w, r, "/"+portalOfPath(r.URL.Path)+"/agency-applications/"+strconv.FormatUint(ap.ID, 10), http.StatusSeeOther)
}
func (s *Server) handleAgencyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aq := app.AgencyQuery{Text: q.Get("q"), District: q.Get("district"), Type: q.Get("type"), Status: q.Get("status")}
	aq.Page, _ = strconv.Atoi(q.Get("page"))
	aq.Size = 20
	res, err := s.app.SearchAgencies(actorOf(r), aq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	type listData struct {
		Result    app.AgencyPage
		Pager     pager
		Districts []*app.DictEntry
		Types     []string
	}
	s.render(w, r, http.StatusOK, "agencies", &view{Title: "agency.list_title", Nav: "agencies", Form: q,
		Data: listData{Result: res, Pager: newPager(r, res.Page, res.Pages), Districts: s.enabledDistricts(), Types: app.AgencyTypes}})
}
