// Package storage owns the bbolt data file: opening and locking it, raw
// buckets with ordered cursors and sequences, typed tables with secondary
// indexes kept in the same transaction, the schema version and migrations,
// size-limited attachments (blobs), the outbox of "index this" notes, and hot
// backups to one file.
//
// It knows nothing of housing: no record type, rule or workflow lives here.
// It must never import anju/app, anju/ui or anju/search (the arrows point
// main → ui → app → storage).
//
// The exported API has the shape of an ordered, transactional key-value store
// (named buckets, get/put/delete, ordered scans, sequences) so that another
// backend can replace bbolt later; no bbolt type appears in it.
//
// Reserved bucket names: "meta", "outbox", "blobs" and "blobs/data" are used
// by this package; table index buckets are named "<table>/idx/<index>".
package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Internal bucket names.
const (
	metaBucket     = "meta"
	outboxBucket   = "outbox"
	blobBucket     = "blobs"
	blobDataBucket = "blobs/data"
)

// defaultLockTimeout is how long Open waits for the file lock by default.
const defaultLockTimeout = time.Second

// batchDelay is how long Batch holds the first caller of a group back for
// others to share its commit (groupcommit.go; bbolt's own Batch waits 10ms).
// Every caller still waits for its own commit and fsync. Measured with
// listing verifications through the API at 2,000/s on a 2-core machine
// (docs/benchmarks.md 4.2, 4.14): 10ms made the median 14ms; 2ms halved it
// but made the groups small, and each commit rewrites the tables' last
// pages whatever the group's size; 3ms with groups that stay open during
// the commit before them gave less CPU per verification and a lower p99.
const batchDelay = 3 * time.Millisecond

// Options for Open.
type Options struct {
	// LockTimeout is how long Open waits for another process to release
	// the data file before failing with ErrLocked. Zero means 1s.
	LockTimeout time.Duration
	// ReadOnly opens the file with a shared lock; every write fails with
	// ErrReadOnly. The file must exist.
	ReadOnly bool
}

// DB is an open data file.
type DB struct {
	bolt     *bolt.DB
	path     string
	readOnly bool
	group    *groupCommit // Batch's shared transactions
}

// Open opens (creating when writable) the data file at path. The parent
// directory is created with mode 0700 and the file with 0600. A file held by
// another process gives an error that Is ErrLocked after opt.LockTimeout.
func Open(path string, opt Options) (*DB, error) {
	if opt.LockTimeout <= 0 {
		opt.LockTimeout = defaultLockTimeout
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	if err := precheck(path); err != nil {
		return nil, err
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opt.LockTimeout,
		ReadOnly:     opt.ReadOnly,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return nil, openErr(path, err)
	}
	db := &DB{bolt: bdb, path: path, readOnly: opt.ReadOnly,
		group: &groupCommit{bolt: bdb, delay: batchDelay}}
	if !opt.ReadOnly {
		err := bdb.Update(func(tx *bolt.Tx) error {
			for _, name := range []string{metaBucket, outboxBucket, blobBucket, blobDataBucket} {
				if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
					return fmt.Errorf("create bucket %s: %w", name, mapErr(err))
				}
			}
			return nil
		})
		if err != nil {
			_ = bdb.Close()
			return nil, fmt.Errorf("open data file %s: %w", path, err)
		}
	}
	return db, nil
}

// openErr maps an error from bolt.Open to a clear one.
func openErr(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return &lockedError{path: path}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum):
		return fmt.Errorf("data file %s is not an anju data file (not a bbolt database, or both header pages are damaged)", path)
	case errors.Is(err, berrors.ErrVersionMismatch):
		return fmt.Errorf("data file %s was written by an incompatible bbolt version", path)
	}
	return fmt.Errorf("open data file %s: %w", path, mapErr(err))
}

// Close releases the file. It waits for open transactions to finish.
func (db *DB) Close() error {
	return mapErr(db.bolt.Close())
}

// Path is the data file's path as given to Open.
func (db *DB) Path() string { return db.path }

