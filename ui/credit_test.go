package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/app"
)

var testPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func init() {
	view, apply, review, object := string(app.PermCreditView), string(app.PermCreditApply), string(app.PermCreditReview), string(app.PermCreditObject)
	routeTable = append(routeTable,
		routeCase{"GET", "/gov/credit", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/agency/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/practitioner/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/applications", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/applications/new", apply, http.StatusSeeOther},             // no subject: pick one first
		routeCase{"POST", "/gov/credit/applications/new", apply, http.StatusUnprocessableEntity}, // no facts
		routeCase{"GET", "/gov/credit/applications/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/applications/{id:[0-9]+}/doc", view, http.StatusNotFound}, // no ?n=
		routeCase{"POST", "/gov/credit/applications/{id:[0-9]+}/reject", review, http.StatusUnprocessableEntity},
		routeCase{"POST", "/gov/credit/applications/{id:[0-9]+}/approve", review, http.StatusSeeOther},
		routeCase{"GET", "/gov/credit/records/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/records/{id:[0-9]+}/doc", view, http.StatusNotFound},
		routeCase{"POST", "/gov/credit/records/{id:[0-9]+}/decide", review, http.StatusUnprocessableEntity}, // no reason
		routeCase{"GET", "/agency/credit", view, http.StatusOK},
		routeCase{"GET", "/agency/credit/agency/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/agency/credit/practitioner/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/agency/credit/records/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/agency/credit/records/{id:[0-9]+}/doc", view, http.StatusNotFound},
		routeCase{"POST", "/agency/credit/records/{id:[0-9]+}/request", object, http.StatusUnprocessableEntity}, // no kind
	)
	routeFixtures = append(routeFixtures, creditRouteFixture)
}

// creditRouteFixture: 北京安居 (the demo agency of anju.admin, in the
// clerk's district) with a pending application and a record it may still
// object to; one of its practitioners.
func creditRouteFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	clerk, reviewer, anju := e.actor("clerk"), e.actor("reviewer"), e.actor("anju.admin")
	subject := app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}
	p := fileScoring(t, e, clerk, subject, "JG-K-004")
	rec := fileScoring(t, e, clerk, subject, "JG-K-005")
	r, err := e.app.ApproveScoring(reviewer, rec.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// An objection waits, so that the decide route has something to decide.
	if _, err := e.app.LodgeRequest(anju, r.ID, app.RequestInput{Kind: app.RequestObjection, Reason: "已整改"}); err != nil {
		t.Fatal(err)
	}
	prac, err := e.app.SearchPractitioners(anju, app.PractitionerQuery{Status: app.PracEmployed})
	if err != nil || len(prac.Items) == 0 {
		t.Fatalf("practitioners of 北京安居: %v", err)
	}
	subj := "agency:" + strconv.FormatUint(anju.AgencyID, 10)
	return map[string]uint64{
			"/gov/credit/applications/": p.ID, "/gov/credit/records/": r.ID, "/agency/credit/records/": r.ID,
			"/gov/credit/agency/": anju.AgencyID, "/agency/credit/agency/": anju.AgencyID,
			"/gov/credit/practitioner/": prac.Items[0].ID, "/agency/credit/practitioner/": prac.Items[0].ID,
		}, map[string]url.Values{
			"POST /gov/credit/applications/new": {"subject": {subj}},
		}
}

