package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxAuth
)

// requestInfo is what the outermost middleware keeps about a request: its
// ID, and who made it once something down the chain has authenticated it
// (the session, an API key). The authenticated actor is only in a copy of
// the request further down, which logRequests never sees, so the name is
// written here, where it does.
type requestInfo struct {
	id   string
	user string
	ip   string // the client's address, for who acts without an account (actorOf)
}

func requestID(r *http.Request) string {
	if info, ok := r.Context().Value(ctxRequestID).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// setRequestUser names who made r, for its log line.
func setRequestUser(r *http.Request, name string) {
	if info, ok := r.Context().Value(ctxRequestID).(*requestInfo); ok {
		info.user = name
	}
}

// setRequestIP keeps the client's address of r for actorOf.
func setRequestIP(r *http.Request, ip string) {
	if info, ok := r.Context().Value(ctxRequestID).(*requestInfo); ok {
		info.ip = ip
	}
}

func requestIP(r *http.Request) string {
	if info, ok := r.Context().Value(ctxRequestID).(*requestInfo); ok {
		return info.ip
	}
	return ""
}

func requestUser(r *http.Request) string {
	if info, ok := r.Context().Value(ctxRequestID).(*requestInfo); ok {
		return info.user
	}
	return ""
}

// withRequestID gives every request an ID, returned in X-Request-ID and
// written in every log line and error page, so a user can quote it to IT.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, &requestInfo{id: id})))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one structured line per request. Query strings are
// left out: they may carry names or ID numbers someone searched for.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		user := requestUser(r)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		// LogAttrs: one line per request, without boxing each value.
		s.log.LogAttrs(r.Context(), level, "http", slog.String("request_id", requestID(r)), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
			slog.Int64("ms", time.Since(start).Milliseconds()), slog.String("ip", s.clientIP(r)), slog.String("user", user))
	})
}

// recoverPanics turns a panic into the internal-error page with the
// request ID instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", requestID(r), "panic", v, "stack", string(debug.Stack()))
				s.renderError(w, r, http.StatusInternalServerError, "error.internal")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere:
// every script and style is an embedded file served by the platform.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests sent by another site's page
// (Go's http.CrossOriginProtection, from Sec-Fetch-Site and Origin). The
// platform API uses API keys, not cookies, and is exempt.
func crossOrigin(next http.Handler, s *Server) http.Handler {
	p := http.NewCrossOriginProtection()
	p.AddInsecureBypassPattern("/api/")
	p.AddInsecureBypassPattern("POST /internal/")
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "request_id", requestID(r), "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		s.renderError(w, r, http.StatusForbidden, "error.cross_origin")
	}))
	return p.Handler(next)
}

// clientIP is the peer address, or the proxy's forwarded address when the
// platform is configured to trust a reverse proxy.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		// The proxy appends the address it saw: the last entry. Earlier
		// entries come from the client and cannot be trusted.
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
		if ip := r.Header.Get("X-Real-IP"); ip != "" {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
