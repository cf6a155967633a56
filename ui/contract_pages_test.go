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
	view, revoke := string(app.PermContractView), string(app.PermContractRevoke)
	for _, p := range []string{"/gov", "/agency"} {
		routeTable = append(routeTable,
			routeCase{"GET", p + "/contracts", view, http.StatusOK},
			routeCase{"GET", p + "/contracts/{id:[0-9]+}", view, http.StatusOK},
			routeCase{"GET", p + "/contracts/{id:[0-9]+}/print", view, http.StatusOK},
			routeCase{"GET", p + "/contracts/{id:[0-9]+}/revoke", revoke, http.StatusOK},
			routeCase{"POST", p + "/contracts/{id:[0-9]+}/revoke", revoke, http.StatusUnprocessableEntity}, // empty form
		)
	}
	routeTable = append(routeTable,
		routeCase{"POST", "/gov/contracts/{id:[0-9]+}/personal-data", string(app.PermPersonalData), http.StatusOK})
	routeFixtures = append(routeFixtures, contractPagesFixture)
}

// contractPagesFixture: one signed contract of agent.zhang's agency in the
// demo clerk's district, which every role that may see contracts sees.
// The keys name these routes only (the longest prefix wins), so that the
// signing pages' own fixtures keep theirs.
func contractPagesFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	c := e.clSeed(app.Contract{})
	ids := map[string]uint64{}
	for _, p := range []string{"/gov", "/agency"} {
		ids[p+"/contracts/{id:[0-9]+}"] = c.ID // the detail page; longer prefixes (steps, docs) win over it
		ids[p+"/contracts/{id:[0-9]+}/print"] = c.ID
		ids[p+"/contracts/{id:[0-9]+}/revoke"] = c.ID
	}
	ids["/gov/contracts/{id:[0-9]+}/personal-data"] = c.ID
	return ids, nil
}

// clSeed stores a signed contract brokered by agent.zhang's agency in
// 110105 (fields of c override the defaults).
func (e *env) clSeed(c app.Contract) *app.Contract {
	e.t.Helper()
	agent := e.actor("agent.zhang")
	today := time.Now().Truncate(24 * time.Hour)
	if c.Status == "" {
		c.Status = app.ContractSigned
	}
	if c.District == "" {
		c.District = "110105"
	}
	if c.Source == "" {
		c.Source = app.ContractOnline
	}
	if c.AgencyID == 0 && c.AgencyName == "" {
		c.AgencyID, c.AgencyName, c.AgentID, c.AgentName = agent.AgencyID, agent.AgencyName, agent.UserID, agent.Name
	}
	if c.CertNo == "" {
		c.CertType, c.CertNo = "real_estate", "京(2019)朝阳区不动产权第0456789号"
	}
	if c.Listing.Address == "" {
		c.Listing = app.Listing{Address: "北京市朝阳区测试路12号院", Building: "3号楼", Room: "1202", Area: 78.5, Rooms: 2, Halls: 1, Baths: 1, Rent: 6800, Mode: "whole"}
	}
	if c.Terms.Start.IsZero() {
		start := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.Local).AddDate(0, -1, 0)
		c.Terms = app.Terms{Start: start, End: start.AddDate(1, 0, -1), Rent: 6800, PaymentCycle: "quarterly",
			PaymentMethod: "银行转账", Deposit: 13600, Purpose: "residential", Utilities: "lessee"}
	}
	if c.Parties == nil {
		c.Parties = []app.Party{
			{Role: app.PartyLessor, Kind: app.PartyPerson, Name: "业主钱多多", IDType: "resident_id", IDNo: "110105198001010016", Phone: "13800001111"},
			{Role: app.PartyLessee, Kind: app.PartyPerson, Name: "租客孙小美", IDType: "resident_id", IDNo: "11010819900307002X", Phone: "13900002222"},
		}
	}
	if c.CreatedBy.UserID == 0 {
		c.CreatedBy = app.Person{UserID: agent.UserID, Username: agent.Username, Name: agent.Name}
	}
	c.SignedBy = c.CreatedBy
	c.History = []app.ContractEvent{{Time: time.Now(), By: c.CreatedBy, Action: "signed"}}
	out, err := e.app.SeedContract(sys, &c)
	if err != nil {
		e.t.Fatalf("seed contract: %v", err)
	}
	return out
}

func TestContractListSearchesAndScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mine := e.clSeed(app.Contract{Parties: []app.Party{
		{Role: app.PartyLessor, Kind: app.PartyPerson, Name: "业主鑫淼", IDType: "resident_id", IDNo: "110105198001010016"},
		{Role: app.PartyLessee, Kind: app.PartyPerson, Name: "租客犇骉", IDType: "resident_id", IDNo: "11010819900307002X"},
	}})
	// A contract of another agency in another district.
	other := e.clSeed(app.Contract{District: "110108", AgencyName: "北京别家经纪有限公司", AgencyID: 999999,
		Parties: []app.Party{{Role: app.PartyLessee, Kind: app.PartyPerson, Name: "租客犇犇", IDType: "resident_id", IDNo: "11010819900307002X"}}})

	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/contracts?q=" + url.QueryEscape("骉"))
	wantStatus(t, r, 200)
	wantText(t, r, mine.No, zh("list.total", 1), app.MaskName("业主鑫淼")) // one character finds it; names are masked in the list
	wantNoText(t, r, "鑫淼")
	// The number typed full-width, lower-case, without dashes.
	for _, typed := range []string{clFullWidth(mine.No), strings.ToLower(mine.No), strings.ReplaceAll(mine.No, "-", "")} {
		r := clerk.get("/gov/contracts?q=" + url.QueryEscape(typed))
		wantText(t, r, mine.No, zh("list.total", 1))
		wantInputValue(t, r, "q", typed)
	}
	// Jurisdiction: the clerk of 110105 does not find the one of 110108;
	// the city-wide leader does.
	wantText(t, clerk.get("/gov/contracts?q="+url.QueryEscape("犇")), zh("list.total", 1))
	leader := e.signedIn("gov", "leader")
	wantText(t, leader.get("/gov/contracts?q="+url.QueryEscape("犇")), zh("list.total", 2), other.No)
	// The agent sees his agency's, not the other agency's.
	agent := e.signedIn("agency", "agent.zhang")
	r = agent.get("/agency/contracts?q=" + url.QueryEscape("犇"))
	wantText(t, r, mine.No, zh("list.total", 1))
	wantNoText(t, r, other.No)
	// A bad date is shown beside its field, the rest kept.
	r = clerk.get("/gov/contracts?q=abc&from=2026-13-45")
	wantStatus(t, r, 422)
	wantFieldError(t, r, "from", zh("list.date_invalid"))
	wantInputValue(t, r, "q", "abc")
}

func TestContractListOverdueAndDrafts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	agentID := e.actor("agent.zhang")
	late := e.clSeed(app.Contract{Signed: time.Now().AddDate(0, 0, -45), FilingDue: time.Now().AddDate(0, 0, -15),
		Parties: []app.Party{{Role: app.PartyLessee, Kind: app.PartyPerson, Name: "逾期甲乙", IDType: "resident_id", IDNo: "11010819900307002X"}}})
	onTime := e.clSeed(app.Contract{Parties: []app.Party{{Role: app.PartyLessee, Kind: app.PartyPerson, Name: "按期甲乙", IDType: "resident_id", IDNo: "11010819900307002X"}}})
	// A draft of another agent of the same agency: not in agent.zhang's list.
	colleague := app.Person{UserID: 424242, Username: "colleague", Name: "同事"}
	draft := e.clSeed(app.Contract{Status: app.ContractDraft, CreatedBy: colleague,
		Parties: []app.Party{{Role: app.PartyLessee, Kind: app.PartyPerson, Name: "草稿甲乙", IDType: "resident_id", IDNo: "11010819900307002X"}}})

	agent := e.signedIn("agency", "agent.zhang")
	r := agent.get("/agency/contracts?filing=overdue&q=" + url.QueryEscape("甲乙"))
	wantText(t, r, late.No, zh("contracts.filing.overdue"), zh("list.total", 1))
	wantNoText(t, r, onTime.No)
	r = agent.get("/agency/contracts?status=draft&q=" + url.QueryEscape("甲乙"))
	wantText(t, r, zh("list.total", 0))
	wantNoText(t, r, zh("contracts.draft_no", draft.ID))
	wantStatus(t, agent.get(fmt.Sprintf("/agency/contracts/%d", draft.ID)), 404)
	// His agency's admin sees the draft.
	admin := e.signedIn("agency", "anju.admin")
	wantText(t, admin.get("/agency/contracts?status=draft&q="+url.QueryEscape("甲乙")), zh("contracts.draft_no", draft.ID))
	// The overdue contract's page says so.
	wantText(t, agent.get(fmt.Sprintf("/agency/contracts/%d", late.ID)), zh("contracts.overdue_banner", fmtDateZH(late.FilingDue)))
	_ = agentID
}