func ruleID(t *testing.T, e *env, no string) uint64 {
	t.Helper()
	rules, err := e.app.RulesFor(e.actor("clerk"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.No == no {
			return r.ID
		}
	}
	t.Fatalf("no rule %s", no)
	return 0
}

// ruleItems are the scoring standards' items: data, shown as written.
func ruleItems(t *testing.T, e *env) []string {
	t.Helper()
	rules, err := e.app.RulesFor(e.actor("clerk"), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rules {
		out = append(out, r.Item)
	}
	return out
}

func fileScoring(t *testing.T, e *env, clerk app.Actor, s app.Subject, rule string) *app.ScoringApplication {
	t.Helper()
	p, err := e.app.FileScoring(clerk, app.ScoringInput{Subject: s.String(), RuleID: strconv.FormatUint(ruleID(t, e, rule), 10),
		EventDate: e.app.Now().AddDate(0, 0, -2).Format("2006-01-02"), Facts: "现场检查发现问题。",
		Docs: []app.CreditUpload{{Name: "检查记录.pdf", Data: testPDF}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCreditPagesFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	subj := "agency:" + strconv.FormatUint(anju.AgencyID, 10)
	clerk := e.signedIn("gov", "clerk")

	list := clerk.get("/gov/credit")
	checkStatus(t, "credit list", list, http.StatusOK)
	checkShows(t, "credit list", list, zh("credit.subjects_title"))
	page := clerk.get("/gov/credit/agency/" + strconv.FormatUint(anju.AgencyID, 10))
	checkShows(t, "credit page", page, zh("credit.explain_title"))
	if !strings.Contains(page.body, `<svg class="score-chart"`) || !strings.Contains(page.body, "JG-J-002") {
		t.Error("the credit page has no chart or no explanation of the demo records")
	}

	// A bad form keeps what was typed and names the field.
	// The form says before it is sent that a penalty needs evidence.
	wantText(t, clerk.get("/gov/credit/applications/new?subject="+subj), zh("credit.docs_penalty_hint"))
	wantText(t, clerk.get("/gov/credit/applications/new?subject="+subj, "Accept-Language", "en"), en("credit.docs_penalty_hint"))
	fields := url.Values{"subject": {subj}, "rule": {strconv.FormatUint(ruleID(t, e, "JG-K-004"), 10)},
		"score": {"5"}, "event_date": {"2020-01-01"}, "facts": {"承租人投诉押金未退。"}}
	bad := clerk.postFile("/gov/credit/applications/new", fields, "docs", "记录.pdf", testPDF)
	checkStatus(t, "bad application", bad, http.StatusUnprocessableEntity)
	wantFieldError(t, bad, "score_reason", zh("credit.score_reason_required"))
	wantFieldError(t, bad, "event_date", zh("credit.event_date_too_old"))
	if !strings.Contains(bad.text(), "承租人投诉押金未退。") {
		t.Error("the facts typed were lost")
	}
	fields.Set("score_reason", "情节较重")
	fields.Set("event_date", e.app.Now().AddDate(0, 0, -3).Format("2006-01-02"))
	ok := clerk.postFile("/gov/credit/applications/new", fields, "docs", "记录.pdf", testPDF)
	checkStatus(t, "application", ok, http.StatusSeeOther)
	appPath := ok.Header.Get("Location")
	checkShows(t, "application as its clerk", clerk.get(appPath), zh("credit.own_application"))
	checkShows(t, "application as a viewer", e.signedIn("gov", "leader").get(appPath), zh("credit.needs_reviewer"))
	if r := clerk.post(appPath+"/approve", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("a clerk approved: %d", r.StatusCode)
	}

	reviewer := e.signedIn("gov", "reviewer")
	approved := reviewer.post(appPath+"/approve", url.Values{"note": {"属实"}})
	checkStatus(t, "approve", approved, http.StatusSeeOther)
	recPath := approved.Header.Get("Location")
	recID := strings.TrimPrefix(recPath, "/gov/credit/records/")

	// The agency sees the record with its rule and objects.
	agency := e.signedIn("agency", "anju.admin")
	mine := agency.get("/agency/credit")
	checkShows(t, "agency credit", mine, "JG-K-004")
	checkShows(t, "agency credit", mine, "-5")
	rec := agency.get("/agency/credit/records/" + recID)
	checkShows(t, "record for the agency", rec, zh("credit.object_title"))
	empty := agency.postFile("/agency/credit/records/"+recID+"/request", url.Values{"kind": {"objection"}}, "docs", "x.pdf", testPDF)
	wantFieldError(t, empty, "reason", zh("credit.request_reason_required"))
	objected := agency.postFile("/agency/credit/records/"+recID+"/request",
		url.Values{"kind": {"objection"}, "reason": {"押金已退还，附转账凭证。"}}, "docs", "转账.pdf", testPDF)
	checkStatus(t, "objection", objected, http.StatusSeeOther)
	// Another agency sees nothing of it.
	leju := e.signedIn("agency", "leju.admin")
	checkStatus(t, "record for another agency", leju.get("/agency/credit/records/"+recID), http.StatusNotFound)

	queue := reviewer.get("/gov/credit/applications")
	checkShows(t, "review queue", queue, zh("credit.requests_title"))
	decided := reviewer.post(recPath+"/decide", url.Values{"accept": {"1"}, "decision": {"凭证属实"}})
	checkStatus(t, "decide", decided, http.StatusSeeOther)
	after := agency.get("/agency/credit/records/" + recID)
	checkShows(t, "withdrawn record", after, zh("credit.rec_status.withdrawn"))

	// The public page shows the level, and the withdrawn record nowhere.
	cv, err := e.app.CreditPage(anju, app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID})
	if err != nil {
		t.Fatal(err)
	}
	pub := e.client().get("/agencies/" + strconv.FormatUint(anju.AgencyID, 10))
	checkShows(t, "public agency page", pub, zh("credit.public_level", cv.Level))
	checkShows(t, "public agency page", pub, zh("credit.public_score", cv.Score, cv.Base))
	if strings.Contains(pub.body, "押金已退还") || strings.Contains(pub.body, "承租人投诉押金未退") {
		t.Error("the public page shows facts or objections")
	}
}

func TestPublicSearchByCardNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps, err := e.app.SearchPractitioners(sys, app.PractitionerQuery{Size: 1})
	if err != nil || len(ps.Items) == 0 {
		t.Fatalf("practitioners: %v", err)
	}
	card := ps.Items[0].CardNo
	r := e.client().get("/agencies?q=" + url.QueryEscape(" "+strings.ToLower(card)+" "))
	wantRedirect(t, r, "/practitioners/"+card)
	// As a phone types it: a Chinese keyboard in full-width mode, or the
	// number in groups as it is read off the card.
	fullWidth := strings.Map(func(r rune) rune { return r + 0xFEE0 }, card)
	grouped := card[:2] + " " + card[2:6] + "\u3000" + card[6:]
	for _, typed := range []string{fullWidth, grouped} {
		wantRedirect(t, e.client().get("/agencies?q="+url.QueryEscape(typed)), "/practitioners/"+card)
		checkShows(t, "practitioner's page at "+typed, e.client().get("/practitioners/"+url.PathEscape(typed)), card)
	}
	page := e.client().get("/practitioners/" + card)
	checkShows(t, "practitioner's public page", page, zh("credit.public_title"))
	// Not a card: the agency search as before.
	checkStatus(t, "agency search", e.client().get("/agencies?q=XK99999999"), http.StatusOK)
}

// TestCreditPagesInBothLanguages opens every credit page of both portals
// and the public credit block in Chinese and English: no text of the other
// language, no raw message key. Names, rule items, facts and reasons are
// data, shown as written.
func TestCreditPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk, reviewer, agency, anon := e.signedIn("gov", "clerk"), e.signedIn("gov", "reviewer"), e.signedIn("agency", "anju.admin"), e.client()
	anju := e.actor("anju.admin")
	subject := app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}
	p := fileScoring(t, e, e.actor("clerk"), subject, "JG-K-004")
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), fileScoring(t, e, e.actor("clerk"), subject, "JG-K-005").ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.LodgeRequest(anju, rec.ID, app.RequestInput{Kind: app.RequestObjection, Reason: "已整改"}); err != nil {
		t.Fatal(err)
	}
	names := ruleItems(t, e)
	page, err := e.app.CreditPage(sys, subject)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := e.app.ScoringApplications(sys, app.ScoringQuery{Status: "all", Size: 100})
	for _, x := range all.Items {
		names = append(names, x.SubjectName, x.AgencyName, x.Item, x.Facts, x.ScoreReason, x.Decision)
		for _, h := range x.History {
			names = append(names, h.Note)
		}
	}
	for _, r := range page.Records {
		names = append(names, r.Item, r.Facts, r.SubjectName)
		for _, h := range r.History {
			names = append(names, h.Note)
		}
		for _, q := range r.Requests {
			names = append(names, q.Reason, q.Decision)
		}
	}
	mine, err := e.app.MyCredit(anju)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range mine.Practitioners {
		names = append(names, s.Name)
	}
	lows, _ := e.app.CreditSubjects(sys, app.CreditSubjectQuery{Size: 100})
	for _, s := range lows.Items {
		names = append(names, s.Name)
	}
	id := itoa(anju.AgencyID)
	pages := []struct {
		c    *client
		path string
	}{
		{clerk, "/gov/credit"},
		{clerk, "/gov/credit?kind=practitioner"},
		{clerk, "/gov/credit/agency/" + id},
		{clerk, "/gov/credit/applications/new?subject=agency:" + id},
		{clerk, "/gov/credit/applications?status=all"},
		{clerk, "/gov/credit/applications/" + itoa(p.ID)},
		{reviewer, "/gov/credit/applications"},
		{reviewer, "/gov/credit/applications/" + itoa(p.ID)},
		{reviewer, "/gov/credit/records/" + itoa(rec.ID)},
		{agency, "/agency/credit"},
		{agency, "/agency/credit/records/" + itoa(rec.ID)},
		{anon, "/agencies/" + id},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, c := range []*client{clerk, reviewer, agency, anon} {
			wantRedirect(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
		}
		for _, pg := range pages {
			r := pg.c.get(pg.path)
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, pg.path, r.StatusCode)
				continue
			}
			for _, problem := range untranslated(r.body, lang, names) {
				t.Errorf("%s in %s: %s", pg.path, lang, problem)
			}
		}
	}
}

