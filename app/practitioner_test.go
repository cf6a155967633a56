package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// pracID completes 17 digits of a resident ID with its check character.
func pracID(d17 string) string { return d17 + string(residentIDCheckChar(d17)) }

var (
	pracPNG  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a small portrait")
	pracJPEG = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{1}, 64)...)
)

// pracFixture: two agencies in Chaoyang (110105), one in Haidian (110108),
// a clerk of each district and an admin and an agent of each agency.
type pracFixture struct {
	*fixture
	agA, agB, agH          *Agency
	clerk, clerkHD         Actor
	adminA, adminB, adminH Actor
	agentA                 Actor
	agentAUser             *User
}

func newPracFixture(t *testing.T) *pracFixture {
	f := &pracFixture{fixture: newFixture(t)}
	f.agA = f.addAgency("北京甲房地产经纪有限公司", "110105")
	f.agB = f.addAgency("北京乙住房租赁有限公司", "110105")
	f.agH = f.addAgency("北京海淀房地产经纪有限公司", "110108")
	f.clerk = f.actor(f.seedUser("clerk", "王芳", []Role{RoleClerk}, "110105", fixturePassword))
	f.clerkHD = f.actor(f.seedUser("clerk.hd", "陈静", []Role{RoleClerk}, "110108", fixturePassword))
	f.adminA = f.agencyActor("a.admin", RoleAgencyAdmin, f.agA)
	f.adminB = f.agencyActor("b.admin", RoleAgencyAdmin, f.agB)
	f.adminH = f.agencyActor("h.admin", RoleAgencyAdmin, f.agH)
	f.agentA = f.agencyActor("a.agent", RoleAgent, f.agA)
	f.agentAUser = f.storedUser("a.agent")
	return f
}

