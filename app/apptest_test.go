package app

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"anju/storage"
)

// Helpers shared by the package's unit tests. Every test works on a real
// App (bbolt file and bleve index) in its own t.TempDir(); nothing is mocked
// but the clock.

// fixtureClock is a settable clock for Config.Now.
type fixtureClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFixtureClock() *fixtureClock {
	return &fixtureClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.Local)}
}

func (c *fixtureClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixtureClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is an open App with its folder and clock.
type fixture struct {
	*App
	t     testing.TB
	dir   string
	clock *fixtureClock
	// admin is a city-wide sysadmin account stored in the App.
	admin Actor
}

// newFixture opens an App in a new temporary folder, seeds Beijing's
// districts and a sysadmin "root", and closes the App when the test ends.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clock: newFixtureClock()}
	f.reopen()
	f.seedDistricts()
	u := f.seedUser("root", "系统管理员", []Role{RoleSysadmin}, "", fixturePassword)
	f.admin = f.actor(u)
	return f
}

// reopen opens the App on f.dir (after close).
func (f *fixture) reopen() {
	f.t.Helper()
	a, err := Open(Config{DataDir: f.dir, Now: f.clock.Now})
	if err != nil {
		f.t.Fatalf("open app: %v", err)
	}
	f.App = a
	f.t.Cleanup(func() { f.close() })
}

// close closes the App once; later calls do nothing.
func (f *fixture) close() {
	f.t.Helper()
	if f.App == nil {
		return
	}
	if err := f.App.Close(); err != nil {
		f.t.Errorf("close app: %v", err)
	}
	f.App = nil
}

func (f *fixture) dataFile() string { return filepath.Join(f.dir, DataFileName) }

func (f *fixture) seedDistricts() {
	f.t.Helper()
	err := f.update(func(tx *storage.Tx) error { return seedDict(tx, DictDistrict, demoDistricts, f.now()) })
	if err != nil {
		f.t.Fatalf("seed districts: %v", err)
	}
}

// fixturePassword satisfies the password policy.
const fixturePassword = "Fixture-Pass-2026"

// cheapHashes caches bcrypt hashes at the minimum cost: bcrypt at the
// default cost takes most of a second under the race detector, and
// CompareHashAndPassword uses the cost recorded in the hash.
var cheapHashes sync.Map

func cheapHash(t testing.TB, password string) []byte {
	if h, ok := cheapHashes.Load(password); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cheapHashes.Store(password, h)
	return h
}

// seedUser stores an account the way CreateUser does (index entries,
// outbox note, audit entry) but with a cheap password hash and no forced
// password change, so that tests can sign in quickly.
func (f *fixture) seedUser(username, name string, roles []Role, district, password string) *User {
	f.t.Helper()
	u, err := f.insertUser(username, name, roles, district, password)
	if err != nil {
		f.t.Fatalf("seed user %s: %v", username, err)
	}
	return u
}

// insertUser is seedUser for goroutines other than the test's: it returns
// the error instead of failing the test.
func (f *fixture) insertUser(username, name string, roles []Role, district, password string) (*User, error) {
	in := UserInput{Username: username, Name: name, Roles: roles, District: district}
	if roles[0].Portal() == PortalAgency {
		in.AgencyName = "测试经纪有限公司"
	}
	hash := cheapHash(f.t, password)
	var u *User
	err := f.update(func(tx *storage.Tx) error {
		actor := SystemActor("test")
		if err := f.checkUserInput(tx, actor, &in, nil); err != nil {
			return err
		}
		if err := ensureTestAgency(tx, in.AgencyName, f.now()); err != nil {
			return err
		}
		agencyID, err := agencyOfInput(tx, &in)
		if err != nil {
			return err
		}
		now := f.now()
		u = &User{Username: in.Username, Name: in.Name, Roles: in.Roles, District: in.District,
			AgencyID: agencyID, AgencyName: in.AgencyName,
			PasswordHash: hash, Created: now, Updated: now}
		if _, err := userTable.Insert(tx, u); err != nil {
			return err
		}
		return f.audit(tx, actor, "user.create", "user", u.ID, u.Username+" (test)")
	})
	return u, err
}

// actor is the Actor the UI would build for u (without a session).
func (f *fixture) actor(u *User) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Roles: slices.Clone(u.Roles),
		District: u.District, AgencyID: u.AgencyID, IP: "192.0.2.1", RequestID: "req-test"}
}

