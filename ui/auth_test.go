package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/app"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Many sign-ins from one address: TestLoginRateLimit covers the limit.
	e.setParams(app.ParamLoginRatePerMin, "600")

	t.Run("good credentials", func(t *testing.T) {
		c := e.client()
		r := c.login("gov", "clerk", app.DemoPassword)
		wantRedirect(t, r, "/gov/")
		var sess *http.Cookie
		for _, ck := range r.Cookies() {
			if ck.Name == "anju_session" {
				sess = ck
			}
		}
		if sess == nil || sess.Value == "" {
			t.Fatalf("no session cookie set at sign-in; Set-Cookie: %q", r.Header.Values("Set-Cookie"))
		}
		if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" {
			t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q, want HttpOnly, Lax, /", sess.HttpOnly, sess.SameSite, sess.Path)
		}
		if sess.Secure {
			t.Errorf("session cookie is Secure over plain HTTP: the browser would drop it")
		}
		home := c.get("/gov/")
		wantStatus(t, home, http.StatusOK)
		wantText(t, home, zh("home.welcome", "王芳"))
	})

	t.Run("wrong password", func(t *testing.T) {
		c := e.client()
		r := c.login("gov", "clerk", "not-the-password-1")
		wantStatus(t, r, http.StatusUnauthorized)
		wantText(t, r, zh("auth.bad_credentials"))
		wantInputValue(t, r, "username", "clerk")
		if v, _ := inputValue(r, "password"); v != "" {
			t.Errorf("the password is echoed back in the form: %q", v)
		}
		if c.cookie("anju_session") != "" {
			// A cookie may exist (flashes), but it must not sign in.
			wantRedirectPrefix(t, c.get("/gov/"), "/gov/login")
		}
	})

	t.Run("unknown user gets the same message", func(t *testing.T) {
		r := e.client().login("gov", "nobody.here", "whatever-Pass1")
		wantStatus(t, r, http.StatusUnauthorized)
		wantText(t, r, zh("auth.bad_credentials"))
	})

	t.Run("empty fields", func(t *testing.T) {
		r := e.client().post("/gov/login", url.Values{"username": {"  "}, "password": {""}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, zh("form.invalid"))
		wantFieldError(t, r, "username", zh("auth.username_required"))
		wantFieldError(t, r, "password", zh("auth.password_required"))

		r = e.client().post("/gov/login", url.Values{"username": {"clerk"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "username", "")
		wantFieldError(t, r, "password", zh("auth.password_required"))
		wantInputValue(t, r, "username", "clerk")
	})

	t.Run("wrong portal", func(t *testing.T) {
		r := e.client().login("agency", "clerk", app.DemoPassword)
		wantStatus(t, r, http.StatusForbidden)
		wantText(t, r, zh("auth.wrong_portal_gov"))
		r = e.client().login("gov", "agent.zhang", app.DemoPassword)
		wantStatus(t, r, http.StatusForbidden)
		wantText(t, r, zh("auth.wrong_portal_agency"))
	})

	t.Run("agency portal", func(t *testing.T) {
		c := e.signedIn("agency", "agent.zhang")
		r := c.get("/agency/")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, zh("home.welcome", "张伟"))
	})

	t.Run("back to the page asked for, never elsewhere", func(t *testing.T) {
		c := e.client()
		r := c.get("/gov/profile")
		wantRedirect(t, r, "/gov/login?next=%2Fgov%2Fprofile")
		form := c.get(r.Header.Get("Location"))
		wantStatus(t, form, http.StatusOK)
		wantInputValue(t, form, "next", "/gov/profile")
		r = c.post("/gov/login", url.Values{"username": {"clerk"}, "password": {app.DemoPassword}, "next": {"/gov/profile"}})
		wantRedirect(t, r, "/gov/profile")

		for _, next := range []string{"//evil.example/gov/", "https://evil.example/", "/agency/", "/gov/\\evil"} {
			r = e.client().post("/gov/login", url.Values{"username": {"clerk"}, "password": {app.DemoPassword}, "next": {next}})
			wantRedirect(t, r, "/gov/")
		}
	})

	t.Run("new cookie at each sign-in, logout ends the session", func(t *testing.T) {
		c := e.client()
		wantRedirect(t, c.login("gov", "reviewer", app.DemoPassword), "/gov/")
		first := c.cookie("anju_session")
		wantRedirect(t, c.login("gov", "reviewer", app.DemoPassword), "/gov/")
		second := c.cookie("anju_session")
		if first == "" || first == second {
			t.Fatalf("the session cookie did not change at the second sign-in")
		}
		wantStatus(t, c.get("/gov/"), http.StatusOK)

		if r := c.get("/gov/logout"); r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET /gov/logout: %d, want 405 (logout is a POST)", r.StatusCode)
		}
		r := c.post("/gov/logout", nil)
		wantRedirect(t, r, "/gov/login")
		wantText(t, c.get("/gov/login"), zh("auth.logged_out"))
		wantRedirect(t, c.get("/gov/"), "/gov/login?next=%2Fgov%2F")

		// The cookie the browser held before logging out is dead too.
		replay := e.client()
		replay.setCookie("anju_session", second)
		wantRedirect(t, replay.get("/gov/"), "/gov/login?next=%2Fgov%2F")

		entries, _, err := e.app.AuditLog(sys, app.AuditFilter{Username: "reviewer", Action: "auth.logout"})
		if err != nil || len(entries) != 1 {
			t.Errorf("audit of the logout: %d entries, err %v", len(entries), err)
		}
	})

	t.Run("already signed in: the login page goes home", func(t *testing.T) {
		c := e.signedIn("gov", "leader")
		wantRedirect(t, c.get("/gov/login"), "/gov/")
		// …but the other portal's sign-in page is still shown.
		wantStatus(t, c.get("/agency/login"), http.StatusOK)
	})
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnvClock(t, clk)
	// This is about the per-account lock; lift the per-IP sign-in limit.
	e.setParams(app.ParamLoginRatePerMin, "600")
	locked := zh("auth.locked", 15)

	c := e.client()
	for i := 1; i <= 4; i++ {
		r := c.login("gov", "clerk", "Wrong-password-1")
		wantStatus(t, r, http.StatusUnauthorized)
		wantText(t, r, zh("auth.bad_credentials"))
	}
	r := c.login("gov", "clerk", "Wrong-password-1")
	wantStatus(t, r, http.StatusTooManyRequests)
	wantText(t, r, locked)
	wantInputValue(t, r, "username", "clerk")

	// A moment later, even the right password is refused, from any browser.
	clk.Advance(30 * time.Second)
	r = e.client().login("gov", "clerk", app.DemoPassword)
	wantStatus(t, r, http.StatusTooManyRequests)
	wantText(t, r, locked)

	// The lock ends by itself after login.lock_minutes.
	clk.Advance(15 * time.Minute)
	wantRedirect(t, e.client().login("gov", "clerk", app.DemoPassword), "/gov/")

	t.Run("reset password unlocks", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			c.login("gov", "reviewer", "Wrong-password-1")
		}
		r := c.login("gov", "reviewer", app.DemoPassword)
		wantStatus(t, r, http.StatusTooManyRequests)
		_, pw, err := e.app.ResetPassword(sys, e.userID("reviewer"))
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e.client().login("gov", "reviewer", app.DemoPassword), http.StatusUnauthorized)
		wantRedirect(t, e.client().login("gov", "reviewer", pw), "/gov/password")
	})

	t.Run("count from login.max_failures", func(t *testing.T) {
		e.setParams(app.ParamLoginMaxFails, "3", app.ParamLoginLockMins, "20")
		for i := 1; i <= 2; i++ {
			wantStatus(t, c.login("gov", "leader", "Wrong-password-1"), http.StatusUnauthorized)
		}
		r := c.login("gov", "leader", "Wrong-password-1")
		wantStatus(t, r, http.StatusTooManyRequests)
		wantText(t, r, zh("auth.locked", 20))
		// Minutes left are rounded up, and exact: 20 at once, 19 a minute
		// later, 19 again with 18½ left.
		wantText(t, e.client().login("gov", "leader", app.DemoPassword), zh("auth.locked", 20))
		clk.Advance(time.Minute)
		wantText(t, e.client().login("gov", "leader", app.DemoPassword), zh("auth.locked", 19))
		clk.Advance(30 * time.Second)
		wantText(t, e.client().login("gov", "leader", app.DemoPassword), zh("auth.locked", 19))
	})
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamLoginRatePerMin, "5")
	c := e.client()
	for i := 0; i < 5; i++ {
		// Empty forms cost no password hashing but count as attempts.
		wantStatus(t, c.post("/gov/login", url.Values{"username": {"x"}}), http.StatusUnprocessableEntity)
	}
	r := e.client().login("gov", "clerk", app.DemoPassword)
	wantStatus(t, r, http.StatusTooManyRequests)
	wantText(t, r, zh("auth.rate_limited"))
}

func TestForcedPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, pw, err := e.app.CreateUser(sys, app.UserInput{Username: "wang.lei", Name: "王磊",
		Roles: []app.Role{app.RoleClerk}, District: "110105"})
	if err != nil {
		t.Fatal(err)
	}

	c := e.client()
	wantRedirect(t, c.login("gov", "wang.lei", pw), "/gov/password")
	other := e.client() // the same user in a second browser
	wantRedirect(t, other.login("gov", "wang.lei", pw), "/gov/password")

	for _, p := range []string{"/gov/", "/gov/profile", "/gov/admin/users", "/gov/admin/status"} {
		wantRedirect(t, c.get(p), "/gov/password")
	}
	form := c.get("/gov/password")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, zh("password.must_change"), zh("password.current_onetime"))

	good := "Qingshui-Lane-88"
	cases := []struct {
		name                  string
		current, next, repeat string
		field, key            string
	}{
		{"too short", pw, "Ab1-short", "Ab1-short", "new", "password.short"},
		{"one class", pw, "abcdefghijkl", "abcdefghijkl", "new", "password.one_class"},
		{"contains username", pw, "Wang.Lei-2026", "Wang.Lei-2026", "new", "password.contains_username"},
		{"common", pw, "password123", "password123", "new", "password.common"},
		{"mismatch", pw, good, good + "x", "confirm", "password.mismatch"},
		{"wrong current", "not-it-Abc1", good, good, "current", "password.current_wrong"},
		{"same as old", pw, pw, pw, "new", "password.same_as_old"},
	}
	for _, tc := range cases {
		r := c.post("/gov/password", url.Values{"current": {tc.current}, "new": {tc.next}, "confirm": {tc.repeat}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, tc.field, zh(tc.key))
		wantText(t, r, zh("form.invalid"))
		for _, f := range []string{"current", "new", "confirm"} {
			if v, _ := inputValue(r, f); v != "" {
				t.Errorf("%s: password field %q echoed back", tc.name, f)
			}
		}
	}
	// Still held at the change page.
	wantRedirect(t, c.get("/gov/"), "/gov/password")

	r := c.post("/gov/password", url.Values{"current": {pw}, "new": {good}, "confirm": {good}})
	wantRedirect(t, r, "/gov/")
	home := c.get("/gov/")
	wantStatus(t, home, http.StatusOK)
	wantText(t, home, zh("password.changed"), zh("home.welcome", "王磊"))
	wantStatus(t, c.get("/gov/profile"), http.StatusOK)

	// The other browser's session ended; this one stays.
	wantRedirect(t, other.get("/gov/password"), "/gov/login?next=%2Fgov%2Fpassword")
	wantStatus(t, c.get("/gov/"), http.StatusOK)

	stored, err := e.app.GetUser(sys, u.ID)
	if err != nil || stored.MustChangePassword {
		t.Fatalf("after the change: must change = %v, err %v", stored != nil && stored.MustChangePassword, err)
	}
	wantStatus(t, e.client().login("gov", "wang.lei", pw), http.StatusUnauthorized)
	wantRedirect(t, e.client().login("gov", "wang.lei", good), "/gov/")
	if !hasAction(e.auditActions("user/"+itoa(u.ID)), "user.password_change") {
		t.Errorf("no audit entry user.password_change")
	}

	t.Run("first administrator", func(t *testing.T) {
		// The password BootstrapAdmin printed on the console works once,
		// for setting a new one.
		c := e.client()
		wantRedirect(t, c.login("gov", "admin", e.admin), "/gov/password")
		wantRedirect(t, c.get("/gov/admin/users"), "/gov/password")
		wantText(t, c.get("/gov/password"), zh("password.must_change"))
	})

	t.Run("change from the profile", func(t *testing.T) {
		c := e.signedIn("agency", "agent.zhang")
		wantText(t, c.get("/agency/profile"), zh("profile.change_password"))
		f := c.get("/agency/password")
		wantStatus(t, f, http.StatusOK)
		wantNoText(t, f, zh("password.must_change"))
		r := c.post("/agency/password", url.Values{"current": {app.DemoPassword}, "new": {good}, "confirm": {good}})
		wantRedirect(t, r, "/agency/")
		wantText(t, c.get("/agency/"), zh("password.changed"))
	})
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnvClock(t, clk)
	c := e.signedIn("gov", "clerk")

	// Activity keeps the session: 20 + 20 minutes with a request between.
	clk.Advance(20 * time.Minute)
	wantStatus(t, c.get("/gov/"), http.StatusOK)
	clk.Advance(20 * time.Minute)
	wantStatus(t, c.get("/gov/profile"), http.StatusOK)

	clk.Advance(31 * time.Minute)
	r := c.get("/gov/profile")
	wantRedirect(t, r, "/gov/login?next=%2Fgov%2Fprofile")
	login := c.get(r.Header.Get("Location"))
	wantStatus(t, login, http.StatusOK)
	wantText(t, login, zh("session.expired"))
	// The notice is shown once.
	wantNoText(t, c.get("/gov/login"), zh("session.expired"))
	wantRedirectPrefix(t, c.get("/gov/"), "/gov/login")
}

