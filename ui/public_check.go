package ui

import (
	"fmt"
	"strconv"

	"anju/app"
)

// checkView is what the public check page shows, every line already in the
// reader's language. The page is the platform's busiest (every QR scan of a
// listing); in the template each function call is a reflective call, which
// was most of the page's rendering cost, so the words are put together here
// and the template only places them.
type checkView struct {
	Code, State                     string
	Title, Help, EndReason          string
	District, Address, Area, Layout string
	Mode, Rent, Owners, Issued      string
	// UntilLabel says whether the code is still valid until Until or was
	// until then: a revoked code's date must not read as a validity.
	UntilLabel, Until   string
	EndedLabel, Ended   string // revoked, voided or used: the day it ended
	Mortgage, Requester string // "" when not mortgaged; "" for the bureau
}

func (s *Server) newCheckView(lang string, pc app.PublicCheck) *checkView {
	l := pc.Listing
	v := &checkView{
		Code:       app.FormatVerificationCode(pc.Code),
		State:      pc.State,
		Title:      s.msgs.t(lang, "verify.public_state."+pc.State),
		Help:       s.msgs.t(lang, "verify.public_help."+pc.State),
		District:   s.districtName(lang, pc.District),
		Address:    l.FullAddress(),
		Area:       fmt.Sprint(l.Area),
		Layout:     s.msgs.t(lang, "verify.layout_value", l.Rooms, l.Halls, l.Baths),
		Mode:       s.msgs.t(lang, "verify.mode_"+l.Mode),
		Rent:       s.msgs.t(lang, "verify.rent_value", strconv.Itoa(l.Rent)),
		Owners:     joinList(lang, pc.OwnerNames),
		Issued:     formatDate(lang, pc.Created),
		Until:      formatDate(lang, pc.ValidUntil),
		UntilLabel: s.msgs.t(lang, "verify.valid_until"),
		Requester:  pc.Requester,
	}
	switch pc.State {
	case app.VStatusExpired:
		v.Until = s.msgs.t(lang, "verify.until_expired", v.Until)
	case app.VStatusRevoked, app.VStatusVoided, app.VStatusUsed:
		v.UntilLabel = s.msgs.t(lang, "verify.was_valid_until")
		if !pc.Ended.IsZero() {
			v.EndedLabel = s.msgs.t(lang, "verify.ended_on."+pc.State)
			v.Ended = formatDate(lang, pc.Ended)
		}
	}
	if pc.Mortgaged {
		v.Mortgage = s.msgs.t(lang, "verify.title_mortgaged")
	}
	if pc.EndReason != "" {
		v.EndReason = s.msgs.t(lang, pc.EndReason)
	}
	return v
}
