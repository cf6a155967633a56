package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kardianos/service"
)

const serviceName = "anju"

// systemdUnit replaces kardianos/service's default unit (which waits 120 s
// before a restart): restart on failure after 5 s, a high open-files limit
// for the search index, the data folder as working directory, logs to the
// journal. It uses the library's template names; install/anju.service is
// a hardened example to adapt by hand.
const systemdUnit = `[Unit]
Description={{Description}}
After=network-online.target
Wants=network-online.target
ConditionFileIsExecutable={{Path | cmdEscape}}
StartLimitIntervalSec=300
StartLimitBurst=10

[Service]
Type=simple
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
{{if WorkingDirectory}}WorkingDirectory={{WorkingDirectory | cmdEscape}}
{{end}}{{if UserName}}User={{UserName}}
{{end}}Restart=on-failure
RestartSec=5
LimitNOFILE=65536
TimeoutStopSec=30
UMask=0077
NoNewPrivileges=true
PrivateTmp=true
EnvironmentFile=-/etc/default/{{Name}}
{{range EnvVars}}{{.}}
{{end}}
[Install]
WantedBy=multi-user.target
`

// program adapts Main to kardianos/service.
type program struct {
	m         *Main
	errc      chan error
	opened    chan struct{}      // closed when Open has returned
	stopStart context.CancelFunc // interrupts a start still under way
}

func (p *program) Start(s service.Service) error {
	// Open in the background: the service manager wants Start to return.
	p.opened = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	p.stopStart = cancel
	go func() {
		defer close(p.opened)
		if err := p.m.OpenContext(ctx); err != nil {
			if errors.Is(err, errStartStopped) {
				return // Stop closes and exits
			}
			p.m.Log.Error("start failed", "err", err)
			p.m.Close()
			// Exit non-zero without asking the service manager to stop us:
			// a deliberate stop would suppress the restart on failure.
			os.Exit(exitFailure)
		}
	}()
	return nil
}

func (p *program) Stop(service.Service) error {
	p.m.Log.Info("stopping (service)")
	if p.opened != nil {
		// A stop while still starting (migrations, demo data) ends the
		// start after its current step and waits for that: closing the
		// store under it would fail it half way, logged as a failed start.
		p.stopStart()
		<-p.opened
	}
	return p.m.Close()
}

func serviceConfig(args []string, dataDir string) *service.Config {
	return &service.Config{
		Name:             serviceName,
		DisplayName:      "Anju 住房租赁监管服务平台",
		Description:      "Anju housing rental supervision platform",
		Arguments:        append([]string{"serve"}, args...),
		WorkingDirectory: dataDir,
		Option: service.KeyValue{
			"SystemdScript":          systemdUnit,
			"OnFailure":              "restart", // Windows: restart on failure
			"OnFailureDelayDuration": "5s",
			"DelayedAutoStart":       true,
		},
	}
}

func runAsService(m *Main) error {
	p := &program{m: m, errc: make(chan error, 1)}
	s, err := service.New(p, serviceConfig(nil, m.Config.DataDir))
	if err != nil {
		return err
	}
	return s.Run()
}

// runInstall installs the service with the serve flags given here, the
// data folder made absolute (the service's working directory).
func runInstall(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("install", "")
	var cfg Config
	cfg.register(fs)
	if err := parseFlags(fs, args, 0, 0, stderr); err != nil {
		return err
	}
	if err := serviceSupported("install", serveExample(args, cfg.Addr)); err != nil {
		return err
	}
	if err := cfg.check(); err != nil {
		return err
	}
	data, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	// The flags given, with paths made absolute: the service runs in the
	// data folder (or System32 on Windows).
	var svcArgs []string
	var absErr error
	fs.Visit(func(f *flag.Flag) {
		v := f.Value.String()
		switch f.Name {
		case "data":
			return
		case "tls-cert", "tls-key", "log-file":
			if v, absErr = filepath.Abs(v); absErr != nil {
				return
			}
		}
		svcArgs = append(svcArgs, "--"+f.Name+"="+v)
	})
	if absErr != nil {
		return absErr
	}
	svcArgs = append(svcArgs, "--data="+data)
	s, err := service.New(&program{}, serviceConfig(svcArgs, data))
	if err != nil {
		return err
	}
	if err := s.Install(); err != nil {
		return fmt.Errorf("install service: %w (run as root / Administrator; `anju uninstall` first if it exists)", err)
	}
	fmt.Fprintf(stdout, "Service %q installed (%s), data in %s, flags: %v\nStart it with: anju start\n", serviceName, s.Platform(), data, svcArgs)
	return nil
}

