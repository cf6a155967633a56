package app

import (
	"testing"

	"anju/storage"
)

// TestMigrateAgencyNames: accounts of an older store named their agency
// by text (bucket agency_names: lower-cased name -> ID). The migration
// turns each into an unfiled agency record with the same ID and the name
// as the accounts typed it, so that accounts and verifications stay
// linked; filing an agency of that name later keeps the ID.
func TestMigrateAgencyNames(t *testing.T) {
	f := newFilingFixture(t)
	var agentID uint64
	err := f.update(func(tx *storage.Tx) error {
		if err := tx.Put("agency_names", []byte("北京老店房地产经纪有限公司"), storage.U64(900)); err != nil {
			return err
		}
		u := &User{Username: "old.agent", Name: "老经纪人", Roles: []Role{RoleAgent}, AgencyID: 900, AgencyName: "北京老店房地产经纪有限公司"}
		var err error
		agentID, err = userTable.Insert(tx, u)
		if err != nil {
			return err
		}
		return migrateAgencyNames(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	ag := f.storedAgency(t, 900)
	if ag.Status != AgencyUnfiled || ag.Name != "北京老店房地产经纪有限公司" {
		t.Fatalf("migrated agency = %+v", ag)
	}
	var gone bool
	_ = f.db.View(func(tx *storage.Tx) error {
		gone = tx.Get("agency_names", []byte("北京老店房地产经纪有限公司")) == nil
		return nil
	})
	if !gone {
		t.Error("the agency_names bucket is still there")
	}
	// An unfiled agency's staff may not verify until it is filed.
	var u *User
	_ = f.db.View(func(tx *storage.Tx) (err error) { u, err = userTable.Get(tx, agentID); return })
	if err := f.requireFiledAgency(f.actor(u)); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("unfiled agency's agent: %v", err)
	}
	// Filing it keeps its ID, so the old account belongs to the filed agency.
	form := validAgencyForm("北京老店房地产经纪有限公司", testUSCC("91110105MA01LD001"))
	ap := f.fileThrough(t, f.clerk, form)
	ap, err = f.ApproveApplication(f.reviewer, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ap.AgencyID != 900 {
		t.Fatalf("filing the unfiled agency made agency %d, want 900", ap.AgencyID)
	}
	if ag := f.storedAgency(t, 900); ag.Status != AgencyFiled || ag.FilingNo == "" {
		t.Errorf("after filing: %+v", ag)
	}
	if err := f.requireFiledAgency(f.actor(u)); err != nil {
		t.Errorf("after filing the agent is still refused: %v", err)
	}
}
