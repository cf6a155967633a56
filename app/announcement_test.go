package app

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// annFixture: an App with clerks of Chaoyang (110105), Haidian (110108)
// and the whole city, and one account of every other role.
type annFixture struct {
	*fixture
	clerk, clerkHD, cityClerk  Actor
	reviewer, viewer, sysadmin Actor
	agencyAdmin, agent         Actor
}

func newAnnFixture(t *testing.T) *annFixture {
	t.Helper()
	f := &annFixture{fixture: newFixture(t)}
	f.clerk = f.actor(f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword))
	f.clerkHD = f.actor(f.seedUser("clerk.hd", "陈静", []Role{RoleClerk}, "110108", fixturePassword))
	f.cityClerk = f.actor(f.seedUser("clerk.city", "孙立", []Role{RoleClerk}, "", fixturePassword))
	f.reviewer = f.actor(f.seedUser("reviewer", "李强", []Role{RoleReviewer}, "110105", fixturePassword))
	f.viewer = f.actor(f.seedUser("leader", "赵敏", []Role{RoleViewer}, "", fixturePassword))
	f.sysadmin = f.admin
	f.agencyAdmin = f.actor(f.seedUser("ag.admin", "刘洋", []Role{RoleAgencyAdmin}, "", fixturePassword))
	f.agent = f.actor(f.seedUser("ag.agent", "张伟", []Role{RoleAgent}, "", fixturePassword))
	return f
}

var annPDF = []byte("%PDF-1.4\n% an attachment\n")

// annInput is a valid form for district d, released at once.
func annInput(title, d string) AnnouncementInput {
	return AnnouncementInput{Title: title, Body: "第一段。\n\n第二段。", Category: AnnounceNotice, District: d, Release: true}
}

func (f *annFixture) at(d time.Duration) string {
	return f.now().Add(d).Format("2006-01-02T15:04")
}

func (f *annFixture) create(actor Actor, in AnnouncementInput) *Announcement {
	f.t.Helper()
	an, err := f.CreateAnnouncement(actor, in)
	if err != nil {
		f.t.Fatalf("create %q as %s: %v", in.Title, actor.Username, err)
	}
	return an
}

func (f *annFixture) storedAnn(id uint64) *Announcement {
	f.t.Helper()
	var an *Announcement
	if err := f.db.View(func(tx *storage.Tx) (err error) { an, err = announcementTable.Get(tx, id); return }); err != nil {
		f.t.Fatal(err)
	}
	return an
}

// publicTitles lists the titles of the public list, in its order.
func (f *annFixture) publicTitles(q PublicAnnouncementQuery) []string {
	f.t.Helper()
	p, err := f.PublicAnnouncements(q)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, an := range p.Items {
		out = append(out, an.Title)
	}
	return out
}

func TestAnnouncementVisibleOnlyInItsWindow(t *testing.T) {
	f := newAnnFixture(t)
	in := annInput("关于调整备案期限的通知", "110105")
	in.PublishAt, in.WithdrawAt = f.at(time.Hour), f.at(48*time.Hour)
	in.Add = []AnnouncementUpload{{Name: "附件.pdf", Data: annPDF}}
	an := f.create(f.clerk, in)
	blob := an.Files[0].Blob

	check := func(when string, want string, wantKey string) {
		t.Helper()
		if got := f.publicTitles(PublicAnnouncementQuery{}); (want == "") != (len(got) == 0) {
			t.Errorf("%s: public list %v", when, got)
		}
		latest, _ := f.LatestAnnouncements(5)
		if (want == "") != (len(latest) == 0) {
			t.Errorf("%s: latest on the home page: %d", when, len(latest))
		}
		_, err := f.PublicAnnouncement(an.ID)
		_, _, ferr := f.PublicAnnouncementFile(an.ID, blob)
		if wantKey == "" {
			if err != nil || ferr != nil {
				t.Errorf("%s: public page %v, attachment %v", when, err, ferr)
			}
		} else if ErrorCode(err) != ENOTFOUND || errKey(err) != wantKey || ErrorCode(ferr) != ENOTFOUND {
			t.Errorf("%s: public page %v (want %s), attachment %v", when, err, wantKey, ferr)
		}
		if got := f.storedAnn(an.ID).State(f.now()); got != want && !(want == "" && got != AnnStatePublished) {
			t.Errorf("%s: state %s", when, got)
		}
	}
	check("before its publish time", "", "announce.public_not_found")
	f.clock.Advance(time.Hour)
	check("at its publish time", AnnStatePublished, "")
	f.clock.Advance(47*time.Hour - time.Minute)
	check("a minute before its end", AnnStatePublished, "")
	f.clock.Advance(time.Minute)
	check("at its withdraw time", "", "announce.public_expired")

	// A draft is never public, whatever its publish time.
	draft := annInput("草稿", "110105")
	draft.Release = false
	d := f.create(f.clerk, draft)
	if _, err := f.PublicAnnouncement(d.ID); errKey(err) != "announce.public_not_found" {
		t.Errorf("a draft's public page: %v", err)
	}
}