func (f *pracFixture) addAgency(name, district string) *Agency {
	f.t.Helper()
	var ag *Agency
	err := f.update(func(tx *storage.Tx) error {
		no, err := nextFilingNo(tx, district, f.now())
		if err != nil {
			return err
		}
		ag = &Agency{Status: AgencyFiled, FilingNo: no, Version: 1, Filed: f.now(), Created: f.now(), Updated: f.now(),
			AgencyInfo: AgencyInfo{Name: name, Type: AgencyTypeBroker, District: district, Address: "北京市某路1号"}}
		_, err = agencyTable.Insert(tx, ag)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return ag
}

func (f *pracFixture) agencyActor(username string, role Role, ag *Agency) Actor {
	f.t.Helper()
	u := &User{Username: username, Name: username, Roles: []Role{role}, AgencyID: ag.ID, AgencyName: ag.Name,
		PasswordHash: cheapHash(f.t, fixturePassword), Created: f.now(), Updated: f.now()}
	if err := f.update(func(tx *storage.Tx) error { _, err := userTable.Insert(tx, u); return err }); err != nil {
		f.t.Fatal(err)
	}
	a := f.actor(u)
	a.AgencyName = ag.Name
	return a
}

func pracInput(name, id string) PractitionerInput {
	return PractitionerInput{Name: name, IDNo: id, Mobile: "13812345678", Role: PracBroker,
		QualCertNo: "JJR2020001", Start: "2026-01-05"}
}

func (f *pracFixture) mustAdd(actor Actor, in PractitionerInput) *Practitioner {
	f.t.Helper()
	p, err := f.AddPractitioner(actor, in)
	if err != nil {
		f.t.Fatalf("add practitioner %s: %v", in.Name, err)
	}
	return p
}

func (f *pracFixture) stored(id uint64) *Practitioner {
	f.t.Helper()
	var p *Practitioner
	if err := f.db.View(func(tx *storage.Tx) (err error) { p, err = practitionerTable.Get(tx, id); return }); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func wantFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error %v, want field errors %v", err, want)
	}
	for field, key := range want {
		if e.Fields[field] != key {
			t.Errorf("field %s: %q, want %q (all: %v)", field, e.Fields[field], key, e.Fields)
		}
	}
}

func TestAddPractitionerValidatesInput(t *testing.T) {
	f := newPracFixture(t)
	_, err := f.AddPractitioner(f.clerk, PractitionerInput{})
	wantFields(t, err, map[string]string{"name": "practitioner.name_required", "id_no": "practitioner.id_no_required",
		"mobile": "practitioner.mobile_required", "role": "practitioner.role_required", "start": "practitioner.start_required",
		"agency": "practitioner.agency_required"})

	in := pracInput("赵六", "110105199001010012") // wrong check digit
	in.Agency = f.agA.FilingNo
	in.Mobile, in.Start, in.QualCertNo = "1234", "2099-01-01", ""
	_, err = f.AddPractitioner(f.clerk, in)
	wantFields(t, err, map[string]string{"id_no": "idcard.checksum", "mobile": "mobile.invalid",
		"start": "practitioner.date_out_of_range", "qual_cert_no": "practitioner.qual_required"})

	// A photo is judged by its content, not its name, and by its size.
	in = pracInput("赵六", pracID("11010519900101001"))
	in.Agency, in.Photo, in.PhotoName = f.agA.Name, []byte("%PDF-1.4 not a photo"), "photo.jpg"
	_, err = f.AddPractitioner(f.clerk, in)
	wantFields(t, err, map[string]string{"photo": "practitioner.photo_type"})
	in.Photo = append(bytes.Clone(pracPNG), make([]byte, PhotoMaxBytes)...)
	_, err = f.AddPractitioner(f.clerk, in)
	wantFields(t, err, map[string]string{"photo": "practitioner.photo_too_big"})

	// A clerk employs only at a live agency of his district.
	in.Photo = nil
	in.Agency = f.agH.FilingNo
	_, err = f.AddPractitioner(f.clerk, in)
	wantFields(t, err, map[string]string{"agency": "practitioner.agency_outside"})
	in.Agency = "没有这家公司"
	_, err = f.AddPractitioner(f.clerk, in)
	wantFields(t, err, map[string]string{"agency": "practitioner.agency_unknown"})

	// Full-width digits and a lower-case x are read as typed by people.
	in = pracInput(" 赵六 ", "１１０１０５１９９００１０１００１"+string(residentIDCheckChar("11010519900101001")))
	in.Agency, in.Photo = f.agA.FilingNo, pracJPEG
	p := f.mustAdd(f.clerk, in)
	if p.Name != "赵六" || p.IDNo != pracID("11010519900101001") || !strings.HasPrefix(p.CardNo, "XK") || p.PhotoBlob == 0 {
		t.Fatalf("stored %+v", p)
	}
	if c := p.Current(); c == nil || c.AgencyID != f.agA.ID || c.Role != PracBroker || c.Start.Format(time.DateOnly) != "2026-01-05" {
		t.Fatalf("employment %+v", p.Employments)
	}
	if a := f.lastAudit(); a.Action != "practitioner.add" || a.RecordID != p.ID || strings.Contains(a.Detail, p.IDNo) {
		t.Errorf("audit %+v", a)
	}
	// Adding him again at the same agency says so.
	_, err = f.AddPractitioner(f.adminA, pracInput("赵六", p.IDNo))
	wantFields(t, err, map[string]string{"id_no": "practitioner.already_here"})
	// An agent cannot add anyone.
	if _, err := f.AddPractitioner(f.agentA, pracInput("钱七", pracID("11010519900101002"))); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("agent adds: %v", err)
	}
}

