package app

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// canSeePractitioner: government users see everyone who works or worked
// in their jurisdiction; an agency (its admin) the people it employs and
// those who left it. Agents see only their own record, through MyPractitioner.
func canSeePractitioner(tx *storage.Tx, actor Actor, p *Practitioner) bool {
	switch {
	case actor.System:
		return true
	case !actor.Can(PermPractitionerView):
		return false
	case actor.Can(PermAgencyPortal):
		return actor.AgencyID != 0 && p.WorkedAt(actor.AgencyID)
	case actor.Can(PermGovPortal):
		if actor.District == "" {
			return true
		}
		districtOf := agencyDistrictIn(tx)
		for _, e := range p.Employments {
			if districtOf(e.AgencyID) == actor.District {
				return true
			}
		}
	}
	return false
}

// GetPractitioner returns a practitioner the actor may see. Callers show
// his ID number and mobile masked; RevealPractitioner shows them in full.
func (a *App) GetPractitioner(actor Actor, id uint64) (*Practitioner, error) {
	if err := actor.require(PermPractitionerView); err != nil {
		return nil, err
	}
	var p *Practitioner
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		if p, err = practitionerTable.Get(tx, id); err != nil || !canSeePractitioner(tx, actor, p) {
			return notFound("practitioner.not_found", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CanManagePractitioner reports whether the actor may edit the
// practitioner and end his employment (to show or hide those actions).
func (a *App) CanManagePractitioner(actor Actor, p *Practitioner) bool {
	ok := false
	_ = a.db.View(func(tx *storage.Tx) error {
		ok = canManagePractitioner(tx, actor, p)
		return nil
	})
	return ok
}

// RevealPractitioner returns the practitioner with his ID number and mobile
// to be shown in full, for a holder of PermPersonalData; the view is
// audited.
func (a *App) RevealPractitioner(actor Actor, id uint64) (*Practitioner, error) {
	p, err := a.GetPractitioner(actor, id)
	if err != nil {
		return nil, err
	}
	if err := actor.require(PermPersonalData); err != nil {
		return nil, err
	}
	err = a.update(func(tx *storage.Tx) error {
		return a.audit(tx, actor, "personal.view", "practitioner", p.ID, p.CardNo+": id_no, mobile",
			auditNote("audit.note.viewed_practitioner", noteText(p.CardNo)))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// MyPractitioner returns the signed-in agent's own record, linked to his
// account by User.PractitionerID; ENOTFOUND "practitioner.not_linked" when
// the account has none.
func (a *App) MyPractitioner(actor Actor) (*Practitioner, error) {
	if err := actor.require(PermAgencyPortal); err != nil {
		return nil, err
	}
	var p *Practitioner
	err := a.db.View(func(tx *storage.Tx) error {
		u, err := userTable.Get(tx, actor.UserID)
		if err != nil || u.PractitionerID == 0 {
			return Errorf(ENOTFOUND, "practitioner.not_linked")
		}
		if p, err = practitionerTable.Get(tx, u.PractitionerID); err != nil {
			return notFound("practitioner.not_linked", err)
		}
		return nil
	})
	return p, err
}

// PractitionerPhoto returns the photo of a practitioner the actor may see
// (or his own), with its content type.
func (a *App) PractitionerPhoto(actor Actor, id uint64) ([]byte, string, error) {
	var data []byte
	var ct string
	err := a.db.View(func(tx *storage.Tx) error {
		p, err := practitionerTable.Get(tx, id)
		if err != nil {
			return notFound("practitioner.not_found", err)
		}
		if !canSeePractitioner(tx, actor, p) {
			if u, err := userTable.Get(tx, actor.UserID); err != nil || u.PractitionerID != p.ID {
				return notFound("practitioner.not_found", nil)
			}
		}
		data, ct, err = photoOf(tx, p)
		return err
	})
	return data, ct, err
}

func photoOf(tx *storage.Tx, p *Practitioner) ([]byte, string, error) {
	if p.PhotoBlob == 0 {
		return nil, "", Errorf(ENOTFOUND, "practitioner.no_photo")
	}
	info, data, err := tx.GetBlob(p.PhotoBlob)
	if err != nil {
		return nil, "", notFound("practitioner.no_photo", err)
	}
	return data, info.ContentType, nil
}

// NormalizeCardNo reads an information card number as typed or scanned:
// a Chinese keyboard left in full-width mode types "ＸＫ０００…", and
// people copy the number off a card in groups ("XK 0000 0097"). A card
// number never holds a space, so every space goes.
func NormalizeCardNo(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(HalfWidth(s)), ""))
}

// practitionerByCard reads a practitioner by information card number.
func practitionerByCard(tx *storage.Tx, card string) (*Practitioner, error) {
	p, err := practitionerTable.LookupOne(tx, "card_no", []byte(NormalizeCardNo(card)))
	if err != nil {
		return nil, notFound("practitioner.card_unknown", err)
	}
	return p, nil
}

// PublicEmployment is one line of a practitioner's public history.
type PublicEmployment struct {
	AgencyID   uint64
	AgencyName string
	Role       string
	Former     []FormerRole // earlier roles in this employment
	Start, End time.Time
}

// PublicPractitioner is what the public page of an information card shows:
// never the mobile, the ID number only masked.
type PublicPractitioner struct {
	ID         uint64 // for his public credit
	CardNo     string
	Name       string
	MaskedID   string
	HasPhoto   bool
	Status     string // employed or left
	AgencyID   uint64 // current employer, 0 when none
	AgencyName string
	Role       string
	QualCertNo string
	History    []PublicEmployment // newest first
}

// PublicPractitioner answers the QR code of an information card.
func (a *App) PublicPractitioner(cardNo string) (*PublicPractitioner, error) {
	var out *PublicPractitioner
	err := a.db.View(func(tx *storage.Tx) error {
		p, err := practitionerByCard(tx, cardNo)
		if err != nil {
			return err
		}
		out = &PublicPractitioner{ID: p.ID, CardNo: p.CardNo, Name: p.Name, MaskedID: MaskID(p.IDNo),
			HasPhoto: p.PhotoBlob != 0, Status: p.Status(), QualCertNo: p.QualCertNo}
		if c := p.Current(); c != nil {
			out.AgencyID, out.AgencyName, out.Role = c.AgencyID, currentAgencyName(tx, c), c.Role
		}
		for i := len(p.Employments) - 1; i >= 0; i-- {
			e := p.Employments[i]
			out.History = append(out.History, PublicEmployment{AgencyID: e.AgencyID, AgencyName: e.AgencyName,
				Role: e.Role, Former: e.Former, Start: e.Start, End: e.End})
		}
		return nil
	})
	return out, err
}

// currentAgencyName is the employer's name as filed now (an approved
// change of name shows at once), falling back to the name at hiring.
func currentAgencyName(tx *storage.Tx, e *Employment) string {
	if ag, err := agencyTable.Get(tx, e.AgencyID); err == nil {
		return ag.Name
	}
	return e.AgencyName
}

// PublicPractitionerPhoto returns the photo shown on the public page.
func (a *App) PublicPractitionerPhoto(cardNo string) ([]byte, string, error) {
	var data []byte
	var ct string
	err := a.db.View(func(tx *storage.Tx) error {
		p, err := practitionerByCard(tx, cardNo)
		if err != nil {
			return err
		}
		data, ct, err = photoOf(tx, p)
		return err
	})
	return data, ct, err
}

// PractitionerQuery filters the practitioner list.
type PractitionerQuery struct {
	Text     string // name, card number, qualification certificate, agency; or a full resident ID
	Status   string // employed or left (at AgencyID when given)
	Role     string
	District string // the current employer's district
	AgencyID uint64 // forced to the actor's own for agency users
	Page     int
	Size     int
}

// PractitionerPage is one page of the list.
type PractitionerPage struct {
	Items []*Practitioner
	// Rows are Items as the reader sees them (PractitionerRowFor).
	Rows  []PractitionerRow
	Total int
	Page  int
	Pages int
}

// PractitionerRow is a practitioner as one reader sees him. For an agency
// he is its employee or someone who left it: Employment is its own
// employment of him (the open one, or the last one he left) and Status is
// left once he has left it, even if he works for another agency now. For
// government users Employment is his current one (nil when he works
// nowhere) and Status his status anywhere.
type PractitionerRow struct {
	P          *Practitioner
	Employment *Employment
	Status     string
}

// viewingAgency is the agency from whose side the actor sees
// practitioners: his own in the agency portal, 0 for government users.
func viewingAgency(actor Actor) uint64 {
	if !actor.System && actor.Can(PermAgencyPortal) {
		return actor.AgencyID
	}
	return 0
}

// PractitionerRowFor returns the practitioner as the actor sees him.
func PractitionerRowFor(actor Actor, p *Practitioner) PractitionerRow {
	if ag := viewingAgency(actor); ag != 0 {
		return PractitionerRow{P: p, Employment: p.LastAt(ag), Status: p.StatusAt(ag)}
	}
	return PractitionerRow{P: p, Employment: p.Current(), Status: p.Status()}
}

// CanPrintCard reports whether the actor may print the practitioner's
// information card. The card is the current employer's document: an
// agency prints it for its staff only, not for someone who left it (his
// card now names another employer, or none). Government users print any
// card they may see.
func CanPrintCard(actor Actor, p *Practitioner) bool {
	if !actor.System && actor.Can(PermAgencyPortal) {
		return actor.AgencyID != 0 && p.StatusAt(actor.AgencyID) == PracEmployed
	}
	return true
}

// PractitionerCard returns a practitioner whose information card the actor
// may print: ENOTFOUND when he may not see him, EFORBIDDEN
// "practitioner.card_not_staff" for an agency's former employee.
func (a *App) PractitionerCard(actor Actor, id uint64) (*Practitioner, error) {
	p, err := a.GetPractitioner(actor, id)
	if err != nil {
		return nil, err
	}
	if !CanPrintCard(actor, p) {
		return nil, Errorf(EFORBIDDEN, "practitioner.card_not_staff")
	}
	return p, nil
}

// SearchPractitioners lists the practitioners the actor may see, most
// recently hired first.
func (a *App) SearchPractitioners(actor Actor, q PractitionerQuery) (PractitionerPage, error) {
	if err := actor.require(PermPractitionerView); err != nil {
		return PractitionerPage{}, err
	}
	text := strings.TrimSpace(q.Text)
	// A full ID number is looked up in the store, not the index: the index
	// holds no ID numbers.
	if id := NormalizeResidentID(text); len(id) == 18 && CheckResidentID(id) == nil {
		return a.practitionerByIDNo(actor, id)
	}
	sq := search.Query{Type: "practitioner", Text: text, Filters: map[string][]string{}, Sort: []string{"-since_key"}}
	if c := NormalizeCardNo(text); strings.HasPrefix(c, "XK") {
		sq.Text = c
	}
	agencyID := q.AgencyID
	switch {
	case actor.System:
	case actor.Can(PermAgencyPortal):
		agencyID = actor.AgencyID
	case actor.District != "":
		sq.Filters["districts"] = []string{actor.District}
	}
	if q.District != "" {
		if !actor.System && actor.District != "" && q.District != actor.District {
			return PractitionerPage{Page: 1, Pages: 1}, nil
		}
		sq.Filters["district"] = []string{q.District}
	}
	if q.Role != "" {
		sq.Filters["role"] = []string{q.Role}
	}
	aid := strconv.FormatUint(agencyID, 10)
	switch {
	case agencyID != 0 && q.Status == PracEmployed:
		sq.Filters["agency_id"] = []string{aid}
	case agencyID != 0 && q.Status == PracLeft:
		sq.Filters["left_agency_ids"] = []string{aid}
	case agencyID != 0:
		sq.Filters["agency_ids"] = []string{aid}
	case q.Status == PracEmployed || q.Status == PracLeft:
		sq.Filters["status"] = []string{q.Status}
	}
	var items []*Practitioner
	page, err := a.searchPage(sq, q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		p, err := practitionerTable.Get(tx, id)
		if err == nil && canSeePractitioner(tx, actor, p) {
			items = append(items, p)
		}
		return nil
	})
	if err != nil {
		return PractitionerPage{}, err
	}
	return PractitionerPage{Items: items, Rows: rowsFor(actor, items), Total: page.Total, Page: page.Page, Pages: page.Pages}, nil
}

func rowsFor(actor Actor, items []*Practitioner) []PractitionerRow {
	rows := make([]PractitionerRow, len(items))
	for i, p := range items {
		rows[i] = PractitionerRowFor(actor, p)
	}
	return rows
}

func (a *App) practitionerByIDNo(actor Actor, idNo string) (PractitionerPage, error) {
	out := PractitionerPage{Page: 1, Pages: 1}
	err := a.db.View(func(tx *storage.Tx) error {
		p, err := practitionerTable.LookupOne(tx, "id_no", []byte(idNo))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if canSeePractitioner(tx, actor, p) {
			out.Items, out.Rows, out.Total = []*Practitioner{p}, []PractitionerRow{PractitionerRowFor(actor, p)}, 1
		}
		return nil
	})
	return out, err
}

// EmployedCount is how many practitioners an agency employs now. It is
// public information (the directory shows it): no permission is needed.
func (a *App) EmployedCount(agencyID uint64) (int, error) {
	counts, err := a.EmployedCounts([]uint64{agencyID})
	return counts[agencyID], err
}

// EmployedCounts is EmployedCount for several agencies at once (a page of
// the directory): one search with a facet.
func (a *App) EmployedCounts(agencyIDs []uint64) (map[uint64]int, error) {
	out := make(map[uint64]int, len(agencyIDs))
	if len(agencyIDs) == 0 {
		return out, nil
	}
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before count", "err", err)
	}
	ids := make([]string, 0, len(agencyIDs))
	for _, id := range agencyIDs {
		ids = append(ids, strconv.FormatUint(id, 10))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// A facet returns at most 50 terms: ask in chunks.
	for len(ids) > 0 {
		n := min(len(ids), 50)
		res, err := a.ix.Search(search.Query{Type: "practitioner", Filters: map[string][]string{"agency_id": ids[:n]},
			Size: 1, Facets: []string{"agency_id"}})
		if err != nil {
			return out, err
		}
		for _, fc := range res.Facets["agency_id"] {
			if id, err := strconv.ParseUint(fc.Term, 10, 64); err == nil {
				out[id] = fc.Count
			}
		}
		ids = ids[n:]
	}
	return out, nil
}
