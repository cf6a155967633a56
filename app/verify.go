package app

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/storage"
)

// OwnerInput is an owner as typed in the verification form.
type OwnerInput struct {
	Name   string `json:"owner_name"`
	IDType string `json:"owner_id_type"`
	IDNo   string `json:"owner_id_no"`
}

// VerifyInput is the verification form (房源核验). Numbers arrive as text
// so that a wrong one is reported on its field, whatever the client.
type VerifyInput struct {
	District string
	CertType string
	CertNo   string
	Owners   []OwnerInput // the first is required; co-owners may follow
	Address  string
	Building string
	Room     string
	Area     string
	Rooms    string
	Halls    string
	Baths    string
	Rent     string
	Mode     string // "whole" or "shared"
}

// VerifyResult is the outcome of one verification request.
type VerifyResult struct {
	Verification *Verification
	// Duplicate is another requester's unexpired code for the same
	// property and room (allowed or refused by parameter), set only for an
	// actor who may see that verification (government staff): an agency or
	// a platform must not learn which competitor holds a listing.
	Duplicate *Verification
}

// ownerField names the form field of owner i's attribute.
func ownerField(i int, f string) string {
	if i == 0 {
		return f
	}
	return "co_owners." + strconv.Itoa(i-1) + "." + f
}

func parseInt(s string, minV, maxV int) (int, bool) {
	s = strings.TrimSpace(HalfWidth(s))
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= minV && n <= maxV
}

func parseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(HalfWidth(s), "㎡"), "m²"))
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && f > 0 && f < 100000
}

// checkVerifyInput validates the form and returns the listing.
func (a *App) checkVerifyInput(tx *storage.Tx, actor Actor, in *VerifyInput) (Listing, error) {
	var v validation
	in.District = strings.TrimSpace(in.District)
	in.CertNo = NormalizeCertNo(in.CertNo)
	switch {
	case in.District == "":
		v.add("district", "verify.district_required")
	case !a.dictHas(tx, DictDistrict, in.District):
		v.add("district", "verify.district_unknown")
	case !actor.InJurisdiction(in.District):
		v.add("district", "verify.district_outside")
	}
	if in.CertType == "" {
		v.add("cert_type", "verify.cert_type_required")
	} else if !a.dictHas(tx, DictCertType, in.CertType) {
		v.add("cert_type", "verify.cert_type_unknown")
	}
	if in.CertNo == "" {
		v.add("cert_no", "verify.cert_no_required")
	}
	if len(in.Owners) == 0 {
		in.Owners = []OwnerInput{{}}
	}
	seen := map[string]bool{} // owners' ID numbers, by type
	for i := range in.Owners {
		o := &in.Owners[i]
		o.Name = strings.Join(strings.Fields(o.Name), "")
		o.IDNo = NormalizeResidentID(o.IDNo)
		if i > 0 && o.Name == "" && o.IDNo == "" {
			continue // an empty co-owner row
		}
		if o.Name == "" {
			v.add(ownerField(i, "owner_name"), "verify.owner_name_required")
		}
		switch {
		case o.IDType == "":
			v.add(ownerField(i, "owner_id_type"), "verify.owner_id_type_required")
		case !a.dictHas(tx, DictIDType, o.IDType):
			v.add(ownerField(i, "owner_id_type"), "verify.owner_id_type_unknown")
		}
		if o.IDNo == "" {
			v.add(ownerField(i, "owner_id_no"), "verify.owner_id_no_required")
		} else if o.IDType == "resident_id" {
			v.check(ownerField(i, "owner_id_no"), CheckResidentID(o.IDNo))
		}
		// The same person typed twice would be recorded, printed on the
		// notice and carried into the lease as two owners.
		if k := o.IDType + "/" + o.IDNo; o.IDNo != "" && seen[k] {
			v.add(ownerField(i, "owner_id_no"), "verify.owner_repeated")
		} else {
			seen[k] = true
		}
	}
	l := Listing{Address: strings.TrimSpace(in.Address), Building: strings.TrimSpace(in.Building),
		Room: strings.TrimSpace(in.Room), Mode: in.Mode}
	if l.Address == "" {
		v.add("address", "verify.address_required")
	}
	var ok bool
	if l.Area, ok = parseFloat(in.Area); !ok {
		v.add("area", "verify.area_invalid")
	}
	if l.Rooms, ok = parseInt(in.Rooms, 0, 20); !ok {
		v.add("layout", "verify.layout_invalid")
	}
	if l.Halls, ok = parseInt(in.Halls, 0, 10); !ok {
		v.add("layout", "verify.layout_invalid")
	}
	if l.Baths, ok = parseInt(in.Baths, 0, 10); !ok {
		v.add("layout", "verify.layout_invalid")
	}
	if l.Rent, ok = parseInt(in.Rent, 1, 10_000_000); !ok {
		v.add("rent", "verify.rent_invalid")
	}
	switch l.Mode {
	case "whole":
	case "shared":
		if l.Room == "" {
			v.add("room", "verify.room_required_shared")
		}
	default:
		v.add("mode", "verify.mode_required")
	}
	return l, v.err()
}

