package ui

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"anju/app"
)

// The distribution page draws its chart and map on the server as inline
// SVG: it works without script, offline and on paper. Colours and text
// styles are classes of premises.css (the CSP forbids style attributes).

// svgText escapes text for SVG element content and attribute values.
func svgText(s string) string { return template.HTMLEscapeString(s) }

// num formats a coordinate with one decimal, which is plenty at screen
// resolution and keeps a page of thousands of points small.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// premisesChart draws agencies and premises per district as horizontal
// bars (long Chinese district names read best on the left).
func (s *Server) premisesChart(lang string, rep *app.PremisesReport) template.HTML {
	if len(rep.Districts) == 0 {
		return ""
	}
	const (
		width  = 760.0
		labelW = 120.0
		valueW = 56.0
		rowH   = 34.0
		barH   = 12.0
		top    = 30.0
	)
	maxV := 1
	for _, d := range rep.Districts {
		maxV = max(maxV, d.Agencies, d.Premises)
	}
	plotW := width - labelW - valueW
	height := top + rowH*float64(len(rep.Districts)) + 8
	var b strings.Builder
	title := s.msgs.t(lang, "premises.chart_title")
	desc := s.msgs.t(lang, "premises.chart_desc", rep.Agencies, rep.Premises, len(rep.Districts))
	fmt.Fprintf(&b, `<svg class="premises-chart" viewBox="0 0 %s %s" role="img" aria-labelledby="pc-title pc-desc" xmlns="http://www.w3.org/2000/svg">`, num(width), num(height))
	fmt.Fprintf(&b, `<title id="pc-title">%s</title><desc id="pc-desc">%s</desc>`, svgText(title), svgText(desc))
	// Legend.
	fmt.Fprintf(&b, `<rect class="bar-agencies" x="%s" y="6" width="14" height="12"/><text class="chart-legend" x="%s" y="16">%s</text>`,
		num(labelW), num(labelW+20), svgText(s.msgs.t(lang, "premises.agencies")))
	fmt.Fprintf(&b, `<rect class="bar-premises" x="%s" y="6" width="14" height="12"/><text class="chart-legend" x="%s" y="16">%s</text>`,
		num(labelW+140), num(labelW+160), svgText(s.msgs.t(lang, "premises.premises")))
	for i, d := range rep.Districts {
		y := top + rowH*float64(i)
		name := s.districtName(lang, d.District)
		fmt.Fprintf(&b, `<g><title>%s</title>`, svgText(s.msgs.t(lang, "premises.chart_row", name, d.Agencies, d.Premises)))
		fmt.Fprintf(&b, `<text class="chart-label" x="%s" y="%s" text-anchor="end">%s</text>`, num(labelW-8), num(y+barH+4), svgText(name))
		for j, v := range []int{d.Agencies, d.Premises} {
			by := y + float64(j)*(barH+1)
			w := plotW * float64(v) / float64(maxV)
			cls := [...]string{"bar-agencies", "bar-premises"}[j]
			fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"/>`, cls, num(labelW), num(by), num(w), num(barH))
			fmt.Fprintf(&b, `<text class="chart-value" x="%s" y="%s">%d</text>`, num(labelW+w+4), num(by+barH-2), v)
		}
		b.WriteString(`</g>`)
	}
	fmt.Fprintf(&b, `<line class="chart-axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(labelW), num(top-4), num(labelW), num(height-6))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// mapFrame is the equirectangular projection of the map: longitudes are
// scaled by cos(latitude) at the middle of the area, so that a kilometre
// is as long east-west as north-south.
type mapFrame struct {
	minLng, maxLng, minLat, maxLat float64
	scale, k                       float64 // pixels per degree of latitude; cos(mid latitude)
	left, top, w, h                float64 // the plot area
}

func (f *mapFrame) x(lng float64) float64 { return f.left + (lng-f.minLng)*f.k*f.scale }
func (f *mapFrame) y(lat float64) float64 { return f.top + (f.maxLat-lat)*f.scale }

// fitFrame fits the points' bounding box, with a margin, into a plot area
// at most maxW × maxH pixels, widening the shorter side to fill it.
func fitFrame(points []app.PremisesPoint, left, top, maxW, maxH, minH float64) *mapFrame {
	f := &mapFrame{minLng: math.Inf(1), maxLng: math.Inf(-1), minLat: math.Inf(1), maxLat: math.Inf(-1), left: left, top: top}
	for _, p := range points {
		f.minLng, f.maxLng = min(f.minLng, p.Lng), max(f.maxLng, p.Lng)
		f.minLat, f.maxLat = min(f.minLat, p.Lat), max(f.maxLat, p.Lat)
	}
	// A margin of 6% (at least about 500 m) so that no point sits on the frame.
	mLng := max((f.maxLng-f.minLng)*0.06, 0.005)
	mLat := max((f.maxLat-f.minLat)*0.06, 0.005)
	f.minLng, f.maxLng, f.minLat, f.maxLat = f.minLng-mLng, f.maxLng+mLng, f.minLat-mLat, f.maxLat+mLat
	f.k = math.Cos((f.minLat + f.maxLat) / 2 * math.Pi / 180)
	spanX := (f.maxLng - f.minLng) * f.k
	spanY := f.maxLat - f.minLat
	f.scale = min(maxW/spanX, maxH/spanY)
	f.w, f.h = maxW, max(minH, spanY*f.scale)
	// Widen the ranges around their centres to the plot area.
	cLng, cLat := (f.minLng+f.maxLng)/2, (f.minLat+f.maxLat)/2
	halfLng, halfLat := f.w/f.scale/f.k/2, f.h/f.scale/2
	f.minLng, f.maxLng, f.minLat, f.maxLat = cLng-halfLng, cLng+halfLng, cLat-halfLat, cLat+halfLat
	return f
}

// gridStep is a round step giving at most about n grid lines over span degrees.
func gridStep(span float64, n int) float64 {
	for _, s := range []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 45} {
		if span/s <= float64(n) {
			return s
		}
	}
	return 90
}

// degLabel formats a grid line's degree with a hemisphere letter.
func degLabel(v, step float64, pos, neg string) string {
	decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	h := pos
	if v < 0 {
		v, h = -v, neg
	}
	return strconv.FormatFloat(v, 'f', decimals, 64) + "°" + h
}

// premisesMapSVG plots the points: each a link to its agency with a
// tooltip, coloured by agency type (hollow when cancelled), on a light
// degree grid, with each district's name at the centroid of its points.
// It returns the SVG, the agency types present (for the legend) and
// whether hollow (cancelled) points occur.
func (s *Server) premisesMapSVG(lang string, rep *app.PremisesReport) (template.HTML, []string, bool) {
	if len(rep.Points) == 0 {
		return "", nil, false
	}
	const (
		width  = 960.0
		left   = 64.0
		right  = 12.0
		top    = 12.0
		bottom = 30.0
	)
	f := fitFrame(rep.Points, left, top, width-left-right, 680, 320)
	height := top + f.h + bottom
	var b strings.Builder
	b.Grow(len(rep.Points)*180 + 4096)
	fmt.Fprintf(&b, `<svg class="premises-map" viewBox="0 0 %s %s" role="group" aria-labelledby="pm-title pm-desc" xmlns="http://www.w3.org/2000/svg">`, num(width), num(height))
	fmt.Fprintf(&b, `<title id="pm-title">%s</title><desc id="pm-desc">%s</desc>`,
		svgText(s.msgs.t(lang, "premises.map_title")), svgText(s.msgs.t(lang, "premises.map_desc", len(rep.Points))))
	fmt.Fprintf(&b, `<rect class="map-bg" x="%s" y="%s" width="%s" height="%s"/>`, num(f.left), num(f.top), num(f.w), num(f.h))

	// Grid with degree labels: meridians below, parallels on the left.
	b.WriteString(`<g class="map-grid">`)
	step := gridStep((f.maxLng - f.minLng), 8)
	for v := math.Ceil(f.minLng/step) * step; v <= f.maxLng; v += step {
		x := f.x(v)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/><text class="map-tick" x="%s" y="%s" text-anchor="middle">%s</text>`,
			num(x), num(f.top), num(x), num(f.top+f.h), num(x), num(f.top+f.h+18), degLabel(v, step, "E", "W"))
	}
	step = gridStep(f.maxLat-f.minLat, 8)
	for v := math.Ceil(f.minLat/step) * step; v <= f.maxLat; v += step {
		y := f.y(v)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/><text class="map-tick" x="%s" y="%s" text-anchor="end">%s</text>`,
			num(f.left), num(y), num(f.left+f.w), num(y), num(f.left-6), num(y+4), degLabel(v, step, "N", "S"))
	}
	b.WriteString(`</g>`)

	// Points, then district names above them.
	type centroid struct{ x, y, n float64 }
	centres := map[string]*centroid{}
	var districts []string
	types := map[string]bool{}
	hollow := false
	b.WriteString(`<g class="map-points">`)
	for i := range rep.Points {
		p := &rep.Points[i]
		x, y := f.x(p.Lng), f.y(p.Lat)
		cls := "pt-" + p.AgencyType
		if p.Status == app.AgencyCancelled {
			cls += " pt-cancelled"
			hollow = true
		}
		types[p.AgencyType] = true
		fmt.Fprintf(&b, `<a href="%s"><circle class="%s" cx="%s" cy="%s" r="4"><title>%s · %s</title></circle></a>`,
			agencyLink(p.AgencyID, p.Visible), svgText(cls), num(x), num(y), svgText(p.AgencyName), svgText(p.Premises))
		c := centres[p.District]
		if c == nil {
			c = &centroid{}
			centres[p.District] = c
			districts = append(districts, p.District)
		}
		c.x, c.y, c.n = c.x+x, c.y+y, c.n+1
	}
	b.WriteString(`</g><g class="map-districts" aria-hidden="true">`)
	slices.Sort(districts)
	for _, d := range districts {
		c := centres[d]
		// Just above the centroid, so that the name hides fewer points.
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(c.x/c.n), num(c.y/c.n-8), svgText(s.districtName(lang, d)))
	}
	b.WriteString(`</g></svg>`)
	var legend []string
	for _, t := range app.AgencyTypes {
		if types[t] {
			legend = append(legend, t)
		}
	}
	return template.HTML(b.String()), legend, hollow
}
