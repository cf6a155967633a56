package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"anju/app"
)

// registerCreditRuleRoutes registers the scoring standards 记分标准: read by
// everyone who sees credit, in both portals (an agency should know the
// rules it is scored by); created, edited, enabled and disabled by a
// sysadmin in the government portal.
func (s *Server) registerCreditRuleRoutes(r *mux.Router) {
	for _, p := range []app.Portal{app.PortalGov, app.PortalAgency} {
		pre := "/" + string(p) + "/credit/rules"
		read := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(p, app.PermCreditView, h) }
		r.HandleFunc(pre, read(s.handleRuleList)).Methods("GET")
		r.HandleFunc(pre+"/{id:[0-9]+}", read(s.handleRuleShow)).Methods("GET")
	}
	edit := func(h http.HandlerFunc) http.HandlerFunc { return s.requireAuth(app.PortalGov, app.PermCreditRules, h) }
	r.HandleFunc("/gov/credit/rules/new", edit(s.handleRuleNew)).Methods("GET")
	r.HandleFunc("/gov/credit/rules/new", edit(s.handleRuleCreate)).Methods("POST")
	r.HandleFunc("/gov/credit/rules/{id:[0-9]+}/edit", edit(s.handleRuleEdit)).Methods("GET")
	r.HandleFunc("/gov/credit/rules/{id:[0-9]+}/edit", edit(s.handleRuleUpdate)).Methods("POST")
	r.HandleFunc("/gov/credit/rules/{id:[0-9]+}/toggle", edit(s.handleRuleToggle)).Methods("POST")
}

// ruleNav is the menu item of the rule pages: the agency portal has no
// item of its own for them and lights its credit page.
func ruleNav(r *http.Request) string {
	if portalOfPath(r.URL.Path) == "agency" {
		return "credit"
	}
	return "credit_rules"
}

// rulesPageSize: the standards are tens of rules; a page holds a bureau's
// usual set whole.
const rulesPageSize = 50

type ruleListData struct {
	Rules   []*app.ScoringRule
	Total   int
	Pager   pager
	Events  []string
	CanEdit bool
}

func (s *Server) handleRuleList(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	f := app.RuleFilter{Type: q.Get("type"), Operation: q.Get("operation"), AppliesTo: q.Get("applies_to"), Q: q.Get("q")}
	switch q.Get("enabled") {
	case "1":
		f.Enabled = new(bool)
		*f.Enabled = true
	case "0":
		f.Enabled = new(bool)
	}
	rules, err := s.app.Rules(a, f)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	pages := max(1, (len(rules)+rulesPageSize-1)/rulesPageSize)
	page, _ := strconv.Atoi(q.Get("page"))
	page = min(max(page, 1), pages)
	d := ruleListData{Total: len(rules), Pager: newPager(r, page, pages), Events: app.RuleEvents,
		CanEdit: portalOfPath(r.URL.Path) == "gov" && a.Can(app.PermCreditRules)}
	d.Rules = rules[min((page-1)*rulesPageSize, len(rules)):min(page*rulesPageSize, len(rules))]
	s.render(w, r, http.StatusOK, "credit_rules", &view{Title: "creditrule.list_title", Nav: ruleNav(r), Form: q, Data: d})
}

// ruleShowData is the rule page: the rule, its versions newest first, and
// the sysadmin's controls.
type ruleShowData struct {
	R        *app.ScoringRule
	Versions []ruleVersionView
	Base     string // /{portal}/credit/rules
	CanEdit  bool
}

// ruleVersionView is one version with what it changed from the one before.
type ruleVersionView struct {
	app.RuleVersion
	First   bool
	Changes []ruleChange
}

// ruleChange is one changed field; the template shows Old's and New's value
// of it.
type ruleChange struct {
	Field    string
	Old, New app.RuleSpec
}

