package app

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/storage"
)

// Helpers of the verification tests (also used by registry_import_test.go,
// connector_test.go and verification_list_test.go). They build on the
// fixture of apptest_test.go and the registry file helpers of
// registry_file_test.go.

// vfFixture is a fixture with the demo accounts (and demo registry) loaded
// and an actor for each demo user the verification tests need, built the
// way the UI builds them from a session.
type vfFixture struct {
	*fixture
	clerk     Actor // 王芳, clerk of 110105 (朝阳)
	clerkHD   Actor // 陈静, clerk of 110108 (海淀)
	reviewer  Actor // 李强, reviewer of 110105
	viewer    Actor // 赵敏, city-wide viewer
	agent     Actor // 张伟, agent of 北京安居房地产经纪有限公司
	agent2    Actor // 张小红, another agent of 北京安居
	anjuAdmin Actor // 刘洋, agency admin of 北京安居
	leju      Actor // 李娜, agency admin and agent of 北京乐居住房租赁有限公司
}

func newVFFixture(t testing.TB) *vfFixture {
	t.Helper()
	f := &vfFixture{fixture: newDemoFixture(t)}
	f.clerk = f.demoActor("clerk")
	f.clerkHD = f.demoActor("clerk.hd")
	f.reviewer = f.demoActor("reviewer")
	f.viewer = f.demoActor("leader")
	f.agent = f.demoActor("agent.zhang")
	f.agent2 = f.demoActor("agent.zhangxh")
	f.anjuAdmin = f.demoActor("anju.admin")
	f.leju = f.demoActor("leju.admin")
	if f.agent.AgencyID == 0 || f.agent.AgencyID != f.agent2.AgencyID || f.agent.AgencyID == f.leju.AgencyID {
		t.Fatalf("demo agencies: zhang %d, zhangxh %d, leju %d", f.agent.AgencyID, f.agent2.AgencyID, f.leju.AgencyID)
	}
	return f
}

// demoActor is the actor of a stored user as a session would make it.
func (f *vfFixture) demoActor(username string) Actor {
	f.t.Helper()
	return actorOf(f.storedUser(username), &Session{}, "192.0.2.1")
}

// vfID is a checksum-valid fictional resident ID number (Chaoyang, 1980).
func vfID(n int) string { return vtMakeID("110105", "19800101", fmt.Sprintf("%03d", n)) }

// vfAddress is the address of the test properties: 麒麟 is in no demo
// address, so that a one-character search finds only the test's codes.
const vfAddress = "北京市朝阳区麒麟路8号院1号楼2单元301"

// vfCertNo is a certificate number of the tests' own (the demo numbers
// are 京(YYYY)…不动产权第0100000号 and up).
func vfCertNo(n int) string {
	return fmt.Sprintf("京(2024)朝阳区不动产权第%07d号", 9000000+n)
}

// vfRow is one registry row (template column order, Chinese header) for
// one owner of a clear residential property in 110105; kv replaces columns
// by key, e.g. "seized", "是".
func vfRow(certNo, owner, idNo string, kv ...string) []string {
	rec := regfileTestWith("cert_no", certNo, "owner_name", owner, "owner_id_no", idNo,
		"share", "", "address", vfAddress, "mortgaged", "否")
	for i := 0; i < len(kv); i += 2 {
		rec[regfileTestCol(kv[i])] = kv[i+1]
	}
	return rec
}

// vfCSV is a UTF-8 CSV file of the template's Chinese header and rows.
func vfCSV(rows ...[]string) []byte {
	return regfileTestCSV(append([][]string{regfileTestHeaderZh()}, rows...)...)
}

// importRows imports rows as the sysadmin and fails on any error.
func (f *vfFixture) importRows(rows ...[]string) *RegistryImport {
	f.t.Helper()
	rep, err := f.ImportRegistry(f.admin, strings.NewReader(string(vfCSV(rows...))), "test.csv", nil)
	if err != nil {
		f.t.Fatalf("import: %v (report %+v)", err, rep)
	}
	return rep
}

// vfOwner is an owner as typed in the form, with a resident ID.
func vfOwner(name, idNo string) OwnerInput {
	return OwnerInput{Name: name, IDType: "resident_id", IDNo: idNo}
}

// vfInput is a whole-rental verification request in 110105 that passes
// for a clear property whose owners are given.
func vfInput(certNo string, owners ...OwnerInput) VerifyInput {
	return VerifyInput{District: "110105", CertType: "01", CertNo: certNo, Owners: owners,
		Address: vfAddress, Building: "1号楼2单元", Room: "301", Area: "89.5", Rooms: "2", Halls: "1", Baths: "1",
		Rent: "6500", Mode: "whole"}
}

// sharedRoom turns a request into a shared rental (合租) of room, 15 m².
func sharedRoom(in VerifyInput, room string) VerifyInput {
	in.Mode, in.Room, in.Area = "shared", room, "15"
	return in
}

// mustVerify runs Verify and fails unless it passes.
func (f *vfFixture) mustVerify(actor Actor, in VerifyInput) *Verification {
	f.t.Helper()
	res, err := f.Verify(actor, in)
	if err != nil {
		f.t.Fatalf("verify %s as %s: %v", in.CertNo, actor.Username, err)
	}
	if res.Verification == nil {
		f.t.Fatalf("verify %s as %s: no verification", in.CertNo, actor.Username)
	}
	return res.Verification
}

