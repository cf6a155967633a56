package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerListRoutes registers the red and black lists (红黑名单): the
// government's list, entry, proposal, review and 注销 pages, and the public
// red and black list pages (ui/lists_public.go).
func (s *Server) registerListRoutes(r *mux.Router) {
	gov := func(perm app.Permission, h http.HandlerFunc) http.HandlerFunc {
		return s.requireAuth(app.PortalGov, perm, h)
	}
	r.HandleFunc("/gov/lists", gov(app.PermListView, s.handleListEntries)).Methods("GET")
	r.HandleFunc("/gov/lists/new", gov(app.PermListPropose, s.handleListProposeForm)).Methods("GET")
	r.HandleFunc("/gov/lists/new", gov(app.PermListPropose, s.handleListPropose)).Methods("POST")
	r.HandleFunc("/gov/lists/{id:[0-9]+}", gov(app.PermListView, s.handleListEntry)).Methods("GET")
	r.HandleFunc("/gov/lists/{id:[0-9]+}/evidence", gov(app.PermListView, s.handleListEvidence)).Methods("GET")
	r.HandleFunc("/gov/lists/{id:[0-9]+}/approve", s.requireListReviewer(s.handleListApprove)).Methods("POST")
	r.HandleFunc("/gov/lists/{id:[0-9]+}/reject", s.requireListReviewer(s.handleListReject)).Methods("POST")
	r.HandleFunc("/gov/lists/{id:[0-9]+}/revoke", gov(app.PermListRevoke, s.handleListRevoke)).Methods("POST")

	r.HandleFunc("/lists/red", s.handlePublicList).Methods("GET")
	r.HandleFunc("/lists/black", s.handlePublicList).Methods("GET")
}

// requireListReviewer lets only reviewers decide a proposed entry; anyone
// else of the government portal is told that it takes a reviewer.
func (s *Server) requireListReviewer(h http.HandlerFunc) http.HandlerFunc {
	return s.requireAuth(app.PortalGov, "", func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		if !a.Can(app.PermListReview) {
			s.log.Warn("forbidden", "request_id", requestID(r), "user", a.Username, "path", r.URL.Path, "permission", app.PermListReview)
			s.render(w, r, http.StatusForbidden, "list_denied", &view{Title: "error.forbidden_title", Nav: "lists",
				Data: "/gov/lists/" + strconv.FormatUint(pathID(r), 10)})
			return
		}
		h(w, r)
	})
}

// listsData is the government's list page.
type listsData struct {
	Result    app.ListPage
	Pager     pager
	Districts []*app.DictEntry
	Lists     []string
	Kinds     []string
	Statuses  []string
}

// handleListEntries lists the entries of the actor's jurisdiction. A
// reviewer lands on the proposals waiting for him.
func (s *Server) handleListEntries(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	if !q.Has("status") && a.Can(app.PermListReview) {
		q.Set("status", app.ListPending)
	}
	f := app.ListFilter{List: q.Get("list"), Kind: q.Get("kind"), District: q.Get("district"), Status: q.Get("status"), Text: q.Get("q")}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	res, err := s.app.Lists(a, f)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d := listsData{Result: res, Pager: newPager(r, res.Page, res.Pages), Districts: s.enabledDistricts(),
		Lists: app.ListKinds, Kinds: []string{app.SubjectAgency, app.SubjectPractitioner}, Statuses: app.ListStatuses}
	s.render(w, r, http.StatusOK, "list_entries", &view{Title: "lists.title", Nav: "lists", Form: q, Data: d})
}

// listEntryData is an entry's page.
type listEntryData struct {
	E         *app.ListEntry
	CanReview bool
	ReviewWhy string // why the review buttons are not offered
	// ApproveBlocked: why approval is refused now (only rejection offered)
	ApproveBlocked *app.Error
	CanRevoke      bool
	Superseder     *app.ListEntry // the black entry that ended this red one
	SubjectURL     string         // the subject's page in the government portal
}

func (s *Server) handleListEntry(w http.ResponseWriter, r *http.Request) {
	s.renderListEntry(w, r, http.StatusOK, nil)
}

