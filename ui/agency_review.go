package ui

import (
	"net/http"

	"anju/app"
)

// applicationData is the application page.
type applicationData struct {
	Ctx     appCtx
	App     *app.AgencyApplication
	Current *app.Agency // the agency as filed now (change, cancel)
	CanEdit bool
	// CanWithdraw: the applicant's side may give up an open application.
	CanWithdraw bool
	CanReview   bool
	ReviewWhy   string // why the review buttons are not offered
	Notice      bool   // an account notice is waiting to be printed by this viewer
	Reissue     bool
	Public      bool
}

func (s *Server) handleApplicationShow(w http.ResponseWriter, r *http.Request) {
	ap, ctx, ok := s.loadApplication(w, r)
	if !ok {
		return
	}
	s.renderApplication(w, r, http.StatusOK, ap, ctx, nil)
}

func (s *Server) renderApplication(w http.ResponseWriter, r *http.Request, status int, ap *app.AgencyApplication, ctx appCtx, v *view) {
	a := actorOf(r)
	d := applicationData{Ctx: ctx, App: ap, Public: ctx.Ref.Token != ""}
	if ap.AgencyID != 0 && ap.Kind != app.AppNew && !d.Public {
		d.Current, _ = s.app.GetAgency(a, ap.AgencyID)
	}
	switch {
	case d.Public:
		d.CanEdit = ap.Status == app.AppDraft || ap.Status == app.AppRejected
	case ap.Source == app.SourceAgency:
		d.CanEdit = a.Can(app.PermAgencyApply) && a.AgencyID == ap.ApplicantAgency && (ap.Status == app.AppDraft || ap.Status == app.AppRejected)
	default:
		d.CanEdit = a.Can(app.PermAgencyFile) && ap.Source == app.SourceGov && (ap.Status == app.AppDraft || ap.Status == app.AppRejected)
	}
	d.CanWithdraw = ap.Open() && (d.Public || (ap.Source == app.SourceAgency && a.Can(app.PermAgencyApply) && a.AgencyID == ap.ApplicantAgency) ||
		(ap.Source == app.SourceGov && a.Can(app.PermAgencyFile)))
	if ap.Status == app.AppPending && a.Can(app.PermAgencyReview) {
		d.CanReview, d.ReviewWhy = s.app.CanReview(a, ap.ID)
	}
	if c := ap.Credential; c != nil && ap.Status == app.AppApproved {
		mine := d.Public || (ap.Source == app.SourceGov && ap.SubmittedBy.UserID == a.UserID) ||
			(ap.Source == app.SourceAgency && a.AgencyID == ap.ApplicantAgency)
		d.Notice = mine && len(c.Sealed) > 0
		d.Reissue = !d.Public && s.app.CanReissueNotice(a, ap)
	}
	if v == nil {
		v = &view{}
	}
	v.Title, v.Nav, v.Data = "agency.app_title", "agency_apps", d
	if portalOfPath(r.URL.Path) == "agency" {
		v.Nav = "my_agency"
	}
	if d.Public {
		v.Portal = "public"
	}
	s.render(w, r, status, "agency_application", v)
}

func (s *Server) handleApplicationList(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	f := app.AppFilter{Status: q.Get("status"), Kind: q.Get("kind"), District: q.Get("district"), Mine: q.Get("mine") == "1"}
	if !q.Has("status") && a.Can(app.PermAgencyReview) {
		f.Status = app.AppPending // a reviewer's queue
		q.Set("status", app.AppPending)
	}
	list, err := s.app.ListApplications(a, f)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	nav := "agency_apps"
	if portalOfPath(r.URL.Path) == "agency" {
		nav = "my_agency"
	}
	d := applicationListData{Items: list}
	if a.Can(app.PermGovPortal) && a.District == "" {
		d.Districts = s.enabledDistricts() // a city-wide reviewer's queue spans every district
	}
	s.render(w, r, http.StatusOK, "agency_applications", &view{Title: "agency.apps_title", Nav: nav, Form: q, Data: d})
}

// applicationListData is the applications' list page.
type applicationListData struct {
	Items     []*app.AgencyApplication
	Districts []*app.DictEntry // the district filter's choices (city-wide government users)
}

func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) {
	ctx := appCtxOf(r)
	ap, err := s.app.ApproveApplication(actorOf(r), ctx.Ref.ID)
	if err != nil {
		s.reviewFailed(w, r, ctx, err)
		return
	}
	s.setFlash(w, r, "agency.approved_ok."+ap.Kind)
	http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
}

func (s *Server) handleReject(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	ctx := appCtxOf(r)
	if _, err := s.app.RejectApplication(actorOf(r), ctx.Ref.ID, r.PostForm.Get("reject_reason")); err != nil {
		s.reviewFailed(w, r, ctx, err)
		return
	}
	s.setFlash(w, r, "agency.rejected_ok")
	http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
}

// reviewFailed shows the application again with the reason: a missing
// rejection reason next to its field, anything else at the top.
func (s *Server) reviewFailed(w http.ResponseWriter, r *http.Request, ctx appCtx, err error) {
	ap, gerr := s.app.GetApplication(actorOf(r), ctx.Ref)
	e, ok := app.AsError(err)
	if gerr != nil || !ok {
		s.fail(w, r, err, "", nil)
		return
	}
	v := &view{Form: r.PostForm, Errors: e.Fields, Error: e.Key, ErrorArgs: e.Args}
	if len(e.Fields) > 0 {
		v.Error = "form.invalid"
	}
	s.renderApplication(w, r, statusOf(e.Code), ap, ctx, v)
}

// handleNotice shows the account notice (账号开通通知书) once: it is a POST
// because reading it erases the stored password.
func (s *Server) handleNotice(w http.ResponseWriter, r *http.Request) {
	ctx := appCtxOf(r)
	n, err := s.app.TakeAccountNotice(actorOf(r), ctx.Ref)
	if err != nil {
		s.reviewFailed(w, r, ctx, err)
		return
	}
	s.renderNotice(w, r, n, ctx)
}

func (s *Server) handleReissue(w http.ResponseWriter, r *http.Request) {
	ctx := appCtxOf(r)
	n, err := s.app.ReissueAccountNotice(actorOf(r), ctx.Ref.ID)
	if err != nil {
		s.reviewFailed(w, r, ctx, err)
		return
	}
	s.renderNotice(w, r, n, ctx)
}

type noticeData struct {
	N         *app.AccountNotice
	Ctx       appCtx
	LoginURL  string
	Portal    string
	AgencyURL string
}

func (s *Server) renderNotice(w http.ResponseWriter, r *http.Request, n *app.AccountNotice, ctx appCtx) {
	base := s.publicBase(r)
	v := &view{Title: "agency.notice_title", Nav: "agency_apps",
		Data: noticeData{N: n, Ctx: ctx, LoginURL: base + "/agency/login"}}
	if ctx.Ref.Token != "" {
		v.Portal = "public"
	}
	s.render(w, r, http.StatusOK, "agency_notice", v)
}
