package app

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"anju/storage"
)

// The public directory (信息公示: 机构名录) shows what a filing makes public:
// the agency's identity, where it does business and who works for it. It
// never shows the legal representative's ID number, the contact person or
// his mobile, nor the licence scan. Agencies known only by name from before
// filings existed (AgencyUnfiled) are not filed and never appear.
//
// Credit level and red/black list status join these views when the credit
// issue lands; until then nothing is shown for them (no placeholder value).

// PublicAgencySummary is one line of the directory.
type PublicAgencySummary struct {
	ID             uint64
	FilingNo       string
	Name           string
	FormerNames    []string
	USCC           string
	Type           string
	Status         string // AgencyFiled or AgencyCancelled
	District       string
	Address        string
	HeadOfficeID   uint64
	HeadOfficeName string
	Premises       []string // names of the places of business
	Employed       int      // practitioners employed now
	Filed          time.Time
	Cancelled      time.Time
}

// PublicAgencyPage is one page of the directory.
type PublicAgencyPage struct {
	Items []*PublicAgencySummary
	Total int
	Page  int
	Pages int
}

// PublicBranch is a head office's branch, or a branch's head office, as
// the directory links it.
type PublicBranch struct {
	ID       uint64
	FilingNo string
	Name     string
	Status   string
	District string
}

// PublicPractitionerLine is one practitioner on an agency's public page:
// his name is public (it is on his card), his ID number is not shown here.
type PublicPractitionerLine struct {
	ID     uint64 // for his list marks
	CardNo string
	Name   string
	Role   string
	Since  time.Time
}

// PublicAgencyView is an agency's public page.
type PublicAgencyView struct {
	// Seq is the index state the view was read at (0 if not kept): a page
	// made from it is stale once the index moves on.
	Seq uint64
	PublicAgencySummary
	LegalRep      string // the name only, as on the business licence
	Scope         string
	Capital       float64 // 万元
	Established   time.Time
	PremisesList  []Premises
	HeadOffice    *PublicBranch
	Branches      []PublicBranch
	Practitioners []PublicPractitionerLine // employed now, by card number
	// PractitionersCut is how many more are employed than listed.
	PractitionersCut int
}

// publicPractitionerLimit bounds the practitioners listed on one agency
// page; the count above it is still shown.
const publicPractitionerLimit = 300

// publicStatuses are the statuses the public may see.
var publicStatuses = []string{AgencyFiled, AgencyCancelled}

// dirCache keeps directory pages (search results and employed counts)
// until the index applies its next change: the public directory is read
// far more often than agencies or practitioners change, and a page costs
// two index searches whose sorting and facet decode doc values of every
// match. Any change to an agency or a practitioner reaches the index
// through the outbox and so empties the cache; so does any other indexed
// change, which only costs a recomputation.
type dirCache struct {
	mu    sync.Mutex
	seq   uint64 // the index's last applied outbox sequence the pages are of
	pages map[AgencyQuery]PublicAgencyPage
	views map[uint64]*PublicAgencyView
}

// dirCacheMax bounds the cached pages; beyond it the cache starts afresh.
const dirCacheMax = 4096

// get returns the page of key if it is of index state seq.
func (c *dirCache) get(seq uint64, key AgencyQuery) (PublicAgencyPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		c.seq, c.pages, c.views = seq, nil, nil
		return PublicAgencyPage{}, false
	}
	p, ok := c.pages[key]
	return p, ok
}

// view returns the agency page of id if it is of index state seq.
func (c *dirCache) view(seq, id uint64) *PublicAgencyView {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		c.seq, c.pages, c.views = seq, nil, nil
		return nil
	}
	return c.views[id]
}

func (c *dirCache) putView(seq uint64, v *PublicAgencyView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		return
	}
	if c.views == nil || len(c.views) >= dirCacheMax {
		c.views = make(map[uint64]*PublicAgencyView)
	}
	c.views[v.ID] = v
}

// indexState brings the index up to date and returns its state, which
// identifies what the cached pages show; ok is false when pages must not
// be cached (rebuilding, or the state is unknown).
func (a *App) indexState() (seq uint64, ok bool) {
	// Pending notes first, as every list does, so that a page is of the
	// store as it is now.
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before the directory", "err", err)
		return 0, false
	}
	seq, err := a.ix.LastApplied()
	return seq, err == nil && !a.SearchRebuilding()
}

func (c *dirCache) put(seq uint64, key AgencyQuery, p PublicAgencyPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		return // the index moved on while the page was made
	}
	if c.pages == nil || len(c.pages) >= dirCacheMax {
		c.pages = make(map[AgencyQuery]PublicAgencyPage)
	}
	c.pages[key] = p
}

// PublicAgencies is the public directory: filed and cancelled agencies,
// newest filing first, searchable by name, former name, credit code,
// filing number, address or legal representative. The page returned may
// be shared with other callers: it is read-only.
func (a *App) PublicAgencies(q AgencyQuery) (PublicAgencyPage, error) {
	// The cache key is the query as searched.
	q.Text = normalizeAgencySearchText(q.Text)
	q.Page = max(q.Page, 1)
	if q.Size <= 0 || q.Size > 100 {
		q.Size = 20
	}
	if !slices.Contains(publicStatuses, q.Status) {
		q.Status = ""
	}
	seq, cacheable := a.indexState()
	if cacheable {
		if p, ok := a.directory.get(seq, q); ok {
			return p, nil
		}
	}
	p, err := a.publicAgencies(q)
	if err == nil && cacheable {
		a.directory.put(seq, q, p)
	}
	return p, err
}