// renderListEntry shows an entry; v carries the errors of a failed
// decision or 注销 (nil: none).
func (s *Server) renderListEntry(w http.ResponseWriter, r *http.Request, status int, v *view) {
	a := actorOf(r)
	e, err := s.app.GetListEntry(a, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d := listEntryData{E: e, CanRevoke: app.CanRevokeListEntry(a, e)}
	if e.Status == app.ListPending {
		d.CanReview, d.ReviewWhy = s.app.CanReviewListEntry(a, e.ID)
		if d.CanReview {
			d.ApproveBlocked = s.app.ListApprovalBlocked(a, e.ID)
		}
	}
	if e.SupersededBy != 0 {
		d.Superseder, _ = s.app.GetListEntry(a, e.SupersededBy)
	}
	switch {
	case e.Subject.Kind == app.SubjectAgency && a.Can(app.PermAgencyView):
		d.SubjectURL = "/gov/agencies/" + strconv.FormatUint(e.Subject.ID, 10)
	case e.Subject.Kind == app.SubjectPractitioner && a.Can(app.PermPractitionerView):
		d.SubjectURL = "/gov/practitioners/" + strconv.FormatUint(e.Subject.ID, 10)
	}
	if v == nil {
		v = &view{}
	}
	v.Title, v.Nav, v.Data = "lists.entry_title", "lists", d
	s.render(w, r, status, "list_entry", v)
}

func (s *Server) handleListEvidence(w http.ResponseWriter, r *http.Request) {
	info, data, err := s.app.ListEvidence(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	serveDocument(w, info.ContentType, data)
}

// entryAgain shows the entry with the problem of a failed action: a
// field's message next to it, anything else at the top.
func (s *Server) entryAgain(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := app.AsError(err)
	if !ok || e.Code == app.ENOTFOUND {
		s.fail(w, r, err, "", nil)
		return
	}
	v := &view{Form: r.PostForm, Errors: e.Fields, Error: e.Key, ErrorArgs: e.Args}
	if len(e.Fields) > 0 {
		v.Error = "form.invalid"
	}
	s.renderListEntry(w, r, statusOf(e.Code), v)
}

func (s *Server) handleListApprove(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if _, err := s.app.ApproveListEntry(actorOf(r), pathID(r)); err != nil {
		s.entryAgain(w, r, err)
		return
	}
	s.setFlash(w, r, "lists.approved_flash")
	http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/approve"), http.StatusSeeOther)
}

func (s *Server) handleListReject(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if _, err := s.app.RejectListEntry(actorOf(r), pathID(r), r.PostForm.Get("reject_reason")); err != nil {
		s.entryAgain(w, r, err)
		return
	}
	s.setFlash(w, r, "lists.rejected_flash")
	http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/reject"), http.StatusSeeOther)
}

func (s *Server) handleListRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if _, err := s.app.RevokeListEntry(actorOf(r), pathID(r), r.PostForm.Get("revoke_reason")); err != nil {
		s.entryAgain(w, r, err)
		return
	}
	s.setFlash(w, r, "lists.revoked_flash")
	http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/revoke"), http.StatusSeeOther)
}

// listFormData is the proposal form.
type listFormData struct {
	Subject *app.SubjectInfo // the subject a link from its page named
	Lists   []string
	Min     string // the earliest expiry date (tomorrow)
}

// handleListProposeForm opens the proposal form, for ?subject=agency:12
// (a link from the subject's page) filled in with that subject.
func (s *Server) handleListProposeForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	form := url.Values{"list": {app.ListBlack}, "subject_kind": {app.SubjectAgency},
		"expires": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}}
	if l := q.Get("list"); l == app.ListRed || l == app.ListBlack {
		form.Set("list", l)
	}
	d := listFormData{Lists: app.ListKinds}
	if sub, ok := app.ParseSubject(q.Get("subject")); ok {
		if info, err := s.app.ListSubject(actorOf(r), sub.Kind, sub.String()); err == nil {
			d.Subject = &info
			form.Set("subject_kind", info.Kind)
			form.Set("subject", info.Code)
		}
	}
	s.renderListForm(w, r, http.StatusOK, form, d, nil)
}

