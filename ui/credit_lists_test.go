package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/app"
)

func init() {
	view, propose, revoke := string(app.PermListView), string(app.PermListPropose), string(app.PermListRevoke)
	review := string(app.PermListReview)
	routeTable = append(routeTable,
		routeCase{"GET", "/gov/lists", view, http.StatusOK},
		routeCase{"GET", "/gov/lists/new", propose, http.StatusOK},
		routeCase{"POST", "/gov/lists/new", propose, http.StatusUnprocessableEntity}, // empty form
		routeCase{"GET", "/gov/lists/{id:[0-9]+}", view, http.StatusOK},
		routeCase{"GET", "/gov/lists/{id:[0-9]+}/evidence", view, http.StatusOK},
		routeCase{"POST", "/gov/lists/{id:[0-9]+}/revoke", revoke, http.StatusUnprocessableEntity}, // no reason
		routeCase{"POST", "/gov/lists/{id:[0-9]+}/reject", review, http.StatusUnprocessableEntity}, // no reason
		routeCase{"POST", "/gov/lists/{id:[0-9]+}/approve", review, http.StatusSeeOther},           // the clerk's proposal
	)
	otherRoutes = append(otherRoutes, "GET /lists/red", "GET /lists/black")
	routeFixtures = append(routeFixtures, listRouteFixture)
}

// listRouteFixture: a proposal of the demo clerk with evidence, for the
// demo reviewer to decide.
func listRouteFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	// Not an agency of the demo accounts: the reviewer's approval would
	// refuse their verifications and leases in the rows that follow.
	in := e.listProposal("北京永安房地产经纪有限公司")
	in.Doc, in.DocName = []byte("%PDF-1.4 inspection record"), "检查笔录.pdf"
	en, err := e.app.ProposeListEntry(e.actor("clerk"), in)
	if err != nil {
		t.Fatalf("list route fixture: %v", err)
	}
	return map[string]uint64{"/gov/lists/": en.ID}, nil
}

// listProposal is a black-list proposal for a 朝阳 agency, by name.
func (e *env) listProposal(agency string) app.ListProposal {
	return app.ListProposal{List: app.ListBlack, SubjectKind: app.SubjectAgency, SubjectRef: agency,
		Reason: "发布虚假房源，经查证属实。", Basis: "《房地产经纪管理办法》第二十五条",
		Expires: time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}
}

var reEntryPath = regexp.MustCompile(`^/gov/lists/(\d+)$`)