// TestRequestEvidenceShownWithItsRequest: the file an agency sends with
// its objection is listed under that objection, apart from the bureau's
// evidence, and each link downloads its own file.
func TestRequestEvidenceShownWithItsRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	subject := app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), fileScoring(t, e, e.actor("clerk"), subject, "JG-K-005").ID, "")
	if err != nil {
		t.Fatal(err)
	}
	objection := append([]byte("%PDF-1.4\n"), []byte("the agency's receipt")...)
	if _, err := e.app.LodgeRequest(anju, rec.ID, app.RequestInput{Kind: app.RequestObjection, Reason: "押金已退还。",
		Docs: []app.CreditUpload{{Name: "退款凭证.pdf", Data: objection}}}); err != nil {
		t.Fatal(err)
	}
	path := "/gov/credit/records/" + strconv.FormatUint(rec.ID, 10)
	r := wantOK(t, e.signedIn("gov", "reviewer").get(path))
	reqAt := strings.Index(r.body, "押金已退还。")
	own, theirs := strings.Index(r.body, "检查记录.pdf"), strings.Index(r.body, "退款凭证.pdf")
	if own < 0 || reqAt < 0 || theirs < reqAt || own > reqAt {
		t.Fatalf("the bureau's file at %d, the objection at %d, its file at %d: want the file under the objection", own, reqAt, theirs)
	}
	m := regexp.MustCompile(`href="(` + regexp.QuoteMeta(path) + `/doc\?n=\d+)"[^>]*>退款凭证\.pdf<`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no link to the objection's file")
	}
	dl := e.signedIn("gov", "reviewer").get(m[1])
	if dl.StatusCode != http.StatusOK || dl.body != string(objection) {
		t.Errorf("the objection's link gives %d %q", dl.StatusCode, dl.body[:min(len(dl.body), 40)])
	}
}

