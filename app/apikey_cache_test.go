package app

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// A key revoked while requests keep using it is refused from the first
// request after the revocation returns, whatever the cache held.
func TestAPIKeyRevokedWhileInUse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 10 {
		k, secret := f.mustCreateKey(APIKeyInput{Name: fmt.Sprintf("平台%d", i)})
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for !stop.Load() {
					_, _, _ = f.AuthenticateAPIKey(secret)
				}
			})
		}
		if _, _, err := f.AuthenticateAPIKey(secret); err != nil {
			t.Fatalf("key %d before revocation: %v", i, err)
		}
		if _, err := f.RevokeAPIKey(f.admin, k.ID, "停止合作"); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.AuthenticateAPIKey(secret)
		stop.Store(true)
		wg.Wait()
		wantError(t, err, EUNAUTHORIZED, "api.key_revoked")
	}
}
