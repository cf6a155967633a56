package app

import (
	"testing"
	"time"
)

// TestStatistics: each month's figures are what the lists show for that
// month, the days of a month add up to the month, the reader's district
// bounds them, and an agency user gets none.
func TestStatistics(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 41, "")
	c, err := f.SignContract(f.agent, f.readyDraft(f.agent, v, 1, 12).ID)
	if err != nil {
		t.Fatal(err)
	}
	f.ownProperty(f.clerk, 42, "")
	fl, err := f.ApplyFiling(f.agent, FilingApply{Mode: "contract", ContractNo: c.No})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ApproveFiling(f.reviewer, fl.ID); err != nil {
		t.Fatal(err)
	}
	now := f.now()
	year, err := f.Statistics(f.clerk, StatsQuery{Year: now.Year(), District: "110108"})
	if err != nil {
		t.Fatal(err)
	}
	if year.Query.District != "110105" {
		t.Errorf("a Chaoyang clerk's statistics are of %q", year.Query.District)
	}
	if len(year.Rows) != 12 || len(year.Kinds) != 4 {
		t.Fatalf("%d rows, kinds %v", len(year.Rows), year.Kinds)
	}
	row := year.Rows[int(now.Month())-1]
	next := row.Start.AddDate(0, 1, 0)
	vp, _ := f.SearchVerifications(f.clerk, VerificationQuery{From: row.Start, To: next})
	cp, _ := f.SearchContracts(f.clerk, ContractQuery{From: row.Start, To: next})
	fp, _ := f.SearchFilings(f.clerk, FilingQuery{From: row.Start, To: next})
	filed, _ := f.SearchFilings(f.clerk, FilingQuery{Status: FilingFiled, From: row.Start, To: next})
	want := map[string]int{"verified": vp.Total, "signed": cp.Total, "applied": fp.Total, "filed": filed.Total}
	for k, n := range want {
		if row.Counts[k] != n {
			t.Errorf("%s this month: %d, the list shows %d", k, row.Counts[k], n)
		}
	}
	if row.Counts["verified"] < 2 || row.Counts["signed"] < 1 || row.Counts["filed"] < 1 {
		t.Errorf("this month %v: the new records are not counted", row.Counts)
	}
	sum := map[string]int{}
	for _, r := range year.Rows {
		for k, n := range r.Counts {
			sum[k] += n
		}
	}
	for _, k := range year.Kinds {
		if sum[k] != year.Totals[k] {
			t.Errorf("%s: months add up to %d, total %d", k, sum[k], year.Totals[k])
		}
	}
	if len(year.Districts) != 1 || year.Districts[0].District != "110105" || year.Districts[0].Counts["signed"] != year.Totals["signed"] {
		t.Errorf("districts %+v", year.Districts)
	}
	month, err := f.Statistics(f.clerk, StatsQuery{Year: now.Year(), Month: int(now.Month())})
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]int{}
	for _, r := range month.Rows {
		for k, n := range r.Counts {
			days[k] += n
		}
	}
	if len(month.Rows) < 28 || days["verified"] != row.Counts["verified"] || days["signed"] != row.Counts["signed"] {
		t.Errorf("%d days adding up to %v, the month %v", len(month.Rows), days, row.Counts)
	}
	// Filed agencies by level: as many as the agency list has filed ones.
	filedAgencies, err := f.SearchAgencies(f.clerk, AgencyQuery{Status: AgencyFiled, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	byLevel := 0
	for _, l := range year.Levels {
		byLevel += l.Count
	}
	if len(year.Levels) != len(CreditLevels) || byLevel != filedAgencies.Total || byLevel == 0 {
		t.Errorf("levels %+v add up to %d, the list has %d filed agencies", year.Levels, byLevel, filedAgencies.Total)
	}
	hd, err := f.Statistics(f.clerkHD, StatsQuery{Year: now.Year()})
	if err != nil {
		t.Fatal(err)
	}
	if hd.Totals["verified"] != 0 || hd.Totals["signed"] != 0 {
		t.Errorf("Haidian's clerk counts Chaoyang's: %v", hd.Totals)
	}
	_, err = f.Statistics(f.agent, StatsQuery{})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
}

// TestStatisticsKeepApprovalsOfRevokedContracts: a filing approved this
// month stays counted as approved when its contract is revoked later;
// applications cancelled while pending or after a rejection never count.
func TestStatisticsKeepApprovalsOfRevokedContracts(t *testing.T) {
	f := newCFFixture(t)
	approved := f.signed(f.clerk, 0, "张伟")
	fl := f.apply(f.clerk, approved)
	if _, err := f.ApproveFiling(f.reviewer, fl.ID); err != nil {
		t.Fatal(err)
	}
	rejected := f.signed(f.clerk, 0, "王芳")
	if _, err := f.RejectFiling(f.reviewer, f.apply(f.clerk, rejected).ID, "缺少身份证明"); err != nil {
		t.Fatal(err)
	}
	pending := f.signed(f.clerk, 0, "李娜")
	f.apply(f.clerk, pending)
	now := f.now()
	filed := func() int {
		t.Helper()
		st, err := f.Statistics(f.clerk, StatsQuery{Year: now.Year()})
		if err != nil {
			t.Fatal(err)
		}
		return st.Totals["filed"]
	}
	if n := filed(); n != 1 {
		t.Fatalf("before the revocations: %d approved, want 1", n)
	}
	for _, c := range []*Contract{approved, rejected, pending} {
		if _, err := f.RevokeContract(f.clerk, c.ID, RevokeInput{Reason: "双方协商解除",
			Effective: day(now).Format(time.DateOnly), DocName: "协议.pdf", Doc: clPDF}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.filing(fl.ID); got.Status != FilingCancelled {
		t.Fatalf("set-up: the approved filing is %s after the revocation", got.Status)
	}
	if n := filed(); n != 1 {
		t.Errorf("after the revocations: %d approved, want 1 (the approval stands)", n)
	}
}
