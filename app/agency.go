package app

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// Agency types (机构类型).
const (
	AgencyTypeBroker = "broker" // 房地产经纪机构
	AgencyTypeRental = "rental" // 住房租赁企业
	AgencyTypeOther  = "other"  // 其他
)

// AgencyTypes lists the types in display order.
var AgencyTypes = []string{AgencyTypeBroker, AgencyTypeRental, AgencyTypeOther}

// Agency statuses. An agency record exists once its first filing is
// approved; until then the filing lives in its application.
const (
	AgencyFiled     = "filed"     // 已备案
	AgencyCancelled = "cancelled" // 已注销: accounts disabled, employments ended
	// AgencyUnfiled is an agency known only by name from before filings
	// existed (accounts of an older installation); a clerk files it.
	AgencyUnfiled = "unfiled"
)

// Premises is a place of business (经营场所). Lng/Lat are WGS-84 degrees;
// HasCoords is false until someone enters them.
type Premises struct {
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	District  string  `json:"district"`
	Lng       float64 `json:"lng,omitempty"`
	Lat       float64 `json:"lat,omitempty"`
	HasCoords bool    `json:"has_coords,omitempty"`
}

// AgencyInfo is what a filing declares: the form of 机构备案. An approved
// application's AgencyInfo becomes the agency's current one.
type AgencyInfo struct {
	Name           string     `json:"name"`
	USCC           string     `json:"uscc"` // 统一社会信用代码, normalised
	Type           string     `json:"type"`
	LegalRep       string     `json:"legal_rep"`
	LegalRepIDType string     `json:"legal_rep_id_type"`
	LegalRepIDNo   string     `json:"legal_rep_id_no"`
	Address        string     `json:"address"`  // registered address
	District       string     `json:"district"` // of the registered address: the agency's jurisdiction
	Contact        string     `json:"contact"`
	ContactMobile  string     `json:"contact_mobile"`
	Scope          string     `json:"scope,omitempty"`   // business scope
	Capital        float64    `json:"capital,omitempty"` // registered capital, 万元
	Established    time.Time  `json:"established,omitzero"`
	HeadOfficeID   uint64     `json:"head_office_id,omitempty"` // set for a branch 分支机构
	HeadOfficeName string     `json:"head_office_name,omitempty"`
	Premises       []Premises `json:"premises"`
	LicenceBlob    uint64     `json:"licence_blob,omitempty"` // business licence scan
	LicenceName    string     `json:"licence_name,omitempty"`
	LicenceType    string     `json:"licence_type,omitempty"`
}

// IsBranch reports whether the filing is of a branch office.
func (i *AgencyInfo) IsBranch() bool { return i.HeadOfficeID != 0 }

