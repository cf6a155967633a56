package app

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"anju/storage"
)

// Benchmarks of issue 5's targets: with 1,000,000 contracts, contract
// search p95 ≤ 100 ms and the reviewers' queue in ≤ 100 ms. Signing
// through HTTP (≥ 500 contracts/s with durable commits) is measured by
// `anjuload sign` against a serving platform (tools/anjuload/sign.go).
//
// The contracts (and the filing applications of those applied for) are
// written straight into the tables, 5,000 per transaction, then the index
// is rebuilt from the store as `anju reindex` does; signing them one by one
// would take hours of fsyncs.
//
//	ANJU_BENCH_CONTRACTS=1000000 ANJU_BENCH_DIR=/tmp/bench-1mc \
//	  go test -run '^$' -bench 'ContractSearch|FilingQueue' -benchtime 200x -timeout 3h ./app/
//
// ANJU_BENCH_CONTRACTS is how many contracts the folder must hold (default
// 100,000); ANJU_BENCH_DIR keeps the folder between runs (filled once).
func BenchmarkContractSearch(b *testing.B) {
	a, sample := openContractBench(b)
	defer a.Close()
	viewer := Actor{Username: "bench.viewer", Roles: []Role{RoleViewer}}
	clerk := Actor{UserID: 2, Username: "bench.clerk", Roles: []Role{RoleClerk}, District: "110105"}
	agent := Actor{UserID: 100 + 17, Username: "bench.agent", Roles: []Role{RoleAgent}, AgencyID: 17 + 1, AgencyName: benchAgencies[17]}
	chars := []rune("王李张刘陈望园里朝路号楼区街花家东西南北中安居")
	now := time.Now()
	cases := []struct {
		name  string
		actor Actor
		query func(i int) ContractQuery
	}{
		{"contract-no", viewer, func(i int) ContractQuery { return ContractQuery{Text: sample[i%len(sample)].No} }},
		{"cert-no", viewer, func(i int) ContractQuery { return ContractQuery{Text: sample[i%len(sample)].CertNo} }},
		{"party-full-name", viewer, func(i int) ContractQuery {
			return ContractQuery{Text: sample[i%len(sample)].Parties[len(sample[i%len(sample)].Parties)-1].Name}
		}},
		{"one-char-city", viewer, func(i int) ContractQuery { return ContractQuery{Text: string(chars[i%len(chars)])} }},
		{"one-char-clerk", clerk, func(i int) ContractQuery { return ContractQuery{Text: string(chars[i%len(chars)])} }},
		{"two-chars-clerk", clerk, func(i int) ContractQuery {
			return ContractQuery{Text: []string{"望京", "花园", "家园", "北里", "安居"}[i%5]}
		}},
		{"status-district-dates", viewer, func(i int) ContractQuery {
			from := now.AddDate(0, 0, -30-i%600)
			return ContractQuery{Status: []string{ContractSigned, ContractExpired, ContractRevoked}[i%3],
				District: benchContractDistricts[i%len(benchContractDistricts)], From: from, To: from.AddDate(0, 1, 0)}
		}},
		{"filing-overdue-clerk", clerk, func(i int) ContractQuery { return ContractQuery{Filing: FilingOverdue, Page: 1 + i%3} }},
		{"agency-own-list", agent, func(i int) ContractQuery { return ContractQuery{Page: 1 + i%5} }},
		{"all-newest-page-1", viewer, func(i int) ContractQuery { return ContractQuery{} }},
		{"all-newest-page-50", viewer, func(i int) ContractQuery { return ContractQuery{Page: 50} }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			hits, narrowed, i := 0, 0, 0
			for b.Loop() {
				start := time.Now()
				p, err := a.SearchContracts(c.actor, c.query(i))
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				hits += p.Total
				if p.Window != nil {
					narrowed++
				}
				i++
			}
			reportPercentiles(b, times)
			b.ReportMetric(float64(hits)/float64(max(i, 1)), "hits/op")
			b.ReportMetric(float64(narrowed)/float64(max(i, 1)), "narrowed/op")
		})
	}
}

