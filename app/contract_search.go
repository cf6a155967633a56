package app

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// FilingOverdue is the filter value (and the flag) of a contract whose
// filing is due and not done: signed, not filed, FilingDue passed.
const FilingOverdue = "overdue"

// filingNotApplied is how the index names FilingNone (an empty keyword is
// not indexed, so "not applied for" could not be filtered on).
const filingNotApplied = "none"

// ContractStatuses and ContractFilingFilters are the list's filter values,
// in display order.
var (
	ContractStatuses      = []string{ContractDraft, ContractSigned, ContractRevoked, ContractExpired, ContractCancelled}
	ContractFilingFilters = []string{filingNotApplied, FilingPending, FilingRejected, FilingFiled, FilingOverdue,
		FilingEnded, FilingCancelled}
)

// FilingOverdue reports whether the contract's filing is overdue at now:
// its filing deadline has passed and it is still owed (filingOwed).
func (c *Contract) FilingOverdue(now time.Time) bool {
	return c.filingOwed() && now.After(c.FilingDue)
}

// filingOwed: the contract should be filed and is not: a lease in effect
// not filed, or one that ran out while its application waits (still open:
// it may still be filed, app/contract_revoke.go followFiling). So an
// application open past its deadline (ContractFiling.Overdue) and its
// contract are overdue alike, on every list and count.
func (c *Contract) filingOwed() bool {
	if c.FilingDue.IsZero() {
		return false
	}
	switch c.Status {
	case ContractSigned:
		return c.FilingStatus != FilingFiled
	case ContractExpired:
		return c.FilingStatus == FilingPending || c.FilingStatus == FilingRejected
	}
	return false
}

// ContractQuery filters the contract list.
type ContractQuery struct {
	// Text: contract number, certificate number or filing certificate
	// number (whatever their width or case), party names, address, agency.
	Text     string
	Status   string // one of ContractStatuses; "" every status but drafts
	Filing   string // one of ContractFilingFilters
	District string
	AgencyID uint64 // government users: one agency's contracts
	Source   string // ContractOnline or ContractBackEntry
	From, To time.Time
	Page     int
	Size     int
}

// ContractPage is one page of the list. Drafts counts the drafts the actor
// may continue, so that the list (which leaves drafts out unless asked)
// can point at them.
type ContractPage struct {
	Items  []*Contract
	Total  int
	Page   int
	Pages  int
	Drafts int
	// Window is set when a broad list was narrowed to the contracts signed
	// (Field "signed"; drafts and cancelled ones: created) in its last
	// Days days; the list says so.
	Window *ListWindow
}

// SearchContracts lists the contracts the actor may see, newest signing
// first: government users their jurisdiction, agency users the contracts
// their agency brokered. Drafts are listed only when asked for, and only
// the actor's own (an agency admin: his agency's). A list without a date
// range or a number typed that matches more than listNarrowAt contracts
// is narrowed to the recent ones (searchDated).
func (a *App) SearchContracts(actor Actor, q ContractQuery) (ContractPage, error) {
	if err := actor.require(PermContractView); err != nil {
		return ContractPage{}, err
	}
	sq, ok := a.contractSearchQuery(actor, q)
	if !ok {
		return ContractPage{Page: 1, Pages: 1}, nil
	}
	var items []*Contract
	page, window, err := a.searchDated(a.contractList(sq, q), q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		c, err := contractTable.Get(tx, id)
		if err == nil && canSeeContract(actor, c) {
			items = append(items, c)
		}
		return nil
	})
	if err != nil {
		return ContractPage{}, err
	}
	out := ContractPage{Items: items, Total: page.Total, Page: page.Page, Pages: page.Pages, Window: window}
	if q.Status == "" && actor.Can(PermContractSign) {
		dq, ok := a.contractSearchQuery(actor, ContractQuery{Status: ContractDraft})
		if ok {
			if n, err := a.ix.CountMatches(dq); err == nil {
				out.Drafts = int(n)
			}
		}
	}
	return out, nil
}

// contractList is the contract query sq of q as a list by date: by
// signing, newest first; drafts and cancelled drafts, never signed, by
// creation.
func (a *App) contractList(sq search.Query, q ContractQuery) datedList {
	// The overdue list (a year of contracts at most) is a list of work
	// to do: never narrowed.
	l := datedList{sq: sq, field: "signed", end: a.now(),
		narrow: q.From.IsZero() && q.To.IsZero() && !exactContractText(q.Text) && q.Filing != FilingOverdue}
	switch {
	case q.Status == ContractDraft || q.Status == ContractCancelled:
		l.field = "created"
	case q.Filing == FilingOverdue:
		l.field = "signed_open"
	}
	if !q.To.IsZero() && q.To.Before(l.end) && l.field != "created" {
		l.end = q.To
	}
	return l
}

