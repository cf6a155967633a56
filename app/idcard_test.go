package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// vtIDCheck computes the GB 11643 check character independently of the
// implementation: weights 2^(17-i) mod 11, check value (12 - sum mod 11) mod 11.
func vtIDCheck(d17 string) string {
	sum, w := 0, 1
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11 // 2^(17-i) mod 11
		sum += int(d17[i]-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return "X"
	}
	return fmt.Sprint(v)
}

// vtMakeID returns a valid 18-digit number for a region, birth date
// (YYYYMMDD) and 3-digit sequence.
func vtMakeID(region6, birth, seq string) string {
	d17 := region6 + birth + seq
	return d17 + vtIDCheck(d17)
}

// vtIDMutate replaces the digit at i with the next digit.
func vtIDMutate(id string, i int) string {
	b := []byte(id)
	b[i] = '0' + (b[i]-'0'+1)%10
	return string(b)
}

// Known-valid numbers: the textbook GB 11643 example and others whose
// check characters were computed by hand outside this package.
var vtValidIDs = []string{
	"11010519491231002X",
	"440308199901101512",
	"310115198706152348",
	"510107200002290037", // 29 February of a leap year
	"65010219751103401X",
	"810000198507120018", // Hong Kong residence permit
	"830000199203040121", // Taiwan residence permit
	"910000198001010018", // foreigners' permanent residence ID
	"330106201012310817",
	"130104196610103128",
	"110101199003074477",
}

func TestResidentIDHelperAgreesWithKnown(t *testing.T) {
	for _, id := range vtValidIDs {
		if got := vtIDCheck(id[:17]); got != id[17:] {
			t.Errorf("helper check of %s = %s", id, got)
		}
		if got := string(residentIDCheckChar(id[:17])); got != id[17:] {
			t.Errorf("residentIDCheckChar(%s) = %s", id, got)
		}
	}
}

func TestCheckResidentIDValid(t *testing.T) {
	ids := append([]string{}, vtValidIDs...)
	ids = append(ids,
		vtMakeID("110105", "19000101", "001"), // earliest accepted date
		vtMakeID("540102", "20001231", "555"),
		vtMakeID("710000", "19700101", "123"),
		vtMakeID("820000", "19991220", "004"),
		vtMakeID("460105", time.Now().Format("20060102"), "000"), // born today
	)
	// Many generated numbers, including every check character.
	checks := map[string]bool{}
	for i := 0; i < 400; i++ {
		id := vtMakeID("320102", fmt.Sprintf("19%02d%02d%02d", 50+i%50, 1+i%12, 1+i%28), fmt.Sprintf("%03d", i))
		checks[id[17:]] = true
		ids = append(ids, id)
	}
	if len(checks) != 11 {
		t.Fatalf("generated ids cover %d check characters, want 11", len(checks))
	}
	for _, id := range ids {
		if err := CheckResidentID(id); err != nil {
			t.Errorf("CheckResidentID(%q) = %v, want nil", id, err)
		}
	}
}