// attempts returns every stored verification attempt, oldest first.
func (f *vfFixture) attempts() []*VerifyAttempt {
	f.t.Helper()
	var out []*VerifyAttempt
	err := f.db.View(func(tx *storage.Tx) error {
		return attemptTable.Each(tx, false, func(a *VerifyAttempt) (bool, error) {
			out = append(out, a)
			return true, nil
		})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// lastAttempt returns the newest attempt.
func (f *vfFixture) lastAttempt() *VerifyAttempt {
	f.t.Helper()
	all := f.attempts()
	if len(all) == 0 {
		f.t.Fatal("no attempt recorded")
	}
	return all[len(all)-1]
}

// verificationCount is the number of stored verifications.
func (f *vfFixture) verificationCount() int {
	f.t.Helper()
	var n int
	if err := f.db.View(func(tx *storage.Tx) error { n = verificationTable.Count(tx); return nil }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// stored reads a verification from the store by code.
func (f *vfFixture) stored(code string) *Verification {
	f.t.Helper()
	var v *Verification
	err := f.db.View(func(tx *storage.Tx) (err error) {
		v, err = f.lookupVerification(tx, code)
		return err
	})
	if err != nil {
		f.t.Fatalf("stored verification %s: %v", code, err)
	}
	return v
}

// property reads a property of the local copy; nil when absent.
func (f *vfFixture) property(district, certNo string) *Property {
	f.t.Helper()
	var p *Property
	err := f.db.View(func(tx *storage.Tx) (err error) {
		p, err = findProperty(tx, district, certNo)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// setParams sets parameters as the sysadmin.
func (f *vfFixture) setParams(kv ...string) {
	f.t.Helper()
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	if err := f.SetParams(f.admin, m); err != nil {
		f.t.Fatalf("set params %v: %v", m, err)
	}
}

// wantRefused fails unless err is a refusal on field with key, recorded
// as the newest attempt with outcome and requester, and no verification
// was stored.
func (f *vfFixture) wantRefused(t testing.TB, err error, actor Actor, outcome, field, key string, verificationsBefore int) {
	t.Helper()
	if outcome == "refused" {
		wantRefusal(t, err, field, key)
	} else {
		wantFieldError(t, err, field, key)
	}
	a := f.lastAttempt()
	if a.Outcome != outcome || a.Field != field || a.Reason != key || a.VerificationID != 0 ||
		a.Requester.Username != actor.Username || a.Requester.UserID != actor.UserID {
		t.Fatalf("attempt = %+v, want %s %s %s by %s", a, outcome, field, key, actor.Username)
	}
	if n := f.verificationCount(); n != verificationsBefore {
		t.Fatalf("verifications %d → %d after a refusal", verificationsBefore, n)
	}
}

func TestVerifyPasses(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(
		vfRow(vfCertNo(1), "欧阳麒", vfID(1)),
		vfRow(vfCertNo(2), "司马骏", vfID(2), "share", "50%"),
		vfRow(vfCertNo(2), "诸葛蕾", vfID(3), "share", "50%"),
	)
	before := len(f.attempts())
	start := f.now()
	// Typed as people type: spaces, lower-case x-free IDs with spaces,
	// full-width digits in the area and rent.
	in := vfInput(" "+vfCertNo(1)+" ", vfOwner(" 欧阳 麒 ", vfID(1)[:6]+" "+vfID(1)[6:]))
	in.Area, in.Rent = "８９.５㎡", "６５００"
	res, err := f.Verify(f.agent, in)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Verification
	if res.Duplicate != nil {
		t.Errorf("duplicate %v on a first verification", res.Duplicate)
	}
	if len(v.Code) != vcodeLen || CheckVerificationCode(v.Code) != VCodeOK {
		t.Fatalf("code %q: %v", v.Code, CheckVerificationCode(v.Code))
	}
	if want := start.AddDate(0, 0, 90); !v.ValidUntil.Equal(want) || !v.Created.Equal(start) {
		t.Errorf("created %v valid until %v, want %v + 90 days = %v", v.Created, v.ValidUntil, start, want)
	}
	if v.Status != VStatusValid || v.State(f.now()) != VStatusValid || v.DaysLeft(f.now()) != 90 {
		t.Errorf("status %s state %s days left %d", v.Status, v.State(f.now()), v.DaysLeft(f.now()))
	}
	p := f.property("110105", vfCertNo(1))
	// The register's address names the flat: a whole rental keeps no typed building or room.
	wantListing := Listing{Address: vfAddress, Area: 89.5, Rooms: 2, Halls: 1, Baths: 1, Rent: 6500, Mode: "whole"}
	if v.PropertyID != p.ID || v.District != "110105" || v.CertType != "01" || v.CertNo != vfCertNo(1) ||
		v.Listing != wantListing || len(v.Warnings) != 0 || v.Mortgaged {
		t.Errorf("verification = %+v", v)
	}
	if len(v.Owners) != 1 || v.Owners[0] != (Owner{Name: "欧阳麒", IDType: "resident_id", IDNo: vfID(1)}) {
		t.Errorf("owners = %+v", v.Owners)
	}
	r := v.Requester
	if r.Username != "agent.zhang" || r.UserID != f.agent.UserID || r.AgencyID != f.agent.AgencyID ||
		r.AgencyName != "北京安居房地产经纪有限公司" || r.Name != "张伟" {
		t.Errorf("requester = %+v", r)
	}
	// As stored.
	if got := f.stored(v.Code); got.ID != v.ID || !got.ValidUntil.Equal(v.ValidUntil) || got.Requester != r {
		t.Errorf("stored = %+v", got)
	}
	// One attempt, passed, with who asked.
	all := f.attempts()
	if len(all) != before+1 {
		t.Fatalf("attempts %d → %d", before, len(all))
	}
	a := all[len(all)-1]
	if a.Outcome != "passed" || a.VerificationID != v.ID || a.Requester != r || a.District != "110105" ||
		a.CertNo != vfCertNo(1) || a.Reason != "" || !a.Time.Equal(start) {
		t.Errorf("attempt = %+v", a)
	}
	if e := f.lastAudit(); e.Action != "verification.create" || e.RecordID != v.ID || e.Username != "agent.zhang" ||
		!strings.Contains(e.Detail, v.Code) {
		t.Errorf("audit = %+v", e)
	}
	// The agent reads it back; so does the clerk of the district.
	for _, actor := range []Actor{f.agent, f.agent2, f.clerk} {
		if got, err := f.GetVerification(actor, FormatVerificationCode(v.Code)); err != nil || got.ID != v.ID {
			t.Errorf("%s reads the code: %v", actor.Username, err)
		}
	}
	for _, actor := range []Actor{f.leju, f.clerkHD} {
		_, err := f.GetVerification(actor, v.Code)
		wantError(t, err, ENOTFOUND, "verify.not_found")
	}

	// Co-owners: both owners typed, in any order, pass; the code names both.
	co := f.mustVerify(f.clerk, vfInput(vfCertNo(2), vfOwner("诸葛蕾", vfID(3)), vfOwner("司马骏", vfID(2))))
	if len(co.Owners) != 2 || co.Owners[0].Name != "诸葛蕾" || co.Owners[1].Name != "司马骏" || co.Requester.AgencyID != 0 {
		t.Errorf("co-owned verification = %+v", co)
	}
	// One of the co-owners alone passes too (the owner renting it out).
	f.mustVerify(f.clerk, vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2))))

	// The validity follows the parameter.
	f.setParams(ParamVerifyDays, "30")
	v30 := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	if want := f.now().AddDate(0, 0, 30); !v30.ValidUntil.Equal(want) {
		t.Errorf("valid until %v, want %v", v30.ValidUntil, want)
	}
}

func TestVerifyRefusals(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(
		vfRow(vfCertNo(1), "欧阳麒", vfID(1)),
		vfRow(vfCertNo(2), "司马骏", vfID(2)),
		vfRow(vfCertNo(2), "诸葛蕾", vfID(3)),
		vfRow(vfCertNo(3), "欧阳麒", vfID(1), "seized", "是"),
		vfRow(vfCertNo(4), "欧阳麒", vfID(1), "disputed", "Y"),
		vfRow(vfCertNo(5), "欧阳麒", vfID(1), "cancelled", "1"),
		vfRow(vfCertNo(6), "欧阳麒", vfID(1), "restricted", "true"),
		vfRow(vfCertNo(7), "欧阳麒", vfID(1), "use", "商业"),
		vfRow(vfCertNo(8), "欧阳麒", vfID(1), "mortgaged", "是"),
		vfRow(vfCertNo(9), "欧阳麒", vfID(1), "cert_type", "房屋所有权证"),
	)
	owner := vfOwner("欧阳麒", vfID(1))
	badSum := vfID(1)[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", vfID(1)[17])+1)%11])
	for _, tc := range []struct {
		name    string
		actor   Actor
		in      VerifyInput
		outcome string
		field   string
		key     string
	}{
		{"district outside the clerk's jurisdiction", f.clerkHD, vfInput(vfCertNo(1), owner), "invalid", "district", "verify.district_outside"},
		{"district missing", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.District = ""; return in }(), "invalid", "district", "verify.district_required"},
		{"district unknown", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.District = "110199"; return in }(), "invalid", "district", "verify.district_unknown"},
		{"certificate not found", f.agent, vfInput(vfCertNo(99), owner), "refused", "cert_no", "verify.cert_not_found"},
		{"certificate of another district", f.clerk, func() VerifyInput {
			in := vfInput(vfCertNo(1), owner)
			in.District = "110108"
			in.CertNo = vfCertNo(1)
			return in
		}(), "invalid", "district", "verify.district_outside"},
		{"certificate in another district (agent)", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.District = "110108"; return in }(), "refused", "cert_no", "verify.cert_not_found"},
		{"certificate type differs", f.agent, func() VerifyInput { in := vfInput(vfCertNo(9), owner); return in }(), "refused", "cert_type", "verify.cert_type_mismatch"},
		{"owner name mismatch", f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麟", vfID(1))), "refused", "owner_id_no", "verify.owner_mismatch"},
		{"owner ID mismatch", f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(7))), "refused", "owner_id_no", "verify.owner_mismatch"},
		{"owner of another property", f.agent, vfInput(vfCertNo(1), vfOwner("司马骏", vfID(2))), "refused", "owner_id_no", "verify.owner_mismatch"},
		{"co-owner wrong", f.agent, vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2)), vfOwner("诸葛蕾", vfID(4))), "refused", "co_owners.0.owner_id_no", "verify.owner_mismatch"},
		{"second co-owner wrong", f.agent, vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2)), vfOwner("诸葛蕾", vfID(3)), vfOwner("诸葛亮", vfID(5))), "refused", "co_owners.1.owner_id_no", "verify.owner_mismatch"},
		{"seized", f.agent, vfInput(vfCertNo(3), owner), "refused", "cert_no", "verify.seized"},
		{"disputed", f.agent, vfInput(vfCertNo(4), owner), "refused", "cert_no", "verify.disputed"},
		{"cancelled", f.clerk, vfInput(vfCertNo(5), owner), "refused", "cert_no", "verify.cancelled"},
		{"restricted", f.leju, vfInput(vfCertNo(6), owner), "refused", "cert_no", "verify.restricted"},
		{"not residential", f.agent, vfInput(vfCertNo(7), owner), "refused", "cert_no", "verify.not_residential"},
		{"ID checksum", f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", badSum)), "invalid", "owner_id_no", "idcard.checksum"},
		{"co-owner ID checksum", f.agent, vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2)), vfOwner("诸葛蕾", badSum)), "invalid", "co_owners.0.owner_id_no", "idcard.checksum"},
		{"owner name missing", f.agent, vfInput(vfCertNo(1), vfOwner(" ", vfID(1))), "invalid", "owner_name", "verify.owner_name_required"},
		{"owner ID type unknown", f.agent, vfInput(vfCertNo(1), OwnerInput{Name: "欧阳麒", IDType: "driving_licence", IDNo: vfID(1)}), "invalid", "owner_id_type", "verify.owner_id_type_unknown"},
		{"area not a number", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.Area = "abc"; return in }(), "invalid", "area", "verify.area_invalid"},
		{"area zero", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.Area = "0"; return in }(), "invalid", "area", "verify.area_invalid"},
		{"rent missing", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.Rent = ""; return in }(), "invalid", "rent", "verify.rent_invalid"},
		{"layout not a number", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.Rooms = "两"; return in }(), "invalid", "layout", "verify.layout_invalid"},
		{"mode missing", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.Mode = ""; return in }(), "invalid", "mode", "verify.mode_required"},
		{"shared without room", f.agent, sharedRoom(vfInput(vfCertNo(1), owner), " "), "invalid", "room", "verify.room_required_shared"},
		{"address missing", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.Address = " "; return in }(), "invalid", "address", "verify.address_required"},
		{"certificate number missing", f.agent, vfInput(" ", owner), "invalid", "cert_no", "verify.cert_no_required"},
		{"certificate type unknown", f.agent, func() VerifyInput { in := vfInput(vfCertNo(1), owner); in.CertType = "77"; return in }(), "invalid", "cert_type", "verify.cert_type_unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.verificationCount()
			res, err := f.Verify(tc.actor, tc.in)
			if res.Verification != nil {
				t.Fatalf("refusal returned a verification %v", res.Verification)
			}
			f.wantRefused(t, err, tc.actor, tc.outcome, tc.field, tc.key, before)
		})
	}

	// Several bad fields are all reported at once.
	in := vfInput(vfCertNo(1), vfOwner("", badSum))
	in.Area, in.Rent, in.Mode, in.Room = "abc", "0", "shared", ""
	_, err := f.Verify(f.agent, in)
	e := wantError(t, err, EINVALID, "form.invalid")
	want := map[string]string{"owner_name": "verify.owner_name_required", "owner_id_no": "idcard.checksum",
		"area": "verify.area_invalid", "rent": "verify.rent_invalid", "room": "verify.room_required_shared"}
	for k, v := range want {
		if e.Fields[k] != v {
			t.Errorf("field %s = %q, want %q (all %v)", k, e.Fields[k], v, e.Fields)
		}
	}
	if a := f.lastAttempt(); a.Outcome != "invalid" || want[a.Field] != a.Reason {
		t.Errorf("attempt = %+v", a)
	}

	// A role without the permission is refused before anything is recorded.
	before := len(f.attempts())
	for _, actor := range []Actor{f.reviewer, f.viewer, f.admin} {
		_, err := f.Verify(actor, vfInput(vfCertNo(1), owner))
		wantError(t, err, EFORBIDDEN, "error.forbidden")
	}
	if n := len(f.attempts()); n != before {
		t.Errorf("forbidden requests recorded as attempts: %d → %d", before, n)
	}

	// Mortgaged passes, with the warning shown.
	res, err := f.Verify(f.agent, vfInput(vfCertNo(8), owner))
	if err != nil {
		t.Fatalf("mortgaged: %v", err)
	}
	if v := res.Verification; !v.Mortgaged || !slices.Equal(v.Warnings, []string{"verify.warn_mortgaged"}) {
		t.Errorf("mortgaged verification: mortgaged %v warnings %v", v.Mortgaged, v.Warnings)
	}
	if a := f.lastAttempt(); a.Outcome != "passed" || a.VerificationID != res.Verification.ID {
		t.Errorf("attempt = %+v", a)
	}
}

