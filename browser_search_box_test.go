package main

// Browser test of the lists' search box: at a desktop's width its
// placeholder, which names what the box searches, is read whole, in Chinese
// and in English.
//
//	go test -run 'BrowserSearchBoxPlaceholderFits' -count=1 -v .

import (
	"testing"

	"anju/app"
)

// placeholderCut is how many pixels of the search box's placeholder do not
// fit inside the box (0 when it fits).
const placeholderCut = `(() => {
  const i = document.querySelector('.filters input[name=q]');
  if (!i) return -1;
  const s = getComputedStyle(i);
  const c = document.createElement('canvas').getContext('2d');
  c.font = s.font;
  const room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  return Math.max(0, Math.ceil(c.measureText(i.placeholder).width - room));
})()`

func TestBrowserSearchBoxPlaceholderFits(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 900, false)
	for _, c := range []struct {
		portal, user string
		paths        []string
	}{
		{"gov", "sysadmin", []string{"/gov/admin/users"}},
		{"gov", "clerk", []string{"/gov/verifications", "/gov/contracts", "/gov/filings", "/gov/agencies", "/gov/practitioners",
			"/gov/credit", "/gov/credit/rules", "/gov/lists", "/gov/announcements"}},
		{"agency", "agent.zhang", []string{"/agency/verifications", "/agency/contracts", "/agency/filings"}},
	} {
		b.signIn(c.portal, c.user, app.DemoPassword)
		for _, lang := range []string{zh, en} {
			b.switchLanguage(lang)
			for _, path := range c.paths {
				if st := b.open(path); st != 200 {
					b.fatalf("%s answered %d", path, st)
				}
				if cut := eval[float64](b, placeholderCut); cut != 0 {
					t.Errorf("%s %s: the search box's placeholder is %v px too long for the box (-1: no box)", lang, path, cut)
				}
			}
		}
		b.signOut()
	}
}
