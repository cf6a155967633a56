package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"anju/storage"
)

// Red and black lists (红黑名单). An entry puts an agency or a practitioner
// on the red list (exemplary conduct) or the black list (serious breaches)
// from its listing until its expiry date, with a reason and a basis.
//
// Entries come two ways:
//   - by hand: a clerk proposes an entry (ProposeListEntry), a reviewer who
//     did not propose it approves or rejects it (creditlist_review.go);
//   - automatically: applyListThresholds, called by the credit code in the
//     transaction that changed a subject's score, lists the subject black
//     below list.black_below or red from list.red_above. Such an entry is
//     active at once: the score behind it was reviewed record by record.
//
// When the score moves back across the threshold, an automatic entry stays
// until it expires (list.auto_days after it was made) or someone revokes it
// by hand: the list does not flap with every record, and the dates the
// public page shows keep their meaning. A subject is listed again only
// once its entry has ended and its score still crosses the threshold.
//
// The two lists exclude each other: a black entry that becomes active ends
// the subject's active red entries (revoked, "superseded"), and a red entry
// is not made or approved while a black one is active.
//
// An entry is active while its status is ListActive and today is before its
// expiry date; the daily job (listLoop) then marks it expired. Every read
// that matters (AgencyBlacklisted, the public lists) applies the date
// itself, so an entry is off the list on its expiry date even before the
// job has run. 注销 (RevokeListEntry) ends an active entry early with a
// reason; nothing is ever deleted.

// Lists.
const (
	ListRed   = "red"   // 红名单
	ListBlack = "black" // 黑名单
)

// ListKinds are the lists in display order.
var ListKinds = []string{ListRed, ListBlack}

// List entry statuses.
const (
	ListPending  = "pending"  // 待审核: proposed by hand
	ListRejected = "rejected" // 未通过
	ListActive   = "active"   // 在列
	ListExpired  = "expired"  // 已到期
	ListRevoked  = "revoked"  // 已注销
)

// ListStatuses are the statuses in display order.
var ListStatuses = []string{ListPending, ListActive, ListRejected, ListExpired, ListRevoked}

// Sources of an entry.
const (
	ListSourceManual = "manual" // proposed by a clerk, approved by a reviewer
	ListSourceAuto   = "auto"   // made by a score crossing a threshold
)

// ListEvidenceMaxBytes limits the evidence document of a proposal.
const ListEvidenceMaxBytes = 10 << 20

// ListEvent is one line of an entry's history.
type ListEvent struct {
	Time time.Time `json:"time"`
	By   Person    `json:"by"`
	// Action: proposed, approved, rejected, listed_auto, revoked,
	// superseded, expired.
	Action string `json:"action"`
	Note   string `json:"note,omitempty"`
}

// ListEvidence is the document a proposal came with.
type ListEvidence struct {
	Blob uint64 `json:"blob"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// ListEntry is one entry of the red or the black list.
type ListEntry struct {
	ID      uint64  `json:"id"`
	List    string  `json:"list"`
	Subject Subject `json:"subject"`
	// What the subject was when the entry was made: the lists show the
	// entry as it was decided, even if the agency is renamed later.
	SubjectName string `json:"subject_name"`
	SubjectCode string `json:"subject_code"` // credit code, or card number
	District    string `json:"district"`     // the agency's; a practitioner's employer's ("" if none)
	AgencyID    uint64 `json:"agency_id,omitempty"`
	AgencyName  string `json:"agency_name,omitempty"`

	Reason string `json:"reason,omitempty"` // by hand; an automatic entry's is its score
	Basis  string `json:"basis,omitempty"`
	Source string `json:"source"`
	// Score and Threshold: the score that listed an automatic entry and
	// the parameter it crossed.
	Score     int `json:"score,omitempty"`
	Threshold int `json:"threshold,omitempty"`

	Status  string    `json:"status"`
	Listed  time.Time `json:"listed,omitzero"` // when it became active
	Expires time.Time `json:"expires"`         // the day it leaves the list
	Ended   time.Time `json:"ended,omitzero"`  // expired or revoked

	Evidence *ListEvidence `json:"evidence,omitempty"`

	ProposedBy   Person    `json:"proposed_by"`
	ReviewedBy   Person    `json:"reviewed_by"`
	Reviewed     time.Time `json:"reviewed,omitzero"`
	RejectReason string    `json:"reject_reason,omitempty"`
	RevokedBy    Person    `json:"revoked_by"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
	// SupersededBy is the black entry that ended this red one.
	SupersededBy uint64 `json:"superseded_by,omitempty"`
	// BasisWithdrawn is the credit record (its number) whose withdrawal on
	// objection ended this automatic entry: without it the score had not
	// crossed the line.
	BasisWithdrawn string `json:"basis_withdrawn,omitempty"`

	History []ListEvent `json:"history"`
	Created time.Time   `json:"created"`
	Updated time.Time   `json:"updated"`
}

