package main

// Browser test of agency filing (机构备案, issue 4), the flow: a
// clerk files an agency step by step, a reviewer approves it, the clerk
// prints the account notice, the new agency admin signs in with the
// initial password, changes it, creates an agent and adds a practitioner,
// and the public directory finds the agency by one Chinese character.
//
//	go test -race -run 'BrowserAgencyFiling' -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserAgencyFiling -v .   (also writes docs/screenshots/agency-*.png)

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anju/app"
)

// agencyShot writes a screenshot when ANJU_SCREENSHOTS=1.
func agencyShot(b *browser, name string) {
	if os.Getenv("ANJU_SCREENSHOTS") == "1" {
		b.screenshot(filepath.Join("docs", "screenshots", name), false)
	}
}

func TestBrowserAgencyFiling(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 900, false)
	const name = "北京鹭岛房地产经纪有限公司"
	const uscc = "91110105MA01LD0J36" // checksum-valid (GB 32100-2015)
	if err := app.CheckUSCC(uscc); err != nil {
		t.Fatalf("test credit code %s: %v", uscc, err)
	}

	// The clerk enters the filing; a mistake is named next to its field.
	b.signIn("gov", "clerk", app.DemoPassword)
	b.expectPath("/gov/")
	b.open("/gov/agencies/new")
	b.expectText(msg(t, zh, "agency.filing_title"), msg(t, zh, "agency.step1"))
	b.fill("name", name)
	b.fill("uscc", uscc[:17]+"0")
	b.choose("type", "broker")
	b.fill("legal_rep", "白露")
	b.fill("legal_rep_id_no", "110105198506150022")
	b.choose("district", "110105")
	b.fill("address", "北京市朝阳区东三环北路38号")
	b.fill("contact", "白露")
	b.fill("contact_mobile", "13812340000")
	if st := b.submit(`button[name=go][value=next]`); st != 422 {
		t.Fatalf("a wrong credit code answered %d, want 422", st)
	}
	b.expectFieldError("uscc", msg(t, zh, "uscc.checksum"))
	if got := b.value("name"); got != name {
		t.Fatalf("after the error the name field holds %q", got)
	}
	b.fill("uscc", uscc)
	b.submit(`button[name=go][value=next]`)
	if !strings.HasSuffix(b.path(), "/step/2") {
		b.fatalf("after step 1 the page is %s", b.path())
	}
	b.fillSel(`[id="premises.0.name"]`, "鹭岛门店")
	b.fillSel(`[id="premises.0.address"]`, "北京市朝阳区东三环北路38号底商")
	b.choose("premises.0.district", "110105")
	b.fillSel(`[id="premises.0.lng"]`, "116.4612")
	b.fillSel(`[id="premises.0.lat"]`, "39.9387")
	b.submit(`button[name=go][value=next]`)
	if !strings.HasSuffix(b.path(), "/step/3") {
		b.fatalf("after step 2 the page is %s", b.path())
	}
	licence := filepath.Join(t.TempDir(), "营业执照.png")
	if err := os.WriteFile(licence, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR licence"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#licence"), []string{licence})); err != nil {
		b.fatalf("choose the licence file: %v", err)
	}
	b.submit(`button[name=go][value=next]`)
	if !strings.HasSuffix(b.path(), "/step/4") {
		b.fatalf("after step 3 the page is %s", b.path())
	}
	b.expectText(name, uscc, "鹭岛门店", msg(t, zh, "agency.confirm"))
	agencyShot(b, "agency-filing-confirm.png")
	b.submit(`form[action$="/submit"] button`)
	appPage := b.path()
	b.expectText(msg(t, zh, "agency.submitted_ok"), msg(t, zh, "agency.app_status.pending"))
	b.signOut()

	// The reviewer approves it from his queue.
	b.signIn("gov", "reviewer", app.DemoPassword)
	b.open("/gov/agency-applications")
	b.expectText(name)
	b.open(appPage)
	agencyShot(b, "agency-review.png")
	b.submit(`form[action$="/approve"] button`)
	b.expectText(msg(t, zh, "agency.approved_ok.new"))
	b.signOut()

	// The clerk prints the account notice, once.
	b.signIn("gov", "clerk", app.DemoPassword)
	b.open(appPage)
	b.submit(`form[action$="/notice"] button`)
	b.expectText(msg(t, zh, "agency.notice_title"), msg(t, zh, "agency.notice_once"))
	agencyShot(b, "agency-account-notice.png")
	secrets := eval[[]string](b, `Array.from(document.querySelectorAll("code.secret")).map(e => e.textContent)`)
	if len(secrets) != 2 {
		b.fatalf("the notice shows %d secrets, want username and password", len(secrets))
	}
	username, password := secrets[0], secrets[1]
	b.signOut()

	// The new agency admin signs in with the initial password and must change it.
	b.signIn("agency", username, password)
	b.expectPath("/agency/password")
	b.changePassword(password, "Ludao-Admin-2026", "Ludao-Admin-2026")
	b.expectPath("/agency/")
	b.expectText(name)

	// He creates an agent account…
	b.open("/agency/staff/new")
	b.fill("username", "ludao.agent")
	b.fill("name", "林晓")
	b.submit(`form[action="/agency/staff"] button[type=submit]`)
	b.expectText("ludao.agent")

	// …and adds a practitioner.
	b.open("/agency/practitioners/new")
	b.fill("name", "林晓")
	b.fill("id_no", "110105199202020020")
	b.fill("mobile", "13912345678")
	b.choose("role", "broker")
	b.fill("qual_cert_no", "JJR2024110500123")
	b.submit(`form[action="/agency/practitioners"] button[type=submit]`)
	b.expectText("林晓")
	agencyShot(b, "agency-practitioner.png")
	b.signOut()

	// The public directory finds it by one Chinese character.
	b.open("/agencies?q=" + "鹭")
	b.expectText(name)
	agencyShot(b, "agency-directory.png")
}

// TestBrowserAgencyFilingEnglish: the filing form and the review queue in
// English.
func TestBrowserAgencyFilingEnglish(t *testing.T) {
	_, b := startBrowserTest(t, true, en)
	b.signIn("gov", "clerk", app.DemoPassword)
	b.open("/gov/agencies/new")
	b.expectText(msg(t, en, "agency.filing_title"), msg(t, en, "agency.uscc"), msg(t, en, "agency.next"))
	b.submit(`button[name=go][value=next]`)
	b.expectFieldError("name", msg(t, en, "agency.name_required"))
	b.open("/gov/agency-applications")
	b.expectText(msg(t, en, "agency.apps_title"), "北京恒信房地产经纪有限公司")
}
