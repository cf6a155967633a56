package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerDirectoryRoutes registers the public agency directory (信息公示:
// 机构名录). The search has no rate limit: it answers with what filings
// make public, 20 to a page. An agency's page is limited per client address
// like a practitioner's card: agency IDs are sequential, and reading every
// agency with its practitioners and premises one ID after the other must
// be slow work (handleDirectoryAgency).
func (s *Server) registerDirectoryRoutes(r *mux.Router) {
	r.HandleFunc("/agencies", s.handleDirectory).Methods("GET")
	r.HandleFunc("/agencies/{id:[0-9]+}", s.handleDirectoryAgency).Methods("GET")
}

// directoryPageSize is the directory's page: short, for phones.
const directoryPageSize = 20

type directoryData struct {
	Result    app.PublicAgencyPage
	Items     []dirItem
	Pager     pager
	Districts []dirOption
	Types     []dirOption
	Statuses  []dirOption
}

// dirItem is a directory line with its labels in the page's language,
// worked out here once rather than by template calls on every line: the
// directory is the busiest public page (issue 4: 2,000 pages/s).
type dirItem struct {
	*app.PublicAgencySummary
	TypeLabel, StatusLabel, DistrictLabel, PremisesLabel, EmployedLabel string

	Lists []dirMark // the lists it is on now
}

// dirMark is a list an agency of the directory is on now.
type dirMark struct{ List, Label string }

// dirOption is an option of a filter.
type dirOption struct {
	Value, Label string
	Selected     bool
}

// handleDirectory lists filed (and cancelled) agencies: ?q= searches by
// name, former name, credit code, filing number, address or legal
// representative; type, district and status filter.
func (s *Server) handleDirectory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// An information card number (信息卡号) opens the practitioner's page:
	// the public looks people up by the number on their card, typed as
	// app.NormalizeCardNo reads it (full-width, in groups).
	if text := app.NormalizeCardNo(q.Get("q")); strings.HasPrefix(text, "XK") {
		if p, err := s.app.PublicPractitioner(text); err == nil {
			http.Redirect(w, r, "/practitioners/"+url.PathEscape(p.CardNo), http.StatusSeeOther)
			return
		}
	}
	aq := app.AgencyQuery{Text: q.Get("q"), District: q.Get("district"), Size: directoryPageSize}
	// Unknown values are ignored rather than refused: this is a public
	// search box, and the form only offers known ones.
	if t := q.Get("type"); slices.Contains(app.AgencyTypes, t) {
		aq.Type = t
	}
	if st := q.Get("status"); st == app.AgencyFiled || st == app.AgencyCancelled {
		aq.Status = st
	}
	aq.Page, _ = strconv.Atoi(q.Get("page"))
	res, err := s.app.PublicAgencies(aq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	lang := pickLang(r, actorOf(r).Lang)
	d := directoryData{Result: res, Pager: newPager(r, res.Page, res.Pages)}
	districts := map[string]string{}
	for _, e := range s.enabledDistricts() {
		label := e.Label(lang)
		districts[e.Code] = label
		d.Districts = append(d.Districts, dirOption{e.Code, label, e.Code == aq.District})
	}
	for _, t := range app.AgencyTypes {
		d.Types = append(d.Types, dirOption{t, s.msgs.t(lang, "directory.type."+t), t == aq.Type})
	}
	for _, st := range []string{app.AgencyFiled, app.AgencyCancelled} {
		d.Statuses = append(d.Statuses, dirOption{st, s.msgs.t(lang, "directory.status."+st), st == aq.Status})
	}
	// Which agencies are on a list: one map kept until the lists change,
	// not a read per line (app.ListedSubjects).
	listed, err := s.app.ListedSubjects()
	if err != nil {
		s.log.Error("directory: listed subjects", "err", err) // the page without the marks
	}
	for _, it := range res.Items {
		di := dirItem{PublicAgencySummary: it, StatusLabel: s.msgs.t(lang, "directory.status."+it.Status),
			PremisesLabel: s.msgs.t(lang, "directory.premises_count", len(it.Premises)),
			EmployedLabel: s.msgs.t(lang, "directory.practitioners_count", it.Employed)}
		if it.Type != "" {
			di.TypeLabel = s.msgs.t(lang, "directory.type."+it.Type)
		}
		if di.DistrictLabel = districts[it.District]; di.DistrictLabel == "" {
			di.DistrictLabel = s.districtName(lang, it.District)
		}
		if len(it.Premises) > 0 {
			di.PremisesLabel += " · " + joinList(lang, it.Premises)
		}
		for _, l := range listed[app.Subject{Kind: app.SubjectAgency, ID: it.ID}] {
			di.Lists = append(di.Lists, dirMark{l, s.msgs.t(lang, "lists.list."+l)})
		}
		d.Items = append(d.Items, di)
	}
	s.render(w, r, http.StatusOK, "public_agencies", &view{Title: "directory.title", Portal: "public", Form: q, Data: d})
}

// handleDirectoryAgency shows one agency's public page; an unknown or
// unfiled agency is a 404. The rendered page is kept for the public page
// cache's few seconds, or until the agency, credit or the lists change;
// its practitioners and premises may show that much later. The limit is
// taken before the cache: a page served from it still costs the reader one
// request of his address's browsing allowance.
func (s *Server) handleDirectoryAgency(w http.ResponseWriter, r *http.Request) {
	if !s.browseAllowed(w, r) {
		return
	}
	v, err := s.app.PublicAgency(pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.renderCachedPublic(w, r, "public_agency", &view{Title: "directory.agency_title", Portal: "public", Data: v}, nil,
		strconv.FormatUint(s.app.PublicVersion(), 10), strconv.FormatUint(v.Seq, 10))
}
