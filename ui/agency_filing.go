package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// agencyFormOf reads the filing form; premises rows are premises.N.field.
func agencyFormOf(f url.Values) app.AgencyForm {
	in := app.AgencyForm{Name: f.Get("name"), USCC: f.Get("uscc"), Type: f.Get("type"), LegalRep: f.Get("legal_rep"),
		LegalRepIDType: f.Get("legal_rep_id_type"), LegalRepIDNo: f.Get("legal_rep_id_no"), Address: f.Get("address"),
		District: f.Get("district"), Contact: f.Get("contact"), ContactMobile: f.Get("contact_mobile"),
		Scope: f.Get("scope"), Capital: f.Get("capital"), Established: f.Get("established"), HeadOffice: f.Get("head_office")}
	for i := 0; ; i++ {
		p := "premises." + strconv.Itoa(i) + "."
		if _, ok := f[p+"name"]; !ok {
			break
		}
		in.Premises = append(in.Premises, app.PremisesForm{Name: f.Get(p + "name"), Address: f.Get(p + "address"),
			District: f.Get(p + "district"), Lng: f.Get(p + "lng"), Lat: f.Get(p + "lat")})
	}
	return in
}

// formValues is the inverse of agencyFormOf, to show a stored draft.
func formValues(in app.AgencyForm) url.Values {
	f := url.Values{"name": {in.Name}, "uscc": {in.USCC}, "type": {in.Type}, "legal_rep": {in.LegalRep},
		"legal_rep_id_type": {in.LegalRepIDType}, "legal_rep_id_no": {in.LegalRepIDNo}, "address": {in.Address},
		"district": {in.District}, "contact": {in.Contact}, "contact_mobile": {in.ContactMobile}, "scope": {in.Scope},
		"capital": {in.Capital}, "established": {in.Established}, "head_office": {in.HeadOffice}}
	for i, p := range in.Premises {
		k := "premises." + strconv.Itoa(i) + "."
		f.Set(k+"name", p.Name)
		f.Set(k+"address", p.Address)
		f.Set(k+"district", p.District)
		f.Set(k+"lng", p.Lng)
		f.Set(k+"lat", p.Lat)
	}
	return f
}

// filingData is what the step form needs.
type filingData struct {
	Ctx       appCtx
	App       *app.AgencyApplication // nil before the first step is saved
	Step      int
	Steps     []int
	Action    string           // where the form posts
	Districts []*app.DictEntry // the premises' districts
	Own       []*app.DictEntry // the agency's district: a district's clerk files in his own
	IDTypes   []*app.DictEntry
	Types     []string
	Rows      []int
	Public    bool
	Branch    bool   // an agency's branch application: head office fixed
	HeadName  string // the fixed head office
	Problems  []stepProblem
}

// stepProblem is a mistake found at submission, with the step to fix it.
type stepProblem struct {
	Field, Key string
	Step       int
}

func stepOfField(f string) int {
	switch {
	case strings.HasPrefix(f, "premises."):
		return app.StepPremises
	case f == "licence":
		return app.StepLicence
	}
	return app.StepBasic
}

func (s *Server) filingData(r *http.Request, ctx appCtx, ap *app.AgencyApplication, step int, form url.Values) filingData {
	d := filingData{Ctx: ctx, App: ap, Step: step, Steps: []int{1, 2, 3, 4}, Districts: s.enabledDistricts(),
		Types: app.AgencyTypes, Public: ctx.Ref.Token != "" || portalOfPath(r.URL.Path) == "public"}
	d.IDTypes, _ = s.app.Dict(app.DictIDType, true)
	d.Own = d.Districts
	if !d.Public { // a public applicant names any district
		d.Own = s.districtChoices(actorOf(r))
	}
	d.Action = r.URL.Path
	if ap != nil {
		d.Action = ctx.Base + "/step/" + strconv.Itoa(step)
	}
	rows := app.PremisesRows
	for i := 0; ; i++ {
		if _, ok := form["premises."+strconv.Itoa(i)+".name"]; !ok {
			rows = max(rows, i+2)
			break
		}
	}
	for i := range rows {
		d.Rows = append(d.Rows, i)
	}
	a := actorOf(r)
	switch {
	case ap != nil && ap.Kind == app.AppNew && ap.Source == app.SourceAgency:
		d.Branch, d.HeadName = true, ap.Info.HeadOfficeName
	case ap == nil && portalOfPath(r.URL.Path) == "agency":
		d.Branch, d.HeadName = true, a.AgencyName
	case ap != nil && ap.Kind != app.AppNew:
		d.Branch, d.HeadName = ap.Info.HeadOfficeID != 0, ap.Info.HeadOfficeName
	}
	return d
}

