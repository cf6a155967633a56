package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// Practitioner roles (从业人员类别).
const (
	PracBroker    = "broker"    // 经纪人
	PracAssistant = "assistant" // 经纪人协理
	PracOther     = "other"     // 其他从业人员
)

// PractitionerRoles lists the roles in display order.
var PractitionerRoles = []string{PracBroker, PracAssistant, PracOther}

// Practitioner statuses as shown: employed while an employment is open.
const (
	PracEmployed = "employed" // 在职
	PracLeft     = "left"     // 离职
)

// Employment is one period at one agency. End is zero while it lasts.
type Employment struct {
	AgencyID   uint64    `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Role       string    `json:"role"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end,omitzero"`
	EndReason  string    `json:"end_reason,omitempty"`
	EndedBy    string    `json:"ended_by,omitempty"`
	// Former are the roles held earlier in this employment, oldest
	// first: a promotion from 经纪人协理 to 经纪人 does not rewrite what he
	// was when he acted before it.
	Former []FormerRole `json:"former_roles,omitempty"`
	// Entered is when the employment was recorded (zero before
	// 2026-11-28): a role changed that day corrects the entry.
	Entered time.Time `json:"entered,omitzero"`
}

// FormerRole is a role held within an employment until the day Until,
// when the next one began.
type FormerRole struct {
	Role  string    `json:"role"`
	Until time.Time `json:"until"`
}

// changeRole makes role the employment's role from today, keeping the one
// it replaces. A role set earlier the same day, or the role entered with
// the employment that day, was a mistake corrected, not a role he held: it
// is replaced, and going back to the role held before it leaves no trace.
func (e *Employment) changeRole(role string, today time.Time) {
	if role == e.Role {
		return
	}
	if len(e.Former) == 0 && day(e.Entered).Equal(today) {
		e.Role = role
		return
	}
	if n := len(e.Former); n > 0 && e.Former[n-1].Until.Equal(today) {
		if e.Former[n-1].Role == role {
			e.Former = e.Former[:n-1]
		}
	} else {
		e.Former = append(e.Former, FormerRole{Role: e.Role, Until: today})
	}
	e.Role = role
}

// Practitioner is one person working in the rental trade. The resident ID
// number identifies him: moving to another agency adds an employment to
// the same record, so his history (and credit) follows him.
type Practitioner struct {
	ID          uint64       `json:"id"`
	CardNo      string       `json:"card_no"` // 信息卡号
	Name        string       `json:"name"`
	IDNo        string       `json:"id_no"` // resident ID, normalised; masked wherever shown
	Mobile      string       `json:"mobile,omitempty"`
	PhotoBlob   uint64       `json:"photo_blob,omitempty"`
	QualCertNo  string       `json:"qual_cert_no,omitempty"` // 职业资格证书号
	Employments []Employment `json:"employments"`            // oldest first
	Created     time.Time    `json:"created"`
	Updated     time.Time    `json:"updated"`
}

// Current returns the open employment, if any.
func (p *Practitioner) Current() *Employment {
	if n := len(p.Employments); n > 0 && p.Employments[n-1].End.IsZero() {
		return &p.Employments[n-1]
	}
	return nil
}

// Status is employed or left.
func (p *Practitioner) Status() string {
	if p.Current() != nil {
		return PracEmployed
	}
	return PracLeft
}

// LastAt returns his latest employment at agencyID: the open one while he
// works there, else the last one he left; nil if he never worked there.
func (p *Practitioner) LastAt(agencyID uint64) *Employment {
	for i := len(p.Employments) - 1; i >= 0; i-- {
		if p.Employments[i].AgencyID == agencyID {
			return &p.Employments[i]
		}
	}
	return nil
}

// StatusAt is his status as agencyID sees it: employed while he works
// there, left once he has left it, whether or not he works elsewhere now.
func (p *Practitioner) StatusAt(agencyID uint64) string {
	if c := p.Current(); c != nil && c.AgencyID == agencyID {
		return PracEmployed
	}
	return PracLeft
}

// WorkedAt reports whether the practitioner was ever employed by agencyID.
func (p *Practitioner) WorkedAt(agencyID uint64) bool {
	for _, e := range p.Employments {
		if e.AgencyID == agencyID {
			return true
		}
	}
	return false
}

