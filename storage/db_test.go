package storage_test

import (
	"bytes"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/storage"
)

func TestOpenCreatesDirAndFile(t *testing.T) {
	path := tempPath(t)
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&^want != 0 {
			t.Errorf("%s mode %v, want at most %v", p, st.Mode().Perm(), want)
		}
	}
	size, err := db.Size()
	if err != nil || size <= 0 {
		t.Errorf("Size() = %d, %v", size, err)
	}
}

func TestOpenTwiceIsLocked(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		max     time.Duration
	}{
		{"default timeout", 0, 3 * time.Second},
		{"short timeout", 100 * time.Millisecond, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t)
			db, err := storage.Open(path, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			start := time.Now()
			db2, err := storage.Open(path, storage.Options{LockTimeout: tc.timeout})
			if err == nil {
				db2.Close()
				t.Fatal("second Open succeeded")
			}
			if d := time.Since(start); d > tc.max {
				t.Errorf("second Open took %v, want under %v", d, tc.max)
			}
			mustErrIs(t, err, storage.ErrLocked)
			if !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), path) {
				t.Errorf("message %q should say the file %s is in use", err, path)
			}
		})
	}
}

func TestOpenNotABboltFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"text", bytes.Repeat([]byte("this is not a database\n"), 1000)},
		{"short", []byte("hello")},
		{"zeros", make([]byte, 64<<10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "junk.db")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := storage.Open(path, storage.Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open of a non-bbolt file succeeded")
			}
			if !strings.Contains(err.Error(), "not an anju data file") {
				t.Errorf("unclear error: %v", err)
			}
			if _, err := storage.CheckFile(path); err == nil {
				t.Error("CheckFile of a non-bbolt file passed")
			}
			got, _ := os.ReadFile(path)
			if !bytes.Equal(got, tc.data) {
				t.Error("Open changed the file")
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	path := tempPath(t)
	if _, err := storage.Open(path, storage.Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only Open of a missing file succeeded")
	}
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *storage.Tx) error { return tx.Put("b", []byte("k"), []byte("v")) })
	db.Close()

	ro, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	view(t, ro, func(tx *storage.Tx) error {
		if got := tx.Get("b", []byte("k")); string(got) != "v" {
			t.Errorf("Get = %q", got)
		}
		return nil
	})
	mustErrIs(t, ro.Update(func(tx *storage.Tx) error { return nil }), storage.ErrReadOnly)
	_, err = ro.Migrate([]storage.Migration{{Name: "x", Up: func(*storage.Tx) error { return nil }}})
	mustErrIs(t, err, storage.ErrReadOnly)
}

