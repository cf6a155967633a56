package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/app"
)

// TestRevokeOfARevokedCodeSaysWhy: a second clerk revoking a code another
// has just revoked gets the reason on the page, not a bare 409; nothing
// about the first revocation changes.
func TestRevokeOfARevokedCodeSaysWhy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerkActor := e.actor("clerk")
	code := e.signProperty(clerkActor)
	clerk := e.signedIn("gov", "clerk")
	page := clerk.get("/gov/verifications/" + code) // the form, opened before the other clerk's revocation
	wantText(t, page, zh("verify.revoke_reason"))
	if _, err := e.app.RevokeVerification(clerkActor, code, "房东撤回委托"); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"zh-CN": zh("verify.not_valid_anymore"), "en": en("verify.not_valid_anymore")} {
		r := clerk.post("/gov/verifications/"+code+"/revoke", url.Values{"reason": {"信息有误"}}, "Accept-Language", lang)
		wantStatus(t, r, http.StatusConflict)
		wantText(t, r, want)
	}
	v, err := e.app.GetVerification(clerkActor, code)
	if err != nil || v.Status != app.VStatusRevoked || v.EndReason != "房东撤回委托" {
		t.Errorf("after the refused second revocation: %+v %v", v, err)
	}
}

// TestVerificationListFilters: a to-date before the from-date is refused
// next to the field instead of listing nothing; a page past the end shows
// the last page.
func TestVerificationListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/verifications?from=2026-03-10&to=2026-03-01")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "to", zh("list.date_order"))
	wantText(t, r, `value="2026-03-10"`, `value="2026-03-01"`)
	wantFieldError(t, clerk.get("/gov/verifications?from=2026-03-10&to=2026-03-01", "Accept-Language", "en"), "to", en("list.date_order"))
	// The same day on both ends is one day, not an error.
	wantStatus(t, clerk.get("/gov/verifications?from=2026-03-01&to=2026-03-01"), http.StatusOK)
	// The other lists read their dates the same way.
	wantFieldError(t, clerk.get("/gov/contracts?from=2026-03-10&to=2026-03-01"), "to", zh("list.date_order"))
	wantFieldError(t, e.signedIn("gov", "sysadmin").get("/gov/admin/audit?from=2026-03-10&to=2026-03-01"), "to", zh("list.date_order"))

	first := wantOK(t, clerk.get("/gov/verifications"))
	last := wantOK(t, clerk.get("/gov/verifications?page=999"))
	m := regexp.MustCompile(`<span>1 / ([0-9]+)</span>`).FindStringSubmatch(first.body)
	if m == nil {
		t.Fatal("the demo's verifications fit one page: the test needs several")
	}
	pages := m[1]
	wantText(t, last, "<span>"+pages+" / "+pages+"</span>")
	wantNoText(t, last, "999 / ", zh("list.empty"))
}

// TestPlatformRequesterShownOnce: a verification asked through the API
// names the platform once, with the channel, not the key's name three times.
func TestPlatformRequesterShownOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "示例房源平台"})
	var created verifyAnswer
	wantAPI(t, e.client().apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty("clear"))), http.StatusCreated, &created)
	clerk := e.signedIn("gov", "clerk")
	for lang, via := range map[string]string{"zh-CN": zh("verify.via_api"), "en": en("verify.via_api")} {
		r := wantOK(t, clerk.get("/gov/verifications/"+created.Code, "Accept-Language", lang))
		wantText(t, r, "示例房源平台 · "+via)
		wantNoText(t, r, "api:示例房源平台", "示例房源平台 · 示例房源平台")
		list := wantOK(t, clerk.get("/gov/verifications?q="+created.Code, "Accept-Language", lang))
		wantText(t, list, "示例房源平台<br><small class=\"muted\">"+via+"</small>")
	}
}

// TestVerificationFormExplainsArea: the form says which area to give
// before a refusal has to, in both portals and languages.
func TestVerificationFormExplainsArea(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct{ portal, user string }{{"gov", "clerk"}, {"agency", "agent.zhang"}} {
		s := e.signedIn(c.portal, c.user)
		wantText(t, wantOK(t, s.get("/"+c.portal+"/verifications/new")), zh("verify.area_hint"))
		wantText(t, wantOK(t, s.get("/"+c.portal+"/verifications/new", "Accept-Language", "en")), en("verify.area_hint"))
	}
}

