package ui

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"anju/app"
)

// filingPageData is an application's page (and its printed certificate): the
// application beside its contract and documents.
type filingPageData struct {
	F         *app.ContractFiling
	C         *app.Contract
	Base      string
	Now       time.Time
	Overdue   bool
	CanEdit   bool // the applicant's side: add documents, resubmit when returned
	CanReview bool
	ReviewWhy string // why the review buttons are not offered (a reviewer's own, or not a reviewer)
	DocKinds  []string
	// Replaced lists the contract's document kinds that a document added
	// to the application supersedes (shown struck through).
	Replaced map[string]bool
	// The certificate: the public check's address and its QR.
	CheckURL string
	QR       template.HTML
	idTypes  map[string]string
}

// IDType names an ID type code in the page's language.
func (d *filingPageData) IDType(code string) string { return labelOr(d.idTypes, code) }

func (s *Server) loadFilingPage(w http.ResponseWriter, r *http.Request) (*filingPageData, bool) {
	a := actorOf(r)
	f, c, err := s.app.GetFiling(a, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return nil, false
	}
	now := time.Now()
	d := &filingPageData{F: f, C: c, Base: filingBase(r, f.ID), Now: now, Overdue: f.Overdue(now),
		CanEdit: s.app.CanEditFiling(a, f), DocKinds: app.FilingDocKinds, Replaced: map[string]bool{},
		idTypes: s.dictLabels(app.DictIDType, pickLang(r, a.Lang))}
	for _, doc := range f.Docs {
		d.Replaced[doc.Kind] = app.FilingDocReplaces(doc.Kind)
	}
	if f.Status == app.FilingPending && a.Can(app.PermGovPortal) {
		d.CanReview, d.ReviewWhy = s.app.CanReviewFiling(a, f.ID)
	}
	return d, true
}

func (s *Server) handleFilingShow(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadFilingPage(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "filing", &view{Title: "filing.detail_title", Nav: "filings", Data: d})
}

// renderFilingAgain shows the application with err's message: a field's
// beside it (the reason, the document), anything else at the top.
func (s *Server) renderFilingAgain(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := app.AsError(err)
	if !ok {
		s.fail(w, r, err, "", nil)
		return
	}
	d, ok := s.loadFilingPage(w, r)
	if !ok {
		return
	}
	v := &view{Title: "filing.detail_title", Nav: "filings", Form: r.PostForm, Data: d, Errors: e.Fields, Error: e.Key, ErrorArgs: e.Args}
	s.render(w, r, statusOf(e.Code), "filing", v)
}

// handleFilingDoc sends one document of the application or its contract
// (?blob=), inline, with its checked type.
func (s *Server) handleFilingDoc(w http.ResponseWriter, r *http.Request) {
	blob, _ := strconv.ParseUint(r.URL.Query().Get("blob"), 10, 64)
	info, data, err := s.app.FilingDocument(actorOf(r), pathID(r), blob)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	serveDocument(w, info.ContentType, data)
}

// maxFilingDocUpload bounds the request: one document plus the form.
const maxFilingDocUpload = app.FilingDocMaxBytes + 64<<10

func (s *Server) handleFilingDocAdd(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFilingDocUpload)
	// Read part by part (readUploadForm): the kind chosen comes before the
	// document and is kept when the document is over the request's limit.
	files, _, err := readUploadForm(r, "doc", app.FilingDocMaxBytes, 8<<10)
	switch {
	case errors.Is(err, errUploadTooBig):
		s.renderFilingAgain(w, r, fieldErr("doc", "contract.doc_too_big"))
		return
	case err != nil:
		s.renderFilingAgain(w, r, fieldErr("doc", "contract.doc_unreadable"))
		return
	}
	var data []byte
	name := ""
	if len(files) > 0 {
		name, data = files[0].Name, files[0].Data
	}
	if _, err := s.app.AttachFilingDoc(actorOf(r), pathID(r), r.PostForm.Get("kind"), name, data); err != nil {
		s.renderFilingAgain(w, r, err)
		return
	}
	s.setFlash(w, r, "filing.doc_added_ok")
	http.Redirect(w, r, filingBase(r, pathID(r)), http.StatusSeeOther)
}

// fieldErr is a one-field validation error made in the UI (an upload too
// big to read).
func fieldErr(field, key string) error {
	return &app.Error{Code: app.EINVALID, Key: "form.invalid", Fields: map[string]string{field: key}}
}

// handleFilingResubmit sends a returned application back to the queue. A
// second click (already resubmitted) just shows the application again.
func (s *Server) handleFilingResubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	_, err := s.app.ResubmitFiling(actorOf(r), pathID(r), r.PostForm.Get("note"))
	if e, ok := app.AsError(err); ok && e.Code == app.ECONFLICT {
		s.setFlash(w, r, e.Key)
		http.Redirect(w, r, filingBase(r, pathID(r)), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.renderFilingAgain(w, r, err)
		return
	}
	s.setFlash(w, r, "filing.resubmitted_ok")
	http.Redirect(w, r, filingBase(r, pathID(r)), http.StatusSeeOther)
}

func (s *Server) handleFilingApprove(w http.ResponseWriter, r *http.Request) {
	if _, err := s.app.ApproveFiling(actorOf(r), pathID(r)); err != nil {
		s.renderFilingAgain(w, r, err)
		return
	}
	s.setFlash(w, r, "filing.approved_ok")
	http.Redirect(w, r, filingBase(r, pathID(r)), http.StatusSeeOther)
}

func (s *Server) handleFilingReject(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if _, err := s.app.RejectFiling(actorOf(r), pathID(r), r.PostForm.Get("reject_reason")); err != nil {
		s.renderFilingAgain(w, r, err)
		return
	}
	s.setFlash(w, r, "filing.rejected_ok")
	http.Redirect(w, r, filingBase(r, pathID(r)), http.StatusSeeOther)
}

// handleFilingCertificate prints the 租赁登记备案证明 (A4) of a filed
// contract, with a QR to the public filing check; an ended or cancelled
// filing prints with its state stamped on it.
func (s *Server) handleFilingCertificate(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadFilingPage(w, r)
	if !ok {
		return
	}
	if d.F.CertificateNo == "" || d.C.FilingCertNo != d.F.CertificateNo {
		s.renderError(w, r, http.StatusConflict, "filing.no_certificate")
		return
	}
	d.CheckURL = s.filingCheckURL(r, d.C)
	qr, err := qrSVG(d.CheckURL, 140)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d.QR = qr
	s.render(w, r, http.StatusOK, "filing_certificate", &view{Title: "filing.certificate_title", Nav: "filings", Data: d})
}
