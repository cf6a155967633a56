package app

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, password, username string
		want                     error
	}{
		{"empty", "", "zhangsan", ErrPasswordShort},
		{"9 chars", "Ab3$efgh9", "zhangsan", ErrPasswordShort},
		{"9 runes many bytes", "安居安居Ab1!x", "", ErrPasswordShort},
		{"all lower", "qwxzvbnmkplo", "", ErrPasswordOneClass},
		{"all upper", "QWXZVBNMKPLO", "", ErrPasswordOneClass},
		{"all digits", "84736291057", "", ErrPasswordOneClass},
		{"all other", "!@#$%^&*()_+", "", ErrPasswordOneClass},
		{"all chinese", "我的密码是安居平台的", "", ErrPasswordOneClass},
		{"common lower", "password123", "", ErrPasswordCommon},
		{"common mixed case", "PassWord123", "", ErrPasswordCommon},
		{"common 1qaz", "1qaz2wsx3edc", "", ErrPasswordCommon},
		{"common Aa", "Aa123456789", "", ErrPasswordCommon},
		{"common abc", "abc123456789", "", ErrPasswordCommon},
		{"common woaini", "woaini1314", "", ErrPasswordCommon},
		{"common woaini 5201314", "WoAiNi5201314", "", ErrPasswordCommon},
		{"common pinyin name", "zhangwei123", "", ErrPasswordCommon},
		{"common P@ssw0rd", "P@ssw0rd123", "", ErrPasswordCommon},
		{"common admin", "Admin@123456", "", ErrPasswordCommon},
		{"common keyboard", "qwer1234!@#$", "", ErrPasswordCommon},
		{"equal to username", "Lisi.2024Bj", "lisi.2024bj", ErrPasswordUsername},
		{"contains username", "zhangsan@2024!", "zhangsan", ErrPasswordUsername},
		{"contains username case", "ZhangSan#9876", "zhangsan", ErrPasswordUsername},
		{"contains chinese username", "王小明Abc2024", "王小明", ErrPasswordUsername},
		{"username before common", "admin123456", "admin", ErrPasswordUsername},
		{"short username not searched", "xy7Tq#pLm2vR", "xy", nil},
		{"passing mixed", "Tq7#pLm2vRw", "zhangsan", nil},
		{"passing lower+digit", "kiwi7plum3tree", "zhangsan", nil},
		{"passing passphrase", "correct horse battery", "lisi", nil},
		{"passing chinese+digit", "安居乐业2024年春天", "lisi", nil},
		{"passing no username", "Blue-Harbour-42", "", nil},
		{"passing exactly 10", "aB3dE6gH9k", "wangwu", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckPasswordPolicy(tt.password, tt.username); !errors.Is(err, tt.want) {
				t.Errorf("CheckPasswordPolicy(%q, %q) = %v, want %v", tt.password, tt.username, err, tt.want)
			}
		})
	}
}

func TestCommonPasswordsList(t *testing.T) {
	set := commonPasswords()
	if n := len(set); n < 300 || n > 1100 {
		t.Fatalf("common password list has %d entries", n)
	}
	for p := range set {
		if p != strings.ToLower(p) || strings.TrimSpace(p) != p || p == "" || strings.HasPrefix(p, "#") {
			t.Errorf("bad entry %q", p)
		}
	}
	// Entries that would otherwise pass length and class rules are the point
	// of the list; most of them must be such.
	passing := 0
	for p := range set {
		if utf8.RuneCountInString(p) >= PasswordPolicyMinLength && passwordClasses(p) >= 2 {
			passing++
			if err := CheckPasswordPolicy(p, ""); !errors.Is(err, ErrPasswordCommon) {
				t.Errorf("CheckPasswordPolicy(%q) = %v, want ErrPasswordCommon", p, err)
			}
		}
	}
	if passing < 300 {
		t.Errorf("only %d entries would pass the other rules", passing)
	}
}

func TestPasswordErrorKeys(t *testing.T) {
	for err, key := range map[error]string{
		ErrPasswordShort: "password.short", ErrPasswordOneClass: "password.one_class",
		ErrPasswordCommon: "password.common", ErrPasswordUsername: "password.contains_username",
	} {
		if err.Error() != key {
			t.Errorf("key %q, want %q", err.Error(), key)
		}
	}
}