func fmtDateZH(t time.Time) string { return t.Local().Format("2006年1月2日") }

func TestContractDetailMasksAndAuditsFullView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.clSeed(app.Contract{})
	path := fmt.Sprintf("/gov/contracts/%d", c.ID)
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get(path)
	wantStatus(t, r, 200)
	wantText(t, r, c.No, "业主钱多多", "租客孙小美", app.MaskID("110105198001010016"), app.MaskPhone("13900002222"),
		zh("contracts.status.signed"), zh("contracts.filing.none"), zh("contracts.event.signed"), "北京市朝阳区测试路12号院")
	wantNoText(t, r, "110105198001010016", "13900002222")
	// A leader reads the masked numbers only.
	leader := e.signedIn("gov", "leader")
	wantNoText(t, leader.get(path), zh("contracts.reveal"))
	wantStatus(t, leader.post(path+"/personal-data", nil), 403)
	// The clerk, the reviewer and the sysadmin open them, each view audited.
	for _, who := range []string{"clerk", "reviewer", "sysadmin"} {
		cl := e.signedIn("gov", who)
		wantText(t, cl.get(path), zh("contracts.reveal"))
		r = cl.post(path+"/personal-data", nil)
		wantStatus(t, r, 200)
		wantText(t, r, "110105198001010016", "13900002222", zh("contracts.full_view_audited"))
		found := false
		for _, a := range e.auditActions(fmt.Sprintf("contract/%d", c.ID)) {
			found = found || (a.Action == "personal.view" && a.Username == who)
		}
		if !found {
			t.Errorf("%s's full view is not in the audit log", who)
		}
	}
}

func TestContractRevokeThroughTheUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.clSeed(app.Contract{FilingStatus: app.FilingFiled, FilingCertNo: "BA110105-2026-990001"})
	base := fmt.Sprintf("/agency/contracts/%d", c.ID)
	agent := e.signedIn("agency", "agent.zhang")
	r := agent.get(base)
	wantText(t, r, zh("contracts.revoke"))
	r = agent.get(base + "/revoke")
	wantStatus(t, r, 200)
	wantText(t, r, zh("contracts.revoke_filing_warning"))

	// Nothing typed: each field says what is missing.
	r = agent.postFile(base+"/revoke", url.Values{"effective": {""}}, "doc", "", nil)
	wantStatus(t, r, 422)
	wantFieldError(t, r, "reason", zh("contracts.revoke_reason_required"))
	wantFieldError(t, r, "effective", zh("contracts.revoke_date_required"))
	wantFieldError(t, r, "doc", zh("contracts.revoke_doc_required"))
	// A GIF named .pdf, a date after the end: refused, the reason kept.
	after := c.Terms.End.AddDate(0, 0, 3).Format(time.DateOnly)
	r = agent.postFile(base+"/revoke", url.Values{"reason": {"承租人工作调动"}, "effective": {after}}, "doc", "协议.pdf", []byte("GIF89a fake"))
	wantStatus(t, r, 422)
	wantFieldError(t, r, "doc", zh("contracts.revoke_doc_type"))
	wantFieldError(t, r, "effective", zh("contracts.revoke_date_after_end"))
	wantText(t, r, "承租人工作调动")
	wantInputValue(t, r, "effective", after)
	// Another agency's agent cannot even see it.
	leju := e.signedIn("agency", "leju.admin")
	wantStatus(t, leju.get(base+"/revoke"), 404)

	when := time.Now().Format(time.DateOnly)
	r = agent.postFile(base+"/revoke", url.Values{"reason": {"承租人工作调动"}, "effective": {when}}, "doc", "协议.pdf", []byte("%PDF-1.7 signed"))
	wantRedirect(t, r, base)
	r = agent.get(base)
	wantText(t, r, zh("contracts.revoked_flash"), zh("contracts.status.revoked"), zh("contracts.filing.cancelled"),
		zh("contract.doc.revocation"), "协议.pdf", zh("contracts.event.revoked"), "承租人工作调动")
	wantNoText(t, r, zh("contracts.revoke")+"</a>")
	// Revoked: no second time.
	wantStatus(t, agent.get(base+"/revoke"), 409)
	// The lists follow.
	wantText(t, agent.get("/agency/contracts?status=revoked&q="+url.QueryEscape(c.No)), c.No)

	// A lease signed ahead of its start: the form proposes today, as it
	// can be called off before it starts (app.RevocableFrom).
	start := time.Now().AddDate(0, 1, 0).Truncate(24 * time.Hour)
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.Local)
	ahead := e.clSeed(app.Contract{Terms: app.Terms{Start: start, End: start.AddDate(1, 0, -1), Rent: 5000, Deposit: 5000,
		PaymentCycle: "monthly", Purpose: "residential"}})
	wantInputValue(t, agent.get(fmt.Sprintf("/agency/contracts/%d/revoke", ahead.ID)), "effective", time.Now().Format(time.DateOnly))
}

