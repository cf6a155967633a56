package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"anju/app"
)

// The model contract text 示范文本 (sysadmin): the text with its
// placeholders, the optional clauses, and the versions saved before.

// tplSpareClauses is how many empty clause rows the page offers.
const tplSpareClauses = 2

type tplData struct {
	Placeholders []string
	Rows         []int
	Versions     []app.ContractTemplate
	Current      *app.ContractTemplate
}

func tplValues(t *app.ContractTemplate) url.Values {
	f := url.Values{"title": {t.Title}, "text": {t.Text}}
	for i, c := range t.Clauses {
		k := "clauses." + strconv.Itoa(i) + "."
		f.Set(k+"code", c.Code)
		f.Set(k+"title", c.Title)
		f.Set(k+"text", c.Text)
		if c.Enabled {
			f.Set(k+"enabled", "1")
		}
	}
	return f
}

func tplInputOf(f url.Values) app.TemplateInput {
	in := app.TemplateInput{Title: f.Get("title"), Text: f.Get("text"), Note: f.Get("note")}
	for i := 0; i < 100; i++ {
		k := "clauses." + strconv.Itoa(i) + "."
		if _, ok := f[k+"title"]; !ok {
			break
		}
		in.Clauses = append(in.Clauses, app.ContractClause{Code: f.Get(k + "code"), Title: f.Get(k + "title"),
			Text: f.Get(k + "text"), Enabled: f.Get(k+"enabled") != ""})
	}
	return in
}

func (s *Server) tplData(r *http.Request, form url.Values) tplData {
	d := tplData{Placeholders: app.ContractPlaceholders}
	d.Current, _ = s.app.CurrentContractTemplate()
	d.Versions, _ = s.app.ContractTemplateVersions(actorOf(r))
	n := 0
	for {
		if _, ok := form["clauses."+strconv.Itoa(n)+".title"]; !ok {
			break
		}
		n++
	}
	for i := range n + tplSpareClauses {
		d.Rows = append(d.Rows, i)
	}
	return d
}

func (s *Server) handleContractTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := s.app.CurrentContractTemplate()
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	form := tplValues(t)
	s.render(w, r, http.StatusOK, "contract_template", &view{Title: "contract.tpl_title", Nav: "contract_template",
		Form: form, Data: s.tplData(r, form)})
}

func (s *Server) handleContractTemplateSave(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if _, err := s.app.SaveContractTemplate(actorOf(r), tplInputOf(r.PostForm)); err != nil {
		s.fail(w, r, err, "contract_template", &view{Title: "contract.tpl_title", Nav: "contract_template",
			Form: r.PostForm, Data: s.tplData(r, r.PostForm)})
		return
	}
	s.setFlash(w, r, "contract.tpl_saved_flash")
	http.Redirect(w, r, "/gov/admin/contract-template", http.StatusSeeOther)
}