// BenchmarkFilingQueue times the reviewers' queue: its first page as it
// opens (pending, oldest first), with the district, agency, date and
// overdue filters, and the tab figures beside it.
func BenchmarkFilingQueue(b *testing.B) {
	a, _ := openContractBench(b)
	defer a.Close()
	reviewer := Actor{UserID: 3, Username: "bench.reviewer", Roles: []Role{RoleReviewer}, District: "110105"}
	city := Actor{UserID: 4, Username: "bench.city", Roles: []Role{RoleReviewer}}
	now := time.Now()
	cases := []struct {
		name  string
		actor Actor
		query func(i int) FilingQuery
	}{
		{"opens-district-reviewer", reviewer, func(i int) FilingQuery { return FilingQuery{Status: FilingPending} }},
		{"opens-city-reviewer", city, func(i int) FilingQuery { return FilingQuery{Status: FilingPending} }},
		{"overdue", city, func(i int) FilingQuery { return FilingQuery{Status: FilingPending, Overdue: true} }},
		{"district-filter", city, func(i int) FilingQuery {
			return FilingQuery{Status: FilingPending, District: benchContractDistricts[i%len(benchContractDistricts)]}
		}},
		{"agency-filter", city, func(i int) FilingQuery {
			return FilingQuery{Status: FilingPending, Agency: benchAgencies[i%len(benchAgencies)]}
		}},
		{"submitted-dates", reviewer, func(i int) FilingQuery {
			from := now.AddDate(0, 0, -7-i%60)
			return FilingQuery{From: from, To: from.AddDate(0, 0, 7)}
		}},
		{"page-10", city, func(i int) FilingQuery { return FilingQuery{Status: FilingPending, Page: 10} }},
		{"all-applications-city", city, func(i int) FilingQuery { return FilingQuery{Page: 1 + i%3} }},
		{"filed-one-char-district", reviewer, func(i int) FilingQuery {
			return FilingQuery{Status: FilingFiled, Text: string([]rune("王李张刘陈")[i%5])}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			hits, i := 0, 0
			for b.Loop() {
				start := time.Now()
				p, err := a.SearchFilings(c.actor, c.query(i))
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				hits += p.Total
				i++
			}
			reportPercentiles(b, times)
			b.ReportMetric(float64(hits)/float64(max(i, 1)), "hits/op")
		})
	}
	// What the queue's page asks for as it opens: its first page and the
	// figures of its tabs.
	for _, who := range []Actor{reviewer, city} {
		b.Run("page-opens-"+who.Username[len("bench."):], func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if _, err := a.SearchFilings(who, FilingQuery{Status: FilingPending, Size: 20}); err != nil {
					b.Fatal(err)
				}
				if _, err := a.CountFilings(who); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			reportPercentiles(b, times)
		})
	}
	b.Run("tab-counts", func(b *testing.B) {
		times := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			if _, err := a.CountFilings(reviewer); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		reportPercentiles(b, times)
	})
}

