package ui_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/app"
)

// apiCall sends a request to the platform API with a bearer key ("" for
// none) and a JSON body ("" for none); hdr are extra header pairs.
func (c *client) apiCall(method, path, key, body string, hdr ...string) *resp {
	c.t.Helper()
	req, err := http.NewRequest(method, c.e.http.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return c.do(req, hdr...)
}

// apiErr is the error object of an API answer.
type apiErr struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field"`
	RequestID string `json:"request_id"`
	Details   []struct {
		Field, Code, Message string
	} `json:"details"`
}

// wantAPI checks an API answer's status and JSON form, and decodes it.
func wantAPI(t *testing.T, r *resp, status int, out any) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s %s: Content-Type %q", r.Request.Method, r.Request.URL.Path, ct)
	}
	if r.Header.Get("X-Request-ID") == "" {
		t.Errorf("%s %s: no X-Request-ID", r.Request.Method, r.Request.URL.Path)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(r.body), out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", r.Request.Method, r.Request.URL.Path, err, r.body)
		}
	}
}

// wantAPIError checks an error answer: status, code, field and message.
func wantAPIError(t *testing.T, r *resp, status int, code, field, message string) apiErr {
	t.Helper()
	var body struct{ Error apiErr }
	wantAPI(t, r, status, &body)
	e := body.Error
	if e.Code != code || e.Field != field || (message != "" && e.Message != message) {
		t.Errorf("%s %s: error %+v, want code %q field %q message %q", r.Request.Method, r.Request.URL.Path, e, code, field, message)
	}
	if e.RequestID != r.Header.Get("X-Request-ID") {
		t.Errorf("error request_id %q, header %q", e.RequestID, r.Header.Get("X-Request-ID"))
	}
	return e
}

type verifyAnswer struct {
	Code       string `json:"code"`
	Status     string `json:"status"`
	ValidUntil string `json:"valid_until"`
	CheckURL   string `json:"check_url"`
	NoticeURL  string `json:"notice_url"`
	District   string `json:"district"`
	Own        *bool  `json:"own"`
	Requester  string `json:"requester"`
	Warnings   []struct{ Code, Message string }
	Listing    *struct {
		Address string  `json:"address"`
		Room    string  `json:"room"`
		Area    float64 `json:"area"`
		Layout  struct {
			Rooms, Halls, Baths int
		} `json:"layout"`
		Rent int    `json:"rent"`
		Mode string `json:"mode"`
	} `json:"listing"`
}

// demoProperty returns a demo property of the kind asked (clear, coowned,
// seized, mortgaged), all in district 110105.
func (e *env) demoProperty(kind string) app.Property {
	e.t.Helper()
	for _, p := range e.app.DemoCertificates() {
		switch {
		case kind == "seized" && p.Seized, kind == "mortgaged" && p.Mortgaged,
			kind == "coowned" && len(p.Owners) > 1 && !p.Seized && !p.Mortgaged,
			kind == "clear" && len(p.Owners) == 1 && !p.Seized && !p.Mortgaged:
			return p
		}
	}
	e.t.Fatalf("no demo property of kind %s", kind)
	return app.Property{}
}