// TestListProposeReviewAndConsequences walks the pages: a clerk proposes
// an entry (a mistake is named on its field, what was typed is kept), a
// clerk cannot approve it, the reviewer approves; the agency's users see
// the banner on every page and are refused a verification; the public
// black list and the agency's public page show it; 注销 ends it all.
func TestListProposeReviewAndConsequences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	reviewer := e.signedIn("gov", "reviewer")
	admin := e.signedIn("agency", "anju.admin")
	anjuID := e.user("anju.admin").AgencyID

	// Before: no banner, the agency page shows no entry.
	wantNoText(t, wantOK(t, admin.get("/agency/")), "本机构已被列入黑名单")
	wantText(t, wantOK(t, e.client().get(fmt.Sprintf("/agencies/%d", anjuID))), zh("lists.public_block_none"))

	// The form: from the agency's page, filled in with it.
	r := wantOK(t, clerk.get(fmt.Sprintf("/gov/lists/new?subject=agency:%d", anjuID)))
	wantText(t, r, "北京安居房地产经纪有限公司")
	wantInputValue(t, r, "subject", "91110105MA01ANJU13")
	form := url.Values{"list": {"black"}, "subject_kind": {"agency"}, "subject": {"91110105MA01ANJU13"},
		"reason": {"发布虚假房源，经查证属实。"}, "basis": {""}, "expires": {"2020-01-01"}}
	r = clerk.post("/gov/lists/new", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "basis", zh("lists.basis_required"))
	wantFieldError(t, r, "expires", zh("lists.expires_past"))
	wantText(t, r, "发布虚假房源，经查证属实。")
	wantInputValue(t, r, "subject", "91110105MA01ANJU13")
	form.Set("basis", "《房地产经纪管理办法》第二十五条")
	form.Set("expires", time.Now().AddDate(1, 0, 0).Format(time.DateOnly))
	r = clerk.post("/gov/lists/new", form)
	wantRedirectPrefix(t, r, "/gov/lists/")
	entryPath := r.Header.Get("Location")
	if !reEntryPath.MatchString(entryPath) {
		t.Fatalf("proposal led to %s", entryPath)
	}
	r = wantOK(t, clerk.get(entryPath))
	wantText(t, r, zh("lists.proposed_flash"), zh("lists.status.pending"), "北京安居房地产经纪有限公司", zh("lists.needs_reviewer"))

	// A clerk may not decide it, and is told who may.
	r = clerk.post(entryPath+"/approve", nil)
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, zh("error.forbidden"), zh("lists.needs_reviewer"))

	// The reviewer's list opens on the proposals waiting for him.
	r = wantOK(t, reviewer.get("/gov/lists"))
	wantText(t, r, "北京安居房地产经纪有限公司", zh("lists.status.pending"))
	r = reviewer.post(entryPath+"/reject", url.Values{"reject_reason": {" "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "reject_reason", zh("lists.reject_reason_required"))
	wantRedirect(t, reviewer.post(entryPath+"/approve", nil), entryPath)
	wantText(t, wantOK(t, reviewer.get(entryPath)), zh("lists.approved_flash"), zh("lists.status.active"), zh("lists.event.approved"))

	// The agency's users: a banner on every page, in their language…
	for _, p := range []string{"/agency/", "/agency/verifications", "/agency/profile"} {
		wantText(t, wantOK(t, admin.get(p)), "本机构已被列入黑名单（原因：发布虚假房源，经查证属实；", zh("lists.banner_blocked"))
	}
	wantText(t, wantOK(t, admin.get("/agency/", "Accept-Language", "en")), "Your agency is on the black list")
	// …and the server refuses new business, naming the reason.
	r = admin.post("/agency/verifications", url.Values{})
	wantStatus(t, r, http.StatusForbidden)
	wantText(t, r, "（原因：发布虚假房源，经查证属实），")
	r = e.signedIn("agency", "agent.zhang").post("/agency/contracts/new", url.Values{"code": {"X"}})
	wantStatus(t, r, http.StatusForbidden)
	// Another agency's users see nothing of it.
	wantNoText(t, wantOK(t, e.signedIn("agency", "leju.admin").get("/agency/")), "本机构已被列入黑名单")

	// The clerk sees the warning on the agency's page and in the lookup.
	r = wantOK(t, clerk.get(fmt.Sprintf("/gov/agencies/%d", anjuID)))
	wantText(t, r, "已列入黑名单", "发布虚假房源，经查证属实。")
	wantText(t, wantOK(t, clerk.get("/gov/agencies?q="+url.QueryEscape("安居"))), zh("lists.list.black"))

	// The public: the black list, searchable, and the agency's page.
	anon := e.client()
	r = wantOK(t, anon.get("/lists/black"))
	wantText(t, r, "北京安居房地产经纪有限公司", "91110105MA01ANJU13", "发布虚假房源，经查证属实。", "《房地产经纪管理办法》第二十五条")
	r = wantOK(t, anon.get("/lists/black?q=ANJU13"))
	wantText(t, r, "北京安居房地产经纪有限公司", zh("lists.public_total", 1))
	wantNoText(t, wantOK(t, anon.get("/lists/red")), "91110105MA01ANJU13")
	r = wantOK(t, anon.get(fmt.Sprintf("/agencies/%d", anjuID)))
	wantText(t, r, zh("lists.list.black"), "发布虚假房源，经查证属实。")

	// 注销 with a reason: the banner and the public entry are gone.
	r = clerk.post(entryPath+"/revoke", url.Values{"revoke_reason": {""}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "revoke_reason", zh("lists.revoke_reason_required"))
	wantRedirect(t, clerk.post(entryPath+"/revoke", url.Values{"revoke_reason": {"经复核已整改"}}), entryPath)
	wantText(t, wantOK(t, clerk.get(entryPath)), zh("lists.status.revoked"), "经复核已整改")
	wantNoText(t, wantOK(t, admin.get("/agency/")), "本机构已被列入黑名单")
	wantNoText(t, wantOK(t, anon.get("/lists/black")), "北京安居房地产经纪有限公司")
	wantOK(t, admin.get("/agency/verifications/new"))
}

// TestListPagesInBothLanguages renders the list pages, with the demo's
// entries, in Chinese and English: no raw key, no text of the other
// language.
func TestListPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	reviewer := e.signedIn("gov", "reviewer")
	anon := e.client()
	all, err := e.app.Lists(sys, app.ListFilter{Size: 200})
	if err != nil || all.Total == 0 {
		t.Fatalf("demo entries: %d %v", all.Total, err)
	}
	var names []string
	var pending, active uint64
	for _, en := range all.Items {
		names = append(names, en.SubjectName, en.AgencyName, en.Reason, en.Basis, en.RejectReason, en.RevokeReason,
			en.ProposedBy.Name, en.ReviewedBy.Name, en.RevokedBy.Name)
		for _, h := range en.History {
			names = append(names, h.By.Name, h.Note)
		}
		switch {
		case en.Status == app.ListPending && en.District == "110105":
			pending = en.ID
		case en.Status == app.ListActive && en.List == app.ListBlack && en.District == "110105":
			active = en.ID
		}
	}
	if pending == 0 || active == 0 {
		t.Fatal("the demo has no pending and no active black entry in 110105")
	}
	pages := []struct {
		c      *client
		path   string
		status int
	}{
		{clerk, "/gov/lists", 200},
		{clerk, "/gov/lists?list=red&status=active", 200},
		{clerk, "/gov/lists/new", 200},
		{clerk, fmt.Sprintf("/gov/lists/%d", pending), 200},
		{clerk, fmt.Sprintf("/gov/lists/%d", active), 200},
		{reviewer, fmt.Sprintf("/gov/lists/%d", pending), 200},
		{reviewer, "/gov/lists", 200},
		{anon, "/lists/red", 200},
		{anon, "/lists/black", 200},
		{anon, "/lists/black?q=zzzz", 200},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, c := range []*client{clerk, reviewer, anon} {
			wantRedirect(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), "/")
		}
		for _, p := range pages {
			r := p.c.get(p.path)
			if r.StatusCode != p.status {
				t.Errorf("%s %s: status %d", lang, p.path, r.StatusCode)
				continue
			}
			for _, problem := range untranslated(r.body, lang, names) {
				t.Errorf("%s in %s: %s", p.path, lang, problem)
			}
		}
	}
}