// TestAttemptsPage: the verifications that did not pass are listed for the
// clerk (his district's, with the reason the form gave) and for an agency
// (its own), in both languages; a broken page cursor shows the newest.
func TestAttemptsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seized := e.demoProperty("seized")
	o := seized.Owners[0]
	if _, err := e.app.Verify(e.actor("agent.zhang"), app.VerifyInput{District: seized.District, CertType: seized.CertType,
		CertNo: seized.CertNo, Owners: []app.OwnerInput{{Name: o.Name, IDType: o.IDType, IDNo: o.IDNo}},
		Address: seized.Address, Area: "80", Rooms: "2", Halls: "1", Baths: "1", Rent: "5000", Mode: "whole"}); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("verify a seized flat: %v", err)
	}
	clerk := e.signedIn("gov", "clerk")
	r := wantOK(t, clerk.get("/gov/"))
	wantText(t, r, `href="/gov/verify-attempts"`, zh("nav.verify_attempts"))
	r = wantOK(t, clerk.get("/gov/verify-attempts"))
	row := rowOf(r.body, seized.CertNo)
	for _, want := range []string{zh("verify.seized"), zh("attempts.outcome.refused"), "agent.zhang", "北京安居房地产经纪有限公司"} {
		if !strings.Contains(row, want) {
			t.Errorf("the clerk's row of %s lacks %q: %s", seized.CertNo, want, visibleText(row))
		}
	}
	wantNoText(t, r, o.IDNo)
	clerk.setCookie("lang", "en")
	wantText(t, wantOK(t, clerk.get("/gov/verify-attempts?before=x")), en("attempts.title"), en("verify.seized"))
	// Only what did not pass, of the outcome asked for.
	r = wantOK(t, clerk.get("/gov/verify-attempts?outcome=invalid"))
	wantNoText(t, r, seized.CertNo)
	// The other district's clerk does not see it; the agency does, another agency not.
	wantNoText(t, wantOK(t, e.signedIn("gov", "clerk.hd").get("/gov/verify-attempts")), seized.CertNo)
	wantText(t, wantOK(t, e.signedIn("agency", "anju.admin").get("/agency/verify-attempts")), seized.CertNo, zh("verify.seized"))
	wantNoText(t, wantOK(t, e.signedIn("agency", "leju.admin").get("/agency/verify-attempts")), seized.CertNo)
}

// TestVoidedCodeDetailNamesNoInternalActor: a code voided by the registry
// says on its page that it ended automatically, not by the internal actor
// name ("system:registry"), in both languages.
func TestVoidedCodeDetailNamesNoInternalActor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := demoVerification(t, e, "voided")
	if !strings.HasPrefix(v.EndedBy, "system:") {
		t.Fatalf("the demo's voided code was ended by %q, want the system", v.EndedBy)
	}
	leader := e.signedIn("gov", "leader") // city-wide: the demo codes of every district
	for _, lang := range []string{"zh-CN", "en"} {
		r := wantOK(t, leader.get("/gov/verifications/"+v.Code, "Accept-Language", lang))
		wantText(t, r, msg(lang, "actor.system_job", msg(lang, "actor.job.registry")))
		wantNoText(t, r, "system:")
	}
}

// TestVerifyFormUnfoldsCoOwnerErrors: a co-owner row with an ID number but
// no name is refused on its name field, and the co-owners box is unfolded
// so that the field marked red is in view (it opened only for a typed
// name); a co-owner who does not match is shown there too.
func TestVerifyFormUnfoldsCoOwnerErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prop := e.demoProperty("coowned")
	o, co := prop.Owners[0], prop.Owners[1]
	form := url.Values{"district": {prop.District}, "cert_type": {prop.CertType}, "cert_no": {prop.CertNo},
		"owner_name": {o.Name}, "owner_id_type": {o.IDType}, "owner_id_no": {o.IDNo}, "address": {prop.Address},
		"area": {fmt.Sprint(prop.Area)}, "rooms": {"2"}, "halls": {"1"}, "baths": {"1"}, "rent": {"6500"}, "mode": {"whole"},
		"co_owners.0.owner_id_type": {co.IDType}, "co_owners.0.owner_id_no": {co.IDNo}}
	clerk := e.signedIn("gov", "clerk")
	for _, lang := range []string{"zh-CN", "en"} {
		r := clerk.post("/gov/verifications", form, "Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "co_owners.0.owner_name", msg(lang, "verify.owner_name_required"))
		wantText(t, r, `<details class="co-owners" open>`, `value="`+co.IDNo+`"`)
	}
	// The new form has the box folded.
	wantText(t, clerk.get("/gov/verifications/new"), `<details class="co-owners">`)
}

