package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPublicCheckCachedPage: the public check page is served from a short
// cache, but every answer carries its own request ID, the language asked
// for, and the code's state as it is now (a revocation shows at once); a
// signed-in visitor never gets the anonymous page.
func TestPublicCheckCachedPage(t *testing.T) {
	e := newEnv(t)
	code := sharedVerification(t, e)
	anon := e.client()

	first := anon.get("/v/" + code)
	wantStatus(t, first, http.StatusOK)
	wantText(t, first, zh("verify.public_state.valid"))
	second := anon.get("/v/" + code)
	wantStatus(t, second, http.StatusOK)
	id1, id2 := first.Header.Get("X-Request-ID"), second.Header.Get("X-Request-ID")
	if id1 == "" || id1 == id2 {
		t.Fatalf("request IDs %q and %q", id1, id2)
	}
	for _, r := range []*resp{first, second} {
		if id := r.Header.Get("X-Request-ID"); !strings.Contains(r.body, zh("footer.request_id")+" "+id) {
			t.Errorf("page does not show its own request ID %s", id)
		}
	}
	if strings.Replace(first.body, id1, id2, 1) != second.body {
		t.Errorf("the two answers differ by more than the request ID")
	}
	if got := second.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}

	// Another language is another page.
	english := anon.get("/v/"+code, "Accept-Language", "en")
	wantText(t, english, en("verify.public_state.valid"))
	wantNoText(t, english, zh("verify.public_state.valid"))

	// The form on the home page comes back to its own address.
	viaForm := anon.get("/check?code=" + url.QueryEscape(strings.ToLower(code)))
	wantStatus(t, viaForm, http.StatusOK)
	if !strings.Contains(viaForm.body, `value="/check?code=`+strings.ToLower(code)+`"`) {
		t.Errorf("the form's page does not come back to /check")
	}

	// A signed-in clerk gets his own page, not the anonymous one.
	clerk := e.signedIn("gov", "clerk")
	mine := clerk.get("/v/" + code)
	wantStatus(t, mine, http.StatusOK)
	if !strings.Contains(mine.body, "signed-in") || strings.Contains(second.body, "signed-in") {
		t.Errorf("signed-in and anonymous pages are mixed up")
	}

	// Revoked: the next check says so, cache or not.
	wantStatus(t, clerk.post("/gov/verifications/"+code+"/revoke", url.Values{"reason": {"房源信息与实际不符"}}), http.StatusSeeOther)
	after := anon.get("/v/" + code)
	wantStatus(t, after, http.StatusOK)
	wantText(t, after, zh("verify.public_state.revoked"))
	wantNoText(t, after, zh("verify.public_state.valid"))
}

// TestPublicCheckRateLimitedPage: over the per-address limit, a small page
// with the reason, a way back and the request ID, and Retry-After.
func TestPublicCheckRateLimitedPage(t *testing.T) {
	e := newEnv(t)
	e.setParams("public.check_rate_per_minute", "5")
	code := sharedVerification(t, e)
	anon := e.client()
	var limited *resp
	for range 20 {
		r := anon.get("/v/"+code, "Accept-Language", "en")
		if r.StatusCode == http.StatusTooManyRequests {
			limited = r
			break
		}
		wantStatus(t, r, http.StatusOK)
	}
	if limited == nil {
		t.Fatal("20 checks from one address, none refused")
	}
	wantText(t, limited, en("verify.check_rate_limited"), en("verify.check_another"), limited.Header.Get("X-Request-ID"))
	if limited.Header.Get("Retry-After") != "60" || !strings.HasPrefix(limited.Header.Get("Content-Type"), "text/html") {
		t.Errorf("headers %v", limited.Header)
	}
	if len(limited.body) > 1500 {
		t.Errorf("the refusal is %d bytes, want a small page", len(limited.body))
	}
}

// TestPublicShellPagesMatchFullRender: a public check (in every state) or
// agency page put together from the layout's shell and the content's stamp
// is byte for byte the page the full template renders (asked for with a
// session cookie, which bypasses the cache), in both languages, with an
// address that needs escaping in the language switch.
func TestPublicShellPagesMatchFullRender(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := sharedVerification(t, e)
	paths := []string{
		"/v/" + code,
		"/check?code=" + strings.ToLower(code) + "&from=qr'+1",
		fmt.Sprintf("/agencies/%d", e.user("anju.admin").AgencyID),
	}
	for _, state := range publicCheckStates { // each state's page has its own stamp
		paths = append(paths, "/v/"+demoVerification(t, e, state).Code)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range paths {
			shell := e.client().get(p, "Accept-Language", lang)
			wantStatus(t, shell, http.StatusOK)
			full := e.client().get(p, "Accept-Language", lang, "Cookie", "anju_session=none")
			wantStatus(t, full, http.StatusOK)
			got := strings.Replace(shell.body, shell.Header.Get("X-Request-ID"), full.Header.Get("X-Request-ID"), 1)
			if got != full.body {
				t.Errorf("%s %s: the page from the shell differs from the full render:\n%s", lang, p, firstDiff(got, full.body))
			}
		}
	}
}

// firstDiff shows where two pages part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("shell: %q\nfull:  %q", a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}
