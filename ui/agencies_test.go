package ui_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"anju/app"
)

func init() {
	file, review, view := string(app.PermAgencyFile), string(app.PermAgencyReview), string(app.PermAgencyView)
	apply := string(app.PermAgencyApply)
	routeTable = append(routeTable,
		routeCase{"GET", "/gov/agencies", view, http.StatusOK},
		routeCase{"GET", "/gov/agencies/new", file, http.StatusOK},
		routeCase{"POST", "/gov/agencies/new", file, http.StatusUnprocessableEntity}, // empty form
		routeCase{"GET", "/gov/agencies/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/agencies/{id:[0-9]+}/licence", view, http.StatusOK},
		routeCase{"POST", "/gov/agencies/{id:[0-9]+}/change", file, http.StatusSeeOther},
		routeCase{"GET", "/gov/agencies/{id:[0-9]+}/cancel", file, http.StatusOK},
		routeCase{"POST", "/gov/agencies/{id:[0-9]+}/cancel", file, http.StatusUnprocessableEntity}, // no reason
		routeCase{"GET", "/gov/agency-applications", view, http.StatusOK},
		routeCase{"GET", "/gov/agency-applications/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/agency-applications/{id:[0-9]+}/step/{step:[1-4]}", file, http.StatusSeeOther}, // pending: to its page
		routeCase{"POST", "/gov/agency-applications/{id:[0-9]+}/step/{step:[1-4]}", file, http.StatusSeeOther},
		routeCase{"POST", "/gov/agency-applications/{id:[0-9]+}/submit", file, http.StatusConflict}, // submitted already
		routeCase{"GET", "/gov/agency-applications/{id:[0-9]+}/licence", view, http.StatusOK},
		routeCase{"POST", "/gov/agency-applications/{id:[0-9]+}/approve", review, http.StatusSeeOther},
		routeCase{"POST", "/gov/agency-applications/{id:[0-9]+}/reject", review, http.StatusUnprocessableEntity}, // no reason
		routeCase{"POST", "/gov/agency-applications/{id:[0-9]+}/notice", file, http.StatusOK},
		routeCase{"POST", "/gov/agency-applications/{id:[0-9]+}/reissue", file, http.StatusOK},
		routeCase{"POST", "/gov/agency-applications/{id:[0-9]+}/withdraw", file, http.StatusSeeOther},

		routeCase{"GET", "/agency/agency", view, http.StatusOK},
		routeCase{"GET", "/agency/agencies/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/agency/agencies/{id:[0-9]+}/licence", view, http.StatusNotFound}, // the demo agency has no scan on file
		routeCase{"GET", "/agency/agencies/{id:[0-9]+}/cancel", apply, http.StatusOK},
		routeCase{"POST", "/agency/agencies/{id:[0-9]+}/cancel", apply, http.StatusUnprocessableEntity},
		routeCase{"POST", "/agency/agencies/{id:[0-9]+}/change", apply, http.StatusSeeOther},
		routeCase{"GET", "/agency/branches/apply", apply, http.StatusOK},
		routeCase{"POST", "/agency/branches/apply", apply, http.StatusUnprocessableEntity},
		routeCase{"GET", "/agency/agency-applications", apply, http.StatusOK},
		routeCase{"GET", "/agency/agency-applications/{id:[0-9]+}", apply, http.StatusOK},
		routeCase{"GET", "/agency/agency-applications/{id:[0-9]+}/step/{step:[1-4]}", apply, http.StatusSeeOther},
		routeCase{"POST", "/agency/agency-applications/{id:[0-9]+}/step/{step:[1-4]}", apply, http.StatusSeeOther},
		routeCase{"POST", "/agency/agency-applications/{id:[0-9]+}/submit", apply, http.StatusConflict},
		routeCase{"GET", "/agency/agency-applications/{id:[0-9]+}/licence", apply, http.StatusOK},
		routeCase{"POST", "/agency/agency-applications/{id:[0-9]+}/notice", apply, http.StatusOK},
		routeCase{"POST", "/agency/agency-applications/{id:[0-9]+}/withdraw", apply, http.StatusSeeOther},
	)
	tok := "{token:[A-Za-z0-9_-]{20,}}"
	otherRoutes = append(otherRoutes, "GET /agencies/apply", "POST /agencies/apply",
		"GET /agencies/apply/"+tok, "GET /agencies/apply/"+tok+"/step/{step:[1-4]}",
		"POST /agencies/apply/"+tok+"/step/{step:[1-4]}", "POST /agencies/apply/"+tok+"/submit",
		"POST /agencies/apply/"+tok+"/withdraw", "GET /agencies/apply/"+tok+"/licence",
		"POST /agencies/apply/"+tok+"/notice")
	routeFixtures = append(routeFixtures, agencyRouteFixture)
}

