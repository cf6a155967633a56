package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"anju/app"
)

func init() {
	sign, view, tpl := string(app.PermContractSign), string(app.PermContractView), string(app.PermContractTemplate)
	for _, p := range []string{"/gov", "/agency"} {
		pre := p + "/contracts"
		routeTable = append(routeTable,
			routeCase{"GET", pre + "/new", sign, http.StatusOK},
			routeCase{"POST", pre + "/new", sign, http.StatusUnprocessableEntity}, // no code
			// …/step/N and …/docs/N are path prefixes: without N the
			// handler answers "not found", after the permission check.
			routeCase{"GET", pre + "/{id:[0-9]+}/step/", sign, http.StatusNotFound},
			routeCase{"POST", pre + "/{id:[0-9]+}/step/", sign, http.StatusNotFound},
			routeCase{"GET", pre + "/{id:[0-9]+}/docs/", view, http.StatusNotFound},
			// {n} stays as written: not a number, so not found.
			routeCase{"POST", pre + "/{id:[0-9]+}/docs/{n}/remove", sign, http.StatusNotFound},
			routeCase{"POST", pre + "/{id:[0-9]+}/sign", sign, http.StatusSeeOther}, // signed (then: already signed, to its page)
			routeCase{"POST", pre + "/{id:[0-9]+}/cancel", sign, http.StatusSeeOther},
		)
	}
	routeTable = append(routeTable,
		routeCase{"GET", "/gov/admin/contract-template", tpl, http.StatusOK},
		routeCase{"POST", "/gov/admin/contract-template", tpl, http.StatusUnprocessableEntity}, // empty form
	)
	otherRoutes = append(otherRoutes, "GET /confirm", "POST /confirm") // parties' confirmation
	routeFixtures = append(routeFixtures, signRouteFixture)
}

// signRouteFixture: a draft ready to sign and one to cancel for the clerk
// (gov routes) and for agent.zhang (agency routes: his admin signs it).
func signRouteFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	clerk, agent := e.actor("clerk"), e.actor("agent.zhang")
	gov, agency := "/gov/contracts/{id:[0-9]+}", "/agency/contracts/{id:[0-9]+}"
	govDraft := e.signDraft(clerk, false)
	agencyDraft := e.signDraft(agent, false)
	return map[string]uint64{
		gov + "/step":      govDraft,
		gov + "/docs":      govDraft,
		gov + "/sign":      e.signDraft(clerk, true),
		gov + "/cancel":    e.signDraft(clerk, false),
		agency + "/step":   agencyDraft,
		agency + "/docs":   agencyDraft,
		agency + "/sign":   e.signDraft(agent, true),
		agency + "/cancel": e.signDraft(agent, false),
	}, nil
}

// signCert numbers the signing tests' own registry properties.
var signCert atomic.Int64

// signTestID completes a 17-digit body with its resident ID check character.
func signTestID(d17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(d17[i]-'0') * w
	}
	return d17 + string("10X98765432"[sum%11])
}

const signOwnerName = "郑守业"

var signOwnerID = signTestID("11010519700101701")

// signProperty imports a property of the test's own (110105, whole flat,
// owner 郑守业) and verifies it as actor; it returns the code.
func (e *env) signProperty(actor app.Actor) string {
	e.t.Helper()
	n := signCert.Add(1)
	cert := fmt.Sprintf("京(2025)朝阳区不动产权第%07d号", 9100000+n)
	addr := fmt.Sprintf("北京市朝阳区麒麟路%d号院1号楼2单元301", n)
	csv := "区县代码,证书类型,不动产权证号,权利人,权利人证件类型,权利人证件号码,共有份额,房屋坐落,建筑面积,规划用途,查封,抵押,异议,注销,限制交易,登记日期\n" +
		"110105,不动产权证书," + cert + "," + signOwnerName + ",居民身份证," + signOwnerID + ",," + addr + ",89.5,住宅,否,否,否,否,否,2020-05-20\n"
	if rep, err := e.app.ImportRegistry(sys, strings.NewReader(csv), "sign.csv", nil); err != nil || rep.Rejected > 0 {
		e.t.Fatalf("import: %+v %v", rep, err)
	}
	res, err := e.app.Verify(actor, app.VerifyInput{District: "110105", CertType: "01", CertNo: cert,
		Owners:  []app.OwnerInput{{Name: signOwnerName, IDType: "resident_id", IDNo: signOwnerID}},
		Address: addr, Area: "89.5", Rooms: "2", Halls: "1", Baths: "1", Rent: "6500", Mode: "whole"})
	if err != nil {
		e.t.Fatalf("verify as %s: %v", actor.Username, err)
	}
	return res.Verification.Code
}

