package ui

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// The statistics page (统计分析): a year by month or a month by day, and by
// district, for government users who see verifications or contracts; as a
// chart, a table, and a CSV file for Excel.

func (s *Server) registerStatsRoutes(r *mux.Router) {
	// Permission: the figures a reader sees are those of the lists he may
	// open (app.Statistics); the portal's sign-in is the route's gate.
	r.HandleFunc("/gov/stats", s.requireAuth(app.PortalGov, "", s.handleStats)).Methods("GET")
}

// statsData is the page.
type statsData struct {
	S         app.Stats
	Years     []int
	Choices   []*app.DictEntry // districts the reader may pick (city-wide readers)
	Chart     template.HTML
	CSV       string // the same query as a CSV download
	Months    []statsMonth
	Rows      []statsLine // the periods
	Districts []statsLine // the whole period by district
	// Rent monitoring (nil without contracts): by month of a year, by
	// district, and the whole scope.
	RentRows      []rentLine
	RentDistricts []rentLine
	RentTotal     *rentLine
	RentChart     template.HTML
	// What waits for review now (stats_backlog.go).
	Backlog      []backlogLine
	BacklogChart template.HTML
	AgeLabels    []string
}

// rentLine is a row of the rent table, its figures formatted ("—" where
// there is no lease to measure).
type rentLine struct {
	Label                  string
	Whole, Shared          int
	PerM2Median, PerM2Mean string
	LeaseMedian            string
}

func newRentLine(label string, f app.RentFigures) rentLine {
	money := func(v float64, n int, decimals int) string {
		if n == 0 {
			return "—"
		}
		return strconv.FormatFloat(v, 'f', decimals, 64)
	}
	return rentLine{Label: label, Whole: f.Whole, Shared: f.Shared,
		PerM2Median: money(f.PerM2Median, f.Whole, 2), PerM2Mean: money(f.PerM2Mean, f.Whole, 2),
		LeaseMedian: money(f.LeaseMedian, f.Shared, 0)}
}

// rentLines fills d's rent rows from st.
func (s *Server) rentLines(lang string, st app.Stats, d *statsData) {
	if st.Rent == nil {
		return
	}
	for _, r := range st.Rent.Months {
		d.RentRows = append(d.RentRows, newRentLine(formatMonth(lang, r.Start), r.RentFigures))
	}
	for _, r := range st.Rent.Districts {
		d.RentDistricts = append(d.RentDistricts, newRentLine(s.districtName(lang, r.District), r.RentFigures))
	}
	total := newRentLine(s.msgs.t(lang, "stats.total"), st.Rent.Total)
	d.RentTotal = &total
	// The chart compares the districts, or, for one district, its months.
	rows := st.Rent.Districts
	label := func(r app.RentRow) string { return s.districtName(lang, r.District) }
	if len(rows) < 2 {
		rows = st.Rent.Months
		label = func(r app.RentRow) string { return formatMonth(lang, r.Start) }
	}
	d.RentChart = bothWidths(func(narrow bool) string { return s.rentChart(lang, rows, label, narrow) })
}

// bothWidths draws a chart twice: for a page's width and, class "narrow",
// for a phone's, which app.css shows in its place below 640 px. An SVG
// scales its text with it: the wide drawing's 11-unit labels shrink to
// 5 px on a 390-px phone, so the narrow one is drawn about as wide as the
// phone (340 units), with its labels where they fit.
func bothWidths(draw func(narrow bool) string) template.HTML {
	wide := draw(false)
	if wide == "" {
		return ""
	}
	return template.HTML(wide + draw(true))
}

// chartOpen starts a chart's svg: its class (narrow or not, for app.css),
// its size and its title, whose id differs between the two drawings.
func chartOpen(b *strings.Builder, id string, narrow bool, width, height float64, title string) {
	class := "stats-chart"
	if narrow {
		class, id = class+" narrow", id+"-n"
	}
	fmt.Fprintf(b, `<svg class="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s" xmlns="http://www.w3.org/2000/svg">`, class, num(width), num(height), id)
	fmt.Fprintf(b, `<title id="%s">%s</title>`, id, svgText(title))
}

// hbars places the rows of a horizontal bar chart: on a wide chart each
// label left of its bar (labelW units) and the figure after it; on a
// narrow one the label above the bar and the figure at the end of the
// label's line, so that the bars keep the whole width of a phone and long
// labels (a queue's name in English) need not share it.
type hbars struct {
	narrow                     bool
	width, left, right, line   float64
	labelX, labelDY, barDY, bh float64 // within a row: the label's baseline, the bar's top and height
}

