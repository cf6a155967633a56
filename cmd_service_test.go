package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kardianos/service"
)

// TestServiceCommandsWithoutSystemd: on a Linux without systemd the service
// commands say what is wrong and what to do, never a bare "exit status 1"
// (kardianos/service's SysV fallback, whose `service anju status` exits 1).
func TestServiceCommandsWithoutSystemd(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"install", "start", "stop", "status", "uninstall"} {
		err := serviceSupportedOn("linux", "unix-systemv", "process_api", action, false, "")
		if err == nil {
			t.Fatalf("%s without systemd: no error", action)
		}
		for _, want := range []string{action + ": on Linux the service commands", "need systemd", `its first process is "process_api"`,
			"anju serve --data", "/healthz", "install/README.md"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", action, err, want)
			}
		}
		if strings.Contains(err.Error(), "/etc/init.d") {
			t.Errorf("%s: names an init script that does not exist: %q", action, err)
		}
	}
	// A script an earlier install wrote is named, with how to remove it.
	err := serviceSupportedOn("linux", "unix-systemv", "init", "uninstall", true, "")
	if err == nil || !strings.Contains(err.Error(), "sudo rm /etc/init.d/anju /etc/rc?.d/[SK]??anju") {
		t.Errorf("old SysV script: %v", err)
	}
	// anju install with flags: the suggestion is the serve command with
	// those flags, and /healthz on that port, not the guide's example (a
	// copy of which started a second, empty platform elsewhere).
	for _, c := range []struct {
		args       []string
		addr, want string
	}{
		{[]string{"--data", "/srv/anju", "--addr", ":9090"}, ":9090",
			"    anju serve --data /srv/anju --addr :9090\nand watch it with `curl -fsS http://127.0.0.1:9090/healthz`."},
		{[]string{"--addr=10.0.0.5:8081", "--data=/srv/my data"}, "10.0.0.5:8081",
			"    anju serve --addr=10.0.0.5:8081 '--data=/srv/my data'\nand watch it with `curl -fsS http://10.0.0.5:8081/healthz`."},
	} {
		err := serviceSupportedOn("linux", "unix-systemv", "process_api", "install", false, serveExample(c.args, c.addr))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("anju install %v without systemd: %v\nwant it to say %q", c.args, err, c.want)
		}
		if strings.Contains(err.Error(), "/var/lib/anju") {
			t.Errorf("anju install %v without systemd names another data folder: %v", c.args, err)
		}
	}
	if serveExample(nil, "localhost:8080") != "" {
		t.Error("anju install without flags: want the guide's example")
	}
	for _, ok := range [][2]string{{"linux", "linux-systemd"}, {"windows", "windows-service"}, {"darwin", "darwin-launchd"}} {
		if err := serviceSupportedOn(ok[0], ok[1], "systemd", "start", false, ""); err != nil {
			t.Errorf("%s/%s: %v", ok[0], ok[1], err)
		}
	}

	// On this machine, when it has no systemd: the commands that change
	// nothing answer so (install, start and uninstall would write or run
	// an init script as root if the check were lost).
	if sys := service.ChosenSystem(); runtime.GOOS != "linux" || sys == nil || sys.String() == "linux-systemd" {
		t.Skipf("this machine runs %s with service system %v", runtime.GOOS, sys)
	}
	for _, action := range []string{"status", "stop"} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{action}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "need systemd") || strings.Contains(err.Error(), "exit status") {
			t.Errorf("anju %s: %v", action, err)
		}
	}
}

// TestServiceStopWhileStarting: the service manager's stop during a long
// start (systemd kills anju 30 s after asking) ends the start after its
// current step, instead of waiting for the whole start, and is not taken
// for a failed start (which exits non-zero for a restart).
func TestServiceStopWhileStarting(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	m := &Main{
		Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogFormat: "text"},
		Log:    slog.New(slog.NewTextHandler(logs, nil)),
		Out:    &bytes.Buffer{},
	}
	held, release := make(chan struct{}), make(chan struct{})
	m.beforeData = func() { close(held); <-release }
	p := &program{m: m, errc: make(chan error, 1)}
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	<-held
	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop(nil) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.tail(1<<20), "stopping: the start ends after its current step") {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("the service's stop is not logged while the start is held:\n%s", logs.tail(1<<20))
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(m.Config.DataDir, "anju.db")); !os.IsNotExist(err) {
		t.Errorf("the start went on after the service's stop: the data file was made (%v)", err)
	}
	if strings.Contains(logs.tail(1<<20), "level=ERROR") {
		t.Errorf("the stop was logged as an error:\n%s", logs.tail(1<<20))
	}
}
