package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

var clPDF = []byte("%PDF-1.4\n% revocation agreement signed by both parties\n")

func (f *clFixture) stored(id uint64) *Contract {
	f.t.Helper()
	var c *Contract
	if err := f.db.View(func(tx *storage.Tx) (err error) { c, err = contractTable.Get(tx, id); return }); err != nil {
		f.t.Fatal(err)
	}
	return c
}

func clFields(err error) map[string]string {
	if e, ok := AsError(err); ok {
		return e.Fields
	}
	return nil
}

func TestRevokeContractValidation(t *testing.T) {
	f := newCLFixture(t)
	c := f.put(clContract{district: "110105", status: ContractSigned, agency: f.agencyX, by: f.agent1, lessee: "张伟"})
	ok := RevokeInput{Reason: "双方协商一致提前解除", Effective: f.today.Format(time.DateOnly), DocName: "协议.pdf", Doc: clPDF}
	cases := []struct {
		name  string
		edit  func(*RevokeInput)
		field string
		key   string
	}{
		{"no reason", func(in *RevokeInput) { in.Reason = "  " }, "reason", "contracts.revoke_reason_required"},
		{"reason too long", func(in *RevokeInput) { in.Reason = strings.Repeat("长", 501) }, "reason", "contracts.revoke_reason_too_long"},
		{"no date", func(in *RevokeInput) { in.Effective = "" }, "effective", "contracts.revoke_date_required"},
		{"not a date", func(in *RevokeInput) { in.Effective = "2026-02-30" }, "effective", "contracts.revoke_date_invalid"},
		{"before the start", func(in *RevokeInput) { in.Effective = f.start.AddDate(0, 0, -1).Format(time.DateOnly) }, "effective", "contracts.revoke_date_before_signed"},
		{"after the end", func(in *RevokeInput) { in.Effective = f.end.AddDate(0, 0, 1).Format(time.DateOnly) }, "effective", "contracts.revoke_date_after_end"},
		{"no document", func(in *RevokeInput) { in.Doc = nil }, "doc", "contracts.revoke_doc_required"},
		{"a GIF named .pdf", func(in *RevokeInput) { in.Doc = []byte("GIF89a....") }, "doc", "contracts.revoke_doc_type"},
		{"too big", func(in *RevokeInput) { in.Doc = append(slices.Clone(clPDF), make([]byte, RevocationDocMaxBytes)...) }, "doc", "contracts.revoke_doc_too_big"},
	}
	for _, tc := range cases {
		in := ok
		tc.edit(&in)
		_, err := f.RevokeContract(f.agent1, c.ID, in)
		if got := clFields(err)[tc.field]; got != tc.key {
			t.Errorf("%s: %s = %q (%v), want %q", tc.name, tc.field, got, err, tc.key)
		}
	}
	if got := f.stored(c.ID); got.Status != ContractSigned || len(got.Docs) != 0 {
		t.Errorf("a refused revocation changed the contract: %s, %d docs", got.Status, len(got.Docs))
	}
	// The first and last day of the term are accepted (full-width digits too).
	in := ok
	in.Effective = clFullWidth(f.end.Format(time.DateOnly))
	if _, err := f.RevokeContract(f.agent1, c.ID, in); err != nil {
		t.Errorf("revoke on the last day: %v", err)
	}
}

