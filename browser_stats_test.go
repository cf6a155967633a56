package main

// Browser test of the statistics page's charts (统计分析) on a phone and on
// a desktop: every label of every chart reads at 10 px or more, stays inside
// its chart and overlaps no other label, in Chinese and in English, by
// year and by month.
//
//	go test -run 'BrowserStatsCharts' -count=1 -v .

import (
	"testing"

	"anju/app"
)

// chartLabels measures the labels of the charts shown: how many charts,
// the smallest label's font size in CSS pixels as drawn (the SVG's own
// size times its scale), and the labels that leave their chart or overlap
// another, by their text.
const chartLabels = `(() => {
  const out = {charts: 0, smallest: 1000, outside: [], overlaps: []};
  for (const svg of document.querySelectorAll('svg.stats-chart')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;
    out.charts++;
    const scale = box.width / svg.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll('text.axis')];
    const rects = texts.map(t => t.getBoundingClientRect());
    texts.forEach((t, i) => {
      out.smallest = Math.min(out.smallest, parseFloat(getComputedStyle(t).fontSize) * scale);
      const r = rects[i];
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) out.outside.push(t.textContent);
      for (let j = 0; j < i; j++) {
        const q = rects[j];
        if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) out.overlaps.push(texts[j].textContent + ' / ' + t.textContent);
      }
    });
  }
  out.smallest = Math.round(out.smallest * 10) / 10;
  return out;
})()`

type chartMeasure struct {
	Charts   int      `json:"charts"`
	Smallest float64  `json:"smallest"`
	Outside  []string `json:"outside"`
	Overlaps []string `json:"overlaps"`
}

func TestBrowserStatsChartsReadable(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.signIn("gov", "leader", app.DemoPassword)
	for _, size := range []struct {
		name   string
		w, h   int64
		mobile bool
	}{{"phone", 390, 844, true}, {"desktop", 1280, 900, false}} {
		b.viewport(size.w, size.h, size.mobile)
		for _, lang := range []string{zh, en} {
			b.switchLanguage(lang)
			// The year by month (and the city by district), and one
			// district's month by day: 30 labels under the bars.
			for _, page := range []string{"/gov/stats", "/gov/stats?year=2026&month=11&district=110105"} {
				if st := b.open(page); st != 200 {
					b.fatalf("%s answered %d", page, st)
				}
				m := eval[chartMeasure](b, chartLabels)
				if m.Charts < 2 || m.Smallest < 10 || len(m.Outside) > 0 || len(m.Overlaps) > 0 {
					t.Errorf("%s, %s, %s: %d charts, smallest label %.1f px (want 10 or more), outside their chart %q, overlapping %q",
						size.name, lang, page, m.Charts, m.Smallest, m.Outside, m.Overlaps)
				}
			}
		}
	}
}