// TestVerificationSearchFullWidthDigits: an address typed with full-width
// digits (a Chinese input method in full-width mode) finds what the same
// address with ASCII digits finds, not every address of the street.
func TestVerificationSearchFullWidthDigits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := demoVerification(t, e, "valid")
	addr := v.Listing.Address
	full := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, addr)
	if full == addr {
		t.Fatalf("the demo address %q has no digits", addr)
	}
	clerk := e.signedIn("gov", "leader")
	half := wantOK(t, clerk.get("/gov/verifications?q="+url.QueryEscape(addr)))
	m := regexp.MustCompile(`共 ([0-9]+) 条`).FindStringSubmatch(half.body)
	if m == nil || m[1] == "0" {
		t.Fatalf("%q: found nothing", addr)
	}
	r := wantOK(t, clerk.get("/gov/verifications?q="+url.QueryEscape(full)))
	wantText(t, r, app.FormatVerificationCode(v.Code), "共 "+m[1]+" 条")
}

// TestVerificationListPagerNamed: the pager under the list is named in the
// page's language for a screen reader, as are its ‹ and › links (it read
// "pages" in English on a Chinese page, and the links only as symbols).
func TestVerificationListPagerNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leader := e.signedIn("gov", "leader")
	for _, lang := range []string{"zh-CN", "en"} {
		r := wantOK(t, leader.get("/gov/verifications?page=2", "Accept-Language", lang))
		wantText(t, r, `<nav class="pager" aria-label="`+msg(lang, "list.pages")+`">`,
			`rel="prev" aria-label="`+msg(lang, "list.prev")+`">‹</a>`, `rel="next" aria-label="`+msg(lang, "list.next")+`">›</a>`)
	}
}

// TestVerifyFormOwnerMismatchMarksTheName: an owner who does not match is
// told beside the ID number, and the name is marked too (pointing to that
// message): a misspelt name is the usual cause, and a clerk looking for the
// field marked red saw only the ID number, which was right.
func TestVerifyFormOwnerMismatchMarksTheName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prop := e.demoProperty("coowned")
	o, co := prop.Owners[0], prop.Owners[1]
	form := url.Values{"district": {prop.District}, "cert_type": {prop.CertType}, "cert_no": {prop.CertNo},
		"owner_name": {o.Name + "某"}, "owner_id_type": {o.IDType}, "owner_id_no": {o.IDNo}, "address": {prop.Address},
		"area": {fmt.Sprint(prop.Area)}, "rooms": {"2"}, "halls": {"1"}, "baths": {"1"}, "rent": {"6500"}, "mode": {"whole"}}
	clerk := e.signedIn("gov", "clerk")
	r := clerk.post("/gov/verifications", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "owner_id_no", zh("verify.owner_mismatch"))
	wantText(t, r, `id="owner_name" name="owner_name" value="`+o.Name+`某" aria-invalid="true" aria-describedby="owner_id_no-error">`)

	form.Set("owner_name", o.Name)
	form.Set("co_owners.0.owner_name", co.Name+"某")
	form.Set("co_owners.0.owner_id_type", co.IDType)
	form.Set("co_owners.0.owner_id_no", co.IDNo)
	r = clerk.post("/gov/verifications", form, "Accept-Language", "en")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "co_owners.0.owner_id_no", en("verify.owner_mismatch"))
	wantText(t, r, `id="co_owners.0.owner_name" name="co_owners.0.owner_name" value="`+co.Name+`某" aria-invalid="true" aria-describedby="co_owners.0.owner_id_no-error">`)
	wantNoText(t, r, `id="owner_name" name="owner_name" value="`+o.Name+`" aria-invalid`)
}

