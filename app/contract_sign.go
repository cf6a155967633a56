package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"anju/storage"
)

// Online signing 受理网签: a draft is started from a valid verification,
// filled step by step (contract_form.go), given its documents
// (contract_docs.go), previewed from the model text (contract_template.go)
// and signed or cancelled here.

// StartContract opens a draft from a verification code: a clerk for a
// code of his jurisdiction, an agent of a filed agency for his agency's
// codes. The property and the listing come from the verification. The
// actor's own open draft of the same code is returned instead of a second.
func (a *App) StartContract(actor Actor, code string) (*Contract, error) {
	if err := actor.require(PermContractSign); err != nil {
		return nil, err
	}
	if err := a.requireFiledAgency(actor); err != nil {
		return nil, err
	}
	if err := a.requireNotBlacklisted(actor); err != nil { // app/creditlist.go
		return nil, err
	}
	norm := NormalizeVerificationCode(code)
	if strings.TrimSpace(code) == "" {
		return nil, fieldError("code", "contract.code_required")
	}
	if err := codeFormError(norm); err != nil {
		return nil, err
	}
	var c *Contract
	err := a.update(func(tx *storage.Tx) error {
		v, err := a.lookupVerification(tx, norm)
		if err != nil || !canSeeVerification(actor, v) {
			if err != nil && err != errVerificationNotFound {
				return err
			}
			return fieldError("code", "contract.code_unknown")
		}
		now := a.now()
		if st := v.State(now); st != VStatusValid {
			return fieldError("code", "contract.code_"+st)
		}
		// Resume the actor's draft of this code rather than start another.
		ids, err := contractTable.Lookup(tx, "verification", storage.U64(v.ID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if d, err := contractTable.Get(tx, id); err == nil && d.Status == ContractDraft && d.CreatedBy.UserID == actor.UserID && actor.UserID != 0 {
				c = d
				return nil
			}
		}
		c = &Contract{Status: ContractDraft, Source: ContractOnline, VerificationID: v.ID, VerificationCode: v.Code,
			PropertyID: v.PropertyID, District: v.District, CertType: v.CertType, CertNo: v.CertNo, Listing: v.Listing,
			Form: newContractForm(v), Step: CStepProperty, CreatedBy: personOf(actor), Created: now, Updated: now}
		if actor.Can(PermAgencyPortal) {
			c.AgencyID, c.AgencyName, c.AgentID, c.AgentName = actor.AgencyID, actor.AgencyName, actor.UserID, actor.Name
		}
		c.event(now, actor, "created", v.Code)
		if _, err := contractTable.Insert(tx, c); err != nil {
			return err
		}
		return a.audit(tx, actor, "contract.start", "contract", c.ID, v.Code+" "+c.Listing.Address)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// GetDraft returns a draft the actor may edit.
func (a *App) GetDraft(actor Actor, id uint64) (*Contract, error) {
	var c *Contract
	err := a.db.View(func(tx *storage.Tx) (err error) { c, err = a.loadDraft(tx, actor, id); return })
	return c, err
}

// SaveContractStep stores one step of the form (1–4). With next ("下一步")
// the step's fields are validated and a mistake is reported on its field
// with nothing stored; without it ("保存草稿", "上一步") the step is kept as
// typed, to be finished later.
func (a *App) SaveContractStep(actor Actor, id uint64, step int, f ContractForm, next bool) (*Contract, error) {
	if step < CStepProperty || step > CStepAgreed {
		return nil, Errorf(EINVALID, "contract.step_unknown")
	}
	if err := a.requireFiledAgency(actor); err != nil {
		return nil, err
	}
	var c *Contract
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if c, err = a.loadDraft(tx, actor, id); err != nil {
			return err
		}
		before := contentPrint(c)
		formBefore, err := json.Marshal(c.Form)
		if err != nil {
			return err
		}
		switch step {
		case CStepTerms:
			parties, agreed, clauses := c.Form.Parties, c.Form.AgreedTerms, c.Form.Clauses
			c.Form = f
			c.Form.Parties, c.Form.AgreedTerms, c.Form.Clauses = parties, agreed, clauses
		case CStepParties:
			c.Form.Parties = f.Parties
		case CStepAgreed:
			c.Form.AgreedTerms, c.Form.Clauses = f.AgreedTerms, f.Clauses
		}
		now := a.now()
		if next {
			rules, err := a.contractRules(tx, c)
			if err != nil {
				return err
			}
			if err := a.parseContractStep(tx, c, step, rules); err != nil {
				return err
			}
			if step == CStepTerms {
				if other := overlapping(tx, c); other != nil {
					return overlapError(other, "start")
				}
			}
			if step == CStepParties {
				if err := a.setConfirmHashes(tx, c); err != nil {
					return err
				}
			}
			// The step bar marks done what lies before Step: a step
			// reached by its address before the ones ahead of it were
			// completed is checked and kept, but opens nothing beyond. (The
			// property step has nothing to fill: it comes from the code.)
			if step <= max(c.Step, CStepTerms) {
				c.Step = max(c.Step, step+1)
			}
			// A party confirmed the contract as it stood: a change asks
			// every party to confirm again.
			if contentPrint(c) != before && anyConfirmed(c) {
				for i := range c.Parties {
					c.Parties[i].Confirmed = time.Time{}
				}
				c.event(now, actor, "confirm_reset", "")
			}
		}
		if !next && c.Step > step {
			// Saved (or left with 上一步) without being checked: the
			// contract's terms and parties are those of the last check, so
			// the preview would show, and the parties confirm, what is no
			// longer typed. The steps after this one open again only
			// through 下一步, which checks the change and asks the parties
			// to confirm it.
			formAfter, err := json.Marshal(c.Form)
			if err != nil {
				return err
			}
			if string(formAfter) != string(formBefore) {
				c.Step = step
			}
		}
		c.Updated = now
		return contractTable.Put(tx, c)
	})
	return c, err
}

// DocsDone moves a draft past step 5 when its required documents are
// attached; otherwise the missing kinds are named on the form.
func (a *App) DocsDone(actor Actor, id uint64) (*Contract, error) {
	var c *Contract
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if c, err = a.loadDraft(tx, actor, id); err != nil {
			return err
		}
		var v validation
		checkDocsPresent(c, &v)
		if err := v.err(); err != nil {
			return err
		}
		if c.Step < CStepDocs {
			// The steps before the documents are not done: see SaveContractStep.
			return Errorf(ECONFLICT, "contract.steps_before", c.Step)
		}
		c.Step = max(c.Step, CStepPreview)
		return contractTable.Put(tx, c)
	})
	return c, err
}

