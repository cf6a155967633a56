package app

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// Contract statuses as stored. "expired" is set by the daily job once the
// term has ended.
const (
	ContractDraft     = "draft"     // being typed, step by step
	ContractSigned    = "signed"    // 已签约: in effect
	ContractCancelled = "cancelled" // a draft given up (取消)
	ContractRevoked   = "revoked"   // 已撤销 by both parties' agreement
	ContractExpired   = "expired"   // the term has ended
)

// Contract sources.
const (
	ContractOnline    = "online"    // 网签: signed on the platform from a verification
	ContractBackEntry = "backentry" // 补录: a paper contract entered afterwards
)

// BackEntryNote is the note of a back-entered contract's "created" history
// line (its signing line's note is "number date-of-the-paper"); pages name
// it in their language.
const BackEntryNote = "backentry"

// Filing states of a contract (its latest filing application decides).
const (
	FilingNone      = ""          // not applied for
	FilingPending   = "pending"   // in the review queue
	FilingRejected  = "rejected"  // returned with a reason; may be resubmitted
	FilingFiled     = "filed"     // 已备案: certificate issued
	FilingEnded     = "ended"     // the contract expired
	FilingCancelled = "cancelled" // the contract was revoked
)

// Payment cycles (付款周期).
var PaymentCycles = []string{"monthly", "quarterly", "half_year", "yearly"}

// Party roles.
const (
	PartyLessor      = "lessor"       // 出租人 (the owner)
	PartyLessorAgent = "lessor_agent" // the owner's authorised agent (with power of attorney)
	PartyLessee      = "lessee"       // 承租人
	PartyCoResident  = "co_resident"  // 共同居住人
)

// Party kinds.
const (
	PartyPerson = "person"
	PartyOrg    = "org" // an organisation, identified by its credit code
)

// Party is one person or organisation in a contract.
type Party struct {
	Role   string `json:"role"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	IDType string `json:"id_type"` // dictionary ID type; "uscc" for an organisation
	IDNo   string `json:"id_no"`
	Phone  string `json:"phone,omitempty"`
	// Parties' confirmation (parameter contract.party_confirm): the code's
	// hash and when he confirmed on the public portal.
	ConfirmHash string    `json:"confirm_hash,omitempty"`
	Confirmed   time.Time `json:"confirmed,omitzero"`
}

// Terms are the contract details of step 2.
type Terms struct {
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`  // last day of the lease
	Rent          int       `json:"rent"` // yuan per month
	PaymentCycle  string    `json:"payment_cycle"`
	PaymentMethod string    `json:"payment_method,omitempty"`
	Deposit       int       `json:"deposit"`         // yuan
	Purpose       string    `json:"purpose"`         // "residential" 居住
	Rooms         string    `json:"rooms,omitempty"` // the rooms let, for shared rental
	Fees          string    `json:"fees,omitempty"`
	Utilities     string    `json:"utilities,omitempty"`    // who pays: lessee, lessor, shared
	DepositFlag   bool      `json:"deposit_flag,omitempty"` // above the parameter's months of rent: shown to the reviewer
}

// DepositMonths is the deposit in months of rent, to one decimal, as the
// flag of a deposit above the limit states it ("3.5").
func (t Terms) DepositMonths() string {
	if t.Rent <= 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(float64(t.Deposit)*10/float64(t.Rent))/10, 'f', -1, 64)
}

// ContractDoc is an uploaded document 要件.
type ContractDoc struct {
	Kind     string    `json:"kind"` // id_copy, certificate, power_of_attorney, paper_contract, revocation, other
	Blob     uint64    `json:"blob"`
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Size     int64     `json:"size"`
	Uploaded time.Time `json:"uploaded"`
	By       string    `json:"by"`
}

// ContractEvent is one line of a contract's status history.
type ContractEvent struct {
	Time   time.Time `json:"time"`
	By     Person    `json:"by"`
	Action string    `json:"action"` // created, saved, signed, cancelled, revoked, expired, filing_*, confirmed
	Note   string    `json:"note,omitempty"`
}

