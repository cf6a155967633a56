package app

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// listCodes runs SearchVerifications and returns the codes found, in
// list order, failing on an error.
func (f *vfFixture) listCodes(t testing.TB, actor Actor, q VerificationQuery) []string {
	t.Helper()
	page, err := f.SearchVerifications(actor, q)
	if err != nil {
		t.Fatalf("search %+v as %s: %v", q, actor.Username, err)
	}
	var out []string
	for _, v := range page.Items {
		out = append(out, v.Code)
	}
	if q.Size == 0 && page.Total != len(out) {
		t.Errorf("search %+v as %s: total %d but %d items", q, actor.Username, page.Total, len(out))
	}
	return out
}

func TestSearchVerificationsFindsAndScopes(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(
		vfRow(vfCertNo(1), "欧阳麒", vfID(1)),
		vfRow(vfCertNo(2), "司马骏", vfID(2), "address", "北京市朝阳区麒麟路8号院5号楼"),
		vfRow(vfCertNo(3), "上官黛", vfID(4), "district_code", "110108", "address", "北京市海淀区麒麟街1号"),
	)
	t0 := f.now()
	a := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	f.clock.Advance(48 * time.Hour)
	inB := vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2)))
	inB.Address = "北京市朝阳区麒麟路8号院5号楼"
	b := f.mustVerify(f.leju, inB)
	f.clock.Advance(time.Hour)
	inC := vfInput(vfCertNo(3), vfOwner("上官黛", vfID(4)))
	inC.District, inC.Address = "110108", "北京市海淀区麒麟街1号"
	c := f.mustVerify(f.clerkHD, inC)

	for _, tc := range []struct {
		name  string
		actor Actor
		q     VerificationQuery
		want  []*Verification
	}{
		// Found right after the verification, by what a clerk types.
		{"code", f.clerk, VerificationQuery{Text: a.Code}, []*Verification{a}},
		{"code typed grouped, lower case", f.clerk, VerificationQuery{Text: " " + strings.ToLower(FormatVerificationCode(a.Code)) + " "}, []*Verification{a}},
		{"certificate number", f.clerk, VerificationQuery{Text: vfCertNo(1)}, []*Verification{a}},
		{"one character of the address", f.clerk, VerificationQuery{Text: "麒"}, []*Verification{b, a}},
		{"part of the address", f.clerk, VerificationQuery{Text: "麒麟路 5号楼"}, []*Verification{b}},
		{"owner name", f.clerk, VerificationQuery{Text: "欧阳麒"}, []*Verification{a}},
		{"part of the owner name", f.clerk, VerificationQuery{Text: "司马"}, []*Verification{b}},
		// (The demo's leases hold older codes of 乐居: only today's here.)
		{"agency", f.clerk, VerificationQuery{Text: "乐居", From: t0}, []*Verification{b}},
		// Who asked, by his name: the agent, the clerk.
		{"agent's name", f.clerk, VerificationQuery{Text: "张伟", From: t0}, []*Verification{a}},
		{"agent's name, his agency's admin", f.anjuAdmin, VerificationQuery{Text: "张伟", From: t0}, []*Verification{a}},
		{"agent's name, another agency", f.leju, VerificationQuery{Text: "张伟", From: t0}, nil},
		{"clerk's name", f.viewer, VerificationQuery{Text: "陈静", From: t0}, []*Verification{c}},
		{"agency admin's name", f.viewer, VerificationQuery{Text: "李娜", From: t0}, []*Verification{b}},
		// A clerk sees his district only.
		{"other district's clerk", f.clerkHD, VerificationQuery{Text: "麒"}, []*Verification{c}},
		{"other district's code", f.clerkHD, VerificationQuery{Text: a.Code}, nil},
		{"clerk asking for another district", f.clerk, VerificationQuery{Text: "麒", District: "110108"}, nil},
		{"reviewer of the district", f.reviewer, VerificationQuery{Text: "麒"}, []*Verification{b, a}},
		{"city-wide viewer", f.viewer, VerificationQuery{Text: "麒"}, []*Verification{c, b, a}},
		{"city-wide viewer, one district", f.viewer, VerificationQuery{Text: "麒", District: "110108"}, []*Verification{c}},
		// An agency sees its own, whichever of its users asked.
		{"the agent", f.agent, VerificationQuery{Text: "麒"}, []*Verification{a}},
		{"another agent of the agency", f.agent2, VerificationQuery{Text: "麒"}, []*Verification{a}},
		{"the agency's admin", f.anjuAdmin, VerificationQuery{Text: vfCertNo(1)}, []*Verification{a}},
		{"another agency", f.leju, VerificationQuery{Text: "麒"}, []*Verification{b}},
		{"another agency's code", f.leju, VerificationQuery{Text: a.Code}, nil},
		{"another agency by owner", f.leju, VerificationQuery{Text: "欧阳麒"}, nil},
		// Date range of creation (To exclusive) and status.
		{"from", f.viewer, VerificationQuery{Text: "麒", From: t0.Add(time.Hour)}, []*Verification{c, b}},
		{"to", f.viewer, VerificationQuery{Text: "麒", To: t0.Add(48 * time.Hour)}, []*Verification{a}},
		{"valid", f.viewer, VerificationQuery{Text: "麒", Status: VStatusValid}, []*Verification{c, b, a}},
		{"revoked", f.viewer, VerificationQuery{Text: "麒", Status: VStatusRevoked}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, v := range tc.want {
				want = append(want, v.Code)
			}
			if got := f.listCodes(t, tc.actor, tc.q); !slices.Equal(got, want) {
				t.Errorf("found %v, want %v", got, want)
			}
		})
	}

	// Paged, newest first.
	page, err := f.SearchVerifications(f.viewer, VerificationQuery{Text: "麒", Size: 2, Page: 2})
	if err != nil || page.Total != 3 || page.Pages != 2 || page.Page != 2 || len(page.Items) != 1 || page.Items[0].Code != a.Code {
		t.Errorf("page 2 = %+v %v", page, err)
	}
	// Roles without the list permission.
	_, err = f.SearchVerifications(f.admin, VerificationQuery{Text: "麒"})
	wantError(t, err, EFORBIDDEN, "error.forbidden")
}

