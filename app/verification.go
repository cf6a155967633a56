package app

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// Verification statuses as stored. "expired" is not stored: a valid code
// past its ValidUntil reads as expired (see State).
const (
	VStatusValid   = "valid"
	VStatusExpired = "expired"
	VStatusUsed    = "used"    // a lease was signed on it
	VStatusRevoked = "revoked" // by a clerk, with a reason
	VStatusVoided  = "voided"  // automatically: the registry changed
)

// Listing is the rental offer being verified.
type Listing struct {
	Address  string  `json:"address"`
	Building string  `json:"building,omitempty"` // 楼栋/单元
	Room     string  `json:"room,omitempty"`     // 房号; for shared rental also the rented room
	Area     float64 `json:"area"`
	Rooms    int     `json:"rooms"` // 室
	Halls    int     `json:"halls"` // 厅
	Baths    int     `json:"baths"` // 卫
	Rent     int     `json:"rent"`  // asking monthly rent, yuan
	Mode     string  `json:"mode"`  // "whole" 整租 or "shared" 合租
}

// Requester says who asked for a verification.
type Requester struct {
	UserID     uint64 `json:"user_id,omitempty"`
	Username   string `json:"username"`
	Name       string `json:"name,omitempty"`
	AgencyID   uint64 `json:"agency_id,omitempty"`
	AgencyName string `json:"agency_name,omitempty"`
	APIKeyID   uint64 `json:"api_key_id,omitempty"`
	Platform   string `json:"platform,omitempty"`
}

// Verification is a passed listing verification with its code (核验码).
type Verification struct {
	ID         uint64    `json:"id"`
	Code       string    `json:"code"`
	Status     string    `json:"status"`
	PropertyID uint64    `json:"property_id"`
	District   string    `json:"district"`
	CertType   string    `json:"cert_type"`
	CertNo     string    `json:"cert_no"`
	Owners     []Owner   `json:"owners"`
	Listing    Listing   `json:"listing"`
	Mortgaged  bool      `json:"mortgaged,omitempty"`
	Requester  Requester `json:"requester"`
	Created    time.Time `json:"created"`
	ValidUntil time.Time `json:"valid_until"`
	Ended      time.Time `json:"ended,omitzero"` // revoked, voided or used
	EndReason  string    `json:"end_reason,omitempty"`
	EndedBy    string    `json:"ended_by,omitempty"`
	Warnings   []string  `json:"warnings,omitempty"` // message keys shown with the result
	ContractID uint64    `json:"contract_id,omitempty"`
	// IDCode: Code carries the ID (vcode_id.go) and has no code index entry.
	IDCode bool `json:"id_code,omitempty"`
}

// State is the status a person sees at time now.
func (v *Verification) State(now time.Time) string { return stateAt(v.Status, v.ValidUntil, now) }

// stateAt is the status a person sees at time now of a code stored with
// status and validUntil: a valid code past its validity has expired,
// though no one wrote that down.
func stateAt(status string, validUntil, now time.Time) string {
	if status == VStatusValid && !now.Before(validUntil) {
		return VStatusExpired
	}
	return status
}

func roomKey(propertyID uint64, l Listing) string {
	room := strings.ToUpper(strings.Join(strings.Fields(HalfWidth(l.Building+l.Room)), ""))
	if l.Mode != "shared" {
		room = "" // a whole rental covers every room
	}
	return strconv.FormatUint(propertyID, 10) + "/" + room
}

// sameFlatOrRoom reports whether two listings of a property compete for
// the same tenants: a whole rental with any listing of the property, a
// shared one with a listing of the same room.
func sameFlatOrRoom(propertyID uint64, a, b Listing) bool {
	return a.Mode == "whole" || b.Mode == "whole" || roomKey(propertyID, a) == roomKey(propertyID, b)
}

var verificationTable = storage.NewTable(storage.TableOptions[Verification]{
	Name:  "verifications",
	ID:    func(v *Verification) uint64 { return v.ID },
	SetID: func(v *Verification, id uint64) { v.ID = id },
	Indexes: []storage.Index[Verification]{
		// Only codes issued before they carried the record's ID (vcode_id.go).
		{Name: "code", Unique: true, Keys: func(v *Verification) [][]byte {
			if v.IDCode {
				return nil
			}
			return [][]byte{[]byte(v.Code)}
		}},
		{Name: "property", Keys: func(v *Verification) [][]byte { return [][]byte{storage.U64(v.PropertyID)} }},
	},
	Outbox: true,
})

