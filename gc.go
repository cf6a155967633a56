package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
)

// The garbage collector's settings when the environment does not give them
// (GOGC, GOMEMLIMIT win when set).
//
// Go's default (GOGC=100) collects each time the heap has grown by its live
// size. A serving instance keeps little alive (25-60 MiB) while a busy
// API allocates a lot (about 100 KiB per verification: bbolt pages, bleve
// segments, JSON), so at 2,000 verifications/s it collected about twice a
// second and the collector took a fifth of the CPU (docs/benchmarks.md 4.10).
// At 400 it collects a quarter as often; the memory limit caps what that
// costs in RAM on a server that has little.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 1 << 30 // 1 GiB
)

// tuneGC applies the defaults above for the variables that are not set.
func tuneGC(log *slog.Logger) {
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		debug.SetGCPercent(defaultGCPercent)
		gogc = strconv.Itoa(defaultGCPercent) + " (default)"
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	// A negative limit only reads it.
	log.Debug("garbage collector", "gogc", gogc, "memory_limit", debug.SetMemoryLimit(-1))
}
