package app

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

func TestLoginLocksAfterMaxFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	maxFails := f.ParamInt(ParamLoginMaxFails)
	if maxFails != 5 || f.ParamInt(ParamLoginLockMins) != 15 {
		t.Fatalf("defaults: max failures %d, lock %d min; the issue says 5 and 15", maxFails, f.ParamInt(ParamLoginLockMins))
	}

	for i := 1; i < maxFails; i++ {
		_, err := f.Login(PortalGov, "clerk.cy", "Wrong-Pass-2026", "192.0.2.7", "", "")
		wantError(t, err, EUNAUTHORIZED, "auth.bad_credentials")
	}
	_, err := f.Login(PortalGov, "clerk.cy", "Wrong-Pass-2026", "192.0.2.7", "", "")
	if e := wantError(t, err, ELOCKED, "auth.locked"); !slices.Equal(e.Args, []any{15}) {
		t.Errorf("lock message args = %v, want [15] (minutes)", e.Args)
	}
	if n := len(f.userSessions(clerk.ID)); n != 0 {
		t.Fatalf("%d sessions", n)
	}

	// While locked, even the right password is refused, with the minutes
	// left rounded up: at once still 15, not 16.
	_, err = f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", "")
	if e := wantError(t, err, ELOCKED, "auth.locked"); !slices.Equal(e.Args, []any{15}) {
		t.Errorf("at once: lock message args = %v, want [15]", e.Args)
	}
	f.clock.Advance(30 * time.Second)
	_, err = f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", "")
	if e := wantError(t, err, ELOCKED, "auth.locked"); !slices.Equal(e.Args, []any{15}) {
		t.Errorf("after 30 s: lock message args = %v, want [15]", e.Args)
	}
	f.clock.Advance(13*time.Minute + 30*time.Second)
	_, err = f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", "")
	if e := wantError(t, err, ELOCKED, "auth.locked"); !slices.Equal(e.Args, []any{1}) {
		t.Errorf("with 1 min left: lock message args = %v, want [1]", e.Args)
	}
	f.clock.Advance(59 * time.Second)
	_, err = f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", "")
	if e := wantError(t, err, ELOCKED, "auth.locked"); !slices.Equal(e.Args, []any{1}) {
		t.Errorf("with 1 s left: lock message args = %v, want [1]", e.Args)
	}

	f.clock.Advance(time.Second) // the lock ends at exactly 15 min
	res, err := f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", "")
	if err != nil {
		t.Fatalf("after the lock ended: %v", err)
	}
	if res.Actor.UserID != clerk.ID || res.MustChangePassword {
		t.Errorf("login result = %+v", res)
	}

	var failed []string
	for _, e := range f.auditEntries() {
		if e.Action == "auth.login_failed" {
			failed = append(failed, e.Detail)
		}
	}
	if len(failed) != maxFails || failed[maxFails-1] != "failures=5 locked" {
		t.Errorf("login_failed entries = %q", failed)
	}
	if e := f.lastAudit(); e.Action != "auth.login" || e.RecordID != clerk.ID || e.Detail != "gov" {
		t.Errorf("last audit entry = %+v", e)
	}

	// A successful sign-in resets the count: four more failures do not lock.
	for i := 1; i < maxFails; i++ {
		_, err := f.Login(PortalGov, "clerk.cy", "Wrong-Pass-2026", "192.0.2.7", "", "")
		wantError(t, err, EUNAUTHORIZED, "auth.bad_credentials")
	}
	if _, err := f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", ""); err != nil {
		t.Errorf("four failures after a sign-in locked the account: %v", err)
	}
}

