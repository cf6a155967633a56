package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerContractRoutes registers online signing (受理网签): the step form from a verification to the signed contract.
//
// The step and the document number are read from the path's tail by the
// handlers (PathPrefix routes; an unknown one is "not found"): the route ×
// role test requests each route as registered, and a regexp variable such
// as {step:[1-6]} would not be a URL it can request.
func (s *Server) registerContractRoutes(r *mux.Router) {
	for _, p := range []app.Portal{app.PortalGov, app.PortalAgency} {
		pre := "/" + string(p) + "/contracts"
		sign := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(p, app.PermContractSign, h) }
		r.HandleFunc(pre+"/new", sign(s.handleContractNew)).Methods("GET")
		r.HandleFunc(pre+"/new", sign(s.handleContractStart)).Methods("POST")
		r.PathPrefix(pre + "/{id:[0-9]+}/step/").Methods("GET").HandlerFunc(sign(s.handleContractStep))
		r.PathPrefix(pre + "/{id:[0-9]+}/step/").Methods("POST").HandlerFunc(sign(s.handleContractStepSave))
		r.HandleFunc(pre+"/{id:[0-9]+}/docs/{n}/remove", sign(s.handleContractDocRemove)).Methods("POST")
		r.PathPrefix(pre + "/{id:[0-9]+}/docs/").Methods("GET").HandlerFunc(s.requireAuth(p, app.PermContractView, s.handleContractDoc))
		r.HandleFunc(pre+"/{id:[0-9]+}/sign", sign(s.handleContractSign)).Methods("POST")
		r.HandleFunc(pre+"/{id:[0-9]+}/cancel", sign(s.handleContractCancel)).Methods("POST")
	}
	r.HandleFunc("/gov/admin/contract-template", s.requireAuth(app.PortalGov, app.PermContractTemplate, s.handleContractTemplate)).Methods("GET")
	r.HandleFunc("/gov/admin/contract-template", s.requireAuth(app.PortalGov, app.PermContractTemplate, s.handleContractTemplateSave)).Methods("POST")
	r.HandleFunc("/confirm", s.handleConfirmForm).Methods("GET")
	r.HandleFunc("/confirm", s.handleConfirm).Methods("POST")
}

// signFormOf reads a step's fields; party rows are parties.N.field.
// Rows left wholly empty are dropped, so that the stored draft does not
// grow by the form's spare rows at every save (the form is shown again
// from the stored draft, whose row numbers the messages refer to).
func signFormOf(f url.Values) app.ContractForm {
	in := app.ContractForm{Start: f.Get("start"), End: f.Get("end"), Rent: f.Get("rent"), PaymentCycle: f.Get("payment_cycle"),
		PaymentMethod: f.Get("payment_method"), Deposit: f.Get("deposit"), Purpose: f.Get("purpose"), Rooms: f.Get("rooms"),
		Fees: f.Get("fees"), Utilities: f.Get("utilities"), AgreedTerms: f.Get("agreed_terms"), Clauses: f["clauses"]}
	for i := 0; i < 100; i++ {
		p := "parties." + strconv.Itoa(i) + "."
		if _, ok := f[p+"role"]; !ok {
			break
		}
		pf := app.PartyForm{Role: f.Get(p + "role"), Kind: f.Get(p + "kind"), Name: f.Get(p + "name"),
			IDType: f.Get(p + "id_type"), IDNo: f.Get(p + "id_no"), Phone: f.Get(p + "phone")}
		if strings.TrimSpace(pf.Name+pf.IDNo+pf.Phone) == "" {
			continue
		}
		in.Parties = append(in.Parties, pf)
	}
	return in
}

// signFormValues is the inverse of signFormOf, to show a draft.
func signFormValues(in app.ContractForm) url.Values {
	f := url.Values{"start": {in.Start}, "end": {in.End}, "rent": {in.Rent}, "payment_cycle": {in.PaymentCycle},
		"payment_method": {in.PaymentMethod}, "deposit": {in.Deposit}, "purpose": {in.Purpose}, "rooms": {in.Rooms},
		"fees": {in.Fees}, "utilities": {in.Utilities}, "agreed_terms": {in.AgreedTerms}, "clauses": in.Clauses}
	for i, p := range in.Parties {
		k := "parties." + strconv.Itoa(i) + "."
		f.Set(k+"role", p.Role)
		f.Set(k+"kind", p.Kind)
		f.Set(k+"name", p.Name)
		f.Set(k+"id_type", p.IDType)
		f.Set(k+"id_no", p.IDNo)
		f.Set(k+"phone", p.Phone)
	}
	return f
}

// signPartySection is one role's rows on step 3: the rows typed and spare ones.
type signPartySection struct {
	Role string
	Rows []int
}

// signSpareRows is how many empty rows each role gets beyond those typed (no
// script needed; more are offered after saving).
var signSpareRows = map[string]int{app.PartyLessor: 0, app.PartyLessorAgent: 1, app.PartyLessee: 1, app.PartyCoResident: 2}

// signPartySections numbers the rows of f by role and adds spare rows (with
// their role set in f, so that a posted spare row keeps its section).
func signPartySections(f url.Values) []signPartySection {
	n := 0
	byRole := map[string][]int{}
	for ; ; n++ {
		role, ok := f["parties."+strconv.Itoa(n)+".role"]
		if !ok {
			break
		}
		byRole[role[0]] = append(byRole[role[0]], n)
	}
	var out []signPartySection
	for _, role := range app.PartyRoles {
		rows := byRole[role]
		spare := signSpareRows[role]
		if len(rows) == 0 && spare == 0 {
			spare = 1
		}
		if role == app.PartyLessee && len(rows) == 0 {
			spare = 2
		}
		for range spare {
			f.Set("parties."+strconv.Itoa(n)+".role", role)
			f.Set("parties."+strconv.Itoa(n)+".id_type", "resident_id")
			rows = append(rows, n)
			n++
		}
		out = append(out, signPartySection{Role: role, Rows: rows})
	}
	return out
}

// signCtx is the draft's URL and number.
type signCtx struct {
	ID   uint64
	Base string // /{portal}/contracts/{id}
}

func signCtxOf(r *http.Request) signCtx {
	id, _ := strconv.ParseUint(mux.Vars(r)["id"], 10, 64)
	return signCtx{ID: id, Base: "/" + portalOfPath(r.URL.Path) + "/contracts/" + strconv.FormatUint(id, 10)}
}

// pathTail is what follows the last "/"+seg+"/" of the path.
func pathTail(r *http.Request, seg string) string {
	p := r.URL.Path
	if i := strings.LastIndex(p, "/"+seg+"/"); i >= 0 {
		return p[i+len(seg)+2:]
	}
	return ""
}

// signStepOf reads the step of …/step/N: 1 to 6, else 0.
func signStepOf(r *http.Request) int {
	n, err := strconv.Atoi(pathTail(r, "step"))
	if err != nil || n < 1 || n > app.CStepCount {
		return 0
	}
	return n
}