// TestRevokedBeforeStartGivesTheCodeBackThroughTheUI: a lease revoked
// before its first day says that its code is valid again, its history
// names the code, and the public check reads valid.
func TestRevokedBeforeStartGivesTheCodeBackThroughTheUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zhang := e.actor("agent.zhang")
	c, err := e.app.SignContract(zhang, e.signDraft(zhang, true)) // starts tomorrow
	if err != nil {
		t.Fatal(err)
	}
	code := app.FormatVerificationCode(c.VerificationCode)
	pub := e.client()
	wantText(t, pub.get("/v/"+code), zh("verify.public_state.used"))
	base := fmt.Sprintf("/agency/contracts/%d", c.ID)
	agent := e.signedIn("agency", "agent.zhang")
	r := agent.postFile(base+"/revoke", url.Values{"reason": {"承租人放弃入住"}, "effective": {time.Now().Format(time.DateOnly)}},
		"doc", "协议.pdf", []byte("%PDF-1.7 signed"))
	wantRedirect(t, r, base)
	r = agent.get(base)
	wantText(t, r, zh("contracts.revoked_codes_released_flash"), zh("contracts.status.revoked"))
	for _, ev := range []string{"contracts.event.created", "contracts.event.code_released"} {
		if li := visibleText(rowOfLi(r.body, zh(ev))); !strings.HasSuffix(li, code) {
			t.Errorf("history line %q, want it to name %s as everywhere", li, code)
		}
	}
	wantText(t, pub.get("/v/"+code), zh("verify.public_state.valid"))
	agent.setCookie("lang", "en")
	wantText(t, agent.get(base), en("contracts.event.code_released"))
}

