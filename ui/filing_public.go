package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// The public filing check (mobile-first: it is opened from the QR of a
// printed certificate or contract, mostly inside WeChat): /f is the form,
// /f/{certificate number}?name=… the answer. Rate-limited per client
// address like the verification check; a number unknown and a name that
// does not match get the same answer.

// publicFilingData is the page: the form, and the answer once asked.
type publicFilingData struct {
	Result *app.PublicFiling
}

func (s *Server) handlePublicFilingForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if cert := strings.TrimSpace(q.Get("cert")); cert != "" || q.Has("name") {
		s.publicFiling(w, r, cert, q.Get("name"))
		return
	}
	s.render(w, r, http.StatusOK, "public_filing", &view{Title: "filing.public_title", Portal: "public", Form: q,
		Data: publicFilingData{}})
}

func (s *Server) handlePublicFiling(w http.ResponseWriter, r *http.Request) {
	cert := mux.Vars(r)["cert"]
	// A link with the number alone (shared, or typed from the
	// certificate) asks for the name: nothing was asked yet, so the form
	// comes with the number filled in and no error.
	if !r.URL.Query().Has("name") {
		s.render(w, r, http.StatusOK, "public_filing", &view{Title: "filing.public_title", Portal: "public",
			Form: url.Values{"cert": {cert}}, Data: publicFilingData{}})
		return
	}
	s.publicFiling(w, r, cert, r.URL.Query().Get("name"))
}

func (s *Server) publicFiling(w http.ResponseWriter, r *http.Request, cert, name string) {
	if !s.publicAllowed(w, r) {
		return
	}
	form := url.Values{"cert": {cert}, "name": {name}}
	v := &view{Title: "filing.public_title", Portal: "public", Form: form, Data: publicFilingData{}}
	pf, err := s.app.CheckFiling(cert, name)
	if err != nil {
		e, ok := app.AsError(err)
		if !ok {
			s.fail(w, r, err, "", nil)
			return
		}
		status := http.StatusNotFound
		if e.Code == app.EINVALID {
			status = http.StatusUnprocessableEntity
			v.Errors, v.Error = e.Fields, "form.invalid"
		} else {
			v.Error = e.Key
		}
		s.render(w, r, status, "public_filing", v)
		return
	}
	v.Data = publicFilingData{Result: &pf}
	s.render(w, r, http.StatusOK, "public_filing", v)
}
