package search

import (
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// An Instant field is a time.Time indexed as three keyword terms: its day,
// its hour and its second, in UTC, each with a letter that keeps the three
// kinds apart in the one field ("d20261128", "h2026112813",
// "s20261128134502"). The digits are fixed-width, so the terms of a kind
// sort in time order, and a range is a union of term ranges: whole days in
// the middle, whole hours at the ends of those, seconds at the very ends.
// It is exact to the second, like Date, for a sixth of Date's terms (bleve
// indexes a date as sixteen numeric terms) and without doc values: about a
// tenth less indexing work per document with two dates
// (docs/benchmarks.md 4.15). The price is a range that reads more terms:
// at most 3,600 seconds and 24 hours at each end.

// Instants outside the years 1–9999 have no fixed-width term and are not
// indexed; range ends outside them are open. minInstant is also the zero
// time, which means "no value" in a document and an open end in a range.
var (
	minInstant = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxInstant = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

const (
	dayLayout    = "20060102"
	hourLayout   = "2006010215"
	secondLayout = "20060102150405"
)

// instantTerms appends the terms of t (already in range and truncated to
// the second).
func instantTerms(t time.Time, out []any) []any {
	t = t.UTC()
	var buf [16]byte
	day := string(t.AppendFormat(append(buf[:0], 'd'), dayLayout))
	hour := string(t.AppendFormat(append(buf[:0], 'h'), hourLayout))
	second := string(t.AppendFormat(append(buf[:0], 's'), secondLayout))
	return append(out, day, hour, second)
}

// instantIndexable reports whether t can be indexed as an Instant.
func instantIndexable(t time.Time) bool {
	return !t.IsZero() && !t.Before(minInstant) && t.Before(maxInstant)
}

// termRange is [min, max) over the terms of one field.
type termRange struct{ min, max string }

// instantRanges splits [lo, hi) into term ranges; a zero lo or hi is an
// open end. Both are whole seconds within [minInstant, maxInstant].
func instantRanges(lo, hi time.Time) []termRange {
	term := func(prefix byte, layout string, t time.Time) string {
		return string(t.UTC().AppendFormat([]byte{prefix}, layout))
	}
	// Open ends are the first and past the last instant: every piece below
	// is then bounded, and a piece ending at maxInstant ends after every
	// term of its kind ("d" sorts before "e").
	if lo.IsZero() {
		lo = minInstant
	}
	if hi.IsZero() {
		hi = maxInstant
	}
	if !lo.Before(hi) {
		return nil
	}
	end := func(prefix byte, layout string, t time.Time) string {
		if t.Equal(maxInstant) {
			return string([]byte{prefix + 1})
		}
		return term(prefix, layout, t)
	}
	var out []termRange
	add := func(prefix byte, layout string, from, to time.Time) {
		if from.Before(to) {
			out = append(out, termRange{term(prefix, layout, from), end(prefix, layout, to)})
		}
	}
	h1, h2 := ceilTo(lo, time.Hour), hi.Truncate(time.Hour)
	if !h1.Before(h2) { // no whole hour inside: seconds only (under two hours)
		add('s', secondLayout, lo, hi)
		return out
	}
	add('s', secondLayout, lo, h1)
	d1, d2 := ceilDay(h1), startOfDay(h2)
	if !d1.Before(d2) {
		add('h', hourLayout, h1, h2)
	} else {
		add('h', hourLayout, h1, d1)
		add('d', dayLayout, d1, d2)
		add('h', hourLayout, d2, h2)
	}
	add('s', secondLayout, h2, hi)
	return out
}

// instantQuery is lo <= field < hi for an Instant field, nil when both ends
// are open. lo and hi are whole seconds (rangeTime rounds them).
func instantQuery(field string, lo, hi time.Time) query.Query {
	if (!lo.IsZero() && !lo.Before(maxInstant)) || (!hi.IsZero() && !hi.After(minInstant)) {
		return bleve.NewMatchNoneQuery()
	}
	if lo.Before(minInstant) {
		lo = time.Time{}
	}
	if hi.After(maxInstant) {
		hi = time.Time{}
	}
	if lo.IsZero() && hi.IsZero() {
		return nil
	}
	ranges := instantRanges(lo, hi)
	if len(ranges) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	inc, exc := true, false
	var anyOf []query.Query
	for _, r := range ranges {
		q := bleve.NewTermRangeInclusiveQuery(r.min, r.max, &inc, &exc)
		q.SetField(field)
		anyOf = append(anyOf, q)
	}
	return disjunction(anyOf)
}

// ceilTo rounds t up to a multiple of d (an hour: UTC has whole hours).
func ceilTo(t time.Time, d time.Duration) time.Time {
	if c := t.Truncate(d); !c.Equal(t) {
		return c.Add(d)
	}
	return t
}

func startOfDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func ceilDay(t time.Time) time.Time {
	if s := startOfDay(t); !s.Equal(t) {
		return s.AddDate(0, 0, 1)
	}
	return t
}