var signPDF = []byte("%PDF-1.4\n% scanned\n")

// signDraft starts a draft as actor from a new property; ready fills every
// step and attaches the documents.
func (e *env) signDraft(actor app.Actor, ready bool) uint64 {
	e.t.Helper()
	c, err := e.app.StartContract(actor, e.signProperty(actor))
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	if !ready {
		return c.ID
	}
	e.signTerms(actor, c.ID)
	for _, k := range []string{"id_copy", "certificate"} {
		if _, err := e.app.AttachContractDoc(actor, c.ID, k, k+".pdf", signPDF); err != nil {
			e.t.Fatal(err)
		}
	}
	if _, err := e.app.DocsDone(actor, c.ID); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// signTerms fills steps 1–4 of a draft: it is then at step 5, the documents.
func (e *env) signTerms(actor app.Actor, id uint64) {
	e.t.Helper()
	start := time.Now().AddDate(0, 0, 1)
	steps := []app.ContractForm{{},
		{Start: start.Format(time.DateOnly), End: start.AddDate(1, 0, -1).Format(time.DateOnly), Rent: "6500", PaymentCycle: "quarterly",
			PaymentMethod: "transfer", Deposit: "13000", Purpose: "residential", Utilities: "lessee"},
		{Parties: []app.PartyForm{{Role: "lessor", Name: signOwnerName, IDType: "resident_id", IDNo: signOwnerID},
			{Role: "lessee", Name: "孙承租", IDType: "resident_id", IDNo: signTestID("11010819920315011"), Phone: "13900001111"}}},
		{AgreedTerms: "空调两台随房出租。"}}
	for i, f := range steps {
		if _, err := e.app.SaveContractStep(actor, id, i+1, f, true); err != nil {
			e.t.Fatalf("step %d: %v", i+1, err)
		}
	}
}

// TestSigningThroughThePages: an agent goes from the code to the signed
// contract through every step, with mistakes shown beside their fields and
// what he typed kept.
func TestSigningThroughThePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.signProperty(e.actor("agent.zhang"))
	c := e.signedIn("agency", "agent.zhang")

	r := c.get("/agency/contracts/new?code=" + code)
	wantStatus(t, r, http.StatusOK)
	wantInputValue(t, r, "code", code)
	r = c.post("/agency/contracts/new", url.Values{"code": {"ABCD-EFGH-JKL2"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantInputValue(t, r, "code", "ABCD-EFGH-JKL2")
	if fieldError(r, "code") == "" {
		t.Error("a wrong code shows no message beside the field")
	}
	r = c.post("/agency/contracts/new", url.Values{"code": {strings.ToLower(code)}})
	wantRedirectPrefix(t, r, "/agency/contracts/")
	base := strings.TrimSuffix(r.Header.Get("Location"), "/step/1")
	id, _ := strconv.ParseUint(strings.TrimPrefix(base, "/agency/contracts/"), 10, 64)

	r = c.get(base + "/step/1")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "麒麟路", zh("contract.step1"), "北京安居房地产经纪有限公司")
	// Steps cannot be skipped: a later step's address sends to the first.
	wantRedirect(t, c.get(base+"/step/4"), base+"/step/1")
	wantRedirect(t, c.post(base+"/step/1", url.Values{"go": {"next"}}), base+"/step/2")
	// A later step posted by its address marks nothing before it done:
	// the step bar shows only the property step done.
	c.post(base+"/step/4", url.Values{"agreed_terms": {"空调两台随房出租。"}, "clauses": {"c2"}, "go": {"next"}})
	if r := c.get(base + "/step/2"); strings.Count(r.body, `<li class="done">`) != 1 {
		t.Errorf("after posting step 4 first, %d steps are marked done, want 1", strings.Count(r.body, `<li class="done">`))
	}

	start := time.Now().AddDate(0, 0, 1)
	terms := url.Values{"start": {start.Format(time.DateOnly)}, "end": {start.Format(time.DateOnly)}, "rent": {"六千五"},
		"deposit": {"13000"}, "payment_cycle": {"quarterly"}, "payment_method": {"transfer"}, "purpose": {"residential"},
		"utilities": {"lessee"}, "fees": {"物业费由出租人承担"}, "go": {"next"}}
	r = c.post(base+"/step/2", terms)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "end", zh("contract.end_before_start"))
	wantFieldError(t, r, "rent", zh("contract.rent_invalid"))
	wantInputValue(t, r, "rent", "六千五")
	wantInputValue(t, r, "fees", "物业费由出租人承担")
	terms.Set("end", start.AddDate(1, 0, -1).Format(time.DateOnly))
	terms.Set("rent", "6500")
	terms.Set("deposit", "26000")
	wantRedirect(t, c.post(base+"/step/2", terms), base+"/step/3")
	wantText(t, c.get(base+"/step/2"), zh("contract.deposit_flagged", 3))

	// Step 3: the owner is prefilled as lessor; a wrong ID is named on its row.
	r = c.get(base + "/step/3")
	wantInputValue(t, r, "parties.0.name", signOwnerName)
	wantInputValue(t, r, "parties.0.id_no", signOwnerID)
	goodID := signTestID("11010819920315011")
	badID := goodID[:17] + "0"
	if goodID[17] == '0' {
		badID = goodID[:17] + "1"
	}
	parties := url.Values{"go": {"next"},
		"parties.0.role": {"lessor"}, "parties.0.kind": {"person"}, "parties.0.name": {signOwnerName}, "parties.0.id_type": {"resident_id"}, "parties.0.id_no": {signOwnerID},
		"parties.1.role": {"lessor_agent"}, "parties.1.kind": {"person"}, "parties.1.name": {""}, "parties.1.id_type": {"resident_id"}, "parties.1.id_no": {""},
		"parties.2.role": {"lessee"}, "parties.2.kind": {"person"}, "parties.2.name": {"孙承租"}, "parties.2.id_type": {"resident_id"}, "parties.2.id_no": {badID}, "parties.2.phone": {"13900001111"},
		"parties.3.role": {"co_resident"}, "parties.3.kind": {"person"}, "parties.3.name": {"John Smith"}, "parties.3.id_type": {"passport"}, "parties.3.id_no": {"E12345678"},
	}
	r = c.post(base+"/step/3", parties)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	// The empty agent row is dropped: the lessee is row 1 as shown again.
	wantFieldError(t, r, "parties.1.id_no", zh("idcard.checksum"))
	wantInputValue(t, r, "parties.1.name", "孙承租")
	wantInputValue(t, r, "parties.2.name", "John Smith")
	parties.Set("parties.2.id_no", goodID)
	wantRedirect(t, c.post(base+"/step/3", parties), base+"/step/4")

	r = c.get(base + "/step/4")
	wantText(t, r, "禁止吸烟")
	wantRedirect(t, c.post(base+"/step/4", url.Values{"agreed_terms": {"空调两台随房出租。"}, "clauses": {"c2"}, "go": {"next"}}), base+"/step/5")

	// Step 5: documents judged by their content.
	r = c.postFile(base+"/step/5", url.Values{"kind": {"id_copy"}, "go": {"upload"}}, "file", "id.pdf", []byte("not a pdf at all"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "file", zh("contract.doc_type"))
	r = c.postFile(base+"/step/5", url.Values{"go": {"next"}}, "file", "", nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "doc.id_copy", zh("contract.doc_missing_id_copy"))
	wantRedirect(t, c.postFile(base+"/step/5", url.Values{"kind": {"id_copy"}, "go": {"upload"}}, "file", "id.pdf", signPDF), base+"/step/5")
	// A file chosen with "下一步" is uploaded too, then the step is done.
	wantRedirect(t, c.postFile(base+"/step/5", url.Values{"kind": {"certificate"}, "go": {"next"}}, "file", "cert.png", []byte("\x89PNG\r\n\x1a\n scan")), base+"/step/6")
	r = c.get(base + "/step/5")
	wantText(t, r, "id.pdf", "cert.png")
	doc := c.get(base + "/docs/0")
	wantStatus(t, doc, http.StatusOK)
	if doc.Header.Get("Content-Type") != "application/pdf" || doc.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("document served as %q", doc.Header.Get("Content-Type"))
	}
	// Step 6: the contract as it prints.
	r = c.get(base + "/step/6")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "住房租赁合同", signOwnerName, "孙承租", "John Smith", "陆仟伍佰元整", "空调两台随房出租。", "禁止吸烟", zh("contract.sign"))
	wantNoText(t, r, "{{")

	r = c.post(base+"/sign", nil)
	wantRedirect(t, r, base)
	ct, err := e.app.GetContract(e.actor("agent.zhang"), id)
	if err != nil || ct.Status != app.ContractSigned || !strings.HasPrefix(ct.No, "HT110105-") {
		t.Fatalf("after signing: %v %+v", err, ct)
	}
	v, _ := e.app.GetVerification(e.actor("agent.zhang"), code)
	if v.Status != app.VStatusUsed || v.ContractID != id {
		t.Errorf("verification %s, contract %d", v.Status, v.ContractID)
	}
	// Signed: the steps go to its page.
	wantRedirect(t, c.get(base+"/step/2"), base)
	// The chosen clause is named by its title, never by its code, on the
	// agency's page and on the bureau's.
	r = c.get(base)
	wantText(t, r, zh("contracts.clauses")+": 禁止吸烟")
	wantNoText(t, r, zh("contracts.clauses")+": c2")
	r = e.signedIn("gov", "clerk").get(fmt.Sprintf("/gov/contracts/%d", id))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("contracts.clauses")+": 禁止吸烟")
}