func serviceAction(action string) func(context.Context, []string, io.Writer, io.Writer) error {
	return func(_ context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet(action, "")
		if err := parseFlags(fs, args, 0, 0, stderr); err != nil {
			return err
		}
		if err := serviceSupported(action, ""); err != nil {
			return err
		}
		s, err := service.New(&program{}, serviceConfig(nil, ""))
		if err != nil {
			return err
		}
		if action == "uninstall" {
			if st, err := s.Status(); err == nil && st == service.StatusRunning {
				if err := s.Stop(); err != nil {
					return serviceFailed("stop service before uninstall", err)
				}
			}
		}
		if err := service.Control(s, action); err != nil {
			return serviceFailed(action+" service", err)
		}
		fmt.Fprintf(stdout, "service %q: %s done\n", serviceName, action)
		return nil
	}
}

func runServiceStatus(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", "")
	if err := parseFlags(fs, args, 0, 0, stderr); err != nil {
		return err
	}
	if err := serviceSupported("status", ""); err != nil {
		return err
	}
	s, err := service.New(&program{}, serviceConfig(nil, ""))
	if err != nil {
		return err
	}
	st, err := s.Status()
	if errors.Is(err, service.ErrNotInstalled) {
		fmt.Fprintf(stdout, "service %q is not installed\n", serviceName)
		return err
	}
	if err != nil {
		return serviceFailed("service status", err)
	}
	names := map[service.Status]string{service.StatusRunning: "running", service.StatusStopped: "stopped"}
	name, ok := names[st]
	if !ok {
		name = "unknown"
	}
	fmt.Fprintf(stdout, "service %q is %s (%s, %s)\n", serviceName, name, s.Platform(), runtime.GOOS)
	if st != service.StatusRunning {
		return errors.New("service is not running")
	}
	return nil
}

// serviceSupported refuses the service commands where anju cannot be the
// service it promises. On Linux that is systemd only: without it
// kardianos/service falls back to writing a SysV script into /etc/init.d,
// which has no restart on failure and no journal, is never run in a
// container, and answers every later command with a bare "exit status 1".
func serviceSupported(action, serve string) error {
	name := ""
	if sys := service.ChosenSystem(); sys != nil {
		name = sys.String()
	}
	init, _ := os.ReadFile("/proc/1/comm")
	return serviceSupportedOn(runtime.GOOS, name, strings.TrimSpace(string(init)), action, fileExists(sysvScript), serve)
}

// defaultServeExample is the command the refusal suggests when the officer
// gave no flags of his own.
const defaultServeExample = "anju serve --data /var/lib/anju --addr :8080\n" +
	"and watch it with `curl -fsS http://127.0.0.1:8080/healthz`"

// serveExample is the anju serve command with the flags given to install,
// and where to watch it: an officer who asked for --data /srv/anju
// --addr :9090 and copied a suggestion naming /var/lib/anju and :8080 got a
// second, empty platform with a new first admin. "" without flags.
func serveExample(args []string, addr string) string {
	if len(args) == 0 {
		return ""
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if strings.ContainsAny(a, " \t'\"$`\\") {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		port = "8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" || host == "localhost" {
		host = "127.0.0.1"
	}
	return "anju serve " + strings.Join(quoted, " ") + "\n" +
		"and watch it with `curl -fsS http://" + net.JoinHostPort(host, port) + "/healthz`"
}

// sysvScript is where an earlier anju install wrote its script on a
// Linux without systemd.
const sysvScript = "/etc/init.d/" + serviceName

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// serviceSupportedOn is serviceSupported for a given OS, service system
// (kardianos' name of it), init process name and whether an old SysV
// script exists: it says what is wrong and what to do instead.
func serviceSupportedOn(goos, system, initName, action string, sysvScriptExists bool, serve string) error {
	if goos != "linux" || system == "linux-systemd" {
		return nil
	}
	if initName == "" {
		initName = "unknown"
	}
	if serve == "" {
		serve = defaultServeExample
	}
	msg := fmt.Sprintf("%s: on Linux the service commands (install, start, stop, status, uninstall) need systemd, "+
		"and this machine does not run it (its first process is %q).\n"+
		"Run the platform under the supervisor this machine uses instead (a container's restart policy, supervisord, runit, an init script of your own):\n"+
		"    %s. See install/README.md, \"Without systemd\".", action, initName, serve)
	if sysvScriptExists {
		msg += fmt.Sprintf("\n%s exists (an earlier `anju install` wrote it); remove it with: sudo rm %s /etc/rc?.d/[SK]??%s", sysvScript, sysvScript, serviceName)
	}
	return errors.New(msg)
}

// serviceFailed wraps a service manager's failure, which is often only its
// exit status, with where systemd keeps the reason.
func serviceFailed(what string, err error) error {
	if runtime.GOOS == "linux" {
		return fmt.Errorf("%s: %w\nsystemd says why: sudo systemctl status %s; sudo journalctl -u %s -n 50", what, err, serviceName, serviceName)
	}
	return fmt.Errorf("%s: %w", what, err)
}
