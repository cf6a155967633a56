package app

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/storage"
)

// The signing form's steps (受理网签).
const (
	CStepProperty = 1 // the property, from the verification: confirm
	CStepTerms    = 2 // term, rent, payment, deposit, use, costs
	CStepParties  = 3 // lessors, lessees, co-residents
	CStepAgreed   = 4 // agreed terms and optional clauses
	CStepDocs     = 5 // required documents 要件
	CStepPreview  = 6 // the contract as it prints: sign or cancel
	CStepCount    = 6
)

// PaymentMethods are the ways rent is paid (付款方式).
var PaymentMethods = []string{"transfer", "cash", "online", "other"}

// UtilityPayers say who pays water, power and gas.
var UtilityPayers = []string{"lessee", "lessor", "shared"}

// PartyRoles in the order the form shows them.
var PartyRoles = []string{PartyLessor, PartyLessorAgent, PartyLessee, PartyCoResident}

// Limits of a sane lease.
const (
	maxRent       = 1_000_000 // yuan a month
	maxTermYears  = 20        // 《民法典》第七百零五条: a lease over 20 years is void beyond them
	startPastDays = 30        // an online lease may start at most this long before it is signed
	startAhead    = 365       // and at most a year ahead
)

// partyField names the form field of party row i.
func partyField(i int, f string) string { return "parties." + strconv.Itoa(i) + "." + f }

// ContractStepOfField says which step holds a form field (to link a
// problem found at signing to its step).
func ContractStepOfField(f string) int {
	switch {
	case strings.HasPrefix(f, "parties"):
		return CStepParties
	case f == "agreed_terms" || f == "clauses":
		return CStepAgreed
	case strings.HasPrefix(f, "doc"):
		return CStepDocs
	case f == "property":
		return CStepProperty
	}
	return CStepTerms
}

// contractRules are the parameters and reference data a parse needs.
type contractRules struct {
	now        time.Time
	depositMax int // months of rent
	template   *ContractTemplate
	owners     []Owner // the registered owners (from the verification)
	online     bool    // dates are checked against the signing day
}

func (a *App) contractRules(tx *storage.Tx, c *Contract) (contractRules, error) {
	r := contractRules{now: a.now(), depositMax: a.ParamInt(ParamDepositMaxMonths), online: c.Source == ContractOnline}
	var err error
	if r.template, err = loadTemplate(tx, c.TemplateVersion); err != nil {
		return r, err
	}
	if c.VerificationID != 0 {
		if v, err := verificationTable.Get(tx, c.VerificationID); err == nil {
			r.owners = v.Owners
		}
	} else if p, err := propertyTable.Get(tx, c.PropertyID); err == nil {
		r.owners = p.Owners
	}
	return r, nil
}

// parseContractStep validates one step's fields of c.Form (every step for
// 0) into the contract's Terms, Parties, AgreedTerms and Clauses.
func (a *App) parseContractStep(tx *storage.Tx, c *Contract, step int, r contractRules) error {
	var v validation
	if step == 0 || step == CStepTerms {
		parseTerms(tx, c, &v, r)
	}
	if step == 0 || step == CStepParties {
		a.parseParties(tx, c, &v, r)
	}
	if step == 0 || step == CStepAgreed {
		parseAgreed(c, &v, r)
	}
	if step == 0 || step == CStepDocs {
		checkDocsPresent(c, &v)
	}
	return v.err()
}

func parseContractDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(HalfWidth(s))
	for _, layout := range []string{time.DateOnly, "2006/1/2", "2006-1-2", "2006.1.2"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseYuan reads a whole yuan amount: "6500", "6,500", "6500元", "6500.00".
func parseYuan(s string) (int, bool) {
	s = strings.TrimSpace(HalfWidth(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "元"), "元/月")
	s = strings.ReplaceAll(strings.ReplaceAll(s, ",", ""), "，", "")
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".00"), ".0")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// localDay is t's calendar day at local midnight.
func localDay(t time.Time) time.Time {
	t = t.Local()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.Local)
}

