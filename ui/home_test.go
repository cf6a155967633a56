package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/app"
)

// TestGovHomeGlance: the home page shows this month's figures at a glance,
// each the total of the list it links to, in the reader's jurisdiction;
// the leader (a viewer) gets them too, and the filings list he may open.
func TestGovHomeGlance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, who := range []string{"leader", "clerk", "reviewer"} {
		actor := e.actor(who)
		o, err := e.app.Overview(actor)
		if err != nil {
			t.Fatal(err)
		}
		next := o.Month.AddDate(0, 1, 0)
		vp, err := e.app.SearchVerifications(actor, app.VerificationQuery{From: o.Month, To: next})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := e.app.SearchContracts(actor, app.ContractQuery{From: o.Month, To: next})
		if err != nil {
			t.Fatal(err)
		}
		if vp.Total == 0 || cp.Total == 0 {
			t.Fatalf("%s: the demo has no verification (%d) or contract (%d) this month", who, vp.Total, cp.Total)
		}
		c := e.signedIn("gov", who)
		r := c.get("/gov/")
		wantStatus(t, r, http.StatusOK)
		month := fmt.Sprintf("from=%s&to=%s", o.Month.Format(time.DateOnly), next.AddDate(0, 0, -1).Format(time.DateOnly))
		wantText(t, r, zh("home.glance", o.Month.Format("2006年1月")),
			fmt.Sprintf(`href="/gov/verifications?%s"><strong>%d</strong><span>%s</span>`, month, vp.Total, zh("home.glance_verified")),
			fmt.Sprintf(`href="/gov/contracts?%s"><strong>%d</strong><span>%s</span>`, month, cp.Total, zh("home.glance_signed")),
			zh("home.glance_overdue"), `href="/gov/filings"`)
		wantStatus(t, c.get("/gov/verifications?"+month), http.StatusOK)
		// Filing applications: a reviewer's list opens on those pending
		// unless told otherwise; the figure's link shows all it counts.
		fp, err := e.app.SearchFilings(actor, app.FilingQuery{From: o.Month, To: next})
		if err != nil {
			t.Fatal(err)
		}
		wantText(t, r, fmt.Sprintf(`href="/gov/filings?status=&%s"><strong>%d</strong>`, month, fp.Total))
		wantText(t, c.get("/gov/filings?status=&"+month), zh("list.total", fp.Total))
		c.setCookie("lang", "en")
		wantText(t, c.get("/gov/"), en("home.glance", o.Month.Format("January 2006")), en("home.glance_verified"))
	}
	// The leader may read the filing queue the figures link to.
	wantStatus(t, e.signedIn("gov", "leader").get("/gov/filings?status=pending"), http.StatusOK)
	// Counted in the clerk's district only: Haidian's clerk sees other figures.
	chaoyang, _ := e.app.Overview(e.actor("clerk"))
	city, _ := e.app.Overview(e.actor("leader"))
	if chaoyang.Verified >= city.Verified {
		t.Errorf("Chaoyang's clerk counts %d codes this month, the city %d", chaoyang.Verified, city.Verified)
	}
}

