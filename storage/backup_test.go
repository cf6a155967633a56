package storage_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"anju/storage"
)

// note of record id: deterministic, so a backup's records can be checked.
func noteOf(id uint64) string { return fmt.Sprintf("%d:%s", id, strings.Repeat("房", 300)) }

func TestBackupWhileWriting(t *testing.T) {
	db := mustOpen(t)
	if _, err := db.Migrate([]storage.Migration{{Name: "one", Up: func(*storage.Tx) error { return nil }}}); err != nil {
		t.Fatal(err)
	}
	insert := func(tx *storage.Tx) (uint64, error) {
		p := &person{}
		id, err := people.Insert(tx, p)
		if err != nil {
			return 0, err
		}
		p.Email = fmt.Sprintf("p%d@x", id)
		p.Note = noteOf(id)
		return id, people.Put(tx, p)
	}
	update(t, db, func(tx *storage.Tx) error {
		for range 3000 {
			if _, err := insert(tx); err != nil {
				return err
			}
		}
		return nil
	})

	// A writer keeps committing small transactions during the backup.
	var lastCommitted atomic.Uint64
	lastCommitted.Store(3000)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			var id uint64
			if err := db.Update(func(tx *storage.Tx) (err error) {
				id, err = insert(tx)
				return err
			}); err != nil {
				done <- err
				return
			}
			lastCommitted.Store(id)
		}
	}()
	waitFor := func(target uint64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for lastCommitted.Load() < target {
			select {
			case err := <-done:
				t.Fatalf("writer stopped: %v", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("writer stuck at %d", lastCommitted.Load())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(3010) // the writer is going
	before := lastCommitted.Load()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.Backup(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	after := lastCommitted.Load()
	waitFor(after + 10) // and goes on after the backup
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Size() != n {
		t.Errorf("Backup returned %d bytes, file has %d", n, st.Size())
	}
	t.Logf("backup of %d bytes; %d records before, %d after it", n, before, after)

	v, err := storage.CheckFile(path)
	if err != nil || v != 1 {
		t.Fatalf("CheckFile(backup) = %d, %v", v, err)
	}

	bdb, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	view(t, bdb, func(tx *storage.Tx) error {
		// A consistent snapshot: records 1..last without gaps.
		last, err := people.Last(tx)
		if err != nil {
			return err
		}
		if n := people.Count(tx); uint64(n) != last.ID {
			t.Errorf("backup has %d records, last ID %d: not one snapshot", n, last.ID)
		}
		if last.ID < before {
			t.Errorf("backup ends at %d, but %d were committed before it started", last.ID, before)
		}
		for id := uint64(1); id <= before; id++ {
			p, err := people.Get(tx, id)
			if err != nil {
				t.Fatalf("record %d committed before the backup: %v", id, err)
			}
			if p.Note != noteOf(id) || p.Email != fmt.Sprintf("p%d@x", id) {
				t.Fatalf("record %d differs: %+v", id, p.Email)
			}
		}
		problems, err := people.VerifyIndexes(tx)
		if len(problems) != 0 {
			t.Errorf("backup indexes: %v", problems)
		}
		return err
	})

	// A truncated copy fails the check (and Open), without crashing.
	truncated := filepath.Join(t.TempDir(), "truncated.db")
	if err := storage.CopyFile(path, truncated); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(truncated); !bytes.Equal(got, mustRead(t, path)) {
		t.Fatal("CopyFile copy differs")
	}
	if err := os.Truncate(truncated, n/2); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.CheckFile(truncated); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("CheckFile(truncated) = %v, want a truncation error", err)
	}
	if db, err := storage.Open(truncated, storage.Options{}); err == nil {
		db.Close()
		t.Error("Open of a truncated file succeeded")
	}
}

func TestCheckFileDamaged(t *testing.T) {
	db := mustOpen(t)
	insertPeople(t, db, &person{Email: "a"}, &person{Email: "b"})
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"header only", buf.Bytes()[:8192]},
		{"garbage", bytes.Repeat([]byte{0x5a}, buf.Len())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := storage.CheckFile(path); err == nil {
				t.Error("CheckFile passed")
			}
		})
	}
	if _, err := storage.CheckFile(filepath.Join(dir, "absent")); err == nil {
		t.Error("CheckFile of a missing file passed")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkBackup copies a ~50MB store. Run with
//
//	go test -run '^$' -bench Backup -benchtime 20x ./storage/
func BenchmarkBackup(b *testing.B) {
	db := mustOpen(b)
	payload := strings.Repeat("x", 4000)
	const perTx = 1000
	for batch := range 13 {
		err := db.Update(func(tx *storage.Tx) error {
			for i := range perTx {
				p := &person{Email: fmt.Sprintf("%d-%d", batch, i), Note: payload}
				if _, err := people.Insert(tx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	var size int64
	size, err := db.Backup(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("store of %.1f MB", float64(size)/1e6)

	b.Run("discard", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := db.Backup(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("file", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "backup.db")
		b.SetBytes(size)
		for b.Loop() {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Backup(f); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCheckFileCorruptPages damages one page at a time of a valid file: the
// check must report it (or at least not crash the process).
func TestCheckFileCorruptPages(t *testing.T) {
	db := mustOpen(t)
	var ps []*person
	for i := range 300 {
		ps = append(ps, &person{Email: fmt.Sprint(i), Note: noteOf(uint64(i))})
	}
	insertPeople(t, db, ps...)
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	pages := buf.Len() / pageSize
	dir := t.TempDir()
	detected := 0
	for pg := 2; pg < pages; pg++ {
		data := bytes.Clone(buf.Bytes())
		for i := pg * pageSize; i < (pg+1)*pageSize; i++ {
			data[i] = byte(i*7 + 13)
		}
		path := filepath.Join(dir, fmt.Sprintf("p%d.db", pg))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.CheckFile(path); err != nil {
			detected++
		}
	}
	t.Logf("%d of %d damaged pages detected", detected, pages-2)
	if detected == 0 {
		t.Error("no damaged page detected")
	}
}