var (
	reIDLike     = regexp.MustCompile(`(?:^|[^0-9A-Za-z])(\d{17}[\dXx])(?:$|[^0-9A-Za-z])`)
	reMobileLike = regexp.MustCompile(`(?:^|[^0-9A-Za-z])(1[3-9]\d{9})(?:$|[^0-9A-Za-z])`)
)

// TestPublicListsShowNoPersonalData scans the public list pages and the
// public pages of every listed agency and practitioner of the demo, with an
// entry whose reason a clerk typed with an ID and a mobile number in it.
func TestPublicListsShowNoPersonalData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.listProposal("北京万家房地产经纪有限公司") // on the demo's black list
	in.List = app.ListRed
	_, err := e.app.ProposeListEntry(e.actor("clerk"), in)
	if ae, ok := app.AsError(err); !ok || ae.Key != "lists.red_while_black" {
		t.Fatalf("a red entry for an agency on the black list: %v", err)
	}
	in = e.listProposal("北京悦居住房租赁有限公司")
	in.Reason = "向承租人110105199003071234收取押金后拒不退还，联系电话13812345678。"
	en, err := e.app.ProposeListEntry(e.actor("clerk"), in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.ApproveListEntry(e.actor("reviewer"), en.ID); err != nil {
		t.Fatal(err)
	}
	anon := e.client()
	paths := []string{"/lists/red", "/lists/black", "/lists/black?q=" + url.QueryEscape("悦居")}
	for _, l := range app.ListKinds {
		p, err := e.app.PublicList(l, 1, "")
		if err != nil || p.Total == 0 {
			t.Fatalf("public %s list: %v", l, err)
		}
		for _, it := range p.Items {
			if it.Kind == app.SubjectAgency {
				paths = append(paths, fmt.Sprintf("/agencies/%d", it.SubjectID))
			} else {
				paths = append(paths, "/practitioners/"+it.Code)
			}
		}
	}
	for _, path := range paths {
		r := wantOK(t, anon.get(path))
		text := visibleText(r.body)
		for _, re := range []*regexp.Regexp{reIDLike, reMobileLike} {
			if m := re.FindStringSubmatch(text); m != nil {
				t.Errorf("%s shows %q unmasked", path, m[1])
			}
		}
	}
	r := wantOK(t, anon.get("/lists/black?q="+url.QueryEscape("悦居")))
	wantText(t, r, "1101**********1234", "138****5678")
	// The government's page shows what the clerk typed.
	clerk := e.signedIn("gov", "clerk")
	wantText(t, wantOK(t, clerk.get(fmt.Sprintf("/gov/lists/%d", en.ID))), "110105199003071234")
	// The staff's list of entries and the banner on the agency's pages
	// hide them in part, as lists do (DESIGN).
	for _, path := range []string{"/gov/lists", "/gov/lists?q=" + url.QueryEscape("悦居"),
		fmt.Sprintf("/gov/credit/agency/%d", en.Subject.ID), fmt.Sprintf("/gov/agencies/%d", en.Subject.ID)} {
		r := wantOK(t, clerk.get(path))
		wantText(t, r, "1101**********1234", "138****5678")
		wantNoText(t, r, "110105199003071234", "13812345678")
	}
}

