package app

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"anju/storage"
)

// Limits of a scoring standard's fields.
const (
	RuleNoMaxLen     = 20
	RuleItemMaxLen   = 100
	RuleBasisMaxLen  = 300
	RuleNoteMaxLen   = 300
	RuleMaxPoints    = 100  // no single record moves a score by more
	RuleMaxValidDays = 3650 // ten years
)

// ruleNoPattern is a rule number such as JG-K-001: groups of capital
// letters and digits joined by single hyphens.
var ruleNoPattern = regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)*$`)

// RuleFilter narrows the list of scoring standards; empty fields match all.
type RuleFilter struct {
	Type      string // bonus or penalty
	Operation string // manual or auto
	// AppliesTo "agency" or "practitioner" also matches rules for both
	// (they score that kind too); "both" matches only those.
	AppliesTo string
	Enabled   *bool
	// Q is looked for, ignoring case, in the rule number, the item and the
	// basis (one Chinese character is enough).
	Q string
}

func (f *RuleFilter) match(r *ScoringRule) bool {
	switch {
	case f.Type != "" && r.Type != f.Type,
		f.Operation != "" && r.Operation != f.Operation,
		f.Enabled != nil && r.Enabled != *f.Enabled:
		return false
	}
	switch f.AppliesTo {
	case "":
	case AppliesBoth:
		if r.AppliesTo != AppliesBoth {
			return false
		}
	default:
		if !r.AppliesToKind(f.AppliesTo) {
			return false
		}
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		return strings.Contains(strings.ToLower(r.No), q) || strings.Contains(strings.ToLower(r.Item), q) ||
			strings.Contains(strings.ToLower(r.Basis), q)
	}
	return true
}

// Rules lists the scoring standards that match f, by rule number. There
// are tens of them: every one is read from the store (no search index).
// Everyone who sees credit may read them; an agency should know the rules
// it is scored by.
func (a *App) Rules(actor Actor, f RuleFilter) ([]*ScoringRule, error) {
	if err := actor.require(PermCreditView); err != nil {
		return nil, err
	}
	var out []*ScoringRule
	err := a.db.View(func(tx *storage.Tx) error {
		return ruleTable.Each(tx, false, func(r *ScoringRule) (bool, error) {
			if f.match(r) {
				out = append(out, r)
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].No < out[j].No })
	return out, nil
}

// GetRule returns one scoring standard with its history.
func (a *App) GetRule(actor Actor, id uint64) (*ScoringRule, error) {
	if err := actor.require(PermCreditView); err != nil {
		return nil, err
	}
	var r *ScoringRule
	err := a.db.View(func(tx *storage.Tx) (err error) {
		if r, err = ruleTable.Get(tx, id); err != nil {
			return notFound("creditrule.not_found", err)
		}
		return nil
	})
	return r, err
}

// CreateRule adds a scoring standard at version 1 (sysadmin).
func (a *App) CreateRule(actor Actor, spec RuleSpec) (*ScoringRule, error) {
	if err := actor.require(PermCreditRules); err != nil {
		return nil, err
	}
	var r *ScoringRule
	err := a.update(func(tx *storage.Tx) error {
		if err := checkRuleSpec(tx, &spec, 0, nil); err != nil {
			return err
		}
		now := a.now()
		r = &ScoringRule{RuleSpec: spec, Version: 1, Created: now, Updated: now,
			History: []RuleVersion{{Version: 1, Spec: spec, At: now, By: ruleAuthor(actor)}}}
		if _, err := ruleTable.Insert(tx, r); err != nil {
			return ruleDuplicate(tx, err, spec.No, nil)
		}
		return a.audit(tx, actor, "credit.rule.create", "scoring_rule", r.ID, r.No+" "+r.Item)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateRule makes spec the rule's next version, with the sysadmin's note
// on why. Records already made under the rule keep the version they were
// made under (ScoringRule.SpecAt); an update that changes nothing is
// refused, so that every version in the history is a real change.
// Enabling and disabling a rule is an update too.
func (a *App) UpdateRule(actor Actor, id uint64, spec RuleSpec, note string) (*ScoringRule, error) {
	if err := actor.require(PermCreditRules); err != nil {
		return nil, err
	}
	var r *ScoringRule
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if r, err = ruleTable.Get(tx, id); err != nil {
			return notFound("creditrule.not_found", err)
		}
		if err := checkRuleSpec(tx, &spec, id, &note); err != nil {
			return err
		}
		changed := RuleSpecChanges(r.RuleSpec, spec)
		if len(changed) == 0 {
			return Errorf(EINVALID, "creditrule.nothing_changed")
		}
		now := a.now()
		r.Version++
		r.RuleSpec, r.Updated = spec, now
		r.History = append(r.History, RuleVersion{Version: r.Version, Spec: spec, At: now, By: ruleAuthor(actor), Note: note})
		if err := ruleTable.Put(tx, r); err != nil {
			return ruleDuplicate(tx, err, spec.No, r)
		}
		return a.audit(tx, actor, "credit.rule.update", "scoring_rule", r.ID,
			fmt.Sprintf("%s v%d (%s): %s", r.No, r.Version, strings.Join(changed, ", "), note),
			auditNote("audit.note.rule_update", noteText(r.No), noteInt(r.Version), ruleFieldsNote(changed), noteText(note)))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SetRuleEnabled enables or disables a rule: UpdateRule with only Enabled
// changed, and the note saying why.
func (a *App) SetRuleEnabled(actor Actor, id uint64, enabled bool, note string) (*ScoringRule, error) {
	r, err := a.GetRule(actor, id)
	if err != nil {
		return nil, err
	}
	spec := r.RuleSpec
	spec.Enabled = enabled
	return a.UpdateRule(actor, id, spec, note)
}

// ruleAuthor is who made a version, as its history shows him.
func ruleAuthor(actor Actor) string {
	if actor.Name != "" {
		return actor.Name
	}
	return actor.Username
}

// checkRuleSpec trims and checks spec (and the change note when note is
// not nil), one message per field; self is the rule's ID when updating.
func checkRuleSpec(tx *storage.Tx, spec *RuleSpec, self uint64, note *string) error {
	var v validation
	spec.No = strings.ToUpper(strings.TrimSpace(spec.No))
	spec.Item = strings.TrimSpace(spec.Item)
	spec.Basis = strings.TrimSpace(spec.Basis)
	spec.Event = strings.TrimSpace(spec.Event)

	switch {
	case spec.No == "":
		v.add("no", "creditrule.no_required")
	case len(spec.No) > RuleNoMaxLen || !ruleNoPattern.MatchString(spec.No):
		v.add("no", "creditrule.no_format")
	}
	switch {
	case spec.Item == "":
		v.add("item", "creditrule.item_required")
	case utf8.RuneCountInString(spec.Item) > RuleItemMaxLen:
		v.add("item", "creditrule.item_too_long")
	}
	if spec.Type != RuleBonus && spec.Type != RulePenalty {
		v.add("type", "creditrule.type_invalid")
	}
	bounds := true
	if spec.Min < 1 || spec.Min > RuleMaxPoints {
		v.add("min", "creditrule.min_invalid")
		bounds = false
	}
	switch {
	case spec.Max > RuleMaxPoints || spec.Max < 1:
		v.add("max", "creditrule.max_invalid")
		bounds = false
	case spec.Max < spec.Min:
		v.add("max", "creditrule.max_below_min")
		bounds = false
	}
	switch {
	case spec.Suggested < 1 || spec.Suggested > RuleMaxPoints:
		v.add("suggested", "creditrule.suggested_invalid")
	case bounds && (spec.Suggested < spec.Min || spec.Suggested > spec.Max):
		// Only against bounds that hold: else the bounds are the problem.
		v.add("suggested", "creditrule.suggested_out_of_bounds")
	}
	switch spec.Operation {
	case RuleAuto:
		switch {
		case spec.Event == "":
			v.add("event", "creditrule.event_required")
		case !slices.Contains(RuleEvents, spec.Event):
			v.add("event", "creditrule.event_invalid")
		}
	case RuleManual:
		if spec.Event != "" {
			v.add("event", "creditrule.event_manual")
		}
	default:
		v.add("operation", "creditrule.operation_invalid")
	}
	switch {
	case spec.Basis == "":
		v.add("basis", "creditrule.basis_required")
	case utf8.RuneCountInString(spec.Basis) > RuleBasisMaxLen:
		v.add("basis", "creditrule.basis_too_long")
	}
	if spec.AppliesTo != AppliesAgency && spec.AppliesTo != AppliesPractitioner && spec.AppliesTo != AppliesBoth {
		v.add("applies_to", "creditrule.applies_to_invalid")
	}
	validDays := spec.ValidDays >= 1 && spec.ValidDays <= RuleMaxValidDays
	if !validDays {
		v.add("valid_days", "creditrule.valid_days_invalid")
	}
	switch {
	case !spec.Repairable && spec.RepairAfterDays != 0:
		v.add("repair_after_days", "creditrule.repair_not_repairable")
	case spec.RepairAfterDays < 0 || (validDays && spec.RepairAfterDays > spec.ValidDays):
		v.add("repair_after_days", "creditrule.repair_days_invalid")
	}
	if note != nil {
		*note = strings.TrimSpace(*note)
		switch {
		case *note == "":
			v.add("note", "creditrule.note_required")
		case utf8.RuneCountInString(*note) > RuleNoteMaxLen:
			v.add("note", "creditrule.note_too_long")
		}
	}
	// The number's owner is named, not only refused: the sysadmin may
	// have meant to edit that rule.
	if _, bad := v.fields["no"]; !bad && spec.No != "" {
		if other, err := ruleTable.LookupOne(tx, "no", []byte(spec.No)); err == nil && other.ID != self {
			return ruleNoTaken(v, other)
		} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return v.err()
}

// ruleNoTaken is the refusal of a rule number another rule holds: the
// field says so and the banner names the other rule.
func ruleNoTaken(v validation, other *ScoringRule) error {
	v.add("no", "creditrule.no_taken")
	return &Error{Code: EINVALID, Key: "creditrule.no_taken_by", Args: []any{other.No, other.Item}, Fields: v.fields}
}

// ruleDuplicate turns a unique-index refusal met while writing (a rule
// numbered the same in between) into ruleNoTaken.
func ruleDuplicate(tx *storage.Tx, err error, no string, self *ScoringRule) error {
	if !errors.Is(err, storage.ErrDuplicate) {
		return err
	}
	other, lerr := ruleTable.LookupOne(tx, "no", []byte(no))
	if lerr != nil || (self != nil && other.ID == self.ID) {
		return Errorf(ECONFLICT, "creditrule.no_taken")
	}
	return ruleNoTaken(validation{}, other)
}

// RuleFields lists a rule's fields in the order forms and histories show
// them; RuleSpecChanges names the changed ones with these names, which
// are also the form's field names.
var RuleFields = []string{"no", "item", "type", "suggested", "min", "max", "operation", "event",
	"basis", "applies_to", "valid_days", "repairable", "repair_after_days", "enabled"}

// ruleFieldsNote names changed fields by their labels (creditrule.f.*),
// for an audit note.
func ruleFieldsNote(fields []string) AuditArg {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = "creditrule.f." + f
	}
	return AuditArg{Keys: keys}
}

// RuleSpecChanges lists the fields in which b differs from a, in the order
// of RuleFields.
func RuleSpecChanges(a, b RuleSpec) []string {
	var out []string
	for _, f := range RuleFields {
		if RuleFieldValue(a, f) != RuleFieldValue(b, f) {
			out = append(out, f)
		}
	}
	return out
}

// RuleFieldValue is one field of spec as a string (as stored: codes, not
// labels), by its name in RuleFields.
func RuleFieldValue(s RuleSpec, field string) string {
	switch field {
	case "no":
		return s.No
	case "item":
		return s.Item
	case "type":
		return s.Type
	case "suggested":
		return fmt.Sprint(s.Suggested)
	case "min":
		return fmt.Sprint(s.Min)
	case "max":
		return fmt.Sprint(s.Max)
	case "operation":
		return s.Operation
	case "event":
		return s.Event
	case "basis":
		return s.Basis
	case "applies_to":
		return s.AppliesTo
	case "valid_days":
		return fmt.Sprint(s.ValidDays)
	case "repairable":
		return fmt.Sprint(s.Repairable)
	case "repair_after_days":
		return fmt.Sprint(s.RepairAfterDays)
	case "enabled":
		return fmt.Sprint(s.Enabled)
	}
	panic("RuleFieldValue: unknown field " + field)
}