// TestStatsPage: the statistics page shows a year by month and a month by
// day, each figure the total of the list it links to, in the reader's
// jurisdiction, in both languages, and as a CSV file for Excel; an agency
// user cannot open it.
func TestStatsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local)
	next := first.AddDate(0, 1, 0)
	for _, who := range []string{"leader", "clerk"} {
		actor := e.actor(who)
		vp, err := e.app.SearchVerifications(actor, app.VerificationQuery{From: first, To: next})
		if err != nil || vp.Total == 0 {
			t.Fatalf("%s: no verification this month (%v)", who, err)
		}
		cp, err := e.app.SearchContracts(actor, app.ContractQuery{From: first, To: next})
		if err != nil {
			t.Fatal(err)
		}
		c := e.signedIn("gov", who)
		r := c.get("/gov/stats")
		wantStatus(t, r, http.StatusOK)
		q := url.Values{"from": {first.Format(time.DateOnly)}, "to": {next.AddDate(0, 0, -1).Format(time.DateOnly)}}
		if actor.District != "" {
			q.Set("district", actor.District)
		}
		link := "/gov/verifications?" + q.Encode()
		wantText(t, r, zh("stats.title"), `<svg class="stats-chart"`, first.Format("2006年1月"), zh("stats.levels"), zh("credit.level.A"),
			fmt.Sprintf(`href="%s">%d</a>`, link, vp.Total), fmt.Sprintf(">%d</a>", cp.Total))
		// Rent monitoring: the whole scope's medians as the app counts them.
		st, err := e.app.Statistics(actor, app.StatsQuery{Year: now.Year()})
		if err != nil || st.Rent == nil || st.Rent.Total.Whole == 0 || st.Rent.Total.Shared == 0 {
			t.Fatalf("%s: rents of the demo's leases: %+v (%v)", who, st.Rent, err)
		}
		rt := st.Rent.Total
		wantText(t, r, zh("stats.rent"), zh("stats.rent_note"),
			fmt.Sprintf(`<td>%s</td><td class="num" data-label="%s">%d</td><td class="num" data-label="%s">%.2f</td>`,
				zh("stats.total"), zh("stats.rent_whole"), rt.Whole, zh("stats.rent_m2_median"), rt.PerM2Median),
			fmt.Sprintf(`data-label="%s">%.0f</td>`, zh("stats.rent_lease_median"), rt.LeaseMedian))
		// The figure's link lists as many records as it says.
		wantText(t, c.get(link), zh("list.total", vp.Total))
		// A month by day: as many rows as days.
		r = c.get(fmt.Sprintf("/gov/stats?year=%d&month=%d", now.Year(), int(now.Month())))
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, first.AddDate(0, 1, -1).Format("2006年1月2日"), zh("stats.scope_month", first.Format("2006年1月")))
		r = c.get(fmt.Sprintf("/gov/stats?year=%d&format=csv", now.Year()))
		wantStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.body, "\ufeff"+zh("stats.period")+","+zh("stats.kind.verified")) ||
			!strings.Contains(r.body, fmt.Sprintf("%s,%d,%d,", first.Format("2006年1月"), vp.Total, cp.Total)) {
			t.Errorf("%s: CSV:\n%s", who, r.body)
		}
		if !strings.Contains(r.body, fmt.Sprintf("%s,%d,%.2f,%.2f,%d,%.0f\r\n", zh("stats.total"), rt.Whole, rt.PerM2Median, rt.PerM2Mean, rt.Shared, rt.LeaseMedian)) {
			t.Errorf("%s: the CSV has no rents:\n%s", who, r.body)
		}
		// The page's agencies by credit level, line by line.
		if !strings.Contains(r.body, "\r\n"+zh("stats.levels")+"\r\n"+zh("stats.level")+","+zh("stats.agencies")+"\r\n") {
			t.Errorf("%s: the CSV has no agencies by credit level:\n%s", who, r.body)
		}
		for _, l := range st.Levels {
			if line := fmt.Sprintf("\r\n%s,%d\r\n", zh("credit.level."+l.Level), l.Count); !strings.Contains(r.body, line) {
				t.Errorf("%s: the CSV has no line %q", who, line)
			}
		}
		c.setCookie("lang", "en")
		wantText(t, c.get("/gov/stats"), en("stats.title"), en("stats.kind.signed"), first.Format("January 2006"), en("stats.rent"), en("stats.rent_m2_median"))
	}
	// The clerk asking for another district still gets his own.
	r := e.signedIn("gov", "clerk").get("/gov/stats?district=110108")
	wantText(t, r, zh("stats.scope_year", time.Now().Year())+" · 朝阳区")
	wantStatus(t, e.signedIn("agency", "anju.admin").get("/gov/stats"), http.StatusForbidden)
}

