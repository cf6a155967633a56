package main

import (
	"strings"
	"testing"
	"time"
)

// TestLogBuffer: info lines are written together within logFlushEvery, a
// warning at once with the lines before it, and what is left on flush.
func TestLogBuffer(t *testing.T) {
	var out syncBuffer
	cfg := Config{LogLevel: "info"}
	log, flush := cfg.logger(&out)

	log.Info("first")
	log.Info("second")
	if got := out.tail(1 << 20); got != "" {
		t.Fatalf("info lines written at once: %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.tail(1<<20), "msg=second") {
		if time.Now().After(deadline) {
			t.Fatalf("info lines not written within 5 s: %q", out.tail(1<<20))
		}
		time.Sleep(logFlushEvery / 5)
	}

	log.Info("third")
	log.Warn("careful")
	if got := out.tail(1 << 20); !strings.Contains(got, "msg=third") || !strings.Contains(got, "msg=careful") {
		t.Fatalf("a warning is not written at once with what came before: %q", got)
	}

	log.With("k", "v").Error("broken")
	if got := out.tail(1 << 20); !strings.Contains(got, "msg=broken k=v") {
		t.Fatalf("an error of a derived logger is not written at once: %q", got)
	}

	log.Info("last")
	flush()
	if got := out.tail(1 << 20); !strings.HasSuffix(got, "msg=last\n") || strings.Count(got, "msg=") != 6 {
		t.Fatalf("after flush: %q", got)
	}
}
