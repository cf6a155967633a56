package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/app"
)

func init() {
	view, apply := string(app.PermContractView), string(app.PermFilingApply)
	backentry, review := string(app.PermBackEntry), string(app.PermFilingReview)
	for _, p := range []string{"/gov", "/agency"} {
		routeTable = append(routeTable,
			routeCase{"GET", p + "/filings", view, http.StatusOK},
			routeCase{"GET", p + "/filings/overdue", view, http.StatusOK},
			routeCase{"GET", p + "/filings/new", apply, http.StatusOK},
			routeCase{"POST", p + "/filings/new", apply, http.StatusUnprocessableEntity}, // no contract number
			routeCase{"GET", p + "/filings/{id:[0-9]+}", view, http.StatusOK},
			routeCase{"GET", p + "/filings/{id:[0-9]+}/doc", view, http.StatusNotFound},               // no ?blob=
			routeCase{"POST", p + "/filings/{id:[0-9]+}/docs", apply, http.StatusUnprocessableEntity}, // no file
			routeCase{"POST", p + "/filings/{id:[0-9]+}/resubmit", apply, http.StatusSeeOther},
			routeCase{"GET", p + "/filings/{id:[0-9]+}/certificate", view, http.StatusOK},
			routeCase{"GET", p + "/contracts/backentry", backentry, http.StatusOK},
			routeCase{"POST", p + "/contracts/backentry", backentry, http.StatusConflict}, // disabled by the parameter
		)
	}
	routeTable = append(routeTable,
		routeCase{"POST", "/gov/filings/{id:[0-9]+}/approve", review, http.StatusSeeOther},
		routeCase{"POST", "/gov/filings/{id:[0-9]+}/reject", review, http.StatusUnprocessableEntity}, // no reason
	)
	otherRoutes = append(otherRoutes, "GET /f", "GET /f/{cert}")
	routeFixtures = append(routeFixtures, filingRouteFixture)
}

// filingRouteFixture enters paper contracts (the parameter turned off for
// the while) so that each filing route has an application in the state it
// acts on: pending, returned, filed — the clerk's and the agency's.
func filingRouteFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	clerk, anju, reviewer := e.actor("clerk"), e.actor("anju.admin"), e.actor("reviewer")
	e.setParams(app.ParamFilingRequiresSign, "false")
	defer e.setParams(app.ParamFilingRequiresSign, "true")
	gPending := e.flPaper(clerk, "路由一室", "路由甲")
	gApprove := e.flPaper(clerk, "路由二室", "路由乙")
	gReturned := e.flReturned(reviewer, e.flPaper(clerk, "路由三室", "路由丙"))
	aPending := e.flPaper(anju, "路由四室", "路由丁")
	aReturned := e.flReturned(reviewer, e.flPaper(anju, "路由五室", "路由戊"))
	filed := e.flPaper(anju, "路由六室", "路由己")
	if _, err := e.app.ApproveFiling(reviewer, filed.ID); err != nil {
		t.Fatal(err)
	}
	g, a := "/gov/filings/{id:[0-9]+}", "/agency/filings/{id:[0-9]+}"
	return map[string]uint64{
		"/gov/filings/":    gPending.ID,
		g + "/approve":     gApprove.ID,
		g + "/resubmit":    gReturned.ID,
		g + "/certificate": filed.ID,
		"/agency/filings/": aPending.ID,
		a + "/resubmit":    aReturned.ID,
		a + "/certificate": filed.ID,
	}, nil
}

// flProperty is a demo registry property without restrictions, and its
// owner (the lessor of the test contracts).
func (e *env) flProperty() app.Property {
	e.t.Helper()
	for _, p := range e.app.DemoCertificates() {
		if !p.Seized && !p.Mortgaged && len(p.Owners) == 1 {
			return p
		}
	}
	e.t.Fatal("no clear demo property")
	return app.Property{}
}

// flValues is the back-entry form of a shared rental of room, three years
// ahead (clear of the demo's leases), to lessee.
func (e *env) flValues(room, lessee string) url.Values {
	p := e.flProperty()
	o := p.Owners[0]
	start := time.Now().AddDate(3, 0, 0)
	return url.Values{"district": {p.District}, "cert_no": {p.CertNo}, "mode": {"shared"}, "rooms": {room},
		"signed_on": {time.Now().AddDate(0, 0, -2).Format(time.DateOnly)},
		"start":     {start.Format(time.DateOnly)}, "end": {start.AddDate(1, 0, -1).Format(time.DateOnly)},
		"rent": {"4200"}, "payment_cycle": {"quarterly"}, "payment_method": {"transfer"}, "deposit": {"4200"},
		"purpose": {"residential"}, "utilities": {"lessee"},
		"parties.0.role": {app.PartyLessor}, "parties.0.kind": {app.PartyPerson}, "parties.0.name": {o.Name},
		"parties.0.id_type": {o.IDType}, "parties.0.id_no": {o.IDNo},
		"parties.1.role": {app.PartyLessee}, "parties.1.kind": {app.PartyPerson}, "parties.1.name": {lessee},
		"parties.1.id_type": {"resident_id"}, "parties.1.id_no": {"110108199003070024"}, "parties.1.phone": {"13900002222"},
	}
}

