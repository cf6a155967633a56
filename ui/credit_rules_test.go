package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"anju/app"
)

func init() {
	view, rules := string(app.PermCreditView), string(app.PermCreditRules)
	routeTable = append(routeTable,
		routeCase{"GET", "/gov/credit/rules", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/rules/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/credit/rules/new", rules, http.StatusOK},
		routeCase{"POST", "/gov/credit/rules/new", rules, http.StatusUnprocessableEntity}, // empty form
		routeCase{"GET", "/gov/credit/rules/{id:[0-9]+}/edit", rules, http.StatusOK},
		routeCase{"POST", "/gov/credit/rules/{id:[0-9]+}/edit", rules, http.StatusConflict},              // no version: stale
		routeCase{"POST", "/gov/credit/rules/{id:[0-9]+}/toggle", rules, http.StatusUnprocessableEntity}, // no note
		routeCase{"GET", "/agency/credit/rules", view, http.StatusOK},
		routeCase{"GET", "/agency/credit/rules/{id:[0-9]+}", view, http.StatusOK},
	)
	routeFixtures = append(routeFixtures, func(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
		id := e.ruleID("JG-K-001")
		return map[string]uint64{"/gov/credit/rules/": id, "/agency/credit/rules/": id}, nil
	})
}

// ruleID finds a scoring standard by number.
func (e *env) ruleID(no string) uint64 {
	e.t.Helper()
	return e.rule(no).ID
}

func (e *env) rule(no string) *app.ScoringRule {
	e.t.Helper()
	rules, err := e.app.Rules(sys, app.RuleFilter{Q: no})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rules {
		if r.No == no {
			return r
		}
	}
	e.t.Fatalf("no scoring standard %s", no)
	return nil
}

// ruleRows lists the rule numbers of the list page's rows, in order.
func ruleRows(r *resp) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td data-label="[^"]*"><code>([A-Z0-9-]+)</code></td>`).FindAllStringSubmatch(r.body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestCreditRuleListInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("gov", "clerk")
	r := c.get("/gov/credit/rules")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("creditrule.f.no"), zh("creditrule.f.item"), zh("creditrule.f.type"), zh("creditrule.f.suggested"),
		zh("creditrule.f.operation"), "发布未经核验或核验码失效的房源信息", zh("creditrule.type.penalty"), zh("creditrule.view"),
		zh("creditrule.operation.auto"), zh("creditrule.applies.both"), zh("creditrule.days", 365))
	if rows := ruleRows(r); len(rows) < 12 || rows[0] != "CY-K-001" {
		t.Errorf("rows %v, want the 12 default rules by number", rows)
	}
	// The clerk may read, not edit: no button to add a rule.
	wantNoText(t, r, zh("creditrule.new"))

	r = c.get("/gov/credit/rules", "Accept-Language", "en")
	wantText(t, r, "Rule number", "Scoring item", "Suggested score", "Penalty", "Bonus", "Automatic", "365 days", "View")

	// An agency reads them too, read-only.
	ag := e.signedIn("agency", "anju.admin")
	r = ag.get("/agency/credit/rules")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "JG-K-001", zh("creditrule.list_help"))
	r = ag.get("/agency/credit/rules/" + itoa(e.ruleID("JG-K-001")))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, "JG-K-001", "《关于整顿规范住房租赁市场秩序的意见》（建房规〔2019〕10号）第二条", zh("creditrule.repair_yes", 90),
		zh("creditrule.range_value", 3, 10), zh("creditrule.history"), zh("creditrule.history_seeded"))
	wantNoText(t, r, zh("creditrule.disable"))
	if strings.Contains(r.body, "/toggle") || strings.Contains(r.body, "/edit") {
		t.Errorf("the agency's rule page offers edit controls")
	}
}

func TestCreditRuleFiltersAndSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("gov", "leader")
	cases := []struct {
		query   string
		want    []string // among the rows
		notWant []string
	}{
		{"type=bonus", []string{"JG-J-001", "JG-J-002", "JG-J-003"}, []string{"JG-K-001", "CY-K-001"}},
		{"type=penalty&operation=auto", []string{"JG-K-002", "JG-K-003"}, []string{"JG-K-001", "JG-J-001"}},
		{"applies_to=practitioner", []string{"CY-K-001", "CY-K-002", "JG-K-001", "JG-J-001"}, []string{"JG-K-002", "JG-J-003"}},
		{"applies_to=both", []string{"JG-K-001", "JG-K-004"}, []string{"CY-K-001", "JG-K-002"}},
		{"q=" + url.QueryEscape("诱"), []string{"CY-K-002"}, []string{"CY-K-001", "JG-K-001"}},
		{"q=jg-j", []string{"JG-J-001", "JG-J-002", "JG-J-003"}, []string{"JG-K-001"}},
		{"q=" + url.QueryEscape("国办发"), []string{"JG-J-003"}, []string{"JG-J-001"}},
	}
	for _, cs := range cases {
		r := c.get("/gov/credit/rules?" + cs.query)
		wantStatus(t, r, http.StatusOK)
		rows := strings.Join(ruleRows(r), " ")
		for _, w := range cs.want {
			if !strings.Contains(rows, w) {
				t.Errorf("%s: rows %s lack %s", cs.query, rows, w)
			}
		}
		for _, w := range cs.notWant {
			if strings.Contains(rows, w) {
				t.Errorf("%s: rows %s hold %s", cs.query, rows, w)
			}
		}
	}
	// The filter chosen stays chosen, the search typed stays typed.
	r := c.get("/gov/credit/rules?type=bonus&q=" + url.QueryEscape("荣誉"))
	if !strings.Contains(r.body, `<option value="bonus" selected>`) {
		t.Errorf("the type filter is not kept")
	}
	wantInputValue(t, r, "q", "荣誉")
	if rows := ruleRows(r); strings.Join(rows, " ") != "JG-J-001 JG-J-002" {
		t.Errorf("bonus rules about 荣誉: %v", rows)
	}
	r = c.get("/gov/credit/rules?q=" + url.QueryEscape("没有这样的规则"))
	wantText(t, r, zh("list.empty"))
}

func TestCreditRuleEditFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rule := e.rule("JG-K-001")
	id := itoa(rule.ID)
	base := "/gov/credit/rules/" + id
	c := e.signedIn("gov", "sysadmin")

	r := c.get(base)
	wantText(t, r, zh("creditrule.disable"))
	if !strings.Contains(r.body, `href="`+base+`/edit"`) {
		t.Errorf("the sysadmin has no edit link on the rule page")
	}
	r = c.get(base + "/edit")
	wantStatus(t, r, http.StatusOK)
	wantInputValue(t, r, "no", "JG-K-001")
	wantInputValue(t, r, "suggested", "5")
	wantInputValue(t, r, "version", itoa(uint64(rule.Version)))

	form := url.Values{"version": {itoa(uint64(rule.Version))}, "no": {"JG-K-001"}, "item": {rule.Item}, "type": {"penalty"},
		"suggested": {"20"}, "min": {"3"}, "max": {"10"}, "operation": {"manual"}, "event": {""}, "basis": {rule.Basis},
		"applies_to": {"both"}, "valid_days": {"365"}, "repairable": {"1"}, "repair_after_days": {"90"}, "enabled": {"1"},
		"note": {"按新规调整建议分值"}}
	// A suggested score beyond the maximum: named beside its field, input kept.
	r = c.post(base+"/edit", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "suggested", zh("creditrule.suggested_out_of_bounds"))
	wantFieldError(t, r, "min", "")
	wantInputValue(t, r, "suggested", "20")
	wantText(t, r, "按新规调整建议分值", zh("form.invalid"))
	// Not a number: its own field says so, in English too.
	form.Set("max", "ten")
	r = c.post(base+"/edit", form, "Accept-Language", "en")
	wantFieldError(t, r, "max", en("creditrule.max_invalid"))
	wantInputValue(t, r, "max", "ten")
	if e.rule("JG-K-001").Version != rule.Version {
		t.Fatalf("a refused edit made a version")
	}

	form.Set("max", "10")
	form.Set("suggested", "8")
	r = c.post(base+"/edit", form)
	wantRedirect(t, r, base)
	r = c.get(base)
	wantText(t, r, zh("creditrule.updated_ok"), zh("creditrule.version_n", 2), "按新规调整建议分值", "周建国")
	// The history names the field changed, before and after.
	diff := regexp.MustCompile(`(?s)<tr><td>` + regexp.QuoteMeta(zh("creditrule.f.suggested")) + `</td><td class="diff-old">([^<]*)</td><td class="diff-new">([^<]*)</td></tr>`).FindStringSubmatch(r.body)
	if diff == nil || diff[1] != zh("creditrule.points", 5) || diff[2] != zh("creditrule.points", 8) {
		t.Errorf("history of the change: %v\n%s", diff, visibleText(r.body))
	}
	if n := strings.Count(r.body, `class="diff-old"`); n != 1 {
		t.Errorf("the history shows %d changed fields, want 1", n)
	}
	// The audit log names the field as the history does, not "suggested".
	log := wantOK(t, c.get("/gov/admin/audit?action=credit.rule.update"))
	wantText(t, log, zh("audit.note.rule_update", "JG-K-001", 2, zh("creditrule.f.suggested"), "按新规调整建议分值"))
	wantNoText(t, log, "(suggested)")
	log = wantOK(t, c.get("/gov/admin/audit?action=credit.rule.update", "Accept-Language", "en"))
	wantText(t, log, en("audit.note.rule_update", "JG-K-001", 2, en("creditrule.f.suggested"), "按新规调整建议分值"))
	if got := e.rule("JG-K-001"); got.Version != 2 || got.Suggested != 8 || got.SpecAt(1).Suggested != 5 {
		t.Errorf("stored: version %d, suggested %d, version 1 suggested %d", got.Version, got.Suggested, got.SpecAt(1).Suggested)
	}
	// The same form again (now stale) is refused with the version it is at.
	r = c.post(base+"/edit", form)
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, zh("creditrule.stale", 2))
	// Saving version 2 unchanged: nothing to make a version of.
	form.Set("version", "2")
	r = c.post(base+"/edit", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantText(t, r, zh("creditrule.nothing_changed"))

	// Disabling needs a note, shown beside it; then the rule is disabled.
	r = c.post(base+"/toggle", url.Values{"enabled": {"0"}, "note": {" "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "note", zh("creditrule.note_required"))
	r = c.post(base+"/toggle", url.Values{"enabled": {"0"}, "note": {"暂停适用，待修订"}})
	wantRedirect(t, r, base)
	r = c.get(base)
	wantText(t, r, zh("creditrule.disabled_ok"), zh("creditrule.version_n", 3), "暂停适用，待修订", zh("creditrule.enable"))
	r = c.get("/gov/credit/rules?enabled=0")
	if rows := ruleRows(r); strings.Join(rows, " ") != "JG-K-001" {
		t.Errorf("disabled rules: %v", rows)
	}
}

func TestCreditRuleCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("gov", "sysadmin")
	r := c.get("/gov/credit/rules")
	wantText(t, r, zh("creditrule.new"))
	r = c.get("/gov/credit/rules/new")
	wantStatus(t, r, http.StatusOK)
	wantInputValue(t, r, "valid_days", "365")

	form := url.Values{"no": {"JG-K-002"}, "item": {"未按规定签订书面租赁合同"}, "type": {"penalty"}, "suggested": {"4"},
		"min": {"2"}, "max": {"6"}, "operation": {"auto"}, "event": {""}, "basis": {"《住房租赁条例》第十条"},
		"applies_to": {"agency"}, "valid_days": {"365"}, "enabled": {"1"}}
	r = c.post("/gov/credit/rules/new", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "no", zh("creditrule.no_taken"))
	wantFieldError(t, r, "event", zh("creditrule.event_required"))
	wantText(t, r, zh("creditrule.no_taken_by", "JG-K-002", "未在规定期限内办理住房租赁合同登记备案"))
	wantInputValue(t, r, "item", "未按规定签订书面租赁合同")

	form.Set("no", "jg-k-008")
	form.Set("operation", "manual")
	r = c.post("/gov/credit/rules/new", form)
	wantRedirectPrefix(t, r, "/gov/credit/rules/")
	r = c.get(r.Header.Get("Location"))
	wantText(t, r, zh("creditrule.created_ok"), "JG-K-008", "未按规定签订书面租赁合同", zh("creditrule.history_created"), "周建国")
}

// Only a sysadmin edits: the others are refused on the server, whatever
// they post, and see no edit controls.
func TestCreditRuleEditIsSysadminOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rule := e.rule("JG-J-001")
	base := "/gov/credit/rules/" + itoa(rule.ID)
	valid := url.Values{"version": {itoa(uint64(rule.Version))}, "no": {"JG-J-001"}, "item": {rule.Item}, "type": {"bonus"},
		"suggested": {"9"}, "min": {"3"}, "max": {"10"}, "operation": {"manual"}, "basis": {rule.Basis}, "applies_to": {"both"},
		"valid_days": {"730"}, "enabled": {"1"}, "note": {"越权修改"}}
	for _, who := range []string{"clerk", "reviewer", "leader"} {
		c := e.signedIn("gov", who)
		r := c.get(base)
		wantStatus(t, r, http.StatusOK)
		wantNoText(t, r, zh("creditrule.disable"))
		if strings.Contains(r.body, base+"/edit") || strings.Contains(r.body, base+"/toggle") {
			t.Errorf("%s sees edit controls on the rule page", who)
		}
		for _, p := range []string{base + "/edit", base + "/toggle", "/gov/credit/rules/new"} {
			r = c.post(p, valid)
			wantStatus(t, r, http.StatusForbidden)
			wantText(t, r, zh("error.forbidden"))
		}
	}
	ag := e.signedIn("agency", "anju.admin")
	r := ag.post("/gov/credit/rules/"+itoa(rule.ID)+"/edit", valid)
	wantStatus(t, r, http.StatusForbidden)
	if got := e.rule("JG-J-001"); got.Version != rule.Version || got.Suggested != rule.Suggested || len(e.ruleCreated()) != 0 {
		t.Errorf("a refused edit changed the rules: %+v", got)
	}
}

// ruleCreated lists the audit entries of created rules.
func (e *env) ruleCreated() []*app.AuditEntry {
	e.t.Helper()
	entries, _, err := e.app.AuditLog(sys, app.AuditFilter{Action: "credit.rule.", Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return entries
}
