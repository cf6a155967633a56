package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"anju/storage"
)

func TestTableCRUD(t *testing.T) {
	db := mustOpen(t)
	a := &person{Email: "a@x", Tags: []string{"red", "blue", "red"}, Org: 256}
	ids := insertPeople(t, db, a, &person{Email: "b@x", Tags: []string{"blue"}, Org: 1})
	if fmtIDs(ids) != "[1 2]" || a.ID != 1 {
		t.Fatalf("Insert IDs %v, a.ID %d", ids, a.ID)
	}
	got, err := getPerson(t, db, 1)
	if err != nil || got.Email != "a@x" || got.ID != 1 || got.Org != 256 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	_, err = getPerson(t, db, 99)
	mustErrIs(t, err, storage.ErrNotFound)

	// Put replaces the record and moves its index entries.
	update(t, db, func(tx *storage.Tx) error {
		return people.Put(tx, &person{ID: 1, Email: "a2@x", Tags: []string{"green"}, Org: 1})
	})
	for _, tc := range []struct {
		index, key string
		want       string
	}{
		{"email", "a@x", "[]"},
		{"email", "a2@x", "[1]"},
		{"email", "b@x", "[2]"},
		{"tag", "red", "[]"},
		{"tag", "blue", "[2]"},
		{"tag", "green", "[1]"},
		{"org", string(storage.U64(256)), "[]"},
		{"org", string(storage.U64(1)), "[1 2]"},
	} {
		if got := fmtIDs(lookup(t, db, tc.index, []byte(tc.key))); got != tc.want {
			t.Errorf("Lookup(%s, %q) = %s, want %s", tc.index, tc.key, got, tc.want)
		}
	}

	// LookupEach gives the records themselves, by ID, and stops at an error.
	var emails []string
	stop := errors.New("stop")
	view(t, db, func(tx *storage.Tx) error {
		err := people.LookupEach(tx, "org", storage.U64(1), func(p *person) error {
			emails = append(emails, p.Email)
			return nil
		})
		if err != nil {
			return err
		}
		n := 0
		err = people.LookupEach(tx, "org", storage.U64(1), func(*person) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("LookupEach after an error: %d calls, %v", n, err)
		}
		return nil
	})
	if strings.Join(emails, " ") != "a2@x b@x" {
		t.Errorf("LookupEach(org 1) = %v, want a2@x b@x", emails)
	}
	// LookupEachNewest goes the other way, and stops when told.
	emails = nil
	view(t, db, func(tx *storage.Tx) error {
		err := people.LookupEachNewest(tx, "org", storage.U64(1), func(p *person) (bool, error) {
			emails = append(emails, p.Email)
			return true, nil
		})
		if err != nil {
			return err
		}
		n := 0
		err = people.LookupEachNewest(tx, "org", storage.U64(1), func(*person) (bool, error) { n++; return false, nil })
		if err != nil || n != 1 {
			t.Errorf("LookupEachNewest told to stop: %d calls, %v", n, err)
		}
		return nil
	})
	if strings.Join(emails, " ") != "b@x a2@x" {
		t.Errorf("LookupEachNewest(org 1) = %v, want b@x a2@x", emails)
	}

	// Put with an ID above the sequence moves the sequence.
	update(t, db, func(tx *storage.Tx) error {
		if err := people.Put(tx, &person{ID: 100, Email: "c@x"}); err != nil {
			return err
		}
		if err := people.Put(tx, &person{Email: "zero"}); err == nil {
			t.Error("Put with ID 0 succeeded")
		}
		id, err := people.Insert(tx, &person{Email: "d@x"})
		if id != 101 {
			t.Errorf("Insert after Put(100) gave ID %d", id)
		}
		if n := people.Count(tx); n != 4 {
			t.Errorf("Count in tx = %d, want 4", n)
		}
		return err
	})

	// Delete removes the record and its entries.
	update(t, db, func(tx *storage.Tx) error {
		if err := people.Delete(tx, 2); err != nil {
			return err
		}
		mustErrIs(t, people.Delete(tx, 2), storage.ErrNotFound)
		return nil
	})
	_, err = getPerson(t, db, 2)
	mustErrIs(t, err, storage.ErrNotFound)
	if got := fmtIDs(lookup(t, db, "tag", []byte("blue"))); got != "[]" {
		t.Errorf("deleted record still indexed: %s", got)
	}
	view(t, db, func(tx *storage.Tx) error {
		if n := people.Count(tx); n != 3 {
			t.Errorf("Count = %d, want 3", n)
		}
		last, err := people.Last(tx)
		if err != nil || last.ID != 101 {
			t.Errorf("Last = %+v, %v", last, err)
		}
		p, err := people.LookupOne(tx, "email", []byte("c@x"))
		if err != nil || p.ID != 100 {
			t.Errorf("LookupOne = %+v, %v", p, err)
		}
		_, err = people.LookupOne(tx, "email", []byte("nobody"))
		mustErrIs(t, err, storage.ErrNotFound)
		if _, err := people.Lookup(tx, "nosuch", []byte("x")); err == nil {
			t.Error("Lookup of an unknown index succeeded")
		}
		problems, err := people.VerifyIndexes(tx)
		if err != nil || len(problems) != 0 {
			t.Errorf("VerifyIndexes = %v, %v", problems, err)
		}
		return nil
	})
	view(t, db, func(tx *storage.Tx) error {
		empty := storage.NewTable(storage.TableOptions[person]{Name: "empty", ID: personID, SetID: setPersonID})
		_, err := empty.Last(tx)
		mustErrIs(t, err, storage.ErrNotFound)
		return nil
	})
}

