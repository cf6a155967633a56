package app

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"anju/storage"
)

// PublicCreditRecord is a record as the public portal discloses it: the
// rule and what it did, never the facts (they may name people).
type PublicCreditRecord struct {
	No        string
	RuleNo    string
	Item      string
	Type      string
	Points    int
	EventDate time.Time
	Start     time.Time
	Until     time.Time
	Status    string
}

// LastCountingDay is the last day the record counts (CreditRecord.LastCountingDay).
func (p PublicCreditRecord) LastCountingDay() time.Time { return lastDayBefore(p.Until) }

// PublicCredit is a subject's credit on the public portal.
type PublicCredit struct {
	Score int
	Level string
	// Blacklisted: the level is the lowest because of an active black
	// list entry (listedLevel).
	Blacklisted bool
	Base        int
	Records     []PublicCreditRecord // disclosed records, newest first
	// Pending counts the records that count now but are not disclosed yet
	// (a penalty within its objection period or under objection), and
	// PendingPoints their sum: so that the page's figures add up.
	Pending       int
	PendingPoints int
	More          int // disclosed records beyond the ones listed
}

// publicCreditMax bounds the records a public page lists.
const publicCreditMax = 20

// creditCache keeps public credit views until any credit change commits
// (seq) or the day changes (objection periods end at midnight): public
// pages are read thousands of times more often than credit changes.
type creditCache struct {
	seq   atomic.Uint64
	mu    sync.Mutex
	day   time.Time
	at    uint64
	views map[Subject]*PublicCredit
	// sorted holds each kind's summaries lowest score first (credit_view.go).
	sorted map[string]*sortedSummaries
}

type sortedSummaries struct {
	seq   uint64
	scale creditScale
	items []CreditSummary
}

func (c *creditCache) get(s Subject, today time.Time) (*PublicCredit, uint64) {
	seq := c.seq.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != seq || !c.day.Equal(today) {
		c.views, c.at, c.day = nil, seq, today
	}
	return c.views[s], seq
}

func (c *creditCache) put(s Subject, seq uint64, v *PublicCredit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != seq {
		return
	}
	if c.views == nil || len(c.views) > 50_000 {
		c.views = map[Subject]*PublicCredit{}
	}
	c.views[s] = v
}

// creditChanged invalidates the public credit cache when tx commits.
func (a *App) creditChanged(tx *storage.Tx) { tx.OnCommit(func() { a.credit.seq.Add(1) }) }

// PublicCredit returns what the public portal shows of a subject's credit.
// The caller decides whether the subject is public at all (a filed agency,
// a practitioner with an information card).
func (a *App) PublicCredit(s Subject) (*PublicCredit, error) {
	now := a.now()
	v, seq := a.credit.get(s, day(now))
	if v != nil {
		return v, nil
	}
	scale := a.creditScale()
	err := a.db.View(func(tx *storage.Tx) error {
		b := tx.Get(creditSummaryBucket, s.Key())
		if b == nil { // no record yet
			v = &PublicCredit{Base: scale.base, Score: scale.base, Level: scale.level(scale.base)}
			v.Level, v.Blacklisted = a.listedLevel(tx, s, v.Level)
			return nil
		}
		var sum CreditSummary
		if err := json.Unmarshal(b, &sum); err != nil {
			return err
		}
		if err := json.Unmarshal(tx.Get(creditRecentBucket, s.Key()), &sum.Recent); err != nil {
			sum.Next = now // written before the recent records were kept: read them all
		}
		if !sum.Next.IsZero() && !now.Before(sum.Next) {
			// A record has ended since the summary was written (the
			// daily job has not run yet): read the records themselves.
			records, err := subjectRecords(tx, s)
			if err != nil {
				return err
			}
			sum.Bonus, sum.Penalty = 0, 0
			for _, r := range records {
				if r.CountsAt(now) && r.Points > 0 {
					sum.Bonus += r.Points
				} else if r.CountsAt(now) {
					sum.Penalty += r.Points
				}
			}
			sum.Recent, sum.OlderPublic = recentRecords(records, now)
		}
		v = publicCredit(scale.rescore(sum), now)
		v.Base = scale.base
		v.Level, v.Blacklisted = a.listedLevel(tx, s, v.Level)
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.credit.put(s, seq, v)
	return v, nil
}

// recentMax bounds the records a summary keeps for the public page: the
// twenty it lists, and room for the newest not yet disclosed.
const recentMax = 30

// DisclosableRecord is a record as the summary keeps it for the public
// page: what is shown, and what decides whether it is shown yet.
type DisclosableRecord struct {
	PublicCreditRecord
	ObjectionUntil time.Time `json:"objection_until"`
	Objecting      bool      `json:"objecting,omitempty"`
}

// recentRecords keeps the newest records that may ever be disclosed
// (withdrawn ones never are), newest first; and, after them, any older
// record that counts but is not disclosed at now (a penalty in its
// objection period or under objection), so that the page's count of
// undisclosed records does not depend on how many came after them.
// olderPublic counts the older records left out that are disclosed at now:
// the page's "N more" includes them. (Being disclosed does not end: a
// record leaves the page only by a change, which writes the summary again.)
func recentRecords(records []*CreditRecord, now time.Time) (out []DisclosableRecord, olderPublic int) {
	for _, r := range slices.Backward(records) {
		if r.Status == RecordWithdrawn {
			continue
		}
		public := r.Public(now)
		if len(out) >= recentMax && (r.Status != RecordActive || public) {
			if public {
				olderPublic++
			}
			continue
		}
		out = append(out, disclosable(r))
	}
	return out, olderPublic
}

// disclosable is what the summary keeps of r for the public page.
func disclosable(r *CreditRecord) DisclosableRecord {
	p := r.PendingRequest()
	return DisclosableRecord{PublicCreditRecord: PublicCreditRecord{No: r.No, RuleNo: r.RuleNo, Item: r.Item,
		Type: r.Type, Points: r.Points, EventDate: r.EventDate, Start: r.Start, Until: r.Until(), Status: r.Status},
		ObjectionUntil: r.ObjectionUntil, Objecting: p != nil && p.Kind == RequestObjection}
}

// publicAt reports whether the public may see the record at now: a bonus
// at once, a penalty once its objection period is over with no objection
// pending. It is CreditRecord.Public for the summary's copy, which the
// page reads at a later now (TestPublicCreditFromSummaryMatchesRecords).
func (d DisclosableRecord) publicAt(now time.Time) bool {
	return d.Type == RuleBonus || (!now.Before(d.ObjectionUntil) && !d.Objecting)
}

// publicCredit is what the public sees at now of a summary: the records
// disclosed at now (publicAt), the newest publicCreditMax of them.
func publicCredit(sum CreditSummary, now time.Time) *PublicCredit {
	v := &PublicCredit{Score: sum.Score, Level: sum.Level, More: sum.OlderPublic}
	for _, r := range sum.Recent {
		public := r.publicAt(now)
		counts := !now.Before(r.Start) && now.Before(r.Until)
		switch {
		case counts && !public:
			v.Pending++
			v.PendingPoints += r.Points
		case public && len(v.Records) < publicCreditMax:
			v.Records = append(v.Records, r.PublicCreditRecord)
		case public:
			v.More++
		}
	}
	return v
}

// PublicVersion changes whenever something public pages show of credit or
// the red and black lists changes: pages rendered before are stale.
func (a *App) PublicVersion() uint64 { return a.credit.seq.Load() }
