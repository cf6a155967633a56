package ui

import (
	"net/http"
	"net/url"

	"anju/app"
)

// Parties' confirmation on the public portal (/confirm): a party enters
// the code printed on the contract preview and the last 6 characters of
// his ID number, sees the contract's summary and whole text and confirms it.

type confirmPageData struct {
	View      *app.ConfirmView
	Confirmed bool       // just confirmed
	Paras     []signPara // the contract's text he confirms
}

func (s *Server) handleConfirmForm(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"code": {r.URL.Query().Get("code")}}
	s.render(w, r, http.StatusOK, "contract_confirm", &view{Title: "contract.confirm_title", Portal: "public", Form: form, Data: confirmPageData{}})
}

func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	// Each try counts against the public limit: the ID tail is only six
	// characters, and codes must not be guessable by trying.
	if !s.publicAllowed(w, r) {
		return
	}
	_ = r.ParseForm()
	code, tail := r.PostForm.Get("code"), r.PostForm.Get("id_tail")
	v := &view{Title: "contract.confirm_title", Portal: "public", Form: r.PostForm}
	var cv app.ConfirmView
	var err error
	confirm := r.PostForm.Get("go") == "confirm"
	if confirm {
		cv, err = s.app.ConfirmContractParty(actorOf(r), code, tail)
	} else {
		cv, err = s.app.CheckConfirmation(code, tail)
	}
	if err != nil {
		v.Data = confirmPageData{}
		s.fail(w, r, err, "contract_confirm", v)
		return
	}
	v.Data = confirmPageData{View: &cv, Confirmed: confirm, Paras: signParas(cv.Text)}
	s.render(w, r, http.StatusOK, "contract_confirm", v)
}
