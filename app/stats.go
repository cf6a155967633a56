package app

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"anju/search"
	"anju/storage"
)

// Statistics (统计分析): verifications issued, contracts signed, filing
// applications and filings approved, per month of a year or per day of a
// month, and per district, in the reader's jurisdiction. Every figure is a
// count of the search index (Index.CountMatches reads no record), so the
// page costs one count per cell whatever the number of records.

// StatsKinds are the counted flows, in display order.
var StatsKinds = []string{"verified", "signed", "applied", "filed"}

// StatsQuery chooses the period: a year, or one month of it (Month 1–12).
type StatsQuery struct {
	Year     int
	Month    int // 0: the whole year, by month
	District string
}

// StatsRow is one period (a month or a day) or one district.
type StatsRow struct {
	Start    time.Time // the period's first instant (zero for a district row)
	District string    // the district's code (district rows)
	Counts   map[string]int
}

// Stats is the statistics page's figures.
type Stats struct {
	Query     StatsQuery
	From, To  time.Time  // the period, To exclusive
	Kinds     []string   // the kinds the reader may see, of StatsKinds
	Rows      []StatsRow // by month (a year) or by day (a month)
	Districts []StatsRow // by district over the whole period
	Totals    map[string]int
	Max       int // the largest count of Rows, for a chart's scale
	// Levels counts the filed agencies in scope by credit level as it
	// stands today, best first (nil when the reader does not see credit).
	Levels []LevelCount
	// Rent is the rents agreed in the period (app/stats_rent.go; nil when
	// the reader does not see contracts).
	Rent *RentStats
	// Backlog is what waits for review now, and the contracts overdue for
	// filing, in the district or the reader's scope (stats_backlog.go):
	// the queues he may see, whatever the period.
	Backlog []BacklogRow
}

// LevelCount is how many agencies hold a credit level.
type LevelCount struct {
	Level string
	Count int
}

// statsQuery is the index query counting one kind in the actor's scope.
func statsQuery(actor Actor, kind, district string) (search.Query, string, bool) {
	var sq search.Query
	var field string
	switch kind {
	case "verified":
		sq, field = search.Query{Type: "verification"}, "issued"
	case "signed":
		sq, field = search.Query{Type: "contract"}, "signed"
	case "applied":
		sq, field = search.Query{Type: "filing"}, "submitted"
	case "filed":
		// Approved, whatever became of the contract since: filed, ended,
		// or revoked after approval (cancelled with a certificate; one
		// cancelled while pending or rejected has none): "approved". "decided" is the
		// approval's date for them, so a revocation does not take an
		// approval back out of the month it was given in.
		sq, field = search.Query{Type: "filing", Filters: map[string][]string{"approved": {"1"}}}, "decided"
	}
	if sq.Filters == nil {
		sq.Filters = map[string][]string{}
	}
	return sq, field, scopeFilters(actor, district, sq.Filters)
}

// countFlow counts one of StatsKinds in [from, to) in the actor's scope
// (district "" is all of it). Callers catch the index up first.
func (a *App) countFlow(actor Actor, kind, district string, from, to time.Time) (int, error) {
	sq, field, ok := statsQuery(actor, kind, district)
	if !ok {
		return 0, nil
	}
	sq.Ranges = append(sq.Ranges, search.Range{Field: field, Min: from, Max: to})
	n, err := a.ix.CountMatches(sq)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", kind, err)
	}
	return int(n), nil
}

