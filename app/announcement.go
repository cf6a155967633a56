package app

import (
	"slices"
	"time"

	"anju/storage"
)

// Announcements 公告 (信息公示): notices, policies, guides and news that
// clerks publish on the public portal. An announcement is a draft until
// its clerk releases it; from then on it is public between its publish time
// and its withdraw time (if any), unless a clerk withdraws it at once with
// a reason. Editing a released announcement keeps every earlier version
// with who made it and when; nothing released is ever deleted.
//
// A district clerk manages his district's announcements; city-wide ones
// (District "") are managed by city-wide clerks, who may manage any
// district's too (the jurisdiction rule of every other record).

// Announcement categories: a small fixed list, in display order.
const (
	AnnounceNotice = "notice" // 通知公告
	AnnouncePolicy = "policy" // 政策法规
	AnnounceGuide  = "guide"  // 办事指南
	AnnounceNews   = "news"   // 行业动态
)

// AnnouncementCategories lists the categories in display order.
var AnnouncementCategories = []string{AnnounceNotice, AnnouncePolicy, AnnounceGuide, AnnounceNews}

// Stored statuses.
const (
	AnnDraft     = "draft"     // being written; never public
	AnnReleased  = "released"  // public from PublishAt until WithdrawAt
	AnnWithdrawn = "withdrawn" // taken down at once by a clerk, with a reason
)

// States as staff and the public see them (Announcement.State): a released
// announcement is scheduled before its publish time, published while
// public and expired after its withdraw time.
const (
	AnnStateDraft     = "draft"
	AnnStateScheduled = "scheduled"
	AnnStatePublished = "published"
	AnnStateWithdrawn = "withdrawn"
	AnnStateExpired   = "expired"
)

// AnnouncementStates lists the states in the order of the staff filter.
var AnnouncementStates = []string{AnnStateDraft, AnnStateScheduled, AnnStatePublished, AnnStateWithdrawn, AnnStateExpired}

// Limits of the form.
const (
	AnnTitleMax     = 100    // characters
	AnnBodyMax      = 20_000 // characters
	AnnReasonMax    = 500    // characters: a withdrawal's reason, an edit's note
	AnnFileMaxBytes = 10 << 20
	AnnFilesMax     = 10 // attachments of one announcement
)

// AnnouncementFile is an attachment: a PDF, JPEG, PNG, XLSX or DOCX,
// judged by its content.
type AnnouncementFile struct {
	Blob uint64 `json:"blob"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// AnnouncementContent is what a clerk writes: what a version keeps.
type AnnouncementContent struct {
	Title    string `json:"title"`
	Body     string `json:"body"` // plain text; blank lines separate paragraphs
	Category string `json:"category"`
	District string `json:"district,omitempty"` // "" city-wide
	Pinned   bool   `json:"pinned,omitempty"`
	// PublishAt is when it becomes public (zero in a draft not yet
	// given one); WithdrawAt, if set, when it stops being public.
	PublishAt  time.Time          `json:"publish_at,omitzero"`
	WithdrawAt time.Time          `json:"withdraw_at,omitzero"`
	Files      []AnnouncementFile `json:"files,omitempty"`
}

// AnnouncementVersion is the content as released (version 1) or as edited
// later, with who made it and when.
type AnnouncementVersion struct {
	Version int                 `json:"version"`
	Content AnnouncementContent `json:"content"`
	At      time.Time           `json:"at"`
	By      string              `json:"by"` // username
	ByName  string              `json:"by_name"`
	Note    string              `json:"note,omitempty"` // what changed, in the clerk's words
}

// AnnouncementEvent is a line of an announcement's history.
type AnnouncementEvent struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	ByName  string    `json:"by_name"`
	Action  string    `json:"action"` // created, saved, released, edited, withdrawn
	Version int       `json:"version,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// Announcement is one announcement at its current content.
type Announcement struct {
	ID uint64 `json:"id"`
	AnnouncementContent
	Status    string    `json:"status"` // AnnDraft, AnnReleased, AnnWithdrawn
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	Updated   time.Time `json:"updated"`
	// Released is when a clerk released it (its publish time may be later).
	Released   time.Time `json:"released,omitzero"`
	ReleasedBy string    `json:"released_by,omitempty"`
	// Withdrawn is when a clerk withdrew it, with his reason.
	Withdrawn       time.Time `json:"withdrawn,omitzero"`
	WithdrawnBy     string    `json:"withdrawn_by,omitempty"`
	WithdrawnReason string    `json:"withdrawn_reason,omitempty"`
	// Versions holds every released content, the current one last.
	Versions []AnnouncementVersion `json:"versions,omitempty"`
	Events   []AnnouncementEvent   `json:"events,omitempty"`
}

// State is the announcement's state at now.
func (an *Announcement) State(now time.Time) string {
	switch an.Status {
	case AnnDraft:
		return AnnStateDraft
	case AnnWithdrawn:
		return AnnStateWithdrawn
	}
	switch {
	case now.Before(an.PublishAt):
		return AnnStateScheduled
	case !an.WithdrawAt.IsZero() && !now.Before(an.WithdrawAt):
		return AnnStateExpired
	}
	return AnnStatePublished
}

// Visible reports whether the public sees the announcement at now.
func (an *Announcement) Visible(now time.Time) bool { return an.State(now) == AnnStatePublished }

// Version is the number of the current version (0 for a draft).
func (an *Announcement) Version() int { return len(an.Versions) }

// File returns the current attachment stored as blob.
func (an *Announcement) File(blob uint64) (AnnouncementFile, bool) {
	i := slices.IndexFunc(an.Files, func(f AnnouncementFile) bool { return f.Blob == blob })
	if i < 0 {
		return AnnouncementFile{}, false
	}
	return an.Files[i], true
}

func (an *Announcement) event(now time.Time, actor Actor, action, detail string) {
	an.Events = append(an.Events, AnnouncementEvent{At: now, By: actor.Username, ByName: actorName(actor),
		Action: action, Version: an.Version(), Detail: detail})
}

// actorName is how a history line names the actor.
func actorName(actor Actor) string {
	if actor.Name != "" {
		return actor.Name
	}
	return actor.Username
}

// releasedKey orders released announcements by their publish time.
func releasedKey(an *Announcement) [][]byte {
	if an.Status != AnnReleased {
		return nil
	}
	return [][]byte{storage.U64(uint64(max(an.PublishAt.Unix(), 0)))}
}

var announcementTable = storage.NewTable(storage.TableOptions[Announcement]{
	Name:  "announcements",
	ID:    func(an *Announcement) uint64 { return an.ID },
	SetID: func(an *Announcement, id uint64) { an.ID = id },
	Indexes: []storage.Index[Announcement]{
		// The public list reads released announcements by publish time
		// (announcement_public.go); withdrawn ones and drafts are not in it.
		{Name: "released", Keys: releasedKey},
		{Name: "title", Keys: func(an *Announcement) [][]byte { return [][]byte{[]byte(an.Title)} }},
	},
})

// loadDemoAnnouncements adds demo announcements.
func (a *App) loadDemoAnnouncements() error { return a.seedDemoAnnouncements() }