// requesterKey identifies "who" for the duplicate rule: an agency, a
// platform, or (for government staff) the bureau as a whole.
func requesterKey(r Requester) string {
	switch {
	case r.AgencyID != 0:
		return "agency:" + strconv.FormatUint(r.AgencyID, 10)
	case r.APIKeyID != 0:
		return "api:" + strconv.FormatUint(r.APIKeyID, 10)
	}
	return "bureau"
}

func requesterOf(actor Actor) Requester {
	r := Requester{UserID: actor.UserID, Username: actor.Username, Name: actor.Name,
		AgencyID: actor.AgencyID, AgencyName: actor.AgencyName, APIKeyID: actor.APIKeyID}
	if actor.APIKeyID != 0 {
		r.Platform = actor.Name
	}
	return r
}

// Verify checks a listing against the property registry and, when every
// check passes, issues a verification code valid for the configured days.
// Every request is recorded as an attempt with who asked. A registry that
// cannot be reached is EUNAVAILABLE ("verify.registry_unavailable"), never
// a refusal of the owner.
func (a *App) Verify(actor Actor, in VerifyInput) (VerifyResult, error) {
	res, refusal, err := a.verify(actor, in, nil)
	if err != nil {
		return VerifyResult{}, err
	}
	return res, refusal
}

// decided is called at the end of a verification's write transaction with
// its outcome: the result, or the refusal (recorded as an attempt). What it
// writes in tx commits with the verification. It may run more than once
// (storage.DB.Batch), and must be quick: the group commit waits for it.
type decided func(tx *storage.Tx, res VerifyResult, refusal error) error

