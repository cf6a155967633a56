package main

// Browser tests of listing verification (房源核验, issue 3): a clerk
// verifies in the government portal, prints the notice, and the URL under
// its QR code opens the public check for someone who is not signed in; a
// clerk revokes; an agent verifies a co-owned property in the agency portal
// and only his agency and the district's clerks see it. They use the demo
// registry (Config.Demo) and the helpers of browser_helpers_test.go.
//
//	go test -race -run 'BrowserClerk|BrowserAgent|BrowserVerification' -count=1 -v .
//	ANJU_SCREENSHOTS=1 go test -run BrowserVerificationScreenshots -v .

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	qrcode "github.com/yeqown/go-qrcode/v2"

	"anju/app"
)

// demoCerts are the verifiable demo properties of district 110105, one of
// each kind, as app.DemoCertificates gives them.
type demoCerts struct {
	clear, coOwned, seized, mortgaged app.Property
}

func demoCertificates(t *testing.T, p *platform) demoCerts {
	t.Helper()
	var d demoCerts
	found := map[string]bool{}
	for _, c := range p.App.DemoCertificates() {
		kind := "clear"
		switch {
		case c.Seized:
			d.seized, kind = c, "seized"
		case c.Mortgaged:
			d.mortgaged, kind = c, "mortgaged"
		case len(c.Owners) > 1:
			d.coOwned, kind = c, "coowned"
		default:
			d.clear = c
		}
		if c.District != "110105" || c.CertType != "01" || len(c.Owners) == 0 {
			t.Fatalf("demo certificate %s (%s) is in district %s with type %s and %d owners, want 110105, 01, ≥1",
				c.CertNo, kind, c.District, c.CertType, len(c.Owners))
		}
		found[kind] = true
	}
	for _, k := range []string{"clear", "coowned", "seized", "mortgaged"} {
		if !found[k] {
			t.Fatalf("the demo registry has no %s certificate among %d", k, len(found))
		}
	}
	if len(d.coOwned.Owners) < 2 {
		t.Fatalf("the co-owned demo property %s has %d owners", d.coOwned.CertNo, len(d.coOwned.Owners))
	}
	return d
}

// fullWidthCertNo writes a certificate number the way it is often typed
// from a paper certificate: with full-width brackets.
func fullWidthCertNo(s string) string {
	return strings.NewReplacer("(", "（", ")", "）").Replace(s)
}

// maskedName is how a name is shown to those who may not see it whole: the
// surname followed by one star per other character.
func maskedName(name string) string {
	r := []rune(name)
	return string(r[:1]) + strings.Repeat("*", len(r)-1)
}

// listingInput is the rental offer typed into the form.
type listingInput struct {
	building, room, area, rooms, halls, baths, rent string
}

func listingOf(p app.Property) listingInput {
	return listingInput{building: "", room: "", area: strconv.FormatFloat(p.Area, 'f', 1, 64),
		rooms: "2", halls: "1", baths: "1", rent: "6500"}
}

// fillSel types value into the element of the CSS selector, after clearing
// it. (The co-owner fields have dots in their ids: #id does not work.)
func (b *browser) fillSel(sel, value string) {
	b.t.Helper()
	if err := b.typeInto(sel, value); err != nil {
		b.fatalf("type into %s: %v", sel, err)
	}
}

// fillVerification fills the verification form shown for property p, with
// ownerName and ownerID as the first owner, and the listing l.
func (b *browser) fillVerification(p app.Property, ownerName, ownerID string, l listingInput) {
	b.t.Helper()
	b.fill("cert_no", fullWidthCertNo(p.CertNo))
	b.fill("owner_name", ownerName)
	b.fill("owner_id_no", ownerID)
	b.fill("address", p.Address)
	b.fill("building", l.building)
	b.fill("room", l.room)
	b.fill("area", l.area)
	b.fill("rooms", l.rooms)
	b.fillSel("input[name=halls]", l.halls)
	b.fillSel("input[name=baths]", l.baths)
	b.fill("rent", l.rent)
}

// formValues are the values of the verification form's fields, by name.
func (b *browser) formValues() map[string]string {
	b.t.Helper()
	return eval[map[string]string](b, `(() => {
		const f = document.querySelector("form[action$='/verifications']");
		const out = {};
		for (const e of f.elements) {
			if (!e.name) continue;
			if (e.type === "radio" || e.type === "checkbox") { if (e.checked) out[e.name] = e.value; continue; }
			out[e.name] = e.value;
		}
		return out;
	})()`)
}

// expectFormKept fails unless each field of want holds its value.
func (b *browser) expectFormKept(want map[string]string) {
	b.t.Helper()
	got := b.formValues()
	for name, w := range want {
		if got[name] != w {
			b.t.Errorf("after the refusal the field %q holds %q, want %q (what was typed)", name, got[name], w)
		}
	}
}

// typedForm is what fillVerification typed, by field name (the form keeps
// it as typed, before normalisation).
func typedForm(p app.Property, ownerName, ownerID, district string, l listingInput) map[string]string {
	return map[string]string{
		"district": district, "cert_type": "01", "cert_no": fullWidthCertNo(p.CertNo),
		"owner_name": ownerName, "owner_id_type": "resident_id", "owner_id_no": ownerID,
		"address": p.Address, "building": l.building, "room": l.room, "area": l.area,
		"rooms": l.rooms, "halls": l.halls, "baths": l.baths, "rent": l.rent, "mode": "whole",
	}
}

