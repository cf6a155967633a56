package ui

import (
	"net/http"
	"strconv"
	"strings"

	"anju/app"
)

// The public red and black lists (信息公示: 红名单, 黑名单): active entries
// only, most recently listed first, twenty a page for a phone, searchable
// by name, credit code or card number. What they show is decided in app
// (PublicListEntry): no ID number, no phone.

// publicListData is a public list page.
type publicListData struct {
	Result app.PublicListPage
	Pager  pager
	Other  string // the other list, for the switch at the top
}

func (s *Server) handlePublicList(w http.ResponseWriter, r *http.Request) {
	list := strings.TrimPrefix(r.URL.Path, "/lists/")
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	res, err := s.app.PublicList(list, page, q.Get("q"))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d := publicListData{Result: res, Pager: newPager(r, res.Page, res.Pages), Other: app.ListRed}
	if list == app.ListRed {
		d.Other = app.ListBlack
	}
	title := "lists.public_title." + list // red or black: PublicList knows no other
	s.render(w, r, http.StatusOK, "public_lists", &view{Title: title, Portal: "public", Form: q, Data: d})
}

// PublicListEntries returns a subject's active entries as the public
// portal shows them, for its public page:
// {{template "lists_public_block" ($.PublicListEntries "agency" .ID)}}.
func (v *view) PublicListEntries(kind string, id uint64) []app.PublicListEntry {
	out, err := v.s.app.PublicActiveEntries(app.Subject{Kind: kind, ID: id})
	if err != nil {
		v.s.log.Error("public list entries of subject", "kind", kind, "id", id, "err", err)
	}
	return out
}

// ListsOf names the lists a subject is on now, for a line of a list page
// (an agency's practitioners): one shared map, not a read per line
// (app.ListedSubjects).
func (v *view) ListsOf(kind string, id uint64) []string {
	listed, err := v.s.app.ListedSubjects()
	if err != nil {
		v.s.log.Error("listed subjects", "err", err)
	}
	return listed[app.Subject{Kind: kind, ID: id}]
}
