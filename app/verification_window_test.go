package app

import (
	"slices"
	"testing"
	"time"
)

// TestSearchVerificationsBroadWindow: a broad query (no date range, and no
// text or one or two characters) lists the last 90 days and says so; a date
// range, a longer text or a code finds older verifications too, and expired
// codes are narrowed by when they expired.
func TestSearchVerificationsBroadWindow(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(
		vfRow(vfCertNo(1), "欧阳麒", vfID(1), "address", "北京市朝阳区麒麟路1号"),
		vfRow(vfCertNo(2), "司马骏", vfID(2), "address", "北京市朝阳区麒麟路2号"),
	)
	t0 := f.now()
	inOld := vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1)))
	inOld.Address = "北京市朝阳区麒麟路1号"
	old := f.mustVerify(f.agent, inOld)
	f.clock.Advance(100 * 24 * time.Hour)
	inNew := vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2)))
	inNew.Address = "北京市朝阳区麒麟路2号"
	recent := f.mustVerify(f.agent, inNew)
	since := f.now().AddDate(0, 0, -90).Truncate(time.Hour)

	for _, tc := range []struct {
		name   string
		q      VerificationQuery
		want   []*Verification
		window string // the field narrowed, "" for none
	}{
		{"two characters", VerificationQuery{Text: "麒麟"}, []*Verification{recent}, "created"},
		{"two characters and a space", VerificationQuery{Text: " 麒 麟 "}, []*Verification{recent}, "created"},
		{"three characters", VerificationQuery{Text: "麒麟路"}, []*Verification{recent, old}, ""},
		{"a date range", VerificationQuery{Text: "麒麟", From: t0.Add(-time.Hour)}, []*Verification{recent, old}, ""},
		{"the old code", VerificationQuery{Text: old.Code}, []*Verification{old}, ""},
		{"the old certificate number", VerificationQuery{Text: vfCertNo(1)}, []*Verification{old}, ""},
		{"expired lately", VerificationQuery{Text: "麒麟", Status: VStatusExpired}, []*Verification{old}, "valid_until"},
		{"valid", VerificationQuery{Text: "麒麟", Status: VStatusValid}, []*Verification{recent}, ""},
		// A status no list offers (a hand-edited address) lists as any
		// status does, within the same 90 days: not every code ever issued.
		{"an unknown status", VerificationQuery{Text: "麒麟", Status: "bogus"}, []*Verification{recent}, "created"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := f.SearchVerifications(f.agent, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, v := range page.Items {
				got = append(got, v.Code)
			}
			for _, v := range tc.want {
				want = append(want, v.Code)
			}
			if !slices.Equal(got, want) || page.Total != len(want) {
				t.Errorf("found %v (total %d), want %v", got, page.Total, want)
			}
			switch {
			case tc.window == "" && page.Window != nil:
				t.Errorf("narrowed to %+v, want no window", *page.Window)
			case tc.window != "" && (page.Window == nil || page.Window.Field != tc.window || !page.Window.Since.Equal(since) || page.Window.Days != 90):
				t.Errorf("window %+v, want %s since %s", page.Window, tc.window, since)
			}
		})
	}

	// Expired longer ago than the window: found with a date range only.
	f.clock.Advance(200 * 24 * time.Hour)
	if got := f.listCodes(t, f.agent, VerificationQuery{Text: "麒麟", Status: VStatusExpired}); len(got) != 0 {
		t.Errorf("expired long ago, found %v without a date range", got)
	}
	if got := f.listCodes(t, f.agent, VerificationQuery{Text: "麒麟", Status: VStatusExpired, From: t0.Add(-time.Hour)}); !slices.Equal(got, []string{recent.Code, old.Code}) {
		t.Errorf("expired, with a date range: found %v", got)
	}
}

// TestSearchVerificationsNewestSlice: with many matches the first pages are
// looked for among recent verifications (searchNewest); they are the same
// as a search over all, and so is the total.
func TestSearchVerificationsNewestSlice(t *testing.T) {
	f := newVFFixture(t)
	var rows [][]string
	for i := 1; i <= 5; i++ {
		rows = append(rows, vfRow(vfCertNo(i), "欧阳麒", vfID(i), "address", "北京市朝阳区麒麟路1号"))
	}
	f.importRows(rows...)
	var want []string
	for i := 1; i <= 5; i++ {
		in := vfInput(vfCertNo(i), vfOwner("欧阳麒", vfID(i)))
		in.Address = "北京市朝阳区麒麟路1号"
		want = append([]string{f.mustVerify(f.agent, in).Code}, want...)
		f.clock.Advance(3 * 24 * time.Hour)
	}
	q := VerificationQuery{Text: "麒麟路", Size: 2}
	all := f.listCodes(t, f.agent, q)
	defer func(n int) { newestSliceFrom = n }(newestSliceFrom)
	newestSliceFrom = 4
	page, err := f.SearchVerifications(f.agent, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range page.Items {
		got = append(got, v.Code)
	}
	if !slices.Equal(got, want[:2]) || !slices.Equal(all, want[:2]) || page.Total != 5 || page.Pages != 3 {
		t.Errorf("sliced page %v (total %d, %d pages), unsliced %v, want %v of 5", got, page.Total, page.Pages, all, want[:2])
	}
}