// TestSearchVerificationsCertNoAsTyped: a certificate number typed the way
// Chinese input methods write it (full-width brackets and digits, spaces)
// finds the verification, as it does in Verify.
func TestSearchVerificationsCertNoAsTyped(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	v := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	for _, typed := range []string{
		"京（2024）朝阳区不动产权第9000001号",
		"京（２０２４）朝阳区不动产权第９０００００１号",
		"京〔2024〕朝阳区不动产权第9000001号",
		"京(2024)朝阳区 不动产权第 9000001号",
	} {
		if got := f.listCodes(t, f.clerk, VerificationQuery{Text: typed}); !slices.Equal(got, []string{v.Code}) {
			t.Errorf("search %q found %v, want %s", typed, got, v.Code)
		}
	}
}

// TestSearchVerificationsPartial: a clerk who has only the certificate's
// serial ("9000001", with leading zeros, in full-width digits) or the
// first characters of a code (as printed, with its dash, in any case)
// finds the verification; a code start that no code has is searched as
// words instead.
func TestSearchVerificationsPartial(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)), vfRow(vfCertNo(2), "欧阳麒", vfID(1)))
	v := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	f.mustVerify(f.agent, vfInput(vfCertNo(2), vfOwner("欧阳麒", vfID(1))))
	serial := "9000001" // of vfCertNo(1)
	fullWidth := strings.Map(func(r rune) rune { return r + 0xFEE0 }, serial)
	for _, typed := range []string{serial, "00" + serial, fullWidth} {
		if got := f.listCodes(t, f.clerk, VerificationQuery{Text: typed}); !slices.Equal(got, []string{v.Code}) {
			t.Errorf("search %q found %v, want %s", typed, got, v.Code)
		}
	}
	formatted := FormatVerificationCode(v.Code) // ABCD-EFGH-JKLM
	// Typed without its dash, a start is taken for a code once it holds a
	// digit: as far as the code's first digit, and at least 7 characters.
	// A code drawn with no digit in its first eleven characters (about one
	// in thirty) has no such start: typed without its dash, its start
	// reads as words first, and as a code's start only when no words match
	// (TestSearchVerificationsFirstGroup; the full code is always found).
	starts := []string{formatted[:6]}
	if d := strings.IndexAny(v.Code[:11], "23456789"); d >= 0 {
		starts = append(starts, strings.ToLower(v.Code[:max(7, d+1)]), v.Code[:11])
	}
	for _, typed := range starts {
		got := f.listCodes(t, f.clerk, VerificationQuery{Text: typed})
		prefix := NormalizeVerificationCode(typed)
		if !slices.Contains(got, v.Code) {
			t.Errorf("search %q found %v, want %s among them", typed, got, v.Code)
		}
		for _, c := range got {
			if !strings.HasPrefix(c, prefix) {
				t.Errorf("search %q found %s", typed, c)
			}
		}
	}
	if isCodePrefix("ABCDEF", false) || !isCodePrefix("ABC2", false) || isCodePrefix("AB2", false) || isCodePrefix("ABO2", false) {
		t.Error("isCodePrefix: four characters of the alphabet, one a digit")
	}
	if !isCodePrefix("NYHTY", true) || !printedGroup("NYHT-Y") || !printedGroup(" nyht－y") || printedGroup("NYHTY") {
		t.Error("a start typed grouped as printed needs no digit")
	}
	if s := certSerial("京(2011)朝阳区不动产权第0102999号"); s != "102999" {
		t.Errorf("certSerial = %q", s)
	}
	if s := certSerial("X-123"); s != "" {
		t.Errorf("certSerial of a number without 第…号 = %q", s)
	}
}

