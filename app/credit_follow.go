package app

import (
	"encoding/json"
	"errors"
	"time"

	"anju/storage"
)

// followSubject brings the copies that follow a subject to where it is
// now, after an approved change of an agency's filing
// (a new name, a move to another district) or a practitioner's change of
// employer. The copies are its credit summary (name, code and district),
// by which the credit list is filtered to a jurisdiction, and the district
// of its active red/black list entries, by which the lists and their
// revocation go; an entry keeps the name it was decided under. Without
// this an agency that moved stayed in the old district's lists and was
// missing from the new one's.
//
// Ended list entries keep what was true when they ended; credit records
// and their pending requests stay with the district that recorded them,
// which decides them (recordDecidedHere). The score is not recomputed: a
// move changes no points.
func (a *App) followSubject(tx *storage.Tx, s Subject, now time.Time) error {
	changed, err := followCopies(tx, s, now)
	if changed {
		a.creditChanged(tx)
	}
	return err
}

// followCopies does followSubject's work and says whether it changed a
// copy, so that the credit caches are told (the migration, which runs
// before there are any, calls it alone).
func followCopies(tx *storage.Tx, s Subject, now time.Time) (changed bool, err error) {
	info, err := subjectInfo(tx, s)
	if err != nil {
		return false, err
	}
	if b := tx.Get(creditSummaryBucket, s.Key()); b != nil {
		var sum CreditSummary
		if err := json.Unmarshal(b, &sum); err != nil {
			return false, err
		}
		if sum.Name != info.Name || sum.Code != info.Code || sum.District != info.District {
			sum.Name, sum.Code, sum.District = info.Name, info.Code, info.District
			if b, err = json.Marshal(&sum); err != nil {
				return false, err
			}
			if err := tx.Put(creditSummaryBucket, s.Key(), b); err != nil {
				return false, err
			}
			changed = true
		}
	}
	ids, err := listEntryTable.Lookup(tx, "subject", s.Key())
	if err != nil {
		return changed, err
	}
	for _, id := range ids {
		e, err := listEntryTable.Get(tx, id)
		if err != nil {
			return changed, err
		}
		if e.Status != ListActive || e.District == info.District {
			continue
		}
		// Only the district: the entry keeps the name it was decided
		// under (ListEntry.SubjectName).
		e.District = info.District
		e.event(now, Person{}, "moved", "")
		if err := listEntryTable.Put(tx, e); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}

// migrateFollowSubjects brings the copies of every subject that has a
// credit summary or an active list entry to where it is now: agencies
// that moved, and practitioners who changed employer, before followSubject
// kept them in step.
func migrateFollowSubjects(tx *storage.Tx, now time.Time) error {
	seen := map[Subject]bool{}
	var subjects []Subject
	add := func(s Subject) {
		if !seen[s] {
			seen[s] = true
			subjects = append(subjects, s)
		}
	}
	err := tx.Scan(creditSummaryBucket, nil, false, func(k, _ []byte) (bool, error) {
		if s, ok := subjectOfKey(k); ok {
			add(s)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	ids, err := listEntryTable.Lookup(tx, "status", []byte(ListActive))
	if err != nil {
		return err
	}
	for _, id := range ids {
		e, err := listEntryTable.Get(tx, id)
		if err != nil {
			return err
		}
		add(e.Subject)
	}
	for _, s := range subjects {
		if _, err := followCopies(tx, s, now); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

// followStaff is followSubject for the agency and the practitioners who
// worked there: those it employs now have its district, and those whose
// employment its cancellation just ended none.
func (a *App) followStaff(tx *storage.Tx, agencyID uint64, now time.Time) error {
	if err := a.followSubject(tx, Subject{SubjectAgency, agencyID}, now); err != nil {
		return err
	}
	ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(agencyID))
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.followSubject(tx, Subject{SubjectPractitioner, id}, now); err != nil {
			return err
		}
	}
	return nil
}
