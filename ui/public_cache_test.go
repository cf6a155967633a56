package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
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
	if !strings.Contains(mine.body, `class="portal-public signed-in-elsewhere"`) || strings.Contains(second.body, "signed-in") {
		t.Errorf("signed-in and anonymous pages are mixed up")
	}

	// Revoked: the next check says so, cache or not.
	wantStatus(t, clerk.post("/gov/verifications/"+code+"/revoke", url.Values{"reason": {"房源信息与实际不符"}}), http.StatusSeeOther)
	after := anon.get("/v/" + code)
	wantStatus(t, after, http.StatusOK)
	wantText(t, after, zh("verify.public_state.revoked"))
	wantNoText(t, after, zh("verify.public_state.valid"))
}

// TestPublicCheckRateLimitedPage: over the per-address limit, a tenant
// gets the public portal's page (its header and language switch, back to
// the page he asked for), in his language, saying how many seconds to wait
// (Retry-After says the same), with the request ID and status 429.
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
	brand := e.app.Branding()
	for _, c := range []struct {
		lang string
		r    *resp
	}{
		{"en", limited},
		{"zh-CN", e.client().get("/v/" + code + "?from=qr'1")}, // no Accept-Language: Chinese
	} {
		r := c.r
		wantStatus(t, r, http.StatusTooManyRequests)
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 12 {
			t.Fatalf("%s: Retry-After = %q, want 1..12 seconds (5 a minute)", c.lang, r.Header.Get("Retry-After"))
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", c.lang, r.Header)
		}
		wantText(t, r, `<html lang="`+c.lang+`">`, brand.Title, brand.OrgName, `class="lang-switch"`,
			msg(c.lang, "portal.public"), msg(c.lang, "public.busy_title"), msg(c.lang, "public.busy_text", secs),
			msg(c.lang, "error.back_home"), r.Header.Get("X-Request-ID"))
		wantText(t, r, `name="back" value="`+r.Request.URL.RequestURI()+`"`)
		if probs := untranslated(r.body, c.lang, nil); len(probs) > 0 {
			t.Errorf("%s: %v", c.lang, probs)
		}
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
