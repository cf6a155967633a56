package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anju/app"
)

// TestServeRefusesBadSettings: a setting the platform cannot read stops
// it with the setting named, instead of a default the officer did not ask
// for (ANJU_SECURE_COOKIES=yes read as false).
func TestServeRefusesBadSettings(t *testing.T) {
	// Not parallel: it sets environment variables.
	cases := []struct {
		env, val string
		args     []string
		want     string
	}{
		{"ANJU_SECURE_COOKIES", "yes", nil, `ANJU_SECURE_COOKIES="yes"`},
		{"ANJU_TRUST_PROXY", "on", nil, `ANJU_TRUST_PROXY="on"`},
		{"ANJU_LOG_LEVEL", "verbose", nil, `log level "verbose"`},
		{"", "", []string{"--log-format", "xml"}, `log format "xml"`},
	}
	for _, c := range cases {
		if c.env != "" {
			t.Setenv(c.env, c.val)
		}
		var out, errOut bytes.Buffer
		args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, c.args...)
		err := run(context.Background(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s %v: %v, want an error naming %s", c.env, c.val, c.args, err, c.want)
		}
		if c.env != "" {
			t.Setenv(c.env, "")
		}
	}
}

// TestServeOnAFolderAlreadyServed: a second anju serve on a data folder a
// running platform holds says where that one answers and how to stop it.
func TestServeOnAFolderAlreadyServed(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--data", p.Config.DataDir, "--addr", "127.0.0.1:0"}, &out, &errOut)
	if err == nil {
		t.Fatal("a second serve on the same data folder started")
	}
	for _, want := range []string{"in use by another anju process", "already serving this data folder at http://127.0.0.1:", "anju stop, or Ctrl+C"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestServeOnATakenPortCreatesNothing: a first start on an address another
// program holds stops before it creates the admin, whose one-time password
// a later start would not print again; that start prints it.
func TestServeOnATakenPortCreatesNothing(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"serve", "--data", data, "--addr", ln.Addr().String()}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Fatalf("serve on a taken port: %v", err)
	}
	if strings.Contains(out.String(), "One-time password") {
		t.Errorf("a one-time password was printed by a start that failed:\n%s", out.String())
	}
	// The next start, on a free address, creates him and prints it.
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DataDir: data, LogFormat: "text"}, Out: &out}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.Contains(out.String(), "One-time password") {
		t.Errorf("the first successful start printed no one-time password:\n%s", out.String())
	}
}

// TestServeOnATakenPortLeavesTheDataFileAlone: a second copy started by
// mistake on the port the platform uses (or a newer binary tried beside
// it) stops with the port named before it opens the data file: not a byte
// of it is written (no migration to the new binary's schema), no index is
// made. The same port on the same folder says that folder is served.
func TestServeOnATakenPortLeavesTheDataFileAlone(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	initDataFolder(t, data)
	if err := os.RemoveAll(filepath.Join(data, app.IndexDirName)); err != nil {
		t.Fatal(err)
	}
	dataFile := filepath.Join(data, app.DataFileName)
	before, err := os.ReadFile(dataFile)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"serve", "--data", data, "--addr", ln.Addr().String()}, &out, &errOut)
	if err == nil {
		t.Fatal("serve on a taken port started")
	}
	for _, want := range []string{"listen on " + ln.Addr().String(), "choose another one with --addr", "The data folder was not touched"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if after, _ := os.ReadFile(dataFile); !bytes.Equal(before, after) {
		t.Error("the failed start wrote into the data file")
	}
	if _, err := os.Stat(filepath.Join(data, app.IndexDirName)); err == nil {
		t.Error("the failed start made a search index")
	}

	p := startPlatform(t, false)
	err = run(context.Background(), []string{"serve", "--data", p.Config.DataDir, "--addr", p.listener.Addr().String()}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "already serving this data folder at "+p.URL()[:len("http://")]) {
		t.Errorf("serve on the running platform's folder and port: %v", err)
	}
}
