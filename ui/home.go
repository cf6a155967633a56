package ui

import (
	"net/http"

	"github.com/gorilla/mux"

	"anju/app"
)

func (s *Server) registerHomeRoutes(r *mux.Router) {
	r.HandleFunc("/gov/", s.requireAuth(app.PortalGov, "", s.handleGovHome)).Methods("GET")
}

func (s *Server) handleGovHome(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	var d govHomeData
	var err error
	if d.Agencies, err = s.app.FilingAgenda(a); err != nil {
		s.log.Error("filing agenda", "err", err) // the home page still shows
	}
	d.Reviewer = a.Can(app.PermFilingReview)
	if a.Can(app.PermFilingApply) || a.Can(app.PermBackEntry) {
		// Contract filings he entered that a reviewer returned.
		if p, err := s.app.SearchFilings(a, app.FilingQuery{Status: app.FilingRejected, Mine: true, Size: 1}); err != nil {
			s.log.Error("returned contract filings", "err", err)
		} else {
			d.FilingsReturned = p.Total
		}
	}
	if a.Can(app.PermCreditReview) {
		if p, err := s.app.ScoringApplications(a, app.ScoringQuery{Status: app.ScoringPending, NotMine: true, Size: 1}); err != nil {
			s.log.Error("pending scoring applications", "err", err)
		} else {
			d.Credit.Scoring = max(p.Total, 0)
		}
		if rs, err := s.app.PendingRequests(a, ""); err != nil {
			s.log.Error("pending credit requests", "err", err)
		} else {
			d.Credit.Requests = len(rs)
		}
	}
	if a.Can(app.PermListReview) {
		if p, err := s.app.Lists(a, app.ListFilter{Status: app.ListPending, NotMine: true, Size: 1}); err != nil {
			s.log.Error("pending list entries", "err", err)
		} else {
			d.Credit.Lists = p.Total
		}
	}
	if a.Can(app.PermVerifyList) || a.Can(app.PermContractView) {
		if d.Glance, err = s.app.Overview(a); err != nil {
			s.log.Error("overview", "err", err) // the home page still shows
		}
		next := d.Glance.Month.AddDate(0, 1, 0)
		d.Links = map[string]string{}
		for _, k := range app.StatsKinds {
			d.Links[k] = statsListLink(k, d.Glance.Month, next, "")
		}
		// The agenda's filing items are counted among the figures.
		if a.Can(app.PermFilingReview) || a.Can(app.PermFilingApply) {
			d.Filings = app.FilingCounts{Pending: d.Glance.FilingsPending, Overdue: d.Glance.Overdue}
		}
	}
	if d.Reviewer {
		// What he may decide: not what he applied for himself.
		if n, err := s.app.FilingsToReview(a); err != nil {
			s.log.Error("contract filings to review", "err", err)
		} else {
			d.Filings.Pending = n
		}
	}
	s.render(w, r, http.StatusOK, "gov_home", &view{Title: "home.gov", Nav: "home", Data: d})
}

func (s *Server) registerPublicRoutes(r *mux.Router) {
	r.HandleFunc("/", s.handlePublicHome).Methods("GET")
}

// handlePublicHome shows the checks, the directory search and the
// 信息公示 block with the latest announcements (ui/announcements_public.go).
func (s *Server) handlePublicHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "public_home", &view{Title: "home.public", Portal: "public", Data: s.publicHomeData(r)})
}

// handleHealth answers monitoring: 200 with "ok" while the store answers,
// and says when the search index is rebuilding (still 200: the platform
// works, lists may be incomplete).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.app.Ping(); err != nil {
		s.log.Error("health check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store unavailable\n"))
		return
	}
	if s.app.SearchRebuilding() {
		_, _ = w.Write([]byte("ok (search index rebuilding)\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// govHomeData is what waits for a government user.
type govHomeData struct {
	Agencies app.FilingAgenda // agency filings
	// FilingsReturned: contract filings the user entered, returned to him.
	FilingsReturned int
	Filings         app.FilingCounts // contract filings in his scope
	Reviewer        bool
	// Credit is what waits for a credit reviewer: scoring applications,
	// objections and repair requests, proposed list entries.
	Credit struct{ Scoring, Requests, Lists int }
	Glance app.Overview // figures at a glance
	// Links are the lists the month's figures count (statsListLink).
	Links map[string]string
}
