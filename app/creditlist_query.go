package app

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"anju/storage"
)

// ListFilter selects entries for the government's list page.
type ListFilter struct {
	List     string // red or black; "" both
	Kind     string // SubjectAgency or SubjectPractitioner; "" both
	District string // "" every district of the jurisdiction
	Status   string // "" every status
	Text     string // part of the subject's name or code, or the entry number
	NotMine  bool   // leave out the entries the actor proposed (he may not review them)
	Page     int    // from 1
	Size     int    // default 20
}

// ListPage is one page of entries, newest first.
type ListPage struct {
	Items []*ListEntry
	Total int
	Page  int
	Pages int
}

// listPageSize is the default page of the list pages.
const listPageSize = 20

// pageBounds clamps page and size and returns the slice bounds of the page
// in total items.
func pageBounds(page, size, total int) (p, pages, from, to int) {
	if size <= 0 || size > 200 {
		size = listPageSize
	}
	pages = max((total+size-1)/size, 1)
	p = min(max(page, 1), pages)
	from = min((p-1)*size, total)
	to = min(from+size, total)
	return p, pages, from, to
}

// Lists returns a page of the entries the actor may see (those of his
// jurisdiction), filtered. Entries are few next to contracts (thousands,
// not millions): they are read from the store, by the status index when a
// status is asked for.
func (a *App) Lists(actor Actor, f ListFilter) (ListPage, error) {
	if err := actor.require(PermListView); err != nil {
		return ListPage{}, err
	}
	text := strings.ToLower(strings.TrimSpace(HalfWidth(f.Text)))
	match := func(e *ListEntry) bool {
		switch {
		case f.List != "" && e.List != f.List,
			f.Kind != "" && e.Subject.Kind != f.Kind,
			f.NotMine && e.Own(actor):
			return false
		case text != "":
			return strings.Contains(strings.ToLower(e.SubjectName), text) ||
				strings.Contains(strings.ToLower(e.SubjectCode), text) ||
				strings.Contains(strings.ToLower(e.AgencyName), text) ||
				strings.EqualFold(e.No(), text)
		}
		return true
	}
	var all []*ListEntry
	err := a.db.View(func(tx *storage.Tx) error {
		if f.Status != "" {
			return eachVisibleListEntry(tx, actor, f.Status, f.District, func(e *ListEntry) error {
				if match(e) {
					all = append(all, e)
				}
				return nil
			})
		}
		return listEntryTable.Each(tx, true, func(e *ListEntry) (bool, error) {
			if canSeeListDistrict(actor, e.District) && (f.District == "" || e.District == f.District) && match(e) {
				all = append(all, e)
			}
			return true, nil
		})
	})
	if err != nil {
		return ListPage{}, err
	}
	res := ListPage{Total: len(all)}
	var from, to int
	res.Page, res.Pages, from, to = pageBounds(f.Page, f.Size, len(all))
	res.Items = all[from:to]
	return res, nil
}

// eachVisibleListEntry calls fn, newest first, for each entry of the
// status that the actor may see, of district ("" every one he sees). The
// list page and the statistics' backlog both read through it, so they count
// the same entries.
func eachVisibleListEntry(tx *storage.Tx, actor Actor, status, district string, fn func(*ListEntry) error) error {
	return listEntryTable.LookupEachNewest(tx, "status", []byte(status), func(e *ListEntry) (bool, error) {
		if canSeeListDistrict(actor, e.District) && (district == "" || e.District == district) {
			return true, fn(e)
		}
		return true, nil
	})
}

// GetListEntry returns an entry the actor may see.
func (a *App) GetListEntry(actor Actor, id uint64) (*ListEntry, error) {
	if err := actor.require(PermListView); err != nil {
		return nil, err
	}
	var e *ListEntry
	err := a.db.View(func(tx *storage.Tx) (err error) { e, err = listEntryTable.Get(tx, id); return })
	if err != nil || !canSeeListDistrict(actor, e.District) {
		return nil, notFound("lists.not_found", err)
	}
	return e, nil
}

