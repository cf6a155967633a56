package ui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gorilla/mux"

	"anju/app"
)

// Credit pages (信用管理): subjects by score, a subject's credit page with
// its explanation and chart, scoring applications and their review, and
// records with objections and repair requests.
func (s *Server) registerCreditRoutes(r *mux.Router) {
	gov := func(perm app.Permission, h http.HandlerFunc) http.HandlerFunc {
		return s.requireAuth(app.PortalGov, perm, h)
	}
	agency := func(perm app.Permission, h http.HandlerFunc) http.HandlerFunc {
		return s.requireAuth(app.PortalAgency, perm, h)
	}
	r.HandleFunc("/gov/credit", gov(app.PermCreditView, s.handleCreditSubjects)).Methods("GET")
	for _, kind := range []string{app.SubjectAgency, app.SubjectPractitioner} {
		r.HandleFunc("/gov/credit/"+kind+"/{id:[0-9]+}", gov(app.PermCreditView, s.handleCreditPage(kind))).Methods("GET")
		r.HandleFunc("/agency/credit/"+kind+"/{id:[0-9]+}", agency(app.PermCreditView, s.handleCreditPage(kind))).Methods("GET")
	}
	r.HandleFunc("/gov/credit/applications", gov(app.PermCreditView, s.handleScoringList)).Methods("GET")
	r.HandleFunc("/gov/credit/applications/new", gov(app.PermCreditApply, s.handleScoringNew)).Methods("GET")
	r.HandleFunc("/gov/credit/applications/new", gov(app.PermCreditApply, s.handleScoringCreate)).Methods("POST")
	r.HandleFunc("/gov/credit/applications/{id:[0-9]+}", gov(app.PermCreditView, s.handleScoringShow)).Methods("GET")
	// The pages tell whoever is not a reviewer that review needs one (the
	// seed's FAQ); the server refuses the decisions to them, saying so too
	// (requireCreditReviewer), and app refuses a reviewer his own.
	r.HandleFunc("/gov/credit/applications/{id:[0-9]+}/approve", s.requireCreditReviewer("applications", s.handleScoringApprove)).Methods("POST")
	r.HandleFunc("/gov/credit/applications/{id:[0-9]+}/reject", s.requireCreditReviewer("applications", s.handleScoringReject)).Methods("POST")
	r.HandleFunc("/gov/credit/applications/{id:[0-9]+}/doc", gov(app.PermCreditView, s.handleCreditDoc("scoring"))).Methods("GET")
	r.HandleFunc("/gov/credit/records/{id:[0-9]+}", gov(app.PermCreditView, s.handleRecordShow)).Methods("GET")
	r.HandleFunc("/gov/credit/records/{id:[0-9]+}/decide", s.requireCreditReviewer("records", s.handleRecordDecide)).Methods("POST")
	r.HandleFunc("/gov/credit/records/{id:[0-9]+}/doc", gov(app.PermCreditView, s.handleCreditDoc("record"))).Methods("GET")

	r.HandleFunc("/agency/credit", agency(app.PermCreditView, s.handleMyCredit)).Methods("GET")
	r.HandleFunc("/agency/credit/records/{id:[0-9]+}", agency(app.PermCreditView, s.handleRecordShow)).Methods("GET")
	// Only the agency's admin objects or asks for repair; an agent is told
	// so (the record page says it too).
	r.HandleFunc("/agency/credit/records/{id:[0-9]+}/request", s.requireCreditObjector(s.handleRecordRequest)).Methods("POST")
	r.HandleFunc("/agency/credit/records/{id:[0-9]+}/doc", agency(app.PermCreditView, s.handleCreditDoc("record"))).Methods("GET")
}

// requireCreditReviewer lets only reviewers decide a scoring application
// or an objection or repair request ("applications" or "records"); anyone
// else of the government portal is told, besides the usual refusal, that
// it takes a reviewer (the seed's FAQ, as for filings and list entries),
// with the way back to what he was reading.
func (s *Server) requireCreditReviewer(what string, h http.HandlerFunc) http.HandlerFunc {
	return s.requireAuth(app.PortalGov, "", func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		if !a.Can(app.PermCreditReview) {
			s.log.Warn("forbidden", "request_id", requestID(r), "user", a.Username, "path", r.URL.Path, "permission", app.PermCreditReview)
			back := map[string]string{"Back": "/gov/credit/" + what + "/" + strconv.FormatUint(pathID(r), 10),
				"BackLabel": "credit.back_to_application", "Note": "credit.needs_reviewer"}
			if what == "records" {
				back["BackLabel"] = "credit.back_to_record"
			}
			s.render(w, r, http.StatusForbidden, "credit_denied", &view{Title: "error.forbidden_title", Nav: "credit_apps", Data: back})
			return
		}
		h(w, r)
	})
}

