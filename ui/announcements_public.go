package ui

import (
	"net/http"
	"slices"
	"strconv"

	"anju/app"
)

// The public announcements: a list for phones (pinned first, newest
// first, by category, searched by title), the detail page with its
// attachments, and the latest ones on the home page. The app keeps the
// announcements public now in memory (app/announcement_public.go), so
// these pages cost no store read; nothing outside its window is shown.

const publicAnnPageSize = 15

// publicAnnListData is the public list.
type publicAnnListData struct {
	Result     app.PublicAnnouncementPage
	Items      []publicAnnItem
	Pager      pager
	Categories []dirOption
	Category   string
}

// publicAnnItem is a line of the public list with its labels worked out
// once (see dirItem).
type publicAnnItem struct {
	*app.Announcement
	CategoryLabel, DistrictLabel string
	Files                        int
}

func (s *Server) handlePublicAnnouncements(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pq := app.PublicAnnouncementQuery{Text: q.Get("q"), Size: publicAnnPageSize}
	if c := q.Get("category"); slices.Contains(app.AnnouncementCategories, c) {
		pq.Category = c
	}
	pq.Page, _ = strconv.Atoi(q.Get("page"))
	res, err := s.app.PublicAnnouncements(pq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	lang := pickLang(r, actorOf(r).Lang)
	d := publicAnnListData{Result: res, Pager: newPager(r, res.Page, res.Pages), Category: pq.Category}
	for _, c := range app.AnnouncementCategories {
		d.Categories = append(d.Categories, dirOption{c, s.msgs.t(lang, "announce.category."+c), c == pq.Category})
	}
	d.Items = s.publicAnnItems(lang, res.Items)
	s.render(w, r, http.StatusOK, "public_announcements", &view{Title: "announce.public_title", Portal: "public", Form: q, Data: d})
}

func (s *Server) publicAnnItems(lang string, list []*app.Announcement) []publicAnnItem {
	out := make([]publicAnnItem, 0, len(list))
	for _, an := range list {
		out = append(out, publicAnnItem{Announcement: an, CategoryLabel: s.msgs.t(lang, "announce.category."+an.Category),
			DistrictLabel: s.districtName(lang, an.District), Files: len(an.Files)})
	}
	return out
}

// publicAnnData is the public detail page.
type publicAnnData struct {
	A       *app.Announcement
	Article annArticle
}

func (s *Server) handlePublicAnnouncement(w http.ResponseWriter, r *http.Request) {
	an, err := s.app.PublicAnnouncement(pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil) // not public: 404, saying so if it was withdrawn or has ended
		return
	}
	base := "/announcements/" + strconv.FormatUint(an.ID, 10)
	s.render(w, r, http.StatusOK, "public_announcement", &view{Title: "announce.public_detail_title", Portal: "public",
		Data: publicAnnData{A: an, Article: newAnnArticle(an.AnnouncementContent, base)}})
}

func (s *Server) handlePublicAnnouncementFile(w http.ResponseWriter, r *http.Request) {
	blob, _ := strconv.ParseUint(r.URL.Query().Get("blob"), 10, 64)
	f, data, err := s.app.PublicAnnouncementFile(pathID(r), blob)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	// Not kept by caches: a withdrawn announcement's files go at once.
	serveAnnouncementFile(w, f, data, "no-store")
}

// publicHomeLatest is how many announcements the home page shows.
const publicHomeLatest = 5

// publicHomeData is the home page's 信息公示 block.
type publicHomeData struct {
	Latest []publicAnnItem
}

// publicHomeData returns the latest announcements for the home page; a
// failure is logged and the page shows without them.
func (s *Server) publicHomeData(r *http.Request) publicHomeData {
	list, err := s.app.LatestAnnouncements(publicHomeLatest)
	if err != nil {
		s.log.Error("latest announcements", "request_id", requestID(r), "err", err)
		return publicHomeData{}
	}
	return publicHomeData{Latest: s.publicAnnItems(pickLang(r, actorOf(r).Lang), list)}
}
