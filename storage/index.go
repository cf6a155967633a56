package storage

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Index is a secondary index of a Table, kept in the same transaction as the
// records.
type Index[T any] struct {
	Name   string
	Unique bool
	// Keys returns the record's keys in this index: zero or more; nil and
	// empty keys are skipped, repeated ones count once. Keys are arbitrary
	// bytes (U64 of a foreign ID is fine) and sort bytewise.
	Keys func(*T) [][]byte
}

// IndexProblem is an inconsistency found by VerifyIndexes.
type IndexProblem struct {
	Table, Index string
	ID           uint64
	Key          []byte
	// Kind is "missing" (a record's key has no entry), "dangling" (an
	// entry no record accounts for) or "duplicate" (two records share a
	// key of a unique index).
	Kind string
}

// Index entries live in the bucket "<table>/idx/<index>", one key per
// (index key, record ID) and an empty value:
//
//	escape(key) 0x00 0x01 U64(id)
//
// escape doubles as 0x00 0xff every 0x00 byte of the key, so any bytes may be
// indexed, entries sort by key then by ID, the entries of one exact key are
// exactly those that start with escape(key) 0x00 0x01, and those of keys
// starting with p exactly those that start with escape(p).
func indexBucket(table, index string) string { return table + "/idx/" + index }

const entryTail = 2 + 8 // terminator and ID

// maxEntryLen is bbolt's maximum key size.
const maxEntryLen = 32768

