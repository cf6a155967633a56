package ui

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// TestInlineMessagesSameBytes: a set with inlined messages renders exactly
// what the same set renders calling "t", for text, quoted attributes,
// <title> and messages with characters to escape; an action in a URL
// attribute or with arguments is left to "t".
func TestInlineMessagesSameBytes(t *testing.T) {
	en := map[string]string{
		"plain":  "Check a code",
		"tricky": `Tom & "Jerry" <b>'s</b> 1+1`,
		"url":    "a b&c",
		"args":   "%d items",
	}
	msgs := &catalog{msgs: map[string]map[string]string{"en": en, langZH: en}}
	src := `{{define "page"}}<title>{{t "tricky"}}</title>
<p title="{{t "tricky"}}">{{t "plain"}} {{t "tricky"}}</p>
<a href="/x?q={{t "url"}}">{{t "args" 3}}</a>
{{if .}}{{t "plain"}}{{else}}{{t "tricky"}}{{end}}{{range .}}{{t "plain"}}{{end}}{{with .}}{{t "tricky"}}{{end}}{{end}}`
	parse := func() *template.Template {
		return template.Must(template.New("").Funcs(template.FuncMap{
			"t": func(key string, args ...any) string { return msgs.t("en", key, args...) },
		}).Parse(src))
	}
	render := func(set *template.Template, data any) string {
		var b bytes.Buffer
		if err := set.ExecuteTemplate(&b, "page", data); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	inlined := parse()
	if err := inlineMessages(inlined, "page", "en", msgs); err != nil {
		t.Fatal(err)
	}
	for _, data := range []any{nil, []int{1, 2}} {
		want, got := render(parse(), data), render(inlined, data)
		if got != want {
			t.Errorf("inlined page differs:\n got %s\nwant %s", got, want)
		}
	}
	// What was inlined, and what was not.
	left := 0
	for _, x := range inlined.Templates() {
		if x.Tree == nil {
			continue
		}
		left += strings.Count(x.Tree.Root.String(), "{{t ")
	}
	if left != 2 { // the URL and the call with an argument
		t.Errorf("%d calls of t left, want 2 (the URL's and the one with an argument)", left)
	}
}
