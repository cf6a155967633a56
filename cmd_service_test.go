package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/kardianos/service"
)

// TestServiceCommandsWithoutSystemd: on a Linux without systemd the service
// commands say what is wrong and what to do, never a bare "exit status 1"
// (kardianos/service's SysV fallback, whose `service anju status` exits 1).
func TestServiceCommandsWithoutSystemd(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"install", "start", "stop", "status", "uninstall"} {
		err := serviceSupportedOn("linux", "unix-systemv", "process_api", action, false)
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
	err := serviceSupportedOn("linux", "unix-systemv", "init", "uninstall", true)
	if err == nil || !strings.Contains(err.Error(), "sudo rm /etc/init.d/anju /etc/rc?.d/[SK]??anju") {
		t.Errorf("old SysV script: %v", err)
	}
	for _, ok := range [][2]string{{"linux", "linux-systemd"}, {"windows", "windows-service"}, {"darwin", "darwin-launchd"}} {
		if err := serviceSupportedOn(ok[0], ok[1], "systemd", "start", false); err != nil {
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
