package ui_test

import (
	"net/http"
	"net/url"
	"testing"

	"anju/app"
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
