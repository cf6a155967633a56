package main

// Helpers of the browser tests (browser_test.go): a platform served
// in-process on a free port, and Debian's Chromium driven with chromedp.
// The helpers fail the test on any browser error, so that a test reads as
// the steps a user takes and the texts the user sees.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"anju/ui"
)

// browserTimeout bounds every browser test (and every subtest that drives
// the browser).
const browserTimeout = 60 * time.Second

// chromiumPath finds the browser: $ANJU_CHROMIUM, else chromium,
// chromium-browser or google-chrome on the PATH. Without one the test is
// skipped, unless ANJU_REQUIRE_BROWSER=1 (set by CI) makes it a failure.
// A browser is never downloaded.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ANJU_CHROMIUM"); p != "" {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
		noBrowser(t, fmt.Sprintf("ANJU_CHROMIUM=%q is not an executable browser", p))
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	noBrowser(t, "no Chromium found (looked for $ANJU_CHROMIUM, chromium, chromium-browser, google-chrome)")
	return ""
}

func noBrowser(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("ANJU_REQUIRE_BROWSER") == "1" {
		t.Fatalf("browser test: %s, and ANJU_REQUIRE_BROWSER=1 makes that a failure", why)
	}
	t.Skipf("browser test skipped: %s. Install Debian's chromium (apt-get install chromium) or set ANJU_CHROMIUM to run it", why)
}

// syncBuffer is a bytes.Buffer safe for the server's and the browser's
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail returns at most the last n bytes.
func (b *syncBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// platform is an Anju serving on 127.0.0.1 with its data in a temp folder.
type platform struct {
	*Main
	out string // what Open printed on the console
}

func startPlatform(t *testing.T, demo bool) *platform {
	t.Helper()
	var out bytes.Buffer
	logs := &syncBuffer{}
	m := &Main{
		Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogFormat: "text", Demo: demo},
		Log:    slog.New(slog.NewTextHandler(logs, nil)),
		Out:    &out,
	}
	if err := m.Open(); err != nil {
		t.Fatalf("open the platform: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close the platform: %v", err)
		}
		if t.Failed() {
			t.Logf("server log (tail):\n%s", logs.tail(6000))
		}
	})
	return &platform{Main: m, out: out.String()}
}

var oneTimeRE = regexp.MustCompile(`One-time password: (\S+)`)

// adminPassword is the first admin's one-time password printed by Open.
func (p *platform) adminPassword(t *testing.T) string {
	t.Helper()
	m := oneTimeRE.FindStringSubmatch(p.out)
	if m == nil {
		t.Fatalf("no one-time password in the console output:\n%s", p.out)
	}
	return m[1]
}

// messages are the texts of ui/messages, by language, so that the tests
// expect exactly what the pages show.
var (
	messagesOnce sync.Once
	messagesByLn map[string]map[string]string
	messagesErr  error
)

func msg(t *testing.T, lang, key string, args ...any) string {
	t.Helper()
	messagesOnce.Do(func() {
		messagesByLn = map[string]map[string]string{}
		// ui/messages holds one file per subject and language,
		// SUBJECT.LANG.json (or a single LANG.json).
		for _, lang := range []string{"zh-CN", "en"} {
			files, _ := filepath.Glob(filepath.Join("ui", "messages", "*."+lang+".json"))
			if single := filepath.Join("ui", "messages", lang+".json"); fileExists(single) {
				files = append(files, single)
			}
			if len(files) == 0 {
				messagesErr = fmt.Errorf("no message files for %s in ui/messages", lang)
				return
			}
			all := map[string]string{}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					messagesErr = err
					return
				}
				m := map[string]string{}
				if err := json.Unmarshal(b, &m); err != nil {
					messagesErr = fmt.Errorf("%s: %w", f, err)
					return
				}
				maps.Copy(all, m)
			}
			messagesByLn[lang] = all
		}
	})
	if messagesErr != nil {
		t.Fatalf("read the message catalog: %v", messagesErr)
	}
	s, ok := messagesByLn[lang][key]
	if !ok {
		t.Fatalf("no message %q in %s", key, lang)
	}
	return ui.FormatMessage(s, args...)
}

// browser is one Chromium with one tab, with its own profile (cookies).
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab, with the deadline of the current test
	tab  context.Context // the tab, without deadline (for failure screenshots)
	base string
	shot *bool // a failure screenshot was written already
}

// startBrowserTest finds Chromium (or skips), starts a platform (with the
// demo data when demo is set) and a browser on it.
func startBrowserTest(t *testing.T, demo bool, acceptLang string) (*platform, *browser) {
	t.Helper()
	exe := chromiumPath(t)
	p := startPlatform(t, demo)
	return p, newBrowser(t, exe, p.URL(), acceptLang)
}