// TestListWarningsForClerks: a clerk opening a listed agency or
// practitioner sees its entries; an agency's own pages do not repeat them.
func TestListWarningsForClerks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	black, err := e.app.Lists(sys, app.ListFilter{List: app.ListBlack, Status: app.ListActive, Size: 200})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, en := range black.Items {
		if en.District != "110105" {
			continue
		}
		path := fmt.Sprintf("/gov/agencies/%d", en.Subject.ID)
		if en.Subject.Kind == app.SubjectPractitioner {
			path = fmt.Sprintf("/gov/practitioners/%d", en.Subject.ID)
		}
		r := wantOK(t, clerk.get(path))
		wantText(t, r, zh("lists.list.black"), en.No())
		if !strings.Contains(r.body, fmt.Sprintf(`href="/gov/lists/%d"`, en.ID)) {
			t.Errorf("%s: no link to the entry", path)
		}
		seen++
	}
	if seen < 2 {
		t.Fatalf("the demo has %d active black entries in 110105, want an agency and a practitioner", seen)
	}
}

// reListJump is the mark beside the credit level at the top of a public
// page (the entries' own tags further down are spans, not links).
var reListJump = regexp.MustCompile(`<a class="tag list-(red|black) list-jump" href="([^"]*)">([^<]*)</a>`)

// listJumps returns the list marks of a page as "list href label".
func listJumps(r *resp) []string {
	var out []string
	for _, m := range reListJump.FindAllStringSubmatch(r.body, -1) {
		out = append(out, m[1]+" "+m[2]+" "+m[3])
	}
	return out
}

// TestPublicPagesShowListStatus: every subject on the demo's public red
// and black lists shows it on its public page, a practitioner's as well as
// an agency's: a mark beside the credit level at the top, leading to the
// entry further down; a subject on no list says so and has no mark.
func TestPublicPagesShowListStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.client()
	kinds := map[string]int{}
	for _, l := range app.ListKinds {
		p, err := e.app.PublicList(l, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			kinds[it.Kind]++
			if it.Kind == app.SubjectPractitioner {
				// Found by the card number as it is read off the card, in
				// groups, or typed on a full-width keyboard.
				grouped := it.Code[:2] + " " + it.Code[2:6] + " " + it.Code[6:]
				fullWidth := strings.Map(func(r rune) rune { return r + 0xFEE0 }, it.Code)
				for _, typed := range []string{grouped, fullWidth} {
					wantText(t, wantOK(t, anon.get("/lists/"+l+"?q="+url.QueryEscape(typed))), it.No, zh("lists.public_total", 1))
				}
			}
			path := "/practitioners/" + it.Code
			if it.Kind == app.SubjectAgency {
				path = fmt.Sprintf("/agencies/%d", it.SubjectID)
			}
			r := wantOK(t, anon.get(path))
			wantText(t, r, zh("lists.public_block"), it.No)
			wantNoText(t, r, zh("lists.public_block_none"))
			if it.Source == app.ListSourceManual {
				wantText(t, r, it.Reason)
			}
			if want := l + " #lists " + zh("lists.list."+l); !slices.Contains(listJumps(r), want) {
				t.Errorf("%s (%s): marks at the top %q, want %q", path, it.Name, listJumps(r), want)
			}
			// Black-listed: the lowest level, whatever the score, and why;
			// a practitioner's card reads as a warning, not a clean check.
			if l == app.ListBlack && it.Kind == app.SubjectPractitioner {
				wantText(t, r, `<section class="check-result state-revoked prac-public">`, zh("practitioner.public_blacklisted", it.Expires.Format("2006年1月2日")))
			}
			if l == app.ListBlack {
				wantText(t, r, zh("credit.public_level", app.LevelD), zh("credit.blacklisted_level"))
				for _, lv := range []string{app.LevelA, app.LevelB, app.LevelC} {
					wantNoText(t, r, zh("credit.public_level", lv))
				}
			}
		}
	}
	if kinds[app.SubjectAgency] == 0 || kinds[app.SubjectPractitioner] == 0 {
		t.Fatalf("the demo's public lists name %v, want agencies and practitioners", kinds)
	}

	// The reviewer's example: 林晓东, black-listed, in English too.
	r := wantOK(t, anon.get("/practitioners/XK00000097", "Accept-Language", "en"))
	wantText(t, r, "林晓东", en("lists.public_block"))
	if want := "black #lists " + en("lists.list.black"); !slices.Contains(listJumps(r), want) {
		t.Errorf("/practitioners/XK00000097 in English: marks %q, want %q", listJumps(r), want)
	}

	lin, err := e.app.PublicPractitioner("XK00000097")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := e.app.PublicActiveEntries(app.Subject{Kind: app.SubjectPractitioner, ID: lin.ID})
	if err != nil || len(entries) == 0 {
		t.Fatalf("林晓东's entries: %v, %v", entries, err)
	}
	wantText(t, r, en("practitioner.public_blacklisted", entries[0].Expires.Format("2 Jan 2006")))

	// A practitioner on no list: the block says so, no mark at the top.
	anjuID := e.user("anju.admin").AgencyID
	ag, err := e.app.PublicAgency(anjuID)
	if err != nil {
		t.Fatal(err)
	}
	checked := false
	for _, p := range ag.Practitioners {
		pp, err := e.app.PublicPractitioner(p.CardNo)
		if err != nil {
			t.Fatal(err)
		}
		if entries, _ := e.app.PublicActiveEntries(app.Subject{Kind: app.SubjectPractitioner, ID: pp.ID}); len(entries) > 0 {
			continue
		}
		r := wantOK(t, anon.get("/practitioners/"+p.CardNo))
		wantText(t, r, zh("lists.public_block_none"))
		wantNoText(t, r, "state-revoked", "列入黑名单（至")
		if m := listJumps(r); len(m) > 0 {
			t.Errorf("/practitioners/%s, on no list, shows marks %q", p.CardNo, m)
		}
		checked = true
		break
	}
	if !checked {
		t.Fatal("every practitioner of 北京安居 is on a list")
	}
}