// TestCreditSearchSaysWhenCapped: a search by name that finds more
// subjects than the list reads says how many it found and how many it
// lists, in both languages; a narrower one says nothing.
func TestCreditSearchSaysWhenCapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sys := app.SystemActor("test")
	for i := range 110 {
		_, err := e.app.AddPractitioner(sys, app.PractitionerInput{Name: "欧阳" + string(rune('甲'+i)),
			IDNo: residentID(fmt.Sprintf("110105199001%05d", 10000+i)), Mobile: "13900001111", Role: app.PracOther,
			Agency: "北京乐居住房租赁有限公司", Start: "2024-01-02"})
		if err != nil {
			t.Fatal(err)
		}
	}
	leader := e.signedIn("gov", "leader")
	res, err := e.app.CreditSubjects(e.actor("leader"), app.CreditSubjectQuery{Kind: app.SubjectPractitioner, Text: "欧阳"})
	if err != nil || !res.Capped {
		t.Fatalf("test set-up: the demo's practitioners do not fill the list (%v, found %d)", err, res.Found)
	}
	r := leader.get("/gov/credit?kind=practitioner&q=" + url.QueryEscape("欧阳"))
	wantText(t, r, zh("credit.text_capped", res.Found, res.Read))
	wantText(t, leader.get("/gov/credit?kind=practitioner&q="+url.QueryEscape("欧阳"), "Accept-Language", "en"),
		en("credit.text_capped", res.Found, res.Read))
	// The note's fixed part, absent from a narrower search.
	const part = "此处只列出其中最相关的"
	if !strings.Contains(zh("credit.text_capped", res.Found, res.Read), part) {
		t.Fatalf("the note no longer says %q", part)
	}
	wantNoText(t, leader.get("/gov/credit?kind=agency&q="+url.QueryEscape("华信")), part)
}