// TestContractRevokeAheadThroughTheUI: a revocation agreed for a later day
// is recorded: the contract pages of both portals and the public filing
// check say when the lease ends, the lists keep it signed, and nothing
// reads "revoked" until the daily job revokes it on that day.
func TestContractRevokeAheadThroughTheUI(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e := newEnvClock(t, clk)
	const certNo, lessee, reason = "BA110105-2026-990011", "租客孙小美", "承租人工作调动，双方协商提前解除"
	c := e.clSeed(app.Contract{FilingStatus: app.FilingFiled, FilingCertNo: certNo})
	base := fmt.Sprintf("/agency/contracts/%d", c.ID)
	on := time.Now().AddDate(0, 0, 14)
	on = time.Date(on.Year(), on.Month(), on.Day(), 0, 0, 0, 0, time.Local)
	agent := e.signedIn("agency", "agent.zhang")
	wantText(t, agent.get(base+"/revoke"), zh("contracts.revoke_future_hint"))
	r := agent.postFile(base+"/revoke", url.Values{"reason": {reason}, "effective": {on.Format(time.DateOnly)}}, "doc", "协议.pdf", []byte("%PDF-1.7 signed"))
	wantRedirect(t, r, base)

	banner := zh("contracts.revocation_banner", on.Format("2006年1月2日"), reason)
	r = agent.get(base)
	wantText(t, r, zh("contracts.revocation_recorded_flash"), banner, zh("contracts.status.signed"), zh("contracts.filing.filed"),
		zh("contracts.event.revocation_recorded"), zh("contracts.revocation_on_label"), "协议.pdf",
		on.Format("2006年1月2日")+" "+reason) // the history's note, its date as every date
	wantNoText(t, r, zh("contracts.status.revoked"), zh("contracts.filing.cancelled"), zh("contracts.revoke")+"</a>")
	// Not a second time: the form says why.
	r = agent.get(base + "/revoke")
	wantStatus(t, r, 409)
	wantText(t, r, zh("contracts.revoke_already_recorded", fmtDateZH(on)))
	wantStatus(t, agent.postFile(base+"/revoke", url.Values{"reason": {"再次"}, "effective": {time.Now().Format(time.DateOnly)}}, "doc", "b.pdf", []byte("%PDF-1.7")), 409)
	// The print has no stamp; the lists keep it signed, with a note.
	wantNoText(t, agent.get(base+"/print"), zh("contracts.print_revoked_stamp", on.Format("2006年1月2日")))
	list := agent.get("/agency/contracts?status=signed&q=" + url.QueryEscape(c.No))
	wantText(t, list, c.No, `<small class="muted nowrap">`+zh("contracts.revocation_on", on.Format("2006年1月2日")))
	if r := agent.get("/agency/contracts?status=revoked&q=" + url.QueryEscape(c.No)); strings.Contains(r.body, `href="`+base+`"`) {
		t.Error("the revoked list shows a contract still signed")
	}
	// The government portal sees the same, in English too.
	clerk := e.signedIn("gov", "clerk")
	gov := fmt.Sprintf("/gov/contracts/%d", c.ID)
	r = clerk.get(gov)
	wantText(t, r, banner)
	wantNoText(t, r, zh("contracts.revoke")+"</a>")
	wantText(t, clerk.get("/gov/contracts?q="+url.QueryEscape(c.No)), zh("contracts.revocation_on", on.Format("2006年1月2日")))
	wantRedirect(t, clerk.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}}), "/")
	wantText(t, clerk.get(gov), en("contracts.revocation_banner", on.Format("2 Jan 2006"), reason))
	// In English too the day is the first without the lease, as 将于…解除
	// and 自…起终止 say: "from" it, never "ends on" it (its last day).
	enFrom, enOn := "from "+on.Format("2 Jan 2006"), "ends on "+on.Format("2 Jan 2006")
	r = clerk.get(gov)
	wantText(t, r, enFrom)
	wantNoText(t, r, enOn)
	r = clerk.get("/gov/contracts?q=" + url.QueryEscape(c.No))
	wantText(t, r, enFrom)
	wantNoText(t, r, enOn)
	// The public check: still filed, terminated from the day.
	check := "/f/" + certNo + "?name=" + url.QueryEscape(lessee)
	public := e.client()
	r = public.get(check)
	wantStatus(t, r, 200)
	wantText(t, r, zh("filing.public_state.filed"), zh("filing.public_revoke_note", on.Format("2006年1月2日")))
	wantNoText(t, r, zh("filing.public_state.cancelled"))
	publicEN := e.client()
	publicEN.setCookie("lang", "en")
	r = publicEN.get(check)
	wantText(t, r, enFrom)
	wantNoText(t, r, enOn)

	// The day before, the daily job leaves it; on the day it revokes it.
	clk.Advance(on.Sub(time.Now()) - time.Hour)
	if _, err := e.app.ExpireContracts(sys); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.app.GetContract(sys, c.ID); got.Status != app.ContractSigned {
		t.Fatalf("the day before: %s", got.Status)
	}
	clk.Advance(2 * time.Hour)
	if _, err := e.app.ExpireContracts(sys); err != nil {
		t.Fatal(err)
	}
	agent = e.signedIn("agency", "agent.zhang")
	r = agent.get(base)
	wantText(t, r, zh("contracts.revoked_banner", on.Format("2006年1月2日"), reason), zh("contracts.status.revoked"), zh("contracts.filing.cancelled"))
	r = agent.get(base, "Accept-Language", "en")
	wantText(t, r, en("contracts.revoked_banner", on.Format("2 Jan 2006"), reason), enFrom)
	// The list, which said when it would end, still says when it ended.
	list = agent.get("/agency/contracts?status=revoked&q=" + url.QueryEscape(c.No))
	// Kept on one line: in the list's narrow status column the date was
	// broken in two (自 2026年11月18 / 日 起终止).
	wantText(t, list, c.No, `<small class="muted nowrap">`+zh("contracts.revoked_from", on.Format("2006年1月2日")))
	wantText(t, agent.get("/agency/contracts?status=revoked&q="+url.QueryEscape(c.No), "Accept-Language", "en"), enFrom)
	wantNoText(t, r, "ending on "+on.Format("2 Jan 2006"))
	wantNoText(t, r, banner)
	wantText(t, agent.get(base+"/print"), zh("contracts.print_revoked_stamp", on.Format("2006年1月2日")))
	r = public.get(check)
	wantText(t, r, zh("filing.public_state.cancelled"))
	wantNoText(t, r, zh("filing.public_revoke_note", on.Format("2006年1月2日")))
}

