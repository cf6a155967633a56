package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// coOwnerRows is how many co-owner rows the form offers (no script needed).
const coOwnerRows = 3

func (s *Server) registerVerificationRoutes(r *mux.Router) {
	for _, p := range []app.Portal{app.PortalGov, app.PortalAgency} {
		pre := "/" + string(p) + "/verifications"
		r.HandleFunc(pre, s.requireAuth(p, app.PermVerifyList, s.handleVerificationList)).Methods("GET")
		r.HandleFunc(pre+"/new", s.requireAuth(p, app.PermVerify, s.handleVerificationNew)).Methods("GET")
		r.HandleFunc(pre, s.requireAuth(p, app.PermVerify, s.handleVerificationCreate(p))).Methods("POST")
		r.HandleFunc("/"+string(p)+"/verify-attempts", s.requireAuth(p, app.PermVerifyList, s.handleAttempts)).Methods("GET")
		r.HandleFunc(pre+"/{code}", s.requireAuth(p, app.PermVerifyList, s.handleVerificationShow)).Methods("GET")
		r.HandleFunc(pre+"/{code}/notice", s.requireAuth(p, app.PermVerifyList, s.handleVerificationNotice)).Methods("GET")
	}
	r.HandleFunc("/gov/verifications/{code}/revoke", s.requireAuth(app.PortalGov, app.PermVerifyRevoke, s.handleVerificationRevoke)).Methods("POST")
	s.publicPages = newPublicPages(publicPageTTL, publicPagesMax)
	s.shells = map[string]*publicShell{}
	s.busyPages = map[string]*busyPage{}
	r.HandleFunc("/check", s.handlePublicCheckForm).Methods("GET")
	r.HandleFunc("/v/{code}/notice", s.handlePublicNotice).Methods("GET")
}

type verifyFormData struct {
	Districts []*app.DictEntry
	CertTypes []*app.DictEntry
	IDTypes   []*app.DictEntry
	CoOwners  []int
	Duplicate *app.Verification
	// CoOwnersOpen unfolds the co-owner rows when any was typed in: its
	// message (a missing name, a mismatch) must not sit in a folded box
	// while the banner asks to correct the fields marked red.
	CoOwnersOpen bool
}

// coOwnersTyped reports whether the form has a co-owner's name or ID.
func coOwnersTyped(f url.Values) bool {
	for i := range coOwnerRows {
		p := "co_owners." + strconv.Itoa(i) + "."
		if strings.TrimSpace(f.Get(p+"owner_name")) != "" || strings.TrimSpace(f.Get(p+"owner_id_no")) != "" {
			return true
		}
	}
	return false
}

func (s *Server) verifyFormData(a app.Actor) verifyFormData {
	d := verifyFormData{Districts: s.districtChoices(a)}
	var err error
	if d.CertTypes, err = s.app.Dict(app.DictCertType, true); err != nil {
		s.log.Error("load cert types", "err", err)
	}
	if d.IDTypes, err = s.app.Dict(app.DictIDType, true); err != nil {
		s.log.Error("load id types", "err", err)
	}
	for i := range coOwnerRows {
		d.CoOwners = append(d.CoOwners, i)
	}
	return d
}

func (s *Server) handleVerificationNew(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"owner_id_type": {"resident_id"}, "mode": {"whole"}}
	if d := actorOf(r).District; d != "" {
		form.Set("district", d)
	}
	form.Set("cert_type", "01")
	for i := range coOwnerRows {
		form.Set("co_owners."+strconv.Itoa(i)+".owner_id_type", "resident_id")
	}
	s.render(w, r, http.StatusOK, "verification_form", &view{Title: "verify.new", Nav: "verify_new", Form: form, Data: s.verifyFormData(actorOf(r))})
}

func verifyInputOf(f url.Values) app.VerifyInput {
	in := app.VerifyInput{
		District: f.Get("district"), CertType: f.Get("cert_type"), CertNo: f.Get("cert_no"),
		Owners:  []app.OwnerInput{{Name: f.Get("owner_name"), IDType: f.Get("owner_id_type"), IDNo: f.Get("owner_id_no")}},
		Address: f.Get("address"), Building: f.Get("building"), Room: f.Get("room"), Area: f.Get("area"),
		Rooms: f.Get("rooms"), Halls: f.Get("halls"), Baths: f.Get("baths"), Rent: f.Get("rent"), Mode: f.Get("mode"),
	}
	for i := range coOwnerRows {
		p := "co_owners." + strconv.Itoa(i) + "."
		in.Owners = append(in.Owners, app.OwnerInput{Name: f.Get(p + "owner_name"), IDType: f.Get(p + "owner_id_type"), IDNo: f.Get(p + "owner_id_no")})
	}
	return in
}

