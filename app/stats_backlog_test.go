package app

import (
	"slices"
	"testing"
	"time"
)

// TestBacklogAges: the statistics' backlog counts a pending filing
// application by the days since its submission and an unfiled contract by
// the days since its filing deadline, names the longest-waiting one of
// each, and keeps to the reader's district.
func TestBacklogAges(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	day := 24 * time.Hour
	// Never filed: due 30 days after signing (the parameter's default).
	late, err := f.SignContract(f.agent, f.readyDraft(f.agent, f.ownProperty(f.agent, 51, ""), 1, 12).ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(35 * day)
	apply := func(n int) *ContractFiling {
		t.Helper()
		c, err := f.SignContract(f.agent, f.readyDraft(f.agent, f.ownProperty(f.agent, n, ""), 1, 12).ID)
		if err != nil {
			t.Fatal(err)
		}
		fl, err := f.ApplyFiling(f.agent, FilingApply{Mode: "contract", ContractNo: c.No})
		if err != nil {
			t.Fatal(err)
		}
		return fl
	}
	first := apply(52)
	f.clock.Advance(5 * day)
	apply(53)
	f.clock.Advance(time.Hour)
	// Now: the first application has waited 5 days, the second an hour;
	// the unfiled contract is 10 days past its deadline.

	st, err := f.Statistics(f.clerk, StatsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]BacklogRow{}
	var order []string
	for _, r := range st.Backlog {
		rows[r.Queue] = r
		order = append(order, r.Queue)
	}
	if len(order) == 0 || order[0] != QueueFilings || order[len(order)-1] != QueueOverdue {
		t.Fatalf("queues %v: filings first, overdue contracts last", order)
	}
	filings, overdue := rows[QueueFilings], rows[QueueOverdue]
	if filings.Count != 2 || !slices.Equal(filings.Ages, []int{1, 1, 0, 0}) {
		t.Errorf("filing applications: %d by age %v, want 2 as [1 1 0 0]", filings.Count, filings.Ages)
	}
	if !filings.Oldest.Equal(first.Submitted) {
		t.Errorf("filings wait since %v, the first was submitted %v", filings.Oldest, first.Submitted)
	}
	stored := f.storedContract(late.ID)
	if overdue.Count != 1 || !slices.Equal(overdue.Ages, []int{0, 0, 1, 0}) {
		t.Errorf("overdue contracts: %d by age %v, want 1 as [0 0 1 0]", overdue.Count, overdue.Ages)
	}
	if !overdue.Oldest.Equal(stored.FilingDue) || stored.FilingDue.IsZero() {
		t.Errorf("overdue since %v, the contract was due %v", overdue.Oldest, stored.FilingDue)
	}
	// Three weeks on, the first application has waited 26 days (7–30),
	// the second 21, and the contract is 31 days late.
	f.clock.Advance(21 * day)
	st, err = f.Statistics(f.clerk, StatsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Backlog {
		rows[r.Queue] = r
	}
	if got := rows[QueueFilings].Ages; !slices.Equal(got, []int{0, 0, 2, 0}) {
		t.Errorf("filings three weeks later by age %v, want [0 0 2 0]", got)
	}
	if got := rows[QueueOverdue]; got.Ages[3] != 1 {
		t.Errorf("the late contract three weeks later by age %v, want it 30 days or more", got.Ages)
	}
	// Haidian's clerk sees none of Chaoyang's.
	hd, err := f.Statistics(f.clerkHD, StatsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range hd.Backlog {
		if r.Count != 0 {
			t.Errorf("Haidian's clerk counts %d in %s", r.Count, r.Queue)
		}
	}
}

// TestBacklogMatchesTheQueues: on the demo, each backlog row counts what
// its queue lists, for the city's viewer (and narrowed to a district),
// for two districts' clerks (Haidian's sees none of Chaoyang's waiting
// items), and a reader gets a row only for a queue he may open.
func TestBacklogMatchesTheQueues(t *testing.T) {
	t.Parallel()
	f := newDemoFixture(t)
	for _, c := range []struct{ user, district string }{{"leader", ""}, {"leader", "110108"}, {"clerk", ""}, {"clerk.hd", ""}} {
		user, d := c.user, c.district
		actor := f.actor(f.storedUser(user))
		st, err := f.Statistics(actor, StatsQuery{District: d})
		if err != nil {
			t.Fatal(err)
		}
		user += " " + d
		want := map[string]int{}
		if p, err := f.SearchFilings(actor, FilingQuery{Status: FilingPending, District: d, Size: 1}); err == nil {
			want[QueueFilings] = p.Total
		}
		if p, err := f.SearchContracts(actor, ContractQuery{Filing: FilingOverdue, District: d, Size: 1}); err == nil {
			want[QueueOverdue] = p.Total
		}
		if apps, err := f.ListApplications(actor, AppFilter{Status: AppPending, District: d, Limit: 500}); err == nil {
			want[QueueAgencies] = len(apps)
		}
		if p, err := f.ScoringApplications(actor, ScoringQuery{Status: ScoringPending, District: d}); err == nil {
			want[QueueScoring] = p.Total
		}
		if rs, err := f.PendingRequests(actor, d); err == nil {
			want[QueueRequests] = len(rs)
		}
		if p, err := f.Lists(actor, ListFilter{Status: ListPending, District: d}); err == nil {
			want[QueueLists] = p.Total
		}
		got := map[string]int{}
		for _, r := range st.Backlog {
			got[r.Queue] = r.Count
			sum := 0
			for _, n := range r.Ages {
				sum += n
			}
			if sum != r.Count {
				t.Errorf("%s %s: ages %v add up to %d, not %d", user, r.Queue, r.Ages, sum, r.Count)
			}
			if r.Count > 0 && r.Oldest.IsZero() {
				t.Errorf("%s %s: %d waiting, none since when", user, r.Queue, r.Count)
			}
		}
		for q, n := range want {
			if got[q] != n {
				t.Errorf("%s: backlog counts %d %s, its queue lists %d", user, got[q], q, n)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: backlog rows %v, queues he may open %v", user, got, want)
		}
		if d != "" && want[QueueRequests] == 0 {
			t.Errorf("%s: the demo has no credit request in the district: the filter is not compared", user)
		}
		if c.user == "leader" && d == "" && (want[QueueFilings] == 0 || want[QueueOverdue] == 0 || want[QueueAgencies] == 0 || want[QueueLists] == 0) {
			t.Errorf("%s: the demo has no pending filing or overdue contract (%v): nothing is compared", user, want)
		}
	}
}

// TestBacklogDistrictNarrows: for the city's viewer, a district narrows
// each small queue (agency applications, scoring applications, list
// proposals) to that district's items, in the list and in the backlog:
// the districts' counts add up to the whole, and each narrowed list holds
// only its district's items. (TestBacklogMatchesTheQueues compares a row
// with its list, which read through the same reader; this checks the
// reader's district itself.)
func TestBacklogDistrictNarrows(t *testing.T) {
	t.Parallel()
	f := newDemoFixture(t)
	leader := f.actor(f.storedUser("leader"))
	byQueue := func(d string) map[string]int {
		t.Helper()
		st, err := f.Statistics(leader, StatsQuery{District: d})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, r := range st.Backlog {
			m[r.Queue] = r.Count
		}
		return m
	}
	apps, err := f.ListApplications(leader, AppFilter{Status: AppPending, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	scoring, err := f.ScoringApplications(leader, ScoringQuery{Status: ScoringPending, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	lists, err := f.Lists(leader, ListFilter{Status: ListPending, Size: 200})
	if err != nil {
		t.Fatal(err)
	}
	districts := map[string]bool{}
	for _, ap := range apps {
		districts[ap.District()] = true
	}
	for _, p := range scoring.Items {
		districts[p.District] = true
	}
	for _, e := range lists.Items {
		districts[e.District] = true
	}
	if len(districts) < 2 {
		t.Fatalf("the demo's pending items are in %d district(s): nothing is narrowed", len(districts))
	}
	whole := byQueue("")
	sum := map[string]int{}
	narrowed := false
	for d := range districts {
		part := byQueue(d)
		for _, q := range []string{QueueAgencies, QueueScoring, QueueLists} {
			sum[q] += part[q]
			narrowed = narrowed || (part[q] > 0 && part[q] < whole[q])
		}
		as, err := f.ListApplications(leader, AppFilter{Status: AppPending, District: d, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, ap := range as {
			if ap.District() != d {
				t.Errorf("agency applications of %s list one of %s", d, ap.District())
			}
		}
		sp, err := f.ScoringApplications(leader, ScoringQuery{Status: ScoringPending, District: d, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range sp.Items {
			if p.District != d {
				t.Errorf("scoring applications of %s list one of %s", d, p.District)
			}
		}
		lp, err := f.Lists(leader, ListFilter{Status: ListPending, District: d, Size: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range lp.Items {
			if e.District != d {
				t.Errorf("list proposals of %s list one of %s", d, e.District)
			}
		}
	}
	for _, q := range []string{QueueAgencies, QueueScoring, QueueLists} {
		if sum[q] != whole[q] {
			t.Errorf("%s: the districts count %d together, the whole city %d", q, sum[q], whole[q])
		}
	}
	if !narrowed {
		t.Errorf("no district holds only part of a queue (%v): the filter is not tested", whole)
	}
}
