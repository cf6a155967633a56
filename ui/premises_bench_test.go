package ui_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"anju/app"
	"anju/ui"
)

// BenchmarkPremisesPage times the whole distribution page over HTTP for a
// city-wide viewer (issue 4: ≤ 200 ms with 10,000 agencies). It needs a
// data folder filled by the app benchmark, to which it adds the demo
// accounts:
//
//	ANJU_BENCH_DIR=/tmp/bench-premises go test -run '^$' -bench PremisesMap -benchtime 1x ./app/
//	ANJU_BENCH_DIR=/tmp/bench-premises go test -run '^$' -bench PremisesPage -benchtime 20x ./ui/
func BenchmarkPremisesPage(b *testing.B) {
	dir := os.Getenv("ANJU_BENCH_DIR")
	if dir == "" {
		b.Skip("set ANJU_BENCH_DIR to a data folder filled by BenchmarkPremisesMap (app/)")
	}
	a, err := app.Open(app.Config{DataDir: dir, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if _, err := a.LoadDemo(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := a.WarmPremisesCache(); err != nil {
		b.Fatal(err)
	}
	b.Logf("first read of the agencies (cache cold): %s", time.Since(start).Round(time.Millisecond))
	s, err := ui.New(a, ui.Config{})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(hs.URL+"/gov/login", url.Values{"username": {"leader"}, "password": {app.DemoPassword}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %v %v", res, err)
	}
	res.Body.Close()
	get := func(path string) (int, int) {
		res, err := hc.Get(hs.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err != nil {
			b.Fatal(err)
		}
		return res.StatusCode, int(n)
	}
	for _, path := range []string{"/gov/premises", "/gov/premises?type=broker", "/gov/premises?district=110105"} {
		b.Run(path, func(b *testing.B) {
			var size int
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				status, n := get(path)
				times = append(times, time.Since(start))
				if status != http.StatusOK {
					b.Fatalf("%s: %d", path, status)
				}
				size = n
			}
			slices.Sort(times)
			p := func(q float64) float64 {
				return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
			}
			b.ReportMetric(p(0.50), "p50-ms")
			b.ReportMetric(p(0.95), "p95-ms")
			b.ReportMetric(float64(size)/1e6, "MB/page")
		})
	}
}
