package ui_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/app"
	"anju/ui"
)

// The HTTP tests drive the real router of a real App (bbolt file and
// Bleve index in a temp dir) through an httptest server, with clients that
// keep cookies and do not follow redirects, so that every redirect and its
// Location is seen as a browser would receive it.

// messages holds the catalogs as shipped, read from the files themselves
// (messages/<subject>.<lang>.json, merged per language).
var messages = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range []string{"zh-CN", "en"} {
		out[lang] = map[string]string{}
		for subject, m := range messageFiles(lang) {
			for k, v := range m {
				if _, dup := out[lang][k]; dup {
					panic(fmt.Sprintf("message %q defined twice (%s)", k, subject))
				}
				out[lang][k] = v
			}
		}
	}
	return out
}()

// messageFiles reads every message file of lang, by subject.
func messageFiles(lang string) map[string]map[string]string {
	files, err := filepath.Glob("messages/*." + lang + ".json")
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("no message files for %s (%v)", lang, err))
	}
	out := map[string]map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("%s: %v", f, err))
		}
		subject := strings.TrimSuffix(filepath.Base(f), "."+lang+".json")
		out[subject] = m
	}
	return out
}

// msg is the text a user reads for key in lang.
func msg(lang, key string, args ...any) string {
	m, ok := messages[lang][key]
	if !ok {
		panic("test asks for a message that does not exist: " + lang + " " + key)
	}
	return ui.FormatMessage(m, args...)
}

func zh(key string, args ...any) string { return msg("zh-CN", key, args...) }
func en(key string, args ...any) string { return msg("en", key, args...) }

// sys acts for the test itself (setting up records, reading them back).
var sys = app.SystemActor("test")

// clock is a controllable time source for app.Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one running platform with its demo district loaded.
type env struct {
	t     *testing.T
	app   *app.App
	srv   *ui.Server
	http  *httptest.Server
	clock *clock // nil: real time
	demo  []app.DemoAccount
	admin string // one-time password of the bootstrap "admin"
}

// newEnv starts a platform on the real clock.
func newEnv(t *testing.T) *env { return newEnvClock(t, nil) }

// The demo district takes seconds to load (thousands of registry records,
// indexed), longer under -race; it is loaded once, with BootstrapAdmin and
// LoadDemo, into a template data folder that each test copies, store and
// index both, so that every test still has a platform of its own.
var (
	templateOnce  sync.Once
	templateDir   string
	templateAdmin string
	templateDemo  []app.DemoAccount
	templateErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if templateDir != "" {
		os.RemoveAll(templateDir)
	}
	os.Exit(code)
}

func loadTemplate() {
	templateDir, templateErr = os.MkdirTemp("", "anju-ui-test-")
	if templateErr != nil {
		return
	}
	a, err := app.Open(app.Config{DataDir: templateDir, Version: "test"})
	if err != nil {
		templateErr = fmt.Errorf("open app: %w", err)
		return
	}
	defer func() {
		if err := a.Close(); err != nil && templateErr == nil {
			templateErr = fmt.Errorf("close app: %w", err)
		}
	}()
	pw, created, err := a.BootstrapAdmin()
	if err != nil || !created {
		templateErr = fmt.Errorf("bootstrap admin: created=%v err=%v", created, err)
		return
	}
	templateAdmin = pw
	if templateDemo, err = a.LoadDemo(); err != nil {
		templateErr = fmt.Errorf("load demo: %w", err)
	}
}

// copyDir copies the data folder (files and folders, nothing else).
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
}

