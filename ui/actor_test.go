package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"anju/app"
)

// TestSystemActorsNamedInWords: whatever the system did (a console
// command, a scheduled job, the registry, the demo's loading) is named on
// every page that says who acted in the same words, in both languages,
// never by its internal name "system:…": the audit log, an API key made on
// the console, a registry import from the console, a code voided by the
// registry, a lease expired by the daily job, an automatic scoring
// application, a lapsed credit record and an employment the demo data
// ended (once shown as a user "demo").
func TestSystemActorsNamedInWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, _, err := e.app.CreateAPIKey(app.SystemActor("cli apikey"), app.APIKeyInput{Name: "脚本平台"}); err != nil {
		t.Fatal(err)
	}
	csv := "区县代码,证书类型,不动产权证号,权利人,权利人证件类型,权利人证件号码,共有份额,房屋坐落,建筑面积,规划用途,查封,抵押,异议,注销,限制交易,登记日期\n" +
		"110105,不动产权证书,京(2025)朝阳区不动产权第8800001号,王建,居民身份证,110105195201014528,,北京市朝阳区麒麟路1号,80,住宅,否,否,否,否,否,2020-05-20\n"
	imp, err := e.app.ImportRegistry(app.SystemActor("cli import-registry"), strings.NewReader(csv), "console.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	voided := demoVerification(t, e, "voided")
	expired, err := e.app.SearchContracts(sys, app.ContractQuery{Status: app.ContractExpired, Size: 1})
	if err != nil || len(expired.Items) == 0 {
		t.Fatalf("no expired demo contract: %v", err)
	}
	var lapsed uint64 // a credit record the daily job ended
	for id := uint64(1); id < 500 && lapsed == 0; id++ {
		if r, err := e.app.GetRecord(sys, id); err == nil {
			for _, ev := range r.History {
				if ev.By == "system:credit" {
					lapsed = id
				}
			}
		}
	}
	if lapsed == 0 {
		t.Fatal("no demo credit record ended by the system")
	}
	var left uint64 // a practitioner an employment of whom the demo ended
	ps, err := e.app.SearchPractitioners(sys, app.PractitionerQuery{Status: app.PracLeft, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.Items {
		for _, em := range p.Employments {
			if !em.End.IsZero() && em.EndedBy != "" && left == 0 {
				left = p.ID
			}
		}
	}
	if left == 0 {
		t.Fatal("no demo practitioner with an ended employment")
	}

	admin, leader := e.signedIn("gov", "sysadmin"), e.signedIn("gov", "leader")
	for _, lang := range []string{"zh-CN", "en"} {
		system := func(job string) string { return msg(lang, "actor.system_job", msg(lang, "actor.job."+job)) }
		for _, c := range []struct {
			c    *client
			path string
			want []string
		}{
			{admin, "/gov/admin/audit", []string{system("demo")}},
			{admin, "/gov/admin/apikeys", []string{msg(lang, "actor.console", "anju apikey")}},
			{admin, "/gov/admin/registry/imports/" + itoa(imp.ID), []string{msg(lang, "actor.console", "anju import-registry")}},
			{leader, "/gov/verifications/" + voided.Code, []string{system("registry")}},
			{leader, "/gov/contracts/" + itoa(expired.Items[0].ID), []string{system("daily")}},
			{admin, "/gov/credit/applications", []string{system("credit")}},
			{admin, "/gov/credit/records/" + itoa(lapsed), []string{system("credit")}},
			{leader, "/gov/practitioners/" + itoa(left), []string{system("demo")}},
		} {
			r := wantOK(t, c.c.get(c.path, "Accept-Language", lang))
			wantText(t, r, c.want...)
			wantNoText(t, r, "system:")
		}
	}
}

// TestAuditUserFilterFindsTheSystem: the audit log names the system in
// words, so those words are what its User filter finds it by: 系统 or
// 系统自动, 控制台, "the system", "the console"; an English fragment that is
// not a whole word ("co") is still a part of a username, as before.
func TestAuditUserFilterFindsTheSystem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, _, err := e.app.CreateAPIKey(app.SystemActor("cli apikey"), app.APIKeyInput{Name: "脚本平台"}); err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn("gov", "sysadmin")
	for _, c := range []struct {
		lang, user string
		system     bool // the demo's loading is among the entries
		console    bool // the key made on the console is
	}{
		{"zh-CN", "系统", true, false},
		{"zh-CN", "系统自动", true, false},
		{"zh-CN", "控制台", false, true},
		{"en", "the system", true, false},
		{"en", "console", false, true},
		{"en", "co", false, false},
	} {
		r := wantOK(t, admin.get("/gov/admin/audit?user="+url.QueryEscape(c.user), "Accept-Language", c.lang))
		demo := msg(c.lang, "actor.system_job", msg(c.lang, "actor.job.demo"))
		console := msg(c.lang, "actor.console", "anju apikey")
		for _, w := range []struct {
			text string
			want bool
		}{{demo, c.system}, {console, c.console || c.system}} {
			if got := strings.Contains(r.body, w.text); got != w.want {
				t.Errorf("%s, user %q: %q shown %v, want %v", c.lang, c.user, w.text, got, w.want)
			}
		}
	}
}

// platformAndPublicActs makes the demo hold an act of each actor without
// an account: a listing platform's verification through the API, a
// self-applying agency's submitted application on the public portal and a
// lease party's confirmation. It returns the application.
func platformAndPublicActs(t *testing.T, e *env) *app.AgencyApplication {
	t.Helper()
	_, key := e.apiKey(app.APIKeyInput{Name: "某某找房"})
	wantAPI(t, e.client().apiCall("POST", "/api/v1/verifications", key, verifyBody(e.demoProperty("clear"))), http.StatusCreated, nil)
	form := filingForm("北京公众自荐住房租赁有限公司", testUSCC("91110105MA01GK009"))
	ap, token, err := e.app.StartPublicFiling(app.Actor{}, form, "郑女士", "13911112222")
	if err != nil {
		t.Fatal(err)
	}
	ref := app.AppRef{Token: token}
	if _, err := e.app.SaveStep(app.Actor{}, ref, app.StepPremises, form, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AttachLicence(app.Actor{}, ref, "licence.png", licencePNG); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.SubmitApplication(app.Actor{}, ref); err != nil {
		t.Fatal(err)
	}
	_, codes := e.draftToConfirm()
	if _, err := e.app.ConfirmContractParty(app.Actor{}, codes[0].Code, signOwnerID[12:]); err != nil {
		t.Fatal(err)
	}
	return ap
}

// TestPlatformAndPublicActorsNamedInWords: what a listing platform did
// through the API and what someone did on the public portal read in words
// wherever pages say who acted, in both languages, never as the records
// keep them ("api:某某找房", "public:139****2222"); phones and names stay
// masked: the audit log, and the history of a self-applying agency's
// application (with the name the applicant gave).
func TestPlatformAndPublicActorsNamedInWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ap := platformAndPublicActs(t, e)
	admin, clerk := e.signedIn("gov", "sysadmin"), e.signedIn("gov", "clerk")
	phone, name := app.MaskPhone("13911112222"), app.MaskName(signOwnerName)
	for _, lang := range []string{"zh-CN", "en"} {
		r := wantOK(t, admin.get("/gov/admin/audit", "Accept-Language", lang))
		wantText(t, r, msg(lang, "actor.platform", "某某找房"), msg(lang, "actor.public", phone), msg(lang, "actor.public", name))
		wantNoText(t, r, "api:", "public:", "13911112222", signOwnerName)
		r = wantOK(t, clerk.get("/gov/agency-applications/"+itoa(ap.ID), "Accept-Language", lang))
		wantText(t, r, msg(lang, "actor.public_named", "郑女士", phone))
		wantNoText(t, r, "public:", "13911112222")
	}
}

// TestAuditUserFilterFindsPlatformsAndThePublic: the audit log's User
// filter finds a platform's and the public's acts by the words the page
// names them with, alone or as shown with what follows in brackets, and
// by the platform's name or the masked phone alone.
func TestAuditUserFilterFindsPlatformsAndThePublic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	platformAndPublicActs(t, e)
	admin := e.signedIn("gov", "sysadmin")
	phone := app.MaskPhone("13911112222")
	for _, c := range []struct {
		lang, user       string
		platform, public bool
	}{
		{"zh-CN", "对接平台", true, false},
		{"zh-CN", "平台", true, false},
		{"zh-CN", "对接平台（某某找房）", true, false},
		{"zh-CN", "对接平台（别的平台）", false, false},
		{"zh-CN", "某某找房", true, false},
		{"zh-CN", "公众", false, true},
		{"zh-CN", "公众（" + phone + "）", false, true},
		{"zh-CN", phone, false, true},
		{"en", "platform", true, false},
		{"en", "the platform (某某找房)", true, false},
		{"en", "the public", false, true},
		{"en", "public", false, true},
	} {
		r := wantOK(t, admin.get("/gov/admin/audit?user="+url.QueryEscape(c.user), "Accept-Language", c.lang))
		for _, w := range []struct {
			text string
			want bool
		}{{msg(c.lang, "actor.platform", "某某找房"), c.platform}, {msg(c.lang, "actor.public", phone), c.public}} {
			if got := strings.Contains(r.body, w.text); got != w.want {
				t.Errorf("%s, user %q: %q shown %v, want %v", c.lang, c.user, w.text, got, w.want)
			}
		}
	}
}

