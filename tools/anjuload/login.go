package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runLogin sends sign-ins (POST /PORTAL/login) from C concurrent clients for
// D and reports answers per second and latency. A successful sign-in answers
// 303 (redirect to the portal); 429 is the per-IP rate limit.
func runLogin(args []string) error {
	fs := flag.NewFlagSet("login", flag.ExitOnError)
	base := fs.String("url", "", "platform address (default: from DIR/anju.control)")
	data := fs.String("data", "", "data folder of the running platform: its address and process are read from anju.control")
	portal := fs.String("portal", "gov", "gov or agency")
	user := fs.String("user", "clerk", "user name")
	pass := fs.String("pass", "AnjuDemo2026", "password")
	c := fs.Int("c", 4, "concurrent clients")
	d := fs.Duration("d", 20*time.Second, "duration")
	xff := fs.Bool("xff", false, "give every request its own X-Forwarded-For address (server run with --trust-proxy): many clients behind a proxy, so the per-IP limit does not apply")
	pid := fs.Int("pid", 0, "server process: report its CPU time per answer (from /proc/PID/stat); default from anju.control")
	_ = fs.Parse(args)
	if *data != "" {
		u, p, err := readControl(*data)
		if err != nil {
			return err
		}
		if *base == "" {
			*base = u
		}
		if *pid == 0 {
			*pid = p
		}
	}
	if *base == "" {
		return fmt.Errorf("give -url or -data")
	}

	body := url.Values{"username": {*user}, "password": {*pass}}.Encode()
	target := *base + "/" + *portal + "/login"
	tr := &http.Transport{MaxIdleConnsPerHost: *c}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	type result struct {
		status int
		lat    time.Duration
	}
	var (
		mu      sync.Mutex
		results []result
		seq     atomic.Uint64
		netErrs atomic.Int64
		wg      sync.WaitGroup
	)
	load0 := loadAvg()
	cpu0 := cpuTime(*pid)
	start := time.Now()
	deadline := start.Add(*d)
	for range *c {
		wg.Go(func() {
			var local []result
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("User-Agent", "anjuload")
				if *xff {
					n := seq.Add(1)
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					netErrs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				local = append(local, result{resp.StatusCode, time.Since(t0)})
			}
			mu.Lock()
			results = append(results, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime(*pid) - cpu0

	byStatus := map[int][]time.Duration{}
	var all []time.Duration
	for _, r := range results {
		byStatus[r.status] = append(byStatus[r.status], r.lat)
		all = append(all, r.lat)
	}
	ok := len(byStatus[http.StatusSeeOther])
	limited := len(byStatus[http.StatusTooManyRequests])
	errs := len(results) - ok - limited + int(netErrs.Load())
	sec := elapsed.Seconds()
	fmt.Printf("POST %s  c=%d  d=%s  xff=%v\n", target, *c, elapsed.Round(time.Millisecond), *xff)
	fmt.Printf("answers: %d (%.1f/s)   signed in (303): %d (%.1f/s)   rate-limited (429): %d (%.1f/s)   errors: %d\n",
		len(results), float64(len(results))/sec, ok, float64(ok)/sec, limited, float64(limited)/sec, errs)
	fmt.Printf("latency all:  %s\n", latencyLine(all))
	codes := make([]int, 0, len(byStatus))
	for code := range byStatus {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	for _, code := range codes {
		fmt.Printf("latency %d:  %s\n", code, latencyLine(byStatus[code]))
	}
	if *pid > 0 {
		per := time.Duration(0)
		if len(results) > 0 {
			per = cpu / time.Duration(len(results))
		}
		fmt.Printf("server CPU: %.1fs over %.1fs (%.2f cores busy), %s per answer", cpu.Seconds(), sec, cpu.Seconds()/sec, ms(per))
		if ok > 0 {
			fmt.Printf(", %s per signed-in answer", ms(cpu/time.Duration(ok)))
		}
		fmt.Println()
	}
	fmt.Printf("load average before: %s, after: %s\n", load0, loadAvg())
	if netErrs.Load() > 0 {
		fmt.Printf("network errors: %d\n", netErrs.Load())
	}
	return nil
}
