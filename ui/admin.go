package ui

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

func (s *Server) registerParamRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermParamManage, h) }
	r.HandleFunc("/gov/admin/params", g(s.handleParams)).Methods("GET")
	r.HandleFunc("/gov/admin/params", g(s.handleParamsSave)).Methods("POST")
}

func (s *Server) paramsView(r *http.Request, form url.Values) (*view, error) {
	list, err := s.app.Params(actorOf(r))
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = url.Values{}
		for _, p := range list {
			form.Set(p.Key, p.Value)
		}
	}
	// Group in declaration order for the page.
	type group struct {
		Name   string
		Params []app.Param
	}
	var groups []group
	for _, p := range list {
		if len(groups) == 0 || groups[len(groups)-1].Name != p.Group {
			groups = append(groups, group{Name: p.Group})
		}
		groups[len(groups)-1].Params = append(groups[len(groups)-1].Params, p)
	}
	return &view{Title: "params.title", Nav: "params", Form: form, Data: groups}, nil
}

func (s *Server) handleParams(w http.ResponseWriter, r *http.Request) {
	v, err := s.paramsView(r, nil)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "params", v)
}

func (s *Server) handleParamsSave(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	list, err := s.app.Params(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	values := map[string]string{}
	var clear []string
	for _, p := range list {
		// An unchecked checkbox sends nothing: that means false.
		values[p.Key] = r.PostForm.Get(p.Key)
		if p.Secret && r.PostForm.Get("clear."+p.Key) != "" {
			clear = append(clear, p.Key)
		}
	}
	if err := s.app.SetParams(actorOf(r), values, clear...); err != nil {
		v, verr := s.paramsView(r, r.PostForm)
		if verr != nil {
			s.fail(w, r, verr, "", nil)
			return
		}
		s.fail(w, r, err, "params", v)
		return
	}
	s.setFlash(w, r, "params.saved")
	http.Redirect(w, r, "/gov/admin/params", http.StatusSeeOther)
}

func (s *Server) registerDictRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermDictManage, h) }
	r.HandleFunc("/gov/admin/dicts", g(s.handleDictRedirect)).Methods("GET")
	r.HandleFunc("/gov/admin/dicts/{kind}", g(s.handleDict)).Methods("GET")
	r.HandleFunc("/gov/admin/dicts/{kind}", g(s.handleDictSave)).Methods("POST")
}

func (s *Server) handleDictRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/gov/admin/dicts/"+string(app.DictDistrict), http.StatusSeeOther)
}

type dictData struct {
	Kind    app.DictKind
	Kinds   []app.DictKind
	Entries []*app.DictEntry
	EditID  uint64
}

func (s *Server) dictView(r *http.Request, kind app.DictKind, form url.Values, editID uint64) (*view, error) {
	entries, err := s.app.Dict(kind, false)
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = url.Values{"enabled": {"on"}}
		for _, e := range entries {
			if e.ID == editID {
				form = url.Values{"id": {strconv.FormatUint(e.ID, 10)}, "code": {e.Code}, "name": {e.Name},
					"name_en": {e.NameEn}, "sort": {strconv.Itoa(e.Sort)}}
				if e.Enabled {
					form.Set("enabled", "on")
				}
			}
		}
	}
	return &view{Title: "dict.title", Nav: "dicts", Form: form,
		Data: dictData{Kind: kind, Kinds: app.DictKinds, Entries: entries, EditID: editID}}, nil
}

func dictKindOf(r *http.Request) (app.DictKind, bool) {
	k := app.DictKind(mux.Vars(r)["kind"])
	for _, x := range app.DictKinds {
		if x == k {
			return k, true
		}
	}
	return "", false
}

func (s *Server) handleDict(w http.ResponseWriter, r *http.Request) {
	kind, ok := dictKindOf(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	edit, _ := strconv.ParseUint(r.URL.Query().Get("edit"), 10, 64)
	v, err := s.dictView(r, kind, nil, edit)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "dict", v)
}

func (s *Server) handleDictSave(w http.ResponseWriter, r *http.Request) {
	kind, ok := dictKindOf(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	_ = r.ParseForm()
	id, _ := strconv.ParseUint(r.PostForm.Get("id"), 10, 64)
	_, err := s.app.SaveDictEntry(actorOf(r), kind, id, app.DictInput{
		Code: r.PostForm.Get("code"), Name: r.PostForm.Get("name"), NameEn: r.PostForm.Get("name_en"),
		Sort: r.PostForm.Get("sort"), Enabled: r.PostForm.Get("enabled") == "on",
	})
	if err != nil {
		v, verr := s.dictView(r, kind, r.PostForm, id)
		if verr != nil {
			s.fail(w, r, verr, "", nil)
			return
		}
		s.fail(w, r, err, "dict", v)
		return
	}
	s.setFlash(w, r, "dict.saved")
	http.Redirect(w, r, "/gov/admin/dicts/"+string(kind), http.StatusSeeOther)
}

func (s *Server) registerAuditRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermAuditView, h) }
	r.HandleFunc("/gov/admin/audit", g(s.handleAudit)).Methods("GET")
	r.HandleFunc("/gov/admin/audit.csv", g(s.handleAuditCSV)).Methods("GET")
	r.HandleFunc("/gov/admin/audit/walk", g(s.handleAuditWalk)).Methods("POST")
}

