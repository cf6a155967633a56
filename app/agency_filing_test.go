package app

import (
	"regexp"
	"strings"
	"testing"

	"anju/storage"
)

// testUSCC completes 17 characters of a credit code with its check
// character.
func testUSCC(body string) string { return withUSCCCheck(body) }

// testResidentID completes 17 digits of a resident ID.
func testResidentID(d17 string) string { return d17 + string(residentIDCheckChar(d17)) }

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image body")

func validAgencyForm(name, uscc string) AgencyForm {
	return AgencyForm{Name: name, USCC: uscc, Type: AgencyTypeBroker, LegalRep: "孙立",
		LegalRepIDType: "resident_id", LegalRepIDNo: testResidentID("11010519800101001"),
		Address: "北京市朝阳区光华路1号", District: "110105", Contact: "孙立", ContactMobile: "13800001111",
		Scope: "房地产经纪", Capital: "300", Established: "2018-06-01",
		Premises: []PremisesForm{{Name: "光华路门店", Address: "北京市朝阳区光华路1号底商", District: "110105", Lng: "116.46", Lat: "39.91"}}}
}

type filingFixture struct {
	*fixture
	clerk, reviewer, clerkHD, reviewerHD Actor
}

func newFilingFixture(t *testing.T) *filingFixture {
	f := newFixture(t)
	return &filingFixture{fixture: f,
		clerk:      f.actor(f.seedUser("clerk", "王芳", []Role{RoleClerk}, "110105", fixturePassword)),
		reviewer:   f.actor(f.seedUser("reviewer", "李强", []Role{RoleReviewer}, "110105", fixturePassword)),
		clerkHD:    f.actor(f.seedUser("clerk.hd", "陈静", []Role{RoleClerk}, "110108", fixturePassword)),
		reviewerHD: f.actor(f.seedUser("reviewer.hd", "何平", []Role{RoleReviewer}, "110108", fixturePassword)),
	}
}

// fileThrough enters a complete filing as actor and submits it.
func (f *filingFixture) fileThrough(t *testing.T, actor Actor, form AgencyForm) *AgencyApplication {
	t.Helper()
	ap, err := f.StartFiling(actor, form)
	if err != nil {
		t.Fatalf("start filing: %v", err)
	}
	ref := AppRef{ID: ap.ID}
	if _, err := f.SaveStep(actor, ref, StepPremises, form, true); err != nil {
		t.Fatalf("premises step: %v", err)
	}
	if _, err := f.AttachLicence(actor, ref, "licence.png", pngBytes); err != nil {
		t.Fatalf("licence: %v", err)
	}
	ap, err = f.SubmitApplication(actor, ref)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return ap
}

func (f *filingFixture) storedAgency(t *testing.T, id uint64) *Agency {
	t.Helper()
	var ag *Agency
	if err := f.db.View(func(tx *storage.Tx) (err error) { ag, err = agencyTable.Get(tx, id); return }); err != nil {
		t.Fatalf("agency %d: %v", id, err)
	}
	return ag
}

