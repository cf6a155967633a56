package app

import (
	"slices"
	"strings"

	"anju/storage"
)

// AnnouncementFilter is the staff list's filter.
type AnnouncementFilter struct {
	State    string // one of AnnouncementStates, "" all
	Category string
	Text     string // words of the title or body
	Page     int
	Size     int
}

// AnnouncementLine is an announcement of the staff list with its state now.
type AnnouncementLine struct {
	*Announcement
	State string
}

// AnnouncementPage is a page of the staff list; Counts holds how many of
// the actor's announcements are in each state (whatever the filter).
type AnnouncementPage struct {
	Items  []AnnouncementLine
	Total  int
	Page   int
	Pages  int
	Counts map[string]int
}

// ListAnnouncements lists the announcements of the actor's jurisdiction,
// the newest first.
func (a *App) ListAnnouncements(actor Actor, f AnnouncementFilter) (AnnouncementPage, error) {
	if err := actor.require(PermAnnounce); err != nil {
		return AnnouncementPage{}, err
	}
	now := a.now()
	text := strings.ToLower(strings.TrimSpace(HalfWidth(f.Text)))
	p := AnnouncementPage{Counts: map[string]int{}}
	var match []AnnouncementLine
	err := a.db.View(func(tx *storage.Tx) error {
		return announcementTable.Each(tx, true, func(an *Announcement) (bool, error) {
			if !canManageAnnouncement(actor, an) {
				return true, nil
			}
			st := an.State(now)
			p.Counts[st]++
			if (f.State == "" || st == f.State) && (f.Category == "" || an.Category == f.Category) &&
				(text == "" || strings.Contains(strings.ToLower(an.Title), text) || strings.Contains(strings.ToLower(an.Body), text)) {
				match = append(match, AnnouncementLine{Announcement: an, State: st})
			}
			return true, nil
		})
	})
	if err != nil {
		return AnnouncementPage{}, err
	}
	p.Items, p.Page, p.Pages = annPageOf(match, f.Page, f.Size)
	p.Total = len(match)
	return p, nil
}

// AnnouncementDetail is an announcement as a clerk sees it, with its
// state and what he may do with it now.
type AnnouncementDetail struct {
	*Announcement
	State       string
	CanEdit     bool
	CanWithdraw bool
	CanDelete   bool
	// PublishLocked: the public has seen it; its publish time stays.
	PublishLocked bool
}

// GetAnnouncement returns an announcement of the actor's jurisdiction.
func (a *App) GetAnnouncement(actor Actor, id uint64) (*AnnouncementDetail, error) {
	an, err := a.getAnnouncement(actor, id)
	if err != nil {
		return nil, err
	}
	now := a.now()
	return &AnnouncementDetail{Announcement: an, State: an.State(now),
		CanEdit: CanEditAnnouncement(actor, an, now), CanWithdraw: CanWithdrawAnnouncement(actor, an, now),
		CanDelete: CanDeleteAnnouncement(actor, an), PublishLocked: an.Status == AnnReleased && !now.Before(an.PublishAt)}, nil
}

func (a *App) getAnnouncement(actor Actor, id uint64) (*Announcement, error) {
	if err := actor.require(PermAnnounce); err != nil {
		return nil, err
	}
	var an *Announcement
	err := a.db.View(func(tx *storage.Tx) (err error) { an, err = announcementTable.Get(tx, id); return })
	if err != nil || !canManageAnnouncement(actor, an) {
		return nil, notFound("announce.not_found", err)
	}
	return an, nil
}

// AnnouncementFile returns an attachment as staff see it: a current one or
// one of an earlier version.
func (a *App) AnnouncementFile(actor Actor, id, blob uint64) (AnnouncementFile, []byte, error) {
	an, err := a.getAnnouncement(actor, id)
	if err != nil {
		return AnnouncementFile{}, nil, err
	}
	f, ok := an.File(blob)
	for _, v := range slices.Backward(an.Versions) {
		if ok {
			break
		}
		if i := slices.IndexFunc(v.Content.Files, func(f AnnouncementFile) bool { return f.Blob == blob }); i >= 0 {
			f, ok = v.Content.Files[i], true
		}
	}
	if !ok {
		return AnnouncementFile{}, nil, Errorf(ENOTFOUND, "announce.file_not_found")
	}
	return a.announcementFileData(f)
}