func TestRawKV(t *testing.T) {
	db := mustOpen(t)
	var kept []byte
	update(t, db, func(tx *storage.Tx) error {
		if !tx.Writable() {
			t.Error("Update tx not writable")
		}
		if err := tx.Put("b", []byte("k1"), []byte("v1")); err != nil {
			return err
		}
		if err := tx.Put("b", []byte("k2"), []byte("v2")); err != nil {
			return err
		}
		if err := tx.Put("b", []byte("empty"), []byte{}); err != nil {
			return err
		}
		if n := tx.Count("b"); n != 3 {
			t.Errorf("Count in the writing tx = %d, want 3", n)
		}
		kept = tx.Get("b", []byte("k1"))
		return nil
	})
	kept[0] = 'X' // a copy: must not touch the store
	view(t, db, func(tx *storage.Tx) error {
		if tx.Writable() {
			t.Error("View tx writable")
		}
		if got := tx.Get("b", []byte("k1")); string(got) != "v1" {
			t.Errorf("Get k1 = %q", got)
		}
		if got := tx.Get("b", []byte("empty")); got == nil || len(got) != 0 {
			t.Errorf("Get of an empty value = %#v, want non-nil empty", got)
		}
		if got := tx.Get("b", []byte("absent")); got != nil {
			t.Errorf("Get absent = %q", got)
		}
		if n := tx.Count("b"); n != 3 {
			t.Errorf("Count = %d", n)
		}
		// A missing bucket reads as empty in a View.
		if tx.Get("nope", []byte("k")) != nil || tx.Count("nope") != 0 || tx.Sequence("nope") != 0 {
			t.Error("missing bucket is not empty")
		}
		err := tx.Scan("nope", nil, false, func(k, v []byte) (bool, error) {
			t.Error("Scan of a missing bucket called fn")
			return true, nil
		})
		if err != nil {
			t.Error(err)
		}
		// Writes fail with ErrReadOnly.
		mustErrIs(t, tx.Put("b", []byte("k"), nil), storage.ErrReadOnly)
		mustErrIs(t, tx.Delete("b", []byte("k1")), storage.ErrReadOnly)
		mustErrIs(t, tx.DeleteBucket("b"), storage.ErrReadOnly)
		_, err = tx.NextSequence("b")
		mustErrIs(t, err, storage.ErrReadOnly)
		mustErrIs(t, tx.SetMeta("x", nil), storage.ErrReadOnly)
		_, err = tx.PutBlob("a", "text/plain", []byte("x"), 10)
		mustErrIs(t, err, storage.ErrReadOnly)
		_, err = people.Insert(tx, &person{Email: "a"})
		mustErrIs(t, err, storage.ErrReadOnly)
		return nil
	})
	update(t, db, func(tx *storage.Tx) error {
		for want := uint64(1); want <= 3; want++ {
			got, err := tx.NextSequence("b")
			if err != nil || got != want {
				t.Errorf("NextSequence = %d, %v; want %d", got, err, want)
			}
		}
		if err := tx.Delete("b", []byte("k1")); err != nil {
			return err
		}
		if err := tx.Delete("b", []byte("absent")); err != nil {
			t.Errorf("Delete of an absent key: %v", err)
		}
		return tx.DeleteBucket("absent-bucket")
	})
	view(t, db, func(tx *storage.Tx) error {
		if tx.Sequence("b") != 3 {
			t.Errorf("Sequence = %d", tx.Sequence("b"))
		}
		if tx.Get("b", []byte("k1")) != nil {
			t.Error("deleted key still there")
		}
		return nil
	})
	update(t, db, func(tx *storage.Tx) error { return tx.DeleteBucket("b") })
	view(t, db, func(tx *storage.Tx) error {
		if tx.Count("b") != 0 || tx.Sequence("b") != 0 {
			t.Error("deleted bucket not empty")
		}
		return nil
	})
}

