package app

import (
	"testing"
)

// Benchmarks for docs/benchmarks.md. Run without the race detector:
//
//	go test -run '^$' -bench . -benchtime 5s ./app/
//
// BenchmarkLogin measures successful sign-ins of a demo account from
// parallel clients: a bcrypt comparison at the default cost, a session
// insert, the login state and an audit entry (grouped by db.Batch).
func BenchmarkLogin(b *testing.B) {
	a, err := Open(Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if _, err := a.LoadDemo(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := a.Login(PortalGov, "clerk", DemoPassword, "192.0.2.9", "bench", "")
			if err != nil {
				b.Error(err)
				return
			}
			if res.Token == "" {
				b.Error("no token")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkOpenDemo measures the start of a demo instance on an empty data
// folder: create the store, migrate, create the index, load the demo data.
func BenchmarkOpenDemo(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		a, err := Open(Config{DataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.LoadDemo(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := a.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
