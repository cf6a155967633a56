package app

import (
	"fmt"
	"time"

	"anju/search"
	"anju/storage"
)

// The review backlog (审核待办与逾期) of the statistics page: for each
// review queue the reader may see, how many items wait for a reviewer now
// and how long they have waited, and the contracts past their filing
// deadline by how long. DESIGN.md counts "reviewers' queues and overdue
// items" among the statistics: a leader reads here where work piles up,
// which the period's flows above it do not show. Every figure is as of
// now, whatever period the page shows.

// BacklogAges are the bounds, in days, of the age groups: under 3 days,
// 3 to 7, 7 to 30, 30 and more.
var BacklogAges = []int{3, 7, 30}

// The backlog's rows, in display order.
const (
	QueueFilings  = "filings"  // contract filing applications (合同备案申请)
	QueueAgencies = "agencies" // agency filing, change and cancellation applications (机构备案申请)
	QueueScoring  = "scoring"  // scoring applications (记分申请)
	QueueRequests = "requests" // objections and credit repair requests (异议与信用修复)
	QueueLists    = "lists"    // red and black list entries proposed (红黑名单申报)
	// QueueOverdue is the signed contracts past their filing deadline
	// (逾期未备案合同); their age is the time since the deadline.
	QueueOverdue = "overdue"
)

// BacklogRow is one queue: how many wait, by age group, and since when
// the longest-waiting one waits (its submission; an overdue contract's
// deadline).
type BacklogRow struct {
	Queue  string
	Count  int
	Ages   []int // len(BacklogAges)+1 counts, youngest first
	Oldest time.Time
}

// ageGroup is the index in Ages of an item waiting since since.
func ageGroup(now, since time.Time) int {
	waited := now.Sub(since)
	i := 0
	for i < len(BacklogAges) && waited >= time.Duration(BacklogAges[i])*24*time.Hour {
		i++
	}
	return i
}

func newBacklogRow(queue string) BacklogRow {
	return BacklogRow{Queue: queue, Ages: make([]int, len(BacklogAges)+1)}
}

// add counts an item waiting since since.
func (r *BacklogRow) add(now, since time.Time) {
	r.Count++
	r.Ages[ageGroup(now, since)]++
	if r.Oldest.IsZero() || since.Before(r.Oldest) {
		r.Oldest = since
	}
}

