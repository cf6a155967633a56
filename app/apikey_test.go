package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/storage"
)

var reAPIKey = regexp.MustCompile(`^anju_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$`)

// demoVerifyInput is a verification request for a demo property that
// passes, with its first owner.
func demoVerifyInput(p Property) VerifyInput {
	o := p.Owners[0]
	return VerifyInput{District: p.District, CertType: p.CertType, CertNo: p.CertNo,
		Owners:  []OwnerInput{{Name: o.Name, IDType: o.IDType, IDNo: o.IDNo}},
		Address: p.Address, Area: strconv.FormatFloat(p.Area, 'f', -1, 64), Rooms: "2", Halls: "1", Baths: "1", Rent: "5000", Mode: "whole"}
}

func (f *fixture) clearDemoProperty() Property {
	f.t.Helper()
	for _, p := range f.DemoCertificates() {
		if !p.Seized && !p.Mortgaged && len(p.Owners) == 1 {
			return p
		}
	}
	f.t.Fatal("no clear demo property")
	return Property{}
}

func (f *fixture) mustCreateKey(in APIKeyInput) (*APIKey, string) {
	f.t.Helper()
	k, secret, err := f.CreateAPIKey(f.admin, in)
	if err != nil {
		f.t.Fatalf("create API key %+v: %v", in, err)
	}
	return k, secret
}

func (f *fixture) attemptCount() int {
	f.t.Helper()
	var n int
	if err := f.db.View(func(tx *storage.Tx) error { n = attemptTable.Count(tx); return nil }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestAPIKeyNeedsPermission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.actor(f.seedUser("clerk1", "王芳", []Role{RoleClerk}, "110105", fixturePassword))
	k, _ := f.mustCreateKey(APIKeyInput{Name: "平台甲"})
	_, _, err := f.CreateAPIKey(clerk, APIKeyInput{Name: "平台乙"})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	_, err = f.ListAPIKeys(clerk)
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	_, err = f.RevokeAPIKey(clerk, k.ID, "泄露")
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	// A platform's own actor may not manage keys either.
	_, _, err = f.CreateAPIKey(Actor{APIKeyID: k.ID, Roles: []Role{RolePlatform}}, APIKeyInput{Name: "平台丙"})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
	keys, err := f.ListAPIKeys(f.admin)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys after refused creations: %d %v", len(keys), err)
	}
}

func TestAPIKeyValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	taken, _ := f.mustCreateKey(APIKeyInput{Name: "Lianjia"})
	revoked, _ := f.mustCreateKey(APIKeyInput{Name: "Old Platform"})
	if _, err := f.RevokeAPIKey(f.admin, revoked.ID, "合同终止"); err != nil {
		t.Fatal(err)
	}
	_ = taken
	for _, tc := range []struct {
		name  string
		in    APIKeyInput
		field string
		key   string
	}{
		{"name required", APIKeyInput{Name: "  "}, "name", "apikey.name_required"},
		{"name too long", APIKeyInput{Name: strings.Repeat("名", 61)}, "name", "apikey.name_too_long"},
		{"name of a live key", APIKeyInput{Name: " lianjia "}, "name", "apikey.name_taken"},
		{"contact too long", APIKeyInput{Name: "X", Contact: strings.Repeat("x", 121)}, "contact", "apikey.contact_too_long"},
		{"unknown district", APIKeyInput{Name: "X", Districts: []string{"110105", "999999"}}, "districts", "apikey.district_unknown"},
		{"rate negative", APIKeyInput{Name: "X", RatePerMin: -1}, "rate", "apikey.rate_invalid"},
		{"rate too high", APIKeyInput{Name: "X", RatePerMin: MaxAPIRate + 1}, "rate", "apikey.rate_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.CreateAPIKey(f.admin, tc.in)
			wantFieldError(t, err, tc.field, tc.key)
		})
	}
	// A revoked key's name may be given again; defaults apply.
	k, _ := f.mustCreateKey(APIKeyInput{Name: "Old  Platform", Districts: []string{"110108", "110105", "110108"}})
	if k.Name != "Old Platform" || k.RatePerMin != DefaultAPIRate || strings.Join(k.Districts, ",") != "110105,110108" {
		t.Fatalf("created key = %+v", k)
	}
	keys, _ := f.ListAPIKeys(f.admin)
	if len(keys) != 3 || keys[0].ID != k.ID {
		t.Fatalf("list = %d keys, first %d; want 3, newest first", len(keys), keys[0].ID)
	}
}

