package ui

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"anju/app"
)

// The statistics page's review backlog (app.BacklogRow): a stacked bar per
// queue, coloured by how long its items have waited, and the same figures
// as a table whose counts open the queue.

// backlogLine is a row of the backlog table.
type backlogLine struct {
	Queue  string
	Label  string
	Count  int
	Ages   []int
	Oldest string // date the longest-waiting item waits since; "—" if none
	Link   string // the queue's list, in the page's district where it filters by one
}

// backlogLink is the list a backlog row counts.
func backlogLink(queue, district string) string {
	v := url.Values{}
	var list, fragment string
	switch queue {
	case app.QueueFilings:
		list = "/gov/filings"
		v.Set("status", app.FilingPending)
	case app.QueueAgencies:
		list = "/gov/agency-applications"
		v.Set("status", app.AppPending)
	case app.QueueScoring:
		list = "/gov/credit/applications"
		v.Set("status", app.ScoringPending)
	case app.QueueRequests:
		// Listed on the scoring queue's page, under its own heading.
		list, fragment = "/gov/credit/applications", "#requests"
	case app.QueueLists:
		list = "/gov/lists"
		v.Set("status", app.ListPending)
	case app.QueueOverdue:
		list = "/gov/filings/overdue"
	default:
		return ""
	}
	if district != "" {
		v.Set("district", district)
	}
	if len(v) > 0 {
		list += "?" + v.Encode()
	}
	return list + fragment
}

// backlogLines makes the table's rows.
func (s *Server) backlogLines(lang string, st app.Stats) []backlogLine {
	var out []backlogLine
	for _, r := range st.Backlog {
		l := backlogLine{Queue: r.Queue, Label: s.msgs.t(lang, "stats.backlog."+r.Queue), Count: r.Count, Ages: r.Ages,
			Oldest: "—", Link: backlogLink(r.Queue, st.Query.District)}
		if !r.Oldest.IsZero() {
			l.Oldest = formatDate(lang, r.Oldest)
		}
		out = append(out, l)
	}
	return out
}

// backlogAgeLabels names the age groups, youngest first.
func (s *Server) backlogAgeLabels(lang string) []string {
	out := make([]string, len(app.BacklogAges)+1)
	for i := range out {
		out[i] = s.msgs.t(lang, "stats.backlog_age."+strconv.Itoa(i))
	}
	return out
}

// backlogChart draws each queue as a horizontal bar split by age group
// (classes bar-age0…: the CSP forbids style attributes), its count at the
// end, on a scale common to all queues. Nothing is drawn when nothing
// waits.
func (s *Server) backlogChart(lang string, lines []backlogLine, narrow bool) string {
	top := 0
	for _, l := range lines {
		top = max(top, l.Count)
	}
	if top == 0 {
		return ""
	}
	ages := s.backlogAgeLabels(lang)
	h := newHBars(narrow, 210, 24)
	var b strings.Builder
	chartOpen(&b, "backlog-title", narrow, h.width, h.height(len(lines)), s.msgs.t(lang, "stats.backlog_chart"))
	for i, l := range lines {
		y := h.label(&b, i, l.Label)
		x := h.left
		for g, n := range l.Ages {
			if n == 0 {
				continue
			}
			w := h.span(float64(n) / float64(top))
			fmt.Fprintf(&b, `<rect class="bar bar-age%d" x="%s" y="%s" width="%s" height="%s"><title>%s · %s: %d</title></rect>`,
				g, num(x), num(y), num(max(w, 1)), num(h.bh), svgText(l.Label), svgText(ages[g]), n)
			x += w
		}
		h.value(&b, x, y, strconv.Itoa(l.Count))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