func TestVerifyNonResidentialParameter(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(7), "欧阳麒", vfID(1), "use", "商业"),
		vfRow(vfCertNo(8), "欧阳麒", vfID(1), "use", "商住两用(住宅)"))
	in := vfInput(vfCertNo(7), vfOwner("欧阳麒", vfID(1)))
	before := f.verificationCount()
	_, err := f.Verify(f.agent, in)
	f.wantRefused(t, err, f.agent, "refused", "cert_no", "verify.not_residential", before)
	// A use that names 住宅 is residential.
	f.mustVerify(f.agent, vfInput(vfCertNo(8), vfOwner("欧阳麒", vfID(1))))

	f.setParams(ParamVerifyNonResid, "true")
	v := f.mustVerify(f.agent, in)
	if v.CertNo != vfCertNo(7) || v.Status != VStatusValid {
		t.Errorf("non-residential verification = %+v", v)
	}
	f.setParams(ParamVerifyNonResid, "false")
	before = f.verificationCount()
	_, err = f.Verify(f.leju, in)
	f.wantRefused(t, err, f.leju, "refused", "cert_no", "verify.not_residential", before)
}

func TestVerifyDuplicateRule(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)), vfRow(vfCertNo(2), "司马骏", vfID(2)),
		vfRow(vfCertNo(3), "诸葛蕾", vfID(3)))
	p := vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)))
	first := f.mustVerify(f.agent, p)

	// Another agency: refused by default, told neither the holder nor its
	// code (the public check of a code names who asked for it).
	before := f.verificationCount()
	res, err := f.Verify(f.leju, p)
	e := wantError(t, err, EINVALID, "verify.duplicate")
	if e.Fields["cert_no"] != "verify.duplicate" || len(e.Args) != 0 {
		t.Errorf("duplicate error = %+v", e)
	}
	if res.Duplicate != nil || res.Verification != nil {
		t.Fatalf("result = %+v", res)
	}
	if a := f.lastAttempt(); a.Outcome != "refused" || a.Field != "cert_no" || a.Reason != "verify.duplicate" ||
		a.Requester.AgencyID != f.leju.AgencyID {
		t.Errorf("attempt = %+v", a)
	}
	if n := f.verificationCount(); n != before {
		t.Fatalf("a refused duplicate stored a verification")
	}
	// The bureau is another requester too, and its staff may see every
	// verification: the clerk is shown the code held. A shared rental of a
	// room conflicts with a whole rental.
	res, err = f.Verify(f.clerk, p)
	wantError(t, err, EINVALID, "verify.duplicate")
	if res.Duplicate == nil || res.Duplicate.ID != first.ID || res.Verification != nil {
		t.Fatalf("the clerk's result = %+v", res)
	}
	_, err = f.Verify(f.leju, sharedRoom(p, "A"))
	wantError(t, err, EINVALID, "verify.duplicate")

	// The same agency (another agent) may verify again, without warning.
	again, err := f.Verify(f.agent2, p)
	if err != nil {
		t.Fatalf("same agency again: %v", err)
	}
	if again.Duplicate != nil || len(again.Verification.Warnings) != 0 {
		t.Errorf("same agency: duplicate %v warnings %v", again.Duplicate, again.Verification.Warnings)
	}

	// Allowed by parameter: passes with the warning, the other code still
	// hidden from another agency.
	f.setParams(ParamVerifyDuplicate, "true")
	res, err = f.Verify(f.leju, p)
	if err != nil {
		t.Fatalf("duplicate allowed: %v", err)
	}
	if res.Duplicate != nil || !slices.Equal(res.Verification.Warnings, []string{"verify.warn_duplicate"}) {
		t.Errorf("allowed duplicate: duplicate %v warnings %v", res.Duplicate, res.Verification.Warnings)
	}
	f.setParams(ParamVerifyDuplicate, "false")

	// Shared rentals: different rooms do not conflict, the same room does
	// (whatever its case or width), and a whole rental conflicts with both.
	q := vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2)))
	roomA := f.mustVerify(f.agent, sharedRoom(q, "A"))
	res, err = f.Verify(f.leju, sharedRoom(q, "B"))
	if err != nil || res.Duplicate != nil || len(res.Verification.Warnings) != 0 {
		t.Fatalf("another room: %+v %v", res, err)
	}
	before = f.verificationCount()
	_, err = f.Verify(f.leju, sharedRoom(q, " ａ "))
	// The room is what is taken: the refusal sits on it.
	if e := wantError(t, err, EINVALID, "verify.duplicate"); e.Fields["room"] != "verify.duplicate" || len(e.Fields) != 1 {
		t.Errorf("the same room taken: fields %v, want the room's", e.Fields)
	}
	if a := f.lastAttempt(); a.Field != "room" {
		t.Errorf("the same room taken: attempt's field %q, want room", a.Field)
	}
	res, err = f.Verify(f.clerk, q)
	// A whole rental over a let room: the property is what is taken.
	if e := wantError(t, err, EINVALID, "verify.duplicate"); e.Fields["cert_no"] != "verify.duplicate" {
		t.Errorf("a whole rental over a let room: fields %v, want the certificate's", e.Fields)
	}
	if res.Duplicate == nil || res.Duplicate.ID != roomA.ID {
		t.Errorf("same room: duplicate %v, want %s", res.Duplicate, roomA.Code)
	}
	if n := f.verificationCount(); n != before {
		t.Fatalf("refused duplicates stored verifications")
	}

	// Only an unexpired, valid code counts: after a revocation another
	// agency may verify.
	r := vfInput(vfCertNo(3), vfOwner("诸葛蕾", vfID(3)))
	held := f.mustVerify(f.agent, r)
	_, err = f.Verify(f.leju, r)
	wantError(t, err, EINVALID, "verify.duplicate")
	if _, err := f.RevokeVerification(f.clerk, held.Code, "经纪机构撤回委托"); err != nil {
		t.Fatal(err)
	}
	if res, err := f.Verify(f.leju, r); err != nil || res.Duplicate != nil {
		t.Fatalf("after revocation: %+v %v", res, err)
	}
}

