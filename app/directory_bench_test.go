package app

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/search"
	"anju/storage"
)

// Search benchmarks of issue 4: with 10,000 agencies and 200,000
// practitioners, agency and practitioner search p95 ≤ 30 ms. The records
// are written straight into the tables (with their outbox notes), then the
// indexer brings the index up to date, as after an import.
//
//	ANJU_BENCH_DIR=/tmp/bench-dir go test -run '^$' -bench 'DirectorySearch' -benchtime 200x ./app/
//
// ANJU_BENCH_AGENCIES and ANJU_BENCH_PRACTITIONERS change the numbers;
// ANJU_BENCH_DIR keeps the data folder (filled once), which the HTTP
// benchmark of the public directory (BenchmarkDirectoryPages in ui/, or
// `anjuload directory` against `anju serve --data DIR`) then opens.
func BenchmarkDirectorySearch(b *testing.B) {
	a, ags := openDirectoryBench(b)
	defer a.Close()
	r := rand.New(rand.NewPCG(7, 7))
	pick := func() *Agency { return ags[r.IntN(len(ags))] }
	viewer := Actor{Username: "bench.viewer", Roles: []Role{RoleViewer}}
	clerk := Actor{Username: "bench.clerk", Roles: []Role{RoleClerk}, District: "110105"}
	oneChar := []string{"安", "华", "居", "信", "泰", "和", "家", "达", "宏", "源"}
	cases := []struct {
		name string
		run  func(i int) (int, error)
	}{
		{"agency/one-char", func(i int) (int, error) {
			p, err := a.SearchAgencies(viewer, AgencyQuery{Text: oneChar[i%len(oneChar)]})
			return p.Total, err
		}},
		{"agency/one-char-everywhere", func(i int) (int, error) { // 房 is in most names
			p, err := a.SearchAgencies(viewer, AgencyQuery{Text: "房"})
			return p.Total, err
		}},
		{"agency/two-words", func(i int) (int, error) {
			p, err := a.SearchAgencies(viewer, AgencyQuery{Text: oneChar[i%len(oneChar)] + " 经纪"})
			return p.Total, err
		}},
		{"agency/code-lower-case", func(i int) (int, error) {
			p, err := a.SearchAgencies(viewer, AgencyQuery{Text: strings.ToLower(pick().USCC)})
			return p.Total, err
		}},
		{"agency/filing-no", func(i int) (int, error) {
			p, err := a.SearchAgencies(viewer, AgencyQuery{Text: pick().FilingNo})
			return p.Total, err
		}},
		{"agency/filters-page-5", func(i int) (int, error) {
			p, err := a.SearchAgencies(viewer, AgencyQuery{District: demoDistricts[i%len(demoDistricts)][0], Type: AgencyTypeBroker, Status: AgencyFiled, Page: 5})
			return p.Total, err
		}},
		{"agency/clerk-district-one-char", func(i int) (int, error) {
			p, err := a.SearchAgencies(clerk, AgencyQuery{Text: oneChar[i%len(oneChar)]})
			return p.Total, err
		}},
		{"agency/public-one-char", func(i int) (int, error) {
			p, err := a.PublicAgencies(AgencyQuery{Text: oneChar[i%len(oneChar)], Size: 20})
			return p.Total, err
		}},
		{"agency/public-no-text", func(i int) (int, error) {
			p, err := a.PublicAgencies(AgencyQuery{Page: 1 + i%50, Size: 20})
			return p.Total, err
		}},
		{"agency/public-one-char-uncached", func(i int) (int, error) {
			p, err := a.publicAgencies(AgencyQuery{Text: oneChar[i%len(oneChar)], Page: 1, Size: 20})
			return p.Total, err
		}},
		{"agency/public-page-uncached", func(i int) (int, error) {
			v, err := a.publicAgency(pick().ID)
			if err != nil && ErrorCode(err) == ENOTFOUND {
				return 0, nil
			}
			return len(v.Practitioners), err
		}},
		{"agency/public-page", func(i int) (int, error) {
			v, err := a.PublicAgency(pick().ID)
			if err != nil && ErrorCode(err) == ENOTFOUND {
				return 0, nil
			}
			return len(v.Practitioners), err
		}},
		{"practitioner/one-char-name", func(i int) (int, error) {
			p, err := a.SearchPractitioners(viewer, PractitionerQuery{Text: demoSurnames[i%len(demoSurnames)]})
			return p.Total, err
		}},
		{"practitioner/full-name", func(i int) (int, error) {
			name := demoSurnames[i%len(demoSurnames)] + demoGiven[(i/3)%len(demoGiven)]
			p, err := a.SearchPractitioners(viewer, PractitionerQuery{Text: name})
			return p.Total, err
		}},
		{"practitioner/card-no", func(i int) (int, error) {
			p, err := a.SearchPractitioners(viewer, PractitionerQuery{Text: fmt.Sprintf("xk%08d", 1+r.IntN(200_000))})
			return p.Total, err
		}},
		{"practitioner/clerk-district-employed", func(i int) (int, error) {
			p, err := a.SearchPractitioners(clerk, PractitionerQuery{Status: PracEmployed, Page: 1 + i%10})
			return p.Total, err
		}},
		{"practitioner/agency-admin-own", func(i int) (int, error) {
			ag := pick()
			admin := Actor{Username: "bench.admin", Roles: []Role{RoleAgencyAdmin}, AgencyID: ag.ID}
			p, err := a.SearchPractitioners(admin, PractitionerQuery{})
			return p.Total, err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			hits := 0
			i := 0
			for b.Loop() {
				start := time.Now()
				n, err := c.run(i)
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				hits += n
				i++
			}
			reportPercentiles(b, times)
			b.ReportMetric(float64(hits)/float64(max(i, 1)), "hits/op")
		})
	}
}