func TestTableUniqueViolation(t *testing.T) {
	db := mustOpen(t)
	insertPeople(t, db, &person{Email: "a@x", Tags: []string{"t1"}}, &person{Email: "b@x", Tags: []string{"t2"}})
	seqBefore, notesBefore := 0, uint64(0)
	view(t, db, func(tx *storage.Tx) error { seqBefore = int(tx.Sequence("people")); return nil })
	notesBefore, _ = db.LastNoteSeq()

	// The transaction commits anyway: the failed calls must have written nothing.
	update(t, db, func(tx *storage.Tx) error {
		p := &person{ID: 2, Email: "a@x", Tags: []string{"changed"}, Note: "changed"}
		err := people.Put(tx, p)
		mustErrIs(t, err, storage.ErrDuplicate)
		var de *storage.DuplicateError
		if !errors.As(err, &de) || de.Table != "people" || de.Index != "email" || string(de.Key) != "a@x" {
			t.Errorf("error %#v, want *DuplicateError{people, email, a@x}", err)
		}
		n := &person{Email: "b@x"}
		_, err = people.Insert(tx, n)
		mustErrIs(t, err, storage.ErrDuplicate)
		if n.ID != 0 {
			t.Errorf("failed Insert left ID %d on the record", n.ID)
		}
		// Same key, same record: not a violation.
		return people.Put(tx, &person{ID: 1, Email: "a@x", Tags: []string{"t1"}})
	})
	got, err := getPerson(t, db, 2)
	if err != nil || got.Email != "b@x" || got.Note != "" || !slices.Equal(got.Tags, []string{"t2"}) {
		t.Errorf("record 2 changed: %+v, %v", got, err)
	}
	if ids := lookup(t, db, "tag", []byte("changed")); len(ids) != 0 {
		t.Errorf("index entry written by a failed Put: %v", ids)
	}
	if ids := lookup(t, db, "email", []byte("b@x")); fmtIDs(ids) != "[2]" {
		t.Errorf("email b@x → %v", ids)
	}
	view(t, db, func(tx *storage.Tx) error {
		if s := int(tx.Sequence("people")); s != seqBefore {
			t.Errorf("failed Insert moved the sequence %d → %d", seqBefore, s)
		}
		return nil
	})
	notes, _ := db.Notes(notesBefore, 0)
	if len(notes) != 1 || notes[0].ID != 1 {
		t.Errorf("notes after the failed writes: %+v, want only the put of 1", notes)
	}
}

func TestTableZeroBytesInKeys(t *testing.T) {
	db := mustOpen(t)
	keys := []string{"x", "x\x00", "x\x00y", "x\x01", "\x00", "\x00\x00"}
	var ps []*person
	for _, k := range keys {
		ps = append(ps, &person{Email: k})
	}
	ids := insertPeople(t, db, ps...)
	for i, k := range keys {
		if got := lookup(t, db, "email", []byte(k)); fmtIDs(got) != fmt.Sprint([]uint64{ids[i]}) {
			t.Errorf("Lookup(%q) = %v, want [%d]", k, got, ids[i])
		}
	}
	var got []string
	view(t, db, func(tx *storage.Tx) error {
		return people.LookupPrefix(tx, "email", []byte("x\x00"), func(key []byte, id uint64) (bool, error) {
			got = append(got, string(key))
			return true, nil
		})
	})
	if want := []string{"x\x00", "x\x00y"}; !slices.Equal(got, want) {
		t.Errorf("LookupPrefix(x\\0) = %q, want %q", got, want)
	}
}

