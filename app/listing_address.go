package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FullAddress is the listing's address followed by its building and room,
// which are not repeated when the address typed already ends with them
// ("安慧里22号楼3单元302" with room "302" is not "…302 302"). Every page,
// the printed notice and the contract name the property with it.
func (l Listing) FullAddress() string {
	addr := strings.TrimSpace(l.Address)
	building, room := strings.TrimSpace(l.Building), strings.TrimSpace(l.Room)
	switch {
	case building+room == "":
		return addr
	case endsWithPart(addr, building+room):
		return addr
	case building != "" && endsWithPart(addr, building):
		return addr + room
	case building == "" && endsWithPart(addr, room):
		return addr
	}
	return strings.TrimSpace(addr + " " + building + room)
}

// endsWithPart tells whether addr ends with part, compared without spaces,
// in half-width and any case, and not inside a number or word: room "2"
// is not the end of "…302".
func endsWithPart(addr, part string) bool {
	squash := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(HalfWidth(s)), "")) }
	a, p := squash(addr), squash(part)
	if p == "" || !strings.HasSuffix(a, p) {
		return false
	}
	if len(a) == len(p) {
		return true
	}
	before, _ := utf8.DecodeLastRuneInString(a[:len(a)-len(p)])
	first, _ := utf8.DecodeRuneInString(p)
	alnum := func(r rune) bool { return r < utf8.RuneSelf && (unicode.IsDigit(r) || unicode.IsLetter(r)) }
	return !(alnum(before) && alnum(first))
}

// registeredListing is the listing a verification certifies: the typed
// one with the register's address of p, so that the notice, the public
// check and the contract cannot carry an address the register does not
// know. The register's address names the flat, so a whole rental keeps no
// typed building or room; a shared one keeps them, naming the room let.
func registeredListing(l Listing, p *Property) Listing {
	if strings.TrimSpace(p.Address) == "" {
		return l
	}
	l.Address = strings.TrimSpace(p.Address)
	if l.Mode != "shared" {
		l.Building, l.Room = "", ""
	}
	return l
}

// areaProblem checks a listing's area against the building area the
// register gives the property, and names what is wrong ("" when nothing
// is). A whole rental is let as the registered flat: the contract prints
// its area as the building area and the statistics divide rents by it, so
// it must be the register's figure, give or take rounding (2%, at least
// 1 m²), not the inside area nor a part of the flat. A shared rental lets
// one room, which can be no larger than the flat and, leaving space for
// another bedroom and the shared kitchen and bath, no more than two-thirds
// of it. A property registered without an area bounds nothing.
func areaProblem(registered, area float64, mode string) string {
	if registered <= 0 {
		return ""
	}
	tolerance := max(1, registered*0.02)
	switch {
	case mode == "shared" && area > registered:
		return "verify.area_exceeds_registered"
	case mode == "shared" && area > registered*2/3:
		return "verify.area_room_too_large"
	case mode == "shared":
		return ""
	case area > registered+tolerance:
		return "verify.area_exceeds_registered"
	case area < registered-tolerance:
		return "verify.area_below_registered"
	}
	return ""
}
