package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"anju/app"
)

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	creds := url.Values{"username": {"clerk"}, "password": {app.DemoPassword}}

	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "http://evil.example"},
		{"Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example"},
	} {
		c := e.client()
		r := c.post("/gov/login", creds, hdr...)
		wantStatus(t, r, http.StatusForbidden)
		wantText(t, r, zh("error.cross_origin"))
		wantRedirectPrefix(t, c.get("/gov/"), "/gov/login") // not signed in
	}

	// The platform's own pages: accepted.
	wantRedirect(t, e.client().post("/gov/login", creds, "Sec-Fetch-Site", "same-origin"), "/gov/")
	wantRedirect(t, e.client().post("/gov/login", creds, "Origin", e.http.URL), "/gov/")

	admin := e.signedIn("gov", "sysadmin")
	newUser := func(name string) url.Values {
		return url.Values{"username": {name}, "name": {"跨站测试"}, "roles": {"clerk"}, "district": {"110105"}}
	}
	exists := func(username string) bool {
		res, err := e.app.SearchUsers(sys, app.UserQuery{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range res.Users {
			if u.Username == username {
				return true
			}
		}
		return false
	}
	r := admin.post("/gov/admin/users", newUser("evil.one"), "Sec-Fetch-Site", "cross-site")
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("error.cross_origin"))
	r = admin.post("/gov/admin/users", newUser("evil.two"), "Origin", "http://evil.example")
	wantStatus(t, r, http.StatusForbidden)
	if exists("evil.one") || exists("evil.two") {
		t.Fatalf("a cross-origin POST created a user")
	}
	r = admin.post("/gov/admin/users", newUser("same.site"), "Sec-Fetch-Site", "same-origin")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("users.created_title"))
	if !exists("same.site") {
		t.Fatalf("a same-origin POST did not create the user")
	}

	// Logout and the language switch are state-changing too.
	wantStatus(t, admin.post("/gov/logout", nil, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	wantStatus(t, admin.get("/gov/"), http.StatusOK) // still signed in
	wantStatus(t, admin.post("/lang", url.Values{"lang": {"en"}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	if e.user("sysadmin").Lang == "en" {
		t.Errorf("a cross-origin POST /lang changed the user's language")
	}
	// A link from another site (a GET navigation) still opens the page.
	wantStatus(t, admin.get("/gov/", "Sec-Fetch-Site", "cross-site"), http.StatusOK)
}

var (
	reRequestID    = regexp.MustCompile(`^[0-9a-f]{16}$`)
	reInlineScript = regexp.MustCompile(`<script(\s[^>]*)?>`)
	reHandlerAttr  = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	reStyleAttr    = regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=`)
	reStylesheet   = regexp.MustCompile(`<link rel="stylesheet" href="(/static/[^"]+)">`)
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.client()
	clerk := e.signedIn("gov", "clerk")
	admin := e.signedIn("gov", "sysadmin")

	pages := []struct {
		name   string
		c      *client
		path   string
		status int
	}{
		{"public home", anon, "/", http.StatusOK},
		{"gov login", anon, "/gov/login", http.StatusOK},
		{"agency login", anon, "/agency/login", http.StatusOK},
		{"gov home", clerk, "/gov/", http.StatusOK},
		{"users", admin, "/gov/admin/users", http.StatusOK},
		{"user form", admin, "/gov/admin/users/new", http.StatusOK},
		{"not found", anon, "/no/such/page", http.StatusNotFound},
		{"forbidden", clerk, "/gov/admin/users", http.StatusForbidden},
		{"wrong portal", clerk, "/agency/", http.StatusForbidden},
		{"method not allowed", anon, "/gov/logout", http.StatusMethodNotAllowed},
	}
	seen := map[string]bool{}
	for _, p := range pages {
		r := p.c.get(p.path)
		wantStatus(t, r, p.status)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
			!strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "object-src 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", p.name, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", p.name, got)
		}
		if got := h.Get("Referrer-Policy"); got != "same-origin" && got != "no-referrer" && got != "strict-origin-when-cross-origin" {
			t.Errorf("%s: Referrer-Policy %q", p.name, got)
		}
		if got := h.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q (older browsers ignore frame-ancestors)", p.name, got)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Content-Type %q, Cache-Control %q", p.name, h.Get("Content-Type"), h.Get("Cache-Control"))
		}
		id := h.Get("X-Request-ID")
		if !reRequestID.MatchString(id) {
			t.Errorf("%s: X-Request-ID %q", p.name, id)
		}
		if seen[id] {
			t.Errorf("%s: X-Request-ID %q repeated", p.name, id)
		}
		seen[id] = true
		// The ID the user can quote is the one in the header (and the logs).
		if !strings.Contains(visibleText(r.body), zh("footer.request_id")+" "+id) {
			t.Errorf("%s: page does not print request ID %s", p.name, id)
		}
		if p.status >= 400 && !strings.Contains(r.body, zh("error.quote_id")+" <code>"+id+"</code>") {
			t.Errorf("%s: error page does not ask to quote request ID %s", p.name, id)
		}
		// No inline script or style for the CSP to block.
		for _, m := range reInlineScript.FindAllString(r.body, -1) {
			if !strings.Contains(m, " src=") {
				t.Errorf("%s: inline script %q", p.name, m)
			}
		}
		if m := reHandlerAttr.FindString(r.body); m != "" {
			t.Errorf("%s: inline event handler in %q", p.name, m)
		}
		if m := reStyleAttr.FindString(r.body); m != "" || strings.Contains(r.body, "<style") {
			t.Errorf("%s: inline style %q", p.name, m)
		}
	}

	r := anon.get("/healthz")
	if !reRequestID.MatchString(r.Header.Get("X-Request-ID")) {
		t.Errorf("/healthz: X-Request-ID %q", r.Header.Get("X-Request-ID"))
	}

	// Assets are embedded, content-hashed and cached for long.
	page := anon.get("/gov/login")
	m := reStylesheet.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no stylesheet link on the login page")
	}
	css := anon.get(m[1])
	wantStatus(t, css, http.StatusOK)
	if !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") || !strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("%s: Content-Type %q, Cache-Control %q", m[1], css.Header.Get("Content-Type"), css.Header.Get("Cache-Control"))
	}
	if strings.Contains(page.body, "//cdn") || regexp.MustCompile(`(src|href)="https?://`).MatchString(page.body) {
		t.Errorf("the login page loads something from elsewhere")
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.client().get("/healthz")
	wantStatus(t, r, http.StatusOK)
	if strings.TrimSpace(r.body) != "ok" {
		t.Errorf("/healthz body %q, want \"ok\"", r.body)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("/healthz Content-Type %q", r.Header.Get("Content-Type"))
	}
}
