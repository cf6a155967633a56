package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerPractitionerRoutes registers practitioners: lists, forms, employment, information cards, the public page.
func (s *Server) registerPractitionerRoutes(r *mux.Router) {
	for _, p := range []app.Portal{app.PortalGov, app.PortalAgency} {
		pre := "/" + string(p) + "/practitioners"
		view := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(p, app.PermPractitionerView, h) }
		manage := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(p, app.PermPractitionerManage, h) }
		r.HandleFunc(pre, view(s.handlePractitionerList)).Methods("GET")
		r.HandleFunc(pre+"/new", manage(s.handlePractitionerNew)).Methods("GET")
		r.HandleFunc(pre, manage(s.handlePractitionerCreate)).Methods("POST")
		r.HandleFunc(pre+"/{id:[0-9]+}", view(s.handlePractitionerShow)).Methods("GET")
		r.HandleFunc(pre+"/{id:[0-9]+}/edit", manage(s.handlePractitionerEdit)).Methods("GET")
		r.HandleFunc(pre+"/{id:[0-9]+}", manage(s.handlePractitionerUpdate)).Methods("POST")
		r.HandleFunc(pre+"/{id:[0-9]+}/end", manage(s.handlePractitionerEnd)).Methods("POST")
		r.HandleFunc(pre+"/{id:[0-9]+}/card", view(s.handlePractitionerCard)).Methods("GET")
		// Any user of the portal: the app lets through those who may see the
		// record and the agent whose own record it is (his card shows it).
		r.HandleFunc(pre+"/{id:[0-9]+}/photo", s.requireAuth(p, "", s.handlePractitionerPhoto)).Methods("GET")
	}
	// Only government roles may hold PermPersonalData.
	r.HandleFunc("/gov/practitioners/{id:[0-9]+}/id-number",
		s.requireAuth(app.PortalGov, app.PermPersonalData, s.handlePractitionerReveal)).Methods("POST")
	r.HandleFunc("/agency/practitioners/{id:[0-9]+}/account",
		s.requireAuth(app.PortalAgency, app.PermAgencyStaff, s.handlePractitionerLink)).Methods("POST")
	r.HandleFunc("/agency/card", s.requireAuth(app.PortalAgency, "", s.handleMyCard)).Methods("GET")
	r.HandleFunc("/practitioners/{card}", s.handlePublicPractitioner).Methods("GET")
	r.HandleFunc("/practitioners/{card}/photo", s.handlePublicPractitionerPhoto).Methods("GET")
}

type pracListData struct {
	Result    app.PractitionerPage
	Pager     pager
	Districts []*app.DictEntry
	Roles     []string
	Agency    *app.Agency // the list is of one agency (gov: ?agency=ID)
}

func (s *Server) handlePractitionerList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	actor := actorOf(r)
	pq := app.PractitionerQuery{Text: q.Get("q"), Status: q.Get("status"), Role: q.Get("role"), District: q.Get("district"), Size: 20}
	pq.Page, _ = strconv.Atoi(q.Get("page"))
	d := pracListData{Districts: s.enabledDistricts(), Roles: app.PractitionerRoles}
	if id, err := strconv.ParseUint(q.Get("agency"), 10, 64); err == nil && id != 0 && actor.Can(app.PermGovPortal) {
		ag, err := s.app.GetAgency(actor, id)
		if err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		d.Agency, pq.AgencyID = ag, ag.ID
	}
	res, err := s.app.SearchPractitioners(actor, pq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d.Result, d.Pager = res, newPager(r, res.Page, res.Pages)
	s.render(w, r, http.StatusOK, "practitioners", &view{Title: "practitioner.list", Nav: "practitioners", Form: q, Data: d})
}

// pracData is what the detail page shows.
type pracData struct {
	P         *app.Practitioner
	Full      bool // ID number and mobile in full (an audited view)
	CanManage bool
	CanReveal bool
	CanPrint  bool // his information card (an agency: its staff only)
	// Status is employed or left as the reader sees it: an agency sees
	// someone who left it as left, even if he works elsewhere now.
	Status   string
	Today    string
	Accounts []app.AccountOption // agent accounts the actor may link to him
	// AgencyLink is the address of the current employer's page in this
	// portal, "" when the actor cannot open it.
	AgencyLink string
}

