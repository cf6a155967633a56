package app

import (
	"math"
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

// areaAllowed is the largest listing area a property registered with
// area m² may be let with: the whole flat its building area, give or take
// rounding (2%, at least 1 m²); a room no more than the flat. A property
// registered without an area bounds nothing.
func areaAllowed(area float64, mode string) float64 {
	switch {
	case area <= 0:
		return math.Inf(1)
	case mode == "shared":
		return area
	}
	return area + max(1, area*0.02)
}
