package main

// Browser test of credit (信用管理, issue 6): a clerk files a penalty from
// an agency's credit page, a reviewer approves it, the agency sees it with
// its rule on its credit page and objects, the reviewer withdraws it and
// the agency's score is back.
//
//	go test -run 'BrowserCredit' -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserCredit -v .   (also writes docs/screenshots/credit-*.png)

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBrowserCreditPenaltyObjection(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 900, false)
	pdf := filepath.Join(t.TempDir(), "检查记录.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	score := regexp.MustCompile(`class="score-number">(\d+)<`)
	scoreNow := func() string {
		m := score.FindStringSubmatch(eval[string](b, `document.body.innerHTML`))
		if m == nil {
			b.fatalf("no score on %s", b.path())
		}
		return m[1]
	}

	// The agency's score before.
	b.signIn("agency", "anju.admin", "AnjuDemo2026")
	b.open("/agency/credit")
	before := scoreNow()
	b.signOut()
	publicLevel := func(level string) {
		b.t.Helper()
		b.open("/agencies?q=" + "北京安居房地产经纪")
		b.open(eval[string](b, `document.querySelector('a[href^="/agencies/"]:not([href="/agencies/apply"])').getAttribute("href")`))
		b.expectText(msg(t, zh, "credit.public_level", level))
	}
	publicLevel("A")

	// The clerk finds the agency and files a penalty.
	b.signIn("gov", "clerk", "AnjuDemo2026")
	b.open("/gov/credit?q=" + "北京安居")
	b.open(eval[string](b, `document.querySelector('table.list a[href^="/gov/credit/agency/"]').getAttribute("href")`))
	b.expectText(msg(t, zh, "credit.explain_title"))
	creditShot(b, "credit-page.png")
	b.open(eval[string](b, `document.querySelector('a[href^="/gov/credit/applications/new"]').getAttribute("href")`))
	ok := eval[bool](b, `(() => { const s = document.getElementById("rule"); for (const o of s.options) { if (o.text.startsWith("JG-K-006")) { s.value = o.value; return true } } return false })()`)
	if !ok {
		b.fatalf("rule JG-K-006 is not offered")
	}
	b.setDate("event_date", time.Now().AddDate(0, 0, -2))
	b.setValue("facts", "以公司账户代收两户承租人租金，逾期未转付出租人，经调查属实。")
	b.fill("score", "16")
	b.upload("#docs", pdf)
	if st := b.submit(`form[action="/gov/credit/applications/new"] button[type=submit]`); st != 422 {
		b.fatalf("a changed score without a reason answered %d", st)
	}
	b.expectText(msg(t, zh, "credit.score_reason_required"))
	creditShot(b, "credit-apply-error.png")
	if v := eval[string](b, `document.getElementById("facts").value`); !strings.Contains(v, "代收两户") {
		b.fatalf("the facts were lost: %q", v)
	}
	b.fill("score_reason", "涉及两户承租人")
	b.upload("#docs", pdf)
	b.submit(`form[action="/gov/credit/applications/new"] button[type=submit]`)
	b.expectText(msg(t, zh, "credit.filed_ok"))
	appPath := b.path()
	b.signOut()

	// The reviewer approves.
	b.signIn("gov", "reviewer", "AnjuDemo2026")
	b.open(appPath)
	b.fill("note", "事实清楚")
	b.submit(`form[action$="/approve"] button[type=submit]`)
	b.expectText(msg(t, zh, "credit.approved_ok"))
	recPath := b.path()
	b.signOut()
	publicLevel("B") // 95 - 16

	// The agency sees the record with its rule and objects.
	b.signIn("agency", "anju.admin", "AnjuDemo2026")
	b.open("/agency/credit")
	b.expectText("JG-K-006", "-16")
	after := scoreNow()
	if after == before {
		b.fatalf("score unchanged at %s after a -16 penalty", after)
	}
	creditShot(b, "credit-agency.png")
	b.open(strings.Replace(recPath, "/gov/", "/agency/", 1))
	b.expectText(msg(t, zh, "credit.object_title"))
	b.setValue("reason", "押金已于投诉前退还，附银行转账凭证。")
	b.upload("#docs", pdf)
	b.submit(`form[action$="/request"] button[type=submit]`)
	b.expectText(msg(t, zh, "credit.request_ok.objection"))
	b.signOut()

	// The reviewer upholds the objection: the record is withdrawn.
	b.signIn("gov", "reviewer", "AnjuDemo2026")
	b.open("/gov/credit/applications")
	b.expectText(msg(t, zh, "credit.requests_title"))
	creditShot(b, "credit-queue.png")
	b.open(recPath)
	creditShot(b, "credit-record-objection.png")
	b.open(recPath)
	b.setValue("decision", "转账凭证属实，撤销记分。")
	b.submit(`button[name=accept][value="1"]`)
	b.expectText(msg(t, zh, "credit.rec_status.withdrawn"))
	b.signOut()

	b.signIn("agency", "anju.admin", "AnjuDemo2026")
	b.open("/agency/credit")
	if got := scoreNow(); got != before {
		b.fatalf("score %s after the withdrawal, want %s", got, before)
	}
	b.signOut()
	publicLevel("A")
	creditShot(b, "credit-public.png")
	b.signIn("agency", "anju.admin", "AnjuDemo2026")
	// English.
	b.switchLanguage("en")
	b.open("/agency/credit")
	b.expectText("Why this score", "Score over time")
	creditShot(b, "credit-agency-en.png")
}

// creditShot writes a screenshot when ANJU_SCREENSHOTS=1, and always one
// into the test's log folder for a look.
func creditShot(b *browser, name string) {
	if os.Getenv("ANJU_SCREENSHOTS") == "1" {
		b.screenshot(filepath.Join("docs", "screenshots", name), true)
	}
	if dir := os.Getenv("ANJU_SHOTS_DIR"); dir != "" {
		b.screenshot(filepath.Join(dir, name), true)
	}
}
