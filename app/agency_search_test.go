package app

import (
	"slices"
	"strings"
	"testing"

	"anju/storage"
)

// seedDirectory files the demo's agencies (the two core ones and the fifty
// more) into a fixture, without the demo registry.
func seedDirectory(t testing.TB, f *fixture) {
	t.Helper()
	err := f.update(func(tx *storage.Tx) error {
		for i, spec := range demoCoreAgencies {
			if _, err := f.seedDemoAgency(tx, spec, f.now().AddDate(-2, i, 0)); err != nil {
				return err
			}
		}
		return f.seedDemoMoreAgencies(tx, f.now())
	})
	if err != nil {
		t.Fatalf("seed agencies: %v", err)
	}
}

// agencyNamed reads a seeded agency by name.
func agencyNamed(t testing.TB, f *fixture, name string) *Agency {
	t.Helper()
	var ag *Agency
	err := f.db.View(func(tx *storage.Tx) (err error) {
		ag, err = demoAgencyExists(tx, name)
		return err
	})
	if err != nil || ag == nil {
		t.Fatalf("agency %s: %v", name, err)
	}
	return ag
}

func names(items []*Agency) []string {
	var out []string
	for _, ag := range items {
		out = append(out, ag.Name)
	}
	return out
}

func searchAll(t *testing.T, f *fixture, actor Actor, q AgencyQuery) AgencyPage {
	t.Helper()
	q.Size = 100
	res, err := f.SearchAgencies(actor, q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func TestSearchAgenciesByOneChineseCharacter(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	res := searchAll(t, f, f.admin, AgencyQuery{Text: "安"})
	got := names(res.Items)
	for _, want := range []string{"北京安居房地产经纪有限公司", "北京永安房地产经纪有限公司", "北京君安住房租赁有限公司", "北京安家房地产经纪有限公司"} {
		if !slices.Contains(got, want) {
			t.Errorf("安 does not find %s; found %v", want, got)
		}
	}
	for _, n := range got {
		ag := agencyNamed(t, f, n)
		hay := ag.Name + ag.Address + ag.LegalRep + strings.Join(ag.FormerNames, "")
		for _, p := range ag.Premises {
			hay += p.Name + p.Address
		}
		if !strings.Contains(hay, "安") {
			t.Errorf("安 finds %s, which has no 安 anywhere", n)
		}
	}
	if res.Total != len(got) {
		t.Errorf("total %d, items %d", res.Total, len(got))
	}
}

func TestSearchAgenciesByCodeAndFilingNumber(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	ag := agencyNamed(t, f, "北京博雅房地产经纪有限公司")
	fullWidth := strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, ag.USCC)
	digits := strings.ReplaceAll(ag.FilingNo, "-", "")
	for _, text := range []string{
		ag.USCC, strings.ToLower(ag.USCC), " " + strings.ToLower(ag.USCC[:9]) + " " + strings.ToLower(ag.USCC[9:]), fullWidth,
		ag.FilingNo, digits, strings.Map(func(r rune) rune { return r + 0xFEE0 }, ag.FilingNo),
		"博雅置业", // its former name
	} {
		res := searchAll(t, f, f.admin, AgencyQuery{Text: text})
		if res.Total != 1 || len(res.Items) != 1 || res.Items[0].ID != ag.ID {
			t.Errorf("search %q: %d %v, want only %s", text, res.Total, names(res.Items), ag.Name)
		}
	}
	// A mistyped code finds nothing rather than everything.
	bad := ag.USCC[:17] + "0"
	if bad == ag.USCC {
		bad = ag.USCC[:17] + "1"
	}
	if res := searchAll(t, f, f.admin, AgencyQuery{Text: bad}); res.Total != 0 {
		t.Errorf("mistyped code finds %v", names(res.Items))
	}
}

func TestSearchAgenciesFiltersAndOrder(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	res := searchAll(t, f, f.admin, AgencyQuery{Type: AgencyTypeRental})
	if res.Total < 10 {
		t.Errorf("rental: %d agencies", res.Total)
	}
	for _, ag := range res.Items {
		if ag.Type != AgencyTypeRental {
			t.Errorf("type filter lets %s (%s) through", ag.Name, ag.Type)
		}
	}
	for i := 1; i < len(res.Items); i++ {
		if res.Items[i].Filed.After(res.Items[i-1].Filed) {
			t.Errorf("not newest filed first: %s (%s) after %s (%s)", res.Items[i].Name, res.Items[i].Filed,
				res.Items[i-1].Name, res.Items[i-1].Filed)
		}
	}
	res = searchAll(t, f, f.admin, AgencyQuery{District: "110108"})
	for _, ag := range res.Items {
		if ag.District != "110108" {
			t.Errorf("district filter lets %s (%s) through", ag.Name, ag.District)
		}
	}
	res = searchAll(t, f, f.admin, AgencyQuery{Status: AgencyCancelled})
	if got := names(res.Items); !slices.Equal(got, []string{"北京万家房地产经纪有限公司"}) {
		t.Errorf("cancelled: %v", got)
	}
	res = searchAll(t, f, f.admin, AgencyQuery{Branch: "yes"})
	if res.Total != 7 {
		t.Errorf("branches: %d %v, want 7", res.Total, names(res.Items))
	}
	res = searchAll(t, f, f.admin, AgencyQuery{Text: "华信达", Branch: "no"})
	if got := names(res.Items); !slices.Equal(got, []string{"北京华信达房地产经纪有限公司"}) {
		t.Errorf("head offices named 华信达: %v", got)
	}
	// Paging: pages of 10 cover every agency once.
	seen := map[uint64]bool{}
	total := 0
	for page := 1; ; page++ {
		p, err := f.SearchAgencies(f.admin, AgencyQuery{Page: page, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		total = p.Total
		for _, ag := range p.Items {
			if seen[ag.ID] {
				t.Errorf("%s on two pages", ag.Name)
			}
			seen[ag.ID] = true
		}
		if page >= p.Pages {
			break
		}
	}
	if len(seen) != total || total != len(demoCoreAgencies)+len(demoMoreAgencies) {
		t.Errorf("paging saw %d of %d agencies (want %d)", len(seen), total, len(demoCoreAgencies)+len(demoMoreAgencies))
	}
}

func TestSearchAgenciesJurisdiction(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	clerk := Actor{UserID: 900, Username: "clerk.hd", Roles: []Role{RoleClerk}, District: "110108"}
	res := searchAll(t, f, clerk, AgencyQuery{})
	if res.Total == 0 {
		t.Fatal("a district clerk sees no agency")
	}
	for _, ag := range res.Items {
		if ag.District != "110108" {
			t.Errorf("clerk of 110108 sees %s of %s", ag.Name, ag.District)
		}
	}
	if res := searchAll(t, f, clerk, AgencyQuery{District: "110105"}); res.Total != 0 {
		t.Errorf("clerk of 110108 asking for 110105 sees %v", names(res.Items))
	}
	if res := searchAll(t, f, clerk, AgencyQuery{Text: "华信达"}); !slices.Equal(names(res.Items), []string{"北京华信达房地产经纪有限公司海淀分公司"}) {
		t.Errorf("clerk of 110108 finds 华信达: %v", names(res.Items))
	}
	viewer := Actor{UserID: 901, Username: "leader", Roles: []Role{RoleViewer}}
	if res := searchAll(t, f, viewer, AgencyQuery{}); res.Total != len(demoCoreAgencies)+len(demoMoreAgencies) {
		t.Errorf("city-wide viewer sees %d agencies", res.Total)
	}

	head := agencyNamed(t, f, "北京华信达房地产经纪有限公司")
	headAdmin := Actor{UserID: 902, Username: "hxd", Roles: []Role{RoleAgencyAdmin}, AgencyID: head.ID}
	res = searchAll(t, f, headAdmin, AgencyQuery{})
	if res.Total != 4 {
		t.Errorf("head office admin sees %v, want itself and its 3 branches", names(res.Items))
	}
	for _, ag := range res.Items {
		if ag.ID != head.ID && ag.HeadOfficeID != head.ID {
			t.Errorf("head office admin sees %s", ag.Name)
		}
	}
	if res := searchAll(t, f, headAdmin, AgencyQuery{Text: "安"}); res.Total != 0 {
		t.Errorf("head office admin finds others' agencies: %v", names(res.Items))
	}
	branch := agencyNamed(t, f, "北京华信达房地产经纪有限公司海淀分公司")
	branchAdmin := Actor{UserID: 903, Username: "hxd.hd", Roles: []Role{RoleAgencyAdmin}, AgencyID: branch.ID}
	if res := searchAll(t, f, branchAdmin, AgencyQuery{}); !slices.Equal(names(res.Items), []string{branch.Name}) {
		t.Errorf("branch admin sees %v, want only his branch", names(res.Items))
	}
	agent := Actor{UserID: 904, Username: "a", Roles: []Role{RoleAgent}, AgencyID: head.ID}
	if _, err := f.SearchAgencies(agent, AgencyQuery{}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("agent searching agencies: %v, want forbidden", err)
	}
}

func TestNormalizeAgencySearchText(t *testing.T) {
	for in, want := range map[string]string{
		"110105-2026-0007": "110105-2026-0007",
		"11010520260007":   "110105-2026-0007",
		"１１０１０５－２０２６－０００７": "110105-2026-0007",
		"  安居 ": "安居",
		"ＡＢＣ":   "ABC",
	} {
		if got := normalizeAgencySearchText(in); got != want {
			t.Errorf("normalizeAgencySearchText(%q) = %q, want %q", in, got, want)
		}
	}
}
