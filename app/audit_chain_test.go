package app

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"anju/storage"
)

// editAuditDetail changes an entry's detail in the raw bucket, as someone
// editing the file would, leaving its hash as it was.
func editAuditDetail(t *testing.T, f *fixture, id uint64, detail string) {
	t.Helper()
	tamper(t, f, func(tx *storage.Tx) error {
		var m map[string]any
		if err := json.Unmarshal(tx.Get(auditTable.Name(), storage.U64(id)), &m); err != nil {
			return err
		}
		m["detail"] = detail
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return tx.Put(auditTable.Name(), storage.U64(id), b)
	})
}

func wantChain(t *testing.T, what string, r AuditReport, err error, ok bool, entries int, brokenAt uint64, problem string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if r.OK != ok || r.BrokenAt != brokenAt || r.Problem != problem || (ok && r.Entries != entries) {
		t.Fatalf("%s = %+v, want OK %v, %d entries, broken at %d %q", what, r, ok, entries, brokenAt, problem)
	}
}

// The pages check the entries written since the last walk, and the newest
// entry walked: an edit there or after it, or entries removed from the end,
// show at once. An edit of an older entry shows after the next whole walk,
// and stays shown until a whole walk finds the chain whole again.
func TestAuditChainPagesCheckNewEntries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	n := auditScenario(t, f)

	r, err := f.AuditChain(f.admin)
	wantChain(t, "first check", r, err, true, n, 0, "")
	if !r.FullAt.Equal(f.clock.Now()) {
		t.Errorf("first check FullAt = %v, want now (%v): it walked from the first entry", r.FullAt, f.clock.Now())
	}
	firstWalk := r.FullAt

	// A new entry is checked; the whole walk's time stays.
	f.clock.Advance(time.Hour)
	if err := f.SetParams(f.admin, map[string]string{ParamSessionIdle: "50"}); err != nil {
		t.Fatal(err)
	}
	r, err = f.AuditChain(f.admin)
	wantChain(t, "after a new entry", r, err, true, n+1, 0, "")
	if !r.FullAt.Equal(firstWalk) {
		t.Errorf("FullAt = %v, want the first walk's %v", r.FullAt, firstWalk)
	}

	// An older entry edited: not walked again by a page.
	editAuditDetail(t, f, 3, "session.idle_minutes: 30 → 480")
	r, err = f.AuditChain(f.admin)
	wantChain(t, "page check after an old entry is edited", r, err, true, n+1, 0, "")

	// The next whole walk finds it; pages show it from then on.
	r, err = f.VerifyAudit(f.admin)
	wantChain(t, "whole walk", r, err, false, 0, 3, "audit.hash_mismatch")
	if !r.FullAt.Equal(firstWalk) {
		t.Errorf("a walk that found a break moved FullAt to %v", r.FullAt)
	}
	st, err := f.Status(f.admin)
	wantChain(t, "status after the walk", st.Audit, err, false, 0, 3, "audit.hash_mismatch")
	r, err = f.AuditChain(f.admin)
	wantChain(t, "page after the walk", r, err, false, 0, 3, "audit.hash_mismatch")
}

func TestAuditChainPagesSeeRecentTampering(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		tamper   func(t *testing.T, f *fixture, newest uint64)
		brokenAt func(newest uint64) uint64
		problem  string
	}{
		{"newest walked entry edited", func(t *testing.T, f *fixture, newest uint64) {
			editAuditDetail(t, f, newest, "forged")
		}, func(newest uint64) uint64 { return newest }, "audit.hash_mismatch"},
		{"entry after it edited", func(t *testing.T, f *fixture, newest uint64) {
			f.SetParams(f.admin, map[string]string{ParamSessionIdle: "50"})
			editAuditDetail(t, f, newest+1, "forged")
		}, func(newest uint64) uint64 { return newest + 1 }, "audit.hash_mismatch"},
		{"newest entry removed", func(t *testing.T, f *fixture, newest uint64) {
			f.SetParams(f.admin, map[string]string{ParamSessionIdle: "50"})
			f.SetParams(f.admin, map[string]string{ParamSessionIdle: "55"})
			tamper(t, f, func(tx *storage.Tx) error { return tx.Delete(auditTable.Name(), storage.U64(newest+2)) })
		}, func(newest uint64) uint64 { return newest + 2 }, "audit.tail_removed"},
		{"newest walked entry removed", func(t *testing.T, f *fixture, newest uint64) {
			tamper(t, f, func(tx *storage.Tx) error { return tx.Delete(auditTable.Name(), storage.U64(newest)) })
		}, func(newest uint64) uint64 { return newest }, "audit.gap"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			n := auditScenario(t, f)
			r, err := f.AuditChain(f.admin)
			wantChain(t, "before", r, err, true, n, 0, "")
			tt.tamper(t, f, uint64(n))
			st, err := f.Status(f.admin)
			wantChain(t, "status", st.Audit, err, false, 0, tt.brokenAt(uint64(n)), tt.problem)
		})
	}
}

