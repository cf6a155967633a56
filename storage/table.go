package storage

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// TableOptions describe a Table.
type TableOptions[T any] struct {
	// Name of the records bucket; also the Kind of outbox notes. Must not
	// contain "/" nor be one of this package's buckets (meta, outbox, blobs).
	Name string
	// ID and SetID read and set the record's uint64 ID. Records are stored
	// under U64(ID); IDs come from the bucket's sequence and start at 1.
	ID    func(*T) uint64
	SetID func(*T, uint64)
	// Indexes are kept in the same transaction as the records.
	Indexes []Index[T]
	// Outbox: Insert, Put and Delete append a Note{Kind: Name, ID, Op} in
	// the same transaction.
	Outbox bool
}

// Table stores records of type T as JSON under big-endian uint64 keys, with
// secondary indexes. A Table holds no state besides its options: declare it
// once (a package variable is fine) and use it with any transaction.
type Table[T any] struct {
	opt     TableOptions[T]
	buckets []string // index bucket names, parallel to opt.Indexes
}

// reservedBuckets are this package's own buckets.
var reservedBuckets = map[string]bool{metaBucket: true, outboxBucket: true, blobBucket: true}

// NewTable checks the options and returns the table. Invalid options are a
// programming error and panic, as regexp.MustCompile does.
func NewTable[T any](opt TableOptions[T]) *Table[T] {
	switch {
	case opt.Name == "" || strings.Contains(opt.Name, "/"):
		panic(fmt.Sprintf("storage.NewTable: invalid name %q", opt.Name))
	case reservedBuckets[opt.Name]:
		panic(fmt.Sprintf("storage.NewTable: name %q is reserved", opt.Name))
	case opt.ID == nil || opt.SetID == nil:
		panic(fmt.Sprintf("storage.NewTable %s: ID and SetID are required", opt.Name))
	}
	t := &Table[T]{opt: opt}
	seen := map[string]bool{}
	for _, ix := range opt.Indexes {
		if ix.Name == "" || strings.Contains(ix.Name, "/") || seen[ix.Name] || ix.Keys == nil {
			panic(fmt.Sprintf("storage.NewTable %s: index %q needs a unique name without '/' and a Keys function", opt.Name, ix.Name))
		}
		seen[ix.Name] = true
		t.buckets = append(t.buckets, indexBucket(opt.Name, ix.Name))
	}
	return t
}

// Name is the table's bucket name.
func (t *Table[T]) Name() string { return t.opt.Name }

func (t *Table[T]) decode(raw []byte, id uint64) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("%s %d: decode: %w", t.opt.Name, id, err)
	}
	t.opt.SetID(v, id)
	return v, nil
}

// Insert gives v the next ID of the table's sequence, stores it and returns
// the ID. On error v's ID is left as it was and nothing is written.
func (t *Table[T]) Insert(tx *Tx, v *T) (uint64, error) {
	return t.write(tx, v, true, nil)
}

// Put inserts or replaces the record with v's ID, which must not be 0. The
// old record's index entries are replaced by the new one's. A unique index
// violation returns a *DuplicateError (Is ErrDuplicate) and writes nothing.
// An ID above the table's sequence moves the sequence up to it, so that a
// later Insert cannot reuse it.
func (t *Table[T]) Put(tx *Tx, v *T) error {
	_, err := t.write(tx, v, false, nil)
	return err
}

// Replace is Put for a caller that has just read the stored record (old,
// with v's ID) in this same transaction and not changed it since: its index
// keys are taken from old instead of reading and decoding the record a
// second time (an upsert of a million registry records spends a sixth of
// its time on that decoding). An old with another ID than v is ignored and
// the stored record read, as Put does.
func (t *Table[T]) Replace(tx *Tx, old, v *T) error {
	_, err := t.write(tx, v, false, old)
	return err
}

