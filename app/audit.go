package app

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
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
	// Note, when set, is Detail in the reader's words (AuditNote). After
	// Detail, omitted when nil: entries without it, every one written
	// before notes, hash exactly as they did.
	Note      *AuditNote `json:"note,omitempty"`
	IP        string     `json:"ip,omitempty"`
	RequestID string     `json:"request_id,omitempty"`
	PrevHash  string     `json:"prev_hash"`
	Hash      string     `json:"hash"`
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

// AuditNote is an entry's detail as a message (a key of ui/messages) and
// its arguments, so that the audit page shows the words the code wrote
// (a lock's end, a list entry's score and threshold, what an update
// changed) in the reader's language. Detail keeps the same facts as
// plain text, as before notes: for the CSV export, for any tool that
// reads Detail, and for a build that knows no note. An entry without a
// note shows its Detail as written.
type AuditNote struct {
	Key  string     `json:"key"`
	Args []AuditArg `json:"args,omitempty"`
}

// AuditArg is one argument of a note; one field is set. Arguments are
// kept as strings so that a stored note decodes and encodes back to the
// same bytes, which the hash chain needs.
type AuditArg struct {
	Text string       `json:"s,omitempty"`  // data, shown as written: a number, a name, a reason typed
	Key  string       `json:"k,omitempty"`  // a message key, shown translated
	Date string       `json:"d,omitempty"`  // a day, YYYY-MM-DD, shown as the page shows dates
	Time string       `json:"t,omitempty"`  // an instant, RFC 3339 in UTC, shown as the page shows times
	Keys []string     `json:"ks,omitempty"` // message keys, shown translated as a list (roles)
	List []*AuditNote `json:"l,omitempty"`  // notes shown one after another (an update's changes)
}

// auditNote builds a note; the ui catalog must have key (a test finds
// the keys written here).
func auditNote(key string, args ...AuditArg) *AuditNote {
	return &AuditNote{Key: key, Args: args}
}

func noteText(s string) AuditArg { return AuditArg{Text: s} }
func noteInt(n int) AuditArg     { return AuditArg{Text: strconv.Itoa(n)} }
func noteKey(key string) AuditArg {
	return AuditArg{Key: key}
}
func noteDate(t time.Time) AuditArg { return AuditArg{Date: t.Format(time.DateOnly)} }
func noteTime(t time.Time) AuditArg {
	return AuditArg{Time: t.UTC().Format(time.RFC3339)}
}
func noteList(notes []*AuditNote) AuditArg { return AuditArg{List: notes} }

// noteSub is a note given as one argument of another (a list entry's
// label inside its approval).
func noteSub(n *AuditNote) AuditArg { return AuditArg{List: []*AuditNote{n}} }

// noteRoles are roles by name, in rolesString's order.
func noteRoles(rs []Role) AuditArg {
	keys := make([]string, len(rs))
	for i, r := range rs {
		keys[i] = "role." + string(r)
	}
	slices.Sort(keys)
	return AuditArg{Keys: keys}
}

// audit appends an entry in the caller's transaction, so the entry exists
// if and only if the change it records was committed. note, when given,
// is detail in the reader's words (AuditNote): for details with words the
// code wrote rather than data alone.
func (a *App) audit(tx *storage.Tx, actor Actor, action, kind string, id uint64, detail string, note ...*AuditNote) error {
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
		Note: firstNote(note),
		IP:   actor.IP, RequestID: actor.RequestID, PrevHash: head.Hash,
	}
	e.Hash = e.computeHash()
	if err := auditTable.Put(tx, e); err != nil {
		return err
	}
	b, _ := json.Marshal(auditHead{ID: e.ID, Hash: e.Hash})
	return tx.SetMeta(auditHeadKey, b)
}

func firstNote(notes []*AuditNote) *AuditNote {
	if len(notes) == 0 {
		return nil
	}
	return notes[0]
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
	_ = cw.Write([]string{"id", "time", "username", "action", "record", "detail", "ip", "request_id", "hash", "note"})
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
			// detail is the facts as text, as it always was; note the
			// same in message form (AuditNote, as stored: JSON), empty
			// for an entry without one.
			note := ""
			if e.Note != nil {
				b, _ := json.Marshal(e.Note)
				note = string(b)
			}
			err := cw.Write([]string{strconv.FormatUint(e.ID, 10), e.Time.Format(time.RFC3339), e.Username, e.Action, rec, e.Detail, e.IP, e.RequestID, e.Hash, note})
			return err == nil, err
		})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
