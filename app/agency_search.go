package app

import (
	"errors"
	"regexp"
	"strings"

	"anju/search"
	"anju/storage"
)

// AgencyQuery filters agency lists: the government portal's list, an
// agency's own family and the public directory.
type AgencyQuery struct {
	Text     string // name, former name, credit code, filing number, address, legal representative
	District string
	Type     string // AgencyTypeBroker, AgencyTypeRental, AgencyTypeOther
	Status   string // AgencyFiled, AgencyCancelled, AgencyUnfiled
	Branch   string // "yes": branches only, "no": no branches; "" both
	Page     int
	Size     int
}

// AgencyPage is one page of agencies.
type AgencyPage struct {
	Items []*Agency
	Total int
	Page  int
	Pages int
}

// SearchAgencies lists the agencies the actor may see, newest filing
// first: government users those of their jurisdiction, agency users their
// own agency and its branches.
func (a *App) SearchAgencies(actor Actor, q AgencyQuery) (AgencyPage, error) {
	if err := actor.require(PermAgencyView); err != nil {
		return AgencyPage{}, err
	}
	sq := agencySearchQuery(q)
	switch {
	case actor.System:
	case actor.Can(PermAgencyPortal):
		// The index has no "own or branch of" field: the family is small,
		// so it is filtered by the members' filing numbers (an agency
		// without one has no filing to list).
		nos, err := a.agencyFamilyFilingNos(actor.AgencyID)
		if err != nil {
			return AgencyPage{}, err
		}
		sq.Filters["filing_no"] = nos
	case actor.District != "":
		if q.District != "" && q.District != actor.District {
			return AgencyPage{Page: 1, Pages: 1}, nil
		}
		sq.Filters["district"] = []string{actor.District}
	}
	var items []*Agency
	page, err := a.searchPage(sq, q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		ag, err := agencyTable.Get(tx, id)
		if err == nil && canSeeAgency(actor, ag) {
			items = append(items, ag)
		}
		return nil
	})
	if err != nil {
		return AgencyPage{}, err
	}
	return AgencyPage{Items: items, Total: page.Total, Page: page.Page, Pages: page.Pages}, nil
}

// agencySearchQuery turns the filters every list shares into a query.
func agencySearchQuery(q AgencyQuery) search.Query {
	sq := search.Query{Type: "agency", Text: normalizeAgencySearchText(q.Text), Filters: map[string][]string{},
		Sort: []string{"-filed"}}
	if q.District != "" {
		sq.Filters["district"] = []string{q.District}
	}
	if q.Type != "" {
		sq.Filters["type"] = []string{q.Type}
	}
	if q.Status != "" {
		sq.Filters["status"] = []string{q.Status}
	}
	if q.Branch == "yes" || q.Branch == "no" {
		sq.Filters["branch"] = []string{q.Branch}
	}
	return sq
}

// filingNoDigits is a filing number typed without its dashes.
var filingNoDigits = regexp.MustCompile(`^([0-9]{6})([0-9]{4})([0-9]{4,})$`)

// normalizeAgencySearchText makes a typed credit code or filing number
// match its stored form whatever its width, case, spacing or dashes; any
// other text is searched as typed.
func normalizeAgencySearchText(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if c := NormalizeUSCC(s); CheckUSCC(c) == nil {
		return c
	}
	compact := stripSpaceHalfWidth(s)
	if m := filingNoDigits.FindStringSubmatch(strings.NewReplacer("-", "", "－", "", "—", "").Replace(compact)); m != nil {
		return m[1] + "-" + m[2] + "-" + m[3]
	}
	return HalfWidth(s)
}

// agencyFamilyFilingNos is the filing numbers of an agency and its
// branches. It is never empty, so that a filter on it never widens.
func (a *App) agencyFamilyFilingNos(agencyID uint64) ([]string, error) {
	nos := []string{"-"} // matches nothing: no filing number is "-"
	err := a.db.View(func(tx *storage.Tx) error {
		ag, err := agencyTable.Get(tx, agencyID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if ag.FilingNo != "" {
			nos = append(nos, ag.FilingNo)
		}
		ids, err := agencyTable.Lookup(tx, "head_office", storage.U64(agencyID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if b, err := agencyTable.Get(tx, id); err == nil && b.FilingNo != "" {
				nos = append(nos, b.FilingNo)
			}
		}
		return nil
	})
	return nos, err
}