// agencyRouteFixture makes, through the app, the applications each
// agency route acts on, so that every row's status is the one a user who
// may use it sees (and a state-changing row changes its own record).
func agencyRouteFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	clerk, reviewer, anju := e.actor("clerk"), e.actor("reviewer"), e.actor("anju.admin")
	pending := e.submittedFiling(clerk, "北京路由测试经纪有限公司", "91110105MA01LY001")
	approved := e.submittedFiling(clerk, "北京路由已备案经纪有限公司", "91110105MA01LY002")
	if _, err := e.app.ApproveApplication(reviewer, approved.ID); err != nil {
		t.Fatal(err)
	}
	approved, _ = e.app.GetApplication(reviewer, app.AppRef{ID: approved.ID})
	toApprove := e.submittedFiling(clerk, "北京路由待批经纪有限公司", "91110105MA01LY003")
	toWithdraw := e.submittedFiling(clerk, "北京路由撤回经纪有限公司", "91110105MA01LY004")

	branch := e.submittedFiling(anju, "北京安居房地产经纪有限公司路由分公司", "91110105MA01LY005")
	branchDone := e.submittedFiling(anju, "北京安居房地产经纪有限公司路由二分公司", "91110105MA01LY006")
	if _, err := e.app.ApproveApplication(reviewer, branchDone.ID); err != nil {
		t.Fatal(err)
	}
	branchWithdraw := e.submittedFiling(anju, "北京安居房地产经纪有限公司路由三分公司", "91110105MA01LY007")

	ga, ag := "/gov/agency-applications/{id:[0-9]+}", "/agency/agency-applications/{id:[0-9]+}"
	return map[string]uint64{
		"/gov/agencies/":                    anju.AgencyID,
		"/gov/agencies/{id:[0-9]+}/licence": approved.AgencyID,
		"/gov/agencies/{id:[0-9]+}/change":  approved.AgencyID,
		"/agency/agencies/":                 anju.AgencyID,
		ga:                                  pending.ID,
		ga + "/approve":                     toApprove.ID,
		ga + "/notice":                      approved.ID,
		ga + "/reissue":                     approved.ID,
		ga + "/withdraw":                    toWithdraw.ID,
		ag:                                  branch.ID,
		ag + "/notice":                      branchDone.ID,
		ag + "/withdraw":                    branchWithdraw.ID,
	}, nil
}

// actor is the Actor of a demo account, as the UI would build it.
func (e *env) actor(username string) app.Actor {
	u := e.user(username)
	return app.Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Roles: u.Roles, District: u.District,
		AgencyID: u.AgencyID, AgencyName: u.AgencyName}
}

// testUSCC completes a 17-character body with its check character.
func testUSCC(body string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(alphabet, body[i]) * w
		w = w * 3 % 31
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return body + string(alphabet[c])
}

func filingForm(name, uscc string) app.AgencyForm {
	return app.AgencyForm{Name: name, USCC: uscc, Type: app.AgencyTypeBroker, LegalRep: "钱进",
		LegalRepIDType: "resident_id", LegalRepIDNo: "110105198001010016", Address: "北京市朝阳区东三环中路1号",
		District: "110105", Contact: "钱进", ContactMobile: "13800002222",
		Premises: []app.PremisesForm{{Name: "东三环门店", Address: "北京市朝阳区东三环中路1号底商", District: "110105", Lng: "116.46", Lat: "39.92"}}}
}

var licencePNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR licence scan")

// submittedFiling files a complete application through the app as actor.
func (e *env) submittedFiling(actor app.Actor, name, body string) *app.AgencyApplication {
	e.t.Helper()
	form := filingForm(name, testUSCC(body))
	ap, err := e.app.StartFiling(actor, form)
	if err != nil {
		e.t.Fatalf("start filing %s: %v", name, err)
	}
	ref := app.AppRef{ID: ap.ID}
	if _, err := e.app.SaveStep(actor, ref, app.StepPremises, form, true); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.app.AttachLicence(actor, ref, "licence.png", licencePNG); err != nil {
		e.t.Fatal(err)
	}
	if ap, err = e.app.SubmitApplication(actor, ref); err != nil {
		e.t.Fatal(err)
	}
	return ap
}

