package app

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"anju/storage"
)

func TestCreditScoreArithmetic(t *testing.T) {
	s := creditScale{base: 100, a: 90, b: 75, c: 60}
	d := func(n int) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local).AddDate(0, 0, n) }
	records := []*CreditRecord{
		{Status: RecordActive, Points: -20, Start: d(0), Expires: d(100)},
		{Status: RecordExpired, Points: -5, Start: d(10), Expires: d(20), End: d(20)},
		{Status: RecordRepaired, Points: -10, Start: d(30), Expires: d(400), End: d(60)},
		{Status: RecordWithdrawn, Points: -50, Start: d(40), Expires: d(400), End: d(40)},
		{Status: RecordActive, Points: 5, Start: d(50), Expires: d(200)},
	}
	for _, c := range []struct {
		at    int
		score int
		level string
	}{
		{-1, 100, LevelA}, {0, 80, LevelB}, {15, 75, LevelB}, {20, 80, LevelB}, {35, 70, LevelC},
		{45, 70, LevelC}, {55, 75, LevelB}, {60, 85, LevelB}, {100, 105, LevelA}, {200, 100, LevelA},
	} {
		if got := s.scoreAt(records, d(c.at)); got != c.score || s.level(got) != c.level {
			t.Errorf("day %d: score %d level %s, want %d %s", c.at, got, s.level(got), c.score, c.level)
		}
	}
	if s.level(59) != LevelD || s.level(60) != LevelC || s.level(90) != LevelA {
		t.Error("level boundaries")
	}
	tl := s.scoreTimeline(records, d(-10), d(300))
	want := []ScorePoint{{d(-10), 100}, {d(0), 80}, {d(10), 75}, {d(20), 80}, {d(30), 70}, {d(50), 75}, {d(60), 85}, {d(100), 105}, {d(200), 100}}
	if len(tl) != len(want) {
		t.Fatalf("timeline %v, want %v", tl, want)
	}
	for i := range want {
		if !tl[i].At.Equal(want[i].At) || tl[i].Score != want[i].Score {
			t.Errorf("timeline[%d] = %v %d, want %v %d", i, tl[i].At, tl[i].Score, want[i].At, want[i].Score)
		}
	}
}

// creditActors are the demo's clerk, reviewer and the 北京安居 admin with
// its agency as a subject.
func creditActors(f *fixture) (clerk, reviewer, agencyAdmin Actor, anju Subject) {
	clerk = f.actor(f.storedUser("clerk"))
	reviewer = f.actor(f.storedUser("reviewer"))
	agencyAdmin = f.actor(f.storedUser("anju.admin"))
	return clerk, reviewer, agencyAdmin, Subject{SubjectAgency, agencyAdmin.AgencyID}
}

func ruleByNo(f *fixture, no string) *ScoringRule {
	f.t.Helper()
	var r *ScoringRule
	if err := f.db.View(func(tx *storage.Tx) (err error) { r, err = ruleTable.LookupOne(tx, "no", []byte(no)); return }); err != nil {
		f.t.Fatalf("rule %s: %v", no, err)
	}
	return r
}

var evidence = []CreditUpload{{Name: "检查记录.pdf", Data: demoPDF}}

