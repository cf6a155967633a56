package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// startingRetry is how many seconds a client is told to wait while the
// platform starts: the page's self-refresh and the Retry-After header.
const startingRetry = 5

// startingHandler answers while the platform starts. The port is taken
// before the data file is opened (so that a second copy is told at once
// that the address is in use), and a migration of a large file or the
// first administrator's and the demo's set-up can take minutes: without
// an answer, a browser spins and a listing platform's call times out with
// nothing to tell its user. It needs neither the store nor a session.
type startingHandler struct {
	msgs   *catalog
	assets *assets
	pages  map[string][]byte // language -> the rendered page
}

// Starting returns the handler that serves while the platform starts: a
// small page in the visitor's language that reloads itself, a JSON error
// "starting" on the API and "starting" on /healthz, all 503 with
// Retry-After. The caller swaps in New's handler when the start is over.
func Starting() (http.Handler, error) {
	h := &startingHandler{pages: map[string][]byte{}}
	var err error
	if h.msgs, err = sharedCatalog(); err != nil {
		return nil, err
	}
	if h.assets, err = sharedAssets(); err != nil {
		return nil, err
	}
	// Outside templates/*.html: the layout every page shares needs the
	// bureau's branding, which is in the store not yet opened.
	t, err := template.ParseFS(templateFiles, "templates/standalone/starting.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range languages {
		var buf bytes.Buffer
		err := t.Execute(&buf, struct {
			Lang, Title, Text, Hint, CSS string
			Secs                         int
		}{lang, h.msgs.t(lang, "starting.title"), h.msgs.t(lang, "starting.text", startingRetry),
			h.msgs.t(lang, "starting.hint"), h.assets.url("app.css"), startingRetry})
		if err != nil {
			return nil, fmt.Errorf("starting page: %w", err)
		}
		h.pages[lang] = buf.Bytes()
	}
	return withRequestID(securityHeaders(h)), nil
}

func (h *startingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/static/") {
		h.assets.ServeHTTP(w, r) // the page's stylesheet
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(startingRetry))
	switch {
	case r.URL.Path == "/healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("starting\n"))
	case strings.HasPrefix(r.URL.Path, "/internal/"):
		// anju backup, reset-password… of this machine, sent here by the
		// control file a crashed run left behind: they print this error.
		writeAPIBody(w, http.StatusServiceUnavailable, apiJSON(map[string]string{"error": "the platform is still starting " +
			"(migrating the data file, loading); try again once it serves (its log says \"anju serving\")"}))
	case strings.HasPrefix(r.URL.Path, "/api/"):
		writeAPIBody(w, http.StatusServiceUnavailable, apiJSON(apiErrorBody{apiError{Code: "starting",
			Message: h.msgs.t(apiLang(r), "api.starting", startingRetry), RequestID: requestID(r)}}))
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		if r.Method != http.MethodHead {
			_, _ = w.Write(h.pages[pickLang(r, "")])
		}
	}
}