var verificationDocType = search.DocType{Name: "verification", Fields: []search.Field{
	{Name: "code", Kind: search.Keyword},
	{Name: "cert_no", Kind: search.Keyword},
	{Name: "cert_serial", Kind: search.Keyword}, // certSerial: the number without its prefix
	{Name: "address", Kind: search.Text},
	{Name: "owner", Kind: search.Text},
	{Name: "agency", Kind: search.Text},
	{Name: "agency_id", Kind: search.Keyword},
	{Name: "requester", Kind: search.Keyword},
	// The name of who asked (an agent, a clerk): a clerk looks for the
	// codes 张伟 asked for by typing his name, not his user name.
	{Name: "requester_name", Kind: search.Text},
	{Name: "district", Kind: search.Keyword},
	{Name: "status", Kind: search.Keyword},
	// Created and ValidUntil are filtered on (date range, valid, expired),
	// never sorted on (lists go by ID, which is creation order): Instant
	// fields, six terms each instead of a Date's sixteen and no doc
	// values, which every verification's indexing and every merge would
	// build (docs/benchmarks.md 4.15). "issued", because "created" is a
	// sortable Date in other types and a name has one kind.
	{Name: "issued", Kind: search.Instant},
	{Name: "valid_until", Kind: search.Instant},
}}

func verificationDoc(v *Verification) search.Doc {
	owners := make([]string, len(v.Owners))
	for i, o := range v.Owners {
		owners[i] = o.Name
	}
	agency := v.Requester.AgencyName
	if agency == "" {
		agency = v.Requester.Platform
	}
	return search.Doc{Type: "verification", ID: docID("verification", v.ID), Fields: map[string]any{
		"code": v.Code, "cert_no": v.CertNo, "cert_serial": certSerial(v.CertNo),
		"address": v.Listing.FullAddress(),
		"owner":   strings.Join(owners, " "), "agency": agency,
		"agency_id": strconv.FormatUint(v.Requester.AgencyID, 10), "requester": v.Requester.Username,
		"requester_name": v.Requester.Name,
		"district":       v.District, "status": v.Status, "issued": v.Created, "valid_until": v.ValidUntil,
	}}
}

// VerifyAttempt records every verification request, passed or refused.
type VerifyAttempt struct {
	ID             uint64    `json:"id"`
	Time           time.Time `json:"time"`
	Requester      Requester `json:"requester"`
	District       string    `json:"district"`
	CertNo         string    `json:"cert_no"`
	Outcome        string    `json:"outcome"` // "passed", "refused", "invalid", "unavailable"
	Reason         string    `json:"reason,omitempty"`
	Field          string    `json:"field,omitempty"`
	VerificationID uint64    `json:"verification_id,omitempty"`
}

var attemptTable = storage.NewTable(storage.TableOptions[VerifyAttempt]{
	Name:  "verify_attempts",
	ID:    func(v *VerifyAttempt) uint64 { return v.ID },
	SetID: func(v *VerifyAttempt, id uint64) { v.ID = id },
	Indexes: []storage.Index[VerifyAttempt]{
		// The attempts that did not pass, newest first (the key is the ID
		// counted down), for the list of them (verify_attempts.go). Passed
		// attempts have no entry: the API's hot path writes nothing more.
		{Name: "failed", Keys: func(v *VerifyAttempt) [][]byte {
			if v.Outcome == "passed" {
				return nil
			}
			return [][]byte{storage.U64(math.MaxUint64 - v.ID)}
		}},
	},
})

