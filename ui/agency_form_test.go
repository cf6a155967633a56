package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"anju/app"
)

// startFilingUI posts the first step of a new filing as c and returns the
// application's base path.
func startFilingUI(t *testing.T, c *client, v url.Values) string {
	t.Helper()
	r := c.post("/gov/agencies/new", v)
	m := appPath.FindStringSubmatch(r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("first step: %d to %q\n%s", r.StatusCode, r.Header.Get("Location"), visibleText(r.body))
	}
	return "/gov/agency-applications/" + m[1]
}

// readyToSubmit fills the premises and licence steps through the app.
func (e *env) readyToSubmit(actor app.Actor, ref app.AppRef, name, uscc string) {
	e.t.Helper()
	if _, err := e.app.SaveStep(actor, ref, app.StepPremises, filingForm(name, uscc), true); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.app.AttachLicence(actor, ref, "licence.png", licencePNG); err != nil {
		e.t.Fatal(err)
	}
}

func appRefOf(t *testing.T, base string) app.AppRef {
	t.Helper()
	id, err := strconv.ParseUint(base[strings.LastIndexByte(base, '/')+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return app.AppRef{ID: id}
}

// A credit code typed in lower case is kept and shown as it will be filed:
// on the confirm step, the reviewer's page and the public applicant's page.
func TestCreditCodeIsShownAsFiled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	code := testUSCC("91110105MA01XX001")
	base := startFilingUI(t, clerk, step1Values("北京小写代码经纪有限公司", strings.ToLower(code)))
	wantInputValue(t, clerk.get(base+"/step/1"), "uscc", code)
	e.readyToSubmit(e.actor("clerk"), appRefOf(t, base), "北京小写代码经纪有限公司", code)
	r := clerk.get(base + "/step/4")
	wantText(t, r, code)
	wantNoText(t, r, strings.ToLower(code))
	wantRedirect(t, clerk.post(base+"/submit", nil), base)
	r = e.signedIn("gov", "reviewer").get(base)
	wantText(t, r, code)
	wantNoText(t, r, strings.ToLower(code))

	pub := e.client()
	code2 := testUSCC("91110105MA01XX002")
	v := step1Values("北京小写代码住房租赁有限公司", " "+strings.ToLower(code2))
	v.Set("applicant_name", "郑女士")
	v.Set("applicant_mobile", "13911112222")
	r = pub.post("/agencies/apply", v)
	wantRedirectPrefix(t, r, "/agencies/apply/")
	r = pub.get(strings.TrimSuffix(r.Header.Get("Location"), "/step/2"))
	wantText(t, r, code2)
	wantNoText(t, r, strings.ToLower(code2))
}

// A credit code held by an agency on the register is named beside the
// field when the first step is saved, not only at submission.
func TestTakenCreditCodeIsNamedOnTheFirstStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	const taken = "91110105MA01ANJU13" // 北京安居房地产经纪有限公司
	r := clerk.post("/gov/agencies/new", step1Values("北京重号经纪有限公司", taken))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "uscc", zh("agency.uscc_taken"))
	wantInputValue(t, r, "name", "北京重号经纪有限公司")

	// Back on step 1 of a draft.
	base := startFilingUI(t, clerk, step1Values("北京重号经纪有限公司", testUSCC("91110105MA01CH001")))
	r = clerk.post(base+"/step/1", step1Values("北京重号经纪有限公司", strings.ToLower(taken)))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "uscc", zh("agency.uscc_taken"))

	// The public self-application too, in English.
	pub := e.client()
	pub.setCookie("lang", "en")
	v := step1Values("北京重号住房租赁有限公司", taken)
	v.Set("applicant_name", "郑女士")
	v.Set("applicant_mobile", "13911112222")
	r = pub.post("/agencies/apply", v)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "uscc", en("agency.uscc_taken"))
}