// backlog counts the queues the actor may see in district ("" is all of
// his scope). The small queues (agency applications, scoring, requests,
// list entries: thousands at most) are read from the store through the
// same readers as their lists (eachVisibleApp, eachPendingScoring,
// PendingRequests, eachVisibleListEntry), so a row always equals its list; filing applications and overdue contracts, which a
// year of 300,000 leases can make many, are counted in the index.
func (a *App) backlog(actor Actor, district string) ([]BacklogRow, error) {
	now := a.now()
	var out []BacklogRow
	var overdue *BacklogRow // last: not a review queue
	if actor.Can(PermContractView) {
		rows, err := a.filingBacklog(actor, district, now)
		if err != nil {
			return nil, err
		}
		out, overdue = append(out, rows[0]), &rows[1]
	}
	if actor.Can(PermAgencyView) {
		row := newBacklogRow(QueueAgencies)
		err := a.db.View(func(tx *storage.Tx) error {
			return eachVisibleApp(tx, actor, AppPending, district, func(ap *AgencyApplication) (bool, error) {
				row.add(now, ap.Submitted)
				return true, nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("backlog of agency applications: %w", err)
		}
		out = append(out, row)
	}
	if actor.Can(PermCreditView) {
		row := newBacklogRow(QueueScoring)
		err := a.db.View(func(tx *storage.Tx) error {
			return eachPendingScoring(tx, actor, district, func(p *ScoringApplication) error {
				row.add(now, p.Filed)
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("backlog of scoring applications: %w", err)
		}
		out = append(out, row)
		requests, err := a.PendingRequests(actor, district)
		if err != nil {
			return nil, fmt.Errorf("backlog of credit requests: %w", err)
		}
		row = newBacklogRow(QueueRequests)
		for _, r := range requests {
			row.add(now, r.PendingRequest().At)
		}
		out = append(out, row)
	}
	if actor.Can(PermListView) {
		row := newBacklogRow(QueueLists)
		err := a.db.View(func(tx *storage.Tx) error {
			return eachVisibleListEntry(tx, actor, ListPending, district, func(e *ListEntry) error {
				row.add(now, e.Created)
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("backlog of list entries: %w", err)
		}
		out = append(out, row)
	}
	if overdue != nil {
		out = append(out, *overdue)
	}
	return out, nil
}

// filingBacklog counts the filing applications waiting for review and the
// contracts past their filing deadline, by age group, in the index
// (Index.CountMatches reads no record), and reads the longest-waiting of
// each.
func (a *App) filingBacklog(actor Actor, district string, now time.Time) ([2]BacklogRow, error) {
	rows := [2]BacklogRow{newBacklogRow(QueueFilings), newBacklogRow(QueueOverdue)}
	pending, ok, err := a.filingSearchQuery(actor, FilingQuery{Status: FilingPending, District: district})
	if err != nil || !ok {
		return rows, err
	}
	// Only pending applications carry pending_since (their submission);
	// an overdue contract's filing_due is its deadline, indexed while its
	// filing is open.
	if err := a.countByAge(&rows[0], pending, "pending_since", now); err != nil {
		return rows, err
	}
	if rows[0].Count > 0 {
		oldest, err := a.SearchFilings(actor, FilingQuery{Status: FilingPending, District: district, Size: 1})
		if err != nil {
			return rows, err
		}
		if len(oldest.Items) > 0 {
			rows[0].Oldest = oldest.Items[0].Submitted
		}
	}
	overdue, ok := a.contractSearchQuery(actor, ContractQuery{Filing: FilingOverdue, District: district})
	if !ok {
		return rows, nil
	}
	if err := a.countByAge(&rows[1], overdue, "filing_due", now); err != nil {
		return rows, err
	}
	if rows[1].Count > 0 {
		// The deadline is the signing date plus the parameter's days, so
		// the contract signed first has waited longest. filing_due is not
		// sortable; signed_open is (only open filings carry it), and
		// searchDated finds the first of it by counting, not by sorting
		// every overdue contract.
		overdue.Sort = []string{"signed_open"}
		l := datedList{sq: overdue, field: "signed_open", asc: true, end: now}
		_, _, err := a.searchDated(l, 1, 1, func(tx *storage.Tx, id uint64) error {
			c, err := contractTable.Get(tx, id)
			if err == nil {
				rows[1].Oldest = c.FilingDue
			}
			return err
		})
		if err != nil {
			return rows, fmt.Errorf("oldest overdue contract: %w", err)
		}
	}
	return rows, nil
}

// countByAge fills row's counts of q's matches by the age of their field
// (a date in the past): one count per age group.
func (a *App) countByAge(row *BacklogRow, q search.Query, field string, now time.Time) error {
	for i := range row.Ages {
		gq := q
		gq.Ranges = append(append([]search.Range(nil), q.Ranges...), search.Range{Field: field})
		r := &gq.Ranges[len(gq.Ranges)-1]
		if i > 0 {
			r.Max = now.Add(-time.Duration(BacklogAges[i-1]) * 24 * time.Hour)
		}
		if i < len(BacklogAges) {
			r.Min = now.Add(-time.Duration(BacklogAges[i]) * 24 * time.Hour)
		}
		n, err := a.ix.CountMatches(gq)
		if err != nil {
			return fmt.Errorf("count %s by age: %w", row.Queue, err)
		}
		row.Ages[i] = int(n)
		row.Count += int(n)
	}
	return nil
}
