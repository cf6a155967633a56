package ui_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/app"
)

func init() {
	view, manage := string(app.PermPractitionerView), string(app.PermPractitionerManage)
	for _, p := range []string{"/gov", "/agency"} {
		pre := p + "/practitioners"
		routeTable = append(routeTable,
			routeCase{"GET", pre, view, http.StatusOK},
			routeCase{"GET", pre + "/new", manage, http.StatusOK},
			routeCase{"POST", pre, manage, http.StatusUnprocessableEntity}, // empty form
			routeCase{"GET", pre + "/{id:[0-9]+}", view, http.StatusOK},
			routeCase{"GET", pre + "/{id:[0-9]+}/edit", manage, http.StatusOK},
			routeCase{"POST", pre + "/{id:[0-9]+}", manage, http.StatusUnprocessableEntity},     // no role
			routeCase{"POST", pre + "/{id:[0-9]+}/end", manage, http.StatusUnprocessableEntity}, // no date or reason
			routeCase{"GET", pre + "/{id:[0-9]+}/card", view, http.StatusOK},
			// any user of the portal; the fixture is agent.zhang's own record
			routeCase{"GET", pre + "/{id:[0-9]+}/photo", portal, http.StatusOK},
		)
	}
	routeTable = append(routeTable,
		routeCase{"POST", "/gov/practitioners/{id:[0-9]+}/id-number", string(app.PermPersonalData), http.StatusOK},
		routeCase{"POST", "/agency/practitioners/{id:[0-9]+}/account", string(app.PermAgencyStaff), http.StatusSeeOther},
		routeCase{"GET", "/agency/card", portal, http.StatusOK},
	)
	otherRoutes = append(otherRoutes, "GET /practitioners/{card}", "GET /practitioners/{card}/photo")
	routeFixtures = append(routeFixtures, func(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
		p := zhangRecord(t, e)
		return map[string]uint64{"/gov/practitioners/": p.ID, "/agency/practitioners/": p.ID},
			map[string]url.Values{"POST /agency/practitioners/{id:[0-9]+}/account": {"account": {itoa(e.userID("agent.zhang"))}}}
	})
}

var portraitPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a test portrait")

const anjuAgency = "北京安居房地产经纪有限公司"

// residentID completes 17 digits with the check character (ISO 7064 MOD 11-2).
func residentID(d17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(d17[i]-'0') * w[i]
	}
	return d17 + string("10X98765432"[sum%11])
}

func agentActor(e *env, username string) app.Actor {
	u := e.user(username)
	return app.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, AgencyID: u.AgencyID}
}

