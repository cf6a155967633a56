package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runInstallScript runs install/install.sh as an officer would (sudo sh
// install/install.sh --binary anju), in a temporary folder standing for /
// (ANJU_INSTALL_TEST_ROOT) with stubs for the commands that would change
// this machine: systemd answers as a running service whose command line
// is argv, and the user anju exists.
func runInstallScript(t *testing.T, argv string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("install", "install.sh"))
	if b, rerr := os.ReadFile(script); rerr != nil || !bytes.Contains(b, []byte("ANJU_INSTALL_TEST_ROOT")) {
		// Without it the script would install into this machine's /.
		t.Fatalf("%s does not honour ANJU_INSTALL_TEST_ROOT (%v)", script, rerr)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		if _, err := exec.LookPath("wget"); err != nil {
			t.Skip("neither curl nor wget: install.sh cannot ask /healthz")
		}
	}
	realInstall, lerr := exec.LookPath("install")
	if lerr != nil {
		t.Skip("no install(1)")
	}
	dir := t.TempDir()
	root, stubs := filepath.Join(dir, "root"), filepath.Join(dir, "stubs")
	for _, d := range []string{filepath.Join(root, "run", "systemd", "system"), filepath.Join(root, "etc", "systemd", "system"), stubs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range map[string]string{
		"id":         `echo 0`,
		"getent":     `exit 0`,
		"chown":      `exit 0`,
		"journalctl": `exit 0`,
		// install -o anju -g anju: the user exists only in the stubs.
		"install": `a=''; skip=no
for x; do
	if [ $skip = yes ]; then skip=no; continue; fi
	case $x in -o | -g) skip=yes; continue ;; esac
	a="$a '$x'"
done
eval "exec ` + realInstall + ` $a"`,
		"systemctl": `case "$*" in
*NRestarts*) echo 0 ;;
*ExecStart*) echo "ExecStart={ path=/usr/local/bin/anju ; argv[]=$STUB_ARGV ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }" ;;
esac
exit 0`,
	} {
		if err := os.WriteFile(filepath.Join(stubs, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "anju")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho 'anju test'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", append([]string{script, "--binary", bin}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+stubs+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ANJU_INSTALL_TEST_ROOT="+root, "STUB_ARGV="+argv)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// TestInstallScriptWaitsForReady: install.sh says the platform is ready only
// when /healthz says so. While the start still migrates the data file it
// says that the platform is starting and how to follow it, not "running";
// when nothing answers it says so and fails.
func TestInstallScriptWaitsForReady(t *testing.T) {
	t.Parallel()
	m, _, release, errc := heldStart(t, context.Background())
	port := m.listener.Addr().(*net.TCPAddr).Port

	out, errOut, err := runInstallScript(t, fmt.Sprintf("/usr/local/bin/anju serve --data /var/lib/anju --addr 127.0.0.1:%d", port), "--wait", "1")
	if err != nil {
		t.Fatalf("install.sh while the platform starts: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{"Anju is still starting after 1 s", "journalctl -u anju -f", fmt.Sprintf("curl -fsS http://127.0.0.1:%d/healthz", port)} {
		if !strings.Contains(out, want) {
			t.Errorf("install.sh while the platform starts does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "is running") || strings.Contains(out, "ready at") {
		t.Errorf("install.sh says the platform runs while it is still starting:\n%s", out)
	}

	release()
	if err := <-errc; err != nil {
		t.Fatalf("start: %v", err)
	}
	out, errOut, err = runInstallScript(t, fmt.Sprintf("/usr/local/bin/anju serve --data=/var/lib/anju --addr=:%d", port))
	if err != nil {
		t.Fatalf("install.sh once the platform serves: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{fmt.Sprintf("Anju is running and ready at http://127.0.0.1:%d", port),
		fmt.Sprintf("First sign-in: http://<this server>:%d/gov/login", port)} {
		if !strings.Contains(out, want) {
			t.Errorf("install.sh once the platform serves does not say %q:\n%s", want, out)
		}
	}

	// Nothing on the port the unit names.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	free := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	out, errOut, err = runInstallScript(t, fmt.Sprintf("/usr/local/bin/anju serve --addr 127.0.0.1:%d", free), "--wait", "1")
	if err == nil {
		t.Errorf("install.sh with nothing answering succeeded:\n%s%s", out, errOut)
	}
	if want := fmt.Sprintf("nothing answered at http://127.0.0.1:%d/healthz within 1 s", free); !strings.Contains(errOut, want) {
		t.Errorf("install.sh with nothing answering does not say %q:\n%s%s", want, out, errOut)
	}
	if strings.Contains(out, "ready at") {
		t.Errorf("install.sh says ready while nothing answers:\n%s", out)
	}
}
