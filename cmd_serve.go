package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kardianos/service"

	"anju/app"
	"anju/ui"
)

// Main is a serving platform: the App and its HTTP server. End-to-end and
// browser tests start one with a temp data folder and Addr ":0".
type Main struct {
	Config Config
	Log    *slog.Logger
	Out    io.Writer // where the first admin's password and demo accounts are printed

	App      *app.App
	server   *http.Server
	listener net.Listener
	cancel   context.CancelFunc
	done     chan struct{}
	flushLog func() // writes the log lines still buffered; nil when unbuffered
	// handler is what the server answers with: ui.Starting's handler
	// until the start is over, then the portals.
	handler atomic.Pointer[http.Handler]
	// beforeData, when set (tests), runs while the start page is served,
	// before the data folder is opened: a test holds a long start there.
	beforeData     func()
	controlWritten bool
}

// controlFile tells the CLI of the same machine how to reach the running
// platform (anju backup while serving).
const controlFile = "anju.control"

type controlInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// Open opens the data folder, prepares the first admin and demo data, and
// starts listening.
func (m *Main) Open() error { return m.OpenContext(context.Background()) }

// errStartStopped ends a start that a stop interrupted (Ctrl+C, the
// service manager): not a failure, nothing to restart.
var errStartStopped = errors.New("stopped while starting")

