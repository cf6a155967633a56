package app

import (
	"testing"
	"time"

	"anju/storage"
)

// TestDemoVerificationsEndAfterIssue: every demo code that was revoked,
// used or voided ended between its issue and now, as the list, the detail
// page and the public check show it, and each status is there.
func TestDemoVerificationsEndAfterIssue(t *testing.T) {
	f := newFixture(t)
	if _, err := f.LoadDemo(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	err := f.db.View(func(tx *storage.Tx) error {
		return verificationTable.Each(tx, false, func(v *Verification) (bool, error) {
			seen[v.Status]++
			if v.Ended.IsZero() {
				return true, nil
			}
			if v.Ended.Before(v.Created) || v.Ended.After(f.now()) {
				t.Errorf("%s %s: issued %v, ended %v (now %v)", v.Code, v.Status, v.Created, v.Ended, f.now())
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{VStatusValid, VStatusRevoked, VStatusUsed, VStatusVoided} {
		if seen[s] == 0 {
			t.Errorf("no demo code %s: %v", s, seen)
		}
	}
}

// TestDemoVerificationsInDateOrder: lists go newest first by ID, so the
// demo writes its verifications — the registry demo's and the leases' —
// in the order of their dates, and the first page a clerk and an agent see
// starts with the newest they may see.
func TestDemoVerificationsInDateOrder(t *testing.T) {
	f := newDemoFixture(t)
	var prev *Verification
	err := f.db.View(func(tx *storage.Tx) error {
		return verificationTable.Each(tx, false, func(v *Verification) (bool, error) {
			if prev != nil && v.Created.Before(prev.Created) {
				t.Errorf("verification %d %s is dated %v, before verification %d %s (%v)", v.ID, v.Code, v.Created, prev.ID, prev.Code, prev.Created)
				return false, nil
			}
			prev = v
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"clerk", "agent.zhang"} {
		actor := f.actor(f.storedUser(name))
		page, err := f.SearchVerifications(actor, VerificationQuery{Page: 1, Size: 20})
		if err != nil {
			t.Fatal(err)
		}
		var newest time.Time
		_ = f.db.View(func(tx *storage.Tx) error {
			return verificationTable.Each(tx, false, func(v *Verification) (bool, error) {
				if canSeeVerification(actor, v) && v.Created.After(newest) {
					newest = v.Created
				}
				return true, nil
			})
		})
		if len(page.Items) == 0 || !page.Items[0].Created.Equal(newest) {
			t.Errorf("%s: first page starts with %v, the newest verification is of %v", name, page.Items, newest)
		}
		for i := 1; i < len(page.Items); i++ {
			if page.Items[i].Created.After(page.Items[i-1].Created) {
				t.Errorf("%s: item %d (%v) is newer than item %d (%v)", name, i, page.Items[i].Created, i-1, page.Items[i-1].Created)
			}
		}
	}
}