// TestVerificationPageValidityEveryState: the staff's page of a code that
// ended (revoked, voided, used) does not say it is valid until its date but
// that it was, and an expired one says it expired, as the printed notice
// and the public check do; in both languages.
func TestVerificationPageValidityEveryState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leader := e.signedIn("gov", "leader") // city-wide: the demo codes of every district
	for _, state := range publicCheckStates {
		v := demoVerification(t, e, state)
		for _, lang := range []string{"zh-CN", "en"} {
			r := wantOK(t, leader.get("/gov/verifications/"+v.Code, "Accept-Language", lang))
			until := pageDate(lang, v.ValidUntil)
			switch state {
			case "valid":
				wantText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt><dd>"+until+"</dd>")
			case "expired":
				wantText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt><dd>"+msg(lang, "verify.until_expired", until)+"</dd>")
			default:
				wantText(t, r, "<dt>"+msg(lang, "verify.was_valid_until")+"</dt><dd>"+until+"</dd>")
				wantNoText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt>")
			}
		}
	}
}

// TestVerifyFormOwnerTypedTwice: the owner typed again as a co-owner is
// refused beside that co-owner's ID number, in the unfolded co-owners box,
// and no code is issued (the notice would list him twice).
func TestVerifyFormOwnerTypedTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prop := e.demoProperty("clear")
	o := prop.Owners[0]
	form := url.Values{"district": {prop.District}, "cert_type": {prop.CertType}, "cert_no": {prop.CertNo},
		"owner_name": {o.Name}, "owner_id_type": {o.IDType}, "owner_id_no": {o.IDNo}, "address": {prop.Address},
		"area": {fmt.Sprint(prop.Area)}, "rooms": {"2"}, "halls": {"1"}, "baths": {"1"}, "rent": {"6500"}, "mode": {"whole"},
		"co_owners.0.owner_name": {o.Name}, "co_owners.0.owner_id_type": {o.IDType}, "co_owners.0.owner_id_no": {o.IDNo}}
	clerk := e.signedIn("gov", "clerk")
	for _, lang := range []string{"zh-CN", "en"} {
		r := clerk.post("/gov/verifications", form, "Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "co_owners.0.owner_id_no", msg(lang, "verify.owner_repeated"))
		wantText(t, r, `<details class="co-owners" open>`)
	}
}

// TestFreeTextReasonsMasked: a reason typed by staff that carries a phone
// or an ID number (电话13812345678) is shown partly hidden on the
// verification page and the contract page, as every other phone is.
func TestFreeTextReasonsMasked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerkActor := e.actor("clerk")
	code := e.signProperty(clerkActor)
	if _, err := e.app.RevokeVerification(clerkActor, code, "房东来电13812345678撤回，身份证110105198001010016"); err != nil {
		t.Fatal(err)
	}
	leader := e.signedIn("gov", "leader")
	r := wantOK(t, leader.get("/gov/verifications/"+code))
	wantText(t, r, "房东来电"+app.MaskPhone("13812345678")+"撤回", app.MaskID("110105198001010016"))
	wantNoText(t, r, "13812345678", "110105198001010016")

	c := e.clSeed(app.Contract{})
	if _, err := e.app.RevokeContract(sys, c.ID, app.RevokeInput{Reason: "承租人电话13812345678联系不上", Effective: time.Now().Format(time.DateOnly),
		DocName: "a.pdf", Doc: []byte("%PDF-1.4")}); err != nil {
		t.Fatal(err)
	}
	r = wantOK(t, e.signedIn("gov", "clerk").get(fmt.Sprintf("/gov/contracts/%d", c.ID)))
	wantText(t, r, "承租人电话"+app.MaskPhone("13812345678")+"联系不上")
	wantNoText(t, r, "13812345678")
}