func TestAnnouncementPublicOrderCategoryAndSearch(t *testing.T) {
	f := newAnnFixture(t)
	old := annInput("关于规范押金收取的提示", "110105")
	f.create(f.clerk, old)
	f.clock.Advance(time.Hour)
	pinned := annInput("关于开展专项整治的通知", "")
	pinned.Pinned = true
	f.create(f.cityClerk, pinned)
	f.clock.Advance(time.Hour)
	guide := annInput("网签备案操作指南", "110108")
	guide.Category = AnnounceGuide
	f.create(f.clerkHD, guide)

	want := []string{"关于开展专项整治的通知", "网签备案操作指南", "关于规范押金收取的提示"}
	if got := f.publicTitles(PublicAnnouncementQuery{}); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("public order %v, want pinned first then newest: %v", got, want)
	}
	if got := f.publicTitles(PublicAnnouncementQuery{Category: AnnounceGuide}); len(got) != 1 || got[0] != "网签备案操作指南" {
		t.Errorf("guides: %v", got)
	}
	if got := f.publicTitles(PublicAnnouncementQuery{Text: "押金"}); len(got) != 1 || got[0] != "关于规范押金收取的提示" {
		t.Errorf("search 押金: %v", got)
	}
	if got := f.publicTitles(PublicAnnouncementQuery{Text: "第一段"}); len(got) != 0 {
		t.Errorf("the public search is by title, found by the body: %v", got)
	}
	p, _ := f.PublicAnnouncements(PublicAnnouncementQuery{Size: 2, Page: 2})
	if p.Total != 3 || p.Pages != 2 || len(p.Items) != 1 || p.Items[0].Title != "关于规范押金收取的提示" {
		t.Errorf("page 2 of 2: %+v", p)
	}
}

