package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// FilingQuery filters the filing applications: the reviewers' queue and
// the applicant's list.
type FilingQuery struct {
	Text     string // application, contract, certificate or filing certificate number; names; address
	Status   string // a Filing* status; "" any
	District string
	Agency   string // an agency's name (government users)
	From, To time.Time
	Overdue  bool // open past the filing deadline
	Mine     bool // applied for by the actor
	Page     int
	Size     int
}

// FilingPage is one page of applications.
type FilingPage struct {
	Items []*ContractFiling
	Total int
	Page  int
	Pages int
	// Window is set when a broad list was narrowed to the applications
	// submitted in its last Days days (Field "submitted"); the list says so.
	Window *ListWindow
}

// FilingStatuses are the application statuses in display order.
var FilingStatuses = []string{FilingPending, FilingRejected, FilingFiled, FilingEnded, FilingCancelled}

// SearchFilings lists the applications the actor may see: reviewers and
// other government users those of their jurisdiction, agency staff their
// agency's. A pending queue is oldest first (first come, first served);
// any other list newest first. A list of closed or all applications
// without a date range or a number that matches more than listNarrowAt is
// narrowed to the recent ones (searchDated).
func (a *App) SearchFilings(actor Actor, q FilingQuery) (FilingPage, error) {
	if err := actor.require(PermContractView); err != nil {
		return FilingPage{}, err
	}
	empty := FilingPage{Page: 1, Pages: 1}
	sq, ok, err := a.filingSearchQuery(actor, q)
	if err != nil || !ok {
		return empty, err
	}
	// Open applications (pending, returned, overdue) are work to do: never
	// narrowed.
	l := datedList{sq: sq, field: "submitted", end: a.now(),
		narrow: q.From.IsZero() && q.To.IsZero() && !exactContractText(q.Text) && !q.Overdue &&
			q.Status != FilingPending && q.Status != FilingRejected}
	if q.Status == FilingPending {
		l.field, l.asc = "pending_since", true
	}
	if !q.To.IsZero() && q.To.Before(l.end) {
		l.end = q.To
	}
	var items []*ContractFiling
	page, window, err := a.searchDated(l, q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		f, err := contractFilingTable.Get(tx, id)
		if err == nil && canSeeFiling(actor, f) {
			items = append(items, f)
		}
		return nil
	})
	if err != nil {
		return FilingPage{}, err
	}
	return FilingPage{Items: items, Total: page.Total, Page: page.Page, Pages: page.Pages, Window: window}, nil
}

// FilingsToReview counts the pending applications the actor may decide:
// those of his scope less the ones he submitted or resubmitted himself,
// which he may not review (ContractFiling.Own, filing.review_own). A clerk
// who is also a reviewer would otherwise be sent to a queue with nothing
// in it for him. Counted without reading any match, like CountFilings.
func (a *App) FilingsToReview(actor Actor) (int, error) {
	if !actor.Can(PermFilingReview) {
		return 0, nil
	}
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before counting", "err", err)
	}
	sq, ok, err := a.filingSearchQuery(actor, FilingQuery{Status: FilingPending})
	if err != nil || !ok {
		return 0, err
	}
	all, err := a.ix.CountMatches(sq)
	if err != nil {
		return 0, fmt.Errorf("count filings to review: %w", err)
	}
	sq.Filters["applicant_ids"] = []string{strconv.FormatUint(actor.UserID, 10)}
	own, err := a.ix.CountMatches(sq)
	if err != nil {
		return 0, fmt.Errorf("count own filings: %w", err)
	}
	return int(all - own), nil
}

// filingSearchQuery builds the index query of q for actor; false when the
// actor's scope and the filters exclude everything.
func (a *App) filingSearchQuery(actor Actor, q FilingQuery) (search.Query, bool, error) {
	sq := search.Query{Type: "filing", Text: normalizeContractSearchText(q.Text), Filters: map[string][]string{},
		Sort: []string{"-submitted"}}
	if !scopeFilters(actor, q.District, sq.Filters) {
		return sq, false, nil
	}
	if name := strings.TrimSpace(q.Agency); name != "" && !actor.Can(PermAgencyPortal) {
		ids, err := a.agencyIDsNamed(name)
		if err != nil {
			return sq, false, err
		}
		if len(ids) == 0 {
			return sq, false, nil
		}
		sq.Filters["agency_id"] = ids
	}
	if q.Status != "" {
		if !containsString(FilingStatuses, q.Status) {
			return sq, false, nil
		}
		sq.Filters["status"] = []string{q.Status}
		if q.Status == FilingPending {
			// Oldest first, on the date only pending applications carry
			// (their submission): see searchDated.
			sq.Sort = []string{"pending_since"}
		}
	}
	if q.Overdue {
		// "due" is indexed only while the application is open.
		sq.Ranges = append(sq.Ranges, search.Range{Field: "due", Max: a.now()})
	}
	if q.Mine {
		sq.Filters["submitter_id"] = []string{strconv.FormatUint(actor.UserID, 10)}
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		r := search.Range{Field: "submitted"}
		if !q.From.IsZero() {
			r.Min = q.From
		}
		if !q.To.IsZero() {
			r.Max = q.To
		}
		sq.Ranges = append(sq.Ranges, r)
	}
	return sq, true, nil
}