func TestScoringApplicationFlow(t *testing.T) {
	f := newDemoFixture(t)
	clerk, reviewer, agencyAdmin, anju := creditActors(f)
	rule := ruleByNo(f, "JG-K-004")
	before, err := f.CreditPage(agencyAdmin, anju)
	if err != nil {
		t.Fatal(err)
	}
	in := ScoringInput{Subject: anju.String(), RuleID: strconv.FormatUint(rule.ID, 10), EventDate: "2026-02-20",
		Facts: "承租人投诉押金未退，经查属实。", Docs: evidence}

	bad := in
	bad.Score = "5"
	_, err = f.FileScoring(clerk, bad)
	wantFieldError(t, err, "score_reason", "credit.score_reason_required")
	bad.Score = "9"
	_, err = f.FileScoring(clerk, bad)
	wantFieldError(t, err, "score", "credit.score_out_of_bounds")
	bad.Score = "-3" // the penalty's sign typed in: the standard gives it
	_, err = f.FileScoring(clerk, bad)
	wantFieldError(t, err, "score", "credit.score_magnitude")
	bad = in
	bad.Docs, bad.EventDate = nil, "2026-03-09"
	_, err = f.FileScoring(clerk, bad)
	wantFieldError(t, err, "docs", "credit.docs_required")
	wantFieldError(t, err, "event_date", "credit.event_date_future")
	bad = in
	bad.RuleID = strconv.FormatUint(ruleByNo(f, "JG-K-002").ID, 10)
	_, err = f.FileScoring(clerk, bad)
	wantFieldError(t, err, "rule", "credit.rule_automatic")
	bad.RuleID = strconv.FormatUint(ruleByNo(f, "CY-K-001").ID, 10)
	_, err = f.FileScoring(clerk, bad)
	wantFieldError(t, err, "rule", "credit.rule_not_for_subject")
	if _, err := f.FileScoring(reviewer, in); err == nil {
		t.Error("a reviewer filed an application")
	}
	// A clerk of another district does not see the agency.
	_, err = f.FileScoring(f.actor(f.storedUser("clerk.hd")), in)
	wantFieldError(t, err, "subject", "credit.subject_required")

	p, err := f.FileScoring(clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != ScoringPending || p.Points != -3 || p.RuleVersion != rule.Version || len(p.Docs) != 1 {
		t.Fatalf("application %+v", p)
	}
	_, err = f.ApproveScoring(clerk, p.ID, "")
	wantError(t, err, EFORBIDDEN, "credit.needs_reviewer")
	// Someone holding both roles may not review what he filed.
	both := f.seedUser("both", "双岗", []Role{RoleClerk, RoleReviewer}, "110105", fixturePassword)
	bothActor := f.actor(both)
	p2, err := f.FileScoring(bothActor, in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ApproveScoring(bothActor, p2.ID, "")
	wantError(t, err, EFORBIDDEN, "credit.own_application")
	_, err = f.RejectScoring(reviewer, p2.ID, " ")
	wantFieldError(t, err, "reason", "credit.reject_reason_required")
	if p2, err = f.RejectScoring(reviewer, p2.ID, "重复申请"); err != nil || p2.Status != ScoringRejected {
		t.Fatalf("reject: %v %+v", err, p2)
	}

	rec, err := f.ApproveScoring(reviewer, p.ID, "事实清楚")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ApproveScoring(reviewer, p.ID, "")
	wantError(t, err, ECONFLICT, "credit.application_decided")
	if rec.Status != RecordActive || rec.Points != -3 || rec.RuleNo != "JG-K-004" || rec.RuleVersion != rule.Version ||
		!rec.Expires.Equal(day(f.now()).AddDate(0, 0, rule.ValidDays)) {
		t.Fatalf("record %+v", rec)
	}
	after, err := f.CreditPage(agencyAdmin, anju)
	if err != nil {
		t.Fatal(err)
	}
	if after.Score != before.Score-3 || len(after.Counting) != len(before.Counting)+1 {
		t.Fatalf("score %d → %d, counting %d → %d", before.Score, after.Score, len(before.Counting), len(after.Counting))
	}
	// The penalty is not public during the objection period.
	pub, _ := f.PublicCredit(anju)
	if hasPublic(pub, rec.No) || pub.Score != after.Score {
		t.Fatalf("public during objection period: %+v", pub)
	}

	// The agency objects; the reviewer withdraws the record.
	_, err = f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection})
	wantFieldError(t, err, "reason", "credit.request_reason_required")
	if _, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "押金已于投诉前退还，附转账记录。", Docs: evidence}); err != nil {
		t.Fatal(err)
	}
	_, err = f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "again"})
	wantError(t, err, ECONFLICT, "credit.objection_closed")
	pending, err := f.PendingRequests(reviewer, "")
	if err != nil || !containsRecord(pending, rec.ID) {
		t.Fatalf("pending requests: %v %v", err, pending)
	}
	_, err = f.DecideRequest(clerk, rec.ID, true, "x")
	wantError(t, err, EFORBIDDEN, "credit.needs_reviewer")
	rec, err = f.DecideRequest(reviewer, rec.ID, true, "转账记录属实，撤销记分。")
	if err != nil || rec.Status != RecordWithdrawn {
		t.Fatalf("decide: %v %+v", err, rec)
	}
	final, _ := f.CreditPage(agencyAdmin, anju)
	if final.Score != before.Score {
		t.Fatalf("score after withdrawal %d, want %d", final.Score, before.Score)
	}
	f.clock.Advance(20 * 24 * time.Hour)
	if pub, _ := f.PublicCredit(anju); hasPublic(pub, rec.No) {
		t.Error("a withdrawn record is public")
	}
}

