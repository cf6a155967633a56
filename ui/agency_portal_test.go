package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/app"
)

func init() {
	staff, view := string(app.PermAgencyStaff), string(app.PermAgencyView)
	routeTable = append(routeTable,
		routeCase{"GET", "/agency/staff", staff, http.StatusOK},
		routeCase{"GET", "/agency/staff/new", staff, http.StatusOK},
		routeCase{"POST", "/agency/staff", staff, http.StatusUnprocessableEntity}, // empty form
		routeCase{"POST", "/agency/staff/{id:[0-9]+}/disable", staff, http.StatusSeeOther},
		routeCase{"POST", "/agency/staff/{id:[0-9]+}/enable", staff, http.StatusSeeOther},
		routeCase{"POST", "/agency/staff/{id:[0-9]+}/reset-password", staff, http.StatusOK},
		routeCase{"POST", "/agency/staff/{id:[0-9]+}/unlock", staff, http.StatusSeeOther},
		routeCase{"GET", "/agency/branches", view, http.StatusOK},
	)
	routeFixtures = append(routeFixtures, func(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
		// An agent account of anju.admin's agency that the routes may
		// disable and reset (not agent.zhang, who signs in after him).
		u, _, err := e.app.CreateAgencyStaff(staffActor(e, "anju.admin"), app.StaffInput{Username: "route.agent", Name: "路由测试"})
		if err != nil {
			t.Fatalf("staff route fixture: %v", err)
		}
		return map[string]uint64{"/agency/staff/": u.ID}, nil
	})
}

// agencyActor is the Actor the UI builds for a stored agency account.
func staffActor(e *env, username string) app.Actor {
	e.t.Helper()
	u := e.user(username)
	return app.Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Roles: u.Roles, AgencyID: u.AgencyID, AgencyName: u.AgencyName}
}

// govActor is the Actor of a stored government account.
func staffGovActor(e *env, username string) app.Actor {
	e.t.Helper()
	u := e.user(username)
	return app.Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Roles: u.Roles, District: u.District}
}

// staffTestUSCC completes 17 characters of a credit code with the check
// character that CheckUSCC accepts.
func staffTestUSCC(t *testing.T, body string) string {
	t.Helper()
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if s := body + string(c); app.CheckUSCC(s) == nil {
			return s
		}
	}
	t.Fatalf("no check character completes %s", body)
	return ""
}

// staffTestResidentID completes 17 digits of a resident ID.
func staffTestResidentID(t *testing.T, d17 string) string {
	t.Helper()
	for _, c := range "0123456789X" {
		if s := d17 + string(c); app.CheckResidentID(s) == nil {
			return s
		}
	}
	t.Fatalf("no check character completes %s", d17)
	return ""
}

// signInFirstTime signs in with a one-time password, which leads to the
// password page, and sets a new password.
func signInFirstTime(t *testing.T, e *env, username, password string) *client {
	t.Helper()
	c := e.client()
	wantRedirect(t, c.login("agency", username, password), "/agency/password")
	wantRedirect(t, c.get("/agency/"), "/agency/password")
	next := newPasswordFor(username)
	wantRedirect(t, c.post("/agency/password", url.Values{"current": {password}, "new": {next}, "confirm": {next}}), "/agency/")
	return c
}

// newPasswordFor is the password signInFirstTime sets.
func newPasswordFor(username string) string {
	return "Neu-Passwort-" + strconv.Itoa(len(username)) + "x2026"
}

var reFigure = regexp.MustCompile(`<strong>(\d+)</strong><span>([^<]+)</span>`)

