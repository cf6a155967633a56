package ui

import (
	"slices"
	"testing"
	"testing/fstest"
)

// TestPartialDeps: a page's set holds the partial files that define what
// it calls, what those call in turn, and the layout ("page"); no others.
func TestPartialDeps(t *testing.T) {
	fsys := fstest.MapFS{
		"_layout.html": {Data: []byte(`{{define "page"}}<main>{{template "content" .}}</main>{{template "nav" .}}{{end}}`)},
		"_fields.html": {Data: []byte(`{{define "input"}}<input>{{template "ferr" .}}{{end}}{{define "ferr"}}<p>{{.}}</p>{{end}}`)},
		"_lists.html":  {Data: []byte(`{{define "tag"}}{{if .}}{{range .}}{{template "pager" .}}{{end}}{{end}}{{end}}`)},
		"_pager.html":  {Data: []byte(`{{define "pager"}}<nav>{{.}}</nav>{{end}}`)},
		"_unused.html": {Data: []byte(`{{define "unused"}}x{{end}}`)},
		"plain.html":   {Data: []byte(`{{define "content"}}<p>{{t "x"}}</p>{{end}}{{define "nav"}}{{end}}`)},
		"form.html":    {Data: []byte(`{{define "content"}}{{with .Data}}{{template "input" .}}{{else}}{{template "tag" .}}{{end}}{{end}}`)},
	}
	p, err := readPartials(fsys, []string{"_layout.html", "_fields.html", "_lists.html", "_pager.html", "_unused.html"})
	if err != nil {
		t.Fatal(err)
	}
	for page, want := range map[string][]string{
		"plain.html": {"_layout.html"},
		"form.html":  {"_fields.html", "_layout.html", "_lists.html", "_pager.html"},
	} {
		got, err := p.needs(fsys, page)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s needs %v, want %v", page, got, want)
		}
	}

	fsys["_dup.html"] = &fstest.MapFile{Data: []byte(`{{define "ferr"}}again{{end}}`)}
	if _, err := readPartials(fsys, []string{"_fields.html", "_dup.html"}); err == nil {
		t.Error("a template defined in two partial files was accepted")
	}
}

// The platform's own pages: a page that calls no partial of the form
// helpers does not carry them, one that does can run them.
func TestPagesCarryTheirPartialsOnly(t *testing.T) {
	s := &Server{}
	var err error
	if s.msgs, err = loadCatalog(); err != nil {
		t.Fatal(err)
	}
	pages, err := parsePages(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages {
		if pages.byLang[lang]["public_check"].Lookup("input") != nil {
			t.Errorf("%s: public_check carries the form partials it never calls", lang)
		}
		if pages.byLang[lang]["agency_form"].Lookup("input") == nil {
			t.Errorf("%s: agency_form lacks the input partial it calls", lang)
		}
	}
}
