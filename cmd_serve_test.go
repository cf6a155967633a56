package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStopRightAfterStart: a platform stopped as soon as it has started
// (an officer's Ctrl+C, a service stop during start-up) logs no error: the
// start-up backup and the daily jobs end before the store and the index
// are closed, and no half-written backup is left behind.
func TestStopRightAfterStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 3 {
		logs := &syncBuffer{}
		m := &Main{
			Config: Config{Addr: "127.0.0.1:0", DataDir: dir, LogFormat: "text"},
			Log:    slog.New(slog.NewTextHandler(logs, nil)),
			Out:    &bytes.Buffer{},
		}
		if err := m.Open(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
		if strings.Contains(logs.tail(1<<20), "level=ERROR") {
			t.Fatalf("stop %d right after start logged an error:\n%s", i, logs.tail(1<<20))
		}
		if tmp, _ := filepath.Glob(filepath.Join(dir, "backups", "*.tmp")); len(tmp) > 0 {
			t.Fatalf("stop %d left %v", i, tmp)
		}
	}
}

// heldStart starts a platform whose start is held before it opens the data
// folder (where a long migration runs), as a large file's first start after
// an upgrade is. release lets the start go on; errc gets Open's answer.
// At the end of the test the start is let go on and the platform closed.
func heldStart(t *testing.T, ctx context.Context) (m *Main, logs *syncBuffer, release func(), errc chan error) {
	t.Helper()
	logs = &syncBuffer{}
	m = &Main{
		Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogFormat: "text"},
		Log:    slog.New(slog.NewTextHandler(logs, nil)),
		Out:    &bytes.Buffer{},
	}
	held, go_ := make(chan struct{}), make(chan struct{})
	m.beforeData = func() { close(held); <-go_ }
	errc = make(chan error, 1)
	opened := make(chan struct{})
	go func() { errc <- m.OpenContext(ctx); close(opened) }()
	select {
	case <-held:
	case err := <-errc:
		t.Fatalf("start ended before it was held: %v", err)
	}
	var once sync.Once
	release = func() { once.Do(func() { close(go_) }) }
	t.Cleanup(func() {
		// Before the temp folder goes, also when the test failed while
		// the start was held.
		release()
		<-opened
		m.Close()
	})
	return m, logs, release, errc
}