// TestVerifyDuplicateConcurrent: two agencies verifying the same property
// at the same moment cannot both pass (the check and the insert share one
// transaction even when grouped by db.Batch).
func TestVerifyDuplicateConcurrent(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	p := vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)))
	var passed, dup atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		actor := f.agent
		if i%2 == 1 {
			actor = f.leju
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.Verify(actor, p)
			switch {
			case err == nil:
				passed.Add(1)
			case ErrorCode(err) == EINVALID:
				dup.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Every code of the property belongs to one agency.
	var agencies []uint64
	_ = f.db.View(func(tx *storage.Tx) error {
		ids, _ := verificationTable.Lookup(tx, "property", storage.U64(f.property("110105", vfCertNo(1)).ID))
		for _, id := range ids {
			v, _ := verificationTable.Get(tx, id)
			if !slices.Contains(agencies, v.Requester.AgencyID) {
				agencies = append(agencies, v.Requester.AgencyID)
			}
		}
		return nil
	})
	if len(agencies) != 1 || passed.Load() != 4 || dup.Load() != 4 {
		t.Fatalf("passed %d, refused %d, agencies holding codes %v", passed.Load(), dup.Load(), agencies)
	}
}

func TestVerificationExpiry(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	v := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	codes := func(status string) []string {
		t.Helper()
		page, err := f.SearchVerifications(f.agent, VerificationQuery{Text: v.Code, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range page.Items {
			out = append(out, it.Code)
		}
		return out
	}
	if got := codes(VStatusValid); !slices.Equal(got, []string{v.Code}) {
		t.Errorf("valid list before expiry = %v", got)
	}
	if got := codes(VStatusExpired); len(got) != 0 {
		t.Errorf("expired list before expiry = %v", got)
	}
	// One day before the end it is still valid, with one day left.
	f.clock.Advance(v.ValidUntil.Sub(f.now()) - 24*time.Hour)
	if pc, err := f.CheckCode(v.Code); err != nil || pc.State != VStatusValid || v.DaysLeft(f.now()) != 1 {
		t.Fatalf("a day before: %+v %v days left %d", pc, err, v.DaysLeft(f.now()))
	}
	// At ValidUntil itself it has expired: everywhere alike.
	for _, step := range []time.Duration{24 * time.Hour, time.Minute} {
		f.clock.Advance(step)
		got, err := f.GetVerification(f.clerk, v.Code)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != VStatusValid || got.State(f.now()) != VStatusExpired || got.DaysLeft(f.now()) != 0 {
			t.Errorf("at %v: stored status %s, state %s", f.now(), got.Status, got.State(f.now()))
		}
		pc, err := f.CheckCode(v.Code)
		if err != nil || pc.State != VStatusExpired || !pc.ValidUntil.Equal(v.ValidUntil) {
			t.Errorf("public check at %v = %+v %v", f.now(), pc, err)
		}
		if got := codes(VStatusExpired); !slices.Equal(got, []string{v.Code}) {
			t.Errorf("expired list at %v = %v", f.now(), got)
		}
		if got := codes(VStatusValid); len(got) != 0 {
			t.Errorf("valid list at %v = %v", f.now(), got)
		}
	}
	// An expired code cannot be revoked, and no longer blocks another agency.
	_, err := f.RevokeVerification(f.clerk, v.Code, "过期后撤销")
	wantError(t, err, ECONFLICT, "verify.not_valid_anymore")
	if _, err := f.Verify(f.leju, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)))); err != nil {
		t.Fatalf("another agency after expiry: %v", err)
	}
}

