package app

import (
	"strings"
	"time"

	"anju/storage"
)

// Back-entry 合同补录: when the parameter 备案前是否必须进行合同网签 is off,
// a lease signed on paper is entered by its property's certificate number
// (the property comes from the registry), with the same contract fields as
// the signing form and the scanned paper contract, and filing is applied
// for it at once. The contract is signed (Source backentry) and numbered
// like an online one.

// BackEntryInput is one paper contract as typed.
type BackEntryInput struct {
	District string
	CertNo   string
	Mode     string // "whole" 整租 or "shared" 合租 (then Form.Rooms names the rooms)
	SignedOn string // the day the paper contract was signed
	Form     ContractForm
	ScanName string
	Scan     []byte // the scanned paper contract: PDF, JPEG or PNG
}

// BackEntryEnabled reports whether paper contracts may be entered (the
// parameter 备案前是否必须进行合同网签 is off).
func (a *App) BackEntryEnabled() bool { return !a.ParamBool(ParamFilingRequiresSign) }

// BackEntry enters a paper contract and applies for its filing, in one
// transaction. Every field's problem is reported at once, next to it.
func (a *App) BackEntry(actor Actor, in BackEntryInput) (*Contract, *ContractFiling, error) {
	if err := actor.require(PermBackEntry); err != nil {
		return nil, nil, err
	}
	if !a.BackEntryEnabled() {
		return nil, nil, Errorf(ECONFLICT, "filing.backentry_disabled")
	}
	if err := a.requireFiledAgency(actor); err != nil {
		return nil, nil, err
	}
	var c *Contract
	var f *ContractFiling
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if c, err = a.backEntryContract(tx, actor, in, true); err != nil {
			return err
		}
		if err := a.checkFileable(tx, c); err != nil {
			return err
		}
		f, err = a.applyFilingTx(tx, actor, c, a.now())
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return c, f, nil
}

// backEntryContract validates in and stores the signed contract with its
// number, in the caller's transaction (bulk back-entry calls it per row,
// with needScan false: the scans are attached afterwards). It does not
// apply for filing.
func (a *App) backEntryContract(tx *storage.Tx, actor Actor, in BackEntryInput, needScan bool) (*Contract, error) {
	var v validation
	now := a.now()
	district := strings.TrimSpace(in.District)
	certNo := NormalizeCertNo(in.CertNo)
	switch {
	case district == "":
		v.add("district", "filing.district_required")
	case !a.dictHas(tx, DictDistrict, district):
		v.add("district", "filing.district_unknown")
	case !actor.Can(PermAgencyPortal) && !actor.InJurisdiction(district):
		v.add("district", "filing.district_outside")
	}
	var p *Property
	if certNo == "" {
		v.add("cert_no", "filing.cert_no_required")
	} else if district != "" {
		var err error
		if p, err = findProperty(tx, district, certNo); err != nil {
			return nil, err
		}
		switch {
		case p == nil:
			v.add("cert_no", "filing.property_unknown")
		case p.restriction() != "":
			v.add("cert_no", p.restriction())
		case !p.Residential() && !a.ParamBool(ParamVerifyNonResid):
			v.add("cert_no", "verify.not_residential")
		}
	}
	mode := strings.TrimSpace(in.Mode)
	if mode != "shared" {
		mode = "whole"
	}
	signed, ok := parseContractDay(in.SignedOn)
	switch {
	case strings.TrimSpace(in.SignedOn) == "":
		v.add("signed_on", "filing.signed_on_required")
	case !ok:
		v.add("signed_on", "contract.date_invalid")
	case signed.After(localDay(now)):
		v.add("signed_on", "filing.signed_on_future")
	}
	c := &Contract{Status: ContractDraft, Source: ContractBackEntry, District: district, CertNo: certNo,
		Form: in.Form, CreatedBy: personOf(actor), Created: now, Updated: now}
	if p != nil {
		c.PropertyID, c.CertType, c.CertNo = p.ID, p.CertType, p.CertNo
		c.Listing = Listing{Address: p.Address, Area: p.Area, Mode: mode}
	} else {
		c.Listing.Mode = mode
	}
	if mode == "shared" {
		c.Listing.Room = strings.TrimSpace(in.Form.Rooms)
	}
	if strings.TrimSpace(c.Form.Purpose) == "" {
		c.Form.Purpose = "residential"
	}
	rules, err := a.contractRules(tx, c)
	if err != nil {
		return nil, err
	}
	// The signing form's rules, but the dates are the paper's: no window
	// around today (an old lease may be entered), and the owners are the
	// registry's.
	rules.online = false
	parseTerms(tx, c, &v, rules)
	a.parseParties(tx, c, &v, rules)
	parseAgreed(c, &v, rules)
	if ok && !c.Terms.End.IsZero() && signed.After(c.Terms.End) {
		v.add("signed_on", "filing.signed_after_end")
	}
	if needScan {
		if _, err := checkContractDoc("scan", in.Scan); err != nil {
			e, _ := AsError(err)
			v.add("scan", e.Fields["scan"])
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if !c.Terms.End.After(localDay(now)) {
		// A lease that already ended has nothing left to file.
		return nil, fieldError("end", "filing.backentry_ended")
	}
	if other := overlapping(tx, c); other != nil {
		return nil, overlapError(other, "")
	}
	if needScan {
		if err := addContractDoc(tx, c, actor, "paper_contract", in.ScanName, in.Scan, "scan"); err != nil {
			return nil, err
		}
	}
	if c.No, err = nextContractNo(tx, district, now); err != nil {
		return nil, err
	}
	if actor.Can(PermAgencyPortal) {
		c.AgencyID, c.AgencyName, c.AgentID, c.AgentName = actor.AgencyID, actor.AgencyName, actor.UserID, actor.Name
	}
	c.TemplateVersion = rules.template.Version
	c.Status, c.Signed, c.SignedBy = ContractSigned, signed, personOf(actor)
	// The deadline runs from the paper's signing: a late entry is overdue
	// at once, as it should be.
	c.FilingDue = signed.AddDate(0, 0, a.ParamInt(ParamFilingDeadlineDays))
	c.Step = CStepPreview
	c.event(now, actor, "created", BackEntryNote)
	c.event(now, actor, "signed", c.No+" "+signed.Format(time.DateOnly)) // the paper's date, shown as a date
	if _, err := contractTable.Insert(tx, c); err != nil {
		return nil, err
	}
	used, err := useCodesOfLetRooms(tx, c, actor, now)
	if err != nil {
		return nil, err
	}
	detail := c.No + " " + c.District + " " + c.CertNo
	if len(used) > 0 {
		detail += "; codes used: " + strings.Join(used, " ")
	}
	return c, a.audit(tx, actor, "contract.backentry", "contract", c.ID, detail)
}
