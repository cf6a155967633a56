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