// ListEvidence returns an entry's evidence document.
func (a *App) ListEvidence(actor Actor, id uint64) (storage.BlobInfo, []byte, error) {
	e, err := a.GetListEntry(actor, id)
	if err != nil {
		return storage.BlobInfo{}, nil, err
	}
	if e.Evidence == nil {
		return storage.BlobInfo{}, nil, Errorf(ENOTFOUND, "lists.no_evidence")
	}
	var info storage.BlobInfo
	var data []byte
	err = a.db.View(func(tx *storage.Tx) (err error) { info, data, err = tx.GetBlob(e.Evidence.Blob); return })
	return info, data, err
}

// ActiveEntries returns the subject's entries on a list now (red and
// black), most recent first. Active entries are public: no actor needed.
func (a *App) ActiveEntries(s Subject) ([]*ListEntry, error) {
	var out []*ListEntry
	err := a.db.View(func(tx *storage.Tx) error {
		entries, err := subjectEntries(tx, s)
		if err != nil {
			return err
		}
		now := a.now()
		for _, e := range slices.Backward(entries) {
			if e.ActiveAt(now) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// PublicListEntry is what the public portal shows of an active entry: the
// subject's public identity (an agency's name and credit code, a
// practitioner's name and card number, as on his card), reason, basis and
// dates. Never an ID number or a phone number: those typed into a reason
// or a basis are masked.
type PublicListEntry struct {
	ID         uint64
	No         string
	List       string
	Kind       string
	SubjectID  uint64
	Name       string
	Code       string
	AgencyID   uint64 // a practitioner's agency when he was listed
	AgencyName string
	Reason     string
	Basis      string
	Source     string
	Score      int
	Threshold  int
	Listed     time.Time
	Expires    time.Time
}

// PublicListPage is a page of a public list.
type PublicListPage struct {
	List  string
	Query string
	Items []PublicListEntry
	Total int
	Page  int
	Pages int
}

func publicEntry(e *ListEntry) PublicListEntry {
	return PublicListEntry{ID: e.ID, No: e.No(), List: e.List, Kind: e.Subject.Kind, SubjectID: e.Subject.ID,
		Name: e.SubjectName, Code: e.SubjectCode, AgencyID: e.AgencyID, AgencyName: e.AgencyName,
		Reason: MaskPersonalData(e.Reason), Basis: MaskPersonalData(e.Basis), Source: e.Source,
		Score: e.Score, Threshold: e.Threshold, Listed: e.Listed, Expires: e.Expires}
}

// PublicList returns a page of a list's active entries, most recently
// listed first; query keeps those whose subject name, credit code or card
// number (or agency name) contains it. It reads the "active" index only:
// the page decodes the entries it shows, or every active entry of the
// list when a query is given.
func (a *App) PublicList(list string, page int, query string) (PublicListPage, error) {
	if list != ListRed && list != ListBlack {
		return PublicListPage{}, Errorf(ENOTFOUND, "error.not_found")
	}
	q := strings.ToLower(strings.TrimSpace(HalfWidth(query)))
	// A card number typed in groups, as read off the card, is the number.
	if c := NormalizeCardNo(query); strings.HasPrefix(c, "XK") {
		q = strings.ToLower(c)
	}
	res := PublicListPage{List: list, Query: strings.TrimSpace(query)}
	err := a.db.View(func(tx *storage.Tx) error {
		now := a.now()
		var ids []uint64
		if err := listEntryTable.LookupPrefix(tx, "active", []byte{listKey(list)}, func(_ []byte, id uint64) (bool, error) {
			ids = append(ids, id)
			return true, nil
		}); err != nil {
			return err
		}
		// Entries past their expiry date wait for the daily job: the expiry
		// index names them (none, usually) without decoding anything.
		due := map[uint64]bool{}
		today := day(now).Format("20060102")
		if err := listEntryTable.LookupPrefix(tx, "expiry", nil, func(k []byte, id uint64) (bool, error) {
			if string(k) > today {
				return false, nil
			}
			due[id] = true
			return true, nil
		}); err != nil {
			return err
		}
		ids = slices.DeleteFunc(ids, func(id uint64) bool { return due[id] })
		if q == "" {
			var from, to int
			res.Total = len(ids)
			res.Page, res.Pages, from, to = pageBounds(page, listPageSize, len(ids))
			for _, id := range ids[from:to] {
				e, err := listEntryTable.Get(tx, id)
				if err != nil {
					return err
				}
				res.Items = append(res.Items, publicEntry(e))
			}
			return nil
		}
		var hits []*ListEntry
		for _, id := range ids {
			e, err := listEntryTable.Get(tx, id)
			if err != nil {
				return err
			}
			if strings.Contains(strings.ToLower(e.SubjectName), q) || strings.Contains(strings.ToLower(e.SubjectCode), q) ||
				strings.Contains(strings.ToLower(e.AgencyName), q) {
				hits = append(hits, e)
			}
		}
		var from, to int
		res.Total = len(hits)
		res.Page, res.Pages, from, to = pageBounds(page, listPageSize, len(hits))
		for _, e := range hits[from:to] {
			res.Items = append(res.Items, publicEntry(e))
		}
		return nil
	})
	return res, err
}

// PublicActiveEntries is ActiveEntries as the public portal shows them.
func (a *App) PublicActiveEntries(s Subject) ([]PublicListEntry, error) {
	entries, err := a.ActiveEntries(s)
	if err != nil {
		return nil, err
	}
	out := make([]PublicListEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, publicEntry(e))
	}
	return out, nil
}

// listedCache keeps which subjects are on a list now, so that the busiest
// public page (the directory, 20 agencies a page) marks the listed ones
// with a map lookup, not a read of each agency's entries. It is made again
// from the "active" index when the lists change (PublicVersion: every
// write of an entry counts) or the day does (entries end at midnight).
type listedCache struct {
	mu  sync.Mutex
	seq uint64
	day time.Time
	m   map[Subject][]string
}

// ListedSubjects returns the lists each subject with an active entry is on
// (black before red); a subject on no list is not in it. The map is shared
// with other callers: it is read-only.
func (a *App) ListedSubjects() (map[Subject][]string, error) {
	now := a.now()
	today := day(now)
	seq := a.credit.seq.Load() // before reading: a change committed meanwhile makes it again
	c := &a.listed
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m != nil && c.seq == seq && c.day.Equal(today) {
		return c.m, nil
	}
	m := map[Subject][]string{}
	err := a.db.View(func(tx *storage.Tx) error {
		for _, list := range []string{ListBlack, ListRed} {
			err := listEntryTable.LookupPrefix(tx, "active", []byte{listKey(list)}, func(_ []byte, id uint64) (bool, error) {
				e, err := listEntryTable.Get(tx, id)
				if err != nil {
					return false, err
				}
				if e.ActiveAt(now) && !slices.Contains(m[e.Subject], e.List) {
					m[e.Subject] = append(m[e.Subject], e.List)
				}
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.m, c.seq, c.day = m, seq, today
	return m, nil
}

// personalToken finds runs of letters and digits, the candidates for an
// identity or phone number in free text.
var personalToken = regexp.MustCompile(`[0-9A-Za-z]+`)

var (
	idNumberRe = regexp.MustCompile(`^(\d{17}[\dXx]|\d{15})$`)
	mobileRe   = regexp.MustCompile(`^(86)?1[3-9]\d{9}$`)
)

// MaskPersonalData masks what looks like a resident ID number or a mobile
// number in free text (a reason typed by a clerk) before it is made
// public. A credit code (letters among its digits) is left alone.
func MaskPersonalData(s string) string {
	return personalToken.ReplaceAllStringFunc(s, func(tok string) string {
		switch {
		case idNumberRe.MatchString(tok):
			return MaskID(tok)
		case mobileRe.MatchString(tok):
			return MaskPhone(tok)
		}
		return tok
	})
}
