package app

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/storage"
)

// An agency admin (机构管理员) manages the accounts of his own agency's
// staff. Only agent accounts are made here: the admin account itself comes
// from the filing approval, and another admin account is the bureau's
// business (the sysadmin's user management). A head office admin does not
// manage his branches' accounts: each branch has its own admin.

// StaffInput is the form of a new staff account.
type StaffInput struct {
	Username string
	Name     string
	Phone    string
	// Role is the account's role; only RoleAgent (the default when empty)
	// is accepted.
	Role Role
	// Practitioner optionally links the account to one of the agency's
	// currently employed practitioners (his ID, as chosen from a list).
	Practitioner string
}

// StaffMember is one row of the staff list.
type StaffMember struct {
	User         *User
	Practitioner *Practitioner // the linked practitioner record, if any
	Self         bool          // the signed-in admin himself
	Admin        bool          // an admin account: managed by the bureau, not here
	// EnableBlocked says why a disabled account cannot be enabled now
	// (its practitioner left, or has another account), so the list does
	// not offer a button SetStaffDisabled would refuse.
	EnableBlocked *Error
	// LockedUntil is the end of the account's sign-in lock (repeated wrong
	// passwords), zero when it is not locked: the agent is told to ask his
	// administrator, who must see why he cannot sign in.
	LockedUntil time.Time
}

// staffAgency returns the actor's agency for staff management; changing
// says whether the step changes accounts, which a cancelled agency may not.
func staffAgency(tx *storage.Tx, actor Actor, changing bool) (*Agency, error) {
	if actor.AgencyID == 0 {
		return nil, Errorf(ENOTFOUND, "agency.not_found")
	}
	ag, err := agencyByID(tx, actor.AgencyID)
	if err != nil {
		return nil, notFound("agency.not_found", err)
	}
	if changing && ag.Status == AgencyCancelled {
		return nil, Errorf(ECONFLICT, "staff.agency_cancelled")
	}
	return ag, nil
}

// visibleStaff loads an account of the actor's own agency; any other
// account reads as not found, so an admin learns nothing of other agencies
// (his branches included).
func visibleStaff(tx *storage.Tx, actor Actor, userID uint64) (*User, error) {
	u, err := userTable.Get(tx, userID)
	if err != nil || actor.AgencyID == 0 || u.AgencyID != actor.AgencyID || u.Portal() != PortalAgency {
		return nil, notFound("staff.not_found", err)
	}
	return u, nil
}

// managedStaff is visibleStaff for a change: the account must be an agent
// account, not the admin's own nor another admin's.
func managedStaff(tx *storage.Tx, actor Actor, userID uint64) (*User, error) {
	u, err := visibleStaff(tx, actor, userID)
	if err != nil {
		return nil, err
	}
	switch {
	case u.ID == actor.UserID:
		return nil, Errorf(ECONFLICT, "staff.not_self")
	case u.HasRole(RoleAgencyAdmin):
		return nil, Errorf(EFORBIDDEN, "staff.admin_account")
	}
	return u, nil
}

// ListAgencyStaff lists the accounts of the actor's agency, admins first,
// then by username.
func (a *App) ListAgencyStaff(actor Actor) ([]StaffMember, error) {
	if err := actor.require(PermAgencyStaff); err != nil {
		return nil, err
	}
	var out []StaffMember
	err := a.db.View(func(tx *storage.Tx) error {
		ag, err := staffAgency(tx, actor, false)
		if err != nil {
			return err
		}
		users, err := agencyUsers(tx, ag.ID)
		if err != nil {
			return err
		}
		for _, u := range users {
			m := StaffMember{User: u, Self: u.ID == actor.UserID, Admin: u.HasRole(RoleAgencyAdmin),
				LockedUntil: a.lockedUntil(tx, u.ID)}
			if u.PractitionerID != 0 {
				if p, err := practitionerTable.Get(tx, u.PractitionerID); err == nil {
					m.Practitioner = p
				}
				if u.Disabled {
					err := checkReenableLinked(tx, ag, u)
					if e := (*Error)(nil); errors.As(err, &e) {
						m.EnableBlocked = e
					} else if err != nil {
						return err
					}
				}
			}
			out = append(out, m)
		}
		return nil
	})
	slices.SortStableFunc(out, func(x, y StaffMember) int {
		if x.Admin != y.Admin {
			if x.Admin {
				return -1
			}
			return 1
		}
		return strings.Compare(x.User.Username, y.User.Username)
	})
	return out, err
}

