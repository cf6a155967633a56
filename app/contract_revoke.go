package app

import (
	"strings"
	"time"
	"unicode/utf8"

	"anju/storage"
)

// RevocationDocMaxBytes limits the scanned revocation agreement.
const RevocationDocMaxBytes = 10 << 20

// RevokeInput is the revocation form: both parties agreed to end the lease
// (撤销), from an effective date, with their signed agreement.
type RevokeInput struct {
	Reason    string
	Effective string // YYYY-MM-DD as typed
	DocName   string
	Doc       []byte
}

// CanRevokeContract reports whether the actor may revoke c (to show or hide
// the action; RevokeContract checks again): a lease in effect with no
// revocation recorded yet.
func CanRevokeContract(actor Actor, c *Contract) bool {
	return c.Status == ContractSigned && c.PendingRevocation() == nil && mayRevoke(actor, c)
}

// mayRevoke is the actor's side of CanRevokeContract: the permission, the
// contract in his scope, and for an agency user his agency's contract.
func mayRevoke(actor Actor, c *Contract) bool {
	return actor.Can(PermContractRevoke) && canSeeContract(actor, c) &&
		(actor.System || !actor.Can(PermAgencyPortal) || (actor.AgencyID != 0 && c.AgencyID == actor.AgencyID))
}