// login signs u in at its portal and returns the session's actor and token.
func (f *fixture) login(username, password string, portal Portal) (Actor, string) {
	f.t.Helper()
	res, err := f.Login(portal, username, password, "192.0.2.7", "test-agent", "")
	if err != nil {
		f.t.Fatalf("login %s: %v", username, err)
	}
	return res.Actor, res.Token
}

// storedUser reads a user from the store by name.
func (f *fixture) storedUser(username string) *User {
	f.t.Helper()
	var u *User
	err := f.db.View(func(tx *storage.Tx) (err error) {
		u, err = userByName(tx, username)
		return err
	})
	if err != nil {
		f.t.Fatalf("stored user %s: %v", username, err)
	}
	return u
}

// hasUser reports whether a username is stored.
func (f *fixture) hasUser(username string) bool {
	f.t.Helper()
	var found bool
	err := f.db.View(func(tx *storage.Tx) error {
		_, err := userByName(tx, username)
		found = err == nil
		if ErrorCode(err) == ENOTFOUND {
			return nil
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return found
}

// counts returns the number of users, audit entries and sessions stored.
func (f *fixture) counts() (users, audits, sessions int) {
	f.t.Helper()
	err := f.db.View(func(tx *storage.Tx) error {
		users, audits, sessions = userTable.Count(tx), auditTable.Count(tx), sessionTable.Count(tx)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return
}

// auditEntries returns every stored audit entry, oldest first.
func (f *fixture) auditEntries() []*AuditEntry {
	f.t.Helper()
	var out []*AuditEntry
	err := f.db.View(func(tx *storage.Tx) error {
		return auditTable.Each(tx, false, func(e *AuditEntry) (bool, error) {
			out = append(out, e)
			return true, nil
		})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// lastAudit returns the newest audit entry.
func (f *fixture) lastAudit() *AuditEntry {
	f.t.Helper()
	all := f.auditEntries()
	if len(all) == 0 {
		f.t.Fatal("no audit entry")
	}
	return all[len(all)-1]
}

// userSessions returns the IDs of u's stored sessions.
func (f *fixture) userSessions(userID uint64) []uint64 {
	f.t.Helper()
	var ids []uint64
	err := f.db.View(func(tx *storage.Tx) (err error) {
		ids, err = sessionTable.Lookup(tx, "user", storage.U64(userID))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// wantError fails unless err is a user-facing error with that code and key.
func wantError(t testing.TB, err error, code Code, key string) *Error {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
	if e.Code != code || e.Key != key {
		t.Fatalf("error = %s %s, want %s %s", e.Code, e.Key, code, key)
	}
	return e
}

// wantFieldError fails unless err is a form error with key on field.
func wantFieldError(t testing.TB, err error, field, key string) {
	t.Helper()
	e := wantError(t, err, EINVALID, "form.invalid")
	if got := e.Fields[field]; got != key {
		t.Fatalf("field %s = %q, want %q (fields %v)", field, got, key, e.Fields)
	}
}

// wantIs fails unless errors.Is(err, target).
func wantIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
}

// wantRefusal fails unless err is a verification refusal: its own key is
// the reason (shown above the form and by the API) and names the field.
func wantRefusal(t testing.TB, err error, field, key string) {
	t.Helper()
	e := wantError(t, err, EINVALID, key)
	if got := e.Fields[field]; got != key {
		t.Fatalf("field %s = %q, want %q (fields %v)", field, got, key, e.Fields)
	}
}

// ensureTestAgency files an agency of that name (district 110105) unless
// one exists, for tests that need agency accounts but not the filing flow.
func ensureTestAgency(tx *storage.Tx, name string, now time.Time) error {
	if name == "" {
		return nil
	}
	if ag, err := resolveAgency(tx, name); err == nil && ag != nil {
		return nil
	}
	no, err := nextFilingNo(tx, "110105", now)
	if err != nil {
		return err
	}
	_, err = agencyTable.Insert(tx, &Agency{Status: AgencyFiled, FilingNo: no, Version: 1, Filed: now, Created: now, Updated: now,
		AgencyInfo: AgencyInfo{Name: name, Type: AgencyTypeBroker, District: "110105"}})
	return err
}