// TestDirectoryMarksListedAgencies: the directory's card of an agency on
// the black list carries the mark, leading to the entry on its page, from
// the moment the entry is approved; other cards carry none.
func TestDirectoryMarksListedAgencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.client()
	anjuID := e.user("anju.admin").AgencyID
	search := "/agencies?q=" + url.QueryEscape("北京安居房地产经纪有限公司")
	r := wantOK(t, anon.get(search))
	wantText(t, r, "北京安居房地产经纪有限公司")
	if m := listJumps(r); len(m) > 0 {
		t.Fatalf("before the entry: marks %q", m)
	}
	entry, err := e.app.ProposeListEntry(e.actor("clerk"), e.listProposal("北京安居房地产经纪有限公司"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.ApproveListEntry(e.actor("reviewer"), entry.ID); err != nil {
		t.Fatal(err)
	}
	r = wantOK(t, anon.get(search))
	if want := fmt.Sprintf("black /agencies/%d#lists %s", anjuID, zh("lists.list.black")); !slices.Equal(listJumps(r), []string{want}) {
		t.Errorf("after the entry: marks %q, want %q", listJumps(r), want)
	}
	r = wantOK(t, anon.get(search, "Accept-Language", "en"))
	if want := fmt.Sprintf("black /agencies/%d#lists %s", anjuID, en("lists.list.black")); !slices.Equal(listJumps(r), []string{want}) {
		t.Errorf("in English: marks %q, want %q", listJumps(r), want)
	}

	// The demo's black-listed agencies carry it on the directory's first
	// page of their name.
	p, err := e.app.PublicList(app.ListBlack, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		if it.Kind != app.SubjectAgency || it.SubjectID == anjuID {
			continue
		}
		r := wantOK(t, anon.get("/agencies?q="+url.QueryEscape(it.Code)))
		if want := fmt.Sprintf("black /agencies/%d#lists %s", it.SubjectID, zh("lists.list.black")); !slices.Contains(listJumps(r), want) {
			t.Errorf("directory ?q=%s: marks %q, want %q", it.Code, listJumps(r), want)
		}
	}
}

// TestRedEntryOfBlacklistedSubjectOffersOnlyRejection: a red proposal
// whose subject has since been black-listed cannot be approved; the
// reviewer reads why and is offered the rejection only.
func TestRedEntryOfBlacklistedSubjectOffersOnlyRejection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	red := e.listProposal("北京永安房地产经纪有限公司")
	red.List, red.Reason, red.Basis = app.ListRed, "连续三年无投诉，服务规范。", "《住房租赁条例》"
	r, err := e.app.ProposeListEntry(e.actor("clerk"), red)
	if err != nil {
		t.Fatal(err)
	}
	reviewer := e.signedIn("gov", "reviewer")
	page := "/gov/lists/" + itoa(r.ID)
	approve := `action="` + page + `/approve"`
	wantText(t, reviewer.get(page), approve)
	black, err := e.app.ProposeListEntry(e.actor("clerk"), e.listProposal("北京永安房地产经纪有限公司"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.ApproveListEntry(e.actor("reviewer"), black.ID); err != nil {
		t.Fatal(err)
	}
	got := reviewer.get(page)
	wantText(t, got, zh("lists.red_while_black", black.No()), `action="`+page+`/reject"`)
	wantNoText(t, got, approve)
}

// TestAgencySeesItsOwnListEntries: an agency reads its own red or black
// list entry on its credit page and home page, and an agent his own.
func TestAgencySeesItsOwnListEntries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seen := 0
	for _, who := range []string{"leju.admin", "anju.admin", "agent.zhang"} {
		u := e.user(who)
		subjects := []app.Subject{{Kind: app.SubjectAgency, ID: u.AgencyID}}
		if u.PractitionerID != 0 {
			subjects = append(subjects, app.Subject{Kind: app.SubjectPractitioner, ID: u.PractitionerID})
		}
		c := e.signedIn("agency", who)
		home := c.get("/agency/")
		for _, s := range subjects {
			entries, err := e.app.ActiveEntries(s)
			if err != nil {
				t.Fatal(err)
			}
			page := "/agency/credit"
			key := "aghome.listed_agency_"
			if s.Kind == app.SubjectPractitioner {
				page, key = "/agency/credit/practitioner/"+itoa(s.ID), "aghome.listed_me_"
			}
			for _, en := range entries {
				seen++
				reason, basis := en.Reason, en.Basis
				if en.Source == app.ListSourceAuto {
					reason, basis = zh("lists.auto_reason."+en.List, en.Score, en.Threshold), zh("lists.auto_basis."+en.List)
				}
				wantText(t, c.get(page), en.No(), zh("lists.list."+en.List),
					zh("lists.mark."+en.List, en.Listed.Format("2006年1月2日"), en.Expires.Format("2006年1月2日")),
					zh("lists.reason")+"："+reason, zh("lists.basis")+"："+basis)
				wantText(t, home, zh(key+en.List, en.No(), en.Expires.Format("2006年1月2日"))+` <a href="`+page+`">`+zh("aghome.view")+`</a>`)
			}
		}
	}
	if seen == 0 {
		t.Fatal("the demo's agency users are on no list")
	}
}

// TestAgencySeesOnlyItsOwnListEntries: an agency admin reads the entry of
// a practitioner his agency employs on that practitioner's credit page;
// another agency reads neither the page nor the entry on its home page.
func TestAgencySeesOnlyItsOwnListEntries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zhang := e.user("agent.zhang")
	entries, err := e.app.ActiveEntries(app.Subject{Kind: app.SubjectPractitioner, ID: zhang.PractitionerID})
	if err != nil || len(entries) == 0 {
		t.Fatalf("agent.zhang's practitioner is on no list (%v)", err)
	}
	page := "/agency/credit/practitioner/" + itoa(zhang.PractitionerID)
	own := e.signedIn("agency", "anju.admin")
	wantText(t, own.get(page), entries[0].No(), zh("lists.list."+entries[0].List))

	other := e.signedIn("agency", "leju.admin")
	if e.user("leju.admin").AgencyID == zhang.AgencyID {
		t.Fatal("leju.admin and agent.zhang work for one agency")
	}
	wantStatus(t, other.get(page), http.StatusNotFound)
	for _, p := range []string{"/agency/", "/agency/credit"} {
		wantNoText(t, other.get(p), entries[0].No())
	}
}

