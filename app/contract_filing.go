package app

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// ContractFiling is one filing application (备案申请) for a signed
// contract: pending → filed (a filing certificate number is issued) or
// rejected → resubmitted → …; it ends with its contract (ended on expiry,
// cancelled on revocation). Its statuses are the contract's Filing*
// values. The contract keeps the outcome (FilingStatus, FilingCertNo); the
// application keeps the review: who, when, why, the documents added.
type ContractFiling struct {
	ID     uint64 `json:"id"`
	No     string `json:"no"` // 申请编号, e.g. BS2026000123
	Status string `json:"status"`
	// A copy of the contract's facts the queue shows and filters on (a
	// signed contract does not change them).
	ContractID uint64   `json:"contract_id"`
	ContractNo string   `json:"contract_no"`
	Source     string   `json:"source"` // the contract's: online or backentry
	District   string   `json:"district"`
	CertNo     string   `json:"cert_no"`
	Address    string   `json:"address"`
	AgencyID   uint64   `json:"agency_id,omitempty"`
	AgencyName string   `json:"agency_name,omitempty"`
	Lessors    []string `json:"lessors"`
	Lessees    []string `json:"lessees"`
	// LesseeOrgs are the lessees that are organisations: lists show their
	// names in full (ShownLessees).
	LesseeOrgs []string  `json:"lessee_orgs,omitempty"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Rent       int       `json:"rent"`
	Due        time.Time `json:"due,omitzero"` // the contract's filing deadline

	CertificateNo string `json:"certificate_no,omitempty"` // 备案证明编号, e.g. BA110105-2026-000123
	// Side is who applied: SourceGov (a clerk at the counter) or
	// SourceAgency (the brokering agency's staff); that side may correct
	// and resubmit.
	Side         string        `json:"side"`
	SubmittedBy  Person        `json:"submitted_by"`
	Submitted    time.Time     `json:"submitted"`
	Resubmitted  time.Time     `json:"resubmitted,omitzero"`
	RejectReason string        `json:"reject_reason,omitempty"`
	ReviewedBy   Person        `json:"reviewed_by,omitzero"`
	Decided      time.Time     `json:"decided,omitzero"`
	Ended        time.Time     `json:"ended,omitzero"`
	Docs         []ContractDoc `json:"docs,omitempty"` // documents added to the application (corrections)
	History      []AppEvent    `json:"history"`
	Updated      time.Time     `json:"updated"`
}

// Open reports whether the application waits for someone: the reviewer
// (pending) or the applicant (rejected).
func (f *ContractFiling) Open() bool { return f.Status == FilingPending || f.Status == FilingRejected }

// Overdue reports whether the application is still open past the
// contract's filing deadline (the queue's and the agency's flag).
func (f *ContractFiling) Overdue(now time.Time) bool {
	return f.Open() && !f.Due.IsZero() && now.After(f.Due)
}

var contractFilingTable = storage.NewTable(storage.TableOptions[ContractFiling]{
	Name:  "contract_filings",
	ID:    func(f *ContractFiling) uint64 { return f.ID },
	SetID: func(f *ContractFiling, id uint64) { f.ID = id },
	Indexes: []storage.Index[ContractFiling]{
		{Name: "no", Unique: true, Keys: func(f *ContractFiling) [][]byte { return [][]byte{[]byte(f.No)} }},
		{Name: "status", Keys: func(f *ContractFiling) [][]byte { return [][]byte{[]byte(f.Status)} }},
		{Name: "contract", Keys: func(f *ContractFiling) [][]byte { return [][]byte{storage.U64(f.ContractID)} }},
		{Name: "cert", Unique: true, Keys: func(f *ContractFiling) [][]byte {
			if f.CertificateNo == "" {
				return nil
			}
			return [][]byte{[]byte(f.CertificateNo)}
		}},
		{Name: "agency", Keys: func(f *ContractFiling) [][]byte {
			if f.AgencyID == 0 {
				return nil
			}
			return [][]byte{storage.U64(f.AgencyID)}
		}},
		{Name: "district", Keys: func(f *ContractFiling) [][]byte { return [][]byte{[]byte(f.District)} }},
	},
	Outbox: true,
})

// filingDocType is the review queue's search document.
var filingDocType = search.DocType{Name: "filing", Fields: []search.Field{
	{Name: "no", Kind: search.Keyword},
	{Name: "contract_no", Kind: search.Keyword},
	{Name: "cert_no", Kind: search.Keyword},
	{Name: "certificate_no", Kind: search.Keyword},
	// "1" once approved (a certificate was issued), whatever became of it
	// since: the statistics count approvals by it. A prefix of
	// certificate_no did the same but expands to one term per filing:
	// 17 s for a district's year at 100,000 filings (docs/benchmarks.md 9).
	{Name: "approved", Kind: search.Keyword},
	{Name: "parties", Kind: search.Text},
	{Name: "address", Kind: search.Text},
	{Name: "agency", Kind: search.Text},
	{Name: "agency_id", Kind: search.Keyword},
	{Name: "submitter_id", Kind: search.Keyword},
	{Name: "applicant_ids", Kind: search.Keyword}, // ContractFiling.applicants
	{Name: "district", Kind: search.Keyword},
	{Name: "status", Kind: search.Keyword},
	{Name: "source", Kind: search.Keyword},
	{Name: "submitted", Kind: search.Date, Sortable: true},
	{Name: "due", Kind: search.Date, Sortable: true},
	{Name: "decided", Kind: search.Date, Sortable: true},
	// Submitted again, only while pending: the queue is ordered and cut
	// into ranges on it, and a range of it holds only pending
	// applications, so counting one costs little (searchDated).
	{Name: "pending_since", Kind: search.Date, Sortable: true},
}}

func filingDoc(f *ContractFiling) search.Doc {
	fields := map[string]any{
		"no": f.No, "contract_no": f.ContractNo, "cert_no": f.CertNo, "certificate_no": f.CertificateNo,
		"parties": strings.Join(append(append([]string{}, f.Lessors...), f.Lessees...), " "),
		"address": f.Address, "agency": f.AgencyName, "agency_id": strconv.FormatUint(f.AgencyID, 10),
		"submitter_id": strconv.FormatUint(f.SubmittedBy.UserID, 10), "district": f.District,
		"status": f.Status, "source": f.Source, "submitted": f.Submitted, "decided": f.Decided,
	}
	if f.CertificateNo != "" {
		fields["approved"] = "1"
	}
	if f.Open() {
		// Only an open application can be overdue: the range filter needs
		// no status clause.
		fields["due"] = f.Due
	}
	if f.Status == FilingPending {
		fields["pending_since"] = f.Submitted
	}
	var applicants []string
	for _, id := range f.applicants() {
		applicants = append(applicants, strconv.FormatUint(id, 10))
	}
	fields["applicant_ids"] = applicants
	return search.Doc{Type: "filing", ID: docID("filing", f.ID), Fields: fields}
}

// The filing's search document and its part in the contract's lifecycle
// are registered here, beside the table, so that this file is the whole of
// the filing workflow.
// FilingDocKinds are the documents an applicant may add to an application.
var FilingDocKinds = []string{"id_copy", "certificate", "power_of_attorney", "paper_contract", "other"}

// FilingDocReplaces reports whether a document of kind added to an
// application stands in for the contract's document of that kind: the
// property certificate, the power of attorney and the paper contract are
// one each; ID copies are one per party, so another one adds to them.
func FilingDocReplaces(kind string) bool { return kind != "other" && kind != "id_copy" }

// FilingDocMaxBytes bounds one uploaded document, as for the signing.
const FilingDocMaxBytes = ContractDocMaxBytes

// canSeeFiling: government users their jurisdiction; agency staff the
// filings of the contracts their agency brokered.
func canSeeFiling(actor Actor, f *ContractFiling) bool {
	switch {
	case actor.System:
		return true
	case !actor.Can(PermContractView):
		return false
	case actor.Can(PermAgencyPortal):
		return actor.AgencyID != 0 && f.AgencyID == actor.AgencyID
	case actor.Can(PermGovPortal):
		return actor.InJurisdiction(f.District)
	}
	return false
}

// isApplicantSide: who may correct and resubmit — the side that applied
// (the agency's staff, or a clerk of the jurisdiction).
func isApplicantSide(actor Actor, f *ContractFiling) bool {
	if !actor.Can(PermFilingApply) {
		return false
	}
	if f.Side == SourceAgency {
		return actor.Can(PermAgencyPortal) && actor.AgencyID != 0 && actor.AgencyID == f.AgencyID
	}
	return actor.Can(PermGovPortal) && actor.InJurisdiction(f.District)
}

// nextFilingAppNo issues an application number: BS, the year and a
// sequence.
func nextFilingAppNo(tx *storage.Tx, now time.Time) (string, error) {
	n, err := tx.NextSequence("filing_app_no")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("BS%d%06d", now.Year(), n), nil
}

// nextFilingCertNo issues a filing certificate number: BA, the district,
// the year and a sequence per district and year, e.g. BA110105-2026-000123
// (the demo's contracts draw from the same sequence).
func nextFilingCertNo(tx *storage.Tx, district string, now time.Time) (string, error) {
	key, n, err := districtYearSeq(tx, "filing_cert_seq", district, now)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("BA%s-%06d", key, n), nil
}

var (
	filingCertDigits = regexp.MustCompile(`^BA([0-9]{6})([0-9]{4})([0-9]{6,})$`)
	contractNoBare   = regexp.MustCompile(`^HT([0-9]{6})([0-9]{4})([0-9]{6,})$`)
)

// compactCode is a typed number with spaces removed, half-width, upper
// case and any dash as "-".
func compactCode(s string) string {
	return strings.ToUpper(strings.NewReplacer("－", "-", "—", "-", "–", "-").Replace(stripSpaceHalfWidth(s)))
}

// NormalizeFilingCertNo makes a typed filing certificate number match its
// stored form whatever its width, case, spacing or missing dashes.
func NormalizeFilingCertNo(s string) string {
	c := compactCode(s)
	if m := filingCertDigits.FindStringSubmatch(strings.ReplaceAll(c, "-", "")); m != nil {
		return "BA" + m[1] + "-" + m[2] + "-" + m[3]
	}
	return c
}

// normalizeContractNo does the same for a contract number (HT…).
func normalizeContractNo(s string) string {
	c := compactCode(s)
	if m := contractNoBare.FindStringSubmatch(strings.ReplaceAll(c, "-", "")); m != nil {
		return "HT" + m[1] + "-" + m[2] + "-" + m[3]
	}
	return c
}

// FilingApply names the contract to file: by its number, or (Mode "cert")
// by the property's certificate number and then one of its contracts.
type FilingApply struct {
	Mode       string // "contract" or "cert"
	ContractNo string
	District   string
	CertNo     string
	ContractID uint64 // chosen among the certificate's contracts
	// The scanned paper contract, for a back-entered contract that has
	// none yet (entered in bulk: the scans come with the application).
	ScanName string
	Scan     []byte
}

// FilingCandidates lists the signed contracts of a property that the actor
// may apply for, to choose from when applying by certificate number.
func (a *App) FilingCandidates(actor Actor, district, certNo string) ([]*Contract, error) {
	if err := actor.require(PermFilingApply); err != nil {
		return nil, err
	}
	var v validation
	if strings.TrimSpace(district) == "" {
		v.add("district", "filing.district_required")
	}
	if strings.TrimSpace(certNo) == "" {
		v.add("cert_no", "filing.cert_no_required")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var out []*Contract
	err := a.db.View(func(tx *storage.Tx) error {
		ids, err := contractTable.Lookup(tx, "cert_no", []byte(district+"/"+NormalizeCertNo(certNo)))
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := contractTable.Get(tx, id)
			if err != nil {
				return err
			}
			if c.Status == ContractSigned && canSeeContract(actor, c) {
				out = append(out, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fieldError("cert_no", "filing.no_signed_contract")
	}
	return out, nil
}

// ApplyFiling applies for the filing of a signed contract the actor may
// see (his agency's, or one of his jurisdiction at the counter).
func (a *App) ApplyFiling(actor Actor, in FilingApply) (*ContractFiling, error) {
	if err := actor.require(PermFilingApply); err != nil {
		return nil, err
	}
	if err := a.requireFiledAgency(actor); err != nil {
		return nil, err
	}
	field := "contract_no"
	if in.Mode == "cert" {
		field = "cert_no"
	}
	if in.ContractID == 0 {
		if in.Mode == "cert" {
			// The certificate's contracts are chosen from first.
			cs, err := a.FilingCandidates(actor, in.District, in.CertNo)
			if err != nil {
				return nil, err
			}
			if len(cs) > 1 {
				return nil, fieldError("contract_id", "filing.choose_contract")
			}
			in.ContractID = cs[0].ID
		} else if strings.TrimSpace(in.ContractNo) == "" {
			return nil, fieldError("contract_no", "filing.contract_no_required")
		}
	}
	var f *ContractFiling
	err := a.update(func(tx *storage.Tx) error {
		var c *Contract
		var err error
		if in.ContractID != 0 {
			c, err = contractTable.Get(tx, in.ContractID)
		} else {
			c, err = contractTable.LookupOne(tx, "no", []byte(normalizeContractNo(in.ContractNo)))
		}
		if err != nil || !canSeeContract(actor, c) || c.Status == ContractDraft {
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			return fieldError(field, "filing.contract_unknown")
		}
		if err := a.checkFileable(tx, c); err != nil {
			return err
		}
		if FilingNeedsScan(c) {
			// applyFilingTx writes c with the scan.
			if len(in.Scan) == 0 {
				return fieldError("scan", "filing.scan_required_apply")
			}
			if err := addContractDoc(tx, c, actor, "paper_contract", in.ScanName, in.Scan, "scan"); err != nil {
				return err
			}
		}
		f, err = a.applyFilingTx(tx, actor, c, a.now())
		return err
	})
	return f, err
}

// FilingNeedsScan reports whether applying for c's filing needs the
// scanned paper contract: a back-entered contract without one (the
// contracts of a bulk back-entry). An online contract brought its
// documents 要件 from its signing.
func FilingNeedsScan(c *Contract) bool {
	return c.Source == ContractBackEntry && !c.HasDoc("paper_contract")
}

// hasPaperContract reports whether a back-entered contract's filing
// carries its scanned paper contract, on the contract or added to the
// application; an online contract needs none.
func hasPaperContract(c *Contract, f *ContractFiling) bool {
	return !FilingNeedsScan(c) || slices.ContainsFunc(f.Docs, func(d ContractDoc) bool { return d.Kind == "paper_contract" })
}

// notFileable is the refusal of a contract that is not in effect: a
// revoked or run-out lease says so, which the person filing it can act on
// (the parties agreed to end it; the term is over), rather than that it is
// "not signed".
func notFileable(c *Contract) error {
	switch c.Status {
	case ContractRevoked:
		return Errorf(ECONFLICT, "filing.contract_revoked", c.No)
	case ContractExpired:
		return Errorf(ECONFLICT, "filing.contract_expired", c.No)
	}
	return Errorf(ECONFLICT, "filing.contract_not_signed", c.No)
}

// checkFileable refuses a contract that cannot be applied for now, saying
// why.
func (a *App) checkFileable(tx *storage.Tx, c *Contract) error {
	if c.Status != ContractSigned {
		return notFileable(c)
	}
	switch c.FilingStatus {
	case FilingPending, FilingRejected:
		no := ""
		if f, err := contractFilingTable.Get(tx, c.FilingID); err == nil {
			no = f.No
		}
		if c.FilingStatus == FilingRejected {
			return Errorf(ECONFLICT, "filing.returned_resubmit", c.No, no)
		}
		return Errorf(ECONFLICT, "filing.already_pending", c.No, no)
	case FilingFiled:
		return Errorf(ECONFLICT, "filing.already_filed", c.No, c.FilingCertNo)
	}
	if c.Source == ContractBackEntry && a.ParamBool(ParamFilingRequiresSign) {
		return Errorf(ECONFLICT, "filing.requires_online_sign", c.No)
	}
	return nil
}

// applyFilingTx creates the application of c (already checked) and marks
// the contract pending, with history lines and the audit entry.
func (a *App) applyFilingTx(tx *storage.Tx, actor Actor, c *Contract, now time.Time) (*ContractFiling, error) {
	no, err := nextFilingAppNo(tx, now)
	if err != nil {
		return nil, err
	}
	f := &ContractFiling{No: no, Status: FilingPending, ContractID: c.ID, ContractNo: c.No, Source: c.Source,
		District: c.District, CertNo: c.CertNo, Address: contractAddress(c), AgencyID: c.AgencyID,
		AgencyName: c.AgencyName, Start: c.Terms.Start, End: c.Terms.End, Rent: c.Terms.Rent, Due: c.FilingDue,
		Side: sourceOf(actor), SubmittedBy: personOf(actor), Submitted: now, Updated: now}
	f.copyParties(c)
	f.History = []AppEvent{{Time: now, By: personOf(actor), Action: "submitted"}}
	if _, err := contractFilingTable.Insert(tx, f); err != nil {
		return nil, err
	}
	c.FilingStatus, c.FilingID, c.Updated = FilingPending, f.ID, now
	c.event(now, actor, "filing_submitted", f.No)
	if err := contractTable.Put(tx, c); err != nil {
		return nil, err
	}
	return f, a.audit(tx, actor, "filing.apply", "contract_filing", f.ID, f.No+" "+c.No)
}

// contractAddress is the address line of the let property.
func contractAddress(c *Contract) string {
	return c.Listing.FullAddress()
}

// loadFiling reads an application the actor may see, with its contract.
func loadFiling(tx *storage.Tx, actor Actor, id uint64) (*ContractFiling, *Contract, error) {
	f, err := contractFilingTable.Get(tx, id)
	if err != nil || !canSeeFiling(actor, f) {
		return nil, nil, notFound("filing.not_found", err)
	}
	c, err := contractTable.Get(tx, f.ContractID)
	if err != nil {
		return nil, nil, err
	}
	return f, c, nil
}

// GetFiling returns an application and its contract.
func (a *App) GetFiling(actor Actor, id uint64) (*ContractFiling, *Contract, error) {
	if err := actor.require(PermContractView); err != nil {
		return nil, nil, err
	}
	var f *ContractFiling
	var c *Contract
	err := a.db.View(func(tx *storage.Tx) (err error) { f, c, err = loadFiling(tx, actor, id); return })
	return f, c, err
}

// CanEditFiling says whether the actor may add documents to or resubmit
// the application now.
func (a *App) CanEditFiling(actor Actor, f *ContractFiling) bool {
	return f.Open() && isApplicantSide(actor, f)
}

// AttachFilingDoc adds a document to an open application (a correction
// after a return, or something the reviewer will want): PDF, JPEG or PNG,
// checked by content.
func (a *App) AttachFilingDoc(actor Actor, id uint64, kind, name string, data []byte) (*ContractFiling, error) {
	if !containsString(FilingDocKinds, kind) {
		return nil, fieldError("doc", "filing.doc_kind_unknown")
	}
	ct, err := checkContractDoc("doc", data)
	if err != nil {
		return nil, err
	}
	var f *ContractFiling
	err = a.update(func(tx *storage.Tx) error {
		var err error
		if f, _, err = loadFiling(tx, actor, id); err != nil {
			return err
		}
		if !f.Open() {
			return Errorf(ECONFLICT, "filing.not_open")
		}
		if !isApplicantSide(actor, f) {
			return Errorf(EFORBIDDEN, "error.forbidden")
		}
		now := a.now()
		info, err := tx.PutBlob(docName(name, ct), ct, data, FilingDocMaxBytes)
		if err != nil {
			return err
		}
		f.Docs = append(f.Docs, ContractDoc{Kind: kind, Blob: info.ID, Name: info.Name, Type: ct,
			Size: int64(len(data)), Uploaded: now, By: actor.Name})
		f.History = append(f.History, AppEvent{Time: now, By: personOf(actor), Action: "doc_added", Note: kind + " " + info.Name})
		f.Updated = now
		if err := contractFilingTable.Put(tx, f); err != nil {
			return err
		}
		return a.audit(tx, actor, "filing.doc_add", "contract_filing", f.ID, f.No+" "+kind+" "+info.Name,
			auditNote("audit.note.three", noteText(f.No), noteKey("contract.doc."+kind), noteText(info.Name)))
	})
	return f, err
}

// docName keeps an uploaded file's base name, or names it by its type.
func docName(name, ct string) string {
	name = strings.TrimSpace(name[strings.LastIndexAny(name, `/\`)+1:])
	if name == "" {
		name = "document." + strings.TrimPrefix(strings.TrimPrefix(ct, "application/"), "image/")
	}
	if len(name) > 120 {
		name = name[len(name)-120:]
	}
	return name
}

// FilingDocument returns a document of the application or of its contract.
func (a *App) FilingDocument(actor Actor, id, blob uint64) (storage.BlobInfo, []byte, error) {
	f, c, err := a.GetFiling(actor, id)
	if err != nil {
		return storage.BlobInfo{}, nil, err
	}
	known := false
	for _, d := range append(append([]ContractDoc{}, f.Docs...), c.Docs...) {
		known = known || d.Blob == blob
	}
	if !known || blob == 0 {
		return storage.BlobInfo{}, nil, Errorf(ENOTFOUND, "filing.doc_not_found")
	}
	var info storage.BlobInfo
	var data []byte
	err = a.db.View(func(tx *storage.Tx) (err error) { info, data, err = tx.GetBlob(blob); return })
	if errors.Is(err, storage.ErrNotFound) {
		return info, nil, Errorf(ENOTFOUND, "filing.doc_not_found")
	}
	return info, data, err
}

// ResubmitFiling sends a returned application back to the queue, with an
// optional answer to the reviewer's reason.
func (a *App) ResubmitFiling(actor Actor, id uint64, note string) (*ContractFiling, error) {
	note = strings.TrimSpace(note)
	var f *ContractFiling
	err := a.update(func(tx *storage.Tx) error {
		var c *Contract
		var err error
		if f, c, err = loadFiling(tx, actor, id); err != nil {
			return err
		}
		if !isApplicantSide(actor, f) {
			return Errorf(EFORBIDDEN, "error.forbidden")
		}
		if f.Status != FilingRejected {
			return Errorf(ECONFLICT, "filing.not_returned")
		}
		if c.Status != ContractSigned && c.Status != ContractExpired {
			return notFileable(c)
		}
		if !hasPaperContract(c, f) {
			return fieldError("doc", "filing.scan_required_resubmit")
		}
		now := a.now()
		f.Status, f.Resubmitted, f.Updated = FilingPending, now, now
		f.History = append(f.History, AppEvent{Time: now, By: personOf(actor), Action: "resubmitted", Note: note})
		if err := contractFilingTable.Put(tx, f); err != nil {
			return err
		}
		c.FilingStatus, c.Updated = FilingPending, now
		c.event(now, actor, "filing_resubmitted", f.No)
		if err := contractTable.Put(tx, c); err != nil {
			return err
		}
		return a.audit(tx, actor, "filing.resubmit", "contract_filing", f.ID, f.No+" "+note)
	})
	return f, err
}

// filingReviewable loads a pending application for a reviewer of its
// jurisdiction who did not submit it (separation of duties). Anyone else
// is told that filing review needs a reviewer (the seed's FAQ).
func filingReviewable(tx *storage.Tx, actor Actor, id uint64) (*ContractFiling, *Contract, error) {
	if !actor.Can(PermFilingReview) {
		return nil, nil, Errorf(EFORBIDDEN, "filing.needs_reviewer")
	}
	f, c, err := loadFiling(tx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	if f.Status != FilingPending {
		return nil, nil, Errorf(ECONFLICT, "filing.not_pending")
	}
	if f.Own(actor) {
		return nil, nil, Errorf(EFORBIDDEN, "filing.review_own")
	}
	return f, c, nil
}

// applicants are the users who submitted or resubmitted the application
// (a returned one may be resubmitted by another clerk of the jurisdiction):
// none of them may decide it. The search document keeps them
// ("applicant_ids") for the reviewer's to-do (FilingsToReview).
func (f *ContractFiling) applicants() []uint64 {
	var ids []uint64
	for _, e := range f.History {
		if (e.Action == "submitted" || e.Action == "resubmitted") && e.By.UserID != 0 && !slices.Contains(ids, e.By.UserID) {
			ids = append(ids, e.By.UserID)
		}
	}
	return ids
}

// Own reports whether actor submitted or resubmitted the application: he
// may not decide it (the decisions, the reviewer's to-do and the queue's
// mark ask this).
func (f *ContractFiling) Own(actor Actor) bool {
	return actor.UserID != 0 && slices.Contains(f.applicants(), actor.UserID)
}

// CanReviewFiling says whether the actor may decide the application now,
// and if not the message key of why (shown instead of the buttons).
func (a *App) CanReviewFiling(actor Actor, id uint64) (bool, string) {
	var err error
	_ = a.db.View(func(tx *storage.Tx) error {
		_, _, err = filingReviewable(tx, actor, id)
		return nil
	})
	if e, ok := AsError(err); ok {
		return false, e.Key
	}
	return err == nil, ""
}

// ApproveFiling files the contract: a filing certificate number is
// issued, and the contract is marked filed (ended at once if its term ran
// out while the application waited).
func (a *App) ApproveFiling(actor Actor, id uint64) (*ContractFiling, error) {
	var f *ContractFiling
	err := a.update(func(tx *storage.Tx) error {
		var c *Contract
		var err error
		if f, c, err = filingReviewable(tx, actor, id); err != nil {
			return err
		}
		if c.Status != ContractSigned && c.Status != ContractExpired {
			return notFileable(c)
		}
		if !hasPaperContract(c, f) {
			// A paper lease is filed on its scan: return it to be added.
			return Errorf(ECONFLICT, "filing.approve_needs_scan", c.No)
		}
		now := a.now()
		no, err := nextFilingCertNo(tx, f.District, now)
		if err != nil {
			return err
		}
		f.Status, f.CertificateNo, f.ReviewedBy, f.Decided, f.Updated = FilingFiled, no, personOf(actor), now, now
		f.RejectReason = ""
		f.History = append(f.History, AppEvent{Time: now, By: personOf(actor), Action: "approved", Note: no})
		c.FilingStatus, c.FilingCertNo, c.FilingID, c.Updated = FilingFiled, no, f.ID, now
		c.event(now, actor, "filing_approved", no)
		if c.Status == ContractExpired {
			f.Status, f.Ended = FilingEnded, filingEndedOn(c, now)
			c.FilingStatus = FilingEnded
			c.event(now, actor, "filing_ended", no)
		}
		if err := contractFilingTable.Put(tx, f); err != nil {
			return err
		}
		if err := contractTable.Put(tx, c); err != nil {
			return err
		}
		return a.audit(tx, actor, "filing.approve", "contract_filing", f.ID, f.No+" "+c.No+" "+no)
	})
	return f, err
}

// RejectFiling returns an application with a reason the applicant sees.
func (a *App) RejectFiling(actor Actor, id uint64, reason string) (*ContractFiling, error) {
	reason = strings.TrimSpace(reason)
	var f *ContractFiling
	err := a.update(func(tx *storage.Tx) error {
		var c *Contract
		var err error
		if f, c, err = filingReviewable(tx, actor, id); err != nil {
			return err
		}
		// The reason is asked for once the actor may review at all, so
		// that a non-reviewer hears why he may not, not what to type.
		if reason == "" {
			return fieldError("reject_reason", "filing.reject_reason_required")
		}
		now := a.now()
		f.Status, f.RejectReason, f.ReviewedBy, f.Decided, f.Updated = FilingRejected, reason, personOf(actor), now, now
		f.History = append(f.History, AppEvent{Time: now, By: personOf(actor), Action: "rejected", Note: reason})
		c.FilingStatus, c.Updated = FilingRejected, now
		c.event(now, actor, "filing_rejected", reason)
		if err := contractFilingTable.Put(tx, f); err != nil {
			return err
		}
		if err := contractTable.Put(tx, c); err != nil {
			return err
		}
		return a.audit(tx, actor, "filing.reject", "contract_filing", f.ID, f.No+" "+c.No+": "+reason)
	})
	return f, err
}

// followContractFiling: when a contract ends, its
// application ends with it — cancelled on revocation (also a pending or
// returned one), ended on expiry (a filed one; an open one may still be
// decided).
func followContractFiling(tx *storage.Tx, actor Actor, c *Contract, status string, now time.Time) error {
	f, err := contractFilingTable.Get(tx, c.FilingID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // a demo contract filed without an application record
	}
	if err != nil {
		return err
	}
	if f.Status == FilingEnded || f.Status == FilingCancelled {
		return nil
	}
	if status == FilingEnded && f.Open() {
		return nil
	}
	f.Status, f.Ended, f.Updated = status, filingEndedOn(c, now), now
	f.History = append(f.History, AppEvent{Time: now, By: personOf(actor), Action: status})
	return contractFilingTable.Put(tx, f)
}

// EndDay is the day pages name as the end of a filing that ended with its
// lease: the lease's (Contract.EndDay), the last day of its term when it
// ran out, a revocation's effective day when it was revoked.
func (f *ContractFiling) EndDay() time.Time {
	if f.Status == FilingEnded && !f.End.IsZero() {
		return day(f.End)
	}
	return f.Ended
}

// filingEndedOn is the day a filing ends with its contract: the
// contract's own end (a revocation's effective day, the day after an
// expired term), not the day the change was recorded, so that the filing
// page, the contract page and the public check /f name the same day. A
// contract without one ends its filing now.
func filingEndedOn(c *Contract, now time.Time) time.Time {
	if !c.Ended.IsZero() {
		return c.Ended
	}
	return now
}

// copyParties copies the contract's lessors (with their agents) and
// lessees onto the application, for the queue to show and filter on.
func (f *ContractFiling) copyParties(c *Contract) {
	f.Lessors, f.Lessees, f.LesseeOrgs = nil, nil, nil
	for _, p := range c.Lessors() {
		f.Lessors = append(f.Lessors, p.Name)
	}
	for _, p := range c.Parties {
		if p.Role == PartyLessorAgent {
			f.Lessors = append(f.Lessors, p.Name)
		}
	}
	for _, p := range c.Lessees() {
		f.Lessees = append(f.Lessees, p.Name)
		if p.Kind == PartyOrg {
			f.LesseeOrgs = append(f.LesseeOrgs, p.Name)
		}
	}
}

// ShownLessees are the lessees as lists show them (Party.Shown).
func (f *ContractFiling) ShownLessees() []string {
	out := make([]string, len(f.Lessees))
	for i, n := range f.Lessees {
		kind := PartyPerson
		if slices.Contains(f.LesseeOrgs, n) {
			kind = PartyOrg
		}
		out[i] = Party{Kind: kind, Name: n}.Shown()
	}
	return out
}

// migrateFilingOrgs marks the organisation lessees of the applications
// stored before LesseeOrgs existed (their lists masked every name), from
// their contracts.
func migrateFilingOrgs(tx *storage.Tx) error {
	var due []*ContractFiling
	err := contractFilingTable.Each(tx, false, func(f *ContractFiling) (bool, error) {
		if f.LesseeOrgs == nil {
			due = append(due, f)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, f := range due {
		c, err := contractTable.Get(tx, f.ContractID)
		if err != nil {
			continue // the contract is gone: the names stay masked
		}
		for _, p := range c.Lessees() {
			if p.Kind == PartyOrg {
				f.LesseeOrgs = append(f.LesseeOrgs, p.Name)
			}
		}
		if f.LesseeOrgs != nil {
			if err := contractFilingTable.Put(tx, f); err != nil {
				return err
			}
		}
	}
	return nil
}
