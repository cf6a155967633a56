package storage_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"anju/storage"
	"anju/storage/storagetest"
)

// person is the record type of the table tests.
type person struct {
	ID    uint64   `json:"id"`
	Email string   `json:"email"`
	Tags  []string `json:"tags,omitempty"`
	Org   uint64   `json:"org,omitempty"`
	Note  string   `json:"note,omitempty"`
}

func personID(p *person) uint64        { return p.ID }
func setPersonID(p *person, id uint64) { p.ID = id }

func tagKeys(p *person) [][]byte {
	var out [][]byte
	for _, t := range p.Tags {
		out = append(out, []byte(t))
	}
	return out
}

// people has a unique index, a multi-key index and a foreign-key index whose
// keys (U64) contain zero bytes.
var people = storage.NewTable(storage.TableOptions[person]{
	Name:  "people",
	ID:    personID,
	SetID: setPersonID,
	Indexes: []storage.Index[person]{
		{Name: "email", Unique: true, Keys: func(p *person) [][]byte { return [][]byte{[]byte(p.Email)} }},
		{Name: "tag", Keys: tagKeys},
		{Name: "org", Keys: func(p *person) [][]byte {
			if p.Org == 0 {
				return nil
			}
			return [][]byte{storage.U64(p.Org)}
		}},
	},
	Outbox: true,
})

func tempPath(t testing.TB) string { return filepath.Join(t.TempDir(), "data", "anju.db") }

func mustOpen(t testing.TB) *storage.DB { return storagetest.MustOpen(t) }

func update(t testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func view(t testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

func insertPeople(t testing.TB, db *storage.DB, ps ...*person) []uint64 {
	t.Helper()
	var ids []uint64
	update(t, db, func(tx *storage.Tx) error {
		for _, p := range ps {
			id, err := people.Insert(tx, p)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids
}

func getPerson(t testing.TB, db *storage.DB, id uint64) (*person, error) {
	t.Helper()
	var p *person
	err := db.View(func(tx *storage.Tx) (err error) {
		p, err = people.Get(tx, id)
		return err
	})
	return p, err
}

func lookup(t testing.TB, db *storage.DB, index string, key []byte) []uint64 {
	t.Helper()
	var ids []uint64
	view(t, db, func(tx *storage.Tx) (err error) {
		ids, err = people.Lookup(tx, index, key)
		return err
	})
	return ids
}

func mustErrIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one that Is %v", err, target)
	}
}

func fmtIDs(ids []uint64) string { return fmt.Sprint(ids) }
