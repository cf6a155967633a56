package app

import (
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

// PublicCredit is a subject's credit on the public portal.
type PublicCredit struct {
	Score   int
	Level   string
	Base    int
	Records []PublicCreditRecord // disclosed records, newest first
	// Pending counts the records that count now but are not disclosed yet
	// (a penalty within its objection period or under objection), and
	// PendingPoints their sum: so that the page's figures add up.
	Pending       int
	PendingPoints int
}

// publicCreditMax bounds the records a public page lists.
const publicCreditMax = 50

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
	v = &PublicCredit{}
	err := a.db.View(func(tx *storage.Tx) error {
		records, err := subjectRecords(tx, s)
		if err != nil {
			return err
		}
		scale := a.creditScale()
		v.Base = scale.base
		v.Score = scale.scoreAt(records, now)
		v.Level = scale.level(v.Score)
		for _, r := range slices.Backward(records) {
			if r.CountsAt(now) && !r.Public(now) {
				v.Pending++
				v.PendingPoints += r.Points
			}
			if len(v.Records) == publicCreditMax {
				continue
			}
			if r.Public(now) {
				v.Records = append(v.Records, PublicCreditRecord{No: r.No, RuleNo: r.RuleNo, Item: r.Item, Type: r.Type,
					Points: r.Points, EventDate: r.EventDate, Start: r.Start, Until: r.Until(), Status: r.Status})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.credit.put(s, seq, v)
	return v, nil
}