// exactContractText reports whether the search text is a number (a
// contract, certificate or filing certificate number): a handful of
// matches at most, never narrowed.
func exactContractText(text string) bool {
	t := normalizeContractSearchText(text)
	return t != "" && (isCode(t) || (strings.Contains(t, "第") && strings.HasSuffix(t, "号")))
}

// contractSearchQuery builds the index query of q for actor; false when
// the actor's scope and the filters exclude everything.
func (a *App) contractSearchQuery(actor Actor, q ContractQuery) (search.Query, bool) {
	sq := search.Query{Type: "contract", Text: normalizeContractSearchText(q.Text), Filters: map[string][]string{},
		Sort: []string{"-signed", "-created"}}
	// Scope: whose contracts.
	if !scopeFilters(actor, q.District, sq.Filters) {
		return sq, false
	}
	if q.AgencyID != 0 && !actor.Can(PermAgencyPortal) {
		sq.Filters["agency_id"] = []string{strconv.FormatUint(q.AgencyID, 10)}
	}
	// Status. A draft is its author's until signed (canSeeContract).
	switch {
	case q.Status == ContractDraft:
		sq.Filters["status"] = []string{ContractDraft}
		if !actor.System && !(actor.HasRole(RoleAgencyAdmin) && actor.Can(PermAgencyPortal)) {
			sq.Filters["creator_id"] = []string{strconv.FormatUint(actor.UserID, 10)}
		}
	case q.Status != "" && q.Status != ContractDraft:
		sq.Filters["status"] = []string{q.Status}
	default:
		sq.Filters["status"] = []string{ContractSigned, ContractRevoked, ContractExpired, ContractCancelled}
	}
	switch q.Filing {
	case "":
	case FilingOverdue:
		// filing_due is indexed only while the filing is open (signed,
		// not filed): overdue once it has passed. Such a contract carries
		// its signing date again as signed_open, which orders the list
		// as signed does and costs less to cut (searchDated).
		sq.Ranges = append(sq.Ranges, search.Range{Field: "filing_due", Max: a.now()})
		sq.Sort = []string{"-signed_open", "-created"}
	case filingNotApplied, FilingPending, FilingRejected, FilingFiled, FilingEnded, FilingCancelled:
		sq.Filters["filing_status"] = []string{q.Filing}
	default:
		return sq, false
	}
	if q.Source != "" {
		sq.Filters["source"] = []string{q.Source}
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		r := search.Range{Field: "signed"}
		if !q.From.IsZero() {
			r.Min = q.From
		}
		if !q.To.IsZero() {
			r.Max = q.To
		}
		sq.Ranges = append(sq.Ranges, r)
	}
	return sq, true
}

// contractNoDigits is a contract number typed without its dashes.
var contractNoDigits = regexp.MustCompile(`^HT([0-9]{6})([0-9]{4})([0-9]{6,})$`)

// normalizeContractSearchText makes a typed contract number, certificate
// number or filing certificate number match its stored form whatever its
// width, case or spacing; any other text (names, an address) is searched
// as typed, full-width letters and digits made half-width.
func normalizeContractSearchText(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if c := NormalizeCertNo(s); strings.Contains(c, "第") && strings.HasSuffix(c, "号") {
		return c // a property certificate number (…第…号)
	}
	compact := strings.ToUpper(strings.NewReplacer("－", "-", "—", "-", "–", "-").Replace(stripSpaceHalfWidth(s)))
	if m := contractNoDigits.FindStringSubmatch(compact); m != nil {
		return "HT" + m[1] + "-" + m[2] + "-" + m[3]
	}
	if isCode(compact) {
		return compact // a contract or filing certificate number
	}
	return HalfWidth(s)
}

// isCode: only ASCII letters, digits and dashes, with a digit and a
// letter — a number of some kind rather than a word or a name.
func isCode(s string) bool {
	digit, letter := false, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'A' && r <= 'Z':
			letter = true
		case r == '-':
		default:
			return false
		}
	}
	return digit && letter
}

