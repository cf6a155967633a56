package ui

import (
	"errors"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerAnnouncementRoutes registers announcements 公告 (信息公示): the
// clerks' pages under /gov/announcements and the public list, detail and
// attachments under /announcements (ui/announcements_public.go).
func (s *Server) registerAnnouncementRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermAnnounce, h) }
	r.HandleFunc("/gov/announcements", g(s.handleAnnouncementList)).Methods("GET")
	r.HandleFunc("/gov/announcements", g(s.handleAnnouncementCreate)).Methods("POST")
	r.HandleFunc("/gov/announcements/new", g(s.handleAnnouncementNew)).Methods("GET")
	r.HandleFunc("/gov/announcements/{id:[0-9]+}", g(s.handleAnnouncementShow)).Methods("GET")
	r.HandleFunc("/gov/announcements/{id:[0-9]+}/edit", g(s.handleAnnouncementEdit)).Methods("GET")
	r.HandleFunc("/gov/announcements/{id:[0-9]+}/edit", g(s.handleAnnouncementSave)).Methods("POST")
	r.HandleFunc("/gov/announcements/{id:[0-9]+}/withdraw", g(s.handleAnnouncementWithdraw)).Methods("POST")
	r.HandleFunc("/gov/announcements/{id:[0-9]+}/delete", g(s.handleAnnouncementDelete)).Methods("POST")
	r.HandleFunc("/gov/announcements/{id:[0-9]+}/file", g(s.handleAnnouncementFile)).Methods("GET")

	r.HandleFunc("/announcements", s.handlePublicAnnouncements).Methods("GET")
	r.HandleFunc("/announcements/{id:[0-9]+}", s.handlePublicAnnouncement).Methods("GET")
	r.HandleFunc("/announcements/{id:[0-9]+}/file", s.handlePublicAnnouncementFile).Methods("GET")
}

// annMaxUpload bounds one submission of the form: a few attachments at
// their size limit plus the text.
const annMaxUpload = 3*app.AnnFileMaxBytes + 1<<20

// annTimeLayout is the datetime-local inputs' format.
const annTimeLayout = "2006-01-02T15:04"

const annPageSize = 20

type annListData struct {
	Result     app.AnnouncementPage
	Pager      pager
	States     []string
	Categories []string
}

func (s *Server) handleAnnouncementList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := app.AnnouncementFilter{Category: q.Get("category"), Text: q.Get("q"), Size: annPageSize}
	if st := q.Get("state"); slices.Contains(app.AnnouncementStates, st) {
		f.State = st
	}
	if !slices.Contains(app.AnnouncementCategories, f.Category) {
		f.Category = ""
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	res, err := s.app.ListAnnouncements(actorOf(r), f)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "announcements", &view{Title: "announce.list_title", Nav: "announcements", Form: q,
		Data: annListData{Result: res, Pager: newPager(r, res.Page, res.Pages), States: app.AnnouncementStates,
			Categories: app.AnnouncementCategories}})
}

// annFormData is the create and edit form.
type annFormData struct {
	A           *app.AnnouncementDetail // nil: a new one
	Categories  []string
	Districts   []*app.DictEntry // a city-wide clerk chooses; a district clerk's is his
	CityWide    bool
	FilesChosen bool // the failed submission had files, which must be chosen again
	MaxFiles    int
	MaxMB       int
}

func (s *Server) annForm(r *http.Request, an *app.AnnouncementDetail) *annFormData {
	a := actorOf(r)
	d := &annFormData{A: an, Categories: app.AnnouncementCategories, CityWide: a.District == "",
		MaxFiles: app.AnnFilesMax, MaxMB: app.AnnFileMaxBytes >> 20}
	if d.CityWide && an != nil {
		d.Districts = s.dictOptions(app.DictDistrict, an.District)
	} else if d.CityWide {
		d.Districts = s.enabledDistricts()
	}
	return d
}

func (s *Server) renderAnnForm(w http.ResponseWriter, r *http.Request, status int, d *annFormData, v *view) {
	v.Title, v.Nav, v.Data = "announce.new_title", "announcements", d
	if d.A != nil {
		v.Title = "announce.edit_title"
	}
	s.render(w, r, status, "announcement_form", v)
}

func (s *Server) handleAnnouncementNew(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"category": {app.AnnounceNotice}, "district": {actorOf(r).District}}
	s.renderAnnForm(w, r, http.StatusOK, s.annForm(r, nil), &view{Form: form})
}

