package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

func (s *Server) registerUserRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermUserManage, h) }
	r.HandleFunc("/gov/admin/users", g(s.handleUserList)).Methods("GET")
	r.HandleFunc("/gov/admin/users/new", g(s.handleUserNew)).Methods("GET")
	r.HandleFunc("/gov/admin/users", g(s.handleUserCreate)).Methods("POST")
	r.HandleFunc("/gov/admin/users/{id:[0-9]+}", g(s.handleUserEdit)).Methods("GET")
	r.HandleFunc("/gov/admin/users/{id:[0-9]+}", g(s.handleUserUpdate)).Methods("POST")
	r.HandleFunc("/gov/admin/users/{id:[0-9]+}/reset-password", g(s.handleUserResetPassword)).Methods("POST")
	r.HandleFunc("/gov/admin/users/{id:[0-9]+}/end-sessions", g(s.handleUserEndSessions)).Methods("POST")
	r.HandleFunc("/gov/admin/users/{id:[0-9]+}/unlock", g(s.handleUserUnlock)).Methods("POST")
}

// userForm is the data of the user form page.
type userForm struct {
	ID        uint64
	User      *app.User
	GovRoles  []app.Role
	AgRoles   []app.Role
	Districts []*app.DictEntry
	// CityWide offers the whole city as a jurisdiction: only to a
	// city-wide sysadmin, as agency roles (agency accounts are city-wide).
	CityWide bool
	// LockedUntil: the account is locked after wrong passwords until then.
	LockedUntil time.Time
}

// userFormData is the user form's choices for actor. A district's
// sysadmin is offered his district and the government roles only: the
// server refuses him the rest, and the form offered the whole city (its
// default) and every district, so his first save of a new account failed.
func (s *Server) userFormData(actor app.Actor, u *app.User) userForm {
	d := userForm{User: u, CityWide: true}
	d.GovRoles, d.AgRoles = managedRoles(actor)
	switch {
	case actor.District != "" && !actor.System:
		d.CityWide = false
		d.Districts = s.districtChoices(actor)
	case u != nil:
		d.Districts = s.dictOptions(app.DictDistrict, u.District)
	default:
		d.Districts = s.enabledDistricts()
	}
	// An account keeps its portal (the server refuses the other's roles):
	// its edit form offers its own portal's roles and fields only, not a
	// jurisdiction for an agency's account nor an agency for a clerk's.
	if u != nil {
		if u.Portal() == app.PortalAgency {
			d.GovRoles, d.Districts, d.CityWide = nil, nil, false
		} else {
			d.AgRoles = nil
		}
	}
	return d
}

// managedRoles are the roles of the accounts actor manages: a district's
// sysadmin manages his district's government accounts only (agency
// accounts are city-wide), anyone else every role of both portals.
func managedRoles(actor app.Actor) (gov, agency []app.Role) {
	if actor.District != "" && !actor.System {
		return app.GovRoles, nil
	}
	return app.GovRoles, app.AgencyRoles
}

func (s *Server) enabledDistricts() []*app.DictEntry { return s.dictOptions(app.DictDistrict) }

// districtChoices is the district pick list of a form that makes a record
// in a district: a district's user may use only his own (the server
// refuses another), a city-wide user (and an agency's, whose accounts are
// city-wide) any enabled district. Lists filter with enabledDistricts.
func (s *Server) districtChoices(a app.Actor) []*app.DictEntry {
	if a.District == "" || a.System {
		return s.enabledDistricts()
	}
	for _, e := range s.dictOptions(app.DictDistrict, a.District) {
		if e.Code == a.District {
			return []*app.DictEntry{e}
		}
	}
	return nil
}

// dictOptions is the pick list of a dictionary select: the enabled entries
// and, even when disabled, those of keep (the record's stored values; the
// template marks them). An edit form that left a disabled value out had
// nothing selected, and saving another field stored "" in its place (a
// clerk's jurisdiction became the whole city).
func (s *Server) dictOptions(kind app.DictKind, keep ...string) []*app.DictEntry {
	all, err := s.app.Dict(kind, false)
	if err != nil {
		s.log.Error("load dictionary", "kind", kind, "err", err)
	}
	list := all[:0]
	for _, e := range all {
		if e.Enabled || slices.Contains(keep, e.Code) {
			list = append(list, e)
		}
	}
	return list
}

func pathID(r *http.Request) uint64 {
	id, _ := strconv.ParseUint(mux.Vars(r)["id"], 10, 64)
	return id
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	res, err := s.app.SearchUsers(actorOf(r), app.UserQuery{
		Text: q.Get("q"), Role: app.Role(q.Get("role")), Portal: app.Portal(q.Get("portal")),
		Status: q.Get("status"), Page: page, Size: 20,
	})
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	// The role filter offers the roles of the accounts he may find: a
	// district's sysadmin lists his district's government accounts only,
	// so agency roles (as on his user form) would always find nothing.
	gov, ag := managedRoles(actorOf(r))
	roles := append(append([]app.Role{}, gov...), ag...)
	s.render(w, r, http.StatusOK, "users", &view{Title: "users.title", Nav: "users", Form: q,
		Data: struct {
			Result app.UserPage
			Roles  []app.Role
			Pager  pager
		}{res, roles, newPager(r, res.Page, res.Pages)}})
}