func newHBars(narrow bool, labelW, line float64) hbars {
	if narrow {
		return hbars{narrow: true, width: 340, line: 36, labelDY: 14, barDY: 19, bh: 13}
	}
	return hbars{width: 760, left: labelW, right: 60, line: line, labelX: labelW - 6, labelDY: line/2 + 4, barDY: 3, bh: line - 6}
}

func (h hbars) height(rows int) float64 { return h.line*float64(rows) + 8 }

// span is the length of a bar for a share of the largest.
func (h hbars) span(share float64) float64 { return (h.width - h.left - h.right) * share }

// label writes row i's label and returns the top of its bar.
func (h hbars) label(b *strings.Builder, i int, text string) float64 {
	y := 4 + h.line*float64(i)
	anchor := "end"
	if h.narrow {
		anchor = "start"
	}
	fmt.Fprintf(b, `<text class="axis" x="%s" y="%s" text-anchor="%s">%s</text>`, num(h.labelX), num(y+h.labelDY), anchor, svgText(text))
	return y + h.barDY
}

// value writes the figure of a bar ending at x whose top is y.
func (h hbars) value(b *strings.Builder, x, y float64, text string) {
	if h.narrow {
		fmt.Fprintf(b, `<text class="axis" x="%s" y="%s" text-anchor="end">%s</text>`, num(h.width), num(y-h.barDY+h.labelDY), svgText(text))
		return
	}
	fmt.Fprintf(b, `<text class="axis" x="%s" y="%s">%s</text>`, num(x+4), num(y+h.bh/2+4), svgText(text))
}