func TestRevokeVerification(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	v := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))

	_, err := f.RevokeVerification(f.clerk, v.Code, " \u3000 ")
	wantFieldError(t, err, "reason", "verify.revoke_reason_required")
	_, err = f.RevokeVerification(f.clerk, v.Code, strings.Repeat("长", 201))
	wantFieldError(t, err, "reason", "verify.revoke_reason_too_long")
	for _, actor := range []Actor{f.agent, f.anjuAdmin, f.reviewer, f.viewer} {
		_, err = f.RevokeVerification(actor, v.Code, "无权撤销")
		wantError(t, err, EFORBIDDEN, "error.forbidden")
	}
	_, err = f.RevokeVerification(f.clerkHD, v.Code, "不在辖区")
	wantError(t, err, ENOTFOUND, "verify.not_found")
	_, err = f.RevokeVerification(f.clerk, NewVerificationCode(), "不存在")
	wantError(t, err, ENOTFOUND, "verify.not_found")
	if got := f.stored(v.Code); got.Status != VStatusValid {
		t.Fatalf("refused revocations changed the code: %+v", got)
	}

	// Checked while valid (the facts are now kept decoded, public_check.go)
	// and again after the revocation below: the second check must not be
	// given the first one's facts.
	if pc, err := f.CheckCode(v.Code); err != nil || pc.State != VStatusValid || len(pc.OwnerNames) != 1 {
		t.Fatalf("public check before revocation = %+v %v", pc, err)
	}
	f.clock.Advance(time.Hour)
	got, err := f.RevokeVerification(f.clerk, strings.ToLower(FormatVerificationCode(v.Code)), " 房源已出租，经纪机构申请撤销 ")
	if err != nil {
		t.Fatal(err)
	}
	s := f.stored(v.Code)
	if s.Status != VStatusRevoked || s.EndReason != "房源已出租，经纪机构申请撤销" || s.EndedBy != "clerk" ||
		!s.Ended.Equal(f.now()) || got.Status != VStatusRevoked {
		t.Errorf("revoked = %+v", s)
	}
	if e := f.lastAudit(); e.Action != "verification.revoke" || e.RecordID != v.ID || e.Username != "clerk" ||
		!strings.Contains(e.Detail, "房源已出租") {
		t.Errorf("audit = %+v", e)
	}
	// The public check says revoked but keeps the clerk's words internal.
	pc, err := f.CheckCode(v.Code)
	if err != nil || pc.State != VStatusRevoked || pc.EndReason != "" || !pc.Ended.Equal(f.now()) {
		t.Errorf("public check = %+v %v", pc, err)
	}
	_, err = f.RevokeVerification(f.clerk, v.Code, "再次撤销")
	wantError(t, err, ECONFLICT, "verify.not_valid_anymore")
	if page, err := f.SearchVerifications(f.clerk, VerificationQuery{Text: v.Code, Status: VStatusRevoked}); err != nil || page.Total != 1 {
		t.Errorf("revoked list: %+v %v", page, err)
	}
}