func TestFilingFlowWithRejectionAndResubmission(t *testing.T) {
	f := newFilingFixture(t)
	form := validAgencyForm("北京光华房地产经纪有限公司", testUSCC("91110105MA01GH001"))
	ap := f.fileThrough(t, f.clerk, form)
	if ap.Status != AppPending || ap.Info.Name != form.Name || len(ap.Info.Premises) != 1 || !ap.Info.Premises[0].HasCoords {
		t.Fatalf("submitted application = %+v", ap)
	}
	if !regexp.MustCompile(`^SQ\d{4}\d{6}$`).MatchString(ap.No) {
		t.Errorf("application number %q", ap.No)
	}

	// The reviewer of another district does not see it; a reason is required.
	if _, err := f.ApproveApplication(f.reviewerHD, ap.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("reviewer of Haidian approving a Chaoyang filing: %v, want not found", err)
	}
	_, err := f.RejectApplication(f.reviewer, ap.ID, "  ")
	wantFieldError(t, err, "reject_reason", "agency.reject_reason_required")
	ap, err = f.RejectApplication(f.reviewer, ap.ID, "营业执照照片不清晰，请重新上传")
	if err != nil || ap.Status != AppRejected || ap.RejectReason != "营业执照照片不清晰，请重新上传" {
		t.Fatalf("reject: %+v %v", ap, err)
	}
	// A rejected application cannot be approved; the clerk fixes and resubmits.
	if _, err := f.ApproveApplication(f.reviewer, ap.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("approve a rejected application: %v", err)
	}
	ref := AppRef{ID: ap.ID}
	if _, err := f.AttachLicence(f.clerk, ref, "licence2.pdf", []byte("%PDF-1.7 clear scan")); err != nil {
		t.Fatal(err)
	}
	ap, err = f.SubmitApplication(f.clerk, ref)
	if err != nil || ap.Status != AppPending || ap.RejectReason != "" || ap.Info.LicenceType != "application/pdf" {
		t.Fatalf("resubmit: %+v %v", ap, err)
	}
	actions := []string{}
	for _, e := range ap.History {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "saved,submitted,rejected,resubmitted" {
		t.Errorf("history = %s", got)
	}

	ap, err = f.ApproveApplication(f.reviewer, ap.ID)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	ag := f.storedAgency(t, ap.AgencyID)
	if ag.Status != AgencyFiled || !regexp.MustCompile(`^110105-\d{4}-\d{4}$`).MatchString(ag.FilingNo) ||
		ag.Name != form.Name || ag.Version != 1 || ag.AdminUserID == 0 {
		t.Fatalf("agency = %+v", ag)
	}
	admin := f.storedUser(agencyAdminUsername(ag.FilingNo))
	if !admin.MustChangePassword || !admin.HasRole(RoleAgencyAdmin) || admin.AgencyID != ag.ID {
		t.Errorf("admin account = %+v", admin)
	}

	// Only the clerk who entered it prints the account notice, once.
	if _, err := f.TakeAccountNotice(f.reviewer, ref); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("reviewer takes the notice: %v", err)
	}
	n, err := f.TakeAccountNotice(f.clerk, ref)
	if err != nil || n.Username != admin.Username || len(n.Password) < 10 {
		t.Fatalf("notice: %+v %v", n, err)
	}
	if _, err := f.TakeAccountNotice(f.clerk, ref); ErrorCode(err) != ECONFLICT {
		t.Errorf("second notice: %v, want conflict", err)
	}
	res, err := f.Login(PortalAgency, n.Username, n.Password, "192.0.2.9", "test", "")
	if err != nil || !res.MustChangePassword {
		t.Fatalf("new admin signs in with the initial password: %+v %v", res, err)
	}
	if e := f.lastAuditOf("agency.app_approve"); e == nil || !strings.Contains(e.Detail, ag.FilingNo) {
		t.Errorf("approval not audited: %+v", e)
	}
}

func (f *filingFixture) lastAuditOf(action string) *AuditEntry {
	var last *AuditEntry
	for _, e := range f.auditEntries() {
		if e.Action == action {
			last = e
		}
	}
	return last
}

