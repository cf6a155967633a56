package app

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"anju/search"
	"anju/storage"
)

// The demo's leases: every state, consistent with the rules a real lease
// obeys (no overlap, numbers by district and year, used verifications,
// valid IDs, plausible rents), spread over districts and agencies, and
// loaded only once.
func TestDemoContracts(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	if _, err := f.LoadDemo(); err != nil {
		t.Fatal(err)
	}
	t.Logf("LoadDemo with contracts: %s", time.Since(start).Round(time.Millisecond))
	all := demoContractsOf(t, f)
	if n := len(all); n < 1800 || n > 2600 {
		t.Fatalf("%d demo contracts, want about 2,000", n)
	}
	if _, err := f.LoadDemo(); err != nil {
		t.Fatal(err)
	}
	if n := len(demoContractsOf(t, f)); n != len(all) {
		t.Fatalf("second LoadDemo: %d contracts, was %d", n, len(all))
	}

	now := f.clock.Now()
	today := demoDay(now)
	status, filing, districts, agencies, sources := map[string]int{}, map[string]int{}, map[string]bool{}, map[uint64]bool{}, map[string]int{}
	numbers, certNos := map[string]bool{}, map[string]bool{}
	effective := map[string][]*Contract{}
	noRe := regexp.MustCompile(`^HT(\d{6})-(\d{4})-\d{6}$`)
	overdue := 0
	verifs, filings := map[uint64]*Verification{}, map[uint64]*ContractFiling{}
	_ = f.db.View(func(tx *storage.Tx) error {
		_ = contractFilingTable.Each(tx, false, func(f *ContractFiling) (bool, error) { filings[f.ID] = f; return true, nil })
		return verificationTable.Each(tx, false, func(v *Verification) (bool, error) { verifs[v.ID] = v; return true, nil })
	})
	// Lists go newest first by ID: the leases' verifications, written
	// after the registry's demo verifications, must be dated in ID order.
	var prev *Verification
	for _, c := range all {
		v := verifs[c.VerificationID]
		if v == nil {
			continue
		}
		if prev != nil && v.ID > prev.ID && v.Created.Before(prev.Created) {
			t.Errorf("verification %d (%s) is dated before verification %d (%s)", v.ID, v.Created, prev.ID, prev.Created)
			break
		}
		if prev == nil || v.ID > prev.ID {
			prev = v
		}
	}
	for _, c := range all {
		// A paper contract carries its scan: a reviewer can approve its filing.
		if c.Source == ContractBackEntry && FilingNeedsScan(c) {
			t.Errorf("back-entered demo contract %s has no scanned paper contract", c.No)
		}
		// A decision names its reviewer as a person, not a role's name in
		// one language.
		for _, ev := range c.History {
			if (ev.Action == "filing_approved" || ev.Action == "filing_rejected") && (ev.By.Name == "" || ev.By.Name == "审核员") {
				t.Errorf("contract %s: %s by %+v", c.No, ev.Action, ev.By)
				break
			}
		}
		status[c.Status]++
		filing[c.FilingStatus]++
		districts[c.District] = true
		sources[c.Source]++
		if c.AgencyID != 0 {
			agencies[c.AgencyID] = true
		}
		if c.Status == ContractDraft || c.Status == ContractCancelled {
			if c.No != "" || c.FilingStatus != FilingNone {
				t.Errorf("%s contract %d has number %q, filing %q", c.Status, c.ID, c.No, c.FilingStatus)
			}
		} else {
			m := noRe.FindStringSubmatch(c.No)
			if m == nil || m[1] != c.District || m[2] != strconv.Itoa(c.Signed.Year()) || numbers[c.No] {
				t.Errorf("contract %d number %q (district %s, signed %s)", c.ID, c.No, c.District, c.Signed)
			}
			numbers[c.No] = true
			if c.Signed.After(now) || c.Terms.End.Before(c.Terms.Start) || c.Terms.Rent <= 0 || c.Terms.Deposit <= 0 {
				t.Errorf("contract %s: signed %s, term %s–%s, rent %d, deposit %d", c.No, c.Signed, c.Terms.Start, c.Terms.End, c.Terms.Rent, c.Terms.Deposit)
			}
			if c.Terms.DepositFlag != (c.Terms.Deposit > 3*c.Terms.Rent) {
				t.Errorf("contract %s: deposit %d for rent %d flagged %v", c.No, c.Terms.Deposit, c.Terms.Rent, c.Terms.DepositFlag)
			}
		}
		switch c.Status {
		case ContractSigned:
			if c.Terms.End.Before(today) {
				t.Errorf("signed contract %s ended %s", c.No, c.Terms.End)
			}
			effective[contractRoomKey(c)] = append(effective[contractRoomKey(c)], c)
			if c.FilingStatus == FilingNone && now.After(c.FilingDue) {
				overdue++
			}
		case ContractExpired:
			if !c.Terms.End.Before(today) || !c.Ended.Equal(c.Terms.End.AddDate(0, 0, 1)) {
				t.Errorf("expired contract %s ends %s, ended %s", c.No, c.Terms.End, c.Ended)
			}
		case ContractRevoked:
			if c.Ended.IsZero() || c.EndReason == "" || c.Ended.Before(c.Terms.Start) || c.FilingStatus == FilingFiled {
				t.Errorf("revoked contract %s: ended %s reason %q filing %q", c.No, c.Ended, c.EndReason, c.FilingStatus)
			}
			// Revoked on its day, as the product does: an agreement brought
			// ahead is recorded, and the lease and its filing end on the day.
			for _, e := range c.History {
				if (e.Action == "revoked" || e.Action == "filing_cancelled") && e.Time.Before(c.Ended) {
					t.Errorf("revoked contract %s from %s: %s on %s", c.No, c.Ended.Format(time.DateOnly), e.Action, e.Time.Format(time.DateTime))
				}
			}
		}
		// A cancelled filing keeps the certificate number it had, if any.
		if c.FilingStatus != FilingCancelled && (c.FilingStatus == FilingFiled || c.FilingStatus == FilingEnded) == (c.FilingCertNo == "") {
			t.Errorf("contract %s filing %q with certificate %q", c.No, c.FilingStatus, c.FilingCertNo)
		}
		// Every filing state but "not applied for" has its application.
		if f := filings[c.FilingID]; (c.FilingStatus == FilingNone) != (f == nil) || f != nil && (f.ContractID != c.ID || f.Status != c.FilingStatus || f.CertificateNo != c.FilingCertNo) {
			t.Errorf("contract %d filing %q: application %+v", c.ID, c.FilingStatus, f)
		}
		// The filing page names the day the lease ended, as the contract
		// page and the public check do: a revocation's effective day, not
		// the day it was recorded.
		if f := filings[c.FilingID]; f != nil && (f.Status == FilingEnded || f.Status == FilingCancelled) && !c.Ended.IsZero() && !f.Ended.Equal(c.Ended) {
			t.Errorf("contract %s %s on %s: its filing %s ended %s", c.No, c.Status, c.Ended.Format(time.DateOnly), f.No, f.Ended.Format(time.DateOnly))
		}
		if c.FilingCertNo != "" {
			if certNos[c.FilingCertNo] {
				t.Errorf("filing certificate %s twice", c.FilingCertNo)
			}
			certNos[c.FilingCertNo] = true
		}
		if c.Source == ContractOnline {
			v := verifs[c.VerificationID]
			switch {
			case v == nil || v.Code != c.VerificationCode || v.PropertyID != c.PropertyID:
				t.Errorf("contract %d: verification %d %q missing or of another property", c.ID, c.VerificationID, c.VerificationCode)
			case c.No != "" && (v.Status != VStatusUsed || v.ContractID != c.ID || v.EndReason != c.No):
				t.Errorf("contract %s: verification %s is %s for contract %d", c.No, v.Code, v.Status, v.ContractID)
			}
		}
		if len(c.Lessors()) == 0 || len(c.Lessees()) != 1 {
			t.Errorf("contract %d: %d lessors, %d lessees", c.ID, len(c.Lessors()), len(c.Lessees()))
		}
		for _, p := range c.Parties {
			if p.IDType == "resident_id" && CheckResidentID(p.IDNo) != nil {
				t.Errorf("contract %d: party %s has ID %s", c.ID, p.Name, p.IDNo)
			}
			if p.IDType == "uscc" && CheckUSCC(p.IDNo) != nil {
				t.Errorf("contract %d: party %s has credit code %s", c.ID, p.Name, p.IDNo)
			}
		}
		if c.Listing.Mode == "whole" && c.Status != ContractDraft {
			if perM2 := float64(c.Terms.Rent) / c.Listing.Area; perM2 < 20 || perM2 > 170 {
				t.Errorf("contract %s: rent %d for %.1f m² in %s", c.No, c.Terms.Rent, c.Listing.Area, c.District)
			}
		}
		if c.Form.Rent != strconv.Itoa(c.Terms.Rent) || len(c.Form.Parties) != len(c.Parties) {
			t.Errorf("contract %d: form %+v does not match", c.ID, c.Form)
		}
	}
	for key, cs := range effective {
		for i := range cs {
			for j := i + 1; j < len(cs); j++ {
				if !cs[i].Terms.End.Before(cs[j].Terms.Start) && !cs[j].Terms.End.Before(cs[i].Terms.Start) {
					t.Errorf("room %s: %s and %s overlap", key, cs[i].No, cs[j].No)
				}
			}
		}
	}
	t.Logf("statuses %v, filings %v, sources %v, %d districts, %d agencies, %d overdue unfiled", status, filing, sources, len(districts), len(agencies), overdue)
	for _, s := range []string{ContractSigned, ContractExpired, ContractRevoked, ContractCancelled, ContractDraft} {
		if status[s] == 0 {
			t.Errorf("no %s contract", s)
		}
	}
	for _, s := range []string{FilingNone, FilingPending, FilingRejected, FilingFiled, FilingEnded, FilingCancelled} {
		if filing[s] == 0 {
			t.Errorf("no contract with filing %q", s)
		}
	}
	if overdue == 0 || len(districts) < 8 || len(agencies) < 20 || sources[ContractBackEntry] == 0 {
		t.Errorf("%d overdue, %d districts, %d agencies, %d back-entered", overdue, len(districts), len(agencies), sources[ContractBackEntry])
	}

	// The demo accounts have leases and drafts of their own, and the index
	// holds every contract.
	var zhang, zhangDrafts int
	for _, c := range all {
		if c.AgentName == "张伟" && c.Status != ContractDraft {
			zhang++
		}
		if c.CreatedBy.Username == "agent.zhang" && c.Status == ContractDraft {
			zhangDrafts++
		}
	}
	if zhang < 20 || zhangDrafts == 0 {
		t.Errorf("agent.zhang: %d contracts, %d drafts", zhang, zhangDrafts)
	}
	// The demo's notes are applied in the background; catchUp waits for
	// that, as every list does.
	if err := f.indexer.catchUp(); err != nil {
		t.Fatal(err)
	}
	res, err := f.ix.Search(search.Query{Type: "contract", Size: 1})
	if err != nil || res.Total != uint64(len(all)) {
		t.Errorf("index holds %v contracts (%v), store %d", res.Total, err, len(all))
	}
}

func demoContractsOf(t *testing.T, f *fixture) []*Contract {
	t.Helper()
	var all []*Contract
	err := f.db.View(func(tx *storage.Tx) error {
		return contractTable.Each(tx, false, func(c *Contract) (bool, error) { all = append(all, c); return true, nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}
