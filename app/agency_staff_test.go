package app

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"anju/storage"
)

// staffFixture is a fixture with agencies, their accounts and
// practitioners stored directly (the filing and practitioner workflows
// have tests of their own).
type staffFixture struct {
	*fixture
	t *testing.T
}

func newStaffFixture(t *testing.T) *staffFixture {
	t.Helper()
	return &staffFixture{fixture: newFixture(t), t: t}
}

// agency files an agency directly; head is its head office (0: none).
func (f *staffFixture) agency(name string, head *Agency, premises ...Premises) *Agency {
	f.t.Helper()
	ag := &Agency{Status: AgencyFiled, Version: 1, AgencyInfo: AgencyInfo{Name: name, Type: AgencyTypeBroker,
		District: "110105", Address: "北京市朝阳区", Premises: premises}}
	if head != nil {
		ag.HeadOfficeID, ag.HeadOfficeName = head.ID, head.Name
	}
	err := f.update(func(tx *storage.Tx) error {
		now := f.now()
		no, err := nextFilingNo(tx, "110105", now)
		if err != nil {
			return err
		}
		ag.FilingNo, ag.Filed, ag.Created, ag.Updated = no, now, now, now
		_, err = agencyTable.Insert(tx, ag)
		return err
	})
	if err != nil {
		f.t.Fatalf("seed agency %s: %v", name, err)
	}
	return ag
}

// account stores an agency account with the fixture password.
func (f *staffFixture) account(username string, ag *Agency, roles ...Role) (*User, Actor) {
	f.t.Helper()
	now := f.now()
	u := &User{Username: username, Name: "用户" + username, Roles: roles, AgencyID: ag.ID, AgencyName: ag.Name,
		PasswordHash: cheapHash(f.t, fixturePassword), Created: now, Updated: now}
	err := f.update(func(tx *storage.Tx) error {
		_, err := userTable.Insert(tx, u)
		return err
	})
	if err != nil {
		f.t.Fatalf("seed account %s: %v", username, err)
	}
	return u, f.actor(u)
}

// practitioner stores a practitioner employed at ag (nil: none) who
// worked at each of left before.
func (f *staffFixture) practitioner(name, idNo string, ag *Agency, left ...*Agency) *Practitioner {
	f.t.Helper()
	start := f.now().AddDate(-3, 0, 0)
	p := &Practitioner{Name: name, IDNo: idNo, Created: start, Updated: start}
	for _, l := range left {
		p.Employments = append(p.Employments, Employment{AgencyID: l.ID, AgencyName: l.Name, Role: PracBroker,
			Start: start, End: start.AddDate(1, 0, 0)})
		start = start.AddDate(1, 0, 1)
	}
	if ag != nil {
		p.Employments = append(p.Employments, Employment{AgencyID: ag.ID, AgencyName: ag.Name, Role: PracBroker, Start: start})
	}
	err := f.update(func(tx *storage.Tx) error {
		card, err := nextCardNo(tx)
		if err != nil {
			return err
		}
		p.CardNo = card
		_, err = practitionerTable.Insert(tx, p)
		return err
	})
	if err != nil {
		f.t.Fatalf("seed practitioner %s: %v", name, err)
	}
	return p
}

func (f *staffFixture) wantCode(what string, err error, code Code, key string) {
	f.t.Helper()
	e, ok := AsError(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		f.t.Fatalf("%s: error %v, want %s %s", what, err, code, key)
	}
}

func wantStaffField(t *testing.T, err error, field, key string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Fields[field] != key {
		t.Fatalf("error %v, want field %s = %s", err, field, key)
	}
}

