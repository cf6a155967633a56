package ui

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerPremisesRoutes registers premises distribution (场所分布): chart, server-drawn SVG, optional tile map.
func (s *Server) registerPremisesRoutes(r *mux.Router) {
	r.HandleFunc("/gov/premises", s.requireAuth(app.PortalGov, app.PermPremisesMap, s.handlePremises)).Methods("GET")
}

// unlocatedPerPage is how many premises without coordinates one page lists.
const unlocatedPerPage = 50

// premisesData is what premises.html shows.
type premisesData struct {
	Types     []string
	Statuses  []string
	Districts []*app.DictEntry
	Report    *app.PremisesReport
	Chart     template.HTML // server-drawn bar chart by district
	Map       template.HTML // server-drawn map of the points
	Legend    []string      // agency types present among the points
	Hollow    bool          // cancelled agencies are drawn hollow
	Unlocated []app.UnlocatedPremises
	Pager     pager
	// The interactive map, when a tile server is configured.
	TileURL     string
	Attribution string
	PointsJSON  string
}

func premisesFilterOf(q url.Values) app.PremisesFilter {
	return app.PremisesFilter{Type: q.Get("type"), Status: q.Get("status"), District: q.Get("district"), CreditLevel: q.Get("credit")}
}

func (s *Server) handlePremises(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	actor := actorOf(r)
	v := &view{Title: "premises.title", Nav: "premises", Form: q}
	d := premisesData{Types: app.AgencyTypes, Statuses: app.PremisesStatuses, Districts: s.enabledDistricts()}
	v.Data = &d
	if q.Get("status") == "" {
		q.Set("status", app.PremisesStatusFiled)
	}
	rep, err := s.app.PremisesMap(actor, premisesFilterOf(q))
	if err != nil {
		s.fail(w, r, err, "premises", v)
		return
	}
	lang := pickLang(r, actor.Lang)
	d.Report = rep
	d.Chart = s.premisesChart(lang, rep)
	d.Map, d.Legend, d.Hollow = s.premisesMapSVG(lang, rep)

	page, _ := strconv.Atoi(q.Get("upage"))
	pages := max(1, (len(rep.Unlocated)+unlocatedPerPage-1)/unlocatedPerPage)
	page = min(max(page, 1), pages)
	d.Unlocated = rep.Unlocated[(page-1)*unlocatedPerPage : min(page*unlocatedPerPage, len(rep.Unlocated))]
	d.Pager = unlocatedPager(r, page, pages)

	if tiles := s.app.ParamString(app.ParamMapTileURL); tiles != "" && app.CheckTileURL(tiles) == "" && len(rep.Points) > 0 {
		d.TileURL, d.Attribution = tiles, s.app.ParamString(app.ParamMapAttribution)
		d.PointsJSON = premisesPointsJSON(rep.Points, func(p *app.PremisesPoint) string {
			return p.AgencyName + " · " + p.Premises
		})
		// The tiles come from the bureau's tile server: allow its origin
		// for images on this page only.
		if origin := app.TileOrigin(tiles); origin != "" {
			w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy,
				"img-src 'self' data:", "img-src 'self' data: "+origin, 1))
		}
	}
	s.render(w, r, http.StatusOK, "premises", v)
}

// unlocatedPager pages the list of premises without coordinates, keeping
// the filters, and lands on the list.
func unlocatedPager(r *http.Request, page, pages int) pager {
	p := pager{Page: page, Pages: pages}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("upage", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode() + "#unlocated"
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// premisesPointsJSON is the interactive map's data, read by premises.js
// from a JSON script element (no inline script under the CSP): one
// compact array per point, [lat, lng, type, agency ID, label, link,
// cancelled].
func premisesPointsJSON(points []app.PremisesPoint, label func(*app.PremisesPoint) string) string {
	rows := make([][]any, len(points))
	for i := range points {
		p := &points[i]
		rows[i] = []any{p.Lat, p.Lng, p.AgencyType, p.AgencyID, label(p), agencyLink(p.AgencyID, p.Visible), p.Status == app.AgencyCancelled}
	}
	b, _ := json.Marshal(rows) // escapes <, > and & (safe inside a script element)
	return string(b)
}

// agencyLink opens the agency's filing when the actor may see it, else its
// public page (a premises in the district of an agency registered in
// another one).
func agencyLink(id uint64, visible bool) string {
	if visible {
		return "/gov/agencies/" + strconv.FormatUint(id, 10)
	}
	return "/agencies/" + strconv.FormatUint(id, 10)
}