// figure reads a number of the home page's figures by its label.
func homeFigure(r *resp, label string) int {
	for _, m := range reFigure.FindAllStringSubmatch(r.text(), -1) {
		if m[2] == label {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return -1
}

func TestAgencyHomeForAdminAndAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	adminActor := staffActor(e, "anju.admin")
	ag, err := e.app.GetAgency(adminActor, adminActor.AgencyID)
	if err != nil {
		t.Fatal(err)
	}
	staff, err := e.app.ListAgencyStaff(adminActor)
	if err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn("agency", "anju.admin")
	r := admin.get("/agency/")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("aghome.filing"), ag.Name, ag.FilingNo, zh("agency.status.filed"), zh("aghome.awaiting"),
		zh("nav.staff"), zh("aghome.staff_help"))
	if got := homeFigure(r, zh("aghome.staff_active")); got != len(staff) {
		t.Errorf("home shows %d active staff accounts, want %d", got, len(staff))
	}
	if got := homeFigure(r, zh("aghome.premises")); got != len(ag.Premises) {
		t.Errorf("home shows %d premises, want %d", got, len(ag.Premises))
	}
	wantNoText(t, r, zh("aghome.my_work"))

	admin.header.Set("Accept-Language", "en")
	admin.post("/lang", url.Values{"lang": {"en"}, "back": {"/agency/"}})
	r = admin.get("/agency/")
	wantText(t, r, en("aghome.filing"), en("agency.status.filed"), en("aghome.staff_active"))

	agentActor := staffActor(e, "agent.zhang")
	agent := e.signedIn("agency", "agent.zhang")
	r = agent.get("/agency/")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("aghome.my_work"), zh("aghome.my_verifications"), ag.Name)
	wantNoText(t, r, zh("aghome.figures"), zh("aghome.staff_help"))
	if p, err := e.app.MyPractitioner(agentActor); err == nil {
		wantText(t, r, p.CardNo, zh("aghome.card_open"))
	} else {
		wantText(t, r, zh("aghome.card_none"))
	}
}

func TestAgencyStaffAccountLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamLoginRatePerMin, "600")
	admin := e.signedIn("agency", "anju.admin")
	wantText(t, admin.get("/agency/staff/new"), zh("staff.new"), zh("staff.practitioner_hint"))

	// Field errors beside the fields, typed input kept.
	r := admin.post("/agency/staff", url.Values{"username": {"9wang"}, "name": {"王强"}, "phone": {"12345"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "username", zh("user.username_invalid"))
	if fieldError(r, "phone") == "" {
		t.Error("no message beside the phone")
	}
	wantInputValue(t, r, "name", "王强")
	wantInputValue(t, r, "username", "9wang")

	// A practitioner of another agency cannot be linked.
	leju, err := e.app.AddPractitioner(sys, app.PractitionerInput{Name: "孙丽", IDNo: staffTestResidentID(t, "11010819920304002"),
		Mobile: "13900001111", Role: app.PracOther, Agency: "北京乐居住房租赁有限公司", Start: "2024-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	r = admin.post("/agency/staff", url.Values{"username": {"agent.wang"}, "name": {"王强"}, "practitioner": {itoa(leju.ID)}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "practitioner", zh("staff.practitioner_not_employed"))

	// The account is made; its one-time password is shown once.
	r = admin.post("/agency/staff", url.Values{"username": {"Agent.Wang"}, "name": {"王强"}, "phone": {"13712345678"}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("staff.created_title"), "agent.wang", "北京安居房地产经纪有限公司", zh("users.onetime_note"))
	password := oneTimePassword(t, r)
	id := e.userID("agent.wang")

	// The new agent must change it at first sign-in.
	agent := signInFirstTime(t, e, "agent.wang", password)
	r = agent.get("/agency/")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("home.welcome", "王强"))
	r = admin.get("/agency/staff")
	wantText(t, r, "agent.wang", "王强", "137****5678")

	// Disabling ends his session at once.
	wantRedirect(t, admin.post("/agency/staff/"+itoa(id)+"/disable", nil), "/agency/staff")
	wantText(t, admin.get("/agency/staff"), zh("staff.disabled_flash"), zh("users.disabled"))
	// He is told why on the sign-in page he lands on, not "inactivity".
	r = agent.get("/agency/")
	wantRedirectPrefix(t, r, "/agency/login")
	r = agent.get(r.Header.Get("Location"))
	wantText(t, r, zh("session.disabled_agency"))
	wantNoText(t, r, zh("session.expired"))
	// Signing in again, he is sent to his agency's administrator, not the bureau's system administrator.
	r = e.client().login("agency", "agent.wang", newPasswordFor("agent.wang"))
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("auth.disabled_agency"))
	wantNoText(t, r, zh("auth.disabled"))
	wantRedirect(t, admin.post("/agency/staff/"+itoa(id)+"/enable", nil), "/agency/staff")
	agent = e.client()
	wantRedirect(t, agent.login("agency", "agent.wang", newPasswordFor("agent.wang")), "/agency/")

	// Locked out by wrong passwords, he too is sent to his agency's
	// administrator, who can reset it.
	for range 5 {
		r = e.client().login("agency", "agent.wang", "not-his-password-1")
	}
	wantText(t, r, zh("auth.locked_agency", 15))
	wantNoText(t, r, zh("auth.locked", 15))
	// His administrator sees the lock on the staff list and lifts it; the
	// agent signs in with the password he has.
	before := func(key string) string { return strings.Split(zh(key, "\x00"), "\x00")[0] }
	r = admin.get("/agency/staff")
	wantText(t, r, `<span class="tag warn">`+before("users.locked_until"), `action="/agency/staff/`+itoa(id)+`/unlock"`, zh("users.unlock"))
	wantRedirect(t, admin.post("/agency/staff/"+itoa(id)+"/unlock", nil), "/agency/staff")
	r = admin.get("/agency/staff")
	wantText(t, r, zh("users.unlocked"))
	wantNoText(t, r, before("users.locked_until"), `/unlock"`)
	wantRedirect(t, e.client().login("agency", "agent.wang", newPasswordFor("agent.wang")), "/agency/")
	// Locked again, the reset below unlocks him too.
	for range 5 {
		r = e.client().login("agency", "agent.wang", "not-his-password-1")
	}
	wantText(t, r, zh("auth.locked_agency", 15))

	// A reset gives a new one-time password on a printable slip.
	r = admin.post("/agency/staff/"+itoa(id)+"/reset-password", nil)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("staff.reset_title"), zh("action.print"))
	reset := r
	r = agent.get("/agency/")
	wantRedirectPrefix(t, r, "/agency/login")
	r = agent.get(r.Header.Get("Location"))
	wantText(t, r, zh("session.password_reset"))
	wantNoText(t, r, zh("session.expired"))
	r = reset
	signInFirstTime(t, e, "agent.wang", oneTimePassword(t, r))

	var actions []string
	for _, a := range e.auditActions("user/" + itoa(id)) {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"staff.create", "staff.disable", "staff.enable", "user.unlock", "user.password_reset"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit of the account lacks %s: %v", want, actions)
		}
	}

	// In English too.
	admin.post("/lang", url.Values{"lang": {"en"}, "back": {"/agency/staff"}})
	r = admin.post("/agency/staff", url.Values{"username": {"agent.wang"}, "name": {"王强"}})
	wantFieldError(t, r, "username", en("user.username_taken"))
	wantInputValue(t, r, "name", "王强")
	r = admin.post("/agency/staff", url.Values{"username": {"agent.li"}, "name": {""}})
	wantFieldError(t, r, "name", en("user.name_required"))
	wantText(t, admin.get("/agency/staff"), en("staff.title"), en("staff.intro"))
}

func TestAgencyStaffIsOwnAgencyOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("agency", "anju.admin")
	// Another agency's account and a government account read as not found.
	for _, who := range []string{"leju.admin", "clerk"} {
		r := admin.post("/agency/staff/"+itoa(e.userID(who))+"/disable", nil)
		wantStatus(t, r, http.StatusNotFound)
		wantText(t, r, zh("staff.not_found"))
		r = admin.post("/agency/staff/"+itoa(e.userID(who))+"/reset-password", nil)
		wantStatus(t, r, http.StatusNotFound)
		r = admin.post("/agency/staff/"+itoa(e.userID(who))+"/unlock", nil)
		wantStatus(t, r, http.StatusNotFound)
	}
	if e.user("leju.admin").Disabled {
		t.Fatal("another agency's account was disabled")
	}
	// Not himself: the list says why.
	r := admin.post("/agency/staff/"+itoa(e.userID("anju.admin"))+"/disable", nil)
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, zh("staff.not_self"), "agent.zhang")
	// The list holds his agency's accounts only.
	r = admin.get("/agency/staff")
	wantText(t, r, "agent.zhang", "agent.zhangxh")
	wantNoText(t, r, "leju.admin")
	// Agents manage no accounts.
	agent := e.signedIn("agency", "agent.zhang")
	for _, path := range []string{"/agency/staff", "/agency/staff/new", "/agency/branches"} {
		r := agent.get(path)
		wantStatus(t, r, http.StatusForbidden)
		wantText(t, r, zh("error.forbidden"))
	}
	r = agent.post("/agency/staff/"+itoa(e.userID("agent.zhangxh"))+"/disable", nil)
	wantStatus(t, r, http.StatusForbidden)
}

