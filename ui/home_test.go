package ui_test

import (
	"fmt"
	"net/http"
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
	for _, who := range []string{"leader", "clerk"} {
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
