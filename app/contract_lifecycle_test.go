package app

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"anju/storage"
)

func TestExpireContracts(t *testing.T) {
	f := newCLFixture(t)
	yesterday := f.today.AddDate(0, 0, -1)
	longAgo := f.today.AddDate(-1, -1, 0)
	endedFiled := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "甲", filing: FilingFiled,
		signed: longAgo, start: longAgo, end: yesterday})
	endedPending := f.put(clContract{district: "110108", status: ContractSigned, by: f.clerkHD, lessee: "乙", filing: FilingPending,
		signed: longAgo, start: longAgo, end: yesterday.AddDate(0, -1, 0)})
	endsToday := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "丙", filing: FilingFiled,
		signed: longAgo, start: longAgo, end: f.today})
	revoked := f.put(clContract{district: "110105", status: ContractRevoked, by: f.clerk, lessee: "丁", filing: FilingCancelled,
		signed: longAgo, start: longAgo, end: yesterday})
	running := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "戊"})

	if _, err := f.ExpireContracts(f.clerk); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a user ran the daily job: %v", err)
	}
	job := SystemActor("contract-expiry")
	n, err := f.ExpireContracts(job)
	if err != nil || n != 2 {
		t.Fatalf("expired %d (%v), want 2", n, err)
	}
	s := f.stored(endedFiled.ID)
	if s.Status != ContractExpired || s.FilingStatus != FilingEnded || !s.Ended.Equal(f.today) {
		t.Errorf("ended, filed: %s, filing %s, ended %v", s.Status, s.FilingStatus, s.Ended)
	}
	last := s.History[len(s.History)-2:]
	if last[0].Action != "expired" || last[1].Action != "filing_ended" || last[0].By.Username != "system:contract-expiry" {
		t.Errorf("history: %+v", last)
	}
	// A filing still waiting for its decision may still be filed.
	if s := f.stored(endedPending.ID); s.Status != ContractExpired || s.FilingStatus != FilingPending {
		t.Errorf("ended, pending: %s, filing %s", s.Status, s.FilingStatus)
	}
	for _, c := range []*Contract{endsToday, running} {
		if s := f.stored(c.ID); s.Status != ContractSigned || s.FilingStatus != c.FilingStatus {
			t.Errorf("%s (ends %s) is %s, filing %s", c.No, c.Terms.End.Format(time.DateOnly), s.Status, s.FilingStatus)
		}
	}
	if s := f.stored(revoked.ID); s.Status != ContractRevoked || len(s.History) != len(revoked.History) {
		t.Errorf("revoked contract touched: %s", s.Status)
	}
	entries, _, _ := f.AuditLog(f.admin, AuditFilter{Action: "contract.expire"})
	var recs []string
	for _, e := range entries {
		recs = append(recs, fmt.Sprintf("%d", e.RecordID))
	}
	slices.Sort(recs)
	if want := []string{fmt.Sprint(endedFiled.ID), fmt.Sprint(endedPending.ID)}; !slices.Equal(recs, want) {
		t.Errorf("audited %v, want %v", recs, want)
	}
	// Lists show them expired at once.
	if ids := f.search(f.city, ContractQuery{Status: ContractExpired}); !slices.Equal(ids, clIDs(endedFiled, endedPending)) {
		t.Errorf("expired list: %v", ids)
	}
	// Run again the same day: nothing left to do.
	if n, err := f.ExpireContracts(job); err != nil || n != 0 {
		t.Errorf("second run: %d %v", n, err)
	}
	// The next day the one that ended today follows.
	f.clock.Advance(24 * time.Hour)
	if n, err := f.ExpireContracts(job); err != nil || n != 1 || f.stored(endsToday.ID).Status != ContractExpired {
		t.Errorf("next day: %d %v", n, err)
	}
}

// TestExpireContractsInBatches: more than one transaction's worth.
func TestExpireContractsInBatches(t *testing.T) {
	f := newCLFixture(t)
	longAgo := f.today.AddDate(-2, 0, 0)
	proto := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "批量", signed: longAgo,
		start: longAgo, end: longAgo.AddDate(1, 0, -1)})
	err := f.update(func(tx *storage.Tx) error { // the others in one transaction: quicker
		for i := 1; i < dueBatch+37; i++ {
			c := *proto
			no, err := nextContractNo(tx, c.District, longAgo)
			if err != nil {
				return err
			}
			c.ID, c.No = 0, no
			if _, err := contractTable.Insert(tx, &c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.ExpireContracts(SystemActor("test"))
	if err != nil || n != dueBatch+37 {
		t.Fatalf("expired %d (%v), want %d", n, err, dueBatch+37)
	}
	if ids := f.search(f.clerk, ContractQuery{Status: ContractSigned}); len(ids) != 0 {
		t.Errorf("%d still signed", len(ids))
	}
}
