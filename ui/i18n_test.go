package ui_test

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"anju/app"
)

var reVerb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestMessageCatalogs: both languages have the same keys, subject by
// subject, no empty text, and the same placeholders.
func TestMessageCatalogs(t *testing.T) {
	t.Parallel()
	zhFiles, enFiles := messageFiles("zh-CN"), messageFiles("en")
	if !slices.Equal(slices.Sorted(maps.Keys(zhFiles)), slices.Sorted(maps.Keys(enFiles))) {
		t.Fatalf("message files differ: zh-CN %v, en %v", slices.Sorted(maps.Keys(zhFiles)), slices.Sorted(maps.Keys(enFiles)))
	}
	for subject, zhm := range zhFiles {
		enm := enFiles[subject]
		for k := range zhm {
			if _, ok := enm[k]; !ok {
				t.Errorf("%s: %q is in zh-CN but not in en", subject, k)
			}
		}
		for k := range enm {
			if _, ok := zhm[k]; !ok {
				t.Errorf("%s: %q is in en but not in zh-CN", subject, k)
			}
		}
	}
	for k, zv := range messages["zh-CN"] {
		ev := messages["en"][k]
		if strings.TrimSpace(zv) == "" || strings.TrimSpace(ev) == "" {
			t.Errorf("%q has an empty text (zh-CN %q, en %q)", k, zv, ev)
		}
		if zvs, evs := reVerb.FindAllString(zv, -1), reVerb.FindAllString(ev, -1); !slices.Equal(zvs, evs) {
			t.Errorf("%q: placeholders differ: zh-CN %v, en %v", k, zvs, evs)
		}
	}
}

// TestParamLabelsDoNotRepeatTheirUnit: the settings page shows a
// parameter's unit after its input, so a label that names the unit too
// reads "attempts per minute [20] per minute". In Chinese a one-character
// unit (次, 分, 天) is also an ordinary part of words (次数, 分数线), so
// there only longer units and a unit in brackets ("（天）") are caught.
func TestParamLabelsDoNotRepeatTheirUnit(t *testing.T) {
	t.Parallel()
	reBracket := regexp.MustCompile(`[（(][^）)]*[）)]`)
	for _, d := range app.ParamDefs() {
		if d.Unit == "" {
			continue
		}
		for _, lang := range []string{"zh-CN", "en"} {
			label, unit := msg(lang, "param."+d.Key), msg(lang, "unit."+d.Unit)
			for _, part := range strings.Split(unit, "/") {
				repeated := strings.Contains(strings.ToLower(label), strings.ToLower(part))
				if lang == "zh-CN" && utf8.RuneCountInString(part) < 2 {
					repeated = strings.Contains(strings.Join(reBracket.FindAllString(label, -1), ""), part)
				}
				if repeated {
					t.Errorf("%s: %s label %q repeats its unit %q", d.Key, lang, label, unit)
				}
			}
		}
	}
}

// TestMessageKeysUsedExist finds the message keys written literally in the
// templates and in the Go code of ui and app (errors, field problems,
// flashes) and checks each is in the catalog: a missing key fails here,
// not in front of a user.
func TestMessageKeysUsedExist(t *testing.T) {
	t.Parallel()
	patterns := map[string][]*regexp.Regexp{
		"templates/*.html": {regexp.MustCompile(`\bt "([^"]+)"`)},
		"*.go": {
			regexp.MustCompile(`renderError\(w, r, [^,]+, "([^"]+)"`),
			regexp.MustCompile(`(?:setFlash\(w, r, |AddFlash\()"([^"]+)"\)`),
			regexp.MustCompile(`(?:v\.Error|errs\["[a-z_]+"\]) = "([^"]+)"`),
			regexp.MustCompile(`(?:loginTitle|Title:) ?"([a-z_]+\.[a-z_.]+)"`),
		},
		"../app/*.go": {
			regexp.MustCompile(`Errorf\(E[A-Z]+, "([^"]+)"\s*[,)]`),
			regexp.MustCompile(`(?:fieldError|v\.add)\("[^"]+", "([^"]+)"\)`),
			regexp.MustCompile(`errors\.New\("([a-z_]+\.[a-z_.]+)"\)`),
			// audit notes (app.AuditNote) and their translated arguments
			regexp.MustCompile(`(?:auditNote|noteKey)\("([^"]+)"[,)]`),
		},
	}
	found := 0
	for glob, res := range patterns {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files %s (%v)", glob, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range res {
				for _, m := range re.FindAllStringSubmatch(string(b), -1) {
					found++
					if _, ok := messages["zh-CN"][m[1]]; !ok {
						t.Errorf("%s uses message %q, which is not in messages/", f, m[1])
					}
				}
			}
		}
	}
	if found < 100 {
		t.Errorf("only %d message keys found in the sources: the patterns no longer match the code", found)
	}
}

