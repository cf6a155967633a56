package app

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// Helpers of the signing tests: a property of the test's own in 110105,
// verified by agent.zhang, and a draft filled step by step.

// newSignFixture is a vfFixture with only what signing needs: the demo
// accounts and their two filed agencies (LoadDemo also writes thousands of
// registry records and contracts, which these tests do not read).
func newSignFixture(t testing.TB) *vfFixture {
	t.Helper()
	f := &vfFixture{fixture: newFixture(t)}
	hash := cheapHash(t, fixturePassword)
	err := f.update(func(tx *storage.Tx) error {
		for i, spec := range demoCoreAgencies {
			if _, err := f.seedDemoAgency(tx, spec, f.now().AddDate(-2, i, 0)); err != nil {
				return err
			}
		}
		for _, d := range demoUsers {
			in := d.UserInput
			if err := f.checkUserInput(tx, SystemActor("test"), &in, nil); err != nil {
				return err
			}
			agencyID, err := agencyOfInput(tx, &in)
			if err != nil {
				return err
			}
			now := f.now()
			u := &User{Username: in.Username, Name: in.Name, Roles: in.Roles, District: in.District, AgencyID: agencyID,
				AgencyName: in.AgencyName, PasswordHash: hash, Created: now, Updated: now, PasswordChanged: now}
			if _, err := userTable.Insert(tx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	f.clerk, f.clerkHD, f.reviewer = f.demoActor("clerk"), f.demoActor("clerk.hd"), f.demoActor("reviewer")
	f.agent, f.agent2, f.anjuAdmin, f.leju = f.demoActor("agent.zhang"), f.demoActor("agent.zhangxh"), f.demoActor("anju.admin"), f.demoActor("leju.admin")
	return f
}

var scanPDF = []byte("%PDF-1.4\n% a scanned ID card\n")

// signOwner is the owner of the signing tests' properties.
var signOwner = vfOwner("郑守业", vfID(701))

// ownProperty imports certificate n with the test owner and verifies it
// as actor (whole rental, or the shared room given).
func (f *vfFixture) ownProperty(actor Actor, n int, room string) *Verification {
	f.t.Helper()
	cert := vfCertNo(n)
	if f.property("110105", cert) == nil {
		f.importRows(vfRow(cert, signOwner.Name, signOwner.IDNo))
	}
	in := vfInput(cert, signOwner)
	if room != "" {
		in = sharedRoom(in, room)
	}
	return f.mustVerify(actor, in)
}

// termsForm is a valid step 2 starting in days days for months months.
func termsForm(days, months int, now time.Time) ContractForm {
	start := now.AddDate(0, 0, days)
	end := start.AddDate(0, months, -1)
	return ContractForm{Start: start.Format(time.DateOnly), End: end.Format(time.DateOnly), Rent: "6500",
		PaymentCycle: "quarterly", PaymentMethod: "transfer", Deposit: "13000", Purpose: "residential", Utilities: "lessee"}
}

// lessee is a valid lessee row.
func lessee(name string, n int) PartyForm {
	return PartyForm{Role: PartyLessee, Kind: PartyPerson, Name: name, IDType: "resident_id",
		IDNo: vtMakeID("110108", "19920315", fmt.Sprintf("%03d", n)), Phone: "13900001111"}
}

func lessorRow() PartyForm {
	return PartyForm{Role: PartyLessor, Kind: PartyPerson, Name: signOwner.Name, IDType: "resident_id", IDNo: signOwner.IDNo}
}

func (f *vfFixture) mustStep(actor Actor, id uint64, step int, form ContractForm) *Contract {
	f.t.Helper()
	c, err := f.SaveContractStep(actor, id, step, form, true)
	if err != nil {
		f.t.Fatalf("step %d: %v", step, err)
	}
	return c
}

// readyDraft is a draft of v with every step done and its documents.
func (f *vfFixture) readyDraft(actor Actor, v *Verification, days, months int) *Contract {
	f.t.Helper()
	return f.readyDraftAt(actor, v, days, months, "6500")
}

// readyDraftAt is readyDraft with a monthly rent.
func (f *vfFixture) readyDraftAt(actor Actor, v *Verification, days, months int, rent string) *Contract {
	f.t.Helper()
	c, err := f.StartContract(actor, v.Code)
	if err != nil {
		f.t.Fatalf("start: %v", err)
	}
	f.mustStep(actor, c.ID, CStepProperty, ContractForm{})
	terms := termsForm(days, months, f.now())
	terms.Rent = rent
	terms.Rooms = c.Form.Rooms // prefilled for a shared rental
	f.mustStep(actor, c.ID, CStepTerms, terms)
	f.mustStep(actor, c.ID, CStepParties, ContractForm{Parties: []PartyForm{lessorRow(), lessee("孙承租", 11)}})
	f.mustStep(actor, c.ID, CStepAgreed, ContractForm{AgreedTerms: "空调两台随房出租。", Clauses: []string{"c2"}})
	for _, k := range []string{"id_copy", "certificate"} {
		if _, err := f.AttachContractDoc(actor, c.ID, k, k+".pdf", scanPDF); err != nil {
			f.t.Fatalf("attach %s: %v", k, err)
		}
	}
	c, err = f.DocsDone(actor, c.ID)
	if err != nil {
		f.t.Fatalf("docs done: %v", err)
	}
	return c
}

func (f *vfFixture) storedContract(id uint64) *Contract {
	f.t.Helper()
	var c *Contract
	if err := f.db.View(func(tx *storage.Tx) (err error) { c, err = contractTable.Get(tx, id); return }); err != nil {
		f.t.Fatal(err)
	}
	return c
}

func TestContractSignFlow(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 1, "")
	c := f.readyDraft(f.agent, v, 1, 12)
	if c.Status != ContractDraft || c.No != "" || c.Step != CStepPreview || c.AgencyID != f.agent.AgencyID || c.AgentID != f.agent.UserID {
		t.Fatalf("draft: status %s no %q step %d agency %d agent %d", c.Status, c.No, c.Step, c.AgencyID, c.AgentID)
	}
	if c.Listing.Address != vfAddress || c.CertNo != v.CertNo || c.VerificationCode != v.Code {
		t.Fatalf("property not taken from the verification: %+v", c.Listing)
	}
	// The preview prints the model text with the contract's values.
	text, err := f.RenderContract(c)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(text.Paragraphs, "\n")
	for _, want := range []string{"（签约时生成）", signOwner.Name, "孙承租", vfAddress, "6500", "陆仟伍佰元整", "壹万叁仟元整", "季付", "空调两台随房出租。", "禁止吸烟", "共计12个月"} {
		if !strings.Contains(all, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if strings.Contains(all, "{{") {
		t.Errorf("preview keeps a placeholder:\n%s", all)
	}

	signed, err := f.SignContract(f.agent, c.ID)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	year := f.now().Year()
	if !regexp.MustCompile(fmt.Sprintf(`^HT110105-%d-\d{6}$`, year)).MatchString(signed.No) {
		t.Errorf("contract number %q", signed.No)
	}
	stored := f.storedContract(c.ID)
	if stored.Status != ContractSigned || stored.No != signed.No || stored.Signed.IsZero() || stored.SignedBy.Username != "agent.zhang" {
		t.Errorf("stored: %+v", stored)
	}
	if want := stored.Signed.AddDate(0, 0, 30); !stored.FilingDue.Equal(want) {
		t.Errorf("filing due %v, want %v", stored.FilingDue, want)
	}
	if stored.TemplateVersion != 1 {
		t.Errorf("template version %d", stored.TemplateVersion)
	}
	if h := stored.History; len(h) < 2 || h[0].Action != "created" || h[len(h)-1].Action != "signed" || h[len(h)-1].Note != signed.No {
		t.Errorf("history %+v", h)
	}
	sv := f.stored(v.Code)
	if sv.Status != VStatusUsed || sv.ContractID != c.ID || sv.Ended.IsZero() {
		t.Errorf("verification after signing: %s contract %d", sv.Status, sv.ContractID)
	}
	if e := f.lastAuditOf("contract.sign"); e == nil || e.RecordID != c.ID {
		t.Errorf("no sign audit entry: %+v", e)
	}
	// Signed: no more editing, no second signature, no new draft from the code.
	_, err = f.SaveContractStep(f.agent, c.ID, CStepTerms, termsForm(1, 12, f.now()), true)
	wantError(t, err, ECONFLICT, "contract.not_draft")
	_, err = f.SignContract(f.agent, c.ID)
	wantError(t, err, ECONFLICT, "contract.not_draft")
	_, err = f.StartContract(f.agent, v.Code)
	wantFieldErrorIn(t, err, "code", "contract.code_used")
	// The printed text names the number and keeps version 1.
	text, _ = f.RenderContract(stored)
	if !strings.Contains(strings.Join(text.Paragraphs, "\n"), signed.No) {
		t.Error("the signed text lacks its number")
	}
}

func (f *vfFixture) lastAuditOf(action string) *AuditEntry {
	f.t.Helper()
	entries, _, err := f.AuditLog(f.admin, AuditFilter{Action: action, Limit: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == action {
			return e
		}
	}
	return nil
}

func TestContractStartRefusals(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	_, err := f.StartContract(f.agent, "")
	wantFieldErrorIn(t, err, "code", "contract.code_required")
	_, err = f.StartContract(f.agent, "ABC")
	wantFieldErrorIn(t, err, "code", "verify.code_malformed")
	v := f.ownProperty(f.agent, 2, "")
	// Another agency's code, a clerk of another district: as if unknown.
	_, err = f.StartContract(f.leju, v.Code)
	wantFieldErrorIn(t, err, "code", "contract.code_unknown")
	_, err = f.StartContract(f.clerkHD, v.Code)
	wantFieldErrorIn(t, err, "code", "contract.code_unknown")
	// Roles without signing.
	_, err = f.StartContract(f.reviewer, v.Code)
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	// A revoked code.
	if _, err := f.RevokeVerification(f.clerk, v.Code, "业主撤回委托"); err != nil {
		t.Fatal(err)
	}
	_, err = f.StartContract(f.agent, v.Code)
	wantFieldErrorIn(t, err, "code", "contract.code_revoked")
	// An expired code.
	v2 := f.ownProperty(f.agent, 3, "")
	f.clock.Advance(time.Duration(f.ParamInt(ParamVerifyDays)+1) * 24 * time.Hour)
	_, err = f.StartContract(f.agent, v2.Code)
	wantFieldErrorIn(t, err, "code", "contract.code_expired")
}

func TestContractDraftVisibility(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 4, "")
	c, err := f.StartContract(f.agent, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	// Starting again from the same code resumes the draft.
	again, err := f.StartContract(f.agent, v.Code)
	if err != nil || again.ID != c.ID {
		t.Fatalf("second start: %v id %d, want %d", err, again.ID, c.ID)
	}
	for _, who := range []Actor{f.leju, f.agent2, f.clerk} {
		_, err := f.GetDraft(who, c.ID)
		wantError(t, err, ENOTFOUND, "contract.not_found")
		_, err = f.SaveContractStep(who, c.ID, CStepTerms, termsForm(1, 12, f.now()), true)
		wantError(t, err, ENOTFOUND, "contract.not_found")
		_, err = f.CancelContract(who, c.ID)
		wantError(t, err, ENOTFOUND, "contract.not_found")
	}
	// His agency's admin may.
	if _, err := f.GetDraft(f.anjuAdmin, c.ID); err != nil {
		t.Errorf("agency admin: %v", err)
	}
}

func TestContractTermsValidation(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 5, "")
	c, err := f.StartContract(f.agent, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	now := f.now()
	ok := termsForm(1, 12, now)
	cases := []struct {
		name       string
		edit       func(*ContractForm)
		field, key string
	}{
		{"no start", func(x *ContractForm) { x.Start = "" }, "start", "contract.start_required"},
		{"bad date", func(x *ContractForm) { x.Start = "2026-02-30" }, "start", "contract.date_invalid"},
		{"long ago", func(x *ContractForm) { x.Start = now.AddDate(0, -3, 0).Format(time.DateOnly) }, "start", "contract.start_too_early"},
		{"end before start", func(x *ContractForm) { x.End = now.Format(time.DateOnly) }, "end", "contract.end_before_start"},
		{"over 20 years", func(x *ContractForm) { x.End = now.AddDate(21, 0, 0).Format(time.DateOnly) }, "end", "contract.term_too_long"},
		{"no rent", func(x *ContractForm) { x.Rent = "" }, "rent", "contract.rent_required"},
		{"zero rent", func(x *ContractForm) { x.Rent = "0" }, "rent", "contract.rent_invalid"},
		{"rent words", func(x *ContractForm) { x.Rent = "六千" }, "rent", "contract.rent_invalid"},
		{"rent absurd", func(x *ContractForm) { x.Rent = "5000000" }, "rent", "contract.rent_too_high"},
		{"no cycle", func(x *ContractForm) { x.PaymentCycle = "weekly" }, "payment_cycle", "contract.payment_cycle_required"},
		{"no method", func(x *ContractForm) { x.PaymentMethod = "" }, "payment_method", "contract.payment_method_required"},
		{"negative deposit", func(x *ContractForm) { x.Deposit = "-1" }, "deposit", "contract.deposit_invalid"},
		{"office use", func(x *ContractForm) { x.Purpose = "office" }, "purpose", "contract.purpose_residential"},
		{"no utilities", func(x *ContractForm) { x.Utilities = "" }, "utilities", "contract.utilities_required"},
	}
	for _, tc := range cases {
		form := ok
		tc.edit(&form)
		_, err := f.SaveContractStep(f.agent, c.ID, CStepTerms, form, true)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		wantFieldErrorIn(t, err, tc.field, tc.key)
	}
	// Nothing was stored by the refusals; a draft save keeps what was typed.
	if s := f.storedContract(c.ID); s.Step != CStepProperty || s.Form.Start != "" {
		t.Errorf("refused steps changed the draft: step %d start %q", s.Step, s.Form.Start)
	}
	typed := ok
	typed.Rent = "六千"
	if _, err := f.SaveContractStep(f.agent, c.ID, CStepTerms, typed, false); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	if s := f.storedContract(c.ID); s.Form.Rent != "六千" || s.Step != CStepProperty {
		t.Errorf("draft save: rent %q step %d", s.Form.Rent, s.Step)
	}
	// A deposit over the parameter's months of rent is flagged, not refused.
	big := ok
	big.Deposit = "26000" // 4 months of 6500, the default limit is 3
	s, err := f.SaveContractStep(f.agent, c.ID, CStepTerms, big, true)
	if err != nil || !s.Terms.DepositFlag || s.Terms.Deposit != 26000 || s.Step != CStepParties {
		t.Fatalf("deposit 4 months: err %v flag %v step %d", err, s.Terms.DepositFlag, s.Step)
	}
	f.setParams(ParamDepositMaxMonths, "6")
	s, _ = f.SaveContractStep(f.agent, c.ID, CStepTerms, big, true)
	if s.Terms.DepositFlag {
		t.Error("flagged under a 6-month limit")
	}
	// Shared rental: the rooms let are required.
	vs := f.ownProperty(f.agent, 6, "B室")
	cs, err := f.StartContract(f.agent, vs.Code)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Form.Rooms != "1号楼2单元B室" {
		t.Errorf("rooms prefilled %q", cs.Form.Rooms)
	}
	_, err = f.SaveContractStep(f.agent, cs.ID, CStepTerms, ok, true)
	wantFieldErrorIn(t, err, "rooms", "contract.rooms_required")
}

func TestContractPartiesValidation(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 7, "")
	c, err := f.StartContract(f.agent, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	// The lessor rows come from the verification's owners.
	if len(c.Form.Parties) != 1 || c.Form.Parties[0].Name != signOwner.Name || c.Form.Parties[0].Role != PartyLessor {
		t.Fatalf("prefilled parties %+v", c.Form.Parties)
	}
	badID := lessee("钱错号", 12)
	badID.IDNo = badID.IDNo[:17] + "0"
	if badID.IDNo == lessee("钱错号", 12).IDNo {
		badID.IDNo = badID.IDNo[:17] + "1"
	}
	goodOrg := testUSCC("91110105MA01RG001")
	wrongCheck := "0"
	if goodOrg[17] == '0' {
		wrongCheck = "1"
	}
	org := PartyForm{Role: PartyLessee, Kind: PartyOrg, Name: "北京某科技有限公司", IDNo: goodOrg[:17] + wrongCheck, Phone: "13900002222"}
	stranger := lessorRow()
	stranger.Name, stranger.IDNo = "冒名者", vfID(702)
	cases := []struct {
		name       string
		parties    []PartyForm
		field, key string
	}{
		{"no lessee", []PartyForm{lessorRow()}, "parties", "contract.lessee_required"},
		{"no lessor", []PartyForm{lessee("孙承租", 11)}, "parties", "contract.lessor_required"},
		{"bad resident ID", []PartyForm{lessorRow(), badID}, "parties.1.id_no", "idcard.checksum"},
		{"bad passport", []PartyForm{lessorRow(), {Role: PartyLessee, Name: "John Smith", IDType: "passport", IDNo: "E1-2", Phone: "13900001111"}}, "parties.1.id_no", "contract.party_passport_invalid"},
		{"bad credit code", []PartyForm{lessorRow(), org}, "parties.1.id_no", "uscc.checksum"},
		{"lessor not owner", []PartyForm{stranger, lessee("孙承租", 11)}, "parties.0.name", "contract.lessor_not_owner"},
		{"lessee is lessor", []PartyForm{lessorRow(), {Role: PartyLessee, Name: signOwner.Name, IDType: "resident_id", IDNo: signOwner.IDNo, Phone: "13900001111"}}, "parties.1.id_no", "contract.party_lessor_is_lessee"},
		{"lessee phone", []PartyForm{lessorRow(), {Role: PartyLessee, Name: "孙承租", IDType: "resident_id", IDNo: lessee("", 11).IDNo}}, "parties.1.phone", "contract.party_phone_required"},
		{"no name", []PartyForm{lessorRow(), {Role: PartyLessee, IDType: "resident_id", IDNo: lessee("", 11).IDNo, Phone: "13900001111"}}, "parties.1.name", "contract.party_name_required"},
		{"org co-resident", []PartyForm{lessorRow(), lessee("孙承租", 11), {Role: PartyCoResident, Kind: PartyOrg, Name: "某公司", IDNo: testUSCC("91110105MA01CR001")}}, "parties.2.kind", "contract.party_must_be_person"},
		{"person's landline", []PartyForm{lessorRow(), {Role: PartyLessee, Name: "孙承租", IDType: "resident_id", IDNo: lessee("", 11).IDNo, Phone: "010-65090000"}}, "parties.1.phone", "mobile.invalid"},
		{"org's bad phone", []PartyForm{lessorRow(), {Role: PartyLessee, Kind: PartyOrg, Name: "北京某科技有限公司", IDNo: goodOrg, Phone: "6509"}}, "parties.1.phone", "phone.invalid"},
	}
	for _, tc := range cases {
		_, err := f.SaveContractStep(f.agent, c.ID, CStepParties, ContractForm{Parties: tc.parties}, true)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		e, _ := AsError(err)
		if e == nil || e.Fields[tc.field] != tc.key {
			t.Errorf("%s: %v, want %s on %s", tc.name, err, tc.key, tc.field)
		}
	}
	// A valid set: an organisation lessee reached at its switchboard, a
	// passport co-resident, the owner's agent, empty rows ignored.
	org.IDNo, org.Phone = goodOrg, "(010) 6509 0000 转 8"
	ok := []PartyForm{lessorRow(), {Role: PartyLessorAgent, Name: "周代理", IDType: "resident_id", IDNo: vfID(703), Phone: "13700003333"},
		org, {Role: PartyCoResident, Name: "John Smith", IDType: "passport", IDNo: "e12345678"}, {Role: PartyCoResident}}
	s, err := f.SaveContractStep(f.agent, c.ID, CStepParties, ContractForm{Parties: ok}, true)
	if err != nil {
		t.Fatalf("valid parties: %v", err)
	}
	if len(s.Parties) != 4 || s.Parties[2].IDType != "uscc" || s.Parties[2].Phone != "010-65090000-8" || s.Parties[3].IDNo != "E12345678" {
		t.Errorf("parties %+v", s.Parties)
	}
	// With an agent signing for the owner, the power of attorney is required.
	if got := s.DocsRequired(); len(got) != 3 || got[2] != "power_of_attorney" {
		t.Errorf("documents required: %v", got)
	}
}

func TestContractDocuments(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 8, "")
	c, err := f.StartContract(f.agent, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	// Judged by content: a text file named .pdf is refused.
	_, err = f.AttachContractDoc(f.agent, c.ID, "id_copy", "id.pdf", []byte("just text, not a PDF"))
	wantFieldErrorIn(t, err, "file", "contract.doc_type")
	_, err = f.AttachContractDoc(f.agent, c.ID, "id_copy", "id.pdf", append([]byte("%PDF-"), make([]byte, ContractDocMaxBytes)...))
	wantFieldErrorIn(t, err, "file", "contract.doc_too_big")
	_, err = f.AttachContractDoc(f.agent, c.ID, "selfie", "x.png", []byte("\x89PNG\r\n\x1a\nxx"))
	wantFieldErrorIn(t, err, "kind", "contract.doc_kind_unknown")
	_, err = f.DocsDone(f.agent, c.ID)
	wantFieldErrorIn(t, err, "doc.id_copy", "contract.doc_missing_id_copy")
	png := []byte("\x89PNG\r\n\x1a\n certificate scan")
	if _, err := f.AttachContractDoc(f.agent, c.ID, "certificate", "cert.png", png); err != nil {
		t.Fatal(err)
	}
	s, err := f.AttachContractDoc(f.agent, c.ID, "id_copy", "id.jpg", []byte("\xff\xd8\xff\xe0 id card"))
	if err != nil || len(s.Docs) != 2 || s.Docs[1].Type != "image/jpeg" {
		t.Fatalf("attach: %v %+v", err, s.Docs)
	}
	d, data, err := f.ContractDocument(f.agent, c.ID, 0)
	if err != nil || d.Kind != "certificate" || string(data) != string(png) {
		t.Fatalf("document 0: %+v %v", d, err)
	}
	if _, _, err := f.ContractDocument(f.leju, c.ID, 0); err == nil {
		t.Error("another agency reads the document")
	}
	// The steps before the documents, done.
	f.mustStep(f.agent, c.ID, CStepTerms, termsForm(1, 12, f.now()))
	f.mustStep(f.agent, c.ID, CStepParties, ContractForm{Parties: []PartyForm{lessorRow(), lessee("孙承租", 11)}})
	f.mustStep(f.agent, c.ID, CStepAgreed, ContractForm{AgreedTerms: "空调两台随房出租。", Clauses: []string{"c2"}})
	if _, err := f.DocsDone(f.agent, c.ID); err != nil {
		t.Fatalf("docs done: %v", err)
	}
	s, err = f.RemoveContractDoc(f.agent, c.ID, 0)
	if err != nil || len(s.Docs) != 1 || s.Docs[0].Kind != "id_copy" {
		t.Fatalf("remove: %v %+v", err, s.Docs)
	}
	if _, _, err := f.ContractDocument(f.agent, c.ID, 1); err == nil {
		t.Error("removed document still served")
	}
}

func TestContractOverlapRefused(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v1 := f.ownProperty(f.agent, 9, "")
	first, err := f.SignContract(f.agent, f.readyDraft(f.agent, v1, 1, 6).ID)
	if err != nil {
		t.Fatal(err)
	}
	// The same property verified again: a lease meeting the first one's
	// term is refused at step 2 and at signing, naming the first.
	v2 := f.ownProperty(f.agent, 9, "")
	c2, err := f.StartContract(f.agent, v2.Code)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.SaveContractStep(f.agent, c2.ID, CStepTerms, termsForm(100, 12, f.now()), true)
	e := wantError(t, err, EINVALID, "contract.overlap")
	if e.Args[0] != first.No || e.Fields["start"] != "contract.overlap_field" {
		t.Errorf("overlap names %v, fields %v", e.Args, e.Fields)
	}
	// The draft typed before the first was signed is refused at signing.
	v3 := f.ownProperty(f.agent, 10, "A室")
	v4 := f.ownProperty(f.agent, 10, "")
	shared := f.readyDraft(f.agent, v3, 1, 6)
	whole := f.readyDraft(f.agent, v4, 30, 12)
	signedShared, err := f.SignContract(f.agent, shared.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.SignContract(f.agent, whole.ID)
	e = wantError(t, err, ECONFLICT, "contract.overlap")
	if e.Args[0] != signedShared.No {
		t.Errorf("names %v, want %s", e.Args[0], signedShared.No)
	}
	if s := f.storedContract(whole.ID); s.Status != ContractDraft || s.No != "" {
		t.Errorf("refused signing changed the draft: %s %q", s.Status, s.No)
	}
	// After the first lease ends, the next may start.
	s, err := f.SaveContractStep(f.agent, c2.ID, CStepTerms, termsForm(200, 12, f.now()), true)
	if err != nil || s.Step != CStepParties {
		t.Fatalf("a later term: %v", err)
	}
	// Another room of a shared flat does not overlap.
	v5 := f.ownProperty(f.agent, 11, "A室")
	v6 := f.ownProperty(f.agent, 11, "B室")
	if _, err := f.SignContract(f.agent, f.readyDraft(f.agent, v5, 1, 12).ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SignContract(f.agent, f.readyDraft(f.agent, v6, 1, 12).ID); err != nil {
		t.Fatalf("another room: %v", err)
	}
}

func TestContractCancel(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.clerk, 12, "")
	c, err := f.StartContract(f.clerk, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	if c.AgencyID != 0 {
		t.Errorf("a counter lease has agency %d", c.AgencyID)
	}
	if _, err := f.CancelContract(f.clerk, c.ID); err != nil {
		t.Fatal(err)
	}
	s := f.storedContract(c.ID)
	if s.Status != ContractCancelled || s.History[len(s.History)-1].Action != "cancelled" {
		t.Errorf("cancelled: %s %+v", s.Status, s.History)
	}
	if f.stored(v.Code).Status != VStatusValid {
		t.Error("cancelling a draft used the code")
	}
	_, err = f.SignContract(f.clerk, c.ID)
	wantError(t, err, ECONFLICT, "contract.not_draft")
	// Other drafts of a code are cancelled when one is signed: the code
	// is used and they could never be.
	v2 := f.ownProperty(f.agent, 13, "")
	d1 := f.readyDraft(f.agent, v2, 1, 12)
	d2, err := f.StartContract(f.anjuAdmin, v2.Code)
	if err != nil || d2.ID == d1.ID {
		t.Fatalf("second draft: %v", err)
	}
	signed, err := f.SignContract(f.agent, d1.ID)
	if err != nil {
		t.Fatal(err)
	}
	s = f.storedContract(d2.ID)
	if s.Status != ContractCancelled || s.History[len(s.History)-1].Note != signed.No {
		t.Errorf("the other draft: %s %+v", s.Status, s.History)
	}
}

func TestPartiesConfirmation(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	// Off (the default): signing needs no confirmation.
	v := f.ownProperty(f.agent, 14, "")
	if _, err := f.SignContract(f.agent, f.readyDraft(f.agent, v, 1, 12).ID); err != nil {
		t.Fatalf("sign without confirmation: %v", err)
	}
	f.setParams(ParamPartyConfirm, "true")
	v2 := f.ownProperty(f.agent, 15, "")
	c := f.readyDraft(f.agent, v2, 1, 12)
	_, err := f.SignContract(f.agent, c.ID)
	e := wantError(t, err, ECONFLICT, "contract.not_confirmed")
	if !slices.Equal(e.Args[0].([]string), []string{signOwner.Name, "孙承租"}) {
		t.Errorf("not confirmed: %v", e.Args)
	}
	codes, err := f.ContractConfirmCodes(f.agent, c.ID)
	if err != nil || len(codes) != 2 {
		t.Fatalf("codes: %v %+v", err, codes)
	}
	if _, err := f.ContractConfirmCodes(f.leju, c.ID); err == nil {
		t.Error("another agency sees the codes")
	}
	stored := f.storedContract(c.ID)
	if stored.Parties[0].ConfirmHash == "" || strings.Contains(stored.Parties[0].ConfirmHash, codes[0].Code) {
		t.Error("the code itself is stored, or no hash")
	}
	lessorTail := signOwner.IDNo[12:]
	// A wrong ID tail and an unknown code read alike.
	_, err = f.ConfirmContractParty(Actor{}, codes[0].Code, "000000")
	wantFieldErrorIn(t, err, "code", "contract.confirm_failed")
	_, err = f.ConfirmContractParty(Actor{}, "ABCDEFGHJK", lessorTail)
	wantFieldErrorIn(t, err, "code", "contract.confirm_failed")
	_, err = f.ConfirmContractParty(Actor{}, codes[0].Code, "12")
	wantFieldErrorIn(t, err, "id_tail", "contract.confirm_tail_invalid")
	// The lessor confirms (typed in lower case with a dash).
	view, err := f.CheckConfirmation(strings.ToLower(FormatConfirmCode(codes[0].Code)), lessorTail)
	if err != nil || view.Role != PartyLessor || view.Rent != 6500 || !view.Confirmed.IsZero() {
		t.Fatalf("check: %v %+v", err, view)
	}
	view, err = f.ConfirmContractParty(Actor{}, strings.ToLower(FormatConfirmCode(codes[0].Code)), lessorTail)
	if err != nil || view.Confirmed.IsZero() || view.Outstanding != 1 {
		t.Fatalf("confirm: %v %+v", err, view)
	}
	_, err = f.SignContract(f.agent, c.ID)
	e = wantError(t, err, ECONFLICT, "contract.not_confirmed")
	if !slices.Equal(e.Args[0].([]string), []string{"孙承租"}) {
		t.Errorf("still to confirm: %v", e.Args)
	}
	// A change of terms asks everyone again.
	changed := termsForm(1, 12, f.now())
	changed.Rent = "6400"
	if _, err := f.SaveContractStep(f.agent, c.ID, CStepTerms, changed, true); err != nil {
		t.Fatal(err)
	}
	if s := f.storedContract(c.ID); !s.Parties[0].Confirmed.IsZero() || s.History[len(s.History)-1].Action != "confirm_reset" {
		t.Errorf("confirmation kept after a change")
	}
	for _, pc := range codes {
		if _, err := f.ConfirmContractParty(Actor{}, pc.Code, pc.Party.IDNo[len(pc.Party.IDNo)-6:]); err != nil {
			t.Fatalf("confirm %s: %v", pc.Party.Name, err)
		}
	}
	signed, err := f.SignContract(f.agent, c.ID)
	if err != nil {
		t.Fatalf("sign after confirmations: %v", err)
	}
	n := 0
	for _, h := range signed.History {
		if h.Action == "confirmed" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d confirmation lines in the history, want 3", n)
	}
	// Signed: the code no longer confirms anything.
	_, err = f.ConfirmContractParty(Actor{}, codes[0].Code, lessorTail)
	wantError(t, err, ECONFLICT, "contract.confirm_signed")
}

func TestContractTemplate(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 16, "")
	c, err := f.SignContract(f.agent, f.readyDraft(f.agent, v, 1, 12).ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.SaveContractTemplate(f.clerk, TemplateInput{Title: "x", Text: "y"})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	_, err = f.SaveContractTemplate(f.admin, TemplateInput{Title: "住房租赁合同", Text: "出租人：{{出租人}}，承租仁：{{承租仁}}"})
	e := wantError(t, err, EINVALID, "contract.tpl_unknown_placeholder_named")
	if !slices.Equal(e.Args[0].([]string), []string{"承租仁"}) || e.Fields["text"] != "contract.tpl_unknown_placeholder" {
		t.Errorf("unknown placeholder: %v %v", e.Args, e.Fields)
	}
	_, err = f.SaveContractTemplate(f.admin, TemplateInput{Title: "住房租赁合同", Text: "x", Clauses: []ContractClause{{Title: "只有标题"}}})
	wantFieldErrorIn(t, err, "clauses.0.text", "contract.tpl_clause_text_required")
	cur, _ := f.CurrentContractTemplate()
	clauses := append(cur.Clauses, ContractClause{Title: "车位", Text: "出租人提供地下车位一个。", Enabled: true})
	clauses[1].Enabled = false
	saved, err := f.SaveContractTemplate(f.admin, TemplateInput{Title: "住房租赁合同（2026版）", Text: "新文本 {{合同编号}} {{承租人}}", Clauses: clauses, Note: "新增车位条款"})
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 2 || saved.Clauses[5].Code != "c6" || saved.Clauses[1].Enabled {
		t.Errorf("saved %+v", saved)
	}
	versions, _ := f.ContractTemplateVersions(f.admin)
	if len(versions) != 2 || versions[1].Version != 1 || versions[1].Text != defaultTemplateText {
		t.Errorf("versions: %d", len(versions))
	}
	// The signed contract still prints with version 1; a draft takes the new text.
	text, _ := f.RenderContract(f.storedContract(c.ID))
	if text.Version != 1 || text.Title != "住房租赁合同" {
		t.Errorf("signed contract prints with %d %q", text.Version, text.Title)
	}
	d, _ := f.StartContract(f.agent, f.ownProperty(f.agent, 17, "").Code)
	text, _ = f.RenderContract(d)
	if text.Version != 2 || text.Paragraphs[0] != "新文本 （签约时生成） ＿＿＿＿" {
		t.Errorf("draft prints %d %q", text.Version, text.Paragraphs)
	}
	// A clause no longer offered is refused.
	_, err = f.SaveContractStep(f.agent, d.ID, CStepAgreed, ContractForm{Clauses: []string{"c2"}}, true)
	wantFieldErrorIn(t, err, "clauses", "contract.clause_unknown")
	if e := f.lastAuditOf("contract.template_save"); e == nil {
		t.Error("no audit of the template change")
	}
}

func TestAmountInWords(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "零元整", 5: "伍元整", 10: "壹拾元整", 105: "壹佰零伍元整", 6500: "陆仟伍佰元整",
		13000: "壹万叁仟元整", 100000: "壹拾万元整", 1000005: "壹佰万零伍元整", 20010: "贰万零壹拾元整", 120000000: "壹亿贰仟万元整"} {
		if got := AmountInWords(n); got != want {
			t.Errorf("%d: %s, want %s", n, got, want)
		}
	}
	if m := termMonths(time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local), time.Date(2027, 2, 28, 0, 0, 0, 0, time.Local)); m != 12 {
		t.Errorf("term months %d", m)
	}
}

// TestContractTextNamesDistrictOnce: Article 1 reads 房屋坐落于朝阳区望京…,
// not 朝阳区朝阳区望京…, whether the address starts with the district, with
// the city before it, or in English; an address without it keeps it.
func TestContractTextNamesDistrictOnce(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	c, err := f.StartContract(f.agent, f.ownProperty(f.agent, 18, "").Code)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]string{
		"朝阳区望京西园三区312号楼":                           "房屋坐落于朝阳区望京西园三区312号楼",
		"北京市朝阳区麒麟路8号院":                             "房屋坐落于北京市朝阳区麒麟路8号院",
		"望京西园三区312号楼":                              "房屋坐落于朝阳区望京西园三区312号楼",
		"Chaoyang District, Wangjing Xiyuan 3-312": "房屋坐落于Chaoyang District, Wangjing Xiyuan 3-312",
		"Wangjing Xiyuan 3-312":                    "房屋坐落于朝阳区Wangjing Xiyuan 3-312",
	} {
		c.Listing.Address = addr
		text, err := f.RenderContract(c)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(text.Paragraphs, "\n")
		if !strings.Contains(all, want) {
			t.Errorf("address %q: the text lacks %q", addr, want)
		}
		if strings.Contains(all, "朝阳区朝阳区") {
			t.Errorf("address %q: the district is repeated", addr)
		}
	}
}

// TestContractTextDisclosesMortgage: when the verification found the
// property mortgaged, the text the parties sign says so, also in a model
// text saved without the placeholder; otherwise nothing is added.
func TestContractTextDisclosesMortgage(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	cert := vfCertNo(19)
	f.importRows(vfRow(cert, signOwner.Name, signOwner.IDNo, "mortgaged", "是"))
	mortgaged, err := f.StartContract(f.agent, f.mustVerify(f.agent, vfInput(cert, signOwner)).Code)
	if err != nil {
		t.Fatal(err)
	}
	clear, err := f.StartContract(f.agent, f.ownProperty(f.agent, 20, "").Code)
	if err != nil {
		t.Fatal(err)
	}
	article1 := func(c *Contract) string {
		t.Helper()
		text, err := f.RenderContract(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range text.Paragraphs {
			if strings.Contains(p, "房屋坐落于") {
				return p
			}
		}
		t.Fatalf("no paragraph names the property: %q", text.Paragraphs)
		return ""
	}
	if p := article1(mortgaged); !strings.HasSuffix(p, "并已通过本平台房源核验。甲方已如实告知乙方：该房屋已设立抵押。") {
		t.Errorf("mortgaged property, Article 1 reads %q", p)
	}
	if p := article1(clear); strings.Contains(p, "抵押") || strings.Contains(p, blank) {
		t.Errorf("property without a mortgage, Article 1 reads %q", p)
	}
	// A text saved without {{抵押情况}} still discloses it after the address.
	if _, err := f.SaveContractTemplate(f.admin, TemplateInput{Title: "住房租赁合同", Text: "承租人：{{承租人}}\n房屋坐落于{{房屋坐落}}。\n其他约定。"}); err != nil {
		t.Fatal(err)
	}
	if p := article1(mortgaged); !strings.HasSuffix(p, "。甲方已如实告知乙方：该房屋已设立抵押。") {
		t.Errorf("text without the placeholder, mortgaged: %q", p)
	}
	if p := article1(clear); strings.Contains(p, "抵押") {
		t.Errorf("text without the placeholder, no mortgage: %q", p)
	}
}

// TestSignOnlyWhatWasPreviewed: a term changed with 保存草稿 (or 上一步)
// after the preview is not signed unchecked: signing is refused until the
// steps are gone through again, and then the preview and the contract both
// carry the new rent. Going back without changing anything keeps the
// preview open.
func TestSignOnlyWhatWasPreviewed(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	c := f.readyDraft(f.agent, f.ownProperty(f.agent, 51, ""), 1, 12)
	if c.Step != CStepPreview {
		t.Fatalf("a ready draft is at step %d", c.Step)
	}
	same := c.Form
	if c, _ = f.SaveContractStep(f.agent, c.ID, CStepTerms, same, false); c.Step != CStepPreview {
		t.Fatalf("going back without a change closed the preview (step %d)", c.Step)
	}
	changed := c.Form
	changed.Rent = "9999"
	c, err := f.SaveContractStep(f.agent, c.ID, CStepTerms, changed, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != CStepTerms || c.Terms.Rent != 6500 {
		t.Fatalf("after a saved change: step %d, rent %d", c.Step, c.Terms.Rent)
	}
	_, err = f.SignContract(f.agent, c.ID)
	wantError(t, err, ECONFLICT, "contract.not_previewed")
	f.mustStep(f.agent, c.ID, CStepTerms, changed)
	f.mustStep(f.agent, c.ID, CStepParties, ContractForm{Parties: f.storedContract(c.ID).Form.Parties})
	f.mustStep(f.agent, c.ID, CStepAgreed, ContractForm{AgreedTerms: "空调两台随房出租。", Clauses: []string{"c2"}})
	if c, err = f.DocsDone(f.agent, c.ID); err != nil {
		t.Fatal(err)
	}
	if text := f.renderText(f.storedContract(c.ID)); !strings.Contains(text, "月租金为人民币9999元") {
		t.Errorf("the preview does not show the new rent:\n%s", text)
	}
	signed, err := f.SignContract(f.agent, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if signed.Terms.Rent != 9999 {
		t.Errorf("signed at %d", signed.Terms.Rent)
	}
}

// TestRevokedLeaseHoldsItsRoomsUntilItEnds: a lease revoked with a
// termination date ahead still runs until then: a new lease of the same
// flat starting before that date is refused, one starting on it is not.
// Such a revocation is recorded and takes effect on its date; a lease
// revoked at once with a date ahead (before revocations were recorded)
// holds its rooms the same way.
func TestRevokedLeaseHoldsItsRoomsUntilItEnds(t *testing.T) {
	t.Parallel()
	for _, recorded := range []bool{true, false} {
		t.Run(map[bool]string{true: "recorded", false: "revoked before recorded revocations"}[recorded], func(t *testing.T) {
			t.Parallel()
			testRevokedLeaseHoldsItsRooms(t, recorded)
		})
	}
}

func testRevokedLeaseHoldsItsRooms(t *testing.T, recorded bool) {
	f := newSignFixture(t)
	first, err := f.SignContract(f.agent, f.readyDraft(f.agent, f.ownProperty(f.agent, 52, ""), 1, 6).ID)
	if err != nil {
		t.Fatal(err)
	}
	ends := day(first.Terms.Start).AddDate(0, 0, 20)
	if _, err := f.RevokeContract(f.agent, first.ID, RevokeInput{Reason: "双方协商一致提前解除", Effective: ends.Format(time.DateOnly),
		DocName: "解除协议.pdf", Doc: scanPDF}); err != nil {
		t.Fatal(err)
	}
	if !recorded {
		// As an older version left it: revoked at once, ending ahead.
		err := f.update(func(tx *storage.Tx) error {
			c, err := contractTable.Get(tx, first.ID)
			if err != nil {
				return err
			}
			c.Status, c.Ended, c.EndReason, c.Revocation = ContractRevoked, c.Revocation.On, c.Revocation.Reason, nil
			return contractTable.Put(tx, c)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	next, err := f.StartContract(f.agent, f.ownProperty(f.agent, 52, "").Code)
	if err != nil {
		t.Fatal(err)
	}
	early := termsForm(11, 12, f.now()) // starts ten days after the first's start
	_, err = f.SaveContractStep(f.agent, next.ID, CStepTerms, early, true)
	// It names the other lease and the term it holds the rooms for.
	if e := wantError(t, err, EINVALID, "contract.overlap"); e.Args[0] != first.No || !argIsDay(e.Args[2], ends.AddDate(0, 0, -1)) {
		t.Errorf("the overlap says %v, the lease ends %s", e.Args, ends.Format(time.DateOnly))
	}
	onTheDay := termsForm(int(ends.Sub(day(f.now())).Hours()/24), 12, f.now())
	if onTheDay.Start != ends.Format(time.DateOnly) {
		t.Fatalf("test set-up: start %s, termination %s", onTheDay.Start, ends.Format(time.DateOnly))
	}
	if _, err := f.SaveContractStep(f.agent, next.ID, CStepTerms, onTheDay, true); err != nil {
		t.Errorf("a lease starting on the termination date: %v", err)
	}
}

// TestStepsDoneOnlyInOrder: a step posted by its address before the ones
// ahead of it were completed is checked and kept, but does not mark those
// done (the step bar shows done what lies before Contract.Step), nor may
// the documents be declared complete over them.
func TestStepsDoneOnlyInOrder(t *testing.T) {
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 41, "")
	c, err := f.StartContract(f.agent, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	// The agreed terms first: kept, nothing marked done.
	f.mustStep(f.agent, c.ID, CStepAgreed, ContractForm{AgreedTerms: "空调两台随房出租。", Clauses: []string{"c2"}})
	s := f.storedContract(c.ID)
	if s.Step > CStepTerms || s.Form.AgreedTerms != "空调两台随房出租。" {
		t.Fatalf("after posting step %d first: step %d, agreed %q", CStepAgreed, s.Step, s.Form.AgreedTerms)
	}
	for _, k := range []string{"id_copy", "certificate"} {
		if _, err := f.AttachContractDoc(f.agent, c.ID, k, k+".pdf", scanPDF); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.DocsDone(f.agent, c.ID); errKeyOf(err) != "contract.steps_before" {
		t.Errorf("documents declared complete over undone steps: %v", err)
	}
	if got := f.storedContract(c.ID).Step; got > CStepTerms {
		t.Fatalf("step %d after the refused documents", got)
	}
	// In order, each opens the next.
	f.mustStep(f.agent, c.ID, CStepTerms, termsForm(1, 12, f.now()))
	f.mustStep(f.agent, c.ID, CStepParties, ContractForm{Parties: []PartyForm{lessorRow(), lessee("孙承租", 11)}})
	if got := f.storedContract(c.ID).Step; got != CStepAgreed {
		t.Fatalf("after terms and parties: step %d", got)
	}
	f.mustStep(f.agent, c.ID, CStepAgreed, ContractForm{AgreedTerms: "空调两台随房出租。", Clauses: []string{"c2"}})
	if _, err := f.DocsDone(f.agent, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.storedContract(c.ID).Step; got != CStepPreview {
		t.Errorf("after every step: step %d, want %d", got, CStepPreview)
	}
}

// TestContractStepsDone: the step bar's done steps are those completed in
// order whose fields as stored are complete and valid: not a step posted
// before those ahead of it, nor a step saved unchecked, nor the documents
// once one is removed or a party added who needs another.
func TestContractStepsDone(t *testing.T) {
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 42, "")
	c, err := f.StartContract(f.agent, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	want := func(what string, done ...bool) {
		t.Helper()
		got, err := f.ContractStepsDone(f.storedContract(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got[1:], done) {
			t.Errorf("%s: steps done %v, want %v", what, got[1:], done)
		}
	}
	want("new draft", false, false, false, false, false, false)
	agreed := ContractForm{AgreedTerms: "空调两台随房出租。", Clauses: []string{"c2"}}
	f.mustStep(f.agent, c.ID, CStepAgreed, agreed)
	want("agreed terms first", false, false, false, false, false, false)

	parties := ContractForm{Parties: []PartyForm{lessorRow(), lessee("孙承租", 12)}}
	f.mustStep(f.agent, c.ID, CStepTerms, termsForm(1, 12, f.now()))
	want("terms", true, true, false, false, false, false)
	f.mustStep(f.agent, c.ID, CStepParties, parties)
	f.mustStep(f.agent, c.ID, CStepAgreed, agreed)
	for _, k := range []string{"id_copy", "certificate"} {
		if _, err := f.AttachContractDoc(f.agent, c.ID, k, k+".pdf", scanPDF); err != nil {
			t.Fatal(err)
		}
	}
	want("documents attached, not declared complete", true, true, true, true, false, false)
	if _, err := f.DocsDone(f.agent, c.ID); err != nil {
		t.Fatal(err)
	}
	want("every step", true, true, true, true, true, false)

	// A document removed: the documents are to do again.
	if _, err := f.RemoveContractDoc(f.agent, c.ID, 0); err != nil {
		t.Fatal(err)
	}
	want("a document removed", true, true, true, true, false, false)
	if _, err := f.AttachContractDoc(f.agent, c.ID, "id_copy", "id.pdf", scanPDF); err != nil {
		t.Fatal(err)
	}
	want("attached again", true, true, true, true, true, false)

	// The owner's agent added: the power of attorney is missing.
	withAgent := ContractForm{Parties: []PartyForm{lessorRow(),
		{Role: PartyLessorAgent, Name: "周代理", IDType: "resident_id", IDNo: vfID(704), Phone: "13700003333"}, lessee("孙承租", 12)}}
	f.mustStep(f.agent, c.ID, CStepParties, withAgent)
	want("an agent added", true, true, true, true, false, false)
	if _, err := f.AttachContractDoc(f.agent, c.ID, "power_of_attorney", "poa.pdf", scanPDF); err != nil {
		t.Fatal(err)
	}
	want("power of attorney attached", true, true, true, true, true, false)

	// The parties saved unchecked with a lessee's ID wrong: to do, with
	// what follows them.
	bad := withAgent
	bad.Parties = slices.Clone(withAgent.Parties)
	bad.Parties[2].IDNo = "110108199203150"
	if _, err := f.SaveContractStep(f.agent, c.ID, CStepParties, bad, false); err != nil {
		t.Fatal(err)
	}
	want("parties saved unchecked", true, true, false, false, false, false)
	f.mustStep(f.agent, c.ID, CStepParties, withAgent)
	want("parties checked", true, true, true, false, false, false)
}