// postFile posts a multipart form with one file.
func (c *client) postFile(path string, fields url.Values, field, filename string, data []byte) *resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.e.http.URL+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func step1Values(name, uscc string) url.Values {
	return url.Values{"name": {name}, "uscc": {uscc}, "type": {"broker"}, "legal_rep": {"钱进"},
		"legal_rep_id_type": {"resident_id"}, "legal_rep_id_no": {"110105198001010016"},
		"address": {"北京市朝阳区东三环中路1号"}, "district": {"110105"}, "contact": {"钱进"},
		"contact_mobile": {"13800002222"}, "capital": {"200"}, "established": {"2020-05-01"}, "go": {"next"}}
}

var appPath = regexp.MustCompile(`/gov/agency-applications/(\d+)/step/2$`)

// TestAgencyFilingThroughTheUI walks the flow over HTTP: the clerk
// enters a filing step by step (a mistake is named on its field and the
// input kept), the reviewer returns it with a reason, the clerk corrects
// and resubmits, the reviewer approves, the clerk prints the account
// notice once and the new admin signs in with it.
func TestAgencyFilingThroughTheUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/agencies/new")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("agency.filing_title"), zh("agency.step1"), zh("agency.next"))

	bad := step1Values("北京界面测试经纪有限公司", "91110105MA01JM0010")
	bad.Set("contact_mobile", "1380000")
	r = clerk.post("/gov/agencies/new", bad)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "uscc", zh("uscc.checksum"))
	wantFieldError(t, r, "contact_mobile", zh("mobile.invalid"))
	wantInputValue(t, r, "name", "北京界面测试经纪有限公司")

	code := testUSCC("91110105MA01JM001")
	r = clerk.post("/gov/agencies/new", step1Values("北京界面测试经纪有限公司", code))
	wantRedirectPrefix(t, r, "/gov/agency-applications/")
	m := appPath.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("redirected to %q", r.Header.Get("Location"))
	}
	base := "/gov/agency-applications/" + m[1]

	// Step 2: swapped coordinates are named; then a good row.
	r = clerk.post(base+"/step/2", url.Values{"premises.0.name": {"东三环门店"}, "premises.0.address": {"东三环中路1号"},
		"premises.0.district": {"110105"}, "premises.0.lng": {"39.9"}, "premises.0.lat": {"116.4"}, "go": {"next"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "premises.0.lng", zh("agency.lng_invalid"))
	wantInputValue(t, r, "premises.0.name", "东三环门店")
	r = clerk.post(base+"/step/2", url.Values{"premises.0.name": {"东三环门店"}, "premises.0.address": {"东三环中路1号"},
		"premises.0.district": {"110105"}, "premises.0.lng": {"116.46"}, "premises.0.lat": {"39.92"}, "go": {"next"}})
	wantRedirect(t, r, base+"/step/3")

	// Step 3: a text file named .png is refused by its content.
	r = clerk.postFile(base+"/step/3", url.Values{"go": {"next"}}, "licence", "licence.png", []byte("not an image"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "licence", zh("agency.licence_type"))
	r = clerk.postFile(base+"/step/3", url.Values{"go": {"next"}}, "licence", "licence.png", licencePNG)
	wantRedirect(t, r, base+"/step/4")
	r = clerk.get(base + "/step/4")
	wantText(t, r, "北京界面测试经纪有限公司", code, zh("agency.submit"))
	r = clerk.post(base+"/submit", nil)
	wantRedirect(t, r, base)

	reviewer := e.signedIn("gov", "reviewer")
	// The demo queue holds two pending filings; this is the third.
	wantText(t, reviewer.get("/gov/"), zh("home.agenda_review", 3))
	r = reviewer.get("/gov/agency-applications")
	wantText(t, r, "北京界面测试经纪有限公司")
	r = reviewer.post(base+"/reject", url.Values{"reject_reason": {""}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "reject_reason", zh("agency.reject_reason_required"))
	r = reviewer.post(base+"/reject", url.Values{"reject_reason": {"注册资本与营业执照不一致"}})
	wantRedirect(t, r, base)

	r = clerk.get(base)
	wantText(t, r, zh("agency.returned"), "注册资本与营业执照不一致")
	r = clerk.post(base+"/submit", nil)
	wantRedirect(t, r, base)
	// The clerk cannot approve; the reviewer does.
	wantStatus(t, clerk.post(base+"/approve", nil), http.StatusForbidden)
	r = reviewer.post(base+"/approve", nil)
	wantRedirect(t, r, base)

	r = clerk.get(base)
	wantText(t, r, zh("agency.notice_print"))
	wantText(t, clerk.get("/gov/"), zh("home.agenda_notices", 1))
	r = clerk.post(base+"/notice", nil)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("agency.notice_title"), zh("agency.notice_once"))
	creds := regexp.MustCompile(`<code class="secret">([^<]+)</code>`).FindAllStringSubmatch(r.body, -1)
	if len(creds) != 2 {
		t.Fatalf("account notice without username and password:\n%s", visibleText(r.body))
	}
	username, password := creds[0][1], creds[1][1]
	// Shown once: a second print is refused.
	r = clerk.post(base+"/notice", nil)
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, zh("agency.notice_taken"))

	// Lost before the admin's first sign-in, it may be issued again...
	wantText(t, clerk.get(base), zh("agency.notice_reissue"))

	admin := e.client()
	r = admin.login("agency", username, password)
	wantRedirectPrefix(t, r, "/agency/password")
	// ...not once he has chosen his own password (the server would refuse).
	wantRedirect(t, admin.post("/agency/password", url.Values{"current": {password}, "new": {"Jiemian-Admin-2026"}, "confirm": {"Jiemian-Admin-2026"}}), "/agency/")
	if r = clerk.get(base); strings.Contains(r.body, zh("agency.notice_reissue")) {
		t.Error("reissue offered after the admin changed his password")
	}
	wantStatus(t, clerk.post(base+"/reissue", nil), http.StatusConflict)

	// The agency is in the list with its filing number, and its history
	// shows the approved version.
	r = clerk.get("/gov/agencies?q=界面")
	wantText(t, r, "北京界面测试经纪有限公司")
}

func TestAgencyFilingFormInEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	clerk.setCookie("lang", "en")
	r := clerk.get("/gov/agencies/new")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, en("agency.filing_title"), en("agency.uscc"), en("agency.next"))
	r = clerk.post("/gov/agencies/new", url.Values{"go": {"next"}})
	wantFieldError(t, r, "name", en("agency.name_required"))
}

