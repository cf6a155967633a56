package search

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

const (
	defaultSize = 20
	maxSize     = 1000
	facetSize   = 50

	// Free text beyond these limits is dropped: nobody types more into a
	// search box, and each word costs a clause per field.
	maxTextRunes = 256
	maxTextWords = 32
)

// Query selects documents of one type.
//
// Text is free text, never bleve query syntax: it is split on white space and
// every word must be found in some Text field (or, with TextFields, in one of
// those) — a Chinese word matches wherever its characters appear in that
// order, an English word matches the whole word in any case. Alternatively a
// word, or the whole text, may equal a Keyword field exactly (as typed, upper-
// or lower-cased), so typing a code or a number finds it. Words made only of
// punctuation are ignored.
//
// Filters, Prefix and Facets name Keyword fields; Ranges name Number, Date
// or Instant fields; Sort names Keyword fields, Sortable Number or Date
// fields, "_score" or "_id", each with a "-" prefix for descending.
// Documents missing a sort field come last. Ties are always broken by
// ascending _id, so paging is stable. Without Sort, the order is "-_score"
// (best match first) when Text has words, else "-_id" (IDs descending:
// newest first when IDs are fixed-width or sequence-ordered).
//
// Size defaults to 20 and is capped at 1000; a negative From counts as 0.
type Query struct {
	Type       string
	Text       string
	TextFields []string
	// Filters keeps documents whose field equals any of the values (OR
	// within a field, AND across fields). An empty list matches nothing.
	Filters map[string][]string
	// Prefix keeps documents whose field starts with the prefix; an empty
	// prefix is no constraint.
	Prefix map[string]string
	Ranges []Range
	Sort   []string
	From   int
	Size   int
	// Facets asks for the 50 most frequent values of each field among all
	// matching documents (not only the page).
	Facets []string
}

// Range keeps documents whose Number, Date or Instant field is >= Min and
// < Max. Min and Max are float64 (or any integer) for Number fields,
// time.Time for Date and Instant fields; nil (or the zero time) leaves that
// end open. Times are indexed to the whole second (a fraction is dropped)
// and a range's ends are rounded up to a whole second: exact for times that
// are whole seconds; a time with a fraction counts as the start of its
// second.
type Range struct {
	Field    string
	Min, Max any
}

// Hit is one matching document. Score is 0 unless results are sorted by
// relevance.
type Hit struct {
	ID    string
	Score float64
}

// FacetCount is one value of a facet field and how many matching documents
// have it.
type FacetCount struct {
	Term  string
	Count int
}

// Result is one page of hits and the total number of matches.
type Result struct {
	Total  uint64
	Hits   []Hit
	Facets map[string][]FacetCount // by field, most frequent first, then by term
}

// Search runs q. It returns ErrQuery for a query naming an unknown type or
// field, or a field of the wrong kind; free text never makes it fail.
func (ix *Index) Search(q Query) (Result, error) {
	dt, ok := ix.types[q.Type]
	if !ok {
		return Result{}, fmt.Errorf("%w: unknown type %q", ErrQuery, q.Type)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return Result{}, ErrClosed
	}

	bq, hasText, err := ix.buildQuery(dt, q)
	if err != nil {
		return Result{}, err
	}
	order, needScore, err := sortOrder(dt, q.Sort, hasText)
	if err != nil {
		return Result{}, err
	}
	size := q.Size
	if size <= 0 {
		size = defaultSize
	}
	size = min(size, maxSize)
	from := max(q.From, 0)

	req := bleve.NewSearchRequestOptions(bq, size, from, false)
	req.SortByCustom(order)
	if !needScore {
		req.Score = "none" // skip scoring work nobody will look at
	}
	for _, name := range q.Facets {
		if err := wantKind(dt, name, "facet", Keyword); err != nil {
			return Result{}, err
		}
		req.AddFacet(name, bleve.NewFacetRequest(name, facetSize))
	}

	sr, err := ix.idx.Search(req)
	if err != nil {
		return Result{}, fmt.Errorf("search %s: %w", q.Type, err)
	}

	res := Result{Total: sr.Total, Hits: make([]Hit, 0, len(sr.Hits))}
	for _, h := range sr.Hits {
		res.Hits = append(res.Hits, Hit{ID: h.ID, Score: h.Score})
	}
	if len(q.Facets) > 0 {
		res.Facets = make(map[string][]FacetCount, len(q.Facets))
		for _, name := range q.Facets {
			counts := []FacetCount{}
			if fr := sr.Facets[name]; fr != nil && fr.Terms != nil {
				for _, t := range fr.Terms.Terms() {
					counts = append(counts, FacetCount{Term: t.Term, Count: t.Count})
				}
			}
			slices.SortFunc(counts, func(a, b FacetCount) int {
				return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Term, b.Term))
			})
			res.Facets[name] = counts
		}
	}
	return res, nil
}

