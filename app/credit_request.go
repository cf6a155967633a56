package app

import "anju/storage"

// RequestInput is an objection 异议申诉 or a repair request 信用修复 as
// typed by the subject's agency.
type RequestInput struct {
	Kind   string // RequestObjection or RequestRepair
	Reason string
	Docs   []CreditUpload
}

// canSeeRecord: government staff of the record's jurisdiction; an agency
// the records made while the subject was it or worked for it, and those of
// whoever it may see the credit of now.
func canSeeRecord(tx *storage.Tx, actor Actor, r *CreditRecord) bool {
	switch {
	case actor.System:
		return true
	case !actor.Can(PermCreditView):
		return false
	case actor.Can(PermAgencyPortal):
		if actor.AgencyID != 0 && r.AgencyID == actor.AgencyID {
			return true
		}
		info, err := subjectInfo(tx, r.Subject)
		return err == nil && canSeeSubjectCredit(tx, actor, info)
	case actor.Can(PermGovPortal):
		if r.District == "" || actor.InJurisdiction(r.District) {
			return true
		}
		// The subject has since moved into the actor's jurisdiction (an
		// agency's change of district, a practitioner's new employer): its
		// credit page there lists the record, which must open. Deciding on
		// it stays with the record's district (recordDecidedHere).
		info, err := subjectInfo(tx, r.Subject)
		return err == nil && canSeeSubjectCredit(tx, actor, info)
	}
	return false
}

// recordDecidedHere reports whether the actor's jurisdiction decides the
// record's objections and repairs: the district that recorded it, even
// when the subject has moved since (it decided the penalty, and its
// reviewers' queue holds the request).
func recordDecidedHere(actor Actor, r *CreditRecord) bool {
	return actor.System || r.District == "" || actor.InJurisdiction(r.District)
}

// CanDecideRecord reports whether the actor may decide the record's
// pending request (to show or hide the decision form).
func (a *App) CanDecideRecord(actor Actor, r *CreditRecord) bool {
	return actor.Can(PermCreditReview) && r.PendingRequest() != nil && recordDecidedHere(actor, r)
}

// LodgeRequest files an objection (within the objection period, once per
// record) or a repair request (for a repairable penalty once its repair
// date has come). A reviewer decides it.
func (a *App) LodgeRequest(actor Actor, id uint64, in RequestInput) (*CreditRecord, error) {
	if err := actor.require(PermCreditObject); err != nil {
		return nil, err
	}
	var r *CreditRecord
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if r, err = recordTable.Get(tx, id); err != nil || !canSeeRecord(tx, actor, r) {
			return notFound("credit.record_not_found", err)
		}
		now := a.now()
		switch in.Kind {
		case RequestObjection:
			if !r.CanObject(now) {
				return Errorf(ECONFLICT, "credit.objection_closed")
			}
		case RequestRepair:
			if !r.CanRepair(now) {
				return Errorf(ECONFLICT, "credit.repair_not_allowed")
			}
		default:
			return Errorf(EINVALID, "credit.request_kind_invalid")
		}
		var v validation
		in.Reason = creditText(&v, "reason", in.Reason, 1000, "credit.request_reason_required")
		if in.Kind == RequestRepair && len(in.Docs) == 0 {
			v.add("docs", "credit.repair_docs_required")
		}
		checkCreditUploads(&v, "docs", in.Docs)
		if err := v.err(); err != nil {
			return err
		}
		docs, err := putCreditUploads(tx, in.Docs)
		if err != nil {
			return err
		}
		r.Requests = append(r.Requests, CreditRequest{Kind: in.Kind, Reason: in.Reason, Docs: docs,
			Status: RequestPending, By: actor.Username, ByName: actor.Name, At: now})
		r.event(now, actor, in.Kind+"_lodged", in.Reason)
		r.Updated = now
		if err := recordTable.Put(tx, r); err != nil {
			return err
		}
		a.creditChanged(tx) // a penalty under objection leaves the public page
		return a.audit(tx, actor, "credit."+in.Kind, "credit_record", r.ID, r.No+": "+in.Reason)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// DecideRequest settles a record's pending objection or repair request. An
// accepted objection withdraws the record (it never counted); a refused
// one upholds it. An accepted repair ends the record today. The score is
// recomputed in the same transaction.
func (a *App) DecideRequest(actor Actor, id uint64, accept bool, reason string) (*CreditRecord, error) {
	if !actor.Can(PermCreditReview) {
		return nil, Errorf(EFORBIDDEN, "credit.needs_reviewer")
	}
	var r *CreditRecord
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if r, err = recordTable.Get(tx, id); err != nil || !canSeeRecord(tx, actor, r) {
			return notFound("credit.record_not_found", err)
		}
		if !recordDecidedHere(actor, r) {
			return Errorf(EFORBIDDEN, "credit.decided_by_district")
		}
		q := r.PendingRequest()
		if q == nil {
			return Errorf(ECONFLICT, "credit.no_pending_request")
		}
		var v validation
		if reason = creditText(&v, "decision", reason, 500, "credit.decision_reason_required"); v.err() != nil {
			return v.err()
		}
		now := a.now()
		q.Status, q.DecidedBy, q.DecidedByName, q.Decided, q.Decision = RequestRefused, actor.Username, actor.Name, now, reason
		what := q.Kind + "_refused"
		if accept {
			q.Status = RequestAccepted
			what = q.Kind + "_accepted"
			if q.Kind == RequestObjection {
				r.Status, r.End = RecordWithdrawn, r.Start
			} else {
				r.Status, r.End = RecordRepaired, day(now)
				if r.End.Before(r.Start) {
					r.End = r.Start
				}
			}
		}
		r.event(now, actor, what, reason)
		r.Updated = now
		if err := recordTable.Put(tx, r); err != nil {
			return err
		}
		sum, err := a.refreshSummary(tx, r.Subject, now)
		if err != nil {
			return err
		}
		if accept && q.Kind == RequestObjection {
			if err := a.reconsiderAutoEntries(tx, actor, r.Subject, sum.Score, sum.Settled(), r.No, now); err != nil {
				return err
			}
		}
		return a.audit(tx, actor, "credit."+what, "credit_record", r.ID, r.No+": "+reason)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