func TestCreateAgencyStaffWithOneTimePassword(t *testing.T) {
	f := newStaffFixture(t)
	ag := f.agency("北京安居房地产经纪有限公司", nil)
	_, admin := f.account("anju.admin", ag, RoleAgencyAdmin)

	u, password, err := f.CreateAgencyStaff(admin, StaffInput{Username: " Agent.Wang ", Name: "王强", Phone: "137 1234 5678"})
	if err != nil {
		t.Fatal(err)
	}
	stored := f.storedUser("agent.wang")
	if stored.ID != u.ID || stored.AgencyID != ag.ID || stored.AgencyName != ag.Name || !slices.Equal(stored.Roles, []Role{RoleAgent}) ||
		!stored.MustChangePassword || stored.Phone != "13712345678" || stored.Disabled {
		t.Fatalf("stored account %+v", stored)
	}
	if a := f.lastAudit(); a.Action != "staff.create" || a.RecordKind != "user" || a.RecordID != u.ID || a.Username != "anju.admin" {
		t.Fatalf("audit %+v", a)
	}
	// The new agent signs in with the one-time password and must change it.
	res, err := f.Login(PortalAgency, "agent.wang", password, "192.0.2.9", "test", "")
	if err != nil || !res.MustChangePassword || res.Actor.AgencyID != ag.ID {
		t.Fatalf("first sign-in: %+v %v", res, err)
	}
	if err := f.ChangePassword(res.Actor, password, "Wang-Qiang-2026!", "Wang-Qiang-2026!"); err != nil {
		t.Fatal(err)
	}
	if res, err := f.Login(PortalAgency, "agent.wang", "Wang-Qiang-2026!", "192.0.2.9", "test", ""); err != nil || res.MustChangePassword {
		t.Fatalf("second sign-in: %+v %v", res, err)
	}
	staff, err := f.ListAgencyStaff(admin)
	if err != nil || len(staff) != 2 || staff[0].User.Username != "anju.admin" || !staff[0].Self || !staff[0].Admin ||
		staff[1].User.Username != "agent.wang" {
		t.Fatalf("staff list %+v %v", staff, err)
	}
}

func TestCreateAgencyStaffRefusals(t *testing.T) {
	f := newStaffFixture(t)
	ag := f.agency("北京安居房地产经纪有限公司", nil)
	_, admin := f.account("anju.admin", ag, RoleAgencyAdmin)
	_, agent := f.account("agent.li", ag, RoleAgent)
	users, audits, _ := f.counts()

	_, _, err := f.CreateAgencyStaff(admin, StaffInput{Username: "9x", Name: "", Phone: "12345", Role: RoleAgencyAdmin})
	for field, key := range map[string]string{"username": "user.username_invalid", "name": "user.name_required",
		"phone": "phone.invalid", "role": "staff.role_agent_only"} {
		if e, _ := AsError(err); e == nil || e.Fields[field] == "" {
			t.Errorf("field %s: no error (%v)", field, err)
		} else if field != "phone" && e.Fields[field] != key {
			t.Errorf("field %s: %s, want %s", field, e.Fields[field], key)
		}
	}
	_, _, err = f.CreateAgencyStaff(admin, StaffInput{Username: "agent.li", Name: "李四"})
	wantStaffField(t, err, "username", "user.username_taken")
	_, _, err = f.CreateAgencyStaff(agent, StaffInput{Username: "agent.new", Name: "新人"})
	f.wantCode("agent creates staff", err, EFORBIDDEN, "error.forbidden")
	if u, a, _ := f.counts(); u != users || a != audits {
		t.Fatalf("refused creations stored something: users %d→%d audits %d→%d", users, u, audits, a)
	}
}