// TestRevokeBeforeTheLeaseStarts: a lease signed today to start next
// month can be revoked today (signed by mistake, called off) and ends at
// once with its filing; not before the day it was signed.
func TestRevokeBeforeTheLeaseStarts(t *testing.T) {
	f := newCLFixture(t)
	start := f.today.AddDate(0, 1, 0)
	c := f.put(clContract{district: "110105", status: ContractSigned, agency: f.agencyX, by: f.agent1, lessee: "张伟",
		start: start, end: start.AddDate(1, 0, -1)})
	in := RevokeInput{Reason: "签约有误，双方同意撤销", Effective: f.today.AddDate(0, 0, -1).Format(time.DateOnly), DocName: "协议.pdf", Doc: clPDF}
	_, err := f.RevokeContract(f.agent1, c.ID, in)
	if got := clFields(err)["effective"]; got != "contracts.revoke_date_before_signed" {
		t.Fatalf("the day before signing: %q (%v)", got, err)
	}
	in.Effective = f.today.Format(time.DateOnly)
	if _, err := f.RevokeContract(f.agent1, c.ID, in); err != nil {
		t.Fatalf("revoke on the day of signing, before the start: %v", err)
	}
	if got := f.stored(c.ID); got.Status != ContractRevoked || !got.Ended.Equal(day(f.today)) {
		t.Errorf("after revoking before the start: %s ended %v", got.Status, got.Ended)
	}
}

