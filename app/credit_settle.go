package app

import (
	"encoding/json"
	"time"

	"anju/storage"
)

// objectionsMeta keeps the last day SettleObjections has looked at.
const objectionsMeta = "credit.objections_through"

// settleWindow is how far back SettleObjections looks on its first run (or
// after a long stop): as for overdue filings, a week covers a server that
// was off for a few days.
const settleWindow = 7

// SettleObjections is the daily job that lets the lists react to penalties
// whose objection period has ended since it last ran: it recomputes their
// subjects' scores, which lists a subject black once its settled score is
// below the line (applyListThresholds). A penalty whose objection is still
// pending stays unsettled; the decision recomputes the score itself. It
// returns how many subjects it looked at. Only the system runs it.
func (a *App) SettleObjections(actor Actor) (int, error) {
	if !actor.System {
		return 0, Errorf(EFORBIDDEN, "error.forbidden")
	}
	today := day(a.now())
	var subjects []Subject
	err := a.db.View(func(tx *storage.Tx) error {
		from := dayKey(today.AddDate(0, 0, -settleWindow))
		if b := tx.Meta(objectionsMeta); b != nil {
			if last, err := time.ParseInLocation("20060102", string(b), time.Local); err == nil {
				if next := dayKey(last.AddDate(0, 0, 1)); string(next) > string(from) {
					from = next
				}
			}
		}
		seen := map[Subject]bool{}
		return recordTable.LookupRange(tx, "objection_ends", from, dayKey(today.AddDate(0, 0, 1)), func(_ []byte, id uint64) (bool, error) {
			r, err := recordTable.Get(tx, id)
			if err != nil {
				return false, err
			}
			if !seen[r.Subject] {
				seen[r.Subject] = true
				subjects = append(subjects, r.Subject)
			}
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	// Recomputing a summary applies the lists' lines (refreshSummary).
	return len(subjects), updateInBatches(a, subjects, func(tx *storage.Tx, s Subject) error {
		_, err := a.refreshSummary(tx, s, a.now())
		return err
	}, func(tx *storage.Tx) error {
		return tx.SetMeta(objectionsMeta, dayKey(today))
	})
}

// listParams are the parameters that move subjects across the lists'
// lines: the lines themselves and the base score.
var listParams = []string{ParamListBlackBelow, ParamListRedAbove, ParamCreditBase}

// recheckLists lets the lists react at once to a change of listParams:
// every subject whose summary, at the new base score, is across a line
// goes through applyListThresholds, as if a record had changed. Without it
// a subject already below a raised black line would be listed only when
// some unrelated record next moved its score. The summaries carry what the
// lines are compared with (the points and the unsettled ones), so only
// those across a line are written to; recomputing every subject from its
// records took 24 s with 165,000 subjects and 1,000,000 records
// (docs/benchmarks.md 7.4). It returns how many subjects were across.
func (a *App) recheckLists() (int, error) {
	scale := a.creditScale()
	black, red := a.ParamInt(ParamListBlackBelow), a.ParamInt(ParamListRedAbove)
	type across struct {
		s              Subject
		score, settled int
	}
	var due []across
	err := a.db.View(func(tx *storage.Tx) error {
		return tx.Scan(creditSummaryBucket, nil, false, func(_, b []byte) (bool, error) {
			var sum CreditSummary
			if err := json.Unmarshal(b, &sum); err != nil {
				return false, err
			}
			sum = scale.rescore(sum)
			if list, _, _ := acrossLine(black, red, sum.Score, sum.Settled()); list != "" {
				due = append(due, across{sum.Subject, sum.Score, sum.Settled()})
			}
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	now := a.now()
	err = updateInBatches(a, due, func(tx *storage.Tx, d across) error {
		return a.applyListThresholds(tx, d.s, d.score, d.settled, now)
	}, nil)
	if err != nil {
		return 0, err
	}
	return len(due), nil
}

// migrateUnsettled fills CreditSummary.Unsettled in the summaries stored
// before it existed. An unsettled record is a penalty whose objection
// period has not ended or that is under objection: the two indexes give
// them all, so the points are summed from those alone (reading every
// record of their subjects instead took 16 s at 1,000,000 records). Every
// other summary's zero is right. now is the clock's time (the migration
// passes time.Now).
func migrateUnsettled(tx *storage.Tx, now time.Time) error {
	seen := map[uint64]bool{}
	points := map[Subject]int{}
	var subjects []Subject
	add := func(_ []byte, id uint64) (bool, error) {
		if seen[id] {
			return true, nil
		}
		seen[id] = true
		r, err := recordTable.Get(tx, id)
		if err != nil {
			return false, err
		}
		if !r.Unsettled(now) {
			return true, nil
		}
		if _, ok := points[r.Subject]; !ok {
			subjects = append(subjects, r.Subject)
		}
		points[r.Subject] += r.Points
		return true, nil
	}
	if err := recordTable.LookupRange(tx, "objection_ends", dayKey(day(now)), nil, add); err != nil {
		return err
	}
	if err := recordTable.LookupPrefix(tx, "pending_request", nil, add); err != nil {
		return err
	}
	for _, s := range subjects {
		b := tx.Get(creditSummaryBucket, s.Key())
		if b == nil {
			continue
		}
		var sum CreditSummary
		if err := json.Unmarshal(b, &sum); err != nil {
			return err
		}
		sum.Unsettled = points[s]
		b, err := json.Marshal(&sum)
		if err != nil {
			return err
		}
		if err := tx.Put(creditSummaryBucket, s.Key(), b); err != nil {
			return err
		}
	}
	return nil
}
