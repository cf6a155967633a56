package app

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"anju/storage"
)

// loginState is kept apart from the user record so that sign-ins do not
// rewrite (and re-index) the user.
type loginState struct {
	Failed      int       `json:"failed"`
	LockedUntil time.Time `json:"locked_until"`
	LastLogin   time.Time `json:"last_login"`
	LastIP      string    `json:"last_ip"`
	// PrevLogin and PrevIP are the sign-in before the last one: the last
	// is usually the reader's own, and the profile shows the one before it.
	PrevLogin time.Time `json:"prev_login,omitempty"`
	PrevIP    string    `json:"prev_ip,omitempty"`
}

const loginBucket = "logins"

func getLoginState(tx *storage.Tx, userID uint64) loginState {
	var st loginState
	if b := tx.Get(loginBucket, storage.U64(userID)); b != nil {
		_ = json.Unmarshal(b, &st)
	}
	return st
}

func putLoginState(tx *storage.Tx, userID uint64, st loginState) error {
	b, _ := json.Marshal(st)
	return tx.Put(loginBucket, storage.U64(userID), b)
}

// dummyHash is compared against when the username is unknown, so that the
// answer takes as long as for a known user.
// Made on first use, not at start-up: every CLI command would pay ~60 ms.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("anju-no-such-user"), bcrypt.DefaultCost)
	return h
})

// LoginResult is a successful sign-in.
type LoginResult struct {
	Token              string // for the cookie; never stored
	Actor              Actor
	MustChangePassword bool
}

// Login checks a username and password at one portal's sign-in page.
// Failures: "auth.bad_credentials" (unknown user or wrong password, the
// same message for both), "auth.locked" with the minutes left, "auth.disabled" (an agent's:
// "auth.disabled_agency", his agency administrator's to enable again),
// "auth.wrong_portal" with the right portal.
func (a *App) Login(portal Portal, username, password, ip, userAgent, requestID string) (LoginResult, error) {
	now := a.now()
	var u *User
	var st loginState
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		u, err = userByName(tx, username)
		if err != nil {
			return err
		}
		st = getLoginState(tx, u.ID)
		return nil
	})
	if ErrorCode(err) == ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		a.log.Info("login failed", "reason", "unknown_user", "ip", ip)
		return LoginResult{}, Errorf(EUNAUTHORIZED, "auth.bad_credentials")
	}
	if err != nil {
		return LoginResult{}, err
	}
	if err := a.lockedError(u, st); err != nil {
		return LoginResult{}, err
	}
	actor := Actor{UserID: u.ID, Username: u.Username, IP: ip, RequestID: requestID}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		if err := a.passwordFailed(actor, u, "auth.login_failed"); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, Errorf(EUNAUTHORIZED, "auth.bad_credentials")
	}
	if u.Disabled {
		return LoginResult{}, Errorf(EFORBIDDEN, "auth."+disabledKey(u))
	}
	if u.Portal() != portal {
		return LoginResult{}, Errorf(EFORBIDDEN, "auth.wrong_portal_"+string(u.Portal()))
	}
	token := newToken()
	s := &Session{TokenHash: tokenHash(token), UserID: u.ID, Portal: portal,
		Created: now, LastSeen: now, IP: ip, UserAgent: truncate(userAgent, 200)}
	err = a.db.Batch(func(tx *storage.Tx) error {
		s.ID = 0
		if _, err := sessionTable.Insert(tx, s); err != nil {
			return err
		}
		st := getLoginState(tx, u.ID)
		st.PrevLogin, st.PrevIP = st.LastLogin, st.LastIP
		st.Failed, st.LockedUntil, st.LastLogin, st.LastIP = 0, time.Time{}, now, ip
		if err := putLoginState(tx, u.ID, st); err != nil {
			return err
		}
		return a.audit(tx, actor, "auth.login", "user", u.ID, string(portal),
			auditNote("audit.note.portal", noteKey("portal."+string(portal))))
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, Actor: actorOf(u, s, ip), MustChangePassword: u.MustChangePassword}, nil
}

// lockedError is the refusal while u is locked, nil when he is not.
func (a *App) lockedError(u *User, st loginState) error {
	now := a.now()
	if !now.Before(st.LockedUntil) {
		return nil
	}
	// Rounded up: "15 minutes" right after locking, "1 minute" in the last one.
	mins := int((st.LockedUntil.Sub(now) + time.Minute - 1) / time.Minute)
	return Errorf(ELOCKED, lockedKey(u), mins)
}