// No is the entry's number as pages show it: R or B, the year it was made
// and its ID ("B2026-000012").
func (e *ListEntry) No() string {
	p := "R"
	if e.List == ListBlack {
		p = "B"
	}
	return fmt.Sprintf("%s%d-%06d", p, e.Created.Year(), e.ID)
}

// ActiveAt reports whether the entry is on its list at t.
func (e *ListEntry) ActiveAt(t time.Time) bool {
	return e.Status == ListActive && t.Before(day(e.Expires))
}

func (e *ListEntry) event(now time.Time, by Person, action, note string) {
	e.History = append(e.History, ListEvent{Time: now, By: by, Action: action, Note: note})
	e.Updated = now
}

// label names the entry in audit entries.
func (e *ListEntry) label() string {
	return e.No() + " " + e.List + " " + e.Subject.String() + " " + e.SubjectName
}

// labelNote is label in the reader's words, for an audit note.
func (e *ListEntry) labelNote() AuditArg {
	return noteSub(auditNote("audit.note.list_entry", noteText(e.No()), noteKey("lists.list."+e.List),
		noteText(e.SubjectName), noteKey("lists.kind."+e.Subject.Kind)))
}

// listKey is the list as one byte of an index key.
func listKey(list string) byte {
	if list == ListBlack {
		return 'b'
	}
	return 'r'
}

var listEntryTable = storage.NewTable(storage.TableOptions[ListEntry]{
	Name:  "list_entries",
	ID:    func(e *ListEntry) uint64 { return e.ID },
	SetID: func(e *ListEntry, id uint64) { e.ID = id },
	Indexes: []storage.Index[ListEntry]{
		// A subject's entries: duplicates, consequences, its pages.
		{Name: "subject", Keys: func(e *ListEntry) [][]byte { return [][]byte{e.Subject.Key()} }},
		{Name: "status", Keys: func(e *ListEntry) [][]byte { return [][]byte{[]byte(e.Status)} }},
		// The active entries of a list, most recently listed first: the
		// public pages read only these.
		{Name: "active", Keys: func(e *ListEntry) [][]byte {
			if e.Status != ListActive {
				return nil
			}
			k := append([]byte{listKey(e.List)}, storage.U64(math.MaxUint64-uint64(max(e.Listed.Unix(), 0)))...)
			return [][]byte{k}
		}},
		// Active entries by expiry day, for the daily job.
		{Name: "expiry", Keys: func(e *ListEntry) [][]byte {
			if e.Status != ListActive {
				return nil
			}
			return [][]byte{[]byte(day(e.Expires).Format("20060102"))}
		}},
	},
})

