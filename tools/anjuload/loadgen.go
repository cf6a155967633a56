package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The closed-loop load of `verify` and `check`: C clients, each sending its
// next request as soon as the previous answer is read, for D. Every answer
// is timed; network errors are counted apart. The same loop, with the same
// C and D, is run against a bare net/http handler (`anjuload hello`, a
// process of its own like the platform) so that every figure can be given
// as a ratio to what this machine and this load tool manage at all.

type sample struct {
	status int
	lat    time.Duration
	at     time.Duration // since the start of the run, when the answer came
}

type loadResult struct {
	samples []sample
	netErrs int64
	elapsed time.Duration
	cpu     time.Duration // the server's CPU time during the run (0: unknown)
	load0   string
	load1   string
}

// newLoadClient is an HTTP client keeping up to c connections open.
func newLoadClient(c int) *http.Client {
	tr := &http.Transport{MaxIdleConns: c * 2, MaxIdleConnsPerHost: c * 2, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// runLoad runs c workers for d. do sends request number n (from 0, unique
// across workers) and returns the status (its body read and closed).
// Answers in the first warmup are sent but not kept.
//
// With rate > 0 the load is open: requests are due at a fixed rate and
// the c workers send each as soon as one is free; latency counts from the
// time a request was due, so that a stalled server is not flattered by the
// requests it kept from being sent (coordinated omission).
func runLoad(c int, d, warmup time.Duration, pid int, do func(n uint64) (int, error)) loadResult {
	return runLoadRate(c, 0, d, warmup, pid, do)
}

func runLoadRate(c int, rate float64, d, warmup time.Duration, pid int, do func(n uint64) (int, error)) loadResult {
	var (
		mu      sync.Mutex
		all     []sample
		seq     atomic.Uint64
		netErrs atomic.Int64
		wg      sync.WaitGroup
	)
	wstart := time.Now()
	for time.Since(wstart) < warmup {
		var wwg sync.WaitGroup
		for range c {
			wwg.Go(func() { _, _ = do(seq.Add(1) - 1) })
		}
		wwg.Wait()
	}
	res := loadResult{load0: loadAvg()}
	cpu0 := cpuTime(pid)
	start := time.Now()
	deadline := start.Add(d)
	var due chan time.Time
	if rate > 0 {
		due = make(chan time.Time, c)
		// Requests are handed out when they are due, never before; the
		// generator wakes at most once a millisecond and hands out all
		// that are due by then. Sleeping until each of 10,000 a second
		// cost this tool (on the server's cores) a timer wake-up each; the
		// up to a millisecond a request may now wait counts against the
		// server, as its latency runs from the time it was due.
		go func() {
			defer close(due)
			interval := time.Duration(float64(time.Second) / rate)
			for i := 0; ; {
				now := time.Now()
				var t time.Time
				for ; ; i++ {
					t = start.Add(time.Duration(i) * interval)
					if !t.Before(deadline) {
						return
					}
					if t.After(now) {
						break
					}
					due <- t
				}
				time.Sleep(max(time.Until(t), time.Millisecond))
			}
		}()
	}
	for range c {
		wg.Go(func() {
			local := make([]sample, 0, 4096)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if due != nil {
					var ok bool
					if t0, ok = <-due; !ok {
						break
					}
				}
				n := seq.Add(1) - 1
				status, err := do(n)
				t1 := time.Now()
				if err != nil {
					netErrs.Add(1)
					if netErrs.Load() <= 3 {
						fmt.Fprintln(os.Stderr, "request error:", err)
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				local = append(local, sample{status, t1.Sub(t0), t1.Sub(start)})
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = cpuTime(pid) - cpu0
	res.samples = all
	res.netErrs = netErrs.Load()
	res.load1 = loadAvg()
	return res
}

// doDiscard sends req and reads the answer to its end (so that the
// connection is kept): its status.
func doDiscard(client *http.Client, req *http.Request) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (r loadResult) rate() float64 { return float64(len(r.samples)) / r.elapsed.Seconds() }

func (r loadResult) count(status int) int {
	n := 0
	for _, s := range r.samples {
		if s.status == status {
			n++
		}
	}
	return n
}

// report prints answers/s, counts and latency by status, the server's CPU
// time per answer, and (timeline) every second.
func (r loadResult) report(title string, okStatus int, timeline bool) {
	sec := r.elapsed.Seconds()
	byStatus := map[int][]time.Duration{}
	var lats []time.Duration
	for _, s := range r.samples {
		byStatus[s.status] = append(byStatus[s.status], s.lat)
		lats = append(lats, s.lat)
	}
	ok := len(byStatus[okStatus])
	fmt.Printf("%s: %d answers in %.1fs = %.0f/s; %d: %d (%.0f/s)", title, len(r.samples), sec, r.rate(), okStatus, ok, float64(ok)/sec)
	codes := make([]int, 0, len(byStatus))
	for code := range byStatus {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	var others []string
	for _, code := range codes {
		if code != okStatus {
			others = append(others, fmt.Sprintf("%d: %d", code, len(byStatus[code])))
		}
	}
	if r.netErrs > 0 {
		others = append(others, fmt.Sprintf("network errors: %d", r.netErrs))
	}
	if len(others) > 0 {
		fmt.Printf("; errors by status: %s", strings.Join(others, ", "))
	} else {
		fmt.Printf("; no errors")
	}
	fmt.Println()
	fmt.Printf("  latency all: %s\n", latencyLine(lats))
	if len(codes) > 1 {
		for _, code := range codes {
			fmt.Printf("  latency %d: %s\n", code, latencyLine(byStatus[code]))
		}
	}
	if r.cpu > 0 && len(r.samples) > 0 {
		fmt.Printf("  server CPU: %.1fs (%.2f cores busy), %.3f ms per answer\n", r.cpu.Seconds(), r.cpu.Seconds()/sec,
			float64(r.cpu)/float64(time.Millisecond)/float64(len(r.samples)))
	}
	fmt.Printf("  load average before: %s, after: %s\n", r.load0, r.load1)
	if timeline {
		r.printTimeline()
	}
}

func (r loadResult) printTimeline() {
	secs := int(r.elapsed/time.Second) + 1
	per := make([][]time.Duration, secs)
	for _, s := range r.samples {
		i := int(s.at / time.Second)
		if i < secs {
			per[i] = append(per[i], s.lat)
		}
	}
	for i, l := range per {
		s := sortDur(l)
		if len(s) == 0 {
			fmt.Printf("  t=%3ds: 0\n", i)
			continue
		}
		fmt.Printf("  t=%3ds: %6d  p50=%s p99=%s max=%s\n", i, len(s), ms(percentile(s, 50)), ms(percentile(s, 99)), ms(s[len(s)-1]))
	}
}

// percentiles returns p50, p95, p99 of the answers with status (0: all).
func (r loadResult) percentiles(status int) (p50, p95, p99 time.Duration) {
	var l []time.Duration
	for _, s := range r.samples {
		if status == 0 || s.status == status {
			l = append(l, s.lat)
		}
	}
	s := sortDur(l)
	return percentile(s, 50), percentile(s, 95), percentile(s, 99)
}

// helloProc is a bare net/http server (`anjuload hello`) in its own process.
type helloProc struct {
	cmd *exec.Cmd
	url string
}

// startHello starts `anjuload hello` and reads its address.
func startHello() (*helloProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "hello", "-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("hello server: %w", err)
	}
	go io.Copy(io.Discard, out)
	return &helloProc{cmd: cmd, url: "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening on "))}, nil
}

func (h *helloProc) stop() {
	_ = h.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
		<-done
	}
}

// runHello serves a bare net/http handler: GET answers 200 "hello, world",
// POST reads the body and answers 201 with a small JSON object, like the
// platform's answers in size but with no work behind them.
func runHello(args []string) error {
	addr := "127.0.0.1:0"
	if len(args) == 2 && args[0] == "-addr" {
		addr = args[1]
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	body := []byte(`{"code":"ABCD2345EFGH","status":"valid","valid_until":"2026-01-01T00:00:00+08:00","check_url":"http://127.0.0.1/v/ABCD2345EFGH","notice_url":"http://127.0.0.1/v/ABCD2345EFGH"}` + "\n")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(body)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "hello, world\n")
	})}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// baseline runs the same load against a fresh hello server and prints it.
// do gets the hello server's base URL.
// It is always a closed load: the most this tool gets from the bare
// handler with c clients.
func baseline(c int, d time.Duration, do func(base string, n uint64) (int, error)) (loadResult, error) {
	return baselineRate(c, 0, d, do)
}

// baselineRate is baseline under an open load of rate requests a second
// (0: closed). Its latency is the floor this machine sets at that moment
// for any server at that rate: the same clients, the same scheduler, a
// handler that does nothing.
func baselineRate(c int, rate float64, d time.Duration, do func(base string, n uint64) (int, error)) (loadResult, error) {
	h, err := startHello()
	if err != nil {
		return loadResult{}, err
	}
	defer h.stop()
	r := runLoadRate(c, rate, d, time.Second, h.cmd.Process.Pid, func(n uint64) (int, error) { return do(h.url, n) })
	return r, nil
}

// runBaseline measures the bare net/http handler alone (GET, C clients,
// D), for the figures that have no HTTP load of their own (import,
// search): the ratio then compares them with what this machine serves at
// all at that moment.
func runBaseline(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ExitOnError)
	c := fs.Int("c", 32, "concurrent clients")
	d := fs.Duration("d", 10*time.Second, "duration")
	rate := fs.Float64("rate", 0, "open load: this many requests a second (0: closed load)")
	_ = fs.Parse(args)
	client := newLoadClient(*c)
	r, err := baselineRate(*c, *rate, *d, func(url string, n uint64) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, url+"/hello", nil)
		return doDiscard(client, req)
	})
	if err != nil {
		return err
	}
	title := fmt.Sprintf("bare net/http handler GET, c=%d", *c)
	if *rate > 0 {
		title += fmt.Sprintf(", open load of %.0f/s", *rate)
	}
	r.report(title, http.StatusOK, false)
	return nil
}