// TestBranchRuleWhereItBites files a branch of anju.admin's agency through
// the real workflow, then shows the rule of the seed's FAQ: the head
// office's admin applies for branches; the branch's admin sees the button
// disabled with the reason and is refused by the server.
func TestBranchRuleWhereItBites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamLoginRatePerMin, "600")
	head := e.signedIn("agency", "anju.admin")
	r := head.get("/agency/branches")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("branches.apply"), zh("branches.this_branch"))
	if !strings.Contains(r.body, `href="/agency/branches/apply"`) || strings.Contains(r.body, `disabled aria-describedby="apply-blocked"`) {
		t.Fatalf("a head office's admin does not get the enabled button\n%s", visibleText(r.body))
	}

	headActor := staffActor(e, "anju.admin")
	headAg, err := e.app.GetAgency(headActor, headActor.AgencyID)
	if err != nil {
		t.Fatal(err)
	}
	name := "北京安居房地产经纪有限公司三里屯分公司"
	form := app.AgencyForm{Name: name, USCC: staffTestUSCC(t, "91110105MA01TQ010"), Type: app.AgencyTypeBroker,
		LegalRep: "刘洋", LegalRepIDType: "resident_id", LegalRepIDNo: staffTestResidentID(t, "11010519820315001"),
		Address: "北京市朝阳区三里屯路19号", District: "110105", Contact: "周明", ContactMobile: "13600001111",
		Scope: "房地产经纪", Capital: "100", Established: "2025-03-01",
		Premises: []app.PremisesForm{{Name: "三里屯门店", Address: "北京市朝阳区三里屯路19号", District: "110105", Lng: "116.455", Lat: "39.935"}}}
	ap, err := e.app.StartFiling(headActor, form)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	ref := app.AppRef{ID: ap.ID}
	if _, err := e.app.SaveStep(headActor, ref, app.StepPremises, form, true); err != nil {
		t.Fatalf("premises: %v", err)
	}
	if _, err := e.app.AttachLicence(headActor, ref, "licence.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR licence")); err != nil {
		t.Fatalf("licence: %v", err)
	}
	if _, err := e.app.SubmitApplication(headActor, ref); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if _, err := e.app.ApproveApplication(staffGovActor(e, "reviewer"), ap.ID); err != nil {
		t.Fatalf("approve: %v", err)
	}
	notice, err := e.app.TakeAccountNotice(headActor, ref)
	if err != nil {
		t.Fatalf("account notice: %v", err)
	}

	// The head office sees its branch's figures and the totals.
	branches, err := e.app.AgencyBranches(headActor, headAg.ID)
	if err != nil {
		t.Fatal(err)
	}
	r = head.get("/agency/branches")
	wantText(t, r, name, zh("branches.total", len(branches)), zh("branches.head_office"))

	// The branch's admin: the same button, disabled, with the reason.
	branch := signInFirstTime(t, e, notice.Username, notice.Password)
	r = branch.get("/agency/branches")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("branches.apply"), zh("agency.branch_cannot_apply", headAg.Name), zh("branches.is_branch"))
	if strings.Contains(r.body, `href="/agency/branches/apply"`) || !strings.Contains(r.body, `<button type="button" disabled aria-describedby="apply-blocked">`) {
		t.Fatalf("a branch's admin does not see the disabled button\n%s", r.body)
	}
	// The server refuses it too.
	r = branch.get("/agency/branches/apply")
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("agency.branch_cannot_apply", headAg.Name))

	// Each admin manages his own staff: the branch's agent is not the head
	// office's to disable.
	branchAgent := branch.post("/agency/staff", url.Values{"username": {"tz.agent"}, "name": {"赵六"}})
	wantStatus(t, branchAgent, http.StatusOK)
	r = head.post("/agency/staff/"+itoa(e.userID("tz.agent"))+"/disable", nil)
	wantStatus(t, r, http.StatusNotFound)
	wantNoText(t, head.get("/agency/staff"), "tz.agent")
	wantText(t, branch.get("/agency/staff"), "tz.agent")

	// In English.
	branch.post("/lang", url.Values{"lang": {"en"}, "back": {"/agency/branches"}})
	wantText(t, branch.get("/agency/branches"), en("branches.apply"), en("agency.branch_cannot_apply", headAg.Name))
}

