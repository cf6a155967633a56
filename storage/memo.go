package storage

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// Memo keeps, for records of a table, a value derived from each, with the
// SHA-256 of the stored bytes it was derived from. Get reads the record's
// bytes in the caller's transaction, as Table.Get does, and gives the kept
// value while those bytes are the same; any write of the record changes
// them, so the value is never older than the transaction that asks, and
// nothing has to be told of a write. What it saves is decoding the record
// and deriving the value: for a page read many times a second (the public
// check of a verification code), decoding its JSON was a fifth of the work.
//
// The derived value is shared by every caller: it must not be changed.
type Memo[T, D any] struct {
	table  *Table[T]
	derive func(*T) D
	max    int

	mu sync.RWMutex
	m  map[uint64]memoEntry[D]
}

type memoEntry[D any] struct {
	sum [sha256.Size]byte
	v   D
}

// NewMemo keeps derive's values for up to max records of t.
func NewMemo[T, D any](t *Table[T], max int, derive func(*T) D) *Memo[T, D] {
	return &Memo[T, D]{table: t, derive: derive, max: max, m: make(map[uint64]memoEntry[D])}
}

// Get returns derive of the record with that ID as tx sees it; ErrNotFound
// when absent.
func (m *Memo[T, D]) Get(tx *Tx, id uint64) (D, error) {
	var zero D
	b := tx.bucket(m.table.opt.Name)
	var raw []byte
	if b != nil {
		raw = b.Get(U64(id))
	}
	if raw == nil {
		return zero, fmt.Errorf("%s %d: %w", m.table.opt.Name, id, ErrNotFound)
	}
	sum := sha256.Sum256(raw)
	m.mu.RLock()
	e, ok := m.m[id]
	m.mu.RUnlock()
	if ok && e.sum == sum {
		return e.v, nil
	}
	rec, err := m.table.decode(raw, id)
	if err != nil {
		return zero, err
	}
	v := m.derive(rec)
	m.mu.Lock()
	if len(m.m) >= m.max {
		m.evict()
	}
	m.m[id] = memoEntry[D]{sum: sum, v: v}
	m.mu.Unlock()
	return v, nil
}

// evict drops about an eighth of the kept values, whichever the map's
// order gives first: the memo is for records read often, which come back
// at once; keeping their age would cost every read a write.
func (m *Memo[T, D]) evict() {
	n := max(1, m.max/8)
	for id := range m.m {
		delete(m.m, id)
		if n--; n == 0 {
			return
		}
	}
}

// Len is how many values are kept.
func (m *Memo[T, D]) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m)
}
