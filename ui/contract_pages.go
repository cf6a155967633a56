package ui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// clMaxRevocationUpload bounds the revocation form: the scan plus the fields.
const clMaxRevocationUpload = app.RevocationDocMaxBytes + 1<<20

// registerContractPageRoutes registers signed contracts: the list and its
// search, the detail with its status history, the A4 print, revocation
// (撤销) and the audited full view of the parties' personal data.
func (s *Server) registerContractPageRoutes(r *mux.Router) {
	for _, p := range []app.Portal{app.PortalGov, app.PortalAgency} {
		pre := "/" + string(p) + "/contracts"
		view := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(p, app.PermContractView, h) }
		revoke := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(p, app.PermContractRevoke, h) }
		r.HandleFunc(pre, view(s.handleContractList)).Methods("GET")
		r.HandleFunc(pre+"/{id:[0-9]+}", view(s.handleContractShow)).Methods("GET")
		r.HandleFunc(pre+"/{id:[0-9]+}/print", view(s.handleContractPrint)).Methods("GET")
		r.HandleFunc(pre+"/{id:[0-9]+}/revoke", revoke(s.handleContractRevokeForm)).Methods("GET")
		r.HandleFunc(pre+"/{id:[0-9]+}/revoke", revoke(s.handleContractRevoke)).Methods("POST")
	}
	// Only government roles may hold PermPersonalData.
	r.HandleFunc("/gov/contracts/{id:[0-9]+}/personal-data",
		s.requireAuth(app.PortalGov, app.PermPersonalData, s.handleContractReveal)).Methods("POST")
}

type clListData struct {
	Result    app.ContractPage
	Pager     pager
	Districts []*app.DictEntry
	Statuses  []string
	Filings   []string
	Agency    *app.Agency // gov: the list is of one agency (?agency=ID)
	Now       time.Time
}

func (s *Server) handleContractList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	actor := actorOf(r)
	cq := app.ContractQuery{Text: q.Get("q"), Status: q.Get("status"), Filing: q.Get("filing"),
		District: q.Get("district"), Source: q.Get("source"), Size: 20}
	cq.Page, _ = strconv.Atoi(q.Get("page"))
	d := clListData{Districts: s.enabledDistricts(), Statuses: app.ContractStatuses,
		Filings: app.ContractFilingFilters, Now: time.Now()}
	v := &view{Title: "contracts.list", Nav: "contracts", Form: q, Data: &d}
	var errs map[string]string
	cq.From, cq.To, errs = dayRange(q)
	if id, err := strconv.ParseUint(q.Get("agency"), 10, 64); err == nil && id != 0 && actor.Can(app.PermGovPortal) {
		ag, err := s.app.GetAgency(actor, id)
		if err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		d.Agency, cq.AgencyID = ag, ag.ID
	}
	if errs != nil {
		d.Pager = newPager(r, 1, 1)
		s.fail(w, r, &app.Error{Code: app.EINVALID, Key: "form.invalid", Fields: errs}, "contracts", v)
		return
	}
	res, err := s.app.SearchContracts(actor, cq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d.Result, d.Pager = res, newPager(r, res.Page, res.Pages)
	s.render(w, r, http.StatusOK, "contracts", v)
}

// contractPageData is what the detail, print and revocation pages show.
type contractPageData struct {
	C         *app.Contract
	Full      bool // parties' ID numbers and phones in full (an audited view)
	CanReveal bool
	CanRevoke bool
	CanFile   bool // may apply for its filing now
	CanEdit   bool // may continue the draft
	Overdue   bool
	Now       time.Time
	// Labels of dictionary codes in the page's language.
	certTypes, idTypes map[string]string
	// The printed contract: its text (when the model text renders it), the
	// public filing check's address and its QR once filed.
	Title string
	Text  []string
	// Paras is Text as the preview shows it (signParas): the signed print
	// must look as the parties saw it before signing, article headings and all.
	Paras    []signPara
	NoInText bool // the text states the contract's number: the header does not repeat it
	CheckURL string
	QR       template.HTML
	// Clauses are the optional clauses chosen, by their titles.
	Clauses []string
	// DocChosen: the failed revocation had a document, which must be
	// chosen again (a browser cannot keep it).
	DocChosen bool
}

// CertType and IDType name a dictionary code (the code itself if unknown).
func (d *contractPageData) CertType(code string) string { return labelOr(d.certTypes, code) }
func (d *contractPageData) IDType(code string) string   { return labelOr(d.idTypes, code) }

