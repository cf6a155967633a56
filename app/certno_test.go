package app

import "testing"

func TestHalfWidth(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc 123", "abc 123"},
		{"０１２３４５６７８９", "0123456789"},
		{"ＡＢＣｘｙｚ", "ABCxyz"},
		{"（２０２３）", "(2023)"},
		{"！＂＃＄％＆＇＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～", "!\"#$%&'*+,-./:;<=>?@[\\]^_`{|}~"},
		{"\u3000京\u3000", " 京 "},
		{"京（２０２３）朝阳区不动产权第００１２３４５号", "京(2023)朝阳区不动产权第0012345号"},
		{"中文，句号。顿号、", "中文,句号。顿号、"}, // only the full-width ASCII block is converted
		{"\xff", "\xff"},
	}
	for _, tt := range tests {
		if got := HalfWidth(tt.in); got != tt.want {
			t.Errorf("HalfWidth(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeCertNo(t *testing.T) {
	const want = "京(2023)朝阳区不动产权第0012345号"
	tests := []struct{ in, want string }{
		{"", ""},
		{want, want},
		{"京（2023）朝阳区不动产权第0012345号", want},
		{"京（２０２３）朝阳区不动产权第００１２３４５号", want},
		{"京〔2023〕朝阳区不动产权第0012345号", want},
		{" 京 (2023) 朝阳区 不动产权第 0012345 号 ", want},
		{"\u3000京（２０２３）\u3000朝阳区不动产权第\t0012345号\n", want},
		{"京(2023)朝阳区\u200b不动产权第0012345号\ufeff", want},
		{"Ｘ京房权证朝字第１２３４５６号", "X京房权证朝字第123456号"},
		{"沪房地浦字(2005)第０１２３４５号", "沪房地浦字(2005)第012345号"},
		{"ab-12", "ab-12"}, // case and ASCII punctuation kept
	}
	for _, tt := range tests {
		got := NormalizeCertNo(tt.in)
		if got != tt.want {
			t.Errorf("NormalizeCertNo(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := NormalizeCertNo(got); again != got {
			t.Errorf("NormalizeCertNo not idempotent on %q: %q", got, again)
		}
	}
}
