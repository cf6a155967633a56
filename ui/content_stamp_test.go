package ui

import (
	"bytes"
	"html/template"
	"testing"
)

type stampData struct{ A, B, Note string }

// TestStampSameBytes: content put together from a stamp is what the
// template renders, for values that need escaping in text and in a quoted
// attribute, with and without the optional field (one stamp each); a field
// in a URL, or content showing the address asked for, is not stamped but
// still rendered right.
func TestStampSameBytes(t *testing.T) {
	const page = `{{define "content"}}{{with .Data}}<p class="x-{{.A}}">{{.A}} & {{.B}}</p>{{if .Note}}<i>{{.Note}}</i>{{end}}{{end}}{{end}}`
	values := []*stampData{
		{A: "valid", B: `Tom & "Jerry" <b>'s</b> 1+1` + "\x00", Note: "n<o>te"},
		{A: "expired", B: "张三、李四"},
		{A: "", B: "x"},
	}
	tmpl := template.Must(template.New("").Parse(page))
	var st stamps
	for _, d := range values {
		if got, want := stampAndRender(t, &st, tmpl, &view{Data: d}); got != want {
			t.Errorf("%+v:\nstamp    %q\ntemplate %q", d, got, want)
		}
	}
	if len(st.m) != 3 {
		t.Errorf("%d stamps for three sets of empty fields, want 3", len(st.m))
	}
	for empty, cs := range st.m {
		if cs == nil {
			t.Errorf("empty set %b: not stamped", empty)
		}
	}

	for _, src := range []string{
		`{{define "content"}}<a href="/q?a={{.Data.A}}">{{.Data.B}}</a>{{end}}`,
		`{{define "content"}}<a href="{{.Path}}">{{.Data.B}}</a>{{end}}`,
	} {
		tmpl := template.Must(template.New("").Parse(src))
		var st stamps
		v := &view{Data: &stampData{A: "a b&c<", B: "b"}, Path: "/v/X?y=1"}
		if got, want := stampAndRender(t, &st, tmpl, v); got != want {
			t.Errorf("%s:\ngot  %q\nwant %q", src, got, want)
		}
		if len(st.m) != 1 {
			t.Errorf("%s: %d stamps made, want 1", src, len(st.m))
		}
		for _, cs := range st.m {
			if cs != nil {
				t.Errorf("%s: stamped, want rendered", src)
			}
		}
	}
}

// stampAndRender writes v's content through st and by the template alone.
func stampAndRender(t *testing.T, st *stamps, tmpl *template.Template, v *view) (stamped, rendered string) {
	t.Helper()
	var got, want bytes.Buffer
	if err := tmpl.ExecuteTemplate(&want, "content", v); err != nil {
		t.Fatal(err)
	}
	if err := st.writeContent(&got, tmpl, v); err != nil {
		t.Fatal(err)
	}
	return got.String(), want.String()
}