// requireCreditObjector lets only an agency's admin lodge an objection or
// a repair request; an agent is told who does, with the way back.
func (s *Server) requireCreditObjector(h http.HandlerFunc) http.HandlerFunc {
	return s.requireAuth(app.PortalAgency, "", func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		if !a.Can(app.PermCreditObject) {
			s.log.Warn("forbidden", "request_id", requestID(r), "user", a.Username, "path", r.URL.Path, "permission", app.PermCreditObject)
			s.render(w, r, http.StatusForbidden, "credit_denied", &view{Title: "error.forbidden_title", Nav: "credit",
				Data: map[string]string{"Back": "/agency/credit/records/" + strconv.FormatUint(pathID(r), 10),
					"BackLabel": "credit.back_to_record", "Note": "credit.object_needs_admin"}})
			return
		}
		h(w, r)
	})
}

// creditPageData is a subject's credit page.
type creditPageData struct {
	*app.CreditView
	Chart         template.HTML
	Practitioners []app.CreditSummary // the agency portal's own page
	Mine          bool                // the agency's own page
	CanApply      bool
}

func (s *Server) handleCreditSubjects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	res, err := s.app.CreditSubjects(actorOf(r), app.CreditSubjectQuery{Kind: q.Get("kind"), Level: q.Get("level"),
		District: q.Get("district"), Text: q.Get("q"), Page: page})
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	if q.Get("kind") == "" {
		q.Set("kind", app.SubjectAgency)
	}
	// Districts: the filter's choices for a city-wide user (the leader),
	// as on the red/black lists; the query already takes a district.
	s.render(w, r, http.StatusOK, "credit_subjects", &view{Title: "credit.subjects_title", Nav: "credit", Form: q,
		Data: map[string]any{"Page": res, "Pager": newPager(r, res.Page, res.Pages), "Districts": s.enabledDistricts()}})
}

func (s *Server) handleCreditPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		v, err := s.app.CreditPage(a, app.Subject{Kind: kind, ID: pathID(r)})
		if err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		d := creditPageData{CreditView: v, CanApply: a.Can(app.PermCreditApply)}
		d.Chart = s.scoreChart(pickLang(r, a.Lang), v)
		s.render(w, r, http.StatusOK, "credit_page", &view{Title: "credit.page_title", Nav: "credit", Data: d})
	}
}

func (s *Server) handleMyCredit(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.MyCredit(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d := creditPageData{CreditView: v.CreditView, Practitioners: v.Practitioners, Mine: true}
	d.Chart = s.scoreChart(pickLang(r, actorOf(r).Lang), v.CreditView)
	s.render(w, r, http.StatusOK, "credit_page", &view{Title: "credit.my_title", Nav: "credit", Data: d})
}

// scoringFormData is the application form: the subject and the rules that
// may score it.
type scoringFormData struct {
	Info  app.SubjectInfo
	Rules []*app.ScoringRule
}

func (s *Server) handleScoringNew(w http.ResponseWriter, r *http.Request) {
	if _, ok := app.ParseSubject(r.URL.Query().Get("subject")); !ok {
		// An application starts from the subject's credit page.
		s.setFlash(w, r, "credit.pick_subject")
		http.Redirect(w, r, "/gov/credit", http.StatusSeeOther)
		return
	}
	form := url.Values{"subject": {r.URL.Query().Get("subject")}, "rule": {r.URL.Query().Get("rule")}}
	s.renderScoringForm(w, r, http.StatusOK, &view{Form: form})
}

func (s *Server) renderScoringForm(w http.ResponseWriter, r *http.Request, status int, v *view) {
	a := actorOf(r)
	subj, ok := app.ParseSubject(v.Form.Get("subject"))
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "credit.pick_subject")
		return
	}
	cv, err := s.app.CreditPage(a, subj)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	rules, err := s.app.RulesFor(a, subj.Kind)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	v.Title, v.Nav, v.Data = "credit.apply_title", "credit", scoringFormData{Info: cv.Info, Rules: rules}
	s.render(w, r, status, "credit_apply", v)
}

// creditMaxUpload bounds one submission: the documents and the text.
const creditMaxUpload = app.CreditDocMaxCount*app.CreditDocMaxBytes + 64<<10