// TestMovedAgencyRecordInNewDistrict: after an agency's change of district
// is approved, the new district's reviewer opens its older record from its
// credit page, reads why he cannot decide the objection to it, and is not
// given the form; the recording district's reviewer still is.
func TestMovedAgencyRecordInNewDistrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk, reviewer, admin := e.actor("clerk"), e.actor("reviewer"), e.actor("anju.admin")
	anju := app.Subject{Kind: app.SubjectAgency, ID: admin.AgencyID}
	p := fileScoring(t, e, clerk, anju, "JG-K-004")
	rec, err := e.app.ApproveScoring(reviewer, p.ID, "事实清楚")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.LodgeRequest(admin, rec.ID, app.RequestInput{Kind: app.RequestObjection, Reason: "押金已退还。",
		Docs: []app.CreditUpload{{Name: "收据.pdf", Data: testPDF}}}); err != nil {
		t.Fatal(err)
	}
	// The agency moves to Haidian through an approved change filing.
	ap, err := e.app.StartChange(admin, admin.AgencyID)
	if err != nil {
		t.Fatal(err)
	}
	form := ap.Form
	form.District = "110108"
	ref := app.AppRef{ID: ap.ID}
	if _, err := e.app.SaveStep(admin, ref, app.StepBasic, form, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AttachLicence(admin, ref, "licence.png", licencePNG); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.SubmitApplication(admin, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.UpdateUser(app.SystemActor("test"), e.userID("clerk.hd"), app.UserInput{Name: "陈静",
		Roles: []app.Role{app.RoleClerk, app.RoleReviewer}, District: "110108"}); err != nil {
		t.Fatal(err)
	}
	// The district it moves to reviews the change.
	if _, err := e.app.ApproveApplication(e.actor("clerk.hd"), ap.ID); err != nil {
		t.Fatal(err)
	}
	path := "/gov/credit/records/" + strconv.FormatUint(rec.ID, 10)
	hd := e.signedIn("gov", "clerk.hd")
	wantText(t, hd.get("/gov/credit/agency/"+strconv.FormatUint(anju.ID, 10)), rec.No)
	r := hd.get(path)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, rec.No, zh("credit.decided_by_district"))
	wantNoText(t, r, path+"/decide")
	wantText(t, hd.get(path, "Accept-Language", "en"), en("credit.decided_by_district"))
	wantStatus(t, hd.post(path+"/decide", url.Values{"decision": {"属实"}, "accept": {"1"}}), http.StatusForbidden)
	cy := e.signedIn("gov", "reviewer")
	wantText(t, cy.get(path), path+"/decide")
}

// TestCreditPagesShowTheLastDayARecordCounts: a record stops counting on
// its Until (the daily job expires it that day, the score leaves it out),
// so 有效期至, read as the last day included, names the day before, on the
// staff's pages, the agency's and the public's.
func TestCreditPagesShowTheLastDayARecordCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	id := strconv.FormatUint(anju.AgencyID, 10)
	cv, err := e.app.CreditPage(anju, app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID})
	if err != nil {
		t.Fatal(err)
	}
	var rec *app.CreditRecord
	for _, r := range cv.Counting {
		if r.Type == app.RuleBonus { // public at once
			rec = r
		}
	}
	if rec == nil {
		t.Fatal("the demo agency has no bonus counting")
	}
	zhDate := func(d time.Time) string { return fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day()) }
	if rec.CountsAt(rec.Until()) || !rec.CountsAt(rec.Until().AddDate(0, 0, -1)) {
		t.Fatalf("%s counts on %v", rec.No, rec.Until())
	}
	last, until := zhDate(rec.Until().AddDate(0, 0, -1)), zhDate(rec.Until())
	label := zh("credit.counts_until")
	for _, c := range []struct {
		who  *client
		path string
		cell string // how the page puts the date after its label
	}{
		{e.signedIn("gov", "clerk"), fmt.Sprintf("/gov/credit/records/%d", rec.ID), label + "</dt><dd>%s</dd>"},
		{e.signedIn("gov", "clerk"), "/gov/credit/agency/" + id, `data-label="` + label + `">%s</td>`},
		{e.signedIn("agency", "anju.admin"), fmt.Sprintf("/agency/credit/records/%d", rec.ID), label + "</dt><dd>%s</dd>"},
		{e.client(), "/agencies/" + id, `data-label="` + label + `">%s</td>`},
	} {
		body := wantOK(t, c.who.get(c.path)).body
		if !strings.Contains(body, fmt.Sprintf(c.cell, last)) {
			t.Errorf("%s: no %s %s (%s counts until the day before %s)", c.path, label, last, rec.No, until)
		}
		if strings.Contains(body, fmt.Sprintf(c.cell, until)) {
			t.Errorf("%s: says %s %s, the first day %s no longer counts", c.path, label, until, rec.No)
		}
	}
}

