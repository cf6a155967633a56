package app

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// A disabled district is not offered and not accepted.
	if _, err := f.SaveDictEntry(f.admin, DictDistrict, 0, DictInput{Code: "120101", Name: "和平区", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	gov := func(username, name, district string) UserInput {
		return UserInput{Username: username, Name: name, Roles: []Role{RoleClerk}, District: district}
	}
	tests := []struct {
		name       string
		in         UserInput
		field, key string
	}{
		{"username too short", gov("ab", "王芳", "110105"), "username", "user.username_invalid"},
		{"username too long", gov("a"+strings.Repeat("b", 32), "王芳", "110105"), "username", "user.username_invalid"},
		{"username starts with digit", gov("1wang", "王芳", "110105"), "username", "user.username_invalid"},
		{"username with space", gov("wang fang", "王芳", "110105"), "username", "user.username_invalid"},
		{"username in Chinese", gov("王芳芳", "王芳", "110105"), "username", "user.username_invalid"},
		{"username with @", gov("wang@bj", "王芳", "110105"), "username", "user.username_invalid"},
		{"name required", gov("wangfang", "  ", "110105"), "name", "user.name_required"},
		{"name too long", gov("wangfang", strings.Repeat("王", 41), "110105"), "name", "user.name_too_long"},
		{"roles required", UserInput{Username: "wangfang", Name: "王芳"}, "roles", "user.roles_required"},
		{"role unknown", UserInput{Username: "wangfang", Name: "王芳", Roles: []Role{"boss"}}, "roles", "user.role_unknown"},
		{"roles mixed", UserInput{Username: "wangfang", Name: "王芳", Roles: []Role{RoleClerk, RoleAgent}, District: "110105", AgencyName: "某公司"}, "roles", "user.roles_mixed"},
		{"agency name required", UserInput{Username: "agent.li", Name: "李四", Roles: []Role{RoleAgent}, AgencyName: "  "}, "agency_name", "user.agency_required"},
		{"agency admin needs agency", UserInput{Username: "agency.li", Name: "李四", Roles: []Role{RoleAgencyAdmin}}, "agency_name", "user.agency_required"},
		{"district unknown", gov("wangfang", "王芳", "999999"), "district", "user.district_unknown"},
		{"district disabled", gov("wangfang", "王芳", "120101"), "district", "user.district_unknown"},
		{"phone invalid", UserInput{Username: "wangfang", Name: "王芳", Phone: "010-12345678", Roles: []Role{RoleClerk}}, "phone", "mobile.invalid"},
		{"phone too short", UserInput{Username: "wangfang", Name: "王芳", Phone: "1381234567", Roles: []Role{RoleClerk}}, "phone", "mobile.invalid"},
	}
	users0, audits0, _ := f.counts()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, pw, err := f.CreateUser(f.admin, tt.in)
			wantFieldError(t, err, tt.field, tt.key)
			if u != nil || pw != "" {
				t.Errorf("returned user %v and password %q with the error", u, pw)
			}
		})
	}
	if users, audits, _ := f.counts(); users != users0 || audits != audits0 {
		t.Errorf("after invalid forms: %d users, %d audit entries; want %d and %d", users, audits, users0, audits0)
	}
}

func TestCreateUserReportsEveryField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, _, err := f.CreateUser(f.admin, UserInput{Username: "x", Phone: "123", Roles: []Role{RoleClerk}, District: "999999"})
	e := wantError(t, err, EINVALID, "form.invalid")
	want := map[string]string{"username": "user.username_invalid", "name": "user.name_required",
		"phone": "mobile.invalid", "district": "user.district_unknown"}
	for field, key := range want {
		if e.Fields[field] != key {
			t.Errorf("field %s = %q, want %q (all: %v)", field, e.Fields[field], key, e.Fields)
		}
	}
}

