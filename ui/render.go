package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/app"
)

//go:embed all:templates
var templateFiles embed.FS

// pages holds every page template, parsed once per language so that the
// "t" function needs no language argument.
type pages struct {
	byLang map[string]map[string]*template.Template // lang -> page name -> template
	shells map[string]map[string]*template.Template // the same for shellPages, "content" a marker
}

// view is what every page template receives.
type view struct {
	Lang       string
	Title      string // message key
	Portal     string // "gov", "agency" or "public"
	Nav        string // active navigation item
	Actor      *app.Actor
	Brand      app.Branding
	Flash      string // message key of a one-time notice
	Rebuilding bool
	Blacklist  string // agency portal: the warning of a blacklisted agency (ui/credit_lists.go)
	RequestID  string
	Path       string
	Form       url.Values
	Errors     map[string]string // field -> message key
	ErrorsArgs map[string][]any  // field -> its message's arguments, if any
	Error      string            // message key of a page-level error
	ErrorArgs  []any
	Data       any
	s          *Server
}

// Can reports whether the signed-in actor holds a permission (to show or
// hide links; the server checks again on every request).
func (v *view) Can(p string) bool { return v.Actor != nil && v.Actor.Can(app.Permission(p)) }

// SignedInHere reports whether the page is framed for its signed-in user:
// his name, sign-out and menu. Not on the public portal, nor at the other
// portal's sign-in page, where the menu would be that portal's links he
// may not open (an agent at /gov/login).
func (v *view) SignedInHere() bool {
	return v.Actor != nil && v.Portal != "public" && v.Actor.Can(portalPerm(app.Portal(v.Portal)))
}

// OwnPortal is the portal of the signed-in user ("" if none).
func (v *view) OwnPortal() string {
	if v.Actor == nil {
		return ""
	}
	return ownPortal(*v.Actor)
}

// Own reports whether the signed-in actor entered a queue's item himself:
// he may not review it (the record's Own, the rule its decision applies).
func (v *view) Own(item interface{ Own(app.Actor) bool }) bool {
	return v.Actor != nil && item.Own(*v.Actor)
}

// Value returns a submitted form value (kept on a failed submit).
func (v *view) Value(field string) string { return v.Form.Get(field) }

// HasValue reports whether a multi-valued field holds val.
func (v *view) HasValue(field, val string) bool {
	for _, x := range v.Form[field] {
		if x == val {
			return true
		}
	}
	return false
}