func TestTableLookupPrefix(t *testing.T) {
	db := mustOpen(t)
	insertPeople(t, db,
		&person{Email: "1", Tags: []string{"district/110105", "cert/a"}},
		&person{Email: "2", Tags: []string{"district/110101"}},
		&person{Email: "3", Tags: []string{"district/110105"}},
		&person{Email: "4", Tags: []string{"districts"}},
	)
	for _, tc := range []struct {
		prefix string
		max    int
		want   string
	}{
		{"district/", 0, "district/110101:2 district/110105:1 district/110105:3"},
		{"district/110105", 0, "district/110105:1 district/110105:3"},
		{"district", 0, "district/110101:2 district/110105:1 district/110105:3 districts:4"},
		{"", 2, "cert/a:1 district/110101:2"},
		{"nothing", 0, ""},
	} {
		var got []string
		view(t, db, func(tx *storage.Tx) error {
			return people.LookupPrefix(tx, "tag", []byte(tc.prefix), func(key []byte, id uint64) (bool, error) {
				got = append(got, fmt.Sprintf("%s:%d", key, id))
				return tc.max == 0 || len(got) < tc.max, nil
			})
		})
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("LookupPrefix(%q) = %q, want %q", tc.prefix, s, tc.want)
		}
	}
	if got := fmtIDs(lookup(t, db, "tag", []byte("district/110105"))); got != "[1 3]" {
		t.Errorf("Lookup = %s", got)
	}
}

