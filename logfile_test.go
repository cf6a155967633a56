package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogFileRotatesBySize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "anju.log")
	l, err := openLogFile(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 39) + "\n" // 40 bytes: two fit in 100, a third does not
	for i := range 7 {
		if _, err := l.Write([]byte(string(rune('a'+i)) + line[1:])); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "logs", name))
		if err != nil {
			return "missing"
		}
		var firsts []string
		for _, ln := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			firsts = append(firsts, ln[:1])
		}
		return strings.Join(firsts, "")
	}
	// Lines a-g, two a file: ab, cd, ef rotated out in turn, g current;
	// two old files kept, so ab is gone.
	for name, want := range map[string]string{"anju.log": "g", "anju.log.1": "ef", "anju.log.2": "cd", "anju.log.3": "missing"} {
		if got := read(name); got != want {
			t.Errorf("%s holds lines %q, want %q", name, got, want)
		}
	}

	// Opening again appends to the current file, and rotates by its size.
	l, err = openLogFile(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("h" + line[1:]))
	l.Write([]byte("i" + line[1:]))
	l.Close()
	if got, got1 := read("anju.log"), read("anju.log.1"); got != "i" || got1 != "gh" {
		t.Errorf("after reopening: anju.log %q, anju.log.1 %q; want i and gh", got, got1)
	}
	if _, err := l.Write([]byte("late\n")); err == nil {
		t.Error("a write after Close succeeded")
	}
}

func TestLogFilePath(t *testing.T) {
	c := Config{DataDir: filepath.Join("C:", "ProgramData", "Anju")}
	if got := c.logFilePath(true, "windows"); got != filepath.Join(c.DataDir, "logs", "anju.log") {
		t.Errorf("Windows service: %q, want the data folder's logs/anju.log", got)
	}
	for _, tt := range []struct {
		service bool
		goos    string
	}{{false, "windows"}, {true, "linux"}, {false, "linux"}} {
		if got := c.logFilePath(tt.service, tt.goos); got != "" {
			t.Errorf("service=%v %s: %q, want none (standard error is kept)", tt.service, tt.goos, got)
		}
	}
	c.LogFile = "/var/log/anju.log"
	if got := c.logFilePath(true, "windows"); got != c.LogFile {
		t.Errorf("--log-file given: %q", got)
	}
}