// stepBar reads the step bar of a signing page: each step's name with
// "done", "current" or "" (to do).
func stepBar(t *testing.T, r *resp) map[string]string {
	t.Helper()
	i := strings.Index(r.body, `<ol class="stepper"`)
	if i < 0 {
		t.Fatalf("no step bar on the page\n%s", visibleText(r.body))
	}
	bar := r.body[i:]
	bar = bar[:strings.Index(bar, "</ol>")]
	marks := map[string]string{}
	for _, li := range strings.Split(bar, "<li")[1:] {
		head := li[:strings.Index(li, ">")]
		mark := ""
		switch {
		case strings.Contains(head, `aria-current="step"`):
			mark = "current"
		case strings.Contains(head, `class="done"`):
			mark = "done"
		}
		marks[visibleText("<li"+li)] = mark
	}
	return marks
}

// wantSteps checks the marks of the step bar, steps 1–6, in lang.
func wantSteps(t *testing.T, r *resp, lang string, want ...string) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	marks := stepBar(t, r)
	for i, w := range want {
		name := msg(lang, fmt.Sprintf("contract.step%d", i+1))
		if got, ok := marks[name]; !ok || got != w {
			t.Errorf("%s: step %d %q is marked %q (on the bar: %v), want %q", lang, i+1, name, got, ok, w)
		}
	}
}

