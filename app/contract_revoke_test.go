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
		{"before the start", func(in *RevokeInput) { in.Effective = f.start.AddDate(0, 0, -1).Format(time.DateOnly) }, "effective", "contracts.revoke_date_before_start"},
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
	effective := f.today.AddDate(0, 0, 10)
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
