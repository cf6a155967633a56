package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestVerificationListSaysWhenNarrowed: a broad list (no date range, no
// text or one or two characters) says that it shows the last 90 days only;
// a date range takes the note away.
func TestVerificationListSaysWhenNarrowed(t *testing.T) {
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	note := strings.SplitN(zh("verify.list_window_created"), "%d", 2)[0]
	broad := clerk.get("/gov/verifications")
	wantStatus(t, broad, http.StatusOK)
	wantText(t, broad, note)
	expired := clerk.get("/gov/verifications?status=expired&q=%E5%8C%97")
	wantStatus(t, expired, http.StatusOK)
	wantText(t, expired, strings.SplitN(zh("verify.list_window_valid_until"), "%d", 2)[0])
	dated := clerk.get("/gov/verifications?from=2000-01-01")
	wantStatus(t, dated, http.StatusOK)
	wantNoText(t, dated, note)
}
