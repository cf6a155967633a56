package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/sessions"

	"anju/app"
)

// The session cookie (gorilla/sessions' CookieStore, signed) holds only
// the opaque token of a session record kept in the store, plus one-time
// flash notices. Ending a session in the store ends it everywhere.
const (
	cookieName = "anju_session"
	tokenKey   = "token"
)

type auth struct {
	actor      app.Actor
	mustChange bool
}

func authOf(r *http.Request) *auth {
	a, _ := r.Context().Value(ctxAuth).(*auth)
	return a
}

func (s *Server) cookieSession(r *http.Request) *sessions.Session {
	sess, err := s.cookies.Get(r, cookieName)
	if err != nil {
		// A cookie signed with another key (a restored store) or tampered
		// with: start afresh.
		sess, _ = s.cookies.New(r, cookieName)
	}
	return sess
}

// withSession resolves the session token to the signed-in actor.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		setRequestIP(r, s.clientIP(r))
		sess := s.cookieSession(r)
		token, _ := sess.Values[tokenKey].(string)
		if token != "" {
			actor, u, err := s.app.Authenticate(token, s.clientIP(r))
			switch {
			case err == nil:
				actor.RequestID = requestID(r)
				setRequestUser(r, actor.Username)
				r = r.WithContext(context.WithValue(r.Context(), ctxAuth, &auth{actor: actor, mustChange: u.MustChangePassword}))
			case app.ErrorCode(err) == app.EUNAUTHORIZED:
				// Why it ended (idle, password reset, account disabled…),
				// shown on the sign-in page the user lands on.
				why := "session.expired"
				if e, ok := app.AsError(err); ok && s.msgs.has(e.Key) {
					why = e.Key
				}
				delete(sess.Values, tokenKey)
				sess.AddFlash(why)
				_ = sess.Save(r, w)
			default:
				s.log.Error("authenticate", "request_id", requestID(r), "err", err)
				s.renderError(w, r, http.StatusInternalServerError, "error.internal")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// setFlash stores a one-time notice (a message key) shown on the next page.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, key string) {
	sess := s.cookieSession(r)
	sess.AddFlash(key)
	_ = sess.Save(r, w)
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	sess := s.cookieSession(r)
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return ""
	}
	_ = sess.Save(r, w)
	key, _ := flashes[len(flashes)-1].(string)
	if !s.msgs.has(key) {
		return ""
	}
	return key
}

// requireAuth wraps a handler of a portal: not signed in → that portal's
// sign-in page (coming back afterwards); a one-time password → the change
// page first; lacking the permission → 403 with the reason.
func (s *Server) requireAuth(portal app.Portal, perm app.Permission, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		au := authOf(r)
		if au == nil {
			s.redirectToLogin(w, r)
			return
		}
		if !au.actor.Can(portalPerm(portal)) {
			// Drawn in his own portal's frame, whose menu and sign-out work
			// for him, with the way back to it.
			own := ownPortal(au.actor)
			s.render(w, r, http.StatusForbidden, "error", &view{Title: "error.forbidden_title", Portal: own,
				Error: "error.wrong_portal_signed_in"})
			return
		}
		if au.mustChange && !strings.HasSuffix(r.URL.Path, "/password") && !strings.HasSuffix(r.URL.Path, "/logout") {
			http.Redirect(w, r, "/"+string(portal)+"/password", http.StatusSeeOther)
			return
		}
		if perm != "" && !au.actor.Can(perm) {
			s.log.Warn("forbidden", "request_id", requestID(r), "user", au.actor.Username, "path", r.URL.Path, "permission", perm)
			key := "error.forbidden"
			if au.actor.NeedsCityWide(perm) {
				key = "error.city_wide_only"
			}
			s.renderError(w, r, http.StatusForbidden, key)
			return
		}
		h(w, r)
	}
}

// ownPortal is the portal a signed-in user belongs to.
func ownPortal(a app.Actor) string {
	if a.Can(app.PermAgencyPortal) {
		return string(app.PortalAgency)
	}
	return string(app.PortalGov)
}

// requireSession wraps a handler any signed-in user may use whatever the
// portal of its path (signing out): not signed in → the sign-in page.
func (s *Server) requireSession(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if authOf(r) == nil {
			s.redirectToLogin(w, r)
			return
		}
		h(w, r)
	}
}

func portalPerm(p app.Portal) app.Permission {
	if p == app.PortalAgency {
		return app.PermAgencyPortal
	}
	return app.PermGovPortal
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	portal := "gov"
	if strings.HasPrefix(r.URL.Path, "/agency") {
		portal = "agency"
	}
	target := "/" + portal + "/login"
	if r.Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext accepts only a local path of the same portal as a place to go
// after sign-in (no open redirect).
func safeNext(next, portal string) string {
	if strings.HasPrefix(next, "/"+portal+"/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return "/" + portal + "/"
}

// actorOf returns the signed-in actor of a request behind requireAuth.
func actorOf(r *http.Request) app.Actor {
	if au := authOf(r); au != nil {
		return au.actor
	}
	// Someone without an account (the public portal): no user, but the
	// address and request ID his acts are audited with.
	return app.Actor{IP: requestIP(r), RequestID: requestID(r)}
}