// OpenContext is Open that a stop can interrupt: once ctx ends it logs at
// once that the platform is stopping and gives up after the step under way
// (a migration commits or rolls back whole), returning an error that Is
// errStartStopped. The caller then calls Close, as after any failed Open.
func (m *Main) OpenContext(ctx context.Context) error {
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	if m.Out == nil {
		m.Out = io.Discard
	}
	tuneGC(m.Log)
	if (m.Config.TLSCert == "") != (m.Config.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	// The certificate before anything else: read only when serving began,
	// a missing or unreadable one let anju say "serving at https://…" and
	// run on, serving nothing, after it had migrated the data file and
	// printed the first admin's one-time password.
	var tlsConfig *tls.Config
	if m.Config.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(m.Config.TLSCert, m.Config.TLSKey)
		if err != nil {
			return fmt.Errorf("--tls-cert %s, --tls-key %s: %w; the data folder was not touched", m.Config.TLSCert, m.Config.TLSKey, err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	// The address before the data file: a port already taken (a second
	// copy started by mistake, a newer binary tried beside the running
	// one) must stop the start before the file is migrated to this
	// binary's schema, the first admin created with a one-time password
	// the next start would not show again, or the demo loaded.
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		if app.DataInUse(m.Config.DataDir) {
			// A second anju on a folder already served is told so, not
			// only that the port is taken.
			return fmt.Errorf("%w: %s", app.ErrDataLocked, alreadyServing(m.Config.DataDir))
		}
		return fmt.Errorf("listen on %s: %w; another program (or another anju) uses this address: stop it, or choose another one with --addr (env ANJU_ADDR). The data folder was not touched", m.Config.Addr, err)
	}
	m.listener = ln
	// Answer at once while the data file is migrated and the first admin
	// and demo data are set up: a browser gets a page saying the platform
	// is starting, an API client a 503 it can retry, not a silent wait.
	starting, err := ui.Starting()
	if err != nil {
		return err
	}
	m.handler.Store(&starting)
	m.server = &http.Server{Handler: http.HandlerFunc(m.serveHTTP), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		TLSConfig: tlsConfig, ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	go func() {
		var err error
		if m.Config.TLSCert != "" {
			err = m.server.ServeTLS(ln, "", "") // the certificate loaded above
		} else {
			err = m.server.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server", "err", err)
		}
	}()
	m.Log.Info("anju starting", "url", m.URL(), "data", m.Config.DataDir, "version", version())
	if h := hardStopOf(ctx); h != nil {
		h.sayWith(func() {
			m.Log.Warn("stop signal again: exiting now, without waiting for the step under way; " +
				"nothing is half written (a migration not yet saved runs again at the next start)")
			if m.flushLog != nil {
				m.flushLog()
			}
		})
	}
	// A stop is logged the moment it comes, not when the step under way
	// (a migration of minutes) ends: the officer who pressed Ctrl+C sees
	// it was heard.
	var stopLogged sync.Once
	var stopArgs []any
	if hardStopOf(ctx) != nil {
		stopArgs = []any{"hint", "a second Ctrl+C exits at once"}
	}
	logStop := func() {
		stopLogged.Do(func() { m.Log.Info("stopping: the start ends after its current step", stopArgs...) })
	}
	started := make(chan struct{})
	defer close(started)
	go func() {
		select {
		case <-ctx.Done():
			logStop()
		case <-started:
		}
	}()
	stopped := func() error {
		if ctx.Err() != nil {
			logStop()
			return errStartStopped
		}
		return nil
	}
	if m.beforeData != nil {
		m.beforeData()
	}
	if err := stopped(); err != nil {
		return err
	}
	a, err := app.OpenContext(ctx, app.Config{DataDir: m.Config.DataDir, Logger: m.Log, Version: version(), NoIndexWait: true})
	if errors.Is(err, app.ErrDataLocked) {
		return fmt.Errorf("%w: %s", err, alreadyServing(m.Config.DataDir))
	}
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return stopped()
		}
		return err
	}
	m.App = a
	if err := stopped(); err != nil {
		return err
	}
	password, created, err := a.BootstrapAdmin()
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(m.Out, "\n  The first system administrator was created.\n  User name: admin\n  One-time password: %s\n  (shown only now; it must be changed at first sign-in)\n\n", password)
	}
	if m.Config.Demo {
		if err := stopped(); err != nil {
			return err
		}
		accounts, err := a.LoadDemo()
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		fmt.Fprintf(m.Out, "  Demo data loaded. Demo accounts (password %s):\n", app.DemoPassword)
		for _, d := range accounts {
			roles := make([]string, len(d.Roles))
			for i, r := range d.Roles {
				roles[i] = string(r)
			}
			fmt.Fprintf(m.Out, "    %-15s %-6s %-10s %s\n", d.Username, d.Portal, d.Name, strings.Join(roles, ","))
		}
		fmt.Fprintln(m.Out, "  Demo properties to verify (district 110105 朝阳区, certificate type 01):")
		for _, p := range a.DemoCertificates() {
			flags := ""
			if p.Seized {
				flags = " [seized]"
			} else if p.Mortgaged {
				flags = " [mortgaged]"
			}
			fmt.Fprintf(m.Out, "    %s  %s %s%s\n", p.CertNo, p.Owners[0].Name, p.Owners[0].IDNo, flags)
		}
		fmt.Fprintln(m.Out)
	}
	if err := stopped(); err != nil {
		return err
	}
	tokenBytes := make([]byte, 24)
	_, _ = rand.Read(tokenBytes)
	token := hex.EncodeToString(tokenBytes)
	handler, err := ui.New(a, ui.Config{Logger: m.Log, TLS: m.Config.TLSCert != "" || m.Config.SecureCookie,
		TrustProxy: m.Config.TrustProxy, ControlToken: token, RestoreCommand: restoreCommand()})
	if err != nil {
		return err
	}
	if err := stopped(); err != nil {
		return err
	}
	var h http.Handler = handler
	m.handler.Store(&h)
	if err := m.writeControl(token); err != nil {
		m.Log.Warn("write control file; anju backup will not reach this process", "err", err)
	}
	m.controlWritten = true
	// The platform's own context, for Close: not the start's ctx, which the
	// stop watcher above reads until this function returns.
	runCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.done = make(chan struct{})
	go func() { a.Run(runCtx); close(m.done) }()
	m.Log.Info("anju serving", "url", m.URL(), "data", m.Config.DataDir, "version", version())
	return nil
}

func (m *Main) serveHTTP(w http.ResponseWriter, r *http.Request) {
	(*m.handler.Load()).ServeHTTP(w, r)
}

// alreadyServing tells an officer who starts anju on a data folder that a
// running platform holds where that platform answers and how to stop it
// (from its control file, when it can be read).
func alreadyServing(dataDir string) string {
	var info controlInfo
	if b, err := os.ReadFile(filepath.Join(dataDir, controlFile)); err == nil && json.Unmarshal(b, &info) == nil && info.URL != "" {
		return fmt.Sprintf("anju is already serving this data folder at %s (process %d); use that one, or stop it first (anju stop, or Ctrl+C where anju serve runs)", info.URL, info.PID)
	}
	return "anju is already running on this data folder; use that one, or stop it first (anju stop, or Ctrl+C where anju serve runs)"
}

