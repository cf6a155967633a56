package app

import (
	"encoding/binary"
	"strconv"
	"strings"

	"anju/storage"
)

// Subject kinds: credit records, scoring applications and list entries
// are about an agency or a practitioner.
const (
	SubjectAgency       = "agency"
	SubjectPractitioner = "practitioner"
)

// Subject names an agency or a practitioner.
type Subject struct {
	Kind string `json:"kind"`
	ID   uint64 `json:"id"`
}

// String is "agency:12" or "practitioner:7" (URLs and forms use it).
func (s Subject) String() string { return s.Kind + ":" + strconv.FormatUint(s.ID, 10) }

// Valid reports whether s names a kind and an ID.
func (s Subject) Valid() bool {
	return (s.Kind == SubjectAgency || s.Kind == SubjectPractitioner) && s.ID != 0
}

// Key is the subject as an index key: one kind byte and the big-endian ID,
// so that a subject's records sort together and by ID.
func (s Subject) Key() []byte {
	k := make([]byte, 9)
	if s.Kind == SubjectPractitioner {
		k[0] = 'p'
	} else {
		k[0] = 'a'
	}
	binary.BigEndian.PutUint64(k[1:], s.ID)
	return k
}

// subjectOfKey is the subject whose Key is k.
func subjectOfKey(k []byte) (Subject, bool) {
	if len(k) != 9 || (k[0] != 'a' && k[0] != 'p') {
		return Subject{}, false
	}
	kind := SubjectAgency
	if k[0] == 'p' {
		kind = SubjectPractitioner
	}
	return Subject{kind, binary.BigEndian.Uint64(k[1:])}, true
}

// ParseSubject reads what String wrote.
func ParseSubject(v string) (Subject, bool) {
	kind, id, ok := strings.Cut(v, ":")
	n, err := strconv.ParseUint(id, 10, 64)
	s := Subject{Kind: kind, ID: n}
	return s, ok && err == nil && s.Valid()
}

// SubjectInfo is what pages show of a subject, read fresh from its record.
type SubjectInfo struct {
	Subject
	Name     string `json:"name"`
	Code     string `json:"code"`     // an agency's credit code, a practitioner's card number
	District string `json:"district"` // an agency's; a practitioner's current agency's ("" if none)
	// AgencyID is the agency itself, or the practitioner's current agency
	// (0 when he works for none).
	AgencyID   uint64 `json:"agency_id"`
	AgencyName string `json:"agency_name,omitempty"`
	Live       bool   `json:"live"` // a filed agency; an employed practitioner
}

// subjectInfo reads a subject's record; ErrNotFound if it does not exist.
func subjectInfo(tx *storage.Tx, s Subject) (SubjectInfo, error) {
	info := SubjectInfo{Subject: s}
	switch s.Kind {
	case SubjectAgency:
		ag, err := agencyTable.Get(tx, s.ID)
		if err != nil {
			return info, err
		}
		info.Name, info.Code, info.District = ag.Name, ag.USCC, ag.District
		info.AgencyID, info.AgencyName, info.Live = ag.ID, ag.Name, ag.Live()
	case SubjectPractitioner:
		p, err := practitionerTable.Get(tx, s.ID)
		if err != nil {
			return info, err
		}
		info.Name, info.Code = p.Name, p.CardNo
		if e := p.Current(); e != nil {
			info.AgencyID, info.AgencyName, info.Live = e.AgencyID, e.AgencyName, true
			if ag, err := agencyTable.Get(tx, e.AgencyID); err == nil {
				info.District = ag.District
			}
		}
	default:
		return info, storage.ErrNotFound
	}
	return info, nil
}

// canSeeSubjectCredit reports whether the actor may see the subject's
// credit: government staff within their jurisdiction (a practitioner who
// works nowhere is city-wide business); an agency its own credit, its
// branches' and that of the practitioners it employs now.
func canSeeSubjectCredit(tx *storage.Tx, actor Actor, info SubjectInfo) bool {
	switch {
	case actor.System:
		return true
	case !actor.Can(PermCreditView):
		return false
	case actor.Can(PermAgencyPortal):
		if actor.AgencyID == 0 {
			return false
		}
		if info.AgencyID == actor.AgencyID {
			return true
		}
		if info.Kind == SubjectAgency {
			ag, err := agencyTable.Get(tx, info.ID)
			return err == nil && ag.HeadOfficeID == actor.AgencyID
		}
		return false
	case actor.Can(PermGovPortal):
		return info.District == "" || actor.InJurisdiction(info.District)
	}
	return false
}
