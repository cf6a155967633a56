package app

import (
	"testing"

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
