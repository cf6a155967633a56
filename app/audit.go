package app

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"anju/storage"
)

// AuditEntry records one change that matters. Entries form a hash chain:
// Hash = SHA-256(PrevHash || canonical JSON of the entry without Hash), so
// an edited, inserted or removed entry breaks the chain.
type AuditEntry struct {
	ID         uint64    `json:"id"`
	Time       time.Time `json:"time"`
	UserID     uint64    `json:"user_id,omitempty"`
	Username   string    `json:"username"`
	Action     string    `json:"action"`
	RecordKind string    `json:"record_kind,omitempty"`
	RecordID   uint64    `json:"record_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	IP         string    `json:"ip,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

var auditTable = storage.NewTable(storage.TableOptions[AuditEntry]{
	Name:  "audit",
	ID:    func(e *AuditEntry) uint64 { return e.ID },
	SetID: func(e *AuditEntry, id uint64) { e.ID = id },
})

// auditHeadKey keeps the newest entry's ID and hash so that removing the
// last entries is detected too.
const auditHeadKey = "audit.head"

type auditHead struct {
	ID   uint64 `json:"id"`
	Hash string `json:"hash"`
}

func (e *AuditEntry) computeHash() string {
	c := *e
	c.Hash = ""
	b, _ := json.Marshal(c)
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends an entry in the caller's transaction, so the entry exists
// if and only if the change it records was committed.
func (a *App) audit(tx *storage.Tx, actor Actor, action, kind string, id uint64, detail string) error {
	var head auditHead
	if b := tx.Meta(auditHeadKey); b != nil {
		if err := json.Unmarshal(b, &head); err != nil {
			return fmt.Errorf("read audit head: %w", err)
		}
	}
	seq, err := tx.NextSequence(auditTable.Name())
	if err != nil {
		return err
	}
	e := &AuditEntry{
		ID: seq, Time: a.now().UTC().Truncate(time.Millisecond),
		UserID: actor.UserID, Username: actor.Username,
		Action: action, RecordKind: kind, RecordID: id, Detail: detail,
		IP: actor.IP, RequestID: actor.RequestID, PrevHash: head.Hash,
	}
	e.Hash = e.computeHash()
	if err := auditTable.Put(tx, e); err != nil {
		return err
	}
	b, _ := json.Marshal(auditHead{ID: e.ID, Hash: e.Hash})
	return tx.SetMeta(auditHeadKey, b)
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	// Username is part of the acting user's username (any case) or of
	// his name: "张" finds what 张伟 and 张小红 did, "clerk" what clerk
	// and clerk.hd did.
	Username string
	Action   string // prefix, e.g. "user." or "user.create"
	Record   string // "kind" or "kind/id"
	From, To time.Time
	Before   uint64 // paging: entries with ID < Before (0 = newest)
	Limit    int

	// named holds the IDs of the users whose name contains Username
	// (withUsers): an entry keeps the username only.
	named map[uint64]bool
}

// auditUserText is how Username and what it is compared with are
// normalised: half-width, lower case.
func auditUserText(s string) string { return strings.ToLower(HalfWidth(strings.TrimSpace(s))) }

// withUsers resolves the user filter's names to user IDs, once per page
// or export: the users are few beside the log, whose entries are read one
// at a time as before.
func (f AuditFilter) withUsers(tx *storage.Tx) (AuditFilter, error) {
	f.Username = auditUserText(f.Username)
	f.named = nil
	if f.Username == "" {
		return f, nil
	}
	f.named = map[uint64]bool{}
	err := userTable.Each(tx, false, func(u *User) (bool, error) {
		if strings.Contains(auditUserText(u.Name), f.Username) {
			f.named[u.ID] = true
		}
		return true, nil
	})
	return f, err
}

func (f AuditFilter) match(e *AuditEntry) bool {
	if f.Username != "" {
		// Unresolved (a filter used without withUsers): the username only.
		byName := e.UserID != 0 && f.named[e.UserID]
		if !byName && !strings.Contains(auditUserText(e.Username), auditUserText(f.Username)) {
			return false
		}
	}
	if f.Action != "" && !strings.HasPrefix(e.Action, f.Action) {
		return false
	}
	if f.Record != "" {
		kind, id, hasID := strings.Cut(f.Record, "/")
		if e.RecordKind != kind {
			return false
		}
		if hasID && strconv.FormatUint(e.RecordID, 10) != id {
			return false
		}
	}
	if !f.From.IsZero() && e.Time.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !e.Time.Before(f.To) {
		return false
	}
	return true
}

// auditScanMax bounds the entries one page of the audit log reads. A
// filter that few entries match (one user's, among millions) would
// otherwise read them all, in one request and one read transaction, which
// also holds off bbolt's remap of a growing file and so every write. A page
// that stops there says how far back it has looked and offers to go on.
const auditScanMax = 20_000

// auditClockSlack is how far out of order entry times are assumed to be at
// most (a clock set back), for the date filters' shortcuts: entries are
// appended in commit order, so their times go up with their IDs.
const auditClockSlack = 24 * time.Hour

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries []*AuditEntry
	// Next is the cursor (AuditFilter.Before) of the next page; 0: none.
	Next uint64
	// SearchedTo, when set, is the time of the oldest entry read: the page
	// stopped after auditScanMax entries without filling up, and Next goes
	// on from there.
	SearchedTo time.Time
}

// AuditLog returns entries newest first, and the cursor of the next page.
func (a *App) AuditLog(actor Actor, f AuditFilter) ([]*AuditEntry, uint64, error) {
	p, err := a.AuditLogPage(actor, f)
	return p.Entries, p.Next, err
}

// AuditLogPage returns a page of entries newest first (scanAudit), having
// read at most auditScanMax of them.
func (a *App) AuditLogPage(actor Actor, f AuditFilter) (AuditPage, error) {
	if err := actor.require(PermAuditView); err != nil {
		return AuditPage{}, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var p AuditPage
	err := a.db.View(func(tx *storage.Tx) error {
		f, err := f.withUsers(tx)
		if err != nil {
			return err
		}
		read := 0
		return scanAudit(tx, f, func(e *AuditEntry) (bool, error) {
			if f.match(e) {
				if len(p.Entries) == f.Limit {
					p.Next = p.Entries[len(p.Entries)-1].ID
					return false, nil
				}
				p.Entries = append(p.Entries, e)
			}
			if read++; read == auditScanMax && e.ID > 1 {
				p.Next = e.ID
				if len(p.Entries) < f.Limit {
					p.SearchedTo = e.Time
				}
				return false, nil
			}
			return true, nil
		})
	})
	return p, err
}

// scanAudit calls fn with the entries before f.Before, newest first, until
// it returns false or an error. Entries that f's dates rule out by their
// place in the log are skipped without reading them (within
// auditClockSlack): a To date starts the scan at its place, found by
// bisection, and a From date ends it.
func scanAudit(tx *storage.Tx, f AuditFilter, fn func(e *AuditEntry) (bool, error)) error {
	before := tx.Sequence(auditTable.Name()) + 1
	if f.Before != 0 && f.Before < before {
		before = f.Before
	}
	if !f.To.IsZero() {
		before = min(before, auditSeek(tx, f.To.Add(auditClockSlack))+1)
	}
	if before <= 1 {
		return nil
	}
	return tx.ScanFrom(auditTable.Name(), storage.U64(before-1), true, func(k, raw []byte) (bool, error) {
		id := storage.ParseU64(k)
		e, ok := decodeAuditEntry(id, raw)
		if !ok {
			return false, fmt.Errorf("audit entry %d cannot be read", id)
		}
		if !f.From.IsZero() && e.Time.Before(f.From.Add(-auditClockSlack)) {
			return false, nil // the rest is older still
		}
		return fn(e)
	})
}

// auditSeek returns the ID of the newest entry written before t (0: none),
// by bisection over the IDs.
func auditSeek(tx *storage.Tx, t time.Time) uint64 {
	found := uint64(0)
	lo, hi := uint64(1), tx.Sequence(auditTable.Name())
	for lo <= hi {
		mid := lo + (hi-lo)/2
		// The first entry at or after mid (an entry may be missing).
		var e *AuditEntry
		_ = tx.ScanFrom(auditTable.Name(), storage.U64(mid), false, func(k, raw []byte) (bool, error) {
			e, _ = decodeAuditEntry(storage.ParseU64(k), raw)
			return false, nil
		})
		switch {
		case e == nil || e.ID > hi:
			hi = mid - 1
		case e.Time.Before(t):
			found, lo = e.ID, e.ID+1
		default:
			hi = mid - 1
		}
	}
	return found
}

// ExportAudit writes the matching entries as CSV (UTF-8 with BOM so that
// Excel opens it in Chinese correctly). The export itself is audited.
func (a *App) ExportAudit(actor Actor, f AuditFilter, w io.Writer) error {
	if err := actor.require(PermAuditView); err != nil {
		return err
	}
	if err := a.update(func(tx *storage.Tx) error {
		return a.audit(tx, actor, "audit.export", "audit", 0, "")
	}); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "time", "username", "action", "record", "detail", "ip", "request_id", "hash"})
	err := a.db.View(func(tx *storage.Tx) error {
		f, err := f.withUsers(tx)
		if err != nil {
			return err
		}
		return scanAudit(tx, f, func(e *AuditEntry) (bool, error) {
			if !f.match(e) {
				return true, nil
			}
			rec := ""
			if e.RecordKind != "" {
				rec = e.RecordKind
				if e.RecordID != 0 {
					rec += "/" + strconv.FormatUint(e.RecordID, 10)
				}
			}
			err := cw.Write([]string{strconv.FormatUint(e.ID, 10), e.Time.Format(time.RFC3339), e.Username, e.Action, rec, e.Detail, e.IP, e.RequestID, e.Hash})
			return err == nil, err
		})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
