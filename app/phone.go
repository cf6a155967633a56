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

// ErrPhone is returned by NormalizePhone. Its message is a UI message key.
var ErrPhone = errors.New("phone.invalid")

// NormalizePhone returns a mobile number as NormalizeMobile does, or a
// mainland landline as "area-number[-extension]": an area code of 0 and
// two or three digits, a number of seven or eight digits, and an optional
// extension of one to six digits, typed with spaces, dashes, brackets or
// full-width digits ("(010) 6509 0000 转 123" → "010-65090000-123").
// Companies are often reached only at their switchboard.
func NormalizePhone(s string) (string, error) {
	if m, err := NormalizeMobile(s); err == nil {
		return m, nil
	}
	var b strings.Builder
	for _, r := range strings.NewReplacer("转", "-", "ext.", "-", "ext", "-").Replace(strings.ToLower(s)) {
		r = halfWidthRune(r)
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case mobileDash(r) || r == '(' || r == ')' || unicode.IsSpace(r):
			b.WriteByte('-')
		case validatorInvisible(r):
		default:
			return "", ErrPhone
		}
	}
	// Groups of digits: the area code, the number (maybe typed in two
	// groups, "6509 0000"), the extension.
	groups := strings.FieldsFunc(b.String(), func(r rune) bool { return r == '-' })
	var area, number, ext string
	switch {
	case len(groups) == 1 && len(groups[0]) >= 10 && len(groups[0]) <= 12 && groups[0][0] == '0':
		// No separator: 010, 02x have a two-digit code, the rest three.
		n := 4
		if groups[0][1] == '1' || groups[0][1] == '2' {
			n = 3
		}
		area, number = groups[0][:n], groups[0][n:]
	case len(groups) >= 2 && groups[0][0] == '0' && len(groups[0]) >= 3 && len(groups[0]) <= 4:
		area, number = groups[0], groups[1]
		rest := groups[2:]
		if len(number) < 7 && len(rest) > 0 { // "6509 0000"
			number, rest = number+rest[0], rest[1:]
		}
		switch len(rest) {
		case 0:
		case 1:
			ext = rest[0]
		default:
			return "", ErrPhone
		}
	default:
		return "", ErrPhone
	}
	if len(number) < 7 || len(number) > 8 || number[0] == '0' || len(ext) > 6 {
		return "", ErrPhone
	}
	if ext != "" {
		return area + "-" + number + "-" + ext, nil
	}
	return area + "-" + number, nil
}