func TestTransferKeepsOneRecordWithHistory(t *testing.T) {
	f := newPracFixture(t)
	id := pracID("11010519880808123")
	p := f.mustAdd(f.adminA, pracInput("孙丽", id))

	// Agency B may not take him while A employs him: the refusal names A.
	in := pracInput("孙丽", id)
	in.Start = "2026-03-01"
	_, err := f.AddPractitioner(f.adminB, in)
	e, ok := AsError(err)
	if !ok || e.Code != ECONFLICT || e.Fields["id_no"] != "practitioner.employed_elsewhere" ||
		e.Key != "practitioner.employed_elsewhere_at" || len(e.Args) != 1 || e.Args[0] != f.agA.Name {
		t.Fatalf("employed elsewhere: %#v", err)
	}
	// B cannot end A's employment either.
	if _, err := f.EndEmployment(f.adminB, p.ID, "2026-02-28", "离职"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B ends A's employment: %v", err)
	}
	_, err = f.EndEmployment(f.adminA, p.ID, "2025-12-31", "")
	wantFields(t, err, map[string]string{"end": "practitioner.end_before_start", "reason": "practitioner.reason_required"})
	if _, err := f.EndEmployment(f.adminA, p.ID, "2026-02-28", "个人原因"); err != nil {
		t.Fatal(err)
	}
	// A start before he left A is refused; a different name too.
	in.Start = "2026-02-01"
	_, err = f.AddPractitioner(f.adminB, in)
	wantFields(t, err, map[string]string{"start": "practitioner.start_before_last_end"})
	in.Start, in.Name = "2026-03-01", "孙莉"
	_, err = f.AddPractitioner(f.adminB, in)
	wantFields(t, err, map[string]string{"name": "practitioner.name_mismatch"})
	in.Name, in.Role, in.Mobile = "孙丽", PracAssistant, "13900001111"
	q := f.mustAdd(f.adminB, in)

	if q.ID != p.ID || q.CardNo != p.CardNo {
		t.Fatalf("a transfer made a new record: %d %s, was %d %s", q.ID, q.CardNo, p.ID, p.CardNo)
	}
	got := f.stored(p.ID)
	if len(got.Employments) != 2 || got.Employments[0].AgencyID != f.agA.ID || got.Employments[0].End.IsZero() ||
		got.Employments[0].EndReason != "个人原因" || got.Employments[0].EndedBy != "a.admin" ||
		got.Employments[1].AgencyID != f.agB.ID || got.Current() == nil || got.Current().Role != PracAssistant || got.Mobile != "13900001111" {
		t.Fatalf("history %+v", got.Employments)
	}
	if a := f.lastAudit(); a.Action != "practitioner.join" {
		t.Errorf("audit %s", a.Action)
	}
	// The public page shows both employers, newest first, and no mobile.
	pub, err := f.PublicPractitioner(strings.ToLower(p.CardNo))
	if err != nil {
		t.Fatal(err)
	}
	if pub.AgencyID != f.agB.ID || pub.Status != PracEmployed || len(pub.History) != 2 || pub.History[0].AgencyID != f.agB.ID ||
		pub.History[1].AgencyName != f.agA.Name || pub.MaskedID != MaskID(id) || pub.MaskedID == id {
		t.Fatalf("public %+v", pub)
	}
	// A sees him among those who left it, B among its staff.
	left, err := f.SearchPractitioners(f.adminA, PractitionerQuery{Status: PracLeft})
	if err != nil || left.Total != 1 || left.Items[0].ID != p.ID {
		t.Fatalf("A's leavers: %+v %v", left, err)
	}
	// ... as someone who left A, with his dates at A (not his start at B).
	if row := left.Rows[0]; row.Status != PracLeft || row.Employment == nil || row.Employment.AgencyID != f.agA.ID ||
		row.Employment.Start.Format(time.DateOnly) != "2026-01-05" || row.Employment.End.Format(time.DateOnly) != "2026-02-28" {
		t.Fatalf("A's row: %+v %+v", row, row.Employment)
	}
	// The clerk still sees him employed at B.
	if all, err := f.SearchPractitioners(f.clerk, PractitionerQuery{Text: p.CardNo}); err != nil || len(all.Rows) != 1 ||
		all.Rows[0].Status != PracEmployed || all.Rows[0].Employment.AgencyID != f.agB.ID {
		t.Fatalf("clerk's row: %+v %v", all.Rows, err)
	}
	// His card is B's document now: A may not print it; B and the clerk may.
	if _, err := f.PractitionerCard(f.adminA, p.ID); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("A prints a former employee's card: %v", err)
	}
	for _, a := range []Actor{f.adminB, f.clerk} {
		if _, err := f.PractitionerCard(a, p.ID); err != nil {
			t.Errorf("%s prints his card: %v", a.Username, err)
		}
	}
	if cur, _ := f.SearchPractitioners(f.adminA, PractitionerQuery{Status: PracEmployed}); cur.Total != 0 {
		t.Errorf("A still lists him as staff: %d", cur.Total)
	}
	if cur, _ := f.SearchPractitioners(f.adminB, PractitionerQuery{Status: PracEmployed}); cur.Total != 1 {
		t.Errorf("B's staff: %d", cur.Total)
	}
	// A may read him but not manage him any more.
	if _, err := f.GetPractitioner(f.adminA, p.ID); err != nil {
		t.Errorf("A reads a former employee: %v", err)
	}
	if _, err := f.UpdatePractitioner(f.adminA, p.ID, PractitionerUpdate{Role: PracBroker, QualCertNo: "X"}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("A edits a former employee: %v", err)
	}
}

