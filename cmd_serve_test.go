package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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

// heldStart starts a platform whose start is held before it opens the data
// folder (where a long migration runs), as a large file's first start after
// an upgrade is. release lets the start go on; errc gets Open's answer.
func heldStart(t *testing.T, ctx context.Context) (m *Main, logs *syncBuffer, release func(), errc chan error) {
	t.Helper()
	logs = &syncBuffer{}
	m = &Main{
		Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogFormat: "text"},
		Log:    slog.New(slog.NewTextHandler(logs, nil)),
		Out:    &bytes.Buffer{},
	}
	held, go_ := make(chan struct{}), make(chan struct{})
	m.beforeData = func() { close(held); <-go_ }
	errc = make(chan error, 1)
	go func() { errc <- m.OpenContext(ctx) }()
	select {
	case <-held:
	case err := <-errc:
		t.Fatalf("start ended before it was held: %v", err)
	}
	var once sync.Once
	release = func() { once.Do(func() { close(go_) }) }
	t.Cleanup(release)
	return m, logs, release, errc
}

// TestStopWhileStarting: a stop asked for during a long start (Ctrl+C, the
// service manager) is logged at once, while the step under way still runs,
// and ends the start as soon as that step is over, without a data file
// half set up and without an error logged.
func TestStopWhileStarting(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	m, logs, release, errc := heldStart(t, ctx)
	stop()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.tail(1<<20), "msg=\"stopping: the start ends after its current step\"") {
		if time.Now().After(deadline) {
			t.Fatalf("no line says the platform is stopping while the start is held:\n%s", logs.tail(1<<20))
		}
		time.Sleep(10 * time.Millisecond)
	}
	release()
	select {
	case err := <-errc:
		if !errors.Is(err, errStartStopped) {
			t.Fatalf("start stopped: %v, want errStartStopped", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the start went on after the stop")
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if strings.Contains(logs.tail(1<<20), "level=ERROR") {
		t.Errorf("a stop while starting logged an error:\n%s", logs.tail(1<<20))
	}
	if _, err := os.Stat(filepath.Join(m.Config.DataDir, "anju.db")); !os.IsNotExist(err) {
		t.Errorf("the data file was made after the stop: %v", err)
	}
}

// TestServeStoppedWhileStarting: anju serve whose stop comes before the
// start is over says so in its log and exits without an error.
func TestServeStoppedWhileStarting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	stop()
	logFile := filepath.Join(dir, "anju.log")
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--log-file", logFile}, io.Discard, io.Discard)
	if err != nil {
		t.Fatalf("serve stopped while starting: %v, want no error", err)
	}
	b, _ := os.ReadFile(logFile)
	for _, want := range []string{"stopping: the start ends after its current step", "stopped before the start was over"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("log lacks %q:\n%s", want, b)
		}
	}
}