// The founding date reads like every other date on the application's
// page (the reviewer's and the public applicant's); a draft's date typed
// wrongly is shown as typed.
func TestFoundingDateIsFormatted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	v := step1Values("北京成立日期经纪有限公司", testUSCC("91110105MA01RQ001"))
	v.Set("established", "2021-07-01")
	base := startFilingUI(t, clerk, v)
	e.readyToSubmit(e.actor("clerk"), appRefOf(t, base), "北京成立日期经纪有限公司", testUSCC("91110105MA01RQ001"))
	wantRedirect(t, clerk.post(base+"/submit", nil), base)
	reviewer := e.signedIn("gov", "reviewer")
	r := reviewer.get(base)
	wantText(t, r, "2021年7月1日")
	wantNoText(t, r, "2021-07-01")
	reviewer.setCookie("lang", "en")
	r = reviewer.get(base)
	wantText(t, r, "1 Jul 2021")
	wantNoText(t, r, "2021-07-01")

	pub := e.client()
	p := step1Values("北京成立日期住房租赁有限公司", testUSCC("91110105MA01RQ002"))
	p.Set("established", "2021-07-01")
	p.Set("applicant_name", "郑女士")
	p.Set("applicant_mobile", "13911112222")
	r = pub.post("/agencies/apply", p)
	wantRedirectPrefix(t, r, "/agencies/apply/")
	r = pub.get(strings.TrimSuffix(r.Header.Get("Location"), "/step/2"))
	wantText(t, r, "2021年7月1日")

	draft := startFilingUI(t, clerk, step1Values("北京草稿日期经纪有限公司", testUSCC("91110105MA01RQ003")))
	d := step1Values("北京草稿日期经纪有限公司", testUSCC("91110105MA01RQ003"))
	d.Set("established", "2021/7/1")
	d.Set("go", "save")
	wantRedirect(t, clerk.post(draft+"/step/1", d), draft+"/step/1")
	wantText(t, clerk.get(draft), "2021/7/1")
}

var reOption = regexp.MustCompile(`<option value="([^"]*)"`)

// districtOptions lists the values the select named name offers.
func districtOptions(r *resp, name string) []string {
	sel := regexp.MustCompile(`(?s)<select[^>]*\sname="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</select>`).FindStringSubmatch(r.body)
	if sel == nil {
		return nil
	}
	var out []string
	for _, m := range reOption.FindAllStringSubmatch(sel[1], -1) {
		if m[1] != "" {
			out = append(out, m[1])
		}
	}
	return out
}

// A district's clerk is offered only his own district, chosen, where he
// makes a record in a district; a city-wide clerk every enabled district.
func TestDistrictClerkIsOfferedHisDistrictOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingRequiresSign, "false") // the back-entry form shows
	pages := []string{"/gov/verifications/new", "/gov/contracts/backentry", "/gov/filings/new", "/gov/agencies/new"}
	clerk := e.signedIn("gov", "clerk")
	for _, p := range pages {
		r := wantOK(t, clerk.get(p))
		if got := districtOptions(r, "district"); len(got) != 1 || got[0] != "110105" {
			t.Errorf("%s offers the Chaoyang clerk %v", p, got)
		}
		wantSelected(t, p, r, "district", "110105")
	}
	// A filing's premises may lie in any district.
	base := startFilingUI(t, clerk, step1Values("北京区县经纪有限公司", testUSCC("91110105MA01QX001")))
	if got := districtOptions(wantOK(t, clerk.get(base+"/step/2")), "premises.0.district"); !slices.Contains(got, "110108") {
		t.Errorf("premises districts offered: %v", got)
	}

	if _, err := e.app.UpdateUser(sys, e.userID("clerk.hd"), app.UserInput{Name: "陈静", Roles: []app.Role{app.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	city := e.signedIn("gov", "clerk.hd")
	for _, p := range pages {
		got := districtOptions(wantOK(t, city.get(p)), "district")
		if len(got) < 16 || !slices.Contains(got, "110105") || !slices.Contains(got, "110108") {
			t.Errorf("%s offers the city-wide clerk %v", p, got)
		}
	}
}

// TestCapitalUnitSaidOnce: the agency page names the unit of the
// registered capital once, in the value, in both languages.
func TestCapitalUnitSaidOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("agency", "anju.admin")
	r := c.get("/agency/agency")
	if v := visibleText(r.body); !strings.Contains(v, zh("agency.capital_label")+" ") || strings.Contains(v, zh("agency.capital")) {
		t.Errorf("registered capital reads:\n%s", v)
	}
	c.setCookie("lang", "en")
	if v := visibleText(c.get("/agency/agency").body); strings.Contains(v, en("agency.capital")) || !strings.Contains(v, en("agency.capital_label")) {
		t.Errorf("in English:\n%s", v)
	}
}