// TestSearchVerificationsFirstGroup: the first group of a code as printed
// ("NYHT" of NYHT-Y3K8-…), typed without its dash, finds the code, also
// when it has no digit (about a third of codes): such a start is searched
// as words first, and as the start of a code when no words match.
func TestSearchVerificationsFirstGroup(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	var rows [][]string
	for i := 1; i <= 24; i++ {
		rows = append(rows, vfRow(vfCertNo(i), "欧阳麒", vfID(1)))
	}
	f.importRows(rows...)
	lettersOnly := 0
	for i := 1; i <= 24; i++ {
		v := f.mustVerify(f.agent, vfInput(vfCertNo(i), vfOwner("欧阳麒", vfID(1))))
		if strings.IndexAny(v.Code[:4], "23456789") < 0 {
			lettersOnly++
		}
		for _, typed := range []string{v.Code[:4], strings.ToLower(v.Code[:4])} {
			got := f.listCodes(t, f.clerk, VerificationQuery{Text: typed})
			if !slices.Contains(got, v.Code) {
				t.Errorf("search %q found %v, want %s among them", typed, got, v.Code)
			}
		}
	}
	t.Logf("%d of 24 codes begin with four letters", lettersOnly)
	// Words still come first.
	if page, err := f.SearchVerifications(f.clerk, VerificationQuery{Text: "欧阳麒"}); err != nil || page.Total != 24 {
		t.Errorf("search by owner found %d, %v; want 24", page.Total, err)
	}
}

// TestSearchVerificationsPartCertNo: a certificate number typed without
// its start ("朝阳区不动产权第9000001号", "第９０００００１号") finds the
// verification, as its digits alone do.
func TestSearchVerificationsPartCertNo(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)), vfRow(vfCertNo(2), "欧阳麒", vfID(1)))
	v := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	f.mustVerify(f.agent, vfInput(vfCertNo(2), vfOwner("欧阳麒", vfID(1))))
	full := vfCertNo(1) // 京(2024)朝阳区不动产权第9000001号
	_, part, _ := strings.Cut(full, ")")
	for _, typed := range []string{part, "不动产权第9000001号", "第9000001号", "第９０００００１号", " 第 9000001 号"} {
		if got := f.listCodes(t, f.clerk, VerificationQuery{Text: typed}); !slices.Equal(got, []string{v.Code}) {
			t.Errorf("search %q found %v, want %s", typed, got, v.Code)
		}
	}
}