func (s *Server) renderStep(w http.ResponseWriter, r *http.Request, status int, d filingData, form url.Values, v *view) {
	if v == nil {
		v = &view{}
	}
	v.Title, v.Nav, v.Form, v.Data = "agency.filing_title", "agency_new", form, d
	if d.App != nil && d.App.Kind == app.AppChange {
		v.Title = "agency.change_title"
	}
	if portalOfPath(r.URL.Path) == "agency" {
		v.Nav = "my_agency"
	}
	if d.Public {
		v.Portal = "public"
	}
	s.render(w, r, status, "agency_form", v)
}

// handleFilingNew shows the first step of a new filing (a clerk's, or a
// head office's branch application; a branch's admin is told why not).
func (s *Server) handleFilingNew(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if portalOfPath(r.URL.Path) == "agency" {
		if ok, why, args := s.app.CanApplyForBranch(a); !ok {
			s.renderError(w, r, http.StatusForbidden, why, args...)
			return
		}
	}
	form := url.Values{"type": {app.AgencyTypeBroker}, "legal_rep_id_type": {"resident_id"}, "district": {a.District}}
	s.renderStep(w, r, http.StatusOK, s.filingData(r, appCtx{}, nil, app.StepBasic, form), form, nil)
}

func (s *Server) handleFilingStart(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	ap, err := s.app.StartFiling(actorOf(r), agencyFormOf(r.PostForm))
	if err != nil {
		if e, ok := app.AsError(err); ok && e.Code == app.EFORBIDDEN {
			s.renderError(w, r, http.StatusForbidden, e.Key, e.Args...)
			return
		}
		s.fail(w, r, err, "agency_form", s.stepView(r, nil, app.StepBasic))
		return
	}
	http.Redirect(w, r, "/"+portalOfPath(r.URL.Path)+"/agency-applications/"+strconv.FormatUint(ap.ID, 10)+"/step/2", http.StatusSeeOther)
}

// stepView is the view for re-rendering a step with the posted form.
func (s *Server) stepView(r *http.Request, ap *app.AgencyApplication, step int) *view {
	ctx := appCtxOf(r)
	d := s.filingData(r, ctx, ap, step, r.PostForm)
	v := &view{Title: "agency.filing_title", Nav: "agency_new", Form: r.PostForm, Data: d}
	if portalOfPath(r.URL.Path) == "agency" {
		v.Nav = "my_agency"
	}
	if d.Public {
		v.Portal = "public"
	}
	return v
}

func (s *Server) loadApplication(w http.ResponseWriter, r *http.Request) (*app.AgencyApplication, appCtx, bool) {
	ctx := appCtxOf(r)
	ap, err := s.app.GetApplication(actorOf(r), ctx.Ref)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return nil, ctx, false
	}
	return ap, ctx, true
}

func (s *Server) handleStepForm(w http.ResponseWriter, r *http.Request) {
	ap, ctx, ok := s.loadApplication(w, r)
	if !ok {
		return
	}
	step, _ := strconv.Atoi(mux.Vars(r)["step"])
	if !ap.Open() || ap.Status == app.AppPending || ap.Kind == app.AppCancel {
		http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
		return
	}
	// The steps go in order: one cannot jump past the first unsaved one.
	if step > ap.Step {
		step = ap.Step
	}
	form := formValues(ap.Form)
	s.renderStep(w, r, http.StatusOK, s.filingData(r, ctx, ap, step, form), form, nil)
}

// handleStepSave saves a step. The buttons: "next" validates and goes on,
// "prev" and "save" keep the step as typed (a draft) and go back or stay.
func (s *Server) handleStepSave(w http.ResponseWriter, r *http.Request) {
	step, _ := strconv.Atoi(mux.Vars(r)["step"])
	if step == app.StepLicence {
		s.handleLicenceUpload(w, r)
		return
	}
	_ = r.ParseForm()
	ctx := appCtxOf(r)
	a := actorOf(r)
	if step == app.StepConfirm {
		http.Redirect(w, r, ctx.Base+"/step/4", http.StatusSeeOther)
		return
	}
	do := r.PostForm.Get("go")
	ap, err := s.app.SaveStep(a, ctx.Ref, step, agencyFormOf(r.PostForm), do == "next")
	if err != nil {
		cur, gerr := s.app.GetApplication(a, ctx.Ref)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		if e, ok := app.AsError(err); ok && (e.Code == app.ECONFLICT || e.Code == app.EFORBIDDEN) {
			s.setFlash(w, r, e.Key)
			http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
			return
		}
		s.fail(w, r, err, "agency_form", s.stepView(r, cur, step))
		return
	}
	switch do {
	case "next":
		http.Redirect(w, r, ctx.Base+"/step/"+strconv.Itoa(step+1), http.StatusSeeOther)
	case "prev":
		http.Redirect(w, r, ctx.Base+"/step/"+strconv.Itoa(max(step-1, 1)), http.StatusSeeOther)
	default:
		s.setFlash(w, r, "agency.draft_saved")
		http.Redirect(w, r, ctx.Base+"/step/"+strconv.Itoa(min(step, ap.Step)), http.StatusSeeOther)
	}
}

