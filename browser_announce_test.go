package main

// Browser test of announcements 公告 (信息公示, issue 6): a clerk publishes
// an announcement with a PDF attachment; it appears on the public home page
// and at /announcements, in Chinese and in English, with its attachment;
// he withdraws it and it is gone, its page saying it was withdrawn.
//
//	go test -race -run 'BrowserAnnounce' -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserAnnounce -v .   (also writes docs/screenshots/announcements-*.png)

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"anju/app"
)

// announceShot writes a screenshot when ANJU_SCREENSHOTS=1.
func announceShot(b *browser, name string, full bool) {
	b.t.Helper()
	if os.Getenv("ANJU_SCREENSHOTS") == "1" {
		b.screenshot(filepath.Join("docs", "screenshots", name), full)
	}
}

func TestBrowserAnnouncePublishAndWithdraw(t *testing.T) {
	_, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 900, false)
	title := "关于住房租赁合同网签备案系统升级的通知"
	pdf := filepath.Join(t.TempDir(), "升级安排.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n% upgrade schedule\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The clerk writes it; a missing title is named beside its field and
	// the text typed is kept.
	b.signIn("gov", "clerk", app.DemoPassword)
	b.open("/gov/announcements")
	b.expectHeading(msg(t, zh, "announce.list_title"))
	b.submit(`a[href="/gov/announcements/new"].button`)
	body := "各住房租赁企业、房地产经纪机构：\n\n为提升服务能力，平台将于本周六22:00至次日6:00进行系统升级，期间暂停合同网签和备案申请，房源核验不受影响。\n\n升级安排详见附件，操作说明见 https://zjw.beijing.gov.cn/ 。"
	setText(b, "body", body)
	b.choose("category", app.AnnounceNotice)
	if st := b.submit(`button[name=go][value=release]`); st != 422 {
		b.fatalf("a form without a title answered %d, want 422", st)
	}
	b.expectFieldError("title", msg(t, zh, "announce.title_required"))
	if got := b.value("body"); got != body {
		b.fatalf("the text typed was lost: %q", got)
	}
	b.fill("title", title)
	b.click(`input[name=pinned]`)
	b.upload("#files", pdf)
	if st := b.submit(`button[name=go][value=release]`); st != 200 {
		b.fatalf("release answered %d", st)
	}
	if !regexp.MustCompile(`^/gov/announcements/\d+$`).MatchString(b.path()) {
		b.fatalf("after release the page is %s:\n%s", b.path(), excerpt(b.text()))
	}
	govPath := b.path()
	id := strings.TrimPrefix(govPath, "/gov/announcements/")
	b.expectText(msg(t, zh, "announce.released_now"), msg(t, zh, "announce.preview"), title, "升级安排.pdf",
		msg(t, zh, "announce.version_no", 1))
	announceShot(b, "announcements-gov-zh.png", false)
	b.open("/gov/announcements")
	b.expectText(title)
	b.signOut()

	// The public, on a phone: the home page's 信息公示 block, the list
	// (pinned first) and the announcement with its attachment.
	b.clearCookies()
	b.viewport(390, 844, true)
	b.open("/")
	b.expectText(msg(t, zh, "announce.home_title"), msg(t, zh, "announce.home_red"), msg(t, zh, "announce.home_black"), title)
	if n := eval[int](b, `document.querySelectorAll('.disclosure a[href="/lists/red"], .disclosure a[href="/lists/black"], .disclosure a[href="/agencies"], .disclosure a[href="/announcements"]').length`); n < 4 {
		b.fatalf("the 信息公示 block has %d of its four links", n)
	}
	if n := eval[int](b, `document.querySelectorAll('.ann-latest li').length`); n != 5 {
		b.fatalf("the home page lists %d latest announcements, want 5", n)
	}
	_ = eval[bool](b, `(document.querySelector('.disclosure').scrollIntoView(), true)`)
	announceShot(b, "announcements-home-zh.png", false)
	b.open("/announcements")
	b.expectHeading(msg(t, zh, "announce.public_title"))
	if first := eval[string](b, `document.querySelector('.ann-item .ann-item-title').innerText`); !strings.Contains(first, title) {
		b.fatalf("the new pinned announcement is not first: %q", first)
	}
	announceShot(b, "announcements-public-zh.png", false)
	if st := b.open("/announcements/" + id); st != 200 {
		b.fatalf("public page answered %d", st)
	}
	b.expectText(title, "升级安排.pdf", "房源核验不受影响")
	if href := eval[string](b, `document.querySelector('.ann-body a').href`); href != "https://zjw.beijing.gov.cn/" {
		b.fatalf("the address in the text links to %q", href)
	}
	fileURL := eval[string](b, `document.querySelector('.ann-files a').getAttribute('href')`)

	// In English: the page is English around the announcement's own text.
	b.switchLanguage(en)
	b.open("/announcements")
	b.expectHeading(msg(t, en, "announce.public_title"))
	b.expectText(msg(t, en, "announce.category.notice"), title)
	announceShot(b, "announcements-public-en.png", false)
	b.open("/announcements/" + id)
	b.expectText(msg(t, en, "announce.attachments"), msg(t, en, "announce.back_to_list"))
	announceShot(b, "announcements-detail-en.png", true)
	b.open("/")
	b.expectText(msg(t, en, "announce.home_title"), msg(t, en, "announce.home_latest"))
	b.switchLanguage(zh)

	// The clerk withdraws it at once, with a reason.
	b.viewport(1280, 900, false)
	b.signIn("gov", "clerk", app.DemoPassword)
	b.open(govPath)
	setText(b, "reason", "升级时间调整，另行通知")
	if st, asked := b.submitConfirmed(`form[action$="/withdraw"] button[type=submit]`); st != 200 || asked != msg(t, zh, "announce.withdraw_confirm") {
		b.fatalf("withdraw: status %d, asked %q", st, asked)
	}
	b.expectText(msg(t, zh, "announce.withdrawn_ok"), "升级时间调整，另行通知")
	b.signOut()

	// Gone from the public portal; its page says it was withdrawn.
	b.clearCookies()
	b.open("/")
	b.expectNoText(title)
	b.open("/announcements")
	b.expectNoText(title)
	if st := b.open("/announcements/" + id); st != 404 {
		b.fatalf("the withdrawn announcement's page answered %d, want 404", st)
	}
	b.expectText(strings.Split(msg(t, zh, "announce.public_withdrawn", "%s"), "%s")[0])
	b.expectNoText(title)
	if st := b.open(fileURL); st != 404 {
		b.fatalf("the withdrawn announcement's attachment answered %d, want 404", st)
	}
}

// setText sets a field's value to text of several lines (jsString keeps
// no line breaks).
func setText(b *browser, id, text string) {
	b.t.Helper()
	v, _ := json.Marshal(text)
	ok := eval[bool](b, `(() => { const e = document.getElementById(`+jsString(id)+`); if (!e) return false; e.value = `+string(v)+`; return true; })()`)
	if !ok {
		b.fatalf("no field #%s", id)
	}
}