// CountMatches returns how many documents match q; Sort, From, Size and
// Facets are ignored. For many matches it is much cheaper than Search,
// which reads the sort value (or the ID) of every match: counting reads
// none.
func (ix *Index) CountMatches(q Query) (uint64, error) {
	dt, ok := ix.types[q.Type]
	if !ok {
		return 0, fmt.Errorf("%w: unknown type %q", ErrQuery, q.Type)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	bq, _, err := ix.buildQuery(dt, q)
	if err != nil {
		return 0, err
	}
	// Size 0, sorted by score without scoring: bleve then neither loads
	// IDs nor sort values, it only counts.
	req := bleve.NewSearchRequestOptions(bq, 0, 0, false)
	req.Score = "none"
	sr, err := ix.idx.Search(req)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", q.Type, err)
	}
	return sr.Total, nil
}

// buildQuery is the conjunction of the type, the text and every filter. It
// reports whether there was text to rank by.
func (ix *Index) buildQuery(dt *docType, q Query) (query.Query, bool, error) {
	conj := []query.Query{termQuery(typeField, dt.name)}

	textQ, err := ix.textQuery(dt, q)
	if err != nil {
		return nil, false, err
	}
	if textQ != nil {
		conj = append(conj, textQ)
	}

	for _, field := range slices.Sorted(maps.Keys(q.Filters)) {
		if err := wantKind(dt, field, "filter", Keyword); err != nil {
			return nil, false, err
		}
		values := q.Filters[field]
		if len(values) == 0 {
			conj = append(conj, bleve.NewMatchNoneQuery())
			continue
		}
		var anyOf []query.Query
		for _, v := range values {
			anyOf = append(anyOf, termQuery(field, v))
		}
		conj = append(conj, disjunction(anyOf))
	}

	for _, field := range slices.Sorted(maps.Keys(q.Prefix)) {
		if err := wantKind(dt, field, "prefix", Keyword); err != nil {
			return nil, false, err
		}
		p := q.Prefix[field]
		if p == "" {
			continue
		}
		pq := bleve.NewPrefixQuery(p)
		pq.SetField(field)
		conj = append(conj, pq)
	}

	for _, r := range q.Ranges {
		rq, err := ix.rangeQuery(dt, r)
		if err != nil {
			return nil, false, err
		}
		if rq != nil {
			conj = append(conj, rq)
		}
	}

	return bleve.NewConjunctionQuery(conj...), textQ != nil, nil
}

