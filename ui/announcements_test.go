package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"anju/app"
)

func init() {
	ann := string(app.PermAnnounce)
	routeTable = append(routeTable,
		routeCase{"GET", "/gov/announcements", ann, http.StatusOK},
		routeCase{"POST", "/gov/announcements", ann, http.StatusUnprocessableEntity}, // empty form
		routeCase{"GET", "/gov/announcements/new", ann, http.StatusOK},
		routeCase{"GET", "/gov/announcements/{id:[0-9]+}", ann, http.StatusOK},
		routeCase{"GET", "/gov/announcements/{id:[0-9]+}/edit", ann, http.StatusOK},
		routeCase{"POST", "/gov/announcements/{id:[0-9]+}/edit", ann, http.StatusUnprocessableEntity},     // empty form
		routeCase{"POST", "/gov/announcements/{id:[0-9]+}/withdraw", ann, http.StatusUnprocessableEntity}, // no reason
		routeCase{"POST", "/gov/announcements/{id:[0-9]+}/delete", ann, http.StatusSeeOther},              // a draft
		routeCase{"GET", "/gov/announcements/{id:[0-9]+}/file", ann, http.StatusNotFound},                 // no ?blob=
	)
	otherRoutes = append(otherRoutes, "GET /announcements", "GET /announcements/{id:[0-9]+}",
		"GET /announcements/{id:[0-9]+}/file")
	routeFixtures = append(routeFixtures, announcementRouteFixture)
}

// announcementRouteFixture: a published announcement of the demo clerk's
// district, and a draft to delete.
func announcementRouteFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	clerk := e.actor("clerk")
	pub, err := e.app.CreateAnnouncement(clerk, app.AnnouncementInput{Title: "路由测试公告", Body: "正文", Category: app.AnnounceNotice,
		District: clerk.District, Release: true})
	if err != nil {
		t.Fatal(err)
	}
	draft, err := e.app.CreateAnnouncement(clerk, app.AnnouncementInput{Title: "路由测试草稿", Body: "正文", Category: app.AnnounceNotice,
		District: clerk.District})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]uint64{
		"/gov/announcements/{id:[0-9]+}":        pub.ID,
		"/gov/announcements/{id:[0-9]+}/delete": draft.ID,
	}, nil
}

var annTestPDF = []byte("%PDF-1.4\n% 附件\n")

var reAnnID = regexp.MustCompile(`^/gov/announcements/(\d+)$`)