func TestEndEmploymentsOfAgency(t *testing.T) {
	f := newPracFixture(t)
	p1 := f.mustAdd(f.adminA, pracInput("周一", pracID("11010519900101011")))
	p2 := f.mustAdd(f.adminA, pracInput("周二", pracID("11010519900101012")))
	p3 := f.mustAdd(f.adminB, pracInput("周三", pracID("11010519900101013")))
	// p2 had already left A and joined B: his B employment stays open.
	if _, err := f.EndEmployment(f.adminA, p2.ID, "2026-02-01", "调动"); err != nil {
		t.Fatal(err)
	}
	in := pracInput("周二", p2.IDNo)
	in.Start = "2026-02-02"
	f.mustAdd(f.adminB, in)
	if n, _ := f.EmployedCount(f.agA.ID); n != 1 {
		t.Fatalf("A employs %d before", n)
	}

	when := f.now()
	err := f.update(func(tx *storage.Tx) error { return endEmploymentsOf(tx, f.agA.ID, when, "机构注销") })
	if err != nil {
		t.Fatal(err)
	}
	if got := f.stored(p1.ID); got.Current() != nil || !got.Employments[0].End.Equal(day(when)) || got.Employments[0].EndReason != "机构注销" {
		t.Errorf("p1 %+v", got.Employments)
	}
	if got := f.stored(p2.ID); got.Current() == nil || got.Current().AgencyID != f.agB.ID || got.Employments[0].EndReason != "调动" {
		t.Errorf("p2 %+v", got.Employments)
	}
	if got := f.stored(p3.ID); got.Current() == nil {
		t.Errorf("p3 %+v", got.Employments)
	}
	counts, err := f.EmployedCounts([]uint64{f.agA.ID, f.agB.ID, f.agH.ID})
	if err != nil || counts[f.agA.ID] != 0 || counts[f.agB.ID] != 2 || counts[f.agH.ID] != 0 {
		t.Errorf("counts after: %v %v", counts, err)
	}
	// The list follows (the index is updated from the outbox).
	res, err := f.SearchPractitioners(f.clerk, PractitionerQuery{Status: PracLeft})
	if err != nil || res.Total != 1 || res.Items[0].ID != p1.ID {
		t.Errorf("left in Chaoyang: %+v %v", res, err)
	}
}

// TestSameDayRehireAfterAgencyCancelled: approving an agency's
// cancellation ends its staff's employment on that day, recorded as a day
// like an end typed in the form, and another agency may register him from
// that same day (not the day before).
func TestSameDayRehireAfterAgencyCancelled(t *testing.T) {
	f := newPracFixture(t)
	reviewer := f.actor(f.seedUser("reviewer", "李强", []Role{RoleReviewer}, "110105", fixturePassword))
	p := f.mustAdd(f.adminA, pracInput("冯五", pracID("11010519900101021")))
	f.clock.Advance(5*time.Hour + 17*time.Minute) // approved at 14:17
	ap, err := f.StartCancellation(f.clerk, f.agA.ID, "歇业")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ApproveApplication(reviewer, ap.ID); err != nil {
		t.Fatal(err)
	}
	ended := f.stored(p.ID).Employments[0]
	if want := time.Date(2026, 3, 2, 0, 0, 0, 0, time.Local); !ended.End.Equal(want) || ended.EndedBy != "system" {
		t.Fatalf("end written by the cancellation: %v by %q, want %v", ended.End, ended.EndedBy, want)
	}
	in := pracInput("冯五", p.IDNo)
	in.Start = "2026-03-01"
	_, err = f.AddPractitioner(f.adminB, in)
	wantFields(t, err, map[string]string{"start": "practitioner.start_before_last_end"})
	in.Start = "2026-03-02"
	q, err := f.AddPractitioner(f.adminB, in)
	if err != nil {
		t.Fatalf("same-day re-hire after the cancellation: %v", err)
	}
	if c := q.Current(); q.ID != p.ID || c == nil || c.AgencyID != f.agB.ID || c.Start.Format(time.DateOnly) != "2026-03-02" {
		t.Errorf("re-hired %+v", q.Employments)
	}
}

