package app

import (
	"errors"
	"slices"
	"strings"
	"time"

	"anju/storage"
)

// Owner is one right holder (权利人) of a registered property.
type Owner struct {
	Name   string `json:"name"`
	IDType string `json:"id_type"` // dictionary code
	IDNo   string `json:"id_no"`
	Share  string `json:"share,omitempty"`
}

// Property is the platform's copy of one registry record (产权登记),
// identified by district and normalised certificate number.
type Property struct {
	ID           uint64    `json:"id"`
	District     string    `json:"district"`
	CertType     string    `json:"cert_type"`
	CertNo       string    `json:"cert_no"`
	Owners       []Owner   `json:"owners"`
	Address      string    `json:"address"`
	Area         float64   `json:"area"`
	Use          string    `json:"use"`
	Seized       bool      `json:"seized,omitempty"`
	Mortgaged    bool      `json:"mortgaged,omitempty"`
	Disputed     bool      `json:"disputed,omitempty"`
	Cancelled    bool      `json:"cancelled,omitempty"`
	Restricted   bool      `json:"restricted,omitempty"`
	RegisteredOn time.Time `json:"registered_on,omitzero"`
	Source       string    `json:"source"` // "import:<file>" or "connector"
	ImportID     uint64    `json:"import_id,omitempty"`
	Updated      time.Time `json:"updated"`
}

// Residential reports whether the planned use is housing.
func (p *Property) Residential() bool {
	return strings.Contains(p.Use, "住宅") || strings.EqualFold(p.Use, "residential") || strings.Contains(p.Use, "公寓")
}

// restriction returns the message key of the first restriction that bars
// renting the property out, or "".
func (p *Property) restriction() string {
	switch {
	case p.Cancelled:
		return "verify.cancelled"
	case p.Seized:
		return "verify.seized"
	case p.Disputed:
		return "verify.disputed"
	case p.Restricted:
		return "verify.restricted"
	}
	return ""
}

// ownerKey identifies an owner for matching: the name with spaces removed
// and the normalised ID number.
func ownerKey(name, idNo string) string {
	return strings.Join(strings.Fields(name), "") + "|" + NormalizeResidentID(idNo)
}

// ownerKeys is the set of the owners' ownerKey, to match owners given
// against the register.
func (p *Property) ownerKeys() map[string]bool {
	known := make(map[string]bool, len(p.Owners))
	for _, o := range p.Owners {
		known[ownerKey(o.Name, o.IDNo)] = true
	}
	return known
}

// sameOwners reports whether two owner lists name the same people.
func sameOwners(a, b []Owner) bool {
	keys := func(os []Owner) []string {
		out := make([]string, len(os))
		for i, o := range os {
			out[i] = ownerKey(o.Name, o.IDNo)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(keys(a), keys(b))
}

// sameRegistration reports whether in records exactly what p already
// holds, field for field and owner for owner in order: a re-import need
// not write it. Source, ImportID and Updated say where and when the copy
// was last written, not what the register says. A field added to Property
// that the centre's export carries must be compared here too.
func (p *Property) sameRegistration(in *Property) bool {
	return p.District == in.District && p.CertType == in.CertType && p.CertNo == in.CertNo &&
		p.Address == in.Address && p.Area == in.Area && p.Use == in.Use &&
		p.Seized == in.Seized && p.Mortgaged == in.Mortgaged && p.Disputed == in.Disputed &&
		p.Cancelled == in.Cancelled && p.Restricted == in.Restricted &&
		p.RegisteredOn.Equal(in.RegisteredOn) && slices.Equal(p.Owners, in.Owners)
}

func propertyKey(district, certNo string) []byte {
	return []byte(district + "/" + NormalizeCertNo(certNo))
}

var propertyTable = storage.NewTable(storage.TableOptions[Property]{
	Name:  "properties",
	ID:    func(p *Property) uint64 { return p.ID },
	SetID: func(p *Property, id uint64) { p.ID = id },
	Indexes: []storage.Index[Property]{
		{Name: "cert", Unique: true, Keys: func(p *Property) [][]byte { return [][]byte{propertyKey(p.District, p.CertNo)} }},
	},
})

func findProperty(tx *storage.Tx, district, certNo string) (*Property, error) {
	// Lookup, not LookupOne: a miss (every row of a first import) then
	// costs no formatted ErrNotFound.
	ids, err := propertyTable.Lookup(tx, "cert", propertyKey(district, certNo))
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	p, err := propertyTable.Get(tx, ids[0])
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// upsertProperty writes an incoming registry record. When the stored copy
// changes so that earlier verifications no longer hold (a new restriction
// or other owners), its valid verification codes are voided in the same
// transaction. It returns whether the record was new and how many codes
// were voided.
func (a *App) upsertProperty(tx *storage.Tx, in *Property, actor Actor) (created bool, voided int, err error) {
	old, err := findProperty(tx, in.District, in.CertNo)
	if err != nil {
		return false, 0, err
	}
	return a.replaceProperty(tx, old, in, actor, true)
}

// replaceProperty writes in over old (nil: a new property). checkOwners
// false leaves the owner comparison to the caller (an import whose
// co-owner rows may still come).
func (a *App) replaceProperty(tx *storage.Tx, old, in *Property, actor Actor, checkOwners bool) (created bool, voided int, err error) {
	if old == nil {
		_, err := propertyTable.Insert(tx, in)
		return true, 0, err
	}
	in.ID = old.ID
	reason := ""
	switch {
	case in.restriction() != "" && in.restriction() != old.restriction():
		reason = in.restriction()
	case checkOwners && !sameOwners(old.Owners, in.Owners):
		reason = "verify.owner_changed"
	}
	// old was read in this transaction: Replace takes its index keys
	// instead of decoding the stored record again.
	if err := propertyTable.Replace(tx, old, in); err != nil {
		return false, 0, err
	}
	if reason != "" {
		voided, err = a.voidPropertyVerifications(tx, in.ID, reason, actor)
	}
	return false, voided, err
}