func hasPublic(p *PublicCredit, no string) bool {
	for _, r := range p.Records {
		if r.No == no {
			return true
		}
	}
	return false
}

func containsRecord(rs []*CreditRecord, id uint64) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// approveNew files and approves an application under rule no.
func approveNew(f *fixture, s Subject, no string) *CreditRecord {
	f.t.Helper()
	clerk, reviewer, _, _ := creditActors(f)
	p, err := f.FileScoring(clerk, ScoringInput{Subject: s.String(), RuleID: strconv.FormatUint(ruleByNo(f, no).ID, 10),
		EventDate: f.now().AddDate(0, 0, -1).Format(time.DateOnly), Facts: "现场检查发现。", Docs: evidence})
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := f.ApproveScoring(reviewer, p.ID, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// TestScoringPointsTypedFullWidth: a clerk typing in Chinese input mode
// enters ４ for the points; it is 4, not "Points must be a whole number".
func TestScoringPointsTypedFullWidth(t *testing.T) {
	f := newDemoFixture(t)
	clerk, _, _, anju := creditActors(f)
	rule := ruleByNo(f, "JG-K-004") // 1–5, suggested 3
	p, err := f.FileScoring(clerk, ScoringInput{Subject: anju.String(), RuleID: strconv.FormatUint(rule.ID, 10),
		Score: "　４ ", ScoreReason: "情节较重", EventDate: "2026-02-20", Facts: "承租人投诉押金未退，经查属实。", Docs: evidence})
	if err != nil {
		t.Fatal(err)
	}
	if p.Points != -4 {
		t.Fatalf("points %d, want -4", p.Points)
	}
}

func TestCreditPublicAfterObjectionPeriodAndExpiry(t *testing.T) {
	f := newDemoFixture(t)
	_, _, agencyAdmin, anju := creditActors(f)
	rec := approveNew(f, anju, "JG-K-005") // 2 points, 180 days
	base, _ := f.CreditPage(agencyAdmin, anju)
	f.clock.Advance(16 * 24 * time.Hour)
	if pub, _ := f.PublicCredit(anju); !hasPublic(pub, rec.No) {
		t.Error("a penalty is not public after its objection period")
	}
	_, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "late"})
	wantError(t, err, ECONFLICT, "credit.objection_closed")

	f.clock.Advance(170 * 24 * time.Hour)
	n, err := f.ExpireCreditRecords(SystemActor("test"))
	if err != nil || n == 0 {
		t.Fatalf("expire: %d %v", n, err)
	}
	var stored *CreditRecord
	var sum CreditSummary
	_ = f.db.View(func(tx *storage.Tx) (err error) {
		stored, err = recordTable.Get(tx, rec.ID)
		sum = f.readSummary(tx, anju, nil)
		return
	})
	if stored.Status != RecordExpired {
		t.Fatalf("status %s", stored.Status)
	}
	now, _ := f.CreditPage(agencyAdmin, anju)
	if sum.Score != now.Score || containsRecord(now.Counting, rec.ID) || !containsRecord(base.Counting, rec.ID) {
		t.Errorf("summary %d, page %d; the expired record still counts", sum.Score, now.Score)
	}
}

