package app

import (
	"slices"
	"testing"

	"anju/storage"
)

func dictCodes(t *testing.T, f *fixture, kind DictKind, enabledOnly bool) []string {
	t.Helper()
	entries, err := f.Dict(kind, enabledOnly)
	if err != nil {
		t.Fatal(err)
	}
	codes := make([]string, len(entries))
	for i, e := range entries {
		codes[i] = e.Code
	}
	return codes
}

func TestDistrictCodeValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name       string
		kind       DictKind
		in         DictInput
		field, key string
	}{
		{"five digits", DictDistrict, DictInput{Code: "12010", Name: "和平区"}, "code", "dict.district_code_invalid"},
		{"seven digits", DictDistrict, DictInput{Code: "1201011", Name: "和平区"}, "code", "dict.district_code_invalid"},
		{"letter", DictDistrict, DictInput{Code: "12010a", Name: "和平区"}, "code", "dict.district_code_invalid"},
		{"no such province", DictDistrict, DictInput{Code: "990101", Name: "某区"}, "code", "dict.district_code_invalid"},
		{"province 20", DictDistrict, DictInput{Code: "200101", Name: "某区"}, "code", "dict.district_code_invalid"},
		{"city level, not a district", DictDistrict, DictInput{Code: "120100", Name: "天津市"}, "code", "dict.district_code_invalid"},
		{"code required", DictDistrict, DictInput{Code: " ", Name: "和平区"}, "code", "dict.code_required"},
		{"name required", DictDistrict, DictInput{Code: "120101", Name: "  "}, "name", "dict.name_required"},
		{"sort not a number", DictDistrict, DictInput{Code: "120101", Name: "和平区", Sort: "abc"}, "sort", "dict.sort_invalid"},
		{"slash in code", DictCertType, DictInput{Code: "a/b", Name: "某证"}, "code", "dict.code_invalid"},
		{"code too long", DictCertType, DictInput{Code: "123456789012345678901", Name: "某证"}, "code", "dict.code_invalid"},
		{"duplicate district", DictDistrict, DictInput{Code: "110105", Name: "朝阳区二"}, "code", "dict.code_taken"},
		{"duplicate full-width", DictDistrict, DictInput{Code: "１１０１０８", Name: "海淀区二"}, "code", "dict.code_taken"},
		{"duplicate seeded cert type", DictCertType, DictInput{Code: "01", Name: "不动产权证书二"}, "code", "dict.code_taken"},
	}
	before := len(dictCodes(t, f, DictDistrict, false))
	_, audits0, _ := f.counts()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.SaveDictEntry(f.admin, tt.kind, 0, tt.in)
			wantFieldError(t, err, tt.field, tt.key)
		})
	}
	if n := len(dictCodes(t, f, DictDistrict, false)); n != before {
		t.Errorf("%d districts after refused forms, want %d", n, before)
	}
	if _, audits, _ := f.counts(); audits != audits0 {
		t.Errorf("refused forms wrote %d audit entries", audits-audits0)
	}

	_, err := f.SaveDictEntry(f.admin, "colour", 0, DictInput{Code: "1", Name: "红"})
	wantError(t, err, ENOTFOUND, "dict.kind_unknown")
	_, err = f.SaveDictEntry(f.admin, DictDistrict, 9999, DictInput{Code: "120101", Name: "和平区"})
	wantError(t, err, ENOTFOUND, "dict.not_found")
}

func TestSaveDictEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, err := f.SaveDictEntry(f.admin, DictDistrict, 0, DictInput{Code: "１２０１０１", Name: " 和平区 ", NameEn: "Heping", Sort: "5", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.Code != "120101" || e.Name != "和平区" || e.Label("en") != "Heping" || e.Label("zh-CN") != "和平区" {
		t.Errorf("entry = %+v", e)
	}
	if a := f.lastAudit(); a.Action != "dict.create" || a.RecordKind != "dict" || a.RecordID != e.ID || a.Detail != "district/120101 和平区" {
		t.Errorf("audit entry = %+v", a)
	}
	// The same code in another dictionary is fine.
	if _, err := f.SaveDictEntry(f.admin, DictCertType, 0, DictInput{Code: "120101", Name: "某证", Enabled: true}); err != nil {
		t.Errorf("same code, other kind: %v", err)
	}

	// Disable it: gone from pick lists, still listed for management, and no
	// longer accepted for a user's jurisdiction.
	upd, err := f.SaveDictEntry(f.admin, DictDistrict, e.ID, DictInput{Code: "120102", Name: "和平区", Sort: "5", Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Code != "120101" {
		t.Errorf("code changed to %q on update: records refer to it", upd.Code)
	}
	if a := f.lastAudit(); a.Action != "dict.update" || a.RecordID != e.ID ||
		a.Detail != "district/120101 和平区: name_en Heping → ; enabled=false" {
		t.Errorf("audit entry = %+v, want what changed", a)
	}
	// Saving it unchanged writes nothing.
	before := f.lastAudit().ID
	if _, err := f.SaveDictEntry(f.admin, DictDistrict, e.ID, DictInput{Code: "120101", Name: "和平区", Sort: "5"}); err != nil {
		t.Fatal(err)
	}
	if a := f.lastAudit(); a.ID != before {
		t.Errorf("an unchanged save was audited: %+v", a)
	}
	enabled := dictCodes(t, f, DictDistrict, true)
	all := dictCodes(t, f, DictDistrict, false)
	if slices.Contains(enabled, "120101") || !slices.Contains(all, "120101") || len(all) != len(enabled)+1 {
		t.Errorf("enabled %v, all %v", enabled, all)
	}
	if all[0] != "120101" { // sort 5 comes before the seeded 10, 20, ...
		t.Errorf("order = %v, want by sort then code", all)
	}
	// A disabled district keeps its name on the records that show it, and
	// the name follows an edit at once.
	for lang, want := range map[string]string{"zh-CN": "和平区", "en": "和平区"} {
		if got, ok, err := f.DictLabel(DictDistrict, "120101", lang); err != nil || !ok || got != want {
			t.Errorf("DictLabel(120101, %s) = %q, %v, %v; want %q", lang, got, ok, err, want)
		}
	}
	if _, err := f.SaveDictEntry(f.admin, DictDistrict, e.ID, DictInput{Code: "120101", Name: "和平区新", NameEn: "Heping New", Sort: "5"}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := f.DictLabel(DictDistrict, "120101", "en"); got != "Heping New" {
		t.Errorf("DictLabel after the edit = %q, want Heping New", got)
	}
	if got, ok, _ := f.DictLabel(DictDistrict, "129999", "zh-CN"); ok || got != "" {
		t.Errorf("DictLabel of an unknown code = %q, %v", got, ok)
	}
	_, _, err = f.CreateUser(f.admin, UserInput{Username: "clerk.hp", Name: "和平", Roles: []Role{RoleClerk}, District: "120101"})
	wantFieldError(t, err, "district", "user.district_unknown")
	// Enabled again, the form takes it at once (the check reads the cache,
	// which the save drops).
	if _, err := f.SaveDictEntry(f.admin, DictDistrict, e.ID, DictInput{Code: "120101", Name: "和平区", Sort: "5", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err = f.CreateUser(f.admin, UserInput{Username: "clerk.hp", Name: "和平", Roles: []Role{RoleClerk}, District: "120101"}); err != nil {
		t.Errorf("clerk of a district enabled again: %v", err)
	}

	// An ID of another dictionary reads as not found.
	_, err = f.SaveDictEntry(f.admin, DictCertType, e.ID, DictInput{Code: "x", Name: "某证"})
	wantError(t, err, ENOTFOUND, "dict.not_found")
}

func TestMigrationSeedsNationalDictionariesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	certs := dictCodes(t, f, DictCertType, false)
	ids := dictCodes(t, f, DictIDType, false)
	if len(certs) != len(defaultCertTypes) || certs[0] != "01" || len(ids) != len(defaultIDTypes) || ids[0] != "resident_id" {
		t.Fatalf("seeded cert types %v, id types %v", certs, ids)
	}
	// The bureau disables one; reopening must neither duplicate the seed
	// nor undo the edit.
	var passport *DictEntry
	err := f.db.View(func(tx *storage.Tx) (err error) { passport, err = dictGet(tx, DictIDType, "passport"); return err })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.SaveDictEntry(f.admin, DictIDType, passport.ID, DictInput{Code: "passport", Name: "护照", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f.close()
		f.reopen()
	}
	if got := dictCodes(t, f, DictCertType, false); len(got) != len(defaultCertTypes) {
		t.Errorf("cert types after reopening: %v", got)
	}
	if got := dictCodes(t, f, DictIDType, false); len(got) != len(defaultIDTypes) {
		t.Errorf("id types after reopening: %v", got)
	}
	if got := dictCodes(t, f, DictIDType, true); slices.Contains(got, "passport") {
		t.Error("reopening re-enabled an entry the bureau disabled")
	}
	if v, err := f.db.SchemaVersion(); err != nil || v != SchemaVersion() {
		t.Errorf("schema version = %d, %v; want %d", v, err, SchemaVersion())
	}
}