func (s *Server) renderListForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, d listFormData, err error) {
	d.Lists = app.ListKinds
	d.Min = time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	v := &view{Title: "lists.new_title", Nav: "lists", Form: form, Data: d}
	if err != nil {
		s.fail(w, r, err, "list_form", v)
		return
	}
	s.render(w, r, status, "list_form", v)
}

func (s *Server) handleListPropose(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, app.ListEvidenceMaxBytes+64<<10)
	in, err := readListProposal(r)
	if err == nil {
		var e *app.ListEntry
		if e, err = s.app.ProposeListEntry(actorOf(r), in); err == nil {
			s.setFlash(w, r, "lists.proposed_flash")
			http.Redirect(w, r, "/gov/lists/"+strconv.FormatUint(e.ID, 10), http.StatusSeeOther)
			return
		}
	}
	s.renderListForm(w, r, 0, r.PostForm, listFormData{}, err)
}

// readListProposal reads the form (readUploadForm): what was typed is kept
// even when the document is over the limit (that is the document field's
// error).
func readListProposal(r *http.Request) (app.ListProposal, error) {
	var in app.ListProposal
	files, _, err := readUploadForm(r, "doc", app.ListEvidenceMaxBytes, 8<<10)
	f := r.PostForm
	in.List, in.SubjectKind, in.SubjectRef = f.Get("list"), f.Get("subject_kind"), f.Get("subject")
	in.Reason, in.Basis, in.Expires = f.Get("reason"), f.Get("basis"), f.Get("expires")
	if len(files) > 0 {
		in.Doc, in.DocName = files[0].Data, files[0].Name
	}
	switch {
	case errors.Is(err, errUploadTooBig):
		return in, fieldErr("doc", "lists.doc_too_big")
	case err != nil:
		return in, app.Errorf(app.EINVALID, "lists.form_unreadable")
	}
	return in, nil
}

// blacklistBanner is the warning every page of the agency portal shows
// while the signed-in user's agency is on the black list ("" otherwise).
func (s *Server) blacklistBanner(v *view) string {
	if v.Portal != "agency" || v.Actor == nil || v.Actor.AgencyID == 0 {
		return ""
	}
	e, ok := s.app.AgencyBlacklisted(v.Actor.AgencyID)
	if !ok {
		return ""
	}
	reason := strings.TrimRight(s.entryReason(v.Lang, e.List, e.Source, e.Reason, e.Score, e.Threshold), "。. ")
	msg := s.msgs.t(v.Lang, "lists.banner", reason,
		formatDate(v.Lang, e.Listed), formatDate(v.Lang, e.Expires))
	if s.app.ParamBool(app.ParamListBlockBlack) {
		msg += " " + s.msgs.t(v.Lang, "lists.banner_blocked")
	}
	return msg
}

// entryReason is an entry's reason as a user reads it: an automatic
// entry's is its score and the threshold it crossed.
func (s *Server) entryReason(lang, list, source, reason string, score, threshold int) string {
	if source == app.ListSourceAuto {
		return s.msgs.t(lang, "lists.auto_reason."+list, score, threshold)
	}
	return reason
}

// listMarks are a subject's active entries as the government's agency and
// practitioner pages show them (a warning for whoever serves the agency at
// the counter), or the tags of a line of a list.
type listMarks struct {
	Entries []*app.ListEntry
	Link    bool // the entries' pages may be opened
}

// ListMarks returns a subject's active entries for its pages in the
// government and agency portals (active entries are public; an agency
// reads its own and its people's where it reads their credit):
// {{template "lists_gov_marks" ($.ListMarks "agency" .ID)}}.
func (v *view) ListMarks(kind string, id uint64) listMarks {
	if v.Portal != "gov" && v.Portal != "agency" {
		return listMarks{}
	}
	entries, err := v.s.app.ActiveEntries(app.Subject{Kind: kind, ID: id})
	if err != nil {
		v.s.log.Error("list entries of subject", "kind", kind, "id", id, "err", err)
	}
	return listMarks{Entries: entries, Link: v.Portal == "gov" && v.Can(string(app.PermListView))}
}