func appendEscaped(dst, key []byte) []byte {
	for _, c := range key {
		if c == 0 {
			dst = append(dst, 0, 0xff)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

func escapedLen(key []byte) int { return len(key) + bytes.Count(key, []byte{0}) }

// exactPrefix is the prefix of every entry of key.
func exactPrefix(key []byte) []byte {
	return append(appendEscaped(make([]byte, 0, escapedLen(key)+entryTail), key), 0, 1)
}

func indexEntry(key []byte, id uint64) []byte {
	return append(exactPrefix(key), U64(id)...)
}

// parseEntry splits an index entry into its key (a new slice) and ID.
func parseEntry(e []byte) (key []byte, id uint64, ok bool) {
	n := len(e) - entryTail
	if n < 0 || e[n] != 0 || e[n+1] != 1 {
		return nil, 0, false
	}
	key = make([]byte, 0, n)
	for i := 0; i < n; i++ {
		if e[i] != 0 {
			key = append(key, e[i])
			continue
		}
		if i+1 >= n || e[i+1] != 0xff {
			return nil, 0, false
		}
		key = append(key, 0)
		i++
	}
	return key, ParseU64(e[n+2:]), true
}

func (t *Table[T]) index(name string) (int, error) {
	for i, ix := range t.opt.Indexes {
		if ix.Name == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%s: %w %q", t.opt.Name, errUnknownIndex, name)
}

// indexKeys returns, per index, the record's keys sorted and without
// repeats. strict: a key too long to store is an error; otherwise skipped.
func (t *Table[T]) indexKeys(v *T, strict bool) ([][][]byte, error) {
	out := make([][][]byte, len(t.opt.Indexes))
	for i, ix := range t.opt.Indexes {
		var keys [][]byte
		for _, k := range ix.Keys(v) {
			if len(k) == 0 {
				continue
			}
			if escapedLen(k)+entryTail > maxEntryLen {
				if strict {
					return nil, fmt.Errorf("%s %d: %s key of %d bytes: %w", t.opt.Name, t.opt.ID(v), ix.Name, len(k), ErrTooLarge)
				}
				continue
			}
			keys = append(keys, k)
		}
		slices.SortFunc(keys, bytes.Compare)
		out[i] = slices.CompactFunc(keys, bytes.Equal)
	}
	return out, nil
}

// holder returns the ID of a record other than self that holds key in index
// i, or 0.
func (t *Table[T]) holder(tx *Tx, i int, key []byte, self uint64) uint64 {
	b := tx.bucket(t.buckets[i])
	if b == nil {
		return 0
	}
	p := exactPrefix(key)
	c := b.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if _, id, ok := parseEntry(k); ok && id != self {
			return id
		}
	}
	return 0
}

// replaceEntries removes id's entries for the keys in old that are not in
// new, and adds those in new that are not in old.
func (t *Table[T]) replaceEntries(tx *Tx, i int, id uint64, old, new [][]byte) error {
	inNew := make(map[string]bool, len(new))
	for _, k := range new {
		inNew[string(k)] = true
	}
	inOld := make(map[string]bool, len(old))
	for _, k := range old {
		inOld[string(k)] = true
		if !inNew[string(k)] {
			if err := tx.Delete(t.buckets[i], indexEntry(k, id)); err != nil {
				return err
			}
		}
	}
	for _, k := range new {
		if !inOld[string(k)] {
			if err := tx.Put(t.buckets[i], indexEntry(k, id), []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Lookup returns the IDs of the records that have exactly key in the index,
// ascending.
func (t *Table[T]) Lookup(tx *Tx, index string, key []byte) ([]uint64, error) {
	i, err := t.index(index)
	if err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%s/%s: empty lookup key", t.opt.Name, index)
	}
	var ids []uint64
	err = tx.Scan(t.buckets[i], exactPrefix(key), false, func(k, _ []byte) (bool, error) {
		if _, id, ok := parseEntry(k); ok {
			ids = append(ids, id)
		}
		return true, nil
	})
	return ids, err
}

// LookupOne returns the record with key in the index (the lowest ID when
// several have it); ErrNotFound when none.
func (t *Table[T]) LookupOne(tx *Tx, index string, key []byte) (*T, error) {
	ids, err := t.Lookup(tx, index, key)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s/%s %q: %w", t.opt.Name, index, key, ErrNotFound)
	}
	return t.Get(tx, ids[0])
}

// LookupEach calls fn with each record that has exactly key in the index,
// by ascending ID, until fn returns an error.
func (t *Table[T]) LookupEach(tx *Tx, index string, key []byte, fn func(*T) error) error {
	ids, err := t.Lookup(tx, index, key)
	if err != nil {
		return err
	}
	for _, id := range ids {
		v, err := t.Get(tx, id)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// LookupEachNewest calls fn with each record that has exactly key in the
// index, by descending ID (newest first, IDs being a sequence), until fn
// returns false or an error.
func (t *Table[T]) LookupEachNewest(tx *Tx, index string, key []byte, fn func(*T) (bool, error)) error {
	ids, err := t.Lookup(tx, index, key)
	if err != nil {
		return err
	}
	for _, id := range slices.Backward(ids) {
		v, err := t.Get(tx, id)
		if err != nil {
			return err
		}
		if more, err := fn(v); err != nil || !more {
			return err
		}
	}
	return nil
}

// LookupPrefix calls fn with each (key, ID) of the index whose key starts
// with prefix (empty: all), in key order then ID order, until fn returns
// false or an error.
func (t *Table[T]) LookupPrefix(tx *Tx, index string, prefix []byte, fn func(key []byte, id uint64) (bool, error)) error {
	i, err := t.index(index)
	if err != nil {
		return err
	}
	return tx.Scan(t.buckets[i], appendEscaped(nil, prefix), false, func(k, _ []byte) (bool, error) {
		key, id, ok := parseEntry(k)
		if !ok {
			return true, nil
		}
		return fn(key, id)
	})
}

// LookupRange calls fn with each (key, ID) of the index whose key k is in
// [from, to) (to nil: no upper bound), in key order then ID order, until fn
// returns false or an error. Escaping keeps the keys' order: an escaped key
// sorts where the key does, and every entry of a key below to sorts below
// escape(to).
func (t *Table[T]) LookupRange(tx *Tx, index string, from, to []byte, fn func(key []byte, id uint64) (bool, error)) error {
	i, err := t.index(index)
	if err != nil {
		return err
	}
	end := appendEscaped(nil, to)
	return tx.ScanFrom(t.buckets[i], appendEscaped(nil, from), false, func(k, _ []byte) (bool, error) {
		if to != nil && bytes.Compare(k, end) >= 0 {
			return false, nil
		}
		key, id, ok := parseEntry(k)
		if !ok {
			return true, nil
		}
		return fn(key, id)
	})
}

// VerifyIndexes compares every index with the records: keys of records with
// no entry ("missing"), entries no record accounts for ("dangling", also
// malformed ones) and keys shared by two records in a unique index
// ("duplicate"). It reads the whole table; nil means all is well.
func (t *Table[T]) VerifyIndexes(tx *Tx) ([]IndexProblem, error) {
	n := len(t.opt.Indexes)
	expected := make([]map[string]uint64, n) // entry → ID
	owners := make([]map[string]uint64, n)   // unique key → first ID
	for i := range n {
		expected[i] = map[string]uint64{}
		owners[i] = map[string]uint64{}
	}
	var problems []IndexProblem
	add := func(i int, kind string, id uint64, key []byte) {
		problems = append(problems, IndexProblem{Table: t.opt.Name, Index: t.opt.Indexes[i].Name, ID: id, Key: bytes.Clone(key), Kind: kind})
	}
	err := t.Each(tx, false, func(v *T) (bool, error) {
		id := t.opt.ID(v)
		keys, _ := t.indexKeys(v, false)
		for i, ix := range t.opt.Indexes {
			for _, k := range keys[i] {
				expected[i][string(indexEntry(k, id))] = id
				if !ix.Unique {
					continue
				}
				if _, ok := owners[i][string(k)]; ok {
					add(i, "duplicate", id, k)
				} else {
					owners[i][string(k)] = id
				}
			}
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for i := range n {
		err := tx.Scan(t.buckets[i], nil, false, func(e, _ []byte) (bool, error) {
			if _, ok := expected[i][string(e)]; ok {
				delete(expected[i], string(e))
				return true, nil
			}
			key, id, ok := parseEntry(e)
			if !ok {
				key = e
			}
			add(i, "dangling", id, key)
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		missing := make([]string, 0, len(expected[i]))
		for e := range expected[i] {
			missing = append(missing, e)
		}
		sort.Strings(missing)
		for _, e := range missing {
			key, id, _ := parseEntry([]byte(e))
			add(i, "missing", id, key)
		}
	}
	return problems, nil
}

// RebuildIndexes drops the table's index buckets (also those of indexes no
// longer declared) and writes them again from the records. A unique index
// violation in the records returns a *DuplicateError; return it from the
// transaction so that nothing changes.
func (t *Table[T]) RebuildIndexes(tx *Tx) error {
	if !tx.Writable() {
		return ErrReadOnly
	}
	prefix := indexBucket(t.opt.Name, "")
	var stale []string
	err := tx.btx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if strings.HasPrefix(string(name), prefix) {
			stale = append(stale, string(name))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range stale {
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
	}
	all := make([]int, len(t.opt.Indexes))
	for i := range all {
		all[i] = i
	}
	return t.fillIndexes(tx, all)
}

// BuildIndex writes one index afresh from the records: for an index added
// to a table that already holds records, without rewriting the others.
func (t *Table[T]) BuildIndex(tx *Tx, name string) error {
	if !tx.Writable() {
		return ErrReadOnly
	}
	i, err := t.index(name)
	if err != nil {
		return err
	}
	if err := tx.DeleteBucket(t.buckets[i]); err != nil {
		return err
	}
	return t.fillIndexes(tx, []int{i})
}

// fillIndexes writes the entries of the indexes which (positions in
// opt.Indexes, whose buckets are empty) for every record.
func (t *Table[T]) fillIndexes(tx *Tx, which []int) error {
	return t.Each(tx, false, func(v *T) (bool, error) {
		id := t.opt.ID(v)
		keys, err := t.indexKeys(v, true)
		if err != nil {
			return false, err
		}
		for _, i := range which {
			ix := t.opt.Indexes[i]
			for _, k := range keys[i] {
				if ix.Unique && t.holder(tx, i, k, id) != 0 {
					return false, &DuplicateError{Table: t.opt.Name, Index: ix.Name, Key: bytes.Clone(k)}
				}
				if err := tx.Put(t.buckets[i], indexEntry(k, id), []byte{}); err != nil {
					return false, err
				}
			}
		}
		return true, nil
	})
}