func (s *Server) handleVerificationCreate(p app.Portal) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		res, err := s.app.Verify(actorOf(r), verifyInputOf(r.PostForm))
		if err != nil {
			data := s.verifyFormData(actorOf(r))
			data.Duplicate, data.CoOwnersOpen = res.Duplicate, coOwnersTyped(r.PostForm)
			v := &view{Title: "verify.new", Nav: "verify_new", Form: r.PostForm, Data: data}
			if e, ok := app.AsError(err); ok && e.Code == app.EUNAVAILABLE {
				v.Error = e.Key
				s.render(w, r, http.StatusServiceUnavailable, "verification_form", v)
				return
			}
			if e, ok := app.AsError(err); ok && e.Code == app.EINVALID && e.Key != "form.invalid" {
				// A refusal: the reason named at the top and on its field.
				v.Errors, v.Error, v.ErrorArgs = e.Fields, e.Key, e.Args
				s.render(w, r, http.StatusUnprocessableEntity, "verification_form", v)
				return
			}
			s.fail(w, r, err, "verification_form", v)
			return
		}
		http.Redirect(w, r, "/"+string(p)+"/verifications/"+res.Verification.Code+"?new=1", http.StatusSeeOther)
	}
}

// verificationQuery reads the list filters.
func verificationQuery(q url.Values) (app.VerificationQuery, map[string]string) {
	vq := app.VerificationQuery{Text: q.Get("q"), Status: q.Get("status"), District: q.Get("district")}
	vq.Page, _ = strconv.Atoi(q.Get("page"))
	var errs map[string]string
	vq.From, vq.To, errs = dayRange(q)
	return vq, errs
}

func (s *Server) handleVerificationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	vq, errs := verificationQuery(q)
	v := &view{Title: "verify.list", Nav: "verify_list", Form: q}
	type listData struct {
		Result    app.VerificationPage
		Pager     pager
		Districts []*app.DictEntry
		Now       time.Time
	}
	d := listData{Districts: s.enabledDistricts(), Now: time.Now()}
	if len(errs) > 0 {
		v.Errors, v.Error, v.Data = errs, "form.invalid", d
		s.render(w, r, http.StatusUnprocessableEntity, "verifications", v)
		return
	}
	vq.Size = 20
	res, err := s.app.SearchVerifications(actorOf(r), vq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d.Result, d.Pager = res, newPager(r, res.Page, res.Pages)
	if res.Total == 0 && app.CheckVerificationCode(app.NormalizeVerificationCode(strings.TrimSpace(vq.Text))) == app.VCodeMistyped {
		// A whole code whose check character fails was typed wrong, not
		// "not found": say so beside the box, as the public check does.
		v.Errors = map[string]string{"q": "verify.code_mistyped"}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "verifications", v)
}

type verificationData struct {
	V     *app.Verification
	State string
	New   bool
	Now   time.Time
	QR    template.HTML
	URL   string
}

// Ended reports whether the code ended before its validity did (revoked,
// voided, or used by a lease): its date is then the one it was valid until.
func (d verificationData) Ended() bool {
	switch d.State {
	case app.VStatusRevoked, app.VStatusVoided, app.VStatusUsed:
		return true
	}
	return false
}

func (s *Server) loadVerification(w http.ResponseWriter, r *http.Request) (*app.Verification, bool) {
	v, err := s.app.GetVerification(actorOf(r), mux.Vars(r)["code"])
	if err != nil {
		s.fail(w, r, err, "", nil)
		return nil, false
	}
	return v, true
}

func (s *Server) handleVerificationShow(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadVerification(w, r)
	if !ok {
		return
	}
	now := time.Now()
	s.render(w, r, http.StatusOK, "verification", &view{Title: "verify.detail", Nav: "verify_list",
		Data: verificationData{V: v, State: v.State(now), New: r.URL.Query().Get("new") == "1", Now: now}})
}

// checkURL is the public check address printed in the QR code.
func (s *Server) checkURL(r *http.Request, code string) string { return s.publicBase(r) + "/v/" + code }

