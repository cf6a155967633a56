package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// API keys of listing platforms (sysadmin) and the API documentation page
// for integrators.
func (s *Server) registerAPIKeyRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermAPIKeys, h) }
	r.HandleFunc("/gov/admin/apikeys", g(s.handleAPIKeyList)).Methods("GET")
	r.HandleFunc("/gov/admin/apikeys", g(s.handleAPIKeyCreate)).Methods("POST")
	r.HandleFunc("/gov/admin/apikeys/{id:[0-9]+}/revoke", g(s.handleAPIKeyRevoke)).Methods("POST")
	r.HandleFunc("/gov/api-docs", g(s.handleAPIDocs)).Methods("GET")
}

type apiKeyListData struct {
	Keys      []*app.APIKey
	Districts []*app.DictEntry
	RevokeID  uint64 // the row whose revoke form failed
}

func (s *Server) renderAPIKeyList(w http.ResponseWriter, r *http.Request, status int, v *view, revokeID uint64) bool {
	keys, err := s.app.ListAPIKeys(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return false
	}
	v.Title, v.Nav = "apikeys.title", "apikeys"
	v.Data = apiKeyListData{Keys: keys, Districts: s.enabledDistricts(), RevokeID: revokeID}
	s.render(w, r, status, "apikeys", v)
	return true
}

func (s *Server) handleAPIKeyList(w http.ResponseWriter, r *http.Request) {
	s.renderAPIKeyList(w, r, http.StatusOK, &view{}, 0)
}

func apiKeyInputOf(f url.Values) app.APIKeyInput {
	in := app.APIKeyInput{Name: f.Get("name"), Contact: f.Get("contact"), Districts: f["districts"]}
	if rate := strings.TrimSpace(f.Get("rate")); rate != "" {
		n, err := strconv.Atoi(rate)
		if err != nil || n == 0 {
			n = -1 // reported as out of range
		}
		in.RatePerMin = n
	}
	return in
}

func (s *Server) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	k, secret, err := s.app.CreateAPIKey(actorOf(r), apiKeyInputOf(r.PostForm))
	if err != nil {
		e, ok := app.AsError(err)
		if !ok || e.Code != app.EINVALID {
			s.fail(w, r, err, "", nil)
			return
		}
		s.renderAPIKeyList(w, r, http.StatusUnprocessableEntity, &view{Form: r.PostForm, Errors: e.Fields, ErrorsArgs: e.FieldArgs, Error: "form.invalid"}, 0)
		return
	}
	// The key is shown on this response only: it is stored as a hash, and
	// never put in a redirect or a cookie.
	s.render(w, r, http.StatusOK, "apikey_secret", &view{Title: "apikeys.secret_title", Nav: "apikeys",
		Data: struct {
			Key    *app.APIKey
			Secret string
		}{k, secret}})
}

func (s *Server) handleAPIKeyRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id := pathID(r)
	_, err := s.app.RevokeAPIKey(actorOf(r), id, r.PostForm.Get("reason"))
	if err != nil {
		e, ok := app.AsError(err)
		if !ok || len(e.Fields) == 0 {
			s.fail(w, r, err, "", nil)
			return
		}
		s.renderAPIKeyList(w, r, http.StatusUnprocessableEntity, &view{Form: r.PostForm, Errors: e.Fields, Error: "form.invalid"}, id)
		return
	}
	s.setFlash(w, r, "apikeys.revoked_ok")
	http.Redirect(w, r, "/gov/admin/apikeys", http.StatusSeeOther)
}

// apiDocError is one line of the documentation's table of error codes.
type apiDocError struct {
	Status  int
	Code    string
	Message string
}

