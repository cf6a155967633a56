package app

import (
	"testing"
	"time"

	"anju/storage"
)

// revokeToday revokes c from today, as its agent with a signed agreement.
func (f *vfFixture) revokeToday(c *Contract) *Contract {
	f.t.Helper()
	got, err := f.RevokeContract(f.agent, c.ID, RevokeInput{Reason: "承租人放弃入住，双方同意撤销",
		Effective: f.now().Format(time.DateOnly), DocName: "撤销协议.pdf", Doc: scanPDF})
	if err != nil {
		f.t.Fatalf("revoke %s: %v", c.No, err)
	}
	return got
}

// TestRevokedBeforeStartGivesTheCodeBack: a lease revoked before its first
// day never let the flat, so the code it used is valid again and may be
// signed on; a lease that started, a register that changed or another
// agency's code for the flat keep it used.
func TestRevokedBeforeStartGivesTheCodeBack(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	sign := func(v *Verification, days int) *Contract {
		t.Helper()
		c, err := f.SignContract(f.agent, f.readyDraft(f.agent, v, days, 6).ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.stored(v.Code); got.Status != VStatusUsed || got.ContractID != c.ID {
			t.Fatalf("after signing: %s contract %d", got.Status, got.ContractID)
		}
		return c
	}

	// Signed today, starting in ten days, called off today.
	v := f.ownProperty(f.agent, 81, "")
	c := f.revokeToday(sign(v, 10))
	got := f.stored(v.Code)
	if got.State(f.now()) != VStatusValid || got.ContractID != 0 || !got.Ended.IsZero() || got.EndReason != "" || !got.ValidUntil.Equal(v.ValidUntil) {
		t.Errorf("code of a lease revoked before its start: %s contract %d ended %v %q, valid until %v (was %v)",
			got.Status, got.ContractID, got.Ended, got.EndReason, got.ValidUntil, v.ValidUntil)
	}
	if last := c.History[len(c.History)-1]; last.Action != "code_released" || last.Note != v.Code {
		t.Errorf("last history line %s %q, want code_released %s", last.Action, last.Note, v.Code)
	}
	if a := f.lastAuditOf("verification.release"); a == nil || a.RecordID != v.ID {
		t.Errorf("audit of the release: %+v", a)
	}
	// The flat can be let again on the same code.
	again := sign(v, 12)
	if again.VerificationID != v.ID {
		t.Errorf("signed again on verification %d, want %d", again.VerificationID, v.ID)
	}

	// Called off ahead, for a day before the start: given back on that day.
	ahead := f.ownProperty(f.agent, 86, "")
	c = sign(ahead, 20)
	if _, err := f.RevokeContract(f.agent, c.ID, RevokeInput{Reason: "承租人放弃入住", DocName: "撤销协议.pdf", Doc: scanPDF,
		Effective: f.now().AddDate(0, 0, 5).Format(time.DateOnly)}); err != nil {
		t.Fatal(err)
	}
	if got := f.stored(ahead.Code); got.Status != VStatusUsed {
		t.Errorf("code of a lease whose revocation is recorded ahead: %s before the day, want used", got.Status)
	}
	f.clock.Advance(5 * 24 * time.Hour)
	if _, err := f.ExpireContracts(SystemActor("daily")); err != nil {
		t.Fatal(err)
	}
	if got := f.stored(ahead.Code); got.State(f.now()) != VStatusValid {
		t.Errorf("code of a lease revoked on its recorded day, before the start: %s, want valid", got.State(f.now()))
	}

	// A lease that has started keeps its code used.
	started := f.ownProperty(f.agent, 82, "")
	f.revokeToday(sign(started, 0))
	if got := f.stored(started.Code); got.Status != VStatusUsed {
		t.Errorf("code of a lease revoked on its first day: %s, want used", got.Status)
	}

	// The register seized the flat while it was let: used, not valid.
	seized := f.ownProperty(f.agent, 83, "")
	c = sign(seized, 10)
	if err := f.update(func(tx *storage.Tx) error {
		p, err := propertyTable.Get(tx, seized.PropertyID)
		if err != nil {
			return err
		}
		p.Seized = true
		return propertyTable.Put(tx, p)
	}); err != nil {
		t.Fatal(err)
	}
	f.revokeToday(c)
	if got := f.stored(seized.Code); got.Status != VStatusUsed {
		t.Errorf("code of a flat seized since: %s, want used", got.Status)
	}

	// Another agency verified the flat while it was let (the used code did
	// not bar it); with duplicates not allowed, that code keeps the flat.
	taken := f.ownProperty(f.agent, 84, "")
	c = sign(taken, 10)
	f.ownProperty(f.leju, 84, "")
	f.revokeToday(c)
	if got := f.stored(taken.Code); got.Status != VStatusUsed {
		t.Errorf("code of a flat another agency holds a valid code for: %s, want used", got.Status)
	}

	// Past its validity: it stays used rather than turning up expired.
	late := f.ownProperty(f.agent, 85, "")
	c = sign(late, 100)
	f.clock.Advance(time.Until(late.ValidUntil) - time.Until(f.now()) + time.Hour)
	f.revokeToday(c)
	if got := f.stored(late.Code); got.Status != VStatusUsed {
		t.Errorf("code past its validity: %s, want used", got.Status)
	}
}