// subjectEntries returns every entry of a subject, oldest first.
func subjectEntries(tx *storage.Tx, s Subject) ([]*ListEntry, error) {
	ids, err := listEntryTable.Lookup(tx, "subject", s.Key())
	if err != nil {
		return nil, err
	}
	out := make([]*ListEntry, 0, len(ids))
	for _, id := range ids {
		e, err := listEntryTable.Get(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// openEntry returns the subject's entry on list that is pending or active
// at now, if any: a second one is not made.
func openEntry(entries []*ListEntry, list string, now time.Time) *ListEntry {
	for _, e := range entries {
		if e.List == list && (e.Status == ListPending || e.ActiveAt(now)) {
			return e
		}
	}
	return nil
}

// activeEntry returns the subject's active entry on list at now, if any.
func activeEntry(entries []*ListEntry, list string, now time.Time) *ListEntry {
	for _, e := range entries {
		if e.List == list && e.ActiveAt(now) {
			return e
		}
	}
	return nil
}

// listSystem is who makes and expires entries on its own.
var listSystem = SystemActor("lists")

// applyListThresholds is called, in the transaction that changed it, with
// a subject's new credit score: it lists the subject black when its settled
// score is below list.black_below, red when its score is at or above
// list.red_above (a parameter of 0 never lists), unless the subject already
// has an active or pending entry on that list (or, for red, an active black
// one). The entry is automatic, active at once and expires list.auto_days
// later. A score that moves back does nothing: see the package comment
// above.
//
// The settled score counts a penalty only once its objection period has
// passed with no objection pending (CreditRecord.Public): the public black
// list must not name an agency for a penalty the public may not yet read
// and the agency may still contest. The daily job (SettleObjections) looks
// again when the periods end. A penalty still open to objection does count
// against the red list, which nobody should reach while contesting one.
func (a *App) applyListThresholds(tx *storage.Tx, s Subject, score, settled int, now time.Time) error {
	list, threshold, score := acrossLine(a.ParamInt(ParamListBlackBelow), a.ParamInt(ParamListRedAbove), score, settled)
	if list == "" {
		return nil
	}
	entries, err := subjectEntries(tx, s)
	if err != nil {
		return err
	}
	if openEntry(entries, list, now) != nil {
		return nil
	}
	if list == ListRed && activeEntry(entries, ListBlack, now) != nil {
		return nil
	}
	info, err := subjectInfo(tx, s)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil // no such subject: nothing to list
		}
		return err
	}
	by := personOf(listSystem)
	e := &ListEntry{List: list, Source: ListSourceAuto, Score: score, Threshold: threshold,
		Status: ListActive, Listed: now, Expires: day(now).AddDate(0, 0, a.ParamInt(ParamListAutoDays)),
		ProposedBy: by, Created: now}
	e.snapshot(info)
	e.event(now, by, "listed_auto", fmt.Sprintf("%d / %d", score, threshold))
	if _, err := a.insertListEntry(tx, e); err != nil {
		return err
	}
	if err := a.audit(tx, listSystem, "list.auto", "list_entry", e.ID, e.label()+fmt.Sprintf(" score %d threshold %d", score, threshold),
		auditNote("audit.note.list_auto", e.labelNote(), noteInt(score), noteInt(threshold))); err != nil {
		return err
	}
	if list == ListBlack {
		return a.supersedeRed(tx, listSystem, e, entries, now)
	}
	return nil
}

// acrossLine says which list a subject's scores put it on: the black list
// when its settled score is below the black line, else the red list when
// its score is at or above the red line ("" for neither; a line of 0 is
// off). by is the score the entry records.
func acrossLine(black, red, score, settled int) (list string, threshold, by int) {
	switch {
	case black > 0 && settled < black:
		return ListBlack, black, settled
	case red > 0 && score >= red:
		return ListRed, red, score
	}
	return "", 0, 0
}

// BlackAwait says why a subject whose score is below the black line is not
// on the black list yet: penalties still open to objection do not count
// there (applyListThresholds). On is the day the last of those needed to
// cross the line settles, if nothing else changes. IfRejected: one of them
// is under objection, so the listing needs its rejection (on On, or on the
// day of the decision if that comes later).
type BlackAwait struct {
	Line       int
	On         time.Time
	IfRejected bool
}

// blackAwait returns the subject's BlackAwait, or nil when its score is
// not below the line or its settled score already is (then it is listed,
// or its entry was ended by hand).
func (a *App) blackAwait(records []*CreditRecord, base, score int, now time.Time) *BlackAwait {
	line := a.ParamInt(ParamListBlackBelow)
	if line <= 0 || score >= line {
		return nil
	}
	settled := base
	var open []*CreditRecord
	for _, r := range records {
		switch {
		case !r.CountsAt(now):
		case r.Public(now):
			settled += r.Points
		default:
			open = append(open, r)
		}
	}
	if settled < line {
		return nil
	}
	slices.SortStableFunc(open, func(x, y *CreditRecord) int { return x.ObjectionUntil.Compare(y.ObjectionUntil) })
	w := &BlackAwait{Line: line}
	for _, r := range open {
		if p := r.PendingRequest(); p != nil && p.Kind == RequestObjection {
			w.IfRejected = true
		}
		if settled += r.Points; settled < line {
			w.On = r.ObjectionUntil
			break
		}
	}
	return w
}

// reconsiderAutoEntries ends the subject's active automatic entries whose
// basis is gone now that record (withdrawn on an upheld objection, so it
// never counted) no longer counts: a black entry once the settled score is
// at or above the black line (entries made before black waited for the
// objection periods), a red one once it is below the red line. An entry
// made by hand stays, and so does one whose score came back only because
// records lapsed: applyListThresholds does not let an entry flip with
// time, but a score that was wrong from the start is another matter.
func (a *App) reconsiderAutoEntries(tx *storage.Tx, actor Actor, s Subject, score, settled int, record string, now time.Time) error {
	black, red := a.ParamInt(ParamListBlackBelow), a.ParamInt(ParamListRedAbove)
	entries, err := subjectEntries(tx, s)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Source != ListSourceAuto || e.Status != ListActive {
			continue
		}
		if e.List == ListBlack && (black <= 0 || settled >= black) || e.List == ListRed && (red <= 0 || score < red) {
			e.Status, e.Ended, e.RevokedBy, e.BasisWithdrawn = ListRevoked, now, personOf(actor), record
			e.event(now, personOf(actor), "basis_withdrawn", record)
			if err := a.putListEntry(tx, e); err != nil {
				return err
			}
			if err := a.audit(tx, actor, "list.revoke", "list_entry", e.ID, e.label()+": basis withdrawn "+record,
				auditNote("audit.note.list_basis_withdrawn", e.labelNote(), noteText(record))); err != nil {
				return err
			}
		}
	}
	return nil
}

