package ui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"anju/app"
	"anju/ui"
)

// BenchmarkPublicAgencyPage renders public agency pages (issue 4 and 6: ≥
// 2,000 pages/s with 10,000 agencies, 200,000 practitioners and 1,000,000
// credit records) in the process, without the network: what one page costs
// the server. It needs a data folder filled by the app benchmarks:
//
//	ANJU_BENCH_DIR=/tmp/bench-credit go test -run '^$' -bench CreditPage -benchtime 1x ./app/
//	ANJU_BENCH_DIR=/tmp/bench-credit go test -run '^$' -bench PublicAgencyPage -benchtime 20000x ./ui/
func BenchmarkPublicAgencyPage(b *testing.B) {
	dir := os.Getenv("ANJU_BENCH_DIR")
	if dir == "" {
		b.Skip("set ANJU_BENCH_DIR to a data folder filled by BenchmarkCreditPage (app/)")
	}
	a, err := app.Open(app.Config{DataDir: dir, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	// One address asks for every page here: lift the per-address public
	// limit, which would measure the 429 page instead.
	if err := a.SetParams(app.SystemActor("bench"), map[string]string{app.ParamPublicRate: "100000", app.ParamPublicBrowseRate: "100000"}); err != nil {
		b.Fatal(err)
	}
	s, err := ui.New(a, ui.Config{})
	if err != nil {
		b.Fatal(err)
	}
	// ANJU_BENCH_WARM=1 opens every agency's page once first, as a
	// serving instance has after a while: the app's agency and credit views
	// are then kept, and what is measured is a page for a different
	// agency each time (the rendered page itself is kept only seconds).
	if os.Getenv("ANJU_BENCH_WARM") == "1" {
		for id := 1; id <= 10000; id++ {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/agencies/%d", id), nil))
		}
	}
	var n atomic.Uint64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/agencies/%d", 1+(i*7919)%10000), nil)
			req.Header.Set("Accept-Language", "zh-CN")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != http.StatusOK && w.Code != http.StatusNotFound {
				b.Errorf("status %d", w.Code)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