// TestGovHomeCreditAgenda: a credit reviewer's home lists what waits for
// him in credit: scoring applications and proposed list entries, as many
// as their queues hold; a clerk's does not.
func TestGovHomeCreditAgenda(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reviewer := e.actor("reviewer")
	p, err := e.app.ScoringApplications(reviewer, app.ScoringQuery{Status: app.ScoringPending, Size: 1})
	if err != nil || p.Total <= 0 {
		t.Fatalf("the demo has no pending scoring application for the reviewer: %d %v", p.Total, err)
	}
	lp, err := e.app.Lists(reviewer, app.ListFilter{Status: app.ListPending, Size: 1})
	if err != nil || lp.Total == 0 {
		t.Fatalf("the demo has no proposed list entry: %v", err)
	}
	r := e.signedIn("gov", "reviewer").get("/gov/")
	wantText(t, r, zh("home.agenda_scoring", p.Total), `href="/gov/credit/applications?status=pending"`,
		zh("home.agenda_lists", lp.Total), `href="/gov/lists?status=pending"`)
	wantNoText(t, e.signedIn("gov", "clerk").get("/gov/"), zh("home.agenda_scoring", p.Total))
}

// TestListsShowCompanyLesseesInFull: in the contract list a company lessee
// is named in full (a company's name is not personal data), a person
// partly hidden.
func TestListsShowCompanyLesseesInFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leader := e.actor("leader")
	var org, person string
	var no string
	for page := 1; page <= 20 && org == ""; page++ {
		res, err := e.app.SearchContracts(leader, app.ContractQuery{Page: page, Size: 100, From: time.Now().AddDate(-3, 0, 0), To: time.Now().AddDate(0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Items {
			for _, p := range c.Lessees() {
				if p.Kind == app.PartyOrg {
					org, no = p.Name, c.No
				}
			}
			for _, p := range c.Lessors() {
				if p.Kind != app.PartyOrg && org != "" && person == "" {
					person = p.Name
				}
			}
			if org != "" {
				break
			}
		}
	}
	if org == "" {
		t.Fatal("the demo has no contract with a company lessee")
	}
	r := e.signedIn("gov", "leader").get("/gov/contracts?q=" + url.QueryEscape(no))
	wantText(t, r, no, " → "+org)
	if person != "" {
		wantText(t, r, app.MaskName(person)+" → ")
		wantNoText(t, r, person+" → ")
	}
}

// TestGovHomeTellsClerkOfReturnedFilings: a contract filing a clerk
// entered and a reviewer returned is on his home page's to-do list, and
// its link lists it.
func TestGovHomeTellsClerkOfReturnedFilings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.actor("clerk")
	mine, err := e.app.SearchFilings(clerk, app.FilingQuery{Status: app.FilingPending, Mine: true, Size: 1})
	if err != nil || len(mine.Items) == 0 {
		t.Fatalf("the demo has no pending filing the clerk entered: %v", err)
	}
	before, _ := e.app.SearchFilings(clerk, app.FilingQuery{Status: app.FilingRejected, Mine: true, Size: 1})
	if _, err := e.app.RejectFiling(e.actor("reviewer"), mine.Items[0].ID, "承租人身份证明不清晰"); err != nil {
		t.Fatal(err)
	}
	c := e.signedIn("gov", "clerk")
	n := before.Total + 1
	wantText(t, c.get("/gov/"), zh("home.agenda_filings_returned", n), `href="/gov/filings?status=rejected&mine=1"`)
	wantText(t, c.get("/gov/filings?status=rejected&mine=1"), mine.Items[0].No, zh("list.total", n))
}

// TestGovHomeLeavesOutOwnItems: the clerk, made a reviewer too, is counted
// on his home page only what others filed, applied for or proposed: the
// scoring applications, list entries and contract filings he made himself
// are not his to decide (both languages).
func TestGovHomeLeavesOutOwnItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("clerk")
	if _, err := e.app.UpdateUser(sys, u.ID, app.UserInput{Username: u.Username, Name: u.Name, Phone: u.Phone,
		Roles: []app.Role{app.RoleClerk, app.RoleReviewer}, District: u.District}); err != nil {
		t.Fatal(err)
	}
	both := e.actor("clerk")
	// One more of each of his own, beside the demo's.
	fileScoring(t, e, both, app.Subject{Kind: app.SubjectAgency, ID: e.user("anju.admin").AgencyID}, "JG-K-004")
	if _, err := e.app.ProposeListEntry(both, e.listProposal("北京安居房地产经纪有限公司")); err != nil {
		t.Fatal(err)
	}
	// What others made, counted from the queues' items.
	sp, err := e.app.ScoringApplications(both, app.ScoringQuery{Status: app.ScoringPending, Size: 100})
	if err != nil || sp.More {
		t.Fatalf("scoring queue: %v (more than a page: %v)", err, sp.More)
	}
	scoring, ownScoring := 0, 0
	for _, p := range sp.Items {
		if p.FiledByID == both.UserID {
			ownScoring++
		} else {
			scoring++
		}
	}
	lp, err := e.app.Lists(both, app.ListFilter{Status: app.ListPending, Size: 100})
	if err != nil || lp.Total > 100 {
		t.Fatalf("list queue: %v, %d", err, lp.Total)
	}
	lists, ownLists := 0, 0
	for _, en := range lp.Items {
		if en.ProposedBy.UserID == both.UserID {
			ownLists++
		} else {
			lists++
		}
	}
	all, _ := e.app.SearchFilings(both, app.FilingQuery{Status: app.FilingPending, Size: 1})
	mine, _ := e.app.SearchFilings(both, app.FilingQuery{Status: app.FilingPending, Mine: true, Size: 1})
	if ownScoring == 0 || ownLists == 0 || mine.Total == 0 {
		t.Fatalf("test set-up: own items %d scoring, %d lists, %d filings", ownScoring, ownLists, mine.Total)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		r := wantOK(t, e.signedIn("gov", "clerk").get("/gov/", "Accept-Language", lang))
		l := func(key string, n int) string { return msg(lang, key, n) }
		for key, n := range map[string]int{"home.agenda_scoring": scoring, "home.agenda_lists": lists, "home.agenda_filings": all.Total - mine.Total} {
			if n > 0 {
				wantText(t, r, l(key, n))
			}
		}
		wantNoText(t, r, l("home.agenda_scoring", scoring+ownScoring), l("home.agenda_lists", lists+ownLists),
			l("home.agenda_filings", all.Total))
	}
	// The queues the counts link to mark his own on their first page.
	sp1, _ := e.app.ScoringApplications(both, app.ScoringQuery{Status: app.ScoringPending})
	lp1, _ := e.app.Lists(both, app.ListFilter{Status: app.ListPending})
	pageScoring, pageLists := 0, 0
	for _, p := range sp1.Items {
		if p.FiledByID == both.UserID {
			pageScoring++
		}
	}
	for _, en := range lp1.Items {
		if en.ProposedBy.UserID == both.UserID {
			pageLists++
		}
	}
	for _, lang := range []string{"zh-CN", "en"} {
		c := e.signedIn("gov", "clerk")
		for path, want := range map[string]int{"/gov/credit/applications?status=pending": pageScoring, "/gov/lists?status=pending": pageLists} {
			r := wantOK(t, c.get(path, "Accept-Language", lang))
			if n := strings.Count(r.body, `class="tag off own"`); n != want || want == 0 {
				t.Errorf("%s %s marks %d as his own, want %d (> 0)", lang, path, n, want)
			}
			wantText(t, r, msg(lang, "review.own"))
		}
	}
}