// TestDemoNoticeNamesTheCityBureau: the demo has clerks and codes in
// several districts, and every notice names the installation's office as
// its issuer, so the demo is branded for the city's bureau: a Haidian
// clerk's notice, and the public check of its code, do not name the
// Chaoyang bureau.
func TestDemoNoticeNamesTheCityBureau(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res, err := e.app.SearchVerifications(e.actor("clerk.hd"), app.VerificationQuery{Page: 1, Size: 1})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("clerk.hd lists no demo code: %v", err)
	}
	v := res.Items[0]
	if v.District != "110108" {
		t.Fatalf("clerk.hd sees a code of %s", v.District)
	}
	hd := e.signedIn("gov", "clerk.hd")
	for _, r := range []*resp{wantOK(t, hd.get("/gov/verifications/"+v.Code+"/notice")), wantOK(t, e.client().get("/v/"+v.Code))} {
		wantText(t, r, "北京市住房和城乡建设委员会")
		wantNoText(t, r, "朝阳区住房和城乡建设委员会")
	}
}

// TestVerificationListFindsWhoAsked: a clerk who types the name of an
// agent (张伟, agent.zhang) or of a clerk (王芳) into the verification
// search gets the codes that person asked for, and each row names him.
func TestVerificationListFindsWhoAsked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	for name, username := range map[string]string{"张伟": "agent.zhang", "王芳": "clerk"} {
		r := wantOK(t, clerk.get("/gov/verifications?q="+url.QueryEscape(name)))
		wantText(t, r, name+" ("+username+")")
		wantNoText(t, r, zh("list.empty"))
	}
	agency := e.signedIn("agency", "anju.admin")
	r := wantOK(t, agency.get("/agency/verifications?q="+url.QueryEscape("张伟"), "Accept-Language", "en"))
	wantText(t, r, "张伟 (agent.zhang)", en("verify.search_placeholder"))
}

// TestVerificationListValidityEveryState: in the list, as on the code's
// page, a code that ended (revoked, voided, used) is not shown as valid
// until its date: its row says it was, and when it ended; a valid or
// expired one keeps "valid until". In both languages (the row's labels
// are what a phone shows).
func TestVerificationListValidityEveryState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leader := e.signedIn("gov", "leader")
	for _, state := range publicCheckStates {
		v := demoVerification(t, e, state)
		for _, lang := range []string{"zh-CN", "en"} {
			r := wantOK(t, leader.get("/gov/verifications?q="+v.Code, "Accept-Language", lang))
			until := pageDate(lang, v.ValidUntil)
			switch state {
			case "valid", "expired":
				wantText(t, r, `<td data-label="`+msg(lang, "verify.valid_until")+`" class="nowrap">`+until+`</td>`)
			default:
				wantText(t, r, `<td data-label="`+msg(lang, "verify.was_valid_until")+`" class="nowrap">`+until+
					`<br><small class="muted">`+msg(lang, "verify.ended_on."+state)+" "+pageDate(lang, v.Ended)+`</small></td>`)
				wantNoText(t, r, `<td data-label="`+msg(lang, "verify.valid_until")+`"`)
			}
		}
	}
}

// TestAttemptsFindWhoAsked: in 未通过记录 too, a clerk finds what an agent
// (张伟) or a clerk (王芳) tried by typing his name, and each row names him.
func TestAttemptsFindWhoAsked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	for name, username := range map[string]string{"张伟": "agent.zhang", "王芳": "clerk"} {
		r := wantOK(t, clerk.get("/gov/verify-attempts?q="+url.QueryEscape(name)))
		wantText(t, r, name+" ("+username+")", zh("attempts.requester_placeholder"))
		wantNoText(t, r, zh("attempts.none"))
	}
}

// TestVerificationListMistypedCode: a whole code typed with one character
// wrong (its check character fails) is told as a typo beside the search
// box, as on the public check, not only "nothing matches".
func TestVerificationListMistypedCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := demoVerification(t, e, "valid")
	other := strings.IndexFunc(v.Code, func(c rune) bool { return c != rune(v.Code[0]) })
	typo := string(v.Code[other]) + v.Code[1:]
	leader := e.signedIn("gov", "leader")
	for _, lang := range []string{"zh-CN", "en"} {
		r := wantOK(t, leader.get("/gov/verifications?q="+url.QueryEscape(app.FormatVerificationCode(typo)), "Accept-Language", lang))
		wantFieldError(t, r, "q", msg(lang, "verify.code_mistyped"))
		r = wantOK(t, leader.get("/gov/verifications?q="+v.Code, "Accept-Language", lang))
		wantFieldError(t, r, "q", "")
		wantText(t, r, app.FormatVerificationCode(v.Code))
	}
}
