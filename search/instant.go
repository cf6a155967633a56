package search

import (
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// An Instant field is a time.Time indexed as six keyword terms: its year,
// month, day, hour, minute and second in UTC, each with a letter that keeps
// the kinds apart in the one field ("Y2026", "M202611", "D20261128",
// "H2026112813", "I202611281345", "S20261128134502"). The digits are
// fixed-width, so the terms of a kind sort in time order, and a range is a
// union of term ranges: whole years in the middle, then whole months, days,
// hours and minutes towards the ends, and seconds at the very ends: never
// more than about sixty terms of a kind (an open end costs nothing more,
// and a range that starts and ends at whole hours reads no minute or second
// terms). It is exact to the second, like Date, for six terms instead of
// Date's sixteen (bleve indexes a date as sixteen numeric terms), and
// without doc values.
// Most of Date's terms are a document's own when documents come seconds
// apart; indexing a verification (two times) then took a quarter to a
// third less CPU, and rebuilding an index of 1,000,000 a third less. At
// 2,000 a second, when documents of one second share their Date terms,
// the two cost the same (docs/benchmarks.md 4.15).

// Instants outside the years 1–9999 have no fixed-width term and are not
// indexed; range ends outside them are open. minInstant is also the zero
// time, which means "no value" in a document and an open end in a range.
var (
	minInstant = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxInstant = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// instantLevel is one kind of term: its letter, its layout, where its units
// start and where the next one starts.
type instantLevel struct {
	prefix byte
	layout string
	floor  func(time.Time) time.Time // the start of t's unit (t in UTC)
	next   func(time.Time) time.Time // the start of the unit after the one starting at t
}

// instantLevels, coarsest first.
var instantLevels = []instantLevel{
	{'Y', "2006",
		func(t time.Time) time.Time { return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC) },
		func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	{'M', "200601",
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) },
		func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	{'D', "20060102",
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) },
		func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	{'H', "2006010215",
		func(t time.Time) time.Time { return t.Truncate(time.Hour) },
		func(t time.Time) time.Time { return t.Add(time.Hour) }},
	{'I', "200601021504",
		func(t time.Time) time.Time { return t.Truncate(time.Minute) },
		func(t time.Time) time.Time { return t.Add(time.Minute) }},
	{'S', "20060102150405",
		func(t time.Time) time.Time { return t.Truncate(time.Second) },
		func(t time.Time) time.Time { return t.Add(time.Second) }},
}

// term is t's term of this level.
func (l instantLevel) term(t time.Time) string {
	var buf [16]byte
	return string(t.UTC().AppendFormat(append(buf[:0], l.prefix), l.layout))
}

// ceil is the start of the first unit that starts at or after t.
func (l instantLevel) ceil(t time.Time) time.Time {
	if f := l.floor(t); !f.Equal(t) {
		return l.next(f)
	}
	return t
}

// instantTerms appends the terms of t (in range, truncated to the second).
func instantTerms(t time.Time, out []any) []any {
	for _, l := range instantLevels {
		out = append(out, l.term(t))
	}
	return out
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
	// Open ends are the first and past the last instant, both the start of
	// a year: the coarsest level then takes everything up to them.
	if lo.IsZero() {
		lo = minInstant
	}
	if hi.IsZero() {
		hi = maxInstant
	}
	var out []termRange
	var cover func(lo, hi time.Time, level int)
	cover = func(lo, hi time.Time, level int) {
		if !lo.Before(hi) {
			return
		}
		l := instantLevels[level]
		if level == len(instantLevels)-1 {
			out = append(out, l.termRange(lo, hi))
			return
		}
		a, b := l.ceil(lo), l.floor(hi)
		if !a.Before(b) { // no whole unit of this level inside
			cover(lo, hi, level+1)
			return
		}
		cover(lo, a, level+1)
		out = append(out, l.termRange(a, b))
		cover(b, hi, level+1)
	}
	cover(lo.UTC(), hi.UTC(), 0)
	return out
}

// termRange is the units of this level in [from, to), both starts of one.
func (l instantLevel) termRange(from, to time.Time) termRange {
	max := string([]byte{l.prefix + 1}) // past every term of the level
	if !to.Equal(maxInstant) {
		max = l.term(to)
	}
	return termRange{l.term(from), max}
}

// instantQuery is lo <= field < hi for an Instant field, nil when both ends
// are open. lo and hi are whole seconds (rangeTime rounds them).
//
// It is one disjunction of the terms the index holds in the ranges, not a
// disjunction of term-range queries: bleve answers a range that holds no
// term with a searcher it cannot fold into the bitmap union it uses when no
// score is needed, and then walked every match of the whole query document
// by document (a broad verification list took 30–70 ms instead of 3–20).
// The terms are read from the index as it is now; a document indexed
// between that and the search with a term no document had before (the
// first of a new second, say) is left out, as if indexed just after.
func (ix *Index) instantQuery(field string, lo, hi time.Time) (query.Query, error) {
	lo, hi, none := clampTimes(lo, hi, minInstant, maxInstant)
	if none {
		return bleve.NewMatchNoneQuery(), nil
	}
	if lo.IsZero() && hi.IsZero() {
		return nil, nil
	}
	var anyOf []query.Query
	for _, r := range instantRanges(lo, hi) {
		terms, err := ix.termsIn(field, r)
		if err != nil {
			return nil, err
		}
		for _, t := range terms {
			anyOf = append(anyOf, termQuery(field, t))
		}
	}
	if len(anyOf) == 0 {
		return bleve.NewMatchNoneQuery(), nil
	}
	return disjunction(anyOf), nil
}

// termsIn lists the terms of field in [r.min, r.max).
func (ix *Index) termsIn(field string, r termRange) (terms []string, err error) {
	fd, err := ix.idx.FieldDictRange(field, []byte(r.min), []byte(r.max))
	if err != nil {
		return nil, fmt.Errorf("search: terms of %q: %w", field, err)
	}
	defer func() {
		if cerr := fd.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("search: terms of %q: %w", field, cerr)
		}
	}()
	for {
		e, err := fd.Next()
		if err != nil {
			return nil, fmt.Errorf("search: terms of %q: %w", field, err)
		}
		if e == nil {
			return terms, nil
		}
		// FieldDictRange includes its end term; a range's max is the
		// first term past it.
		if e.Term >= r.max {
			return terms, nil
		}
		terms = append(terms, e.Term)
	}
}