func hasAction(entries []*app.AuditEntry, action string) bool {
	for _, en := range entries {
		if en.Action == action {
			return true
		}
	}
	return false
}

func actions(entries []*app.AuditEntry) string {
	var s []string
	for _, en := range entries {
		s = append(s, en.Action)
	}
	return strings.Join(s, ",")
}

// TestPasswordAdviceNamesWhoResets: each portal's login page and each
// user's first-login page name whoever resets or issued the password.
func TestPasswordAdviceNamesWhoResets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.client().get("/agency/login")
	wantText(t, r, zh("login.forgot_agency"))
	wantNoText(t, r, "系统管理 → 用户管理")
	wantText(t, e.client().get("/gov/login"), zh("login.forgot_gov"))

	firstLogin := func(portal, username, password string) *resp {
		t.Helper()
		c := e.client()
		wantRedirect(t, c.login(portal, username, password), "/"+portal+"/password")
		r := c.get("/" + portal + "/password")
		wantStatus(t, r, http.StatusOK)
		return r
	}
	// Staff: from the agency's admin.
	admin := e.signedIn("agency", "anju.admin")
	r = admin.post("/agency/staff", url.Values{"username": {"agent.new"}, "name": {"王新"}})
	wantStatus(t, r, http.StatusOK)
	r = firstLogin("agency", "agent.new", oneTimePassword(t, r))
	wantText(t, r, zh("password.current_onetime_agency"))
	wantNoText(t, r, zh("password.current_onetime"))
	// The agency's admin: from the bureau.
	_, pw, err := e.app.ResetPassword(sys, e.userID("anju.admin"))
	if err != nil {
		t.Fatal(err)
	}
	r = firstLogin("agency", "anju.admin", pw)
	wantText(t, r, zh("password.current_onetime_agency_admin"))
	wantNoText(t, r, zh("password.current_onetime"))
	// The first sysadmin: from the console.
	r = firstLogin("gov", "admin", e.admin)
	wantText(t, r, zh("password.current_onetime_sysadmin"))
	wantNoText(t, r, zh("password.current_onetime"))
}