func TestLoginLockParameters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	if err := f.SetParams(f.admin, map[string]string{ParamLoginMaxFails: "3", ParamLoginLockMins: "2"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := f.Login(PortalGov, "clerk.cy", "nope", "", "", "")
		wantError(t, err, EUNAUTHORIZED, "auth.bad_credentials")
	}
	_, err := f.Login(PortalGov, "clerk.cy", "nope", "", "", "")
	if e := wantError(t, err, ELOCKED, "auth.locked"); !slices.Equal(e.Args, []any{2}) {
		t.Errorf("args = %v, want [2]", e.Args)
	}
	f.clock.Advance(2*time.Minute + time.Second)
	if _, err := f.Login(PortalGov, "clerk.cy", fixturePassword, "", "", ""); err != nil {
		t.Errorf("after 2 min: %v", err)
	}
}

func TestLoginUnknownUserAndWrongPasswordLookAlike(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	_, audits0, _ := f.counts()

	_, errUnknown := f.Login(PortalGov, "nobody", fixturePassword, "192.0.2.7", "", "")
	_, errWrong := f.Login(PortalGov, "clerk.cy", "Wrong-Pass-2026", "192.0.2.7", "", "")
	wantError(t, errUnknown, EUNAUTHORIZED, "auth.bad_credentials")
	wantError(t, errWrong, EUNAUTHORIZED, "auth.bad_credentials")
	if errUnknown.Error() != errWrong.Error() {
		t.Errorf("unknown user %q and wrong password %q differ", errUnknown, errWrong)
	}
	if _, audits, sessions := f.counts(); audits != audits0+1 || sessions != 0 {
		t.Errorf("%d audit entries (want %d: only the known user's failure), %d sessions", audits, audits0+1, sessions)
	}
}

func TestLoginWrongPortalAndDisabled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	off := f.seedUser("leader", "赵敏", []Role{RoleViewer}, "", fixturePassword)
	if _, err := f.UpdateUser(f.admin, off.ID, UserInput{Name: "赵敏", Roles: []Role{RoleViewer}, Disabled: true}); err != nil {
		t.Fatal(err)
	}

	_, err := f.Login(PortalAgency, "clerk.cy", fixturePassword, "", "", "")
	wantError(t, err, EFORBIDDEN, "auth.wrong_portal_gov")
	_, err = f.Login(PortalGov, "agent.zhang", fixturePassword, "", "", "")
	wantError(t, err, EFORBIDDEN, "auth.wrong_portal_agency")
	_, err = f.Login(PortalGov, "leader", fixturePassword, "", "", "")
	wantError(t, err, EFORBIDDEN, "auth.disabled")
	if _, _, sessions := f.counts(); sessions != 0 {
		t.Errorf("%d sessions after refused sign-ins", sessions)
	}

	res, err := f.Login(PortalAgency, "agent.zhang", fixturePassword, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Actor.Can(PermGovPortal) || !res.Actor.Can(PermAgencyPortal) || res.Actor.AgencyID == 0 {
		t.Errorf("agent actor = %+v", res.Actor)
	}
}

func TestSessionStoresOnlyTokenHash(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	actor, token := f.login("clerk.cy", fixturePassword, PortalGov)
	if len(token) < 40 {
		t.Fatalf("token %q is too short to be unguessable", token)
	}
	var s *Session
	if err := f.db.View(func(tx *storage.Tx) (err error) { s, err = sessionTable.Get(tx, actor.SessionID); return err }); err != nil {
		t.Fatal(err)
	}
	if s.UserID != clerk.ID || s.TokenHash != tokenHash(token) || s.TokenHash == token || s.Portal != PortalGov ||
		s.IP != "192.0.2.7" || s.UserAgent != "test-agent" {
		t.Errorf("session = %+v", s)
	}
	f.close()
	data, err := os.ReadFile(f.dataFile())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(s.TokenHash)) {
		t.Fatal("the token hash is not in the data file: wrong file?")
	}
	if bytes.Contains(data, []byte(token)) {
		t.Error("the raw session token is in the data file")
	}
}

func TestAuthenticateIdleTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	_, token := f.login("clerk.cy", fixturePassword, PortalGov)

	_, _, err := f.Authenticate("", "")
	wantError(t, err, EUNAUTHORIZED, "session.required")
	_, _, err = f.Authenticate("not-a-token", "")
	wantError(t, err, EUNAUTHORIZED, "session.expired")

	// Activity keeps the session alive: each request moves LastSeen.
	for range 3 {
		f.clock.Advance(29 * time.Minute)
		actor, u, err := f.Authenticate(token, "192.0.2.8")
		if err != nil {
			t.Fatalf("after 29 idle minutes: %v", err)
		}
		if actor.UserID != clerk.ID || u.Username != "clerk.cy" || actor.IP != "192.0.2.8" || !slices.Equal(actor.Roles, []Role{RoleClerk}) {
			t.Fatalf("actor = %+v", actor)
		}
	}
	f.clock.Advance(31 * time.Minute)
	_, _, err = f.Authenticate(token, "")
	wantError(t, err, EUNAUTHORIZED, "session.expired")
	if n := len(f.userSessions(clerk.ID)); n != 0 {
		t.Errorf("%d sessions after expiry, want the session removed", n)
	}
	_, _, err = f.Authenticate(token, "")
	wantError(t, err, EUNAUTHORIZED, "session.expired")
}

func TestIdleParameterAndSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	if err := f.SetParams(f.admin, map[string]string{ParamSessionIdle: "10"}); err != nil {
		t.Fatal(err)
	}
	_, old := f.login("clerk.cy", fixturePassword, PortalGov)
	f.clock.Advance(8 * time.Minute)
	_, fresh := f.login("clerk.cy", fixturePassword, PortalGov)
	f.clock.Advance(3 * time.Minute)

	n, err := f.sweepSessions()
	if err != nil || n != 1 {
		t.Fatalf("sweepSessions = %d, %v; want 1", n, err)
	}
	if ids := f.userSessions(clerk.ID); len(ids) != 1 {
		t.Errorf("%d sessions left, want 1", len(ids))
	}
	if _, _, err := f.Authenticate(fresh, ""); err != nil {
		t.Errorf("fresh session: %v", err)
	}
	_, _, err = f.Authenticate(old, "")
	wantError(t, err, EUNAUTHORIZED, "session.expired")
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	err := f.update(func(tx *storage.Tx) error {
		clerk.MustChangePassword = true // as after CreateUser or ResetPassword
		return userTable.Put(tx, clerk)
	})
	if err != nil {
		t.Fatal(err)
	}
	current, curToken := f.login("clerk.cy", fixturePassword, PortalGov)
	_, otherToken := f.login("clerk.cy", fixturePassword, PortalGov)
	hash0 := f.storedUser("clerk.cy").PasswordHash
	_, audits0, _ := f.counts()

	const next = "Neues-Kennwort-77"
	tests := []struct {
		name                   string
		current, next, confirm string
		field, key             string
	}{
		{"mismatch", fixturePassword, next, next + "x", "confirm", "password.mismatch"},
		{"too short", fixturePassword, "Ab1-short", "Ab1-short", "new", "password.short"},
		{"one class", fixturePassword, "abcdefghijkl", "abcdefghijkl", "new", "password.one_class"},
		{"contains username", fixturePassword, "Clerk.CY-2026", "Clerk.CY-2026", "new", "password.contains_username"},
		{"same as old", fixturePassword, fixturePassword, fixturePassword, "new", "password.same_as_old"},
		{"current wrong", "Not-The-Password-1", next, next, "current", "password.current_wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.ChangePassword(current, tt.current, tt.next, tt.confirm)
			wantFieldError(t, err, tt.field, tt.key)
		})
	}
	if !bytes.Equal(f.storedUser("clerk.cy").PasswordHash, hash0) {
		t.Fatal("a refused change altered the stored hash")
	}
	// Only the wrong current password is audited (a guess, as at sign-in).
	if _, audits, _ := f.counts(); audits != audits0+1 || f.lastAudit().Action != "user.password_change_failed" {
		t.Errorf("refused changes wrote %d audit entries, the last %+v; want the wrong current password's only", audits-audits0, f.lastAudit())
	}
	if n := len(f.userSessions(clerk.ID)); n != 2 {
		t.Errorf("refused changes left %d sessions, want 2", n)
	}

	if err := f.ChangePassword(current, fixturePassword, next, next); err != nil {
		t.Fatal(err)
	}
	stored := f.storedUser("clerk.cy")
	if stored.MustChangePassword || !stored.PasswordChanged.Equal(f.clock.Now()) {
		t.Errorf("stored = must change %v, changed %v", stored.MustChangePassword, stored.PasswordChanged)
	}
	if _, _, err := f.Authenticate(curToken, ""); err != nil {
		t.Errorf("the current session ended: %v", err)
	}
	_, _, err = f.Authenticate(otherToken, "")
	wantError(t, err, EUNAUTHORIZED, "session.password_changed")
	if e := f.lastAudit(); e.Action != "user.password_change" || e.RecordID != clerk.ID || strings.Contains(e.Detail, next) {
		t.Errorf("last audit entry = %+v", e)
	}
	if bytes.Equal(stored.PasswordHash, hash0) {
		t.Error("the stored hash did not change")
	}
	if _, err := f.Login(PortalGov, "clerk.cy", next, "", "", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
}

