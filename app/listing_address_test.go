package app

import "testing"

func TestListingFullAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		l    Listing
		want string
	}{
		{Listing{Address: "朝阳区安慧里", Building: "22号楼3单元", Room: "302"}, "朝阳区安慧里 22号楼3单元302"},
		{Listing{Address: "朝阳区安慧里22号楼3单元302", Building: "22号楼3单元", Room: "302"}, "朝阳区安慧里22号楼3单元302"},
		{Listing{Address: "朝阳区安慧里22号楼3单元302", Room: "302"}, "朝阳区安慧里22号楼3单元302"},
		{Listing{Address: "朝阳区安慧里22号楼３单元 ３０２", Room: "302"}, "朝阳区安慧里22号楼３单元 ３０２"}, // full-width, spaced
		{Listing{Address: "朝阳区安慧里22号楼", Building: "22号楼", Room: "302"}, "朝阳区安慧里22号楼302"},
		{Listing{Address: "朝阳区安慧里22号楼3单元302", Room: "02"}, "朝阳区安慧里22号楼3单元302 02"}, // not inside a number
		{Listing{Address: "Block 5 Room 12a", Room: "2A"}, "Block 5 Room 12a 2A"}, // nor a word
		{Listing{Address: "朝阳区安慧里22号楼3单元302", Room: "主卧"}, "朝阳区安慧里22号楼3单元302 主卧"}, // a shared rental's room
		{Listing{Address: "  朝阳区安慧里  "}, "朝阳区安慧里"},
	} {
		if got := c.l.FullAddress(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.l, got, c.want)
		}
	}
}