// textQuery turns free text into: (every word in some text field or equal to
// some keyword field) OR (the whole text equal to some keyword field). It is
// nil when the text is blank. No query-string parsing is involved, so no
// input can make it fail.
func (ix *Index) textQuery(dt *docType, q Query) (query.Query, error) {
	textFields := dt.text
	if len(q.TextFields) > 0 {
		for _, f := range q.TextFields {
			if err := wantKind(dt, f, "text search", Text); err != nil {
				return nil, err
			}
		}
		textFields = q.TextFields
	}

	text := strings.TrimSpace(q.Text)
	if text == "" {
		return nil, nil
	}
	if utf8.RuneCountInString(text) > maxTextRunes {
		text = strings.TrimSpace(string([]rune(text)[:maxTextRunes]))
	}
	words := strings.Fields(text)
	if len(words) > maxTextWords {
		words = words[:maxTextWords]
	}

	analyzer := ix.idx.Mapping().AnalyzerNamed(zhAnalyzer)
	if analyzer == nil {
		return nil, fmt.Errorf("search index mapping has no analyzer %q", zhAnalyzer)
	}

	var all []query.Query // one clause per word that has something to match
	for _, w := range words {
		// Every token of the word (for Chinese, every unigram and bigram,
		// so 小红 does not match every name containing 小) in one field, as
		// a match query with the AND operator would ask, but built from
		// term queries directly: a match query of one token is a
		// conjunction of one, which bleve cannot fold into the bitmap
		// operations it uses when no scores are needed, so a one-character
		// search walked its postings one document at a time.
		tokens := analyzedTerms(analyzer.Analyze([]byte(w)))
		if len(tokens) == 0 {
			// Only punctuation: nothing in a text field can match it, and
			// requiring it would make "张 -" find nothing.
			continue
		}
		var anyField []query.Query
		for _, f := range textFields {
			var each []query.Query
			for _, tok := range tokens {
				each = append(each, termQuery(f, tok))
			}
			anyField = append(anyField, conjunction(each))
		}
		anyField = append(anyField, keywordQueries(dt, w)...)
		all = append(all, disjunction(anyField))
	}

	if len(words) == 1 && words[0] == text && len(all) == 1 {
		// One word: its clause already holds the exact keyword matches of
		// the whole text.
		return all[0], nil
	}
	alternatives := keywordQueries(dt, text)
	if len(all) > 0 {
		alternatives = append(alternatives, conjunction(all))
	}
	if len(alternatives) == 0 {
		return bleve.NewMatchNoneQuery(), nil
	}
	return disjunction(alternatives), nil
}

// keywordQueries matches s exactly against every keyword field of dt, also
// upper- and lower-cased: codes are usually stored upper-case and typed
// lower-case.
func keywordQueries(dt *docType, s string) []query.Query {
	variants := []string{s}
	for _, v := range []string{strings.ToUpper(s), strings.ToLower(s)} {
		if !slices.Contains(variants, v) {
			variants = append(variants, v)
		}
	}
	var qs []query.Query
	for _, f := range dt.keywords {
		for _, v := range variants {
			qs = append(qs, termQuery(f, v))
		}
	}
	return qs
}

func termQuery(field, term string) query.Query {
	tq := bleve.NewTermQuery(term)
	tq.SetField(field)
	return tq
}