var flPDF = []byte("%PDF-1.4\n% scanned paper lease\n")

// flPaper enters a paper contract through the app (the parameter must be
// off) and returns its pending filing application.
func (e *env) flPaper(actor app.Actor, room, lessee string) *app.ContractFiling {
	e.t.Helper()
	f := e.flValues(room, lessee)
	in := app.BackEntryInput{District: f.Get("district"), CertNo: f.Get("cert_no"), Mode: "shared", SignedOn: f.Get("signed_on"),
		Form: app.ContractForm{Start: f.Get("start"), End: f.Get("end"), Rent: "4200", PaymentCycle: "quarterly",
			PaymentMethod: "transfer", Deposit: "4200", Purpose: "residential", Rooms: room, Utilities: "lessee",
			Parties: []app.PartyForm{
				{Role: app.PartyLessor, Kind: app.PartyPerson, Name: f.Get("parties.0.name"), IDType: f.Get("parties.0.id_type"), IDNo: f.Get("parties.0.id_no")},
				{Role: app.PartyLessee, Kind: app.PartyPerson, Name: lessee, IDType: "resident_id", IDNo: "110108199003070024", Phone: "13900002222"},
			}},
		ScanName: "纸质合同.pdf", Scan: flPDF}
	_, fl, err := e.app.BackEntry(actor, in)
	if err != nil {
		e.t.Fatalf("back-entry %s: %v", room, err)
	}
	return fl
}

func (e *env) flReturned(reviewer app.Actor, fl *app.ContractFiling) *app.ContractFiling {
	e.t.Helper()
	fl, err := e.app.RejectFiling(reviewer, fl.ID, "承租人身份证复印件不清晰")
	if err != nil {
		e.t.Fatal(err)
	}
	return fl
}

var filingPath = regexp.MustCompile(`^/(gov|agency)/filings/(\d+)$`)

