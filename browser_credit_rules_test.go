package main

// Browser test of the scoring standards 记分标准 (issue 6): the sysadmin
// opens them from the menu, filters to penalties, opens JG-K-001, changes
// its suggested score with a note (a score beyond the maximum is named on
// its field first) and finds version 2 in the rule's history; the same in
// English.
//
//	go test -race -run 'BrowserCreditRules' -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserCreditRules -v .   (also writes docs/screenshots/credit-rules.png and credit-rules-rule-en.png;
//	ANJU_SCREENSHOTS_FULL=DIR adds the form, the Chinese rule page and the English list there, for review)

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anju/app"
)

func TestBrowserCreditRules(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 900, false)
	shots := os.Getenv("ANJU_SCREENSHOTS") == "1"

	b.signIn("gov", "sysadmin", app.DemoPassword)
	b.submit(`nav.sidenav a[href="/gov/credit/rules"]`)
	b.expectHeading(msg(t, zh, "creditrule.list_title"))
	b.expectText("JG-J-001", "JG-K-001")

	// Penalties only.
	b.choose("type", "penalty")
	b.submit(`form.filters button[type=submit]`)
	b.expectText("JG-K-001", msg(t, zh, "creditrule.type.penalty"))
	b.expectNoText("JG-J-001")
	if shots {
		b.screenshot(filepath.Join("docs", "screenshots", "credit-rules.png"), false)
	}

	// 查看 on the row of JG-K-001.
	href := eval[string](b, `(() => {
		for (const tr of document.querySelectorAll("table.rules tbody tr")) {
			const code = tr.querySelector("code");
			if (code && code.innerText === "JG-K-001") return tr.querySelector("a").getAttribute("href");
		}
		return "";
	})()`)
	if href == "" {
		b.fatalf("no row for JG-K-001:\n%s", excerpt(b.text()))
	}
	b.submit(`table.rules a[href="` + href + `"]`)
	b.expectPath(href)
	b.expectText("发布未经核验或核验码失效的房源信息", msg(t, zh, "creditrule.version_n", 1), msg(t, zh, "creditrule.history_seeded"))

	// Edit: a score beyond the maximum is named beside its field and the
	// note typed is kept; then a score within bounds is saved.
	b.submit(`a[href="` + href + `/edit"]`)
	b.expectHeading(msg(t, zh, "creditrule.edit_title") + " JG-K-001 · " + msg(t, zh, "creditrule.version_n", 1))
	b.fill("suggested", "12")
	b.setValue("note", "依据年度考核意见提高建议分值")
	if st := b.submit(`form.form button[type=submit]`); st != 422 {
		b.fatalf("a score beyond the maximum answered %d, want 422", st)
	}
	b.expectFieldError("suggested", msg(t, zh, "creditrule.suggested_out_of_bounds"))
	if review := os.Getenv("ANJU_SCREENSHOTS_FULL"); review != "" {
		b.screenshot(filepath.Join(review, "credit-rules-form-zh.png"), true)
	}
	if got := b.value("note"); got != "依据年度考核意见提高建议分值" {
		b.fatalf("the note typed was lost: %q", got)
	}
	b.fill("suggested", "8")
	b.submit(`form.form button[type=submit]`)
	b.expectPath(href)
	b.expectText(msg(t, zh, "creditrule.updated_ok"), msg(t, zh, "creditrule.version_n", 2), "依据年度考核意见提高建议分值")
	// The history: version 2 first, with the field it changed.
	change := eval[string](b, `(() => {
		const li = document.querySelector(".rule-history > li");
		return li ? li.innerText : "";
	})()`)
	for _, want := range []string{msg(t, zh, "creditrule.version_n", 2), msg(t, zh, "creditrule.f.suggested"),
		msg(t, zh, "creditrule.points", 5), msg(t, zh, "creditrule.points", 8)} {
		if !strings.Contains(change, want) {
			b.fatalf("the newest history entry lacks %q:\n%s", want, change)
		}
	}
	review := os.Getenv("ANJU_SCREENSHOTS_FULL") // review-only shots go there
	if review != "" {
		b.screenshot(filepath.Join(review, "credit-rules-rule-zh.png"), true)
	}

	// The same page in English.
	b.switchLanguage(en)
	b.expectText(msg(t, en, "creditrule.history"), msg(t, en, "creditrule.version_n", 2), msg(t, en, "creditrule.points", 8),
		msg(t, en, "creditrule.repair_yes", 90))
	if shots {
		b.screenshot(filepath.Join("docs", "screenshots", "credit-rules-rule-en.png"), true)
	}
	b.open("/gov/credit/rules")
	b.expectHeading(msg(t, en, "creditrule.list_title"))
	b.expectText("Penalty", "Bonus", "Manual application")
	if review != "" {
		b.screenshot(filepath.Join(review, "credit-rules-en.png"), false)
	}
}