// Contract is a residential lease: drafted, signed online (or entered
// from paper), filed, revoked or expired. It is never deleted.
type Contract struct {
	ID     uint64 `json:"id"`
	No     string `json:"no,omitempty"` // 合同编号, issued at signing
	Status string `json:"status"`
	Source string `json:"source"`
	// The property, from the verification (or, for a back-entry, the registry).
	VerificationID   uint64  `json:"verification_id,omitempty"`
	VerificationCode string  `json:"verification_code,omitempty"`
	PropertyID       uint64  `json:"property_id"`
	District         string  `json:"district"`
	CertType         string  `json:"cert_type"`
	CertNo           string  `json:"cert_no"`
	Listing          Listing `json:"listing"`
	// Brokered by (empty for a lease signed at the counter without agency).
	AgencyID   uint64 `json:"agency_id,omitempty"`
	AgencyName string `json:"agency_name,omitempty"`
	AgentID    uint64 `json:"agent_id,omitempty"` // the agent's user ID
	AgentName  string `json:"agent_name,omitempty"`

	Form        ContractForm  `json:"form"` // as typed, step by step
	Terms       Terms         `json:"terms"`
	Parties     []Party       `json:"parties"`
	AgreedTerms string        `json:"agreed_terms,omitempty"` // 双方约定事项
	Clauses     []string      `json:"clauses,omitempty"`      // optional clauses chosen (their codes)
	Docs        []ContractDoc `json:"docs,omitempty"`
	Step        int           `json:"step"` // furthest step that may be opened
	// TemplateVersion is the model text's version the contract printed with.
	TemplateVersion int `json:"template_version,omitempty"`

	Signed    time.Time `json:"signed,omitzero"`
	SignedBy  Person    `json:"signed_by,omitzero"`
	Ended     time.Time `json:"ended,omitzero"` // revoked: the effective date
	EndReason string    `json:"end_reason,omitempty"`
	// Revocation is an agreement to end the lease on a later day, recorded
	// before that day (app/contract_revoke.go); the daily job revokes the
	// contract on it. Kept once it has taken effect.
	Revocation *Revocation `json:"revocation,omitempty"`

	FilingStatus string    `json:"filing_status,omitempty"`
	FilingID     uint64    `json:"filing_id,omitempty"`      // latest filing application
	FilingCertNo string    `json:"filing_cert_no,omitempty"` // 备案证明编号 once filed
	FilingDue    time.Time `json:"filing_due,omitzero"`      // signed + deadline parameter

	CreatedBy Person          `json:"created_by"`
	Created   time.Time       `json:"created"`
	Updated   time.Time       `json:"updated"`
	History   []ContractEvent `json:"history"`
}

// ContractForm is the contract as typed, kept in the draft so that nothing
// is lost between steps; parsed into Terms and Parties step by step.
type ContractForm struct {
	Start         string      `json:"start"`
	End           string      `json:"end"`
	Rent          string      `json:"rent"`
	PaymentCycle  string      `json:"payment_cycle"`
	PaymentMethod string      `json:"payment_method"`
	Deposit       string      `json:"deposit"`
	Purpose       string      `json:"purpose"`
	Rooms         string      `json:"rooms"`
	Fees          string      `json:"fees"`
	Utilities     string      `json:"utilities"`
	Parties       []PartyForm `json:"parties"`
	AgreedTerms   string      `json:"agreed_terms"`
	Clauses       []string    `json:"clauses"`
}