func TestCreditRepairAndRuleVersion(t *testing.T) {
	f := newDemoFixture(t)
	_, reviewer, agencyAdmin, anju := creditActors(f)
	rec := approveNew(f, anju, "JG-K-001") // 5 points, repairable after 90 days
	// The rule changes afterwards: the record keeps its version.
	spec := ruleByNo(f, "JG-K-001").RuleSpec
	spec.Suggested, spec.Max = 8, 10
	if _, err := f.UpdateRule(f.admin, ruleByNo(f, "JG-K-001").ID, spec, "加重"); err != nil {
		t.Fatal(err)
	}
	rule := ruleByNo(f, "JG-K-001")
	if rule.SpecAt(rec.RuleVersion).Suggested != 5 || rule.Suggested != 8 {
		t.Fatalf("versions: %d %d", rule.SpecAt(rec.RuleVersion).Suggested, rule.Suggested)
	}
	if got, _ := f.GetRecord(agencyAdmin, rec.ID); got.Points != -5 || got.RuleVersion != rec.RuleVersion {
		t.Fatalf("record changed with its rule: %+v", got)
	}

	_, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestRepair, Reason: "已整改", Docs: evidence})
	wantError(t, err, ECONFLICT, "credit.repair_not_allowed")
	f.clock.Advance(91 * 24 * time.Hour)
	_, err = f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestRepair, Reason: "已整改"})
	wantFieldError(t, err, "docs", "credit.repair_docs_required")
	if _, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestRepair, Reason: "已整改", Docs: evidence}); err != nil {
		t.Fatal(err)
	}
	before, _ := f.CreditPage(agencyAdmin, anju)
	got, err := f.DecideRequest(reviewer, rec.ID, true, "整改到位")
	if err != nil || got.Status != RecordRepaired || !got.End.Equal(day(f.now())) {
		t.Fatalf("repair: %v %+v", err, got)
	}
	after, _ := f.CreditPage(agencyAdmin, anju)
	if after.Score != before.Score+5 {
		t.Errorf("score after repair %d, want %d", after.Score, before.Score+5)
	}
}