func TestAPIKeyCreateAuthenticateRevoke(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	k, secret := f.mustCreateKey(APIKeyInput{Name: "贝壳找房", Contact: "张三 13800000000", Districts: []string{"110105"}, RatePerMin: 120})
	if !reAPIKey.MatchString(secret) || !strings.HasPrefix(secret, "anju_"+k.Prefix+"_") {
		t.Fatalf("key %q (prefix %q) is not anju_<8>_<32>", secret, k.Prefix)
	}
	sum := sha256.Sum256([]byte(secret))
	if k.SecretHash != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored hash %q is not the SHA-256 of the key", k.SecretHash)
	}
	e := f.lastAudit()
	if e.Action != "apikey.create" || e.RecordID != k.ID || strings.Contains(e.Detail, secret[14:]) {
		t.Fatalf("audit entry = %+v", e)
	}
	// Shown once: the key's secret part is nowhere in the data file.
	f.close()
	raw, err := os.ReadFile(f.dataFile())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(secret[14:])) {
		t.Fatal("the data file holds the API key in clear")
	}
	f.reopen()

	actor, got, err := f.AuthenticateAPIKey(" " + secret + " ")
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	if actor.APIKeyID != k.ID || actor.Username != "api:贝壳找房" || actor.Name != "贝壳找房" ||
		!actor.HasRole(RolePlatform) || !actor.Can(PermVerify) || actor.Can(PermAPIKeys) || got.ID != k.ID {
		t.Fatalf("actor = %+v, key %d", actor, got.ID)
	}
	other, _ := f.mustCreateKey(APIKeyInput{Name: "58同城"})
	last := "A"
	if strings.HasSuffix(secret, "A") {
		last = "B"
	}
	wrongSecret := secret[:len(secret)-1] + last
	for _, bad := range []string{"", "anju_", "Bearer " + secret, secret + "x", wrongSecret,
		"anju_" + other.Prefix + secret[13:], "anju_ZZZZZZZZ" + secret[13:]} {
		_, _, err := f.AuthenticateAPIKey(bad)
		wantError(t, err, EUNAUTHORIZED, "api.key_invalid")
	}

	_, err = f.RevokeAPIKey(f.admin, k.ID, " ")
	wantFieldError(t, err, "reason", "apikey.reason_required")
	_, err = f.RevokeAPIKey(f.admin, 999, "x")
	wantError(t, err, ENOTFOUND, "apikey.not_found")
	r, err := f.RevokeAPIKey(f.admin, k.ID, "平台合作终止")
	if err != nil || r.Live() || r.RevokeReason != "平台合作终止" || r.RevokedBy != "root" {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	if e := f.lastAudit(); e.Action != "apikey.revoke" || !strings.Contains(e.Detail, "平台合作终止") {
		t.Fatalf("audit = %+v", e)
	}
	_, _, err = f.AuthenticateAPIKey(secret)
	wantError(t, err, EUNAUTHORIZED, "api.key_revoked")
	_, err = f.RevokeAPIKey(f.admin, k.ID, "again")
	wantError(t, err, ECONFLICT, "apikey.already_revoked")
}

func TestAPIKeyUsageCounted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	k, secret := f.mustCreateKey(APIKeyInput{Name: "平台甲"})
	idle, _ := f.mustCreateKey(APIKeyInput{Name: "平台乙"})
	for range 3 {
		if _, _, err := f.AuthenticateAPIKey(secret); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Minute)
	if _, _, err := f.AuthenticateAPIKey(secret); err != nil {
		t.Fatal(err)
	}
	want := f.now()
	check := func(when string) {
		t.Helper()
		keys, err := f.ListAPIKeys(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range keys {
			switch got.ID {
			case k.ID:
				if got.Uses != 4 || !got.LastUsed.Equal(want) {
					t.Errorf("%s: uses %d, last used %v; want 4 at %v", when, got.Uses, got.LastUsed, want)
				}
			case idle.ID:
				if got.Uses != 0 || !got.LastUsed.IsZero() {
					t.Errorf("%s: idle key shows uses %d at %v", when, got.Uses, got.LastUsed)
				}
			}
		}
	}
	check("before writing")
	// Not written on each request…
	var stored *APIKey
	_ = f.db.View(func(tx *storage.Tx) (err error) { stored, err = apiKeyTable.Get(tx, k.ID); return err })
	if stored.Uses != 0 {
		t.Fatalf("usage written synchronously: %d", stored.Uses)
	}
	// …but by the periodic flush and on Close, without double counting.
	f.flushAPIUsage(false)
	check("after a flush")
	if _, _, err := f.AuthenticateAPIKey(secret); err != nil {
		t.Fatal(err)
	}
	f.close()
	f.reopen()
	_ = f.db.View(func(tx *storage.Tx) (err error) { stored, err = apiKeyTable.Get(tx, k.ID); return err })
	if stored.Uses != 5 || !stored.LastUsed.Equal(want) {
		t.Fatalf("after close: uses %d last %v, want 5 at %v", stored.Uses, stored.LastUsed, want)
	}
}

