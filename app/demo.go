package app

import (
	"encoding/json"
	"errors"

	"anju/storage"
)

// DemoPassword is the password of every demo account. Demo accounts do not
// have to change it: the demo is for looking around, not for real data.
const DemoPassword = "AnjuDemo2026"

// demoActor is who the demo data says ended what it ends without a person
// (an employment, a code used by a lease it does not hold): the system
// loading the demo, which pages name in words, rather than a user "demo"
// who does not exist.
var demoActor = SystemActor("demo").Username

// DemoAccount is printed on the console when demo data is loaded.
type DemoAccount struct {
	Username, Name string
	Roles          []Role
	Portal         Portal
}

var demoDistricts = [][3]string{
	{"110101", "东城区", "Dongcheng"}, {"110102", "西城区", "Xicheng"},
	{"110105", "朝阳区", "Chaoyang"}, {"110106", "丰台区", "Fengtai"},
	{"110107", "石景山区", "Shijingshan"}, {"110108", "海淀区", "Haidian"},
	{"110109", "门头沟区", "Mentougou"}, {"110111", "房山区", "Fangshan"},
	{"110112", "通州区", "Tongzhou"}, {"110113", "顺义区", "Shunyi"},
	{"110114", "昌平区", "Changping"}, {"110115", "大兴区", "Daxing"},
	{"110116", "怀柔区", "Huairou"}, {"110117", "平谷区", "Pinggu"},
	{"110118", "密云区", "Miyun"}, {"110119", "延庆区", "Yanqing"},
}

var demoUsers = []struct {
	UserInput
}{
	{UserInput{Username: "sysadmin", Name: "周建国", Roles: []Role{RoleSysadmin}}},
	{UserInput{Username: "clerk", Name: "王芳", Phone: "13812345678", Roles: []Role{RoleClerk}, District: "110105"}},
	{UserInput{Username: "clerk.hd", Name: "陈静", Roles: []Role{RoleClerk}, District: "110108"}},
	{UserInput{Username: "reviewer", Name: "李强", Phone: "13987654321", Roles: []Role{RoleReviewer}, District: "110105"}},
	{UserInput{Username: "leader", Name: "赵敏", Roles: []Role{RoleViewer}}},
	{UserInput{Username: "anju.admin", Name: "刘洋", Phone: "13611112222", Roles: []Role{RoleAgencyAdmin}, AgencyName: "北京安居房地产经纪有限公司"}},
	{UserInput{Username: "agent.zhang", Name: "张伟", Phone: "13733334444", Roles: []Role{RoleAgent}, AgencyName: "北京安居房地产经纪有限公司"}},
	{UserInput{Username: "agent.zhangxh", Name: "张小红", Roles: []Role{RoleAgent}, AgencyName: "北京安居房地产经纪有限公司"}},
	{UserInput{Username: "leju.admin", Name: "李娜", Roles: []Role{RoleAgencyAdmin, RoleAgent}, AgencyName: "北京乐居住房租赁有限公司"}},
}

// LoadDemo fills the store with a small demo city: Beijing's districts,
// the city bureau's branding and one account of every role. The branding
// is the city's, not a district's, because the demo has clerks and records
// in several districts and every notice, certificate and header names the
// installation's office (org.name) as the issuer: a Haidian clerk's notice
// must not name the Chaoyang bureau. It is idempotent: an
// account that exists is left alone. Later capabilities add their records
// here.
func (a *App) LoadDemo() ([]DemoAccount, error) {
	actor := SystemActor("demo")
	// One hash for every demo account, made only if one is missing.
	var hash []byte
	var accounts []DemoAccount
	err := a.update(func(tx *storage.Tx) error {
		if err := seedDict(tx, DictDistrict, demoDistricts, a.now()); err != nil {
			return err
		}
		for key, val := range map[string]string{ParamOrgName: "北京市住房和城乡建设委员会", ParamOrgContact: "010-6509 0000"} {
			if tx.Get(paramBucket, []byte(key)) == nil {
				b, _ := json.Marshal(val)
				if err := tx.Put(paramBucket, []byte(key), b); err != nil {
					return err
				}
			}
		}
		for i, spec := range demoCoreAgencies {
			if _, err := a.seedDemoAgency(tx, spec, a.now().AddDate(-2, i, 0)); err != nil {
				return err
			}
		}
		for _, d := range demoUsers {
			in := d.UserInput
			if err := a.checkUserInput(tx, actor, &in, nil); err != nil {
				return err
			}
			accounts = append(accounts, DemoAccount{Username: in.Username, Name: in.Name, Roles: in.Roles, Portal: in.Roles[0].Portal()})
			if _, err := userByName(tx, in.Username); err == nil {
				continue
			}
			agencyID, err := agencyOfInput(tx, &in)
			if err != nil {
				return err
			}
			if hash == nil {
				if hash, err = hashPassword(DemoPassword); err != nil {
					return err
				}
			}
			now := a.now()
			u := &User{Username: in.Username, Name: in.Name, Phone: in.Phone, Roles: in.Roles,
				District: in.District, AgencyID: agencyID, AgencyName: in.AgencyName,
				PasswordHash: hash, Created: now, Updated: now, PasswordChanged: now}
			if _, err := userTable.Insert(tx, u); err != nil {
				if errors.Is(err, storage.ErrDuplicate) {
					continue
				}
				return err
			}
			if err := a.audit(tx, actor, "user.create", "user", u.ID, u.Username+" (demo)",
				auditNote("audit.note.demo", noteText(u.Username))); err != nil {
				return err
			}
		}
		// The core agencies' practitioners and the demo agents' records
		// (app/practitioner_demo.go), then about fifty more agencies with
		// branches, premises, accounts and practitioners of their own
		// (app/demo_agency_more.go). In this order: the first seeds only
		// while the store has no practitioners but the demo agents.
		if err := a.seedDemoPractitioners(tx, a.now()); err != nil {
			return err
		}
		if err := a.seedDemoMoreAgencies(tx, a.now()); err != nil {
			return err
		}
		// Filings waiting for review (app/demo_agency_apps.go).
		return a.seedDemoApplications(tx, a.now())
	})
	a.dicts.drop() // the districts were seeded
	if err != nil {
		return nil, err
	}
	if err := a.db.View(a.params.load); err != nil {
		return nil, err
	}
	issue, err := a.loadDemoRegistry()
	if err != nil {
		return nil, err
	}
	// Leases over the last two years (app/demo_contracts.go), and between
	// them, in date order, the registry demo's verifications.
	if err := a.loadDemoContracts(issue); err != nil {
		return nil, err
	}
	// A year of credit (app/credit_demo.go), then the red and black lists
	// it leads to (app/creditlist_demo.go) and announcements
	// (app/announcement.go).
	if err := a.loadDemoCredit(); err != nil {
		return nil, err
	}
	if err := a.loadDemoLists(); err != nil {
		return nil, err
	}
	return accounts, a.loadDemoAnnouncements()
}