func TestCreateUserStoresRecord(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u, password, err := f.CreateUser(f.admin, UserInput{Username: " Wang.Fang ", Name: " 王芳 ",
		Phone: "+86 138-0013-8000", Roles: []Role{RoleClerk, RoleReviewer}, District: "110105"})
	if err != nil {
		t.Fatal(err)
	}
	stored := f.storedUser("wang.fang")
	if stored.ID != u.ID || stored.Username != "wang.fang" || stored.Name != "王芳" || stored.Phone != "13800138000" ||
		stored.District != "110105" || stored.AgencyName != "" || stored.AgencyID != 0 {
		t.Errorf("stored = %+v", stored)
	}
	if !stored.MustChangePassword || stored.Disabled {
		t.Errorf("MustChangePassword = %v, Disabled = %v; want a one-time password to change", stored.MustChangePassword, stored.Disabled)
	}
	if cost, err := bcrypt.Cost(stored.PasswordHash); err != nil || cost < bcrypt.DefaultCost {
		t.Errorf("password hash cost = %d, %v; want bcrypt at cost >= %d", cost, err, bcrypt.DefaultCost)
	}
	// The one-time password signs in, and the user is told to change it.
	res, err := f.Login(PortalGov, "WANG.FANG", password, "", "", "")
	if err != nil {
		t.Fatalf("sign-in with the one-time password: %v", err)
	}
	if !res.MustChangePassword || !f.MustChangePassword(res.Actor) || f.MustChangePassword(f.admin) {
		t.Error("first sign-in does not ask for a new password")
	}
	if bytes.Contains(stored.PasswordHash, []byte(password)) {
		t.Error("the stored hash contains the password")
	}
	if len(password) != 12 || CheckPasswordPolicy(password, "wang.fang") != nil {
		t.Errorf("one-time password %q does not satisfy the policy", password)
	}
	if strings.ContainsAny(password, "0O1lI") {
		t.Errorf("one-time password %q has look-alike characters", password)
	}
	var e *AuditEntry
	for _, x := range f.auditEntries() {
		if x.Action == "user.create" && x.RecordID == u.ID {
			e = x
		}
	}
	if e == nil || e.RecordKind != "user" || e.Username != "root" ||
		e.Detail != "wang.fang clerk,reviewer; district 110105" || strings.Contains(e.Detail, password) {
		t.Errorf("audit entry = %+v", e)
	}

	// The username is unique whatever its case or width.
	_, _, err = f.CreateUser(f.admin, UserInput{Username: "ＷＡＮＧ.fang", Name: "王芳二", Roles: []Role{RoleViewer}})
	wantFieldError(t, err, "username", "user.username_taken")
	if users, _, _ := f.counts(); users != 2 {
		t.Errorf("%d users after the duplicate, want 2", users)
	}
}

func TestCreateAgencyUsersShareAgency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a1 := f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	// seedUser uses 测试经纪有限公司; CreateUser must link by name, ignoring case and spaces.
	in := UserInput{Username: "agency.boss", Name: "刘洋", Roles: []Role{RoleAgencyAdmin, RoleAgent},
		District: "110105", AgencyName: " 测试经纪有限公司 "}
	a2, _, err := f.CreateUser(f.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	stored := f.storedUser("agency.boss")
	if stored.AgencyID == 0 || stored.AgencyID != a1.AgencyID || stored.AgencyName != "测试经纪有限公司" {
		t.Errorf("agency = %d %q, want %d (shared with agent.zhang)", stored.AgencyID, stored.AgencyName, a1.AgencyID)
	}
	if stored.District != "" || a2.Portal() != PortalAgency {
		t.Errorf("district %q, portal %s; agency accounts are city-wide at the agency portal", stored.District, a2.Portal())
	}
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	_, audits0, _ := f.counts()

	got, err := f.UpdateUser(f.admin, clerk.ID, UserInput{Username: "renamed", Name: "王芳芳", Phone: "13912345678",
		Roles: []Role{RoleReviewer}, District: "110108"})
	if err != nil {
		t.Fatal(err)
	}
	stored := f.storedUser("clerk.cy") // the username does not change
	if got.ID != clerk.ID || stored.Name != "王芳芳" || stored.Phone != "13912345678" ||
		!slices.Equal(stored.Roles, []Role{RoleReviewer}) || stored.District != "110108" {
		t.Errorf("stored = %+v", stored)
	}
	if f.hasUser("renamed") {
		t.Error("UpdateUser renamed the account")
	}
	e := f.lastAudit()
	if e.Action != "user.update" || e.RecordID != clerk.ID ||
		!strings.Contains(e.Detail, "roles clerk → reviewer") || !strings.Contains(e.Detail, "district 110105 → 110108") {
		t.Errorf("audit entry = %+v", e)
	}

	// Saving the form unchanged writes nothing.
	if _, err := f.UpdateUser(f.admin, clerk.ID, UserInput{Name: "王芳芳", Phone: "139 1234 5678", Roles: []Role{RoleReviewer}, District: "110108"}); err != nil {
		t.Fatal(err)
	}
	if _, audits, _ := f.counts(); audits != audits0+1 {
		t.Errorf("%d audit entries, want %d: an unchanged form is not audited", audits, audits0+1)
	}

	_, err = f.UpdateUser(f.admin, 9999, UserInput{Name: "某某", Roles: []Role{RoleClerk}})
	wantError(t, err, ENOTFOUND, "user.not_found")
	_, err = f.UpdateUser(f.admin, clerk.ID, UserInput{Name: "王芳芳", Roles: []Role{RoleReviewer}, District: "110108", Phone: "12"})
	wantFieldError(t, err, "phone", "mobile.invalid")
}