// creditUploads reads a form with "docs" files (readUploadForm): what was
// typed is kept even when the files are over the limit (tooBig).
func creditUploads(w http.ResponseWriter, r *http.Request) (docs []app.CreditUpload, tooBig bool, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, creditMaxUpload)
	files, _, err := readUploadForm(r, "docs", app.CreditDocMaxBytes, 8<<10)
	for _, f := range files {
		docs = append(docs, app.CreditUpload{Name: f.Name, Data: f.Data})
	}
	switch {
	case errors.Is(err, errUploadTooBig):
		return docs, true, nil
	case err != nil:
		return docs, false, app.Errorf(app.EINVALID, "credit.form_unreadable")
	}
	return docs, false, nil
}

func (s *Server) handleScoringCreate(w http.ResponseWriter, r *http.Request) {
	docs, tooBig, err := creditUploads(w, r)
	v := &view{Form: r.PostForm}
	if err != nil {
		s.failScoringForm(w, r, v, err)
		return
	}
	if tooBig {
		s.failScoringForm(w, r, v, fieldErr("docs", "credit.doc_too_big"))
		return
	}
	f := r.PostForm
	p, err := s.app.FileScoring(actorOf(r), app.ScoringInput{Subject: f.Get("subject"), RuleID: f.Get("rule"),
		Score: f.Get("score"), ScoreReason: f.Get("score_reason"), EventDate: f.Get("event_date"),
		Facts: f.Get("facts"), Docs: docs})
	if err != nil {
		s.failScoringForm(w, r, v, err)
		return
	}
	s.setFlash(w, r, "credit.filed_ok")
	http.Redirect(w, r, "/gov/credit/applications/"+strconv.FormatUint(p.ID, 10), http.StatusSeeOther)
}

func (s *Server) failScoringForm(w http.ResponseWriter, r *http.Request, v *view, err error) {
	e, ok := app.AsError(err)
	if !ok || len(e.Fields) == 0 {
		s.fail(w, r, err, "", nil)
		return
	}
	v.Errors, v.Error = e.Fields, "form.invalid"
	s.renderScoringForm(w, r, statusOf(e.Code), v)
}

func (s *Server) handleScoringList(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if q.Get("status") == "" {
		q.Set("status", app.ScoringPending)
	}
	res, err := s.app.ScoringApplications(a, app.ScoringQuery{Status: q.Get("status"), District: q.Get("district"),
		Source: q.Get("source"), Kind: q.Get("kind"), Page: page})
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	requests, err := s.app.PendingRequests(a, q.Get("district"))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	pg := pager{Page: res.Page, Pages: res.Page}
	if res.More {
		pg.Pages = res.Page + 1
	}
	pg = newPager(r, pg.Page, pg.Pages)
	// Districts: the filter's choices for a city-wide reviewer or leader,
	// as on the credit list; the queries already take a district.
	s.render(w, r, http.StatusOK, "credit_apps", &view{Title: "credit.apps_title", Nav: "credit_apps", Form: q,
		Data: map[string]any{"Page": res, "Pager": pg, "Requests": requests, "Districts": s.enabledDistricts()}})
}

// scoringData is an application's page.
type scoringData struct {
	App       *app.ScoringApplication
	CanReview bool
	Own       bool
}

func (s *Server) handleScoringShow(w http.ResponseWriter, r *http.Request) {
	s.renderScoring(w, r, http.StatusOK, &view{})
}

func (s *Server) renderScoring(w http.ResponseWriter, r *http.Request, status int, v *view) {
	a := actorOf(r)
	p, err := s.app.GetScoring(a, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d := scoringData{App: p, Own: p.FiledByID != 0 && p.FiledByID == a.UserID}
	d.CanReview = p.Status == app.ScoringPending && a.Can(app.PermCreditReview) && !d.Own
	v.Title, v.Nav, v.Data = "credit.app_title", "credit_apps", d
	s.render(w, r, status, "credit_app", v)
}

func (s *Server) handleScoringApprove(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	rec, err := s.app.ApproveScoring(actorOf(r), pathID(r), r.PostForm.Get("note"))
	if err != nil {
		s.scoringFailed(w, r, err)
		return
	}
	s.setFlash(w, r, "credit.approved_ok")
	http.Redirect(w, r, "/gov/credit/records/"+strconv.FormatUint(rec.ID, 10), http.StatusSeeOther)
}

func (s *Server) handleScoringReject(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if _, err := s.app.RejectScoring(actorOf(r), pathID(r), r.PostForm.Get("reason")); err != nil {
		s.scoringFailed(w, r, err)
		return
	}
	s.setFlash(w, r, "credit.rejected_ok")
	http.Redirect(w, r, "/gov/credit/applications/"+strconv.FormatUint(pathID(r), 10), http.StatusSeeOther)
}

// scoringFailed shows the application again with the reason.
func (s *Server) scoringFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.showAgain(w, r, err, func(status int, v *view) { s.renderScoring(w, r, status, v) })
}

