// Package storagetest helps tests of packages that use storage.
package storagetest

import (
	"path/filepath"
	"testing"

	"anju/storage"
)

// MustOpen opens a new data file in a temporary directory; it is closed when
// the test ends.
func MustOpen(tb testing.TB) *storage.DB {
	tb.Helper()
	db, err := storage.Open(filepath.Join(tb.TempDir(), "anju.db"), storage.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return db
}
