package app

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"anju/search"
	"anju/storage"
)

// The contract list and the filing queue sort only the matches of a date
// range found by counting (searchDated). These tests fill a store as the
// benchmark does (leases signed over two years, in no order of their IDs,
// with their filing applications), make every query take that path, and
// compare each page with what bleve gives when it sorts every match.

// TestDatedLists runs the tests below on one store of 1,000 generated
// contracts (filling and indexing it takes seconds).
func TestDatedLists(t *testing.T) {
	f := dlFixture(t)
	t.Run("contract pages", func(t *testing.T) { testContractSearchDatedPages(t, f) })
	t.Run("filing pages", func(t *testing.T) { testFilingQueueDatedPages(t, f) })
	t.Run("narrowed", func(t *testing.T) { testContractSearchNarrowed(t, f) })
}

// dlFixture holds 1,000 generated contracts.
func dlFixture(t *testing.T) *fixture {
	f := newFixture(t)
	if err := benchFillContracts(f.App, 0, 1000, f.now()); err != nil {
		t.Fatal(err)
	}
	// The generator dates many recent applications alike (a minute before
	// now); the queue gets 60 more, each submitted at its own time over the
	// last year, in no order of their IDs.
	r := rand.New(rand.NewPCG(1, 2))
	err := f.update(func(tx *storage.Tx) error {
		for i := range 60 {
			at := f.now().Add(-time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
			_, err := contractFilingTable.Insert(tx, &ContractFiling{Status: FilingPending, ContractID: uint64(5000 + i),
				ContractNo: fmt.Sprintf("HT110105-2026-9%05d", i), Source: ContractOnline, District: "110105",
				Address: "北京市朝阳区测试路1号", Lessors: []string{"房东"}, Lessees: []string{"租客"},
				Due: at.AddDate(0, 0, 20), Side: SourceGov, Submitted: at, Updated: at})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// dlSorted is the reference: the page of the matches of sq as the lists
// were ordered before searchDated (by bleve, on every match): contracts by
// signing, newest first, never signed last by creation; applications by
// submission, the pending queue oldest first; ties by ID. The matches
// come from the index, the order from the records.
func dlSorted(t *testing.T, f *fixture, sq search.Query, page, size int) ([]uint64, int) {
	t.Helper()
	all := sq
	all.Sort, all.From, all.Size = []string{"_id"}, 0, 1000
	res, err := f.ix.Search(all)
	if err != nil || res.Total > 1000 {
		t.Fatalf("all matches: %d, %v", res.Total, err)
	}
	type rec struct {
		id    uint64
		dates []time.Time // compared in turn, zero last
		asc   bool
	}
	var recs []rec
	err = f.db.View(func(tx *storage.Tx) error {
		for _, h := range res.Hits {
			id, _ := parseDocID(h.ID)
			switch sq.Type {
			case "contract":
				c, err := contractTable.Get(tx, id)
				if err != nil {
					return err
				}
				recs = append(recs, rec{id: id, dates: []time.Time{c.Signed, c.Created}})
			case "filing":
				fl, err := contractFilingTable.Get(tx, id)
				if err != nil {
					return err
				}
				recs = append(recs, rec{id: id, dates: []time.Time{fl.Submitted}, asc: sq.Sort[0] == "pending_since"})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(recs, func(x, y rec) int {
		for i := range x.dates {
			a, b := x.dates[i], y.dates[i]
			switch {
			case a.Equal(b):
				continue
			case a.IsZero():
				return 1
			case b.IsZero():
				return -1
			case x.asc:
				return a.Compare(b)
			default:
				return b.Compare(a)
			}
		}
		return cmp.Compare(x.id, y.id)
	})
	var ids []uint64
	for i := (page - 1) * size; i < min(page*size, len(recs)); i++ {
		ids = append(ids, recs[i].id)
	}
	return ids, len(recs)
}

// dlSortEverything makes searchDated look for a range whatever the number
// of matches, as narrow as the page, and never narrow the list, until the
// test ends.
func dlSortEverything(t *testing.T) {
	sortAll, narrowAt, slack := dateSortAllUpTo, listNarrowAt, dateSlackMin
	dateSortAllUpTo, listNarrowAt, dateSlackMin = 0, 1<<30, 0
	t.Cleanup(func() { dateSortAllUpTo, listNarrowAt, dateSlackMin = sortAll, narrowAt, slack })
}

var (
	dlCity  = Actor{UserID: 1_000_001, Username: "dl.city", Roles: []Role{RoleViewer}}
	dlClerk = Actor{UserID: 1_000_002, Username: "dl.clerk", Roles: []Role{RoleClerk}, District: "110105"}
	dlAgent = Actor{UserID: 1_000_003, Username: "dl.agent", Roles: []Role{RoleAgent}, AgencyID: 18}
	dlRevD  = Actor{UserID: 1_000_004, Username: "dl.reviewer", Roles: []Role{RoleReviewer}, District: "110105"}
	dlRevC  = Actor{UserID: 1_000_005, Username: "dl.city.reviewer", Roles: []Role{RoleReviewer}}
)

// testContractSearchDatedPages: every page of the list (newest signing
// first, never-signed last) is the one a sort of every match gives, in
// every scope and with the filters that match many or few.
func testContractSearchDatedPages(t *testing.T, f *fixture) {
	dlSortEverything(t)
	now := f.now()
	cases := []struct {
		actor Actor
		q     ContractQuery
	}{
		{dlCity, ContractQuery{}},
		{dlCity, ContractQuery{Text: "王"}},
		{dlClerk, ContractQuery{}},
		{dlClerk, ContractQuery{Text: "花园"}},
		{dlClerk, ContractQuery{Filing: FilingOverdue}},
		{dlCity, ContractQuery{Status: ContractExpired}},
		{dlCity, ContractQuery{Status: ContractCancelled}},
		{SystemActor("dl"), ContractQuery{Status: ContractDraft}},
		{dlCity, ContractQuery{From: now.AddDate(0, -8, 0), To: now.AddDate(0, -2, 0)}},
	}
	for _, c := range cases {
		sq, ok := f.contractSearchQuery(c.actor, c.q)
		if !ok {
			t.Fatalf("%s %+v: no query", c.actor.Username, c.q)
		}
		_, total := dlSorted(t, f, sq, 1, 7)
		if total < 3 {
			t.Errorf("%s %+v: %d matches, too few to test the order", c.actor.Username, c.q, total)
		}
		for page := 1; page <= (total+6)/7+1; page++ {
			// The page past the last shows the last one.
			want, _ := dlSorted(t, f, sq, min(page, max((total+6)/7, 1)), 7)
			q := c.q
			q.Page, q.Size = page, 7
			p, err := f.SearchContracts(c.actor, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, x := range p.Items {
				got = append(got, x.ID)
			}
			if !slices.Equal(got, want) || p.Total != total || p.Window != nil {
				t.Errorf("%s %+v page %d: %v of %d (window %v), want %v of %d", c.actor.Username, c.q, page, got, p.Total, p.Window, want, total)
			}
		}
	}
}

// testFilingQueueDatedPages: the pending queue (oldest first) and the
// other lists (newest first) page as a sort of every match does.
func testFilingQueueDatedPages(t *testing.T, f *fixture) {
	dlSortEverything(t)
	cases := []struct {
		actor Actor
		q     FilingQuery
	}{
		{dlRevC, FilingQuery{Status: FilingPending}},
		{dlRevD, FilingQuery{}},
		{dlRevC, FilingQuery{Status: FilingPending, Overdue: true}},
		{dlRevC, FilingQuery{}},
		{dlRevC, FilingQuery{Status: FilingFiled, Text: "家园"}},
		{dlRevC, FilingQuery{From: f.now().AddDate(0, -6, 0), To: f.now().AddDate(0, -1, 0)}},
	}
	for _, c := range cases {
		sq, ok, err := f.filingSearchQuery(c.actor, c.q)
		if err != nil || !ok {
			t.Fatalf("%s %+v: no query (%v)", c.actor.Username, c.q, err)
		}
		_, total := dlSorted(t, f, sq, 1, 6)
		if total < 3 {
			t.Errorf("%s %+v: %d matches, too few to test the order", c.actor.Username, c.q, total)
		}
		for page := 1; page <= (total+5)/6+1; page++ {
			// The page past the last shows the last one.
			want, _ := dlSorted(t, f, sq, min(page, max((total+5)/6, 1)), 6)
			q := c.q
			q.Page, q.Size = page, 6
			p, err := f.SearchFilings(c.actor, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, x := range p.Items {
				got = append(got, x.ID)
			}
			if !slices.Equal(got, want) || p.Total != total || p.Window != nil {
				t.Errorf("%s %+v page %d: %v of %d, want %v of %d", c.actor.Username, c.q, page, got, p.Total, want, total)
			}
		}
	}
	// The tab figures are the lists' totals.
	counts, err := f.CountFilings(dlRevC)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got  int
		list func() int
	}{
		{counts.Pending, func() int { p, _ := f.SearchFilings(dlRevC, FilingQuery{Status: FilingPending}); return p.Total }},
		{counts.Returned, func() int { p, _ := f.SearchFilings(dlRevC, FilingQuery{Status: FilingRejected}); return p.Total }},
		{counts.Overdue, func() int {
			p, _ := f.SearchContracts(dlRevC, ContractQuery{Filing: FilingOverdue}) // as the 逾期未备案 tab lists them
			return p.Total
		}},
	} {
		if want := c.list(); c.got != want || want == 0 {
			t.Errorf("counts %+v: %d, the list has %d", counts, c.got, want)
		}
	}
}

// testContractSearchNarrowed: a list without a date range or a number
// that matches more than listNarrowAt contracts shows those signed in the
// most recent of listNarrowDays that holds as many, newest first, and says
// so; a date range, a number or a narrower filter lifts it.
func testContractSearchNarrowed(t *testing.T, f *fixture) {
	narrowAt := listNarrowAt
	listNarrowAt = 40
	t.Cleanup(func() { listNarrowAt = narrowAt })
	now := f.now()

	all, err := f.SearchContracts(dlCity, ContractQuery{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	w := all.Window
	if w == nil || w.Field != "signed" || !slices.Contains(listNarrowDays, w.Days) || !w.Since.Equal(now.AddDate(0, 0, -w.Days)) {
		t.Fatalf("city-wide list: window %+v", w)
	}
	// The window is the smallest that holds listNarrowAt contracts.
	for _, days := range listNarrowDays {
		if days >= w.Days {
			break
		}
		p, _ := f.SearchContracts(dlCity, ContractQuery{From: now.AddDate(0, 0, -days), To: now.Add(time.Hour)})
		if p.Total >= listNarrowAt {
			t.Errorf("narrowed to %d days while %d days hold %d", w.Days, days, p.Total)
		}
	}
	sq, _ := f.contractSearchQuery(dlCity, ContractQuery{})
	wantFirst, _ := dlSorted(t, f, sq, 1, 10)
	sq.Ranges = append(sq.Ranges, search.Range{Field: "signed", Min: w.Since})
	_, wantTotal := dlSorted(t, f, sq, 1, 10)
	var got []uint64
	for _, c := range all.Items {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, wantFirst) || all.Total != wantTotal || wantTotal < listNarrowAt {
		t.Errorf("narrowed list: %v of %d, want %v of %d", got, all.Total, wantFirst, wantTotal)
	}
	// The last page of the window, and past it.
	last, _ := f.SearchContracts(dlCity, ContractQuery{Size: 10, Page: all.Pages})
	if n := len(last.Items); n == 0 || n != all.Total-10*(all.Pages-1) {
		t.Errorf("last page of the window: %d items of %d", n, all.Total)
	}
	for _, c := range last.Items {
		if c.Signed.Before(w.Since) {
			t.Errorf("%s signed %s, before the window", c.No, c.Signed)
		}
	}
	// Past it: the last page again, as the list shows it.
	if past, _ := f.SearchContracts(dlCity, ContractQuery{Size: 10, Page: all.Pages + 1}); past.Page != all.Pages || len(past.Items) != len(last.Items) {
		t.Errorf("past the last page: page %d, %d items", past.Page, len(past.Items))
	}

	for _, c := range []struct {
		name  string
		actor Actor
		q     ContractQuery
	}{
		{"a date range", dlCity, ContractQuery{From: now.AddDate(-5, 0, 0)}},
		{"a contract number", dlCity, ContractQuery{Text: all.Items[0].No}},
		{"an agency's own", dlAgent, ContractQuery{}},
		{"overdue for filing: work to do", dlCity, ContractQuery{Filing: FilingOverdue}},
	} {
		p, err := f.SearchContracts(c.actor, c.q)
		if err != nil || p.Window != nil || p.Total == 0 {
			t.Errorf("%s: %d found, window %+v (%v)", c.name, p.Total, p.Window, err)
		}
	}

	// Filing applications, by submission.
	fp, err := f.SearchFilings(dlRevC, FilingQuery{})
	if err != nil || fp.Window == nil || fp.Window.Field != "submitted" {
		t.Errorf("all applications: window %+v (%v)", fp.Window, err)
	}
	// Open applications, work to do, are never narrowed.
	listNarrowAt = 5
	for _, q := range []FilingQuery{{Status: FilingPending}, {Status: FilingRejected}, {Overdue: true}} {
		if fp, _ := f.SearchFilings(dlRevC, q); fp.Window != nil || fp.Total < listNarrowAt {
			t.Errorf("%+v: %d, window %+v", q, fp.Total, fp.Window)
		}
	}
}
