package ui

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerAgencyRoutes registers agency filing: the clerk's form, review,
// lists, history, account notices, the agency's own filing and
// self-application (public).
func (s *Server) registerAgencyRoutes(r *mux.Router) {
	gov := func(perm app.Permission, h http.HandlerFunc) http.HandlerFunc {
		return s.requireAuth(app.PortalGov, perm, h)
	}
	agency := func(perm app.Permission, h http.HandlerFunc) http.HandlerFunc {
		return s.requireAuth(app.PortalAgency, perm, h)
	}
	// Government portal: agencies and their filings.
	r.HandleFunc("/gov/agencies", gov(app.PermAgencyView, s.handleAgencyList)).Methods("GET")
	r.HandleFunc("/gov/agencies/new", gov(app.PermAgencyFile, s.handleFilingNew)).Methods("GET")
	r.HandleFunc("/gov/agencies/new", gov(app.PermAgencyFile, s.handleFilingStart)).Methods("POST")
	r.HandleFunc("/gov/agencies/{id:[0-9]+}", gov(app.PermAgencyView, s.handleAgencyShow)).Methods("GET")
	r.HandleFunc("/gov/agencies/{id:[0-9]+}/licence", gov(app.PermAgencyView, s.handleAgencyLicence)).Methods("GET")
	r.HandleFunc("/gov/agencies/{id:[0-9]+}/change", gov(app.PermAgencyFile, s.handleChangeStart)).Methods("POST")
	r.HandleFunc("/gov/agencies/{id:[0-9]+}/cancel", gov(app.PermAgencyFile, s.handleCancelForm)).Methods("GET")
	r.HandleFunc("/gov/agencies/{id:[0-9]+}/cancel", gov(app.PermAgencyFile, s.handleCancelSubmit)).Methods("POST")
	s.registerApplicationRoutes(r, "/gov/agency-applications/{id:[0-9]+}", gov, app.PermAgencyFile, app.PermAgencyView)
	r.HandleFunc("/gov/agency-applications", gov(app.PermAgencyView, s.handleApplicationList)).Methods("GET")
	r.HandleFunc("/gov/agency-applications/{id:[0-9]+}/approve", gov(app.PermAgencyReview, s.handleApprove)).Methods("POST")
	r.HandleFunc("/gov/agency-applications/{id:[0-9]+}/reject", gov(app.PermAgencyReview, s.handleReject)).Methods("POST")
	r.HandleFunc("/gov/agency-applications/{id:[0-9]+}/reissue", gov(app.PermAgencyFile, s.handleReissue)).Methods("POST")

	// Agency portal: its own filing, changes, cancellation, branches.
	r.HandleFunc("/agency/agency", agency(app.PermAgencyView, s.handleOwnAgency)).Methods("GET")
	r.HandleFunc("/agency/agencies/{id:[0-9]+}", agency(app.PermAgencyView, s.handleAgencyShow)).Methods("GET")
	r.HandleFunc("/agency/agencies/{id:[0-9]+}/licence", agency(app.PermAgencyView, s.handleAgencyLicence)).Methods("GET")
	r.HandleFunc("/agency/agencies/{id:[0-9]+}/change", agency(app.PermAgencyApply, s.handleChangeStart)).Methods("POST")
	r.HandleFunc("/agency/agencies/{id:[0-9]+}/cancel", agency(app.PermAgencyApply, s.handleCancelForm)).Methods("GET")
	r.HandleFunc("/agency/agencies/{id:[0-9]+}/cancel", agency(app.PermAgencyApply, s.handleCancelSubmit)).Methods("POST")
	r.HandleFunc("/agency/branches/apply", agency(app.PermAgencyApply, s.handleFilingNew)).Methods("GET")
	r.HandleFunc("/agency/branches/apply", agency(app.PermAgencyApply, s.handleFilingStart)).Methods("POST")
	r.HandleFunc("/agency/agency-applications", agency(app.PermAgencyApply, s.handleApplicationList)).Methods("GET")
	s.registerApplicationRoutes(r, "/agency/agency-applications/{id:[0-9]+}", agency, app.PermAgencyApply, app.PermAgencyApply)

	// Public portal: an agency applies itself and follows its application
	// by the link it was given.
	r.HandleFunc("/agencies/apply", s.handlePublicApplyForm).Methods("GET")
	r.HandleFunc("/agencies/apply", s.handlePublicApplyStart).Methods("POST")
	public := func(_ app.Permission, h http.HandlerFunc) http.HandlerFunc { return h }
	s.registerApplicationRoutes(r, "/agencies/apply/{token:[A-Za-z0-9_-]{20,}}", public, "", "")
}

// registerApplicationRoutes registers the pages of one application under
// base, for the portal whose wrapper is wrap: edit permission for the form,
// view permission for the rest.
func (s *Server) registerApplicationRoutes(r *mux.Router, base string, wrap func(app.Permission, http.HandlerFunc) http.HandlerFunc, edit, view app.Permission) {
	r.HandleFunc(base, wrap(view, s.handleApplicationShow)).Methods("GET")
	r.HandleFunc(base+"/step/{step:[1-4]}", wrap(edit, s.handleStepForm)).Methods("GET")
	r.HandleFunc(base+"/step/{step:[1-4]}", wrap(edit, s.handleStepSave)).Methods("POST")
	r.HandleFunc(base+"/submit", wrap(edit, s.handleSubmit)).Methods("POST")
	r.HandleFunc(base+"/withdraw", wrap(edit, s.handleWithdraw)).Methods("POST")
	r.HandleFunc(base+"/licence", wrap(view, s.handleApplicationLicence)).Methods("GET")
	r.HandleFunc(base+"/notice", wrap(edit, s.handleNotice)).Methods("POST")
}

// appCtx is where an application's pages live for this request.
type appCtx struct {
	Ref  app.AppRef
	Base string // URL of the application's page
}

func appCtxOf(r *http.Request) appCtx {
	v := mux.Vars(r)
	if tok := v["token"]; tok != "" {
		return appCtx{Ref: app.AppRef{Token: tok}, Base: "/agencies/apply/" + tok}
	}
	id, _ := strconv.ParseUint(v["id"], 10, 64)
	return appCtx{Ref: app.AppRef{ID: id}, Base: "/" + portalOfPath(r.URL.Path) + "/agency-applications/" + strconv.FormatUint(id, 10)}
}