// TestCreditListByDistrictForCityWideUsers: a city-wide leader narrows
// 信用信息 to one district, as he does the red/black lists; a district's
// clerk has no such choice.
func TestCreditListByDistrictForCityWideUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leader := e.signedIn("gov", "leader")
	all := wantOK(t, leader.get("/gov/credit?kind=agency"))
	wantText(t, all, "北京安居房地产经纪有限公司", "北京华信达房地产经纪有限公司海淀分公司")
	if !strings.Contains(all.body, `<select id="district" name="district">`) {
		t.Fatal("the leader's credit list has no district filter")
	}
	haidian := wantOK(t, leader.get("/gov/credit?kind=agency&district=110108"))
	wantText(t, haidian, "北京华信达房地产经纪有限公司海淀分公司")
	wantNoText(t, haidian, "北京安居房地产经纪有限公司")
	if !strings.Contains(haidian.body, `<option value="110108" selected>`) {
		t.Error("the district chosen is not kept in the filter")
	}
	if r := wantOK(t, e.signedIn("gov", "clerk").get("/gov/credit")); strings.Contains(r.body, `name="district"`) {
		t.Error("a district clerk is offered other districts")
	}
}

// TestScoringListByDistrictForCityWideUsers: a city-wide leader narrows
// 记分申请 to one district with the same control as 信用信息, in both
// languages, and the pager keeps it; a district's reviewer has no such
// choice.
func TestScoringListByDistrictForCityWideUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Enough applications in 朝阳区 for a second page.
	clerk := e.actor("clerk")
	for range 8 {
		fileScoring(t, e, clerk, app.Subject{Kind: app.SubjectAgency, ID: e.actor("anju.admin").AgencyID}, "JG-K-004")
	}
	leader := e.signedIn("gov", "leader")
	all := wantOK(t, leader.get("/gov/credit/applications?status=all"))
	if !strings.Contains(all.body, `<select id="district" name="district">`) {
		t.Fatal("the leader's scoring applications have no district filter")
	}
	wantText(t, all, zh("credit.district"), zh("jurisdiction.city"), "朝阳区", "海淀区")
	wantText(t, leader.get("/gov/credit/applications?status=all", "Accept-Language", "en"), en("credit.district"), en("jurisdiction.city"))
	haidian := wantOK(t, leader.get("/gov/credit/applications?status=all&district=110108"))
	if !strings.Contains(haidian.body, `<option value="110108" selected>`) {
		t.Error("the district chosen is not kept in the filter")
	}
	if strings.Contains(haidian.body, "· 朝阳区</small>") || !strings.Contains(haidian.body, "· 海淀区</small>") {
		t.Error("海淀区's applications are not 海淀区's alone")
	}
	chaoyang := wantOK(t, leader.get("/gov/credit/applications?status=all&district=110105"))
	if !strings.Contains(chaoyang.body, `rel="next"`) || !regexp.MustCompile(`href="[^"]*district=110105[^"]*" rel="next"`).MatchString(chaoyang.body) {
		t.Error("the next page forgets the district")
	}
	if r := wantOK(t, e.signedIn("gov", "reviewer").get("/gov/credit/applications")); strings.Contains(r.body, `name="district"`) {
		t.Error("a district reviewer is offered other districts")
	}
}