// TestFilingThroughTheUI walks the filing flow over HTTP: a clerk
// enters a paper contract (a mistake named beside its field, the input
// kept), the clerk cannot review it and is told why, the reviewer returns
// it with a reason, the clerk adds a document and resubmits, the reviewer
// approves, the certificate prints with its QR address, and the public
// check answers by certificate number and lessee's name only.
func TestFilingThroughTheUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingRequiresSign, "false")
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/contracts/backentry")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("filing.backentry_title"), zh("filing.scan"))

	f := e.flValues("界面一室", "界面租客")
	f.Set("parties.1.id_no", "110108199003070025") // wrong check digit
	r = clerk.postFile("/gov/contracts/backentry", f, "scan", "合同.txt", []byte("just text"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "parties.1.id_no", zh("idcard.checksum"))
	wantFieldError(t, r, "scan", zh("contract.doc_type"))
	wantInputValue(t, r, "parties.1.name", "界面租客")
	wantInputValue(t, r, "rent", "4200")

	f.Set("parties.1.id_no", "110108199003070024")
	r = clerk.postFile("/gov/contracts/backentry", f, "scan", "合同.pdf", flPDF)
	wantStatus(t, r, http.StatusSeeOther)
	m := filingPath.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("back-entry went to %q", r.Header.Get("Location"))
	}
	page := "/gov/filings/" + m[2]
	r = clerk.get(page)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("filing.entered_by", "王芳")) // the clerk typed the paper contract in; he did not sign it
	wantText(t, r, zh("filing.backentry_ok"), zh("contracts.filing.pending"), "界面租客", zh("contract.doc.paper_contract"),
		zh("filing.needs_reviewer")) // the clerk is told who reviews
	wantNoText(t, r, "110108199003070024") // IDs masked

	r = clerk.post(page+"/approve", nil)
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("error.forbidden"), zh("filing.needs_reviewer"))

	reviewer := e.signedIn("gov", "reviewer")
	r = reviewer.get("/gov/filings")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("filing.queue_title"), zh("filing.tab_pending"))
	r = reviewer.get("/gov/filings?q=" + url.QueryEscape("界面租客"))
	// Found by the full name, listed with it masked, as the contract list does.
	wantText(t, r, `data-label="`+zh("filing.lessees")+`">`+app.MaskName("界面租客")+"</td>")
	r = reviewer.post(page+"/reject", url.Values{"reject_reason": {""}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "reject_reason", zh("filing.reject_reason_required"))
	r = reviewer.post(page+"/reject", url.Values{"reject_reason": {"扫描件缺少第3页"}})
	wantRedirect(t, r, page)

	r = clerk.get(page)
	wantText(t, r, zh("filing.returned"), "扫描件缺少第3页", zh("filing.resubmit"))
	r = clerk.postFile(page+"/docs", url.Values{"kind": {"paper_contract"}}, "doc", "补充.exe", []byte("MZ\x90\x00"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "doc", zh("contract.doc_type"))
	r = clerk.postFile(page+"/docs", url.Values{"kind": {"paper_contract"}}, "doc", "完整扫描件.pdf", flPDF)
	wantRedirect(t, r, page)
	r = clerk.post(page+"/resubmit", url.Values{"note": {"已补齐第3页"}})
	wantRedirect(t, r, page)
	r = clerk.get(page)
	wantText(t, r, zh("filing.resubmitted_ok"), "完整扫描件.pdf", zh("filing.doc_replaced"), "已补齐第3页")
	// The history names the document's kind, not its code.
	wantText(t, r, zh("contract.doc.paper_contract")+" 完整扫描件.pdf")
	wantNoText(t, r, "paper_contract 完整扫描件.pdf")

	r = reviewer.post(page+"/approve", nil)
	wantRedirect(t, r, page)
	r = clerk.get(page + "/certificate")
	wantStatus(t, r, http.StatusOK)
	cert := regexp.MustCompile(`BA\d{6}-\d{4}-\d{6}`).FindString(r.body)
	if cert == "" {
		t.Fatalf("no certificate number on the certificate:\n%s", visibleText(r.body))
	}
	wantText(t, r, zh("filing.certificate_title"), "<svg", "/f/"+cert+"?name="+url.QueryEscape("界面租客"))

	// The public check, mobile-first and without signing in.
	pub := e.client()
	r = pub.get("/f/" + cert + "?name=" + url.QueryEscape("界面租客"))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("filing.public_state.filed"), zh("filing.public_help.filed"))
	wantText(t, r, app.MaskName("界面租客"))
	wantNoText(t, r, "110108199003070024")
	r = pub.get("/f?cert=" + url.QueryEscape(strings.ToLower(cert)) + "&name=" + url.QueryEscape("别人"))
	wantStatus(t, r, http.StatusNotFound)
	wantText(t, r, zh("filing.public_none"))
	r = pub.get("/f/BA110105-2020-999999?name=" + url.QueryEscape("界面租客"))
	wantStatus(t, r, http.StatusNotFound)
	wantText(t, r, zh("filing.public_none"))
	r = pub.get("/f?cert=&name=")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "cert", zh("filing.public_cert_required"))
	// The number alone (a shared link): the form, the number filled in,
	// asking for the name without scolding for it.
	r = pub.get("/f/" + cert)
	wantStatus(t, r, http.StatusOK)
	wantInputValue(t, r, "cert", cert)
	wantNoText(t, r, zh("filing.public_name_required"), zh("form.invalid"))
	pub.setCookie("lang", "en")
	r = pub.get("/f/" + cert + "?name=" + url.QueryEscape("界面租客"))
	wantText(t, r, en("filing.public_state.filed"))
}

// TestBackEntryHistoryInPageLanguage: a back-entered contract's history
// names the entry and the paper's signing date in the page's language, and
// its detail shows that date without a time nobody entered.
func TestBackEntryHistoryInPageLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingRequiresSign, "false")
	fl := e.flPaper(e.actor("clerk"), "历史一室", "历史租客")
	signed, _ := time.ParseInLocation(time.DateOnly, e.flValues("", "").Get("signed_on"), time.Local)
	c := e.signedIn("gov", "clerk")
	page := "/gov/contracts/" + itoa(fl.ContractID)
	for _, lang := range []string{"zh-CN", "en"} {
		msg, date := zh, signed.Format("2006年1月2日")
		if lang == "en" {
			msg, date = en, signed.Format("2 Jan 2006")
		}
		c.setCookie("lang", lang)
		r := wantOK(t, c.get(page))
		// Entered, not drafted: the first line says so, once.
		if li := visibleText(rowOfLi(r.body, msg("contracts.event.backentered"))); !strings.HasPrefix(li, msg("contracts.event.backentered")+" · ") || strings.Count(li, msg("contracts.event.backentered")) != 1 {
			t.Errorf("%s: first history line %q, want it to start with %q once", lang, li, msg("contracts.event.backentered"))
		}
		wantNoText(t, r, ">"+msg("contracts.event.created")+"<")
		if li := visibleText(rowOfLi(r.body, msg("contracts.event.signed"))); !strings.Contains(li, date) || strings.Contains(li, signed.Format(time.DateOnly)) {
			t.Errorf("%s: signed line %q, want the date as %q", lang, li, date)
		}
		wantText(t, r, msg("contracts.signed_date")+"</dt><dd>"+date+"<br>")
		wantNoText(t, r, "back-entry", "纸质合同补录 ")
	}
}

