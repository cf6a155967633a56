package app

import (
	"os"
	"testing"
	"time"
)

// Statistics page at scale: one count of the index per cell (12 months and
// each district, times four kinds), and the rents of the period's leases
// read from the contracts' rent index. The contracts and filing applications
// are those of BenchmarkContractSearch's folder (ANJU_BENCH_CONTRACTS,
// ANJU_BENCH_DIR); ANJU_BENCH_VERIF_DIR names a data folder with many
// verifications (a copy: the index is brought up to date in it), counted
// instead of the contract folder's.
//
//	ANJU_BENCH_DIR=/tmp/bench-100kc go test -run '^$' -bench Statistics -benchtime 20x ./app/
func BenchmarkStatistics(b *testing.B) {
	a, _ := openContractBench(b)
	defer a.Close()
	if dir := os.Getenv("ANJU_BENCH_VERIF_DIR"); dir != "" {
		v, err := Open(Config{DataDir: dir, Version: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		defer v.Close()
		a = v
	}
	viewer := Actor{Username: "bench.viewer", Roles: []Role{RoleViewer}}
	clerk := Actor{UserID: 2, Username: "bench.clerk", Roles: []Role{RoleClerk}, District: "110105"}
	now := time.Now()
	for _, c := range []struct {
		name  string
		actor Actor
		q     StatsQuery
	}{
		{"city_year", viewer, StatsQuery{Year: now.Year()}},
		{"city_month_by_day", viewer, StatsQuery{Year: now.Year(), Month: int(now.Month())}},
		{"clerk_year", clerk, StatsQuery{Year: now.Year()}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var total, leases int
			for b.Loop() {
				st, err := a.Statistics(c.actor, c.q)
				if err != nil {
					b.Fatal(err)
				}
				total = st.Totals["signed"] + st.Totals["verified"]
				if st.Rent != nil {
					leases = st.Rent.Total.Whole + st.Rent.Total.Shared
				}
			}
			b.ReportMetric(float64(total), "counted")
			b.ReportMetric(float64(leases), "leases")
		})
	}
	// The review backlog alone (part of each case above): ten index counts
	// by age and the small queues read from the store.
	b.Run("backlog_city", func(b *testing.B) {
		var waiting int
		for b.Loop() {
			rows, err := a.backlog(viewer, "")
			if err != nil {
				b.Fatal(err)
			}
			waiting = 0
			for _, r := range rows {
				waiting += r.Count
			}
		}
		b.ReportMetric(float64(waiting), "waiting")
	})
}