// publicBase is the address printed documents point at: the configured
// public base URL, else the address this request came to.
func (s *Server) publicBase(r *http.Request) string {
	base := strings.TrimRight(s.app.ParamString(app.ParamPublicBaseURL), "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil || s.cfg.TLS {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base
}

func (s *Server) handleVerificationNotice(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadVerification(w, r)
	if !ok {
		return
	}
	u := s.checkURL(r, v.Code)
	qr, err := qrSVG(u, 140)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	now := time.Now()
	s.render(w, r, http.StatusOK, "verification_notice", &view{Title: "verify.notice_title", Nav: "verify_list",
		Data: verificationData{V: v, State: v.State(now), Now: now, QR: qr, URL: u}})
}

func (s *Server) handleVerificationRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	code := mux.Vars(r)["code"]
	_, err := s.app.RevokeVerificationFor(actorOf(r), code, r.PostForm.Get("reason"), r.PostForm.Get("forged") == "1")
	if err != nil {
		v, gerr := s.app.GetVerification(actorOf(r), code)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		now := time.Now()
		s.fail(w, r, err, "verification", &view{Title: "verify.detail", Nav: "verify_list", Form: r.PostForm,
			Data: verificationData{V: v, State: v.State(now), Now: now}})
		return
	}
	s.setFlash(w, r, "verify.revoked_ok")
	http.Redirect(w, r, "/gov/verifications/"+code, http.StatusSeeOther)
}

// The public check: /v/{code} (from the QR code) and /check?code= (the
// form on the home page). Rate-limited per client address.
func (s *Server) handlePublicCheckForm(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if strings.TrimSpace(code) == "" {
		s.render(w, r, http.StatusUnprocessableEntity, "public_home", &view{Title: "home.public", Portal: "public", Data: s.publicHomeData(r),
			Form: r.URL.Query(), Errors: map[string]string{"code": "verify.code_required"}})
		return
	}
	s.publicCheck(w, r, code)
}

func (s *Server) handlePublicCheck(w http.ResponseWriter, r *http.Request) {
	s.publicCheck(w, r, mux.Vars(r)["code"])
}

func (s *Server) publicCheck(w http.ResponseWriter, r *http.Request, code string) {
	if pc, ok := s.publicCode(w, r, code); ok {
		s.renderPublicCheck(w, r, pc)
	}
}

// publicCode looks a typed code up for a public page, within the client's
// rate limit; a code that is malformed, mistyped or unknown is answered
// with the home page's form and its message.
func (s *Server) publicCode(w http.ResponseWriter, r *http.Request, code string) (app.PublicCheck, bool) {
	if !s.publicAllowed(w, r) {
		return app.PublicCheck{}, false
	}
	pc, err := s.app.CheckCode(code)
	if err != nil {
		if e, ok := app.AsError(err); ok && e.Code == app.EINVALID {
			status := http.StatusNotFound
			s.render(w, r, status, "public_home", &view{Title: "home.public", Portal: "public", Data: s.publicHomeData(r),
				Form: url.Values{"code": {code}}, Errors: e.Fields})
			return app.PublicCheck{}, false
		}
		s.fail(w, r, err, "", nil)
		return app.PublicCheck{}, false
	}
	return pc, true
}

// publicNoticeData is the public notice: what the public check shows, with
// the QR code of the check and the address it encodes.
type publicNoticeData struct {
	*checkView
	Path    string // the public check page, for the way back
	QR      template.HTML
	URL     string
	Printed string // today, the notice's date as the portals' notice has it
}

// handlePublicNotice is the 租赁房源核验告知单 anyone may print, at the
// notice_url the API gives a platform: the portals' notice needs a staff
// sign-in, and a platform publishing a listing has none. It shows what the
// public check shows (owners' names masked, no ID or certificate number),
// with the QR code of the check, the issuing office and, for a valid code,
// the seal. Not cached: it is printed, not scanned.
func (s *Server) handlePublicNotice(w http.ResponseWriter, r *http.Request) {
	pc, ok := s.publicCode(w, r, mux.Vars(r)["code"])
	if !ok {
		return
	}
	u := s.checkURL(r, pc.Code)
	qr, err := qrSVG(u, 140)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	lang := pickLang(r, actorOf(r).Lang)
	s.render(w, r, http.StatusOK, "public_notice", &view{Title: "verify.notice_title", Portal: "public",
		Data: publicNoticeData{checkView: s.newCheckView(lang, pc), Path: "/v/" + pc.Code, QR: qr, URL: u,
			Printed: formatDate(lang, time.Now())}})
}