// TestAgencyPortalPagesInBothLanguages renders the portal's home, staff and
// branches pages, their error states included, in Chinese and English.
func TestAgencyPortalPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("agency", "anju.admin")
	leju := e.signedIn("agency", "leju.admin")
	agent := e.signedIn("agency", "agent.zhang")
	adminActor := staffActor(e, "anju.admin")
	var names []string // data, shown as it is in any language
	res, err := e.app.SearchUsers(sys, app.UserQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Users {
		names = append(names, u.Name, u.AgencyName)
	}
	choices, err := e.app.StaffPractitionerChoices(adminActor)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range choices {
		names = append(names, p.Name)
	}
	names = append(names, ruleItems(t, e)...) // scoring standards are data a sysadmin writes
	target := itoa(e.userID("agent.zhangxh"))
	type page struct {
		c          *client
		method     string
		path       string
		form       url.Values
		status     int
		wantTitled string // a message key the page must show
	}
	pages := []page{
		{admin, "GET", "/agency/", nil, 200, "aghome.filing"},
		{admin, "GET", "/agency/staff", nil, 200, "staff.intro"},
		{admin, "GET", "/agency/staff/new", nil, 200, "staff.practitioner_hint"},
		{admin, "POST", "/agency/staff", url.Values{"username": {"1"}, "phone": {"1"}, "practitioner": {"999999"}}, 422, "staff.practitioner_not_employed"},
		{admin, "POST", "/agency/staff/" + itoa(e.userID("anju.admin")) + "/disable", nil, 409, "staff.not_self"},
		{admin, "POST", "/agency/staff/" + itoa(e.userID("leju.admin")) + "/disable", nil, 404, "staff.not_found"},
		{admin, "POST", "/agency/staff/" + target + "/disable", nil, 303, ""},
		{admin, "GET", "/agency/staff", nil, 200, "staff.disabled_flash"},
		{admin, "POST", "/agency/staff/" + target + "/enable", nil, 303, ""},
		{admin, "POST", "/agency/staff/" + target + "/reset-password", nil, 200, "staff.reset_title"},
		{admin, "GET", "/agency/branches", nil, 200, "branches.apply"},
		{leju, "GET", "/agency/", nil, 200, "aghome.my_work"},
		{leju, "GET", "/agency/branches", nil, 200, "branches.apply"},
		{agent, "GET", "/agency/", nil, 200, "aghome.my_work"},
		{agent, "GET", "/agency/staff", nil, 403, "error.forbidden"},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			for _, c := range []*client{admin, leju, agent} {
				wantRedirect(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
			}
			for _, p := range pages {
				var r *resp
				if p.method == "GET" {
					r = p.c.get(p.path)
				} else {
					r = p.c.post(p.path, p.form)
				}
				what := p.method + " " + p.path
				if r.StatusCode != p.status {
					t.Errorf("%s: status %d, want %d\n%.300s", what, r.StatusCode, p.status, visibleText(r.body))
					continue
				}
				if p.status == http.StatusSeeOther {
					continue
				}
				if m := reHTMLLang.FindStringSubmatch(r.body); m == nil || m[1] != lang {
					t.Errorf("%s: <html lang=%v>, want %s", what, m, lang)
				}
				if p.wantTitled != "" && !strings.Contains(r.text(), msg(lang, p.wantTitled)) {
					t.Errorf("%s in %s: does not show %q", what, lang, msg(lang, p.wantTitled))
				}
				for _, problem := range untranslated(r.body, lang, names) {
					t.Errorf("%s in %s: %s", what, lang, problem)
				}
			}
		})
	}
}

