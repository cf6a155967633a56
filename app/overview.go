package app

import (
	"fmt"
	"time"

	"anju/search"
)

// Overview is the government home page's figures at a glance, in the
// actor's scope (his district, or the city): this month's and last month's
// flow, and what stands open now. Each figure is counted without reading
// any record (Index.CountMatches); a group the actor may not see is left
// out (its flag is false).
type Overview struct {
	Month     time.Time // first day of this month, local time
	PrevMonth time.Time // first day of last month

	Verifications           bool // the actor sees verifications
	Verified, VerifiedPrev  int  // codes issued this month, last month
	ValidCodes              int  // codes valid now
	Contracts               bool // the actor sees contracts and filings
	Signed, SignedPrev      int  // contracts signed (online or entered) this month, last month
	Applied, AppliedPrev    int  // filing applications submitted this month, last month
	FilingsPending, Overdue int  // applications waiting for review; contracts past their filing deadline
}

// Overview counts the actor's figures at a glance.
func (a *App) Overview(actor Actor) (Overview, error) {
	now := a.now().In(time.Local)
	o := Overview{Month: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local)}
	o.PrevMonth = o.Month.AddDate(0, -1, 0)
	next := o.Month.AddDate(0, 1, 0)
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before counting", "err", err)
	}
	flows := []struct {
		kind       string
		can        bool
		this, prev *int
	}{
		{"verified", actor.Can(PermVerifyList), &o.Verified, &o.VerifiedPrev},
		{"signed", actor.Can(PermContractView), &o.Signed, &o.SignedPrev},
		{"applied", actor.Can(PermContractView), &o.Applied, &o.AppliedPrev},
	}
	for _, f := range flows {
		if !f.can {
			continue
		}
		var err error
		if *f.this, err = a.countFlow(actor, f.kind, "", o.Month, next); err != nil {
			return o, err
		}
		if *f.prev, err = a.countFlow(actor, f.kind, "", o.PrevMonth, o.Month); err != nil {
			return o, err
		}
	}
	if o.Verifications = actor.Can(PermVerifyList); o.Verifications {
		// Valid: status valid and not yet expired (State), as the list's filter.
		sq := search.Query{Type: "verification", Filters: map[string][]string{"status": {VStatusValid}},
			Ranges: []search.Range{{Field: "valid_until", Min: a.now().Add(time.Nanosecond)}}}
		if scopeFilters(actor, "", sq.Filters) {
			n, err := a.ix.CountMatches(sq)
			if err != nil {
				return o, fmt.Errorf("overview: count valid codes: %w", err)
			}
			o.ValidCodes = int(n)
		}
	}
	if o.Contracts = actor.Can(PermContractView); o.Contracts {
		fc, err := a.CountFilings(actor)
		if err != nil {
			return o, err
		}
		o.FilingsPending, o.Overdue = fc.Pending, fc.Overdue
	}
	return o, nil
}
