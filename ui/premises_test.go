package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"anju/app"
)

func init() {
	routeTable = append(routeTable, routeCase{"GET", "/gov/premises", string(app.PermPremisesMap), http.StatusOK})
}

// demoActor is the Actor of a demo account, for calling the app directly.
func demoActor(e *env, username string) app.Actor {
	u := e.user(username)
	return app.Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Roles: u.Roles, District: u.District, AgencyID: u.AgencyID}
}

// validUSCC completes 17 characters of a credit code with its check character.
func validUSCC(t *testing.T, body string) string {
	t.Helper()
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if app.CheckUSCC(body+string(c)) == nil {
			return body + string(c)
		}
	}
	t.Fatalf("no check character for %s", body)
	return ""
}

func validResidentID(t *testing.T, d17 string) string {
	t.Helper()
	for _, c := range "0123456789X" {
		if app.CheckResidentID(d17+string(c)) == nil {
			return d17 + string(c)
		}
	}
	t.Fatalf("no check character for %s", d17)
	return ""
}

// fileAgency files an agency of Chaoyang through the workflow (the demo
// clerk enters it, the demo reviewer approves) and returns its ID.
func fileAgency(t *testing.T, e *env, name, usccBody string, premises ...app.PremisesForm) uint64 {
	t.Helper()
	clerk, reviewer := demoActor(e, "clerk"), demoActor(e, "reviewer")
	form := app.AgencyForm{Name: name, USCC: validUSCC(t, usccBody), Type: app.AgencyTypeRental, LegalRep: "孙立",
		LegalRepIDType: "resident_id", LegalRepIDNo: validResidentID(t, "11010519800101001"),
		Address: "北京市朝阳区光华路1号", District: "110105", Contact: "孙立", ContactMobile: "13800001111",
		Scope: "住房租赁", Capital: "300", Established: "2018-06-01", Premises: premises}
	ap, err := e.app.StartFiling(clerk, form)
	if err != nil {
		t.Fatalf("start filing: %v", err)
	}
	ref := app.AppRef{ID: ap.ID}
	if _, err := e.app.SaveStep(clerk, ref, app.StepPremises, form, true); err != nil {
		t.Fatalf("premises step: %v", err)
	}
	if _, err := e.app.AttachLicence(clerk, ref, "licence.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR licence")); err != nil {
		t.Fatalf("licence: %v", err)
	}
	if _, err := e.app.SubmitApplication(clerk, ref); err != nil {
		t.Fatalf("submit: %v", err)
	}
	ap, err = e.app.ApproveApplication(reviewer, ap.ID)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	return ap.AgencyID
}

var reMapLink = regexp.MustCompile(`<a href="(/(?:gov/)?agencies/[0-9]+)"><circle class="pt-[a-z]+[^"]*" cx="[0-9.]+" cy="[0-9.]+" r="4"><title>([^<]*)</title>`)

// mapLinks returns each plotted point's link and tooltip.
func mapLinks(r *resp) map[string]string {
	out := map[string]string{}
	for _, m := range reMapLink.FindAllStringSubmatch(r.body, -1) {
		out[strings.ReplaceAll(m[2], "&#39;", "'")] = m[1]
	}
	return out
}

