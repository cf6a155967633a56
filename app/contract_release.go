package app

import (
	"time"

	"anju/storage"
)

// releaseCodes gives back the verification codes a lease used when it is
// revoked before its first day: the flat was never let, so the agency may
// advertise it again with the code it had, as long as that code still
// certifies what it did. A code stays "used" (the flat must be verified
// again) when any of these no longer holds:
//   - it is within its validity;
//   - the register shows no seizure, dispute, cancellation or restriction,
//     and every owner it named is still an owner (what would have voided
//     it, had it been valid, while the lease held it);
//   - no other requester holds a valid code for the same flat or room that
//     the duplicate rule would forbid beside it.
//
// Each code given back gets an audit entry and a line in the contract's
// history; c is written by the caller.
func (a *App) releaseCodes(tx *storage.Tx, actor Actor, c *Contract, now time.Time) error {
	if c.PropertyID == 0 {
		return nil
	}
	ids, err := verificationTable.Lookup(tx, "property", storage.U64(c.PropertyID))
	if err != nil {
		return err
	}
	var held, others []*Verification
	for _, id := range ids {
		v, err := verificationTable.Get(tx, id)
		if err != nil {
			return err
		}
		if v.Status == VStatusUsed && v.ContractID == c.ID {
			held = append(held, v)
		} else if v.State(now) == VStatusValid {
			others = append(others, v)
		}
	}
	if len(held) == 0 {
		return nil
	}
	p, err := propertyTable.Get(tx, c.PropertyID)
	if err != nil {
		return err
	}
	for _, v := range held {
		if !now.Before(v.ValidUntil) || !stillCertifies(p, v) || a.barredBy(v, others) {
			continue
		}
		v.Status, v.ContractID, v.Ended, v.EndedBy, v.EndReason = VStatusValid, 0, time.Time{}, "", ""
		if err := verificationTable.Put(tx, v); err != nil {
			return err
		}
		c.event(now, actor, "code_released", v.Code)
		if err := a.audit(tx, actor, "verification.release", "verification", v.ID, v.Code+" "+c.No); err != nil {
			return err
		}
	}
	return nil
}

// stillCertifies reports whether the register still supports v: no
// restriction, and every owner v named is still one of the property's.
func stillCertifies(p *Property, v *Verification) bool {
	if p.restriction() != "" {
		return false
	}
	known := p.ownerKeys()
	for _, o := range v.Owners {
		if !known[ownerKey(o.Name, o.IDNo)] {
			return false
		}
	}
	return true
}

// barredBy reports whether a valid code of another requester, for the same
// flat or room, keeps v from being valid again when the duplicate rule
// (ParamVerifyDuplicate off) would have refused v beside it.
func (a *App) barredBy(v *Verification, others []*Verification) bool {
	if a.ParamBool(ParamVerifyDuplicate) {
		return false
	}
	for _, o := range others {
		if sameFlatOrRoom(v.PropertyID, v.Listing, o.Listing) && requesterKey(o.Requester) != requesterKey(v.Requester) {
			return true
		}
	}
	return false
}

// ReleasedCodes lists the codes its revocation gave back (releaseCodes),
// for the page that confirms the revocation.
func (c *Contract) ReleasedCodes() []string {
	var codes []string
	for i := len(c.History) - 1; i >= 0 && c.History[i].Action == "code_released"; i-- {
		codes = append(codes, c.History[i].Note)
	}
	return codes
}
