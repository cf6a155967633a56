package storage

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

type fillRecord struct {
	ID   uint64 `json:"id"`
	Key  string `json:"key"`
	Text string `json:"text"`
}

// TestAppendedPagesStayFull checks that records and outbox notes added in
// many small transactions, as group commits add them, leave their pages
// nearly full (appendFill), while an index whose keys come in any order
// keeps bbolt's default. With the default everywhere the record pages were
// half empty (docs/benchmarks.md 4.16).
func TestAppendedPagesStayFull(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "anju.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	table := NewTable(TableOptions[fillRecord]{
		Name:  "fill_records",
		ID:    func(r *fillRecord) uint64 { return r.ID },
		SetID: func(r *fillRecord, id uint64) { r.ID = id },
		Indexes: []Index[fillRecord]{
			{Name: "key", Keys: func(r *fillRecord) [][]byte { return [][]byte{[]byte(r.Key)} }},
		},
		Outbox: true,
	})
	text := strings.Repeat("住房租赁", 40) // about 500 bytes of JSON per record
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		err := db.Update(func(tx *Tx) error {
			for range 10 {
				// Keys in any order, as property IDs come.
				key := string(U64(r.Uint64()))
				if _, err := table.Insert(tx, &fillRecord{Key: key, Text: text}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.View(func(tx *Tx) error {
		for _, c := range []struct {
			bucket   string
			min, max float64
		}{
			{"fill_records", 0.8, 1},
			{outboxBucket, 0.8, 1},
			{"fill_records/idx/key", 0.4, 0.75},
		} {
			b := tx.bucket(c.bucket)
			if b == nil {
				t.Fatalf("no bucket %q", c.bucket)
			}
			st := b.Stats()
			fill := float64(st.LeafInuse) / float64(st.LeafAlloc)
			if st.KeyN != 3000 || fill < c.min || fill > c.max {
				t.Errorf("%s: %d keys, leaf pages %.0f%% full, want 3000 keys and %.0f–%.0f%%",
					c.bucket, st.KeyN, 100*fill, 100*c.min, 100*c.max)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