// TestBackEntryFollowsTheParameter: with 备案前是否必须进行合同网签 on (the
// default) the back-entry page says plainly that back-entry is disabled,
// and a post is refused; off, the form is shown.
func TestBackEntryPageFollowsTheParameter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	agent := e.signedIn("agency", "agent.zhang")
	r := agent.get("/agency/contracts/backentry")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("filing.backentry_disabled"))
	wantNoText(t, r, zh("filing.backentry_submit"))
	r = agent.postFile("/agency/contracts/backentry", e.flValues("参数一室", "参数租客"), "scan", "a.pdf", flPDF)
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, zh("filing.backentry_disabled"))

	e.setParams(app.ParamFilingRequiresSign, "false")
	r = agent.get("/agency/contracts/backentry")
	wantText(t, r, zh("filing.backentry_submit"))
	wantNoText(t, r, zh("filing.backentry_disabled"))
	r = agent.postFile("/agency/contracts/backentry", e.flValues("参数一室", "参数租客"), "scan", "a.pdf", flPDF)
	wantStatus(t, r, http.StatusSeeOther)
	// The agency's list shows it, in English too.
	agent.setCookie("lang", "en")
	r = agent.get("/agency/filings")
	wantText(t, r, en("filing.list_title"), app.MaskName("参数租客"), en("contracts.filing.pending"), en("filing.source.backentry"))
}

// TestFilingApplyByNumberAndCertificate applies for demo contracts of the
// agency that were never applied for: by number (typed without dashes),
// then by certificate number, choosing among the property's contracts.
func TestFilingApplyByNumberAndCertificate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	page, err := e.app.SearchContracts(anju, app.ContractQuery{Status: app.ContractSigned, Filing: "none", Source: app.ContractOnline, Size: 10})
	if err != nil || len(page.Items) < 2 {
		t.Fatalf("demo contracts not applied for: %d %v", len(page.Items), err)
	}
	one, two := page.Items[0], page.Items[1]
	c := e.signedIn("agency", "anju.admin")
	r := c.get("/agency/filings/new?contract=" + url.QueryEscape(one.No))
	wantStatus(t, r, http.StatusOK)
	wantInputValue(t, r, "contract_no", one.No)
	r = c.post("/agency/filings/new", url.Values{"mode": {"contract"}, "contract_no": {"HT110105-2026-999999"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "contract_no", zh("filing.contract_unknown"))
	wantInputValue(t, r, "contract_no", "HT110105-2026-999999")
	r = c.post("/agency/filings/new", url.Values{"mode": {"contract"}, "contract_no": {strings.ReplaceAll(one.No, "-", "")}})
	wantStatus(t, r, http.StatusSeeOther)
	if filingPath.FindString(r.Header.Get("Location")) == "" {
		t.Fatalf("applied, went to %q", r.Header.Get("Location"))
	}
	r = c.post("/agency/filings/new", url.Values{"mode": {"contract"}, "contract_no": {one.No}})
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, strings.SplitN(zh("filing.already_pending", one.No, "X"), "X", 2)[0])

	r = c.post("/agency/filings/new", url.Values{"mode": {"cert"}, "district": {two.District}, "cert_no": {two.CertNo}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("filing.choose_title"), two.No)
	r = c.post("/agency/filings/new", url.Values{"mode": {"cert"}, "district": {two.District}, "cert_no": {two.CertNo},
		"contract_id": {fmt.Sprint(two.ID)}})
	wantStatus(t, r, http.StatusSeeOther)
	got, err := e.app.GetContract(anju, two.ID)
	if err != nil || got.FilingStatus != app.FilingPending {
		t.Errorf("contract by certificate: %v %v", got.FilingStatus, err)
	}
}

// TestFilingOverdueList: the agency's portal lists its signed contracts
// past the filing deadline and not filed (逾期未备案), with the count on
// the tab.
func TestFilingOverdueList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := e.actor("anju.admin")
	page, err := e.app.SearchContracts(anju, app.ContractQuery{Filing: app.FilingOverdue, Size: 5})
	if err != nil || page.Total == 0 {
		t.Fatalf("demo has no overdue contract of the agency: %v", err)
	}
	c := e.signedIn("agency", "anju.admin")
	r := c.get("/agency/filings/overdue")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("filing.overdue_title"), page.Items[0].No, fmt.Sprintf(`<span class="count">%d</span>`, page.Total))
	if ls := page.Items[0].Lessees(); len(ls) > 0 { // names masked, as in the contract list
		wantText(t, r, app.MaskName(ls[0].Name))
		wantNoText(t, r, ">"+ls[0].Name+"<", "、"+ls[0].Name+"<")
	}
}