// voidPropertyVerifications ends the valid codes of a property because the
// registry changed (reason is a message key), in the caller's transaction.
func (a *App) voidPropertyVerifications(tx *storage.Tx, propertyID uint64, reason string, actor Actor) (int, error) {
	ids, err := verificationTable.Lookup(tx, "property", storage.U64(propertyID))
	if err != nil {
		return 0, err
	}
	n := 0
	now := a.now()
	for _, id := range ids {
		v, err := verificationTable.Get(tx, id)
		if err != nil {
			return n, err
		}
		if v.Status != VStatusValid || !now.Before(v.ValidUntil) {
			continue
		}
		v.Status, v.Ended, v.EndReason, v.EndedBy = VStatusVoided, now, reason, actor.Username
		if err := verificationTable.Put(tx, v); err != nil {
			return n, err
		}
		if err := a.audit(tx, actor, "verification.void", "verification", v.ID, v.Code+" "+reason,
			auditNote("audit.note.voided", noteText(v.Code), noteKey(reason))); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// errVerificationNotFound is what a missing or invisible code reads as.
var errVerificationNotFound = Errorf(ENOTFOUND, "verify.not_found")

// canSeeVerification applies the visibility rule: government users within
// their jurisdiction, agency users their own agency's, a platform its own.
func canSeeVerification(actor Actor, v *Verification) bool {
	return canSeeRequest(actor, v.Requester, v.District)
}

// canSeeRequest is that rule for anything asked by r in a district (a
// verification, an attempt).
func canSeeRequest(actor Actor, r Requester, district string) bool {
	switch {
	case actor.System:
		return true
	case actor.APIKeyID != 0:
		return r.APIKeyID == actor.APIKeyID
	case actor.Can(PermAgencyPortal):
		return actor.AgencyID != 0 && r.AgencyID == actor.AgencyID
	case actor.Can(PermVerifyList):
		return actor.InJurisdiction(district)
	}
	return false
}

// GetVerification returns one verification the actor may see.
func (a *App) GetVerification(actor Actor, code string) (*Verification, error) {
	var v *Verification
	err := a.db.View(func(tx *storage.Tx) (err error) {
		v, err = a.lookupVerification(tx, code)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !canSeeVerification(actor, v) {
		return nil, errVerificationNotFound
	}
	return v, nil
}

// RevokeVerification ends a valid code with a reason (a clerk, within his
// jurisdiction).
func (a *App) RevokeVerification(actor Actor, code, reason string) (*Verification, error) {
	return a.RevokeVerificationFor(actor, code, reason, false)
}

// RevokeVerificationFor revokes a code; forged says the owner's data or the
// documents were found forged, which raises an automatic scoring
// application against the agency that asked for it (app/credit_scoring.go)
// in the same transaction.
func (a *App) RevokeVerificationFor(actor Actor, code, reason string, forged bool) (*Verification, error) {
	if err := actor.require(PermVerifyRevoke); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldError("reason", "verify.revoke_reason_required")
	}
	if len([]rune(reason)) > 200 {
		return nil, fieldError("reason", "verify.revoke_reason_too_long")
	}
	var v *Verification
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if v, err = a.lookupVerification(tx, code); err != nil {
			return err
		}
		if !canSeeVerification(actor, v) {
			return errVerificationNotFound
		}
		if v.State(a.now()) != VStatusValid {
			return Errorf(ECONFLICT, "verify.not_valid_anymore")
		}
		v.Status, v.Ended, v.EndReason, v.EndedBy = VStatusRevoked, a.now(), reason, actor.Username
		if err := verificationTable.Put(tx, v); err != nil {
			return err
		}
		if forged && v.Requester.AgencyID != 0 {
			facts := "核验码 " + v.Code + " 因权属信息或材料系伪造被撤销：" + reason
			err := a.raiseAutoApplication(tx, EventVerificationForged, "verification:"+strconv.FormatUint(v.ID, 10),
				Subject{SubjectAgency, v.Requester.AgencyID}, a.now(), facts)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		return a.audit(tx, actor, "verification.revoke", "verification", v.ID, v.Code+": "+reason)
	})
	return v, err
}

// PublicCheck is what anyone sees for a code on the public check page.
type PublicCheck struct {
	Code       string
	State      string // valid, expired, used, revoked, voided
	Listing    Listing
	District   string
	OwnerNames []string // masked
	Created    time.Time
	ValidUntil time.Time
	EndReason  string
	Ended      time.Time // revoked, voided or used: when
	Mortgaged  bool      // allowed, but a tenant should know; said only while the code is valid
	// Requester is who asked for the verification as the public may see
	// it: the agency's or the platform's name, "" for the bureau's staff.
	Requester string
}

// The reasons a platform is told why a code stopped being valid
// (VerificationEnd.Reason): stable machine codes. A voided code gives the
// registry's reason itself (seized, disputed, cancelled, restricted,
// owner_changed: the codes a refused verification gets for the same facts).
const (
	EndExpired         = "expired"
	EndContractSigned  = "contract_signed"
	EndRevokedByBureau = "revoked_by_bureau"
	EndRegistryChanged = "registry_changed" // voided for a reason not listed in voidReasons
)

// voidReasons are the message keys a code is voided with (replaceProperty).
var voidReasons = map[string]bool{"verify.seized": true, "verify.disputed": true, "verify.cancelled": true,
	"verify.restricted": true, "verify.owner_changed": true}

// VerificationEnd is when and why a code stopped being valid, as someone
// outside the bureau (a listing platform) may be told: enough to take the
// listing down and tell the agent why.
type VerificationEnd struct {
	At     time.Time // expired: the end of validity; used, revoked, voided: when it happened
	Reason string    // a machine code (End*, or a void reason)
	Key    string    // message key of its wording, the public check's
}

// PublicEnd says how v ended, false while it is valid. A clerk's revocation
// reason is free text that may name a person or hold an ID or phone number
// (he writes what he found), so it stays with the bureau: a platform learns
// that the bureau revoked the code, in the public check's words, as a tenant
// does. Whether it was revoked for forged documents is not said either: the
// agency may still object to the credit penalty that follows. A voided code's
// reason is the registry's fact, which the public check shows too.
func (v *Verification) PublicEnd(now time.Time) (VerificationEnd, bool) {
	switch v.State(now) {
	case VStatusExpired:
		return VerificationEnd{At: v.ValidUntil, Reason: EndExpired, Key: "verify.public_help.expired"}, true
	case VStatusUsed:
		return VerificationEnd{At: v.Ended, Reason: EndContractSigned, Key: "verify.public_help.used"}, true
	case VStatusRevoked:
		return VerificationEnd{At: v.Ended, Reason: EndRevokedByBureau, Key: "verify.public_help.revoked"}, true
	case VStatusVoided:
		if voidReasons[v.EndReason] {
			return VerificationEnd{At: v.Ended, Reason: strings.TrimPrefix(v.EndReason, "verify."), Key: v.EndReason}, true
		}
		return VerificationEnd{At: v.Ended, Reason: EndRegistryChanged, Key: "verify.public_help.voided"}, true
	}
	return VerificationEnd{}, false
}

func (v *Verification) String() string { return fmt.Sprintf("verification %s (%s)", v.Code, v.Status) }
