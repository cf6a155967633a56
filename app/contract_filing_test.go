package app

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// Filing tests build on the contract list's fixture (contract_search_test.go):
// contracts are stored as the signing workflow leaves them, then filed
// through the filing use cases.

type cfFixture struct {
	*clFixture
	reviewer, reviewerHD, clerkReviewer Actor
}

func newCFFixture(t *testing.T) *cfFixture {
	f := &cfFixture{clFixture: newCLFixture(t)}
	f.reviewer = f.actor(f.seedUser("cf.reviewer", "朝阳审核员", []Role{RoleReviewer}, "110105", fixturePassword))
	f.reviewerHD = f.actor(f.seedUser("cf.reviewer.hd", "海淀审核员", []Role{RoleReviewer}, "110108", fixturePassword))
	f.clerkReviewer = f.actor(f.seedUser("cf.both", "录入兼审核", []Role{RoleClerk, RoleReviewer}, "110105", fixturePassword))
	return f
}

func (f *cfFixture) signed(by Actor, agency uint64, lessee string) *Contract {
	return f.put(clContract{district: "110105", status: ContractSigned, by: by, agency: agency, lessee: lessee,
		address: "北京市朝阳区测试路1号"})
}

func (f *cfFixture) apply(actor Actor, c *Contract) *ContractFiling {
	f.t.Helper()
	fl, err := f.ApplyFiling(actor, FilingApply{Mode: "contract", ContractNo: c.No})
	if err != nil {
		f.t.Fatalf("apply for %s: %v", c.No, err)
	}
	return fl
}

// errKey is the message key of a user-facing error: the field's for a
// one-field validation error.
func errKey(err error) string {
	e, ok := AsError(err)
	if !ok {
		if err == nil {
			return "<nil>"
		}
		return "<" + err.Error() + ">"
	}
	if e.Key == "form.invalid" && len(e.Fields) == 1 {
		for _, k := range e.Fields {
			return k
		}
	}
	return e.Key
}

