package app

import "testing"

func TestVerificationCodeCatchesEverySingleTypoAndAdjacentSwap(t *testing.T) {
	for n := 0; n < 200; n++ {
		code := NewVerificationCode()
		if got := CheckVerificationCode(code); got != VCodeOK {
			t.Fatalf("fresh code %s: status %v", code, got)
		}
		for i := 0; i < len(code); i++ {
			for j := 0; j < len(vcodeAlphabet); j++ {
				c := vcodeAlphabet[j]
				if c == code[i] {
					continue
				}
				typo := code[:i] + string(c) + code[i+1:]
				if CheckVerificationCode(typo) != VCodeMistyped {
					t.Fatalf("typo %s of %s not caught", typo, code)
				}
			}
			if i+1 < len(code) && code[i] != code[i+1] {
				swap := code[:i] + string(code[i+1]) + string(code[i]) + code[i+2:]
				if CheckVerificationCode(swap) != VCodeMistyped {
					t.Fatalf("swap %s of %s not caught", swap, code)
				}
			}
		}
	}
}

func TestVerificationCodeForms(t *testing.T) {
	code := NewVerificationCode()
	formatted := FormatVerificationCode(code)
	if len(formatted) != 14 || formatted[4] != '-' {
		t.Fatalf("formatted %q", formatted)
	}
	copied := []string{ // as pasted from a web page or a chat, or typed on a phone
		code[:4] + "\u00a0" + code[4:8] + "\u00a0" + code[8:], // no-break spaces (&nbsp;)
		code[:4] + "–" + code[4:8] + "–" + code[8:],           // en dash
		code[:4] + "—" + code[4:8] + "—" + code[8:],           // em dash, a phone's "--"
		code[:4] + "\u2009" + code[4:] + "\n",                 // thin space, a line break
	}
	for _, typed := range append([]string{formatted, " " + formatted + " ", toLower(formatted)}, copied...) {
		if got := NormalizeVerificationCode(typed); got != code {
			t.Errorf("normalize %q = %q, want %q", typed, got, code)
		}
	}
	for _, bad := range []string{"", "ABC", code + "2", "0" + code[1:], "I" + code[1:]} {
		if CheckVerificationCode(bad) != VCodeMalformed {
			t.Errorf("%q should be malformed", bad)
		}
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
