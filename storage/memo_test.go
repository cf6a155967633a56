package storage_test

import (
	"errors"
	"testing"

	"anju/storage"
)

// A memo gives the value of the record as the asking transaction sees it:
// a write of any kind shows at the next Get, without being told, and a
// record read again unchanged is not decoded again.
func TestMemoFollowsTheStoredRecord(t *testing.T) {
	db := mustOpen(t)
	insertPeople(t, db, &person{Email: "a@x", Note: "first"}, &person{Email: "b@x", Note: "other"})
	derived := 0
	memo := storage.NewMemo(people, 10, func(p *person) string {
		derived++
		return p.Email + "/" + p.Note
	})
	get := func(id uint64) (string, error) {
		var v string
		var err error
		view(t, db, func(tx *storage.Tx) error {
			v, err = memo.Get(tx, id)
			return nil
		})
		return v, err
	}
	for range 3 {
		if v, err := get(1); err != nil || v != "a@x/first" {
			t.Fatalf("Get(1) = %q, %v; want a@x/first", v, err)
		}
	}
	if derived != 1 {
		t.Errorf("three reads of an unchanged record derived %d times, want 1", derived)
	}

	update(t, db, func(tx *storage.Tx) error {
		return people.Put(tx, &person{ID: 1, Email: "a@x", Note: "second"})
	})
	if v, err := get(1); err != nil || v != "a@x/second" {
		t.Fatalf("after Put, Get(1) = %q, %v; want a@x/second", v, err)
	}

	// Inside the writing transaction, the memo sees the write too.
	update(t, db, func(tx *storage.Tx) error {
		if err := people.Put(tx, &person{ID: 1, Email: "a@x", Note: "third"}); err != nil {
			return err
		}
		if v, err := memo.Get(tx, 1); err != nil || v != "a@x/third" {
			t.Errorf("in the writing transaction, Get(1) = %q, %v; want a@x/third", v, err)
		}
		return nil
	})
	if v, _ := get(1); v != "a@x/third" {
		t.Errorf("after it, Get(1) = %q, want a@x/third", v)
	}
	// A write rolled back leaves the record, and the memo gives it again.
	rollback := errors.New("rolled back")
	err := db.Update(func(tx *storage.Tx) error {
		if err := people.Put(tx, &person{ID: 1, Email: "a@x", Note: "never"}); err != nil {
			return err
		}
		if v, _ := memo.Get(tx, 1); v != "a@x/never" {
			t.Errorf("in the transaction to be rolled back, Get(1) = %q, want a@x/never", v)
		}
		return rollback
	})
	mustErrIs(t, err, rollback)
	if v, _ := get(1); v != "a@x/third" {
		t.Errorf("after a rolled-back write, Get(1) = %q, want a@x/third", v)
	}

	update(t, db, func(tx *storage.Tx) error { return people.Delete(tx, 1) })
	_, err = get(1)
	mustErrIs(t, err, storage.ErrNotFound)
	_, err = get(99)
	mustErrIs(t, err, storage.ErrNotFound)
}

// The memo keeps at most its number of values.
func TestMemoIsBounded(t *testing.T) {
	db := mustOpen(t)
	var ps []*person
	for i := range 50 {
		ps = append(ps, &person{Email: string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@x"})
	}
	ids := insertPeople(t, db, ps...)
	memo := storage.NewMemo(people, 16, func(p *person) string { return p.Email })
	view(t, db, func(tx *storage.Tx) error {
		for i, id := range ids {
			v, err := memo.Get(tx, id)
			if err != nil || v != ps[i].Email {
				t.Errorf("Get(%d) = %q, %v; want %q", id, v, err, ps[i].Email)
			}
			if n := memo.Len(); n > 16 {
				t.Fatalf("after %d records the memo keeps %d values, more than 16", i+1, n)
			}
		}
		return nil
	})
}