// auditFilterOf reads the filter form; dates are whole local days. The
// user is looked for as the page names him: the system's words find the
// system's entries (actorQuery).
func (s *Server) auditFilterOf(r *http.Request, q url.Values) (app.AuditFilter, map[string]string) {
	user := s.actorQuery(pickLang(r, actorOf(r).Lang), q.Get("user"))
	f := app.AuditFilter{Username: user, Action: strings.TrimSpace(q.Get("action")),
		Record: strings.TrimSpace(q.Get("record"))}
	var errs map[string]string
	f.From, f.To, errs = dayRange(q)
	f.Before, _ = strconv.ParseUint(q.Get("before"), 10, 64)
	return f, errs
}

// auditOption is one choice of the audit page's action filter.
type auditOption struct{ Code, Label string }

// auditActionOptions lists every labelled audit action, in code order so
// that a subject's actions stay together, for a select: a clerk looking
// for "parameter changes" cannot be expected to know the code "param.set".
// A value not in the list (a prefix such as "user." from a link) is kept
// as its own option so that the filter shown is the filter applied.
func (s *Server) auditActionOptions(lang, current string) []auditOption {
	var out []auditOption
	known := false
	for _, k := range s.msgs.keys() {
		code, ok := strings.CutPrefix(k, "audit.action.")
		if !ok {
			continue
		}
		known = known || code == current
		out = append(out, auditOption{Code: code, Label: s.msgs.t(lang, k)})
	}
	if current != "" && !known {
		out = append([]auditOption{{Code: current, Label: current}}, out...)
	}
	return out
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, errs := s.auditFilterOf(r, q)
	v := &view{Title: "audit.title", Nav: "audit", Form: q}
	type auditData struct {
		Entries []*app.AuditEntry
		Next    string
		Report  app.AuditReport
		CSV     string
		// SearchedTo: the page stopped reading at an entry of that time
		// before it filled up; Next goes on searching.
		SearchedTo time.Time
		Actions    []auditOption
	}
	actions := s.auditActionOptions(pickLang(r, actorOf(r).Lang), f.Action)
	report, err := s.app.AuditChain(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	if len(errs) > 0 {
		v.Errors, v.Error = errs, "form.invalid"
		v.Data = auditData{Report: report, Actions: actions}
		s.render(w, r, http.StatusUnprocessableEntity, "audit", v)
		return
	}
	page, err := s.app.AuditLogPage(actorOf(r), f)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	next := page.Next
	d := auditData{Entries: page.Entries, Report: report, SearchedTo: page.SearchedTo, Actions: actions}
	csvQ := url.Values{}
	for _, k := range []string{"user", "action", "record", "from", "to"} {
		if q.Get(k) != "" {
			csvQ.Set(k, q.Get(k))
		}
	}
	d.CSV = "/gov/admin/audit.csv?" + csvQ.Encode()
	if next != 0 {
		nq := url.Values{}
		for k, vals := range csvQ {
			nq[k] = vals
		}
		nq.Set("before", strconv.FormatUint(next, 10))
		d.Next = "/gov/admin/audit?" + nq.Encode()
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "audit", v)
}

// auditDetail is an audit entry's detail as the reader reads it: its note
// (app.AuditNote) in lang, or Detail as written for an entry without one
// (every entry written before notes) or with a note this build cannot
// word (a key it does not know, from a newer build).
func (s *Server) auditDetail(lang string, e *app.AuditEntry) string {
	if e.Note != nil {
		if text, ok := s.auditNote(lang, e.Note); ok {
			return text
		}
	}
	return e.Detail
}

func (s *Server) auditNote(lang string, n *app.AuditNote) (string, bool) {
	if !s.msgs.has(n.Key) {
		return "", false
	}
	args := make([]any, len(n.Args))
	for i, a := range n.Args {
		switch {
		case a.Key != "":
			if !s.msgs.has(a.Key) {
				return "", false
			}
			args[i] = s.msgs.t(lang, a.Key)
		case a.Date != "":
			d, err := time.ParseInLocation(time.DateOnly, a.Date, time.Local)
			if err != nil {
				return "", false
			}
			args[i] = formatDate(lang, d)
		case a.Time != "":
			t, err := time.Parse(time.RFC3339, a.Time)
			if err != nil {
				return "", false
			}
			args[i] = formatDateTime(lang, t)
		case a.Keys != nil:
			words := make([]string, len(a.Keys))
			for j, k := range a.Keys {
				if !s.msgs.has(k) {
					return "", false
				}
				words[j] = s.msgs.t(lang, k)
			}
			args[i] = joinList(lang, words)
		case a.List != nil:
			// An update's changes; one change may hold a list of its own
			// (roles), hence not listSep.
			parts := make([]string, len(a.List))
			for j, m := range a.List {
				text, ok := s.auditNote(lang, m)
				if !ok {
					return "", false
				}
				parts[j] = text
			}
			sep := "; "
			if lang == langZH {
				sep = "；"
			}
			args[i] = strings.Join(parts, sep)
		case a.Text == "":
			args[i] = "—" // a district of a city-wide account, say
		default:
			args[i] = a.Text
		}
	}
	return s.msgs.t(lang, n.Key, args...), true
}

// handleAuditWalk starts a walk of the whole chain in the background; the
// audit page shows its progress and result.
func (s *Server) handleAuditWalk(w http.ResponseWriter, r *http.Request) {
	if err := s.app.StartAuditWalk(actorOf(r)); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.setFlash(w, r, "audit.walk_started")
	http.Redirect(w, r, "/gov/admin/audit", http.StatusSeeOther)
}

func (s *Server) handleAuditCSV(w http.ResponseWriter, r *http.Request) {
	f, errs := s.auditFilterOf(r, r.URL.Query())
	if len(errs) > 0 {
		key := errs["from"]
		if key == "" {
			key = errs["to"]
		}
		s.renderError(w, r, http.StatusUnprocessableEntity, key)
		return
	}
	f.Before = 0
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="anju-audit-%s.csv"`, time.Now().Format("20060102-150405")))
	if err := s.app.ExportAudit(actorOf(r), f, w); err != nil {
		s.log.Error("export audit", "request_id", requestID(r), "err", err)
	}
}

func (s *Server) registerBackupRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermBackup, h) }
	r.HandleFunc("/gov/admin/backups", g(s.handleBackups)).Methods("GET")
	r.HandleFunc("/gov/admin/backups/now", g(s.handleBackupNow)).Methods("POST")
	r.HandleFunc("/gov/admin/backups/{name}", g(s.handleBackupFile)).Methods("GET")
}

func (s *Server) handleBackups(w http.ResponseWriter, r *http.Request) {
	list, err := s.app.Backups(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	problem, err := s.app.ScheduledBackupProblem(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "backups", &view{Title: "backup.title", Nav: "backups", Data: struct {
		Files         []app.BackupFile
		IntervalHours int
		Keep          int
		DataDir       string // for the restore command, ready to copy
		RestoreCmd    string
		Problem       *app.BackupProblem
	}{list, s.app.ParamInt(app.ParamBackupHours), s.app.ParamInt(app.ParamBackupKeep), absDir(s.app.DataDir()),
		cmp.Or(s.cfg.RestoreCommand, "anju restore"), problem}})
}

// absDir is dir as an absolute path when it can be had: a command shown to
// copy must not depend on the folder it is run from.
func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// handleBackupNow streams a consistent copy of the store as a download.
func (s *Server) handleBackupNow(w http.ResponseWriter, r *http.Request) {
	name := "anju-" + time.Now().Format("20060102-150405") + ".db"
	n, err := s.app.WriteBackupTo(actorOf(r), name, func(size int64) io.Writer {
		downloadHeaders(w, name, size)
		return w
	})
	if err != nil {
		s.backupFailed(w, r, "backup download", n, err)
	}
}

// downloadHeaders declares a backup download with its exact length: a
// browser (or the CLI) that receives fewer bytes marks the download failed
// instead of keeping a shorter file that looks like a whole backup.
func downloadHeaders(w http.ResponseWriter, name string, size int64) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	if name != "" {
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
}

// backupFailed ends a backup download that failed after n bytes. Before the
// first byte the user still gets the error page with its request ID; after
// it the connection is broken off, so that the transfer fails (a handler
// that simply returned would end a chunked response cleanly). IT finds
// the detail in the log either way.
func (s *Server) backupFailed(w http.ResponseWriter, r *http.Request, what string, n int64, err error) {
	s.log.Error(what, "request_id", requestID(r), "bytes_sent", n, "err", err)
	if n > 0 {
		panic(http.ErrAbortHandler)
	}
	for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Length"} {
		w.Header().Del(k)
	}
	if _, ok := app.AsError(err); ok {
		s.fail(w, r, err, "", nil)
		return
	}
	s.renderError(w, r, http.StatusInternalServerError, "error.internal")
}

func (s *Server) handleBackupFile(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	// Declared and broken off as the fresh download is: a kept backup
	// whose read fails half way is a failed download, not a short file.
	n, err := s.app.SendBackup(actorOf(r), name, func(size int64) io.Writer {
		downloadHeaders(w, name, size)
		return w
	})
	if _, ok := app.AsError(err); ok && n == 0 {
		s.fail(w, r, err, "", nil) // not a listed backup: no fault for IT's log
		return
	}
	if err != nil {
		s.backupFailed(w, r, "backup file download", n, err)
	}
}

func (s *Server) registerStatusRoutes(r *mux.Router) {
	r.HandleFunc("/gov/admin/status", s.requireAuth(app.PortalGov, app.PermStatusView, s.handleStatus)).Methods("GET")
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.Status(actorOf(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "status", &view{Title: "status.title", Nav: "status", Data: st})
}
