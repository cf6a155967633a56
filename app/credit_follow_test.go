package app

import (
	"testing"

	"anju/storage"
)

// TestMovedAgencyCreditFollowsIt: an approved change filing that moves an
// agency to another district moves its credit summary and its active
// black-list entry with it: the new district's credit list and lists show
// them, the old district's no longer do. An ended entry keeps its
// district; the active one keeps the name it was decided under.
func TestMovedAgencyCreditFollowsIt(t *testing.T) {
	f := newFilingFixture(t)
	ag, admin := f.seedFiledAgency(t, validAgencyForm("北京迁址房地产经纪有限公司", testUSCC("91110105MA01QY001")))
	s := Subject{SubjectAgency, ag.ID}
	now := f.now()
	var active, ended *ListEntry
	if err := f.update(func(tx *storage.Tx) error {
		if _, err := f.refreshSummary(tx, s, now); err != nil {
			return err
		}
		active = &ListEntry{List: ListBlack, Subject: s, SubjectName: ag.Name, SubjectCode: ag.USCC, District: "110105",
			Source: "manual", Status: ListActive, Listed: now, Expires: now.AddDate(1, 0, 0), Created: now}
		ended = &ListEntry{List: ListRed, Subject: s, SubjectName: ag.Name, SubjectCode: ag.USCC, District: "110105",
			Source: "manual", Status: ListExpired, Listed: now.AddDate(-2, 0, 0), Expires: now.AddDate(-1, 0, 0), Ended: now.AddDate(-1, 0, 0), Created: now}
		for _, e := range []*ListEntry{active, ended} {
			if _, err := listEntryTable.Insert(tx, e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inList := func(actor Actor) (summary, entry bool) {
		t.Helper()
		page, err := f.CreditSubjects(actor, CreditSubjectQuery{Size: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, sum := range page.Items {
			summary = summary || sum.Subject == s
		}
		lists, err := f.Lists(actor, ListFilter{Size: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range lists.Items {
			entry = entry || e.ID == active.ID
		}
		return summary, entry
	}
	if sum, entry := inList(f.clerkHD); sum || entry {
		t.Fatalf("before the move Haidian lists the Chaoyang agency: summary %v, entry %v", sum, entry)
	}

	ap, err := f.StartChange(admin, ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	form := ap.Form
	form.District = "110108"
	for i := range form.Premises {
		form.Premises[i].District, form.Premises[i].Address = "110108", "北京市海淀区迁址路1号"
	}
	ref := AppRef{ID: ap.ID}
	for _, step := range []int{StepBasic, StepPremises} {
		if _, err := f.SaveStep(admin, ref, step, form, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.SubmitApplication(admin, ref); err != nil {
		t.Fatal(err)
	}
	// The district the agency moves to reviews the change.
	if _, err := f.ApproveApplication(f.reviewerHD, ap.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.storedAgency(t, ag.ID); got.District != "110108" {
		t.Fatalf("the change did not move the agency: %s", got.District)
	}
	if sum, entry := inList(f.clerkHD); !sum || !entry {
		t.Errorf("after the move Haidian's lists: summary %v, entry %v; want both", sum, entry)
	}
	if sum, entry := inList(f.clerk); sum || entry {
		t.Errorf("after the move Chaoyang's lists still show it: summary %v, entry %v", sum, entry)
	}
	if err := f.db.View(func(tx *storage.Tx) error {
		a, err := listEntryTable.Get(tx, active.ID)
		if err != nil {
			return err
		}
		if a.District != "110108" || a.SubjectName != ag.Name || a.History[len(a.History)-1].Action != "moved" {
			t.Errorf("active entry after the move: district %s, name %s, history %+v", a.District, a.SubjectName, a.History)
		}
		e, err := listEntryTable.Get(tx, ended.ID)
		if err != nil {
			return err
		}
		if e.District != "110105" || len(e.History) != 0 {
			t.Errorf("ended entry after the move: district %s, history %+v", e.District, e.History)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateFollowSubjects: a store upgraded from before the copies
// followed their subject gets them right: an agency that moved then has its
// summary and active entry in its new district after the migration.
func TestMigrateFollowSubjects(t *testing.T) {
	f := newFilingFixture(t)
	ag, _ := f.seedFiledAgency(t, validAgencyForm("北京早迁房地产经纪有限公司", testUSCC("91110105MA01QY002")))
	s := Subject{SubjectAgency, ag.ID}
	now := f.now()
	var entry *ListEntry
	if err := f.update(func(tx *storage.Tx) error {
		if _, err := f.refreshSummary(tx, s, now); err != nil {
			return err
		}
		entry = &ListEntry{List: ListBlack, Subject: s, SubjectName: ag.Name, District: "110105",
			Source: "manual", Status: ListActive, Listed: now, Expires: now.AddDate(1, 0, 0), Created: now}
		if _, err := listEntryTable.Insert(tx, entry); err != nil {
			return err
		}
		// The move as an older binary made it: the agency alone.
		stored, err := agencyTable.Get(tx, ag.ID)
		if err != nil {
			return err
		}
		stored.District = "110108"
		return agencyTable.Put(tx, stored)
	}); err != nil {
		t.Fatal(err)
	}
	if d := storedSummary(f.fixture, s).District; d != "110105" {
		t.Fatalf("set-up: summary in %s before the migration", d)
	}
	if err := f.update(func(tx *storage.Tx) error { return migrateFollowSubjects(tx, now) }); err != nil {
		t.Fatal(err)
	}
	if d := storedSummary(f.fixture, s).District; d != "110108" {
		t.Errorf("summary in %s after the migration, want 110108", d)
	}
	_ = f.db.View(func(tx *storage.Tx) error {
		e, err := listEntryTable.Get(tx, entry.ID)
		if err != nil || e.District != "110108" {
			t.Errorf("entry after the migration: %+v %v", e, err)
		}
		return nil
	})
}