// apiDocErrors lists the API's error codes with the message a platform
// receives, in the page's language: the table follows the catalog.
func (s *Server) apiDocErrors(lang string) []apiDocError {
	rows := []struct {
		status int
		code   string
		key    string
		args   []any
	}{
		{400, "bad_request", "api.bad_json", nil},
		{400, "bad_request", "api.content_type", nil},
		{400, "bad_request", "api.unknown_field", []any{"foo"}},
		{400, "bad_request", "api.bad_type", []any{"listing.area"}},
		{400, "bad_request", "api.body_too_large", nil},
		{400, "bad_request", "api.idempotency_key_invalid", nil},
		{401, "unauthorized", "api.key_missing", nil},
		{401, "unauthorized", "api.key_invalid", nil},
		{401, "unauthorized", "api.key_revoked", nil},
		{404, "not_found", "api.not_found", nil},
		{405, "method_not_allowed", "api.method", nil},
		{408, "request_timeout", "api.read_timeout", []any{int(apiReadTimeout / time.Second)}},
		{422, "", "api.district_not_allowed", nil},
		{422, "", "verify.district_unknown", nil},
		{422, "", "verify.cert_type_unknown", nil},
		{422, "", "verify.cert_not_found", nil},
		{422, "", "verify.cert_type_mismatch", nil},
		{422, "", "verify.owner_mismatch", nil},
		{422, "", "verify.area_exceeds_registered", nil},
		{422, "", "verify.area_below_registered", nil},
		{422, "", "verify.area_room_too_large", nil},
		{422, "", "verify.seized", nil},
		{422, "", "verify.disputed", nil},
		{422, "", "verify.cancelled", nil},
		{422, "", "verify.restricted", nil},
		{422, "", "verify.not_residential", nil},
		{422, "", "verify.duplicate", nil},
		{422, "", "verify.owner_id_no_required", nil},
		{422, "", "verify.owner_repeated", nil},
		{422, "", "idcard.checksum", nil},
		{422, "", "verify.area_invalid", nil},
		{422, "", "verify.layout_invalid", nil},
		{422, "", "verify.rent_invalid", nil},
		{422, "", "verify.mode_required", nil},
		{422, "", "verify.room_required_shared", nil},
		{422, "", "api.idempotency_mismatch", nil},
		{422, "", "verify.code_malformed", nil},
		{422, "", "verify.code_bad_char", nil},
		{422, "", "verify.code_mistyped", nil},
		{429, "rate_limited", "api.rate_limited", []any{30}},
		{500, "internal", "api.internal", nil},
		{503, "registry_unavailable", "verify.registry_unavailable", nil},
		{503, "starting", "api.starting", []any{startingRetry}},
	}
	out := make([]apiDocError, 0, len(rows))
	for _, row := range rows {
		code := row.code
		if code == "" {
			code = apiCode(row.key)
		}
		out = append(out, apiDocError{Status: row.status, Code: code, Message: s.msgs.t(lang, row.key, row.args...)})
	}
	return out
}

func (s *Server) handleAPIDocs(w http.ResponseWriter, r *http.Request) {
	base := s.publicBase(r)
	lang := pickLang(r, actorOf(r).Lang)
	s.render(w, r, http.StatusOK, "api_docs", &view{Title: "api_docs.title", Nav: "api_docs",
		Data: struct {
			Base   string
			Errors []apiDocError
		}{base, s.apiDocErrors(lang)}})
}

// handleControlAPIKey creates an API key for `anju apikey create` while
// the platform runs: POST /internal/apikey?name=&contact=&districts=a,b&rate=.
// Errors come back in English, each field's message named.
func (s *Server) handleControlAPIKey(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := app.APIKeyInput{Name: q.Get("name"), Contact: q.Get("contact")}
	for _, d := range strings.Split(q.Get("districts"), ",") {
		if d = strings.TrimSpace(d); d != "" {
			in.Districts = append(in.Districts, d)
		}
	}
	if rate := q.Get("rate"); rate != "" {
		n, err := strconv.Atoi(rate)
		if err != nil || n == 0 {
			n = -1
		}
		in.RatePerMin = n
	}
	k, secret, err := s.app.CreateAPIKey(app.SystemActor("cli apikey"), in)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusInternalServerError
		msg := s.msgs.t(langEN, "error.internal")
		if e, ok := app.AsError(err); ok {
			status, msg = statusOf(e.Code), s.msgs.t(langEN, e.Key, e.Args...)
			var parts []string
			for f, key := range e.Fields {
				parts = append(parts, f+": "+s.msgs.t(langEN, key, e.FieldArgs[f]...))
			}
			if len(parts) > 0 {
				slices.Sort(parts)
				msg = strings.Join(parts, "; ")
			}
		} else {
			s.log.Error("control apikey", "request_id", requestID(r), "err", err)
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"id": k.ID, "name": k.Name, "prefix": k.Prefix,
		"districts": k.Districts, "rate_per_min": k.RatePerMin, "key": secret})
}

var consoleCatalog = sync.OnceValues(loadCatalog)

// ConsoleMessage is the English text of a message key, for CLI commands
// that open the data folder themselves and report an App error.
func ConsoleMessage(key string, args ...any) string {
	c, err := consoleCatalog()
	if err != nil {
		return key
	}
	return c.t(langEN, key, args...)
}
