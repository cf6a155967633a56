package app

import (
	"fmt"
	"slices"
	"testing"

	"anju/storage"
)

// insertPremisesAgencies stores agencies directly (the filing workflow is
// tested elsewhere) and returns them with their IDs.
func insertPremisesAgencies(t testing.TB, f *fixture, ags ...*Agency) []*Agency {
	t.Helper()
	err := f.update(func(tx *storage.Tx) error {
		for _, ag := range ags {
			if ag.Status == "" {
				ag.Status = AgencyFiled
			}
			ag.Created, ag.Updated = f.now(), f.now()
			if _, err := agencyTable.Insert(tx, ag); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert agencies: %v", err)
	}
	return ags
}

func premisesAt(name, district string, lng, lat float64) Premises {
	return Premises{Name: name, Address: "北京市" + name, District: district, Lng: lng, Lat: lat, HasCoords: true}
}

func premisesNoCoords(name, district string) Premises {
	return Premises{Name: name, Address: "北京市" + name + "路1号", District: district}
}

// premisesWorld: three agencies in Chaoyang (110105) and Haidian
// (110108), one of them operating in both, one cancelled, one without
// premises, one premises without coordinates.
func premisesWorld(t *testing.T) (*fixture, []*Agency) {
	f := newFixture(t)
	ags := insertPremisesAgencies(t, f,
		&Agency{AgencyInfo: AgencyInfo{Name: "朝阳甲经纪", Type: AgencyTypeBroker, District: "110105", Premises: []Premises{
			premisesAt("国贸店", "110105", 116.47, 39.91), premisesAt("望京店", "110105", 116.48, 39.99), premisesAt("五道口店", "110108", 116.34, 39.99)}}},
		&Agency{AgencyInfo: AgencyInfo{Name: "海淀乙租赁", Type: AgencyTypeRental, District: "110108", Premises: []Premises{
			premisesAt("中关村店", "110108", 116.31, 39.98), premisesNoCoords("清河店", "110108")}}},
		&Agency{Status: AgencyCancelled, AgencyInfo: AgencyInfo{Name: "朝阳丙已注销", Type: AgencyTypeBroker, District: "110105", Premises: []Premises{
			premisesAt("三里屯店", "110105", 116.45, 39.93)}}},
		&Agency{AgencyInfo: AgencyInfo{Name: "朝阳丁无场所", Type: AgencyTypeOther, District: "110105"}},
		// A premises without its own district counts in the agency's.
		&Agency{AgencyInfo: AgencyInfo{Name: "海淀戊经纪", Type: AgencyTypeBroker, District: "110108", Premises: []Premises{
			{Name: "西二旗店", Address: "北京市海淀区西二旗", Lng: 116.30, Lat: 40.05, HasCoords: true}}}},
	)
	return f, ags
}

func districtRow(t *testing.T, rep *PremisesReport, code string) DistrictPremises {
	t.Helper()
	for _, r := range rep.Districts {
		if r.District == code {
			return r
		}
	}
	t.Fatalf("no row for district %s in %+v", code, rep.Districts)
	return DistrictPremises{}
}

func pointNames(rep *PremisesReport) []string {
	var out []string
	for _, p := range rep.Points {
		out = append(out, p.AgencyName+"/"+p.Premises)
	}
	return out
}

func TestPremisesMapCountsByDistrict(t *testing.T) {
	t.Parallel()
	f, ags := premisesWorld(t)
	rep, err := f.PremisesMap(f.admin, PremisesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// City-wide: every district of the dictionary has a row, in its order.
	if len(rep.Districts) != len(demoDistricts) || rep.Districts[0].District != "110101" {
		t.Fatalf("districts: %+v", rep.Districts)
	}
	if got := districtRow(t, rep, "110101"); got.Agencies != 0 || got.Premises != 0 {
		t.Errorf("Dongcheng: %+v, want empty", got)
	}
	// Chaoyang: 甲 (2 premises) and 丁 (none, registered here); 丙 is cancelled.
	if got, want := districtRow(t, rep, "110105"), (DistrictPremises{District: "110105", Agencies: 2, Premises: 2, Located: 2}); got != want {
		t.Errorf("Chaoyang: %+v, want %+v", got, want)
	}
	// Haidian: 甲's 五道口店, 乙 (one without coordinates), 戊.
	if got, want := districtRow(t, rep, "110108"), (DistrictPremises{District: "110108", Agencies: 3, Premises: 4, Located: 3}); got != want {
		t.Errorf("Haidian: %+v, want %+v", got, want)
	}
	if rep.Agencies != 4 || rep.Premises != 6 {
		t.Errorf("totals: %d agencies, %d premises; want 4, 6", rep.Agencies, rep.Premises)
	}
	want := []string{"朝阳甲经纪/国贸店", "朝阳甲经纪/望京店", "朝阳甲经纪/五道口店", "海淀乙租赁/中关村店", "海淀戊经纪/西二旗店"}
	if got := pointNames(rep); !slices.Equal(got, want) {
		t.Errorf("points %v, want %v", got, want)
	}
	p := rep.Points[0]
	if p.AgencyID != ags[0].ID || p.Lng != 116.47 || p.Lat != 39.91 || p.AgencyType != AgencyTypeBroker || p.District != "110105" || !p.Visible {
		t.Errorf("first point: %+v", p)
	}
	if rep.Points[4].District != "110108" {
		t.Errorf("a premises without district is placed in its agency's: %+v", rep.Points[4])
	}
	if len(rep.Unlocated) != 1 || rep.Unlocated[0].Premises != "清河店" || rep.Unlocated[0].AgencyID != ags[1].ID ||
		rep.Unlocated[0].Address != "北京市清河店路1号" {
		t.Errorf("unlocated: %+v", rep.Unlocated)
	}
}

func TestPremisesMapJurisdiction(t *testing.T) {
	t.Parallel()
	f, ags := premisesWorld(t)
	clerk := f.actor(f.seedUser("clerk.cy", "朝阳录入员", []Role{RoleClerk}, "110105", fixturePassword))
	rep, err := f.PremisesMap(clerk, PremisesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Districts) != 1 || rep.Districts[0].District != "110105" {
		t.Fatalf("a district clerk sees only his district: %+v", rep.Districts)
	}
	if got, want := pointNames(rep), []string{"朝阳甲经纪/国贸店", "朝阳甲经纪/望京店"}; !slices.Equal(got, want) {
		t.Errorf("points %v, want %v", got, want)
	}
	if len(rep.Unlocated) != 0 {
		t.Errorf("unlocated of another district shown: %+v", rep.Unlocated)
	}
	// Asking for another district by filter shows nothing of it.
	rep, err = f.PremisesMap(clerk, PremisesFilter{District: "110108"})
	if err != nil || len(rep.Points) != 0 || len(rep.Districts) != 0 || rep.Premises != 0 {
		t.Errorf("other district by filter: %+v, %v", rep, err)
	}

	// Haidian sees 甲's shop in Haidian (it operates there) but may not
	// open 甲's filing, which belongs to Chaoyang.
	hd := f.actor(f.seedUser("viewer.hd", "海淀查询", []Role{RoleViewer}, "110108", fixturePassword))
	rep, err = f.PremisesMap(hd, PremisesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Points {
		if p.District != "110108" {
			t.Errorf("Haidian sees a point in %s: %+v", p.District, p)
		}
		if want := p.AgencyID != ags[0].ID; p.Visible != want {
			t.Errorf("%s: visible %v, want %v", p.AgencyName, p.Visible, want)
		}
	}
	if len(rep.Points) != 3 {
		t.Errorf("Haidian points: %v", pointNames(rep))
	}

	// Agency users have no distribution page.
	agent := f.actor(f.seedUser("agent.x", "经纪人", []Role{RoleAgencyAdmin}, "", fixturePassword))
	if _, err := f.PremisesMap(agent, PremisesFilter{}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("agency admin: %v, want forbidden", err)
	}
}

func TestPremisesMapFilters(t *testing.T) {
	t.Parallel()
	f, _ := premisesWorld(t)
	tests := []struct {
		name   string
		filter PremisesFilter
		want   []string
	}{
		{"rental only", PremisesFilter{Type: AgencyTypeRental}, []string{"海淀乙租赁/中关村店"}},
		{"cancelled", PremisesFilter{Status: PremisesStatusCancelled}, []string{"朝阳丙已注销/三里屯店"}},
		{"all statuses, brokers, Chaoyang", PremisesFilter{Status: PremisesStatusAll, Type: AgencyTypeBroker, District: "110105"},
			[]string{"朝阳甲经纪/国贸店", "朝阳甲经纪/望京店", "朝阳丙已注销/三里屯店"}},
		{"credit level is not applied yet", PremisesFilter{District: "110105", CreditLevel: "A"}, []string{"朝阳甲经纪/国贸店", "朝阳甲经纪/望京店"}},
	}
	for _, tt := range tests {
		rep, err := f.PremisesMap(f.admin, tt.filter)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := pointNames(rep); !slices.Equal(got, tt.want) {
			t.Errorf("%s: points %v, want %v", tt.name, got, tt.want)
		}
	}
	rep, _ := f.PremisesMap(f.admin, PremisesFilter{District: "110105", Type: AgencyTypeOther})
	if len(rep.Districts) != 1 || rep.Districts[0].Agencies != 1 || rep.Districts[0].Premises != 0 {
		t.Errorf("an agency without premises is counted where it is registered: %+v", rep.Districts)
	}

	wantFieldError(t, errOnly(f.PremisesMap(f.admin, PremisesFilter{Type: "bank"})), "type", "premises.bad_type")
	wantFieldError(t, errOnly(f.PremisesMap(f.admin, PremisesFilter{Status: "pending"})), "status", "premises.bad_status")
	wantFieldError(t, errOnly(f.PremisesMap(f.admin, PremisesFilter{District: "999999"})), "district", "premises.bad_district")
}

func errOnly[T any](_ T, err error) error { return err }

func TestMapTileParam(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, bad := range []struct{ value, key string }{
		{"https://tiles.example.gov.cn/{z}/{x}.png", "param.bad_tile_placeholders"},
		{"https://tiles.example.gov.cn/{z}/{x}/{y}.png?k={key}", "param.bad_tile_placeholders"},
		{"https://tiles.example.gov.cn/{s}/{z}/{x}/{y}.png", "param.bad_tile_placeholders"},
		{"ftp://tiles.example.gov.cn/{z}/{x}/{y}.png", "param.bad_tile_url"},
		{"tiles/{z}/{x}/{y}.png", "param.bad_tile_url"},
		{"//tiles.example.gov.cn/{z}/{x}/{y}.png", "param.bad_tile_url"},
		{"https://tiles.example.gov.cn/{z}/{x}/{y}.png\"><script>", "param.bad_tile_url"},
		{"https://user:pw@tiles.example.gov.cn/{z}/{x}/{y}.png", "param.bad_tile_url"},
	} {
		wantFieldError(t, f.SetParams(f.admin, map[string]string{ParamMapTileURL: bad.value}), ParamMapTileURL, bad.key)
	}
	if got := f.ParamString(ParamMapTileURL); got != "" {
		t.Fatalf("default tile URL %q, want empty (no interactive map)", got)
	}
	for _, good := range []struct{ value, origin string }{
		{"http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8080"},
		{"https://gis.bj.gov.cn/wmts/{z}/{y}/{x}", "https://gis.bj.gov.cn"},
		{"/tiles/{z}/{x}/{y}.png", ""},
		{"", ""},
	} {
		if err := f.SetParams(f.admin, map[string]string{ParamMapTileURL: " " + good.value + " ", ParamMapAttribution: "© 北京市测绘院"}); err != nil {
			t.Fatalf("%q: %v", good.value, err)
		}
		if got := f.ParamString(ParamMapTileURL); got != good.value {
			t.Errorf("stored %q, want %q", got, good.value)
		}
		if got := TileOrigin(good.value); got != good.origin {
			t.Errorf("TileOrigin(%q) = %q, want %q", good.value, got, good.origin)
		}
	}
	if got := f.ParamString(ParamMapAttribution); got != "© 北京市测绘院" {
		t.Errorf("attribution %q", got)
	}
}

// The distribution keeps decoded agencies between calls; a change or a
// removal must show at once.
func TestPremisesMapSeesChanges(t *testing.T) {
	t.Parallel()
	f, ags := premisesWorld(t)
	if _, err := f.PremisesMap(f.admin, PremisesFilter{}); err != nil {
		t.Fatal(err)
	}
	err := f.update(func(tx *storage.Tx) error {
		ag, err := agencyTable.Get(tx, ags[1].ID)
		if err != nil {
			return err
		}
		ag.Premises[1] = premisesAt("清河店", "110108", 116.33, 40.03) // coordinates completed
		if err := agencyTable.Put(tx, ag); err != nil {
			return err
		}
		return agencyTable.Delete(tx, ags[4].ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.PremisesMap(f.admin, PremisesFilter{District: "110108"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"朝阳甲经纪/五道口店", "海淀乙租赁/中关村店", "海淀乙租赁/清河店"}
	if got := pointNames(rep); !slices.Equal(got, want) || len(rep.Unlocated) != 0 {
		t.Errorf("after the change: points %v, unlocated %+v; want %v and none", got, rep.Unlocated, want)
	}
}

// Pages are drawn concurrently while agencies change (go test -race).
func TestPremisesMapConcurrent(t *testing.T) {
	t.Parallel()
	f, ags := premisesWorld(t)
	done := make(chan error, 4)
	for range 3 {
		go func() {
			for range 20 {
				rep, err := f.PremisesMap(f.admin, PremisesFilter{})
				if err == nil && len(rep.Points) < 5 {
					err = fmt.Errorf("%d points", len(rep.Points))
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	go func() {
		for i := range 20 {
			err := f.update(func(tx *storage.Tx) error {
				ag, err := agencyTable.Get(tx, ags[0].ID)
				if err != nil {
					return err
				}
				ag.Premises[0].Lng = 116.47 + float64(i)/1000
				return agencyTable.Put(tx, ag)
			})
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	rep, _ := f.PremisesMap(f.admin, PremisesFilter{})
	if rep.Points[0].Lng != 116.47+19.0/1000 {
		t.Errorf("last change not seen: %v", rep.Points[0].Lng)
	}
}