// newEnvClock starts a platform whose App reads the time from c (nil: the
// real clock), so that tests can move past idle and lockout limits.
func newEnvClock(t *testing.T, c *clock) *env {
	t.Helper()
	templateOnce.Do(loadTemplate)
	if templateErr != nil {
		t.Fatalf("demo template: %v", templateErr)
	}
	cfg := app.Config{DataDir: t.TempDir(), Version: "test"}
	if err := copyDir(templateDir, cfg.DataDir); err != nil {
		t.Fatalf("copy demo template: %v", err)
	}
	if c != nil {
		cfg.Now = c.Now
	}
	a, err := app.Open(cfg)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("close app: %v", err)
		}
	})
	s, err := ui.New(a, ui.Config{})
	if err != nil {
		t.Fatalf("ui.New: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &env{t: t, app: a, srv: s, http: hs, clock: c, demo: templateDemo, admin: templateAdmin}
}

// setParams stores parameters directly (test set-up, not the UI path).
func (e *env) setParams(kv ...string) {
	e.t.Helper()
	values := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		values[kv[i]] = kv[i+1]
	}
	if err := e.app.SetParams(sys, values); err != nil {
		e.t.Fatalf("set params %v: %v", values, err)
	}
}

// userID finds a user's ID by username through the app.
func (e *env) userID(username string) uint64 {
	e.t.Helper()
	res, err := e.app.SearchUsers(sys, app.UserQuery{Size: 100})
	if err != nil {
		e.t.Fatalf("search users: %v", err)
	}
	for _, u := range res.Users {
		if u.Username == username {
			return u.ID
		}
	}
	e.t.Fatalf("no user %q", username)
	return 0
}

func (e *env) user(username string) *app.User {
	e.t.Helper()
	u, err := e.app.GetUser(sys, e.userID(username))
	if err != nil {
		e.t.Fatalf("get user %s: %v", username, err)
	}
	return u
}

// auditActions lists the actions recorded about one record ("user/3").
func (e *env) auditActions(record string) []*app.AuditEntry {
	e.t.Helper()
	entries, _, err := e.app.AuditLog(sys, app.AuditFilter{Record: record, Limit: 500})
	if err != nil {
		e.t.Fatalf("audit log: %v", err)
	}
	return entries
}

// client is one browser: its own cookie jar, no automatic redirects.
type client struct {
	t  *testing.T
	e  *env
	hc *http.Client
	// header is sent with every request (e.g. Accept-Language).
	header http.Header
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{t: e.t, e: e, header: http.Header{}, hc: &http.Client{
		Jar:           jar,
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// resp is a response with its body read.
type resp struct {
	*http.Response
	body string
}

// text is the body with HTML entities decoded, as a user reads it.
func (r *resp) text() string { return html.UnescapeString(r.body) }

func (c *client) do(req *http.Request, hdr ...string) *resp {
	c.t.Helper()
	for k, v := range c.header {
		req.Header[k] = v
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return &resp{Response: res, body: string(b)}
}

// get requests path; hdr are header name/value pairs.
func (c *client) get(path string, hdr ...string) *resp {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.http.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req, hdr...)
}

// post sends form as a browser form post.
func (c *client) post(path string, form url.Values, hdr ...string) *resp {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.http.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req, hdr...)
}

// login posts the sign-in form of a portal.
func (c *client) login(portal, username, password string) *resp {
	c.t.Helper()
	return c.post("/"+portal+"/login", url.Values{"username": {username}, "password": {password}})
}

// signedIn returns a client signed in to the portal with the demo password.
func (e *env) signedIn(portal, username string) *client {
	e.t.Helper()
	c := e.client()
	r := c.login(portal, username, app.DemoPassword)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/"+portal+"/" {
		e.t.Fatalf("sign in %s at %s: %d %q\n%s", username, portal, r.StatusCode, r.Header.Get("Location"), visibleText(r.body))
	}
	return c
}

// cookie returns the client's cookie of that name, "" if none.
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.e.http.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie puts a cookie into the client's jar (replaying a stolen or
// old cookie).
func (c *client) setCookie(name, value string) {
	u, _ := url.Parse(c.e.http.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// Assertions.

func wantStatus(t *testing.T, r *resp, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d (Location %q)\n%s", r.Request.Method, r.Request.URL.RequestURI(),
			r.StatusCode, want, r.Header.Get("Location"), visibleText(r.body))
	}
}

func wantRedirect(t *testing.T, r *resp, location string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != location {
		t.Fatalf("%s %s: %d to %q, want 303 to %q\n%s", r.Request.Method, r.Request.URL.RequestURI(),
			r.StatusCode, r.Header.Get("Location"), location, visibleText(r.body))
	}
}

// wantRedirectPrefix checks a 303 whose Location starts with prefix.
func wantRedirectPrefix(t *testing.T, r *resp, prefix string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), prefix) {
		t.Fatalf("%s %s: %d to %q, want 303 to %q…\n%s", r.Request.Method, r.Request.URL.RequestURI(),
			r.StatusCode, r.Header.Get("Location"), prefix, visibleText(r.body))
	}
}