func (s *Server) handleAnnouncementCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, annMaxUpload)
	in, chosen, err := readAnnouncementForm(r)
	var an *app.Announcement
	if err == nil {
		an, err = s.app.CreateAnnouncement(actorOf(r), in)
	}
	if err != nil {
		d := s.annForm(r, nil)
		d.FilesChosen = chosen
		s.fail(w, r, err, "announcement_form", &view{Title: "announce.new_title", Nav: "announcements", Form: r.PostForm, Data: d})
		return
	}
	s.setFlash(w, r, annSavedFlash(in.Release, an))
	http.Redirect(w, r, "/gov/announcements/"+strconv.FormatUint(an.ID, 10), http.StatusSeeOther)
}

// annSavedFlash says what saving did: a draft kept, released now or for
// later, or a new version.
func annSavedFlash(release bool, an *app.Announcement) string {
	switch {
	case an.Status == app.AnnDraft:
		return "announce.saved_draft"
	case release && an.PublishAt.After(an.Released):
		return "announce.released_scheduled"
	case release:
		return "announce.released_now"
	}
	return "announce.saved_version"
}

func (s *Server) handleAnnouncementEdit(w http.ResponseWriter, r *http.Request) {
	an, err := s.app.GetAnnouncement(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	if !an.CanEdit {
		s.renderError(w, r, http.StatusConflict, "announce.not_editable")
		return
	}
	s.renderAnnForm(w, r, http.StatusOK, s.annForm(r, an), &view{Form: annFormValues(an.Announcement)})
}

// annFormValues fills the form from the stored announcement.
func annFormValues(an *app.Announcement) url.Values {
	f := url.Values{"title": {an.Title}, "body": {an.Body}, "category": {an.Category}, "district": {an.District}}
	if an.Pinned {
		f.Set("pinned", "1")
	}
	if !an.PublishAt.IsZero() {
		f.Set("publish_at", an.PublishAt.Local().Format(annTimeLayout))
	}
	if !an.WithdrawAt.IsZero() {
		f.Set("withdraw_at", an.WithdrawAt.Local().Format(annTimeLayout))
	}
	return f
}

func (s *Server) handleAnnouncementSave(w http.ResponseWriter, r *http.Request) {
	a, id := actorOf(r), pathID(r)
	r.Body = http.MaxBytesReader(w, r.Body, annMaxUpload)
	in, chosen, err := readAnnouncementForm(r)
	var an *app.Announcement
	if err == nil {
		an, err = s.app.UpdateAnnouncement(a, id, in)
	}
	if err != nil {
		cur, gerr := s.app.GetAnnouncement(a, id)
		if gerr != nil {
			s.fail(w, r, gerr, "", nil)
			return
		}
		if e, ok := app.AsError(err); ok && e.Code == app.ECONFLICT {
			s.renderError(w, r, http.StatusConflict, e.Key)
			return
		}
		d := s.annForm(r, cur)
		d.FilesChosen = chosen
		if cur.PublishLocked {
			r.PostForm.Set("publish_at", cur.PublishAt.Local().Format(annTimeLayout))
		}
		s.fail(w, r, err, "announcement_form", &view{Title: "announce.edit_title", Nav: "announcements", Form: r.PostForm, Data: d})
		return
	}
	s.setFlash(w, r, annSavedFlash(in.Release, an))
	http.Redirect(w, r, "/gov/announcements/"+strconv.FormatUint(an.ID, 10), http.StatusSeeOther)
}

// readAnnouncementForm reads the form (readUploadForm): the typed text is
// kept when the attachments are over the limit (the files come last on the
// form). chosen reports whether files were chosen: a failed submission
// asks for them again, as a browser cannot keep them.
func readAnnouncementForm(r *http.Request) (in app.AnnouncementInput, chosen bool, err error) {
	files, chosen, err := readUploadForm(r, "files", app.AnnFileMaxBytes, 4*app.AnnBodyMax+1024)
	in = annFields(in, r.PostForm)
	for _, f := range files {
		in.Add = append(in.Add, app.AnnouncementUpload{Name: f.Name, Data: f.Data})
	}
	switch {
	case errors.Is(err, errUploadTooBig):
		return in, true, fieldErr("files", "announce.upload_too_big")
	case err != nil:
		return in, chosen, app.Errorf(app.EINVALID, "announce.form_unreadable")
	}
	return in, chosen, nil
}

// annFields copies the text fields of the form into in.
func annFields(in app.AnnouncementInput, f url.Values) app.AnnouncementInput {
	in.Title, in.Body, in.Category, in.District = f.Get("title"), f.Get("body"), f.Get("category"), f.Get("district")
	in.Pinned = f.Get("pinned") == "1"
	in.PublishAt, in.WithdrawAt, in.Note = f.Get("publish_at"), f.Get("withdraw_at"), f.Get("note")
	in.Release = f.Get("go") == "release"
	in.Remove = nil
	for _, v := range f["remove"] {
		if id, err := strconv.ParseUint(v, 10, 64); err == nil {
			in.Remove = append(in.Remove, id)
		}
	}
	return in
}

// annPageData is the staff view of one announcement.
type annPageData struct {
	A        *app.AnnouncementDetail
	Article  annArticle // the preview, as the public will see it
	Versions []annVersion
	Events   []app.AnnouncementEvent // newest first
}

// annVersion is an earlier or the current version, as the history shows it.
type annVersion struct {
	app.AnnouncementVersion
	Article annArticle
	Current bool
}

func (s *Server) handleAnnouncementShow(w http.ResponseWriter, r *http.Request) {
	an, err := s.app.GetAnnouncement(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.renderAnnouncement(w, r, http.StatusOK, an, &view{})
}

func (s *Server) renderAnnouncement(w http.ResponseWriter, r *http.Request, status int, an *app.AnnouncementDetail, v *view) {
	base := "/gov/announcements/" + strconv.FormatUint(an.ID, 10)
	d := annPageData{A: an, Article: newAnnArticle(an.AnnouncementContent, base)}
	for i, ver := range slices.Backward(an.Versions) {
		d.Versions = append(d.Versions, annVersion{AnnouncementVersion: ver, Article: newAnnArticle(ver.Content, base),
			Current: i == len(an.Versions)-1})
	}
	for _, e := range slices.Backward(an.Events) {
		d.Events = append(d.Events, e)
	}
	v.Title, v.Nav, v.Data = "announce.detail_title", "announcements", d
	s.render(w, r, status, "announcement", v)
}

func (s *Server) handleAnnouncementWithdraw(w http.ResponseWriter, r *http.Request) {
	a, id := actorOf(r), pathID(r)
	_ = r.ParseForm()
	_, err := s.app.WithdrawAnnouncement(a, id, r.PostForm.Get("reason"))
	if err != nil {
		e, ok := app.AsError(err)
		an, gerr := s.app.GetAnnouncement(a, id)
		if !ok || gerr != nil || len(e.Fields) == 0 {
			s.fail(w, r, err, "", nil)
			return
		}
		s.renderAnnouncement(w, r, statusOf(e.Code), an, &view{Form: r.PostForm, Errors: e.Fields, Error: "form.invalid"})
		return
	}
	s.setFlash(w, r, "announce.withdrawn_ok")
	http.Redirect(w, r, "/gov/announcements/"+strconv.FormatUint(id, 10), http.StatusSeeOther)
}

func (s *Server) handleAnnouncementDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.app.DeleteAnnouncement(actorOf(r), pathID(r)); err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.setFlash(w, r, "announce.deleted_ok")
	http.Redirect(w, r, "/gov/announcements", http.StatusSeeOther)
}

// handleAnnouncementFile sends the attachment ?blob= of an announcement.
func (s *Server) handleAnnouncementFile(w http.ResponseWriter, r *http.Request) {
	blob, _ := strconv.ParseUint(r.URL.Query().Get("blob"), 10, 64)
	f, data, err := s.app.AnnouncementFile(actorOf(r), pathID(r), blob)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	serveAnnouncementFile(w, f, data, "private, no-store")
}

// serveAnnouncementFile sends an attachment with its checked type under
// its name: PDFs and images open in the browser (sandboxed, nothing a
// browser could run), office files are downloaded.
func serveAnnouncementFile(w http.ResponseWriter, f app.AnnouncementFile, data []byte, cache string) {
	disp := "attachment"
	if f.Type == "application/pdf" || strings.HasPrefix(f.Type, "image/") {
		disp = "inline"
	}
	h := w.Header()
	h.Set("Content-Type", f.Type)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": f.Name}))
	h.Set("Cache-Control", cache)
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; object-src 'self'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// annArticle is an announcement's content ready for the page: its body as
// safe paragraphs and its attachments' links.
type annArticle struct {
	C     app.AnnouncementContent
	Body  template.HTML
	Files []annFileLink
}

type annFileLink struct {
	app.AnnouncementFile
	URL  string
	Kind string // pdf, image, xlsx, docx: the icon's label
}

func newAnnArticle(c app.AnnouncementContent, base string) annArticle {
	art := annArticle{C: c, Body: annBodyHTML(c.Body)}
	for _, f := range c.Files {
		art.Files = append(art.Files, annFileLink{AnnouncementFile: f,
			URL: base + "/file?blob=" + strconv.FormatUint(f.Blob, 10), Kind: annFileKind(f.Type)})
	}
	return art
}

func annFileKind(ct string) string {
	switch {
	case ct == "application/pdf":
		return "PDF"
	case strings.HasPrefix(ct, "image/"):
		return strings.ToUpper(strings.TrimPrefix(ct, "image/"))
	case strings.Contains(ct, "spreadsheet"):
		return "XLSX"
	case strings.Contains(ct, "wordprocessing"):
		return "DOCX"
	}
	return "FILE"
}
