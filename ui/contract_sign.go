package ui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// signData is what the signing form (contract_form.html) and the
// preview (contract_preview.html) need.
type signData struct {
	Ctx        signCtx
	C          *app.Contract // nil on the code page
	Step       int
	Steps      []int
	Done       []bool // by step: marked done on the step bar (app.ContractStepsDone)
	IDTypes    []*app.DictEntry
	Sections   []signPartySection
	Clauses    []app.ContractClause // offered at step 4
	DocKinds   []string
	Text       app.ContractText
	Paras      []signPara
	Codes      []signConfirmLine
	ConfirmOn  bool
	ConfirmURL string
	DepositMax int
	// FilingDays is the filing deadline the preview tells the signer: the
	// parameter that sets the signed contract's due date (SignContract).
	FilingDays int
	Problems   []stepProblem
	Cycles     []string
	Methods    []string
	Payers     []string
}

// signConfirmLine is a party's confirmation code on the preview, with a QR
// that opens the public confirmation page with the code filled in.
type signConfirmLine struct {
	Party app.Party
	Code  string
	QR    template.HTML
}

func (s *Server) signData(r *http.Request, c *app.Contract, step int, form url.Values) signData {
	d := signData{Ctx: signCtxOf(r), C: c, Step: step, Steps: []int{1, 2, 3, 4, 5, 6}, DocKinds: app.SignDocKinds,
		DepositMax: s.app.ParamInt(app.ParamDepositMaxMonths), ConfirmOn: s.app.ParamBool(app.ParamPartyConfirm),
		FilingDays: s.app.ParamInt(app.ParamFilingDeadlineDays),
		Cycles:     app.PaymentCycles, Methods: app.PaymentMethods, Payers: app.UtilityPayers}
	d.IDTypes, _ = s.app.Dict(app.DictIDType, true)
	if c != nil {
		d.Done, _ = s.app.ContractStepsDone(c) // none marked done if it fails
	}
	if step == app.CStepParties {
		d.Sections = signPartySections(form)
	}
	if step == app.CStepAgreed {
		if t, err := s.app.CurrentContractTemplate(); err == nil {
			d.Clauses = t.Offered()
		}
	}
	return d
}

func (s *Server) renderSignStep(w http.ResponseWriter, r *http.Request, status int, d signData, form url.Values, v *view) {
	if v == nil {
		v = &view{}
	}
	v.Title, v.Nav, v.Form, v.Data = "contract.sign_title", "contract_new", form, d
	page := "contract_form"
	if d.Step == app.CStepPreview {
		page = "contract_preview"
		if err := s.fillSignPreview(r, &d); err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		v.Data = d
	}
	s.render(w, r, status, page, v)
}

// fillSignPreview renders the model text and, when parties confirm, their codes.
func (s *Server) fillSignPreview(r *http.Request, d *signData) error {
	var err error
	if d.Text, err = s.app.RenderContract(d.C); err != nil {
		return err
	}
	d.Paras = signParas(d.Text)
	if !d.ConfirmOn {
		return nil
	}
	codes, err := s.app.ContractConfirmCodes(actorOf(r), d.C.ID)
	if err != nil {
		return err
	}
	d.ConfirmURL = s.publicBase(r) + "/confirm"
	for _, pc := range codes {
		qr, err := qrSVG(d.ConfirmURL+"?code="+pc.Code, 96)
		if err != nil {
			return err
		}
		d.Codes = append(d.Codes, signConfirmLine{Party: pc.Party, Code: app.FormatConfirmCode(pc.Code), QR: qr})
	}
	return nil
}

// signPara is a paragraph of the printed contract; an article's heading
// (第一条 …) prints in bold.
type signPara struct {
	Text    string
	Article bool
}

func signParas(t app.ContractText) []signPara {
	out := make([]signPara, len(t.Paragraphs))
	for i, p := range t.Paragraphs {
		head := []rune(p)
		if len(head) > 8 {
			head = head[:8]
		}
		h := string(head)
		out[i] = signPara{Text: p, Article: strings.HasPrefix(h, "第") && strings.Contains(h, "条") && len([]rune(p)) < 30}
	}
	return out
}

// handleContractNew asks for the verification code (?code= fills it in,
// from a verification's page).
func (s *Server) handleContractNew(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"code": {r.URL.Query().Get("code")}}
	s.render(w, r, http.StatusOK, "contract_form", &view{Title: "contract.sign_title", Nav: "contract_new", Form: form,
		Data: signData{Steps: []int{1, 2, 3, 4, 5, 6}}})
}

func (s *Server) handleContractStart(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	c, err := s.app.StartContract(actorOf(r), r.PostForm.Get("code"))
	if err != nil {
		if e, ok := app.AsError(err); ok && e.Code == app.EFORBIDDEN {
			s.renderError(w, r, http.StatusForbidden, e.Key, e.Args...)
			return
		}
		s.fail(w, r, err, "contract_form", &view{Title: "contract.sign_title", Nav: "contract_new", Form: r.PostForm,
			Data: signData{Steps: []int{1, 2, 3, 4, 5, 6}}})
		return
	}
	http.Redirect(w, r, "/"+portalOfPath(r.URL.Path)+"/contracts/"+strconv.FormatUint(c.ID, 10)+"/step/"+strconv.Itoa(max(c.Step, 1)), http.StatusSeeOther)
}

