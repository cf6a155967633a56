package app

import (
	"strings"
	"time"

	"anju/storage"
)

// useCodesOfLetRooms marks "used" the valid verification codes of the
// rooms a back-entered (paper) lease lets, as signing online uses the code
// it signs on: a flat let on paper is no longer to be advertised with a
// valid code, nor signed on again (which would only fail later, at the
// term's overlap). A whole flat uses every valid code of the property; a
// room, the codes for that room and those for the whole flat, which cannot
// be let while a room of it is. It returns the codes used.
func useCodesOfLetRooms(tx *storage.Tx, c *Contract, actor Actor, now time.Time) ([]string, error) {
	if c.PropertyID == 0 {
		return nil, nil
	}
	ids, err := verificationTable.Lookup(tx, "property", storage.U64(c.PropertyID))
	if err != nil {
		return nil, err
	}
	var used []string
	for _, id := range ids {
		v, err := verificationTable.Get(tx, id)
		if err != nil {
			return nil, err
		}
		if v.State(now) != VStatusValid || (c.Listing.Mode == "shared" && v.Listing.Mode == "shared" && !sameRoom(v.Listing, c.Listing)) {
			continue
		}
		v.Status, v.ContractID, v.Ended, v.EndedBy, v.EndReason = VStatusUsed, c.ID, now, actor.Username, c.No
		if err := verificationTable.Put(tx, v); err != nil {
			return nil, err
		}
		used = append(used, v.Code)
	}
	return used, nil
}

// sameRoom tells whether two listings of a shared flat name the same room,
// compared without spaces, in half-width and any case: a paper lease names
// the room alone ("B室"), a verification may carry the building too.
func sameRoom(a, b Listing) bool {
	ra, rb := strings.ToUpper(stripSpaceHalfWidth(a.Room)), strings.ToUpper(stripSpaceHalfWidth(b.Room))
	return ra != "" && ra == rb
}
