package app

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"net/url"
	"slices"
	"strings"
	"sync"

	"anju/storage"
)

// Premises distribution (场所分布): where agencies operate. The page is a
// supervision view, so its jurisdiction is the district of each place of
// business, not the agency's registered district: a district bureau sees
// every shop front in its district, including those of agencies registered
// elsewhere (PremisesPoint.Visible says whether the actor may open the
// agency's filing).

// Premises map status filters.
const (
	PremisesStatusFiled     = "filed" // default: live filings
	PremisesStatusCancelled = "cancelled"
	PremisesStatusAll       = "all"
)

// PremisesStatuses lists the status filter's values in display order.
var PremisesStatuses = []string{PremisesStatusFiled, PremisesStatusCancelled, PremisesStatusAll}

// PremisesFilter narrows the distribution.
type PremisesFilter struct {
	Type     string // AgencyType*; "" every type
	Status   string // PremisesStatus*; "" is filed
	District string // a district code; "" the actor's jurisdiction
	// CreditLevel is reserved for the credit capability (信用管理): once
	// agencies carry a credit level, the distribution is filtered by it
	// here. Until then the field is accepted and not applied, so that the
	// UI and links can carry it without a change of signature.
	CreditLevel string
}

// DistrictPremises is one district's row of the chart.
type DistrictPremises struct {
	District string // district code
	Agencies int    // distinct agencies with premises here (or registered here without premises)
	Premises int
	Located  int // premises with coordinates
}

// PremisesPoint is one place of business with coordinates.
type PremisesPoint struct {
	AgencyID   uint64
	AgencyName string
	AgencyType string
	Status     string // the agency's
	Premises   string // name of the place
	Address    string
	District   string
	Lng, Lat   float64
	// Visible: the actor may open the agency's filing (otherwise link to its
	// public page).
	Visible bool
}

// UnlocatedPremises is a place of business still without coordinates.
type UnlocatedPremises struct {
	AgencyID   uint64
	AgencyName string
	Premises   string
	Address    string
	District   string
	Visible    bool
}

// PremisesReport is what the distribution page shows.
type PremisesReport struct {
	Districts []DistrictPremises // in dictionary order; every district of the jurisdiction
	Points    []PremisesPoint    // by agency ID, then premises order
	Unlocated []UnlocatedPremises
	Agencies  int // distinct agencies counted
	Premises  int
}

// PremisesMap returns the distribution of premises within the actor's
// jurisdiction.
func (a *App) PremisesMap(actor Actor, f PremisesFilter) (*PremisesReport, error) {
	if err := actor.require(PermPremisesMap); err != nil {
		return nil, err
	}
	var v validation
	if f.Type != "" && !slices.Contains(AgencyTypes, f.Type) {
		v.add("type", "premises.bad_type")
	}
	if f.Status == "" {
		f.Status = PremisesStatusFiled
	}
	if !slices.Contains(PremisesStatuses, f.Status) {
		v.add("status", "premises.bad_status")
	}
	dicts, err := a.Dict(DictDistrict, false)
	if err != nil {
		return nil, err
	}
	if f.District != "" && !slices.ContainsFunc(dicts, func(e *DictEntry) bool { return e.Code == f.District }) {
		v.add("district", "premises.bad_district")
	}
	if err := v.err(); err != nil {
		return nil, err
	}

	// Districts shown: the actor's one, the filtered one, or every enabled
	// district of the dictionary (others appear when premises name them).
	rep := &PremisesReport{}
	rows := map[string]*DistrictPremises{}
	var order []string
	addRow := func(code string) *DistrictPremises {
		if r, ok := rows[code]; ok {
			return r
		}
		rows[code] = &DistrictPremises{District: code}
		order = append(order, code)
		return rows[code]
	}
	want := func(d string) bool {
		return actor.InJurisdiction(d) && (f.District == "" || f.District == d)
	}
	switch {
	case f.District != "":
		if actor.InJurisdiction(f.District) {
			addRow(f.District)
		}
	case !actor.System && actor.District != "":
		addRow(actor.District)
	default:
		for _, e := range dicts {
			if e.Enabled {
				addRow(e.Code)
			}
		}
	}

	seen := map[string]uint64{} // district -> last agency counted there
	count := func(d string, agencyID uint64) {
		r := addRow(d)
		if seen[d] != agencyID {
			seen[d] = agencyID
			r.Agencies++
		}
	}
	counted := map[uint64]bool{}
	err = a.db.View(func(tx *storage.Tx) error {
		return a.eachPremisesAgency(tx, func(ag *premisesAgency) {
			if !premisesStatusMatch(f.Status, ag.Status) || (f.Type != "" && ag.Type != f.Type) {
				return
			}
			visible := canSeeAgency(actor, &Agency{ID: ag.ID, AgencyInfo: AgencyInfo{District: ag.District, HeadOfficeID: ag.HeadOfficeID}})
			if len(ag.Premises) == 0 {
				// Known to operate nowhere yet: counted where it is registered.
				if want(ag.District) {
					count(ag.District, ag.ID)
					counted[ag.ID] = true
				}
				return
			}
			for _, p := range ag.Premises {
				d := cmp.Or(p.District, ag.District)
				if !want(d) {
					continue
				}
				count(d, ag.ID)
				counted[ag.ID] = true
				r := rows[d]
				r.Premises++
				rep.Premises++
				if !p.HasCoords {
					rep.Unlocated = append(rep.Unlocated, UnlocatedPremises{AgencyID: ag.ID, AgencyName: ag.Name,
						Premises: p.Name, Address: p.Address, District: d, Visible: visible})
					continue
				}
				r.Located++
				rep.Points = append(rep.Points, PremisesPoint{AgencyID: ag.ID, AgencyName: ag.Name, AgencyType: ag.Type,
					Status: ag.Status, Premises: p.Name, Address: p.Address, District: d, Lng: p.Lng, Lat: p.Lat, Visible: visible})
			}
		})
	})
	if err != nil {
		return nil, err
	}
	rep.Agencies = len(counted)
	for _, code := range order {
		rep.Districts = append(rep.Districts, *rows[code])
	}
	return rep, nil
}

