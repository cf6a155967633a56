package app

import (
	"fmt"
	"time"

	"anju/storage"
)

// Credit record statuses. A record counts toward the score from its start
// until it ends: its expiry, an early repair, or never if withdrawn.
const (
	RecordActive    = "active"    // 有效
	RecordExpired   = "expired"   // 已到期 (credit repair by time)
	RecordRepaired  = "repaired"  // 已修复 (early repair approved)
	RecordWithdrawn = "withdrawn" // 已撤销 (an objection was upheld: as if never made)
)

// Request kinds on a record: the subject objects 异议申诉, or asks for early
// repair 信用修复.
const (
	RequestObjection = "objection"
	RequestRepair    = "repair"
)

// Request decisions.
const (
	RequestPending  = "pending"
	RequestAccepted = "accepted" // objection: record withdrawn; repair: record repaired
	RequestRefused  = "refused"  // objection: record upheld; repair: refused
)

// CreditDoc is an evidence document of an application, objection or
// repair request.
type CreditDoc struct {
	Blob uint64 `json:"blob"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// CreditRequest is an objection or a repair request and its decision.
type CreditRequest struct {
	Kind      string      `json:"kind"`
	Reason    string      `json:"reason"`
	Docs      []CreditDoc `json:"docs,omitempty"`
	Status    string      `json:"status"`
	By        string      `json:"by"`
	At        time.Time   `json:"at"`
	DecidedBy string      `json:"decided_by,omitempty"`
	Decided   time.Time   `json:"decided,omitzero"`
	Decision  string      `json:"decision,omitempty"` // the reviewer's reason
	// ByName and DecidedByName are the people's names then, which pages
	// show beside the usernames (empty in records made before they were
	// kept: the username alone).
	ByName        string `json:"by_name,omitempty"`
	DecidedByName string `json:"decided_by_name,omitempty"`
}

// CreditEvent is one line of a record's or an application's history.
type CreditEvent struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	ByName string    `json:"by_name,omitempty"` // the person's name then (pages: 李强 (reviewer))
	What   string    `json:"what"`              // a message key suffix: filed, approved, objected, ...
	Note   string    `json:"note,omitempty"`
}

// creditEvent is a history line by actor, with his name.
func creditEvent(at time.Time, actor Actor, what, note string) CreditEvent {
	return CreditEvent{At: at, By: actor.Username, ByName: actor.Name, What: what, Note: note}
}

// SubjectRef is who an application or record is about, as the subject
// was when it was filed.
type SubjectRef struct {
	Subject     Subject `json:"subject"`
	SubjectName string  `json:"subject_name"`
	SubjectCode string  `json:"subject_code"`
	District    string  `json:"district"`
	// AgencyID is the agency the subject was (or worked for) then: the
	// agency that sees the record and may object for it.
	AgencyID   uint64 `json:"agency_id,omitempty"`
	AgencyName string `json:"agency_name,omitempty"`
}

func subjectRef(info SubjectInfo) SubjectRef {
	return SubjectRef{Subject: info.Subject, SubjectName: info.Name, SubjectCode: info.Code, District: info.District,
		AgencyID: info.AgencyID, AgencyName: info.AgencyName}
}

// RuleRef is the rule an application or record is under, at its version:
// a later edit of the rule does not change it.
type RuleRef struct {
	RuleID      uint64 `json:"rule_id"`
	RuleVersion int    `json:"rule_version"`
	RuleNo      string `json:"rule_no"`
	Item        string `json:"item"`
	Type        string `json:"type"`
}

func ruleRef(r *ScoringRule) RuleRef {
	return RuleRef{RuleID: r.ID, RuleVersion: r.Version, RuleNo: r.No, Item: r.Item, Type: r.Type}
}

// CreditRecord is an approved scoring application: points under a rule's
// version for one subject, counting from Start until End.
type CreditRecord struct {
	ID uint64 `json:"id"`
	No string `json:"no"` // XY110105-2026-000012
	SubjectRef
	RuleRef
	Points    int         `json:"points"` // signed
	EventDate time.Time   `json:"event_date"`
	Facts     string      `json:"facts"`
	Docs      []CreditDoc `json:"docs,omitempty"` // the application's evidence
	AppID     uint64      `json:"app_id"`
	Status    string      `json:"status"`
	Start     time.Time   `json:"start"`   // approval day
	Expires   time.Time   `json:"expires"` // Start + the rule's validity
	// End is when the record stopped counting (expiry, repair or, for a
	// withdrawn record, its Start); zero while active.
	End            time.Time       `json:"end,omitzero"`
	ObjectionUntil time.Time       `json:"objection_until"`
	Repairable     bool            `json:"repairable,omitempty"`
	RepairFrom     time.Time       `json:"repair_from,omitzero"`
	Requests       []CreditRequest `json:"requests,omitempty"`
	History        []CreditEvent   `json:"history"`
	Created        time.Time       `json:"created"`
	Updated        time.Time       `json:"updated"`
}

// Until is when the record stops (or stopped) counting: its end, or its
// expiry while active.
func (r *CreditRecord) Until() time.Time {
	if !r.End.IsZero() {
		return r.End
	}
	return r.Expires
}

// LastCountingDay is the last day the record counts (or counted): the day
// before Until, which is the first day it does not (CountsAt). Pages say
// "counts until" (有效期至, read as the last day included), so they show this
// one, as they show LastObjectionDay for the objection period.
func (r *CreditRecord) LastCountingDay() time.Time { return lastDayBefore(r.Until()) }

// lastDayBefore is the day before until, a record's first day not counted.
func lastDayBefore(until time.Time) time.Time { return until.AddDate(0, 0, -1) }

// CountsAt reports whether the record counts toward the score at t.
func (r *CreditRecord) CountsAt(t time.Time) bool {
	return r.Status != RecordWithdrawn && !t.Before(r.Start) && t.Before(r.Until())
}

// PendingRequest returns the request awaiting a decision, if any.
func (r *CreditRecord) PendingRequest() *CreditRequest {
	for i := range r.Requests {
		if r.Requests[i].Status == RequestPending {
			return &r.Requests[i]
		}
	}
	return nil
}

// Public reports whether the record is disclosed on the public portal at
// now: a bonus at once; a penalty once its objection period has passed
// with no objection pending. Withdrawn records never are.
func (r *CreditRecord) Public(now time.Time) bool {
	if r.Status == RecordWithdrawn {
		return false
	}
	if r.Type == RuleBonus {
		return true
	}
	p := r.PendingRequest()
	return !now.Before(r.ObjectionUntil) && (p == nil || p.Kind != RequestObjection)
}

// Unsettled reports whether the record counts at now but is still open to
// objection or under one: it is left out of the score the black list goes
// by (CreditSummary.Unsettled).
func (r *CreditRecord) Unsettled(now time.Time) bool { return r.CountsAt(now) && !r.Public(now) }

// LastObjectionDay is the last day an objection may be lodged: the day
// before ObjectionUntil, which is the first day it may not (CanObject).
// Pages that say "until" show this one, pages that say "before" the other.
func (r *CreditRecord) LastObjectionDay() time.Time { return r.ObjectionUntil.AddDate(0, 0, -1) }

// CanObject reports whether the subject may still object at now.
func (r *CreditRecord) CanObject(now time.Time) bool {
	return r.Status == RecordActive && now.Before(r.ObjectionUntil) && r.PendingRequest() == nil &&
		!r.hasRequest(RequestObjection)
}

// CanRepair reports whether early repair may be asked for at now.
func (r *CreditRecord) CanRepair(now time.Time) bool {
	return r.Status == RecordActive && r.Repairable && r.Points < 0 && !now.Before(r.RepairFrom) &&
		r.PendingRequest() == nil
}

func (r *CreditRecord) hasRequest(kind string) bool {
	for _, q := range r.Requests {
		if q.Kind == kind {
			return true
		}
	}
	return false
}

func (r *CreditRecord) event(at time.Time, actor Actor, what, note string) {
	r.History = append(r.History, creditEvent(at, actor, what, note))
}

// dayKey is a day as index key text (YYYYMMDD sorts by date).
func dayKey(t time.Time) []byte { return []byte(t.Format("20060102")) }

var recordTable = storage.NewTable(storage.TableOptions[CreditRecord]{
	Name:  "credit_records",
	ID:    func(r *CreditRecord) uint64 { return r.ID },
	SetID: func(r *CreditRecord, id uint64) { r.ID = id },
	Indexes: []storage.Index[CreditRecord]{
		{Name: "no", Unique: true, Keys: func(r *CreditRecord) [][]byte { return [][]byte{[]byte(r.No)} }},
		{Name: "subject", Keys: func(r *CreditRecord) [][]byte { return [][]byte{r.Subject.Key()} }},
		// Active records by the day they expire: the daily job reads the
		// due ones without decoding the rest.
		{Name: "expires", Keys: func(r *CreditRecord) [][]byte {
			if r.Status != RecordActive {
				return nil
			}
			return [][]byte{dayKey(r.Expires)}
		}},
		// Active penalties by the day their objection period ends: the
		// daily job looks at the subject's lists again then.
		{Name: "objection_ends", Keys: func(r *CreditRecord) [][]byte {
			if r.Status != RecordActive || r.Type == RuleBonus {
				return nil
			}
			return [][]byte{dayKey(r.ObjectionUntil)}
		}},
		// Records with an objection or repair request awaiting a reviewer,
		// by district.
		{Name: "pending_request", Keys: func(r *CreditRecord) [][]byte {
			if r.PendingRequest() == nil {
				return nil
			}
			return [][]byte{[]byte(r.District)}
		}},
		{Name: "agency", Keys: func(r *CreditRecord) [][]byte {
			if r.AgencyID == 0 {
				return nil
			}
			return [][]byte{storage.U64(r.AgencyID)}
		}},
	},
})

const creditNoBucket = "credit_numbers"

// nextCreditNo issues a record or application number: prefix, district and
// year, and a sequence per district and year.
func nextCreditNo(tx *storage.Tx, prefix, district string, now time.Time) (string, error) {
	if district == "" {
		district = "000000"
	}
	key, n, err := districtYearSeq(tx, creditNoBucket+"/"+prefix, district, now)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%s-%06d", prefix, key, n), nil
}

// subjectRecords returns every record of a subject, oldest first.
func subjectRecords(tx *storage.Tx, s Subject) ([]*CreditRecord, error) {
	var out []*CreditRecord
	err := recordTable.LookupPrefix(tx, "subject", s.Key(), func(_ []byte, id uint64) (bool, error) {
		r, err := recordTable.Get(tx, id)
		if err != nil {
			return false, err
		}
		out = append(out, r)
		return true, nil
	})
	return out, err
}