// TestAnnouncementPublishAndWithdraw: a clerk releases an announcement
// with a PDF; the public sees it on the home page, the list and its page
// with the attachment; he withdraws it and it is gone, its page saying so.
func TestAnnouncementPublishAndWithdraw(t *testing.T) {
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	anon := e.client()
	title := "关于开展租赁市场检查的通知（测试）"
	r := clerk.postFile("/gov/announcements", url.Values{"title": {title}, "category": {"notice"}, "district": {"110105"},
		"body": {"第一段，详见 https://zjw.beijing.gov.cn/ 。\n\n第二段。"}, "pinned": {"1"}, "go": {"release"}},
		"files", "检查安排.pdf", annTestPDF)
	if r.StatusCode != http.StatusSeeOther || !reAnnID.MatchString(r.Header.Get("Location")) {
		t.Fatalf("release: %d to %q\n%s", r.StatusCode, r.Header.Get("Location"), visibleText(r.body))
	}
	id := reAnnID.FindStringSubmatch(r.Header.Get("Location"))[1]
	r = clerk.get("/gov/announcements/" + id)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("announce.released_now"), zh("announce.state.published"), zh("announce.preview"), "检查安排.pdf",
		zh("announce.version_no", 1), zh("announce.event.released"))

	// The public: home page, list, detail, attachment.
	r = anon.get("/")
	wantText(t, r, title, `href="/lists/red"`, `href="/lists/black"`, `href="/agencies"`, `href="/announcements"`, zh("announce.home_title"))
	for _, p := range []string{"/agencies", "/lists/red", "/lists/black", "/announcements"} {
		wantStatus(t, anon.get(p), http.StatusOK) // the 信息公示 block's links lead somewhere
	}
	r = anon.get("/announcements")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, title)
	if i, j := strings.Index(r.text(), title), strings.Index(r.text(), "关于发布"); j >= 0 && j < i {
		t.Errorf("the pinned announcement is not first")
	}
	r = anon.get("/announcements/" + id)
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, title, "<p>第二段。</p>", `<a href="https://zjw.beijing.gov.cn/" rel="nofollow noopener noreferrer" target="_blank">https://zjw.beijing.gov.cn/</a> 。`)
	m := regexp.MustCompile(`href="(/announcements/` + id + `/file\?blob=\d+)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no attachment link on the public page\n%s", visibleText(r.body))
	}
	file := anon.get(m[1])
	wantStatus(t, file, http.StatusOK)
	if file.Header.Get("Content-Type") != "application/pdf" || file.body != string(annTestPDF) ||
		!strings.Contains(file.Header.Get("Content-Disposition"), "filename*=utf-8''%E6%A3%80") ||
		file.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("attachment: %v %q", file.Header, file.body)
	}

	// Withdraw: the reason is required, kept beside its field.
	r = clerk.post("/gov/announcements/"+id+"/withdraw", url.Values{"reason": {" "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "reason", zh("announce.withdraw_reason_required"))
	r = clerk.post("/gov/announcements/"+id+"/withdraw", url.Values{"reason": {"安排有变，另行通知"}})
	wantRedirect(t, r, "/gov/announcements/"+id)
	r = clerk.get("/gov/announcements/" + id)
	wantText(t, r, zh("announce.withdrawn_ok"), zh("announce.state.withdrawn"), "安排有变，另行通知")
	wantNoText(t, r, `action="/gov/announcements/`+id+`/withdraw"`, `href="/gov/announcements/`+id+`/edit"`)

	for _, p := range []string{"/", "/announcements", "/announcements?q=" + url.QueryEscape("检查")} {
		wantNoText(t, anon.get(p), title)
	}
	r = anon.get("/announcements/" + id)
	wantStatus(t, r, http.StatusNotFound)
	wantNoText(t, r, title)
	// Its date reads as every date of the page does (2026年11月28日).
	if !regexp.MustCompile(strings.Replace(regexp.QuoteMeta(zh("announce.public_withdrawn", "@")), "@", `\d{4}年\d{1,2}月\d{1,2}日`, 1)).MatchString(r.text()) {
		t.Errorf("the withdrawn page does not say so:\n%s", visibleText(r.body))
	}
	wantStatus(t, anon.get(m[1]), http.StatusNotFound)
	// Audited, one entry per step.
	var actions []string
	for _, a := range e.auditActions("announcement/" + id) {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "announcement.release") || !strings.Contains(got, "announcement.withdraw") {
		t.Errorf("audit of the announcement: %s", got)
	}
	// The audit log names its state and times in the reader's words.
	admin := e.signedIn("gov", "sysadmin")
	log := wantOK(t, admin.get("/gov/admin/audit?record=announcement/"+id))
	wantText(t, log, title+"（"+zh("announce.state.published")+"），")
	wantNoText(t, log, "[published]")
	log = wantOK(t, admin.get("/gov/admin/audit?record=announcement/"+id, "Accept-Language", "en"))
	wantText(t, log, title+" ("+en("announce.state.published")+"), published ")
}

// TestAnnouncementFormErrors: each field's problem beside it, the typed
// text kept, and a request to choose the files again.
func TestAnnouncementFormErrors(t *testing.T) {
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	body := "正文保留。\n第二行"
	r := clerk.postFile("/gov/announcements", url.Values{"title": {""}, "category": {"policy"}, "district": {"110105"},
		"body": {body}, "withdraw_at": {"2020-01-01T09:00"}, "go": {"release"}}, "files", "a.pdf", annTestPDF)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "title", zh("announce.title_required"))
	wantFieldError(t, r, "withdraw_at", zh("announce.withdraw_past"))
	wantText(t, r, zh("form.invalid"), ">"+body+"</textarea>", zh("announce.files_again"), `value="policy" selected`)
	wantInputValue(t, r, "withdraw_at", "2020-01-01T09:00")

	r = clerk.postFile("/gov/announcements", url.Values{"title": {"标题"}, "category": {"notice"}, "district": {"110105"},
		"body": {"正文"}, "go": {"draft"}}, "files", "macro.docx", []byte("PK\x03\x04 not really a document"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "files", zh("announce.file_type"))

	// A district clerk cannot publish city-wide, even by editing the form.
	r = clerk.post("/gov/announcements", url.Values{"title": {"标题"}, "category": {"notice"}, "district": {""}, "body": {"正文"}, "go": {"release"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "district", zh("announce.district_outside"))

	// Saved as a draft, it is listed under drafts and nowhere public.
	r = clerk.post("/gov/announcements", url.Values{"title": {"草稿标题"}, "category": {"notice"}, "district": {"110105"}, "body": {"正文"}, "go": {"draft"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft: %d\n%s", r.StatusCode, visibleText(r.body))
	}
	wantText(t, clerk.get("/gov/announcements?state=draft"), "草稿标题")
	wantNoText(t, clerk.get("/gov/announcements?state=published"), "草稿标题")
	wantNoText(t, e.client().get("/announcements"), "草稿标题")
	id := reAnnID.FindStringSubmatch(r.Header.Get("Location"))[1]
	wantStatus(t, e.client().get("/announcements/"+id), http.StatusNotFound)

	// Editing a published one asks for what changed and keeps the history.
	r = clerk.post("/gov/announcements/"+id+"/edit", url.Values{"title": {"草稿标题"}, "category": {"notice"}, "district": {"110105"}, "body": {"正文"}, "go": {"release"}})
	wantRedirect(t, r, "/gov/announcements/"+id)
	r = clerk.get("/gov/announcements/" + id + "/edit")
	wantText(t, r, zh("announce.edit_released_note"), zh("announce.publish_locked"), `name="note"`)
	r = clerk.post("/gov/announcements/"+id+"/edit", url.Values{"title": {"正式标题"}, "category": {"notice"}, "district": {"110105"},
		"body": {"正文"}, "note": {"改标题"}, "go": {"save"}})
	wantRedirect(t, r, "/gov/announcements/"+id)
	r = clerk.get("/gov/announcements/" + id)
	wantText(t, r, zh("announce.saved_version"), zh("announce.version_no", 2), zh("announce.version_no", 1), "改标题", "草稿标题", "正式标题")
}

// TestAnnouncementPagesOfOthers: another district's announcement is not
// found for a district clerk; the roles without the permission are
// refused (the route table covers every route and role).
func TestAnnouncementPagesOfOthers(t *testing.T) {
	e := newEnv(t)
	hd, err := e.app.CreateAnnouncement(e.actor("clerk.hd"), app.AnnouncementInput{Title: "海淀区公告", Body: "正文",
		Category: app.AnnounceNews, District: "110108", Release: true})
	if err != nil {
		t.Fatal(err)
	}
	clerk := e.signedIn("gov", "clerk")
	wantStatus(t, clerk.get(fmt.Sprintf("/gov/announcements/%d", hd.ID)), http.StatusNotFound)
	wantStatus(t, clerk.post(fmt.Sprintf("/gov/announcements/%d/withdraw", hd.ID), url.Values{"reason": {"x"}}), http.StatusNotFound)
	wantNoText(t, clerk.get("/gov/announcements"), "海淀区公告")
	wantText(t, e.signedIn("gov", "clerk.hd").get("/gov/announcements"), "海淀区公告")
	// The nav shows announcements only to those who may publish.
	wantText(t, clerk.get("/gov/"), `href="/gov/announcements"`)
	wantNoText(t, e.signedIn("gov", "reviewer").get("/gov/"), `href="/gov/announcements"`)
}

// TestPublicAnnouncementsShowOnlyPublicOnes: of the demo's announcements,
// the public pages show the published ones and nothing of drafts,
// scheduled, withdrawn or ended ones, whose pages are not found.
func TestPublicAnnouncementsShowOnlyPublicOnes(t *testing.T) {
	e := newEnv(t)
	all, err := e.app.ListAnnouncements(sys, app.AnnouncementFilter{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	anon := e.client()
	pages := []*resp{anon.get("/"), anon.get("/announcements")}
	for _, c := range app.AnnouncementCategories {
		pages = append(pages, anon.get("/announcements?category="+c))
	}
	hidden, shown := 0, 0
	for _, l := range all.Items {
		r := anon.get(fmt.Sprintf("/announcements/%d", l.ID))
		if l.State == app.AnnStatePublished {
			shown++
			wantStatus(t, r, http.StatusOK)
			wantText(t, pages[1], l.Title)
			continue
		}
		hidden++
		wantStatus(t, r, http.StatusNotFound)
		wantNoText(t, r, l.Title)
		for _, p := range pages {
			wantNoText(t, p, l.Title)
		}
		for _, f := range l.Files {
			wantStatus(t, anon.get(fmt.Sprintf("/announcements/%d/file?blob=%d", l.ID, f.Blob)), http.StatusNotFound)
		}
	}
	if hidden < 4 || shown < 5 {
		t.Errorf("the demo has %d hidden and %d public announcements", hidden, shown)
	}
	// The home page lists the latest five, the pinned one first.
	latest, _ := e.app.LatestAnnouncements(5)
	for _, an := range latest {
		wantText(t, pages[0], an.Title)
	}
	// A search by title.
	r := anon.get("/announcements?q=" + url.QueryEscape("操作指南"))
	wantText(t, r, "住房租赁合同网签备案操作指南", zh("announce.public_total", 1))
}

// TestAnnouncementPagesInBothLanguages: the public and staff pages in
// Chinese and English, nothing of the other language but the
// announcements' own text.
func TestAnnouncementPagesInBothLanguages(t *testing.T) {
	e := newEnv(t)
	all, err := e.app.ListAnnouncements(sys, app.AnnouncementFilter{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	data := []string{"王芳", "市住房和城乡建设委员会", "system:demo"}
	// A body shows line by line (paragraphs, line breaks).
	text := func(body string) []string { return strings.Split(body, "\n") }
	var public, staff []string
	for _, l := range all.Items {
		data = append(data, l.Title, l.WithdrawnReason)
		data = append(data, text(l.Body)...)
		for _, v := range l.Versions {
			data = append(data, v.Content.Title, v.Note)
			data = append(data, text(v.Content.Body)...)
		}
		for _, ev := range l.Events {
			data = append(data, ev.Detail)
		}
		for _, f := range l.Files {
			data = append(data, f.Name)
		}
		if l.State == app.AnnStatePublished {
			public = append(public, fmt.Sprintf("/announcements/%d", l.ID))
		}
		if l.District == "110105" {
			staff = append(staff, fmt.Sprintf("/gov/announcements/%d", l.ID))
			if l.State != app.AnnStateWithdrawn && l.State != app.AnnStateExpired {
				staff = append(staff, fmt.Sprintf("/gov/announcements/%d/edit", l.ID))
			}
		}
	}
	public = append(public, "/", "/announcements", "/announcements?category=guide", "/announcements?q=nothing")
	staff = append(staff, "/gov/announcements", "/gov/announcements?state=draft", "/gov/announcements/new")
	anon, clerk := e.client(), e.signedIn("gov", "clerk")
	for _, lang := range []string{"zh-CN", "en"} {
		for _, c := range []*client{anon, clerk} {
			wantRedirect(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
		}
		for _, set := range []struct {
			c     *client
			paths []string
		}{{anon, public}, {clerk, staff}} {
			for _, p := range set.paths {
				r := set.c.get(p)
				wantStatus(t, r, http.StatusOK)
				for _, problem := range untranslated(r.body, lang, data) {
					t.Errorf("%s in %s: %s", p, lang, problem)
				}
			}
		}
		r := clerk.post("/gov/announcements", url.Values{"go": {"release"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		for _, problem := range untranslated(r.body, lang, data) {
			t.Errorf("empty form in %s: %s", lang, problem)
		}
	}
}

// TestAnnouncementKeepsDisabledDistrict: editing an announcement whose
// district has been disabled shows that district, marked, and keeps it
// (the form offered enabled districts only, so saving made it city-wide).
func TestAnnouncementKeepsDisabledDistrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// clerk.hd becomes a city-wide clerk, so that 110108 is nobody's.
	if _, err := e.app.UpdateUser(sys, e.userID("clerk.hd"), app.UserInput{Name: "陈静", Roles: []app.Role{app.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	clerk := e.signedIn("gov", "clerk.hd")
	r := clerk.post("/gov/announcements", url.Values{"title": {"海淀区通知"}, "category": {"notice"}, "district": {"110108"}, "body": {"正文"}, "go": {"draft"}})
	if r.StatusCode != http.StatusSeeOther || !reAnnID.MatchString(r.Header.Get("Location")) {
		t.Fatalf("save draft: %d\n%s", r.StatusCode, visibleText(r.body))
	}
	id := reAnnID.FindStringSubmatch(r.Header.Get("Location"))[1]
	admin := e.signedIn("gov", "sysadmin")
	wantRedirect(t, disableDistrict(admin, e.districtEntry("110108")), "/gov/admin/dicts/district")

	edit := wantOK(t, clerk.get("/gov/announcements/"+id+"/edit"))
	wantText(t, edit, `<option value="110108" selected>海淀区`+zh("dict.disabled_mark")+`</option>`)
	r = clerk.post("/gov/announcements/"+id+"/edit", url.Values{"title": {"海淀区通知（改）"}, "category": {"notice"}, "district": {"110108"}, "body": {"正文"}, "go": {"draft"}})
	wantRedirect(t, r, "/gov/announcements/"+id)
	n, _ := strconv.ParseUint(id, 10, 64)
	an, err := e.app.GetAnnouncement(sys, n)
	if err != nil {
		t.Fatal(err)
	}
	if an.District != "110108" || an.Title != "海淀区通知（改）" {
		t.Fatalf("stored: district %q title %q", an.District, an.Title)
	}
}
