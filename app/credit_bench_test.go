package app

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"anju/storage"
)

// Credit benchmarks of issue 6: with 10,000 agencies, 200,000
// practitioners and 1,000,000 credit records, a credit page with its
// explanation and chart ≤ 50 ms; the public agency page ≥ 2,000 pages/s
// (its credit part here; the whole page over HTTP with `anjuload`).
//
//	cp -r /tmp/bench-dir DIR   # optional: start from the directory benchmark's folder
//	ANJU_BENCH_DIR=DIR go test -run '^$' -bench 'Credit' -benchtime 300x ./app/
//
// ANJU_BENCH_RECORDS changes the number of records (default 1,000,000):
// seven in ten on agencies (about 70 each), the rest on practitioners.
func BenchmarkCreditPage(b *testing.B) {
	a, ags, pracs := openCreditBench(b)
	defer a.Close()
	r := rand.New(rand.NewPCG(3, 5))
	viewer := Actor{Username: "bench.viewer", Roles: []Role{RoleViewer}}
	agency := func() Subject { return Subject{SubjectAgency, ags[r.IntN(len(ags))].ID} }
	prac := func() Subject { return Subject{SubjectPractitioner, pracs[r.IntN(len(pracs))]} }
	cases := []struct {
		name string
		run  func() (int, error)
	}{
		{"agency-page", func() (int, error) {
			v, err := a.CreditPage(viewer, agency())
			return len(v.Records), err
		}},
		{"practitioner-page", func() (int, error) {
			v, err := a.CreditPage(viewer, prac())
			return len(v.Records), err
		}},
		{"public-credit-uncached", func() (int, error) {
			a.credit.seq.Add(1)
			v, err := a.PublicCredit(agency())
			return len(v.Records), err
		}},
		{"public-credit-cached", func() (int, error) {
			v, err := a.PublicCredit(Subject{SubjectAgency, ags[r.IntN(100)].ID})
			return len(v.Records), err
		}},
		{"subjects-lowest-first", func() (int, error) {
			p, err := a.CreditSubjects(viewer, CreditSubjectQuery{Page: 1 + r.IntN(5)})
			return len(p.Items), err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportMetric(timeEach(b, c.run), "records/op")
		})
	}
}

// BenchmarkRecheckLists: what saving a change of the lists' lines or of the
// base score costs (recheckLists, run by SetParams before it answers), on
// the folder of BenchmarkCreditPage.
//
//	ANJU_BENCH_DIR=DIR go test -run '^$' -bench RecheckLists -benchtime 3x ./app/
func BenchmarkRecheckLists(b *testing.B) {
	a, _, _ := openCreditBench(b)
	defer a.Close()
	var n int
	for b.Loop() {
		var err error
		if n, err = a.recheckLists(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "subjects")
}

// openCreditBench opens the directory benchmark's folder and fills it up to
// ANJU_BENCH_RECORDS credit records (default 1,000,000).
func openCreditBench(b *testing.B) (*App, []*Agency, []uint64) {
	a, ags := openDirectoryBench(b)
	want := 1_000_000
	if s := os.Getenv("ANJU_BENCH_RECORDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		want = n
	}
	var have int
	var pracs []uint64
	_ = a.db.View(func(tx *storage.Tx) error {
		have = recordTable.Count(tx)
		return practitionerTable.Each(tx, false, func(p *Practitioner) (bool, error) {
			pracs = append(pracs, p.ID)
			return true, nil
		})
	})
	if have < want {
		start := time.Now()
		if err := benchFillCredit(a, ags, pracs, have, want-have); err != nil {
			b.Fatal(err)
		}
		b.Logf("stored %d credit records in %s", want-have, time.Since(start).Round(time.Millisecond))
	}
	if err := benchRefreshSummaries(a); err != nil {
		b.Fatal(err)
	}
	return a, ags, pracs
}

// benchFillCredit writes n records under the default rules, seven in ten
// on agencies, over the last two years, with their subjects' summaries.
func benchFillCredit(a *App, ags []*Agency, pracs []uint64, from, n int) error {
	r := rand.New(rand.NewPCG(uint64(from)+17, 19))
	var rules []*ScoringRule
	_ = a.db.View(func(tx *storage.Tx) error {
		return ruleTable.Each(tx, false, func(x *ScoringRule) (bool, error) { rules = append(rules, x); return true, nil })
	})
	now := time.Now()
	touched := map[Subject]bool{}
	for done := 0; done < n; {
		err := a.db.Update(func(tx *storage.Tx) error {
			for k := 0; k < 5000 && done < n; k, done = k+1, done+1 {
				var s Subject
				var name, code, district string
				var agID uint64
				if r.IntN(10) < 7 {
					ag := ags[r.IntN(len(ags))]
					s, name, code, district, agID = Subject{SubjectAgency, ag.ID}, ag.Name, ag.USCC, ag.District, ag.ID
				} else {
					s, name, code = Subject{SubjectPractitioner, pracs[r.IntN(len(pracs))]}, "从业人员", "XK"
				}
				rule := rules[r.IntN(len(rules))]
				start := day(now.AddDate(0, 0, -r.IntN(730)))
				rec := &CreditRecord{No: "XYBENCH-" + strconv.Itoa(from+done), SubjectRef: SubjectRef{Subject: s, SubjectName: name,
					SubjectCode: code, District: district, AgencyID: agID}, RuleRef: ruleRef(rule), Points: rule.Points(rule.Suggested), EventDate: start.AddDate(0, 0, -7),
					Facts: "基准测试记录：现场检查发现的情况说明。", Status: RecordActive, Start: start,
					Expires: start.AddDate(0, 0, rule.ValidDays), ObjectionUntil: start.AddDate(0, 0, 15),
					History: []CreditEvent{{At: start, By: "bench", What: "approved"}}, Created: start, Updated: start}
				if !rec.Expires.After(now) {
					rec.Status, rec.End = RecordExpired, rec.Expires
				}
				if _, err := recordTable.Insert(tx, rec); err != nil {
					return err
				}
				touched[s] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// The subjects' summaries, as the workflows would have left them.
	var batch []Subject
	for s := range touched {
		batch = append(batch, s)
	}
	for len(batch) > 0 {
		k := min(len(batch), 500)
		err := a.db.Update(func(tx *storage.Tx) error {
			for _, s := range batch[:k] {
				if _, err := a.refreshSummary(tx, s, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		batch = batch[k:]
	}
	return nil
}

// benchRefreshSummaries rewrites the summaries of a folder filled before
// summaries kept their recent records (one look at the first tells).
func benchRefreshSummaries(a *App) error {
	var subjects []Subject
	err := a.db.View(func(tx *storage.Tx) error {
		return tx.Scan(creditSummaryBucket, nil, false, func(k, _ []byte) (bool, error) {
			if tx.Get(creditRecentBucket, k) != nil {
				return false, nil
			}
			var sum CreditSummary
			if err := json.Unmarshal(tx.Get(creditSummaryBucket, k), &sum); err != nil {
				return false, err
			}
			subjects = append(subjects, sum.Subject)
			return true, nil
		})
	})
	for len(subjects) > 0 && err == nil {
		k := min(len(subjects), 500)
		err = a.db.Update(func(tx *storage.Tx) error {
			for _, s := range subjects[:k] {
				if _, err := a.refreshSummary(tx, s, time.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		subjects = subjects[k:]
	}
	return err
}
