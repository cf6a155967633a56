package ui_test

import (
	"regexp"
	"testing"

	"anju/app"
)

// TestEnglishListsAndBrackets: an English page joins a list with ", " and
// writes brackets half-width (the roles on the agency home page and in its
// staff list, a contract's optional clauses, the parties on the filing
// certificate); a Chinese page keeps 、 and （）.
func TestEnglishListsAndBrackets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("anju.admin")
	if _, err := e.app.UpdateUser(sys, u.ID, app.UserInput{Name: u.Name, Phone: u.Phone,
		Roles: []app.Role{app.RoleAgencyAdmin, app.RoleAgent}, AgencyName: u.AgencyName}); err != nil {
		t.Fatal(err)
	}
	agent, clerk, reviewer := e.actor("agent.zhang"), e.actor("clerk"), e.actor("reviewer")
	id := e.signDraft(agent, true)
	if _, err := e.app.SaveContractStep(agent, id, 4, app.ContractForm{AgreedTerms: "空调两台随房出租。", Clauses: []string{"c1", "c2"}}, true); err != nil {
		t.Fatal(err)
	}
	c, err := e.app.SignContract(agent, id)
	if err != nil {
		t.Fatal(err)
	}
	e.setParams(app.ParamFilingRequiresSign, "false")
	fl := e.flPaper(clerk, "列表一室", "列表租客")
	if _, err := e.app.ApproveFiling(reviewer, fl.ID); err != nil {
		t.Fatal(err)
	}

	admin := e.signedIn("agency", "anju.admin")
	roles := func(l func(string, ...any) string, sep string) string {
		return l("role.agency_admin") + sep + l("role.agent")
	}
	fullWidth := regexp.MustCompile(`[、（）]`)
	for _, p := range []struct {
		cl     *client
		path   string
		zh, en string
	}{
		{admin, "/agency/", roles(zh, "、"), roles(en, ", ")},
		{admin, "/agency/staff", roles(zh, "、"), roles(en, ", ")},
		{admin, "/agency/profile", roles(zh, "、"), roles(en, ", ")},
		{e.signedIn("agency", "agent.zhang"), "/agency/contracts/" + itoa(c.ID), "宠物饲养、禁止吸烟", "宠物饲养, 禁止吸烟"},
		{e.signedIn("gov", "clerk"), "/gov/filings/" + itoa(fl.ID) + "/certificate", "列表租客（", "列表租客 ("},
	} {
		wantText(t, wantOK(t, p.cl.get(p.path)), p.zh)
		r := wantOK(t, p.cl.get(p.path, "Accept-Language", "en"))
		wantText(t, r, p.en)
		if m := fullWidth.FindAllString(visibleText(r.body), -1); len(m) > 0 {
			t.Errorf("%s in English: %q", p.path, m)
		}
	}
}
