package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestCommandHelp: every command's -h, and a wrong flag, show how to call
// it as a command the officer can type ("Usage: anju serve ..."), not
// flag's "Usage of serve:".
func TestCommandHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{c.name, "-h"}, &out, &errOut)
		if !errors.Is(err, flag.ErrHelp) && err != nil {
			t.Errorf("anju %s -h: %v", c.name, err)
		}
		if help := out.String() + errOut.String(); !strings.HasPrefix(help, "Usage: anju "+c.name) {
			t.Errorf("anju %s -h begins %q, want \"Usage: anju %s\"", c.name, firstLine(help), c.name)
		}
	}
	for _, args := range [][]string{{"serve", "--bogus"}, {"--bogus"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); !errors.Is(err, errUsage) {
			t.Errorf("anju %v: %v, want a usage error", args, err)
		}
		if !strings.Contains(errOut.String(), "Usage: anju serve [flags]") || strings.Contains(errOut.String(), "Usage of") {
			t.Errorf("anju %v says:\n%s", args, errOut.String())
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