func labelOr(m map[string]string, code string) string {
	if l, ok := m[code]; ok {
		return l
	}
	return code
}

// IsPublic tells a history line of someone without an account (a party
// confirming on the public portal): its note names him, by his role and
// masked name.
func (d *contractPageData) IsPublic(username string) bool {
	_, ok := app.PublicWho(username)
	return ok
}

// FilingLink is the public filing check of a filed contract ("" if not
// filed), for the detail page.
func (d *contractPageData) FilingLink() string {
	if d.C.FilingCertNo == "" || d.C.FilingStatus != app.FilingFiled {
		return ""
	}
	return filingCheckPath(d.C)
}

// DocLink is the address of the contract's n-th document (served by the
// signing pages).
func (d *contractPageData) DocLink(portal string, n int) string {
	return "/" + portal + "/contracts/" + strconv.FormatUint(d.C.ID, 10) + "/docs/" + strconv.Itoa(n)
}

func (s *Server) contractPageData(r *http.Request, c *app.Contract, full bool) *contractPageData {
	actor := actorOf(r)
	lang := pickLang(r, actor.Lang)
	now := time.Now()
	d := &contractPageData{C: c, Full: full, Now: now, Overdue: c.FilingOverdue(now),
		CanReveal: actor.Can(app.PermPersonalData) && actor.Can(app.PermGovPortal),
		CanRevoke: app.CanRevokeContract(actor, c),
		CanFile: c.Status == app.ContractSigned && actor.Can(app.PermFilingApply) &&
			(c.FilingStatus == app.FilingNone || c.FilingStatus == app.FilingRejected),
		CanEdit:   c.Status == app.ContractDraft && c.CreatedBy.UserID == actor.UserID && actor.Can(app.PermContractSign),
		certTypes: s.dictLabels(app.DictCertType, lang), idTypes: s.dictLabels(app.DictIDType, lang)}
	var err error
	if d.Clauses, err = s.app.ContractClauseTitles(c); err != nil {
		// The page is still worth showing: the codes stand in for the titles.
		s.log.Error("load clause titles", "request_id", requestID(r), "contract", c.ID, "err", err)
		d.Clauses = c.Clauses
	}
	return d
}

// dictLabels maps a dictionary's codes to their labels in lang (disabled
// entries included: old contracts keep their codes).
func (s *Server) dictLabels(kind app.DictKind, lang string) map[string]string {
	list, err := s.app.Dict(kind, false)
	if err != nil {
		s.log.Error("load dictionary", "kind", kind, "err", err)
	}
	out := make(map[string]string, len(list))
	for _, e := range list {
		out[e.Code] = e.Label(lang)
	}
	return out
}

func (s *Server) handleContractShow(w http.ResponseWriter, r *http.Request) {
	c, err := s.app.GetContract(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "contract", &view{Title: "contracts.detail", Nav: "contracts", Data: s.contractPageData(r, c, false)})
}

// handleContractReveal shows the parties' ID numbers and phones in full: a
// POST, since each such view is written to the audit log.
func (s *Server) handleContractReveal(w http.ResponseWriter, r *http.Request) {
	c, err := s.app.RevealContract(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "contract", &view{Title: "contracts.detail", Nav: "contracts", Data: s.contractPageData(r, c, true)})
}

// filingCheckURL is the public filing check a printed document's QR opens.
func (s *Server) filingCheckURL(r *http.Request, c *app.Contract) string {
	return s.publicBase(r) + filingCheckPath(c)
}

// filingCheckPath is /f/{certificate number}?name={the first lessee}.
func filingCheckPath(c *app.Contract) string {
	name := ""
	if ls := c.Lessees(); len(ls) > 0 {
		name = ls[0].Name
	}
	return "/f/" + url.PathEscape(c.FilingCertNo) + "?name=" + url.QueryEscape(name)
}

// clMaskedContract is a copy of c with its parties' ID numbers and phones
// partly hidden (an organisation's credit code stays whole), for rendering
// the model text.
func clMaskedContract(c *app.Contract) *app.Contract {
	m := *c
	m.Parties = make([]app.Party, len(c.Parties))
	for i, p := range c.Parties {
		p.IDNo, p.Phone = p.ShownIDNo(), app.MaskPhone(p.Phone)
		m.Parties[i] = p
	}
	return &m
}