func (s *Server) handleUserNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "user_form", &view{Title: "users.new", Nav: "users", Data: s.userFormData(actorOf(r), nil)})
}

func userInputOf(r *http.Request) app.UserInput {
	var roles []app.Role
	for _, v := range r.PostForm["roles"] {
		roles = append(roles, app.Role(v))
	}
	// The jurisdiction list starts on "choose…" (""); the whole city is
	// its own choice (cityChoice), kept apart so that it is never the
	// default (app.UserInput.NoJurisdiction).
	district := r.PostForm.Get("district")
	in := app.UserInput{
		Username: r.PostForm.Get("username"), Name: r.PostForm.Get("name"), Phone: r.PostForm.Get("phone"),
		Roles: roles, District: district, AgencyName: r.PostForm.Get("agency_name"),
		Disabled: r.PostForm.Get("disabled") == "on",
	}
	switch district {
	case cityChoice:
		in.District = ""
	case "":
		in.NoJurisdiction = true
	}
	return in
}

// cityChoice is the user form's value for a city-wide jurisdiction.
const cityChoice = "city"

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	u, password, err := s.app.CreateUser(actorOf(r), userInputOf(r))
	if err != nil {
		s.fail(w, r, err, "user_form", &view{Title: "users.new", Nav: "users", Form: r.PostForm, Data: s.userFormData(actorOf(r), nil)})
		return
	}
	// The one-time password is shown on this response only: it is never
	// stored in clear, nor put in a redirect or a cookie.
	s.render(w, r, http.StatusOK, "user_password", &view{Title: "users.password_title", Nav: "users",
		Data: s.passwordSlip(r, u, password, true)})
}

func userValues(u *app.User) url.Values {
	district := u.District
	if district == "" && u.Portal() == app.PortalGov {
		district = cityChoice
	}
	v := url.Values{"username": {u.Username}, "name": {u.Name}, "phone": {u.Phone},
		"district": {district}, "agency_name": {u.AgencyName}}
	for _, r := range u.Roles {
		v.Add("roles", string(r))
	}
	if u.Disabled {
		v.Set("disabled", "on")
	}
	return v
}

func (s *Server) handleUserEdit(w http.ResponseWriter, r *http.Request) {
	u, err := s.app.GetUser(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d, err := s.userEditData(actorOf(r), u)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "user_form", &view{Title: "users.edit", Nav: "users", Form: userValues(u), Data: d})
}

// userEditData is the edit form's data, the account's lock included: a
// form shown again with a field's error kept the lock's note and its
// unlock button off the page.
func (s *Server) userEditData(actor app.Actor, u *app.User) (userForm, error) {
	d := s.userFormData(actor, u)
	var err error
	d.LockedUntil, err = s.app.UserLockedUntil(actor, u.ID)
	return d, err
}

func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	actor := actorOf(r)
	id := pathID(r)
	_, err := s.app.UpdateUser(actor, id, userInputOf(r))
	if err != nil {
		u, gerr := s.app.GetUser(actor, id)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		form := r.PostForm
		form.Set("username", u.Username)
		d, derr := s.userEditData(actor, u)
		if derr != nil {
			s.fail(w, r, derr, "", nil)
			return
		}
		s.fail(w, r, err, "user_form", &view{Title: "users.edit", Nav: "users", Form: form, Data: d})
		return
	}
	s.setFlash(w, r, "users.saved")
	http.Redirect(w, r, "/gov/admin/users", http.StatusSeeOther)
}

func (s *Server) handleUserResetPassword(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	u, password, err := s.app.ResetPassword(actor, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "user_password", &view{Title: "users.password_title", Nav: "users",
		Data: s.passwordSlip(r, u, password, false)})
}

func (s *Server) handleUserEndSessions(w http.ResponseWriter, r *http.Request) {
	if _, err := s.app.EndUserSessions(actorOf(r), pathID(r)); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.setFlash(w, r, "users.sessions_ended")
	http.Redirect(w, r, "/gov/admin/users/"+strconv.FormatUint(pathID(r), 10), http.StatusSeeOther)
}

func (s *Server) handleUserUnlock(w http.ResponseWriter, r *http.Request) {
	if err := s.app.UnlockUser(actorOf(r), pathID(r)); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.setFlash(w, r, "users.unlocked")
	http.Redirect(w, r, "/gov/admin/users/"+strconv.FormatUint(pathID(r), 10), http.StatusSeeOther)
}

// pager builds the links of a paged list, keeping the query.
type pager struct {
	Page, Pages int
	Prev, Next  string
}

func newPager(r *http.Request, page, pages int) pager {
	p := pager{Page: page, Pages: pages}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}
