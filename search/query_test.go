package search

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTextRelevance(t *testing.T) {
	ix := openTest(t)
	cases := []struct {
		text   string
		fields []string
		want   []string // as a set
	}{
		{text: "张", want: []string{"user/1", "user/2"}},      // one Chinese character
		{text: "小红", want: []string{"user/2"}},               // part of a name
		{text: "张小红", want: []string{"user/2"}},              // whole name
		{text: "小", want: []string{"user/2", "user/5"}},      // middle character
		{text: "红小", want: nil},                              // characters in the wrong order
		{text: "李娜", want: []string{"user/3"}},               //
		{text: "张伟", want: []string{"user/1"}},               // not 张小红
		{text: "zhangwei", want: []string{"user/1"}},         // exact username
		{text: "ZhangWei", want: []string{"user/1"}},         // any case
		{text: "ｚｈａｎｇｗｅｉ", want: []string{"user/1"}},         // full-width input
		{text: "zhang", want: nil},                           // English matches whole words
		{text: "watson", want: []string{"user/4"}},           //
		{text: "MARY watson", want: []string{"user/4"}},      // every word, any case
		{text: "mary 张", want: nil},                          // every word must match
		{text: "张 zhangxiaohong", want: []string{"user/2"}},  // words in different fields
		{text: "  张\u3000小红  ", want: []string{"user/2"}},    // ideographic space separates words
		{text: "110105", want: []string{"user/1"}},           // exact keyword (district code)
		{text: "1101", want: nil},                            // keywords match exactly, not by prefix
		{text: "admin", want: []string{"user/1"}},            // exact keyword (role)
		{text: "ADMIN", want: []string{"user/1"}},            // keyword typed in another case
		{text: "张 110108", want: []string{"user/2"}},         // text word + keyword word
		{text: "张 -", want: []string{"user/1", "user/2"}},    // punctuation word ignored
		{text: "张", fields: []string{"username"}, want: nil}, // only username searched
		{text: "张", fields: []string{"name"}, want: []string{"user/1", "user/2"}},
		{text: "clerk", fields: []string{"name"}, want: []string{"user/2", "user/4", "user/5"}}, // keywords always
	}
	for _, c := range cases {
		t.Run(c.text+"/"+strings.Join(c.fields, ","), func(t *testing.T) {
			got := ids(t, ix, Query{Type: "user", Text: c.text, TextFields: c.fields})
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("Text %q: got %v, want %v", c.text, got, c.want)
			}
		})
	}
}

