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

// TestRevokedCodeNoticeIsVoid: the notice of a code that is no longer
// valid says plainly that it is void, without the approving text or the
// seal, in both languages; a valid code's notice carries both.
func TestRevokedCodeNoticeIsVoid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerkActor := e.actor("clerk")
	code := e.signProperty(clerkActor)
	clerk := e.signedIn("gov", "clerk")
	path := "/gov/verifications/" + code + "/notice"
	r := clerk.get(path)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("verify.notice_text"), `class="seal"`)
	if _, err := e.app.RevokeVerification(clerkActor, code, "房东撤回委托"); err != nil {
		t.Fatal(err)
	}
	r = clerk.get(path)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("verify.notice_void", zh("verify.state.revoked")))
	wantNoText(t, r, zh("verify.notice_text"), `class="seal"`)
	wantText(t, clerk.get(path, "Accept-Language", "en"), en("verify.notice_void", en("verify.state.revoked")))
}