// loadSignDraft reads the draft of the request; a contract that is no longer
// a draft goes to its page.
func (s *Server) loadSignDraft(w http.ResponseWriter, r *http.Request) (*app.Contract, bool) {
	ctx := signCtxOf(r)
	c, err := s.app.GetDraft(actorOf(r), ctx.ID)
	if err != nil {
		if e, ok := app.AsError(err); ok && e.Code == app.ECONFLICT {
			http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
			return nil, false
		}
		s.fail(w, r, err, "", nil)
		return nil, false
	}
	return c, true
}

func (s *Server) handleContractStep(w http.ResponseWriter, r *http.Request) {
	step := signStepOf(r)
	if step == 0 {
		s.handleNotFound(w, r)
		return
	}
	c, ok := s.loadSignDraft(w, r)
	if !ok {
		return
	}
	// The steps go in order: one cannot jump past the first unsaved one,
	// and the address says which step is shown (a later one's address
	// would post the form to the wrong step on reload).
	if allowed := max(c.Step, 1); step > allowed {
		http.Redirect(w, r, signCtxOf(r).Base+"/step/"+strconv.Itoa(allowed), http.StatusSeeOther)
		return
	}
	form := signFormValues(c.Form)
	s.renderSignStep(w, r, http.StatusOK, s.signData(r, c, step, form), form, nil)
}

// handleContractStepSave saves a step. The buttons: "next" validates and
// goes on, "prev" and "save" keep the step as typed and go back or stay.
func (s *Server) handleContractStepSave(w http.ResponseWriter, r *http.Request) {
	step := signStepOf(r)
	if step == 0 {
		s.handleNotFound(w, r)
		return
	}
	ctx := signCtxOf(r)
	if step == app.CStepDocs {
		s.handleContractDocs(w, r)
		return
	}
	if step == app.CStepPreview {
		http.Redirect(w, r, ctx.Base+"/step/6", http.StatusSeeOther)
		return
	}
	_ = r.ParseForm()
	a := actorOf(r)
	do := r.PostForm.Get("go")
	in := signFormOf(r.PostForm)
	c, err := s.app.SaveContractStep(a, ctx.ID, step, in, do == "next")
	if err != nil {
		cur, gerr := s.app.GetDraft(a, ctx.ID)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		if e, ok := app.AsError(err); ok && e.Code == app.EFORBIDDEN {
			s.renderError(w, r, http.StatusForbidden, e.Key, e.Args...)
			return
		}
		// Shown as typed: the stored draft with this step's fields replaced.
		shown := cur.Form
		switch step {
		case app.CStepTerms:
			parties, agreed, clauses := shown.Parties, shown.AgreedTerms, shown.Clauses
			shown = in
			shown.Parties, shown.AgreedTerms, shown.Clauses = parties, agreed, clauses
		case app.CStepParties:
			shown.Parties = in.Parties
		case app.CStepAgreed:
			shown.AgreedTerms, shown.Clauses = in.AgreedTerms, in.Clauses
		}
		form := signFormValues(shown)
		v := &view{Title: "contract.sign_title", Nav: "contract_new", Form: form, Data: s.signData(r, cur, step, form)}
		s.fail(w, r, err, "contract_form", v)
		return
	}
	switch do {
	case "next":
		http.Redirect(w, r, ctx.Base+"/step/"+strconv.Itoa(step+1), http.StatusSeeOther)
	case "prev":
		http.Redirect(w, r, ctx.Base+"/step/"+strconv.Itoa(max(step-1, 1)), http.StatusSeeOther)
	default:
		s.setFlash(w, r, "contract.draft_saved")
		http.Redirect(w, r, ctx.Base+"/step/"+strconv.Itoa(min(step, max(c.Step, 1))), http.StatusSeeOther)
	}
}

// maxSignUpload bounds the request: one document plus the form.
const maxSignUpload = app.ContractDocMaxBytes + 64<<10