// newBrowser starts Chromium exe for t; acceptLang is what the browser
// sends as Accept-Language (headless Chromium sends en-US unless told
// otherwise, and Anju would answer in English).
func newBrowser(t *testing.T, exe, base, acceptLang string) *browser {
	t.Helper()
	output := &syncBuffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("disable-features", "Translate,PasswordLeakDetection,OptimizationHints,MediaRouter"),
		chromedp.Flag("lang", acceptLang),
		chromedp.Flag("accept-lang", acceptLang),
		chromedp.WindowSize(1280, 800),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(output),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)

	// The first action starts the browser and ties it to the tab context,
	// so it runs without deadline; a browser that does not start in time
	// is stopped by cancelling the tab.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start %s: %v\nbrowser output:\n%s", exe, err, output.tail(4000))
		}
	case <-time.After(30 * time.Second):
		cancelTab()
		t.Fatalf("%s did not start in 30s\nbrowser output:\n%s", exe, output.tail(4000))
	}
	b := &browser{tab: tab, base: base, shot: new(bool)}
	return b.on(t)
}

// on returns the browser for test t (a test or subtest): its actions have a
// deadline of browserTimeout, and a failure of t writes a screenshot.
func (b *browser) on(t *testing.T) *browser {
	t.Helper()
	c := *b
	c.t = t
	var cancel context.CancelFunc
	c.ctx, cancel = context.WithTimeout(b.tab, browserTimeout)
	t.Cleanup(cancel)
	t.Cleanup(func() {
		if t.Failed() && !*c.shot {
			*c.shot = true
			c.failureScreenshot()
		}
	})
	return &c
}

// failureScreenshot writes a full-page PNG to $ANJU_TEST_OUT, or to
// $TMPDIR/anju-browser-failures, and logs its path.
func (b *browser) failureScreenshot() {
	dir := os.Getenv("ANJU_TEST_OUT")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "anju-browser-failures")
	}
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("no failure screenshot: %v", err)
		return
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(b.t.Name(), "_")
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, time.Now().Format("150405.000")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("no failure screenshot: %v", err)
		return
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("no failure screenshot: %v", err)
		return
	}
	b.t.Logf("failure screenshot of %s: %s", loc, path)
}

func (b *browser) fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf(format, args...)
}

// open loads path and returns the HTTP status of the page.
func (b *browser) open(path string) int {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.fatalf("open %s: %v", path, err)
	}
	return int(resp.Status)
}

// fill types value into the field with the id (after clearing it).
// Cleared by its value property, not chromedp.Clear: Clear sets the value
// attribute, and chromedp v0.23.0's SendKeys reads the node's attributes
// before taking the node's lock, racing with the attribute-modified event
// that Clear caused (go test -race failed TestBrowserFirstAdminFlow so).
func (b *browser) fill(id, value string) {
	b.t.Helper()
	if err := b.typeInto("#"+id, value); err != nil {
		b.fatalf("type into #%s: %v", id, err)
	}
}

// typeInto waits for the element of the CSS selector, empties its value
// by script (see fill) and types value into it.
func (b *browser) typeInto(css, value string) error {
	sel := chromedp.CSS(css)
	clear := fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true })()`, css)
	if err := chromedp.Do(b.ctx, chromedp.WaitReady(sel)); err != nil {
		return err
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](clear)); err != nil {
		return err
	}
	return chromedp.Do(b.ctx, chromedp.SendKeys(sel, value))
}

// choose selects the option of value in the select with the id. (Not
// chromedp.SetValue: cdproto's CallArgument has omitempty under JSON v2, so
// an empty string reaches the page as undefined and selects nothing.)
func (b *browser) choose(id, value string) {
	b.t.Helper()
	ok := eval[bool](b, fmt.Sprintf(`(() => {
		const s = document.getElementById(%q);
		s.value = %q;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return s.selectedIndex >= 0 && s.value === %[2]q;
	})()`, id, value))
	if !ok {
		b.fatalf("#%s has no option %q", id, value)
	}
}

// click clicks the element of the CSS selector, without waiting for a page.
func (b *browser) click(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.fatalf("click %s: %v", sel, err)
	}
}

// submit clicks the element of the CSS selector, waits for the page that
// follows and returns its HTTP status.
func (b *browser) submit(sel string) int {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("click %s and wait for the page: %v", sel, err)
	}
	return int(resp.Status)
}

// text is the visible text of the page.
func (b *browser) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		b.fatalf("read the page text: %v", err)
	}
	return s
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// path is the path of the page shown.
func (b *browser) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname`)
}

// expectPath fails unless the page shown is at path.
func (b *browser) expectPath(want string) {
	b.t.Helper()
	if got := b.path(); got != want {
		b.fatalf("page is %s, want %s; it shows:\n%s", got, want, excerpt(b.text()))
	}
}

// expectText fails unless the page shows every one of want.
func (b *browser) expectText(want ...string) {
	b.t.Helper()
	text := b.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			b.fatalf("page %s does not show %q; it shows:\n%s", b.path(), w, excerpt(text))
		}
	}
}

