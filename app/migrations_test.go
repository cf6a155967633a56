package app

import (
	"context"
	"path/filepath"
	"testing"

	"anju/storage"
)

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, DataFileName)
	newerSchemaFile(t, path)

	a, err := Open(Config{DataDir: dir})
	if err == nil {
		a.Close()
		t.Fatal("Open accepted a data file written by a newer anju")
	}
	wantIs(t, err, ErrSchemaTooNew)
	// The file was closed again: it can be opened at once.
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("data file still held after the refused Open: %v", err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(); v != SchemaVersion()+1 {
		t.Errorf("schema version = %d, want %d", v, SchemaVersion()+1)
	}
}

func TestOpenMigratesNewStoreAndOlderStore(t *testing.T) {
	t.Parallel()
	// A store at version 0 (created before the first migration) is brought
	// up to this binary's schema.
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, DataFileName), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, clock: newFixtureClock()}
	f.reopen()
	if v, err := f.db.SchemaVersion(); err != nil || v != SchemaVersion() || v != len(migrations) {
		t.Errorf("schema version = %d, %v; want %d", v, err, SchemaVersion())
	}
	if got := dictCodes(t, f, DictCertType, true); len(got) != len(defaultCertTypes) {
		t.Errorf("cert types = %v", got)
	}
}

// A stop asked for during the start (the officer's Ctrl+C, the service
// manager) ends OpenContext between two migrations with the store closed
// and left at a schema version it reached whole; the next start migrates on.
func TestOpenContextStoppedBeforeMigrating(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	stop()
	a, err := OpenContext(ctx, Config{DataDir: dir})
	if err == nil {
		a.Close()
		t.Fatal("OpenContext went on after the stop")
	}
	wantIs(t, err, context.Canceled)
	db, err := storage.Open(filepath.Join(dir, DataFileName), storage.Options{})
	if err != nil {
		t.Fatalf("data file still held after the stopped start: %v", err)
	}
	v, _ := db.SchemaVersion()
	db.Close()
	if v != 0 {
		t.Errorf("schema version after a stop before the first migration = %d, want 0", v)
	}
	a, err = Open(Config{DataDir: dir})
	if err != nil {
		t.Fatalf("the next start: %v", err)
	}
	a.Close()
}
