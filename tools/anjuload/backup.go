package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"
)

// runBackup keeps a read load on a running platform (GET /healthz and GET
// /gov/login from C clients), runs `anju backup --data DIR -o FILE` after a
// quiet period, keeps the load for a while after it, and compares the
// latencies of the requests sent before, during and after the backup.
func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ExitOnError)
	bin := fs.String("bin", "/tmp/anju", "anju binary")
	data := fs.String("data", "", "data folder of the running platform")
	out := fs.String("o", "", "backup file to write")
	base := fs.String("url", "", "address of the running platform (default: from DIR/anju.control)")
	c := fs.Int("c", 4, "concurrent reading clients")
	before := fs.Duration("before", 10*time.Second, "load before the backup starts")
	after := fs.Duration("after", 10*time.Second, "load after the backup ends")
	timeline := fs.Bool("timeline", false, "print latency per second")
	_ = fs.Parse(args)
	if *data == "" || *out == "" {
		return fmt.Errorf("-data and -o are required")
	}
	var ctl struct {
		URL string
		PID int
	}
	ctl.URL, ctl.PID, _ = readControl(*data)
	if *base == "" {
		*base = ctl.URL
	}
	if *base == "" {
		return fmt.Errorf("no running platform on %s (no anju.control); give -url", *data)
	}
	if ctl.PID > 0 {
		if m, err := readMem(ctl.PID); err == nil {
			fmt.Printf("server pid %d before: %s\n", ctl.PID, m)
		}
	}

	type sample struct {
		at  time.Time
		lat time.Duration
		ok  bool
	}
	var (
		mu      sync.Mutex
		samples []sample
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	paths := []string{"/healthz", "/gov/login"}
	for w := range *c {
		wg.Go(func() {
			client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{}}
			var local []sample
			for i := w; ; i++ {
				select {
				case <-stop:
					mu.Lock()
					samples = append(samples, local...)
					mu.Unlock()
					return
				default:
				}
				t0 := time.Now()
				resp, err := client.Get(*base + paths[i%len(paths)])
				ok := err == nil
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == http.StatusOK
				}
				local = append(local, sample{t0, time.Since(t0), ok})
			}
		})
	}
	loadStart := time.Now()
	time.Sleep(*before)
	fmt.Printf("running: %s backup --data %s -o %s\n", *bin, *data, *out)
	cmd := exec.Command(*bin, "backup", "--data", *data, "-o", *out)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	bStart := time.Now()
	err := cmd.Run()
	bEnd := time.Now()
	if err != nil {
		close(stop)
		wg.Wait()
		return fmt.Errorf("anju backup: %w", err)
	}
	time.Sleep(*after)
	close(stop)
	wg.Wait()
	loadEnd := time.Now()

	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	secs := bEnd.Sub(bStart).Seconds()
	fmt.Printf("backup: %.2fs wall, %d bytes (%.1f MiB), %.1f MiB/s\n", secs, st.Size(), float64(st.Size())/(1<<20), float64(st.Size())/(1<<20)/secs)
	if ctl.PID > 0 {
		if m, err := readMem(ctl.PID); err == nil {
			fmt.Printf("server pid %d after:  %s\n", ctl.PID, m)
		}
	}
	phases := []struct {
		name     string
		from, to time.Time
	}{{"before", loadStart, bStart}, {"during", bStart, bEnd}, {"after", bEnd, loadEnd}}
	for _, p := range phases {
		var lat []time.Duration
		failed := 0
		for _, s := range samples {
			if !s.at.Before(p.from) && s.at.Before(p.to) {
				lat = append(lat, s.lat)
				if !s.ok {
					failed++
				}
			}
		}
		rate := float64(len(lat)) / p.to.Sub(p.from).Seconds()
		fmt.Printf("%-6s %5.1fs  %7.0f req/s  failed %d  %s\n", p.name, p.to.Sub(p.from).Seconds(), rate, failed, latencyLine(lat))
	}
	if *timeline {
		buckets := map[int][]time.Duration{}
		for _, s := range samples {
			sec := int(s.at.Sub(loadStart) / time.Second)
			buckets[sec] = append(buckets[sec], s.lat)
		}
		for sec := 0; sec <= int(loadEnd.Sub(loadStart)/time.Second); sec++ {
			mark := ""
			t := loadStart.Add(time.Duration(sec) * time.Second)
			if !t.Add(time.Second).Before(bStart) && t.Before(bEnd) {
				mark = " (backup)"
			}
			fmt.Printf("  t=%3ds %s%s\n", sec, latencyLine(buckets[sec]), mark)
		}
	}
	return nil
}
