package app

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"anju/storage"
)

// AnnouncementUpload is a file chosen on the form.
type AnnouncementUpload struct {
	Name string
	Data []byte
}

// AnnouncementInput is the announcement form as typed.
type AnnouncementInput struct {
	Title    string
	Body     string
	Category string
	District string // "" city-wide; a district clerk's own district
	Pinned   bool
	// PublishAt and WithdrawAt as typed: 2006-01-02T15:04 (the browser's
	// datetime-local), or a date alone for its midnight. An empty publish
	// time publishes when released; an empty withdraw time never ends.
	PublishAt  string
	WithdrawAt string
	Note       string               // what an edit of a released announcement changed
	Add        []AnnouncementUpload // attachments to add
	Remove     []uint64             // blobs of current attachments to drop
	// Release publishes a draft (at its publish time); without it a draft
	// stays a draft. Ignored for a released announcement.
	Release bool
}

// annPublishGrace tolerates a publish time a little in the past (the form
// was filled a few minutes ago); earlier is refused, as an announcement
// must not claim to have been public before it was.
const annPublishGrace = 10 * time.Minute

// Attachment content types beyond documentType's.
const (
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// annFileExt is the usual file extension of each accepted type.
var annFileExt = map[string][]string{
	"application/pdf": {".pdf"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/png":       {".png"},
	xlsxType:          {".xlsx"},
	docxType:          {".docx"},
}

// canManageAnnouncement: a clerk of the announcement's jurisdiction (a
// district clerk his district's; a city-wide one any).
func canManageAnnouncement(actor Actor, an *Announcement) bool {
	return actor.Can(PermAnnounce) && (actor.System || actor.Can(PermGovPortal)) && actor.InJurisdiction(an.District)
}

// CanEditAnnouncement reports whether the actor may edit an now (drafts,
// scheduled and published ones; withdrawn and expired ones are history).
func CanEditAnnouncement(actor Actor, an *Announcement, now time.Time) bool {
	st := an.State(now)
	return canManageAnnouncement(actor, an) && (st == AnnStateDraft || st == AnnStateScheduled || st == AnnStatePublished)
}

// CanWithdrawAnnouncement: a released announcement not yet off the portal.
func CanWithdrawAnnouncement(actor Actor, an *Announcement, now time.Time) bool {
	st := an.State(now)
	return canManageAnnouncement(actor, an) && (st == AnnStateScheduled || st == AnnStatePublished)
}

// CanDeleteAnnouncement: only a draft, never released, may be deleted.
func CanDeleteAnnouncement(actor Actor, an *Announcement) bool {
	return canManageAnnouncement(actor, an) && an.Status == AnnDraft
}

// CreateAnnouncement saves a new announcement as a draft, or releases it
// at once (in.Release). One transaction with its audit entry.
func (a *App) CreateAnnouncement(actor Actor, in AnnouncementInput) (*Announcement, error) {
	if err := actor.require(PermAnnounce); err != nil {
		return nil, err
	}
	var an *Announcement
	err := a.update(func(tx *storage.Tx) error {
		now := a.now()
		an = &Announcement{Status: AnnDraft, Created: now, CreatedBy: actor.Username, Updated: now}
		content, err := a.checkAnnouncement(tx, actor, an, &in, now)
		if err != nil {
			return err
		}
		an.AnnouncementContent = content
		an.event(now, actor, "created", "")
		action := "announcement.create"
		if in.Release {
			releaseAnnouncement(an, actor, now)
			action = "announcement.release"
		}
		if _, err := announcementTable.Insert(tx, an); err != nil {
			return err
		}
		tx.OnCommit(a.announcements.changed)
		return a.audit(tx, actor, action, "announcement", an.ID, annAuditDetail(an, now), annAuditNote(an, now))
	})
	if err != nil {
		return nil, err
	}
	return an, nil
}

// UpdateAnnouncement saves the form over an announcement: a draft is
// rewritten (and released with in.Release); a scheduled or published one
// gets a new version, the earlier ones kept with who made them and when.
// The publish time of one already public cannot move: it is when the
// public first saw it. Withdrawn and expired ones are not edited.
func (a *App) UpdateAnnouncement(actor Actor, id uint64, in AnnouncementInput) (*Announcement, error) {
	if err := actor.require(PermAnnounce); err != nil {
		return nil, err
	}
	var an *Announcement
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if an, err = announcementTable.Get(tx, id); err != nil || !canManageAnnouncement(actor, an) {
			return notFound("announce.not_found", err)
		}
		now := a.now()
		if !CanEditAnnouncement(actor, an, now) {
			return Errorf(ECONFLICT, "announce.not_editable")
		}
		content, err := a.checkAnnouncement(tx, actor, an, &in, now)
		if err != nil {
			return err
		}
		action := "announcement.save"
		switch {
		case an.Status == AnnDraft:
			an.AnnouncementContent = content
			an.event(now, actor, "saved", "")
			if in.Release {
				releaseAnnouncement(an, actor, now)
				action = "announcement.release"
			}
		case sameContent(an.AnnouncementContent, content):
			return nil // nothing changed: no new version
		default:
			an.AnnouncementContent = content
			an.Versions = append(an.Versions, AnnouncementVersion{Version: an.Version() + 1, Content: content,
				At: now, By: actor.Username, ByName: actorName(actor), Note: strings.TrimSpace(in.Note)})
			an.event(now, actor, "edited", strings.TrimSpace(in.Note))
			action = "announcement.edit"
		}
		an.Updated = now
		if err := announcementTable.Put(tx, an); err != nil {
			return err
		}
		tx.OnCommit(a.announcements.changed)
		return a.audit(tx, actor, action, "announcement", an.ID, annAuditDetail(an, now), annAuditNote(an, now))
	})
	if err != nil {
		return nil, err
	}
	return an, nil
}