// expectFieldText fails unless the message want is shown in the block of
// the field name. Unlike expectFieldError it does not ask for aria-invalid
// and aria-describedby on a control: the layout (户型) is three inputs and
// its message is tied to none of them (see the report of this test file).
func (b *browser) expectFieldText(name, want string) {
	b.t.Helper()
	got := eval[fieldMessage](b, fmt.Sprintf(`(() => {
		const e = document.getElementById(%[1]q + "-error");
		if (!e) return {text: "", near: false, invalid: false};
		const block = e.parentElement;
		return {text: e.innerText.trim(), near: !!block.querySelector("input, select, textarea"), invalid: false};
	})()`, name))
	if got.Text != want {
		b.fatalf("field %q shows error %q, want %q; the page shows:\n%s", name, got.Text, want, excerpt(b.text()))
	}
	if !got.Near {
		b.fatalf("the error %q of %q is not in the block of its inputs", want, name)
	}
}

// expectFieldMsg fails unless the message want is shown for the field name:
// in the block of its control, which is marked aria-invalid and points at
// the message with aria-describedby. (Like expectFieldError, but the
// control may be wrapped, as the inputs with a unit are, and other controls
// may point at the message too: an owner who does not match marks his name
// with the message on his ID number.)
func (b *browser) expectFieldMsg(name, want string) {
	b.t.Helper()
	got := eval[fieldMessage](b, fmt.Sprintf(`(() => {
		const e = document.getElementById(%[1]q + "-error");
		if (!e) return {text: "", near: false, invalid: false};
		const c = [...document.querySelectorAll('[aria-describedby~="' + %[1]q + '-error"]')].find(x => e.parentElement.contains(x));
		return {text: e.innerText.trim(), near: !!c && e.parentElement.contains(c), invalid: !!c && c.getAttribute("aria-invalid") === "true"};
	})()`, name))
	switch {
	case got.Text != want:
		b.fatalf("field %q shows error %q, want %q; the page shows:\n%s", name, got.Text, want, excerpt(b.text()))
	case !got.Near || !got.Invalid:
		b.fatalf("the error %q is not tied to the field %q (in its block: %v, aria-invalid with aria-describedby: %v)", got.Text, name, got.Near, got.Invalid)
	}
}

// expectNoFieldErrors fails if one of names shows a message.
func (b *browser) expectNoFieldErrors(names ...string) {
	b.t.Helper()
	for _, n := range names {
		if e := b.fieldError(n); e.Text != "" {
			b.t.Errorf("field %q shows %q, though it was right", n, e.Text)
		}
	}
}

// banner is the text of the page's error banner ("" when none).
func (b *browser) errorBanner() string {
	b.t.Helper()
	return strings.TrimSpace(eval[string](b, `(document.querySelector("main .banner.error") || {innerText: ""}).innerText`))
}

// expectBanner fails unless the error banner reads want (and goes on: the
// fields tell the rest).
func (b *browser) expectBanner(want string) {
	b.t.Helper()
	if got := b.errorBanner(); got != want {
		b.t.Errorf("the error banner reads %q, want %q; the page shows:\n%s", got, want, excerpt(b.text()))
	}
}

var shownCodeRE = regexp.MustCompile(`^[23456789ABCDEFGHJKLMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTVWXYZ]{4}$`)

// shownCode reads the verification code of the result page, checks that it
// is shown as XXXX-XXXX-XXXX and is a valid code, and returns it without
// dashes.
func (b *browser) shownCode() string {
	b.t.Helper()
	shown := strings.TrimSpace(eval[string](b, `(document.querySelector("main code.vcode") || {innerText: ""}).innerText`))
	if !shownCodeRE.MatchString(shown) {
		b.fatalf("the result page shows the code %q, want 12 characters as XXXX-XXXX-XXXX; it shows:\n%s", shown, excerpt(b.text()))
	}
	code := strings.ReplaceAll(shown, "-", "")
	if st := app.CheckVerificationCode(code); st != app.VCodeOK {
		b.fatalf("the code shown %s does not pass its own check (%d)", shown, st)
	}
	return code
}

// openVerifyForm clicks the menu entry of the verification form in the
// portal shown and checks the form.
func (b *browser) openVerifyForm(lang, portal string) {
	b.t.Helper()
	link := fmt.Sprintf(`nav.sidenav a[href="/%s/verifications/new"]`, portal)
	b.expectText(msg(b.t, lang, "nav.verify"))
	if got := strings.TrimSpace(eval[string](b, fmt.Sprintf(`document.querySelector(%q).innerText`, link))); got != msg(b.t, lang, "nav.verify_new") {
		b.fatalf("the menu entry of the form reads %q, want %q", got, msg(b.t, lang, "nav.verify_new"))
	}
	if st := b.submit(link); st != 200 {
		b.fatalf("the verification form answered %d", st)
	}
	b.expectPath("/" + portal + "/verifications/new")
	b.expectHeading(msg(b.t, lang, "verify.new"))
}

// submitVerification sends the form shown and returns the status.
func (b *browser) submitVerification() int {
	b.t.Helper()
	return b.submit(`form[action$="/verifications"] button[type=submit]`)
}

// incognito is a second, separate profile in the same Chromium (its own
// cookies): someone who is not signed in.
func (b *browser) incognito(t *testing.T) *browser {
	t.Helper()
	tab, cancel := chromedp.NewContext(b.tab, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a separate browser profile: %v", err)
	}
	c := &browser{tab: tab, base: b.base, shot: new(bool)}
	return c.on(t)
}