// RevealContract returns the contract for its parties' ID numbers and
// phones to be shown in full, for a holder of PermPersonalData; the view is
// audited.
func (a *App) RevealContract(actor Actor, id uint64) (*Contract, error) {
	c, err := a.GetContract(actor, id)
	if err != nil {
		return nil, err
	}
	if err := actor.require(PermPersonalData); err != nil {
		return nil, err
	}
	err = a.update(func(tx *storage.Tx) error {
		return a.audit(tx, actor, "personal.view", "contract", c.ID, contractLabel(c)+": parties' id_no, phone",
			auditNote("audit.note.viewed_parties", noteText(contractLabel(c))))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// contractLabel names a contract in audit entries: its number, or its ID
// while a draft.
func contractLabel(c *Contract) string {
	if c.No != "" {
		return c.No
	}
	return "#" + strconv.FormatUint(c.ID, 10)
}

// scopeFilters limits a contract or filing search to what the actor may
// see — agency staff their agency's ("agency_id"), a district's staff
// their district — and to the district asked for. It reports false when
// that district is outside the actor's jurisdiction: nothing to find.
func scopeFilters(actor Actor, district string, filters map[string][]string) bool {
	switch {
	case actor.System:
	case actor.Can(PermAgencyPortal):
		filters["agency_id"] = []string{strconv.FormatUint(actor.AgencyID, 10)}
	case actor.District != "":
		if district != "" && district != actor.District {
			return false
		}
		filters["district"] = []string{actor.District}
	}
	if district != "" {
		filters["district"] = []string{district}
	}
	return true
}

// A list ordered by a date field (contracts by signing, filing
// applications by submission) asks bleve to sort every match on that
// field: a doc-value read per match, 20–80 µs when the matches lie
// scattered over the index, so 0.1–3 s for the broad lists of 1,000,000
// contracts (docs/benchmarks.md 6.1). searchDated instead counts the
// matches (Index.CountMatches reads nothing per match), finds by counting
// the date range that holds the page and little more, and sorts only the
// matches in it. A broad list with very many matches is narrowed to its
// recent days, and says so.
//
// A count costs about the number of documents whose date falls in the
// range counted (bleve ORs their postings), whatever the other filters:
// ranges reaching back from now are cheap for the newest-first lists; the
// pending queue, oldest first, counts on a date only pending applications
// carry ("pending_since"), and the overdue contracts on one only contracts
// with an open filing carry ("signed_open").

// listNarrowAt is the number of matches from which a broad list (no date
// range, no number typed) is narrowed to the most recent of listNarrowDays
// that holds that many: counting 1,000,000 matches costs more than the
// whole list may take, and nobody pages through 20,000.
var (
	listNarrowAt   = 20_000
	listNarrowDays = []int{7, 30, 90, 365}
)

// SetListNarrowAt sets the number of matches from which a broad contract
// or filing list is narrowed, for the tests of the pages that show the
// note (a demo platform holds far fewer contracts); it returns the
// function that restores it. Not for concurrent use: call it from a test
// that is not parallel.
func SetListNarrowAt(n int) (restore func()) {
	old := listNarrowAt
	listNarrowAt = n
	return func() { listNarrowAt = old }
}

// dateSortAllUpTo: up to this many matches, bleve sorts them all; the
// counts that find a narrower range would cost more.
var dateSortAllUpTo = 300

// dateSlackMin is the least number of matches searchDated lets a range
// hold beyond the page at either end: narrower ranges cost more counts
// than they save sorting.
var dateSlackMin uint64 = 20

// datedList is a query whose order starts with a Date field of its
// documents (documents without it come last).
type datedList struct {
	sq     search.Query
	field  string
	asc    bool      // oldest first (the pending queue)
	end    time.Time // no match is later (now, or the end of the date range asked for)
	narrow bool      // may be narrowed to recent days (newest first only)
}

// searchDated is searchPage for a datedList. The total is exact (within
// the window, when the list was narrowed) and the page holds what a full
// sort would have put there.
func (a *App) searchDated(l datedList, page, size int, load func(tx *storage.Tx, id uint64) error) (pageInfo, *ListWindow, error) {
	if size <= 0 || size > 100 {
		size = 20
	}
	page = max(page, 1)
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before search", "err", err)
	}
	c := &dateCounter{a: a, sq: l.sq, field: l.field, end: l.end, asc: l.asc}
	sq := l.sq
	window, total, err := c.narrow(l.narrow && !l.asc)
	if err != nil {
		return pageInfo{}, nil, err
	}
	if window != nil {
		sq.Ranges = append(slices.Clip(sq.Ranges), search.Range{Field: l.field, Min: window.Since})
	}
	info := pageInfo{Total: int(total), Pages: max((int(total)+size-1)/size, 1)}
	info.Page = min(page, info.Pages) // past the end: the last page
	from := uint64((info.Page - 1) * size)
	if from >= total {
		return info, window, nil // nothing matches
	}
	need := min(from+uint64(size), total)
	q := sq
	q.From, q.Size = int(from), size
	cut := false
	if total > uint64(dateSortAllUpTo) {
		r, skip, ok, err := c.cut(from, need, uint64(size))
		if err != nil {
			return pageInfo{}, nil, err
		}
		if ok {
			q.Ranges = append(slices.Clip(sq.Ranges), r)
			q.From = int(from - skip)
			cut = true
		}
	}
	res, err := a.ix.Search(q)
	if err == nil && cut && res.Total < need-from+uint64(q.From) {
		// Matches without the date field, or dated after the end: the
		// range missed some; sort them all.
		q.Ranges, q.From = sq.Ranges, int(from)
		res, err = a.ix.Search(q)
	}
	if err != nil {
		return pageInfo{}, nil, fmt.Errorf("search %s: %w", sq.Type, err)
	}
	err = a.loadHits(res.Hits, load)
	return info, window, err
}

// dateCounter counts the matches of a datedList on one side of end-d:
// newest first, those dated end-d or later (the count grows with d);
// oldest first, those dated before end-d (it shrinks as d grows). Either
// way the count is how many matches come before that date in the order.
type dateCounter struct {
	a     *App
	sq    search.Query
	field string
	end   time.Time
	asc   bool
	known map[time.Duration]uint64
}

func (c *dateCounter) rangeAt(d time.Duration) search.Range {
	if c.asc {
		return search.Range{Field: c.field, Max: c.end.Add(-d)}
	}
	return search.Range{Field: c.field, Min: c.end.Add(-d)}
}

func (c *dateCounter) count(d time.Duration) (uint64, error) {
	if n, ok := c.known[d]; ok {
		return n, nil
	}
	q := c.sq
	q.Ranges = append(slices.Clip(c.sq.Ranges), c.rangeAt(d))
	n, err := c.a.ix.CountMatches(q)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", q.Type, err)
	}
	if c.known == nil {
		c.known = map[time.Duration]uint64{}
	}
	c.known[d] = n
	return n, nil
}

// narrow counts the matches and, for a broad list, narrows it: to the
// first of listNarrowDays whose matches reach listNarrowAt. Every match
// is counted (cheap for few, dear for a million) only once the 90 days
// hold fewer: counting the last year costs as much as its documents,
// whatever they match.
func (c *dateCounter) narrow(broad bool) (*ListWindow, uint64, error) {
	all := func() (uint64, error) {
		n, err := c.a.ix.CountMatches(c.sq)
		if err != nil {
			return 0, fmt.Errorf("count %s: %w", c.sq.Type, err)
		}
		return n, nil
	}
	if !broad {
		n, err := all()
		return nil, n, err
	}
	var total uint64
	counted := false
	for _, days := range listNarrowDays {
		if days > 90 && !counted {
			var err error
			if total, err = all(); err != nil {
				return nil, 0, err
			}
			counted = true
			if total < uint64(listNarrowAt) {
				return nil, total, nil
			}
		}
		d := time.Duration(days) * 24 * time.Hour
		n, err := c.count(d)
		if err != nil {
			return nil, 0, err
		}
		if n >= uint64(listNarrowAt) {
			return &ListWindow{Field: c.field, Since: c.end.Add(-d), Days: days}, n, nil
		}
	}
	if !counted {
		var err error
		total, err = all()
		return nil, total, err
	}
	return nil, total, nil
}

// dateSpanMax bounds the search for a date: beyond it, every dated match
// is counted.
const dateSpanMax = 100 * 365 * 24 * time.Hour

// cut finds the range of the date field that holds the matches from+1 to
// need of the order and not many more (about size more at each end, when
// the counts allow), and how many matches come before it: the matches to
// sort. It reports false when it cannot tell (a page reaching the matches
// without a date).
func (c *dateCounter) cut(from, need, size uint64) (r search.Range, skip uint64, ok bool, err error) {
	slack := max(size, dateSlackMin)
	// The page ends once need matches come before the range's far end.
	far, farN, found, err := c.find(need, true, slack)
	if err != nil || !found {
		return search.Range{}, 0, false, err
	}
	r = c.rangeAt(far)
	if from <= slack {
		return r, 0, true, nil
	}
	// It starts after a point before which at most from matches come.
	near, nearN, found, err := c.find(from+1, false, slack)
	if err != nil || !found {
		return r, 0, true, err
	}
	if nearN > from || nearN > farN {
		return r, 0, true, nil
	}
	if !c.asc && near <= 0 {
		return r, 0, true, nil // not counted: there may be matches dated after the end
	}
	nr := c.rangeAt(near)
	// The complement of the near side: newest first [far, near), oldest
	// first [near, far).
	if c.asc {
		r.Min = nr.Max
	} else {
		r.Max = nr.Min
	}
	return r, nearN, true, nil
}

// find looks for a d where the count crosses target: with reach, the d
// nearest the crossing whose count is at least target (at most slack
// more, if the counts allow); without, the nearest whose count is below
// target (at most slack below).
func (c *dateCounter) find(target uint64, reach bool, slack uint64) (time.Duration, uint64, bool, error) {
	// Newest first the count grows with d, oldest first it shrinks: "up"
	// is where it reaches target.
	reachUp := !c.asc
	hiD, loD := time.Duration(-1), time.Duration(-1) // reaching, short
	var hiN, loN uint64
	nearer := func(d, than time.Duration, towardUp bool) bool {
		return than < 0 || (towardUp == (d > than))
	}
	for d, n := range c.known {
		if n >= target {
			// The reaching d nearest the crossing: newest first the
			// smallest, oldest first the largest.
			if nearer(d, hiD, !reachUp) {
				hiD, hiN = d, n
			}
		} else if nearer(d, loD, reachUp) {
			loD, loN = d, n
		}
	}
	if !c.asc && loD < 0 {
		loD, loN = 0, 0 // nothing is dated after now, as far as we know
	}
	// Widen until the crossing is between a reaching and a short d.
	for hiD < 0 || loD < 0 {
		var next float64
		switch {
		case !c.asc: // newest first: from the short d further back
			f := 16.0
			if loN > 0 {
				f = min(max(1.25*float64(target)/float64(loN), 2), 16)
			}
			next = max(float64(loD)*f, float64(time.Hour))
		case hiD < 0 && loD < 0:
			next = float64(time.Hour)
		case hiD < 0: // oldest first: from the short d toward now
			if loD <= time.Hour {
				return 0, 0, false, nil // the last hour holds all but a few
			}
			next = max(float64(loD)/4, float64(time.Hour))
		default: // oldest first: from the reaching d further back
			f := 4.0
			if hiN > 0 {
				f = min(max(float64(hiN)/float64(target), 2), 16)
			}
			next = float64(hiD) * f
		}
		if next > float64(dateSpanMax) {
			if c.asc && hiD >= 0 {
				break // nothing that old: the reaching d is all we know
			}
			return 0, 0, false, nil // the page reaches undated matches
		}
		d := time.Duration(next)
		n, err := c.count(d)
		if err != nil {
			return 0, 0, false, err
		}
		if n >= target {
			hiD, hiN = d, n
		} else {
			loD, loN = d, n
		}
	}
	// Narrow it, alternately by interpolating the counts and by halving,
	// until the side asked for is within slack of target.
	close := func() bool {
		if reach {
			return hiN-target <= slack
		}
		return target-1-loN <= slack
	}
	for i := 0; i < 12 && loD >= 0 && hiD >= 0 && !close(); i++ {
		gap := hiD - loD
		if gap < 0 {
			gap = -gap
		}
		if gap <= time.Millisecond {
			break // tied dates: nothing to split
		}
		t := 0.5
		if i%2 == 0 && hiN > loN {
			// Aim a little on the asked side of target.
			aim := float64(target) + float64(slack)/2
			if !reach {
				aim = float64(target) - float64(slack)/2
			}
			t = min(max((aim-float64(loN))/float64(hiN-loN), 0.02), 0.98)
		}
		d := loD + time.Duration(t*float64(hiD-loD))
		n, err := c.count(d)
		if err != nil {
			return 0, 0, false, err
		}
		if n >= target {
			hiD, hiN = d, n
		} else {
			loD, loN = d, n
		}
	}
	if reach {
		return hiD, hiN, hiD >= 0, nil
	}
	return loD, loN, loD >= 0, nil
}
