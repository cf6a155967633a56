package app

import "testing"

func TestMaskID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"110105199003071234", "1101**********1234"},
		{"11010519491231002X", "1101**********002X"},
		{"91350100M000100Y43", "9135**********0Y43"},
		{"110105491231002", "1101*******1002"}, // 15 digits
		{"E12345678", "E1*****78"},             // passport, 9
		{"12345678", "12****78"},
		{"1234567", "1*****7"},
		{"1234", "1**4"},
		{"123", "***"},
		{"1", "*"},
		{"１１０１０５１９９００３０７１２３４", "１１０１**********１２３４"}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"13812345678", "138****5678"},
		{"+86 138-1234-5678", "138****5678"},
		{"010-12345678", "010*****5678"},
		{"12345678", "123*5678"},
		{"1234567", "1*****7"},
		{"123", "***"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"张", "*"},
		{"张三", "张*"},
		{"张小红", "张**"},
		{" 欧阳娜娜 ", "欧***"},
		{"买买提·艾力", "买*****"},
		{"John Smith", "J*********"},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