func TestPremisesPageOfADistrictClerk(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := fileAgency(t, e, "北京光华住房租赁有限公司", "91110105MA01GH7L0",
		app.PremisesForm{Name: "光华路门店", Address: "北京市朝阳区光华路1号底商", District: "110105", Lng: "116.46", Lat: "39.91"},
		app.PremisesForm{Name: "双井门店", Address: "北京市朝阳区广渠路28号", District: "110105"},
		app.PremisesForm{Name: "海淀门店", Address: "北京市海淀区学院路5号", District: "110108", Lng: "116.35", Lat: "39.99"})
	anju := e.user("anju.admin").AgencyID

	c := e.signedIn("gov", "clerk")
	r := c.get("/gov/premises")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("premises.title"), zh("premises.chart_title"), zh("premises.map_title"))
	rep, err := e.app.PremisesMap(demoActor(e, "clerk"), app.PremisesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// One link per point, each to its agency's filing, with its names as tooltip.
	links := mapLinks(r)
	if len(links) != len(rep.Points) || len(rep.Points) < 3 {
		t.Errorf("%d points linked on the map, the district has %d", len(links), len(rep.Points))
	}
	for tip, href := range map[string]string{
		"北京安居房地产经纪有限公司 · 国贸门店": fmt.Sprintf("/gov/agencies/%d", anju),
		"北京光华住房租赁有限公司 · 光华路门店": fmt.Sprintf("/gov/agencies/%d", id),
	} {
		if links[tip] != href {
			t.Errorf("point %q links to %q, want %q", tip, links[tip], href)
		}
	}
	// Only his district: Haidian's premises are neither plotted nor counted.
	wantNoText(t, r, "中关村服务中心", "北京光华住房租赁有限公司 · 海淀门店")
	if _, ok := links["北京光华住房租赁有限公司 · 海淀门店"]; ok {
		t.Error("a premises of Haidian is on the Chaoyang clerk's map")
	}
	if strings.Contains(r.body, `id="district"`) {
		t.Error("a district clerk is offered a district filter")
	}
	// The chart is an image with a title and description, its figures in a table.
	wantText(t, r, `<title id="pc-title">`+zh("premises.chart_title")+`</title>`)
	row := rep.Districts[0]
	if len(rep.Districts) != 1 || row.District != "110105" {
		t.Fatalf("districts %+v", rep.Districts)
	}
	wantText(t, r, fmt.Sprintf(`<th scope="row">朝阳区</th><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td>`, row.Agencies, row.Premises, row.Located))
	wantText(t, r, zh("premises.chart_row", "朝阳区", row.Agencies, row.Premises))
	// The premises without coordinates are listed with a link to the agency.
	wantText(t, r, zh("premises.unlocated_title"), "双井门店", "北京市朝阳区广渠路28号")
	if !strings.Contains(r.body, fmt.Sprintf(`<a href="/gov/agencies/%d">北京光华住房租赁有限公司</a>`, id)) {
		t.Error("the unlocated premises does not link to its agency")
	}
	if strings.Contains(r.body, "premises-leaflet") || strings.Contains(r.body, "leaflet.js") {
		t.Error("no tile server configured, yet the interactive map is on the page")
	}

	// Haidian's clerk sees the Haidian shop of a Chaoyang agency, linked
	// to its public page since the filing belongs to Chaoyang.
	hd := e.signedIn("gov", "clerk.hd").get("/gov/premises")
	wantStatus(t, hd, http.StatusOK)
	if got := mapLinks(hd)["北京光华住房租赁有限公司 · 海淀门店"]; got != fmt.Sprintf("/agencies/%d", id) {
		t.Errorf("Haidian's link to a Chaoyang agency's shop: %q", got)
	}
}

func TestPremisesPageFiltersInEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("gov", "leader")
	c.header.Set("Accept-Language", "en")
	r := c.get("/gov/premises?type=rental")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, en("premises.title"), en("premises.chart_title"), "Chaoyang", "Haidian", en("premises.type.rental"))
	links := mapLinks(r)
	if _, ok := links["北京乐居住房租赁有限公司 · 中关村服务中心"]; !ok {
		t.Errorf("rental filter: 乐居's premises missing from %v", links)
	}
	for tip := range links {
		if strings.HasPrefix(tip, "北京安居房地产经纪有限公司") {
			t.Errorf("rental filter shows a brokerage: %s", tip)
		}
	}
	if problems := untranslated(r.body, "en", premisesData(t, e)); len(problems) > 0 {
		t.Errorf("the English page shows: %v", problems)
	}
	c.header.Set("Accept-Language", "zh-CN")
	if problems := untranslated(c.get("/gov/premises").body, "zh-CN", premisesData(t, e)); len(problems) > 0 {
		t.Errorf("the Chinese page shows: %v", problems)
	}
	c.header.Set("Accept-Language", "en")
	// City-wide: every district of the dictionary has its row.
	wantText(t, r, `<th scope="row">Yanqing</th>`, `<option value="110108">Haidian</option>`)

	r = c.get("/gov/premises?type=bank&status=cancelled&district=110105")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "type", en("premises.bad_type"))
	for _, kept := range []string{`<option value="cancelled" selected>`, `<option value="110105" selected>`} {
		if !strings.Contains(r.body, kept) {
			t.Errorf("the refused filter form does not keep %s", kept)
		}
	}
	if strings.Contains(r.body, `class="premises-map"`) {
		t.Error("a refused filter still drew a map")
	}

	r = c.get("/gov/premises?district=110108")
	wantStatus(t, r, http.StatusOK)
	if links := mapLinks(r); len(links) == 0 || links["北京安居房地产经纪有限公司 · 国贸门店"] != "" {
		t.Errorf("Haidian filter: %v", links)
	}
	wantNoText(t, r, `<th scope="row">Chaoyang</th>`)
}