func TestCheckCode(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(2), "司马骏", vfID(2)), vfRow(vfCertNo(2), "诸葛蕾", vfID(3)))
	v := f.mustVerify(f.agent, vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2)), vfOwner("诸葛蕾", vfID(3))))

	for _, typed := range []string{v.Code, FormatVerificationCode(v.Code), strings.ToLower(FormatVerificationCode(v.Code)),
		" " + strings.ToLower(v.Code[:6]) + " " + v.Code[6:] + " "} {
		pc, err := f.CheckCode(typed)
		if err != nil {
			t.Fatalf("check %q: %v", typed, err)
		}
		if pc.Code != v.Code || pc.State != VStatusValid || pc.District != "110105" || pc.Listing != v.Listing ||
			!pc.ValidUntil.Equal(v.ValidUntil) || !pc.Created.Equal(v.Created) || pc.EndReason != "" {
			t.Errorf("check %q = %+v", typed, pc)
		}
		if !slices.Equal(pc.OwnerNames, []string{"司**", "诸**"}) || pc.OwnerNames[0] != MaskName("司马骏") {
			t.Errorf("owner names %q are not masked", pc.OwnerNames)
		}
	}
	// One character changed: the check character catches it.
	i := strings.IndexByte(vcodeAlphabet, v.Code[3])
	typo := v.Code[:3] + string(vcodeAlphabet[(i+1)%len(vcodeAlphabet)]) + v.Code[4:]
	_, err := f.CheckCode(typo)
	wantFieldError(t, err, "code", "verify.code_mistyped")
	if v.Code[5] != v.Code[6] {
		_, err = f.CheckCode(v.Code[:5] + string(v.Code[6]) + string(v.Code[5]) + v.Code[7:])
		wantFieldError(t, err, "code", "verify.code_mistyped")
	}
	// Well-formed but never issued.
	unknown := NewVerificationCode()
	for unknown == v.Code {
		unknown = NewVerificationCode()
	}
	_, err = f.CheckCode(unknown)
	wantFieldError(t, err, "code", "verify.code_unknown")
	for _, garbage := range []string{"", "hello", "<script>", v.Code + "2", v.Code[:11], "核验码核验码核验码核验码"} {
		_, err = f.CheckCode(garbage)
		wantFieldError(t, err, "code", "verify.code_malformed")
	}
	// Complete, but with a character codes never contain: said so, not
	// "incomplete".
	for _, c := range []string{"O", "0", "I", "1", "U", "?"} {
		_, err = f.CheckCode(c + v.Code[1:])
		wantFieldError(t, err, "code", "verify.code_bad_char")
		_, err = f.CheckCode(v.Code[:11] + c)
		wantFieldError(t, err, "code", "verify.code_bad_char")
	}
}

