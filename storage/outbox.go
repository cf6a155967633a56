package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Note asks for the search index to be brought up to date for one record. A
// workflow appends notes in the same transaction as its change; the indexer
// reads them after commit (and at start-up), applies them, and trims them.
type Note struct {
	Seq  uint64 `json:"-"`
	Kind string `json:"kind"`
	ID   uint64 `json:"id"`
	Op   string `json:"op"` // "put" or "delete"
}

// Note operations.
const (
	opPut    = "put"
	opDelete = "delete"
)

// AppendNote adds a note to the outbox and returns its sequence number.
func (tx *Tx) AppendNote(kind string, id uint64, op string) (uint64, error) {
	if kind == "" {
		return 0, errors.New("outbox note: kind required")
	}
	if op != opPut && op != opDelete {
		return 0, fmt.Errorf("outbox note: op %q is not put or delete", op)
	}
	data, err := json.Marshal(Note{Kind: kind, ID: id, Op: op})
	if err != nil {
		return 0, err
	}
	// Notes are appended: fill the bucket's pages (appendBucket). bbolt
	// keeps the handle, and its fill, for NextSequence and Put below.
	if _, err := tx.appendBucket(outboxBucket); err != nil {
		return 0, err
	}
	seq, err := tx.NextSequence(outboxBucket)
	if err != nil {
		return 0, err
	}
	if err := tx.Put(outboxBucket, U64(seq), data); err != nil {
		return 0, err
	}
	return seq, nil
}

// Notes returns up to limit notes with Seq > after, ascending by Seq
// (limit <= 0: all of them).
func (db *DB) Notes(after uint64, limit int) ([]Note, error) {
	var out []Note
	if after == math.MaxUint64 {
		return nil, nil
	}
	err := db.View(func(tx *Tx) error {
		return tx.ScanFrom(outboxBucket, U64(after+1), false, func(k, v []byte) (bool, error) {
			var n Note
			if err := json.Unmarshal(v, &n); err != nil {
				return false, fmt.Errorf("outbox note %d: %w", ParseU64(k), err)
			}
			n.Seq = ParseU64(k)
			out = append(out, n)
			return limit <= 0 || len(out) < limit, nil
		})
	})
	return out, err
}

// LastNoteSeq is the sequence of the last note ever appended (0 if none),
// whether or not it has been trimmed.
func (db *DB) LastNoteSeq() (uint64, error) {
	var seq uint64
	err := db.View(func(tx *Tx) error {
		seq = tx.Sequence(outboxBucket)
		return nil
	})
	return seq, err
}

// TrimNotes deletes the notes with Seq <= upTo. It joins the next group
// commit (Batch) rather than commit on its own: the indexer trims after
// every batch it applies, about ten times a second under load, and each
// commit of its own took the writer lock and two fdatasyncs between the
// writes of requests. Deleting up to a sequence can run twice unharmed, as
// Batch requires.
func (db *DB) TrimNotes(upTo uint64) error {
	return db.Batch(func(tx *Tx) error {
		var keys [][]byte
		err := tx.Scan(outboxBucket, nil, false, func(k, _ []byte) (bool, error) {
			if ParseU64(k) > upTo {
				return false, nil
			}
			keys = append(keys, bytes.Clone(k))
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(outboxBucket, k); err != nil {
				return err
			}
		}
		return nil
	})
}
