package ui_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"anju/app"
)

// TestStatsBacklog: the statistics page shows what waits for review now,
// queue by queue with its age groups, each count linking to a list that
// holds as many, in the reader's district; in English too, and in the CSV.
func TestStatsBacklog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, who := range []string{"leader", "clerk"} {
		actor := e.actor(who)
		st, err := e.app.Statistics(actor, app.StatsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]app.BacklogRow{}
		for _, r := range st.Backlog {
			rows[r.Queue] = r
		}
		filings, overdue := rows[app.QueueFilings], rows[app.QueueOverdue]
		if filings.Count == 0 || overdue.Count == 0 {
			t.Fatalf("%s: the demo has no pending filing (%d) or overdue contract (%d)", who, filings.Count, overdue.Count)
		}
		overdueLink := "/gov/filings/overdue"
		if actor.District != "" {
			overdueLink += "?district=" + actor.District
		}
		c := e.signedIn("gov", who)
		r := c.get("/gov/stats")
		wantStatus(t, r, http.StatusOK)
		filingsLink := "/gov/filings?district=" + actor.District + "&status=pending"
		if actor.District == "" {
			filingsLink = "/gov/filings?status=pending"
		}
		ages := ""
		for i, n := range filings.Ages {
			ages += fmt.Sprintf(`<td class="num" data-label="%s">%d</td>`, zh("stats.backlog_age."+strconv.Itoa(i)), n)
		}
		wantText(t, r, zh("stats.backlog"), zh("stats.backlog_chart"), zh("stats.backlog_age.3"),
			fmt.Sprintf(`<td data-label="%s">%s</td><td class="num" data-label="%s"><a href="%s">%d</a></td>%s`,
				zh("stats.backlog_item"), zh("stats.backlog.filings"), zh("stats.backlog_count"),
				filingsLink, filings.Count, ages),
			fmt.Sprintf(`href="%s">%d</a>`, overdueLink, overdue.Count),
			filings.Oldest.Format("2006年1月2日"))
		// Each link lists as many as the figure says.
		wantText(t, c.get(filingsLink), zh("list.total", filings.Count))
		wantText(t, c.get(overdueLink), zh("list.total", overdue.Count))
		// The agency applications' queue, in the district as well.
		apps := "/gov/agency-applications?status=pending"
		if actor.District != "" {
			apps = "/gov/agency-applications?district=" + actor.District + "&status=pending"
		}
		n := rows[app.QueueAgencies].Count
		wantText(t, r, fmt.Sprintf(`href="%s">%d</a>`, apps, n))
		if got := strings.Count(c.get(apps).body, `<td data-label="`+zh("agency.app_no")+`"><a href="/gov/agency-applications/`); got != n || n == 0 {
			t.Errorf("%s: %s lists %d applications, the backlog counts %d", who, apps, got, n)
		}
		// CSV: the backlog after the other tables.
		r = c.get("/gov/stats?format=csv")
		line := fmt.Sprintf("%s,%d,", zh("stats.backlog.filings"), filings.Count)
		for _, n := range filings.Ages {
			line += strconv.Itoa(n) + ","
		}
		if !strings.Contains(r.body, zh("stats.backlog")+"\r\n") || !strings.Contains(r.body, line+filings.Oldest.Format("2006年1月2日")+"\r\n") {
			t.Errorf("%s: the CSV has no backlog line %q:\n%s", who, line, r.body)
		}
		c.setCookie("lang", "en")
		wantText(t, c.get("/gov/stats"), en("stats.backlog"), en("stats.backlog.overdue"), en("stats.backlog_age.0"), en("stats.backlog_note"))
	}
	// A city-wide reviewer narrows the agency applications to a district;
	// a district's clerk has no such choice.
	rev := e.signedIn("gov", "leader")
	all := rev.get("/gov/agency-applications?status=")
	wantText(t, all, `<select id="district" name="district">`)
	if n := strings.Count(rev.get("/gov/agency-applications?status=&district=110108").body, `<a href="/gov/agency-applications/`); n >= strings.Count(all.body, `<a href="/gov/agency-applications/`) {
		t.Errorf("Haidian's applications (%d) are not fewer than the city's", n)
	}
	wantNoText(t, e.signedIn("gov", "clerk").get("/gov/agency-applications"), `<select id="district" name="district">`)
}