// zhangRecord returns agent.zhang's practitioner record, with a photo,
// linked to his account (made here when the demo has none).
func zhangRecord(t *testing.T, e *env) *app.Practitioner {
	t.Helper()
	agent := agentActor(e, "agent.zhang")
	if p, err := e.app.MyPractitioner(agent); err == nil {
		if p.PhotoBlob == 0 {
			c := p.Current()
			if _, err := e.app.UpdatePractitioner(sys, p.ID, app.PractitionerUpdate{Role: c.Role, QualCertNo: p.QualCertNo, Photo: portraitPNG}); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	p, err := e.app.AddPractitioner(sys, app.PractitionerInput{Name: "张伟", IDNo: residentID("11010519900115003"),
		Mobile: "13733334444", Role: app.PracBroker, QualCertNo: "JJR11010520180021", Agency: anjuAgency,
		Start: "2025-01-02", Photo: portraitPNG, PhotoName: "zhang.png"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.LinkPractitionerAccount(sys, agent.UserID, p.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

// postMultipart posts a form with an optional file "photo".
func (c *client) postMultipart(path string, form url.Values, photo []byte) *resp {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if photo != nil {
		fw, _ := mw.CreateFormFile("photo", "photo.jpg")
		_, _ = fw.Write(photo)
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.e.http.URL+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestPractitionerFlowInTheAgencyPortal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("agency", "anju.admin")
	id := residentID("11010519910909091")

	// Errors show beside their fields and the typed input stays.
	r := admin.postMultipart("/agency/practitioners", url.Values{"name": {"林晓"}, "id_no": {id[:17] + "0"},
		"mobile": {"123"}, "role": {"broker"}, "start": {"2026-01-05"}}, []byte("%PDF-1.7 a scan, not a photo"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "id_no", zh("idcard.checksum"))
	wantFieldError(t, r, "mobile", zh("mobile.invalid"))
	wantFieldError(t, r, "qual_cert_no", zh("practitioner.qual_required"))
	wantFieldError(t, r, "photo", zh("practitioner.photo_type"))
	wantInputValue(t, r, "name", "林晓")
	wantInputValue(t, r, "mobile", "123")

	r = admin.postMultipart("/agency/practitioners", url.Values{"name": {"林晓"}, "id_no": {strings.ToLower(id)},
		"mobile": {"13912345678"}, "role": {"broker"}, "qual_cert_no": {"JJR2019123"}, "start": {"2026-01-05"}}, portraitPNG)
	wantRedirectPrefix(t, r, "/agency/practitioners/")
	path := r.Header.Get("Location")
	r = admin.get(path)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("practitioner.added"), "林晓", app.MaskID(id), "139****5678", anjuAgency, zh("practitioner.role.broker"))
	wantNoText(t, r, id, "13912345678")
	if ph := admin.get(path + "/photo"); ph.StatusCode != 200 || ph.Header.Get("Content-Type") != "image/png" || ph.body != string(portraitPNG) {
		t.Errorf("photo: %d %q", ph.StatusCode, ph.Header.Get("Content-Type"))
	}
	// Listed (masked) and found by one character.
	r = admin.get("/agency/practitioners?q=" + url.QueryEscape("晓"))
	wantText(t, r, "林晓", app.MaskID(id))
	wantNoText(t, r, id)

	// The printable card: its QR code opens the public page.
	card := admin.get(path + "/card")
	wantStatus(t, card, http.StatusOK)
	wantText(t, card, zh("practitioner.card_title"), "林晓", "XK", anjuAgency)
	if !strings.Contains(card.body, "<svg") || !strings.Contains(card.body, "/practitioners/XK") {
		t.Errorf("card without QR code or public address:\n%s", visibleText(card.body))
	}
	pid, _ := strconv.ParseUint(path[strings.LastIndex(path, "/")+1:], 10, 64)
	p, err := e.app.GetPractitioner(sys, pid)
	if err != nil {
		t.Fatal(err)
	}
	pub := e.client().get("/practitioners/" + p.CardNo)
	wantStatus(t, pub, http.StatusOK)
	wantText(t, pub, "林晓", app.MaskID(id), anjuAgency, zh("practitioner.status.employed"))
	wantNoText(t, pub, id, "13912345678", "139****5678")
	if ph := e.client().get("/practitioners/" + p.CardNo + "/photo"); ph.StatusCode != 200 || ph.Header.Get("Content-Type") != "image/png" {
		t.Errorf("public photo: %d", ph.StatusCode)
	}
	wantStatus(t, e.client().get("/practitioners/XK99999999"), http.StatusNotFound)

	// Edit: an empty mobile keeps the number.
	r = admin.postMultipart(path, url.Values{"role": {"assistant"}, "qual_cert_no": {"XL2020001"}}, nil)
	wantRedirect(t, r, path)
	r = admin.get(path)
	wantText(t, r, zh("practitioner.saved"), zh("practitioner.role.assistant"), "XL2020001", "139****5678")

	// End the employment: errors beside the fields, then done.
	r = admin.post(path+"/end", url.Values{"end": {"2025-12-01"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "end", zh("practitioner.end_before_start"))
	wantFieldError(t, r, "reason", zh("practitioner.reason_required"))
	wantRedirect(t, admin.post(path+"/end", url.Values{"end": {"2026-02-01"}, "reason": {"个人原因"}}), path)
	r = admin.get(path)
	wantText(t, r, zh("practitioner.status.left"), "个人原因")
	if strings.Contains(r.body, `action="`+path+`/end"`) {
		t.Error("the end form is still offered")
	}
	pub = e.client().get("/practitioners/" + p.CardNo)
	wantText(t, pub, zh("practitioner.status.left"), zh("practitioner.public_left"))
	// In English, without taking the person for a man.
	pub = e.client().get("/practitioners/"+p.CardNo, "Accept-Language", "en")
	wantText(t, pub, en("practitioner.status.left"), en("practitioner.public_left"))
	wantNoText(t, pub, " him.", " him ", " his ")
	// Among those who left, not among the staff.
	wantText(t, admin.get("/agency/practitioners?status=left"), "林晓")
	wantNoText(t, admin.get("/agency/practitioners?status=employed"), "林晓")
	// Editing a leaver is refused by the server, not only hidden.
	wantStatus(t, admin.get(path+"/edit"), http.StatusForbidden)
}

func TestPractitionerRefusedWhileEmployedElsewhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zhang := zhangRecord(t, e)
	// leju.admin is agency_admin of another agency; his portal form.
	leju := e.signedIn("agency", "leju.admin")
	r := leju.postMultipart("/agency/practitioners", url.Values{"name": {"张伟"}, "id_no": {zhang.IDNo},
		"mobile": {"13733334444"}, "role": {"broker"}, "qual_cert_no": {"JJR1"}, "start": {"2026-01-05"}}, nil)
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, zh("practitioner.employed_elsewhere_at", anjuAgency))
	wantFieldError(t, r, "id_no", zh("practitioner.employed_elsewhere"))
	wantInputValue(t, r, "id_no", zhang.IDNo)
	// And he cannot open the record of another agency's employee.
	wantStatus(t, leju.get("/agency/practitioners/"+itoa(zhang.ID)), http.StatusNotFound)
	wantStatus(t, leju.get("/agency/practitioners/"+itoa(zhang.ID)+"/photo"), http.StatusNotFound)
	// The clerk of Haidian neither (Anju is in Chaoyang).
	hd := e.signedIn("gov", "clerk.hd")
	wantStatus(t, hd.get("/gov/practitioners/"+itoa(zhang.ID)), http.StatusNotFound)
	wantNoText(t, hd.get("/gov/practitioners?q="+url.QueryEscape("张伟")), zhang.CardNo)
}

// TestPractitionerEmployerElsewhereIsNotALink: a district clerk sees a
// practitioner who once worked in his district; his employer now is in
// another district, which the clerk cannot open, so it is named without a
// link (it led to a 404), while a city-wide user gets the link.
func TestPractitionerEmployerElsewhereIsNotALink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hd, err := e.app.SearchAgencies(sys, app.AgencyQuery{District: "110108", Status: app.AgencyFiled, Size: 1})
	if err != nil || len(hd.Items) == 0 {
		t.Fatalf("no filed agency in Haidian: %v", err)
	}
	haidian := hd.Items[0]
	id := residentID("11010519880808080")
	p, err := e.app.AddPractitioner(sys, app.PractitionerInput{Name: "调动者", IDNo: id, Mobile: "13611112222", Role: "other",
		Agency: anjuAgency, Start: "2025-01-05"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.EndEmployment(sys, p.ID, "2026-01-04", "调往海淀"); err != nil {
		t.Fatal(err)
	}
	if p, err = e.app.AddPractitioner(sys, app.PractitionerInput{Name: "调动者", IDNo: id, Mobile: "13611112222", Role: "other",
		Agency: haidian.Name, Start: "2026-01-05"}); err != nil {
		t.Fatal(err)
	}
	link := `href="/gov/agencies/` + itoa(haidian.ID) + `"`
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/practitioners/" + itoa(p.ID))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "调动者", haidian.Name, anjuAgency)
	wantNoText(t, r, link)
	wantStatus(t, clerk.get("/gov/agencies/"+itoa(haidian.ID)), http.StatusNotFound)
	leader := e.signedIn("gov", "leader")
	wantText(t, leader.get("/gov/practitioners/"+itoa(p.ID)), link)
}

func TestPractitionerGovFormAndAuditedFullView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/practitioners/new")
	wantStatus(t, r, http.StatusOK)
	r = clerk.postMultipart("/gov/practitioners", url.Values{"name": {"高远"}, "id_no": {residentID("11010519870707071")},
		"mobile": {"13611110000"}, "role": {"other"}, "start": {"2026-01-05"}, "agency": {"没有这家"}}, nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "agency", zh("practitioner.agency_unknown"))
	wantInputValue(t, r, "agency", "没有这家")
	r = clerk.postMultipart("/gov/practitioners", url.Values{"name": {"高远"}, "id_no": {residentID("11010519870707071")},
		"mobile": {"13611110000"}, "role": {"other"}, "start": {"2026-01-05"}, "agency": {anjuAgency}}, nil)
	wantRedirectPrefix(t, r, "/gov/practitioners/")
	path := r.Header.Get("Location")
	r = clerk.get(path)
	wantText(t, r, "高远", anjuAgency, app.MaskID(residentID("11010519870707071")))
	wantNoText(t, r, residentID("11010519870707071"), "13611110000")
	// A leader reads the masked numbers only.
	leader := e.signedIn("gov", "leader")
	if strings.Contains(leader.get(path).body, path+"/id-number") {
		t.Error("a leader is offered the full view")
	}
	wantStatus(t, leader.post(path+"/id-number", nil), http.StatusForbidden)
	// The clerk and the sysadmin open them, each view audited.
	for _, who := range []string{"clerk", "sysadmin"} {
		c := e.signedIn("gov", who)
		if !strings.Contains(c.get(path).body, `action="`+path+`/id-number"`) {
			t.Fatalf("%s is not offered the full view", who)
		}
		r = c.post(path+"/id-number", nil)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, residentID("11010519870707071"), "13611110000", zh("practitioner.full_view_audited"))
		found := false
		for _, a := range e.auditActions("practitioner/" + path[strings.LastIndex(path, "/")+1:]) {
			found = found || (a.Action == "personal.view" && a.Username == who)
		}
		if !found {
			t.Errorf("%s's full view is not audited", who)
		}
	}
	// The list masks the number; a viewer finds him by one character.
	r = leader.get("/gov/practitioners?q=" + url.QueryEscape("远"))
	wantText(t, r, "高远", app.MaskID(residentID("11010519870707071")))
	wantNoText(t, r, residentID("11010519870707071"))
}

func TestMyCard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// agent.zhangxh has no record unless the demo made one.
	xh := e.signedIn("agency", "agent.zhangxh")
	if _, err := e.app.MyPractitioner(agentActor(e, "agent.zhangxh")); err != nil {
		r := xh.get("/agency/card")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, zh("practitioner.not_linked"))
	}
	p := zhangRecord(t, e)
	agent := e.signedIn("agency", "agent.zhang")
	r := agent.get("/agency/card")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, p.Name, p.CardNo, anjuAgency)
	if !strings.Contains(r.body, "<svg") {
		t.Error("no QR code on the agent's card")
	}
	wantStatus(t, agent.get("/agency/practitioners/"+itoa(p.ID)+"/photo"), http.StatusOK)
	// He may not list or open the agency's practitioners.
	wantStatus(t, agent.get("/agency/practitioners"), http.StatusForbidden)
}

func TestPractitionerPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := zhangRecord(t, e)
	clerk := e.signedIn("gov", "clerk")
	admin := e.signedIn("agency", "anju.admin")
	sa := e.signedIn("gov", "sysadmin")
	agent := e.signedIn("agency", "agent.zhangxh")
	anon := e.client()
	id := itoa(p.ID)
	names := []string{p.Name, anjuAgency, "张小红", "刘洋", "王芳", "周建国"}
	// His red list entry's reason and basis are stored text, shown on his
	// public page as typed.
	entries, err := e.app.PublicActiveEntries(app.Subject{Kind: app.SubjectPractitioner, ID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		names = append(names, en.Reason, en.Basis)
	}
	type page struct {
		c            *client
		method, path string
		form         url.Values
		status       int
	}
	pages := []page{
		{clerk, "GET", "/gov/practitioners", nil, 200},
		{clerk, "GET", "/gov/practitioners/new", nil, 200},
		{clerk, "POST", "/gov/practitioners", url.Values{"id_no": {"1"}}, 422},
		{clerk, "GET", "/gov/practitioners/" + id, nil, 200},
		{clerk, "GET", "/gov/practitioners/" + id + "/edit", nil, 200},
		{clerk, "POST", "/gov/practitioners/" + id, url.Values{"mobile": {"1"}}, 422},
		{clerk, "POST", "/gov/practitioners/" + id + "/end", url.Values{}, 422},
		{clerk, "GET", "/gov/practitioners/" + id + "/card", nil, 200},
		{sa, "POST", "/gov/practitioners/" + id + "/id-number", nil, 200},
		{admin, "GET", "/agency/practitioners", nil, 200},
		{admin, "GET", "/agency/practitioners/new", nil, 200},
		{admin, "GET", "/agency/practitioners/" + id, nil, 200},
		{admin, "POST", "/agency/practitioners/" + id + "/account", url.Values{"account": {"999999"}}, 422},
		{agent, "GET", "/agency/card", nil, 200},
		{anon, "GET", "/practitioners/" + p.CardNo, nil, 200},
		{anon, "GET", "/practitioners/XK00000000", nil, 404},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, c := range []*client{clerk, admin, sa, agent, anon} {
			wantRedirect(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
		}
		for _, pg := range pages {
			var r *resp
			if pg.method == "GET" {
				r = pg.c.get(pg.path)
			} else {
				r = pg.c.post(pg.path, pg.form)
			}
			if r.StatusCode != pg.status {
				t.Errorf("%s %s (%s): status %d, want %d\n%.300s", pg.method, pg.path, lang, r.StatusCode, pg.status, visibleText(r.body))
				continue
			}
			for _, problem := range untranslated(r.body, lang, names) {
				t.Errorf("%s %s in %s: %s", pg.method, pg.path, lang, problem)
			}
		}
	}
}

// listRow returns the <tr> of the list that holds text (an empty body
// when none), to be checked with wantText.
func listRow(r *resp, text string) *resp {
	return &resp{Response: r.Response, body: rowOf(r.body, text)}
}

func rowOf(body, text string) string {
	i := strings.Index(body, text)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], "<tr")
	end := strings.Index(body[i:], "</tr>")
	if start < 0 || end < 0 {
		return ""
	}
	return body[start : i+end]
}

// TestPractitionerWhoMovedOnSeenByHisFormerAgency: Anju ended 王五's
// employment, then Leju registered him. For Anju he is someone who left
// it: its list labels him "left" with his dates at Anju (not Leju's start),
// its employed rows agree with the employed count of its home page, and
// it may no longer print his card (his current employer's document).
// Government users still see him employed at Leju and may print it.
func TestPractitionerWhoMovedOnSeenByHisFormerAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.signedIn("agency", "anju.admin")
	leju := e.signedIn("agency", "leju.admin")
	lejuName := e.user("leju.admin").AgencyName
	id := residentID("11010519850505055")
	form := url.Values{"name": {"王五"}, "id_no": {id}, "mobile": {"13812345555"}, "role": {"broker"},
		"qual_cert_no": {"JJR2020555"}, "start": {"2025-03-01"}}
	r := anju.postMultipart("/agency/practitioners", form, nil)
	wantRedirectPrefix(t, r, "/agency/practitioners/")
	path := r.Header.Get("Location")
	wantRedirect(t, anju.post(path+"/end", url.Values{"end": {"2026-01-20"}, "reason": {"个人原因"}}), path)
	form.Set("start", "2026-01-25")
	wantRedirect(t, leju.postMultipart("/agency/practitioners", form, nil), path)
	p, err := e.app.GetPractitioner(sys, pathIDOf(t, path))
	if err != nil {
		t.Fatal(err)
	}

	for _, q := range []string{"?status=left", ""} {
		r = anju.get("/agency/practitioners" + q)
		wantStatus(t, r, http.StatusOK)
		rr := listRow(r, p.CardNo)
		if rr.body == "" {
			t.Fatalf("%q: no row for %s:\n%s", q, p.CardNo, visibleText(r.body))
		}
		wantText(t, rr, zh("practitioner.status.left"), anjuAgency, "2025年3月1日", "2026年1月20日")
		wantNoText(t, rr, zh("practitioner.status.employed"), lejuName, "2026年1月25日")
	}
	// The rows labelled employed are the staff counted on the home page.
	n, err := e.app.EmployedCount(e.user("anju.admin").AgencyID)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(r.body, `class="tag on"`); got != n || n == 0 {
		t.Errorf("list: %d rows employed, home page: %d employed", got, n)
	}
	wantNoText(t, anju.get("/agency/practitioners?status=employed"), p.CardNo)

	// His page: left, as far as Anju is concerned, and no card to print.
	r = anju.get(path)
	wantStatus(t, r, http.StatusOK)
	// Left Anju; where he works now is labelled as now, not as his agency.
	wantText(t, r, zh("practitioner.status.left"))
	if !strings.Contains(visibleText(r.body), zh("practitioner.agency_now")+" "+lejuName) {
		t.Errorf("his former agency does not read where he works now as such:\n%s", visibleText(r.body))
	}
	wantNoText(t, r, path+"/card", zh("practitioner.print_card"))
	if lr := leju.get(path); !strings.Contains(visibleText(lr.body), zh("practitioner.agency")+" "+lejuName) ||
		strings.Contains(lr.body, zh("practitioner.agency_now")) {
		t.Errorf("his agency reads:\n%s", visibleText(lr.body))
	}
	r = anju.get(path + "/card")
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("practitioner.card_not_staff"))
	wantNoText(t, r, zh("practitioner.card_title"))

	// In English too.
	wantRedirect(t, anju.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}}), "/")
	r = anju.get("/agency/practitioners?status=left")
	wantText(t, listRow(r, p.CardNo), en("practitioner.status.left"), "20 Jan 2026")
	wantText(t, anju.get(path+"/card"), en("practitioner.card_not_staff"))

	// Leju prints the card of its employee.
	r = leju.get(path + "/card")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "王五", p.CardNo, lejuName)
	wantText(t, leju.get(path), zh("practitioner.print_card"), zh("practitioner.status.employed"))

	// Government users see what they saw: employed at Leju, card printable.
	clerk := e.signedIn("gov", "clerk")
	gpath := "/gov/practitioners/" + itoa(p.ID)
	r = clerk.get("/gov/practitioners?status=left&agency=" + itoa(e.user("anju.admin").AgencyID))
	wantText(t, listRow(r, p.CardNo), zh("practitioner.status.employed"), lejuName, "2026年1月25日")
	wantText(t, clerk.get(gpath), gpath+"/card", zh("practitioner.status.employed"))
	r = clerk.get(gpath + "/card")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "王五", lejuName)
}