// TestFilingPagesInBothLanguages renders every filing page, with its error
// states, in Chinese and English: no raw key, no broken placeholder, no
// text of the other language (stored names and addresses aside).
func TestFilingPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerkA, anjuA, reviewerA := e.actor("clerk"), e.actor("anju.admin"), e.actor("reviewer")
	e.setParams(app.ParamFilingRequiresSign, "false")
	pending := e.flPaper(anjuA, "双语一室", "双语甲")
	returned := e.flReturned(reviewerA, e.flPaper(clerkA, "双语二室", "双语乙"))
	filed := e.flPaper(clerkA, "双语三室", "双语丙")
	if _, err := e.app.ApproveFiling(reviewerA, filed.ID); err != nil {
		t.Fatal(err)
	}
	filedC, _, err := e.app.GetFiling(clerkA, filed.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := e.flProperty()
	data := []string{p.Address, p.CertNo, p.Owners[0].Name, "双语甲", "双语乙", "双语丙", "双语一室", "双语二室", "双语三室",
		"承租人身份证复印件不清晰", "纸质合同.pdf", filedC.CertificateNo, "北京安居房地产经纪有限公司"}
	for _, u := range []string{"clerk", "reviewer", "anju.admin"} {
		data = append(data, e.user(u).Name)
	}
	g := "/gov/filings/"
	type pageCase struct {
		who, method, path string
		form              url.Values
		want              int
	}
	pages := []pageCase{
		{"reviewer", "GET", "/gov/filings", nil, 200},
		{"reviewer", "GET", "/gov/filings?status=&overdue=1&agency=安居", nil, 200},
		{"reviewer", "GET", "/gov/filings?from=never", nil, 422},
		{"clerk", "GET", "/gov/filings/overdue", nil, 200},
		{"clerk", "GET", "/gov/filings/new", nil, 200},
		{"clerk", "POST", "/gov/filings/new", url.Values{"mode": {"contract"}}, 422},
		{"clerk", "POST", "/gov/filings/new", url.Values{"mode": {"cert"}, "district": {p.District}, "cert_no": {p.CertNo}}, 200},
		{"clerk", "GET", g + itoa(returned.ID), nil, 200},
		{"clerk", "GET", g + itoa(pending.ID), nil, 200},
		{"reviewer", "GET", g + itoa(pending.ID), nil, 200},
		{"reviewer", "POST", g + itoa(pending.ID) + "/reject", url.Values{}, 422},
		{"clerk", "POST", g + itoa(pending.ID) + "/approve", nil, 403},
		{"clerk", "GET", g + itoa(filed.ID) + "/certificate", nil, 200},
		{"clerk", "GET", "/gov/contracts/backentry", nil, 200},
		{"clerk", "POST", "/gov/contracts/backentry", url.Values{}, 422},
		{"anju.admin", "GET", "/agency/filings", nil, 200},
		{"anju.admin", "GET", "/agency/filings/" + itoa(pending.ID), nil, 200},
		{"", "GET", "/f", nil, 200},
		{"", "GET", "/f/" + filedC.CertificateNo + "?name=" + url.QueryEscape("双语丙"), nil, 200},
		{"", "GET", "/f/" + filedC.CertificateNo + "?name=x", nil, 404},
		{"", "GET", "/f?cert=&name=", nil, 422},
	}
	e.setParams(app.ParamPublicRate, "600")
	for _, lang := range []string{"zh-CN", "en"} {
		clients := map[string]*client{"": e.client()}
		for _, u := range []string{"clerk", "reviewer", "anju.admin"} {
			portal := "gov"
			if u == "anju.admin" {
				portal = "agency"
			}
			clients[u] = e.signedIn(portal, u)
		}
		for _, c := range clients {
			c.setCookie("lang", lang)
		}
		for _, pc := range pages {
			c := clients[pc.who]
			var r *resp
			if pc.method == "GET" {
				r = c.get(pc.path)
			} else {
				r = c.post(pc.path, pc.form)
			}
			what := fmt.Sprintf("%s %s %s as %q", lang, pc.method, pc.path, pc.who)
			if r.StatusCode != pc.want {
				t.Errorf("%s: status %d, want %d\n%.600s", what, r.StatusCode, pc.want, visibleText(r.body))
				continue
			}
			if probs := untranslated(r.body, lang, data); len(probs) > 0 {
				t.Errorf("%s: %v", what, probs)
			}
		}
	}
	// Back-entry disabled: the page says so in both languages.
	e.setParams(app.ParamFilingRequiresSign, "true")
	for _, lang := range []string{"zh-CN", "en"} {
		c := e.signedIn("gov", "clerk")
		c.setCookie("lang", lang)
		r := c.get("/gov/contracts/backentry")
		wantText(t, r, msg(lang, "filing.backentry_disabled"))
		if probs := untranslated(r.body, lang, data); len(probs) > 0 {
			t.Errorf("%s disabled back-entry: %v", lang, probs)
		}
	}
}

