package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"anju/storage"
)

func TestMigrate(t *testing.T) {
	db := mustOpen(t)
	var ran []string
	commits := 0
	step := func(name string) storage.Migration {
		return storage.Migration{Name: name, Up: func(tx *storage.Tx) error {
			ran = append(ran, name)
			tx.OnCommit(func() { commits++ })
			return tx.Put("migrated", []byte(name), []byte("yes"))
		}}
	}
	ms := []storage.Migration{step("one"), step("two"), step("three")}

	applied, err := db.Migrate(ms)
	if err != nil || applied != 3 {
		t.Fatalf("Migrate = %d, %v", applied, err)
	}
	if strings.Join(ran, ",") != "one,two,three" || commits != 3 {
		t.Errorf("ran %v with %d commits, want each once in order, each in its own transaction", ran, commits)
	}
	if v, err := db.SchemaVersion(); v != 3 || err != nil {
		t.Errorf("SchemaVersion = %d, %v", v, err)
	}
	view(t, db, func(tx *storage.Tx) error {
		if tx.Count("migrated") != 3 {
			t.Errorf("migrations' writes: %d", tx.Count("migrated"))
		}
		return nil
	})

	// Nothing pending: nothing runs.
	ran = nil
	applied, err = db.Migrate(ms)
	if err != nil || applied != 0 || len(ran) != 0 {
		t.Errorf("second Migrate = %d, %v, ran %v", applied, err, ran)
	}

	// A new migration appended later runs alone.
	applied, err = db.Migrate(append(ms, step("four")))
	if err != nil || applied != 1 || strings.Join(ran, ",") != "four" {
		t.Errorf("Migrate with one new = %d, %v, ran %v", applied, err, ran)
	}

	// A file newer than the program.
	_, err = db.Migrate(ms[:2])
	mustErrIs(t, err, storage.ErrTooNew)
	if !strings.Contains(err.Error(), "4") || !strings.Contains(err.Error(), "2") {
		t.Errorf("ErrTooNew message should give both versions: %v", err)
	}
	if v, _ := db.SchemaVersion(); v != 4 {
		t.Errorf("version after ErrTooNew = %d, want 4 unchanged", v)
	}
}

func TestMigrateFailure(t *testing.T) {
	db := mustOpen(t)
	boom := errors.New("boom")
	fail := true
	ms := []storage.Migration{
		{Name: "first", Up: func(tx *storage.Tx) error { return tx.Put("m", []byte("1"), nil) }},
		{Name: "second", Up: func(tx *storage.Tx) error {
			if err := tx.Put("m", []byte("2"), nil); err != nil {
				return err
			}
			if fail {
				return boom
			}
			return nil
		}},
		{Name: "third", Up: func(tx *storage.Tx) error { return tx.Put("m", []byte("3"), nil) }},
	}
	applied, err := db.Migrate(ms)
	if applied != 1 || !errors.Is(err, boom) || !strings.Contains(err.Error(), "migration 2 (second)") {
		t.Fatalf("Migrate = %d, %v; want 1 applied and migration 2's error", applied, err)
	}
	if v, _ := db.SchemaVersion(); v != 1 {
		t.Errorf("version after the failure = %d, want 1", v)
	}
	view(t, db, func(tx *storage.Tx) error {
		if tx.Get("m", []byte("2")) != nil || tx.Get("m", []byte("3")) != nil {
			t.Error("failed migration's writes (or later ones) are there")
		}
		return nil
	})
	fail = false
	applied, err = db.Migrate(ms)
	if applied != 2 || err != nil {
		t.Errorf("Migrate after the fix = %d, %v", applied, err)
	}
	if v, _ := db.SchemaVersion(); v != 3 {
		t.Errorf("version = %d, want 3", v)
	}
}

func TestMigrateTooNewOnReopen(t *testing.T) {
	path := tempPath(t)
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ms []storage.Migration
	for i := range 5 {
		ms = append(ms, storage.Migration{Name: fmt.Sprint(i), Up: func(*storage.Tx) error { return nil }})
	}
	if _, err := db.Migrate(ms); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// An older program opens the file.
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ms[:3])
	mustErrIs(t, err, storage.ErrTooNew)
	if applied != 0 {
		t.Errorf("applied %d", applied)
	}
	// CheckFile cannot read a file a running program holds.
	_, err = storage.CheckFile(path)
	mustErrIs(t, err, storage.ErrLocked)
}

// A stop during a long start ends the migrations between two of them: the
// one under way commits whole, the next does not start, and the next start
// goes on from the version reached.
func TestMigrateContextStopsBetweenMigrations(t *testing.T) {
	db := mustOpen(t)
	ctx, stop := context.WithCancel(context.Background())
	var ran []string
	ms := []storage.Migration{
		{Name: "one", Up: func(tx *storage.Tx) error { ran = append(ran, "one"); return tx.Put("m", []byte("1"), nil) }},
		{Name: "two", Up: func(tx *storage.Tx) error {
			ran = append(ran, "two")
			stop() // the officer's Ctrl+C, while this one runs
			return tx.Put("m", []byte("2"), nil)
		}},
		{Name: "three", Up: func(tx *storage.Tx) error { ran = append(ran, "three"); return nil }},
	}
	applied, err := db.MigrateContext(ctx, ms)
	if applied != 2 || !errors.Is(err, context.Canceled) {
		t.Fatalf("MigrateContext = %d, %v; want 2, context.Canceled", applied, err)
	}
	if v, _ := db.SchemaVersion(); v != 2 || strings.Join(ran, ",") != "one,two" {
		t.Fatalf("version %d after running %v; want 2 after one,two", v, ran)
	}
	view(t, db, func(tx *storage.Tx) error {
		if tx.Get("m", []byte("2")) == nil {
			t.Error("the migration under way when the stop came was not committed whole")
		}
		return nil
	})
	if applied, err := db.Migrate(ms); applied != 1 || err != nil || strings.Join(ran, ",") != "one,two,three" {
		t.Errorf("next start: Migrate = %d, %v, ran %v; want 1, nil, one,two,three", applied, err, ran)
	}
}