// PartyForm is one party row as typed.
type PartyForm struct {
	Role   string `json:"role"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	IDType string `json:"id_type"`
	IDNo   string `json:"id_no"`
	Phone  string `json:"phone"`
}

// Lessees returns the lessee parties.
func (c *Contract) Lessees() []Party { return c.partiesOf(PartyLessee) }

// Shown is the party's name as lists and public pages show it: a person's
// partly hidden, an organisation's in full (a company's name is not
// personal data, and a reviewer must recognise it).
func (p Party) Shown() string {
	if p.Kind == PartyOrg {
		return p.Name
	}
	return MaskName(p.Name)
}

// ShownIDNo is the party's ID number as lists and pages show it: a
// person's partly hidden (MaskID), an organisation's credit code in full
// (public in the national enterprise register, and how staff tell
// companies apart).
func (p Party) ShownIDNo() string {
	if p.Kind == PartyOrg {
		return p.IDNo
	}
	return MaskID(p.IDNo)
}

// Lessors returns the lessor parties.
func (c *Contract) Lessors() []Party { return c.partiesOf(PartyLessor) }

func (c *Contract) partiesOf(role string) []Party {
	var out []Party
	for _, p := range c.Parties {
		if p.Role == role {
			out = append(out, p)
		}
	}
	return out
}

// Effective reports whether the lease is signed and not ended.
func (c *Contract) Effective() bool { return c.Status == ContractSigned }

// Revocation is the parties' agreement to end a lease from a day after the
// one it was brought in: recorded then, in effect from On.
type Revocation struct {
	On       time.Time `json:"on"` // the effective date (local midnight)
	Reason   string    `json:"reason"`
	By       Person    `json:"by"`
	Recorded time.Time `json:"recorded"`
}

// PendingRevocation is the revocation recorded for a later day of a lease
// still in effect, or nil.
func (c *Contract) PendingRevocation() *Revocation {
	if c.Status != ContractSigned {
		return nil
	}
	return c.Revocation
}

// EndDay is the day pages name as the end of a lease that has ended: for
// one that ran out, the last day of its term (Ended is the midnight after
// it, when it stopped running), as the printed stamp 已到期 and the term
// say; for a revoked one, the effective day the parties agreed (Ended).
// Zero while the lease runs.
func (c *Contract) EndDay() time.Time {
	if c.Status == ContractExpired && !c.Terms.End.IsZero() {
		return day(c.Terms.End)
	}
	return c.Ended
}

// contractRoomKey is the property and room a lease covers, for the overlap
// check (see roomKey: a whole rental covers every room).
func contractRoomKey(c *Contract) string { return roomKey(c.PropertyID, c.Listing) }

var contractTable = storage.NewTable(storage.TableOptions[Contract]{
	Name:  "contracts",
	ID:    func(c *Contract) uint64 { return c.ID },
	SetID: func(c *Contract, id uint64) { c.ID = id },
	Indexes: []storage.Index[Contract]{
		{Name: "no", Unique: true, Keys: func(c *Contract) [][]byte {
			if c.No == "" {
				return nil
			}
			return [][]byte{[]byte(c.No)}
		}},
		{Name: "property", Keys: func(c *Contract) [][]byte { return [][]byte{storage.U64(c.PropertyID)} }},
		{Name: "cert_no", Keys: func(c *Contract) [][]byte { return [][]byte{[]byte(c.District + "/" + c.CertNo)} }},
		{Name: "verification", Keys: func(c *Contract) [][]byte {
			if c.VerificationID == 0 {
				return nil
			}
			return [][]byte{storage.U64(c.VerificationID)}
		}},
		{Name: "filing_cert_no", Unique: true, Keys: func(c *Contract) [][]byte {
			if c.FilingCertNo == "" {
				return nil
			}
			return [][]byte{[]byte(c.FilingCertNo)}
		}},
		{Name: "status", Keys: func(c *Contract) [][]byte { return [][]byte{[]byte(c.Status)} }},
		{Name: "rent", Keys: rentIndexKeys}, // app/stats_rent.go
		// Recorded revocations not yet in effect, by their date
		// (YYYY-MM-DD): the daily job's range (app/contract_lifecycle.go).
		{Name: "revoke_on", Keys: func(c *Contract) [][]byte {
			if r := c.PendingRevocation(); r != nil {
				return [][]byte{[]byte(r.On.Format(time.DateOnly))}
			}
			return nil
		}},
	},
	Outbox: true,
})

var contractDocType = search.DocType{Name: "contract", Fields: []search.Field{
	{Name: "no", Kind: search.Keyword},
	{Name: "cert_no", Kind: search.Keyword},
	{Name: "filing_cert_no", Kind: search.Keyword},
	{Name: "parties", Kind: search.Text},
	{Name: "address", Kind: search.Text},
	{Name: "agency", Kind: search.Text},
	{Name: "agency_id", Kind: search.Keyword},
	{Name: "agent_id", Kind: search.Keyword},
	{Name: "creator_id", Kind: search.Keyword},
	{Name: "district", Kind: search.Keyword},
	{Name: "status", Kind: search.Keyword},
	{Name: "filing_status", Kind: search.Keyword},
	{Name: "source", Kind: search.Keyword},
	{Name: "signed", Kind: search.Date, Sortable: true},
	{Name: "start", Kind: search.Date},
	{Name: "end", Kind: search.Date},
	{Name: "created", Kind: search.Date, Sortable: true},
	{Name: "filing_due", Kind: search.Date}, // only while the filing is open: the overdue filter
	// Signed again, only while the filing is open: the overdue list is
	// ordered and cut into ranges on it, and a range of it holds only such
	// contracts, so counting one costs little (searchDated).
	{Name: "signed_open", Kind: search.Date, Sortable: true},
}}

func contractDoc(c *Contract) search.Doc {
	var names []string
	for _, p := range c.Parties {
		names = append(names, p.Name)
	}
	f := map[string]any{
		"no": c.No, "cert_no": c.CertNo, "filing_cert_no": c.FilingCertNo,
		"parties": strings.Join(names, " "),
		"address": c.Listing.FullAddress(),
		"agency":  c.AgencyName, "agency_id": strconv.FormatUint(c.AgencyID, 10),
		"agent_id": strconv.FormatUint(c.AgentID, 10), "creator_id": strconv.FormatUint(c.CreatedBy.UserID, 10),
		"district": c.District, "status": c.Status, "filing_status": cmp.Or(c.FilingStatus, "none"), "source": c.Source,
		"created": c.Created,
	}
	if !c.Signed.IsZero() {
		f["signed"] = c.Signed
	}
	if !c.Terms.Start.IsZero() {
		f["start"], f["end"] = c.Terms.Start, c.Terms.End
	}
	if c.filingOwed() {
		f["filing_due"], f["signed_open"] = c.FilingDue, c.Signed
	}
	return search.Doc{Type: "contract", ID: docID("contract", c.ID), Fields: f}
}

// canSeeContract: government users their jurisdiction; agency users the
// contracts their agency brokered (an agent's own drafts included); the
// creator his drafts.
func canSeeContract(actor Actor, c *Contract) bool {
	switch {
	case actor.System:
		return true
	case c.Status == ContractDraft && c.CreatedBy.UserID != actor.UserID:
		// A draft is its author's until signed (his agency admin may see it too).
		return actor.Can(PermAgencyPortal) && actor.HasRole(RoleAgencyAdmin) && c.AgencyID != 0 && c.AgencyID == actor.AgencyID
	case actor.Can(PermAgencyPortal):
		return actor.AgencyID != 0 && c.AgencyID == actor.AgencyID
	case actor.Can(PermGovPortal):
		return actor.InJurisdiction(c.District)
	}
	return false
}

// nextContractNo issues a contract number: HT, the district, the year and
// a sequence per district and year, e.g. HT110105-2026-000123.
func nextContractNo(tx *storage.Tx, district string, now time.Time) (string, error) {
	key, n, err := districtYearSeq(tx, "contract_no_seq", district, now)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("HT%s-%06d", key, n), nil
}

// contractEvent appends a history line.
func (c *Contract) event(now time.Time, actor Actor, action, note string) {
	c.History = append(c.History, ContractEvent{Time: now, By: personOf(actor), Action: action, Note: note})
}

// GetContract returns a contract the actor may see.
func (a *App) GetContract(actor Actor, id uint64) (*Contract, error) {
	if err := actor.require(PermContractView); err != nil {
		return nil, err
	}
	var c *Contract
	err := a.db.View(func(tx *storage.Tx) (err error) { c, err = contractTable.Get(tx, id); return })
	if err != nil || !canSeeContract(actor, c) {
		return nil, notFound("contract.not_found", err)
	}
	return c, nil
}
