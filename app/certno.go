package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// HalfWidth converts full-width ASCII variants (U+FF01..U+FF5E: digits,
// Latin letters, brackets such as （）, punctuation) to their half-width
// ASCII forms and the ideographic space U+3000 to an ASCII space. Every
// other rune, Chinese characters included, is kept as is.
func HalfWidth(s string) string {
	if !halfWidthNeeded(s) {
		return s
	}
	return strings.Map(halfWidthRune, s)
}

func halfWidthNeeded(s string) bool {
	for _, r := range s {
		if r == '\u3000' || (r >= '\uFF01' && r <= '\uFF5E') {
			return true
		}
	}
	return false
}

func halfWidthRune(r rune) rune {
	switch {
	case r == '\u3000':
		return ' '
	case r >= '\uFF01' && r <= '\uFF5E':
		return r - 0xFEE0
	}
	return r
}

// NormalizeCertNo returns the canonical form of a property certificate
// number such as "京(2023)朝阳区不动产权第0012345号", so that numbers typed by
// hand, pasted from a scan or imported from the registry compare equal:
// full-width ASCII becomes half-width (（２０２３） → (2023)), the tortoise-shell
// brackets 〔〕 often used for the year become (), and all whitespace
// (U+3000 and zero-width characters included) is removed. Chinese
// characters and the case of Latin letters are kept.
func NormalizeCertNo(s string) string {
	if certNoNormal(s) {
		return s // already canonical: no copy (an import normalises each number several times)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = halfWidthRune(r)
		switch {
		case r == '〔':
			r = '('
		case r == '〕':
			r = ')'
		case unicode.IsSpace(r) || validatorInvisible(r):
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// certNoNormal reports whether NormalizeCertNo would return s unchanged.
func certNoNormal(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r == '〔' || r == '〕' || r == '\u3000' || (r >= '\uFF01' && r <= '\uFF5E') ||
			unicode.IsSpace(r) || validatorInvisible(r) {
			return false
		}
	}
	return true
}

// validatorInvisible reports the zero-width characters that copy and paste
// leaves in identifiers (zero-width space/joiners, word joiner, BOM).
func validatorInvisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return false
}

// stripSpaceHalfWidth is HalfWidth followed by the removal of all
// whitespace and zero-width characters.
func stripSpaceHalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		r = halfWidthRune(r)
		if unicode.IsSpace(r) || validatorInvisible(r) {
			return -1
		}
		return r
	}, s)
}
