package app

import (
	"encoding/json"
	"slices"
	"time"

	"anju/storage"
)

// Credit levels.
const (
	LevelA = "A"
	LevelB = "B"
	LevelC = "C"
	LevelD = "D"
)

// CreditLevels lists the levels, best first.
var CreditLevels = []string{LevelA, LevelB, LevelC, LevelD}

// creditScale is the base score and the level thresholds, read from the
// parameters once per use case.
type creditScale struct{ base, a, b, c int }

func (a *App) creditScale() creditScale {
	return creditScale{base: a.ParamInt(ParamCreditBase), a: a.ParamInt(ParamCreditLevelA),
		b: a.ParamInt(ParamCreditLevelB), c: a.ParamInt(ParamCreditLevelC)}
}

// level is the level of a score.
func (s creditScale) level(score int) string {
	switch {
	case score >= s.a:
		return LevelA
	case score >= s.b:
		return LevelB
	case score >= s.c:
		return LevelC
	}
	return LevelD
}

// scoreAt is the base plus the points of every record counting at t.
func (s creditScale) scoreAt(records []*CreditRecord, t time.Time) int {
	n := s.base
	for _, r := range records {
		if r.CountsAt(t) {
			n += r.Points
		}
	}
	return n
}

// CreditSummary is a subject's current score, kept beside its records so
// that lists and public pages read one small value. It is rewritten in
// every transaction that changes one of the subject's records, and by the
// daily job when records expire.
type CreditSummary struct {
	Subject  Subject `json:"subject"`
	Name     string  `json:"name"`
	Code     string  `json:"code"`
	District string  `json:"district"`
	Score    int     `json:"score"`
	Level    string  `json:"level"`
	// Blacklisted: an active black list entry puts the level at the
	// lowest whatever the score (listedLevel); not stored, read with it.
	Blacklisted bool `json:"-"`
	// Unsettled are the points of the records that count but are still
	// open to objection or under one (CreditRecord.Public): the black list
	// looks at the score without them (Settled). Kept so that a change of
	// the lines rechecks the lists from the summaries alone
	// (recheckLists); SettleObjections refreshes the summary when they
	// settle.
	Unsettled int       `json:"unsettled,omitempty"`
	Active    int       `json:"active"`        // records counting now
	Bonus     int       `json:"bonus"`         // their points, positive
	Penalty   int       `json:"penalty"`       // and negative
	Next      time.Time `json:"next,omitzero"` // when the next active record ends
	// Recent are the newest records the public page may show, so that it
	// reads one value instead of every record (credit_public.go). They are
	// stored apart (creditRecentBucket): lists read every summary.
	Recent      []DisclosableRecord `json:"-"`
	OlderPublic int                 `json:"older_public,omitempty"` // disclosed records older than Recent
	Updated     time.Time           `json:"updated"`
}

const (
	creditSummaryBucket = "credit_summaries"
	creditRecentBucket  = "credit_recent"
)

// refreshSummary recomputes a subject's summary from its records at now
// and stores it; it then lets the lists react to the new score.
func (a *App) refreshSummary(tx *storage.Tx, s Subject, now time.Time) (*CreditSummary, error) {
	records, err := subjectRecords(tx, s)
	if err != nil {
		return nil, err
	}
	info, err := subjectInfo(tx, s)
	if err != nil {
		return nil, err
	}
	scale := a.creditScale()
	sum := &CreditSummary{Subject: s, Name: info.Name, Code: info.Code, District: info.District, Updated: now}
	sum.Score = scale.base
	for _, r := range records {
		if !r.CountsAt(now) {
			continue
		}
		sum.Score += r.Points
		if r.Unsettled(now) {
			sum.Unsettled += r.Points
		}
		sum.Active++
		if r.Points > 0 {
			sum.Bonus += r.Points
		} else {
			sum.Penalty += r.Points
		}
		if u := r.Until(); sum.Next.IsZero() || u.Before(sum.Next) {
			sum.Next = u
		}
	}
	sum.Level = scale.level(sum.Score)
	sum.Recent, sum.OlderPublic = recentRecords(records, now)
	b, err := json.Marshal(sum)
	if err != nil {
		return nil, err
	}
	if err := tx.Put(creditSummaryBucket, s.Key(), b); err != nil {
		return nil, err
	}
	if b, err = json.Marshal(sum.Recent); err != nil {
		return nil, err
	}
	if err := tx.Put(creditRecentBucket, s.Key(), b); err != nil {
		return nil, err
	}
	a.creditChanged(tx)
	return sum, a.applyListThresholds(tx, s, sum.Score, sum.Settled(), now)
}

// Settled is the score without the points still open to objection: what
// the black list goes by.
func (s *CreditSummary) Settled() int { return s.Score - s.Unsettled }

// rescore brings a stored summary to the current base score and level
// thresholds (parameters a sysadmin may change after it was written): the
// points it sums do not depend on them.
func (s creditScale) rescore(sum CreditSummary) CreditSummary {
	sum.Score = s.base + sum.Bonus + sum.Penalty
	sum.Level = s.level(sum.Score)
	return sum
}

// readSummary returns the stored summary, or a base one for a subject
// that has no record yet, at the level it holds given listed, the lists
// each subject is on (ListedSubjects, read once for a page of subjects).
func (a *App) readSummary(tx *storage.Tx, s Subject, listed map[Subject][]string) CreditSummary {
	scale := a.creditScale()
	sum := CreditSummary{Subject: s, Score: scale.base, Level: scale.level(scale.base)}
	if b := tx.Get(creditSummaryBucket, s.Key()); b != nil {
		var stored CreditSummary
		if json.Unmarshal(b, &stored) == nil {
			sum = scale.rescore(stored)
		}
	}
	sum.Level, sum.Blacklisted = heldLevel(sum.Level, slices.Contains(listed[s], ListBlack))
	return sum
}

// heldLevel is the credit level a subject with level (from its score)
// holds: the lowest while it is on the black list. A tenant reading 黑名单
// must not read a top grade beside it, and an entry made by hand for a
// serious breach need not wait for penalties to bring the score down.
func heldLevel(level string, blacklisted bool) (string, bool) {
	if blacklisted {
		return CreditLevels[len(CreditLevels)-1], true
	}
	return level, false
}

// listedLevel is heldLevel for one subject, read from its list entries.
func (a *App) listedLevel(tx *storage.Tx, s Subject, level string) (string, bool) {
	entries, err := subjectEntries(tx, s)
	return heldLevel(level, err == nil && activeEntry(entries, ListBlack, a.now()) != nil)
}

// ScorePoint is one step of the score over time.
type ScorePoint struct {
	At    time.Time
	Score int
}

// scoreTimeline is the score from..to as steps: the score at from, then a
// point at every day a record starts or ends in between. Future points
// show when penalties and bonuses will lapse if nothing else happens.
func (s creditScale) scoreTimeline(records []*CreditRecord, from, to time.Time) []ScorePoint {
	var times []time.Time
	for _, r := range records {
		if r.Status == RecordWithdrawn {
			continue
		}
		for _, t := range []time.Time{r.Start, r.Until()} {
			if t.After(from) && t.Before(to) {
				times = append(times, t)
			}
		}
	}
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	times = slices.CompactFunc(times, func(x, y time.Time) bool { return x.Equal(y) })
	pts := []ScorePoint{{At: from, Score: s.scoreAt(records, from)}}
	for _, t := range times {
		if sc := s.scoreAt(records, t); sc != pts[len(pts)-1].Score {
			pts = append(pts, ScorePoint{At: t, Score: sc})
		}
	}
	return pts
}
