package app

import (
	"context"
	"strconv"
	"time"

	"anju/storage"
)

// creditBatch bounds the records one transaction of the daily job expires.
const creditBatch = 500

// ExpireCreditRecords ends every active record whose validity has run out
// (credit repair by time) and recomputes its subject's score: batches of
// one transaction each, with an audit entry per record.
func (a *App) ExpireCreditRecords(actor Actor) (int, error) {
	if !actor.System {
		return 0, Errorf(EFORBIDDEN, "error.forbidden")
	}
	total := 0
	for {
		n := 0
		err := a.update(func(tx *storage.Tx) error {
			now := a.now()
			today := string(dayKey(now))
			var due []*CreditRecord
			err := recordTable.LookupPrefix(tx, "expires", nil, func(k []byte, id uint64) (bool, error) {
				if string(k) > today || len(due) == creditBatch {
					return false, nil
				}
				r, err := recordTable.Get(tx, id)
				if err != nil {
					return false, err
				}
				// The index knows the day only. Records due later today
				// are passed over here, not in the batch: a batch made
				// only of them would end the run before the ones due
				// earlier today that follow them.
				if !r.Expires.After(now) {
					due = append(due, r)
				}
				return true, nil
			})
			if err != nil {
				return err
			}
			subjects := map[Subject]bool{}
			for _, r := range due {
				r.Status, r.End, r.Updated = RecordExpired, r.Expires, now
				r.event(now, actor, "expired", "")
				if err := recordTable.Put(tx, r); err != nil {
					return err
				}
				if err := a.audit(tx, actor, "credit.expire", "credit_record", r.ID, r.No); err != nil {
					return err
				}
				subjects[r.Subject] = true
				n++
			}
			for s := range subjects {
				if _, err := a.refreshSummary(tx, s, now); err != nil {
					return err
				}
			}
			return nil
		})
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// overdueWindow is how far back the daily job looks for filings that
// became overdue: a week covers a server that was off for a few days
// without raising penalties for long-past leases on a new installation.
const overdueWindow = 7 * 24 * time.Hour

// RaiseOverdueFilings raises an automatic scoring application against the
// brokering agency for every online lease whose filing deadline passed in
// the last week without a filing applied for (or after a rejection nobody
// answered). One per lease: raising again does nothing.
func (a *App) RaiseOverdueFilings(actor Actor) (int, error) {
	if !actor.System {
		return 0, Errorf(EFORBIDDEN, "error.forbidden")
	}
	now := a.now()
	var due []*Contract
	err := a.db.View(func(tx *storage.Tx) error {
		ids, err := contractTable.Lookup(tx, "status", []byte(ContractSigned))
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := contractTable.Get(tx, id)
			if err != nil {
				return err
			}
			if c.Source == ContractOnline && c.AgencyID != 0 && (c.FilingStatus == FilingNone || c.FilingStatus == FilingRejected) &&
				!c.FilingDue.IsZero() && c.FilingDue.Before(now) && now.Sub(c.FilingDue) <= overdueWindow {
				due = append(due, c)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range due {
		err := a.update(func(tx *storage.Tx) error {
			facts := "合同 " + c.No + " 签约于 " + c.Signed.Format(time.DateOnly) + "，备案期限 " +
				c.FilingDue.Format(time.DateOnly) + " 届满未办理备案。"
			return a.raiseAutoApplication(tx, EventFilingOverdue, "contract:"+strconv.FormatUint(c.ID, 10),
				Subject{SubjectAgency, c.AgencyID}, c.FilingDue, facts)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// creditLoop runs the daily credit work once a day (and soon after start):
// records expire, overdue filings raise applications.
func (a *App) creditLoop(ctx context.Context) {
	actor := SystemActor("credit")
	a.runDaily(ctx, "daily credit work", 90*time.Second, nil, func() error {
		n, err := a.ExpireCreditRecords(actor)
		if err != nil {
			return err
		}
		if n > 0 {
			a.log.Info("credit records expired", "count", n)
		}
		if n, err = a.SettleObjections(actor); err != nil {
			return err
		} else if n > 0 {
			a.log.Info("objection periods ended", "subjects", n)
		}
		if n, err = a.RaiseOverdueFilings(actor); n > 0 {
			a.log.Info("overdue filings checked", "count", n)
		}
		return err
	})
}