// verify is Verify with a hook on its outcome. A refusal (a recorded
// attempt) is returned apart from a failure (err: nothing written, or
// refused before any check, such as the registry being unreachable); only
// a refusal or a pass calls then.
func (a *App) verify(actor Actor, in VerifyInput, then decided) (VerifyResult, error, error) {
	if err := actor.require(PermVerify); err != nil {
		return VerifyResult{}, nil, err
	}
	if err := a.requireFiledAgency(actor); err != nil {
		return VerifyResult{}, nil, err
	}
	if err := a.requireNotBlacklisted(actor); err != nil { // app/creditlist.go
		return VerifyResult{}, nil, err
	}
	now := a.now()
	// The form is checked once, before the connector and the group commit
	// (whose transactions run one after another); it reads only
	// dictionaries, which a verification does not write.
	in.Owners = slices.Clone(in.Owners) // checkVerifyInput normalises in place
	var listing Listing
	var invalid error
	if err := a.db.View(func(tx *storage.Tx) error {
		listing, invalid = a.checkVerifyInput(tx, actor, &in)
		return nil
	}); err != nil {
		return VerifyResult{}, nil, err
	}
	// Ask the live connector next, outside any transaction: it may take
	// seconds and must not hold the store's write lock. A request invalid
	// on its face is not sent: it gets its field message (422 on the API)
	// even while the registry is unreachable, not "registry unavailable"
	// (503, which invites a retry of the same request).
	var remote *Property
	var remoteFound bool
	mode := a.ParamString(ParamConnectorMode)
	if mode != "off" && invalid == nil {
		p, found, err := a.connector().lookup(in.District, in.CertNo)
		if err != nil {
			a.recordUnavailable(actor, in, err)
			return VerifyResult{}, nil, Errorf(EUNAVAILABLE, "verify.registry_unavailable")
		}
		remote, remoteFound = p, found
		if found {
			// The centre may name types rather than give our codes.
			if err := a.resolveTypes(remote); err != nil {
				return VerifyResult{}, nil, err
			}
		}
	}
	var res VerifyResult
	var refusal error
	// decide runs the checks and writes the outcome in the group commit's
	// transaction; it may run twice (storage.DB.Batch), hence the reset.
	decide := func(tx *storage.Tx) error {
		res, refusal = VerifyResult{}, nil
		attempt := &VerifyAttempt{Time: now, Requester: requesterOf(actor), District: in.District, CertNo: in.CertNo}
		refuse := func(outcome string, err error) error {
			refusal = err
			attempt.Outcome = outcome
			if e, ok := AsError(err); ok {
				attempt.Reason = e.Key
				for f, k := range e.Fields {
					attempt.Field, attempt.Reason = f, k
					break
				}
			}
			_, ierr := attemptTable.Insert(tx, attempt)
			return ierr
		}
		if invalid != nil {
			return refuse("invalid", invalid)
		}
		if remote != nil && remoteFound {
			remote.Source, remote.Updated = "connector", now
			if _, _, err := a.upsertProperty(tx, remote, SystemActor("registry connector")); err != nil {
				return err
			}
		}
		if mode == "connector" && !remoteFound {
			return refuse("refused", refusalError("cert_no", "verify.cert_not_found"))
		}
		p, err := findProperty(tx, in.District, in.CertNo)
		if err != nil {
			return err
		}
		if p == nil {
			return refuse("refused", refusalError("cert_no", "verify.cert_not_found"))
		}
		if p.CertType != "" && p.CertType != in.CertType {
			return refuse("refused", refusalError("cert_type", "verify.cert_type_mismatch"))
		}
		known := p.ownerKeys()
		var owners []Owner
		for i, o := range in.Owners {
			if o.Name == "" && o.IDNo == "" {
				continue
			}
			if !known[ownerKey(o.Name, o.IDNo)] {
				return refuse("refused", refusalError(ownerField(i, "owner_id_no"), "verify.owner_mismatch"))
			}
			owners = append(owners, Owner{Name: o.Name, IDType: o.IDType, IDNo: o.IDNo})
		}
		if r := p.restriction(); r != "" {
			return refuse("refused", refusalError("cert_no", r))
		}
		if problem := areaProblem(p.Area, listing.Area, listing.Mode); problem != "" {
			// The register's figure is not told: the check is not a way
			// to read the register.
			return refuse("refused", refusalError("area", problem))
		}
		// What the code certifies is the registered property: its
		// address is the register's, whatever was typed (app/listing_address.go).
		listing = registeredListing(listing, p)
		if !p.Residential() && !a.ParamBool(ParamVerifyNonResid) {
			return refuse("refused", refusalError("cert_no", "verify.not_residential"))
		}
		// Another agency's unexpired code for the same property and room.
		ids, err := verificationTable.Lookup(tx, "property", storage.U64(p.ID))
		if err != nil {
			return err
		}
		duplicate := false
		for _, id := range ids {
			other, err := verificationTable.Get(tx, id)
			if err != nil {
				return err
			}
			if other.State(now) != VStatusValid || !sameFlatOrRoom(p.ID, listing, other.Listing) {
				continue
			}
			sameRequester := requesterKey(other.Requester) == requesterKey(requesterOf(actor))
			if !sameRequester {
				duplicate = true
				if canSeeVerification(actor, other) {
					res.Duplicate = other
				}
				// The refusal names neither the holder nor the code: the
				// public check of a code shows who asked for it. It sits on
				// the room when that room alone is taken (two shared
				// rentals of it), on the property when the flat is.
				if !a.ParamBool(ParamVerifyDuplicate) {
					field := "cert_no"
					if listing.Mode == "shared" && other.Listing.Mode == "shared" {
						field = "room"
					}
					return refuse("refused", refusalError(field, "verify.duplicate"))
				}
			}
		}
		v := &Verification{Status: VStatusValid, PropertyID: p.ID, District: p.District,
			CertType: in.CertType, CertNo: p.CertNo, Owners: owners, Listing: listing, Mortgaged: p.Mortgaged,
			Requester: requesterOf(actor), Created: now,
			ValidUntil: now.AddDate(0, 0, a.ParamInt(ParamVerifyDays))}
		if p.Mortgaged {
			v.Warnings = append(v.Warnings, "verify.warn_mortgaged")
		}
		if duplicate {
			v.Warnings = append(v.Warnings, "verify.warn_duplicate")
		}
		if err := a.insertVerification(tx, v); err != nil {
			return err
		}
		attempt.Outcome, attempt.VerificationID = "passed", v.ID
		if _, err := attemptTable.Insert(tx, attempt); err != nil {
			return err
		}
		res.Verification = v
		return a.audit(tx, actor, "verification.create", "verification", v.ID, v.Code+" "+v.CertNo)
	}
	err := a.db.Batch(func(tx *storage.Tx) error {
		if err := decide(tx); err != nil || then == nil {
			return err
		}
		return then(tx, res, refusal)
	})
	if err != nil {
		return VerifyResult{}, nil, err
	}
	a.indexer.poke()
	return res, refusal, nil
}

