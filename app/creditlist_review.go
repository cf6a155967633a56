package app

import (
	"strings"
	"time"
	"unicode/utf8"

	"anju/storage"
)

// Entries by hand: a clerk proposes, a reviewer decides (like a scoring
// application), and a clerk or a reviewer may 注销 an active entry.

// ListProposal is the form of an entry proposed by hand.
type ListProposal struct {
	List        string
	SubjectKind string // SubjectAgency or SubjectPractitioner
	// SubjectRef names the subject: an agency's credit code, filing number
	// or exact name; a practitioner's card number; or "agency:12" as
	// Subject.String writes it (links from a subject's pages).
	SubjectRef string
	Reason     string
	Basis      string
	Expires    string // YYYY-MM-DD as typed
	DocName    string // optional evidence, checked by its content
	Doc        []byte
}

// listMaxYears bounds an expiry date typed by hand.
const listMaxYears = 10

// listTextMax bounds reasons and bases.
const listTextMax = 500

// canSeeListDistrict: the system, and government staff for entries of
// their jurisdiction (an entry without a district, a practitioner working
// nowhere, is city-wide business).
func canSeeListDistrict(actor Actor, district string) bool {
	return actor.System || (actor.Can(PermGovPortal) && (district == "" || actor.InJurisdiction(district)))
}

// resolveListSubject finds the subject a clerk named.
func resolveListSubject(tx *storage.Tx, kind, ref string) (SubjectInfo, bool) {
	ref = strings.TrimSpace(HalfWidth(ref))
	if s, ok := ParseSubject(ref); ok {
		if s.Kind != kind {
			return SubjectInfo{}, false
		}
		info, err := subjectInfo(tx, s)
		return info, err == nil && (s.Kind != SubjectAgency || agencyListable(tx, s.ID))
	}
	if ref == "" {
		return SubjectInfo{}, false
	}
	switch kind {
	case SubjectAgency:
		try := func(index string, key []byte) (SubjectInfo, bool) {
			if len(key) == 0 {
				return SubjectInfo{}, false
			}
			ids, err := agencyTable.Lookup(tx, index, key)
			if err != nil {
				return SubjectInfo{}, false
			}
			// A live agency before a cancelled one of the same name.
			var fallback uint64
			for _, id := range ids {
				ag, err := agencyTable.Get(tx, id)
				if err != nil || ag.Status == AgencyUnfiled {
					continue
				}
				if ag.Live() {
					fallback = id
					break
				}
				if fallback == 0 {
					fallback = id
				}
			}
			if fallback == 0 {
				return SubjectInfo{}, false
			}
			info, err := subjectInfo(tx, Subject{Kind: SubjectAgency, ID: fallback})
			return info, err == nil
		}
		// uscc_any: the uscc index leaves cancelled agencies out, and they
		// may be listed (agencyListable); try prefers a live one.
		if info, ok := try("uscc_any", []byte(NormalizeUSCC(ref))); ok {
			return info, true
		}
		if info, ok := try("filing_no", []byte(strings.ToUpper(ref))); ok {
			return info, true
		}
		return try("name", []byte(strings.ToLower(ref)))
	case SubjectPractitioner:
		p, err := practitionerTable.LookupOne(tx, "card_no", []byte(NormalizeCardNo(ref)))
		if err != nil {
			return SubjectInfo{}, false
		}
		info, err := subjectInfo(tx, Subject{Kind: SubjectPractitioner, ID: p.ID})
		return info, err == nil
	}
	return SubjectInfo{}, false
}

// agencyListable: filed or cancelled agencies may be listed; one known
// only by name from before filings existed may not.
func agencyListable(tx *storage.Tx, id uint64) bool {
	ag, err := agencyTable.Get(tx, id)
	return err == nil && ag.Status != AgencyUnfiled
}

