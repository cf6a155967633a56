package app

import (
	"slices"
	"testing"
	"time"

	"anju/storage"
)

// attemptCerts lists the certificate numbers of a page, newest first.
func attemptCerts(p AttemptPage) []string {
	var out []string
	for _, at := range p.Items {
		out = append(out, at.CertNo)
	}
	return out
}

func (f *vfFixture) failedAttempts(actor Actor, q AttemptQuery) AttemptPage {
	f.t.Helper()
	p, err := f.FailedAttempts(actor, q)
	if err != nil {
		f.t.Fatalf("attempts as %s: %v", actor.Username, err)
	}
	return p
}

// TestFailedAttempts: the attempts that did not pass are listed newest
// first with their reason, a clerk's within his district, an agency's its
// own; a pass is not among them; the filters and the pages follow.
func TestFailedAttempts(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	owner := vfOwner("欧阳麒", vfID(1))
	f.importRows(vfRow(vfCertNo(1), owner.Name, owner.IDNo), vfRow(vfCertNo(2), owner.Name, owner.IDNo, "seized", "是"))
	refuse := func(actor Actor, in VerifyInput) {
		t.Helper()
		f.clock.Advance(time.Second)
		if _, err := f.Verify(actor, in); ErrorCode(err) != EINVALID {
			t.Fatalf("%s %s: %v, want a refusal", actor.Username, in.CertNo, err)
		}
	}
	refuse(f.agent, vfInput(vfCertNo(2), owner))                       // seized
	refuse(f.agent2, vfInput(vfCertNo(1), vfOwner("欧阳麟", owner.IDNo))) // not the owner
	refuse(f.leju, vfInput(vfCertNo(99), owner))                       // no such certificate
	hd := vfInput("京(2024)海淀区不动产权第0000001号", owner)
	hd.District = "110108"
	refuse(f.clerkHD, hd)
	bad := vfInput(vfCertNo(1), vfOwner(owner.Name, "110105198001010000")) // check character wrong
	refuse(f.clerk, bad)
	f.clock.Advance(time.Second)
	f.mustVerify(f.clerk, vfInput(vfCertNo(1), owner)) // passed: not listed

	// The clerk of 110105: his district's, newest first, each with its reason.
	p := f.failedAttempts(f.clerk, AttemptQuery{Size: 4})
	if got, want := attemptCerts(p), []string{vfCertNo(1), vfCertNo(99), vfCertNo(1), vfCertNo(2)}; !slices.Equal(got, want) {
		t.Fatalf("clerk's newest: %v, want %v", got, want)
	}
	for i, want := range []struct{ outcome, reason, by string }{
		{"invalid", "idcard.checksum", "clerk"},
		{"refused", "verify.cert_not_found", "leju.admin"},
		{"refused", "verify.owner_mismatch", "agent.zhangxh"},
		{"refused", "verify.seized", "agent.zhang"},
	} {
		at := p.Items[i]
		if at.Outcome != want.outcome || at.Reason != want.reason || at.Requester.Username != want.by {
			t.Errorf("attempt %d: %s %s by %s, want %s %s by %s", i, at.Outcome, at.Reason, at.Requester.Username,
				want.outcome, want.reason, want.by)
		}
	}
	// The next page goes on with the older ones (the demo's), without the
	// ones shown, and never another district's.
	if p.Next == 0 {
		t.Fatal("no next page after the demo's refusals too")
	}
	older := f.failedAttempts(f.clerk, AttemptQuery{Before: p.Next, Size: 100})
	if len(older.Items) == 0 {
		t.Error("the older page is empty")
	}
	for _, at := range append(p.Items, older.Items...) {
		if at.District != "110105" || at.Outcome == "passed" {
			t.Errorf("clerk of 110105 is shown %+v", at)
		}
	}
	for _, at := range older.Items {
		if at.ID >= p.Items[len(p.Items)-1].ID {
			t.Errorf("the older page repeats or is newer: %d after %d", at.ID, p.Items[len(p.Items)-1].ID)
		}
	}

	// Filters: outcome, requester (part of the agency's name).
	if got := attemptCerts(f.failedAttempts(f.clerk, AttemptQuery{Outcome: "invalid"})); !slices.Equal(got, []string{vfCertNo(1)}) {
		t.Errorf("invalid only: %v", got)
	}
	leju := f.failedAttempts(f.viewer, AttemptQuery{Requester: "乐居"})
	if len(leju.Items) == 0 {
		t.Error("no attempt of 乐居 found by part of its name")
	}
	for _, at := range leju.Items {
		if at.Requester.AgencyID != f.leju.AgencyID {
			t.Errorf("乐居's attempts list %s's", at.Requester.AgencyName)
		}
	}
	// The city-wide viewer sees 海淀's; an agency only its own.
	if got := attemptCerts(f.failedAttempts(f.viewer, AttemptQuery{District: "110108", Size: 1})); !slices.Equal(got, []string{hd.CertNo}) {
		t.Errorf("viewer, 110108: %v", got)
	}
	for _, at := range f.failedAttempts(f.anjuAdmin, AttemptQuery{Size: 100}).Items {
		if at.Requester.AgencyID != f.agent.AgencyID {
			t.Errorf("北京安居's admin sees an attempt of %q", at.Requester.Username)
		}
	}
	if got := attemptCerts(f.failedAttempts(f.anjuAdmin, AttemptQuery{Size: 2})); !slices.Equal(got, []string{vfCertNo(1), vfCertNo(2)}) {
		t.Errorf("北京安居's admin: %v", got)
	}
	if _, err := f.FailedAttempts(Actor{Username: "nobody"}, AttemptQuery{}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("no permission: %v", err)
	}
}

// TestFailedAttemptsReadABoundedPage: a district clerk's page stops after
// attemptScanMax attempts of other districts and offers the older ones,
// which then reach his.
func TestFailedAttemptsReadABoundedPage(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	err := f.update(func(tx *storage.Tx) error {
		if _, err := attemptTable.Insert(tx, &VerifyAttempt{Time: f.now(), District: "110105", CertNo: "mine",
			Outcome: "refused", Reason: "verify.seized"}); err != nil {
			return err
		}
		for range attemptScanMax + 10 {
			if _, err := attemptTable.Insert(tx, &VerifyAttempt{Time: f.now(), District: "110108", CertNo: "theirs",
				Outcome: "refused", Reason: "verify.seized"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := f.failedAttempts(f.clerk, AttemptQuery{})
	if len(p.Items) != 0 || p.Next == 0 {
		t.Fatalf("first page: %v, next %d; want nothing yet and a next page", attemptCerts(p), p.Next)
	}
	p = f.failedAttempts(f.clerk, AttemptQuery{Before: p.Next})
	if len(p.Items) == 0 || p.Items[0].CertNo != "mine" {
		t.Errorf("next page: %v, want the clerk's attempt first", attemptCerts(p))
	}
}
