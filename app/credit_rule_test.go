package app

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// ruleNos lists the numbers of rules, in the order given.
func ruleNos(rules []*ScoringRule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.No
	}
	return out
}

// ruleByNo finds a rule by number through Rules.
func (f *fixture) ruleByNo(no string) *ScoringRule {
	f.t.Helper()
	rules, err := f.Rules(f.admin, RuleFilter{Q: no})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range rules {
		if r.No == no {
			return r
		}
	}
	f.t.Fatalf("no rule %s", no)
	return nil
}

// validRuleSpec is a spec that passes every check.
func validRuleSpec() RuleSpec {
	return RuleSpec{No: "QY-K-101", Item: "未按规定签订书面租赁合同", Type: RulePenalty, Suggested: 4, Min: 2, Max: 6,
		Operation: RuleManual, Basis: "《住房租赁条例》第十条", AppliesTo: AppliesAgency, ValidDays: 365,
		Repairable: true, RepairAfterDays: 60, Enabled: true}
}

func TestRuleDefaultSetOnFreshStore(t *testing.T) {
	f := newFixture(t)
	rules, err := f.Rules(f.admin, RuleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CY-K-001", "CY-K-002", "JG-J-001", "JG-J-002", "JG-J-003",
		"JG-K-001", "JG-K-002", "JG-K-003", "JG-K-004", "JG-K-005", "JG-K-006", "JG-K-007"}
	if got := ruleNos(rules); !slices.Equal(got, want) {
		t.Fatalf("a fresh store has rules %v, want %v", got, want)
	}
	for _, r := range rules {
		if r.Version != 1 || len(r.History) != 1 || r.History[0].Version != 1 || r.History[0].Spec != r.RuleSpec || !r.Enabled {
			t.Errorf("default rule %s: version %d, history %+v, enabled %v; want version 1 with itself as history, enabled",
				r.No, r.Version, r.History, r.Enabled)
		}
	}
	// The shipped set passes the checks a sysadmin's edits must pass.
	err = f.db.View(func(tx *storage.Tx) error {
		for _, r := range rules {
			spec := r.RuleSpec
			if err := checkRuleSpec(tx, &spec, r.ID, nil); err != nil {
				t.Errorf("default rule %s fails validation: %v", r.No, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Reopening (migrations run again only when new) adds nothing.
	f.close()
	f.reopen()
	if again, err := f.Rules(f.admin, RuleFilter{}); err != nil || len(again) != len(want) {
		t.Fatalf("after reopening: %d rules, %v", len(again), err)
	}
}

func TestRuleFilters(t *testing.T) {
	f := newFixture(t)
	yes, no := true, false
	// One rule disabled, so that the enabled filter has something to tell.
	if _, err := f.SetRuleEnabled(f.admin, f.ruleByNo("JG-K-006").ID, false, "与JG-K-002合并"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    RuleFilter
		want []string
	}{
		{"bonus", RuleFilter{Type: RuleBonus}, []string{"JG-J-001", "JG-J-002", "JG-J-003"}},
		{"penalty", RuleFilter{Type: RulePenalty}, []string{"CY-K-001", "CY-K-002", "JG-K-001", "JG-K-002", "JG-K-003", "JG-K-004", "JG-K-005", "JG-K-006", "JG-K-007"}},
		{"automatic", RuleFilter{Operation: RuleAuto}, []string{"JG-K-002", "JG-K-003"}},
		{"manual bonus", RuleFilter{Operation: RuleManual, Type: RuleBonus}, []string{"JG-J-001", "JG-J-002", "JG-J-003"}},
		{"practitioner includes both", RuleFilter{AppliesTo: AppliesPractitioner}, []string{"CY-K-001", "CY-K-002", "JG-J-001", "JG-J-002", "JG-K-001", "JG-K-004"}},
		{"agency includes both", RuleFilter{AppliesTo: AppliesAgency, Type: RuleBonus}, []string{"JG-J-001", "JG-J-002", "JG-J-003"}},
		{"both only", RuleFilter{AppliesTo: AppliesBoth}, []string{"JG-J-001", "JG-J-002", "JG-K-001", "JG-K-004"}},
		{"disabled", RuleFilter{Enabled: &no}, []string{"JG-K-006"}},
		{"enabled bonus", RuleFilter{Enabled: &yes, Type: RuleBonus}, []string{"JG-J-001", "JG-J-002", "JG-J-003"}},
		{"number, any case", RuleFilter{Q: "cy-k"}, []string{"CY-K-001", "CY-K-002"}},
		{"one Chinese character of an item", RuleFilter{Q: "诱"}, []string{"CY-K-002"}},
		{"words of an item", RuleFilter{Q: "荣誉表彰"}, []string{"JG-J-001", "JG-J-002"}},
		{"basis", RuleFilter{Q: "国办发"}, []string{"JG-J-003"}},
		{"basis and filter", RuleFilter{Q: "房地产经纪管理办法", Operation: RuleAuto}, []string{"JG-K-003"}},
		{"nothing", RuleFilter{Q: "不存在的事项"}, nil},
	}
	for _, c := range cases {
		got, err := f.Rules(f.admin, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(ruleNos(got), c.want) {
			t.Errorf("%s: got %v, want %v", c.name, ruleNos(got), c.want)
		}
	}
}

func TestRuleValidation(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name   string
		change func(*RuleSpec)
		field  string
		key    string
	}{
		{"no number", func(s *RuleSpec) { s.No = "  " }, "no", "creditrule.no_required"},
		{"number with spaces", func(s *RuleSpec) { s.No = "JG K 101" }, "no", "creditrule.no_format"},
		{"number with Chinese", func(s *RuleSpec) { s.No = "机构-101" }, "no", "creditrule.no_format"},
		{"number ending in a hyphen", func(s *RuleSpec) { s.No = "JG-K-" }, "no", "creditrule.no_format"},
		{"number too long", func(s *RuleSpec) { s.No = "JG-K-0000000000000001" }, "no", "creditrule.no_format"},
		{"number taken", func(s *RuleSpec) { s.No = "jg-k-001" }, "no", "creditrule.no_taken"},
		{"no item", func(s *RuleSpec) { s.Item = "" }, "item", "creditrule.item_required"},
		{"item too long", func(s *RuleSpec) { s.Item = strings.Repeat("租", 101) }, "item", "creditrule.item_too_long"},
		{"unknown type", func(s *RuleSpec) { s.Type = "fine" }, "type", "creditrule.type_invalid"},
		{"suggested zero", func(s *RuleSpec) { s.Suggested = 0 }, "suggested", "creditrule.suggested_invalid"},
		{"suggested above max", func(s *RuleSpec) { s.Suggested = 7 }, "suggested", "creditrule.suggested_out_of_bounds"},
		{"suggested below min", func(s *RuleSpec) { s.Suggested = 1 }, "suggested", "creditrule.suggested_out_of_bounds"},
		{"min zero", func(s *RuleSpec) { s.Min = 0 }, "min", "creditrule.min_invalid"},
		{"max below min", func(s *RuleSpec) { s.Max = 1; s.Suggested = 1; s.Min = 2 }, "max", "creditrule.max_below_min"},
		{"max above 100", func(s *RuleSpec) { s.Max = 101 }, "max", "creditrule.max_invalid"},
		{"unknown operation", func(s *RuleSpec) { s.Operation = "batch" }, "operation", "creditrule.operation_invalid"},
		{"automatic without event", func(s *RuleSpec) { s.Operation = RuleAuto }, "event", "creditrule.event_required"},
		{"automatic with unknown event", func(s *RuleSpec) { s.Operation, s.Event = RuleAuto, "rain" }, "event", "creditrule.event_invalid"},
		{"manual with event", func(s *RuleSpec) { s.Event = EventFilingOverdue }, "event", "creditrule.event_manual"},
		{"no basis", func(s *RuleSpec) { s.Basis = " " }, "basis", "creditrule.basis_required"},
		{"basis too long", func(s *RuleSpec) { s.Basis = strings.Repeat("条", 301) }, "basis", "creditrule.basis_too_long"},
		{"applies to nobody", func(s *RuleSpec) { s.AppliesTo = "tenant" }, "applies_to", "creditrule.applies_to_invalid"},
		{"valid zero days", func(s *RuleSpec) { s.ValidDays = 0 }, "valid_days", "creditrule.valid_days_invalid"},
		{"valid too long", func(s *RuleSpec) { s.ValidDays = 3651 }, "valid_days", "creditrule.valid_days_invalid"},
		{"repair days when not repairable", func(s *RuleSpec) { s.Repairable = false }, "repair_after_days", "creditrule.repair_not_repairable"},
		{"repair after the validity", func(s *RuleSpec) { s.RepairAfterDays = 366 }, "repair_after_days", "creditrule.repair_days_invalid"},
		{"negative repair days", func(s *RuleSpec) { s.RepairAfterDays = -1 }, "repair_after_days", "creditrule.repair_days_invalid"},
	}
	for _, c := range cases {
		spec := validRuleSpec()
		c.change(&spec)
		_, err := f.CreateRule(f.admin, spec)
		e, ok := AsError(err)
		if !ok || e.Code != EINVALID {
			t.Errorf("%s: got %v, want a validation error", c.name, err)
			continue
		}
		if e.Fields[c.field] != c.key || len(e.Fields) != 1 {
			t.Errorf("%s: fields %v, want only %s=%s", c.name, e.Fields, c.field, c.key)
		}
	}
	// Several problems at once: one message per field.
	_, err := f.CreateRule(f.admin, RuleSpec{Operation: RuleAuto})
	e, _ := AsError(err)
	for _, field := range []string{"no", "item", "type", "suggested", "min", "max", "event", "basis", "applies_to", "valid_days"} {
		if e == nil || e.Fields[field] == "" {
			t.Errorf("an empty automatic rule: no message on %s (%v)", field, err)
		}
	}
	if rules, _ := f.Rules(f.admin, RuleFilter{}); len(rules) != len(defaultRules) {
		t.Errorf("refused rules were stored: %d rules", len(rules))
	}
	// A valid one is stored, trimmed, its number in capitals.
	spec := validRuleSpec()
	spec.No, spec.Item = " qy-k-101 ", " 未按规定签订书面租赁合同 "
	r, err := f.CreateRule(f.admin, spec)
	if err != nil {
		t.Fatal(err)
	}
	if r.No != "QY-K-101" || r.Item != "未按规定签订书面租赁合同" || r.Version != 1 || len(r.History) != 1 || r.History[0].By != "系统管理员" {
		t.Errorf("created %+v", r)
	}
	// A repairable rule may allow repair at once (0 days), and an
	// automatic one with a known event is fine.
	spec = validRuleSpec()
	spec.No, spec.RepairAfterDays, spec.Operation, spec.Event = "QY-K-102", 0, RuleAuto, EventVerificationForged
	if _, err := f.CreateRule(f.admin, spec); err != nil {
		t.Errorf("automatic rule with repair at once: %v", err)
	}
}

func TestRuleNumberTakenNamesTheOther(t *testing.T) {
	f := newFixture(t)
	spec := validRuleSpec()
	spec.No = "JG-K-003"
	_, err := f.CreateRule(f.admin, spec)
	e, ok := AsError(err)
	if !ok || e.Fields["no"] != "creditrule.no_taken" || e.Key != "creditrule.no_taken_by" ||
		len(e.Args) != 2 || e.Args[0] != "JG-K-003" || e.Args[1] != "伪造、变造权属证明或提交虚假材料办理房源核验" {
		t.Fatalf("creating a second JG-K-003: %#v", err)
	}
	// Renaming a rule onto another's number is refused the same way;
	// keeping its own number is not a clash.
	r := f.ruleByNo("JG-K-004")
	spec = r.RuleSpec
	spec.No = "JG-K-005"
	_, err = f.UpdateRule(f.admin, r.ID, spec, "改编号")
	if e, ok := AsError(err); !ok || e.Fields["no"] != "creditrule.no_taken" || e.Args[0] != "JG-K-005" {
		t.Fatalf("renaming JG-K-004 to JG-K-005: %v", err)
	}
	spec = r.RuleSpec
	spec.No = "JG-K-104"
	if got, err := f.UpdateRule(f.admin, r.ID, spec, "编号调整"); err != nil || got.No != "JG-K-104" {
		t.Fatalf("renaming JG-K-004 to a free number: %v", err)
	}
	if again := f.ruleByNo("JG-K-104"); again.ID != r.ID || again.SpecAt(1).No != "JG-K-004" {
		t.Errorf("the renamed rule: %+v", again)
	}
}

func TestRuleVersions(t *testing.T) {
	f := newFixture(t)
	r := f.ruleByNo("JG-K-001")
	before := r.SpecAt(1)

	spec := r.RuleSpec
	// Nothing changed: refused, whatever the note.
	if _, err := f.UpdateRule(f.admin, r.ID, spec, "无修改"); ErrorCode(err) != EINVALID || err.(*Error).Key != "creditrule.nothing_changed" {
		t.Fatalf("an update that changes nothing: %v", err)
	}
	spec.Suggested = 8
	// The note is required.
	if _, err := f.UpdateRule(f.admin, r.ID, spec, "  "); err == nil || err.(*Error).Fields["note"] != "creditrule.note_required" {
		t.Fatalf("an update without a note: %v", err)
	}
	f.clock.Advance(time.Hour)
	got, err := f.UpdateRule(f.admin, r.ID, spec, "依据2026年新规提高建议分值")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Suggested != 8 || len(got.History) != 2 {
		t.Fatalf("after the update: version %d, suggested %d, %d versions", got.Version, got.Suggested, len(got.History))
	}
	h := got.History[1]
	if h.Version != 2 || h.Spec != got.RuleSpec || h.By != "系统管理员" || h.Note != "依据2026年新规提高建议分值" || !h.At.Equal(f.clock.Now()) {
		t.Errorf("version 2 in the history: %+v", h)
	}
	if ch := RuleSpecChanges(got.History[0].Spec, h.Spec); !slices.Equal(ch, []string{"suggested"}) {
		t.Errorf("changes between versions 1 and 2: %v", ch)
	}

	// Disabling is a version of its own.
	got, err = f.SetRuleEnabled(f.admin, r.ID, false, "暂停适用")
	if err != nil || got.Version != 3 || got.Enabled || got.History[2].Note != "暂停适用" {
		t.Fatalf("disable: %+v %v", got, err)
	}
	if _, err := f.SetRuleEnabled(f.admin, r.ID, false, "再次停用"); ErrorCode(err) != EINVALID {
		t.Errorf("disabling a disabled rule: %v", err)
	}

	// Records made under version 1 still read version 1, after reopening.
	f.close()
	f.reopen()
	stored, err := f.GetRule(f.admin, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.SpecAt(1) != before || stored.SpecAt(1).Suggested != 5 || stored.SpecAt(2).Suggested != 8 || stored.SpecAt(2).Enabled != true ||
		stored.SpecAt(3).Enabled || stored.Version != 3 {
		t.Errorf("versions as stored: v1 %+v, v2 %+v, current %+v", stored.SpecAt(1), stored.SpecAt(2), stored.RuleSpec)
	}

	entries, _, err := f.AuditLog(f.admin, AuditFilter{Record: "scoring_rule/" + strconv.FormatUint(r.ID, 10), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"credit.rule.update", "credit.rule.update"}) {
		t.Errorf("audit entries of the rule: %v", actions)
	}
}

// An automatic rule listens for its event only while enabled: the event
// index is what the platform reads when the event happens.
func TestRuleEventIndexFollowsEnabled(t *testing.T) {
	f := newFixture(t)
	listening := func() []uint64 {
		var ids []uint64
		err := f.db.View(func(tx *storage.Tx) (err error) {
			ids, err = ruleTable.Lookup(tx, "event", []byte(EventFilingOverdue))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	r := f.ruleByNo("JG-K-002")
	if got := listening(); !slices.Equal(got, []uint64{r.ID}) {
		t.Fatalf("rules on filing_overdue: %v, want [%d]", got, r.ID)
	}
	if _, err := f.SetRuleEnabled(f.admin, r.ID, false, "暂停"); err != nil {
		t.Fatal(err)
	}
	if got := listening(); len(got) != 0 {
		t.Errorf("a disabled rule still listens: %v", got)
	}
	if _, err := f.SetRuleEnabled(f.admin, r.ID, true, "恢复"); err != nil {
		t.Fatal(err)
	}
	if got := listening(); !slices.Equal(got, []uint64{r.ID}) {
		t.Errorf("re-enabled: %v", got)
	}
}

func TestRulePermissions(t *testing.T) {
	f := newFixture(t)
	r := f.ruleByNo("JG-J-002")
	for _, role := range append(append([]Role{}, GovRoles...), AgencyRoles...) {
		actor := Actor{UserID: 99, Username: "u." + string(role), Roles: []Role{role}, AgencyID: 1}
		if rules, err := f.Rules(actor, RuleFilter{}); err != nil || len(rules) < len(defaultRules) {
			t.Errorf("%s lists %d rules: %v", role, len(rules), err)
		}
		if _, err := f.GetRule(actor, r.ID); err != nil {
			t.Errorf("%s opens a rule: %v", role, err)
		}
		spec := validRuleSpec()
		spec.No = "T-" + strings.ToUpper(strings.ReplaceAll(string(role), "_", ""))
		_, cerr := f.CreateRule(actor, spec)
		upd := r.RuleSpec
		upd.ValidDays++
		_, uerr := f.UpdateRule(actor, r.ID, upd, "测试"+string(role))
		if role == RoleSysadmin {
			if cerr != nil || uerr != nil {
				t.Errorf("sysadmin: create %v, update %v", cerr, uerr)
			}
			continue
		}
		if ErrorCode(cerr) != EFORBIDDEN || ErrorCode(uerr) != EFORBIDDEN {
			t.Errorf("%s: create %v, update %v; want both forbidden", role, cerr, uerr)
		}
	}
	for _, actor := range []Actor{{Username: "nobody"}, {Username: "platform", Roles: []Role{RolePlatform}, APIKeyID: 1}} {
		if _, err := f.Rules(actor, RuleFilter{}); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s lists rules: %v", actor.Username, err)
		}
		if _, err := f.GetRule(actor, r.ID); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s opens a rule: %v", actor.Username, err)
		}
	}
	if _, err := f.GetRule(f.admin, 9999); ErrorCode(err) != ENOTFOUND {
		t.Errorf("an unknown rule: %v", err)
	}
	if _, err := f.UpdateRule(f.admin, 9999, validRuleSpec(), "x"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("updating an unknown rule: %v", err)
	}
	if got := f.ruleByNo("JG-J-002"); got.Version != 2 {
		t.Errorf("only the sysadmin's update should have made a version: version %d", got.Version)
	}
}

// A record made under a rule keeps the version it was made under when a
// sysadmin edits the rule afterwards (through UpdateRule, as the UI does).
func TestRuleEditKeepsRecordsAtTheirVersion(t *testing.T) {
	f := newDemoFixture(t)
	_, _, agencyAdmin, anju := creditActors(f)
	rec := approveNew(f, anju, "JG-K-001")
	rule, err := f.GetRule(f.admin, rec.RuleID)
	if err != nil {
		t.Fatal(err)
	}
	before := rule.SpecAt(rec.RuleVersion)
	spec := rule.RuleSpec
	spec.Suggested, spec.Min, spec.Max, spec.ValidDays = 12, 10, 20, 730
	if _, err := f.UpdateRule(f.admin, rule.ID, spec, "加重处罚"); err != nil {
		t.Fatal(err)
	}
	after, err := f.GetRule(f.admin, rule.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.SpecAt(rec.RuleVersion) != before || after.Version != rec.RuleVersion+1 || after.Suggested != 12 {
		t.Errorf("version %d after the edit: %+v, want %+v; rule at version %d", rec.RuleVersion, after.SpecAt(rec.RuleVersion), before, after.Version)
	}
	got, err := f.GetRecord(agencyAdmin, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RuleVersion != rec.RuleVersion || got.Points != rec.Points || got.Points != -before.Suggested {
		t.Errorf("the record changed with its rule: version %d, points %d; made at version %d with %d points",
			got.RuleVersion, got.Points, rec.RuleVersion, rec.Points)
	}
}