// TestCreditListShowsBlacklistedAtLowestLevel: in the 信用信息 list a
// black-listed agency reads level D with its 黑名单 tag, also under the
// level filter D, whatever its score (both languages).
func TestCreditListShowsBlacklistedAtLowestLevel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const name = "北京安居房地产经纪有限公司"
	clerk := e.signedIn("gov", "clerk")
	// Searched by part of the name: the search box repeats the query.
	row := rowOf(wantOK(t, clerk.get("/gov/credit?q="+url.QueryEscape("北京安居"))).body, name)
	if row == "" || strings.Contains(row, "level-D") {
		t.Fatalf("before the entry the list should show it above D: %q", row)
	}
	if rowOf(wantOK(t, clerk.get("/gov/credit?level=D")).body, name) != "" {
		t.Fatal("before the entry the filter D finds it")
	}
	entry, err := e.app.ProposeListEntry(e.actor("clerk"), e.listProposal(name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.ApproveListEntry(e.actor("reviewer"), entry.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, tag, why string }{
		{"zh-CN", zh("lists.list.black"), zh("credit.blacklisted_level")},
		{"en", en("lists.list.black"), en("credit.blacklisted_level")},
	} {
		for _, path := range []string{"/gov/credit", "/gov/credit?level=D", "/gov/credit?q=" + url.QueryEscape("北京安居")} {
			row := rowOf(wantOK(t, clerk.get(path, "Accept-Language", c.lang)).body, name)
			if !strings.Contains(row, `class="level level-D" title="`+c.why+`">D</span>`) ||
				!strings.Contains(row, `<span class="tag list-black">`+c.tag+`</span>`) {
				t.Errorf("%s %s: the row does not read D with its black-list tag: %q", c.lang, path, row)
			}
		}
	}
}

// TestCreditPageSaysWhenBlackListingWaits: a penalty still open to
// objection takes an agency's score below the black line; its credit page
// (the clerk's and the agency's own) says it is not black-listed yet and
// on which day it will be, in both languages.
func TestCreditPageSaysWhenBlackListingWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anju := app.Subject{Kind: app.SubjectAgency, ID: e.user("anju.admin").AgencyID}
	before, err := e.app.CreditPage(e.actor("clerk"), anju)
	if err != nil {
		t.Fatal(err)
	}
	line := before.Score - 1
	e.setParams(app.ParamListBlackBelow, strconv.Itoa(line))
	p := fileScoring(t, e, e.actor("clerk"), anju, "JG-K-004")
	rec, err := e.app.ApproveScoring(e.actor("reviewer"), p.ID, "事实清楚")
	if err != nil {
		t.Fatal(err)
	}
	if _, listed := e.app.AgencyBlacklisted(anju.ID); listed {
		t.Fatal("black-listed within the objection period")
	}
	pages := []struct {
		c    *client
		path string
	}{
		{e.signedIn("gov", "clerk"), "/gov/credit/agency/" + strconv.FormatUint(anju.ID, 10)},
		{e.signedIn("agency", "anju.admin"), "/agency/credit"},
	}
	for _, pg := range pages {
		wantText(t, wantOK(t, pg.c.get(pg.path)), zh("credit.black_awaits_on", line, fmtDateZH(rec.ObjectionUntil)))
		wantText(t, wantOK(t, pg.c.get(pg.path, "Accept-Language", "en")),
			en("credit.black_awaits_on", line, rec.ObjectionUntil.Local().Format("2 Jan 2006")))
	}
	// The record's page: objections until the day before the listing
	// date, i.e. before that date; the two ways of saying it agree.
	r := wantOK(t, pages[1].c.get("/agency/credit/records/"+strconv.FormatUint(rec.ID, 10)))
	last := rec.ObjectionUntil.AddDate(0, 0, -1)
	wantText(t, r, zh("credit.objection_open", fmtDateZH(last)), zh("credit.object_help", fmtDateZH(rec.ObjectionUntil)))
}