// ContractStepsDone says which steps of a draft the step bar marks done,
// indexed by step (1–CStepCount): a step completed in order (before Step)
// whose fields, as stored, are complete and valid now, checked as signing
// checks them. A document removed after the documents were declared
// complete, or a party added who needs one (an owner's agent: the power of
// attorney), leaves that step to do; the preview is never done.
func (a *App) ContractStepsDone(c *Contract) ([]bool, error) {
	done := make([]bool, CStepCount+1)
	err := a.db.View(func(tx *storage.Tx) error {
		rules, err := a.contractRules(tx, c)
		if err != nil {
			return err
		}
		// Parsed on a copy, in order, as SignContract does: the documents
		// required follow the parties as stored.
		cp := *c
		done[CStepProperty] = c.Step > CStepProperty // nothing to fill: it comes from the code
		for step := CStepTerms; step <= CStepDocs; step++ {
			valid := a.parseContractStep(tx, &cp, step, rules) == nil // only field problems
			done[step] = step < c.Step && valid
		}
		return nil
	})
	return done, err
}

// contentPrint is what the parties agree on, to tell whether a step
// changed it.
func contentPrint(c *Contract) string {
	type party struct{ Role, Kind, Name, IDType, IDNo, Phone string }
	var ps []party
	for _, p := range c.Parties {
		ps = append(ps, party{p.Role, p.Kind, p.Name, p.IDType, p.IDNo, p.Phone})
	}
	b, _ := json.Marshal(struct {
		T  Terms
		P  []party
		A  string
		Cl []string
	}{c.Terms, ps, c.AgreedTerms, c.Clauses})
	return string(b)
}

