package app

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// listFixture is the signing fixture (demo accounts and their two filed
// agencies, no registry) with a practitioner of 北京安居 and one who works
// nowhere.
type listFixture struct {
	*vfFixture
	anjuAg, lejuAg Subject
	prac, idle     *Practitioner
}

func newListFixture(t *testing.T) *listFixture {
	t.Helper()
	f := &listFixture{vfFixture: newSignFixture(t)}
	f.anjuAg = Subject{Kind: SubjectAgency, ID: f.agent.AgencyID}
	f.lejuAg = Subject{Kind: SubjectAgency, ID: f.leju.AgencyID}
	f.prac = f.storePractitioner("孙立新", "110105198807070016", f.agent.AgencyID)
	f.idle = f.storePractitioner("周晓光", "110105199101010017", 0)
	return f
}

// storePractitioner stores a practitioner employed at agencyID (0: none).
func (f *listFixture) storePractitioner(name, idNo string, agencyID uint64) *Practitioner {
	f.t.Helper()
	start := f.now().AddDate(-2, 0, 0)
	p := &Practitioner{Name: name, IDNo: idNo, Mobile: "13900001111", Created: start, Updated: start}
	err := f.update(func(tx *storage.Tx) error {
		if agencyID != 0 {
			ag, err := agencyTable.Get(tx, agencyID)
			if err != nil {
				return err
			}
			p.Employments = []Employment{{AgencyID: ag.ID, AgencyName: ag.Name, Role: PracBroker, Start: start}}
		}
		card, err := nextCardNo(tx)
		if err != nil {
			return err
		}
		p.CardNo = card
		_, err = practitionerTable.Insert(tx, p)
		return err
	})
	if err != nil {
		f.t.Fatalf("store practitioner %s: %v", name, err)
	}
	return p
}

// proposal is a valid black-list proposal for 北京安居 by its credit code.
func (f *listFixture) proposal() ListProposal {
	return ListProposal{List: ListBlack, SubjectKind: SubjectAgency, SubjectRef: " 91110105ma01anju13 ",
		Reason: "发布虚假房源，经查证属实。", Basis: "《房地产经纪管理办法》第二十五条",
		Expires: f.now().AddDate(1, 0, 0).Format(time.DateOnly)}
}

func (f *listFixture) mustPropose(actor Actor, in ListProposal) *ListEntry {
	f.t.Helper()
	e, err := f.ProposeListEntry(actor, in)
	if err != nil {
		f.t.Fatalf("propose as %s: %v", actor.Username, err)
	}
	return e
}

func (f *listFixture) mustApprove(id uint64) *ListEntry {
	f.t.Helper()
	e, err := f.ApproveListEntry(f.reviewer, id)
	if err != nil {
		f.t.Fatalf("approve %d: %v", id, err)
	}
	return e
}

// stored reads an entry as the system sees it.
func (f *listFixture) stored(id uint64) *ListEntry {
	f.t.Helper()
	e, err := f.GetListEntry(SystemActor("test"), id)
	if err != nil {
		f.t.Fatalf("get entry %d: %v", id, err)
	}
	return e
}

// entriesOf returns every entry of a subject.
func (f *listFixture) entriesOf(s Subject) []*ListEntry {
	f.t.Helper()
	var out []*ListEntry
	err := f.db.View(func(tx *storage.Tx) (err error) { out, err = subjectEntries(tx, s); return })
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// score hands a new score to the threshold hook as the credit code does,
// in a transaction of its own.
func (f *listFixture) score(s Subject, score int) {
	f.t.Helper()
	if err := f.update(func(tx *storage.Tx) error { return f.applyListThresholds(tx, s, score, score, f.now()) }); err != nil {
		f.t.Fatalf("score %s %d: %v", s, score, err)
	}
}

func (f *listFixture) setParams(kv ...string) {
	f.t.Helper()
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	if err := f.SetParams(f.admin, m); err != nil {
		f.t.Fatalf("set params %v: %v", m, err)
	}
}

func wantListErr(t *testing.T, what string, err error, code Code, key string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("%s: error %v, want %s %s", what, err, code, key)
	}
}

func wantListField(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Fields[field] != key {
		t.Fatalf("%s: error %v, want %s on %s", what, err, key, field)
	}
}

func TestListProposalIsValidated(t *testing.T) {
	f := newListFixture(t)
	_, err := f.ProposeListEntry(f.clerk, ListProposal{})
	for field, key := range map[string]string{"list": "lists.list_required", "subject_kind": "lists.subject_kind_required",
		"subject": "lists.subject_required", "reason": "lists.reason_required", "basis": "lists.basis_required",
		"expires": "lists.expires_required"} {
		wantListField(t, "empty form", err, field, key)
	}
	for _, c := range []struct {
		change      func(*ListProposal)
		field, want string
	}{
		{func(p *ListProposal) { p.Expires = f.now().Format(time.DateOnly) }, "expires", "lists.expires_past"},
		{func(p *ListProposal) { p.Expires = "2027-02-30" }, "expires", "lists.expires_invalid"},
		{func(p *ListProposal) { p.Expires = f.now().AddDate(11, 0, 0).Format(time.DateOnly) }, "expires", "lists.expires_too_far"},
		{func(p *ListProposal) { p.Reason = strings.Repeat("很", 501) }, "reason", "lists.reason_too_long"},
		{func(p *ListProposal) { p.Doc, p.DocName = []byte("MZ not a document"), "x.pdf" }, "doc", "lists.doc_type"},
		{func(p *ListProposal) { p.SubjectRef = "91110105MA01NONE00" }, "subject", "lists.subject_unknown"},
		// 北京乐居 is in 海淀: not the 朝阳 clerk's to list.
		{func(p *ListProposal) { p.SubjectRef = "北京乐居住房租赁有限公司" }, "subject", "lists.subject_unknown"},
		{func(p *ListProposal) { p.SubjectKind, p.SubjectRef = SubjectPractitioner, "NOCARD" }, "subject", "lists.subject_unknown"},
	} {
		in := f.proposal()
		c.change(&in)
		_, err := f.ProposeListEntry(f.clerk, in)
		wantListField(t, c.want, err, c.field, c.want)
	}
	if _, err := f.ProposeListEntry(f.reviewer, f.proposal()); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("a reviewer proposed: %v", err)
	}
	if n := len(f.entriesOf(f.anjuAg)); n != 0 {
		t.Fatalf("refused proposals stored %d entries", n)
	}
}

