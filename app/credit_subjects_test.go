package app

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"anju/storage"
)

// storeCreditAgencies stores n filed agencies of 朝阳 (110105), each with a
// credit summary of 59 - i%60 penalty points (the lowest score first),
// and every listEvery-th one (0: none)
// on the black list; it returns their subjects in the order stored.
func storeCreditAgencies(tb testing.TB, f *fixture, n, listEvery int) []Subject {
	tb.Helper()
	now := f.now()
	var out []Subject
	err := f.update(func(tx *storage.Tx) error {
		for i := range n {
			ag := &Agency{AgencyInfo: AgencyInfo{Name: "安居测试房地产经纪有限公司" + strconv.Itoa(i), USCC: "91110105TEST" + strconv.Itoa(100000+i),
				District: "110105"}, Status: AgencyFiled, Created: now, Updated: now}
			if _, err := agencyTable.Insert(tx, ag); err != nil {
				return err
			}
			s := Subject{SubjectAgency, ag.ID}
			out = append(out, s)
			sum, err := json.Marshal(CreditSummary{Subject: s, Name: ag.Name, Code: ag.USCC, District: ag.District,
				Penalty: -(59 - i%60), Updated: now})
			if err != nil {
				return err
			}
			if err := tx.Put(creditSummaryBucket, s.Key(), sum); err != nil {
				return err
			}
			if listEvery > 0 && i%listEvery == 0 {
				e := &ListEntry{List: ListBlack, Subject: s, Status: ListActive, Listed: now, Expires: now.AddDate(1, 0, 0),
					Reason: "测试", Created: now, Updated: now}
				if _, err := listEntryTable.Insert(tx, e); err != nil {
					return err
				}
			}
		}
		f.creditChanged(tx)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestCreditSubjectsPages: the list, lowest score first, is paged; every
// page counts all the subjects and holds its own.
func TestCreditSubjectsPages(t *testing.T) {
	f := newFixture(t)
	subjects := storeCreditAgencies(t, f, 45, 0)
	base := f.creditScale().base
	viewer := Actor{Username: "viewer", Roles: []Role{RoleViewer}}
	// Page 4, past the end, is the last page.
	for _, c := range []struct{ page, shown, first, n int }{{1, 1, 0, 20}, {2, 2, 20, 20}, {3, 3, 40, 5}, {4, 3, 40, 5}} {
		p, err := f.CreditSubjects(viewer, CreditSubjectQuery{Page: c.page})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 45 || p.Pages != 3 || p.Page != c.shown || len(p.Items) != c.n {
			t.Fatalf("page %d: total %d, %d pages, %d items; want 45, 3, %d", c.page, p.Total, p.Pages, len(p.Items), c.n)
		}
		for k, it := range p.Items {
			if want := base - 59 + c.first + k; it.Subject != subjects[c.first+k] || it.Score != want {
				t.Errorf("page %d item %d: %s scoring %d, want %s scoring %d", c.page, k, it.Subject, it.Score, subjects[c.first+k], want)
			}
		}
	}
	// A district outside the clerk's sees none of them.
	other := Actor{Username: "clerk.hd", Roles: []Role{RoleClerk}, District: "110108"}
	if p, err := f.CreditSubjects(other, CreditSubjectQuery{}); err != nil || p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("a 海淀 clerk's list: %d subjects (%v)", p.Total, err)
	}
}

// TestCreditSubjectsBlackListedFirst: the black-listed hold the lowest
// level whatever their score, so the list (and a search by name) shows them
// first, then the others lowest score first: a level D subject at a high
// score does not sit among level A ones.
func TestCreditSubjectsBlackListedFirst(t *testing.T) {
	f := newFixture(t)
	subjects := storeCreditAgencies(t, f, 45, 10) // 0, 10, 20, 30 and 40 black-listed
	var want []Subject
	for i := 0; i < 45; i += 10 {
		want = append(want, subjects[i])
	}
	for i, s := range subjects {
		if i%10 != 0 {
			want = append(want, s)
		}
	}
	viewer := Actor{Username: "viewer", Roles: []Role{RoleViewer}}
	for _, text := range []string{"", "安居测试"} {
		var got []Subject
		for page := 1; page <= 3; page++ {
			p, err := f.CreditSubjects(viewer, CreditSubjectQuery{Text: text, Page: page})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				got = append(got, it.Subject)
				if it.Blacklisted != (len(got) <= 5) || it.Blacklisted && it.Level != "D" {
					t.Errorf("text %q: %s at %d is level %s, black-listed %v", text, it.Subject, len(got), it.Level, it.Blacklisted)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("text %q: order %v, want %v", text, got, want)
		}
	}
}

// TestCreditSubjectsByNameLowestFirst: a search by name lists what it finds
// lowest score first, like the whole list; when the directory finds more
// than the list reads, the page says so rather than cut it silently.
func TestCreditSubjectsByNameLowestFirst(t *testing.T) {
	f := newFixture(t)
	storeCreditAgencies(t, f, creditTextMatches+30, 0)
	viewer := Actor{Username: "viewer", Roles: []Role{RoleViewer}}
	var items []CreditSummary
	for page := 1; ; page++ {
		p, err := f.CreditSubjects(viewer, CreditSubjectQuery{Text: "安居测试", Page: page})
		if err != nil {
			t.Fatal(err)
		}
		if page == 1 && (p.Found != creditTextMatches+30 || p.Read != creditTextMatches || !p.Capped || p.Total != creditTextMatches) {
			t.Fatalf("found %d, read %d, capped %v, total %d; want %d, %d, true, %d", p.Found, p.Read, p.Capped, p.Total,
				creditTextMatches+30, creditTextMatches, creditTextMatches)
		}
		items = append(items, p.Items...)
		if page >= p.Pages {
			break
		}
	}
	if len(items) != creditTextMatches {
		t.Fatalf("%d listed over the pages, want %d", len(items), creditTextMatches)
	}
	for i := 1; i < len(items); i++ {
		if items[i].Score < items[i-1].Score {
			t.Fatalf("not lowest first: %s %d after %s %d", items[i].Name, items[i].Score, items[i-1].Name, items[i-1].Score)
		}
	}
	// A narrower search reads everything it finds.
	p, err := f.CreditSubjects(viewer, CreditSubjectQuery{Text: "91110105TEST100007"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Capped || p.Found != 1 || len(p.Items) != 1 || p.Items[0].Code != "91110105TEST100007" {
		t.Errorf("by credit code: capped %v, found %d, %+v", p.Capped, p.Found, p.Items)
	}
}

// TestMovedAgencyRecordsOpenInItsNewDistrict: after an agency moves to
// another district, the new district's staff, who see its credit page,
// open its older records too; deciding an objection to one stays with the
// district that recorded it.
func TestMovedAgencyRecordsOpenInItsNewDistrict(t *testing.T) {
	f := newDemoFixture(t)
	clerk, reviewer, agencyAdmin, anju := creditActors(f)
	rec := approvedPenalty(t, f, clerk, reviewer, anju)
	if _, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "押金已退还。", Docs: evidence}); err != nil {
		t.Fatal(err)
	}
	clerkHD := f.actor(f.seedUser("cs.clerk.hd", "海淀录入员", []Role{RoleClerk}, "110108", fixturePassword))
	reviewerHD := f.actor(f.seedUser("cs.reviewer.hd", "海淀审核员", []Role{RoleReviewer}, "110108", fixturePassword))
	if _, err := f.GetRecord(clerkHD, rec.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("before the move a Haidian clerk opens a Chaoyang record: %v", err)
	}
	// The agency's change of district, as an approved change filing leaves it.
	if err := f.update(func(tx *storage.Tx) error {
		ag, err := agencyTable.Get(tx, anju.ID)
		if err != nil {
			return err
		}
		ag.District = "110108"
		return agencyTable.Put(tx, ag)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.CreditPage(clerkHD, anju); err != nil {
		t.Fatalf("the new district's credit page: %v", err)
	}
	if got, err := f.GetRecord(clerkHD, rec.ID); err != nil || got.ID != rec.ID {
		t.Fatalf("the new district's clerk opens the record its credit page lists: %v", err)
	}
	if r, _ := f.GetRecord(reviewerHD, rec.ID); r == nil || f.CanDecideRecord(reviewerHD, r) {
		t.Error("the new district's reviewer is offered the decision")
	}
	if _, err := f.DecideRequest(reviewerHD, rec.ID, true, "属实"); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("the new district's reviewer decides: %v", err)
	}
	if r, _ := f.GetRecord(reviewer, rec.ID); r == nil || !f.CanDecideRecord(reviewer, r) {
		t.Error("the recording district's reviewer is not offered the decision")
	}
	if _, err := f.DecideRequest(reviewer, rec.ID, true, "属实，撤销记分。"); err != nil {
		t.Errorf("the recording district's reviewer decides: %v", err)
	}
}