func parseTerms(tx *storage.Tx, c *Contract, v *validation, r contractRules) {
	f := &c.Form
	t := Terms{}
	var okS, okE bool
	if strings.TrimSpace(f.Start) == "" {
		v.add("start", "contract.start_required")
	} else if t.Start, okS = parseContractDay(f.Start); !okS {
		v.add("start", "contract.date_invalid")
	} else if r.online {
		today := localDay(r.now)
		if t.Start.Before(today.AddDate(0, 0, -startPastDays)) {
			v.add("start", "contract.start_too_early")
		} else if t.Start.After(today.AddDate(0, 0, startAhead)) {
			v.add("start", "contract.start_too_late")
		}
	}
	if strings.TrimSpace(f.End) == "" {
		v.add("end", "contract.end_required")
	} else if t.End, okE = parseContractDay(f.End); !okE {
		v.add("end", "contract.date_invalid")
	} else if okS {
		switch {
		case !t.End.After(t.Start):
			v.add("end", "contract.end_before_start")
		case t.End.After(t.Start.AddDate(maxTermYears, 0, 0)):
			v.add("end", "contract.term_too_long")
		}
	}
	if strings.TrimSpace(f.Rent) == "" {
		v.add("rent", "contract.rent_required")
	} else if n, ok := parseYuan(f.Rent); !ok || n <= 0 {
		v.add("rent", "contract.rent_invalid")
	} else if n > maxRent {
		v.add("rent", "contract.rent_too_high")
	} else {
		t.Rent = n
	}
	t.PaymentCycle = strings.TrimSpace(f.PaymentCycle)
	if !slices.Contains(PaymentCycles, t.PaymentCycle) {
		v.add("payment_cycle", "contract.payment_cycle_required")
	}
	t.PaymentMethod = strings.TrimSpace(f.PaymentMethod)
	if !slices.Contains(PaymentMethods, t.PaymentMethod) {
		v.add("payment_method", "contract.payment_method_required")
	}
	if strings.TrimSpace(f.Deposit) == "" {
		v.add("deposit", "contract.deposit_required")
	} else if n, ok := parseYuan(f.Deposit); !ok || n < 0 {
		v.add("deposit", "contract.deposit_invalid")
	} else if n > maxRent*12 {
		v.add("deposit", "contract.deposit_too_high")
	} else {
		t.Deposit = n
		// Above the parameter's months of rent: allowed, but shown to the
		// person signing and to the filing reviewer.
		t.DepositFlag = t.Rent > 0 && r.depositMax > 0 && n > r.depositMax*t.Rent
	}
	t.Purpose = strings.TrimSpace(f.Purpose)
	if t.Purpose != "residential" {
		v.add("purpose", "contract.purpose_residential")
	}
	t.Rooms = strings.TrimSpace(f.Rooms)
	if c.Listing.Mode == "shared" && t.Rooms == "" {
		v.add("rooms", "contract.rooms_required")
	}
	maxLen(v, "rooms", t.Rooms, 60)
	t.Fees = strings.TrimSpace(f.Fees)
	maxLen(v, "fees", t.Fees, 300)
	t.Utilities = strings.TrimSpace(f.Utilities)
	if !slices.Contains(UtilityPayers, t.Utilities) {
		v.add("utilities", "contract.utilities_required")
	}
	c.Terms = t
}

var passportRe = regexp.MustCompile(`^[A-Z0-9]{5,20}$`)

func (p PartyForm) empty() bool {
	return strings.TrimSpace(p.Name+p.IDNo+p.Phone) == ""
}