func TestContractPrint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	filed := e.clSeed(app.Contract{FilingStatus: app.FilingFiled, FilingCertNo: "BA110105-2026-990002"})
	notFiled := e.clSeed(app.Contract{})
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get(fmt.Sprintf("/gov/contracts/%d/print", filed.ID))
	wantStatus(t, r, 200)
	wantText(t, r, filed.No, "BA110105-2026-990002", zh("contracts.print_scan"), "/f/BA110105-2026-990002?name="+url.QueryEscape("租客孙小美"),
		zh("contracts.print_masked_note"), app.MaskID("110105198001010016"))
	wantNoText(t, r, "110105198001010016")
	if !strings.Contains(r.body, "<svg") {
		t.Error("the print of a filed contract has no QR code")
	}
	r = clerk.get(fmt.Sprintf("/gov/contracts/%d/print", notFiled.ID))
	wantText(t, r, notFiled.No, zh("contracts.filing.none"))
	// The number is stated once (the model text's first line), and each
	// party's ID line follows his name without repeating it.
	if n := strings.Count(r.text(), notFiled.No); n != 1 {
		t.Errorf("the print states the contract's number %d times", n)
	}
	wantText(t, r, "出租人（甲方）：业主钱多多", "证件：居民身份证 "+app.MaskID("110105198001010016"))
	wantNoText(t, r, "证件：业主钱多多：", "证件：租客孙小美：")
	// It prints as the preview showed it (README: "the preview exactly as it
	// prints"): the article headings stand out, not indented like the body.
	wantText(t, r, `<p class="clause model article">第一条　房屋基本情况</p>`, `<p class="clause model article">第十四条　其他</p>`)
	wantNoText(t, r, `<p class="clause model">第一条`)
	if strings.Contains(r.body, "<svg") {
		t.Error("a contract not filed prints a QR code")
	}
	// The agent who signed it prints it for the parties in full.
	agent := e.signedIn("agency", "agent.zhang")
	r = agent.get(fmt.Sprintf("/agency/contracts/%d/print", notFiled.ID))
	wantText(t, r, "110105198001010016")
	wantNoText(t, r, zh("contracts.print_masked_note"))
	// In English the labels around the Chinese text end in an English colon.
	wantRedirect(t, clerk.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}}), "/")
	r = clerk.get(fmt.Sprintf("/gov/contracts/%d/print", filed.ID))
	wantText(t, r, en("contracts.filing_cert_no")+": <strong><code>BA110105-2026-990002")
	wantNoText(t, r, en("contracts.filing_cert_no")+"：")
	r = clerk.get(fmt.Sprintf("/gov/contracts/%d/print", notFiled.ID))
	wantText(t, r, en("contracts.filing")+": "+en("contracts.filing.none"))
	wantNoText(t, r, en("contracts.filing")+"：")
	// A draft has nothing signed to print.
	draft := e.clSeed(app.Contract{Status: app.ContractDraft})
	wantStatus(t, agent.get(fmt.Sprintf("/agency/contracts/%d/print", draft.ID)), 409)
}

func TestContractPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.clSeed(app.Contract{FilingStatus: app.FilingFiled, FilingCertNo: "BA110105-2026-990003"})
	revoked := e.clSeed(app.Contract{})
	if _, err := e.app.RevokeContract(sys, revoked.ID, app.RevokeInput{Reason: "双方协商", Effective: time.Now().Format(time.DateOnly),
		DocName: "a.pdf", Doc: []byte("%PDF-1.4")}); err != nil {
		t.Fatal(err)
	}
	clerk := e.signedIn("gov", "clerk")
	agent := e.signedIn("agency", "agent.zhang")
	sa := e.signedIn("gov", "sysadmin")
	id, rid := fmt.Sprint(c.ID), fmt.Sprint(revoked.ID)
	pages := []struct {
		c      *client
		method string
		path   string
		status int
	}{
		{clerk, "GET", "/gov/contracts", 200},
		{clerk, "GET", "/gov/contracts?filing=overdue&status=signed&from=2020-01-01&to=2030-12-31", 200},
		{clerk, "GET", "/gov/contracts?from=bad", 422},
		{clerk, "GET", "/gov/contracts/" + id, 200},
		{clerk, "GET", "/gov/contracts/" + rid, 200},
		{clerk, "GET", "/gov/contracts/" + id + "/print", 200},
		{clerk, "GET", "/gov/contracts/" + rid + "/print", 200},
		{clerk, "GET", "/gov/contracts/" + id + "/revoke", 200},
		{clerk, "POST", "/gov/contracts/" + id + "/revoke", 422},
		{sa, "POST", "/gov/contracts/" + id + "/personal-data", 200},
		{agent, "GET", "/agency/contracts", 200},
		{agent, "GET", "/agency/contracts?status=draft", 200},
		{agent, "GET", "/agency/contracts/" + id, 200},
		{agent, "GET", "/agency/contracts/" + id + "/print", 200},
	}
	// Stored values shown as they are.
	data := []string{"业主钱多多", "租客孙小美", "北京市朝阳区测试路12号院", "3号楼", "银行转账", "双方协商", c.AgencyName, c.AgentName}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, cl := range []*client{clerk, agent, sa} {
			wantRedirect(t, cl.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
		}
		for _, pg := range pages {
			var r *resp
			if pg.method == "GET" {
				r = pg.c.get(pg.path)
			} else {
				r = pg.c.post(pg.path, nil)
			}
			if r.StatusCode != pg.status {
				t.Errorf("%s %s (%s): status %d, want %d\n%.300s", pg.method, pg.path, lang, r.StatusCode, pg.status, visibleText(r.body))
				continue
			}
			// The model text of a print is the contract's own words.
			for _, problem := range untranslated(reModelText.ReplaceAllString(r.body, ""), lang, data) {
				t.Errorf("%s %s in %s: %s", pg.method, pg.path, lang, problem)
			}
		}
	}
}

var reModelText = regexp.MustCompile(`(?s)<(p|h1) class="[^"]*\bmodel\b[^"]*">.*?</(p|h1)>`)

func clFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < 0x7F {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestRevokedOnTheDayNamesItsJob: the daily job that expires leases also
// revokes those whose termination agreement was recorded ahead; the
// history of such a lease must not say it was revoked by "contract
// expiry".
func TestRevokedOnTheDayNamesItsJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.actor("clerk")
	p, err := e.app.SearchContracts(clerk, app.ContractQuery{Status: app.ContractRevoked, Size: 1})
	if err != nil || len(p.Items) == 0 {
		t.Fatalf("the demo has no revoked lease: %v", err)
	}
	id := itoa(p.Items[0].ID)
	for _, lang := range []string{"zh-CN", "en"} {
		r := e.signedIn("gov", "clerk").get("/gov/contracts/"+id, "Accept-Language", lang)
		job := msg(lang, "actor.system_job", msg(lang, "actor.job.contract-expiry"))
		if line := msg(lang, "contracts.event.revoked") + " · " + job; !strings.Contains(visibleText(r.body), line) {
			t.Errorf("%s: the history has no line %q", lang, line)
		}
		wantNoText(t, r, msg(lang, "actor.system_job", map[string]string{"zh-CN": "合同到期", "en": "contract expiry"}[lang]))
	}
}