func TestCheckResidentIDInvalid(t *testing.T) {
	future := vtMakeID("110105", time.Now().AddDate(1, 0, 0).Format("20060102"), "001")
	tomorrow := vtMakeID("110105", time.Now().AddDate(0, 0, 1).Format("20060102"), "001")
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrIDFormat},
		{"spaces only", "   ", ErrIDFormat},
		{"17 digits", "11010519491231002", ErrIDFormat},
		{"19 chars", "11010519491231002X1", ErrIDFormat},
		{"15-digit first generation", "110105491231002", ErrIDFormat},
		{"X not last", "1101051949123100X2", ErrIDFormat},
		{"letter check char", "11010519491231002A", ErrIDFormat},
		{"letter inside", "1101O519491231002X", ErrIDFormat},
		{"dash inside", "110105-19491231002X", ErrIDFormat},
		{"chinese", "一一〇一〇五一九四九一二三一〇〇二X", ErrIDFormat},
		{"region 00", vtMakeID("000105", "19491231", "002"), ErrIDRegion},
		{"region 10", vtMakeID("100105", "19491231", "002"), ErrIDRegion},
		{"region 16", vtMakeID("160105", "19491231", "002"), ErrIDRegion},
		{"region 24", vtMakeID("240105", "19491231", "002"), ErrIDRegion},
		{"region 47", vtMakeID("470105", "19491231", "002"), ErrIDRegion},
		{"region 55", vtMakeID("550105", "19491231", "002"), ErrIDRegion},
		{"region 66", vtMakeID("660105", "19491231", "002"), ErrIDRegion},
		{"region 72", vtMakeID("720105", "19491231", "002"), ErrIDRegion},
		{"region 84", vtMakeID("840105", "19491231", "002"), ErrIDRegion},
		{"region 90", vtMakeID("900105", "19491231", "002"), ErrIDRegion},
		{"region 99", vtMakeID("990105", "19491231", "002"), ErrIDRegion},
		{"Feb 30", vtMakeID("110105", "19900230", "123"), ErrIDBirth},
		{"Feb 29 non-leap", vtMakeID("110105", "19000229", "123"), ErrIDBirth},
		{"Apr 31", vtMakeID("110105", "19900431", "123"), ErrIDBirth},
		{"month 00", vtMakeID("110105", "19900015", "123"), ErrIDBirth},
		{"month 13", vtMakeID("110105", "19901315", "123"), ErrIDBirth},
		{"day 00", vtMakeID("110105", "19900100", "123"), ErrIDBirth},
		{"day 32", vtMakeID("110105", "19900132", "123"), ErrIDBirth},
		{"before 1900", vtMakeID("110105", "18991231", "123"), ErrIDBirth},
		{"year 0000", vtMakeID("110105", "00000101", "123"), ErrIDBirth},
		{"next year", future, ErrIDBirth},
		{"tomorrow", tomorrow, ErrIDBirth},
		{"year 9999", vtMakeID("110105", "99991231", "123"), ErrIDBirth},
		{"wrong check char", "110105194912310021", ErrIDChecksum},
		{"X instead of digit", "44030819990110151X", ErrIDChecksum},
		{"digit instead of X", "110105194912310020", ErrIDChecksum},
		{"sequence digit changed", "11010519491231003X", ErrIDChecksum},
		{"transposed digits", "11010519491231020X", ErrIDChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckResidentID(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("CheckResidentID(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if _, ok := ResidentIDBirth(tt.in); ok {
				t.Errorf("ResidentIDBirth(%q) ok for an invalid number", tt.in)
			}
		})
	}
}

// Changing any single digit of a valid number must be caught (by the region,
// birth or checksum rule): MOD 11-2 detects every single-digit error.
func TestCheckResidentIDSingleDigitMutations(t *testing.T) {
	for _, id := range vtValidIDs {
		for i := 0; i < 17; i++ {
			for k := 1; k < 10; k++ {
				b := []byte(id)
				b[i] = '0' + (b[i]-'0'+byte(k))%10
				m := string(b)
				err := CheckResidentID(m)
				if err == nil {
					t.Fatalf("mutation %s of %s accepted", m, id)
				}
				if i >= 14 && !errors.Is(err, ErrIDChecksum) {
					t.Errorf("mutation %s of %s: %v, want checksum error", m, id, err)
				}
			}
		}
		// every wrong check character
		for _, c := range "0123456789X" {
			if string(c) == id[17:] {
				continue
			}
			if err := CheckResidentID(id[:17] + string(c)); !errors.Is(err, ErrIDChecksum) {
				t.Errorf("%s with check %c: %v, want checksum error", id, c, err)
			}
		}
	}
	if got := vtIDMutate("110105194912310029", 16); got != "110105194912310039" {
		t.Fatalf("vtIDMutate = %s", got)
	}
}

func TestNormalizeResidentID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"11010519491231002X", "11010519491231002X"},
		{"11010519491231002x", "11010519491231002X"},
		{"  11010519491231002x\t\n", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{"\u3000１１０１０５１９４９１２３１００２ｘ\u3000", "11010519491231002X"},
		{"110105 19491231 002X", "11010519491231002X"},
		{"\ufeff11010519491231002X\u200b", "11010519491231002X"},
		{"abc", "abc"}, // only x is upper-cased
		{"1101-05", "1101-05"},
	}
	for _, tt := range tests {
		if got := NormalizeResidentID(tt.in); got != tt.want {
			t.Errorf("NormalizeResidentID(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := NormalizeResidentID(NormalizeResidentID(tt.in)); got != tt.want {
			t.Errorf("NormalizeResidentID not idempotent on %q: %q", tt.in, got)
		}
	}
}

