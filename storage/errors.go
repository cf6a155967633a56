package storage

import (
	"errors"
	"fmt"

	berrors "go.etcd.io/bbolt/errors"
)

// Errors returned by the store. Compare with errors.Is: most of them come
// wrapped with context (a path, a table name, sizes).
var (
	// ErrNotFound: no record, blob or key with that ID.
	ErrNotFound = errors.New("not found")

	// ErrLocked: Open could not lock the data file within Options.LockTimeout
	// because another process (or another Open in this one) holds it.
	ErrLocked = errors.New("data file is in use by another anju process")

	// ErrTooNew: the file's schema version is newer than this program knows.
	ErrTooNew = errors.New("data file is newer than this program")

	// ErrDuplicate: a unique index already holds the key for another record.
	// The error returned is a *DuplicateError.
	ErrDuplicate = errors.New("duplicate key")

	// ErrTooLarge: a blob, key or value over its limit.
	ErrTooLarge = errors.New("too large")

	// ErrReadOnly: a write in a View transaction or on a DB opened read-only.
	ErrReadOnly = errors.New("read-only transaction")
)

// errClosed is returned when the DB (or a transaction) is used after Close.
var errClosed = errors.New("data file is closed")

// errUnknownIndex: a lookup names an index the table does not declare.
var errUnknownIndex = errors.New("unknown index")

// DuplicateError reports a unique index violation. errors.Is(err, ErrDuplicate)
// is true for it.
type DuplicateError struct {
	Table, Index string
	Key          []byte
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s: duplicate %s %q", e.Table, e.Index, e.Key)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// lockedError carries the path for ErrLocked.
type lockedError struct{ path string }

func (e *lockedError) Error() string {
	return fmt.Sprintf("data file %s is in use by another anju process", e.path)
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

// mapErr turns bbolt's error values into this package's, so that callers
// never need to import bbolt. Errors it does not know pass through.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrTxNotWritable), errors.Is(err, berrors.ErrDatabaseReadOnly):
		return ErrReadOnly
	case errors.Is(err, berrors.ErrDatabaseNotOpen), errors.Is(err, berrors.ErrTxClosed):
		return errClosed
	case errors.Is(err, berrors.ErrKeyTooLarge):
		return fmt.Errorf("key: %w", ErrTooLarge)
	case errors.Is(err, berrors.ErrValueTooLarge):
		return fmt.Errorf("value: %w", ErrTooLarge)
	case errors.Is(err, berrors.ErrMaxSizeReached):
		return fmt.Errorf("data file reached its maximum size: %w", ErrTooLarge)
	case errors.Is(err, berrors.ErrKeyRequired):
		return errors.New("key required")
	case errors.Is(err, berrors.ErrBucketNameRequired):
		return errors.New("bucket name required")
	case errors.Is(err, berrors.ErrIncompatibleValue):
		return errors.New("key holds a bucket, not a value")
	}
	return err
}