// TestStepBarShowsWhatIsDone: the step bar marks a step done only when its
// fields as stored are complete and valid, after the steps before it: not
// a step posted by its address before them, nor the documents once one is
// removed; completing the step marks it done.
func TestStepBarShowsWhatIsDone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.signDraft(e.actor("agent.zhang"), false)
	base := "/agency/contracts/" + itoa(id)
	c := e.signedIn("agency", "agent.zhang")
	enc := e.signedIn("agency", "agent.zhang")
	enc.setCookie("lang", "en")

	wantRedirect(t, c.post(base+"/step/1", url.Values{"go": {"next"}}), base+"/step/2")
	// The agreed terms first, by their address: kept, not done; nor are
	// the details, never filled.
	c.post(base+"/step/4", url.Values{"agreed_terms": {"空调两台随房出租。"}, "clauses": {"c2"}, "go": {"next"}})
	wantSteps(t, c.get(base+"/step/1"), "zh-CN", "current", "", "", "", "", "")
	wantSteps(t, enc.get(base+"/step/1"), "en", "current", "", "", "", "", "")

	// In order, each step done is marked so.
	e.signTerms(e.actor("agent.zhang"), id)
	wantSteps(t, c.get(base+"/step/1"), "zh-CN", "current", "done", "done", "done", "", "")
	for _, k := range []string{"id_copy", "certificate"} {
		wantRedirect(t, c.postFile(base+"/step/5", url.Values{"kind": {k}, "go": {"upload"}}, "file", k+".pdf", signPDF), base+"/step/5")
	}
	wantSteps(t, c.get(base+"/step/2"), "zh-CN", "done", "current", "done", "done", "", "")
	wantRedirect(t, c.post(base+"/step/5", url.Values{"go": {"next"}}), base+"/step/6")
	wantSteps(t, c.get(base+"/step/6"), "zh-CN", "done", "done", "done", "done", "done", "current")

	// A document removed after the preview was reached: the documents are
	// to do again (signing names what is missing).
	wantRedirect(t, c.post(base+"/docs/0/remove", nil), base+"/step/5")
	wantSteps(t, c.get(base+"/step/6"), "zh-CN", "done", "done", "done", "done", "", "current")
	wantSteps(t, enc.get(base+"/step/2"), "en", "done", "current", "done", "done", "", "")
	wantRedirect(t, c.postFile(base+"/step/5", url.Values{"kind": {"id_copy"}, "go": {"upload"}}, "file", "id.pdf", signPDF), base+"/step/5")
	wantSteps(t, enc.get(base+"/step/6"), "en", "done", "done", "done", "done", "done", "current")

	// An owner's agent added: the power of attorney is now required.
	parties := url.Values{"go": {"next"}}
	for i, p := range []app.PartyForm{{Role: "lessor", Name: signOwnerName, IDType: "resident_id", IDNo: signOwnerID},
		{Role: "lessor_agent", Name: "周代理", IDType: "resident_id", IDNo: signTestID("11010819850612002"), Phone: "13900002222"},
		{Role: "lessee", Name: "孙承租", IDType: "resident_id", IDNo: signTestID("11010819920315011"), Phone: "13900001111"}} {
		pre := fmt.Sprintf("parties.%d.", i)
		parties.Set(pre+"role", p.Role)
		parties.Set(pre+"name", p.Name)
		parties.Set(pre+"id_type", p.IDType)
		parties.Set(pre+"id_no", p.IDNo)
		parties.Set(pre+"phone", p.Phone)
	}
	wantRedirect(t, c.post(base+"/step/3", parties), base+"/step/4")
	wantSteps(t, c.get(base+"/step/6"), "zh-CN", "done", "done", "done", "done", "", "current")
	wantRedirect(t, c.postFile(base+"/step/5", url.Values{"kind": {"power_of_attorney"}, "go": {"upload"}}, "file", "poa.pdf", signPDF), base+"/step/5")
	wantSteps(t, c.get(base+"/step/6"), "zh-CN", "done", "done", "done", "done", "done", "current")
}

