package ui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"anju/app"
	"anju/ui"
)

func init() {
	otherRoutes = append(otherRoutes,
		"GET /agencies",             // public agency directory, ?q=
		"GET /agencies/{id:[0-9]+}", // an agency's public page
	)
}

// publicAgency finds a demo agency of the directory by its exact name.
func publicAgency(t *testing.T, e *env, name string) *app.PublicAgencySummary {
	t.Helper()
	res, err := e.app.PublicAgencies(app.AgencyQuery{Text: name, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Items {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no agency %s in the directory", name)
	return nil
}

func TestDirectoryFindsAgencyByOneCharacter(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	r := c.get("/agencies?q=" + url.QueryEscape("安"))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("directory.title"), "北京安居房地产经纪有限公司", "北京永安房地产经纪有限公司", "北京君安住房租赁有限公司")
	wantNoText(t, r, "北京华信达房地产经纪有限公司", "北京博雅房地产经纪有限公司")
	// The typed word stays in the box.
	wantText(t, r, `value="安"`)

	// In English too, with its labels.
	r = c.get("/agencies?q="+url.QueryEscape("安"), "Accept-Language", "en")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, en("directory.title"), en("directory.filing_no"), "北京永安房地产经纪有限公司")
}

func TestDirectoryFindsByCodeAndFilingNumber(t *testing.T) {
	e := newEnv(t)
	s := publicAgency(t, e, "北京启航房地产经纪有限公司")
	c := e.client()
	for _, q := range []string{strings.ToLower(s.USCC), s.FilingNo, strings.ReplaceAll(s.FilingNo, "-", "")} {
		r := c.get("/agencies?q=" + url.QueryEscape(q))
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, s.Name, zh("directory.total", 1))
	}
	r := c.get("/agencies?q=" + url.QueryEscape("没有这样的机构名称"))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("directory.none"), zh("directory.total", 0))
}

func TestDirectoryFiltersAndPaging(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	r := c.get("/agencies?type=rental&district=110108")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "北京宜居住房租赁有限公司", "北京知行住房租赁有限公司", `<option value="rental" selected>`, `<option value="110108" selected>`)
	wantNoText(t, r, "北京博雅房地产经纪有限公司", "北京君安住房租赁有限公司")

	r = c.get("/agencies?status=cancelled")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "北京万家房地产经纪有限公司", zh("directory.status.cancelled"), zh("directory.total", 1))

	// Fifty-odd agencies: three pages of twenty, each page linking on.
	r = c.get("/agencies")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "1 / 3", `href="/agencies?page=2"`)
	r = c.get("/agencies?page=3")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "3 / 3", `href="/agencies?page=2"`)
	if n := strings.Count(r.body, `class="card dir-item"`); n == 0 || n > 20 {
		t.Errorf("page 3 lists %d agencies", n)
	}
	// Unknown filter values are ignored, not an error.
	r = c.get("/agencies?type=nonsense&status=unfiled")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "1 / 3")
}

func TestDirectoryAgencyPage(t *testing.T) {
	e := newEnv(t)
	s := publicAgency(t, e, "北京华信达房地产经纪有限公司")
	var ag *app.Agency
	res, err := e.app.SearchAgencies(sys, app.AgencyQuery{Text: s.FilingNo})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("agency %s: %v %v", s.FilingNo, res, err)
	}
	ag = res.Items[0]
	n, err := e.app.EmployedCount(ag.ID)
	if err != nil || n == 0 {
		t.Fatalf("employed: %d %v", n, err)
	}
	c := e.client()
	r := c.get(fmt.Sprintf("/agencies/%d", ag.ID))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, ag.Name, ag.FilingNo, ag.USCC, ag.LegalRep, ag.Address, zh("directory.practitioners_count", n),
		zh("directory.premises_count", len(ag.Premises)), "北京华信达房地产经纪有限公司海淀分公司")
	for _, p := range ag.Premises {
		wantText(t, r, p.Name, p.Address)
	}
	// Personal data never: not the legal representative's ID, not the
	// contact's mobile.
	wantNoText(t, r, ag.LegalRepIDNo, ag.ContactMobile, app.MaskID(ag.LegalRepIDNo), app.MaskPhone(ag.ContactMobile))
	// Practitioners link to their cards' public pages.
	if !strings.Contains(r.body, `href="/practitioners/XK`) {
		t.Errorf("no practitioner links on the agency page")
	}

	// A branch links to its head office.
	b := publicAgency(t, e, "北京华信达房地产经纪有限公司海淀分公司")
	r = c.get(fmt.Sprintf("/agencies/%d", b.ID), "Accept-Language", "en")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, en("directory.head_office"), fmt.Sprintf(`href="/agencies/%d"`, ag.ID), en("directory.branch"))

	// The cancelled agency says so, and lists nobody.
	gone := publicAgency(t, e, "北京万家房地产经纪有限公司")
	r = c.get(fmt.Sprintf("/agencies/%d", gone.ID))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("directory.status.cancelled"), zh("directory.cancelled_on"))
	wantNoText(t, r, `href="/practitioners/`)

	r = c.get("/agencies/99999999")
	wantStatus(t, r, http.StatusNotFound)
	wantText(t, r, zh("directory.not_found"))
}