var practitionerTable = storage.NewTable(storage.TableOptions[Practitioner]{
	Name:  "practitioners",
	ID:    func(p *Practitioner) uint64 { return p.ID },
	SetID: func(p *Practitioner, id uint64) { p.ID = id },
	Indexes: []storage.Index[Practitioner]{
		{Name: "id_no", Unique: true, Keys: func(p *Practitioner) [][]byte { return [][]byte{[]byte(p.IDNo)} }},
		{Name: "card_no", Unique: true, Keys: func(p *Practitioner) [][]byte { return [][]byte{[]byte(p.CardNo)} }},
		// every agency he ever worked at: an agency sees those who left it
		{Name: "agency", Keys: func(p *Practitioner) [][]byte {
			var keys [][]byte
			seen := map[uint64]bool{}
			for _, e := range p.Employments {
				if !seen[e.AgencyID] {
					seen[e.AgencyID] = true
					keys = append(keys, storage.U64(e.AgencyID))
				}
			}
			return keys
		}},
	},
	Outbox: true,
})

var practitionerDocType = search.DocType{Name: "practitioner", Fields: []search.Field{
	{Name: "name", Kind: search.Text},
	{Name: "card_no", Kind: search.Keyword},
	{Name: "agency", Kind: search.Text},
	{Name: "agency_id", Kind: search.Keyword},  // current employer
	{Name: "agency_ids", Kind: search.Keyword}, // every employer
	// employers he has left and does not work for now: an agency's list
	// of those who left it
	{Name: "left_agency_ids", Kind: search.Keyword},
	{Name: "qual_cert_no", Kind: search.Keyword},
	{Name: "district", Kind: search.Keyword},  // current employer's district
	{Name: "districts", Kind: search.Keyword}, // every employer's district
	{Name: "role", Kind: search.Keyword},
	{Name: "status", Kind: search.Keyword},
	{Name: "created", Kind: search.Date, Sortable: true},
	{Name: "since", Kind: search.Date, Sortable: true}, // start of the latest employment: newest hires first
	// since_key sorts like since, as a keyword: sorting on a date field
	// costs ~3 µs a hit and missed the 30 ms p95 at 200,000 practitioners.
	{Name: "since_key", Kind: search.Keyword, Sortable: true},
}}

// practitionerDoc needs the employers' districts, which live on the
// agencies: districtOf is looked up by the indexer in the same read.
func practitionerDoc(p *Practitioner, districtOf func(agencyID uint64) string) search.Doc {
	var ids, districts, agencies []string
	for _, e := range p.Employments {
		ids = append(ids, strconv.FormatUint(e.AgencyID, 10))
		districts = append(districts, districtOf(e.AgencyID))
		agencies = append(agencies, e.AgencyName)
	}
	f := map[string]any{"name": p.Name, "card_no": p.CardNo, "agency_ids": ids, "districts": districts,
		"agency": strings.Join(agencies, " "), "status": p.Status(), "created": p.Created,
		"qual_cert_no": p.QualCertNo}
	var left []string
	for _, e := range p.Employments {
		if !e.End.IsZero() && (p.Current() == nil || p.Current().AgencyID != e.AgencyID) {
			left = append(left, strconv.FormatUint(e.AgencyID, 10))
		}
	}
	f["left_agency_ids"] = left
	if n := len(p.Employments); n > 0 {
		f["since"] = p.Employments[n-1].Start
		f["since_key"] = p.Employments[n-1].Start.UTC().Format("20060102150405")
	}
	if c := p.Current(); c != nil {
		f["agency_id"] = strconv.FormatUint(c.AgencyID, 10)
		f["district"] = districtOf(c.AgencyID)
		f["role"] = c.Role
	}
	return search.Doc{Type: "practitioner", ID: docID("practitioner", p.ID), Fields: f}
}

// practitionerKind indexes practitioners with their employers' districts.
var practitionerKind = indexedKind{
	docType: "practitioner",
	load: func(tx *storage.Tx, id uint64) (search.Doc, error) {
		p, err := practitionerTable.Get(tx, id)
		if err != nil {
			return search.Doc{}, err
		}
		return practitionerDoc(p, agencyDistrictIn(tx)), nil
	},
	each: func(tx *storage.Tx, fn func(search.Doc) error) error {
		districtOf := agencyDistrictIn(tx)
		return practitionerTable.Each(tx, false, func(p *Practitioner) (bool, error) {
			return true, fn(practitionerDoc(p, districtOf))
		})
	},
}

// agencyDistrictIn returns a memoising lookup of agencies' districts.
func agencyDistrictIn(tx *storage.Tx) func(uint64) string {
	memo := map[uint64]string{}
	return func(id uint64) string {
		if d, ok := memo[id]; ok {
			return d
		}
		d := ""
		if ag, err := agencyTable.Get(tx, id); err == nil {
			d = ag.District
		}
		memo[id] = d
		return d
	}
}

// nextCardNo issues an information card number (信息卡号): "XK" and eight
// digits of a platform-wide sequence. It never changes, whichever agency
// the person works for.
func nextCardNo(tx *storage.Tx) (string, error) {
	n, err := tx.NextSequence("practitioner_card_seq")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("XK%08d", n), nil
}