func TestBranchAdminIsToldWhyHeCannotApply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju, reviewer := e.actor("anju.admin"), e.actor("reviewer")
	ap := e.submittedFiling(anju, "北京安居房地产经纪有限公司测试分公司", "91110105MA01CT001")
	ap, err := e.app.ApproveApplication(reviewer, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.app.TakeAccountNotice(anju, app.AppRef{ID: ap.ID})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	wantRedirectPrefix(t, c.login("agency", n.Username, n.Password), "/agency/password")
	r := c.post("/agency/password", url.Values{"current": {n.Password}, "new": {"Branch-Admin-2026"}, "confirm": {"Branch-Admin-2026"}})
	wantRedirectPrefix(t, r, "/agency/")
	r = c.get("/agency/branches/apply")
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("agency.branch_cannot_apply", "北京安居房地产经纪有限公司"))
	wantStatus(t, c.post("/agency/branches/apply", step1Values("别家经纪有限公司", testUSCC("91110105MA01CT002"))), http.StatusForbidden)
}

func TestPublicSelfApplicationThroughTheUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	r := c.get("/agencies/apply")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("agency.public_intro"), zh("agency.applicant_mobile"))
	v := step1Values("北京公众自荐住房租赁有限公司", testUSCC("91110105MA01GK001"))
	r = c.post("/agencies/apply", v)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "applicant_name", zh("agency.applicant_name_required"))
	v.Set("applicant_name", "郑女士")
	v.Set("applicant_mobile", "13911112222")
	r = c.post("/agencies/apply", v)
	loc := r.Header.Get("Location")
	if !regexp.MustCompile(`^/agencies/apply/[A-Za-z0-9_-]{20,}/step/2$`).MatchString(loc) {
		t.Fatalf("redirect to %q", loc)
	}
	base := strings.TrimSuffix(loc, "/step/2")
	r = c.get(base)
	wantText(t, r, zh("agency.keep_link"))
	// Another visitor without the link sees nothing; a guessed link neither.
	wantStatus(t, e.client().get("/agencies/apply/AAAAAAAAAAAAAAAAAAAAAAAA"), http.StatusNotFound)
}
