package ui_test

import (
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