// recordUnavailable keeps a connector failure as its own kind of attempt
// (counted in system status), never as a refusal of the owner. in has
// passed checkVerifyInput, which normalised it.
func (a *App) recordUnavailable(actor Actor, in VerifyInput, cause error) {
	a.log.Error("registry connector failed", "err", cause, "district", in.District, "cert_no", in.CertNo, "user", actor.Username)
	a.connectorFailures.Add(1)
	err := a.db.Batch(func(tx *storage.Tx) error {
		_, err := attemptTable.Insert(tx, &VerifyAttempt{Time: a.now(), Requester: requesterOf(actor), District: in.District,
			CertNo: in.CertNo, Outcome: "unavailable", Reason: "verify.registry_unavailable"})
		return err
	})
	if err != nil {
		a.log.Error("record unavailable attempt", "err", err)
	}
}

// DaysLeft is the number of days, a started day counted whole, until the
// code expires at now (0 once expired): a fresh 90-day code has 90 days
// left, one with an hour to go has 1.
func (v *Verification) DaysLeft(now time.Time) int {
	if !now.Before(v.ValidUntil) {
		return 0
	}
	return int(math.Ceil(v.ValidUntil.Sub(now).Hours() / 24))
}

// refusalError is a business refusal: the reason is the error's own key
// (shown at the top of the form and by the API) and the field's message.
func refusalError(field, key string) error {
	return &Error{Code: EINVALID, Key: key, Fields: map[string]string{field: key}}
}

// resolveTypes maps a connector answer's certificate and ID types, which
// may be names ("不动产权证书") or codes, to dictionary codes.
func (a *App) resolveTypes(p *Property) error {
	certTypes, err := a.dictResolver(DictCertType)
	if err != nil {
		return err
	}
	idTypes, err := a.dictResolver(DictIDType)
	if err != nil {
		return err
	}
	if c, ok := certTypes[strings.ToLower(p.CertType)]; ok {
		p.CertType = c
	}
	for i := range p.Owners {
		if c, ok := idTypes[strings.ToLower(p.Owners[i].IDType)]; ok {
			p.Owners[i].IDType = c
		}
	}
	return nil
}
