package app

import (
	"anju/storage"
)

// BootstrapAdmin creates the first system administrator, "admin", when the
// store has no user at all. It returns the one-time password to print once
// on the console; created is false when users already exist.
func (a *App) BootstrapAdmin() (password string, created bool, err error) {
	var have int
	if err := a.db.View(func(tx *storage.Tx) error { have = userTable.Count(tx); return nil }); err != nil || have > 0 {
		return "", false, err
	}
	password = NewOneTimePassword()
	hash, err := hashPassword(password)
	if err != nil {
		return "", false, err
	}
	actor := SystemActor("bootstrap")
	err = a.update(func(tx *storage.Tx) error {
		if userTable.Count(tx) > 0 {
			return nil
		}
		now := a.now()
		u := &User{Username: "admin", Name: "系统管理员", Roles: []Role{RoleSysadmin},
			PasswordHash: hash, MustChangePassword: true, Created: now, Updated: now}
		if _, err := userTable.Insert(tx, u); err != nil {
			return err
		}
		created = true
		return a.audit(tx, actor, "user.create", "user", u.ID, "admin (first system administrator)",
			auditNote("audit.note.first_admin", noteText(u.Username)))
	})
	if err != nil || !created {
		return "", false, err
	}
	return password, true, nil
}
