package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"anju/app"
)

// maxPracUpload bounds a practitioner form's body: the photo and the
// fields around it. A photo over the limit need not arrive whole to be
// named: the fields come first and are kept (readUploadForm).
const maxPracUpload = app.PhotoMaxBytes + 64<<10

type pracFormData struct {
	Roles []string
	P     *app.Practitioner // editing; nil when adding
	// AgencyFixed is the employer of an agency user's form.
	AgencyFixed string
}

// readPracForm reads the form (readUploadForm) and returns its values and
// the uploaded photo, if any. A body over the limit is the photo field's
// error; what was typed before it is kept.
func readPracForm(w http.ResponseWriter, r *http.Request) (url.Values, []byte, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPracUpload)
	files, _, err := readUploadForm(r, "photo", app.PhotoMaxBytes, 8<<10)
	switch {
	case errors.Is(err, errUploadTooBig):
		return r.PostForm, nil, "", fieldErr("photo", "practitioner.photo_too_big")
	case err != nil:
		return r.PostForm, nil, "", fieldErr("photo", "practitioner.photo_unreadable")
	case len(files) == 0:
		return r.PostForm, nil, "", nil // no photo chosen
	}
	return r.PostForm, files[0].Data, files[0].Name, nil
}

func (s *Server) pracFormData(r *http.Request) pracFormData {
	d := pracFormData{Roles: app.PractitionerRoles}
	if a := actorOf(r); a.Can(app.PermAgencyPortal) {
		d.AgencyFixed = a.AgencyName
	}
	return d
}

func (s *Server) handlePractitionerNew(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"start": {time.Now().Format(time.DateOnly)}, "role": {app.PracBroker}}
	if ref := r.URL.Query().Get("agency"); ref != "" {
		form.Set("agency", ref) // from an agency's page
	}
	s.render(w, r, http.StatusOK, "practitioner_form", &view{Title: "practitioner.new", Nav: "practitioners", Form: form, Data: s.pracFormData(r)})
}

func (s *Server) handlePractitionerCreate(w http.ResponseWriter, r *http.Request) {
	form, photo, name, err := readPracForm(w, r)
	v := &view{Title: "practitioner.new", Nav: "practitioners", Form: form, Data: s.pracFormData(r)}
	if err != nil {
		s.fail(w, r, err, "practitioner_form", v)
		return
	}
	p, err := s.app.AddPractitioner(actorOf(r), app.PractitionerInput{
		Name: form.Get("name"), IDNo: form.Get("id_no"), Mobile: form.Get("mobile"), Role: form.Get("role"),
		QualCertNo: form.Get("qual_cert_no"), Agency: form.Get("agency"), Start: form.Get("start"),
		Photo: photo, PhotoName: name,
	})
	if err != nil {
		s.fail(w, r, err, "practitioner_form", v)
		return
	}
	s.setFlash(w, r, "practitioner.added")
	http.Redirect(w, r, "/"+portalOfPath(r.URL.Path)+"/practitioners/"+strconv.FormatUint(p.ID, 10), http.StatusSeeOther)
}

// editForm fills the edit form from the record; the mobile stays empty
// (typed only to change it: the form never shows it in full).
func editForm(p *app.Practitioner) url.Values {
	f := url.Values{"qual_cert_no": {p.QualCertNo}}
	if c := p.Current(); c != nil {
		f.Set("role", c.Role)
	}
	return f
}

func (s *Server) handlePractitionerEdit(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	p, err := s.app.GetPractitioner(actor, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	if !s.app.CanManagePractitioner(actor, p) {
		s.renderError(w, r, http.StatusForbidden, "practitioner.not_yours")
		return
	}
	d := s.pracFormData(r)
	d.P = p
	s.render(w, r, http.StatusOK, "practitioner_form", &view{Title: "practitioner.edit", Nav: "practitioners", Form: editForm(p), Data: d})
}

func (s *Server) handlePractitionerUpdate(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	p, err := s.app.GetPractitioner(actor, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	form, photo, name, err := readPracForm(w, r)
	d := s.pracFormData(r)
	d.P = p
	v := &view{Title: "practitioner.edit", Nav: "practitioners", Form: form, Data: d}
	if err == nil {
		_, err = s.app.UpdatePractitioner(actor, p.ID, app.PractitionerUpdate{
			Mobile: form.Get("mobile"), QualCertNo: form.Get("qual_cert_no"), Role: form.Get("role"),
			Photo: photo, PhotoName: name, RemovePhoto: form.Get("remove_photo") == "1",
		})
	}
	if err != nil {
		s.fail(w, r, err, "practitioner_form", v)
		return
	}
	s.setFlash(w, r, "practitioner.saved")
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
}