func TestScan(t *testing.T) {
	db := mustOpen(t)
	keys := []string{"a", "ab", "abc", "ac", "a\xff", "b", "\xff", "\xff\xff"} // sorted
	update(t, db, func(tx *storage.Tx) error {
		for _, k := range keys {
			if err := tx.Put("s", []byte(k), []byte("v"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	collect := func(scan func(tx *storage.Tx, fn func(k, v []byte) (bool, error)) error, max int) []string {
		var out []string
		view(t, db, func(tx *storage.Tx) error {
			return scan(tx, func(k, v []byte) (bool, error) {
				if string(v) != "v"+string(k) {
					t.Errorf("value of %q = %q", k, v)
				}
				out = append(out, string(k))
				return max == 0 || len(out) < max, nil
			})
		})
		return out
	}
	for _, tc := range []struct {
		name    string
		prefix  string
		reverse bool
		max     int
		want    []string
	}{
		{"all", "", false, 0, keys},
		{"all reverse", "", true, 0, []string{"\xff\xff", "\xff", "b", "a\xff", "ac", "abc", "ab", "a"}},
		{"prefix a", "a", false, 0, []string{"a", "ab", "abc", "ac", "a\xff"}},
		{"prefix a reverse", "a", true, 0, []string{"a\xff", "ac", "abc", "ab", "a"}},
		{"prefix ab", "ab", false, 0, []string{"ab", "abc"}},
		{"prefix ff reverse", "\xff", true, 0, []string{"\xff\xff", "\xff"}},
		{"prefix none", "z", false, 0, nil},
		{"prefix none reverse", "0", true, 0, nil},
		{"stop after 2", "a", false, 2, []string{"a", "ab"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var prefix []byte
			if tc.prefix != "" {
				prefix = []byte(tc.prefix)
			}
			got := collect(func(tx *storage.Tx, fn func(k, v []byte) (bool, error)) error {
				return tx.Scan("s", prefix, tc.reverse, fn)
			}, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		start   string
		reverse bool
		want    []string
	}{
		{"from ab", "ab", false, []string{"ab", "abc", "ac", "a\xff", "b", "\xff", "\xff\xff"}},
		{"from aa (absent)", "aa", false, []string{"ab", "abc", "ac", "a\xff", "b", "\xff", "\xff\xff"}},
		{"reverse from ab", "ab", true, []string{"ab", "a"}},
		{"reverse from b0 (absent)", "b0", true, []string{"b", "a\xff", "ac", "abc", "ab", "a"}},
		{"reverse from aa (absent)", "aa", true, []string{"a"}},
		{"reverse from past the end", "\xff\xff\xff", true, []string{"\xff\xff", "\xff", "b", "a\xff", "ac", "abc", "ab", "a"}},
		{"nil start reverse", "", true, []string{"\xff\xff", "\xff", "b", "a\xff", "ac", "abc", "ab", "a"}},
		{"reverse from before the start", "0", true, nil},
		{"from past the end", "\xff\xff\xff", false, nil},
		{"nil start", "", false, keys},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var start []byte
			if tc.start != "" {
				start = []byte(tc.start)
			}
			got := collect(func(tx *storage.Tx, fn func(k, v []byte) (bool, error)) error {
				return tx.ScanFrom("s", start, tc.reverse, fn)
			}, 0)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	sentinel := errors.New("stop")
	err := db.View(func(tx *storage.Tx) error {
		return tx.Scan("s", nil, false, func(k, v []byte) (bool, error) { return true, sentinel })
	})
	if err != sentinel {
		t.Errorf("Scan error = %v, want the fn's error unchanged", err)
	}
}

func TestU64(t *testing.T) {
	for _, id := range []uint64{0, 1, 255, 256, 1 << 40, ^uint64(0)} {
		b := storage.U64(id)
		if len(b) != 8 || storage.ParseU64(b) != id {
			t.Errorf("U64(%d) = %x, parsed back %d", id, b, storage.ParseU64(b))
		}
	}
	if bytes.Compare(storage.U64(255), storage.U64(256)) >= 0 {
		t.Error("U64 keys do not sort numerically")
	}
	if storage.ParseU64([]byte{1, 2}) != 0 {
		t.Error("ParseU64 of a short slice")
	}
}

func TestUpdateErrorsAndOnCommit(t *testing.T) {
	db := mustOpen(t)
	var committed []string
	sentinel := errors.New("boom")
	err := db.Update(func(tx *storage.Tx) error {
		tx.OnCommit(func() { committed = append(committed, "rolled back") })
		if err := tx.Put("b", []byte("k"), []byte("v")); err != nil {
			return err
		}
		return sentinel
	})
	if err != sentinel {
		t.Errorf("Update returned %v, want fn's error unchanged", err)
	}
	update(t, db, func(tx *storage.Tx) error {
		if tx.Get("b", []byte("k")) != nil {
			t.Error("rolled back write is visible")
		}
		tx.OnCommit(func() { committed = append(committed, "ok") })
		return tx.Put("b", []byte("k2"), []byte("v"))
	})
	view(t, db, func(tx *storage.Tx) error {
		tx.OnCommit(func() { committed = append(committed, "view") })
		return nil
	})
	if strings.Join(committed, ",") != "ok" {
		t.Errorf("OnCommit ran %q, want only after the successful commit", committed)
	}
}

func TestBatch(t *testing.T) {
	db := mustOpen(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- db.Batch(func(tx *storage.Tx) error {
				if i == 7 {
					return errors.New("fails on its own")
				}
				// Idempotent: the key is fixed by the caller, not by a sequence.
				return tx.Put("batch", []byte(strconv.Itoa(i)), []byte("v"))
			})
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d Batch calls failed, want 1", failed)
	}
	view(t, db, func(tx *storage.Tx) error {
		if got := tx.Count("batch"); got != n-1 {
			t.Errorf("Count = %d, want %d", got, n-1)
		}
		return nil
	})
}

func TestMeta(t *testing.T) {
	db := mustOpen(t)
	update(t, db, func(tx *storage.Tx) error {
		if err := tx.SetMeta("storage.schema_version", []byte("x")); err == nil {
			t.Error("SetMeta of a reserved key succeeded")
		}
		return tx.SetMeta("site.title", []byte("朝阳区"))
	})
	view(t, db, func(tx *storage.Tx) error {
		if got := string(tx.Meta("site.title")); got != "朝阳区" {
			t.Errorf("Meta = %q", got)
		}
		if tx.Meta("absent") != nil {
			t.Error("absent meta not nil")
		}
		return nil
	})
	if v, err := db.SchemaVersion(); v != 0 || err != nil {
		t.Errorf("SchemaVersion = %d, %v", v, err)
	}
}

// TestImports enforces the package's place: it owns bbolt and imports
// nothing of the application.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "anju" || strings.HasPrefix(p, "anju/") {
				t.Errorf("%s imports %s: storage must not import the application", name, p)
			}
		}
	}
}
