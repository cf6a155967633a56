package ui_test

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/app"
	"anju/ui"
)

var reUserLink = regexp.MustCompile(`href="/gov/admin/users/([0-9]+)"`)

func TestUsersAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	countUsers := func() int {
		res, err := e.app.SearchUsers(sys, app.UserQuery{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	before := countUsers()

	form := wantOK(t, admin.get("/gov/admin/users/new"))
	wantText(t, form, zh("users.new"), zh("role.clerk"), zh("role.agent"), "朝阳区")

	t.Run("invalid input is shown again with each field's message", func(t *testing.T) {
		r := admin.post("/gov/admin/users", url.Values{"username": {"9 bad"}, "name": {""}, "phone": {"12345"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, zh("form.invalid"))
		wantFieldError(t, r, "username", zh("user.username_invalid"))
		wantFieldError(t, r, "name", zh("user.name_required"))
		wantFieldError(t, r, "phone", zh("mobile.invalid"))
		wantFieldError(t, r, "roles", zh("user.roles_required"))
		wantInputValue(t, r, "username", "9 bad")
		wantInputValue(t, r, "phone", "12345")

		r = admin.post("/gov/admin/users", url.Values{"username": {"mixed.user"}, "name": {"混合角色"},
			"roles": {"clerk", "agent"}, "phone": {"13812345678"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "roles", zh("user.roles_mixed"))
		wantFieldError(t, r, "username", "")
		wantInputValue(t, r, "username", "mixed.user")
		wantInputValue(t, r, "name", "混合角色")
		wantInputValue(t, r, "phone", "13812345678")
		if got := checkedRoles(r); !slices.Equal(got, []string{"clerk", "agent"}) {
			t.Errorf("roles ticked after the failed submit: %v, want [clerk agent]", got)
		}

		r = admin.post("/gov/admin/users", url.Values{"username": {"agent.new"}, "name": {"新经纪人"}, "roles": {"agent"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "agency_name", zh("user.agency_required"))

		r = admin.post("/gov/admin/users", url.Values{"username": {"clerk.x"}, "name": {"某人"}, "roles": {"clerk"}, "district": {"999999"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "district", zh("user.district_unknown"))

		r = admin.post("/gov/admin/users", url.Values{"username": {"CLERK"}, "name": {"重名"}, "roles": {"clerk"}, "district": {"city"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "username", zh("user.username_taken"))

		if n := countUsers(); n != before {
			t.Fatalf("failed submits created users: %d → %d", before, n)
		}
	})

	// A valid form: the one-time password is on this page, once.
	r := admin.post("/gov/admin/users", url.Values{"username": {" Wang.Lei "}, "name": {"王磊"},
		"phone": {"+86 138-1234-5679"}, "roles": {"clerk"}, "district": {"110105"}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("users.created_title"), "王磊", "wang.lei", zh("users.onetime_note"), "/gov/login")
	pw := oneTimePassword(t, r)
	createdID := r.Header.Get("X-Request-ID")
	m := reUserLink.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no link to the new user")
	}
	id := m[1]
	u := e.user("wang.lei")
	if itoa(u.ID) != id || u.Phone != "13812345679" || !slices.Equal(u.Roles, []app.Role{app.RoleClerk}) ||
		u.District != "110105" || !u.MustChangePassword || u.Disabled {
		t.Fatalf("stored user = %+v", u)
	}
	if strings.Contains(r.Header.Get("Location")+strings.Join(r.Header.Values("Set-Cookie"), ";"), pw) {
		t.Errorf("the one-time password leaves the page (redirect or cookie)")
	}
	list := wantOK(t, admin.get("/gov/admin/users?q=王磊"))
	wantText(t, list, "wang.lei", zh("users.must_change"), "138****5679")
	wantNoText(t, list, pw, "13812345679")

	// The new user signs in and sets a password.
	user := e.client()
	wantRedirect(t, user.login("gov", "wang.lei", pw), "/gov/password")
	newPW := "Chaoyang-Road-17"
	wantRedirect(t, user.post("/gov/password", url.Values{"current": {pw}, "new": {newPW}, "confirm": {newPW}}), "/gov/")

	t.Run("edit roles and jurisdiction", func(t *testing.T) {
		edit := wantOK(t, admin.get("/gov/admin/users/"+id))
		wantText(t, edit, zh("users.edit"), "wang.lei", zh("users.reset_password"), zh("users.end_sessions"))
		wantInputValue(t, edit, "name", "王磊")
		wantInputValue(t, edit, "phone", "13812345679")
		if got := checkedRoles(edit); !slices.Equal(got, []string{"clerk"}) {
			t.Errorf("roles ticked: %v", got)
		}

		bad := admin.post("/gov/admin/users/"+id, url.Values{"name": {"王磊改"}, "phone": {"13812345679"}, "district": {"110108"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantFieldError(t, bad, "roles", zh("user.roles_required"))
		wantText(t, bad, "wang.lei")
		wantInputValue(t, bad, "name", "王磊改")

		r := admin.post("/gov/admin/users/"+id, url.Values{"name": {"王磊"}, "phone": {"13812345679"},
			"roles": {"reviewer", "viewer"}, "district": {"110108"}})
		wantRedirect(t, r, "/gov/admin/users")
		wantText(t, admin.get("/gov/admin/users"), zh("users.saved"))
		u := e.user("wang.lei")
		if !slices.Equal(u.Roles, []app.Role{app.RoleReviewer, app.RoleViewer}) || u.District != "110108" {
			t.Errorf("stored roles %v district %q", u.Roles, u.District)
		}
		// The user's next page reflects the new roles.
		wantText(t, user.get("/gov/"), zh("role.reviewer"), "海淀区")

		// A sysadmin cannot take the role away from himself.
		self := itoa(e.userID("sysadmin"))
		r = admin.post("/gov/admin/users/"+self, url.Values{"name": {"周建国"}, "roles": {"clerk"}, "district": {"city"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "roles", zh("user.cannot_demote_self"))
	})

	t.Run("end sessions", func(t *testing.T) {
		wantStatus(t, user.get("/gov/"), http.StatusOK)
		r := admin.post("/gov/admin/users/"+id+"/end-sessions", nil)
		wantRedirect(t, r, "/gov/admin/users/"+id)
		wantText(t, admin.get("/gov/admin/users/"+id), zh("users.sessions_ended"))
		wantRedirect(t, user.get("/gov/"), "/gov/login?next=%2Fgov%2F")
		wantText(t, user.get("/gov/login"), zh("session.signed_out"))
	})

	t.Run("disable", func(t *testing.T) {
		wantRedirect(t, user.login("gov", "wang.lei", newPW), "/gov/")
		r := admin.post("/gov/admin/users/"+id, url.Values{"name": {"王磊"}, "phone": {"13812345679"},
			"roles": {"reviewer", "viewer"}, "district": {"110108"}, "disabled": {"on"}})
		wantRedirect(t, r, "/gov/admin/users")
		wantRedirect(t, user.get("/gov/profile"), "/gov/login?next=%2Fgov%2Fprofile")
		wantText(t, user.get("/gov/login"), zh("session.disabled"))
		r = e.client().login("gov", "wang.lei", newPW)
		wantStatus(t, r, http.StatusForbidden)
		wantText(t, r, zh("auth.disabled"))
		if !e.user("wang.lei").Disabled {
			t.Errorf("not stored as disabled")
		}
		wantText(t, admin.get("/gov/admin/users?status=disabled"), "wang.lei", zh("users.disabled"))
		edit := admin.get("/gov/admin/users/" + id)
		if !strings.Contains(edit.body, `name="disabled" checked`) {
			t.Errorf("the edit form does not show the account as disabled")
		}

		// Enabled again: the same password works.
		r = admin.post("/gov/admin/users/"+id, url.Values{"name": {"王磊"}, "phone": {"13812345679"},
			"roles": {"reviewer", "viewer"}, "district": {"110108"}})
		wantRedirect(t, r, "/gov/admin/users")
		wantRedirect(t, user.login("gov", "wang.lei", newPW), "/gov/")
	})

	t.Run("reset password", func(t *testing.T) {
		views := len(e.auditActions("user/" + id))
		r := admin.post("/gov/admin/users/"+id+"/reset-password", nil)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, zh("users.reset_title"), "wang.lei", zh("users.onetime_note"))
		// The slip shows no phone: the reset is audited, no view of it.
		wantNoText(t, r, "13812345679")
		all := e.auditActions("user/" + id) // newest first
		if got := all[:len(all)-views]; len(got) != 1 || got[0].Action != "user.password_reset" {
			t.Errorf("the reset wrote %s, want user.password_reset alone", actions(got))
		}
		reset := oneTimePassword(t, r)
		if reset == pw || reset == newPW {
			t.Fatalf("the reset password is not new")
		}
		// The reset ends the user's sessions and replaces the password.
		wantRedirectPrefix(t, user.get("/gov/"), "/gov/login")
		page := user.get("/gov/login")
		wantText(t, page, zh("session.password_reset"))
		wantNoText(t, page, zh("session.expired"))
		wantStatus(t, e.client().login("gov", "wang.lei", newPW), http.StatusUnauthorized)
		wantRedirect(t, e.client().login("gov", "wang.lei", reset), "/gov/password")
		if !e.user("wang.lei").MustChangePassword {
			t.Errorf("after a reset the user need not change the password")
		}
	})

	t.Run("audited", func(t *testing.T) {
		entries := e.auditActions("user/" + id)
		for _, a := range []string{"user.create", "user.update", "user.sessions_end", "user.password_reset", "user.password_change"} {
			if !hasAction(entries, a) {
				t.Errorf("no audit entry %s for user/%s (have %s)", a, id, actions(entries))
			}
		}
		for _, en := range entries {
			if en.Action == "user.create" {
				if en.Username != "sysadmin" || en.RequestID != createdID || en.IP == "" {
					t.Errorf("user.create entry: by %q, request %q (response said %q), IP %q", en.Username, en.RequestID, createdID, en.IP)
				}
				if strings.Contains(en.Detail, pw) {
					t.Errorf("the one-time password is in the audit log")
				}
			}
			if en.Action == "user.update" && strings.Contains(en.Detail, "roles") &&
				!strings.Contains(en.Detail, "clerk → reviewer,viewer") {
				t.Errorf("user.update detail %q does not say which roles changed", en.Detail)
			}
		}
		disabled := 0
		for _, en := range entries {
			if en.Action == "user.update" && strings.Contains(en.Detail, "disabled=true") {
				disabled++
			}
		}
		if disabled != 1 {
			t.Errorf("%d audit entries for the disabling, want 1", disabled)
		}
		page := wantOK(t, admin.get("/gov/admin/audit?record=user/"+id))
		wantText(t, page, "user.password_reset", zh("audit.chain_ok", len(e.auditAll())))
	})

	t.Run("unknown user", func(t *testing.T) {
		r := admin.get("/gov/admin/users/999999")
		wantStatus(t, r, http.StatusNotFound)
		wantText(t, r, zh("user.not_found"))
	})
}

func TestParams(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnvClock(t, clk)
	admin := e.signedIn("gov", "sysadmin")

	page := wantOK(t, admin.get("/gov/admin/params"))
	wantText(t, page, zh("param.session.idle_minutes"), zh("param.session.idle_minutes.help"),
		zh("params.range", 5, 480), zh("params.default", "30"), zh("param.login.max_failures"))
	wantInputValue(t, page, app.ParamSessionIdle, "30")

	// The form posts every parameter, as the browser does.
	current := func() url.Values { return paramsForm(t, e) }
	audited := func() int {
		entries, _, err := e.app.AuditLog(sys, app.AuditFilter{Action: "param.set", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	before := audited()

	for _, tc := range []struct{ value, key string }{
		{"2", "param.out_of_range"},
		{"481", "param.out_of_range"},
		{"abc", "param.not_integer"},
		{"", "param.not_integer"},
	} {
		f := current()
		f.Set(app.ParamSessionIdle, tc.value)
		f.Set(app.ParamOrgContact, "010-1234 5678") // a valid change in the same form
		r := admin.post("/gov/admin/params", f)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, zh("form.invalid"))
		wantFieldError(t, r, app.ParamSessionIdle, zh(tc.key))
		wantInputValue(t, r, app.ParamSessionIdle, tc.value)
		wantInputValue(t, r, app.ParamOrgContact, "010-1234 5678")
		if got := e.app.ParamInt(app.ParamSessionIdle); got != 30 {
			t.Errorf("%q: idle minutes now %d: an invalid form stored something", tc.value, got)
		}
		if got := e.app.ParamString(app.ParamOrgContact); got == "010-1234 5678" {
			t.Errorf("%q: the valid field of an invalid form was stored", tc.value)
		}
	}
	if n := audited(); n != before {
		t.Errorf("invalid forms wrote %d param.set audit entries", n-before)
	}

	f := current()
	f.Set(app.ParamSessionIdle, "１０") // full-width digits from a Chinese IME
	r := admin.post("/gov/admin/params", f)
	wantRedirect(t, r, "/gov/admin/params")
	page = wantOK(t, admin.get("/gov/admin/params"))
	wantText(t, page, zh("params.saved"))
	wantInputValue(t, page, app.ParamSessionIdle, "10")
	if got := e.app.ParamInt(app.ParamSessionIdle); got != 10 {
		t.Fatalf("idle minutes = %d after saving 10", got)
	}
	entries, _, _ := e.app.AuditLog(sys, app.AuditFilter{Action: "param.set"})
	if len(entries) != before+1 || entries[0].Detail != "session.idle_minutes: 30 → 10" || entries[0].Username != "sysadmin" {
		t.Errorf("param.set audit: %d new entries, newest %+v", len(entries)-before, entries[0])
	}

	// Effective at once: a session idle for 11 minutes has ended.
	clerk := e.signedIn("gov", "clerk")
	clk.Advance(9 * time.Minute)
	wantStatus(t, clerk.get("/gov/"), http.StatusOK)
	clk.Advance(11 * time.Minute)
	r = clerk.get("/gov/")
	wantRedirect(t, r, "/gov/login?next=%2Fgov%2F")
	wantText(t, clerk.get(r.Header.Get("Location")), zh("session.expired"))
}

// TestParamsBrandingRequired: the bureau's name, the platform title and the
// seal text head every page and every printed notice and certificate;
// emptying one is refused beside the field and nothing is saved.
func TestParamsBrandingRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	before := e.app.Branding()
	for _, lang := range []string{"zh-CN", "en"} {
		admin.setCookie("lang", lang)
		for _, key := range []string{app.ParamOrgName, app.ParamPlatformTitle, app.ParamSealText} {
			f := paramsForm(t, e)
			f.Set(key, " ")
			f.Set(app.ParamOrgContact, "010-1234 5678")
			r := admin.post("/gov/admin/params", f)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantFieldError(t, r, key, msg(lang, "param.required"))
		}
	}
	if got := e.app.Branding(); got != before {
		t.Errorf("branding after refused saves = %+v, want %+v", got, before)
	}
	wantText(t, wantOK(t, admin.get("/gov/admin/params")), `<span class="req">*</span>`)
}

// paramsForm is the settings form as the browser posts it: every
// parameter as the page shows it (an unticked checkbox sends nothing).
func paramsForm(t *testing.T, e *env) url.Values {
	t.Helper()
	list, err := e.app.Params(sys)
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	for _, p := range list {
		if p.Type == app.ParamBool && p.Value != "true" {
			continue
		}
		v.Set(p.Key, p.Value)
	}
	return v
}

func TestParamsSecretToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	const token = "SECRET-TOKEN-123"
	secretInput := regexp.MustCompile(`<input type="password" id="registry.connector_token" name="registry.connector_token" value=""`)

	page := wantOK(t, admin.get("/gov/admin/params"))
	if !secretInput.MatchString(page.body) {
		t.Error("the token is not an empty password input")
	}
	wantText(t, page, zh("params.secret_unset"))
	wantNoText(t, page, zh("params.secret_clear"))

	f := paramsForm(t, e)
	f.Set(app.ParamConnectorToken, token)
	wantRedirect(t, admin.post("/gov/admin/params", f), "/gov/admin/params")
	if got := e.app.ParamString(app.ParamConnectorToken); got != token {
		t.Fatalf("token = %q", got)
	}
	page = wantOK(t, admin.get("/gov/admin/params"))
	wantNoText(t, page, token)
	if !secretInput.MatchString(page.body) {
		t.Error("the token is not an empty password input once set")
	}
	wantText(t, page, zh("params.secret_set"), zh("params.secret_clear"))

	// Saving the page as shown (the token field empty) keeps the token,
	// and a refused save does not send a typed token back either.
	f = paramsForm(t, e)
	f.Set(app.ParamSessionIdle, "45")
	wantRedirect(t, admin.post("/gov/admin/params", f), "/gov/admin/params")
	if got := e.app.ParamString(app.ParamConnectorToken); got != token {
		t.Errorf("saving the page changed the token to %q", got)
	}
	f.Set(app.ParamConnectorToken, "NEW-TOKEN-456")
	f.Set(app.ParamSessionIdle, "1")
	r := admin.post("/gov/admin/params", f)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantNoText(t, r, "NEW-TOKEN-456")

	// The page says it in words, the CSV as the entry's detail.
	tokenLabel := zh("param." + app.ParamConnectorToken)
	for path, want := range map[string]string{"/gov/admin/audit?action=param.": zh("audit.note.param_changed", tokenLabel),
		"/gov/admin/audit.csv?action=param.": "registry.connector_token: (changed)"} {
		r := wantOK(t, admin.get(path))
		wantNoText(t, r, token)
		wantText(t, r, want)
	}

	f = paramsForm(t, e)
	f.Set("clear."+app.ParamConnectorToken, "on")
	wantRedirect(t, admin.post("/gov/admin/params", f), "/gov/admin/params")
	if got := e.app.ParamString(app.ParamConnectorToken); got != "" {
		t.Errorf("token after clearing = %q", got)
	}
	wantText(t, admin.get("/gov/admin/audit?action=param."), zh("audit.note.param_cleared", tokenLabel))
}

func TestParamsURLsAreChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	for _, lang := range []string{"zh-CN", "en"} {
		admin.setCookie("lang", lang)
		f := paramsForm(t, e)
		f.Set(app.ParamPublicBaseURL, "zfzl example")
		f.Set(app.ParamConnectorURL, "not a url")
		r := admin.post("/gov/admin/params", f)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, app.ParamPublicBaseURL, msg(lang, "param.bad_url"))
		wantFieldError(t, r, app.ParamConnectorURL, msg(lang, "param.bad_url"))
		wantInputValue(t, r, app.ParamPublicBaseURL, "zfzl example")
		f.Set(app.ParamPublicBaseURL, "https://zfzl.example.gov.cn/?from=qr")
		f.Set(app.ParamConnectorURL, "http://10.1.2.3:8080/api/property?src=anju")
		wantFieldError(t, admin.post("/gov/admin/params", f), app.ParamPublicBaseURL, msg(lang, "param.url_has_query"))
	}
	if got := e.app.ParamString(app.ParamPublicBaseURL) + e.app.ParamString(app.ParamConnectorURL); got != "" {
		t.Errorf("refused URLs stored: %q", got)
	}
}

// TestParamsErrorSummary: the page is long, so a refused save lists the
// fields in error at the top, in page order, each a link to its field,
// and still shows each message beside its field.
func TestParamsErrorSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	for _, lang := range []string{"zh-CN", "en"} {
		admin.setCookie("lang", lang)
		f := paramsForm(t, e)
		f.Set(app.ParamSessionIdle, "2")
		f.Set(app.ParamCreditLevelA, "70") // below level B (75), sent unchanged
		r := admin.post("/gov/admin/params", f)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		summary := regexp.MustCompile(`(?s)<ul class="error-summary">(.*?)</ul>`).FindStringSubmatch(r.body)
		if summary == nil {
			t.Fatalf("%s: no list of the fields in error", lang)
		}
		links := regexp.MustCompile(`<a href="#([^"]+)">([^<]+)</a> — ([^<]+)</li>`).FindAllStringSubmatch(html.UnescapeString(summary[1]), -1)
		want := [][2]string{
			{app.ParamSessionIdle, msg(lang, "param.session.idle_minutes")},
			{app.ParamCreditLevelA, msg(lang, "param.credit.level_a")},
		}
		if len(links) != len(want) {
			t.Fatalf("%s: summary %q, want links to %v", lang, summary[1], want)
		}
		for i, l := range links {
			if l[1] != want[i][0] || l[2] != want[i][1] {
				t.Errorf("%s: summary item %d links %q to #%s, want %q to #%s", lang, i, l[2], l[1], want[i][1], want[i][0])
			}
			if !strings.Contains(r.body, `id="`+l[1]+`"`) {
				t.Errorf("%s: no element #%s to go to", lang, l[1])
			}
		}
		wantFieldError(t, r, app.ParamSessionIdle, msg(lang, "param.out_of_range"))
		wantFieldError(t, r, app.ParamCreditLevelA, msg(lang, "credit.levels_order"))
		wantFieldError(t, r, app.ParamCreditLevelB, "")
	}
	wantNoText(t, wantOK(t, admin.get("/gov/admin/params")), `class="error-summary"`)
}

func TestDictionaries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	wantRedirect(t, admin.get("/gov/admin/dicts"), "/gov/admin/dicts/district")
	page := wantOK(t, admin.get("/gov/admin/dicts/district"))
	wantText(t, page, "110105", "朝阳区", "Chaoyang")

	r := admin.post("/gov/admin/dicts/district", url.Values{"code": {"1101"}, "name": {""}, "enabled": {"on"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "code", zh("dict.district_code_invalid"))
	wantFieldError(t, r, "name", zh("dict.name_required"))
	wantInputValue(t, r, "code", "1101")

	r = admin.post("/gov/admin/dicts/district", url.Values{"code": {"110105"}, "name": {"重复"}, "enabled": {"on"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "code", zh("dict.code_taken"))

	// A sort order that is not a number is not stored as 0.
	r = admin.post("/gov/admin/dicts/district", url.Values{"code": {"110228"}, "name": {"密云县"}, "sort": {"abc"}, "enabled": {"on"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "sort", zh("dict.sort_invalid"))
	wantInputValue(t, r, "sort", "abc")
	wantNoText(t, r, zh("dict.saved"))
	if entries, _ := e.app.Dict(app.DictDistrict, false); slices.ContainsFunc(entries, func(d *app.DictEntry) bool { return d.Code == "110228" }) {
		t.Fatalf("entry with sort \"abc\" was stored")
	}

	r = admin.post("/gov/admin/dicts/district", url.Values{"code": {"110228"}, "name": {"密云县"}, "name_en": {"Miyun County"}, "sort": {"99"}, "enabled": {"on"}})
	wantRedirect(t, r, "/gov/admin/dicts/district")
	wantText(t, admin.get("/gov/admin/dicts/district"), zh("dict.saved"), "密云县")
	entries, err := e.app.Dict(app.DictDistrict, true)
	if err != nil || !slices.ContainsFunc(entries, func(d *app.DictEntry) bool { return d.Code == "110228" && d.NameEn == "Miyun County" }) {
		t.Errorf("new district not stored (err %v)", err)
	}
	r = admin.get("/gov/admin/dicts/no_such_kind")
	wantStatus(t, r, http.StatusNotFound)
}

func TestAuditExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")

	page := wantOK(t, admin.get("/gov/admin/audit?user=sysadmin"))
	wantText(t, page, "auth.login", zh("audit.export"))
	wantNoText(t, page, "(demo)") // filtered on the user
	bad := admin.get("/gov/admin/audit?from=2026-13-45")
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantFieldError(t, bad, "from", zh("list.date_invalid"))
	wantInputValue(t, bad, "from", "2026-13-45")

	r := admin.get("/gov/admin/audit.csv")
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="anju-audit-[0-9-]+\.csv"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !strings.HasPrefix(r.body, "\ufeff") {
		t.Fatalf("the CSV has no UTF-8 BOM (Excel would show the Chinese as mojibake): %q", r.body[:min(20, len(r.body))])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	header := []string{"id", "time", "username", "action", "record", "detail", "ip", "request_id", "hash", "note"}
	if len(rows) < 2 || !slices.Equal(rows[0], header) {
		t.Fatalf("CSV header %v (of %d rows), want %v", rows[0], len(rows), header)
	}
	var login, demo bool
	for _, row := range rows[1:] {
		if len(row) != len(header) {
			t.Fatalf("CSV row %v has %d columns", row, len(row))
		}
		login = login || (row[2] == "sysadmin" && row[3] == "auth.login")
		demo = demo || strings.Contains(row[5], "(demo)")
	}
	if !login || !demo {
		t.Errorf("CSV misses entries: sysadmin login %v, demo users %v", login, demo)
	}

	r = admin.get("/gov/admin/audit.csv?action=auth.")
	rows, _ = csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	for _, row := range rows[1:] {
		if !strings.HasPrefix(row[3], "auth.") {
			t.Errorf("filtered CSV holds %v", row)
		}
	}
	if !hasAction(e.auditAll(), "audit.export") {
		t.Errorf("the export is not audited")
	}
}

// bboltMagic is at offset 16 of a bbolt file (after the page header of
// meta page 0), little-endian on the platforms Anju runs on.
const bboltMagic = 0xED0CDAED

func TestBackupDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")

	page := wantOK(t, admin.get("/gov/admin/backups"))
	wantText(t, page, zh("backup.none"), zh("backup.schedule_on", 24, 7),
		// The restore command names this platform's data folder, absolute.
		"<code class=\"restore-cmd\">anju restore --data "+e.app.DataDir()+" FILE</code>")
	if !filepath.IsAbs(e.app.DataDir()) {
		t.Fatalf("test data folder %q is not absolute", e.app.DataDir())
	}
	// As main starts it: the command runs as the platform's own account,
	// by the binary's path (a restore run as root beside the hardened unit
	// left files the service could not open).
	s, err := ui.New(e.app, ui.Config{RestoreCommand: "sudo -u anju /usr/local/bin/anju restore"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	e2 := *e
	e2.srv, e2.http = s, hs
	wantText(t, wantOK(t, e2.signedIn("gov", "sysadmin").get("/gov/admin/backups")),
		"<code class=\"restore-cmd\">sudo -u anju /usr/local/bin/anju restore --data "+e.app.DataDir()+" FILE</code>")

	r := admin.post("/gov/admin/backups/now", nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="anju-[0-9-]+\.db"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
	data := []byte(r.body)
	if len(data) < 4096 || binary.LittleEndian.Uint32(data[16:20]) != bboltMagic {
		t.Fatalf("the download (%d bytes) does not start with a bbolt header", len(data))
	}

	// The download is a usable backup: restored into an empty folder, the
	// platform opens on it with the same users.
	file := filepath.Join(t.TempDir(), "download.db")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := app.Restore(dir, file, time.Now()); err != nil {
		t.Fatalf("restore the download: %v", err)
	}
	restored, err := app.Open(app.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("open the restored data: %v", err)
	}
	defer restored.Close()
	if _, err := restored.Login(app.PortalGov, "clerk", app.DemoPassword, "127.0.0.1", "test", ""); err != nil {
		t.Errorf("sign in on the restored data: %v", err)
	}
	if rep, err := restored.VerifyAudit(sys); err != nil || !rep.OK {
		t.Errorf("audit chain of the restored data: %+v %v", rep, err)
	}
	if !hasAction(e.auditAll(), "backup.download") {
		t.Errorf("the download is not audited")
	}
	// Its entry names the file the browser saved.
	saved := regexp.MustCompile(`filename="([^"]+)"`).FindStringSubmatch(r.Header.Get("Content-Disposition"))
	for _, a := range e.auditAll() {
		if a.Action == "backup.download" && (len(saved) < 2 || a.Detail != saved[1]) {
			t.Errorf("the download's audit detail %q, the file %q", a.Detail, saved)
		}
	}

	// Scheduled backups are listed and can be downloaded by name.
	b, err := e.app.ScheduledBackup()
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, admin.get("/gov/admin/backups"), b.Name)
	f := admin.get("/gov/admin/backups/" + b.Name)
	wantStatus(t, f, http.StatusOK)
	if !bytes.Equal([]byte(f.body)[16:20], data[16:20]) {
		t.Errorf("the scheduled backup is not a bbolt file")
	}
	// Only listed backups are served: not the live data file, not a path.
	for _, name := range []string{"anju-20000101-000000.db", "anju.db"} {
		r := admin.get("/gov/admin/backups/" + name)
		wantStatus(t, r, http.StatusNotFound)
		wantText(t, r, zh("backup.not_found"))
	}
	if r := admin.get("/gov/admin/backups/..%2F..%2Fanju.db"); r.StatusCode == http.StatusOK {
		t.Errorf("a path outside the backups folder was served")
	}
}

// TestBackupDownloadFailureIsNotAFile: a "back up now" whose copy fails is
// never a file that looks whole. Failing half way, the download declared
// its full length and breaks off short, so the browser marks it failed;
// failing before the first byte, the sysadmin gets the error page with its
// request ID, not an empty anju-….db.
func TestBackupDownloadFailureIsNotAFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")

	e.app.BreakBackupsAfter(3 * 4096) // after both meta pages, in the data pages
	req, err := http.NewRequest(http.MethodPost, e.http.URL+"/gov/admin/backups/now", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := admin.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, readErr := io.ReadAll(res.Body)
	res.Body.Close()
	if res.ContentLength <= int64(len(body)) {
		t.Errorf("declared length %d, received %d bytes: the broken copy looks complete", res.ContentLength, len(body))
	}
	if readErr == nil {
		t.Errorf("the broken copy ended as a complete download of %d bytes (status %d)", len(body), res.StatusCode)
	}

	e.app.BreakBackupsAfter(100) // fails on the first write
	r := admin.post("/gov/admin/backups/now", nil)
	wantStatus(t, r, http.StatusInternalServerError)
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		t.Errorf("a failed backup offered as the file %q", cd)
	}
	wantText(t, r, zh("error.internal"), r.Header.Get("X-Request-ID"))

	// Once the copy works again, so does the download.
	e.app.BreakBackupsAfter(0)
	r = admin.post("/gov/admin/backups/now", nil)
	wantStatus(t, r, http.StatusOK)
	if got := strconv.Itoa(len(r.body)); r.Header.Get("Content-Length") != got {
		t.Errorf("Content-Length %q, body %s bytes", r.Header.Get("Content-Length"), got)
	}
}

// TestBackupScheduleOff: with scheduled backups turned off, the Backups
// page names the parameter that does it as System parameters labels it.
func TestBackupScheduleOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	if err := e.app.SetParams(sys, map[string]string{app.ParamBackupHours: "0"}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		page := wantOK(t, admin.get("/gov/admin/backups", "Accept-Language", lang))
		wantText(t, page, msg(lang, "backup.schedule_off"), "“"+msg(lang, "param.backup.interval_hours")+"”")
		wantText(t, wantOK(t, admin.get("/gov/admin/params", "Accept-Language", lang)), msg(lang, "param.backup.interval_hours"))
	}
}

// TestBackupDownloadFailureAudited: a download broken off half way, a
// fresh one or a kept one, is in the audit log as failed, with how far it
// got, in the sysadmin's language; not only as the download it began as.
func TestBackupDownloadFailureAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	kept, err := e.app.ScheduledBackup()
	if err != nil {
		t.Fatal(err)
	}
	// A kept file is copied in 32 KiB reads, the store in 4 KiB pages.
	for _, c := range []struct {
		method, path string
		breakAfter   int64
	}{{http.MethodGet, "/gov/admin/backups/" + kept.Name, 40000}, {http.MethodPost, "/gov/admin/backups/now", 3 * 4096}} {
		e.app.BreakBackupsAfter(c.breakAfter)
		method, path := c.method, c.path
		req, err := http.NewRequest(method, e.http.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := admin.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, readErr := io.ReadAll(res.Body)
		res.Body.Close()
		if readErr == nil {
			t.Fatalf("%s: the broken copy ended as a complete download (status %d, %d bytes)", path, res.StatusCode, len(body))
		}
	}
	var failed []string
	for _, a := range e.auditAll() {
		if a.Action == "backup.download_failed" {
			failed = append(failed, a.Detail)
		}
	}
	if len(failed) != 2 || !strings.HasPrefix(failed[1], kept.Name+": broken off after 32768 bytes") ||
		!regexp.MustCompile(`^anju-[0-9-]+\.db: broken off after [1-9][0-9]* bytes: `).MatchString(failed[0]) {
		t.Errorf("failed downloads audited as %q, want the kept and the fresh one", failed)
	}
	page := wantOK(t, admin.get("/gov/admin/audit?action=backup."))
	wantText(t, page, zh("audit.action.backup.download_failed"), kept.Name+": broken off after 32768 bytes")
	wantText(t, wantOK(t, admin.get("/gov/admin/audit?action=backup.", "Accept-Language", "en")), en("audit.action.backup.download_failed"))

	// A download that works is not followed by a failure.
	e.app.BreakBackupsAfter(0)
	wantOK(t, admin.get("/gov/admin/backups/"+kept.Name))
	if n := len(e.auditAll()); n == 0 || e.auditAll()[0].Action != "backup.download" {
		t.Errorf("newest audit entry after a whole download: %+v", e.auditAll()[0])
	}
}

// TestScheduledBackupFailureShown: a scheduled backup that fails (a full
// disk) is said on the Backups and System status pages, with its reason,
// until one succeeds; before, only the log knew, and the page went on
// saying a backup is taken every 24 hours.
func TestScheduledBackupFailureShown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	halves := func(lang, key string) []string { return strings.Split(messages[lang][key], "%s") }

	e.app.BreakBackupsAfter(100)
	if _, err := e.app.ScheduledBackup(); err == nil {
		t.Fatal("the broken scheduled backup succeeded")
	}
	if !hasAction(e.auditAll(), "backup.write_failed") {
		t.Error("the failed scheduled backup is audited only as a backup written")
	}
	page := wantOK(t, admin.get("/gov/admin/backups"))
	wantText(t, page, halves("zh-CN", "backup.schedule_failed")...)
	wantText(t, page, "backup copy broken off") // the reason, for IT
	wantText(t, wantOK(t, admin.get("/gov/admin/backups", "Accept-Language", "en")), halves("en", "backup.schedule_failed")...)
	wantText(t, wantOK(t, admin.get("/gov/admin/status")), halves("zh-CN", "status.backup_failed")...)

	e.app.BreakBackupsAfter(0)
	b, err := e.app.ScheduledBackup()
	if err != nil {
		t.Fatal(err)
	}
	page = wantOK(t, admin.get("/gov/admin/backups"))
	wantText(t, page, b.Name)
	wantNoText(t, page, halves("zh-CN", "backup.schedule_failed")[0])
	wantNoText(t, wantOK(t, admin.get("/gov/admin/status")), halves("zh-CN", "status.backup_failed")[0])

	// A backups folder that cannot be read (here a file in its place)
	// opens the page with the reason, not an internal error.
	dir := filepath.Join(e.app.DataDir(), app.BackupDir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	page = wantOK(t, admin.get("/gov/admin/backups"))
	wantText(t, page, halves("zh-CN", "backup.schedule_failed")[1], "not a directory")
}

func TestStatusPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	r := wantOK(t, admin.get("/gov/admin/status"))
	wantText(t, r, zh("status.title"), "test", zh("status.index_current"), zh("audit.chain_ok", len(e.auditAll())))
}

// The audit page checks new entries as it opens, says when the whole chain
// was last walked, and its button walks it again in the background.
func TestAuditPageWholeWalk(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	r := wantOK(t, admin.get("/gov/admin/audit"))
	wantText(t, r, zh("audit.chain_ok", len(e.auditAll())), zh("audit.full_at", ""), zh("audit.walk_now"))

	r = admin.post("/gov/admin/audit/walk", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/gov/admin/audit" {
		t.Fatalf("walk redirects to %q", loc)
	}
	r = wantOK(t, admin.get("/gov/admin/audit"))
	wantText(t, r, zh("audit.walk_started"))
	// The walk ends: the page shows the chain whole, button enabled.
	deadline := time.Now().Add(30 * time.Second)
	walking, _, _ := strings.Cut(zh("audit.walking", 0), "0")
	for strings.Contains(r.body, walking) {
		if time.Now().After(deadline) {
			t.Fatal("the walk did not end")
		}
		time.Sleep(20 * time.Millisecond)
		r = wantOK(t, admin.get("/gov/admin/audit"))
	}
	wantText(t, r, zh("audit.chain_ok", len(e.auditAll())))

	r = wantOK(t, admin.get("/gov/admin/audit", "Accept-Language", "en"))
	wantText(t, r, en("audit.walk_now"), "Audit chain intact", "whole chain last checked")
}

func wantOK(t *testing.T, r *resp) *resp {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	return r
}

// auditAll is the whole audit log, newest first.
func (e *env) auditAll() []*app.AuditEntry {
	e.t.Helper()
	var all []*app.AuditEntry
	f := app.AuditFilter{Limit: 500}
	for {
		page, next, err := e.app.AuditLog(sys, f)
		if err != nil {
			e.t.Fatal(err)
		}
		all = append(all, page...)
		if next == 0 {
			return all
		}
		f.Before = next
	}
}

// TestAuditActionSelect: the audit page's action filter is a list of
// actions by name, in the reader's language; choosing one shows only its
// entries and keeps it chosen; a prefix from a link is kept as chosen.
func TestAuditActionSelect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	for _, lang := range []string{"zh-CN", "en"} {
		r := admin.get("/gov/admin/audit", "Accept-Language", lang)
		wantStatus(t, r, 200)
		wantText(t, r, `<select id="action" name="action">`, ">"+msg(lang, "audit.action_any")+"</option>",
			`<option value="auth.login">`+msg(lang, "audit.action.auth.login")+"</option>",
			`<option value="apikey.create">`+msg(lang, "audit.action.apikey.create")+"</option>")
	}
	r := admin.get("/gov/admin/audit?action=auth.login")
	wantStatus(t, r, 200)
	wantText(t, r, `<option value="auth.login" selected>`)
	got := auditRowsActions(r.body)
	if len(got) == 0 {
		t.Fatal("filtered on auth.login (sysadmin signed in), the page lists no entry")
	}
	for _, e := range got {
		if e != "auth.login" {
			t.Errorf("filtered on auth.login, the page lists %q", e)
		}
	}
	r = admin.get("/gov/admin/audit?action=auth.")
	wantText(t, r, `<option value="auth." selected>auth.</option>`)
}

// auditRowsActions are the action codes of the audit page's rows.
func auditRowsActions(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<code class="muted small">([a-z_.]+)</code>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// districtEntry finds a district's dictionary entry (to post its ID).
func (e *env) districtEntry(code string) *app.DictEntry {
	e.t.Helper()
	entries, err := e.app.Dict(app.DictDistrict, false)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range entries {
		if d.Code == code {
			return d
		}
	}
	e.t.Fatalf("no district %s", code)
	return nil
}

// disableDistrict posts the dictionary form that disables code.
func disableDistrict(c *client, d *app.DictEntry) *resp {
	return c.post("/gov/admin/dicts/district", url.Values{"id": {itoa(d.ID)}, "code": {d.Code},
		"name": {d.Name}, "name_en": {d.NameEn}, "sort": {strconv.Itoa(d.Sort)}})
}

// TestDisableDistrictInUse: a district that is still an active account's
// jurisdiction or a live API key's district is not disabled; the page
// says how many use it.
func TestDisableDistrictInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	if _, _, err := e.app.CreateAPIKey(sys, app.APIKeyInput{Name: "朝阳平台", Districts: []string{"110105"}}); err != nil {
		t.Fatal(err)
	}
	users := 0
	for page := 1; ; page++ {
		res, err := e.app.SearchUsers(sys, app.UserQuery{Page: page, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range res.Users {
			if u.District == "110105" && !u.Disabled {
				users++
			}
		}
		if page >= res.Pages {
			break
		}
	}
	if users < 2 {
		t.Fatalf("demo has %d accounts of 110105, want clerk and reviewer at least", users)
	}

	r := disableDistrict(admin, e.districtEntry("110105"))
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, zh("dict.district_in_use", users, 1))
	wantFieldError(t, r, "enabled", zh("dict.district_in_use_field"))
	wantNoText(t, r, zh("dict.saved"))
	if !e.districtEntry("110105").Enabled {
		t.Fatalf("110105 was disabled while in use")
	}

	// A district whose only account is disabled can be disabled.
	id := e.userID("clerk.hd")
	if _, err := e.app.UpdateUser(sys, id, app.UserInput{Name: "陈静", Roles: []app.Role{app.RoleClerk}, District: "110108", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, disableDistrict(admin, e.districtEntry("110108")), "/gov/admin/dicts/district")
	if e.districtEntry("110108").Enabled {
		t.Fatalf("110108 still enabled")
	}
}

var reSelectedDistrict = regexp.MustCompile(`<option value="([0-9]*)" selected>([^<]*)</option>`)

// TestUserFormKeepsDisabledDistrict: an account whose district has been
// disabled shows it, marked, and saving another field keeps it.
func TestUserFormKeepsDisabledDistrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	id := itoa(e.userID("clerk.hd"))
	if _, err := e.app.UpdateUser(sys, e.userID("clerk.hd"), app.UserInput{Name: "陈静", Roles: []app.Role{app.RoleClerk}, District: "110108", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, disableDistrict(admin, e.districtEntry("110108")), "/gov/admin/dicts/district")

	edit := wantOK(t, admin.get("/gov/admin/users/"+id))
	m := reSelectedDistrict.FindStringSubmatch(edit.body)
	if m == nil || m[1] != "110108" || html.UnescapeString(m[2]) != "110108 海淀区"+zh("dict.disabled_mark") {
		t.Fatalf("selected district on the edit page: %q, want 110108 marked disabled", m)
	}
	// New accounts are not offered it.
	wantNoText(t, admin.get("/gov/admin/users/new"), `value="110108"`)

	// The sysadmin enables the account again and changes its phone.
	r := admin.post("/gov/admin/users/"+id, url.Values{"name": {"陈静"}, "phone": {"13900001111"},
		"roles": {"clerk"}, "district": {"110108"}})
	wantRedirect(t, r, "/gov/admin/users")
	u := e.user("clerk.hd")
	if u.District != "110108" || u.Phone != "13900001111" || u.Disabled {
		t.Fatalf("stored after saving the phone: district %q phone %q disabled %v", u.District, u.Phone, u.Disabled)
	}

	// Another account cannot be moved into the disabled district.
	r = admin.post("/gov/admin/users/"+itoa(e.userID("clerk")), url.Values{"name": {"王芳"}, "roles": {"clerk"}, "district": {"110108"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "district", zh("user.district_unknown"))
}

// TestForbiddenPageTitle: a page the role may not open is titled as a
// refusal, not as a fault; the rest of the page is as before.
func TestForbiddenPageTitle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/admin/users")
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, "<h1>"+zh("error.forbidden_title")+"</h1>", "<title>"+zh("error.forbidden_title")+" · ",
		zh("error.forbidden"), zh("error.quote_id"), zh("error.back_home"))
	wantNoText(t, r, zh("error.title"))

	// Other errors keep the general title.
	r = clerk.get("/gov/no-such-page")
	wantStatus(t, r, http.StatusNotFound)
	wantText(t, r, "<h1>"+zh("error.title")+"</h1>")
}

// TestLockedUserShownAndUnlocked: after too many wrong passwords the user
// list and the user page say the account is locked and until when, and the
// sysadmin can unlock it (audited); the user then signs in with the same
// password.
func TestLockedUserShownAndUnlocked(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnvClock(t, clk)
	e.setParams(app.ParamLoginRatePerMin, "600")
	for i := 0; i < 5; i++ {
		e.client().login("gov", "clerk", "Wrong-password-1")
	}
	wantStatus(t, e.client().login("gov", "clerk", app.DemoPassword), http.StatusTooManyRequests)
	before := func(key string) string { return strings.Split(zh(key, "\x00"), "\x00")[0] }

	admin := e.signedIn("gov", "sysadmin")
	list := wantOK(t, admin.get("/gov/admin/users?q=王芳"))
	wantText(t, list, `<span class="tag warn">`+before("users.locked_until"))
	wantNoText(t, list, `<span class="tag on">`+zh("users.active")+`</span>`)

	id := itoa(e.userID("clerk"))
	page := wantOK(t, admin.get("/gov/admin/users/"+id))
	wantText(t, page, before("users.locked_note"), zh("users.unlock"), `action="/gov/admin/users/`+id+`/unlock"`)

	// A save refused for a field's error shows the form again with the lock.
	r := admin.post("/gov/admin/users/"+id, url.Values{"name": {"王芳"}, "phone": {"12345"}, "roles": {"clerk"}, "district": {"110105"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if fieldError(r, "phone") == "" {
		t.Error("no message beside the phone")
	}
	wantText(t, r, before("users.locked_note"), `action="/gov/admin/users/`+id+`/unlock"`)
	wantRedirect(t, admin.post("/gov/admin/users/"+id+"/unlock", nil), "/gov/admin/users/"+id)
	page = wantOK(t, admin.get("/gov/admin/users/"+id))
	wantText(t, page, zh("users.unlocked"))
	wantNoText(t, page, before("users.locked_note"), `/unlock"`)
	wantText(t, admin.get("/gov/admin/users?q=王芳"), `<span class="tag on">`+zh("users.active")+`</span>`)
	if !hasAction(e.auditActions("user/"+id), "user.unlock") {
		t.Errorf("unlock not audited: %s", actions(e.auditActions("user/"+id)))
	}
	wantRedirect(t, e.client().login("gov", "clerk", app.DemoPassword), "/gov/")

	// Unlocking needs the user-management permission.
	clerkHD := itoa(e.userID("clerk.hd"))
	for i := 0; i < 5; i++ {
		e.client().login("gov", "clerk.hd", "Wrong-password-1")
	}
	wantStatus(t, e.client().post("/gov/admin/users/"+clerkHD+"/unlock", nil), http.StatusSeeOther) // not signed in: to the login page
	wantStatus(t, e.signedIn("gov", "clerk").post("/gov/admin/users/"+clerkHD+"/unlock", nil), http.StatusForbidden)
	wantStatus(t, e.client().login("gov", "clerk.hd", app.DemoPassword), http.StatusTooManyRequests)
}

// TestDistrictSysadminManagesOnlyHisUsers: a system administrator limited to
// one district manages that district's staff; the pages that act on the
// whole platform (settings, dictionaries, every district's audit log and
// backups, API keys for any district, the registry, the model contract,
// the scoring standards) are refused with the reason, on the server, and
// are not in his menu.
func TestDistrictSysadminManagesOnlyHisUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("clerk.hd")
	if _, err := e.app.UpdateUser(sys, u.ID, app.UserInput{Name: u.Name, Phone: u.Phone,
		Roles: []app.Role{app.RoleSysadmin}, District: "110108"}); err != nil {
		t.Fatal(err)
	}
	hd := e.signedIn("gov", "clerk.hd")
	// His list finds his district's government accounts only: its role
	// filter offers their roles, not an agency's.
	list := wantOK(t, hd.get("/gov/admin/users"))
	wantText(t, list, `<option value="clerk"`, `<option value="viewer"`)
	wantNoText(t, list, `<option value="agency_admin"`, `<option value="agent"`)
	wantText(t, wantOK(t, e.signedIn("gov", "sysadmin").get("/gov/admin/users")), `<option value="agency_admin"`, `<option value="agent"`)
	// His user form offers what he may grant: his district, government
	// roles; and a new clerk of his district is saved from it.
	form := wantOK(t, hd.get("/gov/admin/users/new"))
	wantText(t, form, `<option value="110108"`, `value="clerk"`)
	wantNoText(t, form, `<option value="">`, `<option value="110105"`, `value="agency_admin"`, `name="agency_name"`)
	r0 := hd.post("/gov/admin/users", url.Values{"username": {"hd.clerk2"}, "name": {"海淀录入"},
		"roles": {"clerk"}, "district": {"110108"}})
	wantStatus(t, r0, http.StatusOK)
	wantText(t, r0, zh("users.created_title"))
	home := wantOK(t, hd.get("/gov/"))
	wantText(t, home, `href="/gov/admin/users"`)
	for _, path := range []string{"/gov/admin/params", "/gov/admin/dicts/district", "/gov/admin/audit",
		"/gov/admin/audit.csv", "/gov/admin/backups", "/gov/admin/status", "/gov/admin/apikeys",
		"/gov/admin/registry", "/gov/admin/contract-template", "/gov/credit/rules/new"} {
		r := hd.get(path)
		wantStatus(t, r, http.StatusForbidden)
		wantText(t, r, zh("error.city_wide_only"))
		wantNoText(t, home, `href="`+path+`"`)
	}
	before, err := e.app.ListAPIKeys(sys)
	if err != nil {
		t.Fatal(err)
	}
	r := hd.post("/gov/admin/apikeys", url.Values{"name": {"海淀平台"}})
	wantStatus(t, r, http.StatusForbidden)
	if after, _ := e.app.ListAPIKeys(sys); len(after) != len(before) {
		t.Error("a district's sysadmin created an API key")
	}
	wantStatus(t, hd.post("/gov/admin/backups/now", nil), http.StatusForbidden)
	wantStatus(t, hd.post("/gov/admin/params", paramsForm(t, e)), http.StatusForbidden)
	// The city-wide sysadmin keeps them all.
	wantOK(t, e.signedIn("gov", "sysadmin").get("/gov/admin/audit"))
}

// An agency's account ticked as a clerk in the user form became a
// government account of the whole city; the form now says why not, beside
// the roles, and keeps the account as it was.
func TestAgencyAccountCannotTakeGovRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	agent := e.user("agent.zhang")
	path := "/gov/admin/users/" + itoa(agent.ID)
	for _, lang := range []string{"zh-CN", "en"} {
		msg := zh
		if lang == "en" {
			msg = en
		}
		r := admin.post(path, url.Values{"name": {agent.Name}, "roles": {"clerk"}, "district": {""},
			"agency_name": {agent.AgencyName}}, "Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "roles", msg("user.portal_fixed"))
		r = admin.post("/gov/admin/users", url.Values{"username": {"new.clerk"}, "name": {"新人"}, "roles": {"clerk"},
			"agency_name": {agent.AgencyName}}, "Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "roles", msg("user.gov_roles_for_agency"))
		wantInputValue(t, r, "agency_name", agent.AgencyName)
	}
	// The edit forms offer the account's own portal only: an agent's no
	// government role nor jurisdiction, a clerk's no agency.
	form := wantOK(t, admin.get(path))
	wantText(t, form, `value="agent"`, `name="agency_name"`)
	wantNoText(t, form, `value="clerk"`, `value="sysadmin"`, `name="district"`)
	form = wantOK(t, admin.get("/gov/admin/users/"+itoa(e.user("clerk").ID)))
	wantText(t, form, `value="clerk"`, `name="district"`)
	wantNoText(t, form, `value="agent"`, `name="agency_name"`)
	stored := e.user("agent.zhang")
	if !slices.Equal(stored.Roles, []app.Role{app.RoleAgent}) || stored.AgencyID != agent.AgencyID || stored.Portal() != app.PortalAgency {
		t.Errorf("agent.zhang stored as %+v", stored)
	}
	res, err := e.app.SearchUsers(sys, app.UserQuery{Text: "new.clerk"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Users {
		if u.Username == "new.clerk" {
			t.Errorf("a government account was made for the agency: %+v", u)
		}
	}
}

// The audit log's user filter finds part of a username or of a name, as
// its hint says; it matched whole usernames only.
func TestAuditUserFilterPart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signedIn("agency", "agent.zhang") // 张伟
	e.signedIn("gov", "clerk.hd")
	admin := e.signedIn("gov", "sysadmin")
	rowUsers := func(r *resp, lang string) []string {
		var out []string
		re := regexp.MustCompile(`<td data-label="` + regexp.QuoteMeta(msg(lang, "audit.user")) + `">([^<]*)</td>`)
		for _, m := range re.FindAllStringSubmatch(r.body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	for _, tc := range []struct{ user, want, not string }{
		{"张", "agent.zhang", "clerk.hd"},
		{"AGENT.Z", "agent.zhang", "clerk.hd"},
		{"clerk", "clerk.hd", "agent.zhang"},
	} {
		for _, lang := range []string{"zh-CN", "en"} {
			r := wantOK(t, admin.get("/gov/admin/audit?action=auth.login&user="+url.QueryEscape(tc.user), "Accept-Language", lang))
			wantText(t, r, msg(lang, "audit.user_hint"), `aria-describedby="user-hint"`)
			got := rowUsers(r, lang)
			if !slices.Contains(got, tc.want) || slices.Contains(got, tc.not) {
				t.Errorf("user %q (%s): rows of %v, want %s and not %s", tc.user, lang, got, tc.want, tc.not)
			}
		}
	}
}

// An agent's account linked to his practitioner record moved to another
// agency kept the link: he acted for the new agency under the old one's
// card. The form refuses the move beside the agency field; an account
// without a link still moves.
func TestLinkedAgentAccountKeepsItsAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	agent := e.user("agent.zhang")
	if agent.PractitionerID == 0 {
		t.Fatal("demo agent.zhang is not linked to a practitioner")
	}
	other := e.user("leju.admin").AgencyName
	for _, lang := range []string{"zh-CN", "en"} {
		r := admin.post("/gov/admin/users/"+itoa(agent.ID), url.Values{"name": {agent.Name}, "phone": {agent.Phone},
			"roles": {"agent"}, "agency_name": {other}}, "Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "agency_name", msg(lang, "user.agency_linked_practitioner"))
		wantInputValue(t, r, "agency_name", other)
	}
	if got := e.user("agent.zhang"); got.AgencyID != agent.AgencyID || got.PractitionerID != agent.PractitionerID {
		t.Errorf("agent.zhang stored at agency %d linked to %d, want %d and %d", got.AgencyID, got.PractitionerID, agent.AgencyID, agent.PractitionerID)
	}
	u, _, err := e.app.CreateUser(sys, app.UserInput{Username: "agent.free", Name: "赵六", Roles: []app.Role{app.RoleAgent}, AgencyName: agent.AgencyName})
	if err != nil {
		t.Fatal(err)
	}
	r := admin.post("/gov/admin/users/"+itoa(u.ID), url.Values{"name": {"赵六"}, "roles": {"agent"}, "agency_name": {other}})
	wantRedirect(t, r, "/gov/admin/users")
	if got := e.user("agent.free"); got.AgencyName != other {
		t.Errorf("an unlinked account did not move: agency %q, want %q", got.AgencyName, other)
	}
}

// A new government account's jurisdiction must be chosen: the list starts
// on "choose…", and the whole city is a choice of its own. It used to start
// on the whole city, so a sysadmin who forgot to pick a district made a
// city-wide clerk, who sees every district's records and personal data.
func TestNewGovAccountNeedsAJurisdiction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	for _, lang := range []string{"zh-CN", "en"} {
		msg := zh
		if lang == "en" {
			msg = en
		}
		form := wantOK(t, admin.get("/gov/admin/users/new", "Accept-Language", lang))
		wantText(t, form, `<option value="">`+msg("users.jurisdiction_choose")+`</option>`,
			`<option value="city">`+msg("jurisdiction.city")+`</option>`)
		r := admin.post("/gov/admin/users", url.Values{"username": {"forgot.district"}, "name": {"未选区县"}, "roles": {"clerk"}},
			"Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "district", msg("user.jurisdiction_required"))
		wantInputValue(t, r, "username", "forgot.district")
	}
	res, err := e.app.SearchUsers(sys, app.UserQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Users {
		if u.Username == "forgot.district" {
			t.Errorf("an account was made without a jurisdiction: %+v", u)
		}
	}

	// The whole city, chosen, makes a city-wide account; its edit form
	// shows that choice, and saving it unchanged keeps it.
	wantOK(t, admin.post("/gov/admin/users", url.Values{"username": {"city.clerk"}, "name": {"全市录入"}, "roles": {"clerk"}, "district": {"city"}}))
	u := e.user("city.clerk")
	if u.District != "" || u.Portal() != app.PortalGov {
		t.Fatalf("city.clerk stored with district %q, portal %s", u.District, u.Portal())
	}
	path := "/gov/admin/users/" + itoa(u.ID)
	wantText(t, wantOK(t, admin.get(path)), `<option value="city" selected>`)
	wantStatus(t, admin.post(path, url.Values{"name": {"全市录入"}, "roles": {"clerk"}, "district": {"city"}}), http.StatusSeeOther)
	if u := e.user("city.clerk"); u.District != "" {
		t.Errorf("saved unchanged, city.clerk moved to district %q", u.District)
	}
}

// TestAuditDetailInReadersLanguage: the 详情 column says what the code
// wrote (demo loads, a lock's end, a list entry's score, a voided code's
// reason, an update's changes) in the reader's language, from entries
// written through the real workflows; entries without a note (every entry
// of an older build) show their Detail as stored, and the chain verifies.
func TestAuditDetailInReadersLanguage(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnvClock(t, clk)
	e.setParams(app.ParamLoginRatePerMin, "600")

	// A lock and an unlock.
	for i := 0; i < 5; i++ {
		e.client().login("gov", "clerk", "Wrong-password-1")
	}
	admin := e.signedIn("gov", "sysadmin")
	clerkID := itoa(e.userID("clerk"))
	wantRedirect(t, admin.post("/gov/admin/users/"+clerkID+"/unlock", nil), "/gov/admin/users/"+clerkID)

	// A user update: the name and the roles.
	hd := e.user("clerk.hd")
	wantRedirect(t, admin.post("/gov/admin/users/"+itoa(hd.ID), url.Values{"name": {hd.Name + "改"}, "phone": {hd.Phone},
		"roles": {"clerk", "reviewer"}, "district": {hd.District}}), "/gov/admin/users")

	// A code voided by a registry re-import that shows the flat seized.
	cert := "京(2025)朝阳区不动产权第9990001号"
	row := func(seized string) string {
		return "区县代码,证书类型,不动产权证号,权利人,权利人证件类型,权利人证件号码,共有份额,房屋坐落,建筑面积,规划用途,查封,抵押,异议,注销,限制交易,登记日期\n" +
			"110105,不动产权证书," + cert + "," + signOwnerName + ",居民身份证," + signOwnerID + ",,北京市朝阳区麒麟路99号院1号楼301,89.5,住宅," + seized + ",否,否,否,否,2020-05-20\n"
	}
	if rep, err := e.app.ImportRegistry(sys, strings.NewReader(row("否")), "void.csv", nil); err != nil || rep.Rejected > 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	res, err := e.app.Verify(e.actor("clerk"), app.VerifyInput{District: "110105", CertType: "01", CertNo: cert,
		Owners:  []app.OwnerInput{{Name: signOwnerName, IDType: "resident_id", IDNo: signOwnerID}},
		Address: "北京市朝阳区麒麟路99号院1号楼301", Area: "89.5", Rooms: "2", Halls: "1", Baths: "1", Rent: "6500", Mode: "whole"})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	code := res.Verification.Code
	if rep, err := e.app.ImportRegistry(sys, strings.NewReader(row("是")), "void2.csv", nil); err != nil || rep.Voided != 1 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}

	page := func(action, lang string) *resp {
		t.Helper()
		return wantOK(t, admin.get("/gov/admin/audit?action="+url.QueryEscape(action), "Accept-Language", lang))
	}
	for _, c := range []struct {
		action    string
		zh, zhNot []string // the zh page shows zh, never zhNot
		en        []string
	}{
		{"user.create", []string{"clerk.hd（演示数据）", "admin（首位系统管理员）"}, []string{"(demo)", "first system administrator"},
			[]string{"clerk.hd (demo)", "admin (first system administrator)"}},
		{"agency.file", []string{"（演示数据）"}, []string{"(demo)"}, []string{" (demo)"}},
		{"announcement.release", []string{"（演示数据）"}, []string{"(demo)"}, []string{" (demo)"}},
		{"list.seed", []string{"演示数据：", "条红黑名单条目"}, []string{"list entries", "(demo)"}, []string{"list entries (demo)"}},
		{"contract.demo", []string{"份合同"}, []string{"contracts (demo)"}, []string{"contracts (demo)"}},
		{"practitioner.add", []string{"名从业人员"}, []string{"practitioners (demo)", "practitioners of", "(demo)"}, []string{"practitioners of"}},
		// A list entry made by the rules: its list, score and threshold.
		{"list.auto", []string{"：信用分 ", "，分数线 ", zh("lists.list.black"), zh("lists.kind.agency")},
			[]string{"score ", "threshold", " black ", "agency:"}, []string{": credit score ", ", threshold ", en("lists.list.black")}},
		{"user.unlock", []string{"clerk（原锁定至 " + strconv.Itoa(clk.Now().Year()) + "年"}, []string{"locked until"},
			[]string{"clerk (was locked until "}},
		{"auth.login_failed", []string{zh("audit.note.login_failures_locked", 5)}, []string{"failures=", "locked"},
			[]string{en("audit.note.login_failures_locked", 5)}},
		{"verification.void", []string{code + "：" + zh("verify.seized")}, []string{"verify.seized"},
			[]string{code + ": " + en("verify.seized")}},
		{"user.update", []string{"clerk.hd：姓名；角色 录入员 → 录入员、审核员"}, []string{"name;", "roles ", "clerk,reviewer"},
			[]string{"clerk.hd: name; roles Clerk → Clerk, Reviewer"}},
		{"param.set", []string{zh("param.login.rate_per_minute") + "："}, []string{"login.rate_per_minute:"},
			[]string{en("param.login.rate_per_minute") + ": "}},
		{"registry.import", []string{"void2.csv：共 1 行，新增 0，更新 1，拒绝 0，作废核验码 1"}, []string{"rows=", "voided="},
			[]string{"void2.csv: 1 row, 0 created, 1 updated, 0 rejected, 1 code voided"}},
		// Entries without a note show their Detail as stored.
		{"verification.create", []string{code + " " + cert}, nil, []string{code + " " + cert}},
	} {
		zhPage := page(c.action, "zh-CN")
		wantText(t, zhPage, c.zh...)
		wantNoText(t, zhPage, c.zhNot...)
		wantText(t, page(c.action, "en"), c.en...)
	}

	// The entries with notes hash into the chain as the others do.
	report, err := e.app.VerifyAudit(e.actor("sysadmin"))
	if err != nil || !report.OK {
		t.Fatalf("audit chain: %+v %v", report, err)
	}
}
