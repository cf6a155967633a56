package ui

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerAgencyPortalRoutes registers the agency portal's home, staff accounts and branches.
func (s *Server) registerAgencyPortalRoutes(r *mux.Router) {
	agency := func(perm app.Permission, h http.HandlerFunc) http.HandlerFunc {
		return s.requireAuth(app.PortalAgency, perm, h)
	}
	r.HandleFunc("/agency/", agency("", s.handleAgencyHome)).Methods("GET")
	r.HandleFunc("/agency/staff", agency(app.PermAgencyStaff, s.handleStaffList)).Methods("GET")
	r.HandleFunc("/agency/staff/new", agency(app.PermAgencyStaff, s.handleStaffNew)).Methods("GET")
	r.HandleFunc("/agency/staff", agency(app.PermAgencyStaff, s.handleStaffCreate)).Methods("POST")
	r.HandleFunc("/agency/staff/{id:[0-9]+}/disable", agency(app.PermAgencyStaff, s.handleStaffSetDisabled(true))).Methods("POST")
	r.HandleFunc("/agency/staff/{id:[0-9]+}/enable", agency(app.PermAgencyStaff, s.handleStaffSetDisabled(false))).Methods("POST")
	r.HandleFunc("/agency/staff/{id:[0-9]+}/reset-password", agency(app.PermAgencyStaff, s.handleStaffResetPassword)).Methods("POST")
	r.HandleFunc("/agency/staff/{id:[0-9]+}/unlock", agency(app.PermAgencyStaff, s.handleStaffUnlock)).Methods("POST")
	r.HandleFunc("/agency/branches", agency(app.PermAgencyView, s.handleBranches)).Methods("GET")
}

func (s *Server) handleAgencyHome(w http.ResponseWriter, r *http.Request) {
	home, err := s.app.AgencyHome(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "agency_home", &view{Title: "home.agency", Nav: "home", Data: home})
}

// staffPage is the data of the staff list.
type staffPage struct {
	Agency *app.Agency
	Staff  []app.StaffMember
}

func (s *Server) handleStaffList(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	staff, err := s.app.ListAgencyStaff(actor)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	ag, err := s.app.GetAgency(actor, actor.AgencyID)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "agency_staff", &view{Title: "staff.title", Nav: "staff", Data: staffPage{ag, staff}})
}

// staffForm is the data of the new-account form.
type staffForm struct {
	Agency  *app.Agency
	Choices []*app.Practitioner // employed practitioners without an account
}

func (s *Server) staffFormData(r *http.Request) (staffForm, error) {
	actor := actorOf(r)
	ag, err := s.app.GetAgency(actor, actor.AgencyID)
	if err != nil {
		return staffForm{}, err
	}
	choices, err := s.app.StaffPractitionerChoices(actor)
	return staffForm{ag, choices}, err
}

func (s *Server) handleStaffNew(w http.ResponseWriter, r *http.Request) {
	data, err := s.staffFormData(r)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "agency_staff_form", &view{Title: "staff.new", Nav: "staff", Data: data})
}

func (s *Server) handleStaffCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	u, password, err := s.app.CreateAgencyStaff(actorOf(r), app.StaffInput{Username: f.Get("username"), Name: f.Get("name"),
		Phone: f.Get("phone"), Practitioner: f.Get("practitioner")})
	if err != nil {
		data, derr := s.staffFormData(r)
		if derr != nil {
			s.fail(w, r, derr, "", nil)
			return
		}
		s.fail(w, r, err, "agency_staff_form", &view{Title: "staff.new", Nav: "staff", Form: f, Data: data})
		return
	}
	s.renderStaffPassword(w, r, u, password, true)
}

// renderStaffPassword shows a one-time password on this response only (never
// stored in clear, put in a redirect or a cookie), as a printable slip.
func (s *Server) renderStaffPassword(w http.ResponseWriter, r *http.Request, u *app.User, password string, created bool) {
	s.render(w, r, http.StatusOK, "agency_staff_password", &view{Title: "staff.password_title", Nav: "staff",
		Data: s.passwordSlip(r, u, password, created)})
}

// passwordSlip is what a printed new-account or reset slip shows. The
// sign-in address is written in full: on paper a path is no use.
type passwordSlip struct {
	User     *app.User
	Password string
	Created  bool
	LoginURL string
}

func (s *Server) passwordSlip(r *http.Request, u *app.User, password string, created bool) passwordSlip {
	return passwordSlip{User: u, Password: password, Created: created, LoginURL: s.publicBase(r) + "/" + string(u.Portal()) + "/login"}
}

func (s *Server) handleStaffSetDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.app.SetStaffDisabled(actorOf(r), pathID(r), disabled); err != nil {
			s.failStaff(w, r, err)
			return
		}
		if disabled {
			s.setFlash(w, r, "staff.disabled_flash")
		} else {
			s.setFlash(w, r, "staff.enabled_flash")
		}
		http.Redirect(w, r, "/agency/staff", http.StatusSeeOther)
	}
}

func (s *Server) handleStaffResetPassword(w http.ResponseWriter, r *http.Request) {
	u, password, err := s.app.ResetStaffPassword(actorOf(r), pathID(r))
	if err != nil {
		s.failStaff(w, r, err)
		return
	}
	s.renderStaffPassword(w, r, u, password, false)
}

func (s *Server) handleStaffUnlock(w http.ResponseWriter, r *http.Request) {
	if err := s.app.UnlockStaff(actorOf(r), pathID(r)); err != nil {
		s.failStaff(w, r, err)
		return
	}
	s.setFlash(w, r, "users.unlocked")
	http.Redirect(w, r, "/agency/staff", http.StatusSeeOther)
}

// failStaff shows a refused action on an account (himself, an admin, a
// leaver's account) on the staff list with the reason; anything else, such
// as another agency's account, as its error page.
func (s *Server) failStaff(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := app.AsError(err)
	if !ok || (e.Code != app.ECONFLICT && e.Code != app.EFORBIDDEN) || e.Key == "error.forbidden" {
		s.fail(w, r, err, "", nil)
		return
	}
	actor := actorOf(r)
	staff, lerr := s.app.ListAgencyStaff(actor)
	if lerr != nil {
		s.fail(w, r, lerr, "", nil)
		return
	}
	ag, gerr := s.app.GetAgency(actor, actor.AgencyID)
	if gerr != nil {
		s.fail(w, r, gerr, "", nil)
		return
	}
	s.render(w, r, statusOf(e.Code), "agency_staff", &view{Title: "staff.title", Nav: "staff",
		Error: e.Key, ErrorArgs: e.Args, Data: staffPage{ag, staff}})
}

func (s *Server) handleBranches(w http.ResponseWriter, r *http.Request) {
	o, err := s.app.AgencyBranchesOverview(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "agency_branches", &view{Title: "branches.title", Nav: "branches", Data: o})
}

// Msg translates a message key with arguments held in a slice (the
// "awaiting action" items carry theirs): {{$.Msg .Key .Args}}.
// A date among them is written as the page's language writes dates.
func (v *view) Msg(key string, args []any) string {
	shown := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = formatDate(v.Lang, t)
		}
		shown[i] = a
	}
	return v.s.msgs.t(v.Lang, key, shown...)
}