func disjunction(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func conjunction(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

// analyzedTerms is the distinct terms of a token stream, in order.
func analyzedTerms(ts analysis.TokenStream) []string {
	var out []string
	for _, t := range ts {
		if s := string(t.Term); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Dates bleve can index (int64 nanoseconds since 1970), with a margin.
var (
	minDate = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// rangeQuery is min <= field < max; nil when both ends are open.
func (ix *Index) rangeQuery(dt *docType, r Range) (query.Query, error) {
	if err := wantKind(dt, r.Field, "range", Number, Date, Instant); err != nil {
		return nil, err
	}
	if dt.fields[r.Field].Kind == Number {
		lo, err := rangeFloat(r.Field, r.Min)
		if err != nil {
			return nil, err
		}
		hi, err := rangeFloat(r.Field, r.Max)
		if err != nil {
			return nil, err
		}
		if lo == nil && hi == nil {
			return nil, nil
		}
		inc, exc := true, false
		nq := bleve.NewNumericRangeInclusiveQuery(lo, hi, &inc, &exc)
		nq.SetField(r.Field)
		return nq, nil
	}

	lo, err := rangeTime(r.Field, r.Min)
	if err != nil {
		return nil, err
	}
	hi, err := rangeTime(r.Field, r.Max)
	if err != nil {
		return nil, err
	}
	if dt.fields[r.Field].Kind == Instant {
		return ix.instantQuery(r.Field, lo, hi)
	}
	lo, hi, none := clampTimes(lo, hi, minDate, maxDate)
	if none {
		return bleve.NewMatchNoneQuery(), nil
	}
	if lo.IsZero() && hi.IsZero() {
		return nil, nil
	}
	inc, exc := true, false
	dq := bleve.NewDateRangeInclusiveQuery(lo, hi, &inc, &exc)
	dq.SetField(r.Field)
	return dq, nil
}

func rangeFloat(field string, v any) (*float64, error) {
	if v == nil {
		return nil, nil
	}
	vals, err := normalize(Number, reflect.ValueOf(v), nil)
	if err != nil || len(vals) > 1 {
		return nil, fmt.Errorf("%w: range on %q: want one number, got %T", ErrQuery, field, v)
	}
	if len(vals) == 0 { // nil pointer
		return nil, nil
	}
	f := vals[0].(float64)
	return &f, nil
}

func rangeTime(field string, v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return ceilSecond(t), nil
	case *time.Time:
		if t == nil {
			return time.Time{}, nil
		}
		return ceilSecond(*t), nil
	}
	return time.Time{}, fmt.Errorf("%w: range on %q: want time.Time, got %T", ErrQuery, field, v)
}

// clampTimes fits the range [lo, hi) (zero: open) to what can be indexed,
// [first, last): an end beyond them is open, and none reports a range
// wholly outside them.
func clampTimes(lo, hi, first, last time.Time) (time.Time, time.Time, bool) {
	if (!lo.IsZero() && !lo.Before(last)) || (!hi.IsZero() && !hi.After(first)) {
		return lo, hi, true
	}
	if lo.Before(first) {
		lo = time.Time{}
	}
	if hi.After(last) {
		hi = time.Time{}
	}
	return lo, hi, false
}

// ceilSecond rounds a range's end up to a whole second. Dates are indexed
// as whole seconds, and for a whole second s, s >= m exactly when
// s >= ceil(m), and s < m exactly when s < ceil(m): so a range is exact for
// dates that are whole seconds, such as a validity that ends "at" now.
func ceilSecond(t time.Time) time.Time {
	if c := t.Truncate(time.Second); !c.Equal(t) {
		return c.Add(time.Second)
	}
	return t
}

// sortOrder parses Sort, applies the default and appends the _id
// tie-breaker. It reports whether scores are needed.
func sortOrder(dt *docType, sorts []string, hasText bool) (search.SortOrder, bool, error) {
	if len(sorts) == 0 {
		if hasText {
			sorts = []string{"-_score"}
		} else {
			sorts = []string{"-_id"}
		}
	}
	var order search.SortOrder
	needScore, hasID := false, false
	for _, s := range sorts {
		name, desc := strings.CutPrefix(s, "-")
		switch name {
		case "_score":
			order = append(order, &search.SortScore{Desc: desc})
			needScore = hasText
		case "_id":
			order = append(order, &search.SortDocID{Desc: desc})
			hasID = true
		default:
			f, ok := dt.fields[name]
			if !ok {
				return nil, false, fmt.Errorf("%w: sort: type %q has no field %q", ErrQuery, dt.name, name)
			}
			sf := &search.SortField{Field: name, Desc: desc, Missing: search.SortFieldMissingLast}
			switch {
			case f.Kind == Keyword:
				sf.Type = search.SortFieldAsString
			case f.Kind == Number && f.Sortable:
				sf.Type = search.SortFieldAsNumber
			case f.Kind == Date && f.Sortable:
				sf.Type = search.SortFieldAsDate
			default:
				return nil, false, fmt.Errorf("%w: sort: field %q of type %q is %s without Sortable", ErrQuery, name, dt.name, f.Kind)
			}
			order = append(order, sf)
		}
		if hasID {
			break // nothing after a unique key can change the order
		}
	}
	if !hasID {
		order = append(order, &search.SortDocID{})
	}
	return order, needScore, nil
}

// wantKind checks that field is declared for dt with one of kinds.
func wantKind(dt *docType, field, use string, kinds ...FieldKind) error {
	f, ok := dt.fields[field]
	if !ok {
		return fmt.Errorf("%w: %s: type %q has no field %q", ErrQuery, use, dt.name, field)
	}
	if !slices.Contains(kinds, f.Kind) {
		return fmt.Errorf("%w: %s: field %q of type %q is %s, want %v", ErrQuery, use, field, dt.name, f.Kind, kinds)
	}
	return nil
}
