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

// AuditReport is the result of checking the chain.
type AuditReport struct {
	Entries  int
	OK       bool
	BrokenAt uint64 // first entry that fails, 0 when OK
	Problem  string // message key: audit.hash_mismatch, audit.gap, audit.tail_removed
}

// VerifyAudit walks the whole chain.
func (a *App) VerifyAudit(actor Actor) (AuditReport, error) {
	if err := actor.require(PermAuditView); err != nil {
		return AuditReport{}, err
	}
	var r AuditReport
	err := a.db.View(func(tx *storage.Tx) error {
		r = verifyAuditChain(tx)
		return nil
	})
	return r, err
}

func verifyAuditChain(tx *storage.Tx) AuditReport {
	r := AuditReport{OK: true}
	prev, want := "", uint64(1)
	fail := func(id uint64, problem string) {
		r.OK, r.BrokenAt, r.Problem = false, id, problem
	}
	err := auditTable.Each(tx, false, func(e *AuditEntry) (bool, error) {
		r.Entries++
		switch {
		case e.ID != want:
			fail(want, "audit.gap")
		case e.PrevHash != prev || e.computeHash() != e.Hash:
			fail(e.ID, "audit.hash_mismatch")
		}
		prev, want = e.Hash, e.ID+1
		return r.OK, nil
	})
	if err != nil && r.OK {
		// The next stored entry cannot even be decoded: it was altered in
		// the file (without this, the walk would end early and report the
		// tail as removed).
		fail(want, "audit.hash_mismatch")
	}
	if !r.OK {
		return r
	}
	var head auditHead
	if b := tx.Meta(auditHeadKey); b != nil {
		_ = json.Unmarshal(b, &head)
	}
	if head.ID != want-1 || head.Hash != prev {
		fail(want, "audit.tail_removed")
	}
	return r
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	Username string
	Action   string // prefix, e.g. "user." or "user.create"
	Record   string // "kind" or "kind/id"
	From, To time.Time
	Before   uint64 // paging: entries with ID < Before (0 = newest)
	Limit    int
}

func (f AuditFilter) match(e *AuditEntry) bool {
	if f.Username != "" && !strings.EqualFold(e.Username, f.Username) {
		return false
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

// AuditLog returns entries newest first, and the cursor of the next page.
// The log is append-only, so a reverse scan by ID is also a scan by time.
func (a *App) AuditLog(actor Actor, f AuditFilter) ([]*AuditEntry, uint64, error) {
	if err := actor.require(PermAuditView); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var out []*AuditEntry
	var next uint64
	err := a.db.View(func(tx *storage.Tx) error {
		after := f.Before
		if after == 0 {
			after = tx.Sequence(auditTable.Name()) + 1
		}
		var err error
		out, next, err = auditTable.Page(tx, after, true, f.Limit, f.match)
		return err
	})
	return out, next, err
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
		return auditTable.Each(tx, true, func(e *AuditEntry) (bool, error) {
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
