package storage_test

import (
	"errors"
	"fmt"
	"testing"

	"anju/storage"
)

func TestOutboxNotesFromTable(t *testing.T) {
	db := mustOpen(t)
	if seq, err := db.LastNoteSeq(); seq != 0 || err != nil {
		t.Fatalf("LastNoteSeq of a new file = %d, %v", seq, err)
	}
	update(t, db, func(tx *storage.Tx) error {
		p := &person{Email: "a@x"}
		if _, err := people.Insert(tx, p); err != nil {
			return err
		}
		p.Note = "changed"
		if err := people.Put(tx, p); err != nil {
			return err
		}
		if _, err := people.Insert(tx, &person{Email: "b@x"}); err != nil {
			return err
		}
		return people.Delete(tx, p.ID)
	})
	notes, err := db.Notes(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.Note{
		{Seq: 1, Kind: "people", ID: 1, Op: "put"},
		{Seq: 2, Kind: "people", ID: 1, Op: "put"},
		{Seq: 3, Kind: "people", ID: 2, Op: "put"},
		{Seq: 4, Kind: "people", ID: 1, Op: "delete"},
	}
	if fmt.Sprint(notes) != fmt.Sprint(want) {
		t.Errorf("Notes = %v, want %v", notes, want)
	}

	// A rolled back transaction leaves neither record nor note.
	boom := errors.New("boom")
	err = db.Update(func(tx *storage.Tx) error {
		if _, err := people.Insert(tx, &person{Email: "c@x"}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update = %v", err)
	}
	if seq, _ := db.LastNoteSeq(); seq != 4 {
		t.Errorf("LastNoteSeq after rollback = %d, want 4", seq)
	}
	if notes, _ := db.Notes(4, 0); len(notes) != 0 {
		t.Errorf("notes after rollback: %v", notes)
	}
	if ids := lookup(t, db, "email", []byte("c@x")); len(ids) != 0 {
		t.Errorf("rolled back record indexed: %v", ids)
	}
	view(t, db, func(tx *storage.Tx) error {
		if n := people.Count(tx); n != 1 {
			t.Errorf("Count after rollback = %d, want 1", n)
		}
		return nil
	})
}

func TestOutboxNotesTrim(t *testing.T) {
	db := mustOpen(t)
	update(t, db, func(tx *storage.Tx) error {
		for i := range 10 {
			op := "put"
			if i%3 == 2 {
				op = "delete"
			}
			if _, err := tx.AppendNote("contract", uint64(100+i), op); err != nil {
				return err
			}
		}
		if _, err := tx.AppendNote("contract", 1, "upsert"); err == nil {
			t.Error("AppendNote with a bad op succeeded")
		}
		if _, err := tx.AppendNote("", 1, "put"); err == nil {
			t.Error("AppendNote without a kind succeeded")
		}
		return nil
	})
	seqs := func(after uint64, limit int) []uint64 {
		notes, err := db.Notes(after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []uint64
		for _, n := range notes {
			if n.ID != 99+n.Seq || n.Kind != "contract" {
				t.Errorf("note %+v", n)
			}
			out = append(out, n.Seq)
		}
		return out
	}
	for _, tc := range []struct {
		after uint64
		limit int
		want  string
	}{
		{0, 3, "[1 2 3]"},
		{3, 3, "[4 5 6]"},
		{8, 5, "[9 10]"},
		{10, 5, "[]"},
		{0, 0, "[1 2 3 4 5 6 7 8 9 10]"},
	} {
		if got := fmtIDs(seqs(tc.after, tc.limit)); got != tc.want {
			t.Errorf("Notes(%d, %d) = %s, want %s", tc.after, tc.limit, got, tc.want)
		}
	}
	if err := db.TrimNotes(6); err != nil {
		t.Fatal(err)
	}
	if got := fmtIDs(seqs(0, 0)); got != "[7 8 9 10]" {
		t.Errorf("after TrimNotes(6): %s", got)
	}
	if seq, _ := db.LastNoteSeq(); seq != 10 {
		t.Errorf("LastNoteSeq after trim = %d, want 10", seq)
	}
	if err := db.TrimNotes(100); err != nil {
		t.Fatal(err)
	}
	if got := seqs(0, 0); len(got) != 0 {
		t.Errorf("after TrimNotes(100): %v", got)
	}
	update(t, db, func(tx *storage.Tx) error {
		seq, err := tx.AppendNote("contract", 111, "put")
		if seq != 11 {
			t.Errorf("sequence after trimming everything = %d, want 11", seq)
		}
		return err
	})
}