// passwordFailed counts a wrong password given for u, at sign-in or as
// the current password on the change-password page (one counter: the
// parameters allow so many guesses at the password, wherever they are
// made), audits it as action, and locks the account at the limit. It
// returns the locked error then, else nil.
func (a *App) passwordFailed(actor Actor, u *User, action string) error {
	maxFails := a.ParamInt(ParamLoginMaxFails)
	lockFor := time.Duration(a.ParamInt(ParamLoginLockMins)) * time.Minute
	now := a.now()
	var locked bool
	err := a.db.Batch(func(tx *storage.Tx) error {
		st := getLoginState(tx, u.ID)
		st.Failed++
		locked = st.Failed >= maxFails
		detail := "failures=" + strconv.Itoa(st.Failed)
		note := auditNote("audit.note.login_failures", noteInt(st.Failed))
		if locked {
			note.Key = "audit.note.login_failures_locked"
			st.Failed, st.LockedUntil = 0, now.Add(lockFor)
			detail += " locked"
		}
		if err := putLoginState(tx, u.ID, st); err != nil {
			return err
		}
		return a.audit(tx, actor, action, "user", u.ID, detail, note)
	})
	if err != nil {
		return err
	}
	if locked {
		return Errorf(ELOCKED, lockedKey(u), int(lockFor.Minutes()))
	}
	return nil
}

// MustChangePassword reports whether the actor still has to replace a
// one-time password; the UI sends such users to the change page only.
func (a *App) MustChangePassword(actor Actor) bool {
	var must bool
	_ = a.db.View(func(tx *storage.Tx) error {
		u, err := userTable.Get(tx, actor.UserID)
		if err == nil {
			must = u.MustChangePassword
		}
		return nil
	})
	return must
}

// ChangePassword replaces the actor's password after checking the current
// one. Other sessions of the user end; the current one stays.
func (a *App) ChangePassword(actor Actor, current, next, confirm string) error {
	var v validation
	if next != confirm {
		v.add("confirm", "password.mismatch")
	}
	if next == "" {
		v.add("new", "password.new_required")
	} else if err := CheckPasswordPolicy(next, actor.Username); err != nil {
		v.add("new", err.Error())
	}
	if next == current && next != "" {
		v.add("new", "password.same_as_old")
	}
	var u *User
	var st loginState
	err := a.db.View(func(tx *storage.Tx) (err error) {
		u, err = getUser(tx, actor.UserID)
		if err == nil {
			st = getLoginState(tx, u.ID)
		}
		return err
	})
	if err != nil {
		return err
	}
	// The current password is guessed here as at sign-in (by whoever holds
	// a session left open or a stolen cookie), so the same lock applies:
	// while it lasts not even the right password is tried, and the session
	// that met it ends, as a sign-in would be refused: the guesser keeps
	// no session to go on in.
	if err := a.lockedError(u, st); err != nil {
		return a.endLockedSession(actor, u, err)
	}
	if current == "" {
		// Nothing typed is no guess: said so, and not counted towards the
		// lock (the sign-in page does not count an empty password either).
		v.add("current", "password.current_required")
	} else if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(current)) != nil {
		if err := a.passwordFailed(actor, u, "user.password_change_failed"); err != nil {
			if ErrorCode(err) == ELOCKED {
				return a.endLockedSession(actor, u, err)
			}
			return err
		}
		v.add("current", "password.current_wrong")
	}
	if err := v.err(); err != nil {
		return err
	}
	hash, err := hashPassword(next)
	if err != nil {
		return err
	}
	return a.update(func(tx *storage.Tx) error {
		u, err := getUser(tx, actor.UserID)
		if err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword, u.PasswordChanged, u.Updated = hash, false, a.now(), a.now()
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
		// Earlier wrong guesses no longer count, as after a sign-in.
		st := getLoginState(tx, u.ID)
		if st.Failed != 0 {
			st.Failed = 0
			if err := putLoginState(tx, u.ID, st); err != nil {
				return err
			}
		}
		ids, err := sessionTable.Lookup(tx, "user", storage.U64(u.ID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id != actor.SessionID {
				if err := endSession(tx, id, endPasswordChanged, a.now()); err != nil {
					return err
				}
			}
		}
		return a.audit(tx, actor, "user.password_change", "user", u.ID, "")
	})
}