func (s *Server) pracData(r *http.Request, p *app.Practitioner) pracData {
	actor := actorOf(r)
	d := pracData{P: p, CanManage: s.app.CanManagePractitioner(actor, p), CanReveal: actor.Can(app.PermPersonalData),
		CanPrint: app.CanPrintCard(actor, p), Status: app.PractitionerRowFor(actor, p).Status,
		Today: time.Now().Format(time.DateOnly)}
	if actor.Can(app.PermAgencyStaff) {
		var err error
		if d.Accounts, err = s.app.PractitionerAccounts(actor, p.ID); err != nil {
			s.log.Error("practitioner accounts", "err", err)
		}
	}
	if c := p.Current(); c != nil && actor.Can(app.PermAgencyView) {
		switch {
		case actor.Can(app.PermGovPortal):
			// A district clerk sees a practitioner who ever worked in his
			// district, but only the agencies of his district: an employer
			// elsewhere is named without a link (it would answer 404).
			if _, err := s.app.GetAgency(actor, c.AgencyID); err == nil {
				d.AgencyLink = "/gov/agencies/" + strconv.FormatUint(c.AgencyID, 10)
			}
		case c.AgencyID == actor.AgencyID:
			d.AgencyLink = "/agency/agency"
		}
	}
	return d
}

// renderPractitioner shows the detail page, with the errors of a failed
// action (end of employment) when err is not nil.
func (s *Server) renderPractitioner(w http.ResponseWriter, r *http.Request, p *app.Practitioner, full bool, form url.Values, err error) {
	d := s.pracData(r, p)
	d.Full = full
	v := &view{Title: "practitioner.detail", Nav: "practitioners", Form: form, Data: d}
	if v.Form == nil {
		v.Form = url.Values{"end": {d.Today}}
	}
	if err != nil {
		s.fail(w, r, err, "practitioner", v)
		return
	}
	s.render(w, r, http.StatusOK, "practitioner", v)
}

func (s *Server) handlePractitionerShow(w http.ResponseWriter, r *http.Request) {
	p, err := s.app.GetPractitioner(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.renderPractitioner(w, r, p, false, nil, nil)
}

// handlePractitionerReveal shows the ID number and mobile in full: a POST,
// since each such view is written to the audit log.
func (s *Server) handlePractitionerReveal(w http.ResponseWriter, r *http.Request) {
	p, err := s.app.RevealPractitioner(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.renderPractitioner(w, r, p, true, nil, nil)
}

func (s *Server) handlePractitionerEnd(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	actor := actorOf(r)
	id := pathID(r)
	_, err := s.app.EndEmployment(actor, id, r.PostForm.Get("end"), r.PostForm.Get("reason"))
	if err != nil {
		p, gerr := s.app.GetPractitioner(actor, id)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		s.renderPractitioner(w, r, p, false, r.PostForm, err)
		return
	}
	s.setFlash(w, r, "practitioner.ended")
	http.Redirect(w, r, r.URL.Path[:len(r.URL.Path)-len("/end")], http.StatusSeeOther)
}

// handlePractitionerLink links one of the agency's agent accounts to the
// practitioner (or removes the link), so that the agent sees his card.
func (s *Server) handlePractitionerLink(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	actor := actorOf(r)
	id := pathID(r)
	p, err := s.app.GetPractitioner(actor, id)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	userID, _ := strconv.ParseUint(r.PostForm.Get("account"), 10, 64)
	accounts := s.pracData(r, p).Accounts
	if userID != 0 && !slices.ContainsFunc(accounts, func(o app.AccountOption) bool { return o.UserID == userID }) {
		s.renderPractitioner(w, r, p, false, r.PostForm, &app.Error{Code: app.EINVALID, Key: "form.invalid",
			Fields: map[string]string{"account": "practitioner.account_unknown"}})
		return
	}
	// One account per person: the one linked now (if another) is unlinked
	// first; "no account" (0) only unlinks.
	for _, o := range accounts {
		if o.Linked && o.UserID != userID {
			if err := s.app.LinkPractitionerAccount(actor, o.UserID, 0); err != nil {
				s.renderPractitioner(w, r, p, false, r.PostForm, err)
				return
			}
		}
	}
	if userID != 0 {
		if err := s.app.LinkPractitionerAccount(actor, userID, id); err != nil {
			s.renderPractitioner(w, r, p, false, r.PostForm, err)
			return
		}
	}
	s.setFlash(w, r, "practitioner.account_linked")
	http.Redirect(w, r, "/agency/practitioners/"+strconv.FormatUint(id, 10), http.StatusSeeOther)
}