// openURL loads the absolute url and returns the HTTP status of the page.
func (b *browser) openURL(url string) int {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.fatalf("open %s: %v", url, err)
	}
	return int(resp.Status)
}

// submitConfirmed clicks the submit button sel of a form that asks for
// confirmation (data-confirm), accepts the dialog, waits for the page and
// returns its status and the question that was asked ("" when none was).
func (b *browser) submitConfirmed(sel string) (int, string) {
	b.t.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	var mu sync.Mutex
	var asked []string
	dialogs := make(chan struct{}, 4)
	err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			asked = append(asked, d.Message)
			mu.Unlock()
			select {
			case dialogs <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		b.fatalf("listen for dialogs: %v", err)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-dialogs:
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}
		}
	}()
	st := b.submit(sel)
	mu.Lock()
	defer mu.Unlock()
	switch len(asked) {
	case 0:
		return st, "" // a required field is empty: no question (app.js)
	case 1:
		return st, asked[0]
	}
	b.fatalf("submitting %s asked %d questions (%q), want one at most", sel, len(asked), asked)
	return st, ""
}

// qrCells reads the dark modules of the inline SVG QR code of the page,
// relative to the top-left module.
func (b *browser) qrCells() map[[2]int]bool {
	b.t.Helper()
	d := eval[string](b, `(document.querySelector("svg.qr path") || {getAttribute: () => ""}).getAttribute("d")`)
	cells := map[[2]int]bool{}
	minX, minY := 1<<30, 1<<30
	var raw [][2]int
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)`).FindAllStringSubmatch(d, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		raw = append(raw, [2]int{x, y})
		minX, minY = min(minX, x), min(minY, y)
	}
	for _, c := range raw {
		cells[[2]int{c[0] - minX, c[1] - minY}] = true
	}
	return cells
}

// qrMatrix collects the dark modules of an encoded QR code.
type qrMatrix struct{ cells map[[2]int]bool }

func (w *qrMatrix) Write(m qrcode.Matrix) error {
	w.cells = map[[2]int]bool{}
	m.Iterate(qrcode.IterDirection_ROW, func(x, y int, v qrcode.QRValue) {
		if v.IsSet() {
			w.cells[[2]int{x, y}] = true
		}
	})
	return nil
}

func (w *qrMatrix) Close() error { return nil }

// qrEncodes reports whether cells are the QR code of text at one of the
// error correction levels (the encoder is deterministic: the same text
// and level give the same modules).
func qrEncodes(t *testing.T, cells map[[2]int]bool, text string) bool {
	t.Helper()
	for _, lvl := range []qrcode.EncodeOption{
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionLow),
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium),
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionQuart),
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionHighest),
	} {
		q, err := qrcode.NewWith(text, lvl)
		if err != nil {
			t.Fatalf("encode %q: %v", text, err)
		}
		var m qrMatrix
		if err := q.Save(&m); err != nil {
			t.Fatalf("encode %q: %v", text, err)
		}
		if len(m.cells) != len(cells) {
			continue
		}
		same := true
		for c := range m.cells {
			if !cells[c] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// changeOneChar replaces the character at i by the next one of the code
// alphabet: a single typo.
func changeOneChar(code string, i int) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTVWXYZ"
	j := strings.IndexByte(alphabet, code[i])
	return code[:i] + string(alphabet[(j+1)%len(alphabet)]) + code[i+1:]
}

// checkOnHome types code into the check form of the public home page and
// sends it.
func (b *browser) checkOnHome(code string) int {
	b.t.Helper()
	if st := b.open("/"); st != 200 {
		b.fatalf("/ answered %d", st)
	}
	b.expectText(msg(b.t, zh, "verify.public_check"))
	b.fill("code", code)
	return b.submit(`form[action="/check"] button[type=submit]`)
}

// TestBrowserClerkVerifies: the district clerk verifies a listing; wrong
// input and refusals are told on their fields with everything kept; a pass
// gives a code and a notice whose QR URL opens the public check for anyone;
// the public check form tells a typo from an unknown code.
func TestBrowserClerkVerifies(t *testing.T) {
	p, b := startBrowserTest(t, true, zh)
	certs := demoCertificates(t, p)
	clear, seized := certs.clear, certs.seized
	var code, checkURL string

	t.Run("form refuses with reasons", func(t *testing.T) {
		b := b.on(t)
		b.signIn("gov", "clerk", app.DemoPassword)
		b.expectPath("/gov/")
		b.openVerifyForm(zh, "gov")
		b.expectText(msg(t, zh, "verify.intro"), msg(t, zh, "verify.property"), msg(t, zh, "verify.owner"), msg(t, zh, "verify.listing"))
		// The clerk's district and the usual certificate type are chosen.
		if got := b.formValues(); got["district"] != "110105" || got["cert_type"] != "01" || got["mode"] != "whole" || got["owner_id_type"] != "resident_id" {
			t.Errorf("the new form has district %q, cert type %q, mode %q, ID type %q; want 110105, 01, whole, resident_id",
				got["district"], got["cert_type"], got["mode"], got["owner_id_type"])
		}

		// Empty (but for the optional building and room): every required
		// field says what is missing; nothing typed is lost.
		b.fill("building", "3号楼2单元")
		b.fill("room", "1502")
		if st := b.submitVerification(); st != 422 {
			t.Errorf("an empty form answered %d, want 422", st)
		}
		b.expectPath("/gov/verifications")
		b.expectHeading(msg(t, zh, "verify.new"))
		b.expectBanner(msg(t, zh, "form.invalid"))
		b.expectFieldMsg("cert_no", msg(t, zh, "verify.cert_no_required"))
		b.expectFieldMsg("owner_name", msg(t, zh, "verify.owner_name_required"))
		b.expectFieldMsg("owner_id_no", msg(t, zh, "verify.owner_id_no_required"))
		b.expectFieldMsg("address", msg(t, zh, "verify.address_required"))
		b.expectFieldMsg("area", msg(t, zh, "verify.area_invalid"))
		b.expectFieldText("layout", msg(t, zh, "verify.layout_invalid"))
		b.expectFieldMsg("rent", msg(t, zh, "verify.rent_invalid"))
		b.expectNoFieldErrors("district", "cert_type", "owner_id_type", "room", "mode")
		for _, label := range []string{"verify.cert_no", "verify.owner_name", "verify.owner_id_no", "verify.address", "verify.area", "verify.layout", "verify.rent"} {
			b.expectText(msg(t, zh, label))
		}
		b.expectFormKept(map[string]string{"district": "110105", "cert_type": "01", "mode": "whole",
			"building": "3号楼2单元", "room": "1502", "cert_no": "", "owner_name": ""})

		// The seized property: refused, the reason on the banner and on
		// the certificate number, everything typed still there.
		owner := seized.Owners[0]
		l := listingOf(seized)
		b.fillVerification(seized, owner.Name, owner.IDNo, l)
		if st := b.submitVerification(); st != 422 {
			t.Errorf("the seized property answered %d, want 422", st)
		}
		b.expectPath("/gov/verifications")
		b.expectBanner(msg(t, zh, "verify.refused") + msg(t, zh, "verify.seized"))
		b.expectFieldMsg("cert_no", msg(t, zh, "verify.seized"))
		b.expectNoFieldErrors("owner_name", "owner_id_no", "address", "area", "layout", "rent")
		b.expectFormKept(typedForm(seized, owner.Name, owner.IDNo, "110105", l))

		// The clear property with another demo owner's ID (a valid
		// checksum, but not this property's owner).
		owner = clear.Owners[0]
		other := certs.mortgaged.Owners[0].IDNo
		if other == owner.IDNo {
			t.Fatalf("the clear and the mortgaged demo properties have the same owner %s", other)
		}
		l = listingOf(clear)
		l.building, l.room = "5号楼1单元", "302"
		b.fillVerification(clear, owner.Name, other, l)
		if st := b.submitVerification(); st != 422 {
			t.Errorf("a wrong owner ID answered %d, want 422", st)
		}
		b.expectBanner(msg(t, zh, "verify.refused") + msg(t, zh, "verify.owner_mismatch"))
		b.expectFieldMsg("owner_id_no", msg(t, zh, "verify.owner_mismatch"))
		b.expectNoFieldErrors("cert_no", "owner_name")
		b.expectFormKept(typedForm(clear, owner.Name, other, "110105", l))

		// The right owner ID, the rest as kept: passed.
		b.fill("owner_id_no", owner.IDNo)
		if st := b.submitVerification(); st != 200 {
			t.Fatalf("the clear property answered %d; the page shows:\n%s", st, excerpt(b.text()))
		}
		code = b.shownCode()
		b.expectPath("/gov/verifications/" + code)
		// The code certifies the registered flat: its address is the
		// register's, the building and room typed for a whole rental gone.
		b.expectText("核验通过", msg(t, zh, "verify.passed"), msg(t, zh, "verify.state.valid"),
			clear.Address, clear.CertNo, maskedName(owner.Name),
			msg(t, zh, "verify.layout_value", 2, 1, 1), msg(t, zh, "verify.rent_value", 6500), msg(t, zh, "verify.mode_whole"))
		b.expectNoText(owner.Name, owner.IDNo, msg(t, zh, "verify.warn_mortgaged"), "5号楼1单元302")
	})
	if code == "" {
		return // no pass, nothing to print
	}

	t.Run("prints the notice", func(t *testing.T) {
		b := b.on(t)
		link := `main a[href$="/notice"]`
		if got := strings.TrimSpace(eval[string](b, fmt.Sprintf(`document.querySelector(%q).innerText`, link))); got != msg(t, zh, "verify.print_notice") {
			t.Errorf("the notice link reads %q, want %q", got, msg(t, zh, "verify.print_notice"))
		}
		if st := b.submit(link); st != 200 {
			t.Fatalf("the notice answered %d", st)
		}
		b.expectPath("/gov/verifications/" + code + "/notice")
		b.expectHeading(msg(t, zh, "verify.notice_title"))
		owner := clear.Owners[0]
		b.expectText(app.FormatVerificationCode(code), maskedName(owner.Name), clear.Address, clear.CertNo,
			msg(t, zh, "verify.scan_to_check"), msg(t, zh, "verify.notice_text"), msg(t, zh, "verify.state.valid"))
		b.expectNoText(owner.Name, owner.IDNo)
		if got := strings.TrimSpace(eval[string](b, `document.querySelector("main .vcode").innerText`)); got != app.FormatVerificationCode(code) {
			t.Errorf("the notice shows the code %q, want %q", got, app.FormatVerificationCode(code))
		}
		if !eval[bool](b, `!!document.querySelector("main svg.qr")`) {
			t.Fatalf("the notice has no inline SVG QR code (svg.qr)")
		}
		checkURL = strings.TrimSpace(eval[string](b, `(document.querySelector("main figure.qr-box figcaption small") || {innerText: ""}).innerText`))
		if want := b.base + "/v/" + code; checkURL != want {
			t.Fatalf("the URL under the QR code reads %q, want %q", checkURL, want)
		}
		if !qrEncodes(t, b.qrCells(), checkURL) {
			t.Errorf("the QR code of the notice does not encode the URL printed under it (%s)", checkURL)
		}
	})
	if checkURL == "" {
		return
	}

	t.Run("public check", func(t *testing.T) {
		// Someone who scans the QR code: another profile, not signed in.
		pb := b.incognito(t)
		if st := pb.openURL(checkURL); st != 200 {
			t.Fatalf("%s answered %d; it shows:\n%s", checkURL, st, excerpt(pb.text()))
		}
		pb.expectHeading(msg(t, zh, "verify.public_state.valid"))
		pb.expectText(msg(t, zh, "verify.public_help.valid"), app.FormatVerificationCode(code), clear.Address,
			maskedName(clear.Owners[0].Name), msg(t, zh, "portal.public"))
		pb.expectNoText(clear.Owners[0].Name, clear.Owners[0].IDNo, msg(t, zh, "nav.logout"))

		// Typed by hand: lower case, one dash of two left out.
		typed := strings.ToLower(code[:4] + "-" + code[4:])
		if st := pb.checkOnHome(typed); st != 200 {
			t.Fatalf("checking %q answered %d; it shows:\n%s", typed, st, excerpt(pb.text()))
		}
		pb.expectHeading(msg(t, zh, "verify.public_state.valid"))
		pb.expectText(app.FormatVerificationCode(code), clear.Address)

		// One character wrong: a typo, said so on the field.
		wrong := app.FormatVerificationCode(changeOneChar(code, 5))
		if st := pb.checkOnHome(wrong); st != 404 && st != 422 {
			t.Errorf("checking the mistyped %q answered %d, want 404 or 422", wrong, st)
		}
		pb.expectFieldMsg("code", msg(t, zh, "verify.code_mistyped"))
		if got := pb.value("code"); got != wrong {
			t.Errorf("after the check the field holds %q, want %q", got, wrong)
		}
		pb.expectNoText(msg(t, zh, "verify.public_state.valid"), clear.Address)

		// A well-formed code that was never issued.
		unknown := app.FormatVerificationCode(app.NewVerificationCode())
		if st := pb.checkOnHome(unknown); st != 404 && st != 422 {
			t.Errorf("checking the unknown %q answered %d, want 404 or 422", unknown, st)
		}
		pb.expectFieldMsg("code", msg(t, zh, "verify.code_unknown"))
		pb.expectNoText(msg(t, zh, "verify.code_mistyped"))
	})
}

// TestBrowserClerkRevokes: a clerk revokes a code, with a reason, and the
// public check says so (without the clerk's reason).
func TestBrowserClerkRevokes(t *testing.T) {
	p, b := startBrowserTest(t, true, zh)
	mortgaged := demoCertificates(t, p).mortgaged
	owner := mortgaged.Owners[0]

	b.signIn("gov", "clerk", app.DemoPassword)
	b.openVerifyForm(zh, "gov")
	b.fillVerification(mortgaged, owner.Name, owner.IDNo, listingOf(mortgaged))
	if st := b.submitVerification(); st != 200 {
		t.Fatalf("the mortgaged property answered %d; the page shows:\n%s", st, excerpt(b.text()))
	}
	code := b.shownCode()
	// Mortgaged: passed, with the warning.
	b.expectText(msg(t, zh, "verify.passed"), msg(t, zh, "verify.warn_mortgaged"), msg(t, zh, "verify.revoke"), msg(t, zh, "verify.revoke_reason"))

	// No reason: no question first; the field says what is missing.
	revoke := `form[action$="/revoke"] button[type=submit]`
	st, asked := b.submitConfirmed(revoke)
	if st != 422 {
		t.Errorf("revoking without a reason answered %d, want 422", st)
	}
	if asked != "" {
		t.Errorf("revoking without a reason asks %q before saying the reason is missing", asked)
	}
	b.expectFieldMsg("reason", msg(t, zh, "verify.revoke_reason_required"))
	b.expectText(msg(t, zh, "verify.state.valid"))

	// With one, the question is asked, then the code is revoked.
	const reason = "房东反映未委托该机构出租"
	b.fill("reason", reason)
	st, asked = b.submitConfirmed(revoke)
	if st != 200 {
		t.Fatalf("revoking answered %d; the page shows:\n%s", st, excerpt(b.text()))
	}
	if asked != msg(t, zh, "verify.revoke_confirm") {
		t.Errorf("revoking asks %q, want %q", asked, msg(t, zh, "verify.revoke_confirm"))
	}
	b.expectPath("/gov/verifications/" + code)
	b.expectText(msg(t, zh, "verify.revoked_ok"), msg(t, zh, "verify.state.revoked"), reason, msg(t, zh, "verify.ended"))
	if got := strings.TrimSpace(eval[string](b, `(document.querySelector("main .tag") || {innerText: ""}).innerText`)); got != msg(t, zh, "verify.state.revoked") {
		t.Errorf("the status reads %q, want %q", got, msg(t, zh, "verify.state.revoked"))
	}
	if eval[bool](b, `!!document.querySelector("form[action$='/revoke']")`) {
		t.Errorf("a revoked code still offers the revoke form")
	}

	// The list says so too.
	b.open("/gov/verifications?q=" + code)
	b.expectText(app.FormatVerificationCode(code), msg(t, zh, "verify.state.revoked"), msg(t, zh, "list.total", 1))

	pb := b.incognito(t)
	if st := pb.open("/v/" + code); st != 200 {
		t.Fatalf("/v/%s answered %d", code, st)
	}
	pb.expectHeading(msg(t, zh, "verify.public_state.revoked"))
	pb.expectText(msg(t, zh, "verify.public_help.revoked"), mortgaged.Address)
	pb.expectNoText(reason, msg(t, zh, "verify.public_state.valid"))
}

// listRows are the rows of the verification list: code, address, requester.
type listRow struct {
	Code      string `json:"code"`
	Address   string `json:"address"`
	Requester string `json:"requester"`
}

func (b *browser) listRows() []listRow {
	b.t.Helper()
	return eval[[]listRow](b, `[...document.querySelectorAll("table.list tbody tr")].filter(tr => tr.cells.length > 1).map(tr => ({
		code: tr.cells[0].innerText.trim(), address: tr.cells[1].innerText.trim(), requester: tr.cells[3].innerText.trim()}))`)
}

func findRow(rows []listRow, shown string) (listRow, bool) {
	for _, r := range rows {
		if r.Code == shown {
			return r, true
		}
	}
	return listRow{}, false
}

// searchList types q into the search box of the list shown and sends it.
func (b *browser) searchList(q string) {
	b.t.Helper()
	b.fill("q", q)
	if st := b.submit(`form[role=search] button[type=submit]`); st != 200 {
		b.fatalf("searching %q answered %d", q, st)
	}
}

// TestBrowserAgentVerifies: an agent verifies a co-owned property in the
// agency portal; his agency and the district's clerk see it, another
// agency and another district's clerk do not.
func TestBrowserAgentVerifies(t *testing.T) {
	p, b := startBrowserTest(t, true, zh)
	co := demoCertificates(t, p).coOwned
	const agency = "北京安居房地产经纪有限公司"
	var code string

	ok := t.Run("agent verifies a co-owned property", func(t *testing.T) {
		b := b.on(t)
		b.signIn("agency", "agent.zhang", app.DemoPassword)
		b.expectPath("/agency/")
		b.openVerifyForm(zh, "agency")
		b.choose("district", "110105")
		first, second := co.Owners[0], co.Owners[1]
		b.fillVerification(co, first.Name, first.IDNo, listingOf(co))

		// The co-owners are folded away until asked for.
		if eval[bool](b, `document.querySelector("details.co-owners").open`) {
			t.Errorf("the co-owner rows are open on a new form")
		}
		if got := strings.TrimSpace(eval[string](b, `document.querySelector("details.co-owners summary").innerText`)); got != msg(t, zh, "verify.co_owners") {
			t.Errorf("the co-owner section reads %q, want %q", got, msg(t, zh, "verify.co_owners"))
		}
		b.click("details.co-owners summary")
		b.fillSel(`[id="co_owners.0.owner_name"]`, second.Name)
		b.fillSel(`[id="co_owners.0.owner_id_no"]`, second.IDNo)
		if got := b.value("co_owners.0.owner_id_type"); got != "resident_id" {
			t.Errorf("the first co-owner's ID type is %q, want resident_id", got)
		}
		if st := b.submitVerification(); st != 200 {
			t.Fatalf("the co-owned property answered %d; the page shows:\n%s", st, excerpt(b.text()))
		}
		code = b.shownCode()
		b.expectPath("/agency/verifications/" + code)
		b.expectText(msg(t, zh, "verify.passed"), maskedName(first.Name), maskedName(second.Name), co.Address, agency)
		b.expectNoText(first.Name, second.Name, msg(t, zh, "verify.revoke"))
	})
	if !ok {
		return
	}
	shown := app.FormatVerificationCode(code)

	ok = t.Run("agency list and search", func(t *testing.T) {
		b := b.on(t)
		b.submit(`nav.sidenav a[href="/agency/verifications"]`)
		b.expectPath("/agency/verifications")
		b.expectHeading(msg(t, zh, "verify.list"))
		all := b.listRows()
		row, found := findRow(all, shown)
		if !found {
			t.Fatalf("the agency list does not show %s; it shows:\n%s", shown, excerpt(b.text()))
		}
		if !strings.Contains(row.Requester, agency) || !strings.Contains(row.Address, co.Address) {
			t.Errorf("the row of %s reads address %q, requester %q; want %q and %q", shown, row.Address, row.Requester, co.Address, agency)
		}
		for _, r := range all {
			if !strings.Contains(r.Requester, agency) {
				t.Errorf("the agency list shows %s of %q", r.Code, r.Requester)
			}
		}

		// One Chinese character of the address (of the street, after 朝阳区).
		street := strings.TrimPrefix(co.Address, "朝阳区")
		char := string([]rune(street)[0])
		b.searchList(char)
		if got := b.value("q"); got != char {
			t.Errorf("the search box holds %q after the search, want %q", got, char)
		}
		rows := b.listRows()
		if _, found := findRow(rows, shown); !found {
			t.Fatalf("searching %q does not find %s; the page shows:\n%s", char, shown, excerpt(b.text()))
		}
		for _, r := range rows {
			if !strings.Contains(r.Address, char) {
				t.Errorf("searching %q lists %s at %q", char, r.Code, r.Address)
			}
		}

		// The code, as typed from a listing.
		b.searchList(strings.ToLower(code))
		rows = b.listRows()
		if len(rows) != 1 || rows[0].Code != shown {
			t.Errorf("searching the code lists %v, want only %s", rows, shown)
		}
		b.expectText(msg(t, zh, "list.total", 1))
		b.signOut()
	})
	if !ok {
		return
	}

	ok = t.Run("the district clerk sees it", func(t *testing.T) {
		b := b.on(t)
		b.signIn("gov", "clerk", app.DemoPassword)
		b.open("/gov/verifications")
		row, found := findRow(b.listRows(), shown)
		if !found {
			t.Fatalf("the clerk of 110105 does not see %s; the list shows:\n%s", shown, excerpt(b.text()))
		}
		if !strings.Contains(row.Requester, agency) {
			t.Errorf("the clerk's list shows %s requested by %q, want %q", shown, row.Requester, agency)
		}
		if st := b.open("/gov/verifications/" + code); st != 200 {
			t.Errorf("the clerk opening %s got %d", code, st)
		}
		b.expectText(shown, agency, msg(t, zh, "verify.revoke"))
		b.signOut()

		// Another district's clerk does not.
		b.signIn("gov", "clerk.hd", app.DemoPassword)
		b.open("/gov/verifications?q=" + code)
		if _, found := findRow(b.listRows(), shown); found {
			t.Errorf("the clerk of 110108 sees %s of 110105", shown)
		}
		b.signOut()
	})
	if !ok {
		return
	}

	t.Run("another agency does not", func(t *testing.T) {
		b := b.on(t)
		b.signIn("agency", "leju.admin", app.DemoPassword)
		b.expectPath("/agency/")
		b.open("/agency/verifications")
		rows := b.listRows()
		if _, found := findRow(rows, shown); found {
			t.Errorf("北京乐居 sees %s of %s", shown, agency)
		}
		for _, r := range rows {
			if strings.Contains(r.Requester, agency) {
				t.Errorf("北京乐居's list shows %s of %q", r.Code, r.Requester)
			}
		}
		b.searchList(code)
		b.expectText(msg(t, zh, "list.empty"), msg(t, zh, "list.total", 0))
		b.expectNoText(co.Address)

		for _, path := range []string{"/agency/verifications/" + code, "/agency/verifications/" + code + "/notice"} {
			if st := b.open(path); st != 404 {
				t.Errorf("%s answered %d to another agency, want 404", path, st)
			}
			b.expectText(msg(t, zh, "error.title"), msg(t, zh, "verify.not_found"))
			b.expectNoText(co.Address, shown)
		}
	})
}

// TestBrowserVerificationEnglish: the form and a refusal in English.
func TestBrowserVerificationEnglish(t *testing.T) {
	p, b := startBrowserTest(t, true, zh)
	seized := demoCertificates(t, p).seized
	b.signIn("gov", "clerk", app.DemoPassword)
	b.openVerifyForm(zh, "gov")
	b.switchLanguage(en)
	b.expectPath("/gov/verifications/new")
	b.expectHeading(msg(t, en, "verify.new"))
	labels := eval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll("main form label[for]")].map(l => [l.htmlFor, l.innerText.replace(/\s*\*\s*$/, "").trim()]))`)
	for field, key := range map[string]string{"district": "verify.district", "cert_type": "verify.cert_type", "cert_no": "verify.cert_no",
		"owner_name": "verify.owner_name", "owner_id_no": "verify.owner_id_no", "address": "verify.address",
		"area": "verify.area", "rooms": "verify.layout", "rent": "verify.rent"} {
		if got := labels[field]; got != msg(t, en, key) {
			t.Errorf("the label of %s reads %q, want %q", field, got, msg(t, en, key))
		}
	}
	b.expectText(msg(t, en, "verify.mode_whole"), msg(t, en, "verify.mode_shared"), msg(t, en, "verify.co_owners"))
	if got := strings.TrimSpace(eval[string](b, `document.querySelector("form[action$='/verifications'] button[type=submit]").innerText`)); got != msg(t, en, "verify.submit") {
		t.Errorf("the button reads %q, want %q", got, msg(t, en, "verify.submit"))
	}
	b.expectNoText(msg(t, zh, "verify.cert_no"), msg(t, zh, "verify.owner_name"), msg(t, zh, "verify.submit")+"\n")

	owner := seized.Owners[0]
	b.fillVerification(seized, owner.Name, owner.IDNo, listingOf(seized))
	if st := b.submitVerification(); st != 422 {
		t.Errorf("the seized property answered %d, want 422", st)
	}
	b.expectBanner(msg(t, en, "verify.refused") + msg(t, en, "verify.seized"))
	b.expectFieldMsg("cert_no", msg(t, en, "verify.seized"))
	b.expectNoText(msg(t, zh, "verify.seized"))
}