// TestPasswordSlipsGiveFullSignInAddress: a printed account slip names the
// sign-in page in full, by the platform's public address once it is set,
// else by the address the page was asked at.
func TestPasswordSlipsGiveFullSignInAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("agency", "anju.admin")
	r := admin.post("/agency/staff", url.Values{"username": {"agent.slip"}, "name": {"王纸"}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "<dd><code>"+e.http.URL+"/agency/login</code></dd>")

	e.setParams(app.ParamPublicBaseURL, "https://zufang.example.gov.cn/")
	r = admin.post("/agency/staff/"+itoa(e.userID("agent.slip"))+"/reset-password", nil)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "<dd><code>https://zufang.example.gov.cn/agency/login</code></dd>")

	sysadmin := e.signedIn("gov", "sysadmin")
	r = sysadmin.post("/gov/admin/users/"+itoa(e.userID("clerk"))+"/reset-password", nil)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "<dd><code>https://zufang.example.gov.cn/gov/login</code></dd>")
	r = sysadmin.post("/gov/admin/users/"+itoa(e.userID("agent.zhang"))+"/reset-password", nil)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "<dd><code>https://zufang.example.gov.cn/agency/login</code></dd>")
}

// TestStaffListSaysWhyALeaversAccountStaysDisabled: the account of an
// agent who left is disabled and cannot be enabled; the list says why
// instead of offering a button the server would refuse.
func TestStaffListSaysWhyALeaversAccountStaysDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, err := e.app.AddPractitioner(sys, app.PractitionerInput{Name: "钱离职", IDNo: staffTestResidentID(t, "11010819900506003"),
		Mobile: "13900002222", Role: app.PracOther, Agency: "北京安居房地产经纪有限公司", Start: "2024-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := e.app.CreateAgencyStaff(staffActor(e, "anju.admin"), app.StaffInput{Username: "agent.qian", Name: "钱离职", Practitioner: itoa(p.ID)})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn("agency", "anju.admin")
	enable := `action="/agency/staff/` + itoa(u.ID) + `/enable"`
	if _, err := e.app.EndEmployment(sys, p.ID, time.Now().Format(time.DateOnly), "合同到期"); err != nil {
		t.Fatal(err)
	}
	r := admin.get("/agency/staff")
	wantText(t, r, "agent.qian", zh("users.disabled"), zh("staff.practitioner_left", "钱离职"))
	if strings.Contains(r.body, enable) {
		t.Error("enabling a leaver's account is offered")
	}
	// An account disabled by the admin, its agent still here, may be.
	other, _, err := e.app.CreateAgencyStaff(staffActor(e, "anju.admin"), app.StaffInput{Username: "agent.zhou", Name: "周在职"})
	if err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, admin.post("/agency/staff/"+itoa(other.ID)+"/disable", nil), "/agency/staff")
	wantText(t, admin.get("/agency/staff"), `action="/agency/staff/`+itoa(other.ID)+`/enable"`)
}

// TestStaffUsernameTakenSaysNotWhose: usernames are one namespace for both
// portals, so an agency admin learns that a name is taken; he must not
// learn whose it is. A government account's name reads exactly as one of
// his own agency's: no portal, person or agency named.
func TestStaffUsernameTakenSaysNotWhose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("agency", "anju.admin")
	for _, lang := range []string{"zh-CN", "en"} {
		admin.header.Set("Accept-Language", lang)
		own := admin.post("/agency/staff", url.Values{"username": {"agent.zhang"}, "name": {"测试"}})
		wantStatus(t, own, http.StatusUnprocessableEntity)
		wantFieldError(t, own, "username", msg(lang, "user.username_taken"))
		for _, who := range []string{"clerk", "sysadmin", "leju.admin"} {
			u := e.user(who)
			r := admin.post("/agency/staff", url.Values{"username": {who}, "name": {"测试"}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantFieldError(t, r, "username", msg(lang, "user.username_taken"))
			wantNoText(t, r, u.Name, msg(lang, "role.sysadmin"), msg(lang, "role.clerk"))
			if u.AgencyName != "" {
				wantNoText(t, r, u.AgencyName)
			}
		}
	}
}