func premisesStatusMatch(filter, status string) bool {
	switch filter {
	case PremisesStatusAll:
		return status == AgencyFiled || status == AgencyCancelled
	default:
		return status == filter
	}
}

// premisesAgency is the part of an Agency the distribution reads.
type premisesAgency struct {
	ID           uint64     `json:"-"`
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	District     string     `json:"district"`
	HeadOfficeID uint64     `json:"head_office_id"`
	Premises     []Premises `json:"premises"`
}

// premisesCache keeps every agency decoded as premisesAgency, with a hash
// of the stored bytes it was decoded from. Decoding 10,000 whole agency
// records took 150-200 ms, most of the page's time budget; hashing the
// stored bytes and comparing takes about a tenth of that, and needs no
// invalidation: a changed record has other bytes and is decoded again, a
// deleted one is not seen by the scan and is dropped.
type premisesCache struct {
	mu      sync.Mutex
	seed    maphash.Seed
	gen     uint64
	entries map[uint64]*premisesEntry
}

type premisesEntry struct {
	hash uint64
	gen  uint64 // scan that last saw it
	ag   premisesAgency
}

// WarmPremisesCache decodes every agency for the distribution page ahead
// of its first request (about 0.2 s for 10,000 agencies, against a few ms
// once warm). Call it in the background after Open.
func (a *App) WarmPremisesCache() error {
	return a.db.View(func(tx *storage.Tx) error {
		return a.eachPremisesAgency(tx, func(*premisesAgency) {})
	})
}

// eachPremisesAgency calls fn for every agency in ID order, from the cache
// where the stored record is unchanged. fn must not keep the pointer past
// the call's transaction nor change the agency.
func (a *App) eachPremisesAgency(tx *storage.Tx, fn func(*premisesAgency)) error {
	c := &a.premises
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.seed = maphash.MakeSeed()
		c.entries = map[uint64]*premisesEntry{}
	}
	c.gen++
	err := tx.Scan(agencyTable.Name(), nil, false, func(k, v []byte) (bool, error) {
		id := storage.ParseU64(k)
		h := maphash.Bytes(c.seed, v)
		e := c.entries[id]
		if e == nil || e.hash != h {
			e = &premisesEntry{hash: h}
			if err := json.Unmarshal(v, &e.ag); err != nil {
				return false, fmt.Errorf("agency %d: decode: %w", id, err)
			}
			e.ag.ID = id
			c.entries[id] = e
		}
		e.gen = c.gen
		fn(&e.ag)
		return true, nil
	})
	if err != nil {
		c.entries = nil // start afresh next time
		return err
	}
	if len(c.entries) > 0 {
		for id, e := range c.entries {
			if e.gen != c.gen {
				delete(c.entries, id)
			}
		}
	}
	return nil
}

// CheckTileURL checks a map tile URL template (parameter map.tile_url): empty
// (no interactive map), or an http(s) URL or a path on this server holding
// {z}, {x} and {y} and no other placeholder. It returns the message key of
// the problem, "" when fine.
func CheckTileURL(tmpl string) string {
	if tmpl == "" {
		return ""
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(tmpl, p) {
			return "param.bad_tile_placeholders"
		}
	}
	filled := strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(tmpl)
	if strings.ContainsAny(filled, "{}") {
		return "param.bad_tile_placeholders"
	}
	if strings.ContainsAny(filled, " \t\r\n\"'<>\\`") {
		return "param.bad_tile_url"
	}
	if strings.HasPrefix(filled, "/") && !strings.HasPrefix(filled, "//") {
		return ""
	}
	u, err := url.Parse(filled)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "param.bad_tile_url"
	}
	return ""
}

// TileOrigin is the origin ("https://tiles.example:8443") of a valid tile URL
// template, which the page's content security policy must allow images
// from; "" for a template on this server (or none).
func TileOrigin(tmpl string) string {
	if tmpl == "" || CheckTileURL(tmpl) != "" || strings.HasPrefix(tmpl, "/") {
		return ""
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(tmpl))
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