func pathIDOf(t *testing.T, path string) uint64 {
	t.Helper()
	id, err := strconv.ParseUint(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRoleChangeShownInTheHistory: an agency admin promotes an assistant;
// the clerk's page and the public card show the role held before and until
// when, in both languages.
func TestRoleChangeShownInTheHistory(t *testing.T) {
	t.Parallel()
	c := newClock()
	e := newEnvClock(t, c)
	p, err := e.app.AddPractitioner(sys, app.PractitionerInput{Name: "林晓", IDNo: residentID("11010519920202004"),
		Mobile: "13912345678", Role: app.PracAssistant, QualCertNo: "XL2020001", Agency: anjuAgency, Start: c.Now().AddDate(0, 0, -40).Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(24 * time.Hour) // not the day he was entered: a promotion, not a correction
	admin := e.signedIn("agency", "anju.admin")
	path := "/agency/practitioners/" + strconv.FormatUint(p.ID, 10)
	wantRedirect(t, admin.postMultipart(path, url.Values{"role": {app.PracBroker}, "qual_cert_no": {"JJR2026001"}}, nil), path)

	clerk := e.signedIn("gov", "clerk")
	gov := "/gov/practitioners/" + strconv.FormatUint(p.ID, 10)
	for _, page := range []string{gov, "/practitioners/" + p.CardNo} {
		for _, lang := range []string{"zh-CN", "en"} {
			var r *resp
			if page == gov {
				r = clerk.get(page, "Accept-Language", lang)
			} else {
				r = e.client().get(page, "Accept-Language", lang)
			}
			wantOK(t, r)
			l := func(key string, args ...any) string { return msg(lang, key, args...) }
			until := fmtDateZH(c.Now())
			if lang == "en" {
				until = c.Now().Local().Format("2 Jan 2006")
			}
			wantText(t, r, l("practitioner.role.broker"), l("practitioner.former_role", l("practitioner.role.assistant"), until))
		}
	}
}
