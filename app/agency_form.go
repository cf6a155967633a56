package app

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/storage"
)

// The filing form has these steps (the seed: fill in, then "下一步").
const (
	StepBasic    = 1 // the agency
	StepPremises = 2 // places of business
	StepLicence  = 3 // business licence scan
	StepConfirm  = 4 // check everything and submit
	StepCount    = 4
)

// PremisesRows is how many premises rows the form offers (no script
// needed); a filing with more premises adds rows by saving and returning.
const PremisesRows = 5

// AgencyForm is the filing form as typed. It is kept in the draft as
// typed, so that nothing is lost between steps, and parsed into an
// AgencyInfo when the application is submitted.
type AgencyForm struct {
	Name           string         `json:"name"`
	USCC           string         `json:"uscc"`
	Type           string         `json:"type"`
	LegalRep       string         `json:"legal_rep"`
	LegalRepIDType string         `json:"legal_rep_id_type"`
	LegalRepIDNo   string         `json:"legal_rep_id_no"`
	Address        string         `json:"address"`
	District       string         `json:"district"`
	Contact        string         `json:"contact"`
	ContactMobile  string         `json:"contact_mobile"`
	Scope          string         `json:"scope"`
	Capital        string         `json:"capital"`
	Established    string         `json:"established"` // YYYY-MM-DD
	HeadOffice     string         `json:"head_office"` // a branch's head office: filing number, credit code or name
	Premises       []PremisesForm `json:"premises"`
}

// PremisesForm is one premises row as typed.
type PremisesForm struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	District string `json:"district"`
	Lng      string `json:"lng"`
	Lat      string `json:"lat"`
}

func (p PremisesForm) empty() bool {
	return strings.TrimSpace(p.Name+p.Address+p.Lng+p.Lat) == ""
}

// FormOf is the form showing an agency's current information (a change
// starts from it).
func FormOf(info AgencyInfo) AgencyForm {
	f := AgencyForm{Name: info.Name, USCC: info.USCC, Type: info.Type, LegalRep: info.LegalRep,
		LegalRepIDType: info.LegalRepIDType, LegalRepIDNo: info.LegalRepIDNo, Address: info.Address,
		District: info.District, Contact: info.Contact, ContactMobile: info.ContactMobile, Scope: info.Scope,
		HeadOffice: info.HeadOfficeName}
	if info.Capital > 0 {
		f.Capital = strconv.FormatFloat(info.Capital, 'f', -1, 64)
	}
	if !info.Established.IsZero() {
		f.Established = info.Established.Format(time.DateOnly)
	}
	for _, p := range info.Premises {
		pf := PremisesForm{Name: p.Name, Address: p.Address, District: p.District}
		if p.HasCoords {
			pf.Lng, pf.Lat = strconv.FormatFloat(p.Lng, 'f', 6, 64), strconv.FormatFloat(p.Lat, 'f', 6, 64)
		}
		f.Premises = append(f.Premises, pf)
	}
	return f
}

// premisesField names the form field of premises row i.
func premisesField(i int, f string) string { return "premises." + strconv.Itoa(i) + "." + f }

// parseStep validates the fields of one step (all steps for 0) into info,
// which keeps what the other steps hold. headFixed is the head office an
// agency admin applies for (its own agency): the form's head office field
// is then ignored.
func (a *App) parseAgencyForm(tx *storage.Tx, actor Actor, f *AgencyForm, step int, info *AgencyInfo, headFixed *Agency) error {
	var v validation
	if step == 0 || step == StepBasic {
		a.parseBasic(tx, actor, f, &v, info, headFixed)
	}
	if step == 0 || step == StepPremises {
		a.parsePremises(tx, f, &v, info)
	}
	return v.err()
}

func req(v *validation, field, val, key string) string {
	val = strings.TrimSpace(val)
	if val == "" {
		v.add(field, key)
	}
	return val
}

func maxLen(v *validation, field, val string, n int) {
	if len([]rune(val)) > n {
		v.add(field, "agency.too_long")
	}
}

