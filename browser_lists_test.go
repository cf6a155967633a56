package main

// Browser test of the red and black lists (红黑名单, issue 6): a clerk
// proposes a demo agency for the black list, a reviewer approves it; the
// agency's admin sees the banner and is refused a new verification; the
// public black list shows the entry.
//
//	go test -run 'BrowserLists' -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserLists -v .   (also writes docs/screenshots/lists-*.png)

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/app"
)

func TestBrowserLists(t *testing.T) {
	p, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 900, false)
	shot := func(name string) {
		t.Helper()
		if os.Getenv("ANJU_SCREENSHOTS") == "1" {
			b.screenshot(filepath.Join("docs", "screenshots", name), false)
		}
	}
	const (
		agency = "北京安居房地产经纪有限公司"
		reason = "在网络平台发布未经核验的房源信息12条，经责令改正后仍未改正。"
		basis  = "《北京市住房租赁条例》第六十二条"
	)

	// The clerk proposes the agency for the black list; a missing basis
	// is named on its field and what was typed stays.
	b.signIn("gov", "clerk", app.DemoPassword)
	b.open("/gov/lists")
	b.expectHeading(msg(t, zh, "lists.title"))
	if st := b.submit(`a[href="/gov/lists/new"]`); st != 200 {
		b.fatalf("the proposal form answered %d", st)
	}
	b.expectHeading(msg(t, zh, "lists.new_title"))
	b.click(`input[name=list][value=black]`)
	b.choose("subject_kind", "agency")
	b.fill("subject", agency)
	b.setValue("reason", reason)
	b.setDate("expires", time.Now().AddDate(2, 0, 0))
	if st := b.submit(`form[action="/gov/lists/new"] button[type=submit]`); st != 422 {
		b.fatalf("the proposal without a basis answered %d, want 422", st)
	}
	b.expectFieldError("basis", msg(t, zh, "lists.basis_required"))
	if got := b.value("reason"); got != reason {
		b.fatalf("the reason typed was lost: %q", got)
	}
	b.setValue("basis", basis)
	b.submit(`form[action="/gov/lists/new"] button[type=submit]`)
	entry := b.path()
	if !regexp.MustCompile(`^/gov/lists/\d+$`).MatchString(entry) {
		b.fatalf("the proposal led to %s:\n%s", entry, excerpt(b.text()))
	}
	b.expectText(msg(t, zh, "lists.proposed_flash"), msg(t, zh, "lists.status.pending"), agency, reason)
	b.signOut()

	// The reviewer approves it.
	b.signIn("gov", "reviewer", app.DemoPassword)
	b.open(entry)
	st, asked := b.submitConfirmed(`form[action$="/approve"] button`)
	if st != 200 || asked != msg(t, zh, "lists.approve_confirm") {
		b.fatalf("approving answered %d after asking %q", st, asked)
	}
	b.expectText(msg(t, zh, "lists.approved_flash"), msg(t, zh, "lists.status.active"), msg(t, zh, "lists.event.approved"))
	shot("lists-entry-zh.png")
	b.open("/gov/lists?status=active")
	b.expectText(agency)
	shot("lists-gov-zh.png")
	b.signOut()

	// The agency's admin: the banner on every page, and a new verification
	// refused with the reason.
	b.signIn("agency", "anju.admin", app.DemoPassword)
	shown := strings.TrimSuffix(reason, "。") // the banner's sentence goes on
	b.expectText("本机构已被列入黑名单", shown, msg(t, zh, "lists.banner_blocked"))
	b.openVerifyForm(zh, "agency")
	b.expectText("本机构已被列入黑名单")
	prop := demoCertificates(t, p).clear
	b.choose("district", "110105")
	b.fillVerification(prop, prop.Owners[0].Name, prop.Owners[0].IDNo, listingOf(prop))
	if st := b.submitVerification(); st != 403 {
		b.fatalf("a blacklisted agency's verification answered %d, want 403:\n%s", st, excerpt(b.text()))
	}
	b.expectText(shown, msg(t, zh, "lists.banner_blocked"))
	b.open("/agency/")
	shot("lists-banner-zh.png")
	b.switchLanguage(en)
	b.expectText("Your agency is on the black list", shown)
	b.switchLanguage(zh)
	b.signOut()

	// The public black list, on a phone: the entry, found by credit code.
	b.clearCookies()
	b.viewport(390, 844, true)
	b.open("/lists/black")
	b.expectHeading(msg(t, zh, "lists.public_title.black"))
	b.expectText(agency, "91110105MA01ANJU13", reason, basis)
	b.fill("q", "91110105MA01ANJU13")
	b.submit(`form[action="/lists/black"] button[type=submit]`)
	b.expectText(agency, msg(t, zh, "lists.public_total", 1))
	shot("lists-public-mobile.png")
	b.switchLanguage(en)
	b.expectHeading(msg(t, en, "lists.public_title.black"))
	b.expectText(agency, reason)
	shot("lists-public-mobile-en.png")
}