// agencyIDsNamed finds the agencies (up to 100) whose name or credit code
// matches, for the queue's agency filter.
func (a *App) agencyIDsNamed(name string) ([]string, error) {
	res, err := a.ix.Search(search.Query{Type: "agency", Text: name, Size: 100})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, h := range res.Hits {
		if id, ok := parseDocID(h.ID); ok {
			ids = append(ids, strconv.FormatUint(id, 10))
		}
	}
	return ids, nil
}

// FilingCounts are the figures of the filing page's tabs.
type FilingCounts struct {
	Pending  int // applications waiting for review
	Returned int // applications returned to the applicant
	Overdue  int // contracts past their filing deadline, not filed (Contract.FilingOverdue)
}

// CountFilings gives the actor's figures (in his scope). They are counted
// without reading any match (Index.CountMatches), never narrowed.
func (a *App) CountFilings(actor Actor) (FilingCounts, error) {
	var out FilingCounts
	if err := actor.require(PermContractView); err != nil {
		return out, err
	}
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before counting", "err", err)
	}
	for _, c := range []struct {
		status string
		n      *int
	}{{FilingPending, &out.Pending}, {FilingRejected, &out.Returned}} {
		sq, ok, err := a.filingSearchQuery(actor, FilingQuery{Status: c.status})
		if err != nil {
			return out, err
		}
		if ok {
			n, err := a.ix.CountMatches(sq)
			if err != nil {
				return out, fmt.Errorf("count filings: %w", err)
			}
			*c.n = int(n)
		}
	}
	if sq, ok := a.contractSearchQuery(actor, ContractQuery{Filing: FilingOverdue}); ok {
		n, err := a.ix.CountMatches(sq)
		if err != nil {
			return out, fmt.Errorf("count overdue contracts: %w", err)
		}
		out.Overdue = int(n)
	}
	return out, nil
}

// PublicFiling is what the public filing check shows: no ID numbers, the
// names of lessees who are persons masked. An organisation lessee is named
// in full (Party.Shown): a company's name is not personal data, and whoever
// asks has typed the name of one of the lessees already.
type PublicFiling struct {
	CertificateNo string
	State         string // FilingFiled, FilingEnded or FilingCancelled
	District      string
	Address       string
	Start, End    time.Time
	Rent          int
	Lessees       []string // masked
	AgencyName    string
	Filed         time.Time
	Ended         time.Time // Contract.EndDay: the day the page names as the end
	// RevokeOn: still filed, the lease is terminated from this day by a revocation
	// recorded ahead of it, and the filing is cancelled then.
	RevokeOn time.Time
}

// CheckFiling answers the public filing check: a filing certificate
// number and the name of one of the lessees. An unknown number and a name
// that does not match get the same answer, so that nobody learns who
// rents where by trying names.
func (a *App) CheckFiling(certNo, name string) (PublicFiling, error) {
	certNo = NormalizeFilingCertNo(certNo)
	var v validation
	if certNo == "" {
		v.add("cert", "filing.public_cert_required")
	}
	if strings.TrimSpace(name) == "" {
		v.add("name", "filing.public_name_required")
	}
	if err := v.err(); err != nil {
		return PublicFiling{}, err
	}
	none := Errorf(ENOTFOUND, "filing.public_none")
	var c *Contract
	var f *ContractFiling
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		if c, err = contractTable.LookupOne(tx, "filing_cert_no", []byte(certNo)); err != nil {
			return err
		}
		if c.FilingID != 0 {
			f, _ = contractFilingTable.Get(tx, c.FilingID)
		}
		return nil
	})
	if err != nil {
		return PublicFiling{}, notFound("filing.public_none", err)
	}
	match := false
	for _, p := range c.Lessees() {
		match = match || sameName(p.Name, name)
	}
	if !match {
		return PublicFiling{}, none
	}
	pf := PublicFiling{CertificateNo: c.FilingCertNo, State: c.FilingStatus, District: c.District,
		Address: contractAddress(c), Start: c.Terms.Start, End: c.Terms.End, Rent: c.Terms.Rent,
		AgencyName: c.AgencyName, Ended: c.EndDay()}
	switch pf.State {
	case FilingFiled, FilingEnded, FilingCancelled:
	default:
		return PublicFiling{}, none
	}
	for _, p := range c.Lessees() {
		pf.Lessees = append(pf.Lessees, p.Shown())
	}
	if f != nil && f.CertificateNo == c.FilingCertNo {
		pf.Filed = f.Decided
	} else {
		for _, e := range c.History {
			if e.Action == "filing_approved" {
				pf.Filed = e.Time
			}
		}
	}
	if pf.State == FilingFiled {
		pf.Ended = time.Time{}
		if r := c.PendingRevocation(); r != nil {
			pf.RevokeOn = r.On
		}
	} else if pf.Ended.IsZero() {
		pf.Ended = c.Terms.End
	}
	return pf, nil
}

// sameName compares a typed name with a stored one, ignoring spaces,
// width, (for Latin names) case and the dot between the parts of a name
// such as 阿依古丽·买买提: phone keyboards offer it as "·", "•", "・" or
// "．", or people leave it out, and a lessee who typed her own name must
// not be told there is no such filing.
func sameName(stored, typed string) bool {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case '.', '\u00B7', '\u2022', '\u2027', '\u2219', '\u22C5', '\u30FB', '\uFF65':
				return -1
			}
			return r
		}, strings.ToLower(stripSpaceHalfWidth(s)))
	}
	return norm(stored) != "" && norm(stored) == norm(typed)
}
