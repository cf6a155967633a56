package ui

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/app"
)

// maxPracUpload bounds a practitioner form's body. It is well above the
// photo limit so that an oversized photo still arrives with the rest of the
// form: the app refuses it on its field and the typed input is kept.
const maxPracUpload = 4*app.PhotoMaxBytes + 64<<10

type pracFormData struct {
	Roles []string
	P     *app.Practitioner // editing; nil when adding
	// AgencyFixed is the employer of an agency user's form.
	AgencyFixed string
}

// readPracForm parses a urlencoded or multipart form and returns its values
// and the uploaded photo, if any. A body over the limit is a photo problem.
func readPracForm(w http.ResponseWriter, r *http.Request) (url.Values, []byte, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPracUpload)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err := r.ParseForm()
		return r.PostForm, nil, "", tooBig(err)
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if e := tooBig(err); e != nil {
			return url.Values{}, nil, "", e
		}
		return url.Values{}, nil, "", &app.Error{Code: app.EINVALID, Key: "form.invalid", Fields: map[string]string{"photo": "practitioner.photo_unreadable"}}
	}
	f, hdr, err := r.FormFile("photo")
	if err != nil {
		return r.PostForm, nil, "", nil // no photo chosen
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return r.PostForm, nil, "", err
	}
	return r.PostForm, data, hdr.Filename, nil
}

func tooBig(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &app.Error{Code: app.EINVALID, Key: "form.invalid", Fields: map[string]string{"photo": "practitioner.photo_too_big"}}
	}
	return err
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