// An agency that closed its filing (停业失联 after taking deposits) is the
// one the black list is for: a clerk names it by its credit code, as the
// form's hint says, not only by its name or filing number.
func TestListProposalNamesCancelledAgencyByCode(t *testing.T) {
	f := newListFixture(t)
	err := f.update(func(tx *storage.Tx) error {
		ag, err := agencyTable.Get(tx, f.anjuAg.ID)
		if err != nil {
			return err
		}
		ag.Status, ag.Cancelled = AgencyCancelled, f.now()
		return agencyTable.Put(tx, ag)
	})
	if err != nil {
		t.Fatal(err)
	}
	e := f.mustPropose(f.clerk, f.proposal()) // by its credit code
	if e.Subject != f.anjuAg || e.SubjectCode != "91110105MA01ANJU13" {
		t.Fatalf("proposed for %v %q, want %v", e.Subject, e.SubjectCode, f.anjuAg)
	}
	if info, err := f.ListSubject(f.clerk, SubjectAgency, "91110105MA01ANJU13"); err != nil || info.Subject != f.anjuAg {
		t.Fatalf("the form's subject check: %+v %v", info, err)
	}
}

func TestListReviewFlowAndSeparationOfDuties(t *testing.T) {
	f := newListFixture(t)
	in := f.proposal()
	in.Doc, in.DocName = []byte("%PDF-1.4 inspection record"), "检查笔录.pdf"
	e := f.mustPropose(f.clerk, in)
	if e.Status != ListPending || e.Source != ListSourceManual || e.SubjectName != "北京安居房地产经纪有限公司" ||
		e.SubjectCode != "91110105MA01ANJU13" || e.District != "110105" || e.Evidence == nil || e.Evidence.Type != "application/pdf" {
		t.Fatalf("proposed entry: %+v", e)
	}
	if _, ok := f.AgencyBlacklisted(f.anjuAg.ID); ok {
		t.Fatal("a pending proposal blacklists the agency")
	}
	if _, data, err := f.ListEvidence(f.reviewer, e.ID); err != nil || !strings.HasPrefix(string(data), "%PDF") {
		t.Fatalf("evidence: %q %v", data, err)
	}
	// A second proposal on the same list waits for this one.
	_, err := f.ProposeListEntry(f.clerk, f.proposal())
	wantListErr(t, "second proposal", err, ECONFLICT, "lists.already_pending")

	// Only a reviewer decides, and not his own proposal.
	_, err = f.ApproveListEntry(f.clerk, e.ID)
	wantListErr(t, "clerk approves", err, EFORBIDDEN, "lists.needs_reviewer")
	if ok, why := f.CanReviewListEntry(f.clerk, e.ID); ok || why != "lists.needs_reviewer" {
		t.Fatalf("clerk may review: %v %q", ok, why)
	}
	dual := f.actor(f.seedUser("dual", "双岗", []Role{RoleClerk, RoleReviewer}, "110105", fixturePassword))
	own := f.mustPropose(dual, ListProposal{List: ListRed, SubjectKind: SubjectPractitioner, SubjectRef: f.prac.CardNo,
		Reason: "年度优秀经纪人", Basis: "评选通知", Expires: f.now().AddDate(2, 0, 0).Format(time.DateOnly)})
	_, err = f.ApproveListEntry(dual, own.ID)
	wantListErr(t, "own approval", err, EFORBIDDEN, "lists.review_own")
	_, err = f.RejectListEntry(dual, own.ID, "不予通过")
	wantListErr(t, "own rejection", err, EFORBIDDEN, "lists.review_own")
	// Out of jurisdiction: as if absent.
	_, err = f.ApproveListEntry(f.demoActor("clerk.hd"), e.ID)
	wantListErr(t, "海淀 clerk", err, EFORBIDDEN, "lists.needs_reviewer")

	got := f.mustApprove(e.ID)
	if got.Status != ListActive || got.Listed.IsZero() || got.ReviewedBy.Username != "reviewer" {
		t.Fatalf("approved: %+v", got)
	}
	if b, ok := f.AgencyBlacklisted(f.anjuAg.ID); !ok || b.ID != e.ID {
		t.Fatalf("approved black entry does not blacklist: %v %v", b, ok)
	}
	if _, err := f.ApproveListEntry(f.reviewer, e.ID); ErrorCode(err) != ECONFLICT {
		t.Fatalf("approved twice: %v", err)
	}
	_, err = f.ProposeListEntry(f.clerk, f.proposal())
	wantListErr(t, "proposal for a listed agency", err, ECONFLICT, "lists.already_listed")
	red := f.proposal()
	red.List = ListRed
	_, err = f.ProposeListEntry(f.clerk, red)
	wantListErr(t, "red for a blacklisted agency", err, ECONFLICT, "lists.red_while_black")

	// The reviewer rejects the other one, with a reason.
	_, err = f.RejectListEntry(f.reviewer, own.ID, "  ")
	wantListField(t, "rejection without reason", err, "reject_reason", "lists.reject_reason_required")
	rej, err := f.RejectListEntry(f.reviewer, own.ID, "材料不足")
	if err != nil || rej.Status != ListRejected || rej.RejectReason != "材料不足" {
		t.Fatalf("reject: %+v %v", rej, err)
	}
	var actions []string
	for _, h := range f.stored(e.ID).History {
		actions = append(actions, h.Action+"/"+h.By.Username)
	}
	if strings.Join(actions, " ") != "proposed/clerk approved/reviewer" {
		t.Fatalf("history: %v", actions)
	}
	if a := f.lastAudit(); a.Action != "list.reject" || a.RecordID != own.ID {
		t.Fatalf("last audit: %+v", a)
	}
}

