package ui

import (
	"html/template"
	"net/url"
	"regexp"
	"strings"
)

// An announcement's body is plain text: a blank line separates paragraphs,
// a line break stays a line break. Every character is escaped; the only
// markup added is <p>, <br> and a link around a web address (http or
// https only, so that no javascript: or data: address becomes clickable),
// which opens without giving the target page a handle on ours.

var (
	reParaBreak = regexp.MustCompile(`\n[ \t\x{3000}]*\n\s*`)
	// reWebAddress stops at the first character outside the URL syntax,
	// so Chinese punctuation right after an address ends it.
	reWebAddress = regexp.MustCompile(`(?i)\bhttps?://[a-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+`)
)

// annBodyHTML renders a plain-text body as safe paragraphs.
func annBodyHTML(body string) template.HTML {
	var b strings.Builder
	for _, para := range reParaBreak.Split(strings.TrimSpace(body), -1) {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>")
			}
			writeLinked(&b, line)
		}
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

// writeLinked writes line escaped, with its web addresses as links.
func writeLinked(b *strings.Builder, line string) {
	last := 0
	for _, m := range reWebAddress.FindAllStringIndex(line, -1) {
		start, end := m[0], m[1]
		// Sentence punctuation after an address is not part of it.
		for end > start && strings.ContainsRune(".,;:!?)]'", rune(line[end-1])) {
			if line[end-1] == ')' && strings.Count(line[start:end], "(") >= strings.Count(line[start:end], ")") {
				break // (…) inside the address, as Wikipedia's
			}
			end--
		}
		raw := line[start:end]
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		b.WriteString(template.HTMLEscapeString(line[last:start]))
		b.WriteString(`<a href="`)
		b.WriteString(template.HTMLEscapeString(u.String()))
		b.WriteString(`" rel="nofollow noopener noreferrer" target="_blank">`)
		b.WriteString(template.HTMLEscapeString(raw))
		b.WriteString(`</a>`)
		last = end
	}
	b.WriteString(template.HTMLEscapeString(line[last:]))
}
