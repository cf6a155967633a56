package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"anju/app"
)

// initDataFolder creates a data file in dir, as a first start would.
func initDataFolder(t *testing.T, dir string) {
	t.Helper()
	a, err := app.Open(app.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

// lastLine is the last non-empty line of a command's output.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAPIKeyCommandOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	// A folder without a data file is refused (a wrong --data).
	if err := run(context.Background(), []string{"apikey", "create", "Platform A", "--data", dir}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "no data file") {
		t.Fatalf("empty folder: %v", err)
	}
	initDataFolder(t, dir)
	// Unknown district codes are named, each of them.
	err := run(context.Background(), []string{"apikey", "create", "Platform A", "--data", dir, "--districts", "999999,888888"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "districts: Not in the district dictionary, or disabled: 999999, 888888") {
		t.Fatalf("unknown districts: %v", err)
	}
	if err := run(context.Background(), []string{"apikey", "create", "Platform A", "--data", dir, "--rate", "1200"}, &out, &errOut); err != nil {
		t.Fatalf("apikey create: %v\n%s", err, errOut.String())
	}
	key := lastLine(out.String())
	if !strings.HasPrefix(key, "anju_") || strings.Contains(key, " ") || len(key) != 46 {
		t.Fatalf("last line %q is not the key alone\n%s", key, out.String())
	}
	if !strings.Contains(out.String(), "Platform A") || !strings.Contains(out.String(), "1200") {
		t.Errorf("output does not describe the key:\n%s", out.String())
	}
	a, err := app.Open(app.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	actor, k, err := a.AuthenticateAPIKey(key)
	if err != nil || actor.Name != "Platform A" || k.RatePerMin != 1200 || len(k.Districts) != 0 {
		t.Fatalf("the printed key does not authenticate: %+v %+v %v", actor, k, err)
	}
}

func TestAPIKeyCommandThroughRunningPlatform(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, true)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"apikey", "create", "--data", p.Config.DataDir, "--districts", "110105, 110108",
		"--contact", "王五 13800000000", "贝壳找房"}, &out, &errOut)
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "through the running platform") {
		t.Errorf("output does not say it went through the platform:\n%s", out.String())
	}
	actor, k, err := p.App.AuthenticateAPIKey(lastLine(out.String()))
	if err != nil || actor.Name != "贝壳找房" || strings.Join(k.Districts, ",") != "110105,110108" || k.Contact != "王五 13800000000" {
		t.Fatalf("the printed key: %+v %+v %v", actor, k, err)
	}
	// Errors come back with the field named.
	out.Reset()
	err = run(context.Background(), []string{"apikey", "create", "贝壳找房", "--data", p.Config.DataDir}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "name: An active key already has this name") {
		t.Fatalf("duplicate name: %v", err)
	}
	err = run(context.Background(), []string{"apikey", "create", "X", "--districts", "999999", "--data", p.Config.DataDir}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "districts: Not in the district dictionary, or disabled: 999999") {
		t.Fatalf("unknown district: %v", err)
	}
}

func TestAPIKeyCommandUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initDataFolder(t, dir)
	for _, tc := range []struct {
		args []string
		want error
	}{
		{[]string{"apikey"}, errUsage},
		{[]string{"apikey", "-h"}, flag.ErrHelp},
		{[]string{"apikey", "create", "-h"}, flag.ErrHelp},
		{[]string{"apikey", "delete", "x"}, errUsage},
		{[]string{"apikey", "create", "--data", dir}, errUsage},
		{[]string{"apikey", "create", "A", "B", "--data", dir}, errUsage},
		{[]string{"apikey", "create", "A", "--rate", "many", "--data", dir}, errUsage},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, &out, &errOut)
		if !errors.Is(err, tc.want) {
			t.Errorf("%v: error %v, want %v", tc.args, err, tc.want)
		}
		if tc.want == flag.ErrHelp && !strings.Contains(out.String()+errOut.String(), "Usage: anju apikey") {
			t.Errorf("%v: no usage printed:\n%s%s", tc.args, out.String(), errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"apikey", "create", "X", "--rate", "0", "--data", dir}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "rate: Enter a whole number from 1 to 100000") {
		t.Errorf("rate 0: %v", err)
	}
}