// TestAuditActionsHaveLabels: every action the app writes to the audit
// log has a label, so the audit page never shows a bare code like
// "apikey.create" in place of words (TestMessageCatalogs checks the other
// language has it too).
func TestAuditActionsHaveLabels(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`\.audit\(tx, [a-zA-Z().]+, "([a-z_]+\.[a-z_.]+)"`)
	files, err := filepath.Glob("../app/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no app sources (%v)", err)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			found++
			if _, ok := messages["zh-CN"]["audit.action."+m[1]]; !ok {
				t.Errorf("%s writes audit action %q, which has no label audit.action.%s", f, m[1], m[1])
			}
		}
	}
	if found < 50 {
		t.Errorf("only %d audit actions found in the sources: the pattern no longer matches the code", found)
	}
}

// keyNamespaces are the first segments of the catalog's keys ("users",
// "auth", …): a word of the page shaped like "users.something" is a
// message key that was printed instead of translated.
var keyNamespaces = func() map[string]bool {
	ns := map[string]bool{}
	for k := range messages["zh-CN"] {
		first, _, _ := strings.Cut(k, ".")
		ns[first] = true
	}
	return ns
}()

var (
	reKeyLike  = regexp.MustCompile(`\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b`)
	reAttrText = regexp.MustCompile(`\s(?:placeholder|title|aria-label|data-confirm|data-label|alt)="([^"]*)"`)
	reHTMLLang = regexp.MustCompile(`<html lang="([^"]+)">`)
)

var reAuditRows = regexp.MustCompile(`(?s)(<table class="list audit">.*?<tbody>).*?(</tbody>)`)