func parsePages(s *Server) (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	partialNames, err := fs.Glob(templateFiles, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	partials, err := readPartials(templateFiles, partialNames)
	if err != nil {
		return nil, err
	}
	needs := map[string][]string{} // page file -> the partial files it needs
	for _, n := range names {
		if !strings.HasPrefix(n, "templates/_") {
			if needs[n], err = partials.needs(templateFiles, n); err != nil {
				return nil, err
			}
		}
	}
	p := &pages{byLang: map[string]map[string]*template.Template{}, shells: map[string]map[string]*template.Template{}}
	for _, lang := range languages {
		// One base set per combination of partial files pages need
		// (template_deps.go), each page a clone of its own.
		bases := map[string]*template.Template{}
		p.byLang[lang] = map[string]*template.Template{}
		p.shells[lang] = map[string]*template.Template{}
		for _, n := range names {
			name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			if strings.HasPrefix(name, "_") {
				continue
			}
			need := needs[n]
			key := strings.Join(need, ",")
			base := bases[key]
			if base == nil {
				if base, err = template.New("").Funcs(s.funcs(lang)).ParseFS(templateFiles, need...); err != nil {
					return nil, err
				}
				bases[key] = base
			}
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if t, err = t.ParseFS(templateFiles, n); err != nil {
				return nil, fmt.Errorf("parse %s: %w", n, err)
			}
			if err := inlineMessages(t, "page", lang, s.msgs); err != nil {
				return nil, fmt.Errorf("escape %s: %w", n, err)
			}
			p.byLang[lang][name] = t
			if shellPages[name] {
				sh, err := parseShell(base, n)
				if err == nil {
					err = inlineMessages(sh, "page", lang, s.msgs)
				}
				if err != nil {
					return nil, err
				}
				p.shells[lang][name] = sh
			}
		}
	}
	return p, nil
}

// parseShell parses page file n over base with its "content" replaced by
// contentMarker (ui/public_cache.go). base is never executed, so it can be
// cloned again.
func parseShell(base *template.Template, n string) (*template.Template, error) {
	t, err := base.Clone()
	if err == nil {
		t, err = t.ParseFS(templateFiles, n)
	}
	if err == nil {
		t, err = t.Parse(`{{define "content"}}` + contentMarker + `{{end}}`)
	}
	if err != nil {
		return nil, fmt.Errorf("parse the shell of %s: %w", n, err)
	}
	return t, nil
}

func (s *Server) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) string {
			if !s.msgs.has(key) {
				panic("missing message " + key)
			}
			return s.msgs.t(lang, key, args...)
		},
		"date": func(t time.Time) string { return formatDate(lang, t) },
		// typedDate is a date kept in a form as typed (YYYY-MM-DD), shown
		// like every other date; anything else (a draft's mistake) as typed.
		"typedDate": func(s string) string {
			t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), time.Local)
			if err != nil {
				return s
			}
			return formatDate(lang, t)
		},
		// errText is an app error's message, for a reason shown in a page.
		"errText":  func(e *app.Error) string { return s.msgs.t(lang, e.Key, e.Args...) },
		"duration": func(d time.Duration) string { return formatDuration(lang, d) },
		"auditAction": func(code string) string {
			if k := "audit.action." + code; s.msgs.has(k) {
				return s.msgs.t(lang, k)
			}
			return code
		},
		"auditDetail": func(e *app.AuditEntry) string { return s.auditDetail(lang, e) },
		"datetimeSec": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return formatDate(lang, t) + " " + t.Local().Format("15:04:05")
		},
		"datetime":      func(t time.Time) string { return formatDateTime(lang, t) },
		"month":         func(t time.Time) string { return formatMonth(lang, t) },
		"asset":         s.assets.url,
		"maskPhone":     app.MaskPhone,
		"maskID":        app.MaskID,
		"role":          func(r app.Role) string { return s.msgs.t(lang, "role."+string(r)) },
		"bytes":         humanBytes,
		"add":           func(a, b int) int { return a + b },
		"district":      func(code string) string { return s.districtName(lang, code) },
		"joinList":      func(xs []string) string { return joinList(lang, xs) },
		"listSep":       func() string { return listSep(lang) },
		"paren":         func(s string) string { return paren(lang, s) },
		"colon":         func() string { return colon(lang) },
		"field":         func(v *view, f string) fieldRef { return fieldRef{v, f} },
		"inp":           newInputRef,
		"dict":          dict,
		"vcode":         app.FormatVerificationCode,
		"maskName":      app.MaskName,
		"partyName":     app.Party.Shown,
		"partyIDNo":     app.Party.ShownIDNo,
		"hasMsg":        s.msgs.has,
		"list":          func(xs ...string) []string { return xs },
		"capital":       func(wan float64) string { return capitalAmount(lang, wan) },
		"eventNote":     func(action, note string) string { return s.eventNote(lang, action, note) },
		"eventTitle":    func(action, note string) string { return s.eventTitle(lang, action, note) },
		"attemptReason": func(at *app.VerifyAttempt) string { return s.attemptReason(lang, at) },
		// actor names whoever did something: a person, or the system in
		// words (ui/actor.go).
		"actor": func(who any, name ...string) string { return s.actorWords(lang, who, name...) },

		// maskPersonal is for free text that may hold a mobile or ID number
		// among other words (an API key's contact "王五 13912345678").
		"maskPersonal": app.MaskPersonalData,

		// filingNeedsScan: the application form asks for the scan of a paper
		// contract entered without it.
		"filingNeedsScan": app.FilingNeedsScan,
	}
}