// TestRequestsWhileStarting: while the start is still migrating the data
// file, a browser gets at once a page in its language saying the platform
// is starting (reloading itself, fit for a phone), a listing platform a 503
// JSON error "starting" with Retry-After, and /healthz "starting"; once the
// start is over, the portals answer.
func TestRequestsWhileStarting(t *testing.T) {
	t.Parallel()
	m, _, release, errc := heldStart(t, context.Background())
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(method, path string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, m.URL()+path, strings.NewReader("{}"))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s while starting: %v (no answer)", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, c := range []struct{ accept, title, text string }{
		{"", "平台正在启动，请稍候…", "每 5 秒自动重试"},
		{"en-GB,en;q=0.9", "The platform is starting, please wait…", "every 5 seconds"},
	} {
		for _, path := range []string{"/", "/gov/login", "/v/7KQ2M9XH4TND"} {
			resp, body := get("GET", path, "Accept-Language", c.accept)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
				t.Errorf("GET %s (%q) while starting: %d, Retry-After %q; want 503, 5", path, c.accept, resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			for _, want := range []string{c.title, c.text, `<meta http-equiv="refresh" content="5">`, `name="viewport"`} {
				if !strings.Contains(body, want) {
					t.Errorf("GET %s (%q) while starting: page lacks %q:\n%s", path, c.accept, want, body)
				}
			}
		}
	}
	// The page's stylesheet is served too: no broken page on a phone.
	_, page := get("GET", "/")
	css := regexp.MustCompile(`href="(/static/[^"]+\.css)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatalf("starting page links no stylesheet:\n%s", page)
	}
	if resp, _ := get("GET", css[1]); resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s while starting: %d", css[1], resp.StatusCode)
	}

	for _, c := range []struct{ method, path, accept, message string }{
		{"POST", "/api/v1/verifications", "", "平台正在启动"},
		{"GET", "/api/v1/verifications/7KQ2M9XH4TND", "en", "The platform is starting"},
	} {
		resp, body := get(c.method, c.path, "Authorization", "Bearer anju_x_y", "Content-Type", "application/json", "Accept-Language", c.accept)
		var got struct {
			Error struct{ Code, Message, RequestID string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusServiceUnavailable ||
			resp.Header.Get("Retry-After") != "5" || got.Error.Code != "starting" || !strings.Contains(got.Error.Message, c.message) {
			t.Errorf("%s %s while starting: %d Retry-After %q %s; want 503, 5, code starting, %q", c.method, c.path,
				resp.StatusCode, resp.Header.Get("Retry-After"), body, c.message)
		}
	}
	if resp, body := get("GET", "/healthz"); resp.StatusCode != http.StatusServiceUnavailable || body != "starting\n" {
		t.Errorf("/healthz while starting: %d %q, want 503 \"starting\"", resp.StatusCode, body)
	}

	release()
	if err := <-errc; err != nil {
		t.Fatalf("start: %v", err)
	}
	if resp, body := get("GET", "/healthz"); resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz once started: %d %q, want 200 ok", resp.StatusCode, body)
	}
	if resp, body := get("GET", "/gov/login"); resp.StatusCode != http.StatusOK || strings.Contains(body, "平台正在启动") {
		t.Errorf("/gov/login once started: %d, still the starting page: %v", resp.StatusCode, strings.Contains(body, "平台正在启动"))
	}
}

// TestStopWhileStarting: a stop asked for during a long start (Ctrl+C, the
// service manager) is logged at once, while the step under way still runs,
// and ends the start as soon as that step is over, without a data file
// half set up and without an error logged.
func TestStopWhileStarting(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	m, logs, release, errc := heldStart(t, ctx)
	stop()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.tail(1<<20), "msg=\"stopping: the start ends after its current step\"") {
		if time.Now().After(deadline) {
			t.Fatalf("no line says the platform is stopping while the start is held:\n%s", logs.tail(1<<20))
		}
		time.Sleep(10 * time.Millisecond)
	}
	release()
	select {
	case err := <-errc:
		if !errors.Is(err, errStartStopped) {
			t.Fatalf("start stopped: %v, want errStartStopped", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the start went on after the stop")
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if strings.Contains(logs.tail(1<<20), "level=ERROR") {
		t.Errorf("a stop while starting logged an error:\n%s", logs.tail(1<<20))
	}
	if _, err := os.Stat(filepath.Join(m.Config.DataDir, "anju.db")); !os.IsNotExist(err) {
		t.Errorf("the data file was made after the stop: %v", err)
	}
}

// TestSecondStopWhileStarting: an officer who presses Ctrl+C again while
// the start still runs a long step (a migration) gets the process ended at
// once, with a line in the log saying so, not a wait for the step.
func TestSecondStopWhileStarting(t *testing.T) {
	t.Parallel()
	exited := make(chan int, 1)
	sigs := make(chan os.Signal, 2)
	ctx, stop := stopOnSignals(context.Background(), sigs, &hardStop{exit: func(code int) { exited <- code }})
	defer stop()
	_, logs, _, errc := heldStart(t, ctx)
	sigs <- os.Interrupt
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.tail(1<<20), "msg=\"stopping: the start ends after its current step\" hint=\"a second Ctrl+C exits at once\"") {
		if time.Now().After(deadline) {
			t.Fatalf("no line says the platform is stopping, and how to stop it at once:\n%s", logs.tail(1<<20))
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-exited:
		t.Fatalf("the first Ctrl+C exited at once (code %d)", code)
	default:
	}
	sigs <- os.Interrupt
	select {
	case code := <-exited:
		if code != exitFailure {
			t.Errorf("second Ctrl+C exited with code %d, want %d", code, exitFailure)
		}
	case err := <-errc:
		t.Fatalf("the start ended (%v) but the second Ctrl+C did not exit", err)
	case <-time.After(5 * time.Second):
		t.Fatal("a second Ctrl+C while the start is held did not exit")
	}
	if !strings.Contains(logs.tail(1<<20), "stop signal again: exiting now") {
		t.Errorf("the log does not say why the process exits:\n%s", logs.tail(1<<20))
	}
}

// TestRestoreCommandFor: the restore command the backups page shows runs
// as the platform's account, by the path of the binary that serves.
func TestRestoreCommandFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ goos, exe, uid, name, want string }{
		{"linux", "/usr/local/bin/anju", "998", "anju", "sudo -u anju /usr/local/bin/anju restore"},
		{"linux", "/usr/local/bin/anju", "0", "root", "sudo /usr/local/bin/anju restore"},
		{"linux", "/usr/local/bin/anju", "1001", "", "sudo -u '#1001' /usr/local/bin/anju restore"},
		{"linux", "/opt/my anju/anju", "998", "anju", "sudo -u anju '/opt/my anju/anju' restore"},
		{"linux", "/tmp/go-build123/b001/exe/anju", "1000", "dev", "sudo -u dev anju restore"},
		{"linux", "", "", "", "anju restore"},
		{"windows", `C:\Program Files\Anju\anju.exe`, "S-1-5-18", `NT AUTHORITY\SYSTEM`, `"C:\Program Files\Anju\anju.exe" restore`},
	} {
		if got := restoreCommandFor(c.goos, c.exe, c.uid, c.name); got != c.want {
			t.Errorf("restoreCommandFor(%q, %q, %q, %q) = %q, want %q", c.goos, c.exe, c.uid, c.name, got, c.want)
		}
	}
}

// TestServeStoppedWhileStarting: anju serve whose stop comes before the
// start is over says so in its log and exits without an error.
func TestServeStoppedWhileStarting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	stop()
	logFile := filepath.Join(dir, "anju.log")
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--log-file", logFile}, io.Discard, io.Discard)
	if err != nil {
		t.Fatalf("serve stopped while starting: %v, want no error", err)
	}
	b, _ := os.ReadFile(logFile)
	for _, want := range []string{"stopping: the start ends after its current step", "stopped before the start was over"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("log lacks %q:\n%s", want, b)
		}
	}
}
