package app

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"anju/storage"
)

// The audit chain is walked from its first entry when the platform starts,
// once a day and when a sysadmin asks, in the background; the status and
// audit pages check only the entries written since the last walk. A walk
// costs about 6 µs an entry (0.4 s for 65,000 here), and a busy district
// writes millions of entries: walking them on every page view took seconds,
// in one read transaction that also held off bbolt's remapping of a growing
// file, and with it every write (verifications included).
//
// A page opened before the first walk of a long chain has ended says that it
// is under way rather than wait for it. Entries walked once are found
// altered again by the next whole walk. The
// newest entry walked is checked on every page view, and the head (the
// newest entry's ID and hash in the meta bucket) too, so that entries
// removed from the end show at once.

// auditWalkChunk is how many entries one read transaction of a walk checks.
const auditWalkChunk = 5000

// auditWalkFirst is how long after start the first whole walk begins: after
// the index catch-up and cache warming of a start.
const auditWalkFirst = 10 * time.Second

// auditChain is how far this process has found the chain whole.
type auditChain struct {
	walkMu sync.Mutex // one walk at a time

	mu      sync.Mutex   // guards the fields below
	checked auditHead    // entries 1..checked.ID are whole; checked.Hash is the hash of the last
	fullAt  time.Time    // when a walk from the first entry last found the chain whole
	broken  *AuditReport // the break a walk found, until a whole walk finds the chain whole
	walking bool         // a whole walk is under way

	walked atomic.Int64 // entries the whole walk under way has checked
	closed atomic.Bool  // Close: a walk stops at its next transaction
}

// errAuditWalkStopped ends a walk when the platform closes.
var errAuditWalkStopped = errors.New("audit chain walk stopped: the platform is closing")

// stop makes a walk under way end and waits for it (one transaction's
// worth at most).
func (c *auditChain) stop() {
	c.closed.Store(true)
	c.walkMu.Lock()
	c.walkMu.Unlock()
}

// AuditReport is the result of checking the chain.
type AuditReport struct {
	Entries  int
	OK       bool
	BrokenAt uint64 // first entry that fails, 0 when OK
	Problem  string // message key: audit.hash_mismatch, audit.gap, audit.tail_removed
	// FullAt is when the chain was last walked whole from its first entry
	// and found whole; zero when no such walk has ended since start.
	FullAt time.Time
	// Walking: a whole walk is under way; Walked entries checked so far.
	Walking bool
	Walked  int
}

// report is the chain's state as pages show it. c.mu is held.
func (c *auditChain) report() AuditReport {
	r := AuditReport{OK: true, Entries: int(c.checked.ID)}
	if c.broken != nil {
		r = *c.broken
	}
	r.FullAt, r.Walking = c.fullAt, c.walking
	if c.walking {
		r.Walked = int(c.walked.Load())
	}
	return r
}

// VerifyAudit walks the whole chain now and waits for the result (the
// `audit-verify` command).
func (a *App) VerifyAudit(actor Actor) (AuditReport, error) {
	if err := actor.require(PermAuditView); err != nil {
		return AuditReport{}, err
	}
	return a.walkWholeAuditChain()
}

// StartAuditWalk starts a whole walk in the background unless one is under
// way (the audit page's button); the pages show its progress and result.
func (a *App) StartAuditWalk(actor Actor) error {
	if err := actor.require(PermAuditView); err != nil {
		return err
	}
	a.startAuditWalk()
	return nil
}

// startAuditWalk starts a whole walk in the background unless one is under
// way.
func (a *App) startAuditWalk() {
	c := &a.auditChain
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.walking {
		return
	}
	c.walking = true
	c.walked.Store(0)
	go a.logAuditWalk()
}

// AuditChain checks the entries written since the last walk and reports
// the chain's state (the audit page).
func (a *App) AuditChain(actor Actor) (AuditReport, error) {
	if err := actor.require(PermAuditView); err != nil {
		return AuditReport{}, err
	}
	return a.checkAuditChain()
}

