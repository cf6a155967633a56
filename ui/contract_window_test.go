package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"anju/app"
)

// TestContractListsSayWhenNarrowed: a contract list or a list of filing
// applications that matches very many (here: more than 5) without a date
// range shows only the recent ones and says so; a date range takes the
// note away, and the reviewers' pending queue is never narrowed. Not
// parallel: it lowers the threshold for the whole package.
func TestContractListsSayWhenNarrowed(t *testing.T) {
	defer app.SetListNarrowAt(5)()
	e := newEnv(t)
	signedNote := strings.SplitN(zh("contracts.list_window_signed"), "%d", 2)[0]
	filingNote := strings.SplitN(zh("filing.list_window_submitted"), "%d", 2)[0]

	clerk := e.signedIn("gov", "clerk")
	broad := clerk.get("/gov/contracts")
	wantStatus(t, broad, http.StatusOK)
	wantText(t, broad, signedNote)
	dated := clerk.get("/gov/contracts?from=2000-01-01")
	wantStatus(t, dated, http.StatusOK)
	wantNoText(t, dated, signedNote)

	reviewer := e.signedIn("gov", "reviewer")
	all := reviewer.get("/gov/filings?status=")
	wantStatus(t, all, http.StatusOK)
	wantText(t, all, filingNote)
	queue := reviewer.get("/gov/filings")
	wantStatus(t, queue, http.StatusOK)
	wantNoText(t, queue, filingNote)
}