func TestPremisesTileMap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")

	// The parameter is checked on the settings page, the typed text kept.
	params, err := e.app.Params(sys)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{}
	for _, p := range params {
		form.Set(p.Key, p.Value)
	}
	form.Set(app.ParamMapTileURL, "http://10.1.2.3/tiles/{z}/{x}.png")
	r := admin.post("/gov/admin/params", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, app.ParamMapTileURL, zh("param.bad_tile_placeholders"))
	wantInputValue(t, r, app.ParamMapTileURL, "http://10.1.2.3/tiles/{z}/{x}.png")
	wantText(t, r, zh("param_group.map"), zh("param.map.tile_url"))

	form.Set(app.ParamMapTileURL, "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png")
	form.Set(app.ParamMapAttribution, `© 测绘院 <b>`)
	wantRedirect(t, admin.post("/gov/admin/params", form), "/gov/admin/params")

	r = admin.get("/gov/premises")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, `data-tiles="http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png"`, `data-attribution="© 测绘院 <b>"`, zh("premises.tiles_note"))
	if !strings.Contains(r.body, `data-attribution="© 测绘院 &lt;b&gt;"`) {
		t.Error("the attribution is not escaped in its attribute")
	}
	// The server-drawn map stays (offline, print).
	if len(mapLinks(r)) == 0 {
		t.Error("the SVG map is gone when tiles are configured")
	}
	// Images may come from the tile server on this page, and only here.
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: http://10.1.2.3:8080;") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("CSP of the map page: %s", csp)
	}
	if csp := admin.get("/gov/").Header.Get("Content-Security-Policy"); strings.Contains(csp, "10.1.2.3") {
		t.Errorf("another page allows the tile server: %s", csp)
	}
	// Leaflet is embedded and served, with its licence beside it.
	m := regexp.MustCompile(`<script src="(/static/[0-9a-f]+/leaflet/leaflet\.js)" defer>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("the page does not load leaflet.js")
	}
	js := admin.get(m[1])
	wantStatus(t, js, http.StatusOK)
	if !strings.Contains(js.body[:200], "Leaflet 1.9.4") {
		t.Errorf("leaflet.js served: %.80q", js.body)
	}
	lic := admin.get(strings.Replace(m[1], "leaflet.js", "LICENSE", 1))
	if !strings.Contains(lic.body, "BSD 2-Clause License") {
		t.Errorf("Leaflet's licence is not shipped: %d %.80q", lic.StatusCode, lic.body)
	}
	// The points, as JSON in a data attribute: as many as the SVG's.
	dm := regexp.MustCompile(`data-points="([^"]*)"`).FindStringSubmatch(r.body)
	if dm == nil || strings.Count(dm[1], "[") != len(mapLinks(r))+1 {
		t.Errorf("data-points does not hold one row per point")
	}
}

// premisesData are the stored texts the page shows as they are, in any
// language: agency and premises names, addresses.
func premisesData(t *testing.T, e *env) []string {
	t.Helper()
	rep, err := e.app.PremisesMap(sys, app.PremisesFilter{Status: app.PremisesStatusAll})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range rep.Points {
		out = append(out, p.AgencyName, p.Premises, p.Address)
	}
	for _, p := range rep.Unlocated {
		out = append(out, p.AgencyName, p.Premises, p.Address)
	}
	return out
}
