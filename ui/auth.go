package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

func (s *Server) registerAuthRoutes(r *mux.Router) {
	for _, p := range []app.Portal{app.PortalGov, app.PortalAgency} {
		prefix := "/" + string(p)
		r.HandleFunc(prefix+"/login", s.handleLoginForm(p)).Methods("GET")
		r.HandleFunc(prefix+"/login", s.handleLogin(p)).Methods("POST")
		// Whoever is signed in may sign out here, even from the other
		// portal's address; he lands on his own portal's sign-in page.
		r.HandleFunc(prefix+"/logout", s.requireSession(s.handleLogout())).Methods("POST")
		r.HandleFunc(prefix+"/password", s.requireAuth(p, "", s.handlePasswordForm)).Methods("GET")
		r.HandleFunc(prefix+"/password", s.requireAuth(p, "", s.handlePasswordChange(p))).Methods("POST")
		r.HandleFunc(prefix+"/profile", s.requireAuth(p, "", s.handleProfile)).Methods("GET")
	}
}

func loginTitle(p app.Portal) string { return "login.title_" + string(p) }

func (s *Server) handleLoginForm(p app.Portal) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if au := authOf(r); au != nil && au.actor.Can(portalPerm(p)) {
			http.Redirect(w, r, "/"+string(p)+"/", http.StatusSeeOther)
			return
		}
		form := url.Values{"next": {r.URL.Query().Get("next")}}
		s.render(w, r, http.StatusOK, "login", &view{Title: loginTitle(p), Portal: string(p), Form: form})
	}
}

func (s *Server) handleLogin(p app.Portal) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form := url.Values{"username": {strings.TrimSpace(r.PostForm.Get("username"))}, "next": {r.PostForm.Get("next")}}
		v := &view{Title: loginTitle(p), Portal: string(p), Form: form}
		ip := s.clientIP(r)
		if !s.limiter.allow(ip) {
			s.log.Warn("login rate limited", "request_id", requestID(r), "ip", ip)
			v.Error = "auth.rate_limited"
			s.render(w, r, http.StatusTooManyRequests, "login", v)
			return
		}
		var errs = map[string]string{}
		if form.Get("username") == "" {
			errs["username"] = "auth.username_required"
		}
		if r.PostForm.Get("password") == "" {
			errs["password"] = "auth.password_required"
		}
		if len(errs) > 0 {
			v.Errors, v.Error = errs, "form.invalid"
			s.render(w, r, http.StatusUnprocessableEntity, "login", v)
			return
		}
		res, err := s.app.Login(p, form.Get("username"), r.PostForm.Get("password"), ip, r.UserAgent(), requestID(r))
		if err != nil {
			if e, ok := app.AsError(err); ok {
				v.Error, v.ErrorArgs = e.Key, e.Args
				s.render(w, r, statusOf(e.Code), "login", v)
				return
			}
			s.fail(w, r, err, "", nil)
			return
		}
		// Signing in again ends the session this browser had.
		if au := authOf(r); au != nil {
			if err := s.app.EndSession(au.actor); err != nil {
				s.log.Error("end previous session", "request_id", requestID(r), "err", err)
			}
		}
		// A fresh cookie session: the token is new at every sign-in.
		sess := s.cookieSession(r)
		sess.Values = map[any]any{tokenKey: res.Token}
		if err := sess.Save(r, w); err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		if res.Actor.Lang != "" {
			setLangCookie(w, res.Actor.Lang, s.cfg.TLS)
		}
		target := safeNext(form.Get("next"), string(p))
		if res.MustChangePassword {
			target = "/" + string(p) + "/password"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	}
}

func (s *Server) handleLogout() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		own := ownPortal(actorOf(r))
		if err := s.app.Logout(actorOf(r)); err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		sess := s.cookieSession(r)
		sess.Values = map[any]any{}
		sess.AddFlash("auth.logged_out")
		_ = sess.Save(r, w)
		http.Redirect(w, r, "/"+own+"/login", http.StatusSeeOther)
	}
}

// oneTimeLabel names the current-password field of a user who must change
// a one-time password by whoever gave it to him ("" for anyone else):
// agency staff get theirs from their agency's admin, an agency admin from
// the bureau (the account notice, or a sysadmin's reset), a sysadmin from
// another one or from the console (the first start, `anju reset-password`),
// other bureau staff from a sysadmin.
func oneTimeLabel(r *http.Request) string {
	if !authOf(r).mustChange {
		return ""
	}
	actor := actorOf(r)
	switch {
	case actor.HasRole(app.RoleAgencyAdmin):
		return "password.current_onetime_agency_admin"
	case actor.AgencyID != 0:
		return "password.current_onetime_agency"
	case actor.HasRole(app.RoleSysadmin):
		return "password.current_onetime_sysadmin"
	}
	return "password.current_onetime"
}

func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "password", &view{Title: "password.title", Nav: "profile", Data: oneTimeLabel(r)})
}

func (s *Server) handlePasswordChange(p app.Portal) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		v := &view{Title: "password.title", Nav: "profile", Data: oneTimeLabel(r)}
		err := s.app.ChangePassword(actorOf(r), r.PostForm.Get("current"), r.PostForm.Get("new"), r.PostForm.Get("confirm"))
		if e, ok := app.AsError(err); ok && e.Code == app.ELOCKED {
			// The account is locked and this session ended (app.ChangePassword):
			// he is signed out to the sign-in page, which says why and for
			// how long, as a sign-in during the lock would.
			sess := s.cookieSession(r)
			delete(sess.Values, tokenKey)
			_ = sess.Save(r, w)
			r = r.WithContext(context.WithValue(r.Context(), ctxAuth, (*auth)(nil)))
			s.render(w, r, statusOf(e.Code), "login", &view{Title: loginTitle(p), Portal: string(p),
				Error: e.Key, ErrorArgs: e.Args, Form: url.Values{}})
			return
		}
		if err != nil {
			// Password fields are never echoed back.
			s.fail(w, r, err, "password", v)
			return
		}
		s.setFlash(w, r, "password.changed")
		http.Redirect(w, r, "/"+string(p)+"/", http.StatusSeeOther)
	}
}

func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	prof, err := s.app.Profile(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "profile", &view{Title: "profile.title", Nav: "profile", Data: prof})
}

// handleLang switches the language: remembered on the account when signed
// in, and in a cookie for everyone.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	lang := r.PostForm.Get("lang")
	if lang != langZH && lang != langEN {
		lang = langZH
	}
	if au := authOf(r); au != nil {
		if err := s.app.SetLanguage(au.actor, lang); err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
	}
	setLangCookie(w, lang, s.cfg.TLS)
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.Contains(back, "\\") {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func setLangCookie(w http.ResponseWriter, lang string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}