func TestListThresholds(t *testing.T) {
	f := newListFixture(t)
	f.setParams(ParamListBlackBelow, "60", ParamListRedAbove, "115", ParamListAutoDays, "365")

	// Between the thresholds: nothing.
	f.score(f.anjuAg, 60)
	f.score(f.anjuAg, 114)
	if n := len(f.entriesOf(f.anjuAg)); n != 0 {
		t.Fatalf("scores between the thresholds made %d entries", n)
	}
	// Below: black, automatic, active at once, for auto_days.
	f.score(f.anjuAg, 59)
	es := f.entriesOf(f.anjuAg)
	if len(es) != 1 {
		t.Fatalf("%d entries after a score of 59", len(es))
	}
	e := es[0]
	if e.List != ListBlack || e.Source != ListSourceAuto || e.Status != ListActive || e.Score != 59 || e.Threshold != 60 ||
		!e.Expires.Equal(day(f.now()).AddDate(0, 0, 365)) || e.SubjectName != "北京安居房地产经纪有限公司" {
		t.Fatalf("automatic entry: %+v", e)
	}
	if a := f.lastAudit(); a.Action != "list.auto" || a.RecordID != e.ID {
		t.Fatalf("audit: %+v", a)
	}
	// Lower still, then back up: no second entry, and the first stays.
	f.score(f.anjuAg, 40)
	f.score(f.anjuAg, 100)
	if es := f.entriesOf(f.anjuAg); len(es) != 1 || es[0].Status != ListActive {
		t.Fatalf("after more scores: %d entries, first %s", len(es), es[0].Status)
	}
	// A red score of a blacklisted subject lists nothing.
	f.score(f.anjuAg, 130)
	if n := len(f.entriesOf(f.anjuAg)); n != 1 {
		t.Fatalf("a blacklisted agency got a red entry (%d entries)", n)
	}

	// Red at the threshold itself.
	f.score(f.lejuAg, 115)
	es = f.entriesOf(f.lejuAg)
	if len(es) != 1 || es[0].List != ListRed || es[0].Status != ListActive {
		t.Fatalf("red entries: %+v", es)
	}
	// Falling below black ends the red entry.
	f.score(f.lejuAg, 20)
	es = f.entriesOf(f.lejuAg)
	if len(es) != 2 || es[0].Status != ListRevoked || es[0].SupersededBy != es[1].ID || es[1].List != ListBlack {
		t.Fatalf("black after red: %+v", es)
	}

	// A pending proposal is not doubled by an automatic entry.
	in := f.proposal()
	in.SubjectKind, in.SubjectRef = SubjectPractitioner, f.prac.CardNo
	f.mustPropose(f.clerk, in)
	f.score(Subject{Kind: SubjectPractitioner, ID: f.prac.ID}, 10)
	if es := f.entriesOf(Subject{Kind: SubjectPractitioner, ID: f.prac.ID}); len(es) != 1 || es[0].Status != ListPending {
		t.Fatalf("practitioner with a pending proposal: %+v", es)
	}

	// 0 = never.
	f.setParams(ParamListBlackBelow, "0", ParamListRedAbove, "0")
	idle := Subject{Kind: SubjectPractitioner, ID: f.idle.ID}
	f.score(idle, -50)
	f.score(idle, 1000)
	if n := len(f.entriesOf(idle)); n != 0 {
		t.Fatalf("thresholds of 0 made %d entries", n)
	}
}

func TestListEntriesExpire(t *testing.T) {
	f := newListFixture(t)
	f.setParams(ParamListAutoDays, "30")
	f.score(f.anjuAg, 10)
	e := f.entriesOf(f.anjuAg)[0]
	if _, err := f.ExpireListEntries(f.clerk); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("a clerk ran the expiry job: %v", err)
	}
	if n, err := f.ExpireListEntries(SystemActor("test")); err != nil || n != 0 {
		t.Fatalf("expired %d before the date: %v", n, err)
	}
	f.clock.Advance(29 * 24 * time.Hour)
	if _, ok := f.AgencyBlacklisted(f.anjuAg.ID); !ok {
		t.Fatal("off the list a day early")
	}
	subject := Subject{Kind: SubjectAgency, ID: f.anjuAg.ID}
	if m, err := f.ListedSubjects(); err != nil || !slices.Equal(m[subject], []string{ListBlack}) {
		t.Fatalf("the directory's marks the day before: %v %v", m[subject], err)
	}
	f.clock.Advance(24 * time.Hour)
	// On its expiry date the entry is off the list before the job runs…
	if _, ok := f.AgencyBlacklisted(f.anjuAg.ID); ok {
		t.Fatal("still blacklisted on the expiry date")
	}
	if m, err := f.ListedSubjects(); err != nil || m[subject] != nil {
		t.Fatalf("the directory still marks it on the expiry date: %v %v", m[subject], err)
	}
	if p, _ := f.PublicList(ListBlack, 1, ""); p.Total != 0 {
		t.Fatalf("public list shows %d entries past their date", p.Total)
	}
	// …and the job records it.
	if n, err := f.ExpireListEntries(SystemActor("test")); err != nil || n != 1 {
		t.Fatalf("expired %d: %v", n, err)
	}
	got := f.stored(e.ID)
	if got.Status != ListExpired || got.History[len(got.History)-1].Action != "expired" {
		t.Fatalf("after the job: %+v", got)
	}
	if a := f.lastAudit(); a.Action != "list.expire" || a.RecordID != e.ID {
		t.Fatalf("audit: %+v", a)
	}
	if n, _ := f.ExpireListEntries(SystemActor("test")); n != 0 {
		t.Fatalf("expired %d again", n)
	}
	// Off the list, the score still below: listed again.
	f.score(f.anjuAg, 10)
	if es := f.entriesOf(f.anjuAg); len(es) != 2 || es[1].Status != ListActive {
		t.Fatalf("relisting: %+v", es)
	}
}

func TestListRevocation(t *testing.T) {
	f := newListFixture(t)
	e := f.mustApprove(f.mustPropose(f.clerk, f.proposal()).ID)
	_, err := f.RevokeListEntry(f.demoActor("leader"), e.ID, "复核")
	wantListErr(t, "viewer revokes", err, EFORBIDDEN, "")
	_, err = f.RevokeListEntry(f.demoActor("clerk.hd"), e.ID, "复核")
	wantListErr(t, "海淀 clerk revokes", err, ENOTFOUND, "lists.not_found")
	_, err = f.RevokeListEntry(f.clerk, e.ID, " ")
	wantListField(t, "no reason", err, "revoke_reason", "lists.revoke_reason_required")
	got, err := f.RevokeListEntry(f.clerk, e.ID, "经复核，已整改到位")
	if err != nil || got.Status != ListRevoked || got.RevokeReason != "经复核，已整改到位" || got.RevokedBy.Username != "clerk" {
		t.Fatalf("revoke: %+v %v", got, err)
	}
	if _, ok := f.AgencyBlacklisted(f.anjuAg.ID); ok {
		t.Fatal("a revoked entry still blacklists")
	}
	_, err = f.RevokeListEntry(f.clerk, e.ID, "again")
	wantListErr(t, "revoke twice", err, ECONFLICT, "lists.revoke_not_active")
	// Kept, and listed under its status.
	p, err := f.Lists(f.clerk, ListFilter{Status: ListRevoked})
	if err != nil || p.Total != 1 || p.Items[0].ID != e.ID {
		t.Fatalf("revoked entries: %+v %v", p, err)
	}
	// A reviewer may revoke too.
	f.score(f.lejuAg, 10)
	auto := f.entriesOf(f.lejuAg)[0]
	reviewerHD := f.actor(f.seedUser("reviewer.hd", "海淀审核", []Role{RoleReviewer}, "110108", fixturePassword))
	if _, err := f.RevokeListEntry(reviewerHD, auto.ID, "分数有误，已更正"); err != nil {
		t.Fatalf("reviewer revokes: %v", err)
	}
}