// TestTextFullWidthDigits: digits typed or stored full-width (a Chinese
// input method in full-width mode, a registry export) are the same digits:
// "3号楼" finds an address written "３号楼" and the other way round, and a
// full-width query does not lose its digits and match every 号楼.
func TestTextFullWidthDigits(t *testing.T) {
	ix := openTest(t)
	err := ix.Apply([]Doc{
		{Type: "agency", ID: "agency/31", Fields: map[string]any{"name": "望湖路１０号院３号楼２单元５０２"}},
		{Type: "agency", ID: "agency/32", Fields: map[string]any{"name": "望湖路12号院5号楼1单元301"}},
		{Type: "agency", ID: "agency/33", Fields: map[string]any{"name": "ＡＢＣ　大厦"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string][]string{
		"望湖路10号院":   {"agency/31"},
		"3号楼2单元502": {"agency/31"},
		"３号楼２单元５０２": {"agency/31"},
		"望湖路１２号院":   {"agency/32"},
		"5号楼":       {"agency/32"},
		"号楼":        {"agency/31", "agency/32"},
		"abc":       {"agency/33"},
		"ＡＢＣ　大厦":    {"agency/33"},
		"９９号楼":      nil,
	} {
		got := ids(t, ix, Query{Type: "agency", Text: text})
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("Text %q: got %v, want %v", text, got, want)
		}
	}
}

func TestTextRanksBetterMatchFirst(t *testing.T) {
	ix := openTest(t)
	err := ix.Apply([]Doc{
		{Type: "user", ID: "user/20", Fields: map[string]any{"name": "张三丰", "username": "zsf"}},
		{Type: "user", ID: "user/21", Fields: map[string]any{"name": "张三", "username": "zhangsan"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(Query{Type: "user", Text: "张三"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 2 || res.Hits[0].ID != "user/21" || res.Hits[0].Score <= 0 {
		t.Fatalf("张三: %+v, want user/21 (the exact, shorter name) first with a score", res.Hits)
	}
}

func TestTextSearchStaysInType(t *testing.T) {
	ix := openTest(t)
	// The agency's name contains 张 too.
	if got := ids(t, ix, Query{Type: "agency", Text: "张"}); !slices.Equal(got, []string{"agency/1"}) {
		t.Errorf("agency 张: %v", got)
	}
	if got := ids(t, ix, Query{Type: "agency", Text: "安居 经纪"}); !slices.Equal(got, []string{"agency/1"}) {
		t.Errorf("agency 安居 经纪: %v", got)
	}
	// A credit code typed in lower case finds its keyword field.
	if got := ids(t, ix, Query{Type: "agency", Text: "91110105ma01abcd2x"}); !slices.Equal(got, []string{"agency/1"}) {
		t.Errorf("agency by lower-case credit code: %v", got)
	}
	if got := ids(t, ix, Query{Type: "user", Text: "经纪"}); len(got) != 0 {
		t.Errorf("user search found agencies: %v", got)
	}
}

func TestHostileTextDoesNotError(t *testing.T) {
	ix := openTest(t)
	inputs := []string{
		`a:"(`, `+-`, `-`, `*`, `?`, `\`, `"`, `""`, `~2`, `^3`, `name:张伟`, `_type:user`,
		`AND OR NOT`, `((((`, `))))`, `/.*/`, `[a TO z]`, `{}`, `张伟~`, `+张 -伟`,
		"\x00", "\xff\xfe", "\t\n\r", "😀", "ｚ", "%s%d", "'; DROP TABLE users; --",
		"<script>alert(1)</script>", strings.Repeat("张", 10000), strings.Repeat("a ", 5000),
		strings.Repeat("(", 1000),
	}
	for _, in := range inputs {
		if _, err := ix.Search(Query{Type: "user", Text: in, Facets: []string{"role"}}); err != nil {
			t.Errorf("Text %q: %v", in, err)
		}
	}
	// Query syntax is not interpreted: name:张伟 is two words, "name" finds nothing.
	if got := ids(t, ix, Query{Type: "user", Text: "name:张伟"}); len(got) != 0 {
		t.Errorf("name:张伟 was read as query syntax: %v", got)
	}
}

func TestFiltersPrefixRanges(t *testing.T) {
	ix := openTest(t)
	cases := []struct {
		name string
		q    Query
		want []string // in order (default sort -_id, or given Sort)
	}{
		{"all of type", Query{}, []string{"user/6", "user/5", "user/4", "user/3", "user/2", "user/1"}},
		{"filter OR within field", Query{Filters: map[string][]string{"role": {"admin", "reviewer"}}}, []string{"user/3", "user/1"}},
		{"filter AND across fields", Query{Filters: map[string][]string{"role": {"clerk"}, "district": {"110108"}}}, []string{"user/5", "user/2"}},
		{"filter no value matches nothing", Query{Filters: map[string][]string{"role": {}}}, nil},
		{"filter is exact", Query{Filters: map[string][]string{"role": {"Clerk"}}}, nil},
		{"prefix", Query{Prefix: map[string]string{"district": "1101"}}, []string{"user/5", "user/4", "user/2", "user/1"}},
		{"empty prefix is no constraint", Query{Prefix: map[string]string{"district": ""}}, []string{"user/6", "user/5", "user/4", "user/3", "user/2", "user/1"}},
		{"prefix and text", Query{Text: "小", Prefix: map[string]string{"district": "110108"}}, []string{"user/2", "user/5"}},
		{"number min inclusive max exclusive", Query{Ranges: []Range{{Field: "score", Min: 60.0, Max: 82.5}}}, []string{"user/5", "user/3", "user/2"}},
		{"number open max, int bound", Query{Ranges: []Range{{Field: "score", Min: 82}}}, []string{"user/4", "user/1"}},
		{"number open min", Query{Ranges: []Range{{Field: "score", Max: 60.0}}}, nil},
		{"both open is no constraint", Query{Ranges: []Range{{Field: "score"}}}, []string{"user/6", "user/5", "user/4", "user/3", "user/2", "user/1"}},
		{"date range", Query{Ranges: []Range{{Field: "created", Min: day(2), Max: day(4)}}}, []string{"user/3", "user/2"}},
		{"date open min", Query{Ranges: []Range{{Field: "created", Max: day(2)}}}, []string{"user/1"}},
		{"date far past min", Query{Ranges: []Range{{Field: "created", Min: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), Max: day(2)}}}, []string{"user/1"}},
		{"date beyond bleve range", Query{Ranges: []Range{{Field: "created", Min: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}}}, nil},
		{"two ranges", Query{Ranges: []Range{{Field: "score", Min: 60.0}, {Field: "created", Min: day(3)}}}, []string{"user/5", "user/4", "user/3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.q.Type = "user"
			got := ids(t, ix, c.q)
			if c.q.Text != "" {
				slices.Sort(got)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestSort(t *testing.T) {
	ix := openTest(t)
	cases := []struct {
		sort []string
		want []string
	}{
		{[]string{"score"}, []string{"user/3", "user/5", "user/2", "user/4", "user/1", "user/6"}},  // ties by _id, missing last
		{[]string{"-score"}, []string{"user/1", "user/4", "user/2", "user/3", "user/5", "user/6"}}, // missing last too
		{[]string{"-score", "-_id"}, []string{"user/1", "user/4", "user/2", "user/5", "user/3", "user/6"}},
		{[]string{"created"}, []string{"user/1", "user/2", "user/3", "user/4", "user/5", "user/6"}},
		{[]string{"-created"}, []string{"user/5", "user/4", "user/3", "user/2", "user/1", "user/6"}},
		{[]string{"district", "-_id"}, []string{"user/4", "user/1", "user/5", "user/2", "user/6", "user/3"}},
		{[]string{"_id"}, []string{"user/1", "user/2", "user/3", "user/4", "user/5", "user/6"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.sort, ","), func(t *testing.T) {
			if got := ids(t, ix, Query{Type: "user", Sort: c.sort}); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	ix := openTest(t)
	var all []string
	for from := 0; from < 8; from += 2 {
		res, err := ix.Search(Query{Type: "user", Sort: []string{"created"}, From: from, Size: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 6 {
			t.Errorf("From %d: Total = %d, want 6", from, res.Total)
		}
		for _, h := range res.Hits {
			all = append(all, h.ID)
		}
	}
	want := []string{"user/1", "user/2", "user/3", "user/4", "user/5", "user/6"}
	if !slices.Equal(all, want) {
		t.Errorf("pages = %v, want %v", all, want)
	}
	res, err := ix.Search(Query{Type: "user", Filters: map[string][]string{"role": {"clerk"}}, From: -5, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 3 || len(res.Hits) != 1 {
		t.Errorf("filtered page: Total %d, %d hits; want 3, 1", res.Total, len(res.Hits))
	}
	res, _ = ix.Search(Query{Type: "user", Size: 1 << 30})
	if len(res.Hits) != 6 {
		t.Errorf("huge Size: %d hits", len(res.Hits))
	}
}

func TestDefaultSizeAndCap(t *testing.T) {
	ix := openTest(t)
	var docs []Doc
	for i := range 1100 {
		docs = append(docs, Doc{Type: "agency", ID: fmt.Sprintf("agency/x%04d", i), Fields: map[string]any{"name": "安居"}})
	}
	if err := ix.Apply(docs, nil); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(Query{Type: "agency"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != defaultSize || res.Total != 1101 {
		t.Errorf("default: %d hits of %d, want %d of 1101", len(res.Hits), res.Total, defaultSize)
	}
	res, _ = ix.Search(Query{Type: "agency", Size: 5000})
	if len(res.Hits) != maxSize {
		t.Errorf("Size 5000: %d hits, want %d", len(res.Hits), maxSize)
	}
}

func TestFacets(t *testing.T) {
	ix := openTest(t)
	res, err := ix.Search(Query{Type: "user", Facets: []string{"role", "district"}, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantRole := []FacetCount{{"clerk", 3}, {"admin", 1}, {"reviewer", 1}, {"viewer", 1}}
	if !slices.Equal(res.Facets["role"], wantRole) {
		t.Errorf("role facet = %v, want %v", res.Facets["role"], wantRole)
	}
	wantDistrict := []FacetCount{{"110108", 2}, {"110101", 1}, {"110105", 1}, {"120101", 1}, {"310101", 1}}
	if !slices.Equal(res.Facets["district"], wantDistrict) {
		t.Errorf("district facet = %v, want %v", res.Facets["district"], wantDistrict)
	}
	// Facets count all matches of the query, not only the page.
	res, _ = ix.Search(Query{Type: "user", Text: "小", Facets: []string{"role"}, Size: 1})
	if want := []FacetCount{{"clerk", 2}}; !slices.Equal(res.Facets["role"], want) {
		t.Errorf("facet of 小 = %v, want %v", res.Facets["role"], want)
	}
	res, _ = ix.Search(Query{Type: "user", Text: "nobody", Facets: []string{"role"}})
	if f, ok := res.Facets["role"]; !ok || len(f) != 0 {
		t.Errorf("facet with no match = %v, %t; want empty, present", f, ok)
	}
}

func TestQueryErrors(t *testing.T) {
	ix := openTest(t)
	cases := map[string]Query{
		"no type":              {},
		"unknown type":         {Type: "nosuch"},
		"filter unknown field": {Type: "user", Filters: map[string][]string{"nosuch": {"x"}}},
		"filter on text":       {Type: "user", Filters: map[string][]string{"name": {"张伟"}}},
		"filter other type's":  {Type: "user", Filters: map[string][]string{"credit_code": {"x"}}},
		"prefix on number":     {Type: "user", Prefix: map[string]string{"score": "1"}},
		"range on keyword":     {Type: "user", Ranges: []Range{{Field: "district", Min: 1.0}}},
		"range wrong type":     {Type: "user", Ranges: []Range{{Field: "score", Min: "60"}}},
		"date range as number": {Type: "user", Ranges: []Range{{Field: "created", Min: 1.0}}},
		"sort on text":         {Type: "user", Sort: []string{"name"}},
		"sort not sortable":    {Type: "user", Sort: []string{"visits"}},
		"sort unknown":         {Type: "user", Sort: []string{"-nosuch"}},
		"facet on number":      {Type: "user", Facets: []string{"score"}},
		"text field keyword":   {Type: "user", Text: "x", TextFields: []string{"role"}},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ix.Search(q); !errors.Is(err, ErrQuery) {
				t.Errorf("err = %v, want ErrQuery", err)
			}
		})
	}
}

func TestCountMatches(t *testing.T) {
	ix := openTest(t)
	for _, q := range []Query{
		{Type: "user"},
		{Type: "user", Text: "张"},
		{Type: "user", Filters: map[string][]string{"role": {"clerk"}}},
	} {
		res, err := ix.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		n, err := ix.CountMatches(q)
		if err != nil || n != res.Total {
			t.Errorf("CountMatches(%+v) = %d, %v; Search total %d", q, n, err, res.Total)
		}
	}
	if _, err := ix.CountMatches(Query{Type: "nosuch"}); !errors.Is(err, ErrQuery) {
		t.Errorf("unknown type: %v", err)
	}
}

// TestDateRangesCompareWholeSeconds: dates are indexed to the second (a
// fraction dropped) and a range's ends rounded up to a whole second, so
// documents of the same second are all in or all out, and a range is exact
// for whole seconds.
func TestDateRangesCompareWholeSeconds(t *testing.T) {
	ix, _, err := Open(filepath.Join(t.TempDir(), "index"), userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	at := func(sec, ms int) time.Time { return time.Date(2026, 11, 27, 12, 0, sec, ms*1e6, time.UTC) }
	docs := []Doc{
		{Type: "user", ID: "user/1", Fields: map[string]any{"created": at(0, 300)}},
		{Type: "user", ID: "user/2", Fields: map[string]any{"created": at(0, 800)}},
		{Type: "user", ID: "user/3", Fields: map[string]any{"created": at(1, 200)}},
	}
	if err := ix.Apply(docs, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		min, max any
		want     []string
	}{
		{"min within a second starts at the next one", at(0, 900), nil, []string{"user/3"}},
		{"max within a second ends after it", nil, at(1, 500), []string{"user/3", "user/2", "user/1"}},
		{"a range inside one second is empty", at(0, 100), at(0, 900), nil},
		{"whole seconds are exact", at(1, 0), at(2, 0), []string{"user/3"}},
		{"a nanosecond past a whole second", nil, at(0, 0).Add(time.Nanosecond), []string{"user/2", "user/1"}},
	} {
		got := ids(t, ix, Query{Type: "user", Ranges: []Range{{Field: "created", Min: c.min, Max: c.max}}})
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
