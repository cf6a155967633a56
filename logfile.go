package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// logFile is a log file that is rotated by size: when a write would take
// it past max bytes it becomes PATH.1 (PATH.1 becomes PATH.2, and so on,
// keeping keep old files) and a new PATH is started. A Windows service has
// no console, so without a file its logs (and the first administrator's
// one-time password) were lost; a size bound keeps an appliance that runs
// for years from filling its disk.
type logFile struct {
	path string
	max  int64
	keep int

	mu   sync.Mutex
	f    *os.File
	size int64
}

const (
	logFileMax  = 10 << 20 // bytes per file
	logFileKeep = 5        // old files kept
)

// openLogFile opens (appending to) or creates the file and its folder.
func openLogFile(path string, max int64, keep int) (*logFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("log file folder: %w", err)
	}
	l := &logFile{path: path, max: max, keep: keep}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *logFile) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open log file: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	if l.size > 0 && l.size+int64(len(p)) > l.max {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// rotate shifts PATH.i to PATH.i+1 (dropping the oldest) and starts a new
// file. l.mu is held.
func (l *logFile) rotate() error {
	if err := l.f.Close(); err != nil {
		return err
	}
	l.f = nil
	for i := l.keep - 1; i >= 1; i-- {
		// A missing file in the chain (fewer rotations so far) is fine.
		_ = os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return fmt.Errorf("rotate log file: %w", err)
	}
	return l.open()
}

// Close closes the file; later writes fail.
func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