// timeEach runs op once per iteration of b, timing each run, and reports
// the p50 and p95; it returns what op counted on average per run.
func timeEach(b *testing.B, op func() (int, error)) float64 {
	sum := 0
	times := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		k, err := op()
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		sum += k
	}
	reportPercentiles(b, times)
	return float64(sum) / float64(max(len(times), 1))
}

// reportPercentiles reports p50 and p95 of the timed operations.
func reportPercentiles(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	p := func(q float64) float64 {
		return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.95), "p95-ms")
}

// openDirectoryBench opens (and fills, if short) the benchmark's data
// folder and returns the App and every agency.
func openDirectoryBench(b *testing.B) (*App, []*Agency) {
	wantAg, wantPr := 10_000, 200_000
	for env, n := range map[string]*int{"ANJU_BENCH_AGENCIES": &wantAg, "ANJU_BENCH_PRACTITIONERS": &wantPr} {
		if s := os.Getenv(env); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil {
				b.Fatal(err)
			}
			*n = v
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
	var haveAg, havePr int
	_ = a.db.View(func(tx *storage.Tx) error {
		haveAg, havePr = agencyTable.Count(tx), practitionerTable.Count(tx)
		return nil
	})
	if haveAg < wantAg || havePr < wantPr {
		start := time.Now()
		if err := benchFillDirectory(a, haveAg, max(wantAg-haveAg, 0), havePr, max(wantPr-havePr, 0)); err != nil {
			b.Fatal(err)
		}
		stored := time.Since(start)
		if err := a.indexer.catchUp(); err != nil {
			b.Fatal(err)
		}
		b.Logf("stored %d agencies and %d practitioners in %s, indexed in %s", wantAg-haveAg, wantPr-havePr,
			stored.Round(time.Millisecond), (time.Since(start) - stored).Round(time.Millisecond))
	}
	if err := a.indexer.catchUp(); err != nil {
		b.Fatal(err)
	}
	var ags []*Agency
	err = a.db.View(func(tx *storage.Tx) error {
		return agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
			ags = append(ags, ag)
			return true, nil
		})
	})
	if err != nil || len(ags) == 0 {
		b.Fatalf("agencies: %d %v", len(ags), err)
	}
	res, _ := a.ix.Search(search.Query{Type: "practitioner", Size: 1})
	b.Logf("%d agencies, %d practitioners in the index", len(ags), res.Total)
	return a, ags
}

// benchBrand is the characters brand names are made of.
var benchBrand = []rune("安华居信泰和家达宏源鑫盛恒嘉瑞丰合众德锦程京金桥博雅知行启航青禾睿致远佳园运通暖优天成海纳广厦康乐兴业百图诚聚昌润泽栖方圆永君悦万美新城友邻东方中正祥福满堂宜美宅长青森")