// TestAgencyPagesMarkBlacklistedPractitioners: a black-listed practitioner
// carries his 黑名单 tag where his agency's people are listed — the public
// agency page (linking to his entry) and the agency's own credit page —
// as the staff lists do.
func TestAgencyPagesMarkBlacklistedPractitioners(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zhang := zhangRecord(t, e)
	in := e.listProposal("")
	in.SubjectKind, in.SubjectRef = app.SubjectPractitioner, zhang.CardNo
	entry, err := e.app.ProposeListEntry(e.actor("clerk"), in)
	if err != nil {
		t.Fatal(err)
	}
	agency := "/agencies/" + itoa(e.user("anju.admin").AgencyID)
	tag := `<a class="tag list-black list-jump" href="/practitioners/` + zhang.CardNo + `#lists">` + zh("lists.list.black") + `</a>`
	if strings.Contains(wantOK(t, e.client().get(agency)).body, tag) {
		t.Fatal("marked before the entry was approved")
	}
	if _, err := e.app.ApproveListEntry(e.actor("reviewer"), entry.ID); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		r := wantOK(t, e.client().get(agency, "Accept-Language", lang))
		want := `<a class="tag list-black list-jump" href="/practitioners/` + zhang.CardNo + `#lists">` + msg(lang, "lists.list.black") + `</a>`
		if row := rowOfLi(r.body, zhang.Name); !strings.Contains(row, want) {
			t.Errorf("%s public agency page, his line: %q", lang, row)
		}
	}
	own := e.signedIn("agency", "anju.admin").get("/agency/credit")
	if row := rowOf(wantOK(t, own).body, zhang.Name); !strings.Contains(row, `<span class="tag list-black">`+zh("lists.list.black")+`</span>`) {
		t.Errorf("the agency's credit page, his row: %q", row)
	}
}

