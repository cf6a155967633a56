package app

import (
	"errors"
	"strings"
	"time"
)

// Sentinel errors of CheckResidentID. Their messages are UI message keys.
var (
	ErrIDFormat   = errors.New("idcard.format")   // not 17 digits followed by a digit or X
	ErrIDRegion   = errors.New("idcard.region")   // first two digits are not a province-level code
	ErrIDBirth    = errors.New("idcard.birth")    // date of birth impossible, before 1900 or in the future
	ErrIDChecksum = errors.New("idcard.checksum") // check character does not match (ISO 7064 MOD 11-2)
)

// residentIDWeights are the GB 11643-1999 weights 2^(17-i) mod 11.
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentIDCheckChars = "10X98765432"

// residentIDMinBirth is the earliest date of birth accepted.
var residentIDMinBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// residentIDNow is the clock used for the "birth in the future" rule.
var residentIDNow = time.Now

// NormalizeResidentID returns the canonical form of an 18-digit resident
// identity number: full-width digits and Ｘ become half-width, whitespace
// (leading, trailing and inside, U+3000 included) is removed and a
// lower-case x becomes X. It does not validate; see CheckResidentID.
func NormalizeResidentID(s string) string {
	s = stripSpaceHalfWidth(s)
	if strings.IndexByte(s, 'x') >= 0 {
		s = strings.ReplaceAll(s, "x", "X")
	}
	return s
}

// CheckResidentID validates NormalizeResidentID(s) as an 18-digit resident
// identity number of GB 11643-1999 (also the format of the residence permits
// for Hong Kong, Macao and Taiwan residents and of the 2023 foreigners'
// permanent residence ID card). It returns nil, ErrIDFormat, ErrIDRegion,
// ErrIDBirth or ErrIDChecksum, checked in that order.
func CheckResidentID(s string) error {
	_, err := parseResidentID(NormalizeResidentID(s))
	return err
}

// ResidentIDBirth returns the date of birth (midnight UTC) carried by a
// resident identity number; ok is false unless CheckResidentID(s) is nil.
func ResidentIDBirth(s string) (time.Time, bool) {
	birth, err := parseResidentID(NormalizeResidentID(s))
	return birth, err == nil
}

// parseResidentID checks a normalized number and returns its birth date.
func parseResidentID(id string) (time.Time, error) {
	if len(id) != 18 {
		return time.Time{}, ErrIDFormat
	}
	for i := 0; i < 17; i++ {
		if id[i] < '0' || id[i] > '9' {
			return time.Time{}, ErrIDFormat
		}
	}
	if c := id[17]; (c < '0' || c > '9') && c != 'X' {
		return time.Time{}, ErrIDFormat
	}
	if !CheckResidentIDRegion(id[:2]) {
		return time.Time{}, ErrIDRegion
	}
	birth, ok := residentIDDate(id[6:14])
	if !ok {
		return time.Time{}, ErrIDBirth
	}
	if id[17] != residentIDCheckChar(id[:17]) {
		return time.Time{}, ErrIDChecksum
	}
	return birth, nil
}

// CheckResidentIDRegion reports whether s starts with two digits that are a
// province-level code used in resident identity numbers (and GB/T 2260
// codes): mainland provinces (11-15, 21-23, 31-37, 41-46, 50-54, 61-65),
// Taiwan (71), Hong Kong (81), Macao (82), residence permits for Taiwan
// residents (83) and foreigners' permanent residence ID cards (91).
func CheckResidentIDRegion(s string) bool {
	if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return false
	}
	n := int(s[0]-'0')*10 + int(s[1]-'0')
	switch {
	case n >= 11 && n <= 15, n >= 21 && n <= 23, n >= 31 && n <= 37,
		n >= 41 && n <= 46, n >= 50 && n <= 54, n >= 61 && n <= 65:
		return true
	}
	switch n {
	case 71, 81, 82, 83, 91:
		return true
	}
	return false
}

// residentIDDate parses YYYYMMDD (all digits) and checks it is a real date
// between 1900-01-01 and today.
func residentIDDate(d string) (time.Time, bool) {
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, m, day := num(d[:4]), num(d[4:6]), num(d[6:8])
	if m < 1 || m > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != m { // normalized: no such day in that month
		return time.Time{}, false
	}
	ny, nm, nd := residentIDNow().Date()
	today := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	if t.Before(residentIDMinBirth) || t.After(today) {
		return time.Time{}, false
	}
	return t, true
}

// residentIDCheckChar computes the ISO 7064 MOD 11-2 check character of
// the first 17 digits.
func residentIDCheckChar(d17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(d17[i]-'0') * residentIDWeights[i]
	}
	return residentIDCheckChars[sum%11]
}