// TestPublicFilingCheckIsRateLimited: the public check answers a client
// address only so many times a minute, like the verification check.
func TestPublicFilingCheckIsRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamPublicRate, "5")
	c := e.client()
	var last *resp
	for range 7 {
		last = c.get("/f/BA110105-2026-000001?name=" + url.QueryEscape("某人"))
	}
	wantStatus(t, last, http.StatusTooManyRequests)
	wantText(t, last, zh("public.busy_title"))
}

// TestClosedFilingIsNotShownAsFiled: an ended or cancelled filing keeps its
// certificate number, but the page does not greet it as filed.
func TestClosedFilingIsNotShownAsFiled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	for _, status := range []string{app.FilingEnded, app.FilingCancelled} {
		p, err := e.app.SearchFilings(e.actor("clerk"), app.FilingQuery{Status: status, Size: 1})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("the demo has no %s filing: %v", status, err)
		}
		f := p.Items[0]
		if f.CertificateNo == "" {
			t.Fatalf("%s filing %s without its certificate number", status, f.No)
		}
		r := clerk.get("/gov/filings/" + itoa(f.ID))
		wantText(t, r, zh("filing.closed_banner."+status, f.CertificateNo))
		wantNoText(t, r, zh("filing.filed_banner", f.CertificateNo))
	}
}

