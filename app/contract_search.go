package app

import (
	"regexp"
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
}

// SearchContracts lists the contracts the actor may see, newest signing
// first: government users their jurisdiction, agency users the contracts
// their agency brokered. Drafts are listed only when asked for, and only
// the actor's own (an agency admin: his agency's).
func (a *App) SearchContracts(actor Actor, q ContractQuery) (ContractPage, error) {
	if err := actor.require(PermContractView); err != nil {
		return ContractPage{}, err
	}
	sq, ok := a.contractSearchQuery(actor, q)
	if !ok {
		return ContractPage{Page: 1, Pages: 1}, nil
	}
	var items []*Contract
	page, err := a.searchPage(sq, q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		c, err := contractTable.Get(tx, id)
		if err == nil && canSeeContract(actor, c) {
			items = append(items, c)
		}
		return nil
	})
	if err != nil {
		return ContractPage{}, err
	}
	out := ContractPage{Items: items, Total: page.Total, Page: page.Page, Pages: page.Pages}
	if q.Status == "" && actor.Can(PermContractSign) {
		dq, ok := a.contractSearchQuery(actor, ContractQuery{Status: ContractDraft})
		if ok {
			dq.Size = 1
			if res, err := a.ix.Search(dq); err == nil {
				out.Drafts = int(res.Total)
			}
		}
	}
	return out, nil
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
