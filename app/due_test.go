package app

import (
	"errors"
	"slices"
	"testing"

	"anju/storage"
)

// dueList is a daily job's index stand-in: the IDs still due, in order.
type dueList struct {
	ids   []uint64
	calls int
}

func (d *dueList) due(_ *storage.Tx, limit int) ([]uint64, error) {
	d.calls++
	return slices.Clone(d.ids[:min(limit, len(d.ids))]), nil
}

func (d *dueList) done(id uint64) {
	d.ids = slices.DeleteFunc(d.ids, func(x uint64) bool { return x == id })
}

func newDueList(n int) *dueList {
	d := &dueList{}
	for i := 1; i <= n; i++ {
		d.ids = append(d.ids, uint64(i))
	}
	return d
}

func TestDrainDueRunsBatchesUntilNoneIsLeft(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ n, calls int }{
		{0, 1},
		{dueBatch - 1, 1},
		{dueBatch, 2}, // a full batch asks again, and finds none
		{2*dueBatch + 5, 3},
	} {
		d := newDueList(c.n)
		total, err := f.drainDue(d.due, func(_ *storage.Tx, id uint64) (bool, error) {
			d.done(id)
			return true, nil
		})
		if err != nil || total != c.n || len(d.ids) != 0 || d.calls != c.calls {
			t.Errorf("%d due: handled %d (%v), %d left, %d batches; want all in %d", c.n, total, err, len(d.ids), d.calls, c.calls)
		}
	}
}

func TestDrainDueStepsOverWhatItCannotHandle(t *testing.T) {
	f := newFixture(t)
	// ID 1 stays due whatever the job does (an index ahead of its record):
	// the others are handled and the job still ends.
	d := newDueList(dueBatch + 10)
	total, err := f.drainDue(d.due, func(_ *storage.Tx, id uint64) (bool, error) {
		if id == 1 {
			return false, nil
		}
		d.done(id)
		return true, nil
	})
	if err != nil || total != dueBatch+9 || !slices.Equal(d.ids, []uint64{1}) {
		t.Fatalf("handled %d (%v), left %v; want %d handled and 1 left", total, err, d.ids, dueBatch+9)
	}
}

func TestDrainDueStopsAtAFailedBatch(t *testing.T) {
	f := newFixture(t)
	d := newDueList(2 * dueBatch)
	boom := errors.New("disk full")
	total, err := f.drainDue(d.due, func(_ *storage.Tx, id uint64) (bool, error) {
		if id == dueBatch+3 {
			return false, boom
		}
		d.done(id)
		return true, nil
	})
	// The first batch committed; the second failed and is not counted.
	if !errors.Is(err, boom) || total != dueBatch {
		t.Fatalf("handled %d (%v); want %d and the error", total, err, dueBatch)
	}
}