func anyConfirmed(c *Contract) bool {
	for _, p := range c.Parties {
		if !p.Confirmed.IsZero() {
			return true
		}
	}
	return false
}

// roomsOverlap: a whole rental covers every room of the property.
func roomsOverlap(a, b *Contract) bool {
	if a.PropertyID != b.PropertyID {
		return false
	}
	return a.Listing.Mode != "shared" || b.Listing.Mode != "shared" || contractRoomKey(a) == contractRoomKey(b)
}

// overlapping returns an effective contract on the same property and room
// whose term meets c's, or nil.
func overlapping(tx *storage.Tx, c *Contract) *Contract {
	if c.Terms.Start.IsZero() {
		return nil
	}
	ids, _ := contractTable.Lookup(tx, "property", storage.U64(c.PropertyID))
	for _, id := range ids {
		if id == c.ID {
			continue
		}
		o, err := contractTable.Get(tx, id)
		if err != nil || !roomsOverlap(c, o) {
			continue
		}
		end, holds := heldUntil(o)
		if holds && !o.Terms.Start.After(c.Terms.End) && !c.Terms.Start.After(end) {
			return o
		}
	}
	return nil
}

// heldUntil is the last day o holds its rooms, and whether it holds them
// at all: an effective lease to the end of its term; one whose revocation
// is recorded for a later day, or that was revoked with a termination
// date still ahead, until the day before that date.
func heldUntil(o *Contract) (time.Time, bool) {
	switch {
	case o.PendingRevocation() != nil:
		end := o.Revocation.On.AddDate(0, 0, -1)
		return end, !end.Before(o.Terms.Start)
	case o.Effective():
		return o.Terms.End, true
	case o.Status == ContractRevoked && !o.Ended.IsZero():
		end := o.Ended.AddDate(0, 0, -1)
		return end, !end.Before(o.Terms.Start)
	}
	return time.Time{}, false
}

func overlapError(o *Contract, field string) error {
	// The term it holds the rooms for: a revoked lease's ends early.
	end, holds := heldUntil(o)
	if !holds {
		end = o.Terms.End
	}
	e := Errorf(ECONFLICT, "contract.overlap", o.No, o.Terms.Start, end)
	if field != "" {
		e.Code, e.Fields = EINVALID, map[string]string{field: "contract.overlap_field"}
	}
	return e
}