func TestStaffOfBranchesAndOtherAgenciesIsNotVisible(t *testing.T) {
	f := newStaffFixture(t)
	head := f.agency("北京安居房地产经纪有限公司", nil)
	branch := f.agency("北京安居房地产经纪有限公司望京分公司", head)
	other := f.agency("北京乐居住房租赁有限公司", nil)
	_, headAdmin := f.account("anju.admin", head, RoleAgencyAdmin)
	_, branchAdmin := f.account("wangjing.admin", branch, RoleAgencyAdmin)
	headAgent, _ := f.account("agent.head", head, RoleAgent)
	branchAgent, _ := f.account("agent.branch", branch, RoleAgent)
	otherAgent, _ := f.account("agent.other", other, RoleAgent)

	names := func(actor Actor) []string {
		staff, err := f.ListAgencyStaff(actor)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range staff {
			out = append(out, m.User.Username)
		}
		return out
	}
	if got := names(headAdmin); !slices.Equal(got, []string{"anju.admin", "agent.head"}) {
		t.Fatalf("head office staff %v", got)
	}
	if got := names(branchAdmin); !slices.Equal(got, []string{"wangjing.admin", "agent.branch"}) {
		t.Fatalf("branch staff %v", got)
	}
	// A head office admin does not manage his branch's accounts, nor anyone
	// else's: they read as not found.
	for _, id := range []uint64{branchAgent.ID, otherAgent.ID} {
		_, err := f.SetStaffDisabled(headAdmin, id, true)
		f.wantCode("head admin disables "+strconv.FormatUint(id, 10), err, ENOTFOUND, "staff.not_found")
		_, _, err = f.ResetStaffPassword(headAdmin, id)
		f.wantCode("head admin resets", err, ENOTFOUND, "staff.not_found")
		_, err = f.GetAgencyStaff(headAdmin, id)
		f.wantCode("head admin reads", err, ENOTFOUND, "staff.not_found")
	}
	_, err := f.SetStaffDisabled(branchAdmin, headAgent.ID, true)
	f.wantCode("branch admin disables head office agent", err, ENOTFOUND, "staff.not_found")
	if _, err := f.SetStaffDisabled(branchAdmin, branchAgent.ID, true); err != nil {
		t.Fatal(err)
	}
	if !f.storedUser("agent.branch").Disabled || f.storedUser("agent.head").Disabled || f.storedUser("agent.other").Disabled {
		t.Fatal("the wrong account was disabled")
	}
}

func TestDisablingStaffEndsSessions(t *testing.T) {
	f := newStaffFixture(t)
	ag := f.agency("北京安居房地产经纪有限公司", nil)
	adminUser, admin := f.account("anju.admin", ag, RoleAgencyAdmin)
	agentUser, _ := f.account("agent.li", ag, RoleAgent)
	_, token := f.login("agent.li", fixturePassword, PortalAgency)
	if len(f.userSessions(agentUser.ID)) != 1 {
		t.Fatal("no session")
	}
	if _, err := f.SetStaffDisabled(admin, agentUser.ID, true); err != nil {
		t.Fatal(err)
	}
	if n := len(f.userSessions(agentUser.ID)); n != 0 {
		t.Fatalf("%d sessions left after disabling", n)
	}
	// His next request is told why: the account was disabled, by his agency's administrator.
	_, _, err := f.Authenticate(token, "192.0.2.7")
	wantError(t, err, EUNAUTHORIZED, "session.disabled_agency")
	// Told to ask his agency's administrator, who manages his account.
	_, err = f.Login(PortalAgency, "agent.li", fixturePassword, "192.0.2.7", "t", "")
	wantError(t, err, EFORBIDDEN, "auth.disabled_agency")
	if a := f.lastAudit(); a.Action != "staff.disable" {
		t.Fatalf("audit %+v", a)
	}
	if _, err := f.SetStaffDisabled(admin, agentUser.ID, false); err != nil {
		t.Fatal(err)
	}
	if a := f.lastAudit(); a.Action != "staff.enable" {
		t.Fatalf("audit %+v", a)
	}
	f.login("agent.li", fixturePassword, PortalAgency)

	// Not himself, nor another admin account (the bureau manages those).
	_, err = f.SetStaffDisabled(admin, adminUser.ID, true)
	f.wantCode("admin disables himself", err, ECONFLICT, "staff.not_self")
	second, _ := f.account("anju.admin2", ag, RoleAgencyAdmin, RoleAgent)
	_, err = f.SetStaffDisabled(admin, second.ID, true)
	f.wantCode("admin disables another admin", err, EFORBIDDEN, "staff.admin_account")
	_, _, err = f.ResetStaffPassword(admin, second.ID)
	f.wantCode("admin resets another admin", err, EFORBIDDEN, "staff.admin_account")
}