// Agency is a filed agency with its current, approved information.
type Agency struct {
	ID          uint64    `json:"id"`
	Status      string    `json:"status"`
	FilingNo    string    `json:"filing_no,omitempty"` // 备案编号
	AgencyInfo            // current approved information
	FormerNames []string  `json:"former_names,omitempty"`
	Version     int       `json:"version"`               // approved applications so far
	PendingApp  uint64    `json:"pending_app,omitempty"` // an open change or cancellation
	AdminUserID uint64    `json:"admin_user_id,omitempty"`
	Filed       time.Time `json:"filed,omitzero"`
	Cancelled   time.Time `json:"cancelled,omitzero"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// Live reports whether the agency is filed and not cancelled.
func (ag *Agency) Live() bool { return ag.Status == AgencyFiled }

var agencyTable = storage.NewTable(storage.TableOptions[Agency]{
	Name:  "agencies",
	ID:    func(a *Agency) uint64 { return a.ID },
	SetID: func(a *Agency, id uint64) { a.ID = id },
	Indexes: []storage.Index[Agency]{
		// One live filing per credit code; a cancelled agency frees it.
		{Name: "uscc", Unique: true, Keys: func(a *Agency) [][]byte {
			if a.USCC == "" || a.Status == AgencyCancelled {
				return nil
			}
			return [][]byte{[]byte(a.USCC)}
		}},
		// Every agency by its credit code, cancelled ones too: a clerk
		// names an agency for the black list by its code, and the agency
		// that took the deposits and closed its filing (停业失联) is the one
		// the list is for.
		{Name: "uscc_any", Keys: func(a *Agency) [][]byte {
			if a.USCC == "" {
				return nil
			}
			return [][]byte{[]byte(a.USCC)}
		}},
		{Name: "name", Keys: func(a *Agency) [][]byte { return [][]byte{[]byte(strings.ToLower(a.Name))} }},
		{Name: "head_office", Keys: func(a *Agency) [][]byte {
			if a.HeadOfficeID == 0 {
				return nil
			}
			return [][]byte{storage.U64(a.HeadOfficeID)}
		}},
		{Name: "filing_no", Unique: true, Keys: func(a *Agency) [][]byte {
			if a.FilingNo == "" {
				return nil
			}
			return [][]byte{[]byte(a.FilingNo)}
		}},
	},
	Outbox: true,
})

var agencyDocType = search.DocType{Name: "agency", Fields: []search.Field{
	{Name: "name", Kind: search.Text},
	{Name: "former_names", Kind: search.Text},
	{Name: "address", Kind: search.Text},
	{Name: "legal_rep", Kind: search.Text},
	{Name: "uscc", Kind: search.Keyword},
	{Name: "filing_no", Kind: search.Keyword},
	{Name: "district", Kind: search.Keyword},
	{Name: "type", Kind: search.Keyword},
	{Name: "status", Kind: search.Keyword},
	{Name: "head_office_id", Kind: search.Keyword},
	{Name: "branch", Kind: search.Keyword},
	{Name: "filed", Kind: search.Date, Sortable: true},
}}

func agencyDoc(ag *Agency) search.Doc {
	addr := []string{ag.Address}
	for _, p := range ag.Premises {
		addr = append(addr, p.Name, p.Address)
	}
	branch := "no"
	if ag.IsBranch() {
		branch = "yes"
	}
	return search.Doc{Type: "agency", ID: docID("agency", ag.ID), Fields: map[string]any{
		"name": ag.Name, "former_names": strings.Join(ag.FormerNames, " "), "address": strings.Join(addr, " "),
		"legal_rep": ag.LegalRep, "uscc": ag.USCC, "filing_no": ag.FilingNo, "district": ag.District,
		"type": ag.Type, "status": ag.Status, "head_office_id": strconv.FormatUint(ag.HeadOfficeID, 10),
		"branch": branch, "filed": ag.Filed,
	}}
}

// canSeeAgency: government users their jurisdiction, agency users their
// own agency and, for a head office, its branches.
func canSeeAgency(actor Actor, ag *Agency) bool {
	switch {
	case actor.System:
		return true
	case actor.Can(PermAgencyPortal):
		return actor.AgencyID != 0 && (ag.ID == actor.AgencyID || ag.HeadOfficeID == actor.AgencyID)
	case actor.Can(PermGovPortal):
		return actor.InJurisdiction(ag.District)
	}
	return false
}

// GetAgency returns an agency the actor may see.
func (a *App) GetAgency(actor Actor, id uint64) (*Agency, error) {
	if err := actor.require(PermAgencyView); err != nil {
		return nil, err
	}
	var ag *Agency
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		ag, err = agencyTable.Get(tx, id)
		return err
	})
	if err != nil || !canSeeAgency(actor, ag) {
		return nil, notFound("agency.not_found", err)
	}
	return ag, nil
}

// AgencyBranches returns the branches of a head office the actor may see.
func (a *App) AgencyBranches(actor Actor, headOfficeID uint64) ([]*Agency, error) {
	if _, err := a.GetAgency(actor, headOfficeID); err != nil {
		return nil, err
	}
	var out []*Agency
	err := a.db.View(func(tx *storage.Tx) error {
		ids, err := agencyTable.Lookup(tx, "head_office", storage.U64(headOfficeID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			b, err := agencyTable.Get(tx, id)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// agencyByID reads an agency inside a transaction (no permission check).
func agencyByID(tx *storage.Tx, id uint64) (*Agency, error) { return agencyTable.Get(tx, id) }

// AgencyLicence returns the business licence scan on file.
func (a *App) AgencyLicence(actor Actor, id uint64) (storage.BlobInfo, []byte, error) {
	ag, err := a.GetAgency(actor, id)
	if err != nil {
		return storage.BlobInfo{}, nil, err
	}
	if ag.LicenceBlob == 0 {
		return storage.BlobInfo{}, nil, Errorf(ENOTFOUND, "agency.licence_missing")
	}
	var info storage.BlobInfo
	var data []byte
	err = a.db.View(func(tx *storage.Tx) error {
		var err error
		info, data, err = tx.GetBlob(ag.LicenceBlob)
		return err
	})
	return info, data, err
}

// requireFiledAgency: agency staff act only for a filed agency (an
// unfiled or cancelled one may not verify listings or sign contracts).
func (a *App) requireFiledAgency(actor Actor) error {
	if actor.System || !actor.Can(PermAgencyPortal) {
		return nil
	}
	var ag *Agency
	err := a.db.View(func(tx *storage.Tx) (err error) { ag, err = agencyByID(tx, actor.AgencyID); return })
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if ag == nil || !ag.Live() {
		return Errorf(EFORBIDDEN, "agency.not_filed_for_work")
	}
	return nil
}