func TestPlatformVerifyAllowedDistricts(t *testing.T) {
	t.Parallel()
	f := newDemoFixture(t)
	p := f.clearDemoProperty() // in 110105
	haidian, hdSecret := f.mustCreateKey(APIKeyInput{Name: "海淀平台", Districts: []string{"110108"}})
	actor, key, err := f.AuthenticateAPIKey(hdSecret)
	if err != nil || key.ID != haidian.ID {
		t.Fatal(err)
	}
	before := f.attemptCount()
	_, err = f.PlatformVerify(actor, key, demoVerifyInput(p))
	wantFieldError(t, err, "district", "api.district_not_allowed")
	if n := f.attemptCount(); n != before+1 {
		t.Fatalf("refused district not recorded as an attempt: %d → %d", before, n)
	}
	// A key's actor cannot borrow another key's districts.
	_, cySecret := f.mustCreateKey(APIKeyInput{Name: "朝阳平台", Districts: []string{"110105"}})
	cyActor, cyKey, _ := f.AuthenticateAPIKey(cySecret)
	_, err = f.PlatformVerify(actor, cyKey, demoVerifyInput(p))
	wantError(t, err, EFORBIDDEN, "error.forbidden")

	res, err := f.PlatformVerify(cyActor, cyKey, demoVerifyInput(p))
	if err != nil {
		t.Fatalf("verify in an allowed district: %v", err)
	}
	v := res.Verification
	if v.Requester.APIKeyID != cyKey.ID || v.Requester.Platform != "朝阳平台" {
		t.Fatalf("requester = %+v", v.Requester)
	}
	if _, err := f.GetVerification(cyActor, v.Code); err != nil {
		t.Fatalf("the platform reads its code: %v", err)
	}
	_, err = f.GetVerification(actor, v.Code)
	wantError(t, err, ENOTFOUND, "verify.not_found")
}

func TestIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var calls atomic.Int32
	// do stands for a use case: it keeps its answer in its transaction.
	do := func(status int, body string) func(keepAnswer) (int, []byte, error) {
		return func(keep keepAnswer) (int, []byte, error) {
			calls.Add(1)
			err := f.db.Batch(func(tx *storage.Tx) error { return keep(tx, status, []byte(body)) })
			return status, []byte(body), err
		}
	}

	st, body, replay, err := f.idempotent(1, "k1", "h1", do(201, `{"code":"A"}`))
	if err != nil || st != 201 || string(body) != `{"code":"A"}` || replay {
		t.Fatalf("first: %d %s %v %v", st, body, replay, err)
	}
	st, body, replay, err = f.idempotent(1, "k1", "h1", do(201, `{"code":"B"}`))
	if err != nil || st != 201 || string(body) != `{"code":"A"}` || !replay || calls.Load() != 1 {
		t.Fatalf("retry: %d %s replay=%v calls=%d %v", st, body, replay, calls.Load(), err)
	}
	_, _, _, err = f.idempotent(1, "k1", "h2", do(201, `{}`))
	wantError(t, err, EINVALID, "api.idempotency_mismatch")
	// Keys are per API key.
	if _, body, replay, _ := f.idempotent(2, "k1", "h2", do(201, `{"code":"C"}`)); replay || string(body) != `{"code":"C"}` {
		t.Fatalf("another API key's same idempotency key replayed: %s", body)
	}
	// A refusal (4xx) is kept; a 5xx is not, so that a retry tries again.
	f.idempotent(1, "k422", "h", do(422, `{"error":{}}`))
	if _, _, replay, _ := f.idempotent(1, "k422", "h", do(201, `{}`)); !replay {
		t.Error("a 422 answer was not kept")
	}
	f.idempotent(1, "k503", "h", do(503, `{"error":{}}`))
	if st, _, replay, _ := f.idempotent(1, "k503", "h", do(201, `{}`)); replay || st != 201 {
		t.Error("a 503 answer was kept")
	}
	// After 24 hours the key is free again.
	calls.Store(0)
	f.clock.Advance(24*time.Hour + time.Second)
	if st, body, replay, err := f.idempotent(1, "k1", "h2", do(201, `{"code":"D"}`)); err != nil || replay || st != 201 || string(body) != `{"code":"D"}` || calls.Load() != 1 {
		t.Fatalf("after 24h: %d %s replay=%v %v", st, body, replay, err)
	}
	n, err := f.sweepIdempotency()
	if err != nil || n != 3 { // 2/k1, 1/k422, 1/k503 are old; 1/k1 was rewritten
		t.Fatalf("sweep removed %d (%v), want 3", n, err)
	}
	if _, _, replay, _ := f.idempotent(1, "k1", "h2", do(201, `{}`)); !replay {
		t.Error("the sweep removed a fresh record")
	}
}