// handleContractDocs is step 5's form: upload one document, or go on
// (the required kinds must be there), or back.
func (s *Server) handleContractDocs(w http.ResponseWriter, r *http.Request) {
	ctx := signCtxOf(r)
	a := actorOf(r)
	cur, ok := s.loadSignDraft(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignUpload)
	fail := func(status int, fields map[string]string, kind string) {
		form := signFormValues(cur.Form)
		form.Set("kind", kind)
		v := &view{Title: "contract.sign_title", Nav: "contract_new", Form: form, Data: s.signData(r, cur, app.CStepDocs, form),
			Errors: fields, Error: "form.invalid"}
		s.render(w, r, status, "contract_form", v)
	}
	// Read part by part (readUploadForm): the kind chosen comes before the
	// file and is kept when the file is over the request's limit.
	files, _, err := readUploadForm(r, "file", app.ContractDocMaxBytes, 8<<10)
	kind, do := r.PostForm.Get("kind"), r.PostForm.Get("go")
	switch {
	case errors.Is(err, errUploadTooBig):
		fail(http.StatusUnprocessableEntity, map[string]string{"file": "contract.doc_too_big"}, kind)
		return
	case err != nil:
		fail(http.StatusUnprocessableEntity, map[string]string{"file": "contract.doc_unreadable"}, kind)
		return
	}
	if do == "prev" {
		http.Redirect(w, r, ctx.Base+"/step/4", http.StatusSeeOther)
		return
	}
	// A file chosen is uploaded whichever button was pressed: "下一步"
	// with a file in the field must not drop it.
	switch {
	case len(files) > 0:
		if _, err := s.app.AttachContractDoc(a, ctx.ID, kind, files[0].Name, files[0].Data); err != nil {
			if e, ok := app.AsError(err); ok && len(e.Fields) > 0 {
				fail(http.StatusUnprocessableEntity, e.Fields, kind)
				return
			}
			s.fail(w, r, err, "", nil)
			return
		}
		if do != "next" {
			s.setFlash(w, r, "contract.doc_added")
			http.Redirect(w, r, ctx.Base+"/step/5", http.StatusSeeOther)
			return
		}
	case do != "next":
		fail(http.StatusUnprocessableEntity, map[string]string{"file": "contract.doc_required"}, kind)
		return
	}
	if _, err := s.app.DocsDone(a, ctx.ID); err != nil {
		if e, ok := app.AsError(err); ok && len(e.Fields) > 0 {
			cur, _ = s.app.GetDraft(a, ctx.ID) // with the file just attached, if any
			if cur == nil {
				s.fail(w, r, err, "", nil)
				return
			}
			fail(http.StatusUnprocessableEntity, e.Fields, kind)
			return
		}
		s.fail(w, r, err, "", nil)
		return
	}
	http.Redirect(w, r, ctx.Base+"/step/6", http.StatusSeeOther)
}

func signDocNumber(r *http.Request) (int, bool) {
	s, ok := mux.Vars(r)["n"]
	if !ok {
		s = pathTail(r, "docs")
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

func (s *Server) handleContractDoc(w http.ResponseWriter, r *http.Request) {
	n, ok := signDocNumber(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "contract.doc_not_found")
		return
	}
	d, data, err := s.app.ContractDocument(actorOf(r), signCtxOf(r).ID, n)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	serveDocument(w, d.Type, data)
}

func (s *Server) handleContractDocRemove(w http.ResponseWriter, r *http.Request) {
	ctx := signCtxOf(r)
	n, ok := signDocNumber(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "contract.doc_not_found")
		return
	}
	if _, err := s.app.RemoveContractDoc(actorOf(r), ctx.ID, n); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.setFlash(w, r, "contract.doc_removed")
	http.Redirect(w, r, ctx.Base+"/step/5", http.StatusSeeOther)
}

// handleContractSign signs from the preview. A mistake found now is listed
// on the preview with a link to its step; a refusal (overlap, missing
// confirmations, a code no longer valid) is named at the top.
func (s *Server) handleContractSign(w http.ResponseWriter, r *http.Request) {
	ctx := signCtxOf(r)
	a := actorOf(r)
	c, err := s.app.SignContract(a, ctx.ID)
	if err == nil {
		s.setFlash(w, r, "contract.signed_ok")
		http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
		return
	}
	e, ok := app.AsError(err)
	if !ok || (e.Code != app.EINVALID && e.Code != app.ECONFLICT) || e.Key == "contract.not_draft" {
		if ok && e.Key == "contract.not_draft" {
			http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
			return
		}
		s.fail(w, r, err, "", nil)
		return
	}
	if c, err = s.app.GetDraft(a, ctx.ID); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	form := signFormValues(c.Form)
	d := s.signData(r, c, app.CStepPreview, form)
	for f, k := range e.Fields {
		d.Problems = append(d.Problems, stepProblem{Field: f, Key: k, Step: app.ContractStepOfField(f)})
	}
	sort.Slice(d.Problems, func(i, j int) bool {
		if d.Problems[i].Step != d.Problems[j].Step {
			return d.Problems[i].Step < d.Problems[j].Step
		}
		return d.Problems[i].Field < d.Problems[j].Field
	})
	v := &view{Errors: e.Fields, Error: e.Key, ErrorArgs: e.Args}
	if len(e.Fields) > 0 && e.Key == "form.invalid" {
		v.Error = "contract.sign_problems"
	}
	status := http.StatusUnprocessableEntity
	if e.Code == app.ECONFLICT {
		status = http.StatusConflict
	}
	s.renderSignStep(w, r, status, d, form, v)
}

func (s *Server) handleContractCancel(w http.ResponseWriter, r *http.Request) {
	ctx := signCtxOf(r)
	if _, err := s.app.CancelContract(actorOf(r), ctx.ID); err != nil {
		if e, ok := app.AsError(err); ok && e.Key == "contract.not_draft" {
			http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
			return
		}
		s.fail(w, r, err, "", nil)
		return
	}
	s.setFlash(w, r, "contract.cancelled_ok")
	http.Redirect(w, r, ctx.Base, http.StatusSeeOther)
}
