package app

import (
	"strings"
	"unicode/utf8"
)

// MaskID masks an identity (or similar) number for lists and public pages,
// keeping the first 4 and last 4 characters: "110105199003071234" →
// "1101**********1234". Shorter values keep less so that at least half is
// hidden: 8-11 characters keep 2 at each end, 4-7 keep 1, 1-3 are all
// stars. The empty string stays empty.
func MaskID(s string) string {
	n := utf8.RuneCountInString(s)
	var keep int
	switch {
	case n >= 12:
		keep = 4
	default:
		keep = n / 4
	}
	return maskMiddle(s, keep, keep)
}

// MaskPhone masks a phone number keeping the first 3 and last 4 digits:
// "13812345678" → "138****5678". A mobile number written with +86, spaces
// or dashes is normalized first. Values shorter than 8 characters are
// masked as MaskID does.
func MaskPhone(s string) string {
	if m, err := NormalizeMobile(s); err == nil {
		s = m
	}
	if utf8.RuneCountInString(s) < 8 {
		return MaskID(s)
	}
	return maskMiddle(s, 3, 4)
}

// MaskName masks a person's name keeping its first character: "张小红" →
// "张**", "张三" → "张*". A one-character name becomes "*"; surrounding
// whitespace is dropped and the empty string stays empty.
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch n {
	case 0:
		return ""
	case 1:
		return "*"
	}
	return maskMiddle(s, 1, 0)
}

// maskMiddle keeps head runes at the start and tail runes at the end and
// replaces every other rune by '*'.
func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if head+tail > n {
		head, tail = 0, 0
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for _, r := range s {
		if i < head || i >= n-tail {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}
