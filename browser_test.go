package main

// Browser (end-to-end) tests: the real platform, served in-process, driven
// in Debian's Chromium with chromedp. They assert what a user sees: the
// texts of ui/messages on the page and the paths of the pages. They skip
// where no Chromium is found, unless ANJU_REQUIRE_BROWSER=1 (CI).
//
//	go test -race -run Browser -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserScreenshots -v .   # docs/screenshots/*.png

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anju/app"
)

const (
	zh = "zh-CN"
	en = "en"
)

// TestBrowserFirstAdminFlow is the first day of a district: the first admin
// signs in with the password printed on the console, sets a password,
// creates a clerk; the clerk signs in, sets a password and works in English
// and in Chinese.
func TestBrowserFirstAdminFlow(t *testing.T) {
	p, b := startBrowserTest(t, false, zh)
	const adminPassword = "Qingshui#River27"
	const clerkPassword = "Hezuo-Lane-4821"
	var clerkOneTime string

	ok := t.Run("admin sets a password", func(t *testing.T) {
		b := b.on(t)
		if st := b.open("/gov/login"); st != 200 {
			t.Fatalf("/gov/login answered %d", st)
		}
		b.expectText(msg(t, zh, "login.title_gov"), msg(t, zh, "login.username"), msg(t, zh, "login.password"))

		b.signIn("gov", "admin", p.adminPassword(t))
		b.expectPath("/gov/password")
		b.expectText(msg(t, zh, "password.must_change"), msg(t, zh, "password.current_onetime_sysadmin"))

		// Too short: the message stands next to the new-password field,
		// and the rest of the page is as it was.
		if st := b.changePassword(p.adminPassword(t), "Ab12345", "Ab12345"); st != 422 {
			t.Errorf("a too-short password answered %d, want 422", st)
		}
		b.expectPath("/gov/password")
		b.expectFieldError("new", msg(t, zh, "password.short"))
		for _, f := range []string{"current", "confirm"} {
			if e := b.fieldError(f); e.Text != "" {
				t.Errorf("field %q shows %q, though it was right", f, e.Text)
			}
		}
		b.expectText(msg(t, zh, "form.invalid"), msg(t, zh, "password.must_change"),
			msg(t, zh, "password.current_onetime_sysadmin"), msg(t, zh, "password.rules"))
		// Still signed in, still held on this page.
		b.expectText("系统管理员", msg(t, zh, "nav.logout"))

		if st := b.changePassword(p.adminPassword(t), adminPassword, adminPassword); st != 200 {
			t.Fatalf("a good password answered %d", st)
		}
		b.expectPath("/gov/")
		b.expectText("您好", msg(t, zh, "home.welcome", "系统管理员"), msg(t, zh, "password.changed"))
	})
	if !ok {
		return
	}

	ok = t.Run("admin creates a clerk", func(t *testing.T) {
		b := b.on(t)
		b.submit(`nav.sidenav a[href="/gov/admin/users"]`)
		b.expectPath("/gov/admin/users")
		b.expectText(msg(t, zh, "users.title"))
		b.submit(`a[href="/gov/admin/users/new"]`)
		b.expectPath("/gov/admin/users/new")
		b.expectText(msg(t, zh, "users.new"), msg(t, zh, "users.username"), msg(t, zh, "users.name"), msg(t, zh, "users.roles"))

		// Empty: each required field says what is missing.
		if st := b.submit(`form.form button[type=submit]`); st != 422 {
			t.Errorf("an empty user form answered %d, want 422", st)
		}
		b.expectText(msg(t, zh, "form.invalid"))
		b.expectFieldError("username", msg(t, zh, "user.username_required"))
		b.expectFieldError("name", msg(t, zh, "user.name_required"))
		b.expectFieldError("roles", msg(t, zh, "user.roles_required"))

		b.fill("username", "clerk1")
		b.fill("name", "王小明")
		b.click(`input[name=roles][value=clerk]`)
		b.choose("district", "city") // 全市: a choice of its own, never the default
		if got := eval[string](b, `document.querySelector("#district option:checked").textContent`); got != msg(t, zh, "jurisdiction.city") {
			t.Errorf("jurisdiction shows %q, want %q", got, msg(t, zh, "jurisdiction.city"))
		}
		if st := b.submit(`form.form button[type=submit]`); st != 200 {
			t.Fatalf("creating the clerk answered %d", st)
		}
		b.expectText(msg(t, zh, "users.created_title"), "王小明", "clerk1", msg(t, zh, "users.onetime_note"), "/gov/login")
		clerkOneTime = strings.TrimSpace(eval[string](b, `document.getElementById("onetime").innerText`))
		if len(clerkOneTime) < 8 {
			t.Fatalf("the one-time password shown is %q", clerkOneTime)
		}

		// In the list, with the notice that the password is to be changed.
		b.open("/gov/admin/users")
		b.expectText("clerk1", "王小明", msg(t, zh, "role.clerk"), msg(t, zh, "users.must_change"))

		// One Chinese character of the name finds the clerk, and only him.
		b.fill("q", "明")
		b.submit(`form[role=search] button[type=submit]`)
		if got := b.path(); got != "/gov/admin/users" {
			t.Fatalf("search went to %s", got)
		}
		rows := eval[[]string](b, `[...document.querySelectorAll("table.list tbody tr td:first-child")].map(td => td.innerText.trim())`)
		if len(rows) != 1 || rows[0] != "clerk1" {
			t.Fatalf("searching 明 lists %q, want [clerk1]; the page shows:\n%s", rows, excerpt(b.text()))
		}
		b.expectText("王小明", msg(t, zh, "list.total", 1))
		if got := b.value("q"); got != "明" {
			t.Errorf("the search box holds %q after the search, want 明", got)
		}

		b.signOut()
		b.expectPath("/gov/login")
		b.expectText(msg(t, zh, "auth.logged_out"))
	})
	if !ok {
		return
	}

	t.Run("clerk signs in and switches language", func(t *testing.T) {
		b := b.on(t)
		b.signIn("gov", "clerk1", clerkOneTime)
		b.expectPath("/gov/password")
		b.expectText(msg(t, zh, "password.must_change"))
		if st := b.changePassword(clerkOneTime, clerkPassword, clerkPassword); st != 200 {
			t.Fatalf("the clerk's new password answered %d; the page shows:\n%s", st, excerpt(b.text()))
		}
		b.expectPath("/gov/")
		b.expectText(msg(t, zh, "home.welcome", "王小明"), msg(t, zh, "role.clerk"), msg(t, zh, "jurisdiction.city"))
		b.expectNoText(msg(t, zh, "nav.users")) // a clerk manages no users

		b.switchLanguage(en)
		b.expectPath("/gov/")
		b.expectText("Welcome", msg(t, en, "home.welcome", "王小明"), msg(t, en, "nav.logout"))
		b.expectNoText("您好")

		b.signOut()
		b.expectPath("/gov/login")
		b.expectText(msg(t, en, "login.title_gov"), msg(t, en, "auth.logged_out"))
		// The cookie keeps English for the next visitor of this browser.
		b.open("/gov/login")
		b.expectText(msg(t, en, "login.title_gov"), msg(t, en, "login.submit"))

		// Without the cookie the sign-in page is Chinese again; signed
		// in, the account remembers English.
		b.clearCookies()
		b.open("/gov/login")
		b.expectText(msg(t, zh, "login.title_gov"))
		b.signIn("gov", "clerk1", clerkPassword)
		b.expectPath("/gov/")
		b.expectText(msg(t, en, "home.welcome", "王小明"))
		b.open("/gov/profile")
		b.expectText(msg(t, en, "profile.title"), msg(t, en, "profile.last_login"), msg(t, en, "role.clerk"), "clerk1")

		b.switchLanguage(zh)
		b.expectPath("/gov/profile")
		b.expectText(msg(t, zh, "profile.title"), msg(t, zh, "profile.last_login"), msg(t, zh, "role.clerk"))
		b.expectNoText(msg(t, en, "profile.title"))
	})
}