// snapshot copies what the lists show of the subject.
func (e *ListEntry) snapshot(info SubjectInfo) {
	e.Subject = info.Subject
	e.SubjectName, e.SubjectCode, e.District = info.Name, info.Code, info.District
	e.AgencyID, e.AgencyName = info.AgencyID, info.AgencyName
}

// supersedeRed ends the subject's active red entries now that black (just
// activated) lists it black.
func (a *App) supersedeRed(tx *storage.Tx, actor Actor, black *ListEntry, entries []*ListEntry, now time.Time) error {
	for _, e := range entries {
		if e.List != ListRed || e.Status != ListActive {
			continue
		}
		e.Status, e.Ended, e.SupersededBy, e.RevokedBy = ListRevoked, now, black.ID, personOf(actor)
		e.event(now, personOf(actor), "superseded", black.No())
		if err := a.putListEntry(tx, e); err != nil {
			return err
		}
		if err := a.audit(tx, actor, "list.supersede", "list_entry", e.ID, e.label()+" by "+black.No(),
			auditNote("audit.note.list_superseded", e.labelNote(), noteText(black.No()))); err != nil {
			return err
		}
	}
	return nil
}

// ExpireListEntries is the daily job: every active entry whose expiry
// date has come becomes expired, with a history line and an audit entry.
// It returns how many it expired. Only the system runs it.
func (a *App) ExpireListEntries(actor Actor) (int, error) {
	if !actor.System {
		return 0, Errorf(EFORBIDDEN, "error.forbidden")
	}
	// Keyed by expiry day: the due ones are the keys up to today's.
	tomorrow := []byte(day(a.now()).AddDate(0, 0, 1).Format("20060102"))
	total, err := a.drainDue(keyedBelow(listEntryTable, "expiry", tomorrow), func(tx *storage.Tx, id uint64) (bool, error) {
		e, err := listEntryTable.Get(tx, id)
		if err != nil {
			return false, err
		}
		now := a.now()
		if e.Status != ListActive || e.ActiveAt(now) {
			return false, nil
		}
		e.Status, e.Ended = ListExpired, day(e.Expires)
		e.event(now, personOf(actor), "expired", e.Expires.Format(time.DateOnly))
		if err := a.putListEntry(tx, e); err != nil {
			return false, err
		}
		return true, a.audit(tx, actor, "list.expire", "list_entry", e.ID, e.label()+" "+e.Expires.Format(time.DateOnly),
			auditNote("audit.note.list_expired", e.labelNote(), noteDate(e.Expires)))
	})
	if total > 0 {
		a.log.Info("list entries expired", "count", total)
	}
	return total, err
}

