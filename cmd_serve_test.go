package main

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// TestStopRightAfterStart: a platform stopped as soon as it has started
// (an officer's Ctrl+C, a service stop during start-up) logs no error: the
// start-up backup and the daily jobs end before the store and the index
// are closed, and no half-written backup is left behind.
func TestStopRightAfterStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 3 {
		logs := &syncBuffer{}
		m := &Main{
			Config: Config{Addr: "127.0.0.1:0", DataDir: dir, LogFormat: "text"},
			Log:    slog.New(slog.NewTextHandler(logs, nil)),
			Out:    &bytes.Buffer{},
		}
		if err := m.Open(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
		if strings.Contains(logs.tail(1<<20), "level=ERROR") {
			t.Fatalf("stop %d right after start logged an error:\n%s", i, logs.tail(1<<20))
		}
		if tmp, _ := filepath.Glob(filepath.Join(dir, "backups", "*.tmp")); len(tmp) > 0 {
			t.Fatalf("stop %d left %v", i, tmp)
		}
	}
}
