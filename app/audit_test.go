package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// auditScenario runs several use cases as the sysadmin and returns the
// number of audit entries they wrote, with the root account's seeding.
func auditScenario(t *testing.T, f *fixture) int {
	t.Helper()
	if _, err := f.SaveDictEntry(f.admin, DictCertType, 0, DictInput{Code: "10", Name: "商品房预售合同", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetParams(f.admin, map[string]string{ParamSessionIdle: "45", ParamOrgName: "测试市住建委"}); err != nil {
		t.Fatal(err)
	}
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	if _, err := f.UpdateUser(f.admin, clerk.ID, UserInput{Name: "王芳芳", Roles: []Role{RoleClerk}, District: "110105"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.EndUserSessions(f.admin, clerk.ID); err != nil {
		t.Fatal(err)
	}
	// root, dict.create, 2 × param.set, clerk's user.create, user.update, user.sessions_end
	return 7
}

func TestAuditChainVerifiesAfterUseCases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	want := auditScenario(t, f)

	r, err := f.VerifyAudit(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Entries != want || r.BrokenAt != 0 || r.Problem != "" {
		t.Fatalf("VerifyAudit = %+v, want OK with %d entries", r, want)
	}

	var actions []string
	prev := ""
	for _, e := range f.auditEntries() {
		actions = append(actions, e.Action)
		if e.PrevHash != prev {
			t.Errorf("entry %d: prev_hash %q, want the previous entry's hash %q", e.ID, e.PrevHash, prev)
		}
		prev = e.Hash
	}
	wantActions := "user.create dict.create param.set param.set user.create user.update user.sessions_end"
	if got := strings.Join(actions, " "); got != wantActions {
		t.Errorf("actions = %s, want %s", got, wantActions)
	}
	last := f.lastAudit()
	if last.Username != "root" || last.UserID != f.admin.UserID || last.RecordKind != "user" || last.IP != "192.0.2.1" || last.RequestID != "req-test" {
		t.Errorf("last entry = %+v, want root's user.sessions_end with IP and request ID", last)
	}
	if !last.Time.Equal(f.clock.Now()) {
		t.Errorf("entry time = %v, want the App clock %v", last.Time, f.clock.Now())
	}

	st, err := f.Status(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Audit.OK || st.Audit.Entries != want || st.Counts["audit"] != want {
		t.Errorf("status audit = %+v, count %d; want OK with %d", st.Audit, st.Counts["audit"], want)
	}
}

// tamper runs fn on the raw audit bucket, bypassing the table and the App.
func tamper(t *testing.T, f *fixture, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := f.db.Update(fn); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestAuditDetectsEditedEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	n := auditScenario(t, f)
	tamper(t, f, func(tx *storage.Tx) error {
		key := storage.U64(3)
		var m map[string]any
		if err := json.Unmarshal(tx.Get(auditTable.Name(), key), &m); err != nil {
			return err
		}
		m["detail"] = "session.idle_minutes: 30 → 480"
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return tx.Put(auditTable.Name(), key, b)
	})
	r, err := f.VerifyAudit(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.BrokenAt != 3 || r.Problem != "audit.hash_mismatch" {
		t.Fatalf("VerifyAudit = %+v, want broken at 3 with audit.hash_mismatch", r)
	}
	if r.Entries != 3 {
		t.Errorf("entries checked = %d, want 3 (the walk stops at the first break; %d stored)", r.Entries, n)
	}
	st, err := f.Status(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if st.Audit.OK || st.Audit.BrokenAt != 3 {
		t.Errorf("status audit = %+v, want broken at 3", st.Audit)
	}
}

func TestAuditDetectsEditedHashChain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	auditScenario(t, f)
	// A forger who edits an entry and recomputes its own hash still breaks
	// the link to the next entry.
	tamper(t, f, func(tx *storage.Tx) error {
		e, err := auditTable.Get(tx, 4)
		if err != nil {
			return err
		}
		e.Detail = "forged"
		e.Hash = e.computeHash()
		return auditTable.Put(tx, e)
	})
	r, err := f.VerifyAudit(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.BrokenAt != 5 || r.Problem != "audit.hash_mismatch" {
		t.Fatalf("VerifyAudit = %+v, want broken at 5 with audit.hash_mismatch", r)
	}
}

func TestAuditDetectsRemovedEntries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		remove  func(n int) []uint64
		brokeAt func(n int) uint64
		problem string
	}{
		{"first", func(int) []uint64 { return []uint64{1} }, func(int) uint64 { return 1 }, "audit.gap"},
		{"middle", func(int) []uint64 { return []uint64{4} }, func(int) uint64 { return 4 }, "audit.gap"},
		{"last", func(n int) []uint64 { return []uint64{uint64(n)} }, func(n int) uint64 { return uint64(n) }, "audit.tail_removed"},
		{"last two", func(n int) []uint64 { return []uint64{uint64(n - 1), uint64(n)} }, func(n int) uint64 { return uint64(n - 1) }, "audit.tail_removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			n := auditScenario(t, f)
			tamper(t, f, func(tx *storage.Tx) error {
				for _, id := range tt.remove(n) {
					if err := tx.Delete(auditTable.Name(), storage.U64(id)); err != nil {
						return err
					}
				}
				return nil
			})
			r, err := f.VerifyAudit(f.admin)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.BrokenAt != tt.brokeAt(n) || r.Problem != tt.problem {
				t.Fatalf("VerifyAudit = %+v, want broken at %d with %s", r, tt.brokeAt(n), tt.problem)
			}
		})
	}
}

// A use case that fails writes neither its change nor an audit entry: the
// entry is written in the change's own transaction.
func TestAuditNoEntryForFailedUseCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clerk := f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	users0, audits0, _ := f.counts()

	failures := []struct {
		name string
		run  func() error
	}{
		{"CreateUser invalid", func() error {
			_, _, err := f.CreateUser(f.admin, UserInput{Username: "x", Name: "某某", Roles: []Role{RoleClerk}})
			return err
		}},
		{"UpdateUser unknown district", func() error {
			_, err := f.UpdateUser(f.admin, clerk.ID, UserInput{Name: "王芳", Roles: []Role{RoleClerk}, District: "999999"})
			return err
		}},
		{"UpdateUser demote self", func() error {
			_, err := f.UpdateUser(f.admin, f.admin.UserID, UserInput{Name: "系统管理员", Roles: []Role{RoleClerk}})
			return err
		}},
		{"SetParams out of range", func() error {
			return f.SetParams(f.admin, map[string]string{ParamOrgName: "新名称", ParamSessionIdle: "1"})
		}},
		{"SaveDictEntry bad code", func() error {
			_, err := f.SaveDictEntry(f.admin, DictDistrict, 0, DictInput{Code: "12345", Name: "某区"})
			return err
		}},
		{"SaveDictEntry duplicate", func() error {
			_, err := f.SaveDictEntry(f.admin, DictDistrict, 0, DictInput{Code: "110105", Name: "朝阳区", Enabled: true})
			return err
		}},
		{"EndUserSessions unknown", func() error {
			_, err := f.EndUserSessions(f.admin, 9999)
			return err
		}},
	}
	for _, tc := range failures {
		if err := tc.run(); ErrorCode(err) != EINVALID && ErrorCode(err) != ENOTFOUND {
			t.Errorf("%s: error %v, want a validation or not-found error", tc.name, err)
		}
	}
	users, audits, _ := f.counts()
	if users != users0 || audits != audits0 {
		t.Errorf("after failed use cases: %d users, %d audit entries; want %d and %d", users, audits, users0, audits0)
	}
	if u := f.storedUser("clerk.cy"); u.District != "110105" {
		t.Errorf("clerk's district = %q, want unchanged", u.District)
	}
	if got := f.ParamString(ParamOrgName); got != "住房和城乡建设委员会" {
		t.Errorf("org name = %q, want the default (nothing stored)", got)
	}
	if r, _ := f.VerifyAudit(f.admin); !r.OK {
		t.Errorf("VerifyAudit = %+v", r)
	}
}

func TestAuditLogFilterAndPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	auditScenario(t, f)
	clerk := f.storedUser("clerk.cy")

	all, next, err := f.AuditLog(f.admin, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 7 || next != 0 || all[0].ID != 7 || all[6].ID != 1 {
		t.Fatalf("AuditLog = %d entries (first %d), next %d; want 7 newest first", len(all), all[0].ID, next)
	}

	page1, next, err := f.AuditLog(f.admin, AuditFilter{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	page2, next2, err := f.AuditLog(f.admin, AuditFilter{Limit: 3, Before: next})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1) != 3 || page1[2].ID != 5 || next != 5 || len(page2) != 3 || page2[0].ID != 4 || next2 != 2 {
		t.Errorf("pages: %d (last %d) next %d, %d (first %d) next %d", len(page1), page1[2].ID, next, len(page2), page2[0].ID, next2)
	}

	params, _, _ := f.AuditLog(f.admin, AuditFilter{Action: "param."})
	if len(params) != 2 {
		t.Errorf("action param.: %d entries, want 2", len(params))
	}
	rec, _, _ := f.AuditLog(f.admin, AuditFilter{Record: "user/" + strconv.FormatUint(clerk.ID, 10)})
	if len(rec) != 3 { // create, update, sessions_end
		t.Errorf("record user/%d: %d entries, want 3", clerk.ID, len(rec))
	}
	sys, _, _ := f.AuditLog(f.admin, AuditFilter{Username: "ROOT"})
	if len(sys) != 5 {
		t.Errorf("username root: %d entries, want 5", len(sys))
	}
	future, _, _ := f.AuditLog(f.admin, AuditFilter{From: f.clock.Now().Add(1)})
	if len(future) != 0 {
		t.Errorf("from the future: %d entries", len(future))
	}
}

func TestExportAuditCSV(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	auditScenario(t, f)
	var buf bytes.Buffer
	if err := f.ExportAudit(f.admin, AuditFilter{Action: "param."}, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff")) {
		t.Error("export has no UTF-8 BOM (Excel would misread Chinese)")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "id" || rows[1][3] != "param.set" {
		t.Fatalf("rows = %q, want header and 2 param.set rows", rows)
	}
	if !strings.Contains(rows[1][5]+rows[2][5], "测试市住建委") {
		t.Errorf("details %q / %q do not show the new org name", rows[1][5], rows[2][5])
	}
	if last := f.lastAudit(); last.Action != "audit.export" || last.Username != "root" {
		t.Errorf("last entry = %s by %s, want audit.export by root", last.Action, last.Username)
	}
}

// The user filter takes part of a username (any case, any width) or of a
// user's name: a clerk looking for what 张 did found nothing, as did one
// typing "clerk" for clerk.hd.
func TestAuditUserFilterMatchesPart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.seedUser("clerk.hd", "张静", []Role{RoleClerk}, "110108", fixturePassword)
	f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	f.login("clerk.cy", fixturePassword, PortalGov)
	f.login("clerk.hd", fixturePassword, PortalGov)
	f.login("agent.zhang", fixturePassword, PortalAgency)
	// A wrong password is recorded under the account too: 张's as well.
	_, err := f.Login(PortalGov, "clerk.hd", "Wrong-Pass-2026", "192.0.2.7", "", "")
	wantError(t, err, EUNAUTHORIZED, "auth.bad_credentials")

	users := func(es []*AuditEntry) []string {
		var out []string
		for _, e := range es {
			if e.Action == "auth.login" || e.Action == "auth.login_failed" {
				out = append(out, e.Action+" "+e.Username)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"张", []string{"auth.login agent.zhang", "auth.login clerk.hd", "auth.login_failed clerk.hd"}},
		{"张伟", []string{"auth.login agent.zhang"}},
		{"clerk", []string{"auth.login clerk.cy", "auth.login clerk.hd", "auth.login_failed clerk.hd"}},
		{" CLERK.C ", []string{"auth.login clerk.cy"}},
		{"ｚｈａｎｇ", []string{"auth.login agent.zhang"}},
		{"李", nil},
	} {
		got, _, err := f.AuditLog(f.admin, AuditFilter{Username: tt.text, Action: "auth."})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(users(got), tt.want) {
			t.Errorf("user %q: %q, want %q", tt.text, users(got), tt.want)
		}
		var buf bytes.Buffer
		if err := f.ExportAudit(f.admin, AuditFilter{Username: tt.text, Action: "auth."}, &buf); err != nil {
			t.Fatal(err)
		}
		if rows := strings.Count(buf.String(), "\n") - 1; rows != len(tt.want) {
			t.Errorf("user %q: the export has %d rows, want %d\n%s", tt.text, rows, len(tt.want), buf.String())
		}
	}
}

func TestAuditDetectsUnreadableEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	auditScenario(t, f)
	tamper(t, f, func(tx *storage.Tx) error {
		return tx.Put(auditTable.Name(), storage.U64(3), []byte("{garbage"))
	})
	r, err := f.VerifyAudit(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	// Not "audit.tail_removed": the entries after it are still there.
	if r.OK || r.BrokenAt != 3 || r.Problem != "audit.hash_mismatch" {
		t.Fatalf("VerifyAudit = %+v, want broken at 3 with audit.hash_mismatch", r)
	}
}

// An entry written by a build before notes (no "note" field) still
// verifies beside entries with notes and keeps its Detail; the CSV export
// gives a note as stored (JSON) after the columns it always had.
func TestAuditEntryWithoutNoteVerifiesBesideNoted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	auditScenario(t, f) // param.set and user.update carry notes
	// The entry type and hash of the builds before notes, field for field.
	type oldEntry struct {
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
	var oldID uint64
	tamper(t, f, func(tx *storage.Tx) error {
		var head auditHead
		if err := json.Unmarshal(tx.Meta(auditHeadKey), &head); err != nil {
			return err
		}
		seq, err := tx.NextSequence(auditTable.Name())
		if err != nil {
			return err
		}
		old := oldEntry{ID: seq, Time: f.clock.Now().UTC().Truncate(time.Millisecond), UserID: f.admin.UserID, Username: "root",
			Action: "user.unlock", RecordKind: "user", RecordID: 2, Detail: "clerk.cy locked until 2026-03-01T08:30:00Z",
			IP: "192.0.2.1", PrevHash: head.Hash}
		b, _ := json.Marshal(old)
		sum := sha256.Sum256(append([]byte(old.PrevHash), b...))
		old.Hash = hex.EncodeToString(sum[:])
		raw, _ := json.Marshal(old)
		oldID = seq
		if err := tx.Put(auditTable.Name(), storage.U64(seq), raw); err != nil {
			return err
		}
		h, _ := json.Marshal(auditHead{ID: seq, Hash: old.Hash})
		return tx.SetMeta(auditHeadKey, h)
	})
	// A noted entry after it.
	if err := f.SetParams(f.admin, map[string]string{ParamSessionIdle: "60"}); err != nil {
		t.Fatal(err)
	}
	r, err := f.VerifyAudit(f.admin)
	if err != nil || !r.OK {
		t.Fatalf("VerifyAudit = %+v, %v; want OK", r, err)
	}
	var old, noted *AuditEntry
	for _, e := range f.auditEntries() {
		switch {
		case e.ID == oldID:
			old = e
		case e.Action == "param.set":
			noted = e
		}
	}
	if old == nil || old.Note != nil || old.Detail != "clerk.cy locked until 2026-03-01T08:30:00Z" {
		t.Fatalf("old entry = %+v, want its Detail and no note", old)
	}
	want := &AuditNote{Key: "audit.note.param_set", Args: []AuditArg{{Key: "param." + ParamSessionIdle}, {Text: "45"}, {Text: "60"}}}
	if noted == nil || noted.Detail != ParamSessionIdle+": 45 → 60" || !reflect.DeepEqual(noted.Note, want) {
		t.Fatalf("param.set entry = %+v, note %+v; want Detail as before and note %+v", noted, noted.Note, want)
	}

	var buf bytes.Buffer
	if err := f.ExportAudit(f.admin, AuditFilter{}, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0][len(rows[0])-1]; got != "note" {
		t.Fatalf("last CSV column %q, want note", got)
	}
	for _, row := range rows[1:] {
		switch row[0] {
		case strconv.FormatUint(oldID, 10):
			if row[5] != old.Detail || row[9] != "" {
				t.Errorf("old entry's CSV row %q, want its detail and no note", row)
			}
		case strconv.FormatUint(noted.ID, 10):
			if b, _ := json.Marshal(want); row[5] != noted.Detail || row[9] != string(b) {
				t.Errorf("noted entry's CSV row %q, want its detail and note %s", row, b)
			}
		}
	}
}