// SignContract signs a draft (签约), in one transaction: every step is
// validated again, the documents and (by parameter) the parties'
// confirmations are checked, an overlapping effective contract is refused
// by its number; the contract gets its number and takes effect, the
// verification becomes used, the filing falls due.
func (a *App) SignContract(actor Actor, id uint64) (*Contract, error) {
	if err := a.requireFiledAgency(actor); err != nil {
		return nil, err
	}
	if err := a.requireNotBlacklisted(actor); err != nil { // app/creditlist.go
		return nil, err
	}
	needConfirm := a.ParamBool(ParamPartyConfirm)
	dueDays := a.ParamInt(ParamFilingDeadlineDays)
	var c *Contract
	// Signings share group commits (db.Batch: one fsync for many, as
	// verifications do); the body reloads everything from tx, so that
	// bbolt may run it again when another signing of the batch fails.
	err := a.db.Batch(func(tx *storage.Tx) error {
		var err error
		if c, err = a.loadDraft(tx, actor, id); err != nil {
			return err
		}
		if c.Step < CStepPreview {
			// Only what the preview showed is signed (SaveContractStep).
			return Errorf(ECONFLICT, "contract.not_previewed")
		}
		rules, err := a.contractRules(tx, c)
		if err != nil {
			return err
		}
		if err := a.parseContractStep(tx, c, 0, rules); err != nil {
			return err
		}
		if err := a.setConfirmHashes(tx, c); err != nil {
			return err
		}
		if needConfirm {
			var missing []string
			for _, p := range c.Parties {
				if needsConfirm(p) && p.Confirmed.IsZero() {
					missing = append(missing, p.Name)
				}
			}
			if len(missing) > 0 {
				return Errorf(ECONFLICT, "contract.not_confirmed", missing)
			}
		}
		now := a.now()
		v, err := verificationTable.Get(tx, c.VerificationID)
		if err != nil {
			return err
		}
		if st := v.State(now); st != VStatusValid {
			return Errorf(ECONFLICT, "contract.code_now_"+st, FormatVerificationCode(v.Code))
		}
		if other := overlapping(tx, c); other != nil {
			return overlapError(other, "")
		}
		if c.No, err = nextContractNo(tx, c.District, now); err != nil {
			return err
		}
		c.TemplateVersion = rules.template.Version
		c.Status, c.Signed, c.SignedBy, c.Updated = ContractSigned, now, personOf(actor), now
		c.FilingDue = now.AddDate(0, 0, dueDays)
		c.Step = CStepPreview
		c.event(now, actor, "signed", c.No)
		if err := contractTable.Put(tx, c); err != nil {
			return err
		}
		if err := a.keepContractText(tx, c); err != nil { // contract_text.go
			return err
		}
		v.Status, v.ContractID, v.Ended, v.EndedBy, v.EndReason = VStatusUsed, c.ID, now, actor.Username, c.No
		if err := verificationTable.Put(tx, v); err != nil {
			return err
		}
		if err := a.cancelOtherDrafts(tx, actor, c, now); err != nil {
			return err
		}
		return a.audit(tx, actor, "contract.sign", "contract", c.ID,
			fmt.Sprintf("%s %s %d元/月 %s–%s", c.No, v.Code, c.Terms.Rent, c.Terms.Start.Format(time.DateOnly), c.Terms.End.Format(time.DateOnly)),
			auditNote("audit.note.contract_signed", noteText(c.No), noteText(v.Code), noteInt(c.Terms.Rent),
				noteDate(c.Terms.Start), noteDate(c.Terms.End)))
	})
	if err != nil {
		return nil, err
	}
	a.indexer.poke()
	return c, nil
}

// cancelOtherDrafts: once a code is used, other drafts on it can never be
// signed; they are cancelled with a note naming the signed contract.
func (a *App) cancelOtherDrafts(tx *storage.Tx, actor Actor, signed *Contract, now time.Time) error {
	ids, err := contractTable.Lookup(tx, "verification", storage.U64(signed.VerificationID))
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == signed.ID {
			continue
		}
		d, err := contractTable.Get(tx, id)
		if err != nil || d.Status != ContractDraft {
			continue
		}
		d.Status, d.Updated = ContractCancelled, now
		d.event(now, actor, "cancelled", signed.No)
		// The parties' codes stay in the lookup, as a signed contract's
		// do, so that a party is told the draft was cancelled rather
		// than that his code is wrong.
		if err := contractTable.Put(tx, d); err != nil {
			return err
		}
		if err := a.audit(tx, actor, "contract.cancel", "contract", d.ID, "code used by "+signed.No,
			auditNote("audit.note.code_used_by", noteText(signed.No))); err != nil {
			return err
		}
	}
	return nil
}

// CancelContract gives up a draft (取消). It is kept, marked cancelled.
func (a *App) CancelContract(actor Actor, id uint64) (*Contract, error) {
	var c *Contract
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if c, err = a.loadDraft(tx, actor, id); err != nil {
			return err
		}
		now := a.now()
		c.Status, c.Updated = ContractCancelled, now
		c.event(now, actor, "cancelled", "")
		// The parties' codes stay: see cancelOtherDrafts.
		if err := contractTable.Put(tx, c); err != nil {
			return err
		}
		return a.audit(tx, actor, "contract.cancel", "contract", c.ID, c.VerificationCode+" "+c.Listing.Address)
	})
	return c, err
}