func TestAutomaticApplications(t *testing.T) {
	f := newDemoFixture(t)
	clerk, _, _, _ := creditActors(f)
	reviewer := f.actor(f.seedUser("rev.city", "市级审核员", []Role{RoleReviewer}, "", fixturePassword))
	// A code revoked as forged raises one application against its agency.
	var v *Verification
	_ = f.db.View(func(tx *storage.Tx) error {
		return verificationTable.Each(tx, true, func(x *Verification) (bool, error) {
			if x.Requester.AgencyID != 0 && x.State(f.now()) == VStatusValid && clerk.InJurisdiction(x.District) {
				v = x
				return false, nil
			}
			return true, nil
		})
	})
	if v == nil {
		t.Fatal("no valid agency verification in the demo")
	}
	if _, err := f.RevokeVerificationFor(clerk, v.Code, "权属证书系伪造", true); err != nil {
		t.Fatal(err)
	}
	page, err := f.ScoringApplications(reviewer, ScoringQuery{Source: SourceAuto, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	var auto *ScoringApplication
	for _, p := range page.Items {
		if p.Ref == "verification:"+strconv.FormatUint(v.ID, 10) {
			auto = p
		}
	}
	if auto == nil || auto.RuleNo != "JG-K-003" || auto.Subject != (Subject{SubjectAgency, v.Requester.AgencyID}) || auto.Points != -20 {
		t.Fatalf("automatic application %+v", auto)
	}
	// The reviewer confirms it like any other.
	if _, err := f.ApproveScoring(reviewer, auto.ID, "确认"); err != nil {
		t.Fatal(err)
	}

	// A lease whose filing deadline passed yesterday raises one.
	var c *Contract
	err = f.db.Update(func(tx *storage.Tx) error {
		ids, err := contractTable.Lookup(tx, "status", []byte(ContractSigned))
		if err != nil {
			return err
		}
		for _, id := range ids {
			x, _ := contractTable.Get(tx, id)
			if x.Source == ContractOnline && x.AgencyID != 0 && x.FilingStatus == FilingNone {
				c = x
				break
			}
		}
		if c == nil {
			t.Fatal("no unfiled online lease in the demo")
		}
		c.FilingDue = f.now().AddDate(0, 0, -1)
		return contractTable.Put(tx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.RaiseOverdueFilings(SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.RaiseOverdueFilings(SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = f.db.View(func(tx *storage.Tx) error {
		return scoringTable.Each(tx, false, func(p *ScoringApplication) (bool, error) {
			if p.Ref == "contract:"+strconv.FormatUint(c.ID, 10) {
				n++
				if p.RuleNo != "JG-K-002" || p.Status != ScoringPending || p.Subject.ID != c.AgencyID {
					t.Errorf("overdue application %+v", p)
				}
			}
			return true, nil
		})
	})
	if n != 1 {
		t.Errorf("%d applications for one overdue lease, want 1", n)
	}
}

func TestCreditPermissions(t *testing.T) {
	f := newDemoFixture(t)
	clerk, _, agencyAdmin, anju := creditActors(f)
	agent := f.actor(f.storedUser("agent.zhang"))
	leju := f.actor(f.storedUser("leju.admin"))
	hd := f.actor(f.storedUser("clerk.hd"))
	leader := f.actor(f.storedUser("leader"))
	in := ScoringInput{Subject: anju.String(), RuleID: strconv.FormatUint(ruleByNo(f, "JG-K-004").ID, 10),
		EventDate: "2026-02-20", Facts: "x", Docs: evidence}
	for _, a := range []Actor{agent, agencyAdmin, leader} {
		_, err := f.FileScoring(a, in)
		wantError(t, err, EFORBIDDEN, "error.forbidden")
	}
	if _, err := f.CreditPage(agent, anju); err != nil {
		t.Errorf("an agent cannot see his agency's credit: %v", err)
	}
	_, err := f.CreditPage(leju, anju)
	wantError(t, err, ENOTFOUND, "credit.subject_not_found")
	_, err = f.CreditPage(hd, anju)
	wantError(t, err, ENOTFOUND, "credit.subject_not_found")
	if _, err := f.CreditPage(leader, anju); err != nil {
		t.Errorf("city-wide viewer: %v", err)
	}
	_, err = f.CreditSubjects(agencyAdmin, CreditSubjectQuery{})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	_, err = f.ScoringApplications(agencyAdmin, ScoringQuery{})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	rec := approveNew(f, anju, "JG-K-005")
	_, err = f.LodgeRequest(clerk, rec.ID, RequestInput{Kind: RequestObjection, Reason: "x"})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	_, err = f.LodgeRequest(leju, rec.ID, RequestInput{Kind: RequestObjection, Reason: "x"})
	wantError(t, err, ENOTFOUND, "credit.record_not_found")
	_, err = f.GetRecord(hd, rec.ID)
	wantError(t, err, ENOTFOUND, "credit.record_not_found")
}

func TestDemoCredit(t *testing.T) {
	f := newDemoFixture(t)
	statuses := map[string]int{}
	records := map[string]int{}
	requests := map[string]int{}
	_ = f.db.View(func(tx *storage.Tx) error {
		_ = scoringTable.Each(tx, false, func(p *ScoringApplication) (bool, error) { statuses[p.Status]++; return true, nil })
		return recordTable.Each(tx, false, func(r *CreditRecord) (bool, error) {
			records[r.Status]++
			for _, q := range r.Requests {
				requests[q.Kind+"/"+q.Status]++
			}
			return true, nil
		})
	})
	for _, s := range []string{ScoringPending, ScoringApproved, ScoringRejected} {
		if statuses[s] == 0 {
			t.Errorf("no %s application in the demo: %v", s, statuses)
		}
	}
	for _, s := range []string{RecordActive, RecordExpired, RecordRepaired, RecordWithdrawn} {
		if records[s] == 0 {
			t.Errorf("no %s record in the demo: %v", s, records)
		}
	}
	for _, s := range []string{"objection/pending", "objection/refused", "objection/accepted", "repair/pending", "repair/accepted"} {
		if requests[s] == 0 {
			t.Errorf("no %s request in the demo: %v", s, requests)
		}
	}
	page, err := f.CreditSubjects(f.admin, CreditSubjectQuery{})
	if err != nil || page.Total == 0 {
		t.Fatalf("subjects: %v %+v", err, page)
	}
	levels := map[string]bool{}
	for i, s := range page.Items {
		levels[s.Level] = true
		if i > 0 && byListThenScore(s, page.Items[i-1]) < 0 {
			t.Errorf("not black-listed, then lowest, first: %v", page.Items)
		}
	}
	if !levels[LevelD] || !levels[LevelA] {
		t.Errorf("demo levels %v, want a D and an A", levels)
	}
}

func TestCreditParamsApplyToStoredSummaries(t *testing.T) {
	f := newDemoFixture(t)
	before, err := f.CreditSubjects(f.admin, CreditSubjectQuery{Size: 100})
	if err != nil || len(before.Items) == 0 {
		t.Fatalf("subjects: %v", err)
	}
	if err := f.SetParams(f.admin, map[string]string{ParamCreditBase: "80"}); err != nil {
		t.Fatal(err)
	}
	after, err := f.CreditSubjects(f.admin, CreditSubjectQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	scale := f.creditScale()
	byID := map[Subject]CreditSummary{}
	for _, s := range after.Items {
		byID[s.Subject] = s
	}
	for _, b := range before.Items {
		a := byID[b.Subject]
		want, _ := heldLevel(scale.level(a.Score), a.Blacklisted) // D while black-listed
		if a.Score != b.Score-20 || a.Level != want {
			t.Errorf("%s: %d %s → %d %s after the base went from 100 to 80", b.Name, b.Score, b.Level, a.Score, a.Level)
		}
	}
}

// The public page reads the summary's copy of the recent records: at any
// time it must disclose exactly what the records themselves say.
func TestPublicCreditFromSummaryMatchesRecords(t *testing.T) {
	f := newDemoFixture(t)
	_, _, agencyAdmin, anju := creditActors(f)
	approveNew(f, anju, "JG-K-005")
	rec := approveNew(f, anju, "JG-K-004")
	if _, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "有异议"}); err != nil {
		t.Fatal(err)
	}
	var records []*CreditRecord
	_ = f.db.View(func(tx *storage.Tx) (err error) { records, err = subjectRecords(tx, anju); return })
	scale := f.creditScale()
	for days := 0; days < 800; days += 7 {
		now := f.now().AddDate(0, 0, days)
		var want []string
		pending := 0
		for _, r := range slices.Backward(records) {
			if r.Public(now) {
				want = append(want, r.No)
			} else if r.CountsAt(now) {
				pending++
			}
		}
		var sum CreditSummary
		sum.Recent, sum.OlderPublic = recentRecords(records, f.now())
		got := publicCredit(sum, now)
		var gotNos []string
		for _, r := range got.Records {
			gotNos = append(gotNos, r.No)
		}
		more := max(0, len(want)-publicCreditMax)
		want = want[:len(want)-more]
		if !slices.Equal(gotNos, want) || got.Pending != pending || got.More != more {
			t.Fatalf("day %d: public %v pending %d, %d more; want %v pending %d, %d more", days, gotNos, got.Pending, got.More, want, pending, more)
		}
	}
	// Through the App, later than a record's end (the summary is stale
	// until the daily job): the score comes from the records.
	f.clock.Advance(200 * 24 * time.Hour)
	v, err := f.PublicCredit(anju)
	if err != nil {
		t.Fatal(err)
	}
	if want := scale.scoreAt(records, f.now()); v.Score != want {
		t.Errorf("public score %d, want %d from the records", v.Score, want)
	}
}

func TestCreditLevelThresholdsInOrder(t *testing.T) {
	f := newFixture(t)
	err := f.SetParams(f.admin, map[string]string{ParamCreditLevelB: "95"}) // A is 90
	wantFieldError(t, err, ParamCreditLevelB, "credit.levels_order")
	err = f.SetParams(f.admin, map[string]string{ParamCreditLevelC: "80"}) // B is 75
	wantFieldError(t, err, ParamCreditLevelC, "credit.levels_order")
	// The settings form sends every value: the message goes beside the
	// one that changed, beside both when both did.
	all := func(a, b, c string) map[string]string {
		return map[string]string{ParamCreditLevelA: a, ParamCreditLevelB: b, ParamCreditLevelC: c}
	}
	for _, tc := range []struct {
		values map[string]string
		fields []string
	}{
		{all("70", "75", "60"), []string{ParamCreditLevelA}},
		{all("90", "95", "60"), []string{ParamCreditLevelB}},
		{all("90", "55", "60"), []string{ParamCreditLevelB}},
		{all("90", "75", "80"), []string{ParamCreditLevelC}},
		{all("70", "80", "60"), []string{ParamCreditLevelA, ParamCreditLevelB}},
	} {
		e := wantError(t, f.SetParams(f.admin, tc.values), EINVALID, "form.invalid")
		want := map[string]string{}
		for _, field := range tc.fields {
			want[field] = "credit.levels_order"
		}
		if !maps.Equal(e.Fields, want) {
			t.Errorf("%v: fields %v, want %v", tc.values, e.Fields, want)
		}
	}
	// Moved together, in order: accepted.
	if err := f.SetParams(f.admin, map[string]string{ParamCreditLevelA: "96", ParamCreditLevelB: "95", ParamCreditLevelC: "80"}); err != nil {
		t.Fatal(err)
	}
	if got := f.creditScale(); got.a != 96 || got.b != 95 || got.c != 80 {
		t.Errorf("thresholds %+v", got)
	}
}

// TestExpireCreditRecordsPastABatchDueLaterToday: more records due later
// today than a batch holds, ahead in the index of one due earlier today,
// do not keep that one from expiring.
func TestExpireCreditRecordsPastABatchDueLaterToday(t *testing.T) {
	t.Parallel()
	f := newDemoFixture(t)
	_, _, _, anju := creditActors(f)
	now := f.now()
	dayStart := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	if now.Sub(dayStart) < time.Minute || dayStart.AddDate(0, 0, 1).Sub(now) < time.Minute {
		t.Skip("the fixture's clock is too close to midnight for 'earlier' and 'later today'")
	}
	var early uint64
	err := f.db.Update(func(tx *storage.Tx) error {
		for i := range creditBatch + 1 {
			r := &CreditRecord{No: "T-LATER-" + strconv.Itoa(i), SubjectRef: SubjectRef{Subject: anju}, Status: RecordActive,
				Start: now.AddDate(0, 0, -30), Expires: now.Add(time.Second)}
			if _, err := recordTable.Insert(tx, r); err != nil {
				return err
			}
		}
		r := &CreditRecord{No: "T-EARLY", SubjectRef: SubjectRef{Subject: anju}, Status: RecordActive,
			Start: now.AddDate(0, 0, -30), Expires: now.Add(-time.Second)}
		var err error
		early, err = recordTable.Insert(tx, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.ExpireCreditRecords(SystemActor("test"))
	if err != nil {
		t.Fatal(err)
	}
	var r *CreditRecord
	later := 0
	_ = f.db.View(func(tx *storage.Tx) (err error) {
		if r, err = recordTable.Get(tx, early); err != nil {
			return err
		}
		return recordTable.LookupPrefix(tx, "expires", []byte(string(dayKey(now))), func(_ []byte, id uint64) (bool, error) {
			later++
			return true, nil
		})
	})
	if r.Status != RecordExpired {
		t.Errorf("the record due earlier today is %s after the run (%d expired)", r.Status, n)
	}
	if later < creditBatch+1 {
		t.Errorf("%d records due later today left active, want %d", later, creditBatch+1)
	}
}

// TestCreditPendingBeyondTheNewestRecords: a penalty still in its
// objection period is counted as not yet disclosed however many records
// came after it, so that the public page's figures still add up.
func TestCreditPendingBeyondTheNewestRecords(t *testing.T) {
	t.Parallel()
	f := newDemoFixture(t)
	_, _, _, anju := creditActors(f)
	approveNew(f, anju, "JG-K-005") // a penalty: undisclosed for its objection period
	before, err := f.PublicCredit(anju)
	if err != nil {
		t.Fatal(err)
	}
	if before.Pending == 0 {
		t.Fatal("the new penalty is not counted as undisclosed")
	}
	for range recentMax {
		approveNew(f, anju, "JG-J-003") // bonuses: disclosed at once
	}
	after, err := f.PublicCredit(anju)
	if err != nil {
		t.Fatal(err)
	}
	if after.Pending != before.Pending || after.PendingPoints != before.PendingPoints {
		t.Errorf("undisclosed after %d newer records: %d (%d points), before: %d (%d points)",
			recentMax, after.Pending, after.PendingPoints, before.Pending, before.PendingPoints)
	}
}

// TestCreditMoreCountsEveryDisclosedRecord: the public page lists the
// newest disclosed records and says how many more there are, counting
// those older than the ones the summary keeps.
func TestCreditMoreCountsEveryDisclosedRecord(t *testing.T) {
	t.Parallel()
	f := newDemoFixture(t)
	_, _, _, anju := creditActors(f)
	before, err := f.PublicCredit(anju)
	if err != nil {
		t.Fatal(err)
	}
	shown := len(before.Records) + before.More
	const added = recentMax + 10
	for range added {
		approveNew(f, anju, "JG-J-003") // bonuses: disclosed at once
	}
	after, err := f.PublicCredit(anju)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Records) != publicCreditMax || len(after.Records)+after.More != shown+added {
		t.Errorf("%d records listed and %d more, want %d and %d more", len(after.Records), after.More,
			publicCreditMax, shown+added-publicCreditMax)
	}
}