// TestGovHomeCountsWhatHeMayReview: a clerk who is also a reviewer is
// counted, on his home page, only the items he may decide: not the
// contract filings he applied for or resubmitted for a colleague, nor the
// agency filings he entered. The queues the counts link to list his own
// too, marked as another reviewer's to decide (the same rule); the plain
// reviewer sees no mark (both languages).
func TestGovHomeCountsWhatHeMayReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingRequiresSign, "false")
	u := e.user("clerk")
	if _, err := e.app.UpdateUser(sys, u.ID, app.UserInput{Username: u.Username, Name: u.Name, Phone: u.Phone,
		Roles: []app.Role{app.RoleClerk, app.RoleReviewer}, District: u.District}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.CreateUser(sys, app.UserInput{Username: "clerk.two", Name: "赵敏", Phone: "13900001111",
		Roles: []app.Role{app.RoleClerk}, District: u.District}); err != nil {
		t.Fatal(err)
	}
	both, colleague, reviewer := e.actor("clerk"), e.actor("clerk.two"), e.actor("reviewer")
	demoMine, err := e.app.SearchFilings(both, app.FilingQuery{Status: app.FilingPending, Mine: true, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Contract filings: the colleague's, one the colleague applied for and
	// he resubmitted, and his own.
	e.flPaper(colleague, "分工一室", "分工甲")
	resubmitted := e.flReturned(reviewer, e.flPaper(colleague, "分工二室", "分工乙"))
	if _, err := e.app.ResubmitFiling(both, resubmitted.ID, "已补充"); err != nil {
		t.Fatal(err)
	}
	e.flPaper(both, "分工三室", "分工丙")
	all, err := e.app.SearchFilings(reviewer, app.FilingQuery{Status: app.FilingPending, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	filings := all.Total - demoMine.Total - 2
	// Agency filings: one more of his, beside the demo's (one his).
	e.submittedFiling(both, "北京分工经纪有限公司", "91110105MA01FG001")
	apps, err := e.app.ListApplications(reviewer, app.AppFilter{Status: app.AppPending})
	if err != nil {
		t.Fatal(err)
	}
	agencies, ownAgencies := 0, 0
	for _, ap := range apps {
		if ap.SubmittedBy.UserID == both.UserID {
			ownAgencies++
		} else {
			agencies++
		}
	}
	if agencies == 0 || ownAgencies < 2 || filings <= 0 {
		t.Fatalf("test set-up: %d agency filings of others, %d his; %d contract filings of others", agencies, ownAgencies, filings)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		c := e.signedIn("gov", "clerk")
		r := wantOK(t, c.get("/gov/", "Accept-Language", lang))
		l := func(key string, n int) string { return msg(lang, key, n) }
		wantText(t, r, l("home.agenda_filings", filings), l("home.agenda_review", agencies))
		wantNoText(t, r, l("home.agenda_filings", filings+1), l("home.agenda_review", agencies+ownAgencies))
		// The queues mark his own: two of the three contract filings, each
		// pending agency filing he entered.
		q := wantOK(t, c.get("/gov/filings?status=pending&q=分工", "Accept-Language", lang))
		wantText(t, q, msg(lang, "review.own"))
		if n := strings.Count(q.body, `class="tag off own"`); n != 2 {
			t.Errorf("%s: the filing queue marks %d as his own, want 2", lang, n)
		}
		q = wantOK(t, c.get("/gov/agency-applications?status=pending", "Accept-Language", lang))
		if n := strings.Count(q.body, `class="tag off own"`); n != ownAgencies {
			t.Errorf("%s: the agency queue marks %d as his own, want %d", lang, n, ownAgencies)
		}
		rv := e.signedIn("gov", "reviewer")
		for _, path := range []string{"/gov/filings?status=pending&q=分工", "/gov/agency-applications?status=pending"} {
			wantNoText(t, wantOK(t, rv.get(path, "Accept-Language", lang)), msg(lang, "review.own"))
		}
	}
}

// TestStatsUnknownDistrict: a district the dictionary does not know, typed
// into the address, is told beside the district's box over the figures of
// the whole jurisdiction, not shown as a year of zeros under its code.
func TestStatsUnknownDistrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leader := e.signedIn("gov", "leader")
	for _, lang := range []string{"zh-CN", "en"} {
		r := leader.get("/gov/stats?district=999999", "Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "district", msg(lang, "stats.district_unknown"))
		wantNoText(t, r, "· 999999")
	}
	// A known district still narrows the page.
	wantOK(t, leader.get("/gov/stats?district=110108"))
}
