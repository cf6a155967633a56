package app

import (
	"bufio"
	_ "embed"
	"errors"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors of CheckPasswordPolicy. Their messages are UI message keys.
var (
	ErrPasswordShort    = errors.New("password.short")             // fewer than PasswordPolicyMinLength characters
	ErrPasswordOneClass = errors.New("password.one_class")         // only lower-case, only upper-case, only digits or only other characters
	ErrPasswordUsername = errors.New("password.contains_username") // equal to the user name or containing it
	ErrPasswordCommon   = errors.New("password.common")            // in the list of common passwords
)

// PasswordPolicyMinLength is the minimum password length in characters (runes).
const PasswordPolicyMinLength = 10

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list, lower-cased, loaded on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 1024)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// CheckPasswordPolicy checks a new password against the account policy and
// returns the first rule it breaks, in this order:
//   - ErrPasswordShort: fewer than 10 characters;
//   - ErrPasswordOneClass: all characters from one class among lower-case
//     letters, upper-case letters, digits and everything else;
//   - ErrPasswordUsername: equal to the user name, or containing it when the
//     user name has at least 3 characters (case-insensitive);
//   - ErrPasswordCommon: in the embedded list of common passwords
//     (case-insensitive).
//
// The password is checked exactly as given (no trimming).
func CheckPasswordPolicy(password, username string) error {
	if utf8.RuneCountInString(password) < PasswordPolicyMinLength {
		return ErrPasswordShort
	}
	if passwordClasses(password) < 2 {
		return ErrPasswordOneClass
	}
	lower := strings.ToLower(password)
	if user := strings.ToLower(strings.TrimSpace(username)); user != "" {
		if lower == user || (utf8.RuneCountInString(user) >= 3 && strings.Contains(lower, user)) {
			return ErrPasswordUsername
		}
	}
	if _, ok := commonPasswords()[lower]; ok {
		return ErrPasswordCommon
	}
	return nil
}

// passwordClasses counts the character classes used: lower, upper, digit, other.
func passwordClasses(p string) int {
	var lower, upper, digit, other int
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}
