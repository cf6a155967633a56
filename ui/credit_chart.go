package ui

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"anju/app"
)

// scoreChart draws a subject's score from a year back to a year ahead as
// an inline SVG step line: solid up to today, dashed after (when records
// lapse if nothing else happens), with the level thresholds as bands. It is
// drawn on the server so that it prints and needs no script; colours are
// classes of credit.css (the CSP forbids style attributes).
func (s *Server) scoreChart(lang string, v *app.CreditView) template.HTML {
	if len(v.Timeline) == 0 {
		return ""
	}
	const (
		width, height = 720.0, 240.0
		left, right   = 44.0, 12.0
		top, bottom   = 14.0, 30.0
	)
	lo, hi := v.Timeline[0].Score, v.Timeline[0].Score
	for _, p := range v.Timeline {
		lo, hi = min(lo, p.Score), max(hi, p.Score)
	}
	for _, b := range v.Bands {
		if b.From > 0 {
			lo, hi = min(lo, b.From), max(hi, b.From)
		}
	}
	lo, hi = lo-5, hi+5
	span := v.To.Sub(v.From).Seconds()
	x := func(t time.Time) float64 {
		f := t.Sub(v.From).Seconds() / span
		return left + (width-left-right)*min(max(f, 0), 1)
	}
	y := func(score int) float64 {
		return top + (height-top-bottom)*float64(hi-score)/float64(hi-lo)
	}
	t := func(key string, args ...any) string { return svgText(s.msgs.t(lang, key, args...)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="score-chart" viewBox="0 0 %s %s" role="img" aria-labelledby="sc-title sc-desc" xmlns="http://www.w3.org/2000/svg">`, num(width), num(height))
	fmt.Fprintf(&b, `<title id="sc-title">%s</title><desc id="sc-desc">%s</desc>`, t("credit.chart_title"),
		t("credit.chart_desc", v.Score, v.Level, len(v.Timeline)))
	// Level bands: a line at each threshold, labelled on the left.
	prev := hi
	for _, band := range v.Bands {
		from := max(band.From, lo)
		if from > prev {
			continue
		}
		fmt.Fprintf(&b, `<rect class="band band-%s" x="%s" y="%s" width="%s" height="%s"/>`, strings.ToLower(band.Level),
			num(left), num(y(prev)), num(width-left-right), num(y(from)-y(prev)))
		fmt.Fprintf(&b, `<text class="band-label" x="%s" y="%s">%s</text>`, num(left+4), num(y(from)-4), svgText(band.Level))
		if band.From > lo {
			fmt.Fprintf(&b, `<line class="threshold" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(left), num(y(band.From)), num(width-right), num(y(band.From)))
			fmt.Fprintf(&b, `<text class="axis" x="%s" y="%s" text-anchor="end">%d</text>`, num(left-6), num(y(band.From)+4), band.From)
		}
		prev = from
	}
	// The base score, where every subject starts.
	if v.Base > lo && v.Base < hi {
		fmt.Fprintf(&b, `<line class="base-line" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(left), num(y(v.Base)), num(width-right), num(y(v.Base)))
		fmt.Fprintf(&b, `<text class="axis" x="%s" y="%s" text-anchor="end">%d</text>`, num(left-6), num(y(v.Base)+4), v.Base)
	}
	// Month ticks on the time axis, labelled every third month.
	for m := time.Date(v.From.Year(), v.From.Month()+1, 1, 0, 0, 0, 0, v.From.Location()); m.Before(v.To); m = m.AddDate(0, 1, 0) {
		fmt.Fprintf(&b, `<line class="tick" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x(m)), num(height-bottom), num(x(m)), num(height-bottom+4))
		if m.Month()%3 == 1 {
			fmt.Fprintf(&b, `<text class="axis" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x(m)), num(height-bottom+17),
				svgText(m.Format("2006-01")))
		}
	}
	// The step line, split at today.
	now := v.Now
	var past, future []string
	add := func(pts *[]string, px, py float64) { *pts = append(*pts, num(px)+","+num(py)) }
	for i, p := range v.Timeline {
		end := v.To
		if i+1 < len(v.Timeline) {
			end = v.Timeline[i+1].At
		}
		start := p.At
		if start.Before(now) {
			add(&past, x(start), y(p.Score))
			if end.After(now) {
				add(&past, x(now), y(p.Score))
				add(&future, x(now), y(p.Score))
				add(&future, x(end), y(p.Score))
			} else {
				add(&past, x(end), y(p.Score))
			}
		} else {
			add(&future, x(start), y(p.Score))
			add(&future, x(end), y(p.Score))
		}
	}
	if len(past) > 0 {
		fmt.Fprintf(&b, `<polyline class="score-line" points="%s"/>`, strings.Join(past, " "))
	}
	if len(future) > 0 {
		fmt.Fprintf(&b, `<polyline class="score-line future" points="%s"/>`, strings.Join(future, " "))
	}
	// Each change as a point with its date and score on hover.
	for _, p := range v.Timeline[1:] {
		fmt.Fprintf(&b, `<circle class="score-point" cx="%s" cy="%s" r="3"><title>%s %d</title></circle>`,
			num(x(p.At)), num(y(p.Score)), svgText(p.At.Format(time.DateOnly)), p.Score)
	}
	fmt.Fprintf(&b, `<line class="today" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x(now)), num(top), num(x(now)), num(height-bottom))
	fmt.Fprintf(&b, `<text class="today-label" x="%s" y="%s" text-anchor="middle">%s %s</text>`, num(x(now)), num(top-3),
		t("credit.today"), strconv.Itoa(v.Score))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
