package app

import (
	"testing"
	"time"
)

// TestOverview: the home page's figures count what the lists show for the
// same month, in the actor's district only, and follow new records.
func TestOverview(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	before, err := f.Overview(f.clerk)
	if err != nil {
		t.Fatal(err)
	}
	v := f.ownProperty(f.agent, 31, "")
	c, err := f.SignContract(f.agent, f.readyDraft(f.agent, v, 1, 12).ID)
	if err != nil {
		t.Fatal(err)
	}
	f.ownProperty(f.clerk, 32, "")
	if _, err := f.ApplyFiling(f.agent, FilingApply{Mode: "contract", ContractNo: c.No}); err != nil {
		t.Fatal(err)
	}
	o, err := f.Overview(f.clerk)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Verifications || !o.Contracts {
		t.Fatalf("a clerk sees verifications %v, contracts %v", o.Verifications, o.Contracts)
	}
	// Two codes issued (one used by the contract, one valid), one signing,
	// one application waiting for review.
	if o.Verified != before.Verified+2 || o.ValidCodes != before.ValidCodes+1 || o.Signed != before.Signed+1 ||
		o.Applied != before.Applied+1 || o.FilingsPending != before.FilingsPending+1 {
		t.Errorf("after two verifications, a signing and an application: %+v, before %+v", o, before)
	}
	next := o.Month.AddDate(0, 1, 0)
	vp, err := f.SearchVerifications(f.clerk, VerificationQuery{From: o.Month, To: next})
	if err != nil {
		t.Fatal(err)
	}
	valid, err := f.SearchVerifications(f.clerk, VerificationQuery{Status: VStatusValid, From: time.Unix(0, 0), To: next.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := f.SearchContracts(f.clerk, ContractQuery{From: o.Month, To: next})
	if err != nil {
		t.Fatal(err)
	}
	fp, err := f.SearchFilings(f.clerk, FilingQuery{From: o.Month, To: next})
	if err != nil {
		t.Fatal(err)
	}
	if o.Verified != vp.Total || o.ValidCodes != valid.Total || o.Signed != cp.Total || o.Applied != fp.Total {
		t.Errorf("overview %d/%d/%d/%d, the lists %d/%d/%d/%d (issued/valid/signed/applied)",
			o.Verified, o.ValidCodes, o.Signed, o.Applied, vp.Total, valid.Total, cp.Total, fp.Total)
	}
	if o.Verified == 0 || o.Month.Day() != 1 || !o.PrevMonth.Equal(o.Month.AddDate(0, -1, 0)) {
		t.Errorf("month %v, last month %v, verified %d", o.Month, o.PrevMonth, o.Verified)
	}
	// Haidian's clerk counts none of Chaoyang's.
	hd, err := f.Overview(f.clerkHD)
	if err != nil {
		t.Fatal(err)
	}
	if hd.Verified != 0 || hd.Signed != 0 || hd.Applied != 0 || hd.ValidCodes != 0 {
		t.Errorf("Haidian's clerk counts %+v", hd)
	}
}