// portalCrossing is a user of one portal (own) at the other portal's
// addresses: each portal's menu has a link the other's has not.
type portalCrossing struct {
	user, name, own, other string
	ownMenu, otherMenu     string
	otherPage              string // a page of the other portal
}

// portalCrossings: an agency admin at the government portal and a clerk at
// the agency portal; each is the other's account to sign in with there.
var portalCrossings = []portalCrossing{
	{"leju.admin", "李娜", "agency", "gov", `href="/agency/credit"`, `href="/gov/stats"`, "/gov/contracts"},
	{"clerk", "王芳", "gov", "agency", `href="/gov/verifications"`, `href="/agency/card"`, "/agency/contracts"},
}

// crossPortals runs check for each crossing in each language, with the
// user signed in to his own portal and the messages of that language.
func crossPortals(t *testing.T, e *env, check func(tc, otherUser portalCrossing, c *client, tr func(string, ...any) string)) {
	t.Helper()
	for i, tc := range portalCrossings {
		for _, lang := range []string{"zh-CN", "en"} {
			tr := zh
			if lang == "en" {
				tr = en
			}
			c := e.signedIn(tc.own, tc.user)
			c.header.Set("Accept-Language", lang)
			check(tc, portalCrossings[1-i], c, tr)
		}
	}
}