// listLoop runs ExpireListEntries once a day, and once soon after start; a
// failed run is retried at the next tick.
func (a *App) listLoop(ctx context.Context) {
	actor := SystemActor("list-expiry")
	a.runDaily(ctx, "expire list entries", time.Minute, nil, func() error {
		_, err := a.ExpireListEntries(actor)
		return err
	})
}

// AgencyBlacklisted returns the agency's active black list entry, if any.
// It is called on every page of the agency portal: one read transaction
// and an index lookup of the agency's few entries.
func (a *App) AgencyBlacklisted(agencyID uint64) (*ListEntry, bool) {
	if agencyID == 0 {
		return nil, false
	}
	var found *ListEntry
	err := a.db.View(func(tx *storage.Tx) error {
		entries, err := subjectEntries(tx, Subject{Kind: SubjectAgency, ID: agencyID})
		if err != nil {
			return err
		}
		found = activeEntry(entries, ListBlack, a.now())
		return nil
	})
	if err != nil {
		a.log.Error("agency black list lookup", "agency", agencyID, "err", err)
		return nil, false
	}
	return found, found != nil
}

// requireNotBlacklisted refuses new business (a verification, a lease)
// to the users of a blacklisted agency while list.block_black is on,
// naming the entry's reason and expiry. Government staff and the system
// are never refused here: a clerk is warned on the agency's pages instead.
func (a *App) requireNotBlacklisted(actor Actor) error {
	if actor.System || !actor.Can(PermAgencyPortal) || actor.AgencyID == 0 || !a.ParamBool(ParamListBlockBlack) {
		return nil
	}
	e, ok := a.AgencyBlacklisted(actor.AgencyID)
	if !ok {
		return nil
	}
	if e.Source == ListSourceAuto {
		return Errorf(EFORBIDDEN, "lists.blocked_auto", e.Score, e.Threshold, e.Expires)
	}
	// The message closes the reason's sentence itself.
	return Errorf(EFORBIDDEN, "lists.blocked", strings.TrimRight(e.Reason, "。. "), e.Expires)
}

// insertListEntry and putListEntry write an entry and let the public pages
// know that what they show has changed (credit_public.go's change counter).
func (a *App) insertListEntry(tx *storage.Tx, e *ListEntry) (uint64, error) {
	a.creditChanged(tx)
	return listEntryTable.Insert(tx, e)
}

func (a *App) putListEntry(tx *storage.Tx, e *ListEntry) error {
	a.creditChanged(tx)
	return listEntryTable.Put(tx, e)
}