// ListSubject returns the subject a reference names (as the proposal form
// takes it), if the actor may list it: to show whom a link from a
// subject's page proposes.
func (a *App) ListSubject(actor Actor, kind, ref string) (SubjectInfo, error) {
	if err := actor.require(PermListPropose); err != nil {
		return SubjectInfo{}, err
	}
	var info SubjectInfo
	var ok bool
	_ = a.db.View(func(tx *storage.Tx) error {
		info, ok = resolveListSubject(tx, kind, ref)
		return nil
	})
	if !ok || !canSeeListDistrict(actor, info.District) {
		return SubjectInfo{}, Errorf(ENOTFOUND, "lists.subject_unknown")
	}
	return info, nil
}

// checkListText trims a required text and reports its problem on field.
func checkListText(v *validation, field string, s *string, required, tooLong string) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		v.add(field, required)
	case utf8.RuneCountInString(*s) > listTextMax:
		v.add(field, tooLong)
	}
}

// checkProposal validates the form; it returns the expiry day and the
// evidence's content type.
func (a *App) checkProposal(in *ListProposal) (time.Time, string, error) {
	var v validation
	if in.List != ListRed && in.List != ListBlack {
		v.add("list", "lists.list_required")
	}
	if in.SubjectKind != SubjectAgency && in.SubjectKind != SubjectPractitioner {
		v.add("subject_kind", "lists.subject_kind_required")
	}
	if strings.TrimSpace(in.SubjectRef) == "" {
		v.add("subject", "lists.subject_required")
	}
	checkListText(&v, "reason", &in.Reason, "lists.reason_required", "lists.reason_too_long")
	checkListText(&v, "basis", &in.Basis, "lists.basis_required", "lists.basis_too_long")
	today := day(a.now())
	var expires time.Time
	switch t, ok := parseDay(in.Expires); {
	case strings.TrimSpace(in.Expires) == "":
		v.add("expires", "lists.expires_required")
	case !ok:
		v.add("expires", "lists.expires_invalid")
	case !t.After(today):
		v.add("expires", "lists.expires_past")
	case t.After(today.AddDate(listMaxYears, 0, 0)):
		v.add("expires", "lists.expires_too_far")
	default:
		expires = t
	}
	ct := ""
	switch {
	case len(in.Doc) == 0:
	case len(in.Doc) > ListEvidenceMaxBytes:
		v.add("doc", "lists.doc_too_big")
	default:
		if ct = documentType(in.Doc); ct == "" {
			v.add("doc", "lists.doc_type")
		}
	}
	if err := v.err(); err != nil {
		return time.Time{}, "", err
	}
	if in.DocName = strings.TrimSpace(in.DocName); in.DocName == "" {
		in.DocName = "evidence"
	}
	return expires, ct, nil
}