// openContractBench opens (and fills, if short) the benchmark's folder and
// returns the App and a sample of signed contracts to look up.
func openContractBench(b *testing.B) (*App, []*Contract) {
	want := 100_000
	if s := os.Getenv("ANJU_BENCH_CONTRACTS"); s != "" {
		var err error
		if want, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	dir := os.Getenv("ANJU_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	a, err := Open(Config{DataDir: dir, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if err := a.update(func(tx *storage.Tx) error { return seedDict(tx, DictDistrict, demoDistricts, a.now()) }); err != nil {
		b.Fatal(err)
	}
	a.dicts.drop()
	var have, agencies int
	_ = a.db.View(func(tx *storage.Tx) error {
		have, agencies = contractTable.Count(tx), agencyTable.Count(tx)
		return nil
	})
	if agencies == 0 {
		// The brokering agencies, so that the queue's agency filter (by
		// name) finds them: IDs 1..200 as the contracts name them.
		r := rand.New(rand.NewPCG(8, 8))
		err := a.update(func(tx *storage.Tx) error {
			for i, name := range benchAgencies {
				d := benchContractDistricts[i%len(benchContractDistricts)]
				ag := &Agency{ID: uint64(i + 1), Status: AgencyFiled, FilingNo: fmt.Sprintf("BA%s%04d", d, i+1), Version: 1,
					AgencyInfo: AgencyInfo{Name: name, USCC: demoUSCC(r, d), Type: AgencyTypeBroker, District: d}}
				if err := agencyTable.Put(tx, ag); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if have < want {
		start := time.Now()
		if err := benchFillContracts(a, have, want-have, time.Now()); err != nil {
			b.Fatal(err)
		}
		stored := time.Since(start)
		if err := a.Reindex(SystemActor("bench")); err != nil {
			b.Fatal(err)
		}
		// The inserts left one outbox note each; the rebuild covered them.
		seq, err := a.db.LastNoteSeq()
		if err == nil {
			err = a.db.TrimNotes(seq)
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("stored %d contracts in %s, reindexed in %s", want-have, stored.Round(time.Millisecond),
			(time.Since(start) - stored).Round(time.Millisecond))
	}
	var sample []*Contract
	var filings int
	_ = a.db.View(func(tx *storage.Tx) error {
		have, filings = contractTable.Count(tx), contractFilingTable.Count(tx)
		r := rand.New(rand.NewPCG(3, 4))
		for len(sample) < 500 {
			c, err := contractTable.Get(tx, 1+uint64(r.IntN(have)))
			if err == nil && c.No != "" {
				sample = append(sample, c)
			}
		}
		return nil
	})
	n, _ := a.ix.Count()
	b.Logf("%d contracts, %d filing applications stored, %d documents in the index", have, filings, n)
	return a, sample
}

var benchContractDistricts = []string{"110101", "110102", "110105", "110105", "110105", "110106", "110108", "110108", "110112", "110114", "110115", "110113"}

// benchFillContracts writes n contracts numbered from first: leases signed
// over the last two years across Beijing's districts, Chinese names and
// addresses, brokered by 200 agencies (one in six at the counter), in every
// status; those applied for get their filing application (a few thousand
// pending in the queue, some overdue, some returned, most filed).
func benchFillContracts(a *App, first, n int, now time.Time) error {
	const perTx = 5000
	r := rand.New(rand.NewPCG(uint64(first)+5, 11))
	streets := []string{"望京西园", "团结湖北里", "劲松", "双井", "安慧里", "中关村东路", "华清嘉园", "万柳中路", "学院路", "和平里",
		"天坛东里", "方庄芳古园", "马家堡嘉园", "回龙观", "天通苑", "亦庄", "梨园", "果园", "月坛北街", "鲁谷路"}
	compounds := []string{"小区", "家园", "花园", "嘉园", "公寓", "北里", "南里", "东区", "西区", "社区"}
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.Local) }
	for done := 0; done < n; {
		m := min(perTx, n-done)
		err := a.db.Update(func(tx *storage.Tx) error {
			for range m {
				i := first + done
				done++
				d := benchContractDistricts[r.IntN(len(benchContractDistricts))]
				signed := now.Add(-time.Duration(r.Int64N(int64(730 * 24 * time.Hour))))
				start := day(signed).AddDate(0, 0, 1+r.IntN(14))
				end := start.AddDate(1, 0, -1)
				rent := 2000 + 100*r.IntN(100)
				area := float64(30 + r.IntN(120))
				c := &Contract{Status: ContractSigned, Source: ContractOnline, PropertyID: 20_000_000 + uint64(i), District: d,
					CertType: "01", CertNo: fmt.Sprintf("京(%d)不动产权第%07d号", 2005+r.IntN(20), i),
					Listing: Listing{Address: fmt.Sprintf("北京市%s%s%d号楼%d单元%d", streets[r.IntN(len(streets))], compounds[r.IntN(len(compounds))],
						1+r.IntN(40), 1+r.IntN(6), (1+r.IntN(28))*100+1+r.IntN(4)), Area: area, Rooms: 1 + r.IntN(3), Halls: 1, Baths: 1, Rent: rent, Mode: "whole"},
					Terms: Terms{Start: start, End: end, Rent: rent, PaymentCycle: PaymentCycles[r.IntN(4)], PaymentMethod: "transfer",
						Deposit: rent, Purpose: "residential", Utilities: "lessee"},
					Parties: []Party{
						{Role: PartyLessor, Kind: PartyPerson, Name: string(genBenchName(r)), IDType: "resident_id", IDNo: "110105197001010010"},
						{Role: PartyLessee, Kind: PartyPerson, Name: string(genBenchName(r)), IDType: "resident_id", IDNo: "110108199003070024", Phone: "13900001111"},
					},
					Step: CStepPreview, TemplateVersion: 1, Created: signed.Add(-time.Hour), Updated: signed, Signed: signed,
					FilingDue: day(signed).AddDate(0, 0, 30)}
				by := Person{UserID: 2, Username: "clerk", Name: "王芳"}
				if k := r.IntN(6); k > 0 {
					ag := r.IntN(len(benchAgencies))
					by = Person{UserID: 100 + uint64(ag), Username: "agent" + strconv.Itoa(ag), Name: string(genBenchName(r))}
					c.AgencyID, c.AgencyName, c.AgentID, c.AgentName = uint64(ag+1), benchAgencies[ag], by.UserID, by.Name
				}
				c.CreatedBy, c.SignedBy = by, by
				switch k := r.IntN(100); {
				case k < 3:
					c.Status, c.Signed, c.SignedBy, c.FilingDue = ContractDraft, time.Time{}, Person{}, time.Time{}
				case k < 7:
					c.Status, c.Signed, c.SignedBy, c.FilingDue = ContractCancelled, time.Time{}, Person{}, time.Time{}
				case k < 14:
					c.Status, c.Ended, c.EndReason = ContractRevoked, start.AddDate(0, 1+r.IntN(6), 0), "双方协商一致解除"
				case end.Before(now):
					c.Status, c.Ended = ContractExpired, end.AddDate(0, 0, 1)
				}
				if c.Status != ContractDraft && c.Status != ContractCancelled {
					no, err := nextContractNo(tx, d, signed)
					if err != nil {
						return err
					}
					c.No = no
					benchFilingState(r, c, now)
				}
				c.ID = tx.Sequence(contractTable.Name()) + 1
				if c.FilingStatus != FilingNone {
					if err := benchFiling(tx, r, c, now); err != nil {
						return err
					}
				}
				if err := contractTable.Put(tx, c); err != nil {
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

// benchFillState draws the filing state: of the leases signed within the
// deadline a quarter wait in the queue; of older ones most are filed, 1 %
// wait overdue, 1 % were returned, 10 % were never applied for.
func benchFilingState(r *rand.Rand, c *Contract, now time.Time) {
	recent := now.Before(c.FilingDue)
	switch k := r.IntN(100); {
	case recent && k < 25, !recent && k < 1:
		c.FilingStatus = FilingPending
	case recent && k < 28, !recent && k < 2:
		c.FilingStatus = FilingRejected
	case recent && k < 70, !recent && k < 90:
		c.FilingStatus = FilingFiled
	}
	switch {
	case c.FilingStatus == FilingFiled && c.Status == ContractExpired:
		c.FilingStatus = FilingEnded
	case c.FilingStatus != FilingNone && c.Status == ContractRevoked:
		c.FilingStatus = FilingCancelled
	}
}

// benchFiling writes c's filing application (c.ID already set).
func benchFiling(tx *storage.Tx, r *rand.Rand, c *Contract, now time.Time) error {
	submitted := c.Signed.Add(time.Duration(1+r.IntN(20*24)) * time.Hour)
	if submitted.After(now) {
		submitted = now.Add(-time.Minute)
	}
	f := &ContractFiling{Status: c.FilingStatus, ContractID: c.ID, ContractNo: c.No, Source: c.Source, District: c.District,
		CertNo: c.CertNo, Address: contractAddress(c), AgencyID: c.AgencyID, AgencyName: c.AgencyName,
		Lessors: []string{c.Parties[0].Name}, Lessees: []string{c.Parties[1].Name}, Start: c.Terms.Start, End: c.Terms.End,
		Rent: c.Terms.Rent, Due: c.FilingDue, Side: SourceGov, SubmittedBy: c.SignedBy, Submitted: submitted, Updated: submitted,
		History: []AppEvent{{Time: submitted, By: c.SignedBy, Action: "submitted"}}}
	if c.AgencyID != 0 {
		f.Side = SourceAgency
	}
	switch c.FilingStatus {
	case FilingFiled, FilingEnded, FilingCancelled:
		f.Decided = submitted.Add(time.Duration(1+r.IntN(72)) * time.Hour)
		f.ReviewedBy = Person{UserID: 3, Username: "reviewer", Name: "李强"}
		no, err := nextFilingCertNo(tx, c.District, f.Decided)
		if err != nil {
			return err
		}
		f.CertificateNo, c.FilingCertNo = no, no
	case FilingRejected:
		f.Decided, f.RejectReason = submitted.Add(24*time.Hour), "承租人身份证复印件不清晰"
	}
	no, err := nextFilingAppNo(tx, submitted)
	if err != nil {
		return err
	}
	f.No = no
	if _, err := contractFilingTable.Insert(tx, f); err != nil {
		return err
	}
	c.FilingID = f.ID
	return nil
}