// TestBrowserVerificationScreenshots adds the verification pages to
// docs/screenshots. It runs only with ANJU_SCREENSHOTS=1.
func TestBrowserVerificationScreenshots(t *testing.T) {
	if os.Getenv("ANJU_SCREENSHOTS") != "1" {
		t.Skip("set ANJU_SCREENSHOTS=1 to write docs/screenshots/*.png")
	}
	dir := filepath.Join("docs", "screenshots")
	full := os.Getenv("ANJU_SCREENSHOTS_FULL")
	shoot := func(b *browser, name string, fullPage bool) {
		t.Helper()
		b.screenshot(filepath.Join(dir, name), fullPage)
		if full != "" {
			b.screenshot(filepath.Join(full, name), true)
		}
	}
	p, b := startBrowserTest(t, true, zh)
	certs := demoCertificates(t, p)
	b.viewport(1280, 800, false)

	b.signIn("gov", "clerk", app.DemoPassword)
	b.openVerifyForm(zh, "gov")
	seized := certs.seized
	b.fillVerification(seized, seized.Owners[0].Name, seized.Owners[0].IDNo, listingOf(seized))
	b.submitVerification()
	b.expectFieldMsg("cert_no", msg(t, zh, "verify.seized"))
	shoot(b, "verify-form-zh.png", false)

	// The demo addresses hold building and room already.
	clear := certs.clear
	b.fillVerification(clear, clear.Owners[0].Name, clear.Owners[0].IDNo, listingOf(clear))
	if st := b.submitVerification(); st != 200 {
		t.Fatalf("the clear property answered %d; the page shows:\n%s", st, excerpt(b.text()))
	}
	code := b.shownCode()
	shoot(b, "verify-result-zh.png", false)

	b.submit(`main a[href$="/notice"]`)
	b.expectHeading(msg(t, zh, "verify.notice_title"))
	shoot(b, "notice-zh.png", true)

	b.open("/gov/verifications")
	b.expectText(app.FormatVerificationCode(code))
	shoot(b, "verifications-zh.png", false)

	pb := b.incognito(t)
	pb.viewport(390, 844, true)
	if st := pb.open("/v/" + code); st != 200 {
		t.Fatalf("/v/%s answered %d", code, st)
	}
	pb.expectHeading(msg(t, zh, "verify.public_state.valid"))
	// Let the mobile layout settle before the picture.
	_ = chromedp.Do(pb.ctx, chromedp.Sleep(200*time.Millisecond))
	shoot(pb, "public-check-mobile.png", false)
}