// expectHeading fails unless the main heading of the page is want.
func (b *browser) expectHeading(want string) {
	b.t.Helper()
	got := strings.TrimSpace(eval[string](b, `(document.querySelector("main h1") || {innerText: ""}).innerText`))
	if got != want {
		b.fatalf("page %s is headed %q, want %q; it shows:\n%s", b.path(), got, want, excerpt(b.text()))
	}
}

// expectNoText fails if the page shows one of unwanted.
func (b *browser) expectNoText(unwanted ...string) {
	b.t.Helper()
	text := b.text()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			b.fatalf("page %s shows %q, which it should not; it shows:\n%s", b.path(), w, excerpt(text))
		}
	}
}

func excerpt(s string) string {
	if r := []rune(s); len(r) > 1500 {
		return string(r[:1500]) + "…"
	}
	return s
}

// fieldMessage is the error shown for a form field.
type fieldMessage struct {
	Text    string `json:"text"`
	Near    bool   `json:"near"`    // inside the field's own block (label, input, message)
	Invalid bool   `json:"invalid"` // the control is marked aria-invalid and points at the message
}

// fieldError returns the message shown next to the form field name ("" when
// none).
func (b *browser) fieldError(name string) fieldMessage {
	b.t.Helper()
	return eval[fieldMessage](b, fmt.Sprintf(`(() => {
		const e = document.getElementById(%[1]q + "-error");
		if (!e) return {text: "", near: false, invalid: false};
		const c = document.querySelector('[aria-describedby~="' + %[1]q + '-error"]');
		const near = !!c && (c.contains(e) || c.parentElement.contains(e));
		return {text: e.innerText.trim(), near: near, invalid: !!c && c.getAttribute("aria-invalid") === "true"};
	})()`, name))
}

// expectFieldError fails unless the message want is shown next to the
// field name.
func (b *browser) expectFieldError(name, want string) {
	b.t.Helper()
	got := b.fieldError(name)
	switch {
	case got.Text != want:
		b.fatalf("field %q shows error %q, want %q; the page shows:\n%s", name, got.Text, want, excerpt(b.text()))
	case !got.Near || !got.Invalid:
		b.fatalf("the error %q is not tied to the field %q (next to it: %v, aria-invalid with aria-describedby: %v)", got.Text, name, got.Near, got.Invalid)
	}
}

// value is the current value of the form field with the id.
func (b *browser) value(id string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`document.getElementById(%q).value`, id))
}

// signIn fills the sign-in form of portal ("gov" or "agency") and returns
// the status of the page that follows.
func (b *browser) signIn(portal, username, password string) int {
	b.t.Helper()
	if st := b.open("/" + portal + "/login"); st != 200 {
		b.fatalf("/%s/login answered %d", portal, st)
	}
	return b.submitLogin(username, password)
}

// submitLogin fills and sends the sign-in form shown.
func (b *browser) submitLogin(username, password string) int {
	b.t.Helper()
	b.fill("username", username)
	b.fill("password", password)
	return b.submit(`form[action$="/login"] button[type=submit]`)
}

// signOut clicks the sign-out button of the header.
func (b *browser) signOut() {
	b.t.Helper()
	if st := b.submit(`header form[action$="/logout"] button`); st != 200 {
		b.fatalf("sign out: status %d", st)
	}
}

// switchLanguage clicks the language button of the header ("zh-CN" or "en").
func (b *browser) switchLanguage(lang string) {
	b.t.Helper()
	if st := b.submit(fmt.Sprintf(`header button[name=lang][value=%q]`, lang)); st != 200 {
		b.fatalf("switch to %s: status %d", lang, st)
	}
	if got := eval[string](b, `document.documentElement.lang`); got != lang {
		b.fatalf("after switching to %s the page says lang=%q", lang, got)
	}
}

// changePassword fills the password form shown.
func (b *browser) changePassword(current, next, confirm string) int {
	b.t.Helper()
	b.fill("current", current)
	b.fill("new", next)
	b.fill("confirm", confirm)
	return b.submit(`form[action$="/password"] button[type=submit]`)
}

// clearCookies forgets every cookie of the browser (session and language).
func (b *browser) clearCookies() {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		b.fatalf("clear the cookies: %v", err)
	}
}

// screenshot writes a PNG of the viewport (full=false) or of the whole
// page to path.
func (b *browser) screenshot(path string, full bool) {
	b.t.Helper()
	action := chromedp.CaptureScreenshot()
	if full {
		action = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(b.ctx, action)
	if err != nil {
		b.fatalf("screenshot %s: %v", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.fatalf("%v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.fatalf("%v", err)
	}
}

// media emulates a CSS media type ("print"; "" the screen again).
func (b *browser) media(m string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
		b.fatalf("emulate media %q: %v", m, err)
	}
}

// viewport sets the size of the page area; mobile emulates a phone.
func (b *browser) viewport(w, h int64, mobile bool) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(w, h, opts...)); err != nil {
		b.fatalf("set the viewport: %v", err)
	}
}