// TestSigningRefusalsOnThePreview: missing confirmations and an
// overlapping contract are named at the top of the preview.
func TestSigningRefusalsOnThePreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.actor("clerk")
	c := e.signedIn("gov", "clerk")
	e.setParams(app.ParamPartyConfirm, "true")
	id := e.signDraft(clerk, true)
	base := "/gov/contracts/" + itoa(id)
	r := c.get(base + "/step/6")
	wantText(t, r, zh("contract.confirm_codes"), zh("contract.not_confirmed_yet"))
	codes, err := e.app.ContractConfirmCodes(clerk, id)
	if err != nil || len(codes) != 2 {
		t.Fatalf("codes %v %v", codes, err)
	}
	wantText(t, r, app.FormatConfirmCode(codes[0].Code))
	r = c.post(base+"/sign", nil)
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, zh("contract.not_confirmed", signOwnerName+"、孙承租"))
	r = c.post(base+"/sign", nil, "Accept-Language", "en")
	wantText(t, r, en("contract.not_confirmed", signOwnerName+", 孙承租"))

	// The parties confirm on the public page, in English for one of them.
	p := e.client()
	form := p.get("/confirm?code=" + codes[0].Code)
	wantInputValue(t, form, "code", codes[0].Code)
	r = p.post("/confirm", url.Values{"code": {codes[0].Code}, "id_tail": {"000000"}, "go": {"check"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "code", zh("contract.confirm_failed"))
	wantInputValue(t, r, "id_tail", "000000")
	r = p.post("/confirm", url.Values{"code": {codes[0].Code}, "id_tail": {signOwnerID[12:]}, "go": {"check"}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("contract.confirm_check"), "6500", zh("contract.confirm_button"))
	wantNoText(t, r, codes[1].Party.IDNo) // the other party's number; his own shows in the text
	r = p.post("/confirm", url.Values{"code": {codes[0].Code}, "id_tail": {signOwnerID[12:]}, "go": {"confirm"}})
	wantText(t, r, zh("contract.confirm_done"), zh("contract.confirm_outstanding", 1))
	p.setCookie("lang", "en")
	tail := codes[1].Party.IDNo[12:]
	r = p.post("/confirm", url.Values{"code": {codes[1].Code}, "id_tail": {tail}, "go": {"confirm"}})
	wantText(t, r, en("contract.confirm_done"), en("contract.confirm_all_done"))

	wantRedirect(t, c.post(base+"/sign", nil), base)
	no := func() string { ct, _ := e.app.GetContract(clerk, id); return ct.No }()

	// A second lease of the same flat over the same months: refused, naming it.
	e.setParams(app.ParamPartyConfirm, "false")
	ct, _ := e.app.GetContract(clerk, id)
	res, err := e.app.Verify(clerk, app.VerifyInput{District: "110105", CertType: "01", CertNo: ct.CertNo,
		Owners:  []app.OwnerInput{{Name: signOwnerName, IDType: "resident_id", IDNo: signOwnerID}},
		Address: ct.Listing.Address, Area: "89.5", Rooms: "2", Halls: "1", Baths: "1", Rent: "6500", Mode: "whole"})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := e.app.StartContract(clerk, res.Verification.Code)
	if err != nil {
		t.Fatal(err)
	}
	base2 := "/gov/contracts/" + itoa(d2.ID)
	c.post(base2+"/step/1", url.Values{"go": {"next"}})
	start := time.Now().AddDate(0, 1, 0)
	r = c.post(base2+"/step/2", url.Values{"start": {start.Format(time.DateOnly)}, "end": {start.AddDate(1, 0, 0).Format(time.DateOnly)},
		"rent": {"7000"}, "deposit": {"7000"}, "payment_cycle": {"monthly"}, "payment_method": {"cash"}, "purpose": {"residential"},
		"utilities": {"shared"}, "go": {"next"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantText(t, r, no)
	wantFieldError(t, r, "start", zh("contract.overlap_field"))

	// Cancelling a draft.
	wantRedirect(t, c.post(base2+"/cancel", nil), base2)
	if d, _ := e.app.GetContract(clerk, d2.ID); d.Status != app.ContractCancelled {
		t.Errorf("cancelled draft is %s", d.Status)
	}
}

// TestConfirmStepsSayWhatTheyDo: a party opening the link or QR an
// agent sent is not asked to say "correct" before he has seen the
// contract: the first step checks who he is and shows the contract, the
// second is where he reads and confirms it, in Chinese and in English.
func TestConfirmStepsSayWhatTheyDo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, codes := e.draftToConfirm()
	for _, lang := range []string{"zh-CN", "en"} {
		m := func(key string, args ...any) string { return msg(lang, key, args...) }
		p := e.client()
		p.setCookie("lang", lang)
		r := p.get("/confirm?code=" + codes[0].Code)
		wantText(t, r, m("contract.confirm_step_identity"), ">"+m("contract.confirm_show")+"</button>")
		wantNoText(t, r, m("contract.confirm_next"), m("contract.confirm_button"), m("contract.confirm_step_read"))
		r = p.post("/confirm", url.Values{"code": {codes[0].Code}, "id_tail": {signOwnerID[12:]}, "go": {"check"}})
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, m("contract.confirm_step_read"), m("contract.confirm_text"), ">"+m("contract.confirm_button")+"</button>")
		wantNoText(t, r, m("contract.confirm_next"), m("contract.confirm_step_identity"))
	}
}

// draftToConfirm turns the parties' confirmation on and makes a clerk's
// draft ready to sign, returning it and its two parties' codes.
func (e *env) draftToConfirm() (uint64, []app.PartyCode) {
	e.t.Helper()
	clerk := e.actor("clerk")
	e.setParams(app.ParamPartyConfirm, "true")
	id := e.signDraft(clerk, true)
	codes, err := e.app.ContractConfirmCodes(clerk, id)
	if err != nil || len(codes) != 2 {
		e.t.Fatalf("codes %v %v", codes, err)
	}
	return id, codes
}

// TestConfirmPageShowsTheContract: a party confirming reads the whole
// contract: its articles, agreed terms and clauses, every ID number
// masked (his own too), in Chinese and in English.
func TestConfirmPageShowsTheContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, codes := e.draftToConfirm()
	lesseeID := codes[1].Party.IDNo
	p := e.client()
	r := p.post("/confirm", url.Values{"code": {codes[0].Code}, "id_tail": {signOwnerID[12:]}, "go": {"check"}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("contract.confirm_text"), "第六条", "由承租人承担", "空调两台随房出租。", "第十二条", "季付",
		app.MaskID(signOwnerID), app.MaskID(lesseeID), zh("contract.confirm_statement"))
	// Every number masked, his own too: the code and his ID's last
	// characters must not be enough to read the rest of it.
	wantNoText(t, r, lesseeID, signOwnerID)
	p.setCookie("lang", "en")
	r = p.post("/confirm", url.Values{"code": {codes[1].Code}, "id_tail": {lesseeID[12:]}, "go": {"check"}})
	wantText(t, r, en("contract.confirm_text"), en("contract.confirm_text_hint"), "空调两台随房出租。", app.MaskID(lesseeID), app.MaskID(signOwnerID))
	wantNoText(t, r, signOwnerID, lesseeID)
}

// TestConfirmClosedSaysWhich: a party who opens his code again once the
// draft is no longer open is told whether it was signed (with its number)
// or cancelled, in his language: "signed or cancelled" left him not
// knowing whether a lease binds him.
func TestConfirmClosedSaysWhich(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	signedID, signedCodes := e.draftToConfirm()
	for _, pc := range signedCodes {
		if _, err := e.app.ConfirmContractParty(app.Actor{}, pc.Code, pc.Party.IDNo[12:]); err != nil {
			t.Fatal(err)
		}
	}
	wantRedirect(t, clerk.post("/gov/contracts/"+itoa(signedID)+"/sign", nil), "/gov/contracts/"+itoa(signedID))
	ct, err := e.app.GetContract(e.actor("clerk"), signedID)
	if err != nil || ct.No == "" {
		t.Fatalf("signed contract %+v %v", ct, err)
	}
	cancelledID, cancelledCodes := e.draftToConfirm()
	wantRedirect(t, clerk.post("/gov/contracts/"+itoa(cancelledID)+"/cancel", nil), "/gov/contracts/"+itoa(cancelledID))

	p := e.client()
	ask := func(pc app.PartyCode) *resp {
		r := p.post("/confirm", url.Values{"code": {pc.Code}, "id_tail": {pc.Party.IDNo[12:]}, "go": {"check"}})
		wantStatus(t, r, http.StatusConflict)
		return r
	}
	wantText(t, ask(signedCodes[1]), zh("contract.confirm_signed", ct.No))
	wantText(t, ask(cancelledCodes[1]), zh("contract.confirm_cancelled"))
	p.setCookie("lang", "en")
	wantText(t, ask(signedCodes[0]), en("contract.confirm_signed", ct.No))
	r := ask(cancelledCodes[0])
	wantText(t, r, en("contract.confirm_cancelled"))
	wantNoText(t, r, en("contract.confirm_signed", ct.No))
}

// TestConfirmationInHistory: a party's confirmation reads in the
// contract's history as his role and masked name, in the page's language,
// without his full name or an internal user name.
func TestConfirmationInHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id, codes := e.draftToConfirm()
	if _, err := e.app.ConfirmContractParty(app.Actor{}, codes[0].Code, signOwnerID[12:]); err != nil {
		t.Fatal(err)
	}
	c := e.signedIn("gov", "clerk")
	r := wantOK(t, c.get("/gov/contracts/"+itoa(id)))
	li := rowOfLi(r.body, zh("contracts.event.confirmed"))
	want := zh("contracts.event.confirmed") + " · " + zh("contract.role.lessor") + " " + app.MaskName(signOwnerName)
	if got := visibleText(li); !strings.HasPrefix(got, want) || strings.Contains(got, signOwnerName) || strings.Contains(got, "public:") {
		t.Errorf("history line %q, want %q and no full or user name", got, want)
	}
	c.setCookie("lang", "en")
	r = wantOK(t, c.get("/gov/contracts/"+itoa(id)))
	li = rowOfLi(r.body, en("contracts.event.confirmed"))
	want = en("contracts.event.confirmed") + " · " + en("contract.role.lessor") + " " + app.MaskName(signOwnerName)
	if got := visibleText(li); !strings.HasPrefix(got, want) || strings.Contains(got, "public:") {
		t.Errorf("history line %q, want %q", got, want)
	}
}

// TestSigningOtherAgencyAndLanguages: another agency's staff cannot open a
// draft; every step reads in English without untranslated keys.
func TestSigningOtherAgencyAndLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.signDraft(e.actor("agent.zhang"), true)
	base := "/agency/contracts/" + itoa(id)
	leju := e.signedIn("agency", "leju.admin")
	for _, path := range []string{"/step/1", "/step/6", "/docs/0"} {
		wantStatus(t, leju.get(base+path), http.StatusNotFound)
	}
	wantStatus(t, leju.post(base+"/sign", nil), http.StatusNotFound)
	wantStatus(t, leju.post(base+"/cancel", nil), http.StatusNotFound)

	c := e.signedIn("agency", "agent.zhang")
	c.setCookie("lang", "en")
	for step := 1; step <= 6; step++ {
		r := c.get(base + "/step/" + strconv.Itoa(step))
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, en(fmt.Sprintf("contract.step%d", step)))
		if strings.Contains(visibleText(r.body), "contract.") {
			t.Errorf("step %d shows a message key", step)
		}
	}
	wantText(t, c.get("/agency/contracts/new"), en("contract.start_hint"))
}

