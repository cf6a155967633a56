package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
