package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// runDisk measures what the disk alone allows a durable API: commits like
// the store's (bbolt's) back to back, each writing -pages random 4 KiB pages
// of a file of -size, a data sync, one page at the head (the meta page) and
// a second data sync. Requests arriving at -rate each wait for the end of
// the first commit that starts after them, as callers of a group commit
// do. Their latency is the best any server could give on this disk at that
// moment: no CPU, no HTTP, no index. A p99 above a target here means the
// disk, not the platform, misses it (docs/benchmarks.md 4.16).
func runDisk(args []string) error {
	fs := flag.NewFlagSet("disk", flag.ExitOnError)
	dir := fs.String("dir", ".", "folder for the test file (on the disk the data folder is on); the file is removed after")
	sizeS := fs.String("size", "1GiB", "size of the test file (write whole, as a data file is)")
	pages := fs.Int("pages", 38, "pages written per commit (a group commit of about nine verifications at 2,000/s writes 38)")
	d := fs.Duration("d", 20*time.Second, "duration")
	rate := fs.Float64("rate", 2000, "requests per second served by the commits")
	fs.Parse(args)
	size, err := parseSize(*sizeS)
	if err != nil {
		return err
	}
	const page = 4096
	if size < 2*page || *pages < 1 || *rate <= 0 {
		return fmt.Errorf("-size must be at least 8KiB, -pages at least 1, -rate above 0")
	}
	path := filepath.Join(*dir, fmt.Sprintf("anjuload-disk-%d.tmp", os.Getpid()))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	defer f.Close()
	// Written whole first: a sparse file makes each commit allocate blocks,
	// which a data file that has reached its size does not.
	zero := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(zero)) {
		if _, err := f.WriteAt(zero[:min(int64(len(zero)), size-off)], off); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}

	type commit struct{ start, end time.Time }
	var commits []commit
	var dataSyncs, metaSyncs []time.Duration
	buf := make([]byte, page)
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	t0 := time.Now()
	for time.Since(t0) < *d {
		c := commit{start: time.Now()}
		for range *pages {
			if _, err := f.WriteAt(buf, (1+r.Int64N(size/page-1))*page); err != nil {
				return err
			}
		}
		t := time.Now()
		if err := datasync(f); err != nil {
			return err
		}
		dataSyncs = append(dataSyncs, time.Since(t))
		if _, err := f.WriteAt(buf, 0); err != nil {
			return err
		}
		t = time.Now()
		if err := datasync(f); err != nil {
			return err
		}
		metaSyncs = append(metaSyncs, time.Since(t))
		c.end = time.Now()
		commits = append(commits, c)
	}
	var lat, dur []time.Duration
	for _, c := range commits {
		dur = append(dur, c.end.Sub(c.start))
	}
	step := time.Duration(float64(time.Second) / *rate)
	j := 0
	for a := t0; ; a = a.Add(step) {
		for j < len(commits) && commits[j].start.Before(a) {
			j++
		}
		if j == len(commits) {
			break
		}
		lat = append(lat, commits[j].end.Sub(a))
	}
	fmt.Printf("disk: %d commits of %d pages in %s (%.0f/s) on a %s file in %s\n", len(commits), *pages,
		time.Since(t0).Round(time.Millisecond), float64(len(commits))/time.Since(t0).Seconds(), *sizeS, *dir)
	fmt.Println("  commit:    ", latencyLine(dur))
	fmt.Println("  data sync: ", latencyLine(dataSyncs))
	fmt.Println("  meta sync: ", latencyLine(metaSyncs))
	fmt.Printf("  requests at %.0f/s, each answered at the end of the next commit to start:\n    %s\n", *rate, latencyLine(lat))
	return nil
}