// TestModelTextPage: the sysadmin saves a new version; an unknown
// placeholder is named and the text typed is kept.
func TestModelTextPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("gov", "sysadmin")
	r := c.get("/gov/admin/contract-template")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "第一条", "{{承租人}}", "禁止吸烟", zh("contract.tpl_no_versions"))
	form := url.Values{"title": {"住房租赁合同（2026版）"}, "text": {"出租人：{{出租人}}\n承租人：{{承租仁}}"},
		"clauses.0.code": {"c1"}, "clauses.0.title": {"宠物饲养"}, "clauses.0.text": {"可以养猫。"}, "clauses.0.enabled": {"1"},
		"clauses.1.code": {""}, "clauses.1.title": {"车位"}, "clauses.1.text": {""}, "note": {"新版"}}
	r = c.post("/gov/admin/contract-template", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantText(t, r, zh("contract.tpl_unknown_placeholder_named", "承租仁"))
	wantFieldError(t, r, "text", zh("contract.tpl_unknown_placeholder"))
	wantFieldError(t, r, "clauses.1.text", zh("contract.tpl_clause_text_required"))
	wantText(t, r, "{{承租仁}}")
	wantInputValue(t, r, "clauses.1.title", "车位")
	form.Set("text", "出租人：{{出租人}}\n承租人：{{承租人}}")
	form.Set("clauses.1.text", "提供车位一个。")
	wantRedirect(t, c.post("/gov/admin/contract-template", form), "/gov/admin/contract-template")
	r = c.get("/gov/admin/contract-template")
	wantText(t, r, zh("contract.tpl_saved_flash"), "住房租赁合同（2026版）", "新版", zh("contract.tpl_shipped"))
	cur, _ := e.app.CurrentContractTemplate()
	if cur.Version != 2 || len(cur.Clauses) != 2 || cur.Clauses[1].Code != "c2" {
		t.Errorf("saved %+v", cur)
	}
	c.setCookie("lang", "en")
	wantText(t, c.get("/gov/admin/contract-template"), en("contract.tpl_intro"))
}

// TestVerificationPageOffersSigning: a valid code's page links to the
// signing form with the code filled in.
func TestVerificationPageOffersSigning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.signProperty(e.actor("agent.zhang"))
	c := e.signedIn("agency", "agent.zhang")
	r := c.get("/agency/verifications/" + code)
	wantText(t, r, zh("contract.sign_from_code"))
	if !strings.Contains(r.body, `href="/agency/contracts/new?code=`+code+`"`) {
		t.Error("no link to sign from the code")
	}
	wantInputValue(t, c.get("/agency/contracts/new?code="+code), "code", code)
	// A reviewer cannot sign: no link.
	wantNoText(t, e.signedIn("gov", "reviewer").get("/gov/verifications/"+code), zh("contract.sign_from_code"))
}