// TestDirectoryAgencyPageRateLimited: agency IDs are sequential, so an
// agency's public page takes one of the address's browsing allowance, like
// a practitioner's card: over the limit (a page kept in the cache too) it
// is the public 429 page in the reader's language, with Retry-After. The
// directory's search stays open.
func TestDirectoryAgencyPageRateLimited(t *testing.T) {
	e := newEnv(t)
	e.setParams(app.ParamPublicBrowseRate, "5")
	page := fmt.Sprintf("/agencies/%d", e.user("anju.admin").AgencyID)
	anon := e.client()
	var limited *resp
	for range 20 {
		r := anon.get(page, "Accept-Language", "en")
		if r.StatusCode == http.StatusTooManyRequests {
			limited = r
			break
		}
		wantStatus(t, r, http.StatusOK)
	}
	if limited == nil {
		t.Fatal("20 agency pages from one address, none refused")
	}
	secs, err := strconv.Atoi(limited.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 12 {
		t.Fatalf("Retry-After = %q, want 1..12 seconds (5 a minute)", limited.Header.Get("Retry-After"))
	}
	wantText(t, limited, `<html lang="en">`, en("public.busy_title"), en("public.busy_text", secs))
	wantNoText(t, limited, "北京安居房地产经纪有限公司")
	wantText(t, wantOK(t, anon.get("/agencies?q="+url.QueryEscape("安居"))), "北京安居房地产经纪有限公司")
}

func TestPublicHomeLinksToDirectory(t *testing.T) {
	e := newEnv(t)
	r := e.client().get("/")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, `action="/agencies"`, `href="/agencies"`, zh("directory.home_title"), `action="/check"`)
}

// The directory in both languages: nothing of the other language but the
// agencies' own data (names, addresses, scope, people's names).
func TestDirectoryInBothLanguages(t *testing.T) {
	e := newEnv(t)
	var data []string
	var paths []string
	for page := 1; page <= 3; page++ {
		res, err := e.app.PublicAgencies(app.AgencyQuery{Page: page, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Items {
			v, err := e.app.PublicAgency(s.ID)
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, v.Name, v.Address, v.LegalRep, v.Scope, v.HeadOfficeName)
			data = append(data, v.FormerNames...)
			data = append(data, v.Premises...)
			for _, p := range v.PremisesList {
				data = append(data, p.Address)
			}
			for _, p := range v.Practitioners {
				data = append(data, p.Name)
			}
			if len(paths) < 4 || v.Status == app.AgencyCancelled || v.HeadOffice != nil && len(paths) < 8 {
				paths = append(paths, fmt.Sprintf("/agencies/%d", v.ID))
			}
		}
	}
	data = append(data, "、")
	paths = append(paths, "/agencies", "/agencies?q="+url.QueryEscape("安"), "/agencies?status=cancelled&type=broker",
		"/agencies?page=2", "/agencies?q=nothing-at-all")
	c := e.client()
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range paths {
			r := c.get(p, "Accept-Language", lang)
			wantStatus(t, r, http.StatusOK)
			if m := reHTMLLang.FindStringSubmatch(r.body); m == nil || m[1] != lang {
				t.Errorf("%s: <html lang=%v>, want %s", p, m, lang)
			}
			for _, problem := range untranslated(r.body, lang, data) {
				t.Errorf("%s in %s: %s", p, lang, problem)
			}
		}
		r := c.get("/agencies/99999999", "Accept-Language", lang)
		wantStatus(t, r, http.StatusNotFound)
		wantText(t, r, msg(lang, "directory.not_found"))
	}
}

