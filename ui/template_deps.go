package ui

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"text/template/parse"
)

// Each page is its own template set (every page defines "content"), and a
// set must hold every partial the page may call. Cloning all the partial
// files (templates/_*.html) into each page for each language made two
// thirds of the server's live heap (about 32 of 48 MiB at idle), which
// every garbage collection marks again; most pages call only the layout.
// partialDeps works out which partial files a page needs, from the
// {{template}} calls in the files, so that a page's set holds only those.

// partialFiles knows, for the partial files, which templates each defines
// and which each calls.
type partialFiles struct {
	definedIn map[string]string   // template name -> partial file
	calls     map[string][]string // partial file -> names its templates call
}

func readPartials(fsys fs.FS, files []string) (*partialFiles, error) {
	p := &partialFiles{definedIn: map[string]string{}, calls: map[string][]string{}}
	for _, f := range files {
		defined, calls, err := templateCalls(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, name := range defined {
			if other, dup := p.definedIn[name]; dup {
				return nil, fmt.Errorf("template %q defined in %s and %s", name, other, f)
			}
			p.definedIn[name] = f
		}
		p.calls[f] = calls
	}
	return p, nil
}

// needs returns the partial files page file f needs, sorted: those that
// define a template it calls (the layout's "page" is always called), and
// what those call in turn.
func (p *partialFiles) needs(fsys fs.FS, f string) ([]string, error) {
	_, calls, err := templateCalls(fsys, f)
	if err != nil {
		return nil, err
	}
	need := map[string]bool{}
	todo := append(calls, "page")
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		file, ok := p.definedIn[name]
		if !ok || need[file] { // defined in the page itself, or already in
			continue
		}
		need[file] = true
		todo = append(todo, p.calls[file]...)
	}
	files := make([]string, 0, len(need))
	for file := range need {
		files = append(files, file)
	}
	slices.Sort(files)
	return files, nil
}

// templateCalls parses file f (without checking function names) and
// returns the templates it defines and the names its {{template}} actions
// call.
func templateCalls(fsys fs.FS, f string) (defined, calls []string, err error) {
	b, err := fs.ReadFile(fsys, f)
	if err != nil {
		return nil, nil, err
	}
	tree := parse.New(f)
	tree.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tree.Parse(string(b), "", "", trees); err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", f, err)
	}
	for name, t := range trees {
		if t.Root == nil || (name == f && isBlank(t.Root)) {
			continue // the file's own text outside any define
		}
		defined = append(defined, name)
		eachNode(t.Root, func(list *parse.ListNode, i int) {
			if tn, ok := list.Nodes[i].(*parse.TemplateNode); ok {
				calls = append(calls, tn.Name)
			}
		})
	}
	return defined, calls, nil
}

func isBlank(l *parse.ListNode) bool {
	for _, n := range l.Nodes {
		if t, ok := n.(*parse.TextNode); !ok || strings.TrimSpace(string(t.Text)) != "" {
			return false
		}
	}
	return true
}