func TestResetStaffPassword(t *testing.T) {
	f := newStaffFixture(t)
	ag := f.agency("北京安居房地产经纪有限公司", nil)
	_, admin := f.account("anju.admin", ag, RoleAgencyAdmin)
	agentUser, _ := f.account("agent.li", ag, RoleAgent)
	_, token := f.login("agent.li", fixturePassword, PortalAgency)
	u, password, err := f.ResetStaffPassword(admin, agentUser.ID)
	if err != nil || u.ID != agentUser.ID || password == "" {
		t.Fatalf("reset: %v", err)
	}
	_, _, err = f.Authenticate(token, "192.0.2.7")
	wantError(t, err, EUNAUTHORIZED, "session.password_reset")
	if a := f.lastAudit(); a.Action != "user.password_reset" || a.Username != "anju.admin" || a.RecordID != agentUser.ID {
		t.Fatalf("audit %+v", a)
	}
	if len(f.userSessions(agentUser.ID)) != 0 || !f.storedUser("agent.li").MustChangePassword {
		t.Fatal("reset leaves sessions or no forced change")
	}
	if _, err := f.Login(PortalAgency, "agent.li", fixturePassword, "192.0.2.7", "t", ""); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("old password still works: %v", err)
	}
	if res, err := f.Login(PortalAgency, "agent.li", password, "192.0.2.7", "t", ""); err != nil || !res.MustChangePassword {
		t.Fatalf("one-time password: %+v %v", res, err)
	}
}