func TestAnnouncementWithdraw(t *testing.T) {
	f := newAnnFixture(t)
	in := annInput("关于暂停部分机构网签资格的公告", "110105")
	in.Add = []AnnouncementUpload{{Name: "名单.pdf", Data: annPDF}}
	an := f.create(f.clerk, in)
	if _, err := f.PublicAnnouncement(an.ID); err != nil {
		t.Fatalf("released now, not public: %v", err)
	}
	for reason, key := range map[string]string{"  ": "announce.withdraw_reason_required", strings.Repeat("错", 501): "announce.withdraw_reason_too_long"} {
		if _, err := f.WithdrawAnnouncement(f.clerk, an.ID, reason); clFields(err)["reason"] != key {
			t.Errorf("withdraw with reason of %d chars: %v, want %s", len(reason), err, key)
		}
	}
	if f.storedAnn(an.ID).Status != AnnReleased {
		t.Fatal("a refused withdrawal changed the announcement")
	}
	f.clock.Advance(time.Hour)
	if _, err := f.WithdrawAnnouncement(f.clerk, an.ID, "名单信息有误"); err != nil {
		t.Fatal(err)
	}
	got := f.storedAnn(an.ID)
	if got.State(f.now()) != AnnStateWithdrawn || got.WithdrawnReason != "名单信息有误" || got.WithdrawnBy != "clerk.cy" || !got.Withdrawn.Equal(f.now()) {
		t.Errorf("stored after withdrawal: %s %q by %s at %v", got.State(f.now()), got.WithdrawnReason, got.WithdrawnBy, got.Withdrawn)
	}
	if _, err := f.PublicAnnouncement(an.ID); errKey(err) != "announce.public_withdrawn" || ErrorCode(err) != ENOTFOUND {
		t.Errorf("public page after withdrawal: %v", err)
	}
	if _, _, err := f.PublicAnnouncementFile(an.ID, got.Files[0].Blob); ErrorCode(err) != ENOTFOUND {
		t.Errorf("public attachment after withdrawal: %v", err)
	}
	if titles := f.publicTitles(PublicAnnouncementQuery{}); len(titles) != 0 {
		t.Errorf("public list after withdrawal: %v", titles)
	}
	// Staff still open it and its attachment.
	if _, _, err := f.AnnouncementFile(f.clerk, an.ID, got.Files[0].Blob); err != nil {
		t.Errorf("staff attachment after withdrawal: %v", err)
	}
	if _, err := f.WithdrawAnnouncement(f.clerk, an.ID, "again"); ErrorCode(err) != ECONFLICT {
		t.Errorf("withdraw twice: %v", err)
	}
	if _, err := f.UpdateAnnouncement(f.clerk, an.ID, annInput("改", "110105")); ErrorCode(err) != ECONFLICT {
		t.Errorf("edit a withdrawn one: %v", err)
	}
	if err := f.DeleteAnnouncement(f.clerk, an.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("delete a withdrawn one: %v", err)
	}
	if e := f.lastAudit("announcement.withdraw"); e == nil || !strings.Contains(e.Detail, "名单信息有误") || e.RecordID != an.ID || e.Username != "clerk.cy" {
		t.Errorf("audit entry of the withdrawal: %+v", e)
	}
	// A scheduled one can be withdrawn before anyone saw it; a draft cannot
	// (it is deleted instead).
	sched := annInput("待发布", "110105")
	sched.PublishAt = f.at(24 * time.Hour)
	s := f.create(f.clerk, sched)
	if _, err := f.WithdrawAnnouncement(f.clerk, s.ID, "不再发布"); err != nil {
		t.Errorf("withdraw a scheduled one: %v", err)
	}
	f.clock.Advance(25 * time.Hour)
	if _, err := f.PublicAnnouncement(s.ID); errKey(err) != "announce.public_withdrawn" {
		t.Errorf("a withdrawn scheduled one after its publish time: %v", err)
	}
	draft := annInput("草稿", "110105")
	draft.Release = false
	d := f.create(f.clerk, draft)
	if _, err := f.WithdrawAnnouncement(f.clerk, d.ID, "x"); ErrorCode(err) != ECONFLICT {
		t.Errorf("withdraw a draft: %v", err)
	}
}