// rowOfLi returns the <li> that holds text ("" when none).
func rowOfLi(body, text string) string {
	i := strings.Index(body, text)
	if i < 0 {
		return ""
	}
	start, end := strings.LastIndex(body[:i], "<li"), strings.Index(body[i:], "</li>")
	if start < 0 || end < 0 {
		return ""
	}
	return body[start : i+end]
}

// TestCreditPageLeadsToListProposal: a clerk on an agency's or a
// practitioner's credit page proposes a list entry from there, the form
// filled in with the subject; a reviewer, who may not propose, has no link.
func TestCreditPageLeadsToListProposal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	anjuID := e.user("anju.admin").AgencyID
	link := fmt.Sprintf(`href="/gov/lists/new?subject=agency%%3a%d"`, anjuID)
	page := wantOK(t, clerk.get(fmt.Sprintf("/gov/credit/agency/%d", anjuID)))
	if !strings.Contains(page.body, link) {
		t.Fatalf("the clerk's credit page has no %s", link)
	}
	wantText(t, page, zh("lists.propose_subject"))
	form := wantOK(t, clerk.get(fmt.Sprintf("/gov/lists/new?subject=agency:%d", anjuID)))
	wantInputValue(t, form, "subject", "91110105MA01ANJU13")
	if r := wantOK(t, e.signedIn("gov", "reviewer").get(fmt.Sprintf("/gov/credit/agency/%d", anjuID))); strings.Contains(r.body, "/gov/lists/new") {
		t.Error("a reviewer's credit page offers a proposal")
	}
}

// TestListReasonLabelsInEachLanguage: 列入原因：… with the Chinese colon on a
// Chinese page, "Reason: …" on an English one, on the public agency page
// and the clerk's banner.
func TestListReasonLabelsInEachLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var agencyID uint64
	p, err := e.app.PublicList(app.ListBlack, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		if it.Kind == app.SubjectAgency && it.Source == app.ListSourceManual {
			agencyID = it.SubjectID
		}
	}
	if agencyID == 0 {
		t.Fatal("the demo black list has no agency entered by hand")
	}
	pub := fmt.Sprintf("/agencies/%d", agencyID)
	for lang, want := range map[string][]string{"zh-CN": {zh("lists.reason") + "：", zh("lists.basis") + "："},
		"en": {en("lists.reason") + ": ", en("lists.basis") + ": "}} {
		r := wantOK(t, e.client().get(pub, "Accept-Language", lang))
		wantText(t, r, want...)
	}
	r := wantOK(t, e.signedIn("gov", "clerk").get(fmt.Sprintf("/gov/credit/agency/%d", agencyID)))
	wantText(t, r, zh("lists.reason")+"：")
	wantNoText(t, r, zh("lists.reason")+": ")

	// A decided objection or repair on a record's page: "… 处理：意见".
	anju := e.actor("anju.admin")
	cv, err := e.app.CreditPage(anju, app.Subject{Kind: app.SubjectAgency, ID: anju.AgencyID})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range cv.Records {
		for _, q := range rec.Requests {
			if q.DecidedBy == "" {
				continue
			}
			r := wantOK(t, e.signedIn("gov", "clerk").get(fmt.Sprintf("/gov/credit/records/%d", rec.ID)))
			if !strings.Contains(r.text(), "处理："+q.Decision) {
				t.Errorf("%s: the decision is not shown as 处理：%s", rec.No, q.Decision)
			}
			return
		}
	}
	t.Fatal("the demo agency has no decided request")
}

// TestListMarksSayTheDayTheEntryEnds: an entry leaves its list on its
// expiry date (the form says so), so the marks name it as the day it
// expires (到期), not as the last day on the list (至).
func TestListMarksSayTheDayTheEntryEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, err := e.app.PublicList(app.ListBlack, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		if it.Kind != app.SubjectAgency || !strings.HasPrefix(it.Code, "91110105") { // registered in 朝阳, the clerk's
			continue
		}
		d := fmt.Sprintf("%d年%d月%d日", it.Expires.Year(), it.Expires.Month(), it.Expires.Day())
		r := wantOK(t, e.signedIn("gov", "clerk").get(fmt.Sprintf("/gov/credit/agency/%d", it.SubjectID)))
		wantText(t, r, d+" 到期")
		wantNoText(t, r, "至 "+d)
		return
	}
	t.Fatal("no 朝阳 agency on the demo black list")
}