// TestOverdueIsOneThing: the applications the filing list marks overdue
// (open past their deadline) are exactly those of the contracts on the
// 逾期未备案 list, also leases that ran out while their application waits,
// and the tab's count is that list's total.
func TestOverdueIsOneThing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, who := range []string{"reviewer", "clerk", "anju.admin"} {
		actor := e.actor(who)
		openFilings := map[string]bool{} // application numbers
		for page := 1; ; page++ {
			fp, err := e.app.SearchFilings(actor, app.FilingQuery{Overdue: true, Page: page, Size: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fp.Items {
				openFilings[f.ContractNo] = true
			}
			if page >= fp.Pages {
				break
			}
		}
		withOpenFiling, expired, total := map[string]bool{}, 0, 0
		for page := 1; ; page++ {
			cp, err := e.app.SearchContracts(actor, app.ContractQuery{Filing: app.FilingOverdue, Page: page, Size: 100})
			if err != nil {
				t.Fatal(err)
			}
			total = cp.Total
			for _, c := range cp.Items {
				if !c.FilingOverdue(time.Now()) {
					t.Errorf("%s: %s on the overdue list is not overdue", who, c.No)
				}
				if c.FilingStatus == app.FilingPending || c.FilingStatus == app.FilingRejected {
					withOpenFiling[c.No] = true
				}
				if c.Status == app.ContractExpired {
					expired++
				}
			}
			if page >= cp.Pages {
				break
			}
		}
		if len(openFilings) == 0 || fmt.Sprint(openFilings) != fmt.Sprint(withOpenFiling) {
			t.Errorf("%s: overdue applications of %d contracts, overdue contracts with an open application %d", who, len(openFilings), len(withOpenFiling))
		}
		if who == "reviewer" && expired == 0 {
			t.Errorf("the demo has no lease that ran out while its application waits")
		}
		counts, err := e.app.CountFilings(actor)
		if err != nil || counts.Overdue != total {
			t.Errorf("%s: tab counts %d, the list %d (%v)", who, counts.Overdue, total, err)
		}
	}
}

// TestReviewWarnsOfAnEndedLease: approving the filing of a lease that has
// run out makes an ended filing at once; the reviewer is told first.
func TestReviewWarnsOfAnEndedLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reviewer := e.actor("reviewer")
	found := false
	for page := 1; !found; page++ {
		p, err := e.app.SearchFilings(reviewer, app.FilingQuery{Status: app.FilingPending, Page: page, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Items {
			c, err := e.app.GetContract(reviewer, f.ContractID)
			if err != nil {
				t.Fatal(err)
			}
			r := e.signedIn("gov", "reviewer").get("/gov/filings/" + itoa(f.ID))
			warning := zh("filing.review_lease_ended", c.Terms.End.Format("2006年1月2日"))
			if c.Status == app.ContractExpired {
				wantText(t, r, warning)
				found = true
				break
			}
			wantNoText(t, r, warning)
		}
		if page >= p.Pages {
			break
		}
	}
	if !found {
		t.Fatal("the demo has no pending filing of an ended lease")
	}
}

// TestAddedIDCopyDoesNotReplaceTheOthers: on a returned filing, a second
// lessee's ID copy adds to the contract's ID copies (one per party); a
// new property certificate stands in for the contract's.
func TestAddedIDCopyDoesNotReplaceTheOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reviewer, agent := e.actor("reviewer"), e.actor("agent.zhang")
	c, err := e.app.SignContract(agent, e.signDraft(agent, true))
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.app.ApplyFiling(agent, app.FilingApply{Mode: "contract", ContractNo: c.No})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.RejectFiling(reviewer, f.ID, "缺少第二承租人身份证明"); err != nil {
		t.Fatal(err)
	}
	admin := agent
	for _, kind := range []string{"id_copy", "certificate"} {
		if _, err := e.app.AttachFilingDoc(admin, f.ID, kind, kind+"-2.pdf", []byte("%PDF-1.7 "+kind)); err != nil {
			t.Fatal(err)
		}
	}
	r := e.signedIn("agency", "agent.zhang").get("/agency/filings/" + itoa(f.ID))
	replaced := regexp.MustCompile(`<li class="replaced"><a [^>]*>([^<]*)</a>`).FindAllStringSubmatch(r.body, -1)
	var kinds []string
	for _, m := range replaced {
		kinds = append(kinds, m[1])
	}
	got := strings.Join(kinds, "|")
	if !strings.Contains(got, zh("contract.doc.certificate")) || strings.Contains(got, zh("contract.doc.id_copy")) {
		t.Errorf("documents marked replaced: %q", got)
	}
}

// TestFilingQueueShowsCompanyLesseesInFull: in the reviewers' queue, in
// both languages, a company lessee is named in full (a company's name is
// not personal data) and a person partly hidden; the application's page
// shows the company's credit code whole and the person's ID masked; the
// public check names the company in full, and so does the list of a
// property's contracts to apply for.
func TestFilingQueueShowsCompanyLesseesInFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk, reviewer := e.actor("clerk"), e.actor("reviewer")
	e.setParams(app.ParamFilingRequiresSign, "false")
	const company, uscc, person = "北京星河测试科技有限公司", "91110105MA01ANJU13", "钱多多"
	withOrg := func(room string) *app.ContractFiling {
		f := e.flValues(room, person)
		in := app.BackEntryInput{District: f.Get("district"), CertNo: f.Get("cert_no"), Mode: "shared", SignedOn: f.Get("signed_on"),
			Form: app.ContractForm{Start: f.Get("start"), End: f.Get("end"), Rent: "4200", PaymentCycle: "quarterly",
				PaymentMethod: "transfer", Deposit: "4200", Purpose: "residential", Rooms: room, Utilities: "lessee",
				Parties: []app.PartyForm{
					{Role: app.PartyLessor, Kind: app.PartyPerson, Name: f.Get("parties.0.name"), IDType: f.Get("parties.0.id_type"), IDNo: f.Get("parties.0.id_no")},
					{Role: app.PartyLessee, Kind: app.PartyOrg, Name: company, IDType: "uscc", IDNo: uscc, Phone: "13900002222"},
				}},
			ScanName: "纸质合同.pdf", Scan: flPDF}
		_, fl, err := e.app.BackEntry(clerk, in)
		if err != nil {
			t.Fatalf("back-entry for a company: %v", err)
		}
		return fl
	}
	orgFl := withOrg("星河一室")
	personFl := e.flPaper(clerk, "星河二室", person)

	c := e.signedIn("gov", "reviewer")
	for _, lang := range []string{"zh-CN", "en"} {
		c.setCookie("lang", lang)
		r := wantOK(t, c.get("/gov/filings?status=pending&q="+url.QueryEscape(orgFl.ContractNo)))
		wantText(t, r, orgFl.No, ">"+company+"<")
		wantNoText(t, r, app.MaskName(company))
		r = wantOK(t, c.get("/gov/filings?status=pending&q="+url.QueryEscape(personFl.ContractNo)))
		wantText(t, r, personFl.No, ">"+app.MaskName(person)+"<")
		wantNoText(t, r, ">"+person+"<")
		r = wantOK(t, c.get(fmt.Sprintf("/gov/filings/%d", orgFl.ID)))
		wantText(t, r, uscc)
		wantNoText(t, r, app.MaskID(uscc))
		r = wantOK(t, c.get(fmt.Sprintf("/gov/filings/%d", personFl.ID)))
		wantText(t, r, app.MaskID("110108199003070024"))
		wantNoText(t, r, "110108199003070024")
	}

	filed, err := e.app.ApproveFiling(reviewer, orgFl.ID)
	if err != nil {
		t.Fatal(err)
	}
	pub := e.client()
	r := wantOK(t, pub.get("/f/"+url.PathEscape(filed.CertificateNo)+"?name="+url.QueryEscape(company)))
	wantText(t, r, "<dd>"+company+"</dd>")

	// The property's contracts to choose from when applying by certificate.
	p := e.flProperty()
	r = wantOK(t, e.signedIn("gov", "clerk").post("/gov/filings/new", url.Values{"mode": {"cert"}, "district": {p.District}, "cert_no": {p.CertNo}}))
	wantText(t, r, ">"+company+"<", ">"+app.MaskName(person)+"<")
	wantNoText(t, r, ">"+person+"<")
}