// URL is the base address the platform answers on.
func (m *Main) URL() string {
	scheme := "http"
	if m.Config.TLSCert != "" {
		scheme = "https"
	}
	addr := m.listener.Addr().(*net.TCPAddr)
	host := "localhost"
	if ip := addr.IP; ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
		host = ip.String()
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

func (m *Main) writeControl(token string) error {
	addr := m.listener.Addr().(*net.TCPAddr)
	scheme := "http"
	if m.Config.TLSCert != "" {
		scheme = "https"
	}
	// The control endpoints answer loopback callers only; when the platform
	// listens on one specific address, the CLI must use that one.
	host := "127.0.0.1"
	if ip := addr.IP; ip != nil && !ip.IsUnspecified() {
		host = ip.String()
	}
	info := controlInfo{URL: fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, fmt.Sprint(addr.Port))), Token: token, PID: os.Getpid()}
	b, _ := json.Marshal(info)
	return os.WriteFile(filepath.Join(m.Config.DataDir, controlFile), b, 0o600)
}

// Close stops serving (finishing requests in flight for up to 10 seconds)
// and closes the data folder.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.server.Shutdown(ctx))
		cancel()
		if m.controlWritten {
			// Only our own: a start that found the folder served by
			// another anju (on another port) must not remove that one's.
			os.Remove(filepath.Join(m.Config.DataDir, controlFile))
		}
	} else if m.listener != nil {
		m.listener.Close() // Open failed after taking the address
	}
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
	if m.App != nil {
		errs = append(errs, m.App.Close())
	}
	if m.flushLog != nil {
		m.flushLog()
	}
	return errors.Join(errs...)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// newFlagSet, as every command: flag's own usage said "Usage of serve:",
	// which names no program an officer can run.
	fs := newFlagSet("serve", "")
	var cfg Config
	cfg.register(fs)
	if err := parseFlags(fs, args, 0, 0, stderr); err != nil {
		return err
	}
	if err := cfg.check(); err != nil {
		return err
	}
	var logTo io.Writer = os.Stderr
	if path := cfg.logFilePath(!service.Interactive(), runtime.GOOS); path != "" {
		lf, err := openLogFile(path, logFileMax, logFileKeep)
		if err != nil {
			return err
		}
		defer lf.Close()
		// The file first: a service's standard error may fail every
		// write, and io.MultiWriter stops at the first failure.
		logTo, stdout = io.MultiWriter(lf, os.Stderr), io.MultiWriter(lf, stdout)
	}
	log, flushLog := cfg.logger(logTo)
	m := &Main{Config: cfg, Log: log, Out: stdout, flushLog: flushLog}
	if !service.Interactive() {
		// Started by systemd or the Windows service manager.
		return runAsService(m)
	}
	if err := m.OpenContext(ctx); err != nil {
		if errors.Is(err, errStartStopped) {
			m.Log.Info("stopped before the start was over")
			return m.Close()
		}
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "Anju is serving at %s  (Ctrl+C to stop)\n", m.URL())
	<-ctx.Done()
	m.Log.Info("stopping")
	return m.Close()
}

// restoreCommand is the restore command the backups page shows to copy.
// It runs as the account the platform runs under: a restore run as root
// beside the hardened unit (User=anju) left root-owned files, and the
// service then failed to start with "permission denied" (install/README.md
// section 9). It names this binary by its path: sudo on RHEL-family
// systems does not search /usr/local/bin, and the service's binary may not
// be the first anju on the officer's PATH.
func restoreCommand() string {
	exe, err := os.Executable()
	if err != nil {
		exe = ""
	}
	uid, name := "", ""
	if u, err := user.Current(); err == nil {
		uid, name = u.Uid, u.Username
	}
	return restoreCommandFor(runtime.GOOS, exe, uid, name)
}

func restoreCommandFor(goos, exe, uid, username string) string {
	// go run builds into a temporary folder that is gone once it ends.
	if exe == "" || strings.Contains(exe, "go-build") {
		exe = "anju"
	}
	if strings.ContainsAny(exe, " \t'\"") {
		if goos == "windows" {
			exe = `"` + exe + `"`
		} else {
			exe = "'" + strings.ReplaceAll(exe, "'", `'\''`) + "'"
		}
	}
	switch {
	case goos == "windows" || uid == "":
		return exe + " restore"
	case uid == "0":
		return "sudo " + exe + " restore"
	default:
		if username == "" {
			username = "'#" + uid + "'" // sudo's form for an account without a name, quoted: # starts a shell comment
		}
		return "sudo -u " + username + " " + exe + " restore"
	}
}