// TestOtherPortalInOwnFrame: a signed-in user who opens the other portal's
// address is refused (or told the page is not there) in his own portal's
// frame: its menu, its sign-out, which works, and a link to its home; in
// either language. Before, an agency user on /gov/… got the government
// menu, every item refused again, and a sign-out that answered 403.
func TestOtherPortalInOwnFrame(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	crossPortals(t, e, func(tc, _ portalCrossing, c *client, tr func(string, ...any) string) {
		for _, p := range []struct {
			path   string
			status int
			key    string
		}{{tc.otherPage, http.StatusForbidden, "error.wrong_portal_signed_in"}, {"/" + tc.other + "/no-such-page", http.StatusNotFound, "error.not_found"}} {
			r := c.get(p.path)
			wantStatus(t, r, p.status)
			wantText(t, r, tr(p.key), `class="portal-`+tc.own+` signed-in"`, tc.ownMenu,
				`action="/`+tc.own+`/logout"`, `<a href="/`+tc.own+`/">`+tr("error.back_home")+`</a>`)
			wantNoText(t, r, tc.otherMenu, `action="/`+tc.other+`/logout"`)
		}
		// The sign-out the page offers works: the session ends.
		wantRedirect(t, c.post("/"+tc.own+"/logout", nil), "/"+tc.own+"/login")
		wantRedirect(t, c.get("/"+tc.own+"/"), "/"+tc.own+"/login?next=%2F"+tc.own+"%2F")

		// The other portal's sign-out signs him out too, to his own sign-in.
		c = e.signedIn(tc.own, tc.user)
		wantRedirect(t, c.post("/"+tc.other+"/logout", nil), "/"+tc.own+"/login")
		wantRedirect(t, c.get("/"+tc.own+"/"), "/"+tc.own+"/login?next=%2F"+tc.own+"%2F")
	})
}