// An account keeps its portal: government roles ticked on an agency's
// account (or given with an agency at creation) made a government account
// of the whole city, agency roles on a clerk's dropped his district.
func TestAccountKeepsItsPortal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	agent := f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	admin := f.seedUser("agency.boss", "刘洋", []Role{RoleAgencyAdmin}, "", fixturePassword)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	_, audits0, _ := f.counts()
	for _, r := range GovRoles {
		for _, u := range []*User{agent, admin} {
			for _, district := range []string{"", "110105"} {
				_, err := f.UpdateUser(f.admin, u.ID, UserInput{Name: u.Name, Roles: []Role{r}, District: district, AgencyName: u.AgencyName})
				wantFieldError(t, err, "roles", "user.portal_fixed")
				// The agency field cleared as well: still the agency's account.
				_, err = f.UpdateUser(f.admin, u.ID, UserInput{Name: u.Name, Roles: []Role{r}, District: district})
				wantFieldError(t, err, "roles", "user.portal_fixed")
			}
		}
		_, _, err := f.CreateUser(f.admin, UserInput{Username: "new." + string(r), Name: "张三",
			Roles: []Role{r}, AgencyName: "测试经纪有限公司"})
		wantFieldError(t, err, "roles", "user.gov_roles_for_agency")
		if f.hasUser("new." + string(r)) {
			t.Errorf("%s: a government account was made for an agency", r)
		}
	}
	for _, r := range AgencyRoles {
		_, err := f.UpdateUser(f.admin, clerk.ID, UserInput{Name: clerk.Name, Roles: []Role{r}, AgencyName: "测试经纪有限公司"})
		wantFieldError(t, err, "roles", "user.portal_fixed")
	}
	for _, u := range []*User{agent, admin, clerk} {
		stored := f.storedUser(u.Username)
		if !slices.Equal(stored.Roles, u.Roles) || stored.District != u.District || stored.AgencyID != u.AgencyID {
			t.Errorf("%s stored as roles %v, district %q, agency %d; want %v, %q, %d",
				u.Username, stored.Roles, stored.District, stored.AgencyID, u.Roles, u.District, u.AgencyID)
		}
	}
	if _, audits, _ := f.counts(); audits != audits0 {
		t.Errorf("%d audit entries after refused forms, want %d", audits, audits0)
	}
}

func TestCannotDemoteOrDisableSelf(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, in := range []UserInput{
		{Name: "系统管理员", Roles: []Role{RoleViewer}},
		{Name: "系统管理员", Roles: []Role{RoleSysadmin}, Disabled: true},
	} {
		_, err := f.UpdateUser(f.admin, f.admin.UserID, in)
		wantFieldError(t, err, "roles", "user.cannot_demote_self")
	}
	root := f.storedUser("root")
	if root.Disabled || !root.HasRole(RoleSysadmin) {
		t.Errorf("root = %+v, want an enabled sysadmin", root)
	}
	// Editing one's own name is fine.
	if _, err := f.UpdateUser(f.admin, f.admin.UserID, UserInput{Name: "周建国", Roles: []Role{RoleSysadmin}}); err != nil {
		t.Fatal(err)
	}
}

func TestDisablingUserEndsSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	_, token1 := f.login("clerk.cy", fixturePassword, PortalGov)
	_, token2 := f.login("CLERK.CY", fixturePassword, PortalGov)
	if n := len(f.userSessions(clerk.ID)); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	if _, err := f.UpdateUser(f.admin, clerk.ID, UserInput{Name: "王芳", Roles: []Role{RoleClerk}, District: "110105", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.userSessions(clerk.ID)); n != 0 {
		t.Errorf("%d sessions after disabling, want 0", n)
	}
	for _, tok := range []string{token1, token2} {
		_, _, err := f.Authenticate(tok, "192.0.2.7")
		wantError(t, err, EUNAUTHORIZED, "session.disabled")
	}
	_, err := f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", "")
	wantError(t, err, EFORBIDDEN, "auth.disabled")
	if e := f.lastAudit(); e.Action != "user.update" || !strings.Contains(e.Detail, "disabled=true") {
		t.Errorf("last audit entry = %+v", e)
	}
}

func TestEndUserSessionsAndLogout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	a1, tok1 := f.login("clerk.cy", fixturePassword, PortalGov)
	_, tok2 := f.login("clerk.cy", fixturePassword, PortalGov)

	if err := f.Logout(a1); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.Authenticate(tok1, "")
	wantError(t, err, EUNAUTHORIZED, "session.expired") // his own sign-out keeps no reason
	if _, _, err := f.Authenticate(tok2, ""); err != nil {
		t.Errorf("logout ended the other session too: %v", err)
	}
	if e := f.lastAudit(); e.Action != "auth.logout" || e.UserID != clerk.ID {
		t.Errorf("last audit entry = %+v", e)
	}

	f.login("clerk.cy", fixturePassword, PortalGov)
	n, err := f.EndUserSessions(f.admin, clerk.ID)
	if err != nil || n != 2 {
		t.Fatalf("EndUserSessions = %d, %v; want 2", n, err)
	}
	_, _, err = f.Authenticate(tok2, "")
	wantError(t, err, EUNAUTHORIZED, "session.signed_out")
	if e := f.lastAudit(); e.Action != "user.sessions_end" || e.RecordID != clerk.ID || e.Username != "root" {
		t.Errorf("last audit entry = %+v", e)
	}
}

// A district's sysadmin manages the government staff of that district only.
func TestDistrictSysadminScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cyAdmin := f.actor(f.seedUser("admin.cy", "朝阳管理员", []Role{RoleSysadmin}, "110105", fixturePassword))
	hdClerk := f.seedUser("clerk.hd", "陈静", []Role{RoleClerk}, "110108", fixturePassword)
	agent := f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	cyClerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)

	for _, id := range []uint64{hdClerk.ID, agent.ID, f.admin.UserID} {
		_, err := f.UpdateUser(cyAdmin, id, UserInput{Name: "改名", Roles: []Role{RoleClerk}, District: "110105"})
		wantError(t, err, ENOTFOUND, "user.not_found")
		_, err = f.EndUserSessions(cyAdmin, id)
		wantError(t, err, ENOTFOUND, "user.not_found")
	}
	if _, err := f.UpdateUser(cyAdmin, cyClerk.ID, UserInput{Name: "王芳", Roles: []Role{RoleReviewer}, District: "110105"}); err != nil {
		t.Errorf("own district's clerk: %v", err)
	}
	_, err := f.UpdateUser(cyAdmin, cyClerk.ID, UserInput{Name: "王芳", Roles: []Role{RoleReviewer}, District: "110108"})
	wantFieldError(t, err, "district", "user.district_outside")
	_, _, err = f.CreateUser(cyAdmin, UserInput{Username: "leader2", Name: "赵敏", Roles: []Role{RoleViewer}})
	wantFieldError(t, err, "district", "user.district_outside")
	_, _, err = f.CreateUser(cyAdmin, UserInput{Username: "agent.li", Name: "李四", Roles: []Role{RoleAgent}, AgencyName: "某公司"})
	wantFieldError(t, err, "roles", "user.agency_outside")

	page, err := f.SearchUsers(cyAdmin, UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range page.Users {
		names = append(names, u.Username)
	}
	if !slices.Equal(names, []string{"admin.cy", "clerk.cy"}) {
		t.Errorf("district sysadmin lists %v, want [admin.cy clerk.cy]", names)
	}
}

