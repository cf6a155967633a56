package app

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"anju/storage"
)

// Session is a signed-in browser. The cookie holds a random token; the
// store keeps only its SHA-256, so a copy of the data file (a backup) does
// not hold live credentials.
type Session struct {
	ID        uint64    `json:"id"`
	TokenHash string    `json:"token_hash"`
	UserID    uint64    `json:"user_id"`
	Portal    Portal    `json:"portal"`
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
}

var sessionTable = storage.NewTable(storage.TableOptions[Session]{
	Name:  "sessions",
	ID:    func(s *Session) uint64 { return s.ID },
	SetID: func(s *Session, id uint64) { s.ID = id },
	Indexes: []storage.Index[Session]{
		{Name: "token", Unique: true, Keys: func(s *Session) [][]byte { return [][]byte{[]byte(s.TokenHash)} }},
		{Name: "user", Keys: func(s *Session) [][]byte { return [][]byte{storage.U64(s.UserID)} }},
	},
})

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// touchEvery limits how often a session's LastSeen is written: reads do
// not turn into a write per request.
const touchEvery = time.Minute

// Why a session was ended by someone else: the browser's next request is
// told this (the message key of Authenticate's error), not "inactivity".
const (
	endPasswordReset   = "session.password_reset"   // a sysadmin or agency administrator reset the password
	endPasswordChanged = "session.password_changed" // the user changed it in another browser
	endSignedOut       = "session.signed_out"       // a sysadmin signed the user out everywhere
)

// endDisabled is why a disabled user's sessions ended: an agent's account
// is his agency administrator's to enable again, any other the bureau's.
func endDisabled(u *User) string { return "session." + disabledKey(u) }

// disabledKey is "disabled", or "disabled_agency" for an agency account
// that its agency's administrator manages (not an administrator's own).
func disabledKey(u *User) string {
	if u.Portal() == PortalAgency && !u.HasRole(RoleAgencyAdmin) {
		return "disabled_agency"
	}
	return "disabled"
}

// endLockedKey is why a session ended when wrong current passwords on the
// change-password page locked its account (ChangePassword).
func endLockedKey(u *User) string { return "session." + strings.TrimPrefix(lockedKey(u), "auth.") }

// lockedKey is the sign-in message of a locked account: an agent's
// password is reset by his agency's administrator (ResetStaffPassword),
// not by the bureau's system administrator.
func lockedKey(u *User) string {
	if disabledKey(u) == "disabled_agency" {
		return "auth.locked_agency"
	}
	return "auth.locked"
}

// sessionEndsBucket keeps, by token hash, why a session was ended by
// someone else, for sessionEndKept (then the sweep removes it).
const (
	sessionEndsBucket = "session_ends"
	sessionEndKept    = 30 * 24 * time.Hour
)

type sessionEnd struct {
	Key string    `json:"key"`
	At  time.Time `json:"at"`
}

// Authenticate resolves a session token to its actor. It fails with
// EUNAUTHORIZED: "session.expired" when the session is unknown or idle for
// longer than the idle parameter, "session.disabled" (or
// "session.disabled_agency") when its user is disabled, and the key kept by
// endSession when someone else ended it.
func (a *App) Authenticate(token string, ip string) (Actor, *User, error) {
	if token == "" {
		return Actor{}, nil, Errorf(EUNAUTHORIZED, "session.required")
	}
	idle := time.Duration(a.ParamInt(ParamSessionIdle)) * time.Minute
	now := a.now()
	var s *Session
	var u *User
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		hash := tokenHash(token)
		s, err = sessionTable.LookupOne(tx, "token", []byte(hash))
		if errors.Is(err, storage.ErrNotFound) {
			var end sessionEnd
			if b := tx.Get(sessionEndsBucket, []byte(hash)); b != nil && json.Unmarshal(b, &end) == nil && end.Key != "" {
				return Errorf(EUNAUTHORIZED, end.Key)
			}
			return Errorf(EUNAUTHORIZED, "session.expired")
		}
		if err != nil {
			return err
		}
		u, err = userTable.Get(tx, s.UserID)
		if errors.Is(err, storage.ErrNotFound) {
			return Errorf(EUNAUTHORIZED, "session.expired")
		}
		return err
	})
	if err != nil {
		return Actor{}, nil, err
	}
	if now.Sub(s.LastSeen) > idle || u.Disabled {
		_ = a.db.Batch(func(tx *storage.Tx) error {
			if err := sessionTable.Delete(tx, s.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			return nil
		})
		if u.Disabled {
			return Actor{}, nil, Errorf(EUNAUTHORIZED, endDisabled(u))
		}
		return Actor{}, nil, Errorf(EUNAUTHORIZED, "session.expired")
	}
	if now.Sub(s.LastSeen) > touchEvery {
		id := s.ID
		err := a.db.Batch(func(tx *storage.Tx) error {
			cur, err := sessionTable.Get(tx, id)
			if err != nil {
				return nil // ended meanwhile
			}
			cur.LastSeen = now
			return sessionTable.Put(tx, cur)
		})
		if err != nil {
			return Actor{}, nil, err
		}
	}
	return actorOf(u, s, ip), u, nil
}

