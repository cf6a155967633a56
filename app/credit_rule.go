package app

import (
	"time"

	"anju/storage"
)

// Scoring types (计分类型).
const (
	RuleBonus   = "bonus"   // 加分
	RulePenalty = "penalty" // 扣分
)

// Operation types (操作类型): a clerk applies under a manual rule; an
// automatic rule makes the application itself when the platform sees its
// event, and a reviewer confirms it.
const (
	RuleManual = "manual"
	RuleAuto   = "auto"
)

// Events the platform raises for automatic rules.
const (
	EventFilingOverdue      = "filing_overdue"      // a signed lease not filed by its deadline
	EventVerificationForged = "verification_forged" // a code revoked because the owner's data was forged
)

// RuleEvents lists the events an automatic rule may listen to.
var RuleEvents = []string{EventFilingOverdue, EventVerificationForged}

// Who a rule applies to.
const (
	AppliesAgency       = SubjectAgency
	AppliesPractitioner = SubjectPractitioner
	AppliesBoth         = "both"
)

// RuleSpec is what a sysadmin edits of a scoring standard.
type RuleSpec struct {
	No        string `json:"no"`        // 信用规则编号, unique
	Item      string `json:"item"`      // 计分事项
	Type      string `json:"type"`      // bonus or penalty
	Suggested int    `json:"suggested"` // 建议分值, a positive magnitude
	// Min and Max bound the magnitude a clerk may choose instead of the
	// suggested score (with a reason).
	Min       int    `json:"min"`
	Max       int    `json:"max"`
	Operation string `json:"operation"`       // manual or auto
	Event     string `json:"event,omitempty"` // for auto rules
	Basis     string `json:"basis"`           // legal or policy basis 依据
	AppliesTo string `json:"applies_to"`      // agency, practitioner or both
	ValidDays int    `json:"valid_days"`      // a record counts this many days from its event
	// Repairable rules allow early repair 信用修复 once RepairAfterDays of
	// the record's validity have passed.
	Repairable      bool `json:"repairable"`
	RepairAfterDays int  `json:"repair_after_days,omitempty"`
	Enabled         bool `json:"enabled"`
}

// Points is the signed score a record under the rule adds for magnitude n.
func (r *RuleSpec) Points(n int) int {
	if r.Type == RulePenalty {
		return -n
	}
	return n
}

// AppliesToKind reports whether the rule may score a subject of kind.
func (r *RuleSpec) AppliesToKind(kind string) bool {
	return r.AppliesTo == AppliesBoth || r.AppliesTo == kind
}