// A walk spans several read transactions of auditWalkChunk entries: a
// break in a later one is found, and a whole chain is counted in full.
func TestAuditChainWalkSpansTransactions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	total := 2*auditWalkChunk + 7
	err := f.db.Update(func(tx *storage.Tx) error {
		for i := 1; i < total; i++ { // the root account's entry is the first
			if err := f.audit(tx, f.admin, "param.set", "", 0, "bulk"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A page does not wait for the first walk of a chain this long.
	r, err := f.AuditChain(f.admin)
	if err != nil || !r.OK || !r.Walking || !r.FullAt.IsZero() {
		t.Fatalf("first page check = %+v, %v; want a walk under way", r, err)
	}
	for deadline := time.Now().Add(30 * time.Second); r.Walking; r, err = f.AuditChain(f.admin) {
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("the first walk has not ended: %+v, %v", r, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantChain(t, "page check after the first walk", r, err, true, total, 0, "")
	if r.FullAt.IsZero() {
		t.Errorf("FullAt not set by the first walk: %+v", r)
	}
	r, err = f.VerifyAudit(f.admin)
	wantChain(t, "whole walk", r, err, true, total, 0, "")
	late := uint64(auditWalkChunk + auditWalkChunk/2)
	editAuditDetail(t, f, late, "forged")
	r, err = f.VerifyAudit(f.admin)
	wantChain(t, "whole walk after an edit in the second transaction", r, err, false, 0, late, "audit.hash_mismatch")
	if r.Entries != int(late) {
		t.Errorf("entries read = %d, want %d (up to the break)", r.Entries, late)
	}
}

// The audit page's button walks the whole chain in the background.
func TestStartAuditWalkFindsOldEdits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	n := auditScenario(t, f)
	if r, err := f.AuditChain(f.admin); err != nil || !r.OK {
		t.Fatalf("first check = %+v, %v", r, err)
	}
	editAuditDetail(t, f, 2, "forged")
	if err := f.StartAuditWalk(f.admin); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := f.AuditChain(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK {
			wantChain(t, "after the background walk", r, err, false, n, 2, "audit.hash_mismatch")
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the background walk has not found the edit: %+v", r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkAuditChain: a page's check with nothing new (what the status and
// audit pages cost whatever the chain's length), a page of the log whose
// filter matches nothing, and a whole walk, per entry, over
// ANJU_BENCH_AUDIT entries (default 200,000).
//
//	ANJU_BENCH_AUDIT=1000000 go test -run '^$' -bench AuditChain -benchtime 5x ./app/
func BenchmarkAuditChain(b *testing.B) {
	total := 200_000
	if v, err := strconv.Atoi(os.Getenv("ANJU_BENCH_AUDIT")); err == nil && v > 0 {
		total = v
	}
	f := newFixture(b)
	for done := 1; done < total; {
		err := f.db.Update(func(tx *storage.Tx) error {
			for i := 0; i < 20_000 && done < total; i++ {
				done++
				if err := f.audit(tx, f.admin, "verification.create", "verification", uint64(done), "ABCD2345EFGH 110105-2024-0012345"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if r, err := f.VerifyAudit(f.admin); err != nil || !r.OK || r.Entries != total {
		b.Fatalf("walk = %+v, %v", r, err)
	}
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if r, err := f.AuditChain(f.admin); err != nil || !r.OK {
				b.Fatal(r, err)
			}
		}
	})
	b.Run("status", func(b *testing.B) {
		for b.Loop() {
			if st, err := f.Status(f.admin); err != nil || !st.Audit.OK {
				b.Fatal(st.Audit, err)
			}
		}
	})
	// The audit log filtered on a user who has no entry: one page reads
	// auditScanMax entries and stops.
	b.Run("log-no-match", func(b *testing.B) {
		for b.Loop() {
			if p, err := f.AuditLogPage(f.admin, AuditFilter{Username: "nobody"}); err != nil || p.SearchedTo.IsZero() {
				b.Fatal(p.Next, err)
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			if r, err := f.VerifyAudit(f.admin); err != nil || !r.OK {
				b.Fatal(r, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(total), "ns/entry")
	})
}
