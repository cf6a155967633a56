package ui

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// The control endpoints let the CLI act on a running platform, whose data
// file it cannot open (bbolt's lock): `anju backup` and `anju
// reset-password` while serving. They answer only on loopback and only to
// the token the server wrote into its data folder at start (readable by
// the service account alone).
func (s *Server) registerControlRoutes(r *mux.Router) {
	if s.cfg.ControlToken == "" {
		return
	}
	r.HandleFunc("/internal/backup", s.control(s.handleControlBackup)).Methods("POST")
	r.HandleFunc("/internal/reset-password", s.control(s.handleControlResetPassword)).Methods("POST")
	r.HandleFunc("/internal/apikey", s.control(s.handleControlAPIKey)).Methods("POST")
	r.HandleFunc("/internal/import-registry", s.control(s.handleControlImportRegistry)).Methods("POST")
}

// handleControlImportRegistry is `anju import-registry` while serving: the
// file comes as the body (the service account may not be able to read the
// officer's copy), imported as it arrives; the answer is the report, and
// the failure's message key for the CLI to word.
func (s *Server) handleControlImportRegistry(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Query().Get("name"))
	rep, err := s.app.ImportRegistry(app.SystemActor("cli import-registry"), r.Body, name, nil)
	out := map[string]any{"report": rep}
	if e, ok := app.AsError(err); ok {
		out["error_key"] = e.Key
	} else if err != nil {
		s.log.Error("control import-registry", "request_id", requestID(r), "err", err)
		out["error"] = err.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) control(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		local := ip != nil && (ip.IsLoopback() || isLocalAddr(r, ip))
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !local || subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.ControlToken)) != 1 {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		h(w, r)
	}
}

func (s *Server) handleControlBackup(w http.ResponseWriter, r *http.Request) {
	n, err := s.app.WriteBackupTo(app.SystemActor("cli backup"), "", func(size int64) io.Writer {
		downloadHeaders(w, "", size)
		return w
	})
	if err != nil && n == 0 {
		// Nothing sent yet: the CLI prints this answer instead.
		s.log.Error("control backup", "request_id", requestID(r), "err", err)
		w.Header().Del("Content-Length")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "the platform could not write the backup (" + err.Error() + "); see its log, request " + requestID(r)})
		return
	}
	if err != nil {
		s.backupFailed(w, r, "control backup", n, err)
	}
}

func (s *Server) handleControlResetPassword(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	u, password, err := s.app.ResetPasswordByName(app.SystemActor("cli reset-password"), user)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusInternalServerError
		if e, ok := app.AsError(err); ok {
			status = statusOf(e.Code)
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": s.msgs.t(langEN, errKey(err))})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"password": password, "disabled": u.Disabled})
}

func errKey(err error) string {
	if e, ok := app.AsError(err); ok {
		return e.Key
	}
	return "error.internal"
}

// isLocalAddr reports whether the caller is this machine connecting to the
// platform's own (non-loopback) listen address.
func isLocalAddr(r *http.Request, ip net.IP) bool {
	la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	host, _, err := net.SplitHostPort(la.String())
	return err == nil && net.ParseIP(host).Equal(ip)
}