// TestSameDayRehireAfterEndWithTimeOfDay: an end stored with a time of day
// (as cancellations wrote before they wrote days) is compared as its day.
func TestSameDayRehireAfterEndWithTimeOfDay(t *testing.T) {
	f := newPracFixture(t)
	p := f.mustAdd(f.adminA, pracInput("冯六", pracID("11010519900101022")))
	err := f.update(func(tx *storage.Tx) error {
		return endEmploymentsOf(tx, f.agA.ID, time.Date(2026, 3, 2, 0, 0, 0, 0, time.Local), "机构注销")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = f.update(func(tx *storage.Tx) error {
		s, err := practitionerTable.Get(tx, p.ID)
		if err != nil {
			return err
		}
		s.Employments[0].End = time.Date(2026, 3, 2, 14, 17, 5, 0, time.Local)
		return practitionerTable.Put(tx, s)
	})
	if err != nil {
		t.Fatal(err)
	}
	in := pracInput("冯六", p.IDNo)
	in.Start = "2026-03-02"
	if _, err := f.AddPractitioner(f.adminB, in); err != nil {
		t.Fatalf("same-day re-hire after an end at 14:17: %v", err)
	}
}

func TestPractitionerVisibilityByRole(t *testing.T) {
	f := newPracFixture(t)
	p := f.mustAdd(f.adminA, pracInput("吴敏", pracID("11010519920202022")))
	h := f.mustAdd(f.adminH, pracInput("郑强", pracID("11010819920202023")))

	for _, tc := range []struct {
		who  string
		a    Actor
		id   uint64
		want Code
	}{
		{"clerk of another district", f.clerkHD, p.ID, ENOTFOUND},
		{"admin of another agency", f.adminB, p.ID, ENOTFOUND},
		{"admin of another district's agency", f.adminA, h.ID, ENOTFOUND},
		{"agent", f.agentA, p.ID, EFORBIDDEN},
	} {
		if _, err := f.GetPractitioner(tc.a, tc.id); ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.who, err, tc.want)
		}
		if _, _, err := f.PractitionerPhoto(tc.a, tc.id); ErrorCode(err) != ENOTFOUND {
			t.Errorf("%s reads the photo: %v", tc.who, err)
		}
	}
	for _, a := range []Actor{f.clerk, f.adminA, f.admin} {
		if _, err := f.GetPractitioner(a, p.ID); err != nil {
			t.Errorf("%s: %v", a.Username, err)
		}
	}
	// Lists: each sees only his own.
	for _, tc := range []struct {
		a    Actor
		want []uint64
	}{{f.clerk, []uint64{p.ID}}, {f.clerkHD, []uint64{h.ID}}, {f.adminB, nil}, {f.admin, []uint64{h.ID, p.ID}}} {
		res, err := f.SearchPractitioners(tc.a, PractitionerQuery{})
		if err != nil || res.Total != len(tc.want) {
			t.Errorf("%s lists %d, want %d (%v)", tc.a.Username, res.Total, len(tc.want), err)
		}
	}
	// A district filter outside one's jurisdiction finds nothing.
	if res, _ := f.SearchPractitioners(f.clerk, PractitionerQuery{District: "110108"}); res.Total != 0 {
		t.Errorf("clerk filtered to Haidian: %d", res.Total)
	}
	// Clerk of 110105 cannot manage Haidian's; after p moves to Haidian
	// both clerks see him (the past counts), only Haidian's manages him.
	if _, err := f.EndEmployment(f.clerk, h.ID, "2026-02-01", "x"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("clerk ends a Haidian employment: %v", err)
	}
	if _, err := f.EndEmployment(f.clerk, p.ID, "2026-02-01", "辞职"); err != nil {
		t.Fatal(err)
	}
	in := pracInput("吴敏", p.IDNo)
	in.Agency, in.Start = f.agH.FilingNo, "2026-02-10"
	f.mustAdd(f.clerkHD, in)
	for _, a := range []Actor{f.clerk, f.clerkHD} {
		if _, err := f.GetPractitioner(a, p.ID); err != nil {
			t.Errorf("%s after the move: %v", a.Username, err)
		}
	}
	if _, err := f.UpdatePractitioner(f.clerk, p.ID, PractitionerUpdate{Role: PracBroker, QualCertNo: "Q1"}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("Chaoyang clerk edits a Haidian employee: %v", err)
	}
	if _, err := f.UpdatePractitioner(f.clerkHD, p.ID, PractitionerUpdate{Role: PracBroker, QualCertNo: "Q1"}); err != nil {
		t.Errorf("Haidian clerk edits: %v", err)
	}
}