// TestScoringDecisionRefusedSaysWhy: a clerk who posts a decision (a
// stale page, a bookmarked form) is told why he may not decide it, in his
// language, with the way back, and it stays pending; a clerk who is also
// a reviewer sees his own application again with why he may not decide
// it; a viewer may not decide an objection either, and is told why.
func TestScoringDecisionRefusedSaysWhy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	p := fileScoring(t, e, e.actor("clerk"), app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}, "JG-K-004")
	path := "/gov/credit/applications/" + strconv.FormatUint(p.ID, 10)
	clerkOnly := e.signedIn("gov", "clerk")
	for _, lang := range []string{"zh", "en"} {
		msg := zh("credit.needs_reviewer")
		if lang == "en" {
			msg = en("credit.needs_reviewer")
		}
		back := zh("credit.back_to_application")
		if lang == "en" {
			back = en("credit.back_to_application")
		}
		for _, action := range []string{"/approve", "/reject"} {
			r := clerkOnly.post(path+action, url.Values{"note": {"属实"}, "reason": {"不属实"}}, "Accept-Language", lang)
			wantStatus(t, r, http.StatusForbidden)
			wantText(t, r, msg, back)
			if !strings.Contains(r.body, `href="`+path+`"`) {
				t.Errorf("%s %s: no way back to the application", lang, action)
			}
		}
	}
	// The clerk, given the reviewer's role too, files one and may not decide it.
	u := e.user("clerk")
	if _, err := e.app.UpdateUser(app.SystemActor("test"), u.ID, app.UserInput{Username: u.Username, Name: u.Name, Phone: u.Phone,
		Roles: []app.Role{app.RoleClerk, app.RoleReviewer}, District: u.District}); err != nil {
		t.Fatal(err)
	}
	own := fileScoring(t, e, e.actor("clerk"), app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}, "JG-K-004")
	clerk := e.signedIn("gov", "clerk")
	ownPath := "/gov/credit/applications/" + strconv.FormatUint(own.ID, 10)
	r := clerk.post(ownPath+"/approve", url.Values{"note": {"属实"}})
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, own.No, zh("credit.own_application"))
	if !strings.Contains(r.body, `class="banner error" role="alert">`+zh("credit.own_application")) {
		t.Error("the reason is not said above the application")
	}
	wantText(t, clerk.post(ownPath+"/reject", url.Values{"reason": {"x"}}, "Accept-Language", "en"), en("credit.own_application"))
	for _, id := range []uint64{p.ID, own.ID} {
		if got, err := e.app.GetScoring(e.actor("reviewer"), id); err != nil || got.Status != app.ScoringPending {
			t.Errorf("application %d after the refusals: %v %v", id, got.Status, err)
		}
	}
	// An objection: a viewer is told it takes a reviewer, on the record.
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.LodgeRequest(anju, rec.ID, app.RequestInput{Kind: app.RequestObjection, Reason: "已整改"}); err != nil {
		t.Fatal(err)
	}
	r = e.signedIn("gov", "leader").post("/gov/credit/records/"+strconv.FormatUint(rec.ID, 10)+"/decide", url.Values{"accept": {"1"}, "decision": {"属实"}})
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("credit.needs_reviewer"), zh("credit.back_to_record"))
}

// TestCreditPagesNamePeople: who filed, decided, objected and decided the
// objection is named as on other pages, 王芳 (clerk), in the list, on the
// application, on the record and in their histories.
func TestCreditPagesNamePeople(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	p := fileScoring(t, e, e.actor("clerk"), app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}, "JG-K-004")
	reviewer := e.signedIn("gov", "reviewer")
	clerkName := e.user("clerk").Name + " (clerk)"
	reviewerName := e.user("reviewer").Name + " (reviewer)"
	adminName := e.user("anju.admin").Name + " (anju.admin)"
	list := wantOK(t, reviewer.get("/gov/credit/applications"))
	if !strings.Contains(list.body, `<small class="muted">`+clerkName+`</small>`) {
		t.Errorf("the queue does not name the clerk %q", clerkName)
	}
	path := "/gov/credit/applications/" + strconv.FormatUint(p.ID, 10)
	wantText(t, reviewer.get(path), clerkName)
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), p.ID, "属实")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(wantOK(t, reviewer.get(path)).text(), reviewerName) < 2 {
		t.Errorf("the application does not name its reviewer %q as deciding it, and in its history", reviewerName)
	}
	if _, err := e.app.LodgeRequest(anju, rec.ID, app.RequestInput{Kind: app.RequestObjection, Reason: "已整改"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DecideRequest(e.actor("reviewer"), rec.ID, false, "维持"); err != nil {
		t.Fatal(err)
	}
	recPath := "/credit/records/" + strconv.FormatUint(rec.ID, 10)
	for _, r := range []*resp{reviewer.get("/gov" + recPath), e.signedIn("agency", "anju.admin").get("/agency" + recPath)} {
		wantText(t, r, adminName, reviewerName+" 于")
		if strings.Count(r.text(), reviewerName) < 3 {
			t.Errorf("%s: the reviewer is not named in the record's history", r.Request.URL.Path)
		}
	}
}

// TestCreditFreeTextMasked: a complainant's mobile and ID number typed
// into the facts, a note, a reason or a decision are masked wherever the
// credit pages show them: to the agency, and to staff (who have the
// evidence; a full view would have to be audited).
func TestCreditFreeTextMasked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	const phone, id, phone2, id2 = "13912345678", "110105195201014528", "13698765432", "11010519800101123X"
	p, err := e.app.FileScoring(e.actor("clerk"), app.ScoringInput{Subject: app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}.String(),
		RuleID: strconv.FormatUint(ruleID(t, e, "JG-K-004"), 10), Score: "4", ScoreReason: "投诉人 " + phone + " 已撤回部分诉求",
		EventDate: e.app.Now().AddDate(0, 0, -2).Format("2006-01-02"),
		Facts:     "投诉人张某（手机" + phone + "，身份证" + id + "）反映押金未退。",
		Docs:      []app.CreditUpload{{Name: "检查记录.pdf", Data: testPDF}}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), p.ID, "已电话核实 "+phone)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.LodgeRequest(anju, rec.ID, app.RequestInput{Kind: app.RequestObjection, Reason: "已与投诉人（" + phone2 + "）和解"}); err != nil {
		t.Fatal(err)
	}
	recPath := "/credit/records/" + strconv.FormatUint(rec.ID, 10)
	reviewer := e.signedIn("gov", "reviewer")
	pending := wantOK(t, reviewer.get("/gov"+recPath)) // the objection to decide, its reason shown twice
	if _, err := e.app.DecideRequest(e.actor("reviewer"), rec.ID, false, "经核实投诉人身份 "+id2+"，维持"); err != nil {
		t.Fatal(err)
	}
	pages := []*resp{pending, wantOK(t, reviewer.get("/gov/credit/applications/"+strconv.FormatUint(p.ID, 10))),
		wantOK(t, reviewer.get("/gov"+recPath)), wantOK(t, e.signedIn("agency", "anju.admin").get("/agency"+recPath))}
	for _, r := range pages {
		for _, full := range []string{phone, id, phone2, id2} {
			if strings.Contains(r.body, full) {
				t.Errorf("%s shows %s in full", r.Request.URL.Path, full)
			}
		}
		wantText(t, r, app.MaskPhone(phone), app.MaskID(id))
	}
	wantText(t, pages[0], app.MaskPhone(phone2))
	wantText(t, pages[3], app.MaskPhone(phone2), app.MaskID(id2))
}