// RevokeContract ends a signed contract by both parties' agreement: it is
// kept, marked revoked from the effective date, with the reason and the
// agreement's scan; its filing, if any, is cancelled with it. One
// transaction with its audit entry.
//
// An effective date after today is recorded instead (the parties bring
// their agreement ahead of the day): the agreement's scan, the date and the
// reason are kept on the contract, which stays signed, and its filing as it
// is, until the daily job revokes it on that date (revokeRecorded). A
// contract with a revocation recorded is not revoked a second time: the
// answer names the date recorded.
func (a *App) RevokeContract(actor Actor, id uint64, in RevokeInput) (*Contract, error) {
	if err := actor.require(PermContractRevoke); err != nil {
		return nil, err
	}
	if err := a.requireFiledAgency(actor); err != nil {
		return nil, err
	}
	var c *Contract
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if c, err = contractTable.Get(tx, id); err != nil || !canSeeContract(actor, c) {
			return notFound("contract.not_found", err)
		}
		switch {
		case c.Status != ContractSigned:
			return Errorf(ECONFLICT, "contracts.revoke_not_signed")
		case !mayRevoke(actor, c):
			return notFound("contract.not_found", nil) // another agency's: as if absent
		case c.PendingRevocation() != nil:
			return Errorf(ECONFLICT, "contracts.revoke_already_recorded", c.Revocation.On)
		}
		when, ct, err := checkRevocation(c, &in)
		if err != nil {
			return err
		}
		now := a.now()
		info, err := tx.PutBlob(in.DocName, ct, in.Doc, RevocationDocMaxBytes)
		if err != nil {
			return err
		}
		c.Docs = append(c.Docs, ContractDoc{Kind: "revocation", Blob: info.ID, Name: info.Name, Type: ct,
			Size: info.Size, Uploaded: now, By: actor.Username})
		if when.After(day(now)) {
			// Ahead of its date: recorded; the lease and its filing run on.
			c.Revocation = &Revocation{On: when, Reason: in.Reason, By: personOf(actor), Recorded: now}
			c.Updated = now
			c.event(now, actor, "revocation_recorded", when.Format(time.DateOnly)+" "+in.Reason)
			if err := contractTable.Put(tx, c); err != nil {
				return err
			}
			return a.audit(tx, actor, "contract.revoke_record", "contract", c.ID,
				contractLabel(c)+" "+when.Format(time.DateOnly)+": "+in.Reason,
				auditNote("audit.note.contract_revoke", noteText(contractLabel(c)), noteDate(when), noteText(in.Reason)))
		}
		return a.endByRevocation(tx, actor, c, when, in.Reason, now)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// endByRevocation revokes c from the day on, in the caller's transaction:
// the contract, its filing, the codes of a lease that never started, and
// the audit entry. Both an immediate revocation and one recorded ahead
// (revokeRecorded, on its day) end here.
func (a *App) endByRevocation(tx *storage.Tx, actor Actor, c *Contract, on time.Time, reason string, now time.Time) error {
	c.Status, c.Ended, c.EndReason, c.Updated = ContractRevoked, on, reason, now
	c.event(now, actor, "revoked", on.Format(time.DateOnly)+" "+reason)
	if err := a.followFiling(tx, actor, c, FilingCancelled, now); err != nil {
		return err
	}
	if on.Before(day(c.Terms.Start)) {
		if err := a.releaseCodes(tx, actor, c, now); err != nil {
			return err
		}
	}
	if err := contractTable.Put(tx, c); err != nil {
		return err
	}
	return a.audit(tx, actor, "contract.revoke", "contract", c.ID,
		contractLabel(c)+" "+on.Format(time.DateOnly)+": "+reason,
		auditNote("audit.note.contract_revoke", noteText(contractLabel(c)), noteDate(on), noteText(reason)))
}

// RevocableFrom is the earliest effective date of a revocation: the day
// the contract was signed, or its start if that is earlier (a lease
// entered after it began). A lease signed by mistake, or called off
// before it starts, ends at once rather than only on its first day.
func (c *Contract) RevocableFrom() time.Time {
	from := day(c.Terms.Start)
	if !c.Signed.IsZero() && day(c.Signed).Before(from) {
		from = day(c.Signed)
	}
	return from
}

// checkRevocation checks the form against the contract: a reason, an
// effective date from RevocableFrom to the end of the term, and the agreement as a PDF, JPEG or PNG
// (judged by content). It trims the reason and names the document.
func checkRevocation(c *Contract, in *RevokeInput) (time.Time, string, error) {
	var v validation
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.Reason == "":
		v.add("reason", "contracts.revoke_reason_required")
	case utf8.RuneCountInString(in.Reason) > 500:
		v.add("reason", "contracts.revoke_reason_too_long")
	}
	var when time.Time
	switch t, ok := parseDay(in.Effective); {
	case strings.TrimSpace(in.Effective) == "":
		v.add("effective", "contracts.revoke_date_required")
	case !ok:
		v.add("effective", "contracts.revoke_date_invalid")
	case t.Before(c.RevocableFrom()):
		v.add("effective", "contracts.revoke_date_before_signed")
	case !c.Terms.End.IsZero() && t.After(day(c.Terms.End)):
		v.add("effective", "contracts.revoke_date_after_end")
	default:
		when = t
	}
	ct := ""
	switch {
	case len(in.Doc) == 0:
		v.add("doc", "contracts.revoke_doc_required")
	case len(in.Doc) > RevocationDocMaxBytes:
		v.add("doc", "contracts.revoke_doc_too_big")
	default:
		if ct = documentType(in.Doc); ct == "" {
			v.add("doc", "contracts.revoke_doc_type")
		}
	}
	if err := v.err(); err != nil {
		return time.Time{}, "", err
	}
	if in.DocName = strings.TrimSpace(in.DocName); in.DocName == "" {
		in.DocName = "revocation"
	}
	return when, ct, nil
}

// day is t's calendar day at local midnight (terms are stored as days).
func day(t time.Time) time.Time {
	t = t.Local()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.Local)
}

// followFiling ends the contract's filing with it: an applied-for or
// filed filing becomes status (cancelled on revocation, ended on expiry),
// with a history line. A contract never applied for keeps FilingNone.
func (a *App) followFiling(tx *storage.Tx, actor Actor, c *Contract, status string, now time.Time) error {
	switch c.FilingStatus {
	case FilingNone, FilingEnded, FilingCancelled:
		return nil
	case FilingPending, FilingRejected:
		if status == FilingEnded {
			// A lease that ran out while its filing waits may still be
			// filed: the record of a lease that existed.
			return nil
		}
	}
	// The filing application comes along (app/contract_filing.go), in the
	// contract's transaction, before the contract is written.
	if c.FilingID != 0 {
		if err := followContractFiling(tx, actor, c, status, now); err != nil {
			return err
		}
	}
	c.FilingStatus = status
	c.event(now, actor, "filing_"+status, c.FilingCertNo)
	return nil
}