func (a *App) publicAgencies(q AgencyQuery) (PublicAgencyPage, error) {
	sq := agencySearchQuery(q)
	if !slices.Contains(publicStatuses, q.Status) {
		sq.Filters["status"] = publicStatuses
	}
	var ags []*Agency
	page, err := a.searchPage(sq, q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		ag, err := agencyTable.Get(tx, id)
		if err == nil && slices.Contains(publicStatuses, ag.Status) {
			ags = append(ags, ag)
		}
		return nil
	})
	if err != nil {
		return PublicAgencyPage{}, err
	}
	ids := make([]uint64, 0, len(ags))
	for _, ag := range ags {
		if ag.Live() {
			ids = append(ids, ag.ID)
		}
	}
	counts, err := a.EmployedCounts(ids)
	if err != nil {
		return PublicAgencyPage{}, err
	}
	out := PublicAgencyPage{Total: page.Total, Page: page.Page, Pages: page.Pages}
	for _, ag := range ags {
		s := publicSummary(ag)
		s.Employed = counts[ag.ID]
		out.Items = append(out.Items, s)
	}
	return out, nil
}

func publicSummary(ag *Agency) *PublicAgencySummary {
	s := &PublicAgencySummary{ID: ag.ID, FilingNo: ag.FilingNo, Name: ag.Name, FormerNames: ag.FormerNames,
		USCC: ag.USCC, Type: ag.Type, Status: ag.Status, District: ag.District, Address: ag.Address,
		HeadOfficeID: ag.HeadOfficeID, HeadOfficeName: ag.HeadOfficeName, Filed: ag.Filed, Cancelled: ag.Cancelled}
	for _, p := range ag.Premises {
		s.Premises = append(s.Premises, p.Name)
	}
	return s
}

// PublicAgency is an agency's public page; ENOTFOUND "directory.not_found"
// for an unknown or unfiled agency. The view may be shared with other
// callers: it is read-only.
func (a *App) PublicAgency(id uint64) (*PublicAgencyView, error) {
	seq, cacheable := a.indexState()
	if cacheable {
		if v := a.directory.view(seq, id); v != nil {
			return v, nil
		}
	}
	v, err := a.publicAgency(id)
	if err == nil && cacheable {
		v.Seq = seq
		a.directory.putView(seq, v)
	}
	return v, err
}

func (a *App) publicAgency(id uint64) (*PublicAgencyView, error) {
	var v *PublicAgencyView
	err := a.db.View(func(tx *storage.Tx) error {
		ag, err := agencyTable.Get(tx, id)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && !slices.Contains(publicStatuses, ag.Status)) {
			return Errorf(ENOTFOUND, "directory.not_found")
		}
		if err != nil {
			return err
		}
		v = &PublicAgencyView{PublicAgencySummary: *publicSummary(ag), LegalRep: ag.LegalRep, Scope: ag.Scope,
			Capital: ag.Capital, Established: ag.Established, PremisesList: slices.Clone(ag.Premises)}
		if ag.HeadOfficeID != 0 {
			if h, err := agencyTable.Get(tx, ag.HeadOfficeID); err == nil && slices.Contains(publicStatuses, h.Status) {
				v.HeadOffice = publicBranch(h)
			}
		}
		ids, err := agencyTable.Lookup(tx, "head_office", storage.U64(ag.ID))
		if err != nil {
			return err
		}
		for _, bid := range ids {
			if b, err := agencyTable.Get(tx, bid); err == nil && slices.Contains(publicStatuses, b.Status) {
				v.Branches = append(v.Branches, *publicBranch(b))
			}
		}
		// Live branches first, then by filing number.
		slices.SortFunc(v.Branches, func(x, y PublicBranch) int {
			if (x.Status == AgencyFiled) != (y.Status == AgencyFiled) {
				if x.Status == AgencyFiled {
					return -1
				}
				return 1
			}
			return strings.Compare(x.FilingNo, y.FilingNo)
		})
		if ag.Live() {
			return employedAt(tx, ag.ID, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func publicBranch(ag *Agency) *PublicBranch {
	return &PublicBranch{ID: ag.ID, FilingNo: ag.FilingNo, Name: ag.Name, Status: ag.Status, District: ag.District}
}

// employedAt lists the practitioners an agency employs now, by card
// number, and counts them. The count is the store's, read in the same scan
// (EmployedCount would ask the index for the same number).
func employedAt(tx *storage.Tx, agencyID uint64, v *PublicAgencyView) error {
	ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(agencyID))
	if err != nil {
		return err
	}
	for _, pid := range ids {
		p, err := practitionerTable.Get(tx, pid)
		if err != nil {
			continue
		}
		if c := p.Current(); c != nil && c.AgencyID == agencyID {
			v.Practitioners = append(v.Practitioners, PublicPractitionerLine{ID: p.ID, CardNo: p.CardNo, Name: p.Name, Role: c.Role, Since: c.Start})
		}
	}
	slices.SortFunc(v.Practitioners, func(x, y PublicPractitionerLine) int { return strings.Compare(x.CardNo, y.CardNo) })
	v.Employed = len(v.Practitioners)
	if len(v.Practitioners) > publicPractitionerLimit {
		v.PractitionersCut = len(v.Practitioners) - publicPractitionerLimit
		v.Practitioners = v.Practitioners[:publicPractitionerLimit]
	}
	return nil
}
