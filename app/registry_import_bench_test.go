package app

import (
	"bytes"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"anju/storage"
)

// Benchmarks of the registry import for docs/benchmarks.md (issue 3).
// Without ANJU_BENCH_CSV they import a generated file of
// ANJU_BENCH_ROWS rows (default 200,000; demo-registry properties, about a
// quarter co-owned); with it, that file (e.g. one written by
// `anjuload gencsv`). Profile with:
//
//	go test -run '^$' -bench ImportRegistry -benchtime 1x -cpuprofile /tmp/import.prof ./app/
//
// "first" imports into an empty registry, "again" imports the same file a
// second time (every property an upsert).

func benchRegistryCSV(b *testing.B) (open func() io.Reader, rows int) {
	if path := os.Getenv("ANJU_BENCH_CSV"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		rows = bytes.Count(data, []byte{'\n'}) - 1
		return func() io.Reader { return bytes.NewReader(data) }, rows
	}
	n := 200_000
	if s := os.Getenv("ANJU_BENCH_ROWS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := make([]string, len(RegistryColumns))
	for i, c := range RegistryColumns {
		header[i] = c.Zh
	}
	_ = w.Write(header)
	r := rand.New(rand.NewPCG(1, 2))
	yn := func(v bool) string {
		if v {
			return "是"
		}
		return "否"
	}
	for i := 0; rows < n; i++ {
		p := demoProperty(r, i)
		for _, o := range p.Owners {
			_ = w.Write([]string{p.District, "不动产权证书", p.CertNo, o.Name, "居民身份证", o.IDNo, o.Share, p.Address,
				strconv.FormatFloat(p.Area, 'f', 1, 64), p.Use, yn(p.Seized), yn(p.Mortgaged), yn(p.Disputed),
				yn(p.Cancelled), yn(p.Restricted), p.RegisteredOn.Format("2006-01-02")})
			rows++
		}
	}
	w.Flush()
	data := buf.Bytes()
	return func() io.Reader { return bytes.NewReader(data) }, rows
}

// benchDistricts gives a new store the demo's districts: the import
// rejects rows of districts its dictionary does not know.
func benchDistricts(b *testing.B, a *App) {
	b.Helper()
	if err := a.update(func(tx *storage.Tx) error { return seedDict(tx, DictDistrict, demoDistricts, a.now()) }); err != nil {
		b.Fatal(err)
	}
	a.dicts.drop()
}

func BenchmarkImportRegistry(b *testing.B) {
	open, rows := benchRegistryCSV(b)
	actor := SystemActor("bench")
	run := func(b *testing.B, again bool) {
		for b.Loop() {
			b.StopTimer()
			a, err := Open(Config{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			benchDistricts(b, a)
			if again {
				if _, err := a.ImportRegistry(actor, open(), "bench.csv", nil); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			rep, err := a.ImportRegistry(actor, open(), "bench.csv", nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if rep.Rows != rows || rep.Rejected != 0 {
				b.Fatalf("rows %d (want %d), rejected %d", rep.Rows, rows, rep.Rejected)
			}
			if err := a.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("first", func(b *testing.B) { run(b, false) })
	b.Run("again", func(b *testing.B) { run(b, true) })
}