func TestRevokeContractWho(t *testing.T) {
	f := newCLFixture(t)
	c := f.put(clContract{district: "110105", status: ContractSigned, agency: f.agencyX, by: f.agent1, lessee: "张伟"})
	draft := f.put(clContract{district: "110105", status: ContractDraft, agency: f.agencyX, by: f.agent1, lessee: "李雷"})
	in := RevokeInput{Reason: "协商解除", Effective: f.today.Format(time.DateOnly), DocName: "a.pdf", Doc: clPDF}
	viewer := f.city
	for name, tc := range map[string]struct {
		actor Actor
		id    uint64
		code  Code
	}{
		"another agency's agent":        {f.agentY, c.ID, ENOTFOUND},
		"another district's clerk":      {f.clerkHD, c.ID, ENOTFOUND},
		"a viewer":                      {viewer, c.ID, EFORBIDDEN},
		"a draft (cancel it instead)":   {f.agent1, draft.ID, ECONFLICT},
		"an unknown contract":           {f.agent1, 424242, ENOTFOUND},
		"an agent of an unfiled agency": {Actor{UserID: 77, Roles: []Role{RoleAgent}, AgencyID: 4242}, c.ID, EFORBIDDEN},
	} {
		if _, err := f.RevokeContract(tc.actor, tc.id, in); ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	if CanRevokeContract(f.agentY, c) || !CanRevokeContract(f.adminX, c) || !CanRevokeContract(f.clerk, c) || CanRevokeContract(viewer, c) {
		t.Error("CanRevokeContract disagrees with the rule")
	}
	// His agency's admin may revoke a contract his agent signed.
	if _, err := f.RevokeContract(f.adminX, c.ID, in); err != nil {
		t.Fatalf("agency admin: %v", err)
	}
	if _, err := f.RevokeContract(f.adminX, c.ID, in); ErrorCode(err) != ECONFLICT {
		t.Errorf("revoked twice: %v", err)
	}
}

func TestRevokeContractEffects(t *testing.T) {
	f := newCLFixture(t)
	filed := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "张伟", filing: FilingFiled})
	plain := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "王芳"})
	// A day already past (within the term): revoked at once, from then.
	effective := f.today.AddDate(0, 0, -3)
	// As if applied for through the filing workflow, whose application
	// (absent here) would follow: see the filing tests.
	filed.FilingID = 5
	if err := f.update(func(tx *storage.Tx) error { return contractTable.Put(tx, filed) }); err != nil {
		t.Fatal(err)
	}

	got, err := f.RevokeContract(f.clerk, filed.ID, RevokeInput{Reason: "承租人工作调动，双方协商解除",
		Effective: effective.Format(time.DateOnly), DocName: "解除协议.pdf", Doc: clPDF})
	if err != nil {
		t.Fatal(err)
	}
	s := f.stored(filed.ID)
	if s.Status != ContractRevoked || !s.Ended.Equal(effective) || s.EndReason != "承租人工作调动，双方协商解除" {
		t.Errorf("stored: %s, ended %v, reason %q", s.Status, s.Ended, s.EndReason)
	}
	if s.FilingStatus != FilingCancelled || s.FilingCertNo != filed.FilingCertNo {
		t.Errorf("filing: %s %q, want cancelled, certificate number kept", s.FilingStatus, s.FilingCertNo)
	}
	if len(s.Docs) != 1 || s.Docs[0].Kind != "revocation" || s.Docs[0].Type != "application/pdf" || s.Docs[0].By != f.clerk.Username {
		t.Fatalf("docs: %+v", s.Docs)
	}
	err = f.db.View(func(tx *storage.Tx) error {
		info, data, err := tx.GetBlob(s.Docs[0].Blob)
		if err == nil && (string(data) != string(clPDF) || info.Name != "解除协议.pdf") {
			return fmt.Errorf("blob %q: %q", info.Name, data)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
	var actions []string
	for _, e := range s.History {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions[len(actions)-2:], []string{"revoked", "filing_cancelled"}) || s.History[len(s.History)-2].By.Username != "cl.clerk" {
		t.Errorf("history: %v", actions)
	}
	if got.Status != ContractRevoked {
		t.Errorf("returned %s", got.Status)
	}
	entries, _, _ := f.AuditLog(f.admin, AuditFilter{Action: "contract.revoke", Record: fmt.Sprintf("contract/%d", filed.ID)})
	if len(entries) != 1 || !strings.Contains(entries[0].Detail, filed.No) {
		t.Errorf("audit: %+v", entries)
	}
	// The list finds it revoked at once, and the other one still in effect.
	if ids := f.search(f.clerk, ContractQuery{Status: ContractRevoked}); !slices.Equal(ids, clIDs(filed)) {
		t.Errorf("revoked list: %v", ids)
	}
	if ids := f.search(f.clerk, ContractQuery{Filing: FilingCancelled}); !slices.Equal(ids, clIDs(filed)) {
		t.Errorf("filing cancelled list: %v", ids)
	}

	// A contract never applied for keeps "not applied for".
	if _, err := f.RevokeContract(f.clerk, plain.ID, RevokeInput{Reason: "协商", Effective: f.today.Format(time.DateOnly),
		DocName: "scan.png", Doc: []byte("\x89PNG\r\n\x1a\nscan")}); err != nil {
		t.Fatal(err)
	}
	if s := f.stored(plain.ID); s.FilingStatus != FilingNone || s.Docs[0].Type != "image/png" {
		t.Errorf("never filed: filing %q, doc %s", s.FilingStatus, s.Docs[0].Type)
	}
}

// clActions lists a contract's history actions.
func clActions(c *Contract) []string {
	var out []string
	for _, e := range c.History {
		out = append(out, e.Action)
	}
	return out
}

// auditCount is how many entries of exactly action the contract has.
func (f *clFixture) auditCount(action string, id uint64) int {
	f.t.Helper()
	entries, _, err := f.AuditLog(f.admin, AuditFilter{Action: action, Record: fmt.Sprintf("contract/%d", id)})
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == action { // the filter is a prefix
			n++
		}
	}
	return n
}

func (f *clFixture) checkIndexes() {
	f.t.Helper()
	err := f.db.View(func(tx *storage.Tx) error {
		problems, err := contractTable.VerifyIndexes(tx)
		if err == nil && len(problems) > 0 {
			return fmt.Errorf("index problems: %+v", problems)
		}
		return err
	})
	if err != nil {
		f.t.Error(err)
	}
}

// TestRevokeContractAhead: an agreement to end the lease on a later day is
// recorded; the contract and its filing run on until the daily job revokes
// it on that day, once.
func TestRevokeContractAhead(t *testing.T) {
	f := newCFFixture(t)
	c := f.signed(f.clerk, 0, "张伟")
	fl := f.apply(f.clerk, c)
	if _, err := f.ApproveFiling(f.reviewer, fl.ID); err != nil {
		t.Fatal(err)
	}
	certNo := f.stored(c.ID).FilingCertNo
	on := f.today.AddDate(0, 0, 10)
	const reason = "承租人工作调动，双方协商解除"
	got, err := f.RevokeContract(f.clerk, c.ID, RevokeInput{Reason: reason, Effective: on.Format(time.DateOnly),
		DocName: "解除协议.pdf", Doc: clPDF})
	if err != nil {
		t.Fatal(err)
	}
	s := f.stored(c.ID)
	if got.Status != ContractSigned || s.Status != ContractSigned || !s.Ended.IsZero() || s.EndReason != "" {
		t.Errorf("recorded ahead: returned %s, stored %s, ended %v, reason %q", got.Status, s.Status, s.Ended, s.EndReason)
	}
	if r := s.PendingRevocation(); r == nil || !r.On.Equal(on) || r.Reason != reason || r.By.Username != f.clerk.Username || !r.Recorded.Equal(f.now()) {
		t.Errorf("revocation recorded: %+v", s.Revocation)
	}
	if s.FilingStatus != FilingFiled || f.filing(fl.ID).Status != FilingFiled {
		t.Errorf("filing: contract %s, application %s; want filed until the date", s.FilingStatus, f.filing(fl.ID).Status)
	}
	if len(s.Docs) != 1 || s.Docs[0].Kind != "revocation" || s.Docs[0].Name != "解除协议.pdf" {
		t.Errorf("docs: %+v", s.Docs)
	}
	if a := clActions(s); a[len(a)-1] != "revocation_recorded" || !strings.Contains(s.History[len(a)-1].Note, on.Format(time.DateOnly)) {
		t.Errorf("history: %v, last note %q", a, s.History[len(a)-1].Note)
	}
	if f.auditCount("contract.revoke_record", c.ID) != 1 || f.auditCount("contract.revoke", c.ID) != 0 {
		t.Error("audit: want one contract.revoke_record and no contract.revoke")
	}
	// Not offered again, and refused with the date recorded.
	if CanRevokeContract(f.clerk, s) {
		t.Error("CanRevokeContract offers a second revocation")
	}
	_, err = f.RevokeContract(f.clerk, c.ID, RevokeInput{Reason: "再次", Effective: f.today.Format(time.DateOnly), DocName: "b.pdf", Doc: clPDF})
	if e, ok := AsError(err); !ok || e.Code != ECONFLICT || e.Key != "contracts.revoke_already_recorded" || len(e.Args) != 1 || !argIsDay(e.Args[0], on) {
		t.Errorf("second revocation: %v", err)
	}
	// Lists keep it signed; the public check says it is filed, ending then.
	if ids := f.search(f.clerk, ContractQuery{Status: ContractSigned}); !slices.Contains(ids, c.ID) {
		t.Errorf("signed list: %v", ids)
	}
	if ids := f.search(f.clerk, ContractQuery{Status: ContractRevoked}); len(ids) != 0 {
		t.Errorf("revoked list: %v", ids)
	}
	pf, err := f.CheckFiling(certNo, "张伟")
	if err != nil || pf.State != FilingFiled || !pf.RevokeOn.Equal(on) || !pf.Ended.IsZero() {
		t.Errorf("public check: %+v %v", pf, err)
	}
	f.checkIndexes()

	// The daily job leaves it until the date.
	job := SystemActor("contract-expiry")
	f.clock.Advance(9 * 24 * time.Hour)
	if n, err := f.ExpireContracts(job); err != nil || n != 0 || f.stored(c.ID).Status != ContractSigned {
		t.Fatalf("the day before: %d %v, %s", n, err, f.stored(c.ID).Status)
	}
	// On the date it is revoked, and its filing cancelled.
	f.clock.Advance(24 * time.Hour)
	if n, err := f.ExpireContracts(job); err != nil || n != 1 {
		t.Fatalf("on the day: %d %v", n, err)
	}
	s = f.stored(c.ID)
	if s.Status != ContractRevoked || !s.Ended.Equal(on) || s.EndReason != reason || s.FilingStatus != FilingCancelled || s.FilingCertNo != certNo {
		t.Errorf("on the day: %s, ended %v, reason %q, filing %s %q", s.Status, s.Ended, s.EndReason, s.FilingStatus, s.FilingCertNo)
	}
	if a := f.filing(fl.ID); a.Status != FilingCancelled || !a.Ended.Equal(on) {
		t.Errorf("application: %s, ended %v", a.Status, a.Ended)
	}
	last := s.History[len(s.History)-2:]
	if last[0].Action != "revoked" || last[1].Action != "filing_cancelled" || last[0].By.Username != "system:contract-expiry" {
		t.Errorf("history: %+v", last)
	}
	if f.auditCount("contract.revoke", c.ID) != 1 {
		t.Error("audit: want one contract.revoke")
	}
	if ids := f.search(f.clerk, ContractQuery{Status: ContractRevoked}); !slices.Equal(ids, clIDs(c)) {
		t.Errorf("revoked list: %v", ids)
	}
	if pf, err := f.CheckFiling(certNo, "张伟"); err != nil || pf.State != FilingCancelled || !pf.RevokeOn.IsZero() || !pf.Ended.Equal(on) {
		t.Errorf("public check after: %+v %v", pf, err)
	}
	f.checkIndexes()
	// Once: the next runs, even after the term's end, leave it as it is.
	n := len(s.History)
	for _, days := range []int{1, 400} {
		f.clock.Advance(time.Duration(days) * 24 * time.Hour)
		if k, err := f.ExpireContracts(job); err != nil || k != 0 {
			t.Errorf("%d days later: %d %v", days, k, err)
		}
	}
	if s := f.stored(c.ID); s.Status != ContractRevoked || len(s.History) != n || f.auditCount("contract.revoke", c.ID) != 1 || f.auditCount("contract.expire", c.ID) != 0 {
		t.Errorf("later runs touched it: %s, %d events", s.Status, len(s.History))
	}
}

// TestRevokeContractAheadWho: recording a revocation ahead asks what
// revoking at once asks, per role; once recorded, those who may not
// revoke learn nothing of it.
func TestRevokeContractAheadWho(t *testing.T) {
	f := newCLFixture(t)
	c := f.put(clContract{district: "110105", status: ContractSigned, agency: f.agencyX, by: f.agent1, lessee: "张伟"})
	in := RevokeInput{Reason: "协商解除", Effective: f.today.AddDate(0, 1, 0).Format(time.DateOnly), DocName: "a.pdf", Doc: clPDF}
	refusals := map[string]struct {
		actor Actor
		code  Code
	}{
		"another agency's agent":        {f.agentY, ENOTFOUND},
		"another district's clerk":      {f.clerkHD, ENOTFOUND},
		"a viewer":                      {f.city, EFORBIDDEN},
		"an agent of an unfiled agency": {Actor{UserID: 77, Roles: []Role{RoleAgent}, AgencyID: 4242}, EFORBIDDEN},
	}
	for name, tc := range refusals {
		if _, err := f.RevokeContract(tc.actor, c.ID, in); ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	if s := f.stored(c.ID); s.Revocation != nil || len(s.Docs) != 0 {
		t.Fatalf("a refused revocation was recorded: %+v", s.Revocation)
	}
	// His agency's admin may record it for his agent's contract.
	if _, err := f.RevokeContract(f.adminX, c.ID, in); err != nil {
		t.Fatalf("agency admin: %v", err)
	}
	s := f.stored(c.ID)
	if s.Status != ContractSigned || s.PendingRevocation() == nil {
		t.Fatalf("after the admin: %s, %+v", s.Status, s.Revocation)
	}
	for name, tc := range refusals {
		if _, err := f.RevokeContract(tc.actor, c.ID, in); ErrorCode(err) != tc.code {
			t.Errorf("recorded, %s: %v, want %s", name, err, tc.code)
		}
	}
	for _, a := range []Actor{f.adminX, f.agent1, f.clerk} {
		if CanRevokeContract(a, s) {
			t.Errorf("%s is offered a second revocation", a.Username)
		}
		if _, err := f.RevokeContract(a, c.ID, in); errKeyOf(err) != "contracts.revoke_already_recorded" {
			t.Errorf("%s, a second time: %v", a.Username, err)
		}
	}
}

func errKeyOf(err error) string {
	if e, ok := AsError(err); ok {
		return e.Key
	}
	return fmt.Sprint(err)
}

// TestRevokeContractAheadAndExpiry: a job that has not run for a while
// finds a lease whose recorded revocation and term end both passed: it is
// revoked from the recorded date, not also expired. A stored revocation
// dated after the term (which the form refuses) lets the lease expire.
// Many due at once are done in batches.
func TestRevokeContractAheadAndExpiry(t *testing.T) {
	f := newCLFixture(t)
	start := f.today.AddDate(0, 0, -20)
	both := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "甲", filing: FilingFiled,
		start: start, end: f.today.AddDate(0, 0, 30)})
	on := f.today.AddDate(0, 0, 10)
	if _, err := f.RevokeContract(f.clerk, both.ID, RevokeInput{Reason: "协商", Effective: on.Format(time.DateOnly), DocName: "a.pdf", Doc: clPDF}); err != nil {
		t.Fatal(err)
	}
	after := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "乙",
		start: start, end: f.today.AddDate(0, 0, 5)})
	var many []uint64
	err := f.update(func(tx *storage.Tx) error {
		c, err := contractTable.Get(tx, after.ID)
		if err != nil {
			return err
		}
		c.Revocation = &Revocation{On: f.today.AddDate(0, 0, 8), Reason: "登记有误", Recorded: f.now()}
		if err := contractTable.Put(tx, c); err != nil {
			return err
		}
		// More than a transaction's worth, due on the same day.
		for i := 0; i < dueBatch+7; i++ {
			m := *both
			no, err := nextContractNo(tx, m.District, f.now())
			if err != nil {
				return err
			}
			m.ID, m.No, m.FilingCertNo = 0, no, ""
			m.Terms.End = f.today.AddDate(1, 0, 0)
			m.Revocation = &Revocation{On: on, Reason: "批量", Recorded: f.now()}
			id, err := contractTable.Insert(tx, &m)
			if err != nil {
				return err
			}
			many = append(many, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(40 * 24 * time.Hour)
	n, err := f.ExpireContracts(SystemActor("contract-expiry"))
	if err != nil || n != dueBatch+9 {
		t.Fatalf("ended %d (%v), want %d", n, err, dueBatch+9)
	}
	s := f.stored(both.ID)
	if s.Status != ContractRevoked || !s.Ended.Equal(on) || s.FilingStatus != FilingCancelled ||
		f.auditCount("contract.expire", both.ID) != 0 || slices.Contains(clActions(s), "expired") {
		t.Errorf("revocation and expiry due: %s, ended %v, filing %s, history %v", s.Status, s.Ended, s.FilingStatus, clActions(s))
	}
	if s := f.stored(after.ID); s.Status != ContractExpired || !s.Ended.Equal(f.today.AddDate(0, 0, 6)) || slices.Contains(clActions(s), "revoked") {
		t.Errorf("revocation after the term: %s, ended %v, history %v", s.Status, s.Ended, clActions(s))
	}
	for _, id := range many {
		if s := f.stored(id); s.Status != ContractRevoked || !s.Ended.Equal(on) {
			t.Fatalf("batch contract %d: %s", id, s.Status)
		}
	}
	if n, err := f.ExpireContracts(SystemActor("contract-expiry")); err != nil || n != 0 {
		t.Errorf("second run: %d %v", n, err)
	}
	f.checkIndexes()
}

// argIsDay reports whether a message argument is the date d (app passes
// dates as time.Time; the page writes them in its language).
func argIsDay(a any, d time.Time) bool {
	t, ok := a.(time.Time)
	return ok && t.Equal(d)
}