func wantText(t *testing.T, r *resp, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(r.text(), s) {
			t.Errorf("%s %s: page does not show %q\n%s", r.Request.Method, r.Request.URL.RequestURI(), s, visibleText(r.body))
		}
	}
}

func wantNoText(t *testing.T, r *resp, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(r.text(), s) {
			t.Errorf("%s %s: page shows %q, it should not", r.Request.Method, r.Request.URL.RequestURI(), s)
		}
	}
}

// fieldError returns the message shown beside a form field (the element
// the input's aria-describedby points to), "" if none.
func fieldError(r *resp, field string) string {
	re := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">([^<]*)</p>`)
	m := re.FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func wantFieldError(t *testing.T, r *resp, field, text string) {
	t.Helper()
	if got := fieldError(r, field); got != text {
		t.Errorf("%s %s: field %q shows %q, want %q", r.Request.Method, r.Request.URL.RequestURI(), field, got, text)
	}
}

// inputValue returns the value attribute of the input named name.
func inputValue(r *resp, name string) (string, bool) {
	re := regexp.MustCompile(`<input[^>]*\sname="` + regexp.QuoteMeta(name) + `"[^>]*>`)
	tag := re.FindString(r.body)
	if tag == "" {
		return "", false
	}
	m := regexp.MustCompile(`\svalue="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return "", true
	}
	return html.UnescapeString(m[1]), true
}

func wantInputValue(t *testing.T, r *resp, name, want string) {
	t.Helper()
	got, ok := inputValue(r, name)
	if !ok {
		t.Errorf("%s %s: no input %q on the page", r.Request.Method, r.Request.URL.RequestURI(), name)
	} else if got != want {
		t.Errorf("%s %s: input %q holds %q, want %q", r.Request.Method, r.Request.URL.RequestURI(), name, got, want)
	}
}

// checkedRoles lists the role checkboxes that are ticked.
func checkedRoles(r *resp) []string {
	var out []string
	re := regexp.MustCompile(`<input type="checkbox" name="roles" value="([a-z_]+)"( checked)?>`)
	for _, m := range re.FindAllStringSubmatch(r.body, -1) {
		if m[2] != "" {
			out = append(out, m[1])
		}
	}
	return out
}

var (
	reDropped = regexp.MustCompile(`(?s)<(script|style|code)\b[^>]*>.*?</(script|style|code)>`)
	reTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	reSpace   = regexp.MustCompile(`\s+`)
)

// visibleText is the text a reader sees: tags removed, entities decoded.
// <code> is left out: it holds data (audit action codes, file paths).
func visibleText(body string) string {
	s := reDropped.ReplaceAllString(body, " ")
	s = reTag.ReplaceAllString(s, " ")
	return strings.TrimSpace(reSpace.ReplaceAllString(html.UnescapeString(s), " "))
}

// oneTimePassword reads the password shown once on the user_password page.
func oneTimePassword(t *testing.T, r *resp) string {
	t.Helper()
	m := regexp.MustCompile(`<code class="secret" id="onetime">([^<]+)</code>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no one-time password on the page\n%s", visibleText(r.body))
	}
	return html.UnescapeString(m[1])
}

func itoa(n uint64) string { return fmt.Sprint(n) }