func (a *App) parseBasic(tx *storage.Tx, actor Actor, f *AgencyForm, v *validation, info *AgencyInfo, headFixed *Agency) {
	info.Name = req(v, "name", f.Name, "agency.name_required")
	maxLen(v, "name", info.Name, 80)
	info.USCC = NormalizeUSCC(f.USCC)
	f.USCC = info.USCC // kept as it will be filed, not as typed: pages show the form
	if info.USCC == "" {
		v.add("uscc", "agency.uscc_required")
	} else {
		v.check("uscc", CheckUSCC(info.USCC))
	}
	info.Type = strings.TrimSpace(f.Type)
	switch {
	case info.Type == "":
		v.add("type", "agency.type_required")
	case !slices.Contains(AgencyTypes, info.Type):
		v.add("type", "agency.type_unknown")
	}
	info.LegalRep = req(v, "legal_rep", f.LegalRep, "agency.legal_rep_required")
	maxLen(v, "legal_rep", info.LegalRep, 40)
	info.LegalRepIDType = strings.TrimSpace(f.LegalRepIDType)
	if info.LegalRepIDType == "" {
		info.LegalRepIDType = "resident_id"
	}
	if !a.dictHas(tx, DictIDType, info.LegalRepIDType) {
		v.add("legal_rep_id_type", "agency.id_type_unknown")
	}
	info.LegalRepIDNo = strings.TrimSpace(HalfWidth(f.LegalRepIDNo))
	switch {
	case info.LegalRepIDNo == "":
		v.add("legal_rep_id_no", "agency.legal_rep_id_required")
	case info.LegalRepIDType == "resident_id":
		info.LegalRepIDNo = NormalizeResidentID(info.LegalRepIDNo)
		v.check("legal_rep_id_no", CheckResidentID(info.LegalRepIDNo))
	default:
		maxLen(v, "legal_rep_id_no", info.LegalRepIDNo, 40)
	}
	info.Address = req(v, "address", f.Address, "agency.address_required")
	maxLen(v, "address", info.Address, 120)
	info.District = strings.TrimSpace(f.District)
	switch {
	case info.District == "":
		v.add("district", "agency.district_required")
	case !a.dictHas(tx, DictDistrict, info.District):
		v.add("district", "agency.district_unknown")
	case !actor.Can(PermAgencyPortal) && !actor.InJurisdiction(info.District):
		v.add("district", "agency.district_outside")
	}
	info.Contact = req(v, "contact", f.Contact, "agency.contact_required")
	maxLen(v, "contact", info.Contact, 40)
	if m := strings.TrimSpace(f.ContactMobile); m == "" {
		v.add("contact_mobile", "agency.contact_mobile_required")
	} else {
		mob, err := NormalizeMobile(m)
		v.check("contact_mobile", err)
		info.ContactMobile = mob
	}
	info.Scope = strings.TrimSpace(f.Scope)
	maxLen(v, "scope", info.Scope, 500)
	info.Capital = 0
	if c := strings.TrimSpace(HalfWidth(f.Capital)); c != "" {
		n, err := strconv.ParseFloat(strings.TrimSuffix(c, "万元"), 64)
		if err != nil || n <= 0 || n > 1e8 {
			v.add("capital", "agency.capital_invalid")
		} else {
			info.Capital = n
		}
	}
	info.Established = time.Time{}
	if d := strings.TrimSpace(HalfWidth(f.Established)); d != "" {
		t, err := time.ParseInLocation(time.DateOnly, d, time.Local)
		if err != nil || t.Year() < 1949 || t.After(time.Now()) {
			v.add("established", "agency.established_invalid")
		} else {
			info.Established = t
		}
	}
	switch {
	case headFixed != nil:
		info.HeadOfficeID, info.HeadOfficeName = headFixed.ID, headFixed.Name
	case strings.TrimSpace(f.HeadOffice) == "":
		info.HeadOfficeID, info.HeadOfficeName = 0, ""
	default:
		head, err := resolveAgency(tx, f.HeadOffice)
		switch {
		case err != nil || head == nil || !head.Live():
			v.add("head_office", "agency.head_office_unknown")
		case head.IsBranch():
			v.add("head_office", "agency.head_office_is_branch")
		case head.USCC != "" && head.USCC == info.USCC:
			v.add("head_office", "agency.head_office_self")
		default:
			info.HeadOfficeID, info.HeadOfficeName = head.ID, head.Name
		}
	}
}

func (a *App) parsePremises(tx *storage.Tx, f *AgencyForm, v *validation, info *AgencyInfo) {
	info.Premises = nil
	for i, p := range f.Premises {
		if p.empty() {
			continue
		}
		pr := Premises{Name: strings.TrimSpace(p.Name), Address: strings.TrimSpace(p.Address), District: strings.TrimSpace(p.District)}
		if pr.Name == "" {
			v.add(premisesField(i, "name"), "agency.premises_name_required")
		}
		maxLen(v, premisesField(i, "name"), pr.Name, 60)
		if pr.Address == "" {
			v.add(premisesField(i, "address"), "agency.premises_address_required")
		}
		maxLen(v, premisesField(i, "address"), pr.Address, 120)
		switch {
		case pr.District == "":
			v.add(premisesField(i, "district"), "agency.district_required")
		case !a.dictHas(tx, DictDistrict, pr.District):
			v.add(premisesField(i, "district"), "agency.district_unknown")
		}
		lng, lat := strings.TrimSpace(HalfWidth(p.Lng)), strings.TrimSpace(HalfWidth(p.Lat))
		if lng != "" || lat != "" {
			x, errX := strconv.ParseFloat(lng, 64)
			y, errY := strconv.ParseFloat(lat, 64)
			// China lies within these bounds; a swapped pair is the
			// commonest mistake and lands outside them.
			if errX != nil || x < 73 || x > 136 {
				v.add(premisesField(i, "lng"), "agency.lng_invalid")
			}
			if errY != nil || y < 3 || y > 54 {
				v.add(premisesField(i, "lat"), "agency.lat_invalid")
			}
			pr.Lng, pr.Lat, pr.HasCoords = x, y, errX == nil && errY == nil
		}
		info.Premises = append(info.Premises, pr)
	}
	if len(info.Premises) == 0 {
		v.add(premisesField(0, "name"), "agency.premises_required")
	}
}

// LicenceMaxBytes bounds the business licence scan.
const LicenceMaxBytes = 5 << 20

// documentType says what an uploaded document is, by its content: PDF,
// JPEG or PNG, else "" (a renamed file of another type is refused).
func documentType(data []byte) string {
	switch {
	case len(data) >= 5 && string(data[:5]) == "%PDF-":
		return "application/pdf"
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return "image/jpeg"
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	}
	return ""
}

func checkLicence(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", fieldError("licence", "agency.licence_required")
	case len(data) > LicenceMaxBytes:
		return "", fieldError("licence", "agency.licence_too_big") // the message names the limit: 5 MB
	}
	ct := documentType(data)
	if ct == "" {
		return "", fieldError("licence", "agency.licence_type")
	}
	return ct, nil
}