// verifyBody is a JSON request for p, changed by the edits (key → value,
// a nil value removes the key; "listing.x" edits the listing).
func verifyBody(p app.Property, edits ...any) string {
	o := p.Owners[0]
	listing := map[string]any{"address": p.Address, "building": "1号楼", "room": "101", "area": p.Area,
		"layout": map[string]any{"rooms": 2, "halls": 1, "baths": 1}, "rent": 6500, "mode": "whole"}
	m := map[string]any{"district": p.District, "cert_type": p.CertType, "cert_no": p.CertNo,
		"owner_name": o.Name, "owner_id_type": o.IDType, "owner_id_no": o.IDNo, "listing": listing}
	for i := 0; i+1 < len(edits); i += 2 {
		k := edits[i].(string)
		target := m
		if rest, ok := strings.CutPrefix(k, "listing."); ok {
			target, k = listing, rest
		}
		if edits[i+1] == nil {
			delete(target, k)
		} else {
			target[k] = edits[i+1]
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func (e *env) apiKey(in app.APIKeyInput) (*app.APIKey, string) {
	e.t.Helper()
	k, secret, err := e.app.CreateAPIKey(sys, in)
	if err != nil {
		e.t.Fatalf("create API key: %v", err)
	}
	return k, secret
}

func (e *env) verificationCount() int {
	e.t.Helper()
	st, err := e.app.Status(sys)
	if err != nil {
		e.t.Fatal(err)
	}
	return st.Counts["verifications"]
}

var reCode = regexp.MustCompile(`^[0-9A-Z]{12}$`)

func TestAPIVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "贝壳找房"})
	_, otherKey := e.apiKey(app.APIKeyInput{Name: "58同城"})
	c := e.client()
	prop := e.demoProperty("clear")

	var created verifyAnswer
	r := c.apiCall("POST", "/api/v1/verifications", key, verifyBody(prop))
	wantAPI(t, r, http.StatusCreated, &created)
	if !reCode.MatchString(created.Code) || created.Status != "valid" {
		t.Fatalf("created = %+v", created)
	}
	until, err := time.Parse(time.RFC3339, created.ValidUntil)
	if err != nil || until.Sub(time.Now()) < 89*24*time.Hour || until.Sub(time.Now()) > 91*24*time.Hour {
		t.Errorf("valid_until %q (%v), want RFC 3339, about 90 days ahead", created.ValidUntil, err)
	}
	if created.CheckURL != e.http.URL+"/v/"+created.Code || created.NoticeURL != created.CheckURL+"/notice" {
		t.Errorf("check_url %q notice_url %q", created.CheckURL, created.NoticeURL)
	}
	// The notice URL opens the notice, without a sign-in: its title, the
	// code and the QR code of the check.
	notice := c.get(strings.TrimPrefix(created.NoticeURL, e.http.URL))
	wantStatus(t, notice, http.StatusOK)
	wantText(t, notice, zh("verify.notice_title"), app.FormatVerificationCode(created.Code), "<svg", created.CheckURL)
	// The check URL opens the public check page.
	wantStatus(t, c.get(strings.TrimPrefix(created.CheckURL, e.http.URL)), http.StatusOK)

	t.Run("read own code", func(t *testing.T) {
		var got verifyAnswer
		wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+strings.ToLower(created.Code[:4])+"-"+created.Code[4:], key, ""), http.StatusOK, &got)
		if got.Code != created.Code || got.Status != "valid" || got.ValidUntil != created.ValidUntil || got.District != "110105" ||
			got.Listing == nil || got.Listing.Area != prop.Area || got.Listing.Layout.Rooms != 2 || got.Listing.Rent != 6500 ||
			got.Listing.Mode != "whole" || got.Listing.Room != "" || got.Listing.Address != prop.Address {
			t.Fatalf("GET = %+v %+v", got, got.Listing)
		}
		if got.Own == nil || !*got.Own || got.Requester != "贝壳找房" {
			t.Errorf("own %v, requester %q; want own, 贝壳找房", got.Own, got.Requester)
		}
		wantAPIError(t, c.apiCall("GET", "/api/v1/verifications/"+app.NewVerificationCode(), key, ""), http.StatusNotFound, "not_found", "", zh("api.not_found"))
	})

	// A platform publishing a listing an agency verified in its portal is
	// given the agency's code, and checks it before publishing.
	t.Run("read a code another requester holds", func(t *testing.T) {
		agencyCode := e.signProperty(e.actor("agent.zhang"))
		for _, tc := range []struct{ code, requester string }{{created.Code, "贝壳找房"}, {agencyCode, "北京安居房地产经纪有限公司"}} {
			var got verifyAnswer
			wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+tc.code, otherKey, ""), http.StatusOK, &got)
			if got.Code != tc.code || got.Status != "valid" || got.Own == nil || *got.Own || got.Requester != tc.requester ||
				got.Listing == nil || got.District != "110105" {
				t.Errorf("GET %s by another platform = %+v", tc.code, got)
			}
		}
		// Outside the key's districts it is not found, like an unknown code.
		_, hd := e.apiKey(app.APIKeyInput{Name: "海淀房源平台", Districts: []string{"110108"}})
		wantAPIError(t, c.apiCall("GET", "/api/v1/verifications/"+agencyCode, hd, ""), http.StatusNotFound, "not_found", "", zh("api.not_found"))
		// and the message does not say that only the platform's own codes
		// can be read: the other platform has just read the agency's.
		for _, lang := range []string{"zh-CN", "en"} {
			e404 := wantAPIError(t, c.apiCall("GET", "/api/v1/verifications/"+agencyCode, hd, "", "Accept-Language", lang),
				http.StatusNotFound, "not_found", "", msg(lang, "api.not_found"))
			for _, wrong := range []string{"不是本平台申请的", "among this platform's verifications"} {
				if strings.Contains(e404.Message, wrong) {
					t.Errorf("404 message %q says only the platform's own codes can be read", e404.Message)
				}
			}
		}
	})

	t.Run("refusals are 422 with a machine code and the field", func(t *testing.T) {
		seized := e.demoProperty("seized")
		co := e.demoProperty("coowned")
		other := app.Owner{Name: "李四", IDNo: "11010519491231002X"}
		for _, tc := range []struct {
			name, body, code, field, msgKey string
		}{
			{"certificate not found", verifyBody(prop, "cert_no", prop.CertNo+"9"), "cert_not_found", "cert_no", "verify.cert_not_found"},
			{"owner mismatch", verifyBody(prop, "owner_id_no", co.Owners[0].IDNo), "owner_mismatch", "owner_id_no", "verify.owner_mismatch"},
			{"seized", verifyBody(seized), "seized", "cert_no", "verify.seized"},
			{"co-owner mismatch", verifyBody(co, "co_owners", []map[string]string{{"owner_name": other.Name, "owner_id_type": "resident_id", "owner_id_no": other.IDNo}}),
				"owner_mismatch", "co_owners.0.owner_id_no", "verify.owner_mismatch"},
			{"district outside the dictionary", verifyBody(prop, "district", "999999"), "district_unknown", "district", "verify.district_unknown"},
			{"area", verifyBody(prop, "listing.area", -3), "area_invalid", "listing.area", "verify.area_invalid"},
			// A number of the right type out of its range is a refusal on
			// its field, as in the form.
			{"area zero", verifyBody(prop, "listing.area", 0), "area_invalid", "listing.area", "verify.area_invalid"},
			{"area too large", verifyBody(prop, "listing.area", 100000), "area_invalid", "listing.area", "verify.area_invalid"},
			{"rent zero", verifyBody(prop, "listing.rent", 0), "rent_invalid", "listing.rent", "verify.rent_invalid"},
			{"rent too large", verifyBody(prop, "listing.rent", 10_000_001), "rent_invalid", "listing.rent", "verify.rent_invalid"},
			{"rent far too large", verifyBody(prop, "listing.rent", 1e300), "rent_invalid", "listing.rent", "verify.rent_invalid"},
			{"rooms too many", verifyBody(prop, "listing.layout", map[string]any{"rooms": 21, "halls": 1, "baths": 1}), "layout_invalid", "listing.layout", "verify.layout_invalid"},
			{"halls negative", verifyBody(prop, "listing.layout", map[string]any{"rooms": 2, "halls": -1, "baths": 1}), "layout_invalid", "listing.layout", "verify.layout_invalid"},
			{"shared rental without room", verifyBody(prop, "listing.mode", "shared", "listing.room", ""), "room_required_shared", "listing.room", "verify.room_required_shared"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, tc.body), http.StatusUnprocessableEntity, tc.code, tc.field, zh(tc.msgKey))
			})
		}
		// In English on request.
		wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, verifyBody(seized), "Accept-Language", "en"),
			http.StatusUnprocessableEntity, "seized", "cert_no", en("verify.seized"))
		// Several wrong fields: the first in request order, all in details.
		e422 := wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, `{"listing":{"mode":"whole"}}`),
			http.StatusUnprocessableEntity, "district_required", "district", zh("verify.district_required"))
		fields := map[string]string{}
		for _, d := range e422.Details {
			fields[d.Field] = d.Code
		}
		for f, code := range map[string]string{"cert_no": "cert_no_required", "owner_id_no": "owner_id_no_required",
			"listing.address": "address_required", "listing.layout": "layout_invalid", "listing.rent": "rent_invalid"} {
			if fields[f] != code {
				t.Errorf("details[%s] = %q, want %q (details %+v)", f, fields[f], code, e422.Details)
			}
		}
	})

	t.Run("another platform's valid code", func(t *testing.T) {
		wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", otherKey, verifyBody(prop)), http.StatusUnprocessableEntity, "duplicate", "cert_no", zh("verify.duplicate"))
	})

	t.Run("allowed districts", func(t *testing.T) {
		_, hd := e.apiKey(app.APIKeyInput{Name: "海淀平台", Districts: []string{"110108"}})
		wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", hd, verifyBody(prop)), http.StatusUnprocessableEntity,
			"district_not_allowed", "district", zh("api.district_not_allowed"))
	})

	t.Run("mortgaged passes with a warning", func(t *testing.T) {
		var got verifyAnswer
		wantAPI(t, c.apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty("mortgaged"))), http.StatusCreated, &got)
		if len(got.Warnings) != 1 || got.Warnings[0].Code != "warn_mortgaged" || got.Warnings[0].Message != zh("verify.warn_mortgaged") {
			t.Errorf("warnings = %+v", got.Warnings)
		}
		// Read while valid, it carries the note; once revoked, a note that
		// the flat may be let would contradict the status.
		var read verifyAnswer
		wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+got.Code, key, ""), http.StatusOK, &read)
		if len(read.Warnings) != 1 || read.Warnings[0].Code != "warn_mortgaged" {
			t.Errorf("GET of the valid code: warnings = %+v", read.Warnings)
		}
		if _, err := e.app.RevokeVerification(sys, got.Code, "房东撤回委托"); err != nil {
			t.Fatal(err)
		}
		read = verifyAnswer{}
		wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+got.Code, key, ""), http.StatusOK, &read)
		if read.Status != app.VStatusRevoked || len(read.Warnings) != 0 {
			t.Errorf("GET of the revoked code: status %s, warnings %+v, want none", read.Status, read.Warnings)
		}
	})
}

