package app

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"anju/storage"
)

// BenchmarkPremisesMap times PremisesMap for a city-wide viewer over many
// agencies (issue 4: the distribution page renders in ≤ 200 ms with 10,000
// agencies). The agencies, each with 1-3 premises at random places in
// Beijing (one premises in 20 without coordinates), are written straight
// into the table, 1,000 per transaction; their outbox notes are left for
// the indexer (the page reads the store, not the index).
//
//	go test -run '^$' -bench PremisesMap -benchtime 20x ./app/
//
// ANJU_BENCH_AGENCIES sets the number (default 10,000); ANJU_BENCH_DIR keeps
// the data folder, which the UI benchmark (BenchmarkPremisesPage in ui/)
// then opens to time the whole page over HTTP.
func BenchmarkPremisesMap(b *testing.B) {
	want := 10_000
	if s := os.Getenv("ANJU_BENCH_AGENCIES"); s != "" {
		var err error
		if want, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	dir := os.Getenv("ANJU_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	a, err := Open(Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if err := a.update(func(tx *storage.Tx) error { return seedDict(tx, DictDistrict, demoDistricts, a.now()) }); err != nil {
		b.Fatal(err)
	}
	a.dicts.drop()
	var have int
	_ = a.db.View(func(tx *storage.Tx) error { have = agencyTable.Count(tx); return nil })
	if have < want {
		start := time.Now()
		if err := benchFillAgencies(a, have, want-have); err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote %d agencies in %s", want-have, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	if err := a.WarmPremisesCache(); err != nil {
		b.Fatal(err)
	}
	b.Logf("first read of %d agencies (cache cold): %s", want, time.Since(start).Round(time.Millisecond))
	viewer := Actor{Username: "bench", Roles: []Role{RoleViewer}}
	clerk := Actor{Username: "bench.cy", Roles: []Role{RoleClerk}, District: "110105"}
	for _, c := range []struct {
		name  string
		actor Actor
		f     PremisesFilter
	}{
		{"city", viewer, PremisesFilter{}},
		{"city-brokers", viewer, PremisesFilter{Type: AgencyTypeBroker}},
		{"district", clerk, PremisesFilter{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var rep *PremisesReport
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if rep, err = a.PremisesMap(c.actor, c.f); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			p := func(q float64) float64 {
				return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
			}
			b.ReportMetric(p(0.50), "p50-ms")
			b.ReportMetric(p(0.95), "p95-ms")
			b.ReportMetric(float64(len(rep.Points)), "points")
		})
	}
}

// benchFillAgencies writes n filed agencies after the first `from`.
func benchFillAgencies(a *App, from, n int) error {
	r := rand.New(rand.NewPCG(uint64(from)+1, 4))
	now := time.Now()
	for done := 0; done < n; {
		err := a.db.Update(func(tx *storage.Tx) error {
			for k := 0; k < 1000 && done < n; k, done = k+1, done+1 {
				i := from + done
				d := demoDistricts[r.IntN(len(demoDistricts))][0]
				ag := &Agency{Status: AgencyFiled, FilingNo: fmt.Sprintf("BA%s%07d", d, i), Version: 1,
					Filed: now, Created: now, Updated: now, AgencyInfo: AgencyInfo{
						Name: fmt.Sprintf("北京测试%05d房地产经纪有限公司", i), USCC: fmt.Sprintf("9111%014d", i),
						Type: AgencyTypes[r.IntN(len(AgencyTypes))], LegalRep: "王测试", LegalRepIDType: "resident_id",
						LegalRepIDNo: "110105198203150017", Address: fmt.Sprintf("北京市测试路%d号", i), District: d,
						Contact: "王测试", ContactMobile: "13611112222", Scope: "房地产经纪；住房租赁", Capital: 100,
					}}
				if i%10 == 0 {
					ag.Status = AgencyCancelled
				}
				for j := range 1 + r.IntN(3) {
					p := Premises{Name: fmt.Sprintf("第%d门店", j+1), Address: fmt.Sprintf("北京市测试路%d号%d层", i, j+1), District: d}
					if r.IntN(20) != 0 {
						p.Lng, p.Lat, p.HasCoords = 115.7+r.Float64()*1.7, 39.45+r.Float64()*1.5, true
					}
					ag.Premises = append(ag.Premises, p)
				}
				if _, err := agencyTable.Insert(tx, ag); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
