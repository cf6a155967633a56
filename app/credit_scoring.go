package app

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/storage"
)

// Scoring application statuses.
const (
	ScoringPending  = "pending"  // 待审核
	ScoringApproved = "approved" // 已通过: a credit record exists
	ScoringRejected = "rejected" // 已驳回
)

// Application sources: a clerk's, or raised by the platform for an
// automatic rule.
const (
	SourceManual = "manual"
	SourceAuto   = "auto"
)

// CreditDocMaxBytes limits one evidence document; CreditDocMaxCount the
// documents of one application or request.
const (
	CreditDocMaxBytes = 10 << 20
	CreditDocMaxCount = 5
)

// ScoringApplication is a 记分申请: points proposed under a rule for one
// subject, with the facts and evidence, awaiting a reviewer.
type ScoringApplication struct {
	ID uint64 `json:"id"`
	No string `json:"no"` // SQ110105-2026-000031
	SubjectRef
	RuleRef
	Magnitude   int         `json:"magnitude"` // as chosen: the suggested score unless changed
	Points      int         `json:"points"`    // signed
	ScoreReason string      `json:"score_reason,omitempty"`
	EventDate   time.Time   `json:"event_date"`
	Facts       string      `json:"facts"`
	Docs        []CreditDoc `json:"docs,omitempty"`
	Source      string      `json:"source"`
	Event       string      `json:"event,omitempty"` // automatic: the event
	Ref         string      `json:"ref,omitempty"`   // automatic: what raised it ("contract:12")
	Status      string      `json:"status"`
	FiledBy     string      `json:"filed_by"`
	FiledByID   uint64      `json:"filed_by_id,omitempty"`
	Filed       time.Time   `json:"filed"`
	ReviewedBy  string      `json:"reviewed_by,omitempty"`
	// FiledByName and ReviewedByName are the people's names then, which
	// pages show beside the usernames.
	FiledByName    string        `json:"filed_by_name,omitempty"`
	ReviewedByName string        `json:"reviewed_by_name,omitempty"`
	Reviewed       time.Time     `json:"reviewed,omitzero"`
	Decision       string        `json:"decision,omitempty"` // the reviewer's note or reason
	RecordID       uint64        `json:"record_id,omitempty"`
	History        []CreditEvent `json:"history"`
}

func (p *ScoringApplication) event(at time.Time, actor Actor, what, note string) {
	p.History = append(p.History, creditEvent(at, actor, what, note))
}

var scoringTable = storage.NewTable(storage.TableOptions[ScoringApplication]{
	Name:  "scoring_applications",
	ID:    func(p *ScoringApplication) uint64 { return p.ID },
	SetID: func(p *ScoringApplication, id uint64) { p.ID = id },
	Indexes: []storage.Index[ScoringApplication]{
		{Name: "no", Unique: true, Keys: func(p *ScoringApplication) [][]byte { return [][]byte{[]byte(p.No)} }},
		{Name: "subject", Keys: func(p *ScoringApplication) [][]byte { return [][]byte{p.Subject.Key()} }},
		// Pending applications by district: the reviewer's queue.
		{Name: "pending", Keys: func(p *ScoringApplication) [][]byte {
			if p.Status != ScoringPending {
				return nil
			}
			return [][]byte{[]byte(p.District)}
		}},
		// One automatic application per event and thing that raised it.
		{Name: "ref", Unique: true, Keys: func(p *ScoringApplication) [][]byte {
			if p.Ref == "" {
				return nil
			}
			return [][]byte{[]byte(p.Event + "/" + p.Ref)}
		}},
	},
})

// CreditUpload is one uploaded evidence document.
type CreditUpload struct {
	Name string
	Data []byte
}

// ScoringInput is the scoring application form as typed.
type ScoringInput struct {
	Subject     string // "agency:12"
	RuleID      string
	Score       string // the magnitude; "" takes the rule's suggested score
	ScoreReason string
	EventDate   string // YYYY-MM-DD
	Facts       string
	Docs        []CreditUpload
}