func TestStaffPractitionerLink(t *testing.T) {
	f := newStaffFixture(t)
	ag := f.agency("北京安居房地产经纪有限公司", nil)
	other := f.agency("北京乐居住房租赁有限公司", nil)
	_, admin := f.account("anju.admin", ag, RoleAgencyAdmin)
	here := f.practitioner("王强", "110105199001010011", ag)
	elsewhere := f.practitioner("赵敏", "110105199001010022", other)
	gone := f.practitioner("钱进", "110105199001010033", other, ag) // left ag, now at other

	choices, err := f.StaffPractitionerChoices(admin)
	if err != nil || len(choices) != 1 || choices[0].ID != here.ID {
		t.Fatalf("choices %v %v", choices, err)
	}
	for _, p := range []*Practitioner{elsewhere, gone} {
		_, _, err := f.CreateAgencyStaff(admin, StaffInput{Username: "agent.x", Name: p.Name, Practitioner: strconv.FormatUint(p.ID, 10)})
		wantStaffField(t, err, "practitioner", "staff.practitioner_not_employed")
	}
	_, _, err = f.CreateAgencyStaff(admin, StaffInput{Username: "agent.x", Name: "无此人", Practitioner: "99999"})
	wantStaffField(t, err, "practitioner", "staff.practitioner_not_employed")
	if f.hasUser("agent.x") {
		t.Fatal("a refused account was stored")
	}
	u, _, err := f.CreateAgencyStaff(admin, StaffInput{Username: "agent.wang", Name: "王强", Practitioner: strconv.FormatUint(here.ID, 10)})
	if err != nil || u.PractitionerID != here.ID {
		t.Fatalf("link: %+v %v", u, err)
	}
	_, _, err = f.CreateAgencyStaff(admin, StaffInput{Username: "agent.wang2", Name: "王强", Practitioner: strconv.FormatUint(here.ID, 10)})
	wantStaffField(t, err, "practitioner", "staff.practitioner_linked")
	if choices, _ := f.StaffPractitionerChoices(admin); len(choices) != 0 {
		t.Fatalf("a linked practitioner is still offered: %v", choices)
	}
	staff, _ := f.ListAgencyStaff(admin)
	if staff[1].Practitioner == nil || staff[1].Practitioner.ID != here.ID {
		t.Fatalf("list does not show the link: %+v", staff[1])
	}

	// He leaves: his account is disabled and cannot be enabled again.
	err = f.update(func(tx *storage.Tx) error {
		p, err := practitionerTable.Get(tx, here.ID)
		if err != nil {
			return err
		}
		p.Current().End = f.now()
		if err := practitionerTable.Put(tx, p); err != nil {
			return err
		}
		return disablePractitionerAccounts(tx, p.ID, ag.ID, f.now())
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.SetStaffDisabled(admin, u.ID, false)
	f.wantCode("enable a leaver's account", err, ECONFLICT, "staff.practitioner_left")
	// The list says so instead of offering the button.
	staff, _ = f.ListAgencyStaff(admin)
	if m := staff[1]; m.User.ID != u.ID || m.EnableBlocked == nil || m.EnableBlocked.Key != "staff.practitioner_left" {
		t.Errorf("the leaver's account in the list: %+v", m)
	}

	// He comes back: a new account may be linked to him (the old one is
	// disabled), after which the old one cannot be enabled beside it.
	err = f.update(func(tx *storage.Tx) error {
		p, err := practitionerTable.Get(tx, here.ID)
		if err != nil {
			return err
		}
		p.Employments = append(p.Employments, Employment{AgencyID: ag.ID, AgencyName: ag.Name, Role: PracBroker, Start: f.now()})
		return practitionerTable.Put(tx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.CreateAgencyStaff(admin, StaffInput{Username: "agent.wang2", Name: "王强", Practitioner: strconv.FormatUint(here.ID, 10)}); err != nil {
		t.Fatalf("link a returning practitioner: %v", err)
	}
	_, err = f.SetStaffDisabled(admin, u.ID, false)
	f.wantCode("enable a second linked account", err, ECONFLICT, "staff.practitioner_has_account")
}

func TestCancelledAgencyCannotCreateStaff(t *testing.T) {
	f := newStaffFixture(t)
	ag := f.agency("北京安居房地产经纪有限公司", nil)
	_, admin := f.account("anju.admin", ag, RoleAgencyAdmin)
	agentUser, _ := f.account("agent.li", ag, RoleAgent)
	err := f.update(func(tx *storage.Tx) error {
		ag.Status, ag.Cancelled = AgencyCancelled, f.now()
		return agencyTable.Put(tx, ag)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.CreateAgencyStaff(admin, StaffInput{Username: "agent.new", Name: "新人"})
	f.wantCode("create", err, ECONFLICT, "staff.agency_cancelled")
	_, err = f.SetStaffDisabled(admin, agentUser.ID, true)
	f.wantCode("disable", err, ECONFLICT, "staff.agency_cancelled")
	if staff, err := f.ListAgencyStaff(admin); err != nil || len(staff) != 2 {
		t.Fatalf("a cancelled agency's list: %v %v", staff, err)
	}
	home, err := f.AgencyHome(admin)
	if err != nil || len(home.Actions) != 1 || home.Actions[0].Key != "aghome.cancelled" {
		t.Fatalf("home of a cancelled agency: %+v %v", home, err)
	}
}

func TestAgencyHomeFiguresAndActions(t *testing.T) {
	f := newStaffFixture(t)
	ag := f.agency("北京安居房地产经纪有限公司", nil,
		Premises{Name: "国贸门店", District: "110105", Lng: 116.47, Lat: 39.90, HasCoords: true},
		Premises{Name: "望京门店", District: "110105"})
	f.agency("北京安居房地产经纪有限公司望京分公司", ag)
	_, admin := f.account("anju.admin", ag, RoleAgencyAdmin)
	linked := f.practitioner("王强", "110105199001010011", ag)
	f.practitioner("赵敏", "110105199001010022", ag)
	_, _, err := f.CreateAgencyStaff(admin, StaffInput{Username: "agent.wang", Name: "王强", Practitioner: strconv.FormatUint(linked.ID, 10)})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := f.account("agent.li", ag, RoleAgent)
	if _, err := f.SetStaffDisabled(admin, u.ID, true); err != nil {
		t.Fatal(err)
	}
	// A rejected change waits for the admin to fix it.
	err = f.update(func(tx *storage.Tx) error {
		ap := &AgencyApplication{No: "SQ2026000001", Kind: AppChange, Status: AppRejected, AgencyID: ag.ID,
			RejectReason: "营业执照不清晰", Source: SourceAgency, ApplicantAgency: ag.ID, Created: f.now()}
		if _, err := applicationTable.Insert(tx, ap); err != nil {
			return err
		}
		ag.PendingApp = ap.ID
		return agencyTable.Put(tx, ag)
	})
	if err != nil {
		t.Fatal(err)
	}
	// The agency's own verification counts; another agency's does not.
	err = f.update(func(tx *storage.Tx) error {
		for i, agencyID := range []uint64{ag.ID, ag.ID + 100} {
			v := &Verification{Code: "TESTCODE000" + strconv.Itoa(i), Status: VStatusValid, District: "110105",
				Requester: Requester{Username: "agent.wang", AgencyID: agencyID}, Created: f.now(), ValidUntil: f.now().Add(24 * time.Hour)}
			if _, err := verificationTable.Insert(tx, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	h, err := f.AgencyHome(admin)
	if err != nil {
		t.Fatal(err)
	}
	if h.Agency.ID != ag.ID || h.StaffActive != 2 || h.StaffDisabled != 1 || h.StaffMustChange != 1 || h.Employed != 2 ||
		h.Premises != 2 || !slices.Equal(h.PremisesNoCoords, []string{"望京门店"}) || h.Branches != 1 || h.ValidVerifications != 1 {
		t.Fatalf("admin home %+v", h)
	}
	if h.Pending == nil || h.Pending.No != "SQ2026000001" {
		t.Fatalf("pending application %+v", h.Pending)
	}
	var keys []string
	for _, a := range h.Actions {
		keys = append(keys, a.Key)
	}
	if !slices.Equal(keys, []string{"aghome.app_rejected", "aghome.staff_must_change", "aghome.premises_no_coords"}) {
		t.Fatalf("actions %v", keys)
	}
	if a := h.Actions[0]; a.Args[1] != "营业执照不清晰" || a.Level != "error" {
		t.Fatalf("rejected application action %+v", a)
	}

	// The agent sees his own work and his card; no agency figures.
	agent := f.actor(f.storedUser("agent.wang"))
	h, err = f.AgencyHome(agent)
	if err != nil {
		t.Fatal(err)
	}
	if h.MyVerifications != 1 || h.MyValidVerifications != 1 || h.MyPractitioner == nil || h.MyPractitioner.ID != linked.ID ||
		h.StaffActive != 0 || h.Employed != 0 || h.ValidVerifications != 0 || len(h.Applications) != 0 {
		t.Fatalf("agent home %+v", h)
	}
}

func TestBranchesOverviewAndTheBranchRule(t *testing.T) {
	f := newStaffFixture(t)
	head := f.agency("北京安居房地产经纪有限公司", nil, Premises{Name: "总部门店"})
	b1 := f.agency("北京安居房地产经纪有限公司望京分公司", head, Premises{Name: "望京一店"}, Premises{Name: "望京二店"})
	b2 := f.agency("北京安居房地产经纪有限公司通州分公司", head)
	lone := f.agency("北京乐居住房租赁有限公司", nil)
	_, headAdmin := f.account("anju.admin", head, RoleAgencyAdmin)
	_, branchAdmin := f.account("wangjing.admin", b1, RoleAgencyAdmin)
	f.account("agent.wj", b1, RoleAgent)
	_, loneAdmin := f.account("leju.admin", lone, RoleAgencyAdmin)
	_, agent := f.account("agent.head", head, RoleAgent)
	f.practitioner("王强", "110105199001010011", b1)
	f.practitioner("赵敏", "110105199001010022", head)
	f.practitioner("孙丽", "110105199001010044", b2)

	o, err := f.AgencyBranchesOverview(headAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if !o.CanApply || o.BlockKey != "" || len(o.Branches) != 2 {
		t.Fatalf("head office overview %+v", o)
	}
	if w := o.Branches[0]; w.Agency.ID != b1.ID || w.StaffActive != 2 || w.Employed != 1 || w.Premises != 2 {
		t.Fatalf("branch figures %+v", w)
	}
	if o.Own.StaffActive != 2 || o.Own.Employed != 1 || o.Total.StaffActive != 4 || o.Total.Employed != 3 || o.Total.Premises != 3 {
		t.Fatalf("own %+v total %+v", o.Own, o.Total)
	}

	o, err = f.AgencyBranchesOverview(branchAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if o.CanApply || o.BlockKey != "agency.branch_cannot_apply" || o.BlockArgs[0] != head.Name || len(o.Branches) != 0 {
		t.Fatalf("branch overview %+v", o)
	}
	o, err = f.AgencyBranchesOverview(loneAdmin)
	if err != nil || !o.CanApply || len(o.Branches) != 0 {
		t.Fatalf("overview of an agency without branches %+v %v", o, err)
	}
	_, err = f.AgencyBranchesOverview(agent)
	f.wantCode("agent", err, EFORBIDDEN, "error.forbidden")
}