func (a *App) parseParties(tx *storage.Tx, c *Contract, v *validation, r contractRules) {
	old := c.Parties
	c.Parties = nil
	seen := map[string]int{}
	count := map[string]int{}
	for i, pf := range c.Form.Parties {
		if pf.empty() {
			continue
		}
		p := Party{Role: strings.TrimSpace(pf.Role), Kind: strings.TrimSpace(pf.Kind), Name: strings.TrimSpace(pf.Name),
			IDType: strings.TrimSpace(pf.IDType), IDNo: strings.ToUpper(strings.Join(strings.Fields(HalfWidth(pf.IDNo)), ""))}
		if !slices.Contains(PartyRoles, p.Role) {
			v.add(partyField(i, "role"), "contract.party_role_unknown")
			continue
		}
		if p.Kind == "" {
			p.Kind = PartyPerson
		}
		switch {
		case p.Kind != PartyPerson && p.Kind != PartyOrg:
			v.add(partyField(i, "kind"), "contract.party_kind_unknown")
		case p.Kind == PartyOrg && (p.Role == PartyCoResident || p.Role == PartyLessorAgent):
			v.add(partyField(i, "kind"), "contract.party_must_be_person")
		}
		if p.Name == "" {
			v.add(partyField(i, "name"), "contract.party_name_required")
		}
		maxLen(v, partyField(i, "name"), p.Name, 60)
		if p.Kind == PartyOrg {
			p.IDType, p.IDNo = "uscc", NormalizeUSCC(pf.IDNo)
			if p.IDNo == "" {
				v.add(partyField(i, "id_no"), "contract.party_uscc_required")
			} else {
				v.check(partyField(i, "id_no"), CheckUSCC(p.IDNo))
			}
		} else {
			if p.IDType == "" {
				p.IDType = "resident_id"
			}
			switch {
			case !a.dictHas(tx, DictIDType, p.IDType):
				v.add(partyField(i, "id_type"), "contract.party_id_type_unknown")
			case p.IDNo == "":
				v.add(partyField(i, "id_no"), "contract.party_id_required")
			case p.IDType == "resident_id":
				p.IDNo = NormalizeResidentID(p.IDNo)
				v.check(partyField(i, "id_no"), CheckResidentID(p.IDNo))
			case p.IDType == "passport" && !passportRe.MatchString(p.IDNo):
				v.add(partyField(i, "id_no"), "contract.party_passport_invalid")
			default:
				maxLen(v, partyField(i, "id_no"), p.IDNo, 40)
			}
		}
		if ph := strings.TrimSpace(pf.Phone); ph != "" {
			normalize := NormalizeMobile
			if p.Kind == PartyOrg {
				normalize = NormalizePhone // a company may have only its switchboard
			}
			mob, err := normalize(ph)
			v.check(partyField(i, "phone"), err)
			p.Phone = mob
		} else if p.Role == PartyLessee || p.Role == PartyLessorAgent {
			// The bureau and the other side must be able to reach them.
			v.add(partyField(i, "phone"), "contract.party_phone_required")
		}
		if p.IDNo != "" {
			if j, dup := seen[p.IDNo]; dup {
				key := "contract.party_duplicate"
				if (c.Form.Parties[j].Role == PartyLessee) != (p.Role == PartyLessee) {
					key = "contract.party_lessor_is_lessee"
				}
				v.add(partyField(i, "id_no"), key)
			}
			seen[p.IDNo] = i
		}
		// A lessor is a registered owner (a co-owner may let it with the
		// others' consent); anyone else signs as the owner's agent.
		if p.Role == PartyLessor && len(r.owners) > 0 && !isOwner(r.owners, p) {
			v.add(partyField(i, "name"), "contract.lessor_not_owner")
		}
		for _, o := range old {
			if o.Role == p.Role && o.IDNo == p.IDNo && o.Name == p.Name {
				p.Confirmed = o.Confirmed
			}
		}
		count[p.Role]++
		c.Parties = append(c.Parties, p)
	}
	if count[PartyLessor] == 0 {
		v.add("parties", "contract.lessor_required")
	}
	if count[PartyLessee] == 0 {
		v.add("parties", "contract.lessee_required")
	}
}

func isOwner(owners []Owner, p Party) bool {
	for _, o := range owners {
		if strings.TrimSpace(o.Name) == p.Name && strings.EqualFold(strings.TrimSpace(o.IDNo), p.IDNo) {
			return true
		}
	}
	return false
}

func parseAgreed(c *Contract, v *validation, r contractRules) {
	c.AgreedTerms = strings.TrimSpace(strings.ReplaceAll(c.Form.AgreedTerms, "\r\n", "\n"))
	maxLen(v, "agreed_terms", c.AgreedTerms, 2000)
	c.Clauses = nil
	for _, code := range c.Form.Clauses {
		cl, ok := r.template.clause(code)
		switch {
		case !ok || !cl.Enabled:
			v.add("clauses", "contract.clause_unknown")
		case !slices.Contains(c.Clauses, code):
			c.Clauses = append(c.Clauses, code)
		}
	}
}

// DocsRequired are the document kinds a contract needs before signing:
// the parties' ID copies and the certificate, and the power of attorney
// when an agent signs for the owner.
func (c *Contract) DocsRequired() []string {
	kinds := []string{"id_copy", "certificate"}
	if len(c.partiesOf(PartyLessorAgent)) > 0 {
		kinds = append(kinds, "power_of_attorney")
	}
	return kinds
}

// HasDoc reports whether a document of kind is attached.
func (c *Contract) HasDoc(kind string) bool {
	return slices.ContainsFunc(c.Docs, func(d ContractDoc) bool { return d.Kind == kind })
}

func checkDocsPresent(c *Contract, v *validation) {
	for _, k := range c.DocsRequired() {
		if !c.HasDoc(k) {
			v.add("doc."+k, "contract.doc_missing_"+k)
		}
	}
}

// NewContractForm is the form of a new draft: the lessors from the
// verification's owners, the asking rent and the rented room.
func newContractForm(v *Verification) ContractForm {
	f := ContractForm{Purpose: "residential", PaymentCycle: "quarterly", PaymentMethod: "transfer", Utilities: "lessee"}
	if v.Listing.Rent > 0 {
		f.Rent = strconv.Itoa(v.Listing.Rent)
	}
	if v.Listing.Mode == "shared" {
		f.Rooms = strings.TrimSpace(v.Listing.Building + v.Listing.Room)
	}
	for _, o := range v.Owners {
		kind := PartyPerson
		if o.IDType == "uscc" {
			kind = PartyOrg
		}
		f.Parties = append(f.Parties, PartyForm{Role: PartyLessor, Kind: kind, Name: o.Name, IDType: o.IDType, IDNo: o.IDNo})
	}
	return f
}