// releaseAnnouncement turns a checked draft into version 1, public from its
// publish time (now if it has none).
func releaseAnnouncement(an *Announcement, actor Actor, now time.Time) {
	if an.PublishAt.IsZero() {
		an.PublishAt = now
	}
	an.Status, an.Released, an.ReleasedBy = AnnReleased, now, actor.Username
	an.Versions = append(an.Versions, AnnouncementVersion{Version: 1, Content: an.AnnouncementContent,
		At: now, By: actor.Username, ByName: actorName(actor)})
	an.event(now, actor, "released", "")
}

// WithdrawAnnouncement takes a scheduled or published announcement off the
// portal at once, with the reason (kept; the public page says only that it
// was withdrawn, and when).
func (a *App) WithdrawAnnouncement(actor Actor, id uint64, reason string) (*Announcement, error) {
	if err := actor.require(PermAnnounce); err != nil {
		return nil, err
	}
	var an *Announcement
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if an, err = announcementTable.Get(tx, id); err != nil || !canManageAnnouncement(actor, an) {
			return notFound("announce.not_found", err)
		}
		now := a.now()
		if !CanWithdrawAnnouncement(actor, an, now) {
			return Errorf(ECONFLICT, "announce.withdraw_not_public")
		}
		reason = strings.TrimSpace(reason)
		switch {
		case reason == "":
			return fieldError("reason", "announce.withdraw_reason_required")
		case utf8.RuneCountInString(reason) > AnnReasonMax:
			return fieldError("reason", "announce.withdraw_reason_too_long")
		}
		an.Status, an.Withdrawn, an.WithdrawnBy, an.WithdrawnReason, an.Updated = AnnWithdrawn, now, actor.Username, reason, now
		an.event(now, actor, "withdrawn", reason)
		if err := announcementTable.Put(tx, an); err != nil {
			return err
		}
		tx.OnCommit(a.announcements.changed)
		return a.audit(tx, actor, "announcement.withdraw", "announcement", an.ID, an.Title+": "+reason)
	})
	if err != nil {
		return nil, err
	}
	return an, nil
}

