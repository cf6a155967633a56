package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/app"
)

// TestPublicCheckEveryState: the public check page of a code in each state
// says the state and what it means, shows the listing with the owners
// masked, and, for a code voided by the registry, why; in both languages.
func TestPublicCheckEveryState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, state := range publicCheckStates {
		v := demoVerification(t, e, state)
		for _, lang := range []string{"zh-CN", "en"} {
			r := e.client().get("/v/"+v.Code, "Accept-Language", lang)
			wantStatus(t, r, 200)
			district, ok, err := e.app.DictLabel(app.DictDistrict, v.District, lang)
			if err != nil || !ok {
				t.Fatalf("district %s: %v %v", v.District, ok, err)
			}
			wantText(t, r, msg(lang, "verify.public_state."+state), msg(lang, "verify.public_help."+state),
				app.FormatVerificationCode(v.Code), district, v.Listing.Address,
				msg(lang, "verify.layout_value", v.Listing.Rooms, v.Listing.Halls, v.Listing.Baths),
				msg(lang, "verify.mode_"+v.Listing.Mode))
			for _, o := range v.Owners {
				wantText(t, r, app.MaskName(o.Name))
				wantNoText(t, r, o.Name)
			}
			if state == "voided" {
				wantText(t, r, msg(lang, v.EndReason))
			}
			// The validity line: a code that ended must not read as
			// valid until its date, and says when it ended.
			until := pageDate(lang, v.ValidUntil)
			switch state {
			case "valid":
				wantText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt><dd>"+until+"</dd>")
				wantNoText(t, r, msg(lang, "verify.was_valid_until"))
			case "expired":
				wantText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt><dd>"+msg(lang, "verify.until_expired", until)+"</dd>")
			default:
				wantText(t, r, "<dt>"+msg(lang, "verify.was_valid_until")+"</dt><dd>"+until+"</dd>",
					"<dt>"+msg(lang, "verify.ended_on."+state)+"</dt><dd>"+pageDate(lang, v.Ended)+"</dd>")
				wantNoText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt>")
			}
			if v.Requester.AgencyName != "" {
				wantText(t, r, "<dt>"+msg(lang, "verify.requester")+"</dt><dd>"+v.Requester.AgencyName+"</dd>")
			}
		}
	}
}

// TestPublicCheckFindsCodeInPastedText: a tenant pastes into the box the
// line of a listing or the address under the notice's QR code; the code in
// it is checked, not refused as incomplete. Text with two codes is not
// guessed at.
func TestPublicCheckFindsCodeInPastedText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := demoVerification(t, e, "valid")
	code := app.FormatVerificationCode(v.Code)
	for _, pasted := range []string{
		"房源核验码：" + code + "。",
		"https://zfzl.example.gov.cn/v/" + v.Code,
		"核验码 " + strings.ToLower(code) + "，请核对",
	} {
		r := e.client().get("/check?code="+url.QueryEscape(pasted), "Accept-Language", "en")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, en("verify.public_state.valid"), code)
	}
	other := demoVerification(t, e, "expired")
	r := e.client().get("/check?code=" + url.QueryEscape(code+" "+app.FormatVerificationCode(other.Code)))
	wantStatus(t, r, http.StatusNotFound)
	wantFieldError(t, r, "code", zh("verify.code_malformed"))
}

// publicCheckStates are the states a code's public check page shows.
var publicCheckStates = []string{"valid", "expired", "used", "revoked", "voided"}

