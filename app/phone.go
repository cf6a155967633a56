package app

import (
	"errors"
	"strings"
	"unicode"
)

// ErrMobile is returned by NormalizeMobile. Its message is a UI message key.
var ErrMobile = errors.New("mobile.invalid")

// NormalizeMobile returns the 11-digit form of a mainland China mobile
// number (1[3-9] followed by 9 digits). The input may carry a country code
// (+86, 86, 0086), spaces, dashes and full-width digits:
// "+86 138-0013-8000" → "13800138000". Anything else is ErrMobile.
func NormalizeMobile(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		r = halfWidthRune(r)
		if unicode.IsSpace(r) || validatorInvisible(r) || mobileDash(r) {
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "+86"):
		s = s[3:]
	case strings.HasPrefix(s, "0086") && len(s) == 15:
		s = s[4:]
	case strings.HasPrefix(s, "86") && len(s) == 13:
		s = s[2:]
	}
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return "", ErrMobile
	}
	for i := 2; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrMobile
		}
	}
	return s, nil
}

// mobileDash reports the hyphens and dashes people put between digit groups.
func mobileDash(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\u30FC':
		return true
	}
	return false
}
