package storage_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"anju/storage"
)

// BenchmarkBackupLarge measures DB.Backup (bbolt Tx.WriteTo) of a large
// store, to io.Discard (the copy alone, file in the page cache) and to a
// file (no fsync). The store is ANJU_BENCH_DB when set (an existing data
// file, opened read-only; e.g. one made by `go run ./tools/anjuload fill`),
// otherwise one of ANJU_BENCH_MB (default 256) MiB of 256 KiB attachments
// built in a temp dir. See docs/benchmarks.md.
//
//	go test -run '^$' -bench BackupLarge -benchtime 3x ./storage/
func BenchmarkBackupLarge(b *testing.B) {
	path := os.Getenv("ANJU_BENCH_DB")
	readOnly := path != ""
	if path == "" {
		mb := 256
		if s := os.Getenv("ANJU_BENCH_MB"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				b.Fatalf("ANJU_BENCH_MB: %v", err)
			}
			mb = n
		}
		path = filepath.Join(b.TempDir(), "anju.db")
		fillStore(b, path, int64(mb)<<20)
	}
	db, err := storage.Open(path, storage.Options{ReadOnly: readOnly})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	size, _ := db.Size()
	b.Logf("store %s: %d bytes", path, size)

	b.Run("discard", func(b *testing.B) {
		for b.Loop() {
			n, err := db.Backup(io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
		}
	})
	b.Run("file", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "backup.db")
		for b.Loop() {
			f, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			n, err := db.Backup(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
		}
	})
}

// fillStore writes 256 KiB attachments of random bytes until the file
// reaches size.
func fillStore(b *testing.B, path string, size int64) {
	b.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 256<<10)
	for i := 0; ; i++ {
		cur, err := db.Size()
		if err != nil {
			b.Fatal(err)
		}
		if cur >= size {
			return
		}
		err = db.Update(func(tx *storage.Tx) error {
			for j := range 32 {
				for k := range buf {
					buf[k] = byte(rng.Uint32())
				}
				if _, err := tx.PutBlob(fmt.Sprintf("f%d-%d", i, j), "application/octet-stream", buf, int64(len(buf))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