// rentChart draws each row's median rent per m² of whole flats as a
// horizontal bar, its figure at the end; rows without a lease are left
// out.
func (s *Server) rentChart(lang string, rows []app.RentRow, label func(app.RentRow) string, narrow bool) string {
	var top float64
	var shown []app.RentRow
	for _, r := range rows {
		if r.Whole > 0 {
			shown = append(shown, r)
			top = max(top, r.PerM2Median)
		}
	}
	if len(shown) < 2 {
		return ""
	}
	h := newHBars(narrow, 110, 22)
	var b strings.Builder
	chartOpen(&b, "rent-title", narrow, h.width, h.height(len(shown)), s.msgs.t(lang, "stats.rent_chart"))
	for i, r := range shown {
		y := h.label(&b, i, label(r))
		w := h.span(r.PerM2Median / top)
		fmt.Fprintf(&b, `<rect class="bar bar-rent" x="%s" y="%s" width="%s" height="%s"/>`, num(h.left), num(y), num(max(w, 1)), num(h.bh))
		h.value(&b, h.left+w, y, strconv.FormatFloat(r.PerM2Median, 'f', 2, 64))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// statsMonth is a choice of the month select.
type statsMonth struct {
	N     int
	Label string
}

// statsLine is a row of a table: its label and a cell per kind, each
// linking to the list of what it counts when there is one.
type statsLine struct {
	Label string
	Cells []statsCell
}

type statsCell struct {
	Kind  string
	Count int
	Link  string
}

// statsLines makes the table rows: label names a row, and from, to its
// period (to exclusive).
func statsLines(st app.Stats, rows []app.StatsRow, label func(app.StatsRow) string, period func(i int) (time.Time, time.Time)) []statsLine {
	var out []statsLine
	for i, row := range rows {
		l := statsLine{Label: label(row)}
		from, to := period(i)
		district := row.District
		if district == "" {
			district = st.Query.District
		}
		for _, k := range st.Kinds {
			l.Cells = append(l.Cells, statsCell{Kind: k, Count: row.Counts[k], Link: statsListLink(k, from, to, district)})
		}
		out = append(out, l)
	}
	return out
}

// statsListLink is the list that shows what a cell counts: its filter of
// dates (to inclusive) and district. Approvals have no such list.
func statsListLink(kind string, from, to time.Time, district string) string {
	list := map[string]string{"verified": "/gov/verifications", "signed": "/gov/contracts", "applied": "/gov/filings"}[kind]
	if list == "" {
		return ""
	}
	v := url.Values{"from": {from.Format(time.DateOnly)}, "to": {to.AddDate(0, 0, -1).Format(time.DateOnly)}}
	if district != "" {
		v.Set("district", district)
	}
	q := v.Encode()
	if kind == "applied" {
		q = "status=&" + q // every status: a reviewer's list opens on those pending
	}
	return list + "?" + q
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	q := r.URL.Query()
	sq := app.StatsQuery{District: q.Get("district")}
	sq.Year, _ = strconv.Atoi(q.Get("year"))
	sq.Month, _ = strconv.Atoi(q.Get("month"))
	st, err := s.app.Statistics(actor, sq)
	status, errs := http.StatusOK, map[string]string(nil)
	if e, ok := app.AsError(err); ok && e.Code == app.EINVALID {
		// A district typed into the address that does not exist: the page
		// of the whole scope, with the message beside the district's box.
		status, errs = http.StatusUnprocessableEntity, e.Fields
		sq.District = ""
		st, err = s.app.Statistics(actor, sq)
	}
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	lang := pickLang(r, actor.Lang)
	if q.Get("format") == "csv" {
		s.writeStatsCSV(w, lang, st)
		return
	}
	form := map[string][]string{"year": {strconv.Itoa(st.Query.Year)}, "month": {strconv.Itoa(st.Query.Month)}, "district": {st.Query.District}}
	d := statsData{S: st, Chart: bothWidths(func(narrow bool) string { return s.statsChart(lang, st, narrow) })}
	for y := time.Now().Year(); y >= time.Now().Year()-4; y-- {
		d.Years = append(d.Years, y)
	}
	for m := 1; m <= 12; m++ {
		name := time.Month(m).String()
		if lang == langZH {
			name = strconv.Itoa(m) + "月"
		}
		d.Months = append(d.Months, statsMonth{N: m, Label: s.msgs.t(lang, "stats.month_n", name)})
	}
	if actor.District == "" {
		d.Choices = s.enabledDistricts()
	}
	d.Rows = statsLines(st, st.Rows, func(row app.StatsRow) string { return statsPeriod(lang, st, row) }, func(i int) (time.Time, time.Time) {
		if i+1 < len(st.Rows) {
			return st.Rows[i].Start, st.Rows[i+1].Start
		}
		return st.Rows[i].Start, st.To
	})
	d.Districts = statsLines(st, st.Districts, func(row app.StatsRow) string { return s.districtName(lang, row.District) },
		func(int) (time.Time, time.Time) { return st.From, st.To })
	s.rentLines(lang, st, &d)
	d.Backlog = s.backlogLines(lang, st)
	d.BacklogChart = bothWidths(func(narrow bool) string { return s.backlogChart(lang, d.Backlog, narrow) })
	d.AgeLabels = s.backlogAgeLabels(lang)
	d.CSV = fmt.Sprintf("/gov/stats?year=%d&month=%d&district=%s&format=csv", st.Query.Year, st.Query.Month, st.Query.District)
	s.render(w, r, status, "stats", &view{Title: "stats.title", Nav: "stats", Form: form, Data: d, Errors: errs})
}

// statsPeriod names a row's period: a month of the year, or a day.
func statsPeriod(lang string, st app.Stats, row app.StatsRow) string {
	if st.Query.Month == 0 {
		return formatMonth(lang, row.Start)
	}
	return formatDate(lang, row.Start)
}

// writeStatsCSV writes the table (UTF-8 with BOM, for Excel): the periods,
// a total, then the districts.
func (s *Server) writeStatsCSV(w http.ResponseWriter, lang string, st app.Stats) {
	name := fmt.Sprintf("anju-stats-%d", st.Query.Year)
	if st.Query.Month != 0 {
		name += fmt.Sprintf("-%02d", st.Query.Month)
	}
	if st.Query.District != "" {
		name += "-" + st.Query.District
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := []string{s.msgs.t(lang, "stats.period")}
	for _, k := range st.Kinds {
		header = append(header, s.msgs.t(lang, "stats.kind."+k))
	}
	_ = cw.Write(header)
	line := func(label string, counts map[string]int) {
		rec := []string{label}
		for _, k := range st.Kinds {
			rec = append(rec, strconv.Itoa(counts[k]))
		}
		_ = cw.Write(rec)
	}
	for _, row := range st.Rows {
		line(statsPeriod(lang, st, row), row.Counts)
	}
	line(s.msgs.t(lang, "stats.total"), st.Totals)
	_ = cw.Write(nil)
	header[0] = s.msgs.t(lang, "stats.district")
	_ = cw.Write(header)
	for _, row := range st.Districts {
		line(s.districtName(lang, row.District), row.Counts)
	}
	var d statsData
	s.rentLines(lang, st, &d)
	if d.RentTotal != nil {
		_ = cw.Write(nil)
		_ = cw.Write([]string{s.msgs.t(lang, "stats.rent")})
		rentHeader := func(first string) {
			_ = cw.Write([]string{first, s.msgs.t(lang, "stats.rent_whole"), s.msgs.t(lang, "stats.rent_m2_median"),
				s.msgs.t(lang, "stats.rent_m2_mean"), s.msgs.t(lang, "stats.rent_shared"), s.msgs.t(lang, "stats.rent_lease_median")})
		}
		rent := func(l rentLine) {
			_ = cw.Write([]string{l.Label, strconv.Itoa(l.Whole), l.PerM2Median, l.PerM2Mean, strconv.Itoa(l.Shared), l.LeaseMedian})
		}
		if len(d.RentRows) > 0 {
			rentHeader(s.msgs.t(lang, "stats.period"))
			for _, l := range d.RentRows {
				rent(l)
			}
			rent(*d.RentTotal)
		}
		rentHeader(s.msgs.t(lang, "stats.district"))
		for _, l := range d.RentDistricts {
			rent(l)
		}
	}
	if lines := s.backlogLines(lang, st); len(lines) > 0 {
		_ = cw.Write(nil)
		_ = cw.Write([]string{s.msgs.t(lang, "stats.backlog")})
		head := []string{s.msgs.t(lang, "stats.backlog_item"), s.msgs.t(lang, "stats.backlog_count")}
		head = append(append(head, s.backlogAgeLabels(lang)...), s.msgs.t(lang, "stats.backlog_oldest"))
		_ = cw.Write(head)
		for _, l := range lines {
			rec := []string{l.Label, strconv.Itoa(l.Count)}
			for _, n := range l.Ages {
				rec = append(rec, strconv.Itoa(n))
			}
			_ = cw.Write(append(rec, l.Oldest))
		}
	}
	// The page's last table, agencies by credit level, is exported too.
	if len(st.Levels) > 0 {
		_ = cw.Write(nil)
		_ = cw.Write([]string{s.msgs.t(lang, "stats.levels")})
		_ = cw.Write([]string{s.msgs.t(lang, "stats.level"), s.msgs.t(lang, "stats.agencies")})
		for _, l := range st.Levels {
			_ = cw.Write([]string{s.msgs.t(lang, "credit.level."+l.Level), strconv.Itoa(l.Count)})
		}
	}
	cw.Flush()
}

// statsChart draws the periods' counts as grouped bars, one colour per
// kind (classes of app.css: the CSP forbids style attributes), on the
// server so that it prints and needs no script. Narrow, it is drawn for a
// phone (bothWidths), and where the days of a month are too close for
// their labels, every second or third day is labelled.
func (s *Server) statsChart(lang string, st app.Stats, narrow bool) string {
	if len(st.Rows) == 0 || len(st.Kinds) == 0 {
		return ""
	}
	width, height := 760.0, 260.0
	left, right := 44.0, 8.0
	top, bottom := 12.0, 34.0
	gap, tick := 18.0, 14.0 // the least room a period's label needs (two digits and a space); its baseline below the axis
	if narrow {
		width, height, left, right, bottom, gap, tick = 340, 220, 40, 4, 30, 20, 17
	}
	scale := niceCeil(st.Max)
	slot := (width - left - right) / float64(len(st.Rows))
	bar := slot * 0.8 / float64(len(st.Kinds))
	every := max(1, int(math.Ceil(gap/slot)))
	y := func(n int) float64 { return top + (height-top-bottom)*(1-float64(n)/float64(scale)) }
	t := func(key string, args ...any) string { return svgText(s.msgs.t(lang, key, args...)) }
	var b strings.Builder
	chartOpen(&b, "st-title", narrow, width, height, s.msgs.t(lang, "stats.chart_title"))
	for _, n := range []int{0, scale / 2, scale} {
		fmt.Fprintf(&b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(left), num(y(n)), num(width-right), num(y(n)))
		fmt.Fprintf(&b, `<text class="axis" x="%s" y="%s" text-anchor="end">%d</text>`, num(left-4), num(y(n)+4), n)
	}
	for i, row := range st.Rows {
		x0 := left + slot*float64(i) + slot*0.1
		for j, k := range st.Kinds {
			n := row.Counts[k]
			fmt.Fprintf(&b, `<rect class="bar bar-%s" x="%s" y="%s" width="%s" height="%s"><title>%s %s: %d</title></rect>`,
				k, num(x0+bar*float64(j)), num(y(n)), num(max(bar-1, 1)), num(y(0)-y(n)),
				svgText(statsPeriod(lang, st, row)), t("stats.kind."+k), n)
		}
		if i%every != 0 {
			continue
		}
		label := strconv.Itoa(row.Start.Day())
		if st.Query.Month == 0 {
			label = strconv.Itoa(int(row.Start.Month()))
		}
		fmt.Fprintf(&b, `<text class="axis" x="%s" y="%s" text-anchor="middle">%s</text>`, num(left+slot*(float64(i)+0.5)), num(height-bottom+tick), label)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// niceCeil is a round number at least n (at least 4), for an axis.
func niceCeil(n int) int {
	if n < 4 {
		return 4
	}
	p := 1
	for p*10 < n {
		p *= 10
	}
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= n {
			return m * p
		}
	}
	return 10 * p
}
