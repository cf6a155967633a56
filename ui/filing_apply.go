package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"anju/app"
)

// filingNewData is the application form: by contract number, or by
// certificate number and then one of that property's contracts.
type filingNewData struct {
	Districts  []*app.DictEntry
	Candidates []*app.Contract // the certificate's signed contracts, to choose from
}

func (s *Server) filingNewView(r *http.Request, form url.Values, d *filingNewData) *view {
	if d == nil {
		d = &filingNewData{}
	}
	d.Districts = s.districtChoices(actorOf(r))
	return &view{Title: "filing.new_title", Nav: "filings", Form: form, Data: d}
}

func (s *Server) handleFilingApplyForm(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	form := url.Values{"mode": {"contract"}, "district": {a.District}}
	if no := r.URL.Query().Get("contract"); no != "" {
		form.Set("contract_no", no) // from the contract's page
	}
	s.render(w, r, http.StatusOK, "filing_new", s.filingNewView(r, form, nil))
}

// handleFilingApply applies by contract number at once; by certificate
// number it first lists the property's signed contracts, then applies for
// the one chosen (contract_id). A back-entered contract without its scan
// takes it with the application (field scan).
func (s *Server) handleFilingApply(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBackEntryUpload)
	files, _, uerr := readUploadForm(r, "scan", app.ContractDocMaxBytes, 8<<10)
	a := actorOf(r)
	f := r.PostForm
	in := app.FilingApply{Mode: f.Get("mode"), ContractNo: f.Get("contract_no"), District: f.Get("district"), CertNo: f.Get("cert_no")}
	in.ContractID, _ = strconv.ParseUint(f.Get("contract_id"), 10, 64)
	if len(files) > 0 {
		in.ScanName, in.Scan = files[0].Name, files[0].Data
	}
	if uerr != nil {
		key := "contract.doc_unreadable"
		if errors.Is(uerr, errUploadTooBig) {
			key = "contract.doc_too_big"
		}
		d := &filingNewData{}
		if in.Mode == "cert" {
			d.Candidates, _ = s.app.FilingCandidates(a, in.District, in.CertNo)
		}
		s.fail(w, r, fieldErr("scan", key), "filing_new", s.filingNewView(r, f, d))
		return
	}
	if in.Mode == "cert" && in.ContractID == 0 {
		cs, err := s.app.FilingCandidates(a, in.District, in.CertNo)
		if err != nil {
			s.fail(w, r, err, "filing_new", s.filingNewView(r, f, nil))
			return
		}
		s.render(w, r, http.StatusOK, "filing_new", s.filingNewView(r, f, &filingNewData{Candidates: cs}))
		return
	}
	fl, err := s.app.ApplyFiling(a, in)
	if err != nil {
		if e, ok := app.AsError(err); ok && e.Code == app.EFORBIDDEN {
			s.renderError(w, r, http.StatusForbidden, e.Key, e.Args...)
			return
		}
		d := &filingNewData{}
		if in.Mode == "cert" {
			d.Candidates, _ = s.app.FilingCandidates(a, in.District, in.CertNo)
		}
		s.fail(w, r, err, "filing_new", s.filingNewView(r, f, d))
		return
	}
	s.setFlash(w, r, "filing.applied_ok")
	http.Redirect(w, r, filingBase(r, fl.ID), http.StatusSeeOther)
}

// Back-entry 合同补录.

// backEntryRows is how many party rows the form offers.
const backEntryRows = 4

type backEntryData struct {
	Enabled    bool
	Districts  []*app.DictEntry
	IDTypes    []*app.DictEntry
	Rows       []int
	Cycles     []string
	Methods    []string
	Utilities  []string
	PartyRoles []string
	ScanChosen bool // the failed submission had a scan, which must be chosen again
}

func (s *Server) backEntryView(r *http.Request, form url.Values) *view {
	d := &backEntryData{Enabled: s.app.BackEntryEnabled(), Districts: s.districtChoices(actorOf(r)), Cycles: app.PaymentCycles,
		Methods: app.PaymentMethods, Utilities: app.UtilityPayers, PartyRoles: app.PartyRoles}
	d.IDTypes, _ = s.app.Dict(app.DictIDType, true)
	for i := range backEntryRows {
		d.Rows = append(d.Rows, i)
	}
	return &view{Title: "filing.backentry_title", Nav: "backentry", Form: form, Data: d}
}

