package app

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"anju/storage"
)

// LevelBand is where a level starts, for the chart and the explanation.
type LevelBand struct {
	Level string
	From  int
}

// CreditView is a subject's credit page: the score and level now, every
// record with what it adds and until when, and the score over time.
type CreditView struct {
	Info  SubjectInfo
	Score int
	Level string
	// Blacklisted: the level is the lowest because of an active black
	// list entry, whatever the score (listedLevel).
	Blacklisted bool
	Base        int
	Bands       []LevelBand
	Records     []*CreditRecord // every record, newest first
	Counting    []*CreditRecord // the records counting now: the explanation
	Timeline    []ScorePoint    // a year back and a year ahead
	From, To    time.Time
	Now         time.Time
	Pending     []*ScoringApplication // government users: applications awaiting review
	// BlackAwait: the score is below the black line only through
	// penalties still open to objection (blackAwait); nil otherwise.
	BlackAwait *BlackAwait
}

func (s creditScale) bands() []LevelBand {
	return []LevelBand{{LevelA, s.a}, {LevelB, s.b}, {LevelC, s.c}, {LevelD, 0}}
}

// CreditPage returns a subject's credit page for the actor.
func (a *App) CreditPage(actor Actor, s Subject) (*CreditView, error) {
	if err := actor.require(PermCreditView); err != nil {
		return nil, err
	}
	v := &CreditView{Now: a.now()}
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		if v.Info, err = subjectInfo(tx, s); err != nil || !canSeeSubjectCredit(tx, actor, v.Info) {
			return notFound("credit.subject_not_found", err)
		}
		records, err := subjectRecords(tx, s)
		if err != nil {
			return err
		}
		a.fillCreditView(v, records)
		v.Level, v.Blacklisted = a.listedLevel(tx, s, v.Level)
		if !v.Blacklisted {
			v.BlackAwait = a.blackAwait(records, v.Base, v.Score, v.Now)
		}
		if actor.Can(PermGovPortal) || actor.System {
			return scoringTable.LookupPrefix(tx, "subject", s.Key(), func(_ []byte, id uint64) (bool, error) {
				p, err := scoringTable.Get(tx, id)
				if err == nil && p.Status == ScoringPending {
					v.Pending = append(v.Pending, p)
				}
				return true, err
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (a *App) fillCreditView(v *CreditView, records []*CreditRecord) {
	scale := a.creditScale()
	now := v.Now
	v.Base, v.Bands = scale.base, scale.bands()
	v.Score = scale.scoreAt(records, now)
	v.Level = scale.level(v.Score)
	v.Records = slices.Clone(records)
	slices.Reverse(v.Records)
	for _, r := range records {
		if r.CountsAt(now) {
			v.Counting = append(v.Counting, r)
		}
	}
	// Soonest to end first: "when each penalty ends".
	slices.SortStableFunc(v.Counting, func(x, y *CreditRecord) int { return x.Until().Compare(y.Until()) })
	v.From, v.To = day(now).AddDate(-1, 0, 0), day(now).AddDate(1, 0, 1)
	v.Timeline = scale.scoreTimeline(records, v.From, v.To)
}

// CreditSubjectQuery filters the list of subjects by credit.
type CreditSubjectQuery struct {
	Kind     string // SubjectAgency (default) or SubjectPractitioner
	Level    string
	District string
	Text     string // name, credit code, card number: searched in the directory
	Page     int
	Size     int
}

// CreditSubjectPage is one page of subjects with their scores.
type CreditSubjectPage struct {
	Items []CreditSummary
	Total int
	Page  int
	Pages int
	// Found is, for a search by name, how many subjects the directory
	// found; when more than creditTextMatches, only Read of them, the most
	// relevant, are listed (Capped) and the page asks for more of the name.
	Found, Read int
	Capped      bool
}

// creditTextMatches is how many of the subjects a search by name finds
// the list reads: the most relevant, shown lowest score first like the
// rest of the list.
const creditTextMatches = 100

// CreditSubjects lists subjects lowest first, the black-listed before the
// others (their level is the lowest) and each by score: with text, those
// the directory finds; without, those that have credit records or are on
// the black list (everyone else stands at the base score).
func (a *App) CreditSubjects(actor Actor, q CreditSubjectQuery) (CreditSubjectPage, error) {
	if err := actor.require(PermCreditView); err != nil {
		return CreditSubjectPage{}, err
	}
	if !actor.Can(PermGovPortal) && !actor.System {
		return CreditSubjectPage{}, Errorf(EFORBIDDEN, "error.forbidden")
	}
	if q.Kind != SubjectPractitioner {
		q.Kind = SubjectAgency
	}
	q.Size = creditPageSize(q.Size)
	q.Page = max(q.Page, 1)
	// Read once for the page: a black-listed subject holds the lowest
	// level, and the level filter must find it there.
	listed, err := a.ListedSubjects()
	if err != nil {
		return CreditSubjectPage{}, err
	}
	// Only the page's subjects are kept: the list of every agency is
	// 10,000 summaries, of which a page shows 20.
	p := CreditSubjectPage{Page: q.Page}
	from := (q.Page - 1) * q.Size
	keep := func(sum CreditSummary) {
		if p.Total >= from && p.Total < from+q.Size {
			p.Items = append(p.Items, sum)
		}
		p.Total++
	}
	if text := strings.TrimSpace(q.Text); text != "" {
		var subjects []Subject
		if q.Kind == SubjectAgency {
			res, err := a.SearchAgencies(actor, AgencyQuery{Text: text, District: q.District, Size: creditTextMatches})
			if err != nil {
				return CreditSubjectPage{}, err
			}
			for _, ag := range res.Items {
				subjects = append(subjects, Subject{SubjectAgency, ag.ID})
			}
			p.Found = res.Total
		} else {
			res, err := a.SearchPractitioners(actor, PractitionerQuery{Text: text, District: q.District, Size: creditTextMatches})
			if err != nil {
				return CreditSubjectPage{}, err
			}
			for _, p := range res.Items {
				subjects = append(subjects, Subject{SubjectPractitioner, p.ID})
			}
			p.Found = res.Total
		}
		p.Read = len(subjects)
		p.Capped = p.Found > p.Read
		var found []CreditSummary
		err := a.db.View(func(tx *storage.Tx) error {
			for _, s := range subjects {
				sum := a.readSummary(tx, s, listed)
				if sum.Name == "" {
					info, err := subjectInfo(tx, s)
					if err != nil {
						continue
					}
					sum.Name, sum.Code, sum.District = info.Name, info.Code, info.District
				}
				if q.Level == "" || sum.Level == q.Level {
					found = append(found, sum)
				}
			}
			return nil
		})
		if err != nil {
			return CreditSubjectPage{}, err
		}
		slices.SortStableFunc(found, byListThenScore)
		for _, sum := range found {
			keep(sum)
		}
	} else {
		all, err := a.summariesByScore(q.Kind)
		if err != nil {
			return CreditSubjectPage{}, err
		}
		extra, err := a.blackListedUnscored(q.Kind, listed)
		if err != nil {
			return CreditSubjectPage{}, err
		}
		// Two passes, as byListThenScore orders them: the black-listed
		// (the lowest level whatever their score), then the others.
		for _, black := range []bool{true, false} {
			show := func(sum CreditSummary) {
				sum.Level, sum.Blacklisted = heldLevel(sum.Level, slices.Contains(listed[sum.Subject], ListBlack))
				if sum.Blacklisted != black || (q.District != "" && sum.District != q.District) || (q.Level != "" && sum.Level != q.Level) ||
					!(sum.District == "" || actor.InJurisdiction(sum.District)) {
					return
				}
				keep(sum)
			}
			// Both are sorted: merged as they are read.
			rest := extra
			for _, sum := range all {
				for len(rest) > 0 && byScore(rest[0], sum) < 0 {
					show(rest[0])
					rest = rest[1:]
				}
				show(sum)
			}
			for _, sum := range rest {
				show(sum)
			}
		}
	}
	p.Pages = max((p.Total+q.Size-1)/q.Size, 1)
	if q.Page > p.Pages && p.Total > 0 {
		// Past the end, like the other lists: the last page.
		q.Page = p.Pages
		return a.CreditSubjects(actor, q)
	}
	return p, nil
}

// summariesByScore returns the stored summaries of one kind of subject,
// lowest score first, from a copy kept until credit changes: the list page
// would otherwise decode every summary (10,000 agencies) on each request.
func (a *App) summariesByScore(kind string) ([]CreditSummary, error) {
	seq, scale := a.credit.seq.Load(), a.creditScale()
	a.credit.mu.Lock()
	if c := a.credit.sorted[kind]; c != nil && c.seq == seq && c.scale == scale {
		a.credit.mu.Unlock()
		return c.items, nil
	}
	a.credit.mu.Unlock()
	var items []CreditSummary
	prefix := Subject{Kind: kind}.Key()[:1]
	err := a.db.View(func(tx *storage.Tx) error {
		return tx.Scan(creditSummaryBucket, prefix, false, func(_, b []byte) (bool, error) {
			var sum CreditSummary
			if err := json.Unmarshal(b, &sum); err != nil {
				return false, err
			}
			items = append(items, scale.rescore(sum))
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(items, byScore)
	a.credit.mu.Lock()
	if a.credit.sorted == nil {
		a.credit.sorted = map[string]*sortedSummaries{}
	}
	a.credit.sorted[kind] = &sortedSummaries{seq: seq, scale: scale, items: items}
	a.credit.mu.Unlock()
	return items, nil
}

// byScore orders the list of subjects: lowest score first, then by name.
// byListThenScore is the credit list's order: the black-listed first, as
// their level is the lowest whatever their score, then by score.
func byListThenScore(x, y CreditSummary) int {
	if x.Blacklisted != y.Blacklisted {
		if x.Blacklisted {
			return -1
		}
		return 1
	}
	return byScore(x, y)
}

func byScore(x, y CreditSummary) int {
	if x.Score != y.Score {
		return x.Score - y.Score
	}
	return strings.Compare(x.Name, y.Name)
}

// blackListedUnscored returns the black-listed subjects of kind that have
// no credit record (no stored summary), sorted as the list is: they hold
// the lowest level at the base score, and the list, filtered by that level
// or not, must show them.
func (a *App) blackListedUnscored(kind string, listed map[Subject][]string) ([]CreditSummary, error) {
	var out []CreditSummary
	err := a.db.View(func(tx *storage.Tx) error {
		for s, lists := range listed {
			if s.Kind != kind || !slices.Contains(lists, ListBlack) || tx.Get(creditSummaryBucket, s.Key()) != nil {
				continue
			}
			info, err := subjectInfo(tx, s)
			if err != nil {
				continue // gone: nothing to list
			}
			sum := a.readSummary(tx, s, listed)
			sum.Name, sum.Code, sum.District = info.Name, info.Code, info.District
			out = append(out, sum)
		}
		return nil
	})
	slices.SortFunc(out, byScore)
	return out, err
}

// ScoringQuery filters scoring applications.
type ScoringQuery struct {
	Status   string // ScoringPending (default), ScoringApproved, ScoringRejected, or "all"
	District string
	Source   string
	Kind     string
	// NotMine leaves out the applications the actor filed, which he may
	// not decide (the reviewer's to-do).
	NotMine bool
	Page    int
	Size    int
}

// ScoringPage is one page of applications; More says whether a next page
// exists (decided applications are not counted: there may be many).
type ScoringPage struct {
	Items []*ScoringApplication
	Total int // pending only; -1 when not counted
	Page  int
	More  bool
}

// ScoringApplications lists applications of the actor's jurisdiction,
// newest first: the pending ones from their index, the rest by walking
// back from the newest.
func (a *App) ScoringApplications(actor Actor, q ScoringQuery) (ScoringPage, error) {
	if err := actor.require(PermCreditView); err != nil {
		return ScoringPage{}, err
	}
	if !actor.Can(PermGovPortal) && !actor.System {
		return ScoringPage{}, Errorf(EFORBIDDEN, "error.forbidden")
	}
	if q.Status == "" {
		q.Status = ScoringPending
	}
	q.Size = creditPageSize(q.Size)
	q.Page = max(q.Page, 1)
	// The filters other than status and district, which the readers apply.
	keep := func(p *ScoringApplication) bool {
		return (q.Source == "" || p.Source == q.Source) &&
			(q.Kind == "" || p.Subject.Kind == q.Kind) && !(q.NotMine && p.Own(actor))
	}
	out := ScoringPage{Page: q.Page, Total: -1}
	skip := (q.Page - 1) * q.Size
	err := a.db.View(func(tx *storage.Tx) error {
		if q.Status == ScoringPending {
			var all []*ScoringApplication
			err := eachPendingScoring(tx, actor, q.District, func(p *ScoringApplication) error {
				if keep(p) {
					all = append(all, p)
				}
				return nil
			})
			if err != nil {
				return err
			}
			slices.SortFunc(all, func(x, y *ScoringApplication) int { return y.Filed.Compare(x.Filed) })
			out.Total = len(all)
			if skip < len(all) {
				out.Items = all[skip:min(skip+q.Size, len(all))]
			}
			out.More = skip+q.Size < len(all)
			return nil
		}
		return scoringTable.Each(tx, true, func(p *ScoringApplication) (bool, error) {
			if !canSeeScoring(actor, p) || (q.Status != "all" && p.Status != q.Status) ||
				(q.District != "" && p.District != q.District) || !keep(p) {
				return true, nil
			}
			if skip > 0 {
				skip--
				return true, nil
			}
			if len(out.Items) == q.Size {
				out.More = true
				return false, nil
			}
			out.Items = append(out.Items, p)
			return true, nil
		})
	})
	return out, err
}

// eachPendingScoring calls fn for each scoring application awaiting review
// that the actor may see, of district ("" every one he sees). The
// reviewer's list and the statistics' backlog both read through it, so they
// count the same applications.
func eachPendingScoring(tx *storage.Tx, actor Actor, district string, fn func(*ScoringApplication) error) error {
	return scoringTable.LookupPrefix(tx, "pending", []byte(district), func(_ []byte, id uint64) (bool, error) {
		p, err := scoringTable.Get(tx, id)
		if err != nil {
			return false, err
		}
		if canSeeScoring(actor, p) && (district == "" || p.District == district) {
			return true, fn(p)
		}
		return true, nil
	})
}

// PendingRequests lists records of the actor's jurisdiction (of district,
// when not "") with an objection or repair request awaiting a reviewer,
// oldest request first.
func (a *App) PendingRequests(actor Actor, district string) ([]*CreditRecord, error) {
	if err := actor.require(PermCreditView); err != nil {
		return nil, err
	}
	if !actor.Can(PermGovPortal) && !actor.System {
		return nil, Errorf(EFORBIDDEN, "error.forbidden")
	}
	var out []*CreditRecord
	prefix := []byte(district)
	if !actor.System && actor.District != "" {
		if district != "" && district != actor.District {
			return nil, nil
		}
		prefix = []byte(actor.District)
	}
	err := a.db.View(func(tx *storage.Tx) error {
		return recordTable.LookupPrefix(tx, "pending_request", prefix, func(_ []byte, id uint64) (bool, error) {
			r, err := recordTable.Get(tx, id)
			if err != nil {
				return false, err
			}
			if canSeeRecord(tx, actor, r) {
				out = append(out, r)
			}
			return true, nil
		})
	})
	slices.SortFunc(out, func(x, y *CreditRecord) int { return x.PendingRequest().At.Compare(y.PendingRequest().At) })
	return out, err
}

// GetScoring returns an application the actor may see.
func (a *App) GetScoring(actor Actor, id uint64) (*ScoringApplication, error) {
	if err := actor.require(PermCreditView); err != nil {
		return nil, err
	}
	var p *ScoringApplication
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		if p, err = scoringTable.Get(tx, id); err != nil || !canSeeScoring(actor, p) {
			return notFound("credit.application_not_found", err)
		}
		return nil
	})
	return p, err
}

// GetRecord returns a credit record the actor may see.
func (a *App) GetRecord(actor Actor, id uint64) (*CreditRecord, error) {
	if err := actor.require(PermCreditView); err != nil {
		return nil, err
	}
	var r *CreditRecord
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		if r, err = recordTable.Get(tx, id); err != nil || !canSeeRecord(tx, actor, r) {
			return notFound("credit.record_not_found", err)
		}
		return nil
	})
	return r, err
}

// CreditDocument returns evidence document n of an application ("scoring")
// or a record ("record": the application's documents, then those of its
// requests), with its bytes.
func (a *App) CreditDocument(actor Actor, kind string, id uint64, n int) (CreditDoc, []byte, error) {
	var docs []CreditDoc
	switch kind {
	case "scoring":
		p, err := a.GetScoring(actor, id)
		if err != nil {
			return CreditDoc{}, nil, err
		}
		docs = p.Docs
	case "record":
		r, err := a.GetRecord(actor, id)
		if err != nil {
			return CreditDoc{}, nil, err
		}
		docs = r.AllDocs()
	}
	if n < 0 || n >= len(docs) {
		return CreditDoc{}, nil, Errorf(ENOTFOUND, "credit.doc_not_found")
	}
	var data []byte
	err := a.db.View(func(tx *storage.Tx) (err error) {
		if _, data, err = tx.GetBlob(docs[n].Blob); err != nil {
			return notFound("credit.doc_not_found", err)
		}
		return nil
	})
	return docs[n], data, err
}

// AllDocs is the record's evidence then its requests' documents, in the
// order CreditDocument numbers them.
func (r *CreditRecord) AllDocs() []CreditDoc {
	docs := slices.Clone(r.Docs)
	for _, q := range r.Requests {
		docs = append(docs, q.Docs...)
	}
	return docs
}

// RulesFor lists the enabled manual rules that may score a subject of
// kind (the application form's choices), by rule number.
func (a *App) RulesFor(actor Actor, kind string) ([]*ScoringRule, error) {
	if err := actor.require(PermCreditApply); err != nil {
		return nil, err
	}
	var out []*ScoringRule
	err := a.db.View(func(tx *storage.Tx) error {
		return ruleTable.Each(tx, false, func(r *ScoringRule) (bool, error) {
			if r.Enabled && r.Operation == RuleManual && (kind == "" || r.AppliesToKind(kind)) {
				out = append(out, r)
			}
			return true, nil
		})
	})
	slices.SortFunc(out, func(x, y *ScoringRule) int { return strings.Compare(x.No, y.No) })
	return out, err
}

// creditPageSize is a list's page size: 20 unless asked, at most 100.
func creditPageSize(n int) int {
	if n <= 0 {
		return 20
	}
	return min(n, 100)
}