func TestRevealPractitionerIsAudited(t *testing.T) {
	f := newPracFixture(t)
	p := f.mustAdd(f.adminA, pracInput("冯军", pracID("11010519850505055")))
	viewer := f.actor(f.seedUser("leader", "赵敏", []Role{RoleViewer}, "", fixturePassword))
	before := len(f.auditEntries())
	if _, err := f.RevealPractitioner(viewer, p.ID); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a viewer reveals: %v", err)
	}
	if _, err := f.RevealPractitioner(f.adminA, p.ID); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("his agency's admin reveals: %v", err)
	}
	if _, err := f.RevealPractitioner(f.clerkHD, p.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("a Haidian clerk reveals a Chaoyang agency's practitioner: %v", err)
	}
	if len(f.auditEntries()) != before {
		t.Fatal("a refused full view was audited")
	}
	for _, who := range []Actor{f.clerk, f.admin} {
		got, err := f.RevealPractitioner(who, p.ID)
		if err != nil || got.IDNo != p.IDNo {
			t.Fatalf("%s reveals: %v %v", who.Username, got, err)
		}
		a := f.lastAudit()
		if len(f.auditEntries()) != before+1 || a.Action != "personal.view" || a.RecordKind != "practitioner" || a.RecordID != p.ID || a.Username != who.Username {
			t.Errorf("audit after %s's full view: %+v", who.Username, a)
		}
		before++
	}
}

func TestSearchPractitionersByOneChineseCharacter(t *testing.T) {
	f := newPracFixture(t)
	in := pracInput("张三丰", pracID("11010519700101001"))
	in.Start = "2025-12-01"
	a := f.mustAdd(f.adminA, in)
	f.mustAdd(f.adminA, pracInput("李四", pracID("11010519700101002")))
	in = pracInput("王五", pracID("11010519700101003"))
	in.Role, in.QualCertNo, in.Start = PracOther, "", "2026-02-01"
	f.mustAdd(f.adminB, in)
	for _, tc := range []struct {
		q    PractitionerQuery
		want int
	}{
		{PractitionerQuery{Text: "张"}, 1},
		{PractitionerQuery{Text: "丰"}, 1},
		{PractitionerQuery{Text: "三丰"}, 1},
		{PractitionerQuery{Text: "甲"}, 2}, // agency name
		{PractitionerQuery{Text: "乙"}, 1},
		{PractitionerQuery{Text: strings.ToLower(a.CardNo)}, 1},
		{PractitionerQuery{Text: a.IDNo}, 1},
		{PractitionerQuery{Text: "JJR2020001"}, 2},
		{PractitionerQuery{Role: PracOther}, 1},
		{PractitionerQuery{AgencyID: f.agB.ID}, 1},
		{PractitionerQuery{Text: "赵"}, 0},
	} {
		res, err := f.SearchPractitioners(f.clerk, tc.q)
		if err != nil || res.Total != tc.want || len(res.Items) != tc.want {
			t.Errorf("%+v: %d (%d items), want %d (%v)", tc.q, res.Total, len(res.Items), tc.want, err)
		}
	}
	// Paging, newest hire first.
	res, err := f.SearchPractitioners(f.clerk, PractitionerQuery{Size: 2, Page: 2})
	if err != nil || res.Total != 3 || res.Pages != 2 || len(res.Items) != 1 || res.Items[0].ID != a.ID {
		t.Errorf("page 2: %+v %v", res, err)
	}
	// The full ID of someone outside one's jurisdiction finds nobody.
	if res, _ := f.SearchPractitioners(f.clerkHD, PractitionerQuery{Text: a.IDNo}); res.Total != 0 {
		t.Errorf("Haidian clerk finds a Chaoyang ID: %d", res.Total)
	}
}