// TestBrowserLockout: five wrong passwords lock the account, and the user
// is told so plainly, even when the right password follows.
func TestBrowserLockout(t *testing.T) {
	p, b := startBrowserTest(t, false, zh)
	b.open("/gov/login")
	for i := 1; i <= 4; i++ {
		if st := b.submitLogin("admin", "Wrong-password-1"); st != 401 {
			t.Errorf("wrong password %d answered %d, want 401", i, st)
		}
		b.expectPath("/gov/login")
		b.expectText(msg(t, zh, "auth.bad_credentials"))
		if got := b.value("username"); got != "admin" {
			t.Errorf("after a failed sign-in the user name field holds %q, want admin", got)
		}
	}
	b.submitLogin("admin", "Wrong-password-1")
	locked := msg(t, zh, "auth.locked", 15)
	if !strings.Contains(locked, "锁定") {
		t.Fatalf("the lockout message %q does not say 锁定", locked)
	}
	b.expectPath("/gov/login")
	b.expectText(locked)

	// The right password does not open a locked account.
	b.submitLogin("admin", p.adminPassword(t))
	b.expectPath("/gov/login")
	b.expectText("锁定")
}

// TestBrowserForbidden: a clerk who opens the user management gets the
// error page that says the role does not allow it.
func TestBrowserForbidden(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.signIn("gov", "clerk", app.DemoPassword)
	b.expectPath("/gov/")
	b.expectText(msg(t, zh, "home.welcome", "王芳"))
	b.expectNoText(msg(t, zh, "nav.users"), msg(t, zh, "nav.system"))

	if st := b.open("/gov/admin/users"); st != 403 {
		t.Errorf("/gov/admin/users answered %d to a clerk, want 403", st)
	}
	b.expectPath("/gov/admin/users")
	b.expectText(msg(t, zh, "error.forbidden_title"), msg(t, zh, "error.forbidden"), msg(t, zh, "error.quote_id"), msg(t, zh, "error.back_home"))
	b.expectNoText(msg(t, zh, "users.search_placeholder"), "clerk.hd")
}

