package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/app"
	"anju/ui"
)

// A document over the request's limit is the document field's error, and
// what was typed before it is kept (readUploadForm, shared by the forms
// with files).
func TestUploadOverLimitKeepsTypedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	big := make([]byte, app.ListEvidenceMaxBytes+128<<10)
	copy(big, testPDF)
	r := clerk.postFile("/gov/lists/new", url.Values{"list": {"black"}, "subject_kind": {"agency"},
		"subject": {"91110105MA01ANJU13"}, "reason": {"发布虚假房源，经查证属实。"}}, "doc", "scan.pdf", big)
	checkStatus(t, "list proposal over the limit", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "doc", zh("lists.doc_too_big"))
	checkShows(t, "list proposal over the limit", r, "发布虚假房源，经查证属实。")

	// A document over its own limit, within the request's: the app names it.
	anju := e.actor("anju.admin")
	subject := app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID}
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), fileScoring(t, e, e.actor("clerk"), subject, "JG-K-005").ID, "")
	if err != nil {
		t.Fatal(err)
	}
	agency := e.signedIn("agency", "anju.admin")
	big = make([]byte, app.CreditDocMaxBytes+1)
	copy(big, testPDF)
	r = agency.postFile("/agency/credit/records/"+itoa(rec.ID)+"/request",
		url.Values{"kind": {"objection"}, "reason": {"押金已退还。"}}, "docs", "转账.pdf", big)
	checkStatus(t, "objection with a big document", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "docs", zh("credit.doc_too_big"))
	checkShows(t, "objection with a big document", r, "押金已退还。")
}

// overLimit is a file of n bytes that starts as a PDF.
func overLimit(n int64) []byte {
	b := make([]byte, n)
	copy(b, testPDF)
	return b
}

// inLanguages switches c to Chinese, then to English, and runs check in
// each: the message beside the file field must be in the page's language.
func inLanguages(t *testing.T, c *client, check func(lang string)) {
	t.Helper()
	for _, lang := range []string{"zh-CN", "en"} {
		wantRedirect(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
		check(lang)
	}
}

// selectedOption is the value of the option chosen in the select named
// name, "" if none is.
func selectedOption(r *resp, name string) string {
	sel := regexp.MustCompile(`(?s)<select[^>]*\sname="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</select>`).FindStringSubmatch(r.body)
	if sel == nil {
		return ""
	}
	if m := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(sel[1]); m != nil {
		return m[1]
	}
	return ""
}

func wantSelected(t *testing.T, what string, r *resp, name, want string) {
	t.Helper()
	if got := selectedOption(r, name); got != want {
		t.Errorf("%s: select %q has %q chosen, want %q", what, name, got, want)
	}
}

// The agency filing's licence step: a scan over the request's limit is
// the licence field's error on the same step, and the draft typed on the
// earlier steps is intact (the step itself has no text to type).
func TestLicenceOverLimitIsTheLicenceError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	actor := e.actor("clerk")
	ap, err := e.app.StartFiling(actor, filingForm("北京超限测试经纪有限公司", testUSCC("91110105MA01UL001")))
	if err != nil {
		t.Fatal(err)
	}
	ref := app.AppRef{ID: ap.ID}
	if _, err := e.app.SaveStep(actor, ref, app.StepPremises, filingForm("北京超限测试经纪有限公司", testUSCC("91110105MA01UL001")), true); err != nil {
		t.Fatal(err)
	}
	base := "/gov/agency-applications/" + itoa(ap.ID)
	clerk := e.signedIn("gov", "clerk")
	inLanguages(t, clerk, func(lang string) {
		what := "licence over the limit (" + lang + ")"
		r := clerk.postFile(base+"/step/3", url.Values{"go": {"next"}}, "licence", "执照.pdf", overLimit(ui.MaxLicenceUpload+1))
		checkStatus(t, what, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "licence", msg(lang, "agency.licence_too_big"))
		if !strings.Contains(r.body, `name="licence" type="file"`) {
			t.Errorf("%s: the page is not the licence step", what)
		}
	})
	wantInputValue(t, clerk.get(base+"/step/1"), "name", "北京超限测试经纪有限公司")
}

// The signing's documents step: the kind chosen is kept.
func TestSignDocOverLimitKeepsTheKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	actor := e.actor("agent.zhang")
	id := e.signDraft(actor, false)
	e.signTerms(actor, id)
	base := "/agency/contracts/" + itoa(id)
	agent := e.signedIn("agency", "agent.zhang")
	docOverLimitKeepsKind(t, agent, "signing document", base+"/step/5", url.Values{"kind": {"certificate"}, "go": {"upload"}},
		"file", "产权证.pdf", ui.MaxSignUpload+1)
}