func (s *Server) handleBackEntryForm(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"district": {actorOf(r).District}, "mode": {"whole"}, "purpose": {"residential"},
		"payment_cycle": {"quarterly"}, "payment_method": {"transfer"}, "utilities": {"lessee"},
		"parties.0.role": {app.PartyLessor}, "parties.1.role": {app.PartyLessee},
		"parties.2.role": {app.PartyCoResident}, "parties.3.role": {app.PartyCoResident}}
	for i := range backEntryRows {
		form.Set("parties."+strconv.Itoa(i)+".id_type", "resident_id")
		form.Set("parties."+strconv.Itoa(i)+".kind", app.PartyPerson)
	}
	s.render(w, r, http.StatusOK, "filing_backentry", s.backEntryView(r, form))
}

// maxBackEntryUpload bounds the form: the scan plus the fields around it.
const maxBackEntryUpload = app.ContractDocMaxBytes + 1<<20

// backEntryOf reads the back-entry form (the contract fields are named as
// in the signing form: start, end, rent, …, parties.N.field).
func backEntryOf(f url.Values) app.BackEntryInput {
	in := app.BackEntryInput{District: f.Get("district"), CertNo: f.Get("cert_no"), Mode: f.Get("mode"), SignedOn: f.Get("signed_on"),
		Form: app.ContractForm{Start: f.Get("start"), End: f.Get("end"), Rent: f.Get("rent"), PaymentCycle: f.Get("payment_cycle"),
			PaymentMethod: f.Get("payment_method"), Deposit: f.Get("deposit"), Purpose: f.Get("purpose"), Rooms: f.Get("rooms"),
			Fees: f.Get("fees"), Utilities: f.Get("utilities"), AgreedTerms: f.Get("agreed_terms")}}
	for i := 0; i < backEntryRows; i++ {
		p := "parties." + strconv.Itoa(i) + "."
		in.Form.Parties = append(in.Form.Parties, app.PartyForm{Role: f.Get(p + "role"), Kind: f.Get(p + "kind"),
			Name: f.Get(p + "name"), IDType: f.Get(p + "id_type"), IDNo: f.Get(p + "id_no"), Phone: f.Get(p + "phone")})
	}
	return in
}

// handleBackEntry enters a paper contract with its scan and applies for
// its filing; every problem is shown beside its field, the input kept
// (the file must be chosen again: browsers do not keep it).
func (s *Server) handleBackEntry(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBackEntryUpload)
	// Read part by part (readUploadForm): the fields come before the scan
	// and are kept when the scan is over the request's limit.
	files, chosen, err := readUploadForm(r, "scan", app.ContractDocMaxBytes, 8<<10)
	in := backEntryOf(r.PostForm)
	if len(files) > 0 {
		in.ScanName, in.Scan = files[0].Name, files[0].Data
	}
	v := s.backEntryView(r, r.PostForm)
	v.Data.(*backEntryData).ScanChosen = chosen
	switch {
	case errors.Is(err, errUploadTooBig):
		v.Errors, v.Error = map[string]string{"scan": "contract.doc_too_big"}, "form.invalid"
		s.render(w, r, http.StatusUnprocessableEntity, "filing_backentry", v)
		return
	case err != nil:
		v.Errors, v.Error = map[string]string{"scan": "contract.doc_unreadable"}, "form.invalid"
		s.render(w, r, http.StatusUnprocessableEntity, "filing_backentry", v)
		return
	}
	c, fl, err := s.app.BackEntry(actorOf(r), in)
	if err != nil {
		if e, ok := app.AsError(err); ok && e.Code == app.EFORBIDDEN {
			s.renderError(w, r, http.StatusForbidden, e.Key, e.Args...)
			return
		}
		s.fail(w, r, err, "filing_backentry", v)
		return
	}
	s.log.Info("paper contract entered", "request_id", requestID(r), "contract", c.No, "filing", fl.No)
	s.setFlash(w, r, "filing.backentry_ok")
	http.Redirect(w, r, filingBase(r, fl.ID), http.StatusSeeOther)
}