func (f *annFixture) lastAudit(action string) *AuditEntry {
	f.t.Helper()
	entries, _, err := f.AuditLog(f.sysadmin, AuditFilter{Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == action {
			return e
		}
	}
	return nil
}

func TestAnnouncementEditKeepsVersions(t *testing.T) {
	f := newAnnFixture(t)
	in := annInput("关于公布信用等级的公告", "110105")
	in.Add = []AnnouncementUpload{{Name: "名单.pdf", Data: annPDF}}
	an := f.create(f.clerk, in)
	firstPublish := an.PublishAt
	oldBlob := an.Files[0].Blob
	if an.Version() != 1 || an.Versions[0].By != "clerk.cy" || an.Versions[0].ByName != "王芳" {
		t.Fatalf("released: versions %+v", an.Versions)
	}

	// A city-wide clerk corrects it a day later: new text, the attachment
	// replaced, and an attempt to move the publish time.
	f.clock.Advance(24 * time.Hour)
	edit := in
	edit.Body = "更正后的正文。"
	edit.PublishAt = f.at(72 * time.Hour)
	edit.Note = "更正名单"
	edit.Add = []AnnouncementUpload{{Name: "名单（更正）.pdf", Data: annPDF}}
	edit.Remove = []uint64{oldBlob}
	got, err := f.UpdateAnnouncement(f.cityClerk, an.ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	stored := f.storedAnn(an.ID)
	if stored.Version() != 2 || got.Version() != 2 {
		t.Fatalf("after an edit: version %d", stored.Version())
	}
	v1, v2 := stored.Versions[0], stored.Versions[1]
	if v1.Content.Body != "第一段。\n\n第二段。" || v1.By != "clerk.cy" || len(v1.Content.Files) != 1 || v1.Content.Files[0].Blob != oldBlob {
		t.Errorf("version 1 not kept as it was: %+v", v1)
	}
	if v2.Content.Body != "更正后的正文。" || v2.By != "clerk.city" || v2.ByName != "孙立" || v2.Note != "更正名单" || !v2.At.Equal(f.now()) {
		t.Errorf("version 2: %+v", v2)
	}
	if !stored.PublishAt.Equal(firstPublish) {
		t.Errorf("the publish time of a published announcement moved: %v, was %v", stored.PublishAt, firstPublish)
	}
	if len(stored.Files) != 1 || stored.Files[0].Name != "名单（更正）.pdf" {
		t.Errorf("current files: %+v", stored.Files)
	}
	// The replaced attachment: no longer public, still there for staff.
	if _, _, err := f.PublicAnnouncementFile(an.ID, oldBlob); ErrorCode(err) != ENOTFOUND {
		t.Errorf("public download of a removed attachment: %v", err)
	}
	if _, data, err := f.AnnouncementFile(f.clerk, an.ID, oldBlob); err != nil || !bytes.Equal(data, annPDF) {
		t.Errorf("staff download of version 1's attachment: %v", err)
	}
	// The public sees the new text at once.
	if p, err := f.PublicAnnouncement(an.ID); err != nil || p.Body != "更正后的正文。" {
		t.Errorf("public page after the edit: %v %q", err, p.Body)
	}
	// Saving without a change makes no version.
	same := edit
	same.Add, same.Remove = nil, nil
	if _, err := f.UpdateAnnouncement(f.clerk, an.ID, same); err != nil {
		t.Fatal(err)
	}
	if v := f.storedAnn(an.ID).Version(); v != 2 {
		t.Errorf("an unchanged save made version %d", v)
	}
	if e := f.lastAudit("announcement.edit"); e == nil || e.Username != "clerk.city" {
		t.Errorf("audit entry of the edit: %+v", e)
	}
}

func TestAnnouncementDraftThenRelease(t *testing.T) {
	f := newAnnFixture(t)
	in := annInput("草稿公告", "110105")
	in.Release = false
	in.Add = []AnnouncementUpload{{Name: "a.pdf", Data: annPDF}, {Name: "b.png", Data: []byte("\x89PNG\r\n\x1a\nimage")}}
	d := f.create(f.clerk, in)
	if d.Status != AnnDraft || d.Version() != 0 || !d.PublishAt.IsZero() {
		t.Fatalf("draft: %s v%d %v", d.Status, d.Version(), d.PublishAt)
	}
	// Edit the draft: drop one file (deleted with it), then release.
	gone := d.Files[1].Blob
	in.Remove = []uint64{gone}
	in.Add = nil
	in.Release = true
	f.clock.Advance(time.Hour)
	got, err := f.UpdateAnnouncement(f.clerk, d.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != AnnReleased || got.Version() != 1 || !got.PublishAt.Equal(f.now()) || len(got.Files) != 1 {
		t.Errorf("released draft: %s v%d at %v, %d files", got.Status, got.Version(), got.PublishAt, len(got.Files))
	}
	if err := f.db.View(func(tx *storage.Tx) error { _, _, err := tx.GetBlob(gone); return err }); err == nil {
		t.Error("a file removed from a draft was kept")
	}
	if err := f.DeleteAnnouncement(f.clerk, got.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("delete a released one: %v", err)
	}

	// Deleting a draft removes it and its files.
	in2 := annInput("另一草稿", "110105")
	in2.Release = false
	in2.Add = []AnnouncementUpload{{Name: "c.pdf", Data: annPDF}}
	d2 := f.create(f.clerk, in2)
	if err := f.DeleteAnnouncement(f.clerk, d2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.GetAnnouncement(f.clerk, d2.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("deleted draft: %v", err)
	}
	if err := f.db.View(func(tx *storage.Tx) error { _, _, err := tx.GetBlob(d2.Files[0].Blob); return err }); err == nil {
		t.Error("a deleted draft's file was kept")
	}
	if e := f.lastAudit("announcement.delete"); e == nil || e.Detail != "另一草稿" {
		t.Errorf("audit of the deletion: %+v", e)
	}
}

func TestAnnouncementValidation(t *testing.T) {
	f := newAnnFixture(t)
	xlsm := officeZip(t, "xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml", "xl/vbaProject.bin")
	cases := []struct {
		name  string
		actor Actor
		edit  func(*AnnouncementInput)
		field string
		key   string
	}{
		{"no title", f.clerk, func(in *AnnouncementInput) { in.Title = " \n " }, "title", "announce.title_required"},
		{"title too long", f.clerk, func(in *AnnouncementInput) { in.Title = strings.Repeat("题", 101) }, "title", "announce.title_too_long"},
		{"no body", f.clerk, func(in *AnnouncementInput) { in.Body = "\n\n" }, "body", "announce.body_required"},
		{"body too long", f.clerk, func(in *AnnouncementInput) { in.Body = strings.Repeat("文", 20001) }, "body", "announce.body_too_long"},
		{"unknown category", f.clerk, func(in *AnnouncementInput) { in.Category = "gossip" }, "category", "announce.category_invalid"},
		{"another district", f.clerk, func(in *AnnouncementInput) { in.District = "110108" }, "district", "announce.district_outside"},
		{"city-wide by a district clerk", f.clerk, func(in *AnnouncementInput) { in.District = "" }, "district", "announce.district_outside"},
		{"unknown district", f.cityClerk, func(in *AnnouncementInput) { in.District = "999999" }, "district", "announce.district_invalid"},
		{"publish time unreadable", f.clerk, func(in *AnnouncementInput) { in.PublishAt = "明天上午" }, "publish_at", "announce.time_invalid"},
		{"publish time in the past", f.clerk, func(in *AnnouncementInput) { in.PublishAt = f.at(-time.Hour) }, "publish_at", "announce.publish_past"},
		{"withdraw time unreadable", f.clerk, func(in *AnnouncementInput) { in.WithdrawAt = "2026-13-01T09:00" }, "withdraw_at", "announce.time_invalid"},
		{"withdraw before publish", f.clerk, func(in *AnnouncementInput) {
			in.PublishAt, in.WithdrawAt = f.at(48*time.Hour), f.at(24*time.Hour)
		}, "withdraw_at", "announce.withdraw_before_publish"},
		{"withdraw at publish", f.clerk, func(in *AnnouncementInput) {
			in.PublishAt, in.WithdrawAt = f.at(48*time.Hour), f.at(48*time.Hour)
		}, "withdraw_at", "announce.withdraw_before_publish"},
		{"note too long", f.clerk, func(in *AnnouncementInput) { in.Note = strings.Repeat("注", 501) }, "note", "announce.note_too_long"},
		{"empty file", f.clerk, func(in *AnnouncementInput) { in.Add = []AnnouncementUpload{{Name: "a.pdf"}} }, "files", "announce.file_empty"},
		{"a GIF named .pdf", f.clerk, func(in *AnnouncementInput) {
			in.Add = []AnnouncementUpload{{Name: "a.pdf", Data: []byte("GIF89a....")}}
		}, "files", "announce.file_type"},
		{"HTML named .docx", f.clerk, func(in *AnnouncementInput) {
			in.Add = []AnnouncementUpload{{Name: "a.docx", Data: []byte("<html><script>alert(1)</script>")}}
		}, "files", "announce.file_type"},
		{"a workbook with macros", f.clerk, func(in *AnnouncementInput) {
			in.Add = []AnnouncementUpload{{Name: "a.xlsx", Data: xlsm}}
		}, "files", "announce.file_type"},
		{"a plain zip", f.clerk, func(in *AnnouncementInput) {
			in.Add = []AnnouncementUpload{{Name: "a.xlsx", Data: officeZip(t, "readme.txt", "text/plain")}}
		}, "files", "announce.file_type"},
		{"file too big", f.clerk, func(in *AnnouncementInput) {
			in.Add = []AnnouncementUpload{{Name: "a.pdf", Data: append(bytes.Clone(annPDF), make([]byte, AnnFileMaxBytes)...)}}
		}, "files", "announce.file_too_big"},
		{"too many files", f.clerk, func(in *AnnouncementInput) {
			for range AnnFilesMax + 1 {
				in.Add = append(in.Add, AnnouncementUpload{Name: "a.pdf", Data: annPDF})
			}
		}, "files", "announce.files_too_many"},
	}
	for _, tc := range cases {
		in := annInput("标题", tc.actor.District)
		tc.edit(&in)
		_, err := f.CreateAnnouncement(tc.actor, in)
		if got := clFields(err)[tc.field]; got != tc.key {
			t.Errorf("%s: %s = %q (%v), want %q", tc.name, tc.field, got, err, tc.key)
		}
	}
	var n int
	_ = f.db.View(func(tx *storage.Tx) error { n = announcementTable.Count(tx); return nil })
	if n != 0 {
		t.Errorf("refused forms stored %d announcements", n)
	}
	var blobs int
	_ = f.db.View(func(tx *storage.Tx) error { blobs = tx.Count("blobs"); return nil })
	if blobs != 0 {
		t.Errorf("refused forms stored %d attachments", blobs)
	}

	// Accepted: a publish time a few minutes ago (the form was slow), a
	// title spread over lines, an XLSX, a DOCX, a JPEG; the names are
	// cleaned and end in their real type's extension.
	in := annInput("  关于\n公布名单\t的公告 ", "110105")
	in.PublishAt = f.at(-5 * time.Minute)
	in.WithdrawAt = f.at(30 * 24 * time.Hour)
	in.Add = []AnnouncementUpload{
		{Name: `C:\Users\wf\Desktop\名单.xlsx`, Data: officeZip(t, "xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")},
		{Name: "说明", Data: officeZip(t, "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")},
		{Name: "photo.PNG", Data: []byte("\xFF\xD8\xFF\xE0 jpeg")},
	}
	an, err := f.CreateAnnouncement(f.clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	if an.Title != "关于 公布名单 的公告" {
		t.Errorf("title stored as %q", an.Title)
	}
	wantFiles := []struct{ name, typ string }{{"名单.xlsx", xlsxType}, {"说明.docx", docxType}, {"photo.PNG.jpg", "image/jpeg"}}
	for i, w := range wantFiles {
		if i >= len(an.Files) || an.Files[i].Name != w.name || an.Files[i].Type != w.typ {
			t.Errorf("file %d: %+v, want %s (%s)", i, an.Files, w.name, w.typ)
		}
	}
	// Editing a scheduled one: its publish time may move, not into the past.
	sched := annInput("待发布", "110105")
	sched.PublishAt = f.at(24 * time.Hour)
	s := f.create(f.clerk, sched)
	sched.PublishAt = f.at(-time.Hour)
	if _, err := f.UpdateAnnouncement(f.clerk, s.ID, sched); clFields(err)["publish_at"] != "announce.publish_past" {
		t.Errorf("move a scheduled one into the past: %v", err)
	}
	sched.PublishAt = ""
	if _, err := f.UpdateAnnouncement(f.clerk, s.ID, sched); clFields(err)["publish_at"] != "announce.publish_required" {
		t.Errorf("clear a scheduled one's time: %v", err)
	}
	sched.PublishAt = f.at(48 * time.Hour)
	if got, err := f.UpdateAnnouncement(f.clerk, s.ID, sched); err != nil || got.State(f.now()) != AnnStateScheduled {
		t.Errorf("move a scheduled one later: %v", err)
	}
	// A withdraw time in the past of a published one: withdraw it instead.
	pub := f.create(f.clerk, annInput("已发布", "110105"))
	f.clock.Advance(2 * time.Hour)
	late := annInput("已发布", "110105")
	late.WithdrawAt = f.at(-time.Hour)
	if _, err := f.UpdateAnnouncement(f.clerk, pub.ID, late); clFields(err)["withdraw_at"] != "announce.withdraw_past" {
		t.Errorf("a withdraw time in the past: %v", err)
	}
}

// officeZip builds an Office Open XML-like zip: [Content_Types].xml naming
// contentType, and the parts named.
func officeZip(t *testing.T, part, contentType string, more ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range append([]string{"[Content_Types].xml", part}, more...) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		body := "<x/>"
		if name == "[Content_Types].xml" {
			body = `<Types><Override PartName="/` + part + `" ContentType="` + contentType + `"/></Types>`
		}
		_, _ = w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAnnouncementJurisdiction(t *testing.T) {
	f := newAnnFixture(t)
	cy := f.create(f.clerk, annInput("朝阳区通知", "110105"))
	hd := f.create(f.clerkHD, annInput("海淀区通知", "110108"))
	city := f.create(f.cityClerk, annInput("全市通知", ""))

	titles := func(actor Actor) string {
		p, err := f.ListAnnouncements(actor, AnnouncementFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range p.Items {
			out = append(out, l.Title)
		}
		return strings.Join(out, "|")
	}
	if got := titles(f.clerk); got != "朝阳区通知" {
		t.Errorf("Chaoyang's clerk lists %q", got)
	}
	if got := titles(f.cityClerk); got != "全市通知|海淀区通知|朝阳区通知" {
		t.Errorf("the city-wide clerk lists %q", got)
	}
	// Another district's and city-wide ones are as if absent to a district clerk.
	for _, id := range []uint64{hd.ID, city.ID} {
		if _, err := f.GetAnnouncement(f.clerk, id); ErrorCode(err) != ENOTFOUND {
			t.Errorf("get %d: %v", id, err)
		}
		if _, err := f.UpdateAnnouncement(f.clerk, id, annInput("改", "110105")); ErrorCode(err) != ENOTFOUND {
			t.Errorf("edit %d: %v", id, err)
		}
		if _, err := f.WithdrawAnnouncement(f.clerk, id, "撤回"); ErrorCode(err) != ENOTFOUND {
			t.Errorf("withdraw %d: %v", id, err)
		}
		if _, _, err := f.AnnouncementFile(f.clerk, id, 1); ErrorCode(err) != ENOTFOUND {
			t.Errorf("file of %d: %v", id, err)
		}
	}
	// The city-wide clerk manages a district's announcement too.
	if _, err := f.WithdrawAnnouncement(f.cityClerk, cy.ID, "市级统一撤回"); err != nil {
		t.Errorf("city-wide clerk withdraws Chaoyang's: %v", err)
	}
	// …and a district clerk cannot move his announcement out of his district.
	in := annInput("海淀区通知", "")
	if _, err := f.UpdateAnnouncement(f.clerkHD, hd.ID, in); clFields(err)["district"] != "announce.district_outside" {
		t.Errorf("Haidian's clerk makes his announcement city-wide: %v", err)
	}
	// The public sees every district's.
	if got := f.publicTitles(PublicAnnouncementQuery{}); len(got) != 2 {
		t.Errorf("public list %v", got)
	}
}

func TestAnnouncementPermissionsByRole(t *testing.T) {
	f := newAnnFixture(t)
	an := f.create(f.clerk, annInput("通知", "110105"))
	for name, actor := range map[string]Actor{"sysadmin": f.sysadmin, "reviewer": f.reviewer, "viewer": f.viewer,
		"agency_admin": f.agencyAdmin, "agent": f.agent} {
		in := annInput("不该发布", actor.District)
		if _, err := f.CreateAnnouncement(actor, in); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s creates: %v", name, err)
		}
		if _, err := f.ListAnnouncements(actor, AnnouncementFilter{}); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s lists: %v", name, err)
		}
		if _, err := f.GetAnnouncement(actor, an.ID); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s opens: %v", name, err)
		}
		if _, err := f.UpdateAnnouncement(actor, an.ID, in); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s edits: %v", name, err)
		}
		if _, err := f.WithdrawAnnouncement(actor, an.ID, "x"); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s withdraws: %v", name, err)
		}
		if err := f.DeleteAnnouncement(actor, an.ID); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s deletes: %v", name, err)
		}
	}
	if got := f.storedAnn(an.ID); got.Status != AnnReleased || got.Version() != 1 {
		t.Errorf("refused actions changed it: %s v%d", got.Status, got.Version())
	}
	// The staff list counts each state of the clerk's announcements.
	draft := annInput("草稿", "110105")
	draft.Release = false
	f.create(f.clerk, draft)
	p, err := f.ListAnnouncements(f.clerk, AnnouncementFilter{State: AnnStateDraft})
	if err != nil || p.Total != 1 || p.Counts[AnnStatePublished] != 1 || p.Counts[AnnStateDraft] != 1 {
		t.Errorf("draft filter: %+v %v", p, err)
	}
}

func TestAnnouncementFileNames(t *testing.T) {
	for _, tc := range []struct{ in, typ, want string }{
		{"报告.pdf", "application/pdf", "报告.pdf"},
		{"../../etc/passwd", "application/pdf", "passwd.pdf"},
		{`a"b` + "\x00.pdf", "application/pdf", "ab.pdf"},
		{"", "image/png", "附件.png"},
		{"扫描件.JPEG", "image/jpeg", "扫描件.jpeg"},
		{strings.Repeat("长", 120) + ".docx", docxType, strings.Repeat("长", 95) + ".docx"},
	} {
		if got := annFileName(tc.in, tc.typ); got != tc.want {
			t.Errorf("annFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDemoAnnouncements(t *testing.T) {
	f := newDemoFixture(t)
	now := f.now()
	var all []*Announcement
	_ = f.db.View(func(tx *storage.Tx) error {
		return announcementTable.Each(tx, false, func(an *Announcement) (bool, error) { all = append(all, an); return true, nil })
	})
	states := map[string]int{}
	var pinned, withPDF, edited int
	for _, an := range all {
		states[an.State(now)]++
		if an.Pinned && an.Visible(now) {
			pinned++
		}
		if an.Version() > 1 {
			edited++
		}
		for _, file := range an.Files {
			_, data, err := f.PublicAnnouncementFile(an.ID, file.Blob)
			if err != nil || !bytes.HasPrefix(data, []byte("%PDF-1.")) || !bytes.Contains(data, []byte("startxref")) {
				t.Errorf("demo attachment %s of %q: %v", file.Name, an.Title, err)
			}
			withPDF++
		}
	}
	if len(all) < 8 || states[AnnStateScheduled] != 1 || states[AnnStateWithdrawn] != 1 || states[AnnStatePublished] < 5 ||
		pinned != 1 || withPDF != 1 || edited != 1 {
		t.Errorf("demo: %d announcements, states %v, pinned %d, PDFs %d, edited %d", len(all), states, pinned, withPDF, edited)
	}
	latest, err := f.LatestAnnouncements(5)
	if err != nil || len(latest) != 5 || !latest[0].Pinned {
		t.Errorf("home page: %d latest, first pinned %v (%v)", len(latest), len(latest) > 0 && latest[0].Pinned, err)
	}
	// Loading the demo again adds nothing.
	if err := f.loadDemoAnnouncements(); err != nil {
		t.Fatal(err)
	}
	var n int
	_ = f.db.View(func(tx *storage.Tx) error { n = announcementTable.Count(tx); return nil })
	if n != len(all) {
		t.Errorf("second demo load: %d announcements, was %d", n, len(all))
	}
	// The demo clerk of Chaoyang manages Chaoyang's, not the city's.
	clerk := f.actor(f.storedUser("clerk"))
	p, err := f.ListAnnouncements(clerk, AnnouncementFilter{})
	if err != nil || p.Total == 0 || p.Total == len(all) {
		t.Errorf("the demo clerk lists %d of %d (%v)", p.Total, len(all), err)
	}
}