// A user signed in to one portal who opens the other's sign-in page sees
// that page as anyone would, not framed by a menu of links he may not open,
// and is told that signing in there ends his session; signing in there
// replaces it with the other account's.
func TestOtherPortalSignInPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	crossPortals(t, e, func(tc, there portalCrossing, c *client, tr func(string, ...any) string) {
		for _, r := range []*resp{
			c.get("/" + tc.other + "/login"),
			c.post("/"+tc.other+"/login", url.Values{"username": {there.user}, "password": {"wrong-password"}}),
		} {
			wantText(t, r, tr("login.title_"+tc.other), `action="/`+tc.other+`/login"`,
				tr("login.signed_in_elsewhere_"+tc.own, tc.name, tc.user),
				`<a href="/`+tc.own+`/">`+tr("login.back_to_"+tc.own)+`</a>`)
			wantText(t, r, `class="portal-`+tc.other+` signed-in-elsewhere"`)
			wantNoText(t, r, tc.otherMenu, `action="/`+tc.other+`/logout"`, `href="/`+tc.other+`/profile"`)
		}
		// Signing in there replaces his session with the other account's.
		// (The wrong password above counts once per language; the lockout
		// needs more.)
		r := c.post("/"+tc.other+"/login", url.Values{"username": {there.user}, "password": {app.DemoPassword}})
		wantRedirect(t, r, "/"+tc.other+"/")
		wantText(t, wantOK(t, c.get("/"+tc.other+"/")), `class="portal-`+tc.other+` signed-in"`, there.name, tc.otherMenu)
	})
}

