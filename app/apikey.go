package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/storage"
)

// APIKey lets a listing platform call the API (对接核验). The key itself is
// shown once at creation; the store keeps its public prefix (to find the
// record) and the SHA-256 of the whole key. A fast hash is right here, unlike
// for passwords: the secret part is 32 random base62 characters (190 bits),
// so no dictionary or brute force applies, and every API request checks it.
type APIKey struct {
	ID           uint64    `json:"id"`
	Name         string    `json:"name"`
	Contact      string    `json:"contact,omitempty"`
	Districts    []string  `json:"districts,omitempty"` // allowed district codes; empty = all
	RatePerMin   int       `json:"rate_per_min"`
	Prefix       string    `json:"prefix"`      // public part of the key, unique
	SecretHash   string    `json:"secret_hash"` // hex SHA-256 of the full key
	Created      time.Time `json:"created"`
	CreatedBy    string    `json:"created_by"`
	Revoked      time.Time `json:"revoked,omitzero"`
	RevokedBy    string    `json:"revoked_by,omitempty"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
	LastUsed     time.Time `json:"last_used,omitzero"`
	Uses         uint64    `json:"uses"`
}

// Live reports whether the key has not been revoked.
func (k *APIKey) Live() bool { return k.Revoked.IsZero() }

// AllowsDistrict reports whether the key may verify listings of district d.
func (k *APIKey) AllowsDistrict(d string) bool {
	return len(k.Districts) == 0 || slices.Contains(k.Districts, d)
}

var apiKeyTable = storage.NewTable(storage.TableOptions[APIKey]{
	Name:  "api_keys",
	ID:    func(k *APIKey) uint64 { return k.ID },
	SetID: func(k *APIKey, id uint64) { k.ID = id },
	Indexes: []storage.Index[APIKey]{
		{Name: "prefix", Unique: true, Keys: func(k *APIKey) [][]byte { return [][]byte{[]byte(k.Prefix)} }},
	},
})

// Key format: anju_<8 prefix chars>_<32 secret chars>, base62.
const (
	apiKeyScheme     = "anju_"
	apiKeyPrefixLen  = 8
	apiKeySecretLen  = 32
	apiKeyLen        = len(apiKeyScheme) + apiKeyPrefixLen + 1 + apiKeySecretLen
	base62           = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	DefaultAPIRate   = 600
	MaxAPIRate       = 100000
	apiKeyNameMax    = 60
	apiKeyContactMax = 120
)

func randomBase62(n int) string {
	b := make([]byte, n)
	var r [1]byte
	for i := 0; i < n; {
		_, _ = rand.Read(r[:])
		if r[0] < 248 { // 248 = 4×62: no modulo bias
			b[i] = base62[r[0]%62]
			i++
		}
	}
	return string(b)
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(base62, rune(s[i])) {
			return false
		}
	}
	return true
}

func hashAPIKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// parseAPIKey returns the prefix of a well-formed key.
func parseAPIKey(key string) (prefix string, ok bool) {
	if len(key) != apiKeyLen || !strings.HasPrefix(key, apiKeyScheme) {
		return "", false
	}
	rest := key[len(apiKeyScheme):]
	prefix, secret, found := strings.Cut(rest, "_")
	if !found || len(prefix) != apiKeyPrefixLen || len(secret) != apiKeySecretLen || !isBase62(prefix) || !isBase62(secret) {
		return "", false
	}
	return prefix, true
}

// APIKeyInput is the API key form.
type APIKeyInput struct {
	Name       string
	Contact    string
	Districts  []string
	RatePerMin int // 0 = DefaultAPIRate; negative = not a number (form)
}

func (a *App) checkAPIKeyInput(tx *storage.Tx, in *APIKeyInput) error {
	var v validation
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Contact = strings.TrimSpace(in.Contact)
	switch n := len([]rune(in.Name)); {
	case n == 0:
		v.add("name", "apikey.name_required")
	case n > apiKeyNameMax:
		v.add("name", "apikey.name_too_long")
	default:
		err := apiKeyTable.Each(tx, false, func(k *APIKey) (bool, error) {
			if k.Live() && strings.EqualFold(k.Name, in.Name) {
				v.add("name", "apikey.name_taken")
				return false, nil
			}
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	if len([]rune(in.Contact)) > apiKeyContactMax {
		v.add("contact", "apikey.contact_too_long")
	}
	var districts, unknown []string
	for _, d := range in.Districts {
		d = strings.TrimSpace(d)
		if d == "" || slices.Contains(districts, d) {
			continue
		}
		if !a.dictHas(tx, DictDistrict, d) {
			unknown = append(unknown, d)
		}
		districts = append(districts, d)
	}
	if len(unknown) > 0 {
		// Named: a script's --districts or a form's ticked box gone stale
		// (disabled meanwhile) must say which code to correct.
		v.addf("districts", "apikey.district_unknown", strings.Join(unknown, ", "))
	}
	slices.Sort(districts)
	in.Districts = districts
	if in.RatePerMin == 0 {
		in.RatePerMin = DefaultAPIRate
	}
	if in.RatePerMin < 1 || in.RatePerMin > MaxAPIRate {
		v.add("rate", "apikey.rate_invalid")
	}
	return v.err()
}

// CreateAPIKey creates a key for a listing platform. The full key is
// returned to be shown once; only its hash is stored.
func (a *App) CreateAPIKey(actor Actor, in APIKeyInput) (*APIKey, string, error) {
	if err := actor.require(PermAPIKeys); err != nil {
		return nil, "", err
	}
	var k *APIKey
	var secret string
	err := a.update(func(tx *storage.Tx) error {
		if err := a.checkAPIKeyInput(tx, &in); err != nil {
			return err
		}
		// A prefix collision (1 in 62^8 per pair) is retried, not reported.
		for attempt := 0; ; attempt++ {
			prefix := randomBase62(apiKeyPrefixLen)
			secret = apiKeyScheme + prefix + "_" + randomBase62(apiKeySecretLen)
			k = &APIKey{Name: in.Name, Contact: in.Contact, Districts: in.Districts, RatePerMin: in.RatePerMin,
				Prefix: prefix, SecretHash: hashAPIKey(secret), Created: a.now(), CreatedBy: actor.Username}
			_, err := apiKeyTable.Insert(tx, k)
			if err == nil {
				a.keyCache.written(tx)
				break
			}
			if !errors.Is(err, storage.ErrDuplicate) || attempt == 3 {
				return err
			}
		}
		districts, areas := "all", noteKey("audit.note.all_districts")
		if len(k.Districts) > 0 {
			districts = strings.Join(k.Districts, ",")
			areas = noteText(strings.Join(k.Districts, ", "))
		}
		return a.audit(tx, actor, "apikey.create", "apikey", k.ID,
			k.Name+" ("+k.Prefix+") districts="+districts+" rate="+strconv.Itoa(k.RatePerMin),
			auditNote("audit.note.apikey", noteText(k.Name), noteText(k.Prefix), areas, noteInt(k.RatePerMin)))
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// ListAPIKeys returns every key, newest first, with usage counted so far
// (including uses not yet written to the store).
func (a *App) ListAPIKeys(actor Actor) ([]*APIKey, error) {
	if err := actor.require(PermAPIKeys); err != nil {
		return nil, err
	}
	var out []*APIKey
	err := a.db.View(func(tx *storage.Tx) error {
		return apiKeyTable.Each(tx, true, func(k *APIKey) (bool, error) {
			out = append(out, k)
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	u := a.apiUsage()
	for _, k := range out {
		u.addPending(k)
	}
	return out, nil
}

// GetAPIKey returns one key (without its secret, which is not stored).
func (a *App) GetAPIKey(actor Actor, id uint64) (*APIKey, error) {
	if err := actor.require(PermAPIKeys); err != nil {
		return nil, err
	}
	var k *APIKey
	err := a.db.View(func(tx *storage.Tx) (err error) {
		k, err = getAPIKey(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	a.apiUsage().addPending(k)
	return k, nil
}

func getAPIKey(tx *storage.Tx, id uint64) (*APIKey, error) {
	k, err := apiKeyTable.Get(tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, Errorf(ENOTFOUND, "apikey.not_found")
	}
	return k, err
}

// RevokeAPIKey ends a key for good, with a reason; its next request is
// refused.
func (a *App) RevokeAPIKey(actor Actor, id uint64, reason string) (*APIKey, error) {
	if err := actor.require(PermAPIKeys); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldError("reason", "apikey.reason_required")
	}
	if len([]rune(reason)) > 200 {
		return nil, fieldError("reason", "apikey.reason_too_long")
	}
	var k *APIKey
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if k, err = getAPIKey(tx, id); err != nil {
			return err
		}
		if !k.Live() {
			return Errorf(ECONFLICT, "apikey.already_revoked")
		}
		k.Revoked, k.RevokedBy, k.RevokeReason = a.now(), actor.Username, reason
		if err := apiKeyTable.Put(tx, k); err != nil {
			return err
		}
		a.keyCache.written(tx)
		return a.audit(tx, actor, "apikey.revoke", "apikey", k.ID, k.Name+" ("+k.Prefix+"): "+reason)
	})
	return k, err
}

// AuthenticateAPIKey resolves a bearer key to the platform's actor. A
// malformed, unknown, wrong or revoked key is EUNAUTHORIZED. Each success
// counts as a use of the key (kept in memory, written every few seconds).
func (a *App) AuthenticateAPIKey(key string) (Actor, *APIKey, error) {
	key = strings.TrimSpace(key)
	prefix, ok := parseAPIKey(key)
	if !ok {
		return Actor{}, nil, Errorf(EUNAUTHORIZED, "api.key_invalid")
	}
	k, err := a.apiKeyByPrefix(prefix)
	if errors.Is(err, storage.ErrNotFound) {
		return Actor{}, nil, Errorf(EUNAUTHORIZED, "api.key_invalid")
	}
	if err != nil {
		return Actor{}, nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hashAPIKey(key)), []byte(k.SecretHash)) != 1 {
		return Actor{}, nil, Errorf(EUNAUTHORIZED, "api.key_invalid")
	}
	if !k.Live() {
		return Actor{}, nil, Errorf(EUNAUTHORIZED, "api.key_revoked")
	}
	a.apiUsage().record(k.ID, a.now())
	return Actor{APIKeyID: k.ID, Username: PlatformPrefix + k.Name, Name: k.Name, Roles: []Role{RolePlatform}}, k, nil
}

// PlatformVerification is a code as GET /api/v1/verifications/{code}
// answers it. A platform sees its own codes wherever they are, and any
// other requester's within the districts its key allows: an agency that
// verified a listing in its portal gives the code to the platform that
// publishes it, which must be able to check it, as anyone can on the
// public check page. The answer carries no more than that page shows.
// Outside the key's districts another's code is not found, like an unknown
// one. Own says whether this platform asked for it.
func (a *App) PlatformVerification(actor Actor, key *APIKey, code string) (v *Verification, own bool, err error) {
	if key == nil || actor.APIKeyID != key.ID {
		return nil, false, Errorf(EFORBIDDEN, "error.forbidden")
	}
	// A platform reads codes its agents type in: one that is incomplete or
	// fails its check character is a typo to correct, as the public check
	// says, not a code that does not exist.
	if err := codeFormError(NormalizeVerificationCode(code)); err != nil {
		return nil, false, err
	}
	err = a.db.View(func(tx *storage.Tx) (err error) {
		v, err = a.lookupVerification(tx, code)
		return err
	})
	switch {
	case err != nil:
		return nil, false, err
	case v.Requester.APIKeyID == key.ID:
		return v, true, nil
	case !key.AllowsDistrict(v.District):
		return nil, false, errVerificationNotFound
	}
	return v, false, nil
}

// PlatformVerify is Verify for a listing platform: the key's allowed
// districts apply first. A refused district is recorded as an attempt,
// like every other refusal.
func (a *App) PlatformVerify(actor Actor, key *APIKey, in VerifyInput) (VerifyResult, error) {
	res, refusal, err := a.platformVerify(actor, key, in, nil)
	if err != nil {
		return VerifyResult{}, err
	}
	return res, refusal
}

func (a *App) platformVerify(actor Actor, key *APIKey, in VerifyInput, then decided) (VerifyResult, error, error) {
	if key == nil || actor.APIKeyID != key.ID {
		return VerifyResult{}, nil, Errorf(EFORBIDDEN, "error.forbidden")
	}
	in.District = strings.TrimSpace(in.District)
	if in.District != "" && !key.AllowsDistrict(in.District) {
		refusal := fieldError("district", "api.district_not_allowed")
		err := a.db.Batch(func(tx *storage.Tx) error {
			_, err := attemptTable.Insert(tx, &VerifyAttempt{Time: a.now(), Requester: requesterOf(actor),
				District: in.District, CertNo: NormalizeCertNo(in.CertNo), Outcome: "refused",
				Reason: "api.district_not_allowed", Field: "district"})
			if err != nil || then == nil {
				return err
			}
			return then(tx, VerifyResult{}, refusal)
		})
		if err != nil {
			return VerifyResult{}, nil, err
		}
		return VerifyResult{}, refusal, nil
	}
	return a.verify(actor, in, then)
}

// VerifyAnswer renders a platform's answer to the outcome of its request:
// the result, or the error (a refusal, or a failure before any check).
// It may run inside the verification's transaction, more than once: it
// must be quick and have no side effects.
type VerifyAnswer func(res VerifyResult, err error) (status int, body []byte)

// PlatformVerifyOnce is PlatformVerify answered by answer. With an
// Idempotency-Key (idemKey, and requestHash the hash of the request) the
// answer of a pass or a refusal is kept for 24 hours in the verification's
// own transaction: a retry gets it back (replay) instead of a second
// verification, even after a crash right after the commit.
func (a *App) PlatformVerifyOnce(actor Actor, key *APIKey, in VerifyInput, idemKey, requestHash string, answer VerifyAnswer) (status int, body []byte, replay bool, err error) {
	run := func(keep keepAnswer) (int, []byte, error) {
		if keep == nil {
			res, refusal, err := a.platformVerify(actor, key, in, nil)
			if err == nil {
				err = refusal
			}
			status, body := answer(res, err)
			return status, body, nil
		}
		var status int
		var body []byte
		// A pass or a refusal is answered and kept in its transaction; a
		// failure, which wrote nothing, here.
		res, _, err := a.platformVerify(actor, key, in, func(tx *storage.Tx, res VerifyResult, refusal error) error {
			status, body = answer(res, refusal)
			return keep(tx, status, body)
		})
		if err != nil {
			status, body = answer(res, err)
		}
		return status, body, nil
	}
	if idemKey == "" {
		status, body, err = run(nil)
		return status, body, false, err
	}
	if key == nil {
		return 0, nil, false, Errorf(EFORBIDDEN, "error.forbidden")
	}
	return a.idempotent(key.ID, idemKey, requestHash, run)
}

// Usage counters. Writing LastUsed and Uses on every request would add a
// write transaction (an fsync) to each API call; they are counted in
// memory and written every apiUsageFlushEvery and when the App closes.

const apiUsageFlushEvery = 10 * time.Second

type keyUsage struct {
	uses atomic.Uint64
	last atomic.Int64 // UnixNano of the latest use
}

type apiUsage struct {
	keys   sync.Map   // uint64 → *keyUsage
	mu     sync.Mutex // one flush at a time
	closed bool
}

func (a *App) apiUsage() *apiUsage { return &a.usage }

func (u *apiUsage) record(id uint64, now time.Time) {
	v, ok := u.keys.Load(id)
	if !ok {
		v, _ = u.keys.LoadOrStore(id, &keyUsage{})
	}
	ku := v.(*keyUsage)
	ku.uses.Add(1)
	t := now.UnixNano()
	for {
		old := ku.last.Load()
		if old >= t || ku.last.CompareAndSwap(old, t) {
			return
		}
	}
}

// addPending adds the uses not yet written to k.
func (u *apiUsage) addPending(k *APIKey) {
	v, ok := u.keys.Load(k.ID)
	if !ok {
		return
	}
	ku := v.(*keyUsage)
	k.Uses += ku.uses.Load()
	if t := ku.last.Load(); t != 0 && time.Unix(0, t).After(k.LastUsed) {
		k.LastUsed = time.Unix(0, t)
	}
}

// flushAPIUsage writes the counted uses to the keys' records. final marks
// the last flush before the store closes.
func (a *App) flushAPIUsage(final bool) {
	u := &a.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return
	}
	if final {
		u.closed = true
	}
	type pending struct {
		id   uint64
		n    uint64
		last int64
		ku   *keyUsage
	}
	var todo []pending
	u.keys.Range(func(k, v any) bool {
		ku := v.(*keyUsage)
		if n := ku.uses.Swap(0); n > 0 {
			todo = append(todo, pending{k.(uint64), n, ku.last.Load(), ku})
		}
		return true
	})
	if len(todo) == 0 {
		return
	}
	err := a.db.Update(func(tx *storage.Tx) error {
		for _, p := range todo {
			k, err := apiKeyTable.Get(tx, p.id)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			k.Uses += p.n
			if t := time.Unix(0, p.last); t.After(k.LastUsed) {
				k.LastUsed = t
			}
			if err := apiKeyTable.Put(tx, k); err != nil {
				return err
			}
			a.keyCache.written(tx)
		}
		return nil
	})
	if err != nil {
		a.log.Error("write API key usage", "err", err)
		for _, p := range todo {
			p.ku.uses.Add(p.n) // counted again at the next flush
		}
	}
}

// apiKeyLoop writes usage counters periodically and drops expired
// idempotency records, until ctx ends (Close writes the last counters).
func (a *App) apiKeyLoop(ctx context.Context) {
	t := time.NewTicker(apiUsageFlushEvery)
	defer t.Stop()
	lastSweep := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.flushAPIUsage(false)
			if time.Since(lastSweep) >= time.Hour {
				lastSweep = time.Now()
				if n, err := a.sweepIdempotency(); err != nil {
					a.log.Error("sweep idempotency records", "err", err)
				} else if n > 0 {
					a.log.Info("expired idempotency records removed", "count", n)
				}
			}
		}
	}
}
