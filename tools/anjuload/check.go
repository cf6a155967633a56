package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"
)

// runCheck sends GET /v/{code} (the public check page, as opened from the
// QR code) for codes issued by `anjuload verify`, from C clients for D.
// The page is rate-limited per client address (public.check_rate_per_minute,
// a burst of one minute's worth): from one address the platform answers 429
// once the burst is spent. -ips N gives the requests N X-Forwarded-For
// addresses in turn, for a server run with --trust-proxy: many phones
// behind a proxy, each within its limit.
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	base := fs.String("url", "", "platform address (default: from DIR/anju.control)")
	data := fs.String("data", "", "data folder of the running platform (address and process from anju.control)")
	codesPath := fs.String("codes", "", "file of codes, one per line (written by anjuload verify -codes)")
	c := fs.Int("c", 32, "concurrent clients")
	d := fs.Duration("d", 20*time.Second, "duration")
	warmup := fs.Duration("warmup", time.Second, "requests sent first and not counted")
	ips := fs.Int("ips", 0, "send X-Forwarded-For from this many addresses in turn (0: none; the server must run with --trust-proxy)")
	base0 := fs.Bool("baseline", true, "first run the same load against a bare net/http handler (anjuload hello) and give the ratio")
	timeline := fs.Bool("timeline", false, "print every second")
	rate := fs.Float64("rate", 0, "open load: send this many requests per second (at most c at a time), latency counted from when each was due; 0: closed load, every client sends again at once")
	pid := fs.Int("pid", 0, "server process for CPU time (default from anju.control)")
	clientKind := clientFlag(fs)
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
	if *base == "" || *codesPath == "" {
		return fmt.Errorf("give -data (or -url) and -codes")
	}
	b, err := os.ReadFile(*codesPath)
	if err != nil {
		return err
	}
	codes := strings.Fields(string(b))
	if len(codes) == 0 {
		return fmt.Errorf("%s: no codes", *codesPath)
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })

	const userAgent, acceptLanguage = "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0 anjuload", "zh-CN,zh;q=0.9"
	forwardedFor := func(n uint64) string {
		a := n % uint64(*ips)
		return fmt.Sprintf("10.%d.%d.%d", a>>16&255, a>>8&255, a&255)
	}
	var get func(url string, n uint64) (int, error)
	switch *clientKind {
	case "raw":
		clients := newRawClients(*c)
		get = func(url string, n uint64) (int, error) {
			rc, path, err := clients.to(url + "/v/" + codes[n%uint64(len(codes))])
			if err != nil {
				return 0, err
			}
			h := []string{"User-Agent: " + userAgent, "Accept-Language: " + acceptLanguage}
			if *ips > 0 {
				h = append(h, "X-Forwarded-For: "+forwardedFor(n))
			}
			return rc.get(path, h...)
		}
	case "nethttp":
		client := newLoadClient(*c)
		get = func(url string, n uint64) (int, error) {
			req, _ := http.NewRequest(http.MethodGet, url+"/v/"+codes[n%uint64(len(codes))], nil)
			req.Header.Set("User-Agent", userAgent)
			req.Header.Set("Accept-Language", acceptLanguage)
			if *ips > 0 {
				req.Header.Set("X-Forwarded-For", forwardedFor(n))
			}
			return doDiscard(client, req)
		}
	default:
		return fmt.Errorf("-client %q: raw or nethttp", *clientKind)
	}
	fmt.Printf("GET %s/v/{code}  c=%d  d=%s  codes=%d  X-Forwarded-For addresses=%d  client=%s\n", *base, *c, *d, len(codes), *ips, *clientKind)
	var hello loadResult
	if *base0 {
		hello, err = baseline(*c, *d, get)
		if err != nil {
			return err
		}
		hello.report("bare net/http handler (same requests)", http.StatusOK, false)
		if *rate > 0 {
			// The closed run gives the throughput ratio; under an open load
			// the latency is what is compared, so the bare handler is asked
			// at the same rate too.
			open, err := baselineRate(*c, *rate, *d, get)
			if err != nil {
				return err
			}
			open.report(fmt.Sprintf("bare net/http handler (same requests, open load of %.0f/s)", *rate), http.StatusOK, false)
		}
	}
	res := runLoadRate(*c, *rate, *d, *warmup, *pid, func(n uint64) (int, error) { return get(*base, n) })
	res.report("anju GET /v/{code}", http.StatusOK, *timeline)
	if *base0 && hello.rate() > 0 {
		ok := float64(res.count(http.StatusOK)) / res.elapsed.Seconds()
		fmt.Printf("ratio to the bare handler: %.3f (%.0f / %.0f answers/s); 200s/s: %.0f (ratio %.3f)\n", res.rate()/hello.rate(), res.rate(), hello.rate(),
			ok, ok/hello.rate())
	}
	return nil
}