// The change-password page asks for the current password: guessing it
// there (from a session left open, or a stolen cookie) counts with the
// sign-in failures and locks the account at the same limit.
func TestChangePasswordLocksAfterMaxFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	maxFails := f.ParamInt(ParamLoginMaxFails)
	session, _ := f.login("clerk.cy", fixturePassword, PortalGov)
	hash0 := f.storedUser("clerk.cy").PasswordHash
	const next = "Neues-Kennwort-77"

	for i := 1; i < maxFails; i++ {
		err := f.ChangePassword(session, "Guess-Number-"+strconv.Itoa(i), next, next)
		wantFieldError(t, err, "current", "password.current_wrong")
	}
	err := f.ChangePassword(session, "Guess-Number-5", next, next)
	if e := wantError(t, err, ELOCKED, "auth.locked"); !slices.Equal(e.Args, []any{15}) {
		t.Errorf("lock message args = %v, want [15] (minutes)", e.Args)
	}
	// Locked: the right password changes nothing, here or at sign-in.
	err = f.ChangePassword(session, fixturePassword, next, next)
	wantError(t, err, ELOCKED, "auth.locked")
	if !bytes.Equal(f.storedUser("clerk.cy").PasswordHash, hash0) {
		t.Fatal("the password was changed while the account was locked")
	}
	_, err = f.Login(PortalGov, "clerk.cy", fixturePassword, "192.0.2.7", "", "")
	wantError(t, err, ELOCKED, "auth.locked")
	var failed []string
	for _, e := range f.auditEntries() {
		if e.Action == "user.password_change_failed" && e.RecordID == clerk.ID {
			failed = append(failed, e.Detail)
		}
	}
	if len(failed) != maxFails || failed[maxFails-1] != "failures=5 locked" {
		t.Errorf("password_change_failed entries = %q", failed)
	}

	// After the lock, the change goes through and the count starts again.
	f.clock.Advance(15 * time.Minute)
	if err := f.ChangePassword(session, fixturePassword, next, next); err != nil {
		t.Fatalf("after the lock ended: %v", err)
	}
	for i := 1; i < maxFails; i++ {
		_, err := f.Login(PortalGov, "clerk.cy", "Wrong-Pass-2026", "192.0.2.7", "", "")
		wantError(t, err, EUNAUTHORIZED, "auth.bad_credentials")
	}
	if _, err := f.Login(PortalGov, "clerk.cy", next, "192.0.2.7", "", ""); err != nil {
		t.Errorf("failures before the change still counted: %v", err)
	}

	// One counter: wrong sign-ins and wrong current passwords add up; an
	// agent is sent to his agency's administrator.
	agent, _ := f.login("agent.zhang", fixturePassword, PortalAgency)
	for i := 1; i < maxFails; i++ {
		_, err := f.Login(PortalAgency, "agent.zhang", "Wrong-Pass-2026", "192.0.2.7", "", "")
		wantError(t, err, EUNAUTHORIZED, "auth.bad_credentials")
	}
	err = f.ChangePassword(agent, "Wrong-Pass-2026", next, next)
	wantError(t, err, ELOCKED, "auth.locked_agency")
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	_, token := f.login("clerk.cy", fixturePassword, PortalGov)
	for range f.ParamInt(ParamLoginMaxFails) {
		f.Login(PortalGov, "clerk.cy", "Wrong-Pass-2026", "", "", "")
	}
	_, err := f.Login(PortalGov, "clerk.cy", fixturePassword, "", "", "")
	wantError(t, err, ELOCKED, "auth.locked")

	_, once, err := f.ResetPassword(f.admin, clerk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if CheckPasswordPolicy(once, "clerk.cy") != nil {
		t.Errorf("one-time password %q breaks the policy", once)
	}
	if !f.storedUser("clerk.cy").MustChangePassword {
		t.Error("after a reset the user is not made to change the password")
	}
	_, _, err = f.Authenticate(token, "")
	wantError(t, err, EUNAUTHORIZED, "session.password_reset")
	if e := f.lastAudit(); e.Action != "user.password_reset" || e.RecordID != clerk.ID || strings.Contains(e.Detail, once) {
		t.Errorf("last audit entry = %+v", e)
	}
	// Old password gone, and unlocked at once.
	if bytes.Equal(f.storedUser("clerk.cy").PasswordHash, cheapHash(t, fixturePassword)) {
		t.Error("the old password hash is still stored")
	}
	res, err := f.Login(PortalGov, "clerk.cy", once, "", "", "")
	if err != nil {
		t.Fatalf("one-time password after reset: %v", err)
	}
	if !res.MustChangePassword {
		t.Error("login after reset does not ask for a change")
	}
}