// Size is the data file's size in bytes.
func (db *DB) Size() (int64, error) {
	st, err := os.Stat(db.path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// View runs fn in a read-only transaction, a consistent snapshot. Writes in
// it fail with ErrReadOnly.
func (db *DB) View(fn func(*Tx) error) error {
	var fnErr error
	err := db.bolt.View(func(btx *bolt.Tx) error {
		fnErr = fn(&Tx{btx: btx})
		return fnErr
	})
	return txErr(err, fnErr)
}

// Update runs fn in a read-write transaction, committed when fn returns nil
// and rolled back when it returns an error (which Update returns unchanged).
func (db *DB) Update(fn func(*Tx) error) error {
	var fnErr error
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		fnErr = fn(&Tx{btx: btx})
		return fnErr
	})
	return txErr(err, fnErr)
}

// Batch is like Update but may group the functions of concurrent callers into
// one transaction, for throughput (one fsync for many writers).
//
// fn may run twice (or more): when another function in the same batch fails,
// the whole transaction is rolled back and fn is run again on its own. Keep it
// idempotent: no side effects outside the transaction other than through
// Tx.OnCommit, and do not rely on state left by an earlier run.
func (db *DB) Batch(fn func(*Tx) error) error {
	var fnErr error
	err := db.group.do(func(btx *bolt.Tx) error {
		fnErr = fn(&Tx{btx: btx})
		return fnErr
	})
	return txErr(err, fnErr)
}

// txErr returns fn's own error unchanged and maps bbolt's (begin, commit).
func txErr(err, fnErr error) error {
	if err != nil && err == fnErr {
		return err
	}
	return mapErr(err)
}

// precheck reads the bbolt header pages of an existing file without locking
// it and refuses a file that is shorter than its header says: bbolt maps the
// file into memory, and touching a page past the end of a truncated file
// kills the process (SIGBUS) instead of returning an error. Files that are
// absent, empty or have no valid header are left for bolt.Open to judge.
func precheck(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("open data file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open data file %s: %w", path, err)
	}
	if st.Size() == 0 {
		return nil
	}
	m, ok := readHeader(f, st.Size())
	if !ok {
		return nil
	}
	if need := int64(m.pgid) * int64(m.pageSize); st.Size() < need {
		return fmt.Errorf("data file %s is truncated: %d bytes, its header says %d", path, st.Size(), need)
	}
	return nil
}

// boltMeta is the part of a bbolt meta page that precheck needs.
type boltMeta struct {
	pageSize uint32
	pgid     uint64 // high-water mark: pages in use
	txid     uint64
}

// bbolt file format (go.etcd.io/bbolt/internal/common): a 16-byte page header,
// then the meta: magic u32, version u32, pageSize u32, flags u32, root
// bucket {pgid u64, sequence u64}, freelist u64, pgid u64, txid u64, checksum
// u64 (FNV-64a of the 56 bytes before it), in the machine's byte order.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltMetaSize   = 64
)

func parseMeta(b []byte) (boltMeta, bool) {
	if len(b) < boltPageHeader+boltMetaSize {
		return boltMeta{}, false
	}
	m := b[boltPageHeader : boltPageHeader+boltMetaSize]
	ne := binary.NativeEndian
	if ne.Uint32(m[0:]) != boltMagic || ne.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != ne.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: ne.Uint32(m[8:]), pgid: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:])}, true
}

// readHeader returns the meta page bbolt would use: the valid one with the
// higher transaction ID. Like bbolt, it finds the second meta page from the
// first one's page size, or by trying page sizes from 1KiB to 16MiB.
func readHeader(r io.ReaderAt, size int64) (boltMeta, bool) {
	read := func(off int64) (boltMeta, bool) {
		buf := make([]byte, boltPageHeader+boltMetaSize)
		if _, err := r.ReadAt(buf, off); err != nil {
			return boltMeta{}, false
		}
		return parseMeta(buf)
	}
	var metas []boltMeta
	m0, ok0 := read(0)
	if ok0 {
		metas = append(metas, m0)
		if m1, ok := read(int64(m0.pageSize)); ok {
			metas = append(metas, m1)
		}
	} else {
		for i := 0; i <= 14; i++ {
			off := int64(1024) << i
			if off >= size-1024 {
				break
			}
			if m1, ok := read(off); ok {
				metas = append(metas, m1)
				break
			}
		}
	}
	if len(metas) == 0 {
		return boltMeta{}, false
	}
	best := metas[0]
	for _, m := range metas[1:] {
		if m.txid > best.txid {
			best = m
		}
	}
	return best, true
}