// DeleteAnnouncement removes a draft and its attachments. Released ones are
// withdrawn, never deleted.
func (a *App) DeleteAnnouncement(actor Actor, id uint64) error {
	if err := actor.require(PermAnnounce); err != nil {
		return err
	}
	return a.update(func(tx *storage.Tx) error {
		an, err := announcementTable.Get(tx, id)
		if err != nil || !canManageAnnouncement(actor, an) {
			return notFound("announce.not_found", err)
		}
		if an.Status != AnnDraft {
			return Errorf(ECONFLICT, "announce.delete_not_draft")
		}
		for _, f := range an.Files {
			if err := tx.DeleteBlob(f.Blob); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		if err := announcementTable.Delete(tx, id); err != nil {
			return err
		}
		tx.OnCommit(a.announcements.changed)
		return a.audit(tx, actor, "announcement.delete", "announcement", id, an.Title)
	})
}

// checkAnnouncement checks the form against the announcement as stored
// (cur; a new one is an empty draft) and returns the content to store:
// each field's problem is named, and only when every field is right are
// the new attachments stored (and a draft's removed ones deleted).
func (a *App) checkAnnouncement(tx *storage.Tx, actor Actor, cur *Announcement, in *AnnouncementInput, now time.Time) (AnnouncementContent, error) {
	var v validation
	var c AnnouncementContent

	c.Title = strings.Join(strings.Fields(in.Title), " ") // one line, single spaces
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		v.add("title", "announce.title_required")
	case n > AnnTitleMax:
		v.add("title", "announce.title_too_long")
	}

	c.Body = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(in.Body, "\r\n", "\n"), "\r", "\n"))
	switch n := utf8.RuneCountInString(c.Body); {
	case n == 0:
		v.add("body", "announce.body_required")
	case n > AnnBodyMax:
		v.add("body", "announce.body_too_long")
	}

	c.Category = strings.TrimSpace(in.Category)
	if !slices.Contains(AnnouncementCategories, c.Category) {
		v.add("category", "announce.category_invalid")
	}

	c.District = strings.TrimSpace(in.District)
	switch {
	case !actor.InJurisdiction(c.District):
		v.add("district", "announce.district_outside")
	// Its own district stays valid after the entry is disabled: editing
	// the text must not turn it city-wide or fail.
	case c.District != "" && c.District != cur.District && !a.dictHas(tx, DictDistrict, c.District):
		v.add("district", "announce.district_invalid")
	}
	c.Pinned = in.Pinned

	// The publish time: kept as it is once the public has seen it.
	releasing := cur.Status == AnnDraft && in.Release
	if cur.Status == AnnReleased && !now.Before(cur.PublishAt) {
		c.PublishAt = cur.PublishAt
	} else if t, typed, ok := parseAnnTime(in.PublishAt); !ok {
		v.add("publish_at", "announce.time_invalid")
	} else if typed {
		c.PublishAt = t
		if (releasing || cur.Status == AnnReleased) && t.Before(now.Add(-annPublishGrace)) {
			v.add("publish_at", "announce.publish_past")
		}
	} else if cur.Status == AnnReleased {
		v.add("publish_at", "announce.publish_required") // a scheduled one keeps a time
	}
	from := c.PublishAt
	if from.IsZero() {
		from = now
	}
	if t, typed, ok := parseAnnTime(in.WithdrawAt); !ok {
		v.add("withdraw_at", "announce.time_invalid")
	} else if typed {
		c.WithdrawAt = t
		switch {
		case !t.After(now):
			v.add("withdraw_at", "announce.withdraw_past")
		case !t.After(from):
			v.add("withdraw_at", "announce.withdraw_before_publish")
		}
	}
	if utf8.RuneCountInString(strings.TrimSpace(in.Note)) > AnnReasonMax {
		v.add("note", "announce.note_too_long")
	}

	// Attachments: the current ones but those removed, then the new ones.
	var dropped []AnnouncementFile
	for _, f := range cur.Files {
		if slices.Contains(in.Remove, f.Blob) {
			dropped = append(dropped, f)
		} else {
			c.Files = append(c.Files, f)
		}
	}
	types := make([]string, len(in.Add))
	for i, up := range in.Add {
		switch {
		case len(up.Data) == 0:
			v.add("files", "announce.file_empty")
		case len(up.Data) > AnnFileMaxBytes:
			v.add("files", "announce.file_too_big")
		default:
			if types[i] = announcementFileType(up.Data); types[i] == "" {
				v.add("files", "announce.file_type")
			}
		}
	}
	if len(c.Files)+len(in.Add) > AnnFilesMax {
		v.add("files", "announce.files_too_many")
	}
	if err := v.err(); err != nil {
		return AnnouncementContent{}, err
	}
	for i, up := range in.Add {
		name := annFileName(up.Name, types[i])
		info, err := tx.PutBlob(name, types[i], up.Data, AnnFileMaxBytes)
		if err != nil {
			return AnnouncementContent{}, err
		}
		c.Files = append(c.Files, AnnouncementFile{Blob: info.ID, Name: info.Name, Type: types[i], Size: info.Size})
	}
	// A draft's removed files go; a released announcement's stay, as its
	// earlier versions show them.
	if cur.Status == AnnDraft {
		for _, f := range dropped {
			if err := tx.DeleteBlob(f.Blob); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return AnnouncementContent{}, err
			}
		}
	}
	return c, nil
}