// Statistics counts the figures of q for actor. Verifications need their
// list's permission; contracts and filings the contract list's.
func (a *App) Statistics(actor Actor, q StatsQuery) (Stats, error) {
	canV, canC := actor.Can(PermVerifyList), actor.Can(PermContractView)
	if !canV && !canC || !actor.Can(PermGovPortal) {
		return Stats{}, Errorf(EFORBIDDEN, "error.forbidden")
	}
	now := a.now().In(time.Local)
	if q.Year < 2000 || q.Year > now.Year()+1 {
		q.Year = now.Year()
	}
	if q.Month < 0 || q.Month > 12 {
		q.Month = 0
	}
	if actor.District != "" {
		q.District = actor.District
	} else if q.District != "" {
		// A district the dictionary does not know (a typed address) would
		// show a year of zeros under its bare code.
		err := a.db.View(func(tx *storage.Tx) error { _, err := dictGet(tx, DictDistrict, q.District); return err })
		if errors.Is(err, storage.ErrNotFound) {
			return Stats{}, fieldError("district", "stats.district_unknown")
		}
		if err != nil {
			return Stats{}, err
		}
	}
	st := Stats{Query: q, Totals: map[string]int{}}
	for _, k := range StatsKinds {
		if k == "verified" && canV || k != "verified" && canC {
			st.Kinds = append(st.Kinds, k)
		}
	}
	if q.Month == 0 {
		st.From = time.Date(q.Year, 1, 1, 0, 0, 0, 0, time.Local)
		st.To = st.From.AddDate(1, 0, 0)
		for m := st.From; m.Before(st.To); m = m.AddDate(0, 1, 0) {
			st.Rows = append(st.Rows, StatsRow{Start: m, Counts: map[string]int{}})
		}
	} else {
		st.From = time.Date(q.Year, time.Month(q.Month), 1, 0, 0, 0, 0, time.Local)
		st.To = st.From.AddDate(0, 1, 0)
		for d := st.From; d.Before(st.To); d = d.AddDate(0, 0, 1) {
			st.Rows = append(st.Rows, StatsRow{Start: d, Counts: map[string]int{}})
		}
	}
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before counting", "err", err)
	}
	count := func(kind, district string, from, to time.Time) (int, error) {
		return a.countFlow(actor, kind, district, from, to)
	}
	for i := range st.Rows {
		end := st.To
		if i+1 < len(st.Rows) {
			end = st.Rows[i+1].Start
		}
		for _, k := range st.Kinds {
			n, err := count(k, q.District, st.Rows[i].Start, end)
			if err != nil {
				return st, err
			}
			st.Rows[i].Counts[k] = n
			st.Totals[k] += n
			st.Max = max(st.Max, n)
		}
	}
	if actor.Can(PermCreditView) {
		levels, err := a.agencyLevels(actor, q.District)
		if err != nil {
			return st, err
		}
		st.Levels = levels
	}
	backlog, err := a.backlog(actor, q.District)
	if err != nil {
		return st, err
	}
	st.Backlog = backlog
	districts, err := a.Dict(DictDistrict, false)
	if err != nil {
		return st, err
	}
	var inScope []string
	for _, d := range districts {
		if q.District != "" && d.Code != q.District {
			continue
		}
		inScope = append(inScope, d.Code)
		row := StatsRow{District: d.Code, Counts: map[string]int{}}
		seen := false
		for _, k := range st.Kinds {
			n, err := count(k, d.Code, st.From, st.To)
			if err != nil {
				return st, err
			}
			row.Counts[k] = n
			seen = seen || n > 0
		}
		// A disabled district with nothing in the period is left out.
		if seen || d.Enabled {
			st.Districts = append(st.Districts, row)
		}
	}
	if canC {
		if st.Rent, err = a.rentStats(&st, inScope); err != nil {
			return st, err
		}
		// As with the counts, a disabled district without a lease in the
		// period is left out.
		st.Rent.Districts = slices.DeleteFunc(st.Rent.Districts, func(r RentRow) bool {
			return r.Whole+r.Shared == 0 && !slices.ContainsFunc(st.Districts, func(s StatsRow) bool { return s.District == r.District })
		})
	}
	return st, nil
}

// agencyLevels counts the filed agencies of district (or every one the
// actor sees) by their credit level today. An agency without a credit
// record has the base score's level.
func (a *App) agencyLevels(actor Actor, district string) ([]LevelCount, error) {
	counts := map[string]int{}
	listed, err := a.ListedSubjects()
	if err != nil {
		return nil, err
	}
	err = a.db.View(func(tx *storage.Tx) error {
		return agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
			if ag.Status == AgencyFiled && canSeeAgency(actor, ag) && (district == "" || ag.District == district) {
				counts[a.readSummary(tx, Subject{Kind: SubjectAgency, ID: ag.ID}, listed).Level]++
			}
			return true, nil
		})
	})
	out := make([]LevelCount, 0, len(CreditLevels))
	for _, l := range CreditLevels {
		out = append(out, LevelCount{Level: l, Count: counts[l]})
	}
	return out, err
}