// benchFillDirectory writes nAg filed agencies (one in ten a branch of an
// earlier one, one in fifty cancelled) with 1-3 premises, then nPr
// practitioners at random agencies, one in eight having moved from another
// agency and one in fifteen having left the trade.
func benchFillDirectory(a *App, fromAg, nAg, fromPr, nPr int) error {
	r := rand.New(rand.NewPCG(uint64(fromAg)+11, uint64(fromPr)+13))
	now := time.Now()
	var ids []uint64
	var districtOf []string
	_ = a.db.View(func(tx *storage.Tx) error {
		return agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
			ids, districtOf = append(ids, ag.ID), append(districtOf, ag.District)
			return true, nil
		})
	})
	for done := 0; done < nAg; {
		err := a.db.Update(func(tx *storage.Tx) error {
			for k := 0; k < 1000 && done < nAg; k, done = k+1, done+1 {
				d := demoDistricts[r.IntN(len(demoDistricts))][0]
				typ := AgencyTypes[min(r.IntN(10)/6, 2)] // mostly brokers
				brand := string(benchBrand[r.IntN(len(benchBrand))]) + string(benchBrand[r.IntN(len(benchBrand))])
				if r.IntN(3) == 0 {
					brand += string(benchBrand[r.IntN(len(benchBrand))])
				}
				spec := demoMoreAgency{Brand: brand, Type: typ, District: d, Head: -1}
				filed := now.AddDate(0, 0, -1-r.IntN(3000))
				info := AgencyInfo{Name: demoAgencyName(spec, brand), USCC: demoUSCC(r, d), Type: typ,
					LegalRep: demoName(r), LegalRepIDType: "resident_id", LegalRepIDNo: demoResidentID(r, d, 1960, 35),
					District: d, Contact: demoName(r), ContactMobile: demoMobile(r), Scope: "房地产经纪；住房租赁",
					Capital: 100, Established: filed.AddDate(-2, 0, 0)}
				serial := 1
				info.Premises = demoPremises(r, d, 1+r.IntN(3), &serial)
				info.Address = info.Premises[0].Address
				if len(ids) > 0 && r.IntN(10) == 0 {
					info.HeadOfficeID = ids[r.IntN(len(ids))]
					info.Name = strings.TrimSuffix(info.Name, "公司") + "公司" + strings.TrimSuffix(demoDistrictGeo[d].Name, "区") + "分公司"
				}
				no, err := nextFilingNo(tx, d, filed)
				if err != nil {
					return err
				}
				ag := &Agency{Status: AgencyFiled, FilingNo: no, AgencyInfo: info, Version: 1, Filed: filed, Created: filed, Updated: filed}
				if r.IntN(50) == 0 {
					ag.Status, ag.Cancelled = AgencyCancelled, now.AddDate(0, 0, -r.IntN(300))
				}
				id, err := agencyTable.Insert(tx, ag)
				if err != nil {
					return err
				}
				ids, districtOf = append(ids, id), append(districtOf, d)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	names := map[uint64]string{}
	_ = a.db.View(func(tx *storage.Tx) error {
		return agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
			names[ag.ID] = ag.Name
			return true, nil
		})
	})
	for done := 0; done < nPr; {
		err := a.db.Update(func(tx *storage.Tx) error {
			for k := 0; k < 2000 && done < nPr; k, done = k+1, done+1 {
				i := r.IntN(len(ids))
				start := now.AddDate(0, 0, -1-r.IntN(1500))
				card, err := nextCardNo(tx)
				if err != nil {
					return err
				}
				// Unique ID numbers: the sequence digits and the birth day
				// come from the running number.
				n := fromPr + done
				d17 := fmt.Sprintf("%s%04d%02d%02d%03d", districtOf[i], 1960+n%40, 1+(n/40)%12, 1+(n/480)%28, (n/13440)%1000)
				p := &Practitioner{CardNo: card, Name: demoName(r), IDNo: d17 + string(residentIDCheckChar(d17)),
					Mobile: demoMobile(r), Created: start, Updated: start,
					Employments: []Employment{{AgencyID: ids[i], AgencyName: names[ids[i]], Role: PractitionerRoles[r.IntN(3)], Start: start}}}
				if r.IntN(8) == 0 {
					j := r.IntN(len(ids))
					prev := Employment{AgencyID: ids[j], AgencyName: names[ids[j]], Role: PracAssistant,
						Start: start.AddDate(-1, 0, 0), End: start.AddDate(0, 0, -3), EndReason: "个人原因离职"}
					p.Employments = append([]Employment{prev}, p.Employments...)
				}
				if r.IntN(15) == 0 {
					last := &p.Employments[len(p.Employments)-1]
					last.End, last.EndReason = start.AddDate(0, 0, 1+r.IntN(200)), "合同期满"
				}
				if _, err := practitionerTable.Insert(tx, p); err != nil {
					return fmt.Errorf("practitioner %s: %w", p.IDNo, err)
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
