package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logFlushEvery is how long a log line may wait to be written.
const logFlushEvery = 50 * time.Millisecond

// logBuffer collects log lines and writes them together. Under load the
// access log is a line per request, and a write (a system call, made while
// slog holds its lock) per line was 2.4% of the CPU of a public check
// (docs/benchmarks.md 4.12). A line is written within logFlushEvery, a
// warning or error at once (flushingHandler), and the rest on Flush at
// shutdown; what a killed process had not written is lost.
type logBuffer struct {
	w io.Writer

	mu        sync.Mutex
	buf       []byte
	scheduled bool
}

const logBufferMax = 64 << 10

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferMax {
		b.writeLocked()
	} else if !b.scheduled {
		b.scheduled = true
		time.AfterFunc(logFlushEvery, b.Flush)
	}
	return len(p), nil
}

// Flush writes what is buffered.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scheduled = false
	b.writeLocked()
}

func (b *logBuffer) writeLocked() {
	if len(b.buf) == 0 {
		return
	}
	_, _ = b.w.Write(b.buf) // nowhere to report a log that cannot be written
	if cap(b.buf) > 4*logBufferMax {
		b.buf = nil // a burst of long lines: give the memory back
	} else {
		b.buf = b.buf[:0]
	}
}

// flushingHandler writes a warning or an error, and what came before it,
// at once.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(as), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
