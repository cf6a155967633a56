package app

import "anju/storage"

// dueBatch is how many due records one transaction of a daily job handles:
// each gets its own history line and audit entry, but a first run over
// years of demo or migrated leases should not cost one fsync each, nor one
// transaction long enough to hold up the writers queued behind it.
const dueBatch = 200

// drainDue hands the records due lists to handle, dueBatch a transaction,
// until none is left. due lists at most limit IDs inside the transaction;
// handle acts on one and reports whether it did. The run ends after a batch
// that was not full, or in which handle acted on none: an ID the index still
// lists but handle steps over cannot keep the job looping.
func (a *App) drainDue(due func(tx *storage.Tx, limit int) ([]uint64, error), handle func(tx *storage.Tx, id uint64) (bool, error)) (int, error) {
	total := 0
	for {
		n, full := 0, false
		err := a.update(func(tx *storage.Tx) error {
			n = 0
			ids, err := due(tx, dueBatch)
			if err != nil {
				return err
			}
			full = len(ids) == dueBatch
			for _, id := range ids {
				done, err := handle(tx, id)
				if err != nil {
					return err
				}
				if done {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 || !full {
			return total, nil
		}
	}
}

// keyedBelow lists, for drainDue, the IDs that table's index keys below to:
// the due ones of an index keyed by date.
func keyedBelow[T any](table *storage.Table[T], index string, to []byte) func(*storage.Tx, int) ([]uint64, error) {
	return func(tx *storage.Tx, limit int) ([]uint64, error) {
		var ids []uint64
		err := table.LookupRange(tx, index, nil, to, func(_ []byte, id uint64) (bool, error) {
			ids = append(ids, id)
			return len(ids) < limit, nil
		})
		return ids, err
	}
}

// updateInBatches runs each on every item, dueBatch items a transaction, so
// that a long list neither costs an fsync per item nor holds the writers
// queued behind one long transaction. done, when given, runs in the last
// transaction (also when items is empty), so that a job records its
// progress with the last of its work.
func updateInBatches[T any](a *App, items []T, each func(*storage.Tx, T) error, done func(*storage.Tx) error) error {
	if len(items) == 0 && done == nil {
		return nil
	}
	for start := 0; ; start += dueBatch {
		batch := items[start:min(start+dueBatch, len(items))]
		last := start+dueBatch >= len(items)
		err := a.update(func(tx *storage.Tx) error {
			for _, it := range batch {
				if err := each(tx, it); err != nil {
					return err
				}
			}
			if last && done != nil {
				return done(tx)
			}
			return nil
		})
		if err != nil || last {
			return err
		}
	}
}
