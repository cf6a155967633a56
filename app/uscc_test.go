package app

import (
	"errors"
	"strings"
	"testing"
)

// vtUSCCCheck computes the GB 32100 check character independently:
// weights 3^i mod 31 computed on the fly, values from a lookup map.
func vtUSCCCheck(s17 string) string {
	const alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	val := map[rune]int{}
	for i, c := range alpha {
		val[c] = i
	}
	sum, w := 0, 1
	for _, c := range s17 {
		sum += val[c] * w
		w = w * 3 % 31
	}
	return string(alpha[(31-sum%31)%31])
}

func vtMakeUSCC(s17 string) string { return s17 + vtUSCCCheck(s17) }

var vtValidUSCCs = []string{
	"91350100M000100Y43", // the example published with GB 32100-2015
	// check characters computed outside this package
	"91110000100006485K",
	"91440300708461136T",
	"91310000607216596U",
}

func TestCheckUSCCValid(t *testing.T) {
	codes := append([]string{}, vtValidUSCCs...)
	for _, id := range vtValidUSCCs {
		if got := vtUSCCCheck(id[:17]); got != id[17:] {
			t.Fatalf("helper check of %s = %s", id, got)
		}
	}
	codes = append(codes,
		vtMakeUSCC("91110108MA01ABCD1"),
		vtMakeUSCC("12100000400000123"),
		vtMakeUSCC("52440000MJ0000000"),
		vtMakeUSCC("Y1110105MB0000000"),
		vtMakeUSCC("93310000MA1FL0000"),
		vtMakeUSCC("N2110105000000000"),
	)
	// generated codes covering every check character, including '0' (31 mod 31)
	seen := map[string]bool{}
	const alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for i := 0; len(seen) < 31 && i < 10000; i++ {
		s17 := "9111010" + string('0'+byte(i%10)) + string(alpha[i%31]) + string(alpha[(i/31)%31]) + "0000000"
		c := vtMakeUSCC(s17)
		seen[c[17:]] = true
		codes = append(codes, c)
	}
	if len(seen) != 31 {
		t.Fatalf("generated codes cover %d check characters", len(seen))
	}
	for _, c := range codes {
		if err := CheckUSCC(c); err != nil {
			t.Errorf("CheckUSCC(%q) = %v, want nil", c, err)
		}
	}
}

func TestCheckUSCCInvalid(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrUSCCFormat},
		{"17 chars", "91350100M000100Y4", ErrUSCCFormat},
		{"19 chars", "91350100M000100Y433", ErrUSCCFormat},
		{"letter I", vtMakeUSCC("91350100I000100Y4"), ErrUSCCFormat},
		{"letter O", vtMakeUSCC("91350100O000100Y4"), ErrUSCCFormat},
		{"letter Z", vtMakeUSCC("91350100Z000100Y4"), ErrUSCCFormat},
		{"letter S", vtMakeUSCC("91350100S000100Y4"), ErrUSCCFormat},
		{"letter V", vtMakeUSCC("91350100V000100Y4"), ErrUSCCFormat},
		{"check char I", "91350100M000100Y4I", ErrUSCCFormat},
		{"letter in region", vtMakeUSCC("913501A0M000100Y4"), ErrUSCCFormat},
		{"letter in region pos 3", vtMakeUSCC("91A50100M000100Y4"), ErrUSCCFormat},
		{"punctuation", "91350100M000-00Y43", ErrUSCCFormat},
		{"chinese", "91350100M000100Y4三", ErrUSCCFormat},
		{"wrong check char", "91350100M000100Y44", ErrUSCCChecksum},
		{"digit changed", "91350100M000200Y43", ErrUSCCChecksum},
		{"letter changed", "91350100N000100Y43", ErrUSCCChecksum},
		{"transposed", "91350100M001000Y43", ErrUSCCChecksum},
	}
	for _, tt := range tests {
		if err := CheckUSCC(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: CheckUSCC(%q) = %v, want %v", tt.name, tt.in, err, tt.want)
		}
	}
}

// Every single-character substitution within the alphabet is caught (31 is
// prime, the weights are non-zero mod 31).
func TestCheckUSCCSingleCharMutations(t *testing.T) {
	for _, code := range vtValidUSCCs {
		for i := 0; i < 18; i++ {
			for _, c := range usccAlphabet {
				if byte(c) == code[i] || (i >= 2 && i <= 7 && c > '9') {
					continue
				}
				m := code[:i] + string(c) + code[i+1:]
				if err := CheckUSCC(m); !errors.Is(err, ErrUSCCChecksum) {
					t.Fatalf("mutation %s of %s: %v, want checksum error", m, code, err)
				}
			}
		}
	}
}

func TestNormalizeUSCC(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"91350100m000100y43", "91350100M000100Y43"},
		{" 91350100M000100Y43\n", "91350100M000100Y43"},
		{"９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"},
		{"９１３５０１００ｍ０００１００ｙ４３", "91350100M000100Y43"},
		{"\u30009135 0100 M000 100Y 43\u3000", "91350100M000100Y43"},
	}
	for _, tt := range tests {
		if got := NormalizeUSCC(tt.in); got != tt.want {
			t.Errorf("NormalizeUSCC(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := CheckUSCC(tt.in); tt.want != "" && err != nil {
			t.Errorf("CheckUSCC(%q) = %v, want nil", tt.in, err)
		}
	}
	if strings.ContainsAny(usccAlphabet, "IOZSV") || len(usccAlphabet) != 31 {
		t.Fatal("bad alphabet")
	}
	if ErrUSCCFormat.Error() != "uscc.format" || ErrUSCCChecksum.Error() != "uscc.checksum" {
		t.Fatal("message keys changed")
	}
}