func TestCheckResidentIDNormalizesInput(t *testing.T) {
	for _, in := range []string{
		"11010519491231002x",
		" 11010519491231002X ",
		"１１０１０５１９４９１２３１００２Ｘ",
		"１１０１０５１９４９１２３１００２ｘ",
		"\u3000４４０３０８１９９９０１１０１５１２\u3000",
	} {
		if err := CheckResidentID(in); err != nil {
			t.Errorf("CheckResidentID(%q) = %v, want nil", in, err)
		}
	}
}

func TestResidentIDBirth(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"11010519491231002X", "1949-12-31"},
		{"11010519491231002x", "1949-12-31"},
		{"510107200002290037", "2000-02-29"},
		{"１１０１０５１９４９１２３１００２Ｘ", "1949-12-31"},
	}
	for _, tt := range tests {
		got, ok := ResidentIDBirth(tt.in)
		if !ok || got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("ResidentIDBirth(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
	if _, ok := ResidentIDBirth("110105194912310021"); ok {
		t.Error("ResidentIDBirth accepted a bad checksum")
	}
}

// The "future" rule follows the clock; not parallel because it swaps it.
func TestCheckResidentIDClock(t *testing.T) {
	saved := residentIDNow
	defer func() { residentIDNow = saved }()
	id := vtMakeID("110105", "20300615", "001")
	residentIDNow = func() time.Time { return time.Date(2030, 6, 14, 23, 59, 0, 0, time.UTC) }
	if err := CheckResidentID(id); !errors.Is(err, ErrIDBirth) {
		t.Errorf("day before birth: %v, want ErrIDBirth", err)
	}
	residentIDNow = func() time.Time { return time.Date(2030, 6, 15, 0, 0, 1, 0, time.UTC) }
	if err := CheckResidentID(id); err != nil {
		t.Errorf("birth day: %v, want nil", err)
	}
}

func TestCheckResidentIDRegion(t *testing.T) {
	for _, p := range []string{"11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82", "83", "91", "110105"} {
		if !CheckResidentIDRegion(p) {
			t.Errorf("CheckResidentIDRegion(%q) = false", p)
		}
	}
	for _, p := range []string{"", "1", "00", "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70", "72", "80", "84", "90", "92", "99", "1a", "a1", "１１"} {
		if CheckResidentIDRegion(p) {
			t.Errorf("CheckResidentIDRegion(%q) = true", p)
		}
	}
}

func TestResidentIDErrorKeys(t *testing.T) {
	for err, key := range map[error]string{
		ErrIDFormat: "idcard.format", ErrIDRegion: "idcard.region",
		ErrIDBirth: "idcard.birth", ErrIDChecksum: "idcard.checksum",
	} {
		if err.Error() != key {
			t.Errorf("key %q, want %q", err.Error(), key)
		}
	}
}

func FuzzCheckResidentID(f *testing.F) {
	for _, id := range vtValidIDs {
		f.Add(id)
	}
	for _, s := range []string{"", "x", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002x ", "\xff\xfe", "11010519990230002X", "\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeResidentID(s)
		if nn := NormalizeResidentID(n); nn != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, nn)
		}
		err := CheckResidentID(s)
		if err2 := CheckResidentID(n); err2 != err {
			t.Fatalf("CheckResidentID(%q) = %v but of its normal form %v", s, err, err2)
		}
		birth, ok := ResidentIDBirth(s)
		if ok != (err == nil) {
			t.Fatalf("ResidentIDBirth ok=%v but CheckResidentID = %v", ok, err)
		}
		if err == nil {
			if len(n) != 18 || strings.ContainsAny(n, "x \u3000") {
				t.Fatalf("valid but odd normal form %q", n)
			}
			if birth.Format("20060102") != n[6:14] {
				t.Fatalf("birth %v for %q", birth, n)
			}
		}
	})
}
