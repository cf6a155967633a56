package ui

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerContractImportRoutes registers bulk back-entry of paper contracts
// (合同批量补录): the upload page with the templates, the report of each
// file (created contracts with links, refused rows with their reasons) and
// the refused rows as CSV. Government only: an office migrates its own
// paper records.
func (s *Server) registerContractImportRoutes(r *mux.Router) {
	g := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermBackEntry, h) }
	const pre = "/gov/contracts/backentry"
	r.HandleFunc(pre+"/import", g(s.handleContractImportPage)).Methods("GET")
	r.HandleFunc(pre+"/import", g(s.handleContractImportUpload)).Methods("POST")
	r.HandleFunc(pre+"/imports/{id:[0-9]+}", g(s.handleContractImportReport)).Methods("GET")
	r.HandleFunc(pre+"/imports/{id:[0-9]+}/rejects.csv", g(s.handleContractImportRejects)).Methods("GET")
	r.HandleFunc(pre+"/template.csv", g(s.handleContractImportTemplate)).Methods("GET")
	r.HandleFunc(pre+"/template.xlsx", g(s.handleContractImportTemplate)).Methods("GET")
}

// maxContractImportUpload bounds one file: about 50,000 rows of CSV, or an
// XLSX of them. A larger migration is split into several files.
const maxContractImportUpload = 32 << 20

type contractImportData struct {
	Enabled bool
	Imports []*app.ContractImport
	Columns []app.BulkColumn
	// FileColumns are the missing or clashing columns of a file refused as
	// a whole, shown next to the file field.
	FileColumns []string
}

func (s *Server) contractImportView(r *http.Request) (*view, error) {
	list, err := s.app.ContractImports(actorOf(r), 20)
	if err != nil {
		return nil, err
	}
	return &view{Title: "contractimport.title", Nav: "contracts", Data: &contractImportData{Enabled: s.app.BackEntryEnabled(),
		Imports: list, Columns: app.BulkColumns}}, nil
}

func (s *Server) handleContractImportPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.contractImportView(r)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "contract_import", v)
}

// handleContractImportUpload reads the uploaded file as it arrives (the
// app streams it; an XLSX is spooled to a temporary file there) and shows
// the report.
func (s *Server) handleContractImportUpload(w http.ResponseWriter, r *http.Request) {
	v, err := s.contractImportView(r)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d := v.Data.(*contractImportData)
	refuse := func(status int, key string, field string) {
		v.Error = key
		if field != "" {
			v.Errors, v.Error = map[string]string{field: key}, "form.invalid"
		}
		s.render(w, r, status, "contract_import", v)
	}
	if !d.Enabled {
		refuse(http.StatusConflict, "filing.backentry_disabled", "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxContractImportUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		refuse(http.StatusUnprocessableEntity, "contractimport.file_required", "file")
		return
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				refuse(http.StatusRequestEntityTooLarge, "contractimport.file_too_large", "file")
			case errors.Is(err, io.EOF):
				refuse(http.StatusUnprocessableEntity, "contractimport.file_required", "file")
			default:
				refuse(http.StatusBadRequest, "contractimport.upload_failed", "file")
			}
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			continue
		}
		imp, err := s.app.ImportBackEntries(actorOf(r), part, part.FileName())
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(http.StatusRequestEntityTooLarge, "contractimport.file_too_large", "file")
			return
		}
		if e, ok := app.AsError(err); ok && e.Fields["file"] != "" {
			// The file as a whole: the registry's wording of the problem,
			// with the columns it names.
			for _, a := range e.Args {
				if c, ok := a.(string); ok {
					d.FileColumns = append(d.FileColumns, c)
				}
			}
			refuse(http.StatusUnprocessableEntity, e.Fields["file"], "file")
			return
		}
		if err != nil {
			s.fail(w, r, err, "contract_import", v)
			return
		}
		http.Redirect(w, r, "/gov/contracts/backentry/imports/"+strconv.FormatUint(imp.ID, 10), http.StatusSeeOther)
		return
	}
}

// contractImportReport is the report page's data: the import, and its
// refused and created rows, the first reportRows of each.
type contractImportReport struct {
	Import       *app.ContractImport
	Rejected     []importRejectView
	Created      []app.BulkCreated
	MoreRejected int // rows not shown
	MoreCreated  int
}

type importRejectView struct {
	Line     int
	CertNo   string
	Problems []importProblemView
}

type importProblemView struct {
	Header, Reason, Value string
	Args                  []any
}

// reportRows is how many rows of each kind the report page shows; the
// refused rows are all in the CSV, the created contracts in the list.
const reportRows = 300

func (s *Server) handleContractImportReport(w http.ResponseWriter, r *http.Request) {
	imp, err := s.app.GetContractImport(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	headers := bulkColumnHeaders()
	d := contractImportReport{Import: imp, Created: imp.Created[:min(len(imp.Created), reportRows)]}
	d.MoreCreated = len(imp.Created) - len(d.Created)
	for _, rj := range imp.Rejected[:min(len(imp.Rejected), reportRows)] {
		rv := importRejectView{Line: rj.Line, CertNo: rj.CertNo}
		for _, p := range rj.Problems {
			pv := importProblemView{Header: headers[p.Column], Reason: p.Reason, Value: p.Value}
			for _, a := range p.Args {
				pv.Args = append(pv.Args, a)
			}
			rv.Problems = append(rv.Problems, pv)
		}
		d.Rejected = append(d.Rejected, rv)
	}
	d.MoreRejected = len(imp.Rejected) - len(d.Rejected)
	s.render(w, r, http.StatusOK, "contract_import_report", &view{Title: "contractimport.report_title", Nav: "contracts", Data: d})
}

func bulkColumnHeaders() map[string]string {
	m := map[string]string{}
	for _, c := range app.BulkColumns {
		m[c.Key] = c.Zh
	}
	return m
}

// handleContractImportRejects downloads the refused rows, one line per
// problem, the reasons in the reader's language; a BOM so that Excel reads
// it as UTF-8.
func (s *Server) handleContractImportRejects(w http.ResponseWriter, r *http.Request) {
	imp, err := s.app.GetContractImport(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	lang := pickLang(r, actorOf(r).Lang)
	t := func(key string, args ...any) string { return s.msgs.t(lang, key, args...) }
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contract-import-`+strconv.FormatUint(imp.ID, 10)+`-rejected.csv"`)
	_, _ = io.WriteString(w, "\ufeff")
	out := csv.NewWriter(w)
	out.UseCRLF = true
	_ = out.Write([]string{t("contractimport.line"), t("contractimport.cert_no"), t("contractimport.column"), t("contractimport.reason"), t("contractimport.value")})
	headers := bulkColumnHeaders()
	for _, rj := range imp.Rejected {
		for _, p := range rj.Problems {
			args := make([]any, len(p.Args))
			for i, a := range p.Args {
				args[i] = a
			}
			col := headers[p.Column]
			if col != "" && lang != langZH {
				col += " (" + p.Column + ")"
			}
			_ = out.Write([]string{strconv.Itoa(rj.Line), rj.CertNo, col, t(p.Reason, args...), p.Value})
		}
	}
	out.Flush()
}

func (s *Server) handleContractImportTemplate(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="contract-backentry-template.xlsx"`)
		if err := app.BackEntryTemplateXLSX(w); err != nil {
			s.log.Error("back-entry template", "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contract-backentry-template.csv"`)
	if err := app.BackEntryTemplateCSV(w); err != nil {
		s.log.Error("back-entry template", "err", err)
	}
}