// The answer is kept in the use case's transaction: when that fails,
// nothing is kept and a retry runs the use case again.
func TestIdempotentKeptWithTheOutcome(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	failed := errors.New("the use case's transaction failed")
	_, _, _, err := f.idempotent(1, "k", "h", func(keep keepAnswer) (int, []byte, error) {
		return 0, nil, f.db.Update(func(tx *storage.Tx) error {
			if err := keep(tx, 201, []byte(`{"code":"A"}`)); err != nil {
				return err
			}
			return failed
		})
	})
	if !errors.Is(err, failed) {
		t.Fatalf("err = %v", err)
	}
	st, body, replay, err := f.idempotent(1, "k", "h", func(keep keepAnswer) (int, []byte, error) {
		return 201, []byte(`{"code":"B"}`), f.db.Batch(func(tx *storage.Tx) error { return keep(tx, 201, []byte(`{"code":"B"}`)) })
	})
	if err != nil || replay || st != 201 || string(body) != `{"code":"B"}` {
		t.Fatalf("retry after a failed transaction: %d %s replay=%v %v", st, body, replay, err)
	}
}

// A platform's verification with an Idempotency-Key: the pass and its
// answer commit together; a retry gets the answer back, a refusal too.
func TestPlatformVerifyOnce(t *testing.T) {
	t.Parallel()
	f := newDemoFixture(t)
	p := f.clearDemoProperty()
	_, secret := f.mustCreateKey(APIKeyInput{Name: "朝阳平台", Districts: []string{p.District}})
	actor, key, err := f.AuthenticateAPIKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	answer := func(res VerifyResult, err error) (int, []byte) {
		if e, ok := AsError(err); ok {
			for _, k := range e.Fields {
				return 422, []byte(k)
			}
			return 422, []byte(e.Key)
		} else if err != nil {
			return 500, nil
		}
		return 201, []byte(res.Verification.Code)
	}
	count := func() (n int) {
		f.db.View(func(tx *storage.Tx) error { n = verificationTable.Count(tx); return nil })
		return n
	}
	before := count()
	st, body, replay, err := f.PlatformVerifyOnce(actor, key, demoVerifyInput(p), "order-1", "h1", answer)
	if err != nil || st != 201 || replay || len(body) == 0 {
		t.Fatalf("first: %d %s replay=%v %v", st, body, replay, err)
	}
	st2, body2, replay, err := f.PlatformVerifyOnce(actor, key, demoVerifyInput(p), "order-1", "h1", answer)
	if err != nil || st2 != 201 || !replay || string(body2) != string(body) || count() != before+1 {
		t.Fatalf("retry: %d %s replay=%v %v; %d verifications, want %d", st2, body2, replay, err, count(), before+1)
	}
	// A refusal is kept too; without a key nothing is.
	bad := demoVerifyInput(p)
	bad.Owners[0].Name = "查无此人"
	if st, _, _, _ := f.PlatformVerifyOnce(actor, key, bad, "order-2", "h2", answer); st != 422 {
		t.Fatalf("refusal answered %d", st)
	}
	if st, body, replay, _ := f.PlatformVerifyOnce(actor, key, bad, "order-2", "h2", answer); st != 422 || !replay || string(body) != "verify.owner_mismatch" {
		t.Errorf("refusal retried: %d %s replay=%v", st, body, replay)
	}
	if _, _, replay, _ := f.PlatformVerifyOnce(actor, key, bad, "", "", answer); replay {
		t.Error("a request without a key was replayed")
	}
}

func TestIdempotentConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var calls atomic.Int32
	var wg sync.WaitGroup
	bodies := make([]string, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, body, _, err := f.idempotent(7, "same", "h", func(keep keepAnswer) (int, []byte, error) {
				n := calls.Add(1)
				time.Sleep(20 * time.Millisecond) // widen the window
				b := []byte{byte('0' + n)}
				return 201, b, f.db.Batch(func(tx *storage.Tx) error { return keep(tx, 201, b) })
			})
			if err != nil {
				t.Error(err)
			}
			bodies[i] = string(body)
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("the work ran %d times for one idempotency key", calls.Load())
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("answers differ: %q", bodies)
		}
	}
	idemLocks.Lock()
	_, left := idemLocks.m["7/same"]
	idemLocks.Unlock()
	if left {
		t.Error("the idempotency key's lock was left behind")
	}
}