// TestAPIReadEndedCode: GET of a code that is no longer valid says when it
// stopped being valid (ended_at) and why (end_reason: a stable machine code
// and the public check's words, in the request's language), so that a
// platform can take the listing down and tell the agent why. A clerk's
// free-text revocation reason, which may hold a phone or ID number, is
// never in the answer.
func TestAPIReadEndedCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "贝壳找房"})
	c := e.client()
	type endedAnswer struct {
		verifyAnswer
		EndedAt   *string `json:"ended_at"`
		EndReason *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"end_reason"`
	}
	check := func(t *testing.T, v *app.Verification, lang string, at time.Time, code, msgKey string) *resp {
		t.Helper()
		r := c.apiCall("GET", "/api/v1/verifications/"+v.Code, key, "", "Accept-Language", lang)
		var got endedAnswer
		wantAPI(t, r, http.StatusOK, &got)
		if code == "" {
			if got.EndedAt != nil || got.EndReason != nil {
				t.Errorf("%s: a valid code has ended_at %v end_reason %+v\n%s", v.Code, got.EndedAt, got.EndReason, r.body)
			}
			return r
		}
		want := at.UTC().Format(time.RFC3339)
		if got.EndedAt == nil || *got.EndedAt != want {
			t.Errorf("%s (%s): ended_at %v, want %s\n%s", v.Code, got.Status, got.EndedAt, want, r.body)
		}
		if got.EndReason == nil || got.EndReason.Code != code || got.EndReason.Message != msg(lang, msgKey) {
			t.Errorf("%s (%s) %s: end_reason %+v, want %s %q\n%s", v.Code, got.Status, lang, got.EndReason, code, msg(lang, msgKey), r.body)
		}
		return r
	}
	for _, state := range publicCheckStates {
		v := demoVerification(t, e, state)
		for _, lang := range []string{"zh-CN", "en"} {
			switch state {
			case "valid":
				check(t, v, lang, time.Time{}, "", "")
			case "expired":
				check(t, v, lang, v.ValidUntil, "expired", "verify.public_help.expired")
			case "used":
				check(t, v, lang, v.Ended, "contract_signed", "verify.public_help.used")
			case "revoked":
				r := check(t, v, lang, v.Ended, "revoked_by_bureau", "verify.public_help.revoked")
				wantNoText(t, r, v.EndReason)
			case "voided":
				check(t, v, lang, v.Ended, strings.TrimPrefix(v.EndReason, "verify."), v.EndReason)
			}
		}
	}

	// The platform's own code, revoked by a clerk who wrote a phone
	// number in the reason.
	var created verifyAnswer
	wantAPI(t, c.apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty("clear"))), http.StatusCreated, &created)
	revoked, err := e.app.RevokeVerification(e.actor("clerk"), created.Code, "业主来电13800138000称房屋已出售")
	if err != nil {
		t.Fatal(err)
	}
	r := check(t, revoked, "zh-CN", revoked.Ended, "revoked_by_bureau", "verify.public_help.revoked")
	wantNoText(t, r, "13800138000", "已出售")
}

// TestAPIReadMistypedCode: a code an agent typed wrong (a character
// changed, one missing, a letter codes never use) is 422 with the public
// check's message on the field "code", not 404 "no such code": the platform
// can tell the agent to correct it. A well-formed unknown code stays 404.
func TestAPIReadMistypedCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "贝壳找房"})
	c := e.client()
	code := demoVerification(t, e, "valid").Code
	typo := code[:11] + map[bool]string{true: "2", false: "3"}[code[11] != '2']
	for _, tc := range []struct{ code, want, key string }{
		{typo, "code_mistyped", "verify.code_mistyped"},
		{code[:11], "code_malformed", "verify.code_malformed"},
		{code[:11] + "O", "code_bad_char", "verify.code_bad_char"},
	} {
		for _, lang := range []string{"zh-CN", "en"} {
			wantAPIError(t, c.apiCall("GET", "/api/v1/verifications/"+tc.code, key, "", "Accept-Language", lang),
				http.StatusUnprocessableEntity, tc.want, "code", msg(lang, tc.key))
		}
	}
	wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+strings.ToLower(code), key, ""), http.StatusOK, nil)
	wantAPIError(t, c.apiCall("GET", "/api/v1/verifications/"+app.NewVerificationCode(), key, ""), http.StatusNotFound, "not_found", "", zh("api.not_found"))
}

// A duplicate refusal tells another platform or agency that the listing is
// taken, never by whom nor under which code (the public check of a code
// names who asked for it); a clerk, who may see every verification, is
// shown both.
func TestDuplicateRefusalNamesNoCompetitor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, holder := e.apiKey(app.APIKeyInput{Name: "贝壳找房"})
	_, other := e.apiKey(app.APIKeyInput{Name: "58同城"})
	prop := e.demoProperty("clear")
	var held verifyAnswer
	wantAPI(t, e.client().apiCall("POST", "/api/v1/verifications", holder, verifyBody(prop)), http.StatusCreated, &held)
	code := app.FormatVerificationCode(held.Code)

	r := e.client().apiCall("POST", "/api/v1/verifications", other, verifyBody(prop))
	wantAPIError(t, r, http.StatusUnprocessableEntity, "duplicate", "cert_no", zh("verify.duplicate"))
	wantNoText(t, r, "贝壳找房", code, held.Code)
	r = e.client().apiCall("POST", "/api/v1/verifications", other, verifyBody(prop), "Accept-Language", "en")
	wantAPIError(t, r, http.StatusUnprocessableEntity, "duplicate", "cert_no", en("verify.duplicate"))
	wantNoText(t, r, "贝壳找房", code, held.Code)

	o := prop.Owners[0]
	form := url.Values{"district": {prop.District}, "cert_type": {prop.CertType}, "cert_no": {prop.CertNo},
		"owner_name": {o.Name}, "owner_id_type": {o.IDType}, "owner_id_no": {o.IDNo}, "address": {prop.Address},
		"area": {fmt.Sprint(prop.Area)}, "rooms": {"2"}, "halls": {"1"}, "baths": {"1"}, "rent": {"6500"}, "mode": {"whole"}}
	r = e.signedIn("agency", "agent.zhang").post("/agency/verifications", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantText(t, r, zh("verify.duplicate"))
	wantNoText(t, r, "贝壳找房", code, held.Code)

	r = e.signedIn("gov", "clerk").post("/gov/verifications", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantText(t, r, zh("verify.duplicate"), code, "贝壳找房",
		`<a href="/gov/verifications/`+held.Code+`">`+zh("verify.open_existing")+`</a>`)
	wantOK(t, e.signedIn("gov", "clerk").get("/gov/verifications/"+held.Code))
}

// The verification form with the registry out of reach says so, and not
// that the verification failed ("核验未通过：…本次不计为核验失败" read as both),
// in both portals and languages; the input is kept.
func TestVerifyFormRegistryUnavailableIsNoRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	e.setParams(app.ParamConnectorMode, "connector", app.ParamConnectorURL, deadURL)
	prop := e.demoProperty("clear")
	o := prop.Owners[0]
	form := url.Values{"district": {prop.District}, "cert_type": {prop.CertType}, "cert_no": {prop.CertNo},
		"owner_name": {o.Name}, "owner_id_type": {o.IDType}, "owner_id_no": {o.IDNo}, "address": {prop.Address},
		"area": {fmt.Sprint(prop.Area)}, "rooms": {"2"}, "halls": {"1"}, "baths": {"1"}, "rent": {"6500"}, "mode": {"whole"}}
	for _, c := range []struct{ portal, user string }{{"gov", "clerk"}, {"agency", "agent.zhang"}} {
		s := e.signedIn(c.portal, c.user)
		for _, lang := range []string{"zh-CN", "en"} {
			r := s.post("/"+c.portal+"/verifications", form, "Accept-Language", lang)
			wantStatus(t, r, http.StatusServiceUnavailable)
			wantText(t, r, `role="alert"><strong>`+msg(lang, "verify.registry_unavailable")+"</strong>", prop.CertNo)
			wantNoText(t, r, msg(lang, "verify.refused"))
		}
	}
}

func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, key := e.apiKey(app.APIKeyInput{Name: "平台甲"})
	c := e.client()
	body := verifyBody(e.demoProperty("clear"))
	before := e.verificationCount()
	for _, tc := range []struct{ name, auth, msgKey string }{
		{"missing", "", "api.key_missing"},
		{"not bearer", "Basic " + key, "api.key_missing"},
		{"wrong", "Bearer " + key[:len(key)-2] + "zz", "api.key_invalid"},
		{"garbage", "Bearer 12345", "api.key_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.apiCall("POST", "/api/v1/verifications", "", body, "Authorization", tc.auth)
			wantAPIError(t, r, http.StatusUnauthorized, "unauthorized", "", zh(tc.msgKey))
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
			}
		})
	}
	wantAPIError(t, c.apiCall("GET", "/api/v1/verifications/ABCD", "", ""), http.StatusUnauthorized, "unauthorized", "", "")
	if _, err := e.app.RevokeAPIKey(sys, k.ID, "合作终止"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, body, "Accept-Language", "en"), http.StatusUnauthorized,
		"unauthorized", "", en("api.key_revoked"))
	if n := e.verificationCount(); n != before {
		t.Fatalf("unauthorised requests made verifications: %d → %d", before, n)
	}
}

func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "慢平台", RatePerMin: 2})
	_, other := e.apiKey(app.APIKeyInput{Name: "另一平台", RatePerMin: 2})
	c := e.client()
	for range 2 {
		wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+app.NewVerificationCode(), key, ""), http.StatusNotFound, nil)
	}
	r := c.apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty("clear")))
	wantAPIError(t, r, http.StatusTooManyRequests, "rate_limited", "", "")
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 30 {
		t.Errorf("Retry-After = %q, want 1..30 seconds (2 per minute)", r.Header.Get("Retry-After"))
	}
	// The limit is per key.
	wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+app.NewVerificationCode(), other, ""), http.StatusNotFound, nil)
}

func TestAPIBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "平台甲"})
	c := e.client()
	p := e.demoProperty("clear")
	before := e.verificationCount()
	huge := verifyBody(p, "listing.address", strings.Repeat("很", 70<<10/3))
	for _, tc := range []struct{ name, body, msgKey, field string }{
		{"not JSON", `{"district": `, "api.bad_json", ""},
		{"not an object", `[1,2]`, "api.bad_json", ""},
		{"empty", ``, "api.bad_json", ""},
		{"trailing data", verifyBody(p) + `{}`, "api.bad_json", ""},
		{"unknown field", verifyBody(p, "owner_phone", "13800000000"), "api.unknown_field", "owner_phone"},
		{"unknown listing field", verifyBody(p, "listing.floor", 3), "api.unknown_field", "listing.floor"},
		{"unknown co-owner field", verifyBody(p, "co_owners", []map[string]string{{"owner_name": "李四", "phone": "1"}}), "api.unknown_field", "co_owners.0.phone"},
		{"wrong type", verifyBody(p, "cert_no", 12345), "api.bad_type", "cert_no"},
		{"wrong type in the listing", verifyBody(p, "listing.layout", "2室1厅1卫"), "api.bad_type", "listing.layout"},
		// Numbers are numbers: a quoted one is refused as the wrong type on
		// its field, as a word or a boolean is.
		{"area as a string", verifyBody(p, "listing.area", "55.5"), "api.bad_type", "listing.area"},
		{"area as a word", verifyBody(p, "listing.area", "abc"), "api.bad_type", "listing.area"},
		{"area as a boolean", verifyBody(p, "listing.area", true), "api.bad_type", "listing.area"},
		{"rent as a string", verifyBody(p, "listing.rent", "3000"), "api.bad_type", "listing.rent"},
		{"rooms as a string", verifyBody(p, "listing.layout", map[string]any{"rooms": "2", "halls": 1, "baths": 1}), "api.bad_type", "listing.layout.rooms"},
		{"halls as a string", verifyBody(p, "listing.layout", map[string]any{"rooms": 2, "halls": "1", "baths": 1}), "api.bad_type", "listing.layout.halls"},
		{"baths as a word", verifyBody(p, "listing.layout", map[string]any{"rooms": 2, "halls": 1, "baths": "一"}), "api.bad_type", "listing.layout.baths"},
		// rent and the layout are integers (openapi.json): a fraction is
		// the wrong type too, not a value the platform may have meant.
		{"rent with a fraction", verifyBody(p, "listing.rent", 6500.5), "api.bad_type", "listing.rent"},
		{"rooms with a fraction", verifyBody(p, "listing.layout", map[string]any{"rooms": 2.5, "halls": 1, "baths": 1}), "api.bad_type", "listing.layout.rooms"},
		{"baths with an exponent fraction", verifyBody(p, "listing.layout", map[string]any{"rooms": 2, "halls": 1, "baths": json.Number("15e-1")}), "api.bad_type", "listing.layout.baths"},
		{"rent with a tiny fraction", verifyBody(p, "listing.rent", json.Number("6500.0000000000000001")), "api.bad_type", "listing.rent"},
		{"halls below 1", verifyBody(p, "listing.layout", map[string]any{"rooms": 2, "halls": json.Number("1e-400"), "baths": 1}), "api.bad_type", "listing.layout.halls"},
		{"over 64 KiB", huge, "api.body_too_large", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := zh(tc.msgKey)
			if tc.msgKey != "api.bad_json" && tc.msgKey != "api.body_too_large" {
				want = zh(tc.msgKey, tc.field)
			}
			wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, tc.body), http.StatusBadRequest, "bad_request", tc.field, want)
		})
	}
	wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, verifyBody(p), "Content-Type", "application/x-www-form-urlencoded"),
		http.StatusBadRequest, "bad_request", "", zh("api.content_type"))
	wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, verifyBody(p), "Idempotency-Key", "has space"),
		http.StatusBadRequest, "bad_request", "Idempotency-Key", zh("api.idempotency_key_invalid"))
	if n := e.verificationCount(); n != before {
		t.Fatalf("bad requests made verifications: %d → %d", before, n)
	}

	r := c.apiCall("GET", "/api/v1/verifications", key, "")
	wantAPIError(t, r, http.StatusMethodNotAllowed, "method_not_allowed", "", zh("api.method"))
	if r.Header.Get("Allow") != "POST" {
		t.Errorf("Allow = %q", r.Header.Get("Allow"))
	}
	wantAPIError(t, c.apiCall("DELETE", "/api/v1/verifications/ABCD", key, ""), http.StatusMethodNotAllowed, "method_not_allowed", "", "")
	wantAPIError(t, c.apiCall("GET", "/api/v2/nothing", key, ""), http.StatusNotFound, "not_found", "", zh("api.no_such_endpoint"))
}

// An integer written as a number with a zero fraction or an exponent
// (6500.0, 6.5e3: what a platform computing in floating point sends) is
// an integer for openapi.json (JSON Schema), so it is accepted and kept
// as that integer.
func TestAPIIntegersWrittenAsDecimals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "平台甲"})
	c := e.client()
	body := verifyBody(e.demoProperty("clear"), "listing.rent", json.Number("6.5e3"),
		"listing.layout", map[string]any{"rooms": json.Number("3.0"), "halls": json.Number("1.00"), "baths": json.Number("2E0")})
	var created verifyAnswer
	wantAPI(t, c.apiCall("POST", "/api/v1/verifications", key, body), http.StatusCreated, &created)
	var got verifyAnswer
	wantAPI(t, c.apiCall("GET", "/api/v1/verifications/"+created.Code, key, ""), http.StatusOK, &got)
	if l := got.Listing; l == nil || l.Rent != 6500 || l.Layout.Rooms != 3 || l.Layout.Halls != 1 || l.Layout.Baths != 2 {
		t.Fatalf("listing = %+v", l)
	}
}

func TestAPIRegistryUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "平台甲"})
	c := e.client()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	e.setParams(app.ParamConnectorMode, "connector", app.ParamConnectorURL, deadURL)
	body := verifyBody(e.demoProperty("clear"))
	before := e.verificationCount()
	wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, body, "Idempotency-Key", "retry-1"),
		http.StatusServiceUnavailable, "registry_unavailable", "", zh("verify.registry_unavailable"))
	if n := e.verificationCount(); n != before {
		t.Fatalf("an unavailable registry made a verification")
	}
	// The 503 was not kept: once the registry answers, the retry verifies.
	e.setParams(app.ParamConnectorMode, "off")
	r := c.apiCall("POST", "/api/v1/verifications", key, body, "Idempotency-Key", "retry-1")
	wantAPI(t, r, http.StatusCreated, nil)
	if r.Header.Get("Idempotent-Replayed") != "" {
		t.Error("the retry after a 503 was a replay")
	}
}

func TestAPIIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "平台甲"})
	_, other := e.apiKey(app.APIKeyInput{Name: "平台乙"})
	c := e.client()
	p := e.demoProperty("clear")
	body := verifyBody(p)
	before := e.verificationCount()

	first := c.apiCall("POST", "/api/v1/verifications", key, body, "Idempotency-Key", "order-42")
	wantAPI(t, first, http.StatusCreated, nil)
	again := c.apiCall("POST", "/api/v1/verifications", key, body, "Idempotency-Key", "order-42")
	wantAPI(t, again, http.StatusCreated, nil)
	if again.body != first.body || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered %s (replayed %q), first %s", again.body, again.Header.Get("Idempotent-Replayed"), first.body)
	}
	if n := e.verificationCount(); n != before+1 {
		t.Fatalf("verifications %d → %d, want one", before, n)
	}
	wantAPIError(t, c.apiCall("POST", "/api/v1/verifications", key, verifyBody(p, "listing.rent", 7000), "Idempotency-Key", "order-42"),
		http.StatusUnprocessableEntity, "idempotency_mismatch", "Idempotency-Key", zh("api.idempotency_mismatch"))
	// Another platform's key space is its own.
	wantAPI(t, c.apiCall("POST", "/api/v1/verifications", other, verifyBody(e.demoProperty("mortgaged")), "Idempotency-Key", "order-42"),
		http.StatusCreated, nil)
	// A refusal is replayed too.
	bad := verifyBody(p, "owner_id_no", "110105194912310021")
	r1 := c.apiCall("POST", "/api/v1/verifications", key, bad, "Idempotency-Key", "order-43")
	r2 := c.apiCall("POST", "/api/v1/verifications", key, bad, "Idempotency-Key", "order-43")
	if r1.StatusCode != http.StatusUnprocessableEntity || r2.StatusCode != r1.StatusCode || r2.body != r1.body {
		t.Fatalf("refusal retried: %d %s / %d %s", r1.StatusCode, r1.body, r2.StatusCode, r2.body)
	}

	t.Run("concurrent duplicates", func(t *testing.T) {
		before := e.verificationCount()
		co := e.demoProperty("coowned")
		body := verifyBody(co, "co_owners", []map[string]string{{"owner_name": co.Owners[1].Name, "owner_id_type": "resident_id", "owner_id_no": co.Owners[1].IDNo}})
		answers := make([]*resp, 10)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = e.client().apiCall("POST", "/api/v1/verifications", key, body, "Idempotency-Key", "burst-1")
			}()
		}
		wg.Wait()
		replays := 0
		for _, a := range answers {
			if a.StatusCode != http.StatusCreated || a.body != answers[0].body {
				t.Fatalf("answers differ: %d %s / %d %s", a.StatusCode, a.body, answers[0].StatusCode, answers[0].body)
			}
			if a.Header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		}
		if n := e.verificationCount(); n != before+1 || replays != 9 {
			t.Fatalf("10 concurrent duplicates: verifications %d → %d, %d replays; want one verification, 9 replays", before, n, replays)
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	wantAPI(t, e.client().get("/api/v1/openapi.json"), http.StatusOK, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if _, ok := doc.Paths["/api/v1/verifications"]["post"]; !ok {
		t.Error("no POST /api/v1/verifications")
	}
	if _, ok := doc.Paths["/api/v1/verifications/{code}"]["get"]; !ok {
		t.Error("no GET /api/v1/verifications/{code}")
	}
	// Every status the handlers answer is documented.
	post := doc.Paths["/api/v1/verifications"]["post"].(map[string]any)["responses"].(map[string]any)
	for _, s := range []string{"201", "400", "401", "422", "429", "503"} {
		if _, ok := post[s]; !ok {
			t.Errorf("POST response %s not documented", s)
		}
	}
}

// The request examples in README.md, on the documentation page and in
// openapi.json are sent as they stand to a demo instance and pass, so that
// an integrator's first try works and the examples cannot drift from the
// demo data again.
func TestAPIDocExamplesVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.apiKey(app.APIKeyInput{Name: "示例平台"})
	curlBody := regexp.MustCompile(`(?s)-d '(\{.*?\})'`)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, api, _ := strings.Cut(string(readme), "## The API")
	m := curlBody.FindStringSubmatch(api)
	if m == nil {
		t.Fatal("README.md: no curl -d '…' example under \"The API\"")
	}
	examples := map[string]string{"README.md": m[1]}
	docs := wantOK(t, e.signedIn("gov", "sysadmin").get("/gov/api-docs"))
	if m = curlBody.FindStringSubmatch(docs.body); m == nil {
		t.Fatal("/gov/api-docs: no curl -d '…' example")
	}
	examples["/gov/api-docs"] = html.UnescapeString(m[1])
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	wantAPI(t, e.client().get("/api/v1/openapi.json"), http.StatusOK, &doc)
	examples["openapi.json"] = string(doc.Paths["/api/v1/verifications"]["post"].RequestBody.Content["application/json"].Example)
	for where, body := range examples {
		// One platform: its second code for the same listing is no duplicate.
		r := e.client().apiCall("POST", "/api/v1/verifications", key, body)
		if r.StatusCode != http.StatusCreated {
			t.Errorf("the example of %s: status %d, want 201\n%s\n%s", where, r.StatusCode, body, r.body)
		}
	}
}

// The documentation page says what the API really answers: its error table
// has every status README.md and openapi.json list (408 included), the 500
// message says where the request ID is in a JSON answer, and the examples'
// times have the form of the real answers (UTC).
func TestAPIDocsAgreeWithAnswers(t *testing.T) {
	t.Parallel()
	// A server set to Beijing time: the answers are in UTC all the same.
	e := newEnvClock(t, &clock{t: time.Now().In(time.FixedZone("CST", 8*3600))})
	_, key := e.apiKey(app.APIKeyInput{Name: "示例平台"})
	admin := e.signedIn("gov", "sysadmin")
	for _, lang := range []string{"zh-CN", "en"} {
		docs := wantOK(t, admin.get("/gov/api-docs", "Accept-Language", lang))
		wantText(t, docs,
			"<td>408</td><td><code>request_timeout</code></td><td>"+msg(lang, "api.read_timeout", 20)+"</td>",
			"<td>500</td><td><code>internal</code></td><td>"+msg(lang, "api.internal")+"</td>")
		wantNoText(t, docs, msg(lang, "error.internal"), "+08:00")
	}
	for _, lang := range []string{"zh-CN", "en"} {
		if m := msg(lang, "api.internal"); !strings.Contains(m, "request_id") || !strings.Contains(m, "X-Request-ID") {
			t.Errorf("the API's 500 message in %s does not say where the request ID is: %q", lang, m)
		}
	}

	var created verifyAnswer
	wantAPI(t, e.client().apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty("clear"))), http.StatusCreated, &created)
	var got struct {
		ValidUntil string `json:"valid_until"`
		Created    string `json:"created"`
	}
	wantAPI(t, e.client().apiCall("GET", "/api/v1/verifications/"+created.Code, key, ""), http.StatusOK, &got)
	utc := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	for what, v := range map[string]string{"POST valid_until": created.ValidUntil, "GET valid_until": got.ValidUntil, "GET created": got.Created} {
		if !utc.MatchString(v) {
			t.Errorf("%s = %q, want RFC 3339 in UTC as documented", what, v)
		}
	}
	docs := wantOK(t, admin.get("/gov/api-docs"))
	openapi := e.client().get("/api/v1/openapi.json")
	times := regexp.MustCompile(`"(?:valid_until|created)": ?"([^"]+)"`)
	n := 0
	for _, body := range []string{html.UnescapeString(docs.body), openapi.body} {
		for _, m := range times.FindAllStringSubmatch(body, -1) {
			n++
			if !utc.MatchString(m[1]) {
				t.Errorf("a documented example time %q is not in the form of the answers (UTC)", m[1])
			}
		}
	}
	if n < 4 {
		t.Errorf("found %d example times in the docs page and openapi.json, want at least 4", n)
	}
	// The example codes are codes the platform could issue: one failing
	// its check character would be refused as mistyped on the public check
	// an integrator opens from the example's check_url.
	codes := regexp.MustCompile(`"code": ?"([0-9A-Z]{12})"|/v/([0-9A-Z]{12})`)
	n = 0
	for _, body := range []string{html.UnescapeString(docs.body), openapi.body} {
		for _, m := range codes.FindAllStringSubmatch(body, -1) {
			n++
			if c := m[1] + m[2]; app.CheckVerificationCode(c) != app.VCodeOK {
				t.Errorf("a documented example code %s is not a well-formed code (check character)", c)
			}
		}
	}
	if n < 4 {
		t.Errorf("found %d example codes in the docs page and openapi.json, want at least 4", n)
	}
}

func TestAPIKeyPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")

	list := wantOK(t, admin.get("/gov/admin/apikeys"))
	wantText(t, list, zh("apikeys.title"), zh("apikeys.new"), zh("apikeys.none"), "朝阳区")
	wantText(t, wantOK(t, admin.get("/gov/")), zh("nav.apikeys"), zh("nav.api_docs"))

	t.Run("invalid input is shown again", func(t *testing.T) {
		r := admin.post("/gov/admin/apikeys", url.Values{"name": {""}, "contact": {"王五 010-12345678"}, "rate": {"abc"}, "districts": {"110108"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, zh("form.invalid"))
		wantFieldError(t, r, "name", zh("apikey.name_required"))
		wantFieldError(t, r, "rate", zh("apikey.rate_invalid"))
		wantInputValue(t, r, "contact", "王五 010-12345678")
		wantInputValue(t, r, "rate", "abc")
		if !strings.Contains(r.body, `value="110108" checked`) {
			t.Error("the ticked district is not kept")
		}
	})

	t.Run("an unknown or disabled district is named", func(t *testing.T) {
		// A box ticked on a page loaded before the district was disabled,
		// or a crafted post: the message says which code to correct.
		form := url.Values{"name": {"链家"}, "districts": {"110105", "999999", "120101"}}
		r := admin.post("/gov/admin/apikeys", form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "districts", fmt.Sprintf(zh("apikey.district_unknown"), "999999, 120101"))
		r = admin.post("/gov/admin/apikeys", form, "Accept-Language", "en")
		wantFieldError(t, r, "districts", fmt.Sprintf(en("apikey.district_unknown"), "999999, 120101"))
	})

	r := admin.post("/gov/admin/apikeys", url.Values{"name": {"贝壳找房"}, "contact": {"王五"}, "rate": {"1200"}, "districts": {"110105"}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("apikeys.secret_title"), "贝壳找房", zh("apikeys.secret_note"))
	// Who keeps only the hash is this system, not the platform the key is
	// handed to (平台 on this page is the listing platform).
	wantText(t, r, "本系统只保存其摘要")
	wantNoText(t, r, "平台只保存")
	m := regexp.MustCompile(`<code class="secret" id="apikey">([^<]+)</code>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no key on the page\n%s", visibleText(r.body))
	}
	key := m[1]
	wantAPI(t, e.client().apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty("clear"))), http.StatusCreated, nil)

	list = wantOK(t, admin.get("/gov/admin/apikeys"))
	wantText(t, list, "贝壳找房", "王五", "anju_"+key[5:13]+"_…", fmt.Sprintf(zh("apikeys.rate_value"), 1200), zh("apikeys.live"))
	wantNoText(t, list, key[14:], zh("apikeys.never"))
	if !regexp.MustCompile(`data-label="` + regexp.QuoteMeta(zh("apikeys.uses")) + `">1</td>`).MatchString(list.body) {
		t.Error("the list does not show the key's one use")
	}
	id := regexp.MustCompile(`action="/gov/admin/apikeys/([0-9]+)/revoke"`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatal("no revoke form")
	}
	if !strings.Contains(list.body, `data-confirm="`+zh("apikeys.revoke_confirm")+`"`) {
		t.Error("revoking is not confirmed")
	}
	// The browser asks for the reason before the confirm dialog: the field
	// is required and the form lets the browser validate it.
	revokeForm := regexp.MustCompile(`(?s)<form method="post" action="/gov/admin/apikeys/` + id[1] + `/revoke"[^>]*>.*?</form>`).FindString(list.body)
	if strings.Contains(revokeForm, "novalidate") || !regexp.MustCompile(`<input id="reason-`+id[1]+`" name="reason"[^>]* required[ >]`).MatchString(revokeForm) {
		t.Errorf("the revoke reason is not checked by the browser before confirming:\n%s", revokeForm)
	}

	r = admin.post("/gov/admin/apikeys/"+id[1]+"/revoke", url.Values{"reason": {" "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "reason", zh("apikey.reason_required"))
	wantRedirect(t, admin.post("/gov/admin/apikeys/"+id[1]+"/revoke", url.Values{"reason": {"合作终止"}}), "/gov/admin/apikeys")
	list = wantOK(t, admin.get("/gov/admin/apikeys"))
	wantText(t, list, zh("apikeys.revoked_ok"), zh("apikeys.revoked"), "合作终止")
	wantAPIError(t, e.client().apiCall("GET", "/api/v1/verifications/ABCD", key, ""), http.StatusUnauthorized, "unauthorized", "", zh("api.key_revoked"))

	t.Run("documentation", func(t *testing.T) {
		docs := wantOK(t, admin.get("/gov/api-docs"))
		wantText(t, docs, zh("api_docs.title"), "POST /api/v1/verifications", "Idempotency-Key", "Retry-After", "owner_mismatch",
			zh("verify.owner_mismatch"), "registry_unavailable", "district_not_allowed", "/api/v1/openapi.json")
		docsEN := wantOK(t, admin.get("/gov/api-docs", "Accept-Language", "en"))
		wantText(t, docsEN, en("api_docs.title"), "Authentication", "Idempotency-Key", en("verify.owner_mismatch"))
	})

	t.Run("a clerk may not", func(t *testing.T) {
		clerk := e.signedIn("gov", "clerk")
		wantStatus(t, clerk.get("/gov/admin/apikeys"), http.StatusForbidden)
		wantStatus(t, clerk.post("/gov/admin/apikeys", url.Values{"name": {"偷偷建的"}}), http.StatusForbidden)
		wantStatus(t, clerk.post("/gov/admin/apikeys/"+id[1]+"/revoke", url.Values{"reason": {"x"}}), http.StatusForbidden)
		wantStatus(t, clerk.get("/gov/api-docs"), http.StatusForbidden)
		wantNoText(t, wantOK(t, clerk.get("/gov/")), zh("nav.apikeys"))
		keys, _ := e.app.ListAPIKeys(sys)
		if len(keys) != 1 {
			t.Errorf("%d keys, want 1", len(keys))
		}
	})
}

// The key list masks a mobile number in the contact, as other lists do.
func TestAPIKeyListMasksContactPhone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apiKey(app.APIKeyInput{Name: "贝壳找房", Contact: "张经理 13912345678"})
	list := wantOK(t, e.signedIn("gov", "sysadmin").get("/gov/admin/apikeys"))
	wantText(t, list, "贝壳找房", "张经理 139****5678")
	wantNoText(t, list, "13912345678")
}

// The English key page and docs say that this system keeps only the key's
// hash: "the platform" is the one the key is handed to.
func TestAPIKeySecretHashKeeperEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	for _, page := range []*resp{admin.get("/gov/api-docs", "Accept-Language", "en"), admin.post("/gov/admin/apikeys", url.Values{"name": {"58同城"}}, "Accept-Language", "en")} {
		wantStatus(t, page, http.StatusOK)
		wantNoText(t, page, "the platform keeps only its hash")
		wantText(t, page, "system keeps only its hash")
	}
}

// A key made with `anju apikey create` says so in the list, in words, not
// by the internal actor name "system:cli apikey"; one made in the page
// names its sysadmin.
func TestAPIKeyListNamesConsoleCreator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, _, err := e.app.CreateAPIKey(app.SystemActor("cli apikey"), app.APIKeyInput{Name: "脚本平台"}); err != nil {
		t.Fatal(err)
	}
	sys := e.signedIn("gov", "sysadmin")
	wantOK(t, sys.post("/gov/admin/apikeys", url.Values{"name": {"页面平台"}}))
	for lang, want := range map[string]string{"zh-CN": zh("actor.console", "anju apikey"), "en": en("actor.console", "anju apikey")} {
		list := wantOK(t, sys.get("/gov/admin/apikeys", "Accept-Language", lang))
		wantText(t, list, want, `<span class="muted small">sysadmin</span>`)
		wantNoText(t, list, "system:")
	}
}

// A platform that trickles its body in gets 408 when the API's read
// deadline passes, instead of holding the connection; the next request on
// a new connection is served as usual.
func TestAPISlowBodyTimesOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.SetAPIReadTimeout(300 * time.Millisecond)
	_, key := e.apiKey(app.APIKeyInput{Name: "平台甲"})
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := verifyBody(e.demoProperty("clear"))
	fmt.Fprintf(conn, "POST /api/v1/verifications HTTP/1.1\r\nHost: anju\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		key, len(body), body[:10]) // the rest never comes
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), `"request_timeout"`) || !strings.Contains(string(b), zh("api.read_timeout", 20)) {
		t.Fatalf("stalled body answered %d %s", resp.StatusCode, b)
	}
	wantAPI(t, e.client().apiCall("POST", "/api/v1/verifications", key, body), http.StatusCreated, nil)
}
