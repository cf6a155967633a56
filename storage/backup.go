package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole data file to w while the
// store stays in use, and returns the number of bytes written. The copy is
// the snapshot of one read transaction: every transaction committed before
// Backup started is in it. Writers are not blocked, except one that needs to
// grow the file's memory map, which waits for the copy to finish.
func (db *DB) Backup(w io.Writer) (int64, error) {
	return db.BackupTo(func(int64) io.Writer { return w })
}

// BackupTo is Backup with the copy's exact length told to open before its
// first byte is written: an HTTP download declares it as Content-Length,
// so that a copy that breaks off half way is a failed download in the
// browser, never a shorter file that looks complete.
func (db *DB) BackupTo(open func(size int64) io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		size := tx.Size()
		var err error
		n, err = tx.WriteTo(open(size))
		if err == nil && n != size {
			err = fmt.Errorf("copied %d bytes of %d", n, size)
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", db.path, mapErr(err))
	}
	return n, nil
}

// checkLockTimeout is how long CheckFile waits for the file lock.
const checkLockTimeout = 500 * time.Millisecond

// CheckFile checks a data file that no process is writing (a backup, a file
// about to be restored): it opens it read-only, runs bbolt's consistency
// check over every page and returns the file's schema version. It fails when
// the file is not a bbolt file, is truncated or is inconsistent, and with
// ErrLocked when a running program holds it.
func CheckFile(path string) (schemaVersion int, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("check data file: %w", err)
	}
	if st.Size() == 0 {
		return 0, fmt.Errorf("data file %s is empty", path)
	}
	db, err := Open(path, Options{ReadOnly: true, LockTimeout: checkLockTimeout})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		var (
			first []error
			count int
		)
		// Drain the channel: the check runs in a goroutine until it closes.
		for e := range tx.Check() {
			if count < 5 {
				first = append(first, e)
			}
			count++
		}
		if count > 0 {
			return fmt.Errorf("data file %s is damaged (%d problems): %w", path, count, errors.Join(first...))
		}
		schemaVersion, err = (&Tx{btx: tx}).schemaVersion()
		return err
	})
	if err != nil {
		return 0, err
	}
	return schemaVersion, nil
}

// CopyFile copies the file src to dst (created with mode 0600, replaced if it
// exists) and syncs it to disk. It is a plain copy: src must not be open for
// writing (use Backup for a live store).
func CopyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy to %s: %w", dst, cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// syncDir makes a new directory entry durable where the OS supports it
// (opening a directory to sync it fails on Windows; that is ignored).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