func TestUpdatePractitionerAndPhoto(t *testing.T) {
	f := newPracFixture(t)
	p := f.mustAdd(f.adminA, pracInput("何平", pracID("11010519800303033")))
	if _, _, err := f.PublicPractitionerPhoto(p.CardNo); ErrorCode(err) != ENOTFOUND {
		t.Errorf("photo before upload: %v", err)
	}
	_, err := f.UpdatePractitioner(f.adminA, p.ID, PractitionerUpdate{Mobile: "12", Role: "boss"})
	wantFields(t, err, map[string]string{"mobile": "mobile.invalid", "role": "practitioner.role_required",
		"qual_cert_no": ""})
	got, err := f.UpdatePractitioner(f.adminA, p.ID, PractitionerUpdate{Role: PracAssistant, QualCertNo: "xl2021", Photo: pracPNG, PhotoName: "me.png"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Mobile != "13812345678" || got.Current().Role != PracAssistant || got.QualCertNo != "XL2021" || got.PhotoBlob == 0 {
		t.Fatalf("updated %+v", got)
	}
	data, ct, err := f.PublicPractitionerPhoto(p.CardNo)
	if err != nil || ct != "image/png" || !bytes.Equal(data, pracPNG) {
		t.Fatalf("photo %q %v", ct, err)
	}
	if data, _, err := f.PractitionerPhoto(f.adminA, p.ID); err != nil || !bytes.Equal(data, pracPNG) {
		t.Fatalf("admin photo %v", err)
	}
	if _, err := f.UpdatePractitioner(f.adminA, p.ID, PractitionerUpdate{Mobile: "139 0000 2222", Role: PracAssistant, QualCertNo: "XL2021", RemovePhoto: true}); err != nil {
		t.Fatal(err)
	}
	if got := f.stored(p.ID); got.Mobile != "13900002222" || got.PhotoBlob != 0 {
		t.Errorf("after: %+v", got)
	}
	if a := f.lastAudit(); a.Action != "practitioner.update" || !strings.Contains(a.Detail, "mobile") || strings.Contains(a.Detail, "13900002222") {
		t.Errorf("audit %+v", a)
	}
}

func TestEndEmploymentDisablesLinkedAccount(t *testing.T) {
	f := newPracFixture(t)
	p := f.mustAdd(f.adminA, pracInput("钱七", pracID("11010519930303031")))
	if _, err := f.MyPractitioner(f.agentA); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unlinked agent: %v", err)
	}
	err := f.update(func(tx *storage.Tx) error {
		u, err := userTable.Get(tx, f.agentAUser.ID)
		if err != nil {
			return err
		}
		u.PractitionerID = p.ID
		return userTable.Put(tx, u)
	})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := f.MyPractitioner(f.agentA)
	if err != nil || mine.ID != p.ID {
		t.Fatalf("my card: %v %v", mine, err)
	}
	if _, _, err := f.PractitionerPhoto(f.agentA, p.ID); ErrorCode(err) != ENOTFOUND || err.(*Error).Key != "practitioner.no_photo" {
		t.Errorf("agent's own photo (none): %v", err)
	}
	if _, err := f.EndEmployment(f.adminA, p.ID, "2026-03-01", "辞职"); err != nil {
		t.Fatal(err)
	}
	if u := f.storedUser("a.agent"); !u.Disabled {
		t.Error("the leaver's account at the agency is still enabled")
	}
	if u := f.storedUser("a.admin"); u.Disabled {
		t.Error("the admin was disabled")
	}
	if _, err := f.EndEmployment(f.adminA, p.ID, "2026-03-01", "again"); ErrorCode(err) != EFORBIDDEN {
		// he no longer works at A, so A's admin may not manage him
		t.Errorf("ending twice: %v", err)
	}
}

func TestPublicPractitionerUnknownCard(t *testing.T) {
	f := newPracFixture(t)
	if _, err := f.PublicPractitioner("XK99999999"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("unknown card: %v", err)
	}
}

func TestDemoPractitioners(t *testing.T) {
	f := newPracFixture(t)
	for i := range 8 {
		f.addAgency("演示经纪公司"+string(rune('A'+i)), "110105")
	}
	if err := f.update(func(tx *storage.Tx) error { return f.seedDemoPractitioners(tx, f.now()) }); err != nil {
		t.Fatal(err)
	}
	var n, moved, left int
	err := f.db.View(func(tx *storage.Tx) error {
		return practitionerTable.Each(tx, false, func(p *Practitioner) (bool, error) {
			n++
			if CheckResidentID(p.IDNo) != nil {
				t.Errorf("demo ID %s invalid", p.IDNo)
			}
			if len(p.Employments) > 1 {
				moved++
			}
			if p.Current() == nil {
				left++
			}
			return true, nil
		})
	})
	if err != nil || n < 40 || moved == 0 || left == 0 {
		t.Errorf("demo: %d practitioners, %d moved, %d left (%v)", n, moved, left, err)
	}
	// Idempotent.
	if err := f.update(func(tx *storage.Tx) error { return f.seedDemoPractitioners(tx, f.now()) }); err != nil {
		t.Fatal(err)
	}
	if res, _ := f.SearchPractitioners(f.admin, PractitionerQuery{}); res.Total != n {
		t.Errorf("after a second run %d, want %d", res.Total, n)
	}
}

// TestRoleChangeKeepsTheFormerRole: a promotion inside an employment keeps
// the role held before, until the day it changed; a change made and
// corrected the same day leaves only what was meant.
func TestRoleChangeKeepsTheFormerRole(t *testing.T) {
	f := newPracFixture(t)
	p := f.mustAdd(f.adminA, pracInput("何平", pracID("11010519800303033")))
	start := p.Current().Role
	update := func(role string) {
		t.Helper()
		if _, err := f.UpdatePractitioner(f.adminA, p.ID, PractitionerUpdate{Role: role, QualCertNo: "XL2021"}); err != nil {
			t.Fatal(err)
		}
	}
	other := PracAssistant
	if start == PracAssistant {
		other = PracBroker
	}
	// Changed the day it was entered: the entry is corrected.
	update(other)
	if e := f.stored(p.ID).Current(); e.Role != other || len(e.Former) != 0 {
		t.Errorf("changed the day of entry: %s, former %+v; want no former role", e.Role, e.Former)
	}
	update(start)
	f.clock.Advance(30 * 24 * time.Hour)
	first := day(f.now())
	update(other)
	e := f.stored(p.ID).Current()
	if e.Role != other || len(e.Former) != 1 || e.Former[0].Role != start || !e.Former[0].Until.Equal(first) {
		t.Fatalf("after the change: %s, former %+v; want %s, former %s until %s", e.Role, e.Former, other, start, first)
	}
	// The same day: set to a third role, then back — a correction.
	update(PracOther)
	if e := f.stored(p.ID).Current(); e.Role != PracOther || len(e.Former) != 1 || e.Former[0].Role != start {
		t.Errorf("corrected the same day: %s, former %+v", e.Role, e.Former)
	}
	update(start)
	if e := f.stored(p.ID).Current(); e.Role != start || len(e.Former) != 0 {
		t.Errorf("back to the first role the same day: %s, former %+v; want no former role", e.Role, e.Former)
	}
	// Changed on two days: both earlier roles are kept, in order.
	update(other)
	f.clock.Advance(10 * 24 * time.Hour)
	second := day(f.now())
	update(start)
	e = f.stored(p.ID).Current()
	if e.Role != start || len(e.Former) != 2 || e.Former[0].Role != start || e.Former[1].Role != other || !e.Former[1].Until.Equal(second) {
		t.Fatalf("two changes: %s, former %+v", e.Role, e.Former)
	}
	pub, err := f.PublicPractitioner(p.CardNo)
	if err != nil || len(pub.History) != 1 || len(pub.History[0].Former) != 2 {
		t.Errorf("the public card's history: %+v (%v)", pub.History, err)
	}
	// He cannot have left before taking the role he holds now.
	_, err = f.EndEmployment(f.adminA, p.ID, second.AddDate(0, 0, -1).Format(time.DateOnly), "辞职")
	wantFields(t, err, map[string]string{"end": "practitioner.end_before_role_change"})
	if _, err := f.EndEmployment(f.adminA, p.ID, second.Format(time.DateOnly), "辞职"); err != nil {
		t.Errorf("leaving on the day of the change: %v", err)
	}
}