// TestBrowserNoticeCodeOnOneLine: a tenant reads or types the code of the
// printed notice, and a filing certificate's number: on a 390-px phone, at
// 1280 px and in print (A4), in Chinese and in English, each is one line,
// as are the office's phone number and the date at the foot; on the phone nothing
// runs off the page sideways. In English on a phone the code used to wrap
// after its second hyphen, beside the long label "Verification code".
func TestBrowserNoticeCodeOnOneLine(t *testing.T) {
	p, b := startBrowserTest(t, true, zh)
	sys := app.SystemActor("test")
	// In the clerk's district: the newest valid code of the whole demo
	// may be another district's, which his portal does not show (404).
	vs, err := p.App.SearchVerifications(sys, app.VerificationQuery{Status: app.VStatusValid, District: "110105", Size: 1})
	if err != nil || len(vs.Items) == 0 {
		t.Fatalf("no valid demo code: %v", err)
	}
	code := vs.Items[0].Code
	b.signIn("gov", "clerk", app.DemoPassword)
	// A filed lease's certificate, found from the list of filings.
	b.open("/gov/filings?status=" + app.FilingFiled)
	certPath := eval[string](b, `([...document.querySelectorAll('main a[href^="/gov/filings/"]')].map(a => a.getAttribute('href')).find(h => /^\/gov\/filings\/\d+$/.test(h)) || "/gov/filings/none")`) + "/certificate"
	pages := []struct{ path, number string }{
		{"/v/" + code + "/notice", ".notice-a4 .vcode.big"},
		{"/gov/verifications/" + code + "/notice", ".notice-a4 .vcode.big"},
		{certPath, ".notice-a4 strong.big"},
	}
	lines := func(sel string) int {
		return eval[int](b, fmt.Sprintf(`[...document.querySelectorAll(%q)].reduce((n, e) => Math.max(n, new Set([...e.getClientRects()].map(r => Math.round(r.top))).size), 0)`, sel))
	}
	// textLines counts the lines a text of the notice's foot takes (-1: not
	// there), whatever its markup; footDate is the date under the office.
	const textLines = `(() => { const text = %q; const w = document.createTreeWalker(document.querySelector('.notice-foot'), NodeFilter.SHOW_TEXT);
		for (let n; (n = w.nextNode());) { const i = n.data.indexOf(text); if (i < 0) continue;
			const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + text.length);
			return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }
		return -1; })()`
	const footDate = `[...document.querySelectorAll('.notice-foot p')].find(p => !p.classList.contains('muted')).innerText.split('\n').pop().trim()`
	contact := p.App.Branding().Contact
	if contact == "" {
		t.Fatal("the demo office has no contact to print")
	}
	for _, lang := range []string{zh, en} {
		b.open("/")
		b.switchLanguage(lang)
		for _, size := range []struct {
			w, h   int64
			mobile bool
			media  string
		}{{390, 844, true, ""}, {1280, 900, false, ""}, {794, 1123, false, "print"}} {
			b.viewport(size.w, size.h, size.mobile)
			b.media(size.media)
			for _, pg := range pages {
				if st := b.open(pg.path); st != 200 {
					b.fatalf("%s answered %d", pg.path, st)
				}
				where := fmt.Sprintf("%s, %s, %d px %s", pg.path, lang, size.w, size.media)
				if n := lines(pg.number); n != 1 {
					t.Errorf("%s: the number is on %d lines, want 1", where, n)
				}
				for _, text := range []string{contact, eval[string](b, footDate)} {
					if n := eval[int](b, fmt.Sprintf(textLines, text)); n != 1 {
						t.Errorf("%s: %q at the foot is on %d lines, want 1", where, text, n)
					}
				}
				if size.mobile {
					if over := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
						t.Errorf("%s: the page is %d px wider than the phone", where, over)
					}
				}
			}
		}
		b.media("")
	}
}
