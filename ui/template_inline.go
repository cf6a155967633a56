package ui

import (
	"errors"
	"html/template"
	"io"
	"text/template/parse"
)

// Every page template is parsed once per language, so an action that only
// shows a message with a constant key, {{t "nav.home"}}, shows the same
// text on every render. inlineMessages replaces each such action with that
// text, escaped as html/template escapes it at that place. Executing an
// action calls "t" and then the escaper, both through reflection; a page
// has dozens of them. Inlined, an uncached public check took 0.098 ms of
// CPU instead of 0.129 (docs/benchmarks.md 4.10).
//
// Only actions in HTML text, in a quoted attribute value or in <title> are
// replaced: html/template has escaped the set first (the escapers it added
// to an action name the place), and any other escaper (a URL, a script)
// leaves the action as it is. So the pages are byte for byte what they were
// (TestInlineMessagesSameBytes).
func inlineMessages(set *template.Template, page string, lang string, msgs *catalog) error {
	// Escaping happens at the first execution, for the named template and
	// every template it calls. With no data, the execution itself stops at
	// once; only an escaping error is the templates' fault.
	if err := set.ExecuteTemplate(io.Discard, page, nil); err != nil {
		var escErr *template.Error
		if errors.As(err, &escErr) {
			return err
		}
	}
	for _, t := range set.Templates() {
		if t.Tree == nil {
			continue
		}
		eachNode(t.Tree.Root, func(list *parse.ListNode, i int) {
			if a, ok := list.Nodes[i].(*parse.ActionNode); ok {
				if text, ok := inlineText(a, lang, msgs); ok {
					list.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: a.Pos, Text: []byte(text)}
				}
			}
		})
	}
	return nil
}

// eachNode calls fn with every node under list, by its list and index (so
// that fn may replace it), going into the bodies of if, range and with.
func eachNode(list *parse.ListNode, fn func(list *parse.ListNode, i int)) {
	if list == nil {
		return
	}
	for i := range list.Nodes {
		fn(list, i)
		switch n := list.Nodes[i].(type) {
		case *parse.IfNode:
			eachNode(n.List, fn)
			eachNode(n.ElseList, fn)
		case *parse.RangeNode:
			eachNode(n.List, fn)
			eachNode(n.ElseList, fn)
		case *parse.WithNode:
			eachNode(n.List, fn)
			eachNode(n.ElseList, fn)
		}
	}
}

// inlinedEscapers are html/template's escapers for text, a quoted
// attribute value and RCDATA (<title>, <textarea>): each is attrEscaper's
// replacement of " & ' + < > and NUL.
var inlinedEscapers = map[string]bool{
	"_html_template_htmlescaper":   true,
	"_html_template_attrescaper":   true,
	"_html_template_rcdataescaper": true,
}

// inlineText returns the escaped text of an action {{t "key"}} followed by
// html/template's escapers only.
func inlineText(a *parse.ActionNode, lang string, msgs *catalog) (string, bool) {
	p := a.Pipe
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) < 2 {
		return "", false
	}
	call := p.Cmds[0].Args
	if len(call) != 2 {
		return "", false
	}
	fn, ok := call[0].(*parse.IdentifierNode)
	key, ok2 := call[1].(*parse.StringNode)
	if !ok || !ok2 || fn.Ident != "t" || !msgs.has(key.Text) {
		return "", false // a missing key keeps failing where it is used
	}
	text := msgs.t(lang, key.Text)
	for _, c := range p.Cmds[1:] {
		if len(c.Args) != 1 {
			return "", false
		}
		esc, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok || !inlinedEscapers[esc.Ident] {
			return "", false
		}
		text = attrEscaper.Replace(text)
	}
	return text, true
}
