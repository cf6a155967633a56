package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Tx is a transaction: a consistent snapshot in View, the single writer in
// Update and Batch. It must not be used after its function returns, nor from
// another goroutine.
//
// Buckets are named by strings. A writable transaction creates a bucket on
// its first write; reading a bucket that does not exist gives nothing (nil,
// zero, no iterations), in any transaction.
type Tx struct {
	btx *bolt.Tx
}

var errNoBucketName = errors.New("bucket name required")

// Writable reports whether the transaction may write.
func (tx *Tx) Writable() bool { return tx.btx.Writable() }

func (tx *Tx) bucket(name string) *bolt.Bucket {
	if name == "" {
		return nil
	}
	return tx.btx.Bucket([]byte(name))
}

// writeBucket returns the bucket, creating it; ErrReadOnly in a View.
func (tx *Tx) writeBucket(name string) (*bolt.Bucket, error) {
	if !tx.btx.Writable() {
		return nil, ErrReadOnly
	}
	if name == "" {
		return nil, errNoBucketName
	}
	b, err := tx.btx.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, mapErr(err))
	}
	return b, nil
}

// appendFill is how full bbolt leaves a page it splits in a bucket whose
// keys only grow: table records (keyed by their sequence ID) and outbox
// notes. bbolt's default, half, suits keys inserted anywhere; for appends
// it leaves every page behind half empty for good, so that such a table
// took twice its size on disk, in the cache and in every backup (a
// 1M-property registry 937 MiB of leaves for 408 MiB of records). The
// tenth left free lets a record updated in place grow a little without
// splitting its page.
const appendFill = 0.9

// appendBucket is writeBucket for a bucket keyed by an increasing
// sequence (see appendFill). bbolt keeps the bucket handle, and so its
// fill, for the rest of the transaction.
func (tx *Tx) appendBucket(name string) (*bolt.Bucket, error) {
	b, err := tx.writeBucket(name)
	if err != nil {
		return nil, err
	}
	b.FillPercent = appendFill
	return b, nil
}

// Get returns a copy of the value stored under key, safe to keep after the
// transaction; nil when absent.
func (tx *Tx) Get(bucket string, key []byte) []byte {
	b := tx.bucket(bucket)
	if b == nil || len(key) == 0 {
		return nil
	}
	return bytes.Clone(b.Get(key))
}

// Put stores value under key, replacing any previous value.
func (tx *Tx) Put(bucket string, key, value []byte) error {
	b, err := tx.writeBucket(bucket)
	if err != nil {
		return err
	}
	if err := b.Put(key, value); err != nil {
		return fmt.Errorf("put %s: %w", bucket, mapErr(err))
	}
	return nil
}

// Delete removes key; deleting an absent key is not an error.
func (tx *Tx) Delete(bucket string, key []byte) error {
	if !tx.btx.Writable() {
		return ErrReadOnly
	}
	b := tx.bucket(bucket)
	if b == nil {
		return nil
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("delete %s: %w", bucket, mapErr(err))
	}
	return nil
}

// NextSequence increments the bucket's sequence and returns the new value
// (1 for the first call). Use U64 of it as a key for insertion order.
func (tx *Tx) NextSequence(bucket string) (uint64, error) {
	b, err := tx.writeBucket(bucket)
	if err != nil {
		return 0, err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("sequence %s: %w", bucket, mapErr(err))
	}
	return seq, nil
}

// Sequence returns the bucket's current sequence (0 when never used).
func (tx *Tx) Sequence(bucket string) uint64 {
	b := tx.bucket(bucket)
	if b == nil {
		return 0
	}
	return b.Sequence()
}

// Count returns the number of keys in the bucket.
func (tx *Tx) Count(bucket string) int {
	b := tx.bucket(bucket)
	if b == nil {
		return 0
	}
	return countKeys(b)
}

func countKeys(b *bolt.Bucket) int {
	if !b.Writable() {
		// Stats walks the committed pages; cheaper than a cursor, but it
		// does not see a writable transaction's uncommitted changes.
		return b.Stats().KeyN
	}
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// Scan calls fn for each key that starts with prefix (nil: every key), in
// ascending key order or descending when reverse, until fn returns false or
// an error (which Scan returns). k and v are valid only during fn; copy them
// to keep them. fn must not write to the same bucket.
func (tx *Tx) Scan(bucket string, prefix []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	b := tx.bucket(bucket)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	var k, v []byte
	switch {
	case !reverse && len(prefix) == 0:
		k, v = c.First()
	case !reverse:
		k, v = c.Seek(prefix)
	default:
		if end := prefixEnd(prefix); end == nil {
			k, v = c.Last()
		} else if k, v = c.Seek(end); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, reverse) {
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// ScanFrom calls fn for each key from start on: keys >= start in ascending
// order, or, when reverse, keys <= start in descending order. A nil start
// means the first (or, reverse, the last) key. It is the primitive for
// paging: pass the key after (before) the last one seen. Same rules for fn as
// Scan.
func (tx *Tx) ScanFrom(bucket string, start []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	b := tx.bucket(bucket)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	var k, v []byte
	switch {
	case len(start) == 0 && !reverse:
		k, v = c.First()
	case len(start) == 0:
		k, v = c.Last()
	case !reverse:
		k, v = c.Seek(start)
	default:
		if k, v = c.Seek(start); k == nil {
			k, v = c.Last()
		} else if !bytes.Equal(k, start) {
			k, v = c.Prev()
		}
	}
	for ; k != nil; k, v = step(c, reverse) {
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// prefixEnd returns the smallest key greater than every key with the prefix,
// or nil when there is none (empty prefix or all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// DeleteBucket removes a bucket and everything in it; no error if absent.
func (tx *Tx) DeleteBucket(name string) error {
	if !tx.btx.Writable() {
		return ErrReadOnly
	}
	if name == "" {
		return errNoBucketName
	}
	err := tx.btx.DeleteBucket([]byte(name))
	if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return fmt.Errorf("delete bucket %s: %w", name, mapErr(err))
	}
	return nil
}

// OnCommit registers fn to run after the transaction commits successfully
// (after the data is on disk). It never runs when the transaction rolls
// back, and never in a View, which does not commit.
func (tx *Tx) OnCommit(fn func()) { tx.btx.OnCommit(fn) }

// U64 encodes id as an 8-byte big-endian key, so keys sort in numeric order.
func U64(id uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id)
}

// ParseU64 decodes a key made by U64; 0 when b is not 8 bytes long.
func ParseU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