func TestFilingFormErrorsAreNamedAndNothingIsStored(t *testing.T) {
	f := newFilingFixture(t)
	_, err := f.StartFiling(f.clerk, AgencyForm{USCC: "91110105MA01GH0010", LegalRepIDNo: "110105198001010012", ContactMobile: "1380000"})
	for field, key := range map[string]string{
		"name": "agency.name_required", "uscc": "uscc.checksum", "type": "agency.type_required",
		"legal_rep_id_no": "idcard.checksum", "district": "agency.district_required", "contact_mobile": "mobile.invalid",
	} {
		wantFieldErrorIn(t, err, field, key)
	}
	var n int
	_ = f.db.View(func(tx *storage.Tx) error { n = applicationTable.Count(tx); return nil })
	if n != 0 {
		t.Errorf("a refused first step stored %d applications", n)
	}

	form := validAgencyForm("北京错误示范经纪有限公司", testUSCC("91110105MA01CW001"))
	form.District = "110108"
	_, err = f.StartFiling(f.clerk, form)
	wantFieldError(t, err, "district", "agency.district_outside")

	form.District = "110105"
	ap, err := f.StartFiling(f.clerk, form)
	if err != nil {
		t.Fatal(err)
	}
	ref := AppRef{ID: ap.ID}
	swapped := form
	swapped.Premises = []PremisesForm{{Name: "门店", Address: "某路1号", District: "110105", Lng: "39.9", Lat: "116.4"}}
	_, err = f.SaveStep(f.clerk, ref, StepPremises, swapped, true)
	wantFieldErrorIn(t, err, "premises.0.lng", "agency.lng_invalid")
	wantFieldErrorIn(t, err, "premises.0.lat", "agency.lat_invalid")
	_, err = f.SaveStep(f.clerk, ref, StepPremises, AgencyForm{}, true)
	wantFieldError(t, err, "premises.0.name", "agency.premises_required")
	// "保存草稿" keeps what was typed, mistakes and all.
	ap, err = f.SaveStep(f.clerk, ref, StepPremises, swapped, false)
	if err != nil || ap.Form.Premises[0].Lng != "39.9" || ap.Form.Name != form.Name {
		t.Fatalf("draft save: %+v %v", ap, err)
	}
	_, err = f.AttachLicence(f.clerk, ref, "licence.png", []byte("just text, renamed to .png"))
	wantFieldError(t, err, "licence", "agency.licence_type")
	_, err = f.SubmitApplication(f.clerk, ref)
	wantFieldErrorIn(t, err, "premises.0.lng", "agency.lng_invalid")
	if _, err := f.SaveStep(f.clerk, ref, StepPremises, form, true); err != nil {
		t.Fatal(err)
	}
	_, err = f.SubmitApplication(f.clerk, ref)
	wantFieldError(t, err, "licence", "agency.licence_required")
}

// wantFieldErrorIn checks one field of an error that names several.
func wantFieldErrorIn(t *testing.T, err error, field, key string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Fields[field] != key {
		t.Errorf("field %s: got %v, want %s", field, err, key)
	}
}

func TestReviewerCannotReviewWhatHeEntered(t *testing.T) {
	f := newFilingFixture(t)
	both := f.actor(f.seedUser("both", "两职", []Role{RoleClerk, RoleReviewer}, "110105", fixturePassword))
	ap := f.fileThrough(t, both, validAgencyForm("北京自审经纪有限公司", testUSCC("91110105MA01KN001")))
	f.fileThrough(t, f.clerk, validAgencyForm("北京他审经纪有限公司", testUSCC("91110105MA01KN002")))
	// His to-do counts what others entered, not his own (the same rule).
	for who, want := range map[*Actor]int{&both: 1, &f.reviewer: 2, &f.clerk: 0} {
		if ag, err := f.FilingAgenda(*who); err != nil || ag.ToReview != want {
			t.Errorf("%s has %d agency filings to review (%v), want %d", who.Username, ag.ToReview, err, want)
		}
	}
	if !ap.Own(both) || ap.Own(f.reviewer) {
		t.Errorf("own: %v for who entered it, %v for another reviewer", ap.Own(both), ap.Own(f.reviewer))
	}
	if _, err := f.ApproveApplication(both, ap.ID); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("approving one's own filing: %v, want forbidden", err)
	}
	if ok, why := f.CanReview(both, ap.ID); ok || why != "agency.review_own" {
		t.Errorf("CanReview = %v %q", ok, why)
	}
	if _, err := f.ApproveApplication(f.clerk, ap.ID); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a clerk approving: %v, want forbidden", err)
	}
	if _, err := f.ApproveApplication(f.reviewer, ap.ID); err != nil {
		t.Errorf("another reviewer approves: %v", err)
	}
}

