package app

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/storage"
)

// The public side of announcements: the list, the detail page, the
// attachments and the latest ones on the home page. All of them read the
// announcements public now from announceCache, which is computed from the
// store once and kept until an announcement changes or the next publish or
// withdraw time passes: the public pages are read far more often than
// announcements change, and never show one outside its window.

// announceCache holds the announcements public now, pinned first, then
// newest first. Its records are shared: nobody may change them.
type announceCache struct {
	gen atomic.Uint64 // bumped after every committed change

	mu    sync.Mutex
	ok    bool
	built uint64    // gen the list is of
	until time.Time // the list is right until then
	list  []*Announcement
}

// changed is called after a change is committed (tx.OnCommit).
func (c *announceCache) changed() { c.gen.Add(1) }

// visibleAnnouncements returns the announcements public at a.now(), in the
// public order.
func (a *App) visibleAnnouncements() ([]*Announcement, error) {
	now := a.now()
	c := &a.announcements
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.gen.Load() // before reading the store: a change meanwhile rebuilds again
	if c.ok && c.built == g && now.Before(c.until) {
		return c.list, nil
	}
	var list []*Announcement
	until := now.AddDate(1, 0, 0)
	err := a.db.View(func(tx *storage.Tx) error {
		return announcementTable.LookupPrefix(tx, "released", nil, func(_ []byte, id uint64) (bool, error) {
			an, err := announcementTable.Get(tx, id)
			if err != nil {
				return false, err
			}
			switch an.State(now) {
			case AnnStateScheduled:
				if an.PublishAt.Before(until) {
					until = an.PublishAt
				}
			case AnnStatePublished:
				list = append(list, an)
				if !an.WithdrawAt.IsZero() && an.WithdrawAt.Before(until) {
					until = an.WithdrawAt
				}
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, publicOrder)
	c.ok, c.built, c.until, c.list = true, g, until, list
	return list, nil
}

// publicOrder: pinned first, then the newest publish time, then the newest.
func publicOrder(x, y *Announcement) int {
	switch {
	case x.Pinned != y.Pinned:
		if x.Pinned {
			return -1
		}
		return 1
	case !x.PublishAt.Equal(y.PublishAt):
		return y.PublishAt.Compare(x.PublishAt)
	case x.ID > y.ID:
		return -1
	case x.ID < y.ID:
		return 1
	}
	return 0
}

// PublicAnnouncementQuery is the public list's search: a category and
// words of the title.
type PublicAnnouncementQuery struct {
	Category string
	Text     string
	Page     int // from 1
	Size     int
}

// PublicAnnouncementPage is a page of the public list. Its records are
// shared with the cache: read them, never change them.
type PublicAnnouncementPage struct {
	Items []*Announcement
	Total int
	Page  int
	Pages int
}

// PublicAnnouncements lists the announcements public now: pinned first,
// then newest first.
func (a *App) PublicAnnouncements(q PublicAnnouncementQuery) (PublicAnnouncementPage, error) {
	all, err := a.visibleAnnouncements()
	if err != nil {
		return PublicAnnouncementPage{}, err
	}
	text := strings.ToLower(strings.TrimSpace(HalfWidth(q.Text)))
	var match []*Announcement
	for _, an := range all {
		if (q.Category == "" || an.Category == q.Category) && (text == "" || strings.Contains(strings.ToLower(an.Title), text)) {
			match = append(match, an)
		}
	}
	items, page, pages := annPageOf(match, q.Page, q.Size)
	return PublicAnnouncementPage{Items: items, Total: len(match), Page: page, Pages: pages}, nil
}

// LatestAnnouncements returns the first n announcements of the public list
// (for the home page).
func (a *App) LatestAnnouncements(n int) ([]*Announcement, error) {
	all, err := a.visibleAnnouncements()
	if err != nil {
		return nil, err
	}
	k := min(n, len(all))
	return all[:k:k], nil
}

// PublicAnnouncement returns an announcement public now. Any other is not
// found; a withdrawn or expired one says so, with its date.
func (a *App) PublicAnnouncement(id uint64) (*Announcement, error) {
	all, err := a.visibleAnnouncements()
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(all, func(an *Announcement) bool { return an.ID == id }); i >= 0 {
		return all[i], nil
	}
	var an *Announcement
	err = a.db.View(func(tx *storage.Tx) (err error) { an, err = announcementTable.Get(tx, id); return })
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	switch {
	case an == nil:
	case an.State(a.now()) == AnnStateWithdrawn:
		return nil, Errorf(ENOTFOUND, "announce.public_withdrawn", an.Withdrawn)
	case an.State(a.now()) == AnnStateExpired:
		return nil, Errorf(ENOTFOUND, "announce.public_expired", an.WithdrawAt)
	}
	return nil, Errorf(ENOTFOUND, "announce.public_not_found")
}

// PublicAnnouncementFile returns an attachment of an announcement public
// now; an attachment removed by an edit is no longer public.
func (a *App) PublicAnnouncementFile(id, blob uint64) (AnnouncementFile, []byte, error) {
	an, err := a.PublicAnnouncement(id)
	if err != nil {
		return AnnouncementFile{}, nil, err
	}
	f, ok := an.File(blob)
	if !ok {
		return AnnouncementFile{}, nil, Errorf(ENOTFOUND, "announce.file_not_found")
	}
	return a.announcementFileData(f)
}

func (a *App) announcementFileData(f AnnouncementFile) (AnnouncementFile, []byte, error) {
	var data []byte
	err := a.db.View(func(tx *storage.Tx) (err error) { _, data, err = tx.GetBlob(f.Blob); return })
	if err != nil {
		return AnnouncementFile{}, nil, notFound("announce.file_not_found", err)
	}
	return f, data, nil
}

// annPageOf cuts page (from 1; out of range: the nearest) of size from all.
func annPageOf[T any](all []T, page, size int) ([]T, int, int) {
	if size <= 0 {
		size = 20
	}
	pages := max(1, (len(all)+size-1)/size)
	page = min(max(page, 1), pages)
	from := (page - 1) * size
	lo, hi := min(from, len(all)), min(from+size, len(all))
	return all[lo:hi:hi], page, pages
}