// Every use case of this package refuses actors without the permission.
func TestUseCasesRefuseUnprivilegedRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	victim := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	if _, err := f.ScheduledBackup(); err != nil {
		t.Fatal(err)
	}
	list, _ := listBackups(f.backupDir())
	users0, audits0, _ := f.counts()

	var out bytes.Buffer
	useCases := []struct {
		name string
		run  func(Actor) error
	}{
		{"CreateUser", func(a Actor) error {
			_, _, err := f.CreateUser(a, UserInput{Username: "newbie", Name: "新人", Roles: []Role{RoleClerk}, District: "110105"})
			return err
		}},
		{"UpdateUser", func(a Actor) error {
			_, err := f.UpdateUser(a, victim.ID, UserInput{Name: "王芳", Roles: []Role{RoleSysadmin}})
			return err
		}},
		{"GetUser", func(a Actor) error { _, err := f.GetUser(a, victim.ID); return err }},
		{"SearchUsers", func(a Actor) error { _, err := f.SearchUsers(a, UserQuery{}); return err }},
		{"ResetPassword", func(a Actor) error { _, _, err := f.ResetPassword(a, victim.ID); return err }},
		{"ResetPasswordByName", func(a Actor) error { _, _, err := f.ResetPasswordByName(a, "clerk.cy"); return err }},
		{"EndUserSessions", func(a Actor) error { _, err := f.EndUserSessions(a, victim.ID); return err }},
		{"Params", func(a Actor) error { _, err := f.Params(a); return err }},
		{"SetParams", func(a Actor) error { return f.SetParams(a, map[string]string{ParamLoginMaxFails: "20"}) }},
		{"SaveDictEntry", func(a Actor) error {
			_, err := f.SaveDictEntry(a, DictDistrict, 0, DictInput{Code: "120101", Name: "和平区", Enabled: true})
			return err
		}},
		{"VerifyAudit", func(a Actor) error { _, err := f.VerifyAudit(a); return err }},
		{"AuditChain", func(a Actor) error { _, err := f.AuditChain(a); return err }},
		{"StartAuditWalk", func(a Actor) error { return f.StartAuditWalk(a) }},
		{"AuditLog", func(a Actor) error { _, _, err := f.AuditLog(a, AuditFilter{}); return err }},
		{"ExportAudit", func(a Actor) error { return f.ExportAudit(a, AuditFilter{}, &out) }},
		{"WriteBackup", func(a Actor) error { _, err := f.WriteBackup(a, "", &out); return err }},
		{"Backups", func(a Actor) error { _, err := f.Backups(a); return err }},
		{"OpenBackup", func(a Actor) error {
			file, err := f.OpenBackup(a, list[0].Name)
			if file != nil {
				file.Close()
			}
			return err
		}},
		{"Reindex", func(a Actor) error { return f.Reindex(a) }},
		{"Status", func(a Actor) error { _, err := f.Status(a); return err }},
	}
	roles := []Role{RoleClerk, RoleReviewer, RoleViewer, RoleAgencyAdmin, RoleAgent}
	for _, uc := range useCases {
		for _, r := range roles {
			t.Run(uc.name+"/"+string(r), func(t *testing.T) {
				actor := Actor{UserID: victim.ID, Username: "clerk.cy", Roles: []Role{r}}
				wantError(t, uc.run(actor), EFORBIDDEN, "error.forbidden")
			})
		}
	}
	users, audits, _ := f.counts()
	if users != users0 || audits != audits0 || out.Len() != 0 {
		t.Errorf("refused use cases left %d users (want %d), %d audit entries (want %d), %d bytes written",
			users, users0, audits, audits0, out.Len())
	}
	if v := f.storedUser("clerk.cy"); v.HasRole(RoleSysadmin) || v.MustChangePassword {
		t.Errorf("victim changed: %+v", v)
	}
	if f.ParamInt(ParamLoginMaxFails) != 5 {
		t.Error("a refused SetParams changed a parameter")
	}

	// The permission table gives system management to sysadmins only.
	for _, p := range []Permission{PermUserManage, PermParamManage, PermDictManage, PermAuditView, PermBackup, PermStatusView} {
		if got := RolesWith(p); !slices.Equal(got, []Role{RoleSysadmin}) {
			t.Errorf("RolesWith(%s) = %v, want [sysadmin]", p, got)
		}
	}
	// Full ID numbers and phones: those who check them against papers,
	// never a leader or agency staff.
	if got := RolesWith(PermPersonalData); !slices.Equal(got, []Role{RoleSysadmin, RoleClerk, RoleReviewer}) {
		t.Errorf("RolesWith(%s) = %v, want [sysadmin clerk reviewer]", PermPersonalData, got)
	}
}
