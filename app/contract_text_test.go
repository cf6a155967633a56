package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	"anju/storage"
)

// renderText is c's text as one string.
func (f *vfFixture) renderText(c *Contract) string {
	f.t.Helper()
	text, err := f.RenderContract(c)
	if err != nil {
		f.t.Fatal(err)
	}
	return text.Title + "\n" + strings.Join(text.Paragraphs, "\n")
}

// renameBureauAndDistrict changes what a contract's text names: the
// bureau (a parameter) and the district of 110105 (the dictionary).
func (f *vfFixture) renameBureauAndDistrict() {
	f.t.Helper()
	if err := f.SetParams(f.admin, map[string]string{ParamOrgName: "新区住房管理局"}); err != nil {
		f.t.Fatal(err)
	}
	var e *DictEntry
	if err := f.db.View(func(tx *storage.Tx) (err error) { e, err = dictGet(tx, DictDistrict, "110105"); return }); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.SaveDictEntry(f.admin, DictDistrict, e.ID, DictInput{Code: e.Code, Name: "朝阳新区", NameEn: e.NameEn, Enabled: true}); err != nil {
		f.t.Fatal(err)
	}
}

// TestSignedContractKeepsItsText: a signed contract prints the words it was
// signed with, even after the bureau's name and the district's name change;
// a draft takes the new names. The parties' ID numbers are still filled at
// print time, so a masked copy prints them masked.
func TestSignedContractKeepsItsText(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	c, err := f.SignContract(f.agent, f.readyDraft(f.agent, f.ownProperty(f.agent, 21, ""), 1, 12).ID)
	if err != nil {
		t.Fatal(err)
	}
	signed := f.renderText(f.storedContract(c.ID))
	for _, want := range []string{"住房和城乡建设委员会", "朝阳区", c.No, signOwner.IDNo} {
		if !strings.Contains(signed, want) {
			t.Fatalf("signed text lacks %q:\n%s", want, signed)
		}
	}
	f.renameBureauAndDistrict()
	if after := f.renderText(f.storedContract(c.ID)); after != signed {
		t.Errorf("the signed text changed after the renames:\n%s\nwas:\n%s", after, signed)
	}
	draft, err := f.StartContract(f.agent, f.ownProperty(f.agent, 22, "").Code)
	if err != nil {
		t.Fatal(err)
	}
	if text := f.renderText(draft); !strings.Contains(text, "新区住房管理局") || !strings.Contains(text, "朝阳新区") {
		t.Errorf("a draft does not take the new names:\n%s", text)
	}
	masked := *f.storedContract(c.ID)
	masked.Parties = slices.Clone(masked.Parties)
	for i := range masked.Parties {
		masked.Parties[i].IDNo = MaskID(masked.Parties[i].IDNo)
	}
	text := f.renderText(&masked)
	if strings.Contains(text, signOwner.IDNo) || !strings.Contains(text, MaskID(signOwner.IDNo)) {
		t.Errorf("a masked copy prints the owner's ID other than as %q:\n%s", MaskID(signOwner.IDNo), text)
	}
	// Only the ID numbers differ.
	orig := f.storedContract(c.ID)
	for i, p := range masked.Parties {
		text = strings.ReplaceAll(text, p.IDNo, orig.Parties[i].IDNo)
	}
	if text != signed {
		t.Errorf("the masked copy differs in more than its ID numbers:\n%s\nsigned:\n%s", text, signed)
	}
}

// TestKeepEarlierTexts: a contract signed before texts were kept gets its
// text kept once, as it reads then; later renames do not change it, and
// the marker stops a second pass.
func TestKeepEarlierTexts(t *testing.T) {
	t.Parallel()
	f := newSignFixture(t)
	c, err := f.SignContract(f.agent, f.readyDraft(f.agent, f.ownProperty(f.agent, 23, ""), 1, 12).ID)
	if err != nil {
		t.Fatal(err)
	}
	draft, err := f.StartContract(f.agent, f.ownProperty(f.agent, 24, "").Code)
	if err != nil {
		t.Fatal(err)
	}
	// As a store written by an earlier version: no kept text, no marker.
	if err := f.db.Update(func(tx *storage.Tx) error { return tx.Delete(keptTextBucket, storage.U64(c.ID)) }); err != nil {
		t.Fatal(err)
	}
	if err := f.keepEarlierTexts(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := f.renderText(f.storedContract(c.ID))
	var kept, keptDraft, marker bool
	_ = f.db.View(func(tx *storage.Tx) error {
		kept = tx.Get(keptTextBucket, storage.U64(c.ID)) != nil
		keptDraft = tx.Get(keptTextBucket, storage.U64(draft.ID)) != nil
		marker = tx.Meta(keptMarkerKey) != nil
		return nil
	})
	if !kept || keptDraft || !marker {
		t.Fatalf("after the pass: signed kept %v, draft kept %v, marker %v", kept, keptDraft, marker)
	}
	f.renameBureauAndDistrict()
	if after := f.renderText(f.storedContract(c.ID)); after != before {
		t.Errorf("the text kept by the pass changed:\n%s\nwas:\n%s", after, before)
	}
	// Done once: a contract whose text went missing afterwards is not
	// kept again by a second pass.
	if err := f.db.Update(func(tx *storage.Tx) error { return tx.Delete(keptTextBucket, storage.U64(c.ID)) }); err != nil {
		t.Fatal(err)
	}
	if err := f.keepEarlierTexts(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = f.db.View(func(tx *storage.Tx) error { kept = tx.Get(keptTextBucket, storage.U64(c.ID)) != nil; return nil })
	if kept {
		t.Error("a second pass ran although the marker was set")
	}
}

// TestContractTextNamesIDTypes: a party's travel permit prints by its name,
// not as a bare "证件"; the line follows the party's name, so it does not
// repeat it unless several parties share it.
func TestContractTextNamesIDTypes(t *testing.T) {
	t.Parallel()
	for code, name := range map[string]string{"hk_macau": "港澳居民来往内地通行证", "taiwan": "台湾居民来往大陆通行证",
		"foreign_pr": "外国人永久居留身份证", "passport": "护照", "resident_id": "居民身份证", "made_up": "证件"} {
		_, ids := partyLine([]Party{{Name: "周七", IDType: code, IDNo: "H12345678"}})
		if ids != name+" H12345678" {
			t.Errorf("%s prints as %q", code, ids)
		}
	}
	// Several parties on one line: each document says whose it is.
	_, ids := partyLine([]Party{{Name: "周七", IDType: "passport", IDNo: "H12345678"}, {Name: "吴八", IDType: "resident_id", IDNo: "X"}})
	if want := "周七：护照 H12345678；吴八：居民身份证 X"; ids != want {
		t.Errorf("two parties print as %q, want %q", ids, want)
	}
}