// TestBrowserAgencyPortal: an agent signs in at the agency portal; a
// government account is sent to its own portal, and the reverse.
func TestBrowserAgencyPortal(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.signIn("agency", "agent.zhang", app.DemoPassword)
	b.expectPath("/agency/")
	b.expectText(msg(t, zh, "home.welcome", "张伟"), msg(t, zh, "role.agent"), msg(t, zh, "portal.agency"))
	b.signOut()
	b.expectPath("/agency/login")
	b.expectText(msg(t, zh, "login.title_agency"), msg(t, zh, "auth.logged_out"))

	b.submitLogin("clerk", app.DemoPassword)
	b.expectPath("/agency/login")
	b.expectText(msg(t, zh, "auth.wrong_portal_gov"))

	b.signIn("gov", "agent.zhang", app.DemoPassword)
	b.expectPath("/gov/login")
	b.expectText(msg(t, zh, "auth.wrong_portal_agency"))
}

// TestBrowserAuditWalk: the sysadmin sees when the whole audit chain was
// last walked, and walks it again with the audit page's button.
func TestBrowserAuditWalk(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.signIn("gov", "sysadmin", app.DemoPassword)
	b.expectPath("/gov/")
	if st := b.open("/gov/admin/audit"); st != 200 {
		t.Fatalf("audit page answered %d:\n%s", st, excerpt(b.text()))
	}
	b.expectText(msg(t, zh, "audit.full_at", ""), msg(t, zh, "audit.walk_hint"))
	if st := b.submit(`form.audit-walk button[type=submit]`); st != 200 {
		t.Fatalf("the walk button answered %d:\n%s", st, excerpt(b.text()))
	}
	b.expectPath("/gov/admin/audit")
	b.expectText(msg(t, zh, "audit.walk_started"), msg(t, zh, "audit.walk_now"))

	b.switchLanguage(en)
	b.expectPath("/gov/admin/audit")
	b.expectText(msg(t, en, "audit.walk_now"), msg(t, en, "audit.walk_hint"))
	if st := b.open("/gov/admin/status"); st != 200 {
		t.Fatalf("status page answered %d", st)
	}
	b.expectText(msg(t, en, "status.audit"), msg(t, en, "audit.full_at", ""))
}

// TestBrowserScreenshots writes the screenshots of docs/screenshots (for the
// README and for review). It runs only with ANJU_SCREENSHOTS=1.
func TestBrowserScreenshots(t *testing.T) {
	if os.Getenv("ANJU_SCREENSHOTS") != "1" {
		t.Skip("set ANJU_SCREENSHOTS=1 to write docs/screenshots/*.png")
	}
	dir := filepath.Join("docs", "screenshots")
	// Full-page versions, for review only, go to ANJU_SCREENSHOTS_FULL.
	full := os.Getenv("ANJU_SCREENSHOTS_FULL")
	shoot := func(b *browser, name string) {
		t.Helper()
		b.screenshot(filepath.Join(dir, name), false)
		if full != "" {
			b.screenshot(filepath.Join(full, name), true)
		}
	}
	_, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 800, false)
	// page opens path and checks that it is the page headed heading.
	page := func(path, heading string) {
		t.Helper()
		if st := b.open(path); st != 200 {
			t.Fatalf("%s answered %d; it shows:\n%s", path, st, excerpt(b.text()))
		}
		b.expectHeading(heading)
	}

	page("/gov/login", msg(t, zh, "login.title_gov"))
	shoot(b, "login-zh.png")

	b.submitLogin("sysadmin", app.DemoPassword)
	b.expectPath("/gov/")

	page("/gov/admin/users", msg(t, zh, "users.title"))
	b.expectText("王芳", "agent.zhang")
	shoot(b, "users-zh.png")

	page("/gov/admin/status", msg(t, zh, "status.title"))
	shoot(b, "status-zh.png")

	page("/gov/admin/params", msg(t, zh, "params.title"))
	shoot(b, "params-zh.png")

	page("/gov/admin/audit", msg(t, zh, "audit.title"))
	shoot(b, "audit-zh.png")

	page("/gov/admin/users/new", msg(t, zh, "users.new"))
	b.switchLanguage(en)
	b.expectHeading(msg(t, en, "users.new"))
	b.fill("phone", "1381234")
	if st := b.submit(`form.form button[type=submit]`); st != 422 {
		t.Errorf("the empty user form answered %d, want 422", st)
	}
	b.expectFieldError("name", msg(t, en, "user.name_required"))
	b.expectFieldError("roles", msg(t, en, "user.roles_required"))
	shoot(b, "user-form-en.png")
	b.switchLanguage(zh)

	b.signOut()
	b.viewport(390, 844, true)
	if st := b.open("/"); st != 200 {
		t.Fatalf("/ answered %d", st)
	}
	b.expectText(msg(t, zh, "public.gov_login"), msg(t, zh, "public.agency_login"))
	shoot(b, "public-mobile.png")
}