// RuleVersion is a past version of a rule, kept when it is edited: records
// made under it keep pointing to it.
type RuleVersion struct {
	Version int       `json:"version"`
	Spec    RuleSpec  `json:"spec"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Note    string    `json:"note,omitempty"`
}

// ScoringRule is one scoring standard 记分标准 at its current version.
// History holds every version, the current one last.
type ScoringRule struct {
	ID       uint64        `json:"id"`
	RuleSpec               // current version
	Version  int           `json:"version"`
	History  []RuleVersion `json:"history"`
	Created  time.Time     `json:"created"`
	Updated  time.Time     `json:"updated"`
}

// SpecAt returns the rule as it was at version v (the current one if v is
// unknown).
func (r *ScoringRule) SpecAt(v int) RuleSpec {
	for _, h := range r.History {
		if h.Version == v {
			return h.Spec
		}
	}
	return r.RuleSpec
}

var ruleTable = storage.NewTable(storage.TableOptions[ScoringRule]{
	Name:  "scoring_rules",
	ID:    func(r *ScoringRule) uint64 { return r.ID },
	SetID: func(r *ScoringRule, id uint64) { r.ID = id },
	Indexes: []storage.Index[ScoringRule]{
		{Name: "no", Unique: true, Keys: func(r *ScoringRule) [][]byte { return [][]byte{[]byte(r.No)} }},
		{Name: "event", Keys: func(r *ScoringRule) [][]byte {
			if r.Operation != RuleAuto || r.Event == "" || !r.Enabled {
				return nil
			}
			return [][]byte{[]byte(r.Event)}
		}},
	},
})

// defaultRules ship with the platform: a realistic starting set a sysadmin
// edits. Bases are the national rules most bureaus cite.
var defaultRules = []RuleSpec{
	{No: "JG-K-001", Item: "发布未经核验或核验码失效的房源信息", Type: RulePenalty, Suggested: 5, Min: 3, Max: 10,
		Operation: RuleManual, Basis: "《关于整顿规范住房租赁市场秩序的意见》（建房规〔2019〕10号）第二条",
		AppliesTo: AppliesBoth, ValidDays: 365, Repairable: true, RepairAfterDays: 90, Enabled: true},
	{No: "JG-K-002", Item: "未在规定期限内办理住房租赁合同登记备案", Type: RulePenalty, Suggested: 2, Min: 1, Max: 5,
		Operation: RuleAuto, Event: EventFilingOverdue, Basis: "《商品房屋租赁管理办法》第十四条",
		AppliesTo: AppliesAgency, ValidDays: 180, Repairable: true, RepairAfterDays: 30, Enabled: true},
	{No: "JG-K-003", Item: "伪造、变造权属证明或提交虚假材料办理房源核验", Type: RulePenalty, Suggested: 20, Min: 10, Max: 30,
		Operation: RuleAuto, Event: EventVerificationForged, Basis: "《房地产经纪管理办法》第二十五条、第三十七条",
		AppliesTo: AppliesAgency, ValidDays: 730, Enabled: true},
	{No: "JG-K-004", Item: "租赁纠纷投诉经查证属实", Type: RulePenalty, Suggested: 3, Min: 1, Max: 5,
		Operation: RuleManual, Basis: "《住房租赁条例》第三十条",
		AppliesTo: AppliesBoth, ValidDays: 365, Repairable: true, RepairAfterDays: 90, Enabled: true},
	{No: "JG-K-005", Item: "未在经营场所公示备案信息、服务项目及收费标准", Type: RulePenalty, Suggested: 2, Min: 1, Max: 3,
		Operation: RuleManual, Basis: "《房地产经纪管理办法》第十七条",
		AppliesTo: AppliesAgency, ValidDays: 180, Repairable: true, RepairAfterDays: 30, Enabled: true},
	{No: "JG-K-006", Item: "违规代收代付租金、押金或挪用租赁资金", Type: RulePenalty, Suggested: 15, Min: 10, Max: 25,
		Operation: RuleManual, Basis: "《关于整顿规范住房租赁市场秩序的意见》（建房规〔2019〕10号）第六条",
		AppliesTo: AppliesAgency, ValidDays: 730, Enabled: true},
	{No: "JG-K-007", Item: "未办理备案即开展住房租赁经纪业务", Type: RulePenalty, Suggested: 10, Min: 5, Max: 15,
		Operation: RuleManual, Basis: "《房地产经纪管理办法》第十一条",
		AppliesTo: AppliesAgency, ValidDays: 365, Repairable: true, RepairAfterDays: 90, Enabled: true},
	{No: "CY-K-001", Item: "从业人员未实名登记或冒用他人信息卡从业", Type: RulePenalty, Suggested: 3, Min: 2, Max: 5,
		Operation: RuleManual, Basis: "《关于整顿规范住房租赁市场秩序的意见》（建房规〔2019〕10号）第三条",
		AppliesTo: AppliesPractitioner, ValidDays: 365, Repairable: true, RepairAfterDays: 90, Enabled: true},
	{No: "CY-K-002", Item: "诱导、强迫当事人签订租赁合同或隐瞒房屋重要信息", Type: RulePenalty, Suggested: 5, Min: 3, Max: 10,
		Operation: RuleManual, Basis: "《房地产经纪管理办法》第二十五条",
		AppliesTo: AppliesPractitioner, ValidDays: 365, Enabled: true},
	{No: "JG-J-001", Item: "获得市级以上住房租赁行业荣誉表彰", Type: RuleBonus, Suggested: 5, Min: 3, Max: 10,
		Operation: RuleManual, Basis: "《住房和城乡建设领域信用信息管理暂行办法》第十条",
		AppliesTo: AppliesBoth, ValidDays: 730, Enabled: true},
	{No: "JG-J-002", Item: "获得区级住房租赁行业荣誉表彰", Type: RuleBonus, Suggested: 3, Min: 1, Max: 5,
		Operation: RuleManual, Basis: "《住房和城乡建设领域信用信息管理暂行办法》第十条",
		AppliesTo: AppliesBoth, ValidDays: 365, Enabled: true},
	{No: "JG-J-003", Item: "参与保障性租赁住房运营或租赁纠纷调解成绩突出", Type: RuleBonus, Suggested: 3, Min: 1, Max: 5,
		Operation: RuleManual, Basis: "《关于加快发展保障性租赁住房的意见》（国办发〔2021〕22号）",
		AppliesTo: AppliesAgency, ValidDays: 365, Enabled: true},
}

// seedDefaultRules adds the shipped rules a store does not have yet (by
// rule number): new installations get them all, and an edited or deleted
// rule is never brought back over a sysadmin's choice because only the
// first start adds them (a migration).
func seedDefaultRules(tx *storage.Tx) error {
	now := time.Now()
	for _, spec := range defaultRules {
		if _, err := ruleTable.LookupOne(tx, "no", []byte(spec.No)); err == nil {
			continue
		}
		r := &ScoringRule{RuleSpec: spec, Version: 1, Created: now, Updated: now,
			History: []RuleVersion{{Version: 1, Spec: spec, At: now, By: "system"}}}
		if _, err := ruleTable.Insert(tx, r); err != nil {
			return err
		}
	}
	return nil
}
