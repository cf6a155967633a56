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
// it is in effect, not filed, and its filing deadline has passed.
func (c *Contract) FilingOverdue(now time.Time) bool {
	return c.Status == ContractSigned && c.FilingStatus != FilingFiled && !c.FilingDue.IsZero() && now.After(c.FilingDue)
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
	if q.Status == ContractDraft || q.Status == ContractCancelled {
		l.field = "created"
	}
	if !q.To.IsZero() && q.To.Before(l.end) && l.field == "signed" {
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
		// not filed): overdue once it has passed.
		sq.Ranges = append(sq.Ranges, search.Range{Field: "filing_due", Max: a.now()})
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
		return a.audit(tx, actor, "personal.view", "contract", c.ID, contractLabel(c)+": parties' id_no, phone")
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
// field: a doc-value read per match, about 20 µs when the matches lie
// scattered over the index, so 0.2–2.8 s for the broad lists of 1,000,000
// contracts (docs/benchmarks.md 6.1). searchDated instead counts the
// matches (Index.CountMatches reads nothing per match) and sorts only
// those of a date range just wide enough to hold the page, found by
// counting; a broad list with very many matches is narrowed to its recent
// days, and says so.

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
var dateSortAllUpTo = 500

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
	var window *ListWindow
	var total uint64
	counted := false
	if l.narrow && !l.asc {
		for _, days := range listNarrowDays {
			d := time.Duration(days) * 24 * time.Hour
			n, err := c.count(d)
			if err != nil {
				return pageInfo{}, nil, err
			}
			if n >= uint64(listNarrowAt) {
				window = &ListWindow{Field: l.field, Since: l.end.Add(-d), Days: days}
				sq.Ranges = append(slices.Clip(sq.Ranges), search.Range{Field: l.field, Min: window.Since})
				total, counted = n, true
				break
			}
		}
	}
	if !counted {
		n, err := a.ix.CountMatches(sq)
		if err != nil {
			return pageInfo{}, nil, fmt.Errorf("count %s: %w", sq.Type, err)
		}
		total = n
	}
	info := pageInfo{Total: int(total), Page: page, Pages: max((int(total)+size-1)/size, 1)}
	from := (page - 1) * size
	if uint64(from) >= total {
		return info, window, nil // past the last page: nothing to show
	}
	need := uint64(min(page*size, int(total)))
	q := sq
	q.From, q.Size = from, size
	cut := false
	if total > uint64(dateSortAllUpTo) {
		r, ok, err := c.cut(need)
		if err != nil {
			return pageInfo{}, nil, err
		}
		if ok {
			q.Ranges = append(slices.Clip(sq.Ranges), r)
			cut = true
		}
	}
	res, err := a.ix.Search(q)
	if err == nil && cut && res.Total < need {
		// Matches without the date field, or dated after the end: the
		// range missed some; sort them all.
		q.Ranges = sq.Ranges
		res, err = a.ix.Search(q)
	}
	if err != nil {
		return pageInfo{}, nil, fmt.Errorf("search %s: %w", sq.Type, err)
	}
	err = a.db.View(func(tx *storage.Tx) error {
		for _, h := range res.Hits {
			if id, ok := parseDocID(h.ID); ok {
				if err := load(tx, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return info, window, err
}

// dateCounter counts the matches of a datedList on one side of end-d:
// newest first, those dated end-d or later; oldest first, those dated
// before end-d. The count grows with d newest first and shrinks oldest
// first; either way the page lies among the matches counted once the
// count reaches page×size.
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

// dateSpanMax bounds the search for a range: beyond it, every dated
// match is counted.
const dateSpanMax = 100 * 365 * 24 * time.Hour

// cut finds a range of the date field that holds the first need matches
// of the order and not many more (at most need/2, or 100, more when the
// counts allow): the range to sort.
func (c *dateCounter) cut(need uint64) (search.Range, bool, error) {
	slack := max(need/2, 100)
	// ok: a d whose side holds at least need matches; bad: one whose side
	// holds fewer. Newest first ok lies beyond bad; oldest first before.
	okD, badD := time.Duration(-1), time.Duration(-1)
	var okN, badN uint64
	for d, n := range c.known {
		if n >= need {
			if okD < 0 || (c.asc && d > okD) || (!c.asc && d < okD) {
				okD, okN = d, n
			}
		} else if badD < 0 || (c.asc && d < badD) || (!c.asc && d > badD) {
			badD, badN = d, n
		}
	}
	if !c.asc && badD < 0 {
		badD, badN = 0, 0
	}
	// Widen until both sides are known.
	for okD < 0 || badD < 0 {
		var next float64 // nanoseconds, unbounded
		switch {
		case !c.asc: // from bad (too recent) further back
			f := 16.0
			if badN > 0 {
				f = min(max(1.25*float64(need)/float64(badN), 2), 16)
			}
			next = max(float64(badD)*f, float64(time.Hour))
		case okD < 0 && badD < 0:
			next = float64(time.Hour)
		case okD < 0: // even the last hour holds more than all but need
			return search.Range{}, false, nil
		default: // from ok further back, until too few are older
			next = float64(okD) * 4
		}
		if next > float64(dateSpanMax) {
			if c.asc {
				break // everything is older than that: unlikely, keep ok
			}
			return search.Range{}, false, nil // the page reaches undated matches
		}
		d := time.Duration(next)
		n, err := c.count(d)
		if err != nil {
			return search.Range{}, false, err
		}
		if n >= need {
			okD, okN = d, n
		} else {
			badD, badN = d, n
		}
	}
	// Narrow it, alternately by interpolating the counts and by halving.
	for i := 0; i < 10 && okN-need > slack && badD >= 0; i++ {
		gap := badD - okD
		if gap < 0 {
			gap = -gap
		}
		if gap < time.Second {
			break
		}
		t := 0.5
		if i%2 == 0 && okN > badN {
			// Aim a little on the ok side of need + slack/2.
			target := float64(need + slack/2)
			t = min(max((float64(okN)-target)/float64(okN-badN), 0.02), 0.98)
		}
		d := okD + time.Duration(t*float64(badD-okD))
		n, err := c.count(d)
		if err != nil {
			return search.Range{}, false, err
		}
		if n >= need {
			okD, okN = d, n
		} else {
			badD, badN = d, n
		}
	}
	return c.rangeAt(okD), true, nil
}