// capitalAmount writes a registered capital kept in 万元 as its message
// (directory.capital_value) wants it: 500 in Chinese (500 万元), 5,000,000
// in English (CNY 5,000,000), where "500 × 10,000" is no way to say it.
func capitalAmount(lang string, wan float64) string {
	if lang == langZH {
		return strconv.FormatFloat(wan, 'f', -1, 64)
	}
	yuan := strconv.FormatInt(int64(math.Round(wan*10000)), 10)
	var b strings.Builder
	for i, c := range yuan {
		if i > 0 && (len(yuan)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// render writes a page; a template error is logged and turned into the
// internal-error page (the buffer keeps half a page from reaching users).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	s.fillView(w, r, v)
	t, ok := s.pages.byLang[v.Lang][name]
	if !ok {
		s.log.Error("no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", v); err != nil {
		s.log.Error("render page", "page", name, "request_id", requestID(r), "err", err)
		if name != "error" {
			s.renderError(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (s *Server) fillView(w http.ResponseWriter, r *http.Request, v *view) {
	v.s = s
	au := authOf(r)
	userLang := ""
	if au != nil {
		v.Actor = &au.actor
		userLang = au.actor.Lang
	}
	v.Lang = pickLang(r, userLang)
	v.Brand = s.app.Branding()
	v.RequestID = requestID(r)
	v.Path = r.URL.RequestURI()
	v.Rebuilding = s.app.SearchRebuilding()
	if v.Portal == "" {
		v.Portal = portalOfPath(r.URL.Path)
		// A signed-in user at the other portal's address (a page not
		// found there, a refusal) is framed by his own portal: its menu
		// and its sign-out work for him.
		if v.Actor != nil && v.Portal != "public" && !v.Actor.Can(portalPerm(app.Portal(v.Portal))) {
			v.Portal = ownPortal(*v.Actor)
		}
	}
	v.Blacklist = s.blacklistBanner(v)
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if v.Flash == "" {
		v.Flash = s.takeFlash(w, r)
	}
}

func portalOfPath(p string) string {
	switch {
	case strings.HasPrefix(p, "/gov"):
		return "gov"
	case strings.HasPrefix(p, "/agency"):
		return "agency"
	}
	return "public"
}

// renderError shows an error page with the message and the request ID. A
// refusal (403) is titled as one: "出错了" made a missing permission read
// like a fault to report to IT.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	title := "error.title"
	if status == http.StatusForbidden {
		title = "error.forbidden_title"
	}
	s.render(w, r, status, "error", &view{Title: title, Error: key, ErrorArgs: args})
}

// fail shows err: a validation error re-renders the form (page, v) with
// each field's message and the input kept; a known error shows its message
// with the matching status; anything else is logged in full and shown as
// an internal error with the request ID.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error, page string, v *view) {
	e, ok := app.AsError(err)
	if !ok {
		s.log.Error("request failed", "request_id", requestID(r), "path", r.URL.Path, "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	status := statusOf(e.Code)
	if page != "" && v != nil && (len(e.Fields) > 0 || e.Code == app.EINVALID || e.Code == app.ECONFLICT || e.Code == app.ELOCKED || e.Code == app.EUNAUTHORIZED) {
		v.Errors, v.ErrorsArgs = e.Fields, e.FieldArgs
		if len(e.Fields) == 0 || e.Key != "form.invalid" {
			v.Error, v.ErrorArgs = e.Key, e.Args
		} else {
			v.Error = "form.invalid"
		}
		s.render(w, r, status, page, v)
		return
	}
	if e.Code == app.EUNAUTHORIZED {
		s.redirectToLogin(w, r)
		return
	}
	s.renderError(w, r, status, e.Key, e.Args...)
}

func statusOf(c app.Code) int {
	switch c {
	case app.EINVALID:
		return http.StatusUnprocessableEntity
	case app.ENOTFOUND:
		return http.StatusNotFound
	case app.EFORBIDDEN:
		return http.StatusForbidden
	case app.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case app.ECONFLICT:
		return http.StatusConflict
	case app.ELOCKED:
		return http.StatusTooManyRequests
	case app.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "error.not_found")
}

func (s *Server) handleMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusMethodNotAllowed, "error.method")
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// districtName shows a district code with its dictionary name.
func (s *Server) districtName(lang, code string) string {
	if code == "" {
		return s.msgs.t(lang, "jurisdiction.city")
	}
	name, ok, err := s.app.DictLabel(app.DictDistrict, code, lang)
	if err != nil {
		s.log.Error("load districts", "err", err)
	}
	if !ok {
		return code
	}
	return name
}

// FieldError returns the message key of a field's problem, if any.
func (v *view) FieldError(field string) string { return v.Errors[field] }

// FieldMessage is a field's problem translated with its arguments (the
// value that is wrong, where the message names it).
func (v *view) FieldMessage(field string) string {
	key := v.Errors[field]
	if !v.s.msgs.has(key) {
		panic("missing message " + key) // as the templates' t: a test finds it
	}
	return v.s.msgs.t(v.Lang, key, v.ErrorsArgs[field]...)
}

// ErrorMessage is the page-level error translated with its arguments.
func (v *view) ErrorMessage() string { return v.s.msgs.t(v.Lang, v.Error, v.ErrorArgs...) }

// fieldRef lets the "ferr" template know the view and the field name.
type fieldRef struct {
	V *view
	F string
}

// inputRef is a labelled text input for the "input" template: {{template
// "input" (inp . "field" "label.key" "req" "type=date" "hint=key")}}.
type inputRef struct {
	V                 *view
	F, Label, Type    string
	Hint, Placeholder string
	Req               bool
}

func newInputRef(v *view, field, label string, opts ...string) inputRef {
	in := inputRef{V: v, F: field, Label: label, Type: "text"}
	for _, o := range opts {
		k, val, _ := strings.Cut(o, "=")
		switch k {
		case "req":
			in.Req = true
		case "type":
			in.Type = val
		case "hint":
			in.Hint = val
		case "placeholder":
			in.Placeholder = val
		}
	}
	return in
}

// dict builds a map from key, value pairs, to pass several values to a
// template: {{template "x" (dict "V" $ "F" .Form)}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// backEntered tells the "created" entry of a back-entered (paper)
// contract: its note is the code app.BackEntryNote, or the text written in
// both languages before it was a code.
func backEntered(action, note string) bool {
	return action == "created" && (note == app.BackEntryNote || strings.HasPrefix(note, "纸质合同补录"))
}

// eventTitle names a history entry's action. A paper contract was entered,
// not drafted: its first entry says so instead of 创建草稿.
func (s *Server) eventTitle(lang, action, note string) string {
	switch {
	case backEntered(action, note):
		return s.msgs.t(lang, "contracts.event.backentered")
	case s.msgs.has("contracts.event." + action):
		return s.msgs.t(lang, "contracts.event."+action)
	}
	return action
}

// eventNote shows a history entry's note. Some notes start with a code
// (a party's role when he confirmed, a document's kind when it was added):
// the code is shown by its name in lang; any other note as it was written,
// with the phones and ID numbers a typed reason may carry partly hidden.
func (s *Server) eventNote(lang, action, note string) string {
	note = app.MaskPersonalData(note)
	code, rest, _ := strings.Cut(note, " ")
	if action == "revoked" || action == "revocation_recorded" {
		// "2026-12-15 reason": the date as every other date.
		if d, err := time.ParseInLocation(time.DateOnly, code, time.Local); err == nil {
			return strings.TrimSpace(formatDate(lang, d) + " " + rest)
		}
	}
	switch {
	case backEntered(action, note):
		return "" // eventTitle says it
	case action == "code_released", action == "created" && app.CheckVerificationCode(note) == app.VCodeOK:
		// The verification code signed on, grouped as everywhere else.
		return app.FormatVerificationCode(note)
	case action == "signed" && rest != "":
		// A back-entered contract's "number paper's date".
		if d, err := time.ParseInLocation(time.DateOnly, rest, time.Local); err == nil {
			return s.msgs.t(lang, "contracts.note.signed_on", code, formatDate(lang, d))
		}
	}
	prefix := map[string]string{"confirmed": "contract.role.", "doc_added": "contract.doc."}[action]
	if prefix == "" || !s.msgs.has(prefix+code) {
		return note
	}
	return strings.TrimSpace(s.msgs.t(lang, prefix+code) + " " + rest)
}
