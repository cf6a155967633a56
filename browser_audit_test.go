package main

// Browser test of the audit log (审计日志) on a phone: the page, its filter
// form included, fits a 390-px screen in Chinese and in English, without
// scrolling sideways.
//
//	go test -run 'BrowserAuditLogOnPhone' -count=1 -v .

import (
	"testing"

	"anju/app"
)

// overflow lists what sticks out of the page's width on the right, by tag,
// id and right edge; the page's own width comes first.
const overflow = `(() => {
  const w = document.documentElement.clientWidth;
  const out = [String(document.documentElement.scrollWidth) + ' > ' + w];
  if (document.documentElement.scrollWidth <= w) return [];
  for (const e of document.querySelectorAll('main *')) {
    const r = e.getBoundingClientRect();
    if (r.right > w + 0.5) out.push(e.tagName + '#' + e.id + ' ' + Math.round(r.right));
  }
  return out.slice(0, 6);
})()`

func TestBrowserAuditLogOnPhone(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.signIn("gov", "sysadmin", app.DemoPassword)
	b.viewport(390, 844, true)
	for _, lang := range []string{zh, en} {
		b.switchLanguage(lang)
		if st := b.open("/gov/admin/audit"); st != 200 {
			b.fatalf("/gov/admin/audit answered %d", st)
		}
		if out := eval[[]string](b, overflow); len(out) > 0 {
			t.Errorf("%s: the audit log is wider than a 390-px phone: %q", lang, out)
		}
	}
}
