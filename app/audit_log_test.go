package app

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"anju/storage"
)

// writeAuditEntries appends n entries, the clock moving step after each.
func writeAuditEntries(t *testing.T, f *fixture, n int, step time.Duration, action string) {
	t.Helper()
	err := f.db.Update(func(tx *storage.Tx) error {
		for i := range n {
			if err := f.audit(tx, f.admin, action, "bulk", uint64(i), ""); err != nil {
				return err
			}
			f.clock.Advance(step)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func entryIDs(es []*AuditEntry) []uint64 {
	ids := make([]uint64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

// The date filters skip entries by their place in the log; what a page
// shows must be what filtering every entry gives, even with an entry
// written while the clock was set back.
func TestAuditLogDatesMatchEveryEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := f.clock.Now()
	writeAuditEntries(t, f, 200, 73*time.Minute, "param.set") // about ten days
	f.clock.Advance(-3 * time.Hour)                           // the clock set back
	writeAuditEntries(t, f, 5, time.Minute, "dict.create")
	f.clock.Advance(5 * time.Hour)
	writeAuditEntries(t, f, 40, 2*time.Hour, "param.set")
	all := f.auditEntries()
	slices.Reverse(all) // newest first, as pages are

	for _, r := range []struct{ from, to time.Duration }{
		{0, 0}, {24 * time.Hour, 0}, {0, 48 * time.Hour}, {36 * time.Hour, 60 * time.Hour},
		// Around the set-back: entries 202-206 were written at 240:20-240:24,
		// after entries 200 and 201 (241:00 and 242:07).
		{240*time.Hour + 22*time.Minute, 0}, {0, 240*time.Hour + 22*time.Minute},
		{240 * time.Hour, 241 * time.Hour}, {239 * time.Hour, 245 * time.Hour},
		{-48 * time.Hour, -24 * time.Hour}, {400 * time.Hour, 500 * time.Hour}, // before and after everything
	} {
		flt := AuditFilter{Limit: 500}
		if r.from != 0 {
			flt.From = start.Add(r.from)
		}
		if r.to != 0 {
			flt.To = start.Add(r.to)
		}
		var want []*AuditEntry
		for _, e := range all {
			if flt.match(e) {
				want = append(want, e)
			}
		}
		p, err := f.AuditLogPage(f.admin, flt)
		if err != nil {
			t.Fatal(err)
		}
		if got := entryIDs(p.Entries); !slices.Equal(got, entryIDs(want)) {
			t.Errorf("from %v to %v: got %d entries %v, want %d %v", r.from, r.to, len(got), got, len(want), entryIDs(want))
		}
		if p.Next != 0 || !p.SearchedTo.IsZero() {
			t.Errorf("from %v to %v: next %d, searched to %v; want the whole result", r.from, r.to, p.Next, p.SearchedTo)
		}
	}

	// auditSeek finds the newest entry before a time, where times go up.
	for _, at := range []time.Duration{-time.Hour, 0, time.Minute, 100 * time.Hour, 100*time.Hour + 73*time.Minute/2, 239 * time.Hour} {
		want := uint64(0)
		for _, e := range all {
			if e.ID <= 201 && e.Time.Before(start.Add(at)) && e.ID > want {
				want = e.ID
			}
		}
		var got uint64
		_ = f.db.View(func(tx *storage.Tx) error { got = auditSeek(tx, start.Add(at)); return nil })
		if got != want {
			t.Errorf("auditSeek(start%+v) = %d, want %d", at, got, want)
		}
	}

	// Paging with a date range goes on where the page ended.
	flt := AuditFilter{From: start.Add(24 * time.Hour), To: start.Add(200 * time.Hour), Limit: 7}
	var got []uint64
	for {
		p, err := f.AuditLogPage(f.admin, flt)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, entryIDs(p.Entries)...)
		if p.Next == 0 {
			break
		}
		flt.Before = p.Next
	}
	var want []uint64
	for _, e := range all {
		if (AuditFilter{From: start.Add(24 * time.Hour), To: start.Add(200 * time.Hour)}).match(e) {
			want = append(want, e.ID)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged: %v, want %v", got, want)
	}
}

// A filter that matches little reads at most auditScanMax entries a page,
// says how far back it looked, and goes on from there.
func TestAuditLogPageStopsAndGoesOn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeAuditEntries(t, f, 3, time.Minute, "dict.create") // IDs 2-4, after the root's entry
	writeAuditEntries(t, f, auditScanMax+100, time.Second, "param.set")

	flt := AuditFilter{Action: "dict.create"}
	p, err := f.AuditLogPage(f.admin, flt)
	if err != nil {
		t.Fatal(err)
	}
	newest := uint64(auditScanMax + 104)
	if len(p.Entries) != 0 || p.Next != newest-auditScanMax+1 || p.SearchedTo.IsZero() {
		t.Fatalf("first page: %d entries, next %d, searched to %v; want none, next %d and a time",
			len(p.Entries), p.Next, p.SearchedTo, newest-auditScanMax+1)
	}
	flt.Before = p.Next
	p, err = f.AuditLogPage(f.admin, flt)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(entryIDs(p.Entries)); got != "[4 3 2]" || p.Next != 0 || !p.SearchedTo.IsZero() {
		t.Errorf("second page: %s, next %d, searched to %v; want [4 3 2] and the end", got, p.Next, p.SearchedTo)
	}
	// An unfiltered page fills up long before the bound.
	p, err = f.AuditLogPage(f.admin, AuditFilter{Limit: 10})
	if err != nil || len(p.Entries) != 10 || p.Next != newest-9 || !p.SearchedTo.IsZero() {
		t.Errorf("unfiltered page: %d entries, next %d, searched to %v, %v", len(p.Entries), p.Next, p.SearchedTo, err)
	}
}