// TestAuditUserFilterFindsTheSystemAsShown: a system actor typed as the
// audit log shows it, with its job or command in brackets (copied from a
// row), finds that job's or command's entries and no other's.
func TestAuditUserFilterFindsTheSystemAsShown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, _, err := e.app.CreateAPIKey(app.SystemActor("cli apikey"), app.APIKeyInput{Name: "脚本平台"}); err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn("gov", "sysadmin")
	for _, lang := range []string{"zh-CN", "en"} {
		demo := msg(lang, "actor.system_job", msg(lang, "actor.job.demo"))
		console := msg(lang, "actor.console", "anju apikey")
		for _, c := range []struct {
			user, want, not string
		}{{demo, demo, console}, {console, console, demo}} {
			r := wantOK(t, admin.get("/gov/admin/audit?user="+url.QueryEscape(c.user), "Accept-Language", lang))
			if !strings.Contains(r.body, `">`+c.want+`</td>`) || strings.Contains(r.body, `">`+c.not+`</td>`) {
				t.Errorf("%s, user %q: want rows of %q and none of %q", lang, c.user, c.want, c.not)
			}
		}
	}
}

// TestPublicActsAuditedWithAddress: what someone without an account does on
// the public portal (an agency's own filing application, started and
// submitted; a lease party's confirmation) is audited with the address
// and request ID of his request, as every signed-in act is: the address is
// all the log can know of him.
func TestPublicActsAuditedWithAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	v := step1Values("北京公众地址住房租赁有限公司", testUSCC("91110105MA01GK010"))
	v.Set("applicant_name", "郑女士")
	v.Set("applicant_mobile", "13911112222")
	r := c.post("/agencies/apply", v)
	base := strings.TrimSuffix(r.Header.Get("Location"), "/step/2")
	if !strings.HasPrefix(base, "/agencies/apply/") {
		t.Fatalf("apply: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	form := filingForm("北京公众地址住房租赁有限公司", testUSCC("91110105MA01GK010"))
	ref := app.AppRef{Token: strings.TrimPrefix(base, "/agencies/apply/")}
	if _, err := e.app.SaveStep(app.Actor{}, ref, app.StepPremises, form, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AttachLicence(app.Actor{}, ref, "licence.png", licencePNG); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.post(base+"/submit", nil), http.StatusSeeOther)
	_, codes := e.draftToConfirm()
	wantOK(t, c.post("/confirm", url.Values{"code": {codes[0].Code}, "id_tail": {signOwnerID[12:]}, "go": {"confirm"}}))

	entries, _, err := e.app.AuditLog(sys, app.AuditFilter{Username: app.PublicPrefix, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, en := range entries {
		seen[en.Action] = true
		if en.IP != "127.0.0.1" || en.RequestID == "" {
			t.Errorf("%s by %s: IP %q, request ID %q", en.Action, en.Username, en.IP, en.RequestID)
		}
	}
	for _, a := range []string{"agency.app_start", "agency.app_submit", "contract.confirm"} {
		if !seen[a] {
			t.Errorf("no public %s in the audit log: %v", a, seen)
		}
	}
}