func (t *Table[T]) write(tx *Tx, v *T, insert bool, known *T) (id uint64, err error) {
	if !tx.Writable() {
		return 0, ErrReadOnly
	}
	if v == nil {
		return 0, fmt.Errorf("%s: nil record", t.opt.Name)
	}
	var oldKeys [][][]byte
	if insert {
		id = tx.Sequence(t.opt.Name) + 1
		if b := tx.bucket(t.opt.Name); id == 0 || (b != nil && b.Get(U64(id)) != nil) {
			return 0, fmt.Errorf("%s: sequence %d is behind the stored records", t.opt.Name, id-1)
		}
		prev := t.opt.ID(v)
		t.opt.SetID(v, id)
		defer func() {
			if err != nil {
				t.opt.SetID(v, prev)
			}
		}()
	} else {
		id = t.opt.ID(v)
		if id == 0 {
			return 0, fmt.Errorf("%s: put with ID 0 (use Insert)", t.opt.Name)
		}
		if known != nil && t.opt.ID(known) == id {
			oldKeys, _ = t.indexKeys(known, false)
		} else if b := tx.bucket(t.opt.Name); b != nil {
			if raw := b.Get(U64(id)); raw != nil {
				old, err := t.decode(raw, id)
				if err != nil {
					return 0, err
				}
				oldKeys, _ = t.indexKeys(old, false)
			}
		}
	}
	newKeys, err := t.indexKeys(v, true)
	if err != nil {
		return 0, err
	}
	// Check every unique index before writing anything.
	for i, ix := range t.opt.Indexes {
		if !ix.Unique {
			continue
		}
		for _, k := range newKeys[i] {
			if other := t.holder(tx, i, k, id); other != 0 {
				return 0, &DuplicateError{Table: t.opt.Name, Index: ix.Name, Key: k}
			}
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("%s %d: encode: %w", t.opt.Name, id, err)
	}

	b, err := tx.appendBucket(t.opt.Name)
	if err != nil {
		return 0, err
	}
	if id > b.Sequence() {
		if err := b.SetSequence(id); err != nil {
			return 0, mapErr(err)
		}
	}
	for i := range t.opt.Indexes {
		var old [][]byte
		if oldKeys != nil {
			old = oldKeys[i]
		}
		if err := t.replaceEntries(tx, i, id, old, newKeys[i]); err != nil {
			return 0, err
		}
	}
	if err := b.Put(U64(id), data); err != nil {
		return 0, fmt.Errorf("%s %d: %w", t.opt.Name, id, mapErr(err))
	}
	if t.opt.Outbox {
		if _, err := tx.AppendNote(t.opt.Name, id, opPut); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// Get returns the record with that ID; ErrNotFound when absent.
func (t *Table[T]) Get(tx *Tx, id uint64) (*T, error) {
	b := tx.bucket(t.opt.Name)
	if b == nil {
		return nil, fmt.Errorf("%s %d: %w", t.opt.Name, id, ErrNotFound)
	}
	raw := b.Get(U64(id))
	if raw == nil {
		return nil, fmt.Errorf("%s %d: %w", t.opt.Name, id, ErrNotFound)
	}
	return t.decode(raw, id)
}

// Delete removes the record and its index entries; ErrNotFound when absent.
func (t *Table[T]) Delete(tx *Tx, id uint64) error {
	if !tx.Writable() {
		return ErrReadOnly
	}
	old, err := t.Get(tx, id)
	if err != nil {
		return err
	}
	oldKeys, _ := t.indexKeys(old, false)
	for i := range t.opt.Indexes {
		if err := t.replaceEntries(tx, i, id, oldKeys[i], nil); err != nil {
			return err
		}
	}
	if err := tx.Delete(t.opt.Name, U64(id)); err != nil {
		return err
	}
	if t.opt.Outbox {
		if _, err := tx.AppendNote(t.opt.Name, id, opDelete); err != nil {
			return err
		}
	}
	return nil
}

// Count is the number of records.
func (t *Table[T]) Count(tx *Tx) int { return tx.Count(t.opt.Name) }

// Each calls fn for every record in ascending ID order (descending when
// reverse) until fn returns false or an error.
func (t *Table[T]) Each(tx *Tx, reverse bool, fn func(*T) (bool, error)) error {
	return tx.Scan(t.opt.Name, nil, reverse, func(k, raw []byte) (bool, error) {
		v, err := t.decode(raw, ParseU64(k))
		if err != nil {
			return false, err
		}
		return fn(v)
	})
}

// Page returns up to limit records (limit <= 0: no limit) that pass filter
// (nil: all), in ID order, starting after the cursor afterID: IDs above it,
// or below it when reverse (0 starts from the first, or the last, record).
// The second result is the cursor for the next page: the ID of the last
// record returned when more matching records follow, else 0.
func (t *Table[T]) Page(tx *Tx, afterID uint64, reverse bool, limit int, filter func(*T) bool) ([]*T, uint64, error) {
	var start []byte
	switch {
	case !reverse && afterID == math.MaxUint64, reverse && afterID == 1:
		return nil, 0, nil
	case !reverse:
		start = U64(afterID + 1)
	case afterID != 0:
		start = U64(afterID - 1)
	}
	var (
		out  []*T
		next uint64
	)
	err := tx.ScanFrom(t.opt.Name, start, reverse, func(k, raw []byte) (bool, error) {
		v, err := t.decode(raw, ParseU64(k))
		if err != nil {
			return false, err
		}
		if filter != nil && !filter(v) {
			return true, nil
		}
		if limit > 0 && len(out) == limit {
			next = t.opt.ID(out[len(out)-1])
			return false, nil
		}
		out = append(out, v)
		return true, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, next, nil
}

// Last returns the record with the highest ID; ErrNotFound when empty.
func (t *Table[T]) Last(tx *Tx) (*T, error) {
	var v *T
	err := tx.ScanFrom(t.opt.Name, nil, true, func(k, raw []byte) (bool, error) {
		var err error
		v, err = t.decode(raw, ParseU64(k))
		return false, err
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%s: %w", t.opt.Name, ErrNotFound)
	}
	return v, nil
}