// maxLicenceUpload bounds the request: the scan plus the form around it.
const maxLicenceUpload = app.LicenceMaxBytes + 64<<10

func (s *Server) handleLicenceUpload(w http.ResponseWriter, r *http.Request) {
	ctx := appCtxOf(r)
	a := actorOf(r)
	cur, err := s.app.GetApplication(a, ctx.Ref)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLicenceUpload)
	fail := func(key string) {
		v := s.stepView(r, cur, app.StepLicence)
		v.Form = formValues(cur.Form)
		v.Errors, v.Error = map[string]string{"licence": key}, "form.invalid"
		s.render(w, r, http.StatusUnprocessableEntity, "agency_form", v)
	}
	// Read part by part (readUploadForm): a scan over the request's limit is
	// the licence field's error, not a lost page.
	files, _, err := readUploadForm(r, "licence", app.LicenceMaxBytes, 8<<10)
	switch {
	case errors.Is(err, errUploadTooBig):
		fail("agency.licence_too_big")
		return
	case err != nil:
		fail("agency.licence_unreadable")
		return
	}
	if r.PostForm.Get("go") == "prev" {
		http.Redirect(w, r, ctx.Base+"/step/2", http.StatusSeeOther)
		return
	}
	if len(files) == 0 {
		if cur.Info.LicenceBlob != 0 { // already attached: go on with it
			http.Redirect(w, r, ctx.Base+"/step/4", http.StatusSeeOther)
			return
		}
		fail("agency.licence_required")
		return
	}
	if _, err := s.app.AttachLicence(a, ctx.Ref, files[0].Name, files[0].Data); err != nil {
		if e, ok := app.AsError(err); ok && len(e.Fields) > 0 {
			fail(e.Fields["licence"])
			return
		}
		s.fail(w, r, err, "", nil)
		return
	}
	http.Redirect(w, r, ctx.Base+"/step/4", http.StatusSeeOther)
}

func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := appCtxOf(r)
	a := actorOf(r)
	_, err := s.app.SubmitApplication(a, ctx.Ref)
	if err != nil {
		cur, gerr := s.app.GetApplication(a, ctx.Ref)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		e, ok := app.AsError(err)
		if !ok || len(e.Fields) == 0 {
			s.fail(w, r, err, "", nil)
			return
		}
		// Every mistake listed on the last step, each with a link to its step.
		form := formValues(cur.Form)
		d := s.filingData(r, ctx, cur, app.StepConfirm, form)
		for f, k := range e.Fields {
			d.Problems = append(d.Problems, stepProblem{Field: f, Key: k, Step: stepOfField(f)})
		}
		v := &view{Errors: e.Fields, Error: "agency.submit_problems"}
		s.renderStep(w, r, http.StatusUnprocessableEntity, d, form, v)
		return
	}
	s.setFlash(w, r, "agency.submitted_ok")
	http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
}

func (s *Server) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	ctx := appCtxOf(r)
	if _, err := s.app.WithdrawApplication(actorOf(r), ctx.Ref); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.setFlash(w, r, "agency.withdrawn_ok")
	http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
}

func (s *Server) handleApplicationLicence(w http.ResponseWriter, r *http.Request) {
	info, data, err := s.app.ApplicationLicence(actorOf(r), appCtxOf(r).Ref)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	serveDocument(w, info.ContentType, data)
}

// serveDocument sends an uploaded document inline, with its checked type
// and nothing a browser could run.
func serveDocument(w http.ResponseWriter, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "inline")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; object-src 'self'; sandbox")
	_, _ = w.Write(data)
}

// Public self-application.

func (s *Server) handlePublicApplyForm(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"type": {app.AgencyTypeBroker}, "legal_rep_id_type": {"resident_id"}}
	d := s.filingData(r, appCtx{}, nil, app.StepBasic, form)
	d.Public = true
	s.renderStep(w, r, http.StatusOK, d, form, &view{Portal: "public"})
}

func (s *Server) handlePublicApplyStart(w http.ResponseWriter, r *http.Request) {
	if !s.publicAllowed(w, r) {
		return
	}
	_ = r.ParseForm()
	_, token, err := s.app.StartPublicFiling(actorOf(r), agencyFormOf(r.PostForm), r.PostForm.Get("applicant_name"), r.PostForm.Get("applicant_mobile"))
	if err != nil {
		v := s.stepView(r, nil, app.StepBasic)
		v.Portal = "public"
		s.fail(w, r, err, "agency_form", v)
		return
	}
	s.setFlash(w, r, "agency.public_started")
	http.Redirect(w, r, "/agencies/apply/"+token+"/step/2", http.StatusSeeOther)
}
