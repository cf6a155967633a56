package app

import (
	"fmt"
	"time"

	"anju/storage"
)

// demoPDF is a one-page PDF standing in for scanned evidence.
var demoPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// demoCreditCase is one scoring application of the demo: against the n-th
// filed agency (or practitioner), under a rule, filed daysAgo, and what
// became of it.
type demoCreditCase struct {
	practitioner bool
	n            int
	rule         string
	daysAgo      int
	outcome      string // pending, rejected, active, objected, objection_refused, withdrawn, repaired, repair_pending
	facts        string
}

var demoCreditCases = []demoCreditCase{
	// 北京安居 (the demo agency admin's): a fresh penalty it may still
	// object to, an older repairable one, and an honour.
	{n: 0, rule: "JG-K-001", daysAgo: 3, outcome: "active", facts: "在某网络平台发布朝阳区建国路两套房源，未取得房源核验码。"},
	{n: 0, rule: "JG-K-004", daysAgo: 120, outcome: "active", facts: "承租人投诉押金退还纠纷，经调查属实，已责令整改。"},
	{n: 0, rule: "JG-J-002", daysAgo: 200, outcome: "active", facts: "获评2026年度朝阳区住房租赁诚信经营示范单位。"},
	{n: 0, rule: "JG-K-005", daysAgo: 40, outcome: "withdrawn", facts: "检查时门店未公示收费标准。"},
	// A red-listed agency: three honours.
	{n: 1, rule: "JG-J-001", daysAgo: 300, outcome: "active", facts: "获评北京市住房租赁行业诚信经营先进单位。"},
	{n: 1, rule: "JG-J-001", daysAgo: 150, outcome: "active", facts: "获评北京市保障性租赁住房运营优秀企业。"},
	{n: 1, rule: "JG-J-003", daysAgo: 60, outcome: "active", facts: "参与街道租赁纠纷调解工作，成效突出。"},
	{n: 1, rule: "JG-J-002", daysAgo: 20, outcome: "active", facts: "获评区级文明经营单位。"},
	// Two black-listed agencies: serious breaches.
	{n: 5, rule: "JG-K-003", daysAgo: 250, outcome: "active", facts: "提交的不动产权证书复印件经核查系伪造。"},
	{n: 5, rule: "JG-K-006", daysAgo: 180, outcome: "objection_refused", facts: "以自身账户代收租金且未按约定转付出租人。"},
	{n: 5, rule: "JG-K-007", daysAgo: 90, outcome: "active", facts: "分支机构未备案即开展经纪业务。"},
	{n: 9, rule: "JG-K-006", daysAgo: 100, outcome: "active", facts: "挪用承租人押金用于其他经营活动。"},
	{n: 9, rule: "JG-K-003", daysAgo: 45, outcome: "active", facts: "伪造业主授权委托书办理房源核验。"},
	{n: 9, rule: "JG-K-007", daysAgo: 30, outcome: "active", facts: "新设门店未办理备案即对外营业。"},
	{n: 9, rule: "JG-K-001", daysAgo: 10, outcome: "objected", facts: "在网络平台发布已失效核验码的房源。"},
	// Ordinary traffic over the year.
	{n: 2, rule: "JG-K-002", daysAgo: 330, outcome: "active", facts: "合同签约后逾期未办理备案。"},
	{n: 2, rule: "JG-K-005", daysAgo: 250, outcome: "active", facts: "门店未公示备案证明。"},
	{n: 3, rule: "JG-K-004", daysAgo: 280, outcome: "repaired", facts: "承租人投诉房屋维修不及时，经查属实。"},
	{n: 3, rule: "JG-K-001", daysAgo: 160, outcome: "repair_pending", facts: "发布未经核验的房源信息三条。"},
	{n: 4, rule: "JG-K-004", daysAgo: 70, outcome: "rejected", facts: "投诉经营人员服务态度差。"},
	{n: 4, rule: "JG-J-003", daysAgo: 110, outcome: "active", facts: "积极参与保障性租赁住房项目运营。"},
	{n: 6, rule: "JG-K-002", daysAgo: 15, outcome: "pending", facts: "两份合同逾期未备案。"},
	{n: 7, rule: "JG-K-005", daysAgo: 5, outcome: "pending", facts: "检查发现门店未公示服务项目。"},
	{n: 8, rule: "JG-K-004", daysAgo: 8, outcome: "pending", facts: "承租人投诉中介费收取不透明，经查属实。"},
	{n: 10, rule: "JG-K-001", daysAgo: 210, outcome: "rejected", facts: "疑似发布未核验房源，证据不足。"},
	{n: 11, rule: "JG-J-002", daysAgo: 95, outcome: "active", facts: "获评区级行业协会优秀会员单位。"},
	{n: 12, rule: "JG-K-002", daysAgo: 300, outcome: "active", facts: "合同逾期未备案。"},
	// Practitioners.
	{practitioner: true, n: 0, rule: "CY-K-002", daysAgo: 25, outcome: "active", facts: "带看时隐瞒房屋漏水情况，诱导承租人签约。"},
	{practitioner: true, n: 1, rule: "CY-K-001", daysAgo: 140, outcome: "active", facts: "使用他人信息卡开展业务。"},
	{practitioner: true, n: 2, rule: "JG-J-001", daysAgo: 75, outcome: "active", facts: "获评北京市优秀房地产经纪人。"},
	{practitioner: true, n: 3, rule: "JG-K-004", daysAgo: 12, outcome: "pending", facts: "承租人投诉未如实告知费用。"},
	{practitioner: true, n: 4, rule: "CY-K-002", daysAgo: 200, outcome: "withdrawn", facts: "被投诉强迫交易，经复核证据不足。"},
}