// TestBlacklistBlocksNewBusiness: with list.block_black on, the users of a
// blacklisted agency cannot verify a listing or start a lease, and are told
// why; with it off they can; other agencies and clerks are not affected.
func TestBlacklistBlocksNewBusiness(t *testing.T) {
	f := newListFixture(t)
	earlier := f.ownProperty(f.agent, 1, "")
	f.mustApprove(f.mustPropose(f.clerk, f.proposal()).ID)

	f.importRows(vfRow(vfCertNo(2), signOwner.Name, signOwner.IDNo))
	in := vfInput(vfCertNo(2), signOwner)
	_, err := f.Verify(f.agent, in)
	wantListErr(t, "blacklisted agent verifies", err, EFORBIDDEN, "lists.blocked")
	black, _ := f.AgencyBlacklisted(f.agent.AgencyID)
	if e, _ := AsError(err); len(e.Args) != 2 || e.Args[0] != "发布虚假房源，经查证属实" || !argIsDay(e.Args[1], black.Expires) {
		t.Fatalf("the refusal does not name the reason: %+v", e)
	}
	_, err = f.Verify(f.anjuAdmin, in)
	wantListErr(t, "blacklisted admin verifies", err, EFORBIDDEN, "lists.blocked")
	_, err = f.StartContract(f.agent, earlier.Code)
	wantListErr(t, "blacklisted agent starts a lease", err, EFORBIDDEN, "lists.blocked")
	// Nothing was recorded of the refused verification.
	if v := f.attempts(); len(v) != 1 {
		t.Fatalf("%d verification attempts stored, want only the earlier one", len(v))
	}
	// Another agency, and the clerk at the counter, work as before.
	f.mustVerify(f.clerk, in)

	f.setParams(ParamListBlockBlack, "false")
	f.importRows(vfRow(vfCertNo(3), signOwner.Name, signOwner.IDNo))
	f.mustVerify(f.agent, vfInput(vfCertNo(3), signOwner))
	if _, err := f.StartContract(f.agent, earlier.Code); err != nil {
		t.Fatalf("with block_black off: %v", err)
	}
}

func TestListQueriesAndPublicList(t *testing.T) {
	f := newListFixture(t)
	in := f.proposal()
	in.Reason = "向承租人 110105199003071234 收取押金未退，联系电话13812345678。"
	black := f.mustApprove(f.mustPropose(f.clerk, in).ID)
	idle := f.mustPropose(f.clerk, ListProposal{List: ListRed, SubjectKind: SubjectPractitioner, SubjectRef: f.idle.CardNo,
		Reason: "见义勇为", Basis: "表彰决定", Expires: f.now().AddDate(1, 0, 0).Format(time.DateOnly)})
	f.score(f.lejuAg, 120) // 海淀

	clerkHD := f.demoActor("clerk.hd")
	for _, c := range []struct {
		who   Actor
		f     ListFilter
		total int
	}{
		{f.clerk, ListFilter{}, 2},
		{f.demoActor("leader"), ListFilter{}, 3},
		{clerkHD, ListFilter{}, 2}, // 乐居, and the practitioner who works nowhere
		{f.demoActor("leader"), ListFilter{List: ListRed}, 2},
		{f.demoActor("leader"), ListFilter{Kind: SubjectPractitioner}, 1},
		{f.demoActor("leader"), ListFilter{District: "110108"}, 1},
		{f.demoActor("leader"), ListFilter{Status: ListPending}, 1},
		{f.demoActor("leader"), ListFilter{Text: "安居"}, 1},
		{f.demoActor("leader"), ListFilter{Text: "anju13"}, 1},
		{f.demoActor("leader"), ListFilter{Text: f.idle.CardNo}, 1},
	} {
		p, err := f.Lists(c.who, c.f)
		if err != nil || p.Total != c.total {
			t.Errorf("%s %+v: %d entries (%v), want %d", c.who.Username, c.f, p.Total, err, c.total)
		}
	}
	if _, err := f.Lists(f.agent, ListFilter{}); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("an agent read the lists: %v", err)
	}
	if _, err := f.GetListEntry(clerkHD, black.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("海淀 clerk opened a 朝阳 entry: %v", err)
	}
	if _, err := f.GetListEntry(clerkHD, idle.ID); err != nil {
		t.Fatalf("an entry without district: %v", err)
	}

	// The public lists: active entries only, personal data masked.
	p, err := f.PublicList(ListBlack, 1, "")
	if err != nil || p.Total != 1 {
		t.Fatalf("public black list: %+v %v", p, err)
	}
	got := p.Items[0]
	if strings.Contains(got.Reason, "110105199003071234") || strings.Contains(got.Reason, "13812345678") ||
		!strings.Contains(got.Reason, "1101**********1234") || !strings.Contains(got.Reason, "138****5678") {
		t.Fatalf("public reason: %q", got.Reason)
	}
	if got.Code != "91110105MA01ANJU13" || got.Name != "北京安居房地产经纪有限公司" {
		t.Fatalf("public entry: %+v", got)
	}
	if r, _ := f.PublicList(ListRed, 1, ""); r.Total != 1 { // the pending one is not public
		t.Fatalf("public red list: %d entries", r.Total)
	}
	for q, want := range map[string]int{"乐居": 1, "91110108MA01LEJU25": 1, "安居": 0} {
		if r, _ := f.PublicList(ListRed, 1, q); r.Total != want {
			t.Errorf("public red list for %q: %d, want %d", q, r.Total, want)
		}
	}
	if _, err := f.PublicList("grey", 1, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unknown list: %v", err)
	}
	if act, _ := f.ActiveEntries(f.anjuAg); len(act) != 1 || act[0].ID != black.ID {
		t.Fatalf("active entries: %+v", act)
	}
}