// BenchmarkVerify measures verifications from 4, 16 and 64 parallel
// clients over 5,000 imported properties (besides the 3,000 of the demo).
// Each is a durable write (attempt, verification, audit entry) grouped
// with the others waiting by db.Batch, with the index loop running as in
// a serving instance; throughput grows with the clients as more share one
// commit. Without the race detector:
//
//	go test -run '^$' -bench 'BenchmarkVerify$' -benchtime 5s ./app/
func BenchmarkVerify(b *testing.B) {
	f := newVFFixture(b)
	const n = 5000
	rows := vfFiller(n)
	f.importRows(rows...)
	inputs := make([]VerifyInput, n)
	for i, r := range rows {
		inputs[i] = vfInput(r[regfileTestCol("cert_no")], vfOwner(r[regfileTestCol("owner_name")], r[regfileTestCol("owner_id_no")]))
		inputs[i].Address = r[regfileTestCol("address")]
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.indexer.loop(ctx)
	var next atomic.Int64
	for _, clients := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := f.Verify(f.agent, inputs[next.Add(1)%n]); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	}
}

// TestVerificationCertifiesTheRegisteredProperty: the code, its notice and
// the contract carry the register's address, not one typed; a listing
// larger or smaller than the registered flat is refused at the area, a
// room larger than two-thirds of it too; a shared rental keeps the room it
// lets.
func TestVerificationCertifiesTheRegisteredProperty(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	in := vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)))
	in.Address, in.Building, in.Room = "朝阳区测试路1号", "9号楼", "999"
	v := f.mustVerify(f.agent, in)
	if v.Listing.Address != vfAddress || v.Listing.FullAddress() != vfAddress {
		t.Errorf("certified address %q (%q), want the register's %q", v.Listing.Address, v.Listing.FullAddress(), vfAddress)
	}

	// 89.5 m² registered: 91.29 passes as rounding, 91.6 does not.
	f.importRows(vfRow(vfCertNo(2), "欧阳麒", vfID(1)))
	in = vfInput(vfCertNo(2), vfOwner("欧阳麒", vfID(1)))
	in.Area = "91.6"
	before := f.verificationCount()
	_, err := f.Verify(f.clerk, in)
	f.wantRefused(t, err, f.clerk, "refused", "area", "verify.area_exceeds_registered", before)
	in.Area = "91.29"
	f.mustVerify(f.clerk, in)
	// Nor a whole rental of a part of the flat: the contract prints the
	// area as the building area. 87.71 is the rounding's lower end.
	in.Area = "60"
	_, err = f.Verify(f.clerk, in)
	f.wantRefused(t, err, f.clerk, "refused", "area", "verify.area_below_registered", f.verificationCount())
	in.Area = "87.6"
	_, err = f.Verify(f.clerk, in)
	f.wantRefused(t, err, f.clerk, "refused", "area", "verify.area_below_registered", f.verificationCount())
	in.Area = "87.8"
	f.mustVerify(f.clerk, in)

	// A room of a shared rental: no larger than the flat, and named.
	f.importRows(vfRow(vfCertNo(3), "欧阳麒", vfID(1)))
	in = sharedRoom(vfInput(vfCertNo(3), vfOwner("欧阳麒", vfID(1))), "B室")
	in.Area = "90"
	_, err = f.Verify(f.clerk, in)
	f.wantRefused(t, err, f.clerk, "refused", "area", "verify.area_exceeds_registered", f.verificationCount())
	in.Area = "60" // more than two-thirds of 89.5 m²: the room is the flat
	_, err = f.Verify(f.clerk, in)
	f.wantRefused(t, err, f.clerk, "refused", "area", "verify.area_room_too_large", f.verificationCount())
	in.Area = "15"
	v = f.mustVerify(f.clerk, in)
	if v.Listing.Room != "B室" || v.Listing.FullAddress() != vfAddress+" 1号楼2单元B室" {
		t.Errorf("shared rental's listing %+v reads %q", v.Listing, v.Listing.FullAddress())
	}
}

// TestVerifyOwnerTypedTwice: a co-owner row repeating an owner already
// given (same ID type and number, whatever the spelling of the name) is
// refused on its ID number, and nothing is issued: the code would list
// one person as two owners on the notice and in the lease.
func TestVerifyOwnerTypedTwice(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)), vfRow(vfCertNo(1), "欧阳麟", vfID(2)))
	_, err := f.Verify(f.clerk, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)), vfOwner("欧阳麒", vfID(1))))
	wantFieldError(t, err, "co_owners.0.owner_id_no", "verify.owner_repeated")
	_, err = f.Verify(f.clerk, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)), vfOwner("欧阳麟", vfID(2)), vfOwner("欧阳 麟", " "+vfID(2))))
	wantFieldError(t, err, "co_owners.1.owner_id_no", "verify.owner_repeated")
	// Both owners once: it passes, with two owners.
	v := f.mustVerify(f.clerk, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)), vfOwner("欧阳麟", vfID(2))))
	if len(v.Owners) != 2 {
		t.Errorf("owners recorded: %+v", v.Owners)
	}
}
