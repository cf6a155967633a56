package app

import (
	"time"

	"anju/storage"
)

// migrateAgencyNames turns the agencies that accounts named before agency
// records existed (the "agency_names" bucket: lower-cased name -> ID) into
// agency records with the same IDs, so that users and verifications keep
// pointing at them. They are "unfiled" until a clerk files them.
func migrateAgencyNames(tx *storage.Tx) error {
	type pair struct {
		name string
		id   uint64
	}
	var found []pair
	err := tx.Scan("agency_names", nil, false, func(k, v []byte) (bool, error) {
		found = append(found, pair{string(k), storage.ParseU64(v)})
		return true, nil
	})
	if err != nil {
		return err
	}
	// The accounts kept the name as typed; prefer it to the lower-cased key.
	names := map[uint64]string{}
	err = userTable.Each(tx, false, func(u *User) (bool, error) {
		if u.AgencyID != 0 && u.AgencyName != "" {
			names[u.AgencyID] = u.AgencyName
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	now := time.Now()
	for _, p := range found {
		name := names[p.id]
		if name == "" {
			name = p.name
		}
		ag := &Agency{ID: p.id, Status: AgencyUnfiled, AgencyInfo: AgencyInfo{Name: name}, Created: now, Updated: now}
		if err := agencyTable.Put(tx, ag); err != nil {
			return err
		}
	}
	return tx.DeleteBucket("agency_names")
}