// Wrong current passwords on the change-password page lock the account as
// wrong passwords at sign-in do: before, a stolen session could guess the
// password without limit.
func TestPasswordPageLocksAfterWrongCurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct{ portal, user, lang, key string }{
		{"gov", "leader", "zh-CN", "auth.locked"},
		{"agency", "agent.zhang", "en", "auth.locked_agency"},
	} {
		other := e.signedIn(tc.portal, tc.user) // the user's own, in another browser
		other.header.Set("Accept-Language", tc.lang)
		c := e.signedIn(tc.portal, tc.user)
		c.header.Set("Accept-Language", tc.lang)
		good := "Fresh-Password-2026"
		for i := 1; i < 5; i++ {
			r := c.post("/"+tc.portal+"/password", url.Values{"current": {"Guess-" + itoa(uint64(i))}, "new": {good}, "confirm": {good}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantFieldError(t, r, "current", msg(tc.lang, "password.current_wrong"))
		}
		// The fifth locks the account and signs this browser out, to the
		// sign-in page with the lock's message, as at sign-in.
		r := c.post("/"+tc.portal+"/password", url.Values{"current": {"Guess-5"}, "new": {good}, "confirm": {good}})
		wantStatus(t, r, http.StatusTooManyRequests)
		wantText(t, r, msg(tc.lang, tc.key, 15), `action="/`+tc.portal+`/login"`)
		wantNoText(t, r, `action="/`+tc.portal+`/logout"`)
		wantRedirectPrefix(t, c.get("/"+tc.portal+"/"), "/"+tc.portal+"/login")
		wantRedirectPrefix(t, c.post("/"+tc.portal+"/password", url.Values{"current": {app.DemoPassword}, "new": {good}, "confirm": {good}}),
			"/"+tc.portal+"/login")
		// The right password is refused too while the lock lasts, and
		// the browser that tries it is signed out as well.
		r = other.post("/"+tc.portal+"/password", url.Values{"current": {app.DemoPassword}, "new": {good}, "confirm": {good}})
		wantStatus(t, r, http.StatusTooManyRequests)
		wantText(t, r, msg(tc.lang, tc.key, 15))
		wantRedirectPrefix(t, other.get("/"+tc.portal+"/"), "/"+tc.portal+"/login")
		r = e.client().login(tc.portal, tc.user, app.DemoPassword)
		wantStatus(t, r, http.StatusTooManyRequests)
		u := e.user(tc.user)
		var failed int
		for _, a := range e.auditActions("user/" + itoa(u.ID)) {
			if a.Action == "user.password_change_failed" {
				failed++
			}
		}
		if failed != 5 {
			t.Errorf("%s: %d user.password_change_failed audit entries, want 5", tc.user, failed)
		}
	}
}

// TestProfileShowsThePreviousSignIn: the profile's 上次登录 is the sign-in
// before the reader's own (which he knows), or one made after it in
// another browser: what tells him someone else used his account.
func TestProfileShowsThePreviousSignIn(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnvClock(t, clk)
	zhTime := func(t time.Time) string { return t.Local().Format("2006年1月2日 15:04") }
	enTime := func(t time.Time) string { return t.Local().Format("2 Jan 2006 15:04") }

	// A day on: the demo's records (the password's change) are of now.
	clk.Advance(25 * time.Hour)
	t0 := clk.Now()
	first := e.signedIn("gov", "clerk")
	r := wantOK(t, first.get("/gov/profile"))
	wantText(t, r, zh("profile.no_last_login"))
	wantNoText(t, r, zhTime(t0))

	clk.Advance(20 * time.Minute)
	t1 := clk.Now()
	second := e.signedIn("gov", "clerk")
	r = wantOK(t, second.get("/gov/profile"))
	wantText(t, r, zhTime(t0)+" · 127.0.0.1")
	wantNoText(t, r, zhTime(t1), zh("profile.no_last_login"))
	second.header.Set("Accept-Language", "en")
	wantText(t, second.get("/gov/profile"), en("profile.last_login"), enTime(t0)+" · 127.0.0.1")

	// The first browser sees the later sign-in, not its own.
	r = wantOK(t, first.get("/gov/profile"))
	wantText(t, r, zhTime(t1)+" · 127.0.0.1")
	wantNoText(t, r, zhTime(t0))

	// A password reset by the sysadmin keeps the record: after signing in
	// with the new password, the clerk still sees his sign-in before it.
	clk.Advance(20 * time.Minute)
	admin := e.signedIn("gov", "sysadmin")
	slip := wantOK(t, admin.post("/gov/admin/users/"+itoa(e.userID("clerk"))+"/reset-password", nil))
	clk.Advance(20 * time.Minute)
	third := e.client()
	once := oneTimePassword(t, slip)
	wantRedirect(t, third.login("gov", "clerk", once), "/gov/password")
	good := "Fresh-Password-2026"
	wantRedirect(t, third.post("/gov/password", url.Values{"current": {once}, "new": {good}, "confirm": {good}}), "/gov/")
	r = wantOK(t, third.get("/gov/profile"))
	wantText(t, r, zhTime(t1)+" · 127.0.0.1")
	wantNoText(t, r, zh("profile.no_last_login"))
}

// TestPasswordPageEmptyFields: a change-password form sent with nothing
// typed says what is missing beside each field; an empty current password
// is no wrong guess and does not bring the lock nearer.
func TestPasswordPageEmptyFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("gov", "leader")
	for _, lang := range []string{"zh-CN", "en"} {
		c.header.Set("Accept-Language", lang)
		for range 5 {
			r := c.post("/gov/password", url.Values{"current": {""}, "new": {""}, "confirm": {""}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantFieldError(t, r, "current", msg(lang, "password.current_required"))
			wantFieldError(t, r, "new", msg(lang, "password.new_required"))
		}
	}
	// The rules above the form name the classes the policy counts, as its
	// message does: upper- and lower-case letters are two of them, and a
	// password of both is accepted.
	for _, lang := range []string{"zh-CN", "en"} {
		c.header.Set("Accept-Language", lang)
		wantText(t, c.get("/gov/password"), msg(lang, "password.rules"))
	}
	for _, class := range []string{"小写字母", "大写字母", "数字", "符号"} {
		if !strings.Contains(zh("password.rules"), class) {
			t.Errorf("the password rules do not name %s: %s", class, zh("password.rules"))
		}
	}
	for _, class := range []string{"lower-case", "upper-case", "digits", "symbols"} {
		if !strings.Contains(en("password.rules"), class) {
			t.Errorf("the password rules do not name %s: %s", class, en("password.rules"))
		}
	}
	if hasAction(e.auditActions("user/"+itoa(e.userID("leader"))), "user.password_change_failed") {
		t.Error("an empty current password was counted as a wrong one")
	}
	good := "FreshPasswordLetters"
	wantRedirect(t, c.post("/gov/password", url.Values{"current": {app.DemoPassword}, "new": {good}, "confirm": {good}}), "/gov/")
}