// TestDirectoryEnglishCountsAndCapital: one agency found reads "1 agency",
// and a registered capital kept in 万元 reads in yuan.
func TestDirectoryEnglishCountsAndCapital(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	r := c.get("/agencies?q="+url.QueryEscape("北京安居房地产经纪有限公司"), "Accept-Language", "en")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, ">1 agency<")
	wantNoText(t, r, "1 agencies")
	r = c.get("/agencies?q="+url.QueryEscape("房地产"), "Accept-Language", "en")
	wantNoText(t, r, "agenc{")
	if !regexp.MustCompile(`>([2-9]|\d\d+) agencies<`).MatchString(r.body) {
		t.Errorf("many agencies found: no \"N agencies\"\n%s", visibleText(r.body))
	}

	s := publicAgency(t, e, "北京安居房地产经纪有限公司") // capital 500 万元
	r = c.get(fmt.Sprintf("/agencies/%d", s.ID), "Accept-Language", "en")
	wantText(t, r, "CNY 5,000,000")
	wantNoText(t, r, "10,000")
	wantText(t, c.get(fmt.Sprintf("/agencies/%d", s.ID)), "500 万元")
}

// TestEnglishPluralForms: a {one|other} choice follows the count before it,
// never a name given as an argument.
func TestEnglishPluralForms(t *testing.T) {
	t.Parallel()
	pending := messages["en"]["credit.public_pending"]
	for _, tc := range []struct {
		text string
		args []any
		want string
	}{
		{pending, []any{1, 5}, "1 more record is within its objection period or under objection and not yet published; it counts in the score (5 points in all)."},
		{pending, []any{2, 1}, "2 more records are within their objection period or under objection and not yet published; they count in the score (1 point in all)."},
		{messages["en"]["premises.chart_row"], []any{"1{a|b}", 1, 3}, "1{a|b}: 1 agency, 3 premises"},
		{messages["en"]["contract.deposit_flagged"], []any{1}, "The deposit is above 1 month's rent and is flagged."},
		{messages["en"]["contract.tpl_intro"], nil, messages["en"]["contract.tpl_intro"]},
	} {
		if got := ui.FormatMessage(tc.text, tc.args...); got != tc.want {
			t.Errorf("%q %v:\n got %q\nwant %q", tc.text, tc.args, got, tc.want)
		}
	}
}

// TestBrowsingAndChecksHaveTheirOwnAllowances: a tenant who reads agencies'
// and practitioners' public pages until refused can still check a
// verification code (at /v/{code} and with the home page's form), and one
// who checked codes until refused can still read the pages: each has its
// own per-address allowance (public.browse_rate_per_minute beside
// public.check_rate_per_minute). Each direction starts from a server of
// its own, with limits not yet touched.
func TestBrowsingAndChecksHaveTheirOwnAllowances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamPublicRate, "5", app.ParamPublicBrowseRate, "5")
	code := sharedVerification(t, e)
	agencyID := e.user("anju.admin").AgencyID
	ag, err := e.app.PublicAgency(agencyID)
	if err != nil || len(ag.Practitioners) == 0 {
		t.Fatalf("public agency %d: %v, %d practitioners", agencyID, err, len(ag.Practitioners))
	}
	agencyPage, card := fmt.Sprintf("/agencies/%d", agencyID), "/practitioners/"+ag.Practitioners[0].CardNo
	checks := []string{"/v/" + code, "/check?code=" + code}
	fresh := func() *client { // a new server: its limiters untouched
		s, err := ui.New(e.app, ui.Config{})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(s)
		t.Cleanup(hs.Close)
		e2 := *e
		e2.http = hs
		return e2.client()
	}
	exhaust := func(c *client, paths ...string) {
		t.Helper()
		for i := range 30 {
			if r := c.get(paths[i%len(paths)]); r.StatusCode == http.StatusTooManyRequests {
				return
			}
		}
		t.Fatalf("30 requests of %v from one address, none refused", paths)
	}

	browser := fresh()
	exhaust(browser, agencyPage, card)
	for _, p := range checks {
		wantText(t, wantOK(t, browser.get(p)), zh("verify.public_state.valid"))
	}

	checker := fresh()
	exhaust(checker, checks...)
	wantText(t, wantOK(t, checker.get(agencyPage)), "北京安居房地产经纪有限公司")
	wantOK(t, checker.get(card))
}
