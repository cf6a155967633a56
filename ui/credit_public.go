package ui

import "anju/app"

// PublicCredit is a subject's public credit for the public pages' credit
// block and level tag; nil (the block is left out) if it cannot be read.
func (v *view) PublicCredit(kind string, id uint64) *app.PublicCredit {
	if v.s == nil || id == 0 {
		return nil
	}
	c, err := v.s.app.PublicCredit(app.Subject{Kind: kind, ID: id})
	if err != nil {
		v.s.log.Error("public credit", "subject", kind, "id", id, "err", err)
		return nil
	}
	return c
}