// docOverLimitKeepsKind posts a document one byte over its limit, in each
// language: the size message shows next to the file field, and the kind of
// document chosen (form's "kind") is still selected.
func docOverLimitKeepsKind(t *testing.T, c *client, doc, path string, form url.Values, field, file string, size int64) {
	t.Helper()
	inLanguages(t, c, func(lang string) {
		what := doc + " over the limit (" + lang + ")"
		r := c.postFile(path, form, field, file, overLimit(size))
		checkStatus(t, what, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, field, msg(lang, "contract.doc_too_big"))
		wantSelected(t, what, r, "kind", form.Get("kind"))
	})
}

// The paper contract's back-entry: every typed field is kept.
func TestBackEntryScanOverLimitKeepsTypedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingRequiresSign, "false")
	clerk := e.signedIn("gov", "clerk")
	f := e.flValues("超限一室", "超限租客")
	f.Set("agreed_terms", "家具清单见附件。")
	inLanguages(t, clerk, func(lang string) {
		what := "back-entry scan over the limit (" + lang + ")"
		r := clerk.postFile("/gov/contracts/backentry", f, "scan", "合同.pdf", overLimit(ui.MaxBackEntryUpload+1))
		checkStatus(t, what, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "scan", msg(lang, "contract.doc_too_big"))
		wantInputValue(t, r, "parties.1.name", "超限租客")
		wantInputValue(t, r, "rooms", "超限一室")
		wantInputValue(t, r, "rent", "4200")
		wantSelected(t, what, r, "mode", "shared")
		checkShows(t, what, r, ">家具清单见附件。</textarea>")
	})
}

// The filing application's documents: the kind chosen is kept.
func TestFilingDocOverLimitKeepsTheKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingRequiresSign, "false")
	fl := e.flReturned(e.actor("reviewer"), e.flPaper(e.actor("clerk"), "补件一室", "补件租客"))
	page := "/gov/filings/" + itoa(fl.ID)
	clerk := e.signedIn("gov", "clerk")
	docOverLimitKeepsKind(t, clerk, "filing document", page+"/docs", url.Values{"kind": {"power_of_attorney"}},
		"doc", "委托书.pdf", ui.MaxFilingDocUpload+1)
}

// The practitioner form: what was typed is kept.
func TestPractitionerPhotoOverLimitKeepsTypedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("agency", "anju.admin")
	id := residentID("11010519930303031")
	form := url.Values{"name": {"超限照片"}, "id_no": {id}, "mobile": {"13622223333"}, "role": {"assistant"},
		"qual_cert_no": {"XL2026009"}, "start": {"2026-01-05"}}
	photo := overLimit(ui.MaxPracUpload + 1)
	copy(photo, "\x89PNG\r\n\x1a\n")
	inLanguages(t, admin, func(lang string) {
		what := "practitioner photo over the limit (" + lang + ")"
		r := admin.postMultipart("/agency/practitioners", form, photo)
		checkStatus(t, what, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "photo", msg(lang, "practitioner.photo_too_big"))
		for _, k := range []string{"name", "id_no", "mobile", "qual_cert_no", "start"} {
			wantInputValue(t, r, k, form.Get(k))
		}
		wantSelected(t, what, r, "role", "assistant")
	})
}

// TestFileToChooseAgain: a back-entry or a revocation refused for another
// field says beside the file field that the file chosen must be chosen
// again (a browser cannot keep it), in the page's language; a form sent
// without a file does not.
func TestFileToChooseAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingRequiresSign, "false")
	clerk := e.signedIn("gov", "clerk")
	f := e.flValues("再选一室", "再选租客")
	f.Set("rent", "abc")
	ct := e.clSeed(app.Contract{})
	agent := e.signedIn("agency", "agent.zhang")
	revoke := url.Values{"reason": {""}, "effective": {time.Now().Format(time.DateOnly)}}
	for _, lang := range []string{"zh-CN", "en"} {
		msg := zh
		if lang == "en" {
			msg = en
		}
		clerk.setCookie("lang", lang)
		agent.setCookie("lang", lang)
		r := clerk.postFile("/gov/contracts/backentry", f, "scan", "合同.pdf", flPDF)
		checkStatus(t, "back-entry with a bad rent", r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "rent", msg("contract.rent_invalid"))
		wantText(t, r, msg("filing.scan_again"))
		wantNoText(t, clerk.postFile("/gov/contracts/backentry", f, "scan", "", nil), msg("filing.scan_again"))

		r = agent.postFile("/agency/contracts/"+itoa(ct.ID)+"/revoke", revoke, "doc", "协议.pdf", testPDF)
		checkStatus(t, "revocation without a reason", r, http.StatusUnprocessableEntity)
		wantText(t, r, msg("contracts.revoke_doc_again"))
		wantNoText(t, agent.postFile("/agency/contracts/"+itoa(ct.ID)+"/revoke", revoke, "doc", "", nil), msg("contracts.revoke_doc_again"))
	}
}
