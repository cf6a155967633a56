package main

// Browser test of online signing and filing (合同网签/备案, issue 5): an
// agent verifies a listing, drafts and signs a lease with an uploaded
// document, applies for filing; a reviewer approves; the printed
// certificate's QR address opens the public filing check.
//
//	go test -race -run 'BrowserContract' -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserContract -v .   (also writes docs/screenshots/contract-*.png)

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anju/app"
)

func TestBrowserContractSignAndFile(t *testing.T) {
	p, b := startBrowserTest(t, true, zh)
	b.viewport(1280, 900, false)
	prop := demoCertificates(t, p).clear
	owner := prop.Owners[0]

	// The agent verifies the listing.
	b.signIn("agency", "agent.zhang", app.DemoPassword)
	b.openVerifyForm(zh, "agency")
	b.choose("district", "110105")
	b.fillVerification(prop, owner.Name, owner.IDNo, listingOf(prop))
	if st := b.submitVerification(); st != 200 {
		b.fatalf("verification answered %d", st)
	}
	code := b.shownCode()

	// …and starts the lease from the code.
	b.open("/agency/contracts/new?code=" + url.QueryEscape(code))
	if !strings.Contains(b.path(), "/step/") {
		b.fill("code", code)
		b.submit(`form[action$="/contracts/new"] button[type=submit]`)
	}
	if !strings.HasSuffix(b.path(), "/step/1") {
		b.fatalf("starting from the code led to %s", b.path())
	}
	base := strings.TrimSuffix(b.path(), "/step/1")
	b.expectText(prop.Address)
	b.submit(`button[name=go][value=next]`)

	// Step 2: the terms; an end before the start is named on its field.
	start := time.Now().AddDate(0, 0, 3)
	end := start.AddDate(1, 0, -1)
	b.setDate("start", start)
	b.setDate("end", start.AddDate(0, 0, -10))
	b.fill("rent", "6500")
	b.fill("deposit", "6500")
	b.choose("payment_cycle", "monthly")
	if st := b.submit(`button[name=go][value=next]`); st != 422 {
		b.fatalf("an end before the start answered %d, want 422", st)
	}
	if got := b.fieldError("end"); got.Text == "" {
		b.fatalf("no message on the end date; the page shows:\n%s", excerpt(b.text()))
	}
	if got := b.value("rent"); got != "6500" {
		b.fatalf("the rent typed was lost: %q", got)
	}
	b.setDate("end", end)
	b.submit(`button[name=go][value=next]`)
	if !strings.HasSuffix(b.path(), "/step/3") {
		b.fatalf("after the terms the page is %s:\n%s", b.path(), excerpt(b.text()))
	}

	// Step 3: the lessor comes from the verification; the lessee is typed.
	lessee := eval[string](b, `(() => {
		for (const e of document.querySelectorAll('input[type=hidden][name$=".role"]')) {
			if (e.value !== "lessee") continue;
			const p = e.name.replace(/role$/, "");
			const n = document.getElementById(p + "name");
			if (n && !n.value) return p;
		}
		return "";
	})()`)
	if lessee == "" {
		b.fatalf("no empty lessee row on the parties step")
	}
	b.fillSel(`[id="`+lessee+`name"]`, "程晓雨")
	b.fillSel(`[id="`+lessee+`id_no"]`, "110105199506060021")
	b.fillSel(`[id="`+lessee+`phone"]`, "13600001111")
	b.submit(`button[name=go][value=next]`)
	if !strings.HasSuffix(b.path(), "/step/4") {
		b.fatalf("after the parties the page is %s:\n%s", b.path(), excerpt(b.text()))
	}
	b.setValue("agreed_terms", "家具家电清单见附件，租期内由承租人妥善使用。")
	b.submit(`button[name=go][value=next]`)

	// Step 5: a document, checked by its content.
	doc := filepath.Join(t.TempDir(), "身份证复印件.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4 id copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.choose("kind", "id_copy")
	b.upload("#file", doc)
	b.submit(`button[name=go][value=upload]`)
	b.expectText("身份证复印件.pdf")
	// The property certificate is required too: going on without it is named.
	b.submit(`button[name=go][value=next]`)
	if !strings.HasSuffix(b.path(), "/step/5") {
		b.fatalf("went on without the certificate copy")
	}
	certScan := filepath.Join(t.TempDir(), "不动产权证书.png")
	if err := os.WriteFile(certScan, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR scan"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.choose("kind", "certificate")
	b.upload("#file", certScan)
	b.submit(`button[name=go][value=next]`)
	if !strings.HasSuffix(b.path(), "/step/6") {
		b.fatalf("after the documents the page is %s:\n%s", b.path(), excerpt(b.text()))
	}
	b.expectText("程晓雨", prop.Address)
	if os.Getenv("ANJU_SCREENSHOTS") == "1" {
		b.screenshot(filepath.Join("docs", "screenshots", "contract-preview.png"), false)
	}

	// Sign: the contract gets its number.
	b.submit(`form[action$="/sign"] button`)
	no := regexp.MustCompile(`HT110105-\d{4}-\d{6}`).FindString(b.text())
	if no == "" {
		b.fatalf("no contract number after signing; the page (%s) shows:\n%s", b.path(), excerpt(b.text()))
	}
	_ = base

	// Apply for filing by the contract number.
	b.open("/agency/filings/new")
	b.fill("contract_no", no)
	b.submit(`form:has(input[name=mode][value=contract]) button[type=submit]`)
	filingPath := b.path()
	if !regexp.MustCompile(`^/agency/filings/\d+$`).MatchString(filingPath) {
		b.fatalf("applying for filing led to %s:\n%s", filingPath, excerpt(b.text()))
	}
	b.signOut()

	// The reviewer approves it.
	b.signIn("gov", "reviewer", app.DemoPassword)
	govFiling := strings.Replace(filingPath, "/agency/", "/gov/", 1)
	b.open(govFiling)
	b.expectText(no)
	b.submit(`form[action$="/approve"] button`)
	b.open(govFiling + "/certificate")
	cert := regexp.MustCompile(`BA110105-\d{4}-\d{6}`).FindString(b.text())
	if cert == "" {
		b.fatalf("no certificate number on the certificate:\n%s", excerpt(b.text()))
	}
	if os.Getenv("ANJU_SCREENSHOTS") == "1" {
		b.screenshot(filepath.Join("docs", "screenshots", "contract-filing-certificate.png"), false)
	}
	// The QR holds the public check's address, printed under it.
	check := regexp.MustCompile(`https?://[^\s]+/f/[^\s]+`).FindString(b.text())
	if check == "" {
		b.fatalf("the certificate prints no public check address:\n%s", excerpt(b.text()))
	}
	b.signOut()

	// Anyone opens it: the filing is in force, the lessee's name masked.
	u, err := url.Parse(check)
	if err != nil {
		t.Fatal(err)
	}
	b.clearCookies()
	b.open(u.RequestURI())
	b.expectText(cert, msg(t, zh, "filing.public_help.filed"))
	b.expectNoText("程晓雨")
}

// setDate sets a date input (typing into one depends on the browser's locale).
func (b *browser) setDate(id string, d time.Time) {
	b.t.Helper()
	b.setValue(id, d.Format("2006-01-02"))
}

// setValue sets a field's value directly (an empty textarea cannot be
// cleared and typed into through chromedp).
func (b *browser) setValue(id, value string) {
	b.t.Helper()
	ok := eval[bool](b, `(() => { const e = document.getElementById(`+jsString(id)+`); if (!e) return false; e.value = `+jsString(value)+`; return true; })()`)
	if !ok {
		b.fatalf("no field #%s", id)
	}
}

func jsString(s string) string {
	return "\"" + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + "\""
}

// upload chooses a file for the file input of the CSS selector.
func (b *browser) upload(sel, path string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path})); err != nil {
		b.fatalf("choose %s for %s: %v", path, sel, err)
	}
}