func (s *Server) handleContractPrint(w http.ResponseWriter, r *http.Request) {
	c, err := s.app.GetContract(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	if c.Status == app.ContractDraft || c.Status == app.ContractCancelled {
		// Nothing was signed: the draft's preview is its print.
		s.renderError(w, r, http.StatusConflict, "contracts.print_not_signed")
		return
	}
	actor := actorOf(r)
	d := s.contractPageData(r, c, false)
	// Whoever signed or entered it prints it for the parties in full (he
	// typed their numbers); anyone else gets their ID numbers and phones
	// partly hidden, as everywhere.
	d.Full = c.SignedBy.UserID == actor.UserID || c.CreatedBy.UserID == actor.UserID
	if c.Source == app.ContractOnline {
		// The model text as it was signed; a back-entered paper contract has
		// its own text (its scan), so only its facts print.
		pc := c
		if !d.Full {
			pc = clMaskedContract(c)
		}
		text, err := s.app.RenderContract(pc)
		if err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		d.Title, d.Text, d.Paras = text.Title, text.Paragraphs, signParas(text)
		d.NoInText = slices.ContainsFunc(d.Text, func(p string) bool { return strings.Contains(p, c.No) })
	}
	if c.FilingCertNo != "" && c.FilingStatus == app.FilingFiled {
		d.CheckURL = s.filingCheckURL(r, c)
		if d.QR, err = qrSVG(d.CheckURL, 120); err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
	}
	s.render(w, r, http.StatusOK, "contract_print", &view{Title: "contracts.print_title", Nav: "contracts", Data: d})
}

func (s *Server) handleContractRevokeForm(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	c, err := s.app.GetContract(actor, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	if rv := c.PendingRevocation(); rv != nil {
		s.renderError(w, r, http.StatusConflict, "contracts.revoke_already_recorded", rv.On)
		return
	}
	if !app.CanRevokeContract(actor, c) {
		s.renderError(w, r, http.StatusConflict, "contracts.revoke_not_signed")
		return
	}
	// Today: a lease not started yet ends at once (app.RevocableFrom),
	// one that has, today; never after its end.
	eff := time.Now()
	if from := c.RevocableFrom(); eff.Before(from) {
		eff = from
	}
	if !c.Terms.End.IsZero() && eff.After(c.Terms.End) {
		eff = c.Terms.End
	}
	form := url.Values{"effective": {eff.Format(time.DateOnly)}}
	s.render(w, r, http.StatusOK, "contract_revoke", &view{Title: "contracts.revoke_title", Nav: "contracts", Form: form,
		Data: s.contractPageData(r, c, false)})
}

func (s *Server) handleContractRevoke(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	id := pathID(r)
	r.Body = http.MaxBytesReader(w, r.Body, clMaxRevocationUpload)
	in, chosen, ferr := clReadRevokeForm(r)
	var err error = ferr
	var c *app.Contract
	if err == nil {
		c, err = s.app.RevokeContract(actor, id, in)
	}
	if err != nil {
		c, gerr := s.app.GetContract(actor, id)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		if c.Status != app.ContractSigned || c.PendingRevocation() != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		d := s.contractPageData(r, c, false)
		d.DocChosen = chosen
		s.fail(w, r, err, "contract_revoke", &view{Title: "contracts.revoke_title", Nav: "contracts", Form: r.PostForm, Data: d})
		return
	}
	if c.PendingRevocation() != nil {
		s.setFlash(w, r, "contracts.revocation_recorded_flash") // the banner says the date
	} else if len(c.ReleasedCodes()) > 0 {
		s.setFlash(w, r, "contracts.revoked_codes_released_flash") // the history names the codes
	} else {
		s.setFlash(w, r, "contracts.revoked_flash")
	}
	http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/revoke"), http.StatusSeeOther)
}

// clReadRevokeForm reads the multipart revocation form (readUploadForm):
// the typed reason and date are kept even when the scan is over the limit
// (that is the document field's error). chosen tells whether a document
// was chosen.
func clReadRevokeForm(r *http.Request) (in app.RevokeInput, chosen bool, err error) {
	files, chosen, err := readUploadForm(r, "doc", app.RevocationDocMaxBytes, 8<<10)
	in.Reason, in.Effective = r.PostForm.Get("reason"), r.PostForm.Get("effective")
	if len(files) > 0 {
		in.Doc, in.DocName = files[0].Data, files[0].Name
	}
	switch {
	case errors.Is(err, errUploadTooBig):
		return in, chosen, fieldErr("doc", "contracts.revoke_doc_too_big")
	case err != nil:
		return in, chosen, app.Errorf(app.EINVALID, "contracts.form_unreadable")
	}
	return in, chosen, nil
}