func ruleVersions(rule *app.ScoringRule) []ruleVersionView {
	out := make([]ruleVersionView, 0, len(rule.History))
	for i := len(rule.History) - 1; i >= 0; i-- {
		h := rule.History[i]
		v := ruleVersionView{RuleVersion: h, First: i == 0}
		if i > 0 {
			prev := rule.History[i-1].Spec
			for _, f := range app.RuleSpecChanges(prev, h.Spec) {
				v.Changes = append(v.Changes, ruleChange{Field: f, Old: prev, New: h.Spec})
			}
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) handleRuleShow(w http.ResponseWriter, r *http.Request) {
	rule, err := s.app.GetRule(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.renderRule(w, r, http.StatusOK, rule, &view{})
}

func (s *Server) renderRule(w http.ResponseWriter, r *http.Request, status int, rule *app.ScoringRule, v *view) {
	portal := portalOfPath(r.URL.Path)
	v.Title, v.Nav = "creditrule.show_title", ruleNav(r)
	v.Data = ruleShowData{R: rule, Versions: ruleVersions(rule), Base: "/" + portal + "/credit/rules",
		CanEdit: portal == "gov" && actorOf(r).Can(app.PermCreditRules)}
	s.render(w, r, status, "credit_rule", v)
}

// ruleFormData is the create and edit form.
type ruleFormData struct {
	R      *app.ScoringRule // nil when creating
	Events []string
}

func (s *Server) handleRuleNew(w http.ResponseWriter, r *http.Request) {
	f := ruleFormValues(app.RuleSpec{Type: app.RulePenalty, Operation: app.RuleManual, AppliesTo: app.AppliesAgency,
		ValidDays: 365, Enabled: true})
	for _, k := range []string{"suggested", "min", "max"} {
		f.Set(k, "") // typed, not preset
	}
	f.Set("repair_after_days", "")
	s.renderRuleForm(w, r, http.StatusOK, nil, &view{Form: f})
}

func (s *Server) handleRuleCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	rule, err := s.app.CreateRule(actorOf(r), ruleSpecOf(r.PostForm))
	if err != nil {
		s.ruleFormFailed(w, r, nil, err)
		return
	}
	s.setFlash(w, r, "creditrule.created_ok")
	http.Redirect(w, r, "/gov/credit/rules/"+strconv.FormatUint(rule.ID, 10), http.StatusSeeOther)
}

func (s *Server) handleRuleEdit(w http.ResponseWriter, r *http.Request) {
	rule, err := s.app.GetRule(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	f := ruleFormValues(rule.RuleSpec)
	f.Set("version", strconv.Itoa(rule.Version))
	s.renderRuleForm(w, r, http.StatusOK, rule, &view{Form: f})
}

func (s *Server) handleRuleUpdate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	rule, err := s.app.GetRule(a, pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	// The form was filled from one version: saving over a version someone
	// saved in between would undo his change unseen.
	if r.PostForm.Get("version") != strconv.Itoa(rule.Version) {
		s.renderRuleForm(w, r, http.StatusConflict, rule, &view{Form: r.PostForm, Error: "creditrule.stale", ErrorArgs: []any{rule.Version}})
		return
	}
	if _, err := s.app.UpdateRule(a, rule.ID, ruleSpecOf(r.PostForm), r.PostForm.Get("note")); err != nil {
		s.ruleFormFailed(w, r, rule, err)
		return
	}
	s.setFlash(w, r, "creditrule.updated_ok")
	http.Redirect(w, r, "/gov/credit/rules/"+strconv.FormatUint(rule.ID, 10), http.StatusSeeOther)
}

// ruleFormFailed shows the form again with the input kept and each
// field's message beside it.
func (s *Server) ruleFormFailed(w http.ResponseWriter, r *http.Request, rule *app.ScoringRule, err error) {
	d := ruleFormData{R: rule, Events: app.RuleEvents}
	title := "creditrule.new_title"
	if rule != nil {
		title = "creditrule.edit_title"
	}
	s.fail(w, r, err, "credit_rule_form", &view{Title: title, Nav: "credit_rules", Form: r.PostForm, Data: d})
}

func (s *Server) renderRuleForm(w http.ResponseWriter, r *http.Request, status int, rule *app.ScoringRule, v *view) {
	v.Title, v.Nav, v.Data = "creditrule.new_title", "credit_rules", ruleFormData{R: rule, Events: app.RuleEvents}
	if rule != nil {
		v.Title = "creditrule.edit_title"
	}
	s.render(w, r, status, "credit_rule_form", v)
}

// handleRuleToggle enables or disables a rule, with the note saying why; a
// missing note is shown beside its field on the rule's page.
func (s *Server) handleRuleToggle(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	enable := r.PostForm.Get("enabled") == "1"
	rule, err := s.app.SetRuleEnabled(a, pathID(r), enable, r.PostForm.Get("note"))
	if err != nil {
		current, gerr := s.app.GetRule(a, pathID(r))
		e, ok := app.AsError(err)
		if gerr != nil || !ok {
			s.fail(w, r, err, "", nil)
			return
		}
		v := &view{Form: r.PostForm, Errors: e.Fields, Error: e.Key, ErrorArgs: e.Args}
		if len(e.Fields) > 0 {
			v.Error = "form.invalid"
		}
		s.renderRule(w, r, statusOf(e.Code), current, v)
		return
	}
	if rule.Enabled {
		s.setFlash(w, r, "creditrule.enabled_ok")
	} else {
		s.setFlash(w, r, "creditrule.disabled_ok")
	}
	http.Redirect(w, r, "/gov/credit/rules/"+strconv.FormatUint(rule.ID, 10), http.StatusSeeOther)
}

// ruleSpecOf reads the form. A number that is not one becomes -1, which
// every bound refuses, so that its field gets its message (an empty one is
// 0: required fields refuse it, the optional repair days take it).
func ruleSpecOf(f url.Values) app.RuleSpec {
	num := func(k string) int {
		v := strings.TrimSpace(f.Get(k))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return -1
		}
		return n
	}
	spec := app.RuleSpec{No: f.Get("no"), Item: f.Get("item"), Type: f.Get("type"), Suggested: num("suggested"),
		Min: num("min"), Max: num("max"), Operation: f.Get("operation"), Event: f.Get("event"), Basis: f.Get("basis"),
		AppliesTo: f.Get("applies_to"), ValidDays: num("valid_days"), Repairable: f.Get("repairable") == "1",
		RepairAfterDays: num("repair_after_days"), Enabled: f.Get("enabled") == "1"}
	return spec
}

// ruleFormValues is the inverse of ruleSpecOf, to fill the form.
func ruleFormValues(s app.RuleSpec) url.Values {
	f := url.Values{}
	for _, k := range app.RuleFields {
		f.Set(k, app.RuleFieldValue(s, k))
	}
	f.Set("repairable", boolField(s.Repairable))
	f.Set("enabled", boolField(s.Enabled))
	if !s.Repairable && s.RepairAfterDays == 0 {
		f.Set("repair_after_days", "")
	}
	return f
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return ""
}