// loadDemoCredit adds a year of scoring applications in every state, with
// the records, objections and repairs they led to. It runs once: a store
// that has any application keeps what it has.
func (a *App) loadDemoCredit() error {
	return a.update(func(tx *storage.Tx) error {
		if scoringTable.Count(tx) > 0 {
			return nil
		}
		var agencies, pracs []uint64
		err := agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
			if ag.Live() {
				agencies = append(agencies, ag.ID)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		err = practitionerTable.Each(tx, false, func(p *Practitioner) (bool, error) {
			if p.Current() != nil {
				pracs = append(pracs, p.ID)
			}
			return len(pracs) < 20, nil
		})
		if err != nil {
			return err
		}
		clerk, reviewer := SystemActor("demo"), SystemActor("demo")
		clerk.Username, reviewer.Username = "clerk", "reviewer"
		if u, err := userByName(tx, "clerk"); err == nil {
			clerk.UserID, clerk.Name = u.ID, u.Name
		}
		if u, err := userByName(tx, "reviewer"); err == nil {
			reviewer.Name = u.Name
		}
		touched := map[Subject]bool{}
		for _, c := range demoCreditCases {
			ids := agencies
			kind := SubjectAgency
			if c.practitioner {
				ids, kind = pracs, SubjectPractitioner
			}
			if c.n >= len(ids) {
				continue
			}
			s := Subject{kind, ids[c.n]}
			if err := a.seedDemoCase(tx, s, c, clerk, reviewer); err != nil {
				return fmt.Errorf("demo credit %s %s: %w", s, c.rule, err)
			}
			touched[s] = true
		}
		for s := range touched {
			if _, err := a.refreshSummary(tx, s, a.now()); err != nil {
				return err
			}
		}
		return nil
	})
}

func (a *App) seedDemoCase(tx *storage.Tx, s Subject, c demoCreditCase, clerk, reviewer Actor) error {
	rule, err := ruleTable.LookupOne(tx, "no", []byte(c.rule))
	if err != nil {
		return err
	}
	info, err := subjectInfo(tx, s)
	if err != nil {
		return err
	}
	now := a.now()
	filed := now.AddDate(0, 0, -c.daysAgo).Add(-2 * time.Hour)
	blob, err := tx.PutBlob("证据材料.pdf", "application/pdf", demoPDF, CreditDocMaxBytes)
	if err != nil {
		return err
	}
	p := &ScoringApplication{SubjectRef: subjectRef(info), RuleRef: ruleRef(rule), Magnitude: rule.Suggested, Points: rule.Points(rule.Suggested),
		EventDate: day(filed.AddDate(0, 0, -5)), Facts: c.facts, Source: SourceManual, Status: ScoringPending,
		FiledBy: clerk.Username, FiledByID: clerk.UserID, FiledByName: clerk.Name, Filed: filed,
		Docs: []CreditDoc{{Blob: blob.ID, Name: blob.Name, Type: blob.ContentType, Size: blob.Size}}}
	if rule.Operation == RuleAuto {
		p.Source, p.Event, p.FiledBy, p.FiledByID, p.FiledByName = SourceAuto, rule.Event, "system:credit", 0, ""
		p.Docs = nil
	}
	if p.No, err = nextCreditNo(tx, "SQ", p.District, filed); err != nil {
		return err
	}
	p.History = []CreditEvent{{At: filed, By: p.FiledBy, ByName: p.FiledByName, What: "filed"}}
	decided := filed.Add(26 * time.Hour)
	switch c.outcome {
	case "pending":
		_, err := scoringTable.Insert(tx, p)
		return err
	case "rejected":
		p.Status, p.ReviewedBy, p.ReviewedByName, p.Reviewed, p.Decision = ScoringRejected, reviewer.Username, reviewer.Name, decided, "事实依据不足，请补充现场检查记录后重新申请。"
		p.History = append(p.History, creditEvent(decided, reviewer, "rejected", p.Decision))
		_, err := scoringTable.Insert(tx, p)
		return err
	}
	start := day(decided)
	r := &CreditRecord{SubjectRef: p.SubjectRef, RuleRef: p.RuleRef, Points: p.Points, EventDate: p.EventDate, Facts: p.Facts, Docs: p.Docs,
		Status: RecordActive, Start: start, Expires: start.AddDate(0, 0, rule.ValidDays),
		ObjectionUntil: start.AddDate(0, 0, a.ParamInt(ParamCreditObjectionDays)), Repairable: rule.Repairable,
		Created: decided, Updated: decided}
	if rule.Repairable {
		r.RepairFrom = start.AddDate(0, 0, rule.RepairAfterDays)
	}
	if r.No, err = nextCreditNo(tx, "XY", r.District, decided); err != nil {
		return err
	}
	r.History = []CreditEvent{creditEvent(decided, reviewer, "approved", p.No)}
	later := decided.AddDate(0, 0, 3)
	// The agency's requests are its admin's: its account where the demo
	// has one (anju.admin of 北京安居), else named by the agency.
	lodger := Person{Name: r.AgencyName}
	err = userTable.Each(tx, false, func(u *User) (bool, error) {
		if u.AgencyID != 0 && u.AgencyID == r.AgencyID && u.HasRole(RoleAgencyAdmin) {
			lodger = Person{Username: u.Username, Name: u.Name}
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	objection := CreditRequest{Kind: RequestObjection, Reason: "该事项系门店临时人员所为，本公司已整改，请求撤销记分。",
		Status: RequestPending, By: lodger.Username, ByName: lodger.Name, At: later}
	switch c.outcome {
	case "objected":
		r.Requests = []CreditRequest{objection}
		r.History = append(r.History, CreditEvent{At: later, By: objection.By, ByName: objection.ByName, What: "objection_lodged", Note: objection.Reason})
	case "objection_refused", "withdrawn":
		objection.Status, objection.DecidedBy, objection.DecidedByName, objection.Decided = RequestRefused, reviewer.Username, reviewer.Name, later.AddDate(0, 0, 2)
		what := "objection_refused"
		objection.Decision = "经复核，记分事实清楚、证据充分，维持记分。"
		if c.outcome == "withdrawn" {
			objection.Status, objection.Decision, what = RequestAccepted, "经复核，证据不足，撤销该记分记录。", "objection_accepted"
			r.Status, r.End = RecordWithdrawn, r.Start
		}
		r.Requests = []CreditRequest{objection}
		r.History = append(r.History, CreditEvent{At: later, By: objection.By, ByName: objection.ByName, What: "objection_lodged", Note: objection.Reason},
			creditEvent(objection.Decided, reviewer, what, objection.Decision))
	case "repaired", "repair_pending":
		at := r.RepairFrom.AddDate(0, 0, 5)
		if at.After(now) {
			at = now.Add(-time.Hour)
		}
		q := CreditRequest{Kind: RequestRepair, Reason: "已完成整改并组织全员培训，申请信用修复。", Status: RequestPending,
			By: lodger.Username, ByName: lodger.Name, At: at, Docs: p.Docs}
		r.History = append(r.History, CreditEvent{At: at, By: q.By, ByName: q.ByName, What: "repair_lodged", Note: q.Reason})
		if c.outcome == "repaired" {
			q.Status, q.DecidedBy, q.DecidedByName, q.Decided, q.Decision = RequestAccepted, reviewer.Username, reviewer.Name, at.AddDate(0, 0, 3), "整改到位，准予修复。"
			r.Status, r.End = RecordRepaired, day(q.Decided)
			r.History = append(r.History, creditEvent(q.Decided, reviewer, "repair_accepted", q.Decision))
		}
		r.Requests = []CreditRequest{q}
	}
	if r.Status == RecordActive && !r.Expires.After(now) {
		r.Status, r.End = RecordExpired, r.Expires
		r.History = append(r.History, CreditEvent{At: r.Expires, By: "system:credit", What: "expired"})
	}
	if _, err := recordTable.Insert(tx, r); err != nil {
		return err
	}
	p.Status, p.ReviewedBy, p.ReviewedByName, p.Reviewed, p.RecordID = ScoringApproved, reviewer.Username, reviewer.Name, decided, r.ID
	p.History = append(p.History, creditEvent(decided, reviewer, "approved", ""))
	_, err = scoringTable.Insert(tx, p)
	return err
}