// checkAuditChain walks the entries after the newest one found whole. While
// a whole walk is under way it does not wait: the report says so.
func (a *App) checkAuditChain() (AuditReport, error) {
	c := &a.auditChain
	c.mu.Lock()
	if c.walking {
		defer c.mu.Unlock()
		return c.report(), nil
	}
	c.mu.Unlock()

	c.walkMu.Lock()
	defer c.walkMu.Unlock()
	c.mu.Lock()
	from, known := c.checked, c.broken != nil
	c.mu.Unlock()
	if !known && from.ID == 0 && a.auditEntries() > auditWalkChunk {
		// No walk has ended since start and the chain is long: the
		// page does not wait for the first one.
		a.startAuditWalk()
		known = true
	}
	if known {
		// A break is kept until a whole walk finds the chain whole again.
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.report(), nil
	}
	r, at, err := a.walkAudit(from, nil)
	if err != nil {
		return AuditReport{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.record(r, at, from.ID == 0, a.now())
	return c.report(), nil
}

// record keeps a walk's result. c.mu is held.
func (c *auditChain) record(r AuditReport, at auditHead, whole bool, now time.Time) {
	switch {
	case !r.OK:
		c.broken = &r
	case whole:
		c.checked, c.broken, c.fullAt = at, nil, now
	default:
		c.checked = at
	}
}

// walkWholeAuditChain walks the chain from its first entry.
func (a *App) walkWholeAuditChain() (AuditReport, error) {
	c := &a.auditChain
	c.walkMu.Lock()
	defer c.walkMu.Unlock()
	c.mu.Lock()
	if !c.walking { // else startAuditWalk has said so already
		c.walking = true
		c.walked.Store(0)
	}
	c.mu.Unlock()
	r, at, err := a.walkAudit(auditHead{}, &c.walked)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.walking = false
	if err != nil {
		return AuditReport{}, err
	}
	c.record(r, at, true, a.now())
	return c.report(), nil
}

// logAuditWalk walks the whole chain and logs a break (or a failure to
// read) for IT.
func (a *App) logAuditWalk() error {
	start := time.Now()
	r, err := a.walkWholeAuditChain()
	switch {
	case errors.Is(err, errAuditWalkStopped):
	case err != nil:
		a.log.Error("audit chain walk", "err", err)
	case !r.OK:
		a.log.Error("audit chain BROKEN", "entry", r.BrokenAt, "problem", r.Problem, "entries_read", r.Entries)
	default:
		a.log.Info("audit chain intact", "entries", r.Entries, "took", time.Since(start).Round(time.Millisecond))
	}
	return err
}

// auditChainLoop walks the whole chain soon after start and once a day,
// unless a walk (one a page or the button started) is under way or ended
// within the hour.
func (a *App) auditChainLoop(ctx context.Context) {
	a.runDaily(ctx, "audit chain walk", auditWalkFirst, nil, func() error {
		c := &a.auditChain
		c.mu.Lock()
		recent := c.walking || (!c.fullAt.IsZero() && a.now().Sub(c.fullAt) < time.Hour)
		c.mu.Unlock()
		if recent {
			return nil
		}
		return a.logAuditWalk()
	})
}

// walkAudit checks the chain after from (the newest entry found whole
// before, checked again to be still there unchanged; zero: from the first
// entry) to the newest entry and the head, in read transactions of
// auditWalkChunk entries: entries are only ever appended, so the walk may
// span transactions. It returns the report and the newest entry found
// whole. walked, when not nil, counts the entries checked as it goes.
func (a *App) walkAudit(from auditHead, walked *atomic.Int64) (AuditReport, auditHead, error) {
	r := AuditReport{OK: true, Entries: int(from.ID)}
	fail := func(id uint64, problem string) {
		r.OK, r.BrokenAt, r.Problem = false, id, problem
	}
	at := from
	if from.ID > 0 {
		err := a.db.View(func(tx *storage.Tx) error {
			raw := tx.Get(auditTable.Name(), storage.U64(from.ID))
			switch e, ok := decodeAuditEntry(from.ID, raw); {
			case raw == nil:
				fail(from.ID, "audit.gap")
			case !ok || e.computeHash() != from.Hash:
				fail(from.ID, "audit.hash_mismatch")
			}
			return nil
		})
		if err != nil || !r.OK {
			return r, from, err
		}
	}
	for end := false; !end && r.OK; {
		if a.auditChain.closed.Load() {
			return r, at, errAuditWalkStopped
		}
		end = true
		err := a.db.View(func(tx *storage.Tx) error {
			n := 0
			err := tx.ScanFrom(auditTable.Name(), storage.U64(at.ID+1), false, func(k, raw []byte) (bool, error) {
				if n == auditWalkChunk {
					end = false
					return false, nil
				}
				n++
				r.Entries++
				id, want := storage.ParseU64(k), at.ID+1
				e, ok := decodeAuditEntry(id, raw)
				switch {
				case id != want:
					fail(want, "audit.gap")
				case !ok || e.PrevHash != at.Hash || e.computeHash() != e.Hash:
					fail(id, "audit.hash_mismatch")
				default:
					at = auditHead{ID: id, Hash: e.Hash}
				}
				return r.OK, nil
			})
			if err != nil || !end || !r.OK {
				return err
			}
			// The newest entry, read in the same snapshot as the head.
			var head auditHead
			if b := tx.Meta(auditHeadKey); b != nil {
				_ = json.Unmarshal(b, &head)
			}
			if head != at {
				fail(at.ID+1, "audit.tail_removed")
			}
			return nil
		})
		if err != nil {
			return r, at, err
		}
		if walked != nil {
			walked.Store(int64(at.ID))
		}
	}
	return r, at, nil
}

// auditEntries is the number of entries written (the audit sequence).
func (a *App) auditEntries() uint64 {
	var n uint64
	_ = a.db.View(func(tx *storage.Tx) error { n = tx.Sequence(auditTable.Name()); return nil })
	return n
}

// decodeAuditEntry decodes a stored entry as auditTable does (the ID is
// the key's).
func decodeAuditEntry(id uint64, raw []byte) (*AuditEntry, bool) {
	var e AuditEntry
	if raw == nil || json.Unmarshal(raw, &e) != nil {
		return nil, false
	}
	e.ID = id
	return &e, true
}