func actorOf(u *User, s *Session, ip string) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Roles: u.Roles,
		District: u.District, AgencyID: u.AgencyID, AgencyName: u.AgencyName, Lang: u.Lang, IP: ip, SessionID: s.ID}
}

// endSessions removes every session of a user in tx, keeping why (a
// message key) for each browser's next request.
func endSessions(tx *storage.Tx, userID uint64, why string, now time.Time) (int, error) {
	ids, err := sessionTable.Lookup(tx, "user", storage.U64(userID))
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := endSession(tx, id, why, now); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// endSession removes one session, keeping why it ended.
func endSession(tx *storage.Tx, id uint64, why string, now time.Time) error {
	s, err := sessionTable.Get(tx, id)
	if err != nil {
		return err
	}
	if err := sessionTable.Delete(tx, id); err != nil {
		return err
	}
	b, _ := json.Marshal(sessionEnd{Key: why, At: now})
	return tx.Put(sessionEndsBucket, []byte(s.TokenHash), b)
}

// EndUserSessions signs a user out everywhere (sysadmin).
func (a *App) EndUserSessions(actor Actor, userID uint64) (int, error) {
	if err := actor.require(PermUserManage); err != nil {
		return 0, err
	}
	var n int
	err := a.update(func(tx *storage.Tx) error {
		u, err := visibleUser(tx, actor, userID)
		if err != nil {
			return err
		}
		if n, err = endSessions(tx, userID, endSignedOut, a.now()); err != nil {
			return err
		}
		return a.audit(tx, actor, "user.sessions_end", "user", u.ID, u.Username)
	})
	return n, err
}

// Logout ends the actor's current session.
func (a *App) Logout(actor Actor) error {
	if actor.SessionID == 0 {
		return nil
	}
	return a.update(func(tx *storage.Tx) error {
		if err := sessionTable.Delete(tx, actor.SessionID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		return a.audit(tx, actor, "auth.logout", "user", actor.UserID, "")
	})
}

// EndSession ends a browser's previous session when it signs in again;
// the new sign-in is what the audit log records.
func (a *App) EndSession(actor Actor) error {
	if actor.SessionID == 0 {
		return nil
	}
	return a.db.Update(func(tx *storage.Tx) error {
		if err := sessionTable.Delete(tx, actor.SessionID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		return nil
	})
}

// sweepSessions removes sessions idle for longer than the idle limit; it
// runs periodically so that abandoned sessions do not accumulate.
func (a *App) sweepSessions() (int, error) {
	cutoff := a.now().Add(-time.Duration(a.ParamInt(ParamSessionIdle)) * time.Minute)
	var stale []uint64
	err := a.db.View(func(tx *storage.Tx) error {
		return sessionTable.Each(tx, false, func(s *Session) (bool, error) {
			if s.LastSeen.Before(cutoff) {
				stale = append(stale, s.ID)
			}
			return true, nil
		})
	})
	var ends [][]byte
	if err == nil {
		endCutoff := a.now().Add(-sessionEndKept)
		err = a.db.View(func(tx *storage.Tx) error {
			return tx.Scan(sessionEndsBucket, nil, false, func(k, v []byte) (bool, error) {
				var end sessionEnd
				if json.Unmarshal(v, &end) != nil || end.At.Before(endCutoff) {
					ends = append(ends, bytes.Clone(k))
				}
				return true, nil
			})
		})
	}
	if err != nil || len(stale)+len(ends) == 0 {
		return 0, err
	}
	err = a.db.Update(func(tx *storage.Tx) error {
		for _, id := range stale {
			if err := sessionTable.Delete(tx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		for _, k := range ends {
			if err := tx.Delete(sessionEndsBucket, k); err != nil {
				return err
			}
		}
		return nil
	})
	return len(stale), err
}