func TestTableEachAndPage(t *testing.T) {
	db := mustOpen(t)
	var ps []*person
	for i := 1; i <= 23; i++ {
		ps = append(ps, &person{Email: fmt.Sprint(i)})
	}
	insertPeople(t, db, ps...)

	var all []uint64
	view(t, db, func(tx *storage.Tx) error {
		return people.Each(tx, true, func(p *person) (bool, error) {
			all = append(all, p.ID)
			return len(all) < 3, nil
		})
	})
	if fmtIDs(all) != "[23 22 21]" {
		t.Errorf("Each reverse, stop after 3 = %v", all)
	}

	even := func(p *person) bool { return p.ID%2 == 0 }
	div11 := func(p *person) bool { return p.ID%11 == 0 }
	for _, tc := range []struct {
		name    string
		reverse bool
		limit   int
		filter  func(*person) bool
		want    []uint64
	}{
		{"forward by 5", false, 5, nil, seq(1, 23, 1)},
		{"reverse by 5", true, 5, nil, seq(23, 1, -1)},
		{"forward even by 4", false, 4, even, seq(2, 22, 2)},
		{"reverse even by 4", true, 4, even, seq(22, 2, -2)},
		{"exact pages", false, 11, div11, []uint64{11, 22}},
		{"one page", false, 0, nil, seq(1, 23, 1)},
		{"limit 1", true, 1, div11, []uint64{22, 11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []uint64
			var cursor uint64
			pages := 0
			for {
				var page []*person
				var next uint64
				view(t, db, func(tx *storage.Tx) (err error) {
					page, next, err = people.Page(tx, cursor, tc.reverse, tc.limit, tc.filter)
					return err
				})
				pages++
				if tc.limit > 0 && len(page) > tc.limit {
					t.Fatalf("page of %d over limit %d", len(page), tc.limit)
				}
				if len(page) == 0 {
					t.Fatalf("empty page %d (cursor %d): the previous next cursor should have been 0", pages, cursor)
				}
				for _, p := range page {
					got = append(got, p.ID)
				}
				if next == 0 {
					break
				}
				if next != page[len(page)-1].ID {
					t.Errorf("next cursor %d, want the last ID %d", next, page[len(page)-1].ID)
				}
				cursor = next
				if pages > 100 {
					t.Fatal("paging does not end")
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("pages gave %v, want %v", got, tc.want)
			}
		})
	}
	view(t, db, func(tx *storage.Tx) error {
		page, next, err := people.Page(tx, 23, false, 5, nil)
		if len(page) != 0 || next != 0 || err != nil {
			t.Errorf("page after the last = %d records, next %d, %v", len(page), next, err)
		}
		page, next, err = people.Page(tx, 1, true, 5, nil)
		if len(page) != 0 || next != 0 || err != nil {
			t.Errorf("reverse page before the first = %d records, next %d, %v", len(page), next, err)
		}
		return nil
	})
}

func seq(from, to uint64, step int) []uint64 {
	var out []uint64
	for i := from; ; i = uint64(int(i) + step) {
		out = append(out, i)
		if i == to {
			return out
		}
	}
}

func TestVerifyAndRebuildIndexes(t *testing.T) {
	db := mustOpen(t)
	insertPeople(t, db,
		&person{Email: "a@x", Tags: []string{"red"}, Org: 7},
		&person{Email: "b@x", Tags: []string{"blue"}, Org: 7},
		&person{Email: "c@x"},
	)
	verify := func() []storage.IndexProblem {
		var problems []storage.IndexProblem
		view(t, db, func(tx *storage.Tx) (err error) {
			problems, err = people.VerifyIndexes(tx)
			return err
		})
		return problems
	}
	if p := verify(); len(p) != 0 {
		t.Fatalf("fresh table has problems: %v", p)
	}

	// Corrupt the index buckets with raw writes: drop the entry of b@x and
	// copy red's entry of record 1 to a record 99 that does not exist.
	update(t, db, func(tx *storage.Tx) error {
		var drop, copyOf []byte
		err := tx.Scan("people/idx/email", []byte("b@x"), false, func(k, _ []byte) (bool, error) {
			drop = bytes.Clone(k)
			return false, nil
		})
		if err != nil {
			return err
		}
		err = tx.Scan("people/idx/tag", []byte("red"), false, func(k, _ []byte) (bool, error) {
			copyOf = bytes.Clone(k)
			return false, nil
		})
		if err != nil || drop == nil || copyOf == nil {
			t.Fatalf("index entries not found: %q %q %v", drop, copyOf, err)
		}
		if err := tx.Delete("people/idx/email", drop); err != nil {
			return err
		}
		dangling := append(copyOf[:len(copyOf)-8:len(copyOf)-8], storage.U64(99)...)
		return tx.Put("people/idx/tag", dangling, nil)
	})
	problems := verify()
	want := []storage.IndexProblem{
		{Table: "people", Index: "email", ID: 2, Key: []byte("b@x"), Kind: "missing"},
		{Table: "people", Index: "tag", ID: 99, Key: []byte("red"), Kind: "dangling"},
	}
	if fmt.Sprint(problems) != fmt.Sprint(want) {
		t.Errorf("VerifyIndexes = %v, want %v", problems, want)
	}
	// The corrupted index answers wrongly until rebuilt.
	if got := lookup(t, db, "email", []byte("b@x")); len(got) != 0 {
		t.Fatalf("corruption did not take: %v", got)
	}

	update(t, db, func(tx *storage.Tx) error { return people.RebuildIndexes(tx) })
	if p := verify(); len(p) != 0 {
		t.Errorf("after RebuildIndexes: %v", p)
	}
	for _, tc := range []struct {
		index, key, want string
	}{
		{"email", "b@x", "[2]"},
		{"tag", "red", "[1]"},
		{"org", string(storage.U64(7)), "[1 2]"},
	} {
		if got := fmtIDs(lookup(t, db, tc.index, []byte(tc.key))); got != tc.want {
			t.Errorf("after rebuild Lookup(%s, %q) = %s, want %s", tc.index, tc.key, got, tc.want)
		}
	}

	// A record written behind the table's back with a taken unique key.
	update(t, db, func(tx *storage.Tx) error {
		return tx.Put("people", storage.U64(3), []byte(`{"id":3,"email":"a@x"}`))
	})
	problems = verify()
	var kinds []string
	for _, p := range problems {
		kinds = append(kinds, p.Index+":"+p.Kind+":"+string(p.Key))
	}
	slices.Sort(kinds)
	if want := []string{"email:dangling:c@x", "email:duplicate:a@x", "email:missing:a@x"}; !slices.Equal(kinds, want) {
		t.Errorf("problems %q, want %q", kinds, want)
	}
	err := db.Update(func(tx *storage.Tx) error { return people.RebuildIndexes(tx) })
	mustErrIs(t, err, storage.ErrDuplicate)
	if got := lookup(t, db, "email", []byte("c@x")); fmtIDs(got) != "[3]" {
		t.Errorf("failed rebuild was not rolled back: c@x → %v", got)
	}
}

func TestNewTablePanics(t *testing.T) {
	keys := func(*person) [][]byte { return nil }
	for _, tc := range []struct {
		name string
		opt  storage.TableOptions[person]
	}{
		{"empty name", storage.TableOptions[person]{ID: personID, SetID: setPersonID}},
		{"slash", storage.TableOptions[person]{Name: "a/b", ID: personID, SetID: setPersonID}},
		{"reserved", storage.TableOptions[person]{Name: "meta", ID: personID, SetID: setPersonID}},
		{"no ID", storage.TableOptions[person]{Name: "p", SetID: setPersonID}},
		{"index twice", storage.TableOptions[person]{Name: "p", ID: personID, SetID: setPersonID,
			Indexes: []storage.Index[person]{{Name: "i", Keys: keys}, {Name: "i", Keys: keys}}}},
		{"index without keys", storage.TableOptions[person]{Name: "p", ID: personID, SetID: setPersonID,
			Indexes: []storage.Index[person]{{Name: "i"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("NewTable did not panic")
				}
			}()
			storage.NewTable(tc.opt)
		})
	}
}

// BenchmarkTableInsertBatch inserts indexed records from parallel goroutines,
// each call its own db.Batch (grouped into shared transactions), against
// db.Update for comparison. Run with
//
//	go test -run '^$' -bench TableInsert ./storage/
func BenchmarkTableInsertBatch(b *testing.B) {
	for _, mode := range []string{"batch", "update"} {
		b.Run(mode, func(b *testing.B) {
			db := mustOpen(b)
			write := db.Batch
			if mode == "update" {
				write = db.Update
			}
			var n atomic.Uint64
			b.SetParallelism(8) // 8 writers per CPU, like concurrent requests
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					email := fmt.Sprintf("p%d@x", n.Add(1))
					err := write(func(tx *storage.Tx) error {
						// Built inside fn: Batch may run it twice.
						p := &person{Email: email, Tags: []string{"bench"}, Org: 7}
						_, err := people.Insert(tx, p)
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			var count int
			_ = db.View(func(tx *storage.Tx) error { count = people.Count(tx); return nil })
			if uint64(count) != n.Load() {
				b.Errorf("%d records, want %d", count, n.Load())
			}
		})
	}
}

// TestTableLookupRange: keys from from (included) to to (excluded), in key
// order, also when keys hold zero bytes and when one key starts another.
func TestTableLookupRange(t *testing.T) {
	db := mustOpen(t)
	keys := []string{"a", "a\x00", "a\x00\x00", "a\x00b", "a\x01", "ab", "b", "b\x00"}
	var ps []*person
	for _, k := range keys {
		ps = append(ps, &person{Email: k})
	}
	insertPeople(t, db, ps...)
	for _, tc := range []struct {
		from, to string
		noTo     bool
		want     []string
	}{
		{"a", "b", false, []string{"a", "a\x00", "a\x00\x00", "a\x00b", "a\x01", "ab"}},
		{"a\x00", "a\x00b", false, []string{"a\x00", "a\x00\x00"}},
		{"a\x00\x00", "a\x01", false, []string{"a\x00\x00", "a\x00b"}},
		{"a\x01", "", true, []string{"a\x01", "ab", "b", "b\x00"}},
		{"", "a\x00", false, []string{"a"}},
		{"ab", "ab", false, nil},
		{"c", "", true, nil},
	} {
		var to []byte
		if !tc.noTo {
			to = []byte(tc.to)
		}
		var got []string
		view(t, db, func(tx *storage.Tx) error {
			return people.LookupRange(tx, "email", []byte(tc.from), to, func(key []byte, id uint64) (bool, error) {
				got = append(got, string(key))
				return true, nil
			})
		})
		if !slices.Equal(got, tc.want) {
			t.Errorf("LookupRange(%q, %q) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestBuildIndex: one index written afresh (as for an index new to a table
// holding records); the table's other indexes are not touched.
func TestBuildIndex(t *testing.T) {
	db := mustOpen(t)
	insertPeople(t, db,
		&person{Email: "a@x", Tags: []string{"red"}},
		&person{Email: "b@x", Tags: []string{"blue", "red"}},
	)
	// As if both indexes were new: empty.
	update(t, db, func(tx *storage.Tx) error {
		for _, b := range []string{"people/idx/tag", "people/idx/email"} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, db, func(tx *storage.Tx) error { return people.BuildIndex(tx, "tag") })
	if got := fmtIDs(lookup(t, db, "tag", []byte("red"))); got != "[1 2]" {
		t.Errorf("after BuildIndex(tag): red → %s", got)
	}
	if got := lookup(t, db, "email", []byte("a@x")); len(got) != 0 {
		t.Errorf("BuildIndex(tag) wrote the email index: %v", got)
	}
	err := db.Update(func(tx *storage.Tx) error { return people.BuildIndex(tx, "nope") })
	if err == nil {
		t.Error("BuildIndex of an undeclared index: no error")
	}
}
