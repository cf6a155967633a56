// Command anjuload measures an Anju binary: start-up time and memory, sign-in
// throughput, backup time of a large data file while serving, registry
// import, listing verification through the API and the public check. It is a
// benchmark helper, not part of the product; see docs/benchmarks.md for the
// commands and the figures they gave.
//
//	go run ./tools/anjuload startup -bin /tmp/anju -n 7 [-demo]
//	go run ./tools/anjuload login   -data DIR -c 4 -d 20s [-xff]      (platform running on DIR)
//	go run ./tools/anjuload params  -data DIR key=value ...           (platform stopped)
//	go run ./tools/anjuload fill    -data DIR -size 1GiB
//	go run ./tools/anjuload backup  -bin /tmp/anju -data DIR -o FILE  (platform running on DIR)
//	go run ./tools/anjuload gencsv  -o registry.csv -rows 1000000      (registry export for import-registry)
//	go run ./tools/anjuload verify  -data DIR -key KEY -csv registry.csv -c 32 -d 30s -codes codes.txt
//	go run ./tools/anjuload check   -data DIR -codes codes.txt -c 32 -d 20s [-ips 1000]
//	go run ./tools/anjuload hello   -addr 127.0.0.1:0                  (bare net/http handler, the baseline)
//	go run ./tools/anjuload serve   -data DIR -pprof 127.0.0.1:6061    (the platform's handler with pprof, for profiles)
//	go run ./tools/anjuload baseline -c 32 -d 10s [-rate R]            (the bare handler alone; -rate: open load)
//	go run ./tools/anjuload directory -data DIR -c 32 -d 20s           (public agency directory pages)
//	go run ./tools/anjuload signprep -data DIR -n 20000                (drafts ready to sign; platform stopped)
//	go run ./tools/anjuload sign -data DIR -c 32 -d 20s                (online signing through HTTP)
//	go run ./tools/anjuload disk -dir DIR -size 1GiB -d 20s            (the disk alone: commits back to back)
//
// Only the standard library and Anju's own packages are used.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	cmds := map[string]func([]string) error{
		"startup":   runStartup,
		"login":     runLogin,
		"params":    runParams,
		"fill":      runFill,
		"backup":    runBackup,
		"gencsv":    runGenCSV,
		"verify":    runVerify,
		"check":     runCheck,
		"hello":     runHello,
		"serve":     runServe,
		"baseline":  runBaseline,
		"directory": runDirectory,
		"signprep":  runSignPrep,
		"sign":      runSign,
		"disk":      runDisk,
	}
	if len(os.Args) < 2 || cmds[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: anjuload startup|login|params|fill|backup|gencsv|verify|check|hello|serve|baseline|directory|signprep|sign|disk [flags]  (anjuload CMD -h)")
		os.Exit(2)
	}
	if err := cmds[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "anjuload:", err)
		os.Exit(1)
	}
}

// procMem is what /proc/PID/status says about a process's memory, in KiB.
type procMem struct{ RSS, HWM, Anon, File int64 }

func readMem(pid int) (procMem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, err
	}
	var m procMem
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.RSS = n
		case "VmHWM":
			m.HWM = n
		case "RssAnon":
			m.Anon = n
		case "RssFile":
			m.File = n
		}
	}
	return m, nil
}

func (m procMem) String() string {
	return fmt.Sprintf("VmRSS %s (anon %s, file %s), VmHWM %s", mib(m.RSS), mib(m.Anon), mib(m.File), mib(m.HWM))
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func sortDur(d []time.Duration) []time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

// latencyLine summarises request latencies.
func latencyLine(d []time.Duration) string {
	s := sortDur(d)
	if len(s) == 0 {
		return "no requests"
	}
	return fmt.Sprintf("n=%d p50=%s p95=%s p99=%s max=%s", len(s), ms(percentile(s, 50)), ms(percentile(s, 95)),
		ms(percentile(s, 99)), ms(s[len(s)-1]))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// parseSize reads 1GiB, 256KiB, 10MB, 1000.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("size %q: %w", s, err)
			}
			return int64(n * float64(u.mult)), nil
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// cpuTime is the user+system CPU time of process pid (0: none).
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// readControl reads the address and process ID that a running platform
// announces in DIR/anju.control (written at start, removed at stop).
func readControl(dir string) (url string, pid int, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "anju.control"))
	if err != nil {
		return "", 0, fmt.Errorf("no running platform announced in %s: %w", dir, err)
	}
	var ctl struct {
		URL string `json:"url"`
		PID int    `json:"pid"`
	}
	if err := json.Unmarshal(b, &ctl); err != nil {
		return "", 0, fmt.Errorf("read %s/anju.control: %w", dir, err)
	}
	return ctl.URL, ctl.PID, nil
}