// TestDocumentKindsHaveOneName: the signing form, the contract's page and
// the filing's page (its documents and its history) call each kind of
// document by the same name, in both languages.
func TestDocumentKindsHaveOneName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reviewer, agent := e.actor("reviewer"), e.actor("agent.zhang")
	// Names the steps used to give them.
	other := regexp.MustCompile(`身份证明复印件|产权证明|>权属证书(</td>| ·)`)
	check := func(cl *client, path string) {
		t.Helper()
		r := wantOK(t, cl.get(path))
		wantText(t, r, zh("contract.doc.id_copy"), zh("contract.doc.certificate"))
		if m := other.FindString(r.body); m != "" {
			t.Errorf("%s names a document %q", path, m)
		}
		r = wantOK(t, cl.get(path, "Accept-Language", "en"))
		wantText(t, r, en("contract.doc.id_copy"), en("contract.doc.certificate"))
	}
	id := e.signDraft(agent, true)
	check(e.signedIn("agency", "agent.zhang"), "/agency/contracts/"+itoa(id)+"/step/5")
	c, err := e.app.SignContract(agent, id)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.app.ApplyFiling(agent, app.FilingApply{Mode: "contract", ContractNo: c.No})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.RejectFiling(reviewer, f.ID, "缺少第二承租人的材料"); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"id_copy", "certificate"} {
		if _, err := e.app.AttachFilingDoc(agent, f.ID, kind, kind+"-2.pdf", []byte("%PDF-1.7 "+kind)); err != nil {
			t.Fatal(err)
		}
	}
	check(e.signedIn("agency", "agent.zhang"), "/agency/contracts/"+itoa(c.ID))
	check(e.signedIn("agency", "agent.zhang"), "/agency/filings/"+itoa(f.ID))
	check(e.signedIn("gov", "reviewer"), "/gov/filings/"+itoa(f.ID))
}

// TestEndedLeaseNamesOneEndDay: a lease that ran out ended with its last
// day, the one its term and its printed stamp name; the contract page, the
// filing page and the public check /f name that day too, not the midnight
// after it. A revoked lease ends on the effective day the parties agreed,
// on each of them alike.
func TestEndedLeaseNamesOneEndDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.actor("clerk")
	gov := e.signedIn("gov", "clerk")
	public := e.client()
	for _, status := range []string{app.FilingEnded, app.FilingCancelled} {
		p, err := e.app.SearchFilings(clerk, app.FilingQuery{Status: status, Size: 1})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("the demo has no %s filing: %v", status, err)
		}
		f := p.Items[0]
		c, err := e.app.GetContract(clerk, f.ContractID)
		if err != nil || c.Ended.IsZero() {
			t.Fatalf("%s: contract %v ended %v", f.No, err, c)
		}
		want, wrong := c.Ended, time.Time{}
		if c.Status == app.ContractExpired {
			want, wrong = c.Terms.End, c.Ended
		}
		day := func(t time.Time) string { return t.Format("2006年1月2日") }
		pages := map[string]*resp{
			"contract": gov.get("/gov/contracts/" + itoa(c.ID)),
			"filing":   gov.get("/gov/filings/" + itoa(f.ID)),
			"public":   public.get("/f/" + f.CertificateNo + "?name=" + url.QueryEscape(c.Lessees()[0].Name)),
		}
		for name, r := range pages {
			wantStatus(t, r, http.StatusOK)
			label := zh("filing.ended")
			if name == "contract" {
				label = zh("contracts.ended." + c.Status)
			}
			if text := visibleText(r.body); !strings.Contains(text, label+" "+day(want)) {
				t.Errorf("%s lease %s, %s page: want %s %s\n%s", c.Status, c.No, name, label, day(want), text)
			} else if !wrong.IsZero() && strings.Contains(text, label+" "+day(wrong)) {
				t.Errorf("%s lease %s, %s page names the day after its term: %s %s", c.Status, c.No, name, label, day(wrong))
			}
		}
	}
}
