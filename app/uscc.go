package app

import (
	"errors"
	"strings"
)

// Sentinel errors of CheckUSCC. Their messages are UI message keys.
var (
	ErrUSCCFormat   = errors.New("uscc.format")   // not 18 characters of the code alphabet, or region not digits
	ErrUSCCChecksum = errors.New("uscc.checksum") // check character does not match
)

// usccAlphabet is the GB 32100-2015 character set (no I, O, Z, S, V); a
// character's value is its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeUSCC returns the canonical form of a unified social credit code:
// full-width characters become half-width, whitespace is removed and Latin
// letters are upper-cased. It does not validate; see CheckUSCC.
func NormalizeUSCC(s string) string {
	s = stripSpaceHalfWidth(s)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// CheckUSCC validates NormalizeUSCC(s) as an 18-character unified social
// credit code of GB 32100-2015: every character from the 31-character code
// alphabet, positions 3-8 (the administrative region code) digits, and the
// check character right. It returns nil, ErrUSCCFormat or ErrUSCCChecksum.
func CheckUSCC(s string) error {
	code := NormalizeUSCC(s)
	if len(code) != 18 {
		return ErrUSCCFormat
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(usccAlphabet, code[i])
		if v < 0 {
			return ErrUSCCFormat
		}
		if i >= 2 && i <= 7 && v > 9 {
			return ErrUSCCFormat
		}
		if i < 17 {
			sum += v * usccWeights[i]
		}
	}
	if code[17] != usccCheckChar(sum) {
		return ErrUSCCChecksum
	}
	return nil
}

// usccCheckChar turns the weighted sum of the first 17 values into the
// check character: 31 - sum mod 31, where 31 stands for '0'.
func usccCheckChar(sum int) byte {
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccAlphabet[c]
}
