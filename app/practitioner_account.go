package app

import "anju/storage"

// LinkPractitionerAccount links an agent account to the practitioner
// record of the person who uses it (User.PractitionerID): his information
// card (/agency/card) and, later, his work carry his card number.
// practitionerID 0 removes the link. An agency admin links the accounts
// of his agency to people it employs now; a sysadmin any agency account.
func (a *App) LinkPractitionerAccount(actor Actor, userID, practitionerID uint64) error {
	if !actor.Can(PermAgencyStaff) && !actor.Can(PermUserManage) {
		return Errorf(EFORBIDDEN, "error.forbidden")
	}
	return a.update(func(tx *storage.Tx) error {
		u, err := userTable.Get(tx, userID)
		if err != nil || u.Portal() != PortalAgency || (!actor.System && !actor.Can(PermUserManage) && u.AgencyID != actor.AgencyID) {
			return notFound("user.not_found", err)
		}
		detail := u.Username + ": unlinked"
		if practitionerID != 0 {
			p, err := practitionerTable.Get(tx, practitionerID)
			if err != nil || !canSeePractitioner(tx, actor, p) {
				return notFound("practitioner.not_found", err)
			}
			if c := p.Current(); c == nil || c.AgencyID != u.AgencyID {
				return fieldError("account", "practitioner.account_other_agency")
			}
			ids, err := userTable.Lookup(tx, "agency", storage.U64(u.AgencyID))
			if err != nil {
				return err
			}
			for _, id := range ids {
				other, err := userTable.Get(tx, id)
				if err != nil {
					return err
				}
				if id != u.ID && other.PractitionerID == practitionerID && !other.Disabled {
					return fieldError("account", "practitioner.account_taken")
				}
			}
			detail = u.Username + " → " + p.CardNo
		}
		if u.PractitionerID == practitionerID {
			return nil
		}
		u.PractitionerID, u.Updated = practitionerID, a.now()
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
		return a.audit(tx, actor, "user.link_practitioner", "user", u.ID, detail)
	})
}

// AccountOption is an agency account offered for linking.
type AccountOption struct {
	UserID   uint64
	Username string
	Name     string
	Linked   bool // to this practitioner
}

// PractitionerAccounts lists the enabled agent accounts of the
// practitioner's current agency that are free to link to him (or linked to
// him already), for an actor who may link them.
func (a *App) PractitionerAccounts(actor Actor, practitionerID uint64) ([]AccountOption, error) {
	if !actor.Can(PermAgencyStaff) && !actor.Can(PermUserManage) {
		return nil, nil
	}
	var out []AccountOption
	err := a.db.View(func(tx *storage.Tx) error {
		p, err := practitionerTable.Get(tx, practitionerID)
		if err != nil || !canSeePractitioner(tx, actor, p) {
			return notFound("practitioner.not_found", err)
		}
		c := p.Current()
		if c == nil || (!actor.System && !actor.Can(PermUserManage) && c.AgencyID != actor.AgencyID) {
			return nil
		}
		ids, err := userTable.Lookup(tx, "agency", storage.U64(c.AgencyID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			u, err := userTable.Get(tx, id)
			if err != nil {
				return err
			}
			if u.Disabled || !u.HasRole(RoleAgent) || (u.PractitionerID != 0 && u.PractitionerID != p.ID) {
				continue
			}
			out = append(out, AccountOption{UserID: u.ID, Username: u.Username, Name: u.Name, Linked: u.PractitionerID == p.ID})
		}
		return nil
	})
	return out, err
}