// showAgain shows a page again after a refused action, with what was
// typed: a field's message next to it, anything else (needs a reviewer,
// his own, too late) at the top. Not found and unexpected errors get the
// error page.
func (s *Server) showAgain(w http.ResponseWriter, r *http.Request, err error, again func(status int, v *view)) {
	e, ok := app.AsError(err)
	if !ok || e.Code == app.ENOTFOUND {
		s.fail(w, r, err, "", nil)
		return
	}
	again(statusOf(e.Code), &view{Form: r.PostForm, Errors: e.Fields, Error: e.Key, ErrorArgs: e.Args})
}

// recordData is a record's page.
type recordData struct {
	Rec *app.CreditRecord
	// Docs are the bureau's evidence; RequestDocs[i] what request i
	// brought: each with its number in AllDocs, which the download takes.
	Docs        []docLink
	RequestDocs [][]docLink
	Pending     *app.CreditRequest
	CanDecide   bool
	// OtherDistrict: a reviewer who may read the record (its subject has
	// moved into his jurisdiction) but not decide on it.
	OtherDistrict bool
	CanObject     bool
	CanRepair     bool
	// AskAdmin: an agent reading a record his agency may still object to
	// or ask to repair, which its admin does.
	AskAdmin   bool
	Agency     bool
	RepairFrom string
}

// docLink is a document of a record's page with its download number.
type docLink struct {
	N   int
	Doc app.CreditDoc
}

func (s *Server) handleRecordShow(w http.ResponseWriter, r *http.Request) {
	s.renderRecord(w, r, http.StatusOK, &view{})
}

func (s *Server) renderRecord(w http.ResponseWriter, r *http.Request, status int, v *view) {
	a := actorOf(r)
	rec, err := s.app.GetRecord(a, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	now := s.app.Now()
	d := recordData{Rec: rec, Pending: rec.PendingRequest(), Agency: portalOfPath(r.URL.Path) == "agency"}
	n := 0
	links := func(docs []app.CreditDoc) []docLink {
		var out []docLink
		for _, doc := range docs {
			out = append(out, docLink{N: n, Doc: doc})
			n++
		}
		return out
	}
	d.Docs = links(rec.Docs)
	for _, q := range rec.Requests {
		d.RequestDocs = append(d.RequestDocs, links(q.Docs))
	}
	d.CanDecide = s.app.CanDecideRecord(a, rec)
	d.OtherDistrict = d.Pending != nil && a.Can(app.PermCreditReview) && !d.CanDecide
	d.CanObject = d.Agency && a.Can(app.PermCreditObject) && rec.CanObject(now)
	d.CanRepair = d.Agency && a.Can(app.PermCreditObject) && rec.CanRepair(now)
	d.AskAdmin = d.Agency && !a.Can(app.PermCreditObject) && (rec.CanObject(now) || rec.CanRepair(now))
	v.Title, v.Nav, v.Data = "credit.record_title", "credit", d
	s.render(w, r, status, "credit_record", v)
}

func (s *Server) handleRecordDecide(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	accept := r.PostForm.Get("accept") == "1"
	if _, err := s.app.DecideRequest(actorOf(r), pathID(r), accept, r.PostForm.Get("decision")); err != nil {
		s.recordFailed(w, r, err)
		return
	}
	s.setFlash(w, r, "credit.decided_ok")
	http.Redirect(w, r, "/gov/credit/records/"+strconv.FormatUint(pathID(r), 10), http.StatusSeeOther)
}

func (s *Server) handleRecordRequest(w http.ResponseWriter, r *http.Request) {
	docs, tooBig, err := creditUploads(w, r)
	if err != nil {
		s.recordFailed(w, r, err)
		return
	}
	if tooBig {
		s.recordFailed(w, r, fieldErr("docs", "credit.doc_too_big"))
		return
	}
	kind := r.PostForm.Get("kind")
	_, err = s.app.LodgeRequest(actorOf(r), pathID(r), app.RequestInput{Kind: kind, Reason: r.PostForm.Get("reason"), Docs: docs})
	if err != nil {
		s.recordFailed(w, r, err)
		return
	}
	s.setFlash(w, r, "credit.request_ok."+kind)
	http.Redirect(w, r, "/agency/credit/records/"+strconv.FormatUint(pathID(r), 10), http.StatusSeeOther)
}

func (s *Server) recordFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.showAgain(w, r, err, func(status int, v *view) { s.renderRecord(w, r, status, v) })
}

func (s *Server) handleCreditDoc(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			s.renderError(w, r, http.StatusNotFound, "credit.doc_not_found")
			return
		}
		d, data, err := s.app.CreditDocument(actorOf(r), kind, pathID(r), n)
		if err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		serveDocument(w, d.Type, data)
	}
}
