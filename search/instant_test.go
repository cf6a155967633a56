package search

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func instantSchema() Schema {
	return Schema{Version: 1, Types: []DocType{{Name: "event", Fields: []Field{
		{Name: "title", Kind: Text},
		{Name: "at", Kind: Instant},
	}}}}
}

func openInstant(t *testing.T) *Index {
	t.Helper()
	ix, _, err := Open(filepath.Join(t.TempDir(), "index"), instantSchema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

// TestInstantRangesAreExact compares every range with the answer computed
// by hand: a document is in [Min, Max) when its time, truncated to the
// second, is >= Min and < Max rounded up to whole seconds. Times and range
// ends cluster around the boundaries the term ranges split at (seconds,
// minutes, hours, days, months, years), in several time zones, with open
// ends.
func TestInstantRangesAreExact(t *testing.T) {
	ix := openInstant(t)
	r := rand.New(rand.NewPCG(7, 11))
	shanghai := time.FixedZone("CST", 8*3600)
	anchors := []time.Time{
		time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),  // midnight UTC
		time.Date(2026, 11, 28, 0, 0, 0, 0, shanghai),  // midnight in Beijing
		time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), // the last hour of a year
		time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC),  // a leap day
		time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC), // an hour
	}
	near := func() time.Time {
		a := anchors[r.IntN(len(anchors))]
		var d time.Duration
		switch r.IntN(5) {
		case 0: // within seconds
			d = time.Duration(r.IntN(5000)-2500) * time.Millisecond
		case 1: // within an hour or two
			d = time.Duration(r.IntN(4*3600)-2*3600) * time.Second
		case 2: // within days
			d = time.Duration(r.IntN(6*86400)-3*86400) * time.Second
		case 3: // within months
			d = time.Duration(r.IntN(200*86400)-100*86400)*time.Second + time.Duration(r.IntN(1e9))
		default: // within years
			d = time.Duration(r.Int64N(6*365*86400)-3*365*86400)*time.Second + time.Duration(r.IntN(1e9))
		}
		t := a.Add(d)
		if r.IntN(2) == 0 {
			t = t.In(shanghai)
		}
		return t
	}

	var docs []Doc
	at := map[string]time.Time{}
	for i := range 400 {
		id := fmt.Sprintf("event/%04d", i)
		tm := near()
		if i < 3 { // the ends of what can be indexed
			tm = []time.Time{minInstant.Add(time.Second), maxInstant.Add(-time.Second), time.Date(999, 3, 1, 0, 0, 0, 0, time.UTC)}[i]
		}
		at[id] = tm
		docs = append(docs, Doc{Type: "event", ID: id, Fields: map[string]any{"at": tm}})
	}
	if err := ix.Apply(docs, nil); err != nil {
		t.Fatal(err)
	}

	check := func(min, max any) {
		t.Helper()
		lo, _ := rangeTime("at", min)
		hi, _ := rangeTime("at", max)
		var want []string
		for id, tm := range at {
			s := tm.Truncate(time.Second)
			if (lo.IsZero() || !s.Before(lo)) && (hi.IsZero() || s.Before(hi)) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		got := ids(t, ix, Query{Type: "event", Size: 1000, Ranges: []Range{{Field: "at", Min: min, Max: max}}})
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("range [%v, %v): got %d documents, want %d\n got  %v\n want %v", min, max, len(got), len(want), got, want)
		}
	}
	for range 500 {
		var min, max any
		if r.IntN(8) > 0 {
			min = near()
		}
		if r.IntN(8) > 0 {
			max = near()
		}
		check(min, max)
	}
	// Open on one side, and ranges reaching the ends of what is indexed.
	check(nil, nil)
	check(minInstant, nil)
	check(nil, maxInstant)
	check(maxInstant.Add(-time.Second), nil)
	check(nil, minInstant.Add(time.Second))
	check(time.Date(999, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(999, 3, 1, 0, 0, 1, 0, time.UTC))
}

// TestInstantTermsAndLimits: six terms per time, no value for the zero
// time or a time outside the years 1–9999, ranges beyond them match
// nothing, and the terms never match free text.
func TestInstantTermsAndLimits(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	got := instantTerms(time.Date(2026, 11, 28, 9, 5, 7, 0, cst), nil)
	want := []any{"Y2026", "M202611", "D20261128", "H2026112801", "I202611280105", "S20261128010507"}
	if !slices.Equal(got, want) {
		t.Errorf("instantTerms: got %v, want %v", got, want)
	}

	ix := openInstant(t)
	when := time.Date(2026, 11, 28, 9, 5, 7, 0, time.UTC)
	err := ix.Apply([]Doc{
		{Type: "event", ID: "event/1", Fields: map[string]any{"title": "开业", "at": when}},
		{Type: "event", ID: "event/2", Fields: map[string]any{"title": "开业", "at": time.Time{}}},
		{Type: "event", ID: "event/3", Fields: map[string]any{"title": "开业", "at": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		q    Query
		want []string
	}{
		{"a range holds only documents with a time", Query{Ranges: []Range{{Field: "at", Max: maxInstant.Add(-time.Hour)}}}, []string{"event/1"}},
		{"from year 10000", Query{Ranges: []Range{{Field: "at", Min: maxInstant}}}, nil},
		{"before year 1", Query{Ranges: []Range{{Field: "at", Max: time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)}}}, nil},
		{"to the first second of year 1", Query{Ranges: []Range{{Field: "at", Max: minInstant.Add(time.Second)}}}, nil},
		{"an empty range", Query{Ranges: []Range{{Field: "at", Min: when, Max: when}}}, nil},
		{"a day term is not text", Query{Text: "D20261128"}, nil},
		{"nor a second term", Query{Text: "S20261128090507"}, nil},
	} {
		c.q.Type = "event"
		if got := ids(t, ix, c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}

	if _, err := ix.Search(Query{Type: "event", Sort: []string{"at"}}); !errors.Is(err, ErrQuery) {
		t.Errorf("sort on an Instant: err %v, want ErrQuery", err)
	}
	bad := Schema{Version: 1, Types: []DocType{{Name: "event", Fields: []Field{{Name: "at", Kind: Instant, Sortable: true}}}}}
	if _, _, err := Open(filepath.Join(t.TempDir(), "index"), bad); !errors.Is(err, ErrSchema) {
		t.Errorf("Sortable Instant: err %v, want ErrSchema", err)
	}
}
