package app

import (
	"math"
	"testing"

	"anju/storage"
)

// TestRentStatistics: the rents of the leases signed this month, by
// district and by month: medians per m² of whole-flat leases (89.5 m²
// each), the average per m², and shared leases apart by their rent; a
// district clerk sees only his, and a draft counts nothing.
func TestRentStatistics(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	for i, rent := range []string{"6000", "7000", "9000"} {
		v := f.ownProperty(f.agent, 60+i, "")
		if _, err := f.SignContract(f.agent, f.readyDraftAt(f.agent, v, 1, 12, rent).ID); err != nil {
			t.Fatal(err)
		}
	}
	for i, rent := range []string{"2500", "3100"} {
		v := f.ownProperty(f.agent, 70+i, "B室")
		if _, err := f.SignContract(f.agent, f.readyDraftAt(f.agent, v, 1, 12, rent).ID); err != nil {
			t.Fatal(err)
		}
	}
	f.readyDraftAt(f.agent, f.ownProperty(f.agent, 80, ""), 1, 12, "50000") // never signed
	now := f.now()
	st, err := f.Statistics(f.clerk, StatsQuery{Year: now.Year()})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rent == nil {
		t.Fatal("a clerk who sees contracts gets no rents")
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.005 }
	want := RentFigures{Whole: 3, PerM2Median: 7000 / 89.5, PerM2Mean: 22000 / (3 * 89.5), Shared: 2, LeaseMedian: 2800}
	got := st.Rent.Total
	if got.Whole != want.Whole || got.Shared != want.Shared || !near(got.PerM2Median, want.PerM2Median) ||
		!near(got.PerM2Mean, want.PerM2Mean) || !near(got.LeaseMedian, want.LeaseMedian) {
		t.Errorf("rents %+v, want %+v", got, want)
	}
	if got.Whole+got.Shared != st.Totals["signed"] {
		t.Errorf("%d leases with a rent, %d contracts signed", got.Whole+got.Shared, st.Totals["signed"])
	}
	month := st.Rent.Months[int(now.Month())-1]
	if len(st.Rent.Months) != 12 || month.RentFigures != got {
		t.Errorf("this month %+v, the year %+v", month.RentFigures, got)
	}
	if len(st.Rent.Districts) != 1 || st.Rent.Districts[0].District != "110105" || st.Rent.Districts[0].RentFigures != got {
		t.Errorf("districts %+v", st.Rent.Districts)
	}
	// The month's statistics: the same figures, no rows by day.
	m, err := f.Statistics(f.clerk, StatsQuery{Year: now.Year(), Month: int(now.Month())})
	if err != nil {
		t.Fatal(err)
	}
	if m.Rent.Total != got || len(m.Rent.Months) != 0 {
		t.Errorf("month: %+v, %d rows", m.Rent.Total, len(m.Rent.Months))
	}
	// Last year holds none of them.
	last, err := f.Statistics(f.clerk, StatsQuery{Year: now.Year() - 1})
	if err != nil {
		t.Fatal(err)
	}
	if last.Rent.Total != (RentFigures{}) {
		t.Errorf("last year: %+v", last.Rent.Total)
	}
	hd, err := f.Statistics(f.clerkHD, StatsQuery{Year: now.Year()})
	if err != nil {
		t.Fatal(err)
	}
	if hd.Rent.Total != (RentFigures{}) {
		t.Errorf("Haidian's clerk sees Chaoyang's rents: %+v", hd.Rent.Total)
	}
}

// TestRentIndexBuiltForEarlierContracts: the migration that brought the
// rent index writes it for the contracts signed before it.
func TestRentIndexBuiltForEarlierContracts(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	v := f.ownProperty(f.agent, 61, "")
	if _, err := f.SignContract(f.agent, f.readyDraftAt(f.agent, v, 1, 12, "8950").ID); err != nil {
		t.Fatal(err)
	}
	rentIndex := storage.Migration{}
	for _, m := range migrations {
		if m.Name == "contracts' rent index" {
			rentIndex = m
		}
	}
	if rentIndex.Up == nil {
		t.Fatal("no migration builds the rent index")
	}
	count := func() int {
		n := 0
		_ = f.db.View(func(tx *storage.Tx) error {
			return contractTable.LookupPrefix(tx, "rent", nil, func([]byte, uint64) (bool, error) { n++; return true, nil })
		})
		return n
	}
	// As the store was before: no rent index.
	if err := f.db.Update(func(tx *storage.Tx) error { return tx.DeleteBucket("contracts/idx/rent") }); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d entries after dropping the index", n)
	}
	if err := f.db.Update(rentIndex.Up); err != nil {
		t.Fatal(err)
	}
	st, err := f.Statistics(f.clerk, StatsQuery{Year: f.now().Year()})
	if err != nil {
		t.Fatal(err)
	}
	if count() != 1 || st.Rent.Total.Whole != 1 || math.Abs(st.Rent.Total.PerM2Median-100) > 0.005 {
		t.Errorf("%d entries, rents %+v", count(), st.Rent.Total)
	}
}