// TestRaisedApplicationHistoryInWords: an application the platform raised
// (a code revoked as forged) says in its history what raised it in words,
// 核验材料伪造 / Forged verification documents, never the event's key.
func TestRaisedApplicationHistoryInWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := sharedVerification(t, e)
	if _, err := e.app.RevokeVerificationFor(e.actor("clerk"), code, "权属证书系伪造", true); err != nil {
		t.Fatal(err)
	}
	res, err := e.app.ScoringApplications(e.actor("reviewer"), app.ScoringQuery{Source: app.SourceAuto})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("no automatic application: %v", err)
	}
	var raised *app.ScoringApplication
	for _, p := range res.Items {
		if p.Event == app.EventVerificationForged && len(p.History) > 0 && p.History[0].What == "raised" {
			raised = p
		}
	}
	if raised == nil {
		t.Fatal("the forged code raised no application")
	}
	reviewer := e.signedIn("gov", "reviewer")
	path := "/gov/credit/applications/" + strconv.FormatUint(raised.ID, 10)
	for _, lang := range []string{"zh", "en"} {
		r := wantOK(t, reviewer.get(path, "Accept-Language", lang))
		if strings.Contains(r.text(), app.EventVerificationForged) {
			t.Errorf("%s: the history names the event by its key %q", lang, app.EventVerificationForged)
		}
		words := zh("credit.event." + app.EventVerificationForged)
		if lang == "en" {
			words = en("credit.event." + app.EventVerificationForged)
		}
		if !strings.Contains(r.body, "<small>"+words+"</small>") {
			t.Errorf("%s: the history does not say %q raised it", lang, words)
		}
	}
}

// TestAgentToldAdminObjects: an agent reading a record his agency may
// still object to is told that its admin lodges objections and repair
// requests; one who posts an objection anyway is refused with that reason
// and the way back, in his language, and nothing is lodged.
func TestAgentToldAdminObjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	p := fileScoring(t, e, e.actor("clerk"), app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}, "JG-K-004")
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	path := "/agency/credit/records/" + strconv.FormatUint(rec.ID, 10)
	agent := e.signedIn("agency", "agent.zhang")
	wantText(t, wantOK(t, agent.get(path)), zh("credit.object_needs_admin"))
	wantNoText(t, wantOK(t, e.signedIn("agency", "anju.admin").get(path)), zh("credit.object_needs_admin"))
	r := agent.postFile(path+"/request", url.Values{"kind": {"objection"}, "reason": {"已整改"}}, "docs", "x.pdf", testPDF)
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("error.forbidden"), zh("credit.object_needs_admin"), zh("credit.back_to_record"))
	r = agent.post(path+"/request", url.Values{"kind": {"repair"}, "reason": {"已整改"}}, "Accept-Language", "en")
	wantText(t, r, en("credit.object_needs_admin"), en("credit.back_to_record"))
	if got, err := e.app.GetRecord(anju, rec.ID); err != nil || len(got.Requests) != 0 {
		t.Errorf("after the agent's refused objection: %v %v", got.Requests, err)
	}
}
