package search

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime/metrics"
	"testing"
	"time"
)

// BenchmarkApplyTimes compares the indexing cost of two times per document
// as Date and as Instant fields, with a document like a verification (a
// Chinese address, owner and agency, six keywords): one op = one Apply of
// 200 new documents, as the indexer applies them at 2,000 a second. "dense"
// documents are 0.5 ms apart (2,000 a second: those of one second share
// their Date terms); "sparse" ones 30 s apart, as a district issues codes.
// "none" leaves the times out. cpu-µs/doc is the CPU by the Go runtime's
// account (processCPU), merges included, while the batches ran
// (docs/benchmarks.md 4.15).
//
//	go test -run '^$' -bench ApplyTimes -benchtime 500x ./search/
func BenchmarkApplyTimes(b *testing.B) {
	for _, gap := range []struct {
		name string
		d    time.Duration
	}{{"dense", 500 * time.Microsecond}, {"sparse", 30 * time.Second}} {
		for _, kind := range []string{"Date", "Instant", "none"} {
			b.Run(gap.name+"/"+kind, func(b *testing.B) { benchApplyTimes(b, kind, gap.d) })
		}
	}
}

func benchApplyTimes(b *testing.B, kind string, gap time.Duration) {
	fields := []Field{
		{Name: "code", Kind: Keyword}, {Name: "cert_no", Kind: Keyword},
		{Name: "address", Kind: Text}, {Name: "owner", Kind: Text}, {Name: "agency", Kind: Text},
		{Name: "agency_id", Kind: Keyword}, {Name: "requester", Kind: Keyword},
		{Name: "district", Kind: Keyword}, {Name: "status", Kind: Keyword},
	}
	switch kind {
	case "Date": // as verifications had them: one sortable
		fields = append(fields, Field{Name: "created", Kind: Date, Sortable: true}, Field{Name: "valid_until", Kind: Date})
	case "Instant":
		fields = append(fields, Field{Name: "created", Kind: Instant}, Field{Name: "valid_until", Kind: Instant})
	}
	ix, _, err := Open(filepath.Join(b.TempDir(), "index"), Schema{Version: 1, Types: []DocType{{Name: "v", Fields: fields}}})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	n := 0
	docs := make([]Doc, 200)
	cpu0 := processCPU()
	for b.Loop() {
		b.StopTimer()
		for i := range docs {
			owner := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])
			d := Doc{Type: "v", ID: fmt.Sprintf("v/%012d", n), Fields: map[string]any{
				"code":    fmt.Sprintf("C%011d", r.Int64N(1e11)),
				"cert_no": fmt.Sprintf("京(2011)朝阳区不动产权第%07d号", r.IntN(9999999)),
				"address": "北京市朝阳区" + streets[r.IntN(len(streets))] + fmt.Sprintf("%d号院%d号楼%d单元%d", r.IntN(300), r.IntN(30), r.IntN(9), r.IntN(2000)),
				"owner":   owner, "agency": "贝壳找房", "agency_id": "0", "requester": "api:bench1",
				"district": dists[r.IntN(len(dists))], "status": "valid",
			}}
			if kind != "none" {
				created := start.Add(time.Duration(n)*gap + time.Duration(r.Int64N(int64(gap))))
				d.Fields["created"], d.Fields["valid_until"] = created, created.AddDate(0, 0, 90)
			}
			docs[i] = d
			n++
		}
		b.StartTimer()
		if err := ix.Apply(docs, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := ix.Close(); err != nil { // ends its merges and persister
		b.Fatal(err)
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(n), "cpu-µs/doc")
}

// processCPU is the CPU time the Go runtime has spent, by its own account
// (every class but idle; time in system calls is not counted).
func processCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	return time.Duration((s[0].Value.Float64() - s[1].Value.Float64()) * float64(time.Second))
}
