package ui

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// maxRegistryUpload bounds an uploaded registry export (a million rows of
// CSV is about 200 MB).
const maxRegistryUpload = 2 << 30

func (s *Server) registerRegistryRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermRegistry, h) }
	r.HandleFunc("/gov/admin/registry", g(s.handleRegistry)).Methods("GET")
	r.HandleFunc("/gov/admin/registry/import", g(s.handleRegistryUpload)).Methods("POST")
	r.HandleFunc("/gov/admin/registry/imports/{id:[0-9]+}", g(s.handleRegistryImport)).Methods("GET")
	r.HandleFunc("/gov/admin/registry/imports/{id:[0-9]+}/rejects.csv", g(s.handleRegistryRejects)).Methods("GET")
	r.HandleFunc("/gov/admin/registry/template.csv", g(s.handleRegistryTemplate)).Methods("GET")
	r.HandleFunc("/gov/admin/registry/template.xlsx", g(s.handleRegistryTemplate)).Methods("GET")
}

type registryData struct {
	Imports []*app.RegistryImport
	Count   int
	Columns []struct {
		Key, Zh  string
		Required bool
	}
}

func (s *Server) registryView(r *http.Request) (*view, error) {
	list, err := s.app.RegistryImports(actorOf(r), 20)
	if err != nil {
		return nil, err
	}
	return &view{Title: "registry.title", Nav: "registry", Data: registryData{Imports: list, Count: s.app.RegistryCount(), Columns: app.RegistryColumns}}, nil
}

func (s *Server) handleRegistry(w http.ResponseWriter, r *http.Request) {
	v, err := s.registryView(r)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "registry", v)
}

// handleRegistryUpload streams the uploaded file to a temporary file in the
// data folder (never into memory) and starts the import in the background.
func (s *Server) handleRegistryUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRegistryUpload)
	uploadErr := func(key string) {
		v, err := s.registryView(r)
		if err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		v.Errors, v.Error = map[string]string{"file": key}, "form.invalid"
		s.render(w, r, http.StatusUnprocessableEntity, "registry", v)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		uploadErr("registry.file_required")
		return
	}
	var tmp, name string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			uploadErr("registry.upload_failed")
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			continue
		}
		name = filepath.Base(part.FileName())
		f, err := os.CreateTemp(s.app.DataDir(), app.UploadTempPattern)
		if err != nil {
			s.fail(w, r, err, "", nil)
			return
		}
		tmp = f.Name()
		n, err := io.Copy(f, part)
		f.Close()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			os.Remove(tmp)
			uploadErr("registry.file_too_large")
			return
		}
		if err != nil {
			os.Remove(tmp)
			uploadErr("registry.upload_failed")
			return
		}
		if n == 0 {
			// Chosen, but empty: "choose a file" would puzzle.
			os.Remove(tmp)
			uploadErr("registry.file_empty")
			return
		}
		break
	}
	if tmp == "" {
		uploadErr("registry.file_required")
		return
	}
	id, err := s.app.StartRegistryImport(actorOf(r), tmp, name)
	if err != nil {
		os.Remove(tmp)
		s.fail(w, r, err, "", nil)
		return
	}
	http.Redirect(w, r, "/gov/admin/registry/imports/"+strconv.FormatUint(id, 10), http.StatusSeeOther)
}

func (s *Server) handleRegistryImport(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.ImportState(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "registry_import", &view{Title: "registry.import_title", Nav: "registry", Data: st})
}

func (s *Server) handleRegistryRejects(w http.ResponseWriter, r *http.Request) {
	data, err := s.app.RegistryRejects(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="registry-import-`+strconv.FormatUint(pathID(r), 10)+`-rejected.csv"`)
	// The stored report names reasons by message key; the download says
	// them in the reader's language.
	lang := pickLang(r, actorOf(r).Lang)
	in := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	in.FieldsPerRecord = -1
	out := csv.NewWriter(w)
	_, _ = io.WriteString(w, "\ufeff")
	for {
		rec, err := in.Read()
		if err != nil {
			break
		}
		if len(rec) > 3 && s.msgs.has(rec[3]) {
			rec[3] = s.msgs.t(lang, rec[3])
		}
		_ = out.Write(rec)
	}
	out.Flush()
}

func (s *Server) handleRegistryTemplate(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="registry-template.xlsx"`)
		if err := app.RegistryTemplateXLSX(w); err != nil {
			s.log.Error("registry template", "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="registry-template.csv"`)
	if err := app.RegistryTemplateCSV(w); err != nil {
		s.log.Error("registry template", "err", err)
	}
}