func TestBootstrapAdmin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := Open(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	pw, created, err := a.BootstrapAdmin()
	if err != nil || !created || CheckPasswordPolicy(pw, "admin") != nil {
		t.Fatalf("BootstrapAdmin = %q, %v, %v", pw, created, err)
	}
	res, err := a.Login(PortalGov, "admin", pw, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !res.MustChangePassword || !res.Actor.Can(PermUserManage) {
		t.Errorf("admin = %+v, must change %v", res.Actor, res.MustChangePassword)
	}
	if pw2, created, err := a.BootstrapAdmin(); err != nil || created || pw2 != "" {
		t.Errorf("second BootstrapAdmin = %q, %v, %v; want nothing done", pw2, created, err)
	}
}

// Why a session was ended is kept for a while, then swept.
func TestSessionEndReasonSwept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	_, token := f.login("clerk.cy", fixturePassword, PortalGov)
	if _, _, err := f.ResetPassword(f.admin, clerk.ID); err != nil {
		t.Fatal(err)
	}
	ends := func() (n int) {
		_ = f.db.View(func(tx *storage.Tx) error { n = tx.Count(sessionEndsBucket); return nil })
		return n
	}
	if _, err := f.sweepSessions(); err != nil || ends() != 1 {
		t.Fatalf("sweep: %v; %d reasons kept, want 1", err, ends())
	}
	f.clock.Advance(sessionEndKept + time.Hour)
	if _, err := f.sweepSessions(); err != nil || ends() != 0 {
		t.Fatalf("sweep: %v; %d reasons kept, want 0", err, ends())
	}
	_, _, err := f.Authenticate(token, "")
	wantError(t, err, EUNAUTHORIZED, "session.expired")
}
