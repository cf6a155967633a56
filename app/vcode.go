package app

import (
	"regexp"
	"strings"
	"unicode"
)

// Verification codes (核验码) are read from paper and typed on phones, so:
//   - the alphabet has 31 characters without look-alikes (no 0/O, 1/I, U/V);
//   - 31 is prime, and the last character is a check character chosen so
//     that the weighted sum of all twelve (weights 1..12) is 0 mod 31.
//     Weights are distinct and non-zero mod 31, so any single wrong
//     character and any swap of two different adjacent characters changes
//     the sum and is caught;
//   - the eleven data characters are the record's ID, encrypted with a key
//     of the data file (vcode_id.go; codes issued before were random), out
//     of 31^11 ≈ 2.5×10^16 codes, so guessing a valid one is hopeless.
const (
	vcodeAlphabet = "23456789ABCDEFGHJKLMNPQRSTVWXYZ"
	vcodeData     = 11
	vcodeLen      = vcodeData + 1
)

func vcodeValue(c byte) int { return strings.IndexByte(vcodeAlphabet, c) }

func vcodeSum(code string) int {
	sum := 0
	for i := 0; i < len(code); i++ {
		sum += (i + 1) * vcodeValue(code[i])
	}
	return sum % 31
}

// NewVerificationCode returns a fresh random code (without separators).
// Codes are random only where no ID-carrying code can be made (vcode_id.go).
func NewVerificationCode() string {
	b := make([]byte, vcodeLen)
	for i := 0; i < vcodeData; i++ {
		b[i] = vcodeAlphabet[randIntn(len(vcodeAlphabet))]
	}
	b[vcodeData] = vcodeCheckChar(b[:vcodeData])
	return string(b)
}

// vcodeCheckChar is the check character of a code's data characters.
func vcodeCheckChar(data []byte) byte {
	// Solve 12·c ≡ −s (mod 31); 12⁻¹ ≡ 13 (mod 31) since 12·13 = 156 = 5·31+1.
	s := vcodeSum(string(data))
	return vcodeAlphabet[((31-s)*13)%31]
}

// NormalizeVerificationCode removes spaces and dashes, folds full-width
// characters and lower case, so "abcd-efgh-jk2m" and "ＡＢＣＤ…" match.
// Any Unicode space or dash goes, not only the ASCII ones: a code copied
// from a web page or a chat often carries no-break spaces (&nbsp;), and
// phone keyboards and word processors turn "-" into "–" or "—".
func NormalizeVerificationCode(s string) string {
	s = strings.ToUpper(HalfWidth(s))
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) || r >= 0x80 && unicode.Is(unicode.Pd, r) {
			return -1
		}
		return r
	}, s)
}

// vcodeInText finds a code's 12 alphabet characters in groups of four,
// with any dashes or spaces between; codeInText keeps those that stand
// alone, not inside a longer run of letters and digits.
var vcodeInText = regexp.MustCompile(`[` + vcodeAlphabet + `]{4}[-\s\p{Pd}]*[` + vcodeAlphabet + `]{4}[-\s\p{Pd}]*[` + vcodeAlphabet + `]{4}`)

// codeInText returns the code a pasted text holds: a tenant copies the
// line of a listing ("房源核验码：ABCD-EFGH-JK2M。") or the address under
// the notice's QR code (https://…/v/ABCD-EFGH-JK2M) into the box. Only a
// text with exactly one well-formed code (its check character right) gives
// one; otherwise the text is read as typed and told what is wrong with it.
func codeInText(s string) (string, bool) {
	s = strings.ToUpper(HalfWidth(s))
	alnum := func(i int) bool {
		return i >= 0 && i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] >= 'A' && s[i] <= 'Z')
	}
	found := ""
	for _, m := range vcodeInText.FindAllStringIndex(s, -1) {
		c := NormalizeVerificationCode(s[m[0]:m[1]])
		if alnum(m[0]-1) || alnum(m[1]) || CheckVerificationCode(c) != VCodeOK || c == found {
			continue
		}
		if found != "" {
			return "", false
		}
		found = c
	}
	return found, found != ""
}

// VerificationCodeStatus classifies a typed code before any lookup.
type VerificationCodeStatus int

const (
	VCodeOK        VerificationCodeStatus = iota
	VCodeMalformed                        // wrong length or characters outside the alphabet
	VCodeMistyped                         // the check character does not match: a typo
)

// CheckVerificationCode checks a normalised code's form and check character.
func CheckVerificationCode(code string) VerificationCodeStatus {
	if len(code) != vcodeLen {
		return VCodeMalformed
	}
	for i := 0; i < len(code); i++ {
		if vcodeValue(code[i]) < 0 {
			return VCodeMalformed
		}
	}
	if vcodeSum(code) != 0 {
		return VCodeMistyped
	}
	return VCodeOK
}

// codeFormError is the message for a typed code that cannot be one: the
// wrong length, a character codes never contain (0, 1, I, O, U: a reader
// who typed one is told so, not that the code is incomplete), or a failed
// check character. nil for a well-formed code.
func codeFormError(norm string) error {
	switch CheckVerificationCode(norm) {
	case VCodeMalformed:
		if len(norm) == vcodeLen {
			return fieldError("code", "verify.code_bad_char")
		}
		return fieldError("code", "verify.code_malformed")
	case VCodeMistyped:
		return fieldError("code", "verify.code_mistyped")
	}
	return nil
}

// FormatVerificationCode groups a code in fours for reading: ABCD-EFGH-JKLM.
func FormatVerificationCode(code string) string {
	if len(code) != vcodeLen {
		return code
	}
	return code[0:4] + "-" + code[4:8] + "-" + code[8:12]
}