// endLockedSession ends the actor's session because u is locked, keeping
// why for its other tabs, and returns lockErr (the lock and its minutes,
// for the page the user is signed out to).
func (a *App) endLockedSession(actor Actor, u *User, lockErr error) error {
	if actor.SessionID == 0 {
		return lockErr
	}
	err := a.update(func(tx *storage.Tx) error {
		err := endSession(tx, actor.SessionID, endLockedKey(u), a.now())
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return lockErr
}

// ResetPassword gives a user a new one-time password (shown once to the
// sysadmin), unlocks the account and ends its sessions. The seed's answer
// to a forgotten password. The user is returned for the password slip:
// loading him again with GetUser audited a view of his phone, which the
// slip does not show.
func (a *App) ResetPassword(actor Actor, userID uint64) (*User, string, error) {
	if err := actor.require(PermUserManage); err != nil {
		return nil, "", err
	}
	var u *User
	password, err := a.resetPassword(actor, func(tx *storage.Tx) (*User, error) {
		var err error
		u, err = visibleUser(tx, actor, userID)
		return u, err
	})
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

// ResetPasswordByName is the CLI's `anju reset-password USER`.
// The user is returned too: a disabled account still cannot sign in, and
// the console must say so.
func (a *App) ResetPasswordByName(actor Actor, username string) (*User, string, error) {
	if err := actor.require(PermUserManage); err != nil {
		return nil, "", err
	}
	var u *User
	password, err := a.resetPassword(actor, func(tx *storage.Tx) (*User, error) {
		var err error
		u, err = userByName(tx, username)
		return u, err
	})
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

func (a *App) resetPassword(actor Actor, find func(*storage.Tx) (*User, error)) (string, error) {
	password := NewOneTimePassword()
	hash, err := hashPassword(password)
	if err != nil {
		return "", err
	}
	err = a.update(func(tx *storage.Tx) error {
		u, err := find(tx)
		if err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword, u.Updated = hash, true, a.now()
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
		// Unlocked and the wrong guesses forgotten; the sign-ins before
		// stay, for the profile to show the user who signed in last.
		st := getLoginState(tx, u.ID)
		st.Failed, st.LockedUntil = 0, time.Time{}
		if err := putLoginState(tx, u.ID, st); err != nil {
			return err
		}
		if _, err := endSessions(tx, u.ID, endPasswordReset, a.now()); err != nil {
			return err
		}
		return a.audit(tx, actor, "user.password_reset", "user", u.ID, u.Username)
	})
	if err != nil {
		return "", err
	}
	return password, nil
}

// UserLockedUntil returns when the sign-in lock of a user ends (repeated
// wrong passwords, see Login); zero when the account is not locked.
func (a *App) UserLockedUntil(actor Actor, userID uint64) (time.Time, error) {
	if err := actor.require(PermUserManage); err != nil {
		return time.Time{}, err
	}
	var until time.Time
	err := a.db.View(func(tx *storage.Tx) error {
		if _, err := visibleUser(tx, actor, userID); err != nil {
			return err
		}
		until = a.lockedUntil(tx, userID)
		return nil
	})
	return until, err
}

// lockedUntil is the end of userID's sign-in lock, zero when not locked.
func (a *App) lockedUntil(tx *storage.Tx, userID uint64) time.Time {
	if st := getLoginState(tx, userID); a.now().Before(st.LockedUntil) {
		return st.LockedUntil
	}
	return time.Time{}
}

// UnlockUser lifts a user's sign-in lock and forgets the failed attempts,
// so that the user signs in with the password he has; unlike
// ResetPassword it leaves the password and the sessions alone. A user who
// is not locked is left as he is (nothing is audited).
func (a *App) UnlockUser(actor Actor, userID uint64) error {
	if err := actor.require(PermUserManage); err != nil {
		return err
	}
	return a.update(func(tx *storage.Tx) error {
		u, err := visibleUser(tx, actor, userID)
		if err != nil {
			return err
		}
		return a.unlock(tx, actor, u)
	})
}

// unlock lifts u's sign-in lock in tx and audits it; nothing when u is
// not locked.
func (a *App) unlock(tx *storage.Tx, actor Actor, u *User) error {
	until := a.lockedUntil(tx, u.ID)
	if until.IsZero() {
		return nil
	}
	st := getLoginState(tx, u.ID)
	st.Failed, st.LockedUntil = 0, time.Time{}
	if err := putLoginState(tx, u.ID, st); err != nil {
		return err
	}
	return a.audit(tx, actor, "user.unlock", "user", u.ID, u.Username+" locked until "+until.Format(time.RFC3339),
		auditNote("audit.note.unlock", noteText(u.Username), noteTime(until)))
}

// SetLanguage remembers the actor's language choice.
func (a *App) SetLanguage(actor Actor, lang string) error {
	if lang != "zh-CN" && lang != "en" {
		return fieldError("lang", "lang.unknown")
	}
	if actor.UserID == 0 {
		return nil
	}
	return a.update(func(tx *storage.Tx) error {
		u, err := getUser(tx, actor.UserID)
		if err != nil || u.Lang == lang {
			return err
		}
		u.Lang = lang
		return userTable.Put(tx, u)
	})
}

// Profile returns the actor's own account, login state included.
type Profile struct {
	User *User
	// LastLogin and LastIP are the latest sign-in other than the one that
	// started the reader's session (zero when none is recorded): his own
	// he knows; another one, at a time or from an address he does not
	// know, tells him someone else used his account.
	LastLogin time.Time
	LastIP    string
}

// Profile returns the signed-in user's own account.
func (a *App) Profile(actor Actor) (Profile, error) {
	var p Profile
	err := a.db.View(func(tx *storage.Tx) error {
		u, err := getUser(tx, actor.UserID)
		if err != nil {
			return err
		}
		st := getLoginState(tx, u.ID)
		p = Profile{User: u, LastLogin: st.LastLogin, LastIP: st.LastIP}
		// The last sign-in is this session's (Login gives both the same
		// time) unless another one came after it: then the one before.
		if s, err := sessionTable.Get(tx, actor.SessionID); err == nil && s.Created.Equal(st.LastLogin) {
			p.LastLogin, p.LastIP = st.PrevLogin, st.PrevIP
		}
		return nil
	})
	return p, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