// parseAnnTime reads a typed time; typed is false for an empty one.
func parseAnnTime(s string) (t time.Time, typed, ok bool) {
	s = strings.TrimSpace(HalfWidth(s))
	if s == "" {
		return time.Time{}, false, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t.Truncate(time.Minute), true, true
		}
	}
	return time.Time{}, true, false
}

// announcementFileType is the type of an attachment judged by its content:
// PDF, JPEG, PNG, or an Office Open XML workbook or document without
// macros; "" for anything else.
func announcementFileType(data []byte) string {
	if ct := documentType(data); ct != "" {
		return ct
	}
	if len(data) < 4 || string(data[:4]) != "PK\x03\x04" {
		return ""
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	var types []byte
	has := map[string]bool{}
	for _, f := range zr.File {
		has[f.Name] = true
		if f.Name == "[Content_Types].xml" {
			if rc, err := f.Open(); err == nil {
				types, _ = io.ReadAll(io.LimitReader(rc, 256<<10))
				rc.Close()
			}
		}
	}
	if types == nil || bytes.Contains(bytes.ToLower(types), []byte("macroenabled")) {
		return ""
	}
	switch {
	case has["xl/workbook.xml"] && !has["xl/vbaProject.bin"]:
		return xlsxType
	case has["word/document.xml"] && !has["word/vbaProject.bin"]:
		return docxType
	}
	return ""
}

// annFileName is the attachment's name as downloaded: the chosen file's
// base name without control characters, at most 100 characters, ending in
// an extension of its real type.
func annFileName(name, contentType string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "/" || name == "." {
		name = ""
	}
	exts := annFileExt[contentType]
	ext := strings.ToLower(path.Ext(name))
	if !slices.Contains(exts, ext) {
		ext = exts[0]
	} else {
		name = strings.TrimSuffix(name, name[len(name)-len(ext):])
	}
	if name == "" {
		name = "附件"
	}
	if r := []rune(name); len(r) > 100-len(ext) {
		name = string(r[:100-len(ext)])
	}
	return name + ext
}

// sameContent reports whether an edit changes nothing.
func sameContent(x, y AnnouncementContent) bool {
	return x.Title == y.Title && x.Body == y.Body && x.Category == y.Category && x.District == y.District &&
		x.Pinned == y.Pinned && x.PublishAt.Equal(y.PublishAt) && x.WithdrawAt.Equal(y.WithdrawAt) &&
		slices.Equal(x.Files, y.Files)
}

// annAuditDetail names the announcement and its state for the audit log.
// annAuditNote is annAuditDetail in the reader's words: the state by
// name, the times as the page writes them.
func annAuditNote(an *Announcement, now time.Time) *AuditNote {
	state := noteKey("announce.state." + an.State(now))
	switch {
	case an.Status != AnnReleased:
		return auditNote("audit.note.announcement", noteText(an.Title), state)
	case an.WithdrawAt.IsZero():
		return auditNote("audit.note.announcement_from", noteText(an.Title), state, noteTime(an.PublishAt))
	}
	return auditNote("audit.note.announcement_between", noteText(an.Title), state, noteTime(an.PublishAt), noteTime(an.WithdrawAt))
}

func annAuditDetail(an *Announcement, now time.Time) string {
	d := an.Title + " [" + an.State(now) + "]"
	if an.Status == AnnReleased {
		d += " " + an.PublishAt.Format("2006-01-02 15:04")
		if !an.WithdrawAt.IsZero() {
			d += " – " + an.WithdrawAt.Format("2006-01-02 15:04")
		}
	}
	return d
}