// demoVerification returns one of the demo's verifications in state.
func demoVerification(t *testing.T, e *env, state string) *app.Verification {
	t.Helper()
	viewer := app.Actor{Username: "test", Roles: []app.Role{app.RoleViewer}}
	res, err := e.app.SearchVerifications(viewer, app.VerificationQuery{Status: state, Page: 1, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) == 0 {
		t.Fatalf("the demo has no %s verification", state)
	}
	return res.Items[0]
}

// pageDate is a date as the pages write it (ui.formatDate).
func pageDate(lang string, t time.Time) string {
	if lang == "zh-CN" {
		return t.Local().Format("2006年1月2日")
	}
	return t.Local().Format("2 Jan 2006")
}

// TestPublicCheckAnswersHead: a link checker or a chat app asks with HEAD
// before it shows the link of a QR code; it gets the page's status, as a
// GET would, without the page.
func TestPublicCheckAnswersHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	for path, want := range map[string]int{"/v/" + demoVerification(t, e, "valid").Code: 200, "/v/AAAAAAAAAAAA": 404} {
		req, err := http.NewRequest(http.MethodHead, e.http.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := c.do(req)
		if r.StatusCode != want || r.body != "" {
			t.Errorf("HEAD %s: %d with %d bytes, want %d and no body", path, r.StatusCode, len(r.body), want)
		}
	}
}

// TestPublicCheckMortgage: a mortgaged property's code says so on the
// public check and on the printed notice (a tenant should know); others do
// not. Both page name the platform that asked. Once the code is revoked (or
// voided: the flat seized) no page says the flat may be let.
func TestPublicCheckMortgage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "抵押测试平台"})
	c := e.client()
	issue := func(kind string) string {
		var got verifyAnswer
		wantAPI(t, c.apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty(kind))), http.StatusCreated, &got)
		return got.Code
	}
	mortgaged, clear := issue("mortgaged"), issue("clear")
	for _, lang := range []string{"zh-CN", "en"} {
		r := c.get("/v/"+mortgaged, "Accept-Language", lang)
		wantText(t, r, "<dt>"+msg(lang, "verify.title_status")+"</dt><dd>"+msg(lang, "verify.title_mortgaged")+"</dd>",
			"<dt>"+msg(lang, "verify.requester")+"</dt><dd>抵押测试平台</dd>")
		r = c.get("/v/"+clear, "Accept-Language", lang)
		wantNoText(t, r, msg(lang, "verify.title_mortgaged"))
	}
	clerk := e.signedIn("gov", "clerk")
	r := clerk.get("/gov/verifications/" + mortgaged + "/notice")
	wantStatus(t, r, 200)
	wantText(t, r, msg("zh-CN", "verify.title_mortgaged"))
	r = clerk.get("/gov/verifications/" + clear + "/notice")
	wantStatus(t, r, 200)
	wantNoText(t, r, msg("zh-CN", "verify.title_mortgaged"))

	wantRedirect(t, clerk.post("/gov/verifications/"+mortgaged+"/revoke", url.Values{"reason": {"业主未委托出租"}}), "/gov/verifications/"+mortgaged)
	wantText(t, c.get("/v/"+mortgaged), msg("zh-CN", "verify.public_state.revoked"))
	for _, lang := range []string{"zh-CN", "en"} {
		for _, path := range []string{"/v/" + mortgaged, "/v/" + mortgaged + "/notice"} {
			r := c.get(path, "Accept-Language", lang)
			wantStatus(t, r, 200)
			wantNoText(t, r, msg(lang, "verify.title_mortgaged"))
		}
		for _, path := range []string{"/gov/verifications/" + mortgaged, "/gov/verifications/" + mortgaged + "/notice"} {
			r := clerk.get(path, "Accept-Language", lang)
			wantStatus(t, r, 200)
			wantNoText(t, r, msg(lang, "verify.title_mortgaged"), msg(lang, "verify.warn_mortgaged"))
		}
	}
}

// TestNoticeValidityEveryState: the printed notice of a code that ended
// (revoked, voided, used) does not say it is valid until its date: it says
// until when it was valid and when it ended, as the public check does, and
// a voided code's notice says why; the clerk's notice may be printed in
// any state, in both languages.
func TestNoticeValidityEveryState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leader := e.signedIn("gov", "leader") // city-wide: the demo codes of every district
	for _, state := range publicCheckStates {
		v := demoVerification(t, e, state)
		for _, lang := range []string{"zh-CN", "en"} {
			r := leader.get("/gov/verifications/"+v.Code+"/notice", "Accept-Language", lang)
			wantStatus(t, r, http.StatusOK)
			until := pageDate(lang, v.ValidUntil)
			switch state {
			case "valid", "expired":
				wantText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt><dd>"+until+"</dd>")
				wantNoText(t, r, msg(lang, "verify.was_valid_until"))
			default:
				wantText(t, r, "<dt>"+msg(lang, "verify.was_valid_until")+"</dt><dd>"+until+"</dd>",
					"<dt>"+msg(lang, "verify.ended_on."+state)+"</dt><dd>"+pageDate(lang, v.Ended)+"</dd>")
				wantNoText(t, r, "<dt>"+msg(lang, "verify.valid_until")+"</dt>")
			}
			if state == "voided" {
				wantText(t, r, msg(lang, v.EndReason))
			}
		}
	}
}

// TestPublicNoticeEveryState: the notice at the API's notice_url opens
// without a sign-in in every state: the title, the code, the QR code of the
// public check, the listing with the owners' names masked and no ID or
// certificate number; the approving text and seal only for a valid code,
// the void text otherwise. A mistyped code gets the check's message.
func TestPublicNoticeEveryState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.client()
	for _, state := range publicCheckStates {
		v := demoVerification(t, e, state)
		for _, lang := range []string{"zh-CN", "en"} {
			r := anon.get("/v/"+v.Code+"/notice", "Accept-Language", lang)
			wantStatus(t, r, http.StatusOK)
			wantText(t, r, msg(lang, "verify.notice_title"), app.FormatVerificationCode(v.Code), "<svg",
				"/v/"+v.Code+"</small>", v.Listing.Address, msg(lang, "verify.state."+state))
			for _, o := range v.Owners {
				wantText(t, r, app.MaskName(o.Name))
				wantNoText(t, r, o.Name, o.IDNo, app.MaskID(o.IDNo))
			}
			wantNoText(t, r, v.CertNo)
			if state == "valid" {
				wantText(t, r, msg(lang, "verify.notice_text"), `class="seal"`)
			} else {
				wantText(t, r, msg(lang, "verify.notice_void", msg(lang, "verify.state."+state)))
				wantNoText(t, r, msg(lang, "verify.notice_text"), `class="seal"`)
			}
		}
	}
	code := demoVerification(t, e, "valid").Code
	typo := code[:11] + map[bool]string{true: "2", false: "3"}[code[11] != '2']
	r := anon.get("/v/" + typo + "/notice")
	wantStatus(t, r, http.StatusNotFound)
	wantFieldError(t, r, "code", zh("verify.code_mistyped"))
}