// canSeeScoring: government staff of the jurisdiction. Applications
// are internal until approved; the subject sees the record it becomes.
func canSeeScoring(actor Actor, p *ScoringApplication) bool {
	return actor.System || (actor.Can(PermGovPortal) && actor.Can(PermCreditView) &&
		(p.District == "" || actor.InJurisdiction(p.District)))
}

// FileScoring files a clerk's 记分申请 under a manual rule. The
// score is the rule's suggested one unless the clerk changes it within the
// rule's bounds and says why.
func (a *App) FileScoring(actor Actor, in ScoringInput) (*ScoringApplication, error) {
	if err := actor.require(PermCreditApply); err != nil {
		return nil, err
	}
	var p *ScoringApplication
	err := a.update(func(tx *storage.Tx) error {
		var v validation
		now := a.now()
		s, ok := ParseSubject(in.Subject)
		var info SubjectInfo
		if ok {
			var err error
			if info, err = subjectInfo(tx, s); err != nil || !canSeeSubjectCredit(tx, actor, info) {
				ok = false
			}
		}
		if !ok {
			v.add("subject", "credit.subject_required")
		}
		var rule *ScoringRule
		if id, err := strconv.ParseUint(in.RuleID, 10, 64); err != nil || id == 0 {
			v.add("rule", "credit.rule_required")
		} else if rule, err = ruleTable.Get(tx, id); err != nil {
			v.add("rule", "credit.rule_required")
			rule = nil
		} else if !rule.Enabled {
			v.add("rule", "credit.rule_disabled")
		} else if rule.Operation != RuleManual {
			v.add("rule", "credit.rule_automatic")
		} else if ok && !rule.AppliesToKind(s.Kind) {
			v.add("rule", "credit.rule_not_for_subject")
		}
		magnitude := 0
		in.ScoreReason = creditText(&v, "score_reason", in.ScoreReason, 500, "")
		if rule != nil {
			magnitude = rule.Suggested
			// Points typed with a Chinese IME's full-width digits (４) are
			// the same number.
			if t := strings.TrimSpace(HalfWidth(in.Score)); t != "" {
				n, err := strconv.Atoi(t)
				switch {
				case err != nil:
					v.add("score", "credit.score_invalid")
				case n < 0:
					// "-12" for a penalty: the standard says whether it
					// adds or deducts; the form asks for the magnitude.
					v.add("score", "credit.score_magnitude")
				case n < rule.Min || n > rule.Max:
					v.add("score", "credit.score_out_of_bounds")
				default:
					magnitude = n
				}
			}
			if magnitude != rule.Suggested && in.ScoreReason == "" {
				v.add("score_reason", "credit.score_reason_required")
			}
		}
		eventDate := checkEventDate(&v, in.EventDate, now)
		in.Facts = creditText(&v, "facts", in.Facts, 2000, "credit.facts_required")
		if rule != nil && rule.Type == RulePenalty && len(in.Docs) == 0 {
			v.add("docs", "credit.docs_required")
		}
		checkCreditUploads(&v, "docs", in.Docs)
		if err := v.err(); err != nil {
			return err
		}
		docs, err := putCreditUploads(tx, in.Docs)
		if err != nil {
			return err
		}
		p = &ScoringApplication{SubjectRef: subjectRef(info), RuleRef: ruleRef(rule), Magnitude: magnitude, Points: rule.Points(magnitude),
			ScoreReason: in.ScoreReason, EventDate: eventDate, Facts: in.Facts, Docs: docs, Source: SourceManual,
			Status: ScoringPending, FiledBy: actor.Username, FiledByID: actor.UserID, FiledByName: actor.Name, Filed: now}
		if p.No, err = nextCreditNo(tx, "SQ", p.District, now); err != nil {
			return err
		}
		p.event(now, actor, "filed", "")
		if _, err := scoringTable.Insert(tx, p); err != nil {
			return err
		}
		return a.audit(tx, actor, "credit.apply", "scoring_application", p.ID,
			p.No+" "+p.SubjectName+" "+p.RuleNo+" "+strconv.Itoa(p.Points))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// creditText trims a typed text and names on its field what is wrong with
// it: missing (when requiredKey is given) or longer than n characters.
func creditText(v *validation, field, val string, n int, requiredKey string) string {
	val = strings.TrimSpace(val)
	switch {
	case val == "" && requiredKey != "":
		v.add(field, requiredKey)
	case utf8.RuneCountInString(val) > n:
		v.add(field, "credit.text_too_long")
	}
	return val
}

// checkEventDate reads the event's date: required, a real day, not in the
// future and not more than three years back.
func checkEventDate(v *validation, raw string, now time.Time) time.Time {
	t, ok := parseDay(raw)
	switch {
	case strings.TrimSpace(raw) == "":
		v.add("event_date", "credit.event_date_required")
	case !ok:
		v.add("event_date", "credit.event_date_invalid")
	case t.After(now):
		v.add("event_date", "credit.event_date_future")
	case t.Before(now.AddDate(-3, 0, 0)):
		v.add("event_date", "credit.event_date_too_old")
	default:
		return t
	}
	return time.Time{}
}

// checkCreditUploads checks evidence documents: at most CreditDocMaxCount,
// each a PDF, JPEG or PNG (judged by content) within the size limit.
func checkCreditUploads(v *validation, field string, docs []CreditUpload) {
	if len(docs) > CreditDocMaxCount {
		v.add(field, "credit.docs_too_many")
	}
	for _, d := range docs {
		switch {
		case len(d.Data) > CreditDocMaxBytes:
			v.add(field, "credit.doc_too_big")
		case documentType(d.Data) == "":
			v.add(field, "credit.doc_type")
		}
	}
}

func putCreditUploads(tx *storage.Tx, docs []CreditUpload) ([]CreditDoc, error) {
	var out []CreditDoc
	for _, d := range docs {
		name := strings.TrimSpace(d.Name)
		if name == "" {
			name = "evidence"
		}
		info, err := tx.PutBlob(name, documentType(d.Data), d.Data, CreditDocMaxBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, CreditDoc{Blob: info.ID, Name: info.Name, Type: info.ContentType, Size: info.Size})
	}
	return out, nil
}

// reviewableScoring loads a pending application the reviewer may decide: he holds
// the reviewer role (else the FAQ's message), it is in his jurisdiction,
// still pending, and not his own.
func reviewableScoring(tx *storage.Tx, actor Actor, id uint64) (*ScoringApplication, error) {
	if !actor.Can(PermCreditReview) {
		return nil, Errorf(EFORBIDDEN, "credit.needs_reviewer")
	}
	p, err := scoringTable.Get(tx, id)
	if err != nil || !canSeeScoring(actor, p) {
		return nil, notFound("credit.application_not_found", err)
	}
	if p.Status != ScoringPending {
		return nil, Errorf(ECONFLICT, "credit.application_decided")
	}
	if p.Own(actor) {
		return nil, Errorf(EFORBIDDEN, "credit.own_application")
	}
	return p, nil
}

// Own reports whether actor filed the application: he may not decide it
// (the decisions, the reviewer's to-do and the queue's mark ask this).
func (p *ScoringApplication) Own(actor Actor) bool {
	return !actor.System && p.FiledByID != 0 && p.FiledByID == actor.UserID
}

// ApproveScoring makes the application a credit record: it counts from
// today for the rule's validity, the subject may object within the
// objection period, and the subject's score is recomputed, all in one
// transaction.
func (a *App) ApproveScoring(actor Actor, id uint64, note string) (*CreditRecord, error) {
	var rec *CreditRecord
	err := a.update(func(tx *storage.Tx) error {
		p, err := reviewableScoring(tx, actor, id)
		if err != nil {
			return err
		}
		var v validation
		if note = creditText(&v, "note", note, 500, ""); v.err() != nil {
			return v.err()
		}
		rule, err := ruleTable.Get(tx, p.RuleID)
		if err != nil {
			return err
		}
		spec := rule.SpecAt(p.RuleVersion)
		now := a.now()
		start := day(now)
		rec = &CreditRecord{SubjectRef: p.SubjectRef, RuleRef: p.RuleRef, Points: p.Points,
			EventDate: p.EventDate, Facts: p.Facts, Docs: p.Docs, AppID: p.ID, Status: RecordActive,
			Start: start, Expires: start.AddDate(0, 0, spec.ValidDays),
			ObjectionUntil: start.AddDate(0, 0, a.ParamInt(ParamCreditObjectionDays)),
			Repairable:     spec.Repairable, Created: now, Updated: now}
		if spec.Repairable {
			rec.RepairFrom = start.AddDate(0, 0, spec.RepairAfterDays)
		}
		if rec.No, err = nextCreditNo(tx, "XY", p.District, now); err != nil {
			return err
		}
		rec.event(now, actor, "approved", p.No)
		if _, err := recordTable.Insert(tx, rec); err != nil {
			return err
		}
		p.Status, p.ReviewedBy, p.ReviewedByName, p.Reviewed, p.Decision, p.RecordID = ScoringApproved, actor.Username, actor.Name, now, note, rec.ID
		p.event(now, actor, "approved", note)
		if err := scoringTable.Put(tx, p); err != nil {
			return err
		}
		if _, err := a.refreshSummary(tx, p.Subject, now); err != nil {
			return err
		}
		return a.audit(tx, actor, "credit.approve", "scoring_application", p.ID, p.No+" → "+rec.No)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// RejectScoring refuses an application with the reason the clerk sees.
func (a *App) RejectScoring(actor Actor, id uint64, reason string) (*ScoringApplication, error) {
	var p *ScoringApplication
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if p, err = reviewableScoring(tx, actor, id); err != nil {
			return err
		}
		var v validation
		if reason = creditText(&v, "reason", reason, 500, "credit.reject_reason_required"); v.err() != nil {
			return v.err()
		}
		now := a.now()
		p.Status, p.ReviewedBy, p.ReviewedByName, p.Reviewed, p.Decision = ScoringRejected, actor.Username, actor.Name, now, reason
		p.event(now, actor, "rejected", reason)
		if err := scoringTable.Put(tx, p); err != nil {
			return err
		}
		return a.audit(tx, actor, "credit.reject", "scoring_application", p.ID, p.No+": "+reason)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// raiseAutoApplication files an application for an automatic rule's event,
// in the transaction that saw the event. It does nothing when no enabled
// rule listens to the event, the rule does not apply to the subject, or
// the same event was already raised for ref.
func (a *App) raiseAutoApplication(tx *storage.Tx, event, ref string, s Subject, eventDate time.Time, facts string) error {
	var rule *ScoringRule
	err := ruleTable.LookupPrefix(tx, "event", []byte(event), func(k []byte, id uint64) (bool, error) {
		if string(k) != event {
			return true, nil
		}
		r, err := ruleTable.Get(tx, id)
		if err != nil {
			return false, err
		}
		if r.Enabled && r.Operation == RuleAuto && r.AppliesToKind(s.Kind) {
			rule = r
			return false, nil
		}
		return true, nil
	})
	if err != nil || rule == nil {
		return err
	}
	if _, err := scoringTable.LookupOne(tx, "ref", []byte(event+"/"+ref)); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	info, err := subjectInfo(tx, s)
	if err != nil {
		return err
	}
	now := a.now()
	actor := SystemActor("credit")
	p := &ScoringApplication{SubjectRef: subjectRef(info), RuleRef: ruleRef(rule), Magnitude: rule.Suggested,
		Points: rule.Points(rule.Suggested), EventDate: day(eventDate), Facts: facts, Source: SourceAuto,
		Event: event, Ref: ref, Status: ScoringPending, FiledBy: actor.Username, Filed: now}
	if p.No, err = nextCreditNo(tx, "SQ", p.District, now); err != nil {
		return err
	}
	p.event(now, actor, "raised", event)
	if _, err := scoringTable.Insert(tx, p); err != nil {
		return err
	}
	return a.audit(tx, actor, "credit.auto_apply", "scoring_application", p.ID, p.No+" "+event+" "+ref,
		auditNote("audit.note.three", noteText(p.No), noteKey("credit.event."+event), noteText(ref)))
}
