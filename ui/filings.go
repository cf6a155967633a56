package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerFilingRoutes registers contract filing (合同备案): applications, back-entry, review, certificates and the public filing check.
func (s *Server) registerFilingRoutes(r *mux.Router) {
	for _, p := range []app.Portal{app.PortalGov, app.PortalAgency} {
		pre := "/" + string(p)
		with := func(perm app.Permission) func(http.HandlerFunc) http.HandlerFunc {
			return func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(p, perm, h) }
		}
		view, apply, backentry := with(app.PermContractView), with(app.PermFilingApply), with(app.PermBackEntry)
		r.HandleFunc(pre+"/filings", view(s.handleFilingList)).Methods("GET")
		r.HandleFunc(pre+"/filings/overdue", view(s.handleFilingOverdue)).Methods("GET")
		r.HandleFunc(pre+"/filings/new", apply(s.handleFilingApplyForm)).Methods("GET")
		r.HandleFunc(pre+"/filings/new", apply(s.handleFilingApply)).Methods("POST")
		r.HandleFunc(pre+"/filings/{id:[0-9]+}", view(s.handleFilingShow)).Methods("GET")
		r.HandleFunc(pre+"/filings/{id:[0-9]+}/doc", view(s.handleFilingDoc)).Methods("GET")
		r.HandleFunc(pre+"/filings/{id:[0-9]+}/docs", apply(s.handleFilingDocAdd)).Methods("POST")
		r.HandleFunc(pre+"/filings/{id:[0-9]+}/resubmit", apply(s.handleFilingResubmit)).Methods("POST")
		r.HandleFunc(pre+"/filings/{id:[0-9]+}/certificate", view(s.handleFilingCertificate)).Methods("GET")
		r.HandleFunc(pre+"/contracts/backentry", backentry(s.handleBackEntryForm)).Methods("GET")
		r.HandleFunc(pre+"/contracts/backentry", backentry(s.handleBackEntry)).Methods("POST")
	}
	// Review is the government's; see requireFilingReviewer for who is told what.
	r.HandleFunc("/gov/filings/{id:[0-9]+}/approve", s.requireFilingReviewer(s.handleFilingApprove)).Methods("POST")
	r.HandleFunc("/gov/filings/{id:[0-9]+}/reject", s.requireFilingReviewer(s.handleFilingReject)).Methods("POST")

	// Public filing check: the form, and the answer (also from the QR).
	r.HandleFunc("/f", s.handlePublicFilingForm).Methods("GET")
	r.HandleFunc("/f/{cert}", s.handlePublicFiling).Methods("GET")
}

// requireFilingReviewer lets only reviewers decide a filing. Anyone else
// signed in to the government portal is told, besides the usual refusal,
// what the seed's FAQ answers: filing review needs a user with the review
// role (合同备案审核需要使用具有审核权限的角色用户进行审核).
func (s *Server) requireFilingReviewer(h http.HandlerFunc) http.HandlerFunc {
	return s.requireAuth(app.PortalGov, "", func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		if !a.Can(app.PermFilingReview) {
			s.log.Warn("forbidden", "request_id", requestID(r), "user", a.Username, "path", r.URL.Path, "permission", app.PermFilingReview)
			s.render(w, r, http.StatusForbidden, "filing_denied", &view{Title: "error.forbidden_title", Nav: "filings"})
			return
		}
		h(w, r)
	})
}

// filingListData is the filing page: applications, or the contracts
// overdue for filing.
type filingListData struct {
	Result    app.FilingPage
	Overdue   app.ContractPage
	Counts    app.FilingCounts
	Pager     pager
	Districts []*app.DictEntry
	Statuses  []string
	Tab       string // "applications" or "overdue"
	Reviewer  bool
	Now       time.Time
}

// handleFilingList is the reviewers' queue (pending, oldest first, unless
// another status is asked for) and, for everyone else, the applications of
// their scope: an agency sees its own with their status.
func (s *Server) handleFilingList(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	reviewer := a.Can(app.PermFilingReview)
	if !q.Has("status") && reviewer {
		q.Set("status", app.FilingPending)
	}
	fq := app.FilingQuery{Text: q.Get("q"), Status: q.Get("status"), District: q.Get("district"), Agency: q.Get("agency"),
		Overdue: q.Get("overdue") == "1", Mine: q.Get("mine") == "1", Size: 20}
	fq.Page, _ = strconv.Atoi(q.Get("page"))
	var errs map[string]string
	fq.From, fq.To, errs = dayRange(q)
	d := &filingListData{Districts: s.enabledDistricts(), Statuses: app.FilingStatuses, Tab: "applications",
		Reviewer: reviewer, Now: time.Now()}
	v := &view{Title: "filing.list_title", Nav: "filings", Form: q, Data: d, Errors: errs}
	var err error
	if d.Result, err = s.app.SearchFilings(a, fq); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d.Counts, _ = s.app.CountFilings(a)
	d.Pager = newPager(r, d.Result.Page, d.Result.Pages)
	status := http.StatusOK
	if len(errs) > 0 {
		v.Error, status = "form.invalid", http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "filings", v)
}

// handleFilingOverdue lists the contracts past their filing deadline and
// not filed (逾期未备案, app.Contract.FilingOverdue): never applied for,
// waiting, or returned.
func (s *Server) handleFilingOverdue(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	cq := app.ContractQuery{Text: q.Get("q"), Filing: app.FilingOverdue, District: q.Get("district"), Size: 20}
	cq.Page, _ = strconv.Atoi(q.Get("page"))
	d := &filingListData{Districts: s.enabledDistricts(), Statuses: app.FilingStatuses, Tab: "overdue",
		Reviewer: a.Can(app.PermFilingReview), Now: time.Now()}
	var err error
	if d.Overdue, err = s.app.SearchContracts(a, cq); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d.Counts, _ = s.app.CountFilings(a)
	d.Pager = newPager(r, d.Overdue.Page, d.Overdue.Pages)
	s.render(w, r, http.StatusOK, "filings", &view{Title: "filing.overdue_title", Nav: "filings", Form: q, Data: d})
}

// filingBase is the address of an application's page in this portal.
func filingBase(r *http.Request, id uint64) string {
	return "/" + portalOfPath(r.URL.Path) + "/filings/" + strconv.FormatUint(id, 10)
}
