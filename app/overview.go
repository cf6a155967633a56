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
	count := func(sq search.Query, ok bool, n *int) error {
		if !ok {
			return nil // nothing in scope
		}
		c, err := a.ix.CountMatches(sq)
		if err != nil {
			return fmt.Errorf("overview: count %s: %w", sq.Type, err)
		}
		*n = int(c)
		return nil
	}
	if actor.Can(PermVerifyList) {
		o.Verifications = true
		issued := func(from, to time.Time) (search.Query, bool) {
			sq := search.Query{Type: "verification", Filters: map[string][]string{},
				Ranges: []search.Range{{Field: "issued", Min: from, Max: to}}}
			return sq, scopeFilters(actor, "", sq.Filters)
		}
		sq, ok := issued(o.Month, next)
		if err := count(sq, ok, &o.Verified); err != nil {
			return o, err
		}
		sq, ok = issued(o.PrevMonth, o.Month)
		if err := count(sq, ok, &o.VerifiedPrev); err != nil {
			return o, err
		}
		// Valid: status valid and not yet expired (State), as the list's filter.
		sq = search.Query{Type: "verification", Filters: map[string][]string{"status": {VStatusValid}},
			Ranges: []search.Range{{Field: "valid_until", Min: a.now().Add(time.Nanosecond)}}}
		if err := count(sq, scopeFilters(actor, "", sq.Filters), &o.ValidCodes); err != nil {
			return o, err
		}
	}
	if actor.Can(PermContractView) {
		o.Contracts = true
		for _, c := range []struct {
			from, to time.Time
			signed   *int
			applied  *int
		}{{o.Month, next, &o.Signed, &o.Applied}, {o.PrevMonth, o.Month, &o.SignedPrev, &o.AppliedPrev}} {
			sq, ok := a.contractSearchQuery(actor, ContractQuery{From: c.from, To: c.to})
			if err := count(sq, ok, c.signed); err != nil {
				return o, err
			}
			sq, ok, err := a.filingSearchQuery(actor, FilingQuery{From: c.from, To: c.to})
			if err != nil {
				return o, err
			}
			if err := count(sq, ok, c.applied); err != nil {
				return o, err
			}
		}
		fc, err := a.CountFilings(actor)
		if err != nil {
			return o, err
		}
		o.FilingsPending, o.Overdue = fc.Pending, fc.Overdue
	}
	return o, nil
}