func TestCreditCodeIsUniqueAmongLiveFilings(t *testing.T) {
	f := newFilingFixture(t)
	code := testUSCC("91110105MA01WY001")
	// A draft started before the first filing is submitted passes step 1.
	second, err := f.StartFiling(f.clerk, validAgencyForm("北京重复经纪有限公司", strings.ToLower(code)))
	if err != nil {
		t.Fatal(err)
	}
	first := f.fileThrough(t, f.clerk, validAgencyForm("北京唯一经纪有限公司", code))

	ref := AppRef{ID: second.ID}
	form := validAgencyForm("北京重复经纪有限公司", code)
	if _, err := f.SaveStep(f.clerk, ref, StepPremises, form, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.AttachLicence(f.clerk, ref, "l.png", pngBytes); err != nil {
		t.Fatal(err)
	}
	// Submission checks again: the register changed since step 1.
	_, err = f.SubmitApplication(f.clerk, ref)
	wantFieldError(t, err, "uscc", "agency.uscc_in_review")
	// Step 1 says so beside the field, and a new filing is refused there.
	_, err = f.SaveStep(f.clerk, ref, StepBasic, form, true)
	wantFieldError(t, err, "uscc", "agency.uscc_in_review")
	_, err = f.StartFiling(f.clerk, validAgencyForm("北京第三经纪有限公司", code))
	wantFieldError(t, err, "uscc", "agency.uscc_in_review")

	if _, err := f.ApproveApplication(f.reviewer, first.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.SubmitApplication(f.clerk, ref)
	wantFieldError(t, err, "uscc", "agency.uscc_taken")
	_, err = f.SaveStep(f.clerk, ref, StepBasic, form, true)
	wantFieldError(t, err, "uscc", "agency.uscc_taken")
	// With the other mistakes of the step, not after them.
	bad := validAgencyForm("", strings.ToLower(code))
	_, err = f.StartFiling(f.clerk, bad)
	wantFieldErrorIn(t, err, "name", "agency.name_required")
	wantFieldErrorIn(t, err, "uscc", "agency.uscc_taken")
	_, _, err = f.StartPublicFiling(Actor{}, bad, "周申请", "13900002222")
	wantFieldErrorIn(t, err, "name", "agency.name_required")
	wantFieldErrorIn(t, err, "uscc", "agency.uscc_taken")
	// Saving the step as a draft keeps it as typed, with no check.
	if _, err := f.SaveStep(f.clerk, ref, StepBasic, form, false); err != nil {
		t.Errorf("draft save: %v", err)
	}
}

// The credit code is kept as it will be filed (upper case, half-width, no
// spaces) from the first save on: the confirm step, the applicant's and
// the reviewer's pages show the form.
func TestCreditCodeIsNormalisedWhenSaved(t *testing.T) {
	f := newFilingFixture(t)
	code := testUSCC("91110105MA01NM001")
	typed := " " + strings.ToLower(code[:6]) + " " + strings.ToLower(code[6:])
	ap, err := f.StartFiling(f.clerk, validAgencyForm("北京小写经纪有限公司", typed))
	if err != nil {
		t.Fatal(err)
	}
	if ap.Form.USCC != code || ap.Info.USCC != code {
		t.Errorf("started: form %q info %q, want %q", ap.Form.USCC, ap.Info.USCC, code)
	}
	ref := AppRef{ID: ap.ID}
	// Full-width, in a draft saved without going on.
	full := strings.Map(func(r rune) rune { return r - '!' + '！' }, strings.ToLower(code))
	if _, err := f.SaveStep(f.clerk, ref, StepBasic, validAgencyForm("北京小写经纪有限公司", full), false); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.GetApplication(f.clerk, ref); got.Form.USCC != code {
		t.Errorf("draft saved: form %q, want %q", got.Form.USCC, code)
	}

	pub, token, err := f.StartPublicFiling(Actor{}, validAgencyForm("北京小写租赁有限公司", strings.ToLower(testUSCC("91110105MA01NM002"))), "周申请", "13900002222")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.GetApplication(Actor{}, AppRef{Token: token}); got.Form.USCC != testUSCC("91110105MA01NM002") {
		t.Errorf("public application %s keeps %q", pub.No, got.Form.USCC)
	}
}

func TestPublicSelfApplication(t *testing.T) {
	f := newFilingFixture(t)
	form := validAgencyForm("北京自荐住房租赁有限公司", testUSCC("91110105MA01KJ001"))
	_, _, err := f.StartPublicFiling(Actor{}, form, "", "123")
	wantFieldErrorIn(t, err, "applicant_name", "agency.applicant_name_required")
	wantFieldErrorIn(t, err, "applicant_mobile", "mobile.invalid")

	ap, token, err := f.StartPublicFiling(Actor{}, form, "周申请", "13900002222")
	if err != nil || token == "" || ap.Source != SourcePublic {
		t.Fatalf("start: %+v %q %v", ap, token, err)
	}
	ref := AppRef{Token: token}
	// Only the link opens it: not the ID alone, not a clerk's edit.
	if _, err := f.SaveStep(f.clerk, AppRef{ID: ap.ID}, StepPremises, form, true); err == nil {
		t.Error("a clerk edited a public application")
	}
	if _, err := f.GetApplication(Actor{}, AppRef{Token: "not-the-token"}); ErrorCode(err) != ENOTFOUND {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := f.SaveStep(Actor{}, ref, StepPremises, form, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.AttachLicence(Actor{}, ref, "licence.jpg", []byte("\xFF\xD8\xFF\xE0 jpeg")); err != nil {
		t.Fatal(err)
	}
	// A public draft is not in the clerks' queue until submitted.
	if list, _ := f.ListApplications(f.reviewer, AppFilter{}); len(list) != 0 {
		t.Errorf("reviewer sees a public draft: %d", len(list))
	}
	if _, err := f.SubmitApplication(Actor{}, ref); err != nil {
		t.Fatal(err)
	}
	list, _ := f.ListApplications(f.reviewer, AppFilter{Status: AppPending})
	if len(list) != 1 || list[0].ID != ap.ID {
		t.Fatalf("review queue = %d", len(list))
	}
	if _, err := f.RejectApplication(f.reviewer, ap.ID, "经营场所地址不完整"); err != nil {
		t.Fatal(err)
	}
	seen, err := f.GetApplication(Actor{}, ref)
	if err != nil || seen.Status != AppRejected || seen.RejectReason != "经营场所地址不完整" {
		t.Fatalf("the applicant sees %+v %v", seen, err)
	}
	if _, err := f.SubmitApplication(Actor{}, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ApproveApplication(f.reviewer, ap.ID); err != nil {
		t.Fatal(err)
	}
	// The clerk did not enter it: the applicant's link prints the notice.
	if _, err := f.TakeAccountNotice(f.clerk, AppRef{ID: ap.ID}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("clerk takes a public applicant's notice: %v", err)
	}
	if n, err := f.TakeAccountNotice(Actor{}, ref); err != nil || n.Password == "" {
		t.Fatalf("applicant's notice: %+v %v", n, err)
	}
}

// seedFiledAgency files an agency through the whole flow and returns it
// with its admin's actor.
func (f *filingFixture) seedFiledAgency(t *testing.T, form AgencyForm) (*Agency, Actor) {
	t.Helper()
	ap := f.fileThrough(t, f.clerk, form)
	ap, err := f.ApproveApplication(f.reviewer, ap.ID)
	if err != nil {
		t.Fatalf("approve %s: %v", form.Name, err)
	}
	ag := f.storedAgency(t, ap.AgencyID)
	admin := f.storedUser(agencyAdminUsername(ag.FilingNo))
	return ag, f.actor(admin)
}

func TestBranchRules(t *testing.T) {
	f := newFilingFixture(t)
	head, headAdmin := f.seedFiledAgency(t, validAgencyForm("北京总部房地产经纪有限公司", testUSCC("91110105MA01KB001")))
	if ok, _, _ := f.CanApplyForBranch(headAdmin); !ok {
		t.Fatal("a head office's admin may apply for a branch")
	}
	branchForm := validAgencyForm("北京总部房地产经纪有限公司望京分公司", testUSCC("91110105MA01KB002"))
	branchForm.HeadOffice = "some other agency" // ignored: the applicant's own agency is the head office
	ap, err := f.StartFiling(headAdmin, branchForm)
	if err != nil || ap.Source != SourceAgency || ap.Info.HeadOfficeID != head.ID {
		t.Fatalf("branch application: %+v %v", ap, err)
	}
	ref := AppRef{ID: ap.ID}
	if _, err := f.SaveStep(headAdmin, ref, StepPremises, branchForm, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.AttachLicence(headAdmin, ref, "l.png", pngBytes); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SubmitApplication(headAdmin, ref); err != nil {
		t.Fatal(err)
	}
	ap, err = f.ApproveApplication(f.reviewer, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	branch := f.storedAgency(t, ap.AgencyID)
	if !branch.IsBranch() || branch.HeadOfficeID != head.ID {
		t.Fatalf("branch = %+v", branch)
	}
	branchAdmin := f.actor(f.storedUser(agencyAdminUsername(branch.FilingNo)))
	ok, why, _ := f.CanApplyForBranch(branchAdmin)
	if ok || why != "agency.branch_cannot_apply" {
		t.Errorf("branch admin CanApplyForBranch = %v %q", ok, why)
	}
	_, err = f.StartFiling(branchAdmin, validAgencyForm("别家经纪有限公司", testUSCC("91110105MA01BJ003")))
	wantError(t, err, EFORBIDDEN, "agency.branch_cannot_apply")
	// Nor may he change or cancel the head office.
	if _, err := f.StartChange(branchAdmin, head.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("branch admin changes the head office: %v", err)
	}
	// The head office sees its branch; the branch does not see the head office's other branches.
	if bs, err := f.AgencyBranches(headAdmin, head.ID); err != nil || len(bs) != 1 {
		t.Errorf("head office branches: %d %v", len(bs), err)
	}
	// A head office with a live branch cannot be cancelled.
	_, err = f.StartCancellation(f.clerk, head.ID, "歇业")
	wantError(t, err, ECONFLICT, "agency.cancel_has_branches")
}

func TestChangeKeepsHistoryAndFormerName(t *testing.T) {
	f := newFilingFixture(t)
	ag, admin := f.seedFiledAgency(t, validAgencyForm("北京旧名房地产经纪有限公司", testUSCC("91110105MA01JM001")))
	ap, err := f.StartChange(admin, ag.ID)
	if err != nil || ap.Kind != AppChange || ap.Form.Name != ag.Name {
		t.Fatalf("start change: %+v %v", ap, err)
	}
	if _, err := f.StartChange(f.clerk, ag.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("second open change: %v", err)
	}
	form := ap.Form
	form.Name = "北京新名房地产经纪有限公司"
	form.Premises = append(form.Premises, PremisesForm{Name: "新门店", Address: "北京市朝阳区新路2号", District: "110105"})
	ref := AppRef{ID: ap.ID}
	if _, err := f.SaveStep(admin, ref, StepBasic, form, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SaveStep(admin, ref, StepPremises, form, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SubmitApplication(admin, ref); err != nil { // the licence on file carries over
		t.Fatal(err)
	}
	if got := f.storedAgency(t, ag.ID); got.Name != "北京旧名房地产经纪有限公司" || got.PendingApp != ap.ID {
		t.Errorf("before approval the agency reads %q pending %d", got.Name, got.PendingApp)
	}
	if _, err := f.ApproveApplication(f.reviewer, ap.ID); err != nil {
		t.Fatal(err)
	}
	got := f.storedAgency(t, ag.ID)
	if got.Name != form.Name || got.Version != 2 || len(got.Premises) != 2 || got.PendingApp != 0 ||
		len(got.FormerNames) != 1 || got.FormerNames[0] != "北京旧名房地产经纪有限公司" || got.FilingNo != ag.FilingNo {
		t.Fatalf("changed agency = %+v", got)
	}
	if u := f.storedUser(admin.Username); u.AgencyName != form.Name {
		t.Errorf("admin account still names %q", u.AgencyName)
	}
	hist, err := f.AgencyHistory(f.clerk, ag.ID)
	if err != nil || len(hist) != 2 || hist[0].Version != 1 || hist[1].Version != 2 || hist[1].SubmittedBy.Username != admin.Username {
		t.Fatalf("history = %v %v", hist, err)
	}
}

func TestCancellationDisablesAccountsAndEndsEmployment(t *testing.T) {
	f := newFilingFixture(t)
	code := testUSCC("91110105MA01KX001")
	ag, admin := f.seedFiledAgency(t, validAgencyForm("北京注销房地产经纪有限公司", code))
	var pracID uint64
	err := f.update(func(tx *storage.Tx) error {
		card, err := nextCardNo(tx)
		if err != nil {
			return err
		}
		p := &Practitioner{CardNo: card, Name: "吴明", IDNo: testResidentID("11010519900101002"),
			Employments: []Employment{{AgencyID: ag.ID, AgencyName: ag.Name, Role: PracBroker, Start: f.now()}}}
		if pracID, err = practitionerTable.Insert(tx, p); err != nil {
			return err
		}
		_, err = f.refreshSummary(tx, Subject{SubjectPractitioner, pracID}, f.now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := storedSummary(f.fixture, Subject{SubjectPractitioner, pracID}).District; d != "110105" {
		t.Fatalf("practitioner's credit summary in %q before the cancellation", d)
	}
	_, err = f.StartCancellation(admin, ag.ID, " ")
	wantFieldError(t, err, "reason", "agency.cancel_reason_required")
	ap, err := f.StartCancellation(admin, ag.ID, "公司歇业")
	if err != nil || ap.Status != AppPending {
		t.Fatalf("cancellation: %+v %v", ap, err)
	}
	if _, err := f.ApproveApplication(f.reviewer, ap.ID); err != nil {
		t.Fatal(err)
	}
	got := f.storedAgency(t, ag.ID)
	if got.Status != AgencyCancelled || got.Cancelled.IsZero() {
		t.Fatalf("agency = %+v", got)
	}
	if u := f.storedUser(admin.Username); !u.Disabled {
		t.Error("the agency's admin account is still enabled")
	}
	var p *Practitioner
	_ = f.db.View(func(tx *storage.Tx) (err error) { p, err = practitionerTable.Get(tx, pracID); return })
	if p.Current() != nil || p.Employments[0].End.IsZero() {
		t.Errorf("practitioner still employed: %+v", p.Employments)
	}
	// Working nowhere, his credit is city-wide business (followSubject).
	if d := storedSummary(f.fixture, Subject{SubjectPractitioner, pracID}).District; d != "" {
		t.Errorf("practitioner's credit summary still in %q", d)
	}
	// Its staff can no longer verify listings for it.
	_, err = f.Verify(admin, VerifyInput{District: "110105"})
	wantError(t, err, EFORBIDDEN, "agency.not_filed_for_work")
	// The code is free again for a new filing.
	ap2 := f.fileThrough(t, f.clerk, validAgencyForm("北京重生房地产经纪有限公司", code))
	if ap2.Status != AppPending {
		t.Errorf("refiling a cancelled agency's code: %+v", ap2)
	}
	if _, err := f.StartChange(f.clerk, ag.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("changing a cancelled agency: %v", err)
	}
}