func TestMaskPersonalData(t *testing.T) {
	for in, want := range map[string]string{
		"身份证110105199003071234号":    "身份证1101**********1234号",
		"11010519900307123X":        "1101**********123X",
		"电话 13812345678。":           "电话 138****5678。",
		"代码91110105MA01ANJU13":      "代码91110105MA01ANJU13",
		"2025年度第12号":                "2025年度第12号",
		"合同HT110105-2026-000123已撤销": "合同HT110105-2026-000123已撤销",
	} {
		if got := MaskPersonalData(in); got != want {
			t.Errorf("MaskPersonalData(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDemoLists(t *testing.T) {
	f := newDemoFixture(t)
	seen := map[string]bool{}
	count := 0
	err := f.db.View(func(tx *storage.Tx) error {
		return listEntryTable.Each(tx, false, func(e *ListEntry) (bool, error) {
			count++
			seen[e.List+"/"+e.Status] = true
			seen[e.Source] = true
			seen[e.Subject.Kind] = true
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"black/active", "red/active", "black/pending", "black/revoked", "black/expired",
		"red/rejected", ListSourceAuto, ListSourceManual, SubjectAgency, SubjectPractitioner} {
		if !seen[k] {
			t.Errorf("the demo lists have no %s entry", k)
		}
	}
	if err := f.loadDemoLists(); err != nil {
		t.Fatal(err)
	}
	if n := f.countEntries(); n != count {
		t.Fatalf("loading the demo again: %d entries, had %d", n, count)
	}
	// The demo accounts' agencies can work.
	for _, u := range []string{"anju.admin", "leju.admin"} {
		if e, ok := f.AgencyBlacklisted(f.storedUser(u).AgencyID); ok {
			t.Errorf("%s's agency is blacklisted by the demo: %s", u, e.No())
		}
	}
	// Every public entry's dates hold together.
	for _, l := range ListKinds {
		p, err := f.PublicList(l, 1, "")
		if err != nil || p.Total == 0 {
			t.Fatalf("public %s list of the demo: %+v %v", l, p, err)
		}
		for _, e := range p.Items {
			if e.Listed.After(f.now()) || !e.Expires.After(f.now()) {
				t.Errorf("%s: listed %v, expires %v", e.No, e.Listed, e.Expires)
			}
		}
	}
}

func (f *fixture) countEntries() int {
	n := 0
	_ = f.db.View(func(tx *storage.Tx) error { n = listEntryTable.Count(tx); return nil })
	return n
}

// TestObjectionEndsAutomaticEntry: a penalty that took an agency below the
// black line listed it automatically (at once, as before black waited for
// the objection period: stored data keeps such entries); when the
// objection to that penalty is upheld the record never counted, so the
// entry ends, saying why. A hand-made entry is not touched.
func TestObjectionEndsAutomaticEntry(t *testing.T) {
	f := newDemoFixture(t)
	clerk, reviewer, agencyAdmin, anju := creditActors(f)
	before, err := f.CreditPage(agencyAdmin, anju)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetParams(f.admin, map[string]string{ParamListBlackBelow: strconv.Itoa(before.Score - 1)}); err != nil {
		t.Fatal(err)
	}
	rule := ruleByNo(f, "JG-K-004") // -3
	p, err := f.FileScoring(clerk, ScoringInput{Subject: anju.String(), RuleID: strconv.FormatUint(rule.ID, 10), EventDate: "2026-02-20",
		Facts: "承租人投诉押金未退。", Docs: evidence})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.ApproveScoring(reviewer, p.ID, "事实清楚")
	if err != nil {
		t.Fatal(err)
	}
	// Listed as the rule before 2026-11-28 did, within the objection period.
	if err := f.update(func(tx *storage.Tx) error {
		return f.applyListThresholds(tx, anju, before.Score-3, before.Score-3, f.now())
	}); err != nil {
		t.Fatal(err)
	}
	var auto *ListEntry
	_ = f.db.View(func(tx *storage.Tx) error {
		es, _ := subjectEntries(tx, anju)
		for _, e := range es {
			if e.Source == ListSourceAuto && e.List == ListBlack && e.Status == ListActive {
				auto = e
			}
		}
		return nil
	})
	if auto == nil {
		t.Fatalf("a score of %d under a line of %d listed nothing", before.Score-3, before.Score-1)
	}
	if _, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "押金已退还。", Docs: evidence}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DecideRequest(reviewer, rec.ID, true, "属实，撤销记分。"); err != nil {
		t.Fatal(err)
	}
	var got *ListEntry
	_ = f.db.View(func(tx *storage.Tx) (err error) { got, err = listEntryTable.Get(tx, auto.ID); return })
	if got.Status != ListRevoked || got.BasisWithdrawn != rec.No || got.History[len(got.History)-1].Action != "basis_withdrawn" {
		t.Errorf("after the objection was upheld: status %s, basis %q, history %+v", got.Status, got.BasisWithdrawn, got.History)
	}
	pub, err := f.PublicList(ListBlack, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pub.Items {
		if e.ID == auto.ID {
			t.Error("the ended entry is still on the public black list")
		}
	}
}

// TestBlacklistedSubjectHasTheLowestLevel: an agency black-listed by hand
// with a full score holds the lowest credit level while listed — on its
// credit page, in the credit list, on the public page and in the
// statistics' level counts — and its own level again once the entry is
// revoked (the public page's cache follows).
func TestBlacklistedSubjectHasTheLowestLevel(t *testing.T) {
	f := newListFixture(t)
	lowest := CreditLevels[len(CreditLevels)-1]
	levels := func() (view, public, summary string) {
		t.Helper()
		v, err := f.CreditPage(f.clerk, f.anjuAg)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.PublicCredit(f.anjuAg)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := f.ListedSubjects()
		if err != nil {
			t.Fatal(err)
		}
		_ = f.db.View(func(tx *storage.Tx) error { summary = f.readSummary(tx, f.anjuAg, listed).Level; return nil })
		if v.Blacklisted != (v.Level == lowest) || p.Blacklisted != (p.Level == lowest) {
			t.Errorf("blacklisted flags: view %v %s, public %v %s", v.Blacklisted, v.Level, p.Blacklisted, p.Level)
		}
		return v.Level, p.Level, summary
	}
	// The credit list, lowest score first (stored summaries) and by a
	// name, with and without a level filter. With no credit record the
	// agency is not in the first (everyone else stands at the base score)
	// until it is black-listed.
	listLevel := func(q CreditSubjectQuery) string {
		t.Helper()
		page, err := f.CreditSubjects(f.clerk, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if it.Subject == f.anjuAg {
				if it.Blacklisted != (it.Level == lowest) {
					t.Errorf("list %+v: blacklisted %v at level %s", q, it.Blacklisted, it.Level)
				}
				return it.Level
			}
		}
		return "none"
	}
	cv, err := f.CreditPage(f.clerk, f.anjuAg)
	if err != nil {
		t.Fatal(err)
	}
	name := cv.Info.Name
	lists := func() []string {
		return []string{listLevel(CreditSubjectQuery{}), listLevel(CreditSubjectQuery{Text: name}),
			listLevel(CreditSubjectQuery{Level: lowest}), listLevel(CreditSubjectQuery{Text: name, Level: lowest})}
	}
	v, p, s := levels()
	if v != LevelA || p != LevelA || s != LevelA {
		t.Fatalf("before: %s %s %s, want A", v, p, s)
	}
	if got := lists(); !slices.Equal(got, []string{"none", LevelA, "none", "none"}) {
		t.Errorf("credit lists before, no record: %v", got)
	}
	e := f.mustApprove(f.mustPropose(f.clerk, f.proposal()).ID)
	if v, p, s = levels(); v != lowest || p != lowest || s != lowest {
		t.Errorf("black-listed: %s %s %s, want %s", v, p, s, lowest)
	}
	if got := lists(); !slices.Equal(got, []string{lowest, lowest, lowest, lowest}) {
		t.Errorf("credit lists while black-listed, no record (all, by name, level %s, both): %v", lowest, got)
	}
	// With a credit record (a stored summary) it is listed once.
	if err := f.update(func(tx *storage.Tx) error { _, err := f.refreshSummary(tx, f.anjuAg, f.now()); return err }); err != nil {
		t.Fatal(err)
	}
	if got := lists(); !slices.Equal(got, []string{lowest, lowest, lowest, lowest}) {
		t.Errorf("credit lists while black-listed, with a summary: %v", got)
	}
	if p, err := f.CreditSubjects(f.clerk, CreditSubjectQuery{Level: lowest}); err != nil || p.Total != 1 {
		t.Errorf("level %s lists %d subjects (%v), want the agency once", lowest, p.Total, err)
	}
	st, err := f.Statistics(f.clerk, StatsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range st.Levels {
		if l.Level == lowest && l.Count == 0 {
			t.Errorf("statistics count no agency at %s: %+v", lowest, st.Levels)
		}
	}
	if _, err := f.RevokeListEntry(f.clerk, e.ID, "经复核，已整改到位"); err != nil {
		t.Fatal(err)
	}
	if v, p, s = levels(); v != LevelA || p != LevelA || s != LevelA {
		t.Errorf("after revocation: %s %s %s, want A", v, p, s)
	}
	if got := lists(); !slices.Equal(got, []string{LevelA, LevelA, "none", "none"}) {
		t.Errorf("credit lists after revocation: %v", got)
	}
}

// TestBlackListWaitsForTheObjectionPeriod: a penalty that takes an agency
// below the black line lists it only once the penalty is settled — its
// objection period over with no objection pending — as the public reads
// the penalty itself from then on: the daily job lists it that day; an
// objection holds it until the decision, which lists it if rejected and
// never if upheld. A penalty still open to objection keeps it off the red
// list at once.
func TestBlackListWaitsForTheObjectionPeriod(t *testing.T) {
	f := newDemoFixture(t)
	clerk, reviewer, agencyAdmin, anju := creditActors(f)
	system := SystemActor("credit")
	before, err := f.CreditPage(agencyAdmin, anju)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetParams(f.admin, map[string]string{ParamListBlackBelow: strconv.Itoa(before.Score - 1)}); err != nil {
		t.Fatal(err)
	}
	penalty := func() *CreditRecord { return approvedPenalty(t, f, clerk, reviewer, anju) }
	listed := func() bool {
		t.Helper()
		_, ok := f.AgencyBlacklisted(anju.ID)
		pub, err := f.PublicList(ListBlack, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		onPublic := slices.ContainsFunc(pub.Items, func(e PublicListEntry) bool { return e.Kind == SubjectAgency && e.SubjectID == anju.ID })
		if ok != onPublic {
			t.Errorf("blacklisted %v, on the public black list %v", ok, onPublic)
		}
		return ok
	}
	untilSettled := func(r *CreditRecord) {
		t.Helper()
		f.clock.Advance(r.ObjectionUntil.Sub(f.now()) + time.Hour)
	}

	// What the credit page says of it.
	awaits := func() *BlackAwait {
		t.Helper()
		v, err := f.CreditPage(clerk, anju)
		if err != nil {
			t.Fatal(err)
		}
		return v.BlackAwait
	}

	// 1. Objected and upheld: never listed, not even after the period.
	rec := penalty()
	if v, _ := f.CreditPage(agencyAdmin, anju); v.Score != before.Score-3 {
		t.Fatalf("score %d, want %d: the penalty counts at once", v.Score, before.Score-3)
	}
	if listed() {
		t.Fatal("listed black within the penalty's objection period")
	}
	if w := awaits(); w == nil || w.Line != before.Score-1 || !w.On.Equal(rec.ObjectionUntil) || w.IfRejected {
		t.Errorf("the credit page says %+v, want the line and %s", w, rec.ObjectionUntil)
	}
	if _, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "押金已退还。", Docs: evidence}); err != nil {
		t.Fatal(err)
	}
	if w := awaits(); w == nil || !w.IfRejected || !w.On.Equal(rec.ObjectionUntil) {
		t.Errorf("under objection the credit page says %+v, want %s if rejected", w, rec.ObjectionUntil)
	}
	untilSettled(rec)
	if _, err := f.SettleObjections(system); err != nil {
		t.Fatal(err)
	}
	if listed() {
		t.Fatal("listed black while the objection waits for its decision")
	}
	if _, err := f.DecideRequest(reviewer, rec.ID, true, "属实，撤销记分。"); err != nil {
		t.Fatal(err)
	}
	if listed() {
		t.Fatal("listed black for a penalty whose objection was upheld")
	}
	if w := awaits(); w != nil {
		t.Errorf("after the upheld objection the credit page says %+v", w)
	}

	// 2. Not objected: listed by the daily job once the period is over,
	// naming the settled score.
	rec = penalty()
	if _, err := f.SettleObjections(system); err != nil || listed() {
		t.Fatalf("listed on the day of the penalty (%v)", err)
	}
	if _, err := f.SettleObjections(clerk); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a clerk ran the daily job: %v", err)
	}
	untilSettled(rec)
	if listed() {
		t.Fatal("listed before the daily job ran")
	}
	if n, err := f.SettleObjections(system); err != nil || n != 1 {
		t.Fatalf("the daily job looked at %d subjects (%v), want the agency", n, err)
	}
	if !listed() {
		t.Fatal("not listed once the objection period was over")
	}
	if w := awaits(); w != nil {
		t.Errorf("listed, the credit page still says %+v", w)
	}
	e, _ := f.AgencyBlacklisted(anju.ID)
	if e.Source != ListSourceAuto || e.Score != before.Score-3 || e.Threshold != before.Score-1 {
		t.Errorf("the entry: %s, score %d / %d", e.Source, e.Score, e.Threshold)
	}
	// The job looks at each day once: run again, it has nothing to do.
	if n, err := f.SettleObjections(system); err != nil || n != 0 {
		t.Errorf("the second run looked at %d subjects (%v)", n, err)
	}
	if _, err := f.RevokeListEntry(clerk, e.ID, "经复核，已整改到位"); err != nil {
		t.Fatal(err)
	}

	// 3. Objected and rejected after the period: listed at the decision.
	// The line moves below the settled score of 2, whose entry a clerk
	// ended: only the new penalty can take the agency across it.
	if err := f.SetParams(f.admin, map[string]string{ParamListBlackBelow: strconv.Itoa(before.Score - 4)}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24 * time.Hour)
	rec = penalty()
	if _, err := f.LodgeRequest(agencyAdmin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "不属实。", Docs: evidence}); err != nil {
		t.Fatal(err)
	}
	untilSettled(rec)
	if _, err := f.SettleObjections(system); err != nil || listed() {
		t.Fatalf("listed while the objection waits (%v)", err)
	}
	if _, err := f.DecideRequest(reviewer, rec.ID, false, "证据不足，维持记分。"); err != nil {
		t.Fatal(err)
	}
	if !listed() {
		t.Error("not listed when the objection was rejected after the period")
	}
}

// TestRaisedLineListsAtOnce: a subject whose settled score is already below
// a newly raised black line is listed when the line changes, not when some
// unrelated record next moves its score; lowering the line again ends
// nothing (an entry stays until its date or a revocation).
func TestRaisedLineListsAtOnce(t *testing.T) {
	f := newDemoFixture(t)
	clerk, reviewer, agencyAdmin, anju := creditActors(f)
	rec := approvedPenalty(t, f, clerk, reviewer, anju)
	f.clock.Advance(rec.ObjectionUntil.Sub(f.now()) + time.Hour)
	if _, err := f.SettleObjections(SystemActor("credit")); err != nil {
		t.Fatal(err)
	}
	v, err := f.CreditPage(agencyAdmin, anju)
	if err != nil {
		t.Fatal(err)
	}
	if _, listed := f.AgencyBlacklisted(anju.ID); listed {
		t.Fatal("test set-up: listed before the line was raised")
	}
	if err := f.SetParams(f.admin, map[string]string{ParamListBlackBelow: strconv.Itoa(v.Score + 1)}); err != nil {
		t.Fatal(err)
	}
	e, listed := f.AgencyBlacklisted(anju.ID)
	if !listed || e.Source != ListSourceAuto || e.Score != v.Score || e.Threshold != v.Score+1 {
		t.Fatalf("after raising the line to %d over a score of %d: listed %v, %+v", v.Score+1, v.Score, listed, e)
	}
	if err := f.SetParams(f.admin, map[string]string{ParamListBlackBelow: "0"}); err != nil {
		t.Fatal(err)
	}
	if _, listed := f.AgencyBlacklisted(anju.ID); !listed {
		t.Error("turning the line off ended the entry")
	}
}

// TestRaisedLineWaitsForUnsettledPenalty: raising the black line rechecks
// the lists from the stored summaries, which carry the points still open
// to objection, also in a summary stored before they did (migration
// "credit summaries' unsettled points"): a penalty within its objection
// period does not list the subject until it settles. A higher base score
// lifts a subject to the red line at once.
func TestRaisedLineWaitsForUnsettledPenalty(t *testing.T) {
	f := newDemoFixture(t)
	clerk, reviewer, _, _ := creditActors(f)
	anju := settledAgency(t, f, clerk.District)
	stored := func() CreditSummary { return storedSummary(f, anju) }
	sums, err := f.CreditSubjects(f.admin, CreditSubjectQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	rec := approvedPenalty(t, f, clerk, reviewer, anju)
	v, err := f.CreditPage(f.admin, anju)
	if err != nil {
		t.Fatal(err)
	}
	if got := stored().Unsettled; got != rec.Points {
		t.Fatalf("summary's unsettled points %d, want the penalty's %d", got, rec.Points)
	}
	// The summary as an older binary stored it, then the migration.
	migrateOldSummary(t, f, anju)
	if got := stored().Unsettled; got != rec.Points {
		t.Fatalf("after the migration: unsettled points %d, want %d", got, rec.Points)
	}
	// Below the new line with the penalty, above it without.
	if err := f.SetParams(f.admin, map[string]string{ParamListBlackBelow: strconv.Itoa(v.Score + 1)}); err != nil {
		t.Fatal(err)
	}
	if e, listed := f.AgencyBlacklisted(anju.ID); listed {
		t.Fatalf("listed by a penalty still open to objection: %+v", e)
	}
	f.clock.Advance(rec.ObjectionUntil.Sub(f.now()) + time.Hour)
	if _, err := f.SettleObjections(SystemActor("credit")); err != nil {
		t.Fatal(err)
	}
	if got := stored().Unsettled; got != 0 {
		t.Errorf("settled, the summary keeps %d unsettled points", got)
	}
	if _, listed := f.AgencyBlacklisted(anju.ID); !listed {
		t.Fatal("not listed once the penalty settled")
	}

	// The red line: a base score 30 higher takes the subject across it.
	other := Subject{SubjectAgency, 0}
	if sums, err = f.CreditSubjects(f.admin, CreditSubjectQuery{Size: 100}); err != nil {
		t.Fatal(err)
	}
	for _, s := range sums.Items {
		if s.Subject.Kind == SubjectAgency && s.Subject != anju && !s.Blacklisted && s.Unsettled == 0 {
			other, v.Score = s.Subject, s.Score
			break
		}
	}
	if other.ID == 0 {
		t.Fatal("test set-up: no other agency with a summary")
	}
	onRed := func() bool {
		var red bool
		_ = f.db.View(func(tx *storage.Tx) error {
			es, _ := subjectEntries(tx, other)
			red = activeEntry(es, ListRed, f.now()) != nil
			return nil
		})
		return red
	}
	if err := f.SetParams(f.admin, map[string]string{ParamListBlackBelow: "0", ParamListRedAbove: strconv.Itoa(v.Score + 30)}); err != nil {
		t.Fatal(err)
	}
	if onRed() {
		t.Fatal("test set-up: on the red list below its line")
	}
	base := f.ParamInt(ParamCreditBase)
	if err := f.SetParams(f.admin, map[string]string{ParamCreditBase: strconv.Itoa(base + 30)}); err != nil {
		t.Fatal(err)
	}
	if !onRed() {
		t.Errorf("a score of %d at a red line of %d: not listed", v.Score+30, v.Score+30)
	}
}

// TestMigrateUnsettledUnderObjection: a penalty whose objection period
// has ended but whose objection waits for a reviewer is still unsettled,
// and the migration counts it.
func TestMigrateUnsettledUnderObjection(t *testing.T) {
	f := newDemoFixture(t)
	clerk, reviewer, _, _ := creditActors(f)
	anju := settledAgency(t, f, clerk.District)
	rec := approvedPenalty(t, f, clerk, reviewer, anju)
	admin := Actor{Username: "admin", Roles: []Role{RoleAgencyAdmin}, AgencyID: anju.ID}
	if _, err := f.LodgeRequest(admin, rec.ID, RequestInput{Kind: RequestObjection, Reason: "押金已退还。", Docs: evidence}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(rec.ObjectionUntil.Sub(f.now()) + 48*time.Hour)
	migrateOldSummary(t, f, anju)
	if got := storedSummary(f, anju).Unsettled; got != rec.Points {
		t.Errorf("under objection after its period: unsettled points %d, want %d", got, rec.Points)
	}
}

// settledAgency returns an agency of the district that has a credit
// summary, is not black-listed and has nothing open to objection.
func settledAgency(t *testing.T, f *fixture, district string) Subject {
	t.Helper()
	sums, err := f.CreditSubjects(f.admin, CreditSubjectQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums.Items {
		if s.Subject.Kind == SubjectAgency && s.District == district && !s.Blacklisted && s.Unsettled == 0 {
			return s.Subject
		}
	}
	t.Fatal("test set-up: no agency of the district with settled records only")
	return Subject{}
}

func storedSummary(f *fixture, s Subject) CreditSummary {
	var sum CreditSummary
	_ = f.db.View(func(tx *storage.Tx) error {
		return json.Unmarshal(tx.Get(creditSummaryBucket, s.Key()), &sum)
	})
	return sum
}

// migrateOldSummary stores the subject's summary as a binary before
// CreditSummary.Unsettled stored it, then runs the migration.
func migrateOldSummary(t *testing.T, f *fixture, s Subject) {
	t.Helper()
	err := f.update(func(tx *storage.Tx) error {
		var sum CreditSummary
		if err := json.Unmarshal(tx.Get(creditSummaryBucket, s.Key()), &sum); err != nil {
			return err
		}
		sum.Unsettled = 0
		b, _ := json.Marshal(&sum)
		if err := tx.Put(creditSummaryBucket, s.Key(), b); err != nil {
			return err
		}
		return migrateUnsettled(tx, f.now())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReviewQueuesLeaveOutOwnItems: a clerk who is also a reviewer is
// counted, in his to-do, the list entries and scoring applications others
// made, not his own (which he may not decide).
func TestReviewQueuesLeaveOutOwnItems(t *testing.T) {
	f := newDemoFixture(t)
	clerk, _, _, anju := creditActors(f)
	both := f.actor(f.seedUser("clerk.both", "录入兼审核", []Role{RoleClerk, RoleReviewer}, "110105", fixturePassword))
	base := func(who Actor) (int, int) {
		t.Helper()
		lp, err := f.Lists(who, ListFilter{Status: ListPending})
		if err != nil {
			t.Fatal(err)
		}
		sp, err := f.ScoringApplications(who, ScoringQuery{Status: ScoringPending})
		if err != nil {
			t.Fatal(err)
		}
		return lp.Total, sp.Total
	}
	lists0, scoring0 := base(both) // the demo's, made by others
	var code string
	_ = f.db.View(func(tx *storage.Tx) error {
		ag, err := agencyTable.Get(tx, anju.ID)
		if err == nil {
			code = ag.USCC
		}
		return err
	})
	for i, who := range []Actor{both, clerk} {
		in := ListProposal{List: []string{ListBlack, ListRed}[i], SubjectKind: SubjectAgency, SubjectRef: code,
			Reason: "测试。", Basis: "测试依据", Expires: f.now().AddDate(1, 0, 0).Format(time.DateOnly)}
		if _, err := f.ProposeListEntry(who, in); err != nil {
			t.Fatal(err)
		}
		rule := ruleByNo(f, "JG-K-004")
		if _, err := f.FileScoring(who, ScoringInput{Subject: anju.String(), RuleID: strconv.FormatUint(rule.ID, 10),
			EventDate: f.now().AddDate(0, 0, -3).Format(time.DateOnly), Facts: "承租人投诉押金未退。", Docs: evidence}); err != nil {
			t.Fatal(err)
		}
	}
	for _, notMine := range []bool{false, true} {
		want := 2
		if notMine {
			want = 1
		}
		lp, err := f.Lists(both, ListFilter{Status: ListPending, NotMine: notMine})
		if err != nil || lp.Total != lists0+want {
			t.Errorf("list entries pending, not mine %v: %d (%v), want %d", notMine, lp.Total, err, lists0+want)
		}
		sp, err := f.ScoringApplications(both, ScoringQuery{Status: ScoringPending, NotMine: notMine})
		if err != nil || sp.Total != scoring0+want {
			t.Errorf("scoring applications pending, not mine %v: %d (%v), want %d", notMine, sp.Total, err, scoring0+want)
		}
	}
}

// approvedPenalty files a -3 penalty (JG-K-004) against subject, as clerk,
// and has reviewer approve it: a record in its objection period.
func approvedPenalty(t *testing.T, f *fixture, clerk, reviewer Actor, subject Subject) *CreditRecord {
	t.Helper()
	rule := ruleByNo(f, "JG-K-004")
	p, err := f.FileScoring(clerk, ScoringInput{Subject: subject.String(), RuleID: strconv.FormatUint(rule.ID, 10),
		EventDate: f.now().AddDate(0, 0, -3).Format(time.DateOnly), Facts: "承租人投诉押金未退。", Docs: evidence})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.ApproveScoring(reviewer, p.ID, "事实清楚")
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