// agencyUsers returns every account of an agency (users index "agency").
func agencyUsers(tx *storage.Tx, agencyID uint64) ([]*User, error) {
	ids, err := userTable.Lookup(tx, "agency", storage.U64(agencyID))
	if err != nil {
		return nil, err
	}
	out := make([]*User, 0, len(ids))
	for _, id := range ids {
		u, err := userTable.Get(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// StaffPractitionerChoices lists the practitioners an account may be
// linked to: employed at the actor's agency now and without an enabled
// account of it.
func (a *App) StaffPractitionerChoices(actor Actor) ([]*Practitioner, error) {
	if err := actor.require(PermAgencyStaff); err != nil {
		return nil, err
	}
	var out []*Practitioner
	err := a.db.View(func(tx *storage.Tx) error {
		ag, err := staffAgency(tx, actor, false)
		if err != nil {
			return err
		}
		linked, err := linkedPractitioners(tx, ag.ID)
		if err != nil {
			return err
		}
		ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(ag.ID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := practitionerTable.Get(tx, id)
			if err != nil {
				return err
			}
			if c := p.Current(); c != nil && c.AgencyID == ag.ID && linked[p.ID] == nil {
				out = append(out, p)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(x, y *Practitioner) int { return strings.Compare(x.CardNo, y.CardNo) })
	return out, err
}

// linkedPractitioners maps practitioner ID -> the agency's enabled account
// linked to him. One person has at most one enabled account at a time (as
// LinkPractitionerAccount has it); a disabled one, e.g. from before he left
// and came back, does not count.
func linkedPractitioners(tx *storage.Tx, agencyID uint64) (map[uint64]*User, error) {
	users, err := agencyUsers(tx, agencyID)
	if err != nil {
		return nil, err
	}
	out := map[uint64]*User{}
	for _, u := range users {
		if u.PractitionerID != 0 && !u.Disabled {
			out[u.PractitionerID] = u
		}
	}
	return out, nil
}

// checkStaffPractitioner validates the optional link of a new account.
func checkStaffPractitioner(tx *storage.Tx, ag *Agency, ref string) (uint64, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(ref, 10, 64)
	if err != nil {
		return 0, fieldError("practitioner", "staff.practitioner_not_employed")
	}
	p, err := practitionerTable.Get(tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, fieldError("practitioner", "staff.practitioner_not_employed")
	} else if err != nil {
		return 0, err
	}
	if c := p.Current(); c == nil || c.AgencyID != ag.ID {
		// Someone of another agency, or who has left this one: an account
		// would let him act in this agency's name.
		return 0, fieldError("practitioner", "staff.practitioner_not_employed")
	}
	linked, err := linkedPractitioners(tx, ag.ID)
	if err != nil {
		return 0, err
	}
	if linked[p.ID] != nil {
		return 0, fieldError("practitioner", "staff.practitioner_linked")
	}
	return p.ID, nil
}

// CreateAgencyStaff creates an agent account of the actor's agency with a
// one-time password, returned to be shown once; the new user must change
// it at first sign-in.
func (a *App) CreateAgencyStaff(actor Actor, in StaffInput) (*User, string, error) {
	if err := actor.require(PermAgencyStaff); err != nil {
		return nil, "", err
	}
	password := NewOneTimePassword()
	// Hash outside the write transaction (bcrypt is slow; see CreateUser).
	hash, err := hashPassword(password)
	if err != nil {
		return nil, "", err
	}
	var u *User
	err = a.update(func(tx *storage.Tx) error {
		ag, err := staffAgency(tx, actor, true)
		if err != nil {
			return err
		}
		var v validation
		if in.Role != "" && in.Role != RoleAgent {
			v.add("role", "staff.role_agent_only")
		}
		ui := UserInput{Username: in.Username, Name: in.Name, Phone: in.Phone,
			Roles: []Role{RoleAgent}, AgencyName: ag.Name}
		if err := a.checkUserInput(tx, actor, &ui, nil); err != nil {
			if e, ok := AsError(err); ok {
				for f, k := range e.Fields {
					v.add(f, k)
				}
			} else {
				return err
			}
		}
		pid, err := checkStaffPractitioner(tx, ag, in.Practitioner)
		if e, ok := AsError(err); ok {
			for f, k := range e.Fields {
				v.add(f, k)
			}
		} else if err != nil {
			return err
		}
		if err := v.err(); err != nil {
			return err
		}
		now := a.now()
		u = &User{Username: ui.Username, Name: ui.Name, Phone: ui.Phone, Roles: ui.Roles,
			AgencyID: ag.ID, AgencyName: ag.Name, PractitionerID: pid,
			PasswordHash: hash, MustChangePassword: true, Created: now, Updated: now}
		if _, err := userTable.Insert(tx, u); err != nil {
			if errors.Is(err, storage.ErrDuplicate) {
				return fieldError("username", "user.username_taken")
			}
			return err
		}
		detail := u.Username + " " + rolesString(u.Roles) + " @" + ag.Name
		if pid != 0 {
			detail += " practitioner/" + strconv.FormatUint(pid, 10)
		}
		return a.audit(tx, actor, "staff.create", "user", u.ID, detail,
			auditNote("audit.note.user_agency", noteText(u.Username), noteRoles(u.Roles), noteText(ag.Name)))
	})
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

// SetStaffDisabled disables or re-enables an agent account of the actor's
// agency. Disabling ends the account's sessions at once.
func (a *App) SetStaffDisabled(actor Actor, userID uint64, disabled bool) (*User, error) {
	if err := actor.require(PermAgencyStaff); err != nil {
		return nil, err
	}
	var u *User
	err := a.update(func(tx *storage.Tx) error {
		ag, err := staffAgency(tx, actor, true)
		if err != nil {
			return err
		}
		if u, err = managedStaff(tx, actor, userID); err != nil {
			return err
		}
		if u.Disabled == disabled {
			return nil
		}
		if !disabled && u.PractitionerID != 0 {
			if err := checkReenableLinked(tx, ag, u); err != nil {
				return err
			}
		}
		u.Disabled, u.Updated = disabled, a.now()
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
		action := "staff.enable"
		if disabled {
			action = "staff.disable"
			if _, err := endSessions(tx, u.ID, endDisabled(u), a.now()); err != nil {
				return err
			}
		}
		return a.audit(tx, actor, action, "user", u.ID, u.Username)
	})
	return u, err
}

// checkReenableLinked: an account linked to a practitioner comes back only
// while he works here (it was disabled when his employment ended) and has
// no other enabled account meanwhile.
func checkReenableLinked(tx *storage.Tx, ag *Agency, u *User) error {
	p, err := practitionerTable.Get(tx, u.PractitionerID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if c := p.Current(); c == nil || c.AgencyID != ag.ID {
		return Errorf(ECONFLICT, "staff.practitioner_left", p.Name)
	}
	linked, err := linkedPractitioners(tx, ag.ID)
	if err != nil {
		return err
	}
	if other := linked[p.ID]; other != nil && other.ID != u.ID {
		return Errorf(ECONFLICT, "staff.practitioner_has_account", p.Name, other.Username)
	}
	return nil
}

// ResetStaffPassword gives an agent account of the actor's agency a new
// one-time password (shown once), unlocks it and ends its sessions.
func (a *App) ResetStaffPassword(actor Actor, userID uint64) (*User, string, error) {
	if err := actor.require(PermAgencyStaff); err != nil {
		return nil, "", err
	}
	var u *User
	password, err := a.resetPassword(actor, func(tx *storage.Tx) (*User, error) {
		if _, err := staffAgency(tx, actor, true); err != nil {
			return nil, err
		}
		var err error
		u, err = managedStaff(tx, actor, userID)
		return u, err
	})
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

// UnlockStaff lifts the sign-in lock of an agent account of the actor's
// agency, as UnlockUser does for the bureau: the agent signs in with the
// password he has, where a reset would make him wait for a new slip.
func (a *App) UnlockStaff(actor Actor, userID uint64) error {
	if err := actor.require(PermAgencyStaff); err != nil {
		return err
	}
	return a.update(func(tx *storage.Tx) error {
		if _, err := staffAgency(tx, actor, true); err != nil {
			return err
		}
		u, err := managedStaff(tx, actor, userID)
		if err != nil {
			return err
		}
		return a.unlock(tx, actor, u)
	})
}

// GetAgencyStaff returns one account of the actor's agency.
func (a *App) GetAgencyStaff(actor Actor, userID uint64) (*User, error) {
	if err := actor.require(PermAgencyStaff); err != nil {
		return nil, err
	}
	var u *User
	err := a.db.View(func(tx *storage.Tx) (err error) {
		u, err = visibleStaff(tx, actor, userID)
		return err
	})
	return u, err
}
