package ui_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"anju/app"
	"anju/ui"
)

// BenchmarkPublicCheckPage answers public checks of codes drawn in turn from
// a list (issue 3: ≥ 10,000 checks/s), in the process and without the
// network: the server's own cost of a check whose page is not cached, with
// the request log discarded. It needs a data folder with verifications and
// a file of their codes, one per line, such as anjuload's:
//
//	ANJU_BENCH_DIR=/tmp/iss3b/data ANJU_BENCH_CODES=/tmp/iss3b/codes-run.txt \
//	  go test -run '^$' -bench PublicCheckPage -benchmem ./ui/
func BenchmarkPublicCheckPage(b *testing.B) {
	dir, codesFile := os.Getenv("ANJU_BENCH_DIR"), os.Getenv("ANJU_BENCH_CODES")
	if dir == "" || codesFile == "" {
		b.Skip("set ANJU_BENCH_DIR to a data folder and ANJU_BENCH_CODES to a file of its codes")
	}
	f, err := os.Open(codesFile)
	if err != nil {
		b.Fatal(err)
	}
	var codes []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if c := sc.Text(); c != "" {
			codes = append(codes, c)
		}
	}
	f.Close()
	if len(codes) == 0 {
		b.Fatal("no codes in ", codesFile)
	}
	a, err := app.Open(app.Config{DataDir: dir, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	s, err := ui.New(a, ui.Config{TrustProxy: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Uint64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			req := httptest.NewRequest(http.MethodGet, "/v/"+codes[(i*7919)%uint64(len(codes))], nil)
			// The limiter allows each address a few checks a second.
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.%d.%d", i/250%250, i%250))
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d for %s", w.Code, req.URL)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