func TestFilingApplyByContractNumber(t *testing.T) {
	f := newCFFixture(t)
	c := f.signed(f.agent1, f.agencyX, "张伟")
	// Typed in lower case, without its dashes.
	fl, err := f.ApplyFiling(f.agent1, FilingApply{Mode: "contract", ContractNo: strings.ToLower(strings.ReplaceAll(c.No, "-", ""))})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^BS2026\d{6}$`).MatchString(fl.No) || fl.Status != FilingPending || fl.ContractID != c.ID ||
		fl.Side != SourceAgency || fl.AgencyID != f.agencyX || len(fl.Lessees) != 1 || fl.Lessees[0] != "张伟" {
		t.Errorf("application: %+v", fl)
	}
	s := f.stored(c.ID)
	if s.FilingStatus != FilingPending || s.FilingID != fl.ID || s.History[len(s.History)-1].Action != "filing_submitted" {
		t.Errorf("contract: %s %d %+v", s.FilingStatus, s.FilingID, s.History)
	}
	if a := f.lastAudit(); a.Action != "filing.apply" {
		t.Errorf("audit: %+v", a)
	}

	cases := []struct {
		name  string
		actor Actor
		in    FilingApply
		want  string
	}{
		{"again", f.agent1, FilingApply{Mode: "contract", ContractNo: c.No}, "filing.already_pending"},
		{"blank", f.agent1, FilingApply{Mode: "contract"}, "filing.contract_no_required"},
		{"unknown", f.agent1, FilingApply{Mode: "contract", ContractNo: "HT110105-2026-999999"}, "filing.contract_unknown"},
		{"another agency", f.agentY, FilingApply{Mode: "contract", ContractNo: c.No}, "filing.contract_unknown"},
		{"another district", f.clerkHD, FilingApply{Mode: "contract", ContractNo: c.No}, "filing.contract_unknown"},
		{"reviewer", f.reviewer, FilingApply{Mode: "contract", ContractNo: c.No}, "error.forbidden"},
	}
	for _, tc := range cases {
		if _, err := f.ApplyFiling(tc.actor, tc.in); errKey(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}

	revoked := f.put(clContract{district: "110105", status: ContractRevoked, by: f.clerk, lessee: "王芳"})
	if _, err := f.ApplyFiling(f.clerk, FilingApply{Mode: "contract", ContractNo: revoked.No}); errKey(err) != "filing.contract_revoked" {
		t.Errorf("revoked contract: %v", err)
	}
	ranOut := f.put(clContract{district: "110105", status: ContractExpired, by: f.clerk, lessee: "王芳"})
	if _, err := f.ApplyFiling(f.clerk, FilingApply{Mode: "contract", ContractNo: ranOut.No}); errKey(err) != "filing.contract_expired" {
		t.Errorf("run-out contract: %v", err)
	}
	filed := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "李娜", filing: FilingFiled})
	if _, err := f.ApplyFiling(f.clerk, FilingApply{Mode: "contract", ContractNo: filed.No}); errKey(err) != "filing.already_filed" {
		t.Errorf("filed contract: %v", err)
	}
}

func TestFilingApplyByCertificate(t *testing.T) {
	f := newCFFixture(t)
	cert := "京(2021)朝阳区不动产权第0101010号"
	one := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "甲", certNo: cert})
	f.put(clContract{district: "110105", status: ContractRevoked, by: f.clerk, lessee: "乙", certNo: cert})
	if _, err := f.FilingCandidates(f.clerk, "110105", ""); errKey(err) != "filing.cert_no_required" {
		t.Errorf("blank certificate: %v", err)
	}
	if _, err := f.FilingCandidates(f.clerk, "110105", "京(2021)朝阳区不动产权第0999999号"); errKey(err) != "filing.no_signed_contract" {
		t.Errorf("no contract: %v", err)
	}
	// Typed with full-width brackets: only the signed contract is offered.
	cs, err := f.FilingCandidates(f.clerk, "110105", "京（2021）朝阳区不动产权第0101010号")
	if err != nil || len(cs) != 1 || cs[0].ID != one.ID {
		t.Fatalf("candidates: %v %v", cs, err)
	}
	fl, err := f.ApplyFiling(f.clerk, FilingApply{Mode: "cert", District: "110105", CertNo: cert})
	if err != nil || fl.ContractID != one.ID || fl.Side != SourceGov {
		t.Fatalf("apply by certificate: %+v %v", fl, err)
	}
	// Two signed contracts (two rooms): the applicant must choose.
	f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "丙", certNo: cert})
	if _, err := f.ApplyFiling(f.clerk, FilingApply{Mode: "cert", District: "110105", CertNo: cert}); errKey(err) != "filing.choose_contract" {
		t.Errorf("two contracts: %v", err)
	}
}

func TestFilingReviewApproveRejectResubmit(t *testing.T) {
	f := newCFFixture(t)
	c := f.signed(f.agent1, f.agencyX, "张伟")
	fl := f.apply(f.agent1, c)

	// The FAQ: only a reviewer reviews; the message says so.
	for _, who := range []Actor{f.clerk, f.adminX, f.city} {
		if _, err := f.ApproveFiling(who, fl.ID); errKey(err) != "filing.needs_reviewer" {
			t.Errorf("approve as %s: %v", who.Username, err)
		}
		if ok, why := f.CanReviewFiling(who, fl.ID); ok || why != "filing.needs_reviewer" {
			t.Errorf("can review as %s: %v %s", who.Username, ok, why)
		}
	}
	if _, err := f.ApproveFiling(f.reviewerHD, fl.ID); errKey(err) != "filing.not_found" {
		t.Errorf("reviewer of another district: %v", err)
	}
	if _, err := f.RejectFiling(f.reviewer, fl.ID, "  "); errKey(err) != "filing.reject_reason_required" {
		t.Errorf("reject without reason: %v", err)
	}
	if _, err := f.RejectFiling(f.reviewer, fl.ID, "承租人身份证复印件不清晰"); err != nil {
		t.Fatal(err)
	}
	got, s := f.filing(fl.ID), f.stored(c.ID)
	if got.Status != FilingRejected || got.RejectReason != "承租人身份证复印件不清晰" || s.FilingStatus != FilingRejected {
		t.Fatalf("after rejection: %s %q, contract %s", got.Status, got.RejectReason, s.FilingStatus)
	}
	if _, err := f.ApplyFiling(f.agent1, FilingApply{Mode: "contract", ContractNo: c.No}); errKey(err) != "filing.returned_resubmit" {
		t.Errorf("new application for a returned one: %v", err)
	}
	if _, err := f.ApproveFiling(f.reviewer, fl.ID); errKey(err) != "filing.not_pending" {
		t.Errorf("approve a returned application: %v", err)
	}

	// The applicant corrects: a document checked by content, then resubmits.
	if _, err := f.AttachFilingDoc(f.agent1, fl.ID, "id_copy", "id.pdf", []byte("not a pdf")); errKey(err) != "contract.doc_type" {
		t.Errorf("text as a document: %v", err)
	}
	if _, err := f.AttachFilingDoc(f.agentY, fl.ID, "id_copy", "id.pdf", clPDF); errKey(err) != "filing.not_found" {
		t.Errorf("another agency attaches: %v", err)
	}
	if _, err := f.ResubmitFiling(f.clerk, fl.ID, ""); errKey(err) != "error.forbidden" {
		t.Errorf("a clerk resubmits an agency's application: %v", err)
	}
	if _, err := f.AttachFilingDoc(f.agent2, fl.ID, "id_copy", "身份证复印件.pdf", clPDF); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ResubmitFiling(f.agent2, fl.ID, "已重新上传清晰的复印件"); err != nil {
		t.Fatal(err)
	}
	got = f.filing(fl.ID)
	if got.Status != FilingPending || len(got.Docs) != 1 || got.Docs[0].Type != "application/pdf" || got.Resubmitted.IsZero() {
		t.Fatalf("after resubmission: %+v", got)
	}
	info, data, err := f.FilingDocument(f.reviewer, fl.ID, got.Docs[0].Blob)
	if err != nil || string(data) != string(clPDF) || info.ContentType != "application/pdf" {
		t.Errorf("document: %+v %v", info, err)
	}
	if _, _, err := f.FilingDocument(f.reviewer, fl.ID, got.Docs[0].Blob+100); errKey(err) != "filing.doc_not_found" {
		t.Errorf("someone else's blob: %v", err)
	}

	f.clock.Advance(time.Hour)
	if _, err := f.ApproveFiling(f.reviewer, fl.ID); err != nil {
		t.Fatal(err)
	}
	got, s = f.filing(fl.ID), f.stored(c.ID)
	if !regexp.MustCompile(`^BA110105-2026-\d{6}$`).MatchString(got.CertificateNo) || got.Status != FilingFiled ||
		got.ReviewedBy.UserID != f.reviewer.UserID {
		t.Errorf("approved: %+v", got)
	}
	if s.FilingStatus != FilingFiled || s.FilingCertNo != got.CertificateNo {
		t.Errorf("contract: %s %q", s.FilingStatus, s.FilingCertNo)
	}
	var actions []string
	for _, e := range got.History {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "submitted,rejected,doc_added,resubmitted,approved" {
		t.Errorf("history: %v", actions)
	}
	if a := f.lastAudit(); a.Action != "filing.approve" || !strings.Contains(a.Detail, got.CertificateNo) {
		t.Errorf("audit: %+v", a)
	}
	// Certificate numbers run on per district and year.
	c2 := f.signed(f.clerk, 0, "王芳")
	fl2 := f.apply(f.clerk, c2)
	if fl2, err = f.ApproveFiling(f.reviewer, fl2.ID); err != nil {
		t.Fatal(err)
	}
	if fl2.CertificateNo <= got.CertificateNo || fl2.CertificateNo[:15] != got.CertificateNo[:15] {
		t.Errorf("second certificate %s after %s", fl2.CertificateNo, got.CertificateNo)
	}
}

func TestFilingSeparationOfDuties(t *testing.T) {
	f := newCFFixture(t)
	c := f.signed(f.clerkReviewer, 0, "张伟")
	fl := f.apply(f.clerkReviewer, c)
	// His to-do counts what others applied for, not his own.
	f.apply(f.clerk, f.signed(f.clerk, 0, "李娜"))
	for who, want := range map[*Actor]int{&f.clerkReviewer: 1, &f.reviewer: 2, &f.clerk: 0} {
		if n, err := f.FilingsToReview(*who); err != nil || n != want {
			t.Errorf("%s has %d filings to review (%v), want %d", who.Username, n, err, want)
		}
	}
	if _, err := f.ApproveFiling(f.clerkReviewer, fl.ID); errKey(err) != "filing.review_own" {
		t.Errorf("approve own: %v", err)
	}
	if _, err := f.RejectFiling(f.clerkReviewer, fl.ID, "理由"); errKey(err) != "filing.review_own" {
		t.Errorf("reject own: %v", err)
	}
	if ok, why := f.CanReviewFiling(f.clerkReviewer, fl.ID); ok || why != "filing.review_own" {
		t.Errorf("can review own: %v %s", ok, why)
	}
	if ok, _ := f.CanReviewFiling(f.reviewer, fl.ID); !ok {
		t.Error("another reviewer may not review")
	}
	// Nor what he resubmitted for someone else.
	if _, err := f.RejectFiling(f.reviewer, fl.ID, "缺少产权证明"); err != nil {
		t.Fatal(err)
	}
	c2 := f.signed(f.clerk, 0, "李娜")
	fl2 := f.apply(f.clerk, c2)
	if _, err := f.RejectFiling(f.reviewer, fl2.ID, "缺少产权证明"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ResubmitFiling(f.clerkReviewer, fl2.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ApproveFiling(f.clerkReviewer, fl2.ID); errKey(err) != "filing.review_own" {
		t.Errorf("approve what he resubmitted: %v", err)
	}
	// His to-do and the queue's mark say the same: what he resubmitted is
	// not his to decide, though another clerk applied for it.
	for who, want := range map[*Actor]int{&f.clerkReviewer: 1, &f.reviewer: 2, &f.clerk: 0} {
		if n, err := f.FilingsToReview(*who); err != nil || n != want {
			t.Errorf("after the resubmission %s has %d filings to review (%v), want %d", who.Username, n, err, want)
		}
	}
	got, _, err := f.GetFiling(f.reviewer, fl2.ID)
	if err != nil {
		t.Fatal(err)
	}
	for who, want := range map[*Actor]bool{&f.clerkReviewer: true, &f.clerk: true, &f.reviewer: false} {
		if got.Own(*who) != want {
			t.Errorf("filing %s own for %s: %v", got.No, who.Username, !want)
		}
	}
}

func TestFilingOverdue(t *testing.T) {
	f := newCFFixture(t)
	old := f.put(clContract{district: "110105", status: ContractSigned, by: f.agent1, agency: f.agencyX, lessee: "逾期甲",
		signed: f.now().AddDate(0, 0, -40)})
	recent := f.signed(f.agent1, f.agencyX, "按时乙")
	late := f.put(clContract{district: "110105", status: ContractSigned, by: f.agent1, agency: f.agencyX, lessee: "未申请丙",
		signed: f.now().AddDate(0, 0, -35)})
	flOld, flRecent := f.apply(f.agent1, old), f.apply(f.agent1, recent)
	if !flOld.Overdue(f.now()) || flRecent.Overdue(f.now()) {
		t.Errorf("overdue flags: %v %v", flOld.Overdue(f.now()), flRecent.Overdue(f.now()))
	}
	for _, who := range []Actor{f.reviewer, f.agent1} {
		p, err := f.SearchFilings(who, FilingQuery{Overdue: true})
		if err != nil || p.Total != 1 || p.Items[0].ID != flOld.ID {
			t.Errorf("overdue queue as %s: %+v %v", who.Username, p, err)
		}
	}
	// The agency's figures: two open applications, two contracts overdue
	// (one applied for late, one never).
	n, err := f.CountFilings(f.agent1)
	if err != nil || n.Pending != 2 || n.Overdue != 2 {
		t.Errorf("counts: %+v %v (late contract %s)", n, err, late.No)
	}
	// Filed, it is no longer overdue.
	if _, err := f.ApproveFiling(f.reviewer, flOld.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.SearchFilings(f.reviewer, FilingQuery{Overdue: true}); p.Total != 0 {
		t.Errorf("overdue after approval: %d", p.Total)
	}
}

func TestFilingQueueFilters(t *testing.T) {
	f := newCFFixture(t)
	a := f.apply(f.agent1, f.signed(f.agent1, f.agencyX, "张伟"))
	f.clock.Advance(48 * time.Hour)
	b := f.apply(f.clerk, f.signed(f.clerk, 0, "王芳"))
	hd := f.put(clContract{district: "110108", status: ContractSigned, by: f.clerkHD, lessee: "海淀人"})
	f.apply(f.clerkHD, hd)
	ids := func(p FilingPage) []uint64 {
		var out []uint64
		for _, x := range p.Items {
			out = append(out, x.ID)
		}
		return out
	}
	check := func(name string, actor Actor, q FilingQuery, want ...uint64) {
		t.Helper()
		p, err := f.SearchFilings(actor, q)
		if err != nil || !equalIDs(ids(p), want) {
			t.Errorf("%s: %v %v, want %v", name, ids(p), err, want)
		}
	}
	// The pending queue is first come, first served.
	check("queue", f.reviewer, FilingQuery{Status: FilingPending}, a.ID, b.ID)
	check("agency filter", f.reviewer, FilingQuery{Agency: "测试经纪"}, a.ID)
	check("submitted range", f.reviewer, FilingQuery{From: f.now().Add(-time.Hour)}, b.ID)
	check("one character", f.reviewer, FilingQuery{Text: "芳"}, b.ID)
	check("contract number", f.reviewer, FilingQuery{Text: b.ContractNo}, b.ID)
	check("another district", f.reviewer, FilingQuery{District: "110108"})
	check("agency sees its own", f.agent1, FilingQuery{}, a.ID)
	check("mine", f.clerk, FilingQuery{Mine: true}, b.ID)
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFilingFollowsContract(t *testing.T) {
	f := newCFFixture(t)
	c := f.signed(f.clerk, 0, "张伟")
	fl := f.apply(f.clerk, c)
	if _, err := f.ApproveFiling(f.reviewer, fl.ID); err != nil {
		t.Fatal(err)
	}
	pending := f.apply(f.clerk, f.signed(f.clerk, 0, "王芳"))
	// Revoked: its filing is cancelled, also one still pending. Revoked
	// ahead of its date, the filing stays until the daily job revokes the
	// contract on that date.
	if _, err := f.RevokeContract(f.clerk, c.ID, RevokeInput{Reason: "双方协商解除", Effective: f.today.AddDate(0, 0, 5).Format(time.DateOnly),
		DocName: "协议.pdf", Doc: clPDF}); err != nil {
		t.Fatal(err)
	}
	if got := f.filing(fl.ID); got.Status != FilingFiled {
		t.Errorf("filed application after a revocation recorded ahead: %s", got.Status)
	}
	f.clock.Advance(5 * 24 * time.Hour)
	if _, err := f.ExpireContracts(SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	if got := f.filing(fl.ID); got.Status != FilingCancelled || !got.Ended.Equal(f.today.AddDate(0, 0, 5)) {
		t.Errorf("filed application after revocation: %s %v", got.Status, got.Ended)
	}
	if _, err := f.RevokeContract(f.clerk, pending.ContractID, RevokeInput{Reason: "双方协商解除",
		Effective: day(f.now()).Format(time.DateOnly), DocName: "协议.pdf", Doc: clPDF}); err != nil {
		t.Fatal(err)
	}
	if got := f.filing(pending.ID); got.Status != FilingCancelled {
		t.Errorf("pending application after revocation: %s", got.Status)
	}
	if _, err := f.ApproveFiling(f.reviewer, pending.ID); errKey(err) != "filing.not_pending" {
		t.Errorf("approve a cancelled application: %v", err)
	}

	// Expired by the daily job: the filing is marked ended.
	c3 := f.signed(f.clerk, 0, "李娜")
	fl3 := f.apply(f.clerk, c3)
	if _, err := f.ApproveFiling(f.reviewer, fl3.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(f.end.AddDate(0, 0, 2).Sub(f.now()))
	if _, err := f.ExpireContracts(SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	if got := f.filing(fl3.ID); got.Status != FilingEnded {
		t.Errorf("filed application after expiry: %s", got.Status)
	}
}

func TestPublicFilingCheck(t *testing.T) {
	f := newCFFixture(t)
	c := f.signed(f.agent1, f.agencyX, "张伟")
	fl := f.apply(f.agent1, c)
	fl, err := f.ApproveFiling(f.reviewer, fl.ID)
	if err != nil {
		t.Fatal(err)
	}
	typed := strings.ToLower(strings.ReplaceAll(fl.CertificateNo, "-", " "))
	pf, err := f.CheckFiling(typed, " 张 伟 ")
	if err != nil {
		t.Fatal(err)
	}
	if pf.State != FilingFiled || pf.CertificateNo != fl.CertificateNo || len(pf.Lessees) != 1 || pf.Lessees[0] != MaskName("张伟") ||
		pf.Lessees[0] == "张伟" || pf.Address == "" || pf.Filed.IsZero() || !pf.Start.Equal(c.Terms.Start) {
		t.Errorf("public answer: %+v", pf)
	}
	for _, tc := range []struct{ cert, name string }{
		{fl.CertificateNo, "王芳"},        // wrong name
		{"BA110105-2026-999999", "张伟"},  // unknown number
		{"BA110105-2026-999999", "房东赵"}, // the lessor is not asked for
		{fl.CertificateNo, "房东赵"},       // nor found by
	} {
		if _, err := f.CheckFiling(tc.cert, tc.name); errKey(err) != "filing.public_none" {
			t.Errorf("%s %s: %v", tc.cert, tc.name, err)
		}
	}
	if _, err := f.CheckFiling("", ""); err == nil {
		t.Error("blank check accepted")
	}

	// A name in parts, as the ID card writes it: the dot as each keyboard
	// types it, or none, finds the filing; a part alone does not.
	c2 := f.signed(f.agent1, f.agencyX, "阿依古丽·买买提")
	fl2, err := f.ApproveFiling(f.reviewer, f.apply(f.agent1, c2).ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"阿依古丽·买买提", "阿依古丽•买买提", "阿依古丽・买买提", "阿依古丽．买买提", "阿依古丽.买买提", "阿依古丽买买提"} {
		if pf, err := f.CheckFiling(fl2.CertificateNo, typed); err != nil || pf.CertificateNo != fl2.CertificateNo {
			t.Errorf("%s: %+v %v", typed, pf, err)
		}
	}
	if _, err := f.CheckFiling(fl2.CertificateNo, "阿依古丽"); errKey(err) != "filing.public_none" {
		t.Errorf("a part of the name: %v", err)
	}
}

// Back-entry (合同补录).

// cfProperty stores a registry property with one owner.
func (f *cfFixture) cfProperty(certNo string) *Property {
	f.t.Helper()
	p := &Property{District: "110105", CertType: "01", CertNo: certNo, Address: "北京市朝阳区补录路8号院3号楼502",
		Area: 72.5, Use: "住宅", Owners: []Owner{{Name: "房东赵", IDType: "resident_id", IDNo: "110105198001010016"}}}
	err := f.update(func(tx *storage.Tx) error {
		_, _, err := f.upsertProperty(tx, p, SystemActor("test"))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *cfFixture) backEntryInput(certNo string) BackEntryInput {
	start := f.today.AddDate(0, -1, 0)
	return BackEntryInput{District: "110105", CertNo: certNo, Mode: "whole", SignedOn: start.AddDate(0, 0, -3).Format(time.DateOnly),
		Form: ContractForm{Start: start.Format(time.DateOnly), End: start.AddDate(1, 0, -1).Format(time.DateOnly), Rent: "6500",
			PaymentCycle: "quarterly", PaymentMethod: "transfer", Deposit: "6500", Purpose: "residential", Utilities: "lessee",
			Parties: []PartyForm{
				{Role: PartyLessor, Kind: PartyPerson, Name: "房东赵", IDType: "resident_id", IDNo: "110105198001010016"},
				{Role: PartyLessee, Kind: PartyPerson, Name: "租客钱", IDType: "resident_id", IDNo: "110108199003070024", Phone: "13900002222"},
			}},
		ScanName: "纸质合同.pdf", Scan: clPDF}
}

func (f *cfFixture) setSignRequired(on bool) {
	f.t.Helper()
	if err := f.SetParams(f.admin, map[string]string{ParamFilingRequiresSign: map[bool]string{true: "true", false: "false"}[on]}); err != nil {
		f.t.Fatal(err)
	}
}

func TestBackEntryFollowsTheParameter(t *testing.T) {
	f := newCFFixture(t)
	cert := "京(2019)朝阳区不动产权第0202020号"
	f.cfProperty(cert)
	// On (the default): back-entry is refused, the page says why.
	if f.BackEntryEnabled() {
		t.Fatal("back-entry enabled by default")
	}
	if _, _, err := f.BackEntry(f.clerk, f.backEntryInput(cert)); errKey(err) != "filing.backentry_disabled" {
		t.Fatalf("back-entry with the parameter on: %v", err)
	}

	f.setSignRequired(false)
	c, fl, err := f.BackEntry(f.agent1, f.backEntryInput(cert))
	if err != nil {
		t.Fatal(err)
	}
	s := f.stored(c.ID)
	if s.Source != ContractBackEntry || s.Status != ContractSigned || !regexp.MustCompile(`^HT110105-2026-\d{6}$`).MatchString(s.No) ||
		s.AgencyID != f.agencyX || s.Terms.Rent != 6500 || len(s.Parties) != 2 || s.PropertyID == 0 ||
		s.Listing.Address != "北京市朝阳区补录路8号院3号楼502" {
		t.Errorf("contract: %+v", s)
	}
	if len(s.Docs) != 1 || s.Docs[0].Kind != "paper_contract" || s.Docs[0].Type != "application/pdf" {
		t.Errorf("docs: %+v", s.Docs)
	}
	if s.FilingStatus != FilingPending || s.FilingID != fl.ID || fl.Source != ContractBackEntry {
		t.Errorf("filing: %s %d %+v", s.FilingStatus, s.FilingID, fl)
	}
	// Due from the paper's signing day.
	if want := f.today.AddDate(0, -1, -3).AddDate(0, 0, 30); !s.FilingDue.Equal(want) {
		t.Errorf("due %v, want %v", s.FilingDue, want)
	}
	// The same room again: refused, naming the contract.
	if _, _, err := f.BackEntry(f.clerk, f.backEntryInput(cert)); errKey(err) != "contract.overlap" {
		t.Errorf("overlap: %v", err)
	} else if e, _ := AsError(err); e.Args[0] != s.No {
		t.Errorf("overlap names %v, want %s", e.Args, s.No)
	}

	// Back on: a paper contract can no longer be applied for.
	if _, err := f.RejectFiling(f.reviewer, fl.ID, "扫描件缺页"); err != nil {
		t.Fatal(err)
	}
	paper := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "纸质"})
	paper.Source = ContractBackEntry
	if err := f.update(func(tx *storage.Tx) error { return contractTable.Put(tx, paper) }); err != nil {
		t.Fatal(err)
	}
	f.setSignRequired(true)
	if _, err := f.ApplyFiling(f.clerk, FilingApply{Mode: "contract", ContractNo: paper.No}); errKey(err) != "filing.requires_online_sign" {
		t.Errorf("paper contract with the parameter on: %v", err)
	}
}

func TestBackEntryValidation(t *testing.T) {
	f := newCFFixture(t)
	cert := "京(2019)朝阳区不动产权第0303030号"
	f.cfProperty(cert)
	f.setSignRequired(false)
	fields := func(err error) map[string]string {
		e, ok := AsError(err)
		if !ok {
			t.Fatalf("not a user error: %v", err)
		}
		return e.Fields
	}
	cases := []struct {
		name        string
		edit        func(*BackEntryInput)
		field, want string
	}{
		{"no district", func(in *BackEntryInput) { in.District = "" }, "district", "filing.district_required"},
		{"unknown certificate", func(in *BackEntryInput) { in.CertNo = "京(2019)朝阳区不动产权第0999999号" }, "cert_no", "filing.property_unknown"},
		{"no scan", func(in *BackEntryInput) { in.Scan = nil }, "scan", "contract.doc_required"},
		{"scan not a document", func(in *BackEntryInput) { in.Scan = []byte("<html>") }, "scan", "contract.doc_type"},
		{"no signing day", func(in *BackEntryInput) { in.SignedOn = "" }, "signed_on", "filing.signed_on_required"},
		{"signed tomorrow", func(in *BackEntryInput) { in.SignedOn = f.today.AddDate(0, 0, 1).Format(time.DateOnly) }, "signed_on", "filing.signed_on_future"},
		{"end before start", func(in *BackEntryInput) { in.Form.End = "2020-01-01" }, "end", "contract.end_before_start"},
		{"rent", func(in *BackEntryInput) { in.Form.Rent = "-5" }, "rent", "contract.rent_invalid"},
		{"lessee ID", func(in *BackEntryInput) { in.Form.Parties[1].IDNo = "110108199003070025" }, "parties.1.id_no", "idcard.checksum"},
		{"lessor not the owner", func(in *BackEntryInput) { in.Form.Parties[0].Name = "冒名" }, "parties.0.name", "contract.lessor_not_owner"},
	}
	for _, tc := range cases {
		in := f.backEntryInput(cert)
		in.Form.Parties = append([]PartyForm{}, in.Form.Parties...)
		tc.edit(&in)
		_, _, err := f.BackEntry(f.clerk, in)
		if got := fields(err)[tc.field]; got != tc.want {
			t.Errorf("%s: %s = %q, want %q (%v)", tc.name, tc.field, got, tc.want, err)
		}
	}
	// A clerk enters only for his jurisdiction.
	in := f.backEntryInput(cert)
	in.District = "110108"
	if _, _, err := f.BackEntry(f.clerk, in); fields(err)["district"] != "filing.district_outside" {
		t.Errorf("other district: %v", err)
	}
	if _, _, err := f.BackEntry(f.reviewer, f.backEntryInput(cert)); errKey(err) != "error.forbidden" {
		t.Errorf("reviewer: %v", err)
	}
	// Nothing was stored by the refusals.
	var n int
	_ = f.db.View(func(tx *storage.Tx) error { n = contractFilingTable.Count(tx); return nil })
	if n != 0 {
		t.Errorf("%d applications stored", n)
	}
}

func (f *cfFixture) filing(id uint64) *ContractFiling {
	f.t.Helper()
	var fl *ContractFiling
	err := f.db.View(func(tx *storage.Tx) (err error) { fl, err = contractFilingTable.Get(tx, id); return })
	if err != nil {
		f.t.Fatal(err)
	}
	return fl
}

func TestDemoFilingRecord(t *testing.T) {
	f := newCFFixture(t)
	c := f.signed(f.agent1, f.agencyX, "张伟")
	at := c.Signed.Add(time.Hour)
	c.FilingStatus = FilingRejected
	c.History = append(c.History,
		ContractEvent{Time: at, By: personOf(f.agent1), Action: "filing_submitted"},
		ContractEvent{Time: at.Add(time.Hour), By: personOf(f.reviewer), Action: "filing_rejected", Note: "缺少授权委托书"})
	err := f.update(func(tx *storage.Tx) error {
		if err := demoFilingRecord(tx, c); err != nil {
			return err
		}
		return contractTable.Put(tx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	fl := f.filing(f.stored(c.ID).FilingID)
	if fl.Status != FilingRejected || fl.RejectReason != "缺少授权委托书" || !fl.Submitted.Equal(at) || fl.Side != SourceAgency ||
		len(fl.History) != 2 || fl.ReviewedBy.UserID != f.reviewer.UserID {
		t.Errorf("demo application: %+v", fl)
	}
	// The agency can resubmit it like any other.
	if _, err := f.ResubmitFiling(f.agent1, fl.ID, ""); err != nil {
		t.Error(err)
	}
}

// TestFilingQueueShowsCompaniesInFull: a lessee that is a company is named
// in full in the queue (not personal data; the reviewer must recognise
// it), a person partly hidden; applications stored before the queue knew
// the difference learn it from their contracts (migration).
func TestFilingQueueShowsCompaniesInFull(t *testing.T) {
	f := newCFFixture(t)
	person := f.signed(f.agent1, f.agent1.AgencyID, "钱承租")
	company := f.signed(f.agent1, f.agent1.AgencyID, "x")
	const name = "北京某科技有限公司"
	if err := f.update(func(tx *storage.Tx) error {
		c, err := contractTable.Get(tx, company.ID)
		if err != nil {
			return err
		}
		c.Parties[1] = Party{Role: PartyLessee, Kind: PartyOrg, Name: name, IDType: "uscc", IDNo: testUSCC("91110105MA01CR001"), Phone: "13900002222"}
		return contractTable.Put(tx, c)
	}); err != nil {
		t.Fatal(err)
	}
	fp, fc := f.apply(f.agent1, person), f.apply(f.agent1, company)
	shown := func() map[uint64][]string {
		t.Helper()
		p, err := f.SearchFilings(f.clerk, FilingQuery{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		out := map[uint64][]string{}
		for _, it := range p.Items {
			out[it.ID] = it.ShownLessees()
		}
		return out
	}
	want := map[uint64][]string{fp.ID: {MaskName("钱承租")}, fc.ID: {name}}
	got := shown()
	for id, w := range want {
		if !slices.Equal(got[id], w) {
			t.Errorf("application %d shows %q, want %q", id, got[id], w)
		}
	}
	// As stored before: no organisations known; the migration finds them.
	if err := f.update(func(tx *storage.Tx) error {
		for _, id := range []uint64{fp.ID, fc.ID} {
			fl, err := contractFilingTable.Get(tx, id)
			if err != nil {
				return err
			}
			fl.LesseeOrgs = nil
			if err := contractFilingTable.Put(tx, fl); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := shown(); got[fc.ID][0] != MaskName(name) {
		t.Fatalf("test set-up: the old application shows %q", got[fc.ID])
	}
	if err := f.update(migrateFilingOrgs); err != nil {
		t.Fatal(err)
	}
	got = shown()
	for id, w := range want {
		if !slices.Equal(got[id], w) {
			t.Errorf("after the migration application %d shows %q, want %q", id, got[id], w)
		}
	}
}

// TestPaperContractFiledOnItsScan: a back-entered paper contract without
// its scan (a bulk back-entry) is applied for with the scan, told so
// beside the field otherwise; an online contract needs nothing more; a
// reviewer cannot file a paper contract whose application has no scan,
// and the applicant cannot resubmit it before adding one.
func TestPaperContractFiledOnItsScan(t *testing.T) {
	f := newCFFixture(t)
	f.setSignRequired(false)
	paper := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "纸质"})
	paper.Source = ContractBackEntry
	if err := f.update(func(tx *storage.Tx) error { return contractTable.Put(tx, paper) }); err != nil {
		t.Fatal(err)
	}
	in := FilingApply{Mode: "contract", ContractNo: paper.No}
	if _, err := f.ApplyFiling(f.clerk, in); errKey(err) != "filing.scan_required_apply" {
		t.Fatalf("paper contract without its scan: %v", err)
	}
	in.ScanName, in.Scan = "scan.txt", []byte("not a document")
	if _, err := f.ApplyFiling(f.clerk, in); errKey(err) != "contract.doc_type" {
		t.Fatalf("paper contract with a text file: %v", err)
	}
	if s := f.stored(paper.ID); s.FilingStatus != FilingNone && s.FilingStatus != "" || len(s.Docs) != 0 {
		t.Fatalf("refused application left %q %+v", s.FilingStatus, s.Docs)
	}
	in.ScanName, in.Scan = "纸质合同.pdf", clPDF
	fl, err := f.ApplyFiling(f.clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	if s := f.stored(paper.ID); len(s.Docs) != 1 || s.Docs[0].Kind != "paper_contract" || s.FilingStatus != FilingPending {
		t.Fatalf("applied with its scan: %q %+v", s.FilingStatus, s.Docs)
	}
	// An online contract brought its documents from the signing.
	f.apply(f.clerk, f.signed(f.clerk, 0, "网签"))

	// The scan lost somehow (an application made before the rule): not
	// filed, the reviewer told why.
	paper = f.stored(paper.ID)
	paper.Docs = nil
	if err := f.update(func(tx *storage.Tx) error { return contractTable.Put(tx, paper) }); err != nil {
		t.Fatal(err)
	}
	_, err = f.ApproveFiling(f.reviewer, fl.ID)
	if e, ok := AsError(err); !ok || e.Code != ECONFLICT || e.Key != "filing.approve_needs_scan" || e.Args[0] != paper.No {
		t.Fatalf("approved without a scan: %v", err)
	}
	if s := f.stored(paper.ID); s.FilingStatus != FilingPending || s.FilingCertNo != "" {
		t.Fatalf("after the refusal: %q %q", s.FilingStatus, s.FilingCertNo)
	}
	if _, err := f.RejectFiling(f.reviewer, fl.ID, "缺纸质合同扫描件"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ResubmitFiling(f.clerk, fl.ID, ""); errKey(err) != "filing.scan_required_resubmit" {
		t.Fatalf("resubmitted without a scan: %v", err)
	}
	if _, err := f.AttachFilingDoc(f.clerk, fl.ID, "paper_contract", "纸质合同.pdf", clPDF); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ResubmitFiling(f.clerk, fl.ID, "已补扫描件"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.ApproveFiling(f.reviewer, fl.ID); err != nil || got.Status != FilingFiled {
		t.Fatalf("approved with the scan added: %v", err)
	}
}

// TestBackEntryUsesTheCodesOfTheRoomsLet: a paper lease entered for a
// room uses the valid codes for that room and for the whole flat, as
// signing online uses its code; another room's code stays valid. A whole
// flat entered after uses the rest.
func TestBackEntryUsesTheCodesOfTheRoomsLet(t *testing.T) {
	f := newCFFixture(t)
	cert := "京(2019)朝阳区不动产权第0202021号"
	f.cfProperty(cert)
	f.setSignRequired(false)
	verify := func(mode, room, area string) *Verification {
		t.Helper()
		res, err := f.Verify(f.clerk, VerifyInput{District: "110105", CertType: "01", CertNo: cert,
			Owners:  []OwnerInput{{Name: "房东赵", IDType: "resident_id", IDNo: "110105198001010016"}},
			Address: "北京市朝阳区补录路8号院3号楼502", Room: room, Area: area, Rooms: "3", Halls: "1", Baths: "1", Rent: "3000", Mode: mode})
		if err != nil {
			t.Fatalf("verify %s %s: %v", mode, room, err)
		}
		return res.Verification
	}
	whole, roomB, roomC := verify("whole", "", "72.5"), verify("shared", "B室", "15"), verify("shared", "C室", "12")
	in := f.backEntryInput(cert)
	in.Mode, in.Form.Rooms = "shared", "b室"
	c, _, err := f.BackEntry(f.clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	state := func(v *Verification) (string, uint64) {
		got, err := f.GetVerification(f.clerk, v.Code)
		if err != nil {
			t.Fatal(err)
		}
		return got.State(f.now()), got.ContractID
	}
	for _, tc := range []struct {
		v        *Verification
		state    string
		contract uint64
	}{{whole, VStatusUsed, c.ID}, {roomB, VStatusUsed, c.ID}, {roomC, VStatusValid, 0}} {
		if st, id := state(tc.v); st != tc.state || id != tc.contract {
			t.Errorf("%s %s after the room's back-entry: %s, contract %d; want %s, %d", tc.v.Listing.Mode, tc.v.Listing.Room, st, id, tc.state, tc.contract)
		}
	}
	if pc, err := f.CheckCode(roomB.Code); err != nil || pc.State != VStatusUsed {
		t.Errorf("public check of the let room's code: %+v %v", pc, err)
	}
}