// untranslated returns the problems a reader would see on a page: raw
// message keys, broken placeholders, texts of the other language. data are
// stored values (people's names) that are shown as they are; the rows of
// the audit log are data too (action codes, parameter keys).
func untranslated(body, lang string, data []string) []string {
	body = reAuditRows.ReplaceAllString(body, "$1$2")
	text := visibleText(body)
	data = slices.Clone(data)
	slices.SortFunc(data, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, d := range data {
		if d != "" {
			text = strings.ReplaceAll(text, d, " ")
		}
	}
	for _, m := range reAttrText.FindAllStringSubmatch(body, -1) {
		text += " " + m[1]
	}
	var problems []string
	for _, w := range reKeyLike.FindAllString(text, -1) {
		first, _, _ := strings.Cut(w, ".")
		if keyNamespaces[first] {
			problems = append(problems, "raw key "+w)
		}
	}
	if i := strings.Index(text, "%!"); i >= 0 {
		problems = append(problems, "broken placeholder near "+text[max(0, i-30):min(len(text), i+30)])
	}
	other := "en"
	if lang == "en" {
		other = "zh-CN"
	}
	for k, v := range messages[other] {
		if messages[lang][k] == v || strings.Contains(v, "%") {
			continue
		}
		// Long enough to be a sentence of the UI, not a shared word.
		if (other == "zh-CN" && utf8.RuneCountInString(v) >= 4 && hasHan(v)) ||
			(other == "en" && strings.Count(v, " ") >= 2) {
			if strings.Contains(text, v) {
				problems = append(problems, fmt.Sprintf("%s text of %s: %q", other, k, v))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestPagesInBothLanguages renders every page, its error states included,
// in Chinese and in English.
func TestPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.client()
	admin := e.signedIn("gov", "sysadmin")
	clerk := e.signedIn("gov", "clerk")
	agent := e.signedIn("agency", "agent.zhang")
	clerkID := itoa(e.userID("clerk"))
	target, _, err := e.app.CreateUser(sys, app.UserInput{Username: "target.user", Name: "对象", Roles: []app.Role{app.RoleViewer}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.ScheduledBackup(); err != nil {
		t.Fatal(err)
	}
	code := sharedVerification(t, e)
	var registryCSV bytes.Buffer
	if err := app.RegistryTemplateCSV(&registryCSV); err != nil {
		t.Fatal(err)
	}
	registryCSV.WriteString("110105,a row,that,is,refused\n")
	imp, err := e.app.ImportRegistry(sys, &registryCSV, "test.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string // data, shown as it is in any language
	res, err := e.app.SearchUsers(sys, app.UserQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Users {
		names = append(names, u.Name, u.AgencyName)
	}
	// The home page lists the latest announcements under their own titles.
	latest, err := e.app.LatestAnnouncements(5)
	if err != nil {
		t.Fatal(err)
	}
	for _, an := range latest {
		names = append(names, an.Title)
	}
	for _, col := range app.RegistryColumns {
		names = append(names, col.Zh) // the centre's file format, shown as such
	}
	// The dictionary pages show each entry's Chinese and English names side
	// by side, whatever the page's language.
	for _, kind := range []app.DictKind{app.DictDistrict, app.DictCertType, app.DictIDType} {
		entries, err := e.app.Dict(kind, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range entries {
			names = append(names, d.Name, d.NameEn)
		}
	}
	demoApps, err := e.app.ListApplications(sys, app.AppFilter{Status: app.AppPending})
	if err != nil || len(demoApps) == 0 {
		t.Fatalf("demo applications: %d %v", len(demoApps), err)
	}
	for _, ap := range demoApps {
		names = append(names, ap.Info.Name, ap.Info.Contact, ap.Info.Address, ap.Info.LegalRep, ap.SubmittedBy.Name, ap.Info.LicenceName)
		for _, p := range ap.Info.Premises {
			names = append(names, p.Name, p.Address)
		}
	}
	badParams := url.Values{}
	list, _ := e.app.Params(sys)
	for _, p := range list {
		badParams.Set(p.Key, p.Value)
	}
	badParams.Set(app.ParamSessionIdle, "abc")
	badPassword := url.Values{"current": {"x"}, "new": {"short"}, "confirm": {"other"}}

	type page struct {
		c      *client
		method string
		path   string
		form   url.Values
		status int
		hdr    []string
	}
	pages := []page{
		{anon, "GET", "/", nil, 200, nil},
		{anon, "GET", "/gov/login", nil, 200, nil},
		{anon, "GET", "/agency/login", nil, 200, nil},
		{anon, "POST", "/gov/login", url.Values{"username": {"clerk"}, "password": {"wrong-Pass-1"}}, 401, nil},
		{anon, "POST", "/gov/login", url.Values{}, 422, nil},
		{anon, "POST", "/agency/login", url.Values{"username": {"clerk"}, "password": {app.DemoPassword}}, 403, nil},
		{anon, "POST", "/gov/login", url.Values{"username": {"clerk"}}, 403, []string{"Sec-Fetch-Site", "cross-site"}},
		{anon, "GET", "/no/such/page", nil, 404, nil},
		{anon, "GET", "/gov/logout", nil, 405, nil},
		{admin, "GET", "/gov/", nil, 200, nil},
		{admin, "GET", "/gov/profile", nil, 200, nil},
		{admin, "GET", "/gov/password", nil, 200, nil},
		{admin, "POST", "/gov/password", badPassword, 422, nil},
		{admin, "GET", "/gov/admin/users", nil, 200, nil},
		{admin, "GET", "/gov/admin/users?q=zzzz", nil, 200, nil},
		{admin, "GET", "/gov/admin/users/new", nil, 200, nil},
		{admin, "POST", "/gov/admin/users", url.Values{"username": {"1"}, "phone": {"1"}, "roles": {"clerk", "agent"}}, 422, nil},
		{admin, "GET", "/gov/admin/users/" + clerkID, nil, 200, nil},
		{admin, "POST", "/gov/admin/users/" + itoa(target.ID) + "/reset-password", nil, 200, nil},
		{admin, "GET", "/gov/admin/users/999999", nil, 404, nil},
		{admin, "GET", "/gov/admin/params", nil, 200, nil},
		{admin, "POST", "/gov/admin/params", badParams, 422, nil},
		{admin, "GET", "/gov/admin/dicts/district", nil, 200, nil},
		{admin, "GET", "/gov/admin/dicts/cert_type", nil, 200, nil},
		{admin, "GET", "/gov/admin/dicts/id_type", nil, 200, nil},
		{admin, "POST", "/gov/admin/dicts/district", url.Values{"code": {"1"}}, 422, nil},
		{admin, "GET", "/gov/admin/audit", nil, 200, nil},
		{admin, "GET", "/gov/admin/audit?to=never", nil, 422, nil},
		{admin, "GET", "/gov/admin/backups", nil, 200, nil},
		{admin, "GET", "/gov/admin/status", nil, 200, nil},
		{clerk, "GET", "/gov/", nil, 200, nil},
		{clerk, "GET", "/gov/admin/users", nil, 403, nil},
		{clerk, "GET", "/agency/", nil, 403, nil},
		{agent, "GET", "/agency/", nil, 200, nil},
		{agent, "GET", "/agency/profile", nil, 200, nil},
		{agent, "GET", "/agency/password", nil, 200, nil},
		{agent, "GET", "/gov/", nil, 403, nil},
		// Listing verification and the platform API's keys.
		{admin, "GET", "/gov/admin/apikeys", nil, 200, nil},
		{admin, "POST", "/gov/admin/apikeys", url.Values{}, 422, nil},
		{admin, "GET", "/gov/api-docs", nil, 200, nil},
		{admin, "GET", "/gov/admin/registry", nil, 200, nil},
		{admin, "POST", "/gov/admin/registry/import", url.Values{}, 422, nil},
		{admin, "GET", "/gov/admin/registry/imports/" + itoa(imp.ID), nil, 200, nil},
		{clerk, "GET", "/gov/verifications", nil, 200, nil},
		{clerk, "GET", "/gov/verifications?from=bad", nil, 422, nil},
		{clerk, "GET", "/gov/verifications/new", nil, 200, nil},
		{clerk, "POST", "/gov/verifications", url.Values{}, 422, nil},
		{clerk, "GET", "/gov/verifications/" + code, nil, 200, nil},
		{clerk, "GET", "/gov/verifications/" + code + "/notice", nil, 200, nil},
		{clerk, "POST", "/gov/verifications/" + code + "/revoke", url.Values{}, 422, nil},
		{agent, "GET", "/agency/verifications", nil, 200, nil},
		{agent, "GET", "/agency/verifications/new", nil, 200, nil},
		{agent, "GET", "/agency/verifications/" + code, nil, 200, nil},
		{agent, "GET", "/agency/verifications/" + code + "/notice", nil, 200, nil},
		{anon, "GET", "/v/" + code, nil, 200, nil},
		{anon, "GET", "/v/" + code + "/notice", nil, 200, nil},
		// Agency filing.
		{clerk, "GET", "/gov/agencies", nil, 200, nil},
		{clerk, "GET", "/gov/agencies/new", nil, 200, nil},
		{clerk, "POST", "/gov/agencies/new", url.Values{"uscc": {"123"}}, 422, nil},
		{clerk, "GET", "/gov/agency-applications", nil, 200, nil},
		{clerk, "GET", "/gov/agency-applications/" + itoa(demoApps[0].ID), nil, 200, nil},
		{clerk, "GET", "/gov/agencies/" + itoa(e.user("anju.admin").AgencyID), nil, 200, nil},
		{anon, "GET", "/agencies/apply", nil, 200, nil},
		{anon, "GET", "/check", nil, 422, nil},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			for _, c := range []*client{anon, admin, clerk, agent} {
				wantRedirect(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
			}
			for _, p := range pages {
				var r *resp
				if p.method == "GET" {
					r = p.c.get(p.path, p.hdr...)
				} else {
					r = p.c.post(p.path, p.form, p.hdr...)
				}
				what := p.method + " " + p.path
				if r.StatusCode != p.status {
					t.Errorf("%s: status %d, want %d\n%.300s", what, r.StatusCode, p.status, visibleText(r.body))
					continue
				}
				if m := reHTMLLang.FindStringSubmatch(r.body); m == nil || m[1] != lang {
					t.Errorf("%s: <html lang=%v>, want %s", what, m, lang)
				}
				for _, problem := range untranslated(r.body, lang, names) {
					t.Errorf("%s in %s: %s", what, lang, problem)
				}
			}
		})
	}
	// The Chinese date convention in zh-CN, the English one in en.
	wantRedirect(t, admin.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}}), "/")
	if p := admin.get("/gov/profile"); !regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}`).MatchString(p.body) {
		t.Errorf("zh-CN profile: no date like 2026年5月3日 14:05\n%s", visibleText(p.body))
	}
	wantRedirect(t, admin.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}}), "/")
	if p := admin.get("/gov/profile"); !regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}`).MatchString(p.body) {
		t.Errorf("en profile: no date like 3 May 2026 14:05\n%s", visibleText(p.body))
	}
}

func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("Accept-Language", func(t *testing.T) {
		for _, tc := range []struct{ header, lang string }{
			{"", "zh-CN"},
			{"en", "en"},
			{"en-GB,en;q=0.9", "en"},
			{"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
			{"fr-FR,en;q=0.5", "en"},
			{"fr-FR", "zh-CN"},
		} {
			r := e.client().get("/gov/login", "Accept-Language", tc.header)
			want := msg(tc.lang, "login.title_gov")
			if m := reHTMLLang.FindStringSubmatch(r.body); m == nil || m[1] != tc.lang || !strings.Contains(r.text(), want) {
				t.Errorf("Accept-Language %q: page lang %v, want %s with %q", tc.header, m, tc.lang, want)
			}
		}
		// Error messages follow it too.
		r := e.client().post("/gov/login", url.Values{"username": {"clerk"}, "password": {"wrong-Pass-1"}}, "Accept-Language", "en")
		wantText(t, r, en("auth.bad_credentials"))
	})

	t.Run("switch without signing in", func(t *testing.T) {
		c := e.client()
		c.header.Set("Accept-Language", "zh-CN")
		r := c.post("/lang", url.Values{"lang": {"en"}, "back": {"/gov/login"}})
		wantRedirect(t, r, "/gov/login")
		var lang *http.Cookie
		for _, ck := range r.Cookies() {
			if ck.Name == "lang" {
				lang = ck
			}
		}
		if lang == nil || lang.Value != "en" || lang.MaxAge <= 0 || lang.Path != "/" {
			t.Fatalf("lang cookie %+v", lang)
		}
		wantText(t, c.get("/gov/login"), en("login.title_gov"))
		// The cookie wins over Accept-Language.
		wantText(t, c.get("/", "Accept-Language", "zh-CN"), en("public.intro"))

		for _, back := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`} {
			wantRedirect(t, c.post("/lang", url.Values{"lang": {"en"}, "back": {back}}), "/")
		}
		// An unknown language falls back to Chinese.
		c.post("/lang", url.Values{"lang": {"xx"}, "back": {"/"}})
		wantText(t, c.get("/"), zh("public.intro"))
	})

	t.Run("remembered for the user", func(t *testing.T) {
		c := e.signedIn("gov", "reviewer")
		wantText(t, c.get("/gov/"), zh("home.welcome", "李强"))
		wantRedirect(t, c.post("/lang", url.Values{"lang": {"en"}, "back": {"/gov/"}}), "/gov/")
		wantText(t, c.get("/gov/"), en("home.welcome", "李强"))
		if got := e.user("reviewer").Lang; got != "en" {
			t.Fatalf("stored language %q, want en", got)
		}

		// Another browser, asking for Chinese: the user's choice wins, and
		// sign-in hands that browser the lang cookie.
		other := e.client()
		other.header.Set("Accept-Language", "zh-CN")
		wantText(t, other.get("/gov/login"), zh("login.title_gov"))
		r := other.login("gov", "reviewer", app.DemoPassword)
		wantRedirect(t, r, "/gov/")
		if other.cookie("lang") != "en" {
			t.Errorf("sign-in did not set the user's language cookie")
		}
		home := other.get("/gov/")
		wantText(t, home, en("home.welcome", "李强"), en("nav.profile"))
		if m := reHTMLLang.FindStringSubmatch(home.body); m == nil || m[1] != "en" {
			t.Errorf("home of a user who chose English: lang %v", m)
		}
		// After logging out, the browser keeps showing English.
		wantRedirect(t, other.post("/gov/logout", nil), "/gov/login")
		wantText(t, other.get("/gov/login"), en("auth.logged_out"), en("login.title_gov"))
	})
}