// ProposeListEntry stores a clerk's proposal, pending review. The subject
// must be of his jurisdiction and not already have an active or pending
// entry on that list; a red entry is not proposed for a blacklisted
// subject. One transaction with its audit entry.
func (a *App) ProposeListEntry(actor Actor, in ListProposal) (*ListEntry, error) {
	if err := actor.require(PermListPropose); err != nil {
		return nil, err
	}
	expires, ct, err := a.checkProposal(&in)
	if err != nil {
		return nil, err
	}
	var e *ListEntry
	err = a.update(func(tx *storage.Tx) error {
		info, ok := resolveListSubject(tx, in.SubjectKind, in.SubjectRef)
		if !ok || !canSeeListDistrict(actor, info.District) {
			return fieldError("subject", "lists.subject_unknown")
		}
		now := a.now()
		entries, err := subjectEntries(tx, info.Subject)
		if err != nil {
			return err
		}
		if err := listConflict(entries, in.List, now); err != nil {
			return err
		}
		e = &ListEntry{List: in.List, Reason: in.Reason, Basis: in.Basis, Source: ListSourceManual,
			Status: ListPending, Expires: expires, ProposedBy: personOf(actor), Created: now}
		e.snapshot(info)
		if len(in.Doc) > 0 {
			blob, err := tx.PutBlob(in.DocName, ct, in.Doc, ListEvidenceMaxBytes)
			if err != nil {
				return err
			}
			e.Evidence = &ListEvidence{Blob: blob.ID, Name: blob.Name, Type: ct, Size: blob.Size}
		}
		e.event(now, personOf(actor), "proposed", in.Reason)
		if _, err := a.insertListEntry(tx, e); err != nil {
			return err
		}
		return a.audit(tx, actor, "list.propose", "list_entry", e.ID, e.label()+": "+in.Reason,
			auditNote("audit.note.reason", e.labelNote(), noteText(in.Reason)))
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// listConflict refuses a second open entry on a list, and a red entry for
// a subject on the black list.
func listConflict(entries []*ListEntry, list string, now time.Time) error {
	if other := openEntry(entries, list, now); other != nil {
		if other.Status == ListPending {
			return Errorf(ECONFLICT, "lists.already_pending", other.No())
		}
		return Errorf(ECONFLICT, "lists.already_listed", other.No())
	}
	if list == ListRed {
		if b := activeEntry(entries, ListBlack, now); b != nil {
			return Errorf(ECONFLICT, "lists.red_while_black", b.No())
		}
	}
	return nil
}

// reviewableListEntry loads a pending entry for a reviewer: of his
// jurisdiction, and not one he proposed himself (separation of duties).
func reviewableListEntry(tx *storage.Tx, actor Actor, id uint64) (*ListEntry, error) {
	if err := actor.require(PermListReview); err != nil {
		return nil, Errorf(EFORBIDDEN, "lists.needs_reviewer")
	}
	e, err := listEntryTable.Get(tx, id)
	if err != nil || !canSeeListDistrict(actor, e.District) {
		return nil, notFound("lists.not_found", err)
	}
	switch {
	case e.Status != ListPending:
		return nil, Errorf(ECONFLICT, "lists.not_pending")
	case e.Own(actor):
		return nil, Errorf(EFORBIDDEN, "lists.review_own")
	}
	return e, nil
}

// CanReviewListEntry says whether the actor may decide the entry now, and
// if not why (shown instead of the buttons).
func (a *App) CanReviewListEntry(actor Actor, id uint64) (bool, string) {
	var err error
	_ = a.db.View(func(tx *storage.Tx) error {
		_, err = reviewableListEntry(tx, actor, id)
		return nil
	})
	if e, ok := AsError(err); ok {
		return false, e.Key
	}
	return err == nil, ""
}

// approvalConflict is why e cannot go on its list at now (its expiry has
// passed, the subject is on it already, or black-listed for a red entry),
// with the subject's other entries.
func approvalConflict(tx *storage.Tx, e *ListEntry, now time.Time) ([]*ListEntry, error) {
	if !now.Before(day(e.Expires)) {
		return nil, Errorf(ECONFLICT, "lists.expiry_passed")
	}
	entries, err := subjectEntries(tx, e.Subject)
	if err != nil {
		return nil, err
	}
	others := make([]*ListEntry, 0, len(entries))
	for _, o := range entries {
		if o.ID != e.ID {
			others = append(others, o)
		}
	}
	return others, listConflict(others, e.List, now)
}

// ListApprovalBlocked says why a pending entry the actor may review
// cannot be approved now (nil: it can), so that the page offers only the
// rejection and says why, rather than a button ApproveListEntry refuses.
func (a *App) ListApprovalBlocked(actor Actor, id uint64) *Error {
	var blocked *Error
	_ = a.db.View(func(tx *storage.Tx) error {
		e, err := reviewableListEntry(tx, actor, id)
		if err != nil {
			return nil
		}
		if _, err := approvalConflict(tx, e, a.now()); err != nil {
			blocked, _ = AsError(err)
		}
		return nil
	})
	return blocked
}

// ApproveListEntry puts a proposed entry on its list from now until its
// expiry date. A black entry ends the subject's active red ones. One
// transaction with its audit entry.
func (a *App) ApproveListEntry(actor Actor, id uint64) (*ListEntry, error) {
	var e *ListEntry
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if e, err = reviewableListEntry(tx, actor, id); err != nil {
			return err
		}
		now := a.now()
		others, err := approvalConflict(tx, e, now)
		if err != nil {
			return err
		}
		e.Status, e.Listed, e.ReviewedBy, e.Reviewed = ListActive, now, personOf(actor), now
		e.event(now, personOf(actor), "approved", "")
		if err := a.putListEntry(tx, e); err != nil {
			return err
		}
		if err := a.audit(tx, actor, "list.approve", "list_entry", e.ID, e.label(),
			auditNote("audit.note.one", e.labelNote())); err != nil {
			return err
		}
		if e.List == ListBlack {
			return a.supersedeRed(tx, actor, e, others, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// RejectListEntry refuses a proposed entry with a reason; it stays in the
// history as rejected.
func (a *App) RejectListEntry(actor Actor, id uint64, reason string) (*ListEntry, error) {
	if err := actor.require(PermListReview); err != nil {
		return nil, Errorf(EFORBIDDEN, "lists.needs_reviewer")
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, fieldError("reject_reason", "lists.reject_reason_required")
	case utf8.RuneCountInString(reason) > listTextMax:
		return nil, fieldError("reject_reason", "lists.reason_too_long")
	}
	var e *ListEntry
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if e, err = reviewableListEntry(tx, actor, id); err != nil {
			return err
		}
		now := a.now()
		e.Status, e.RejectReason, e.ReviewedBy, e.Reviewed, e.Ended = ListRejected, reason, personOf(actor), now, now
		e.event(now, personOf(actor), "rejected", reason)
		if err := a.putListEntry(tx, e); err != nil {
			return err
		}
		return a.audit(tx, actor, "list.reject", "list_entry", e.ID, e.label()+": "+reason,
			auditNote("audit.note.reason", e.labelNote(), noteText(reason)))
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// CanRevokeListEntry reports whether the actor may 注销 e (to show or hide
// the form; RevokeListEntry checks again).
func CanRevokeListEntry(actor Actor, e *ListEntry) bool {
	return e.Status == ListActive && actor.Can(PermListRevoke) && canSeeListDistrict(actor, e.District)
}

// RevokeListEntry (注销) removes an active entry from its list with a
// reason; it stays in the history as revoked. One transaction with its
// audit entry.
func (a *App) RevokeListEntry(actor Actor, id uint64, reason string) (*ListEntry, error) {
	if err := actor.require(PermListRevoke); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, fieldError("revoke_reason", "lists.revoke_reason_required")
	case utf8.RuneCountInString(reason) > listTextMax:
		return nil, fieldError("revoke_reason", "lists.reason_too_long")
	}
	var e *ListEntry
	err := a.update(func(tx *storage.Tx) error {
		var err error
		e, err = listEntryTable.Get(tx, id)
		if err != nil || !canSeeListDistrict(actor, e.District) {
			return notFound("lists.not_found", err)
		}
		if e.Status != ListActive {
			return Errorf(ECONFLICT, "lists.revoke_not_active")
		}
		now := a.now()
		e.Status, e.RevokeReason, e.RevokedBy, e.Ended = ListRevoked, reason, personOf(actor), now
		e.event(now, personOf(actor), "revoked", reason)
		if err := a.putListEntry(tx, e); err != nil {
			return err
		}
		return a.audit(tx, actor, "list.revoke", "list_entry", e.ID, e.label()+": "+reason,
			auditNote("audit.note.reason", e.labelNote(), noteText(reason)))
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Own reports whether actor proposed the entry: he may not review it (the
// decisions, the reviewer's to-do and the queue's mark ask this).
func (e *ListEntry) Own(actor Actor) bool {
	return e.ProposedBy.UserID != 0 && e.ProposedBy.UserID == actor.UserID
}
