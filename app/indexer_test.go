package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

// searchNames returns the usernames SearchUsers finds for q, as sysadmin.
func searchNames(t *testing.T, f *fixture, q UserQuery) []string {
	t.Helper()
	page, err := f.SearchUsers(f.admin, q)
	if err != nil {
		t.Fatalf("SearchUsers(%+v): %v", q, err)
	}
	names := make([]string, 0, len(page.Users))
	for _, u := range page.Users {
		names = append(names, u.Username)
	}
	slices.Sort(names)
	return names
}

func TestSearchFindsNewUserByOneChineseCharacter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.hd", "陈静", []Role{RoleClerk}, "110108", fixturePassword)
	if _, _, err := f.CreateUser(f.admin, UserInput{Username: "zhangxm", Name: "张晓梅", Roles: []Role{RoleClerk}, District: "110105"}); err != nil {
		t.Fatal(err)
	}
	// Right after CreateUser returns, no waiting: the index is caught up
	// after commit.
	for _, q := range []string{"梅", "晓", "张", "晓梅", "张晓梅", "zhangxm", "ZHANGXM"} {
		if got := searchNames(t, f, UserQuery{Text: q}); !slices.Equal(got, []string{"zhangxm"}) {
			t.Errorf("search %q = %v, want [zhangxm]", q, got)
		}
	}
	if got := searchNames(t, f, UserQuery{Text: "李"}); len(got) != 0 {
		t.Errorf("search 李 = %v, want nothing", got)
	}
	if st := f.IndexStatus(); st.Lag != 0 || st.LastError != "" {
		t.Errorf("index status = %+v, want no lag", st)
	}
}

// The user list finds an account by part of its username: a part
// between dots, or a beginning, as the search box's "user name" promises.
func TestSearchUsersByPartOfUsername(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.hd", "陈静", []Role{RoleClerk}, "110108", fixturePassword)
	f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	f.seedUser("agent.zhangxh", "张小红", []Role{RoleAgent}, "", fixturePassword)
	f.seedUser("jg11010120240001", "何娜", []Role{RoleAgencyAdmin}, "", fixturePassword)
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"zhang", []string{"agent.zhang", "agent.zhangxh"}},
		{"agent.zh", []string{"agent.zhang", "agent.zhangxh"}},
		{"AGENT.ZHANGX", []string{"agent.zhangxh"}},
		{"agent.zhang", []string{"agent.zhang", "agent.zhangxh"}},
		{"jg1101", []string{"jg11010120240001"}},
		{"hd", []string{"clerk.hd"}},
		{"cle", []string{"clerk.hd"}},
		{"zhangy", nil},
		{"张", []string{"agent.zhang", "agent.zhangxh"}},
	} {
		if got := searchNames(t, f, UserQuery{Text: tt.q}); !slices.Equal(got, tt.want) {
			t.Errorf("search %q = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestSearchUsersFiltersAndPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.seedUser("reviewer", "李强", []Role{RoleReviewer}, "110105", fixturePassword)
	f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	off := f.seedUser("leader", "赵敏", []Role{RoleViewer}, "", fixturePassword)
	if _, err := f.UpdateUser(f.admin, off.ID, UserInput{Name: "赵敏", Roles: []Role{RoleViewer}, Disabled: true}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		q    UserQuery
		want []string
	}{
		{UserQuery{Role: RoleClerk}, []string{"clerk.cy"}},
		{UserQuery{Portal: PortalAgency}, []string{"agent.zhang"}},
		{UserQuery{Status: "disabled"}, []string{"leader"}},
		{UserQuery{Status: "active", Portal: PortalGov}, []string{"clerk.cy", "reviewer", "root"}},
		{UserQuery{Text: "测试经纪"}, []string{"agent.zhang"}}, // agency name
		{UserQuery{Text: "敏", Status: "active"}, []string{}},
	}
	for _, tt := range tests {
		if got := searchNames(t, f, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("SearchUsers(%+v) = %v, want %v", tt.q, got, tt.want)
		}
	}

	page, err := f.SearchUsers(f.admin, UserQuery{Page: 2, Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 5 || page.Pages != 3 || page.Page != 2 || len(page.Users) != 2 ||
		page.Users[0].Username != "leader" || page.Users[1].Username != "reviewer" {
		t.Errorf("page 2 of 2 = total %d, pages %d, users %v", page.Total, page.Pages, page.Users)
	}
}

func TestIndexRebuiltAfterIndexFolderDeleted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.seedUser("agent.zhang", "张伟", []Role{RoleAgent}, "", fixturePassword)
	f.close()
	if err := os.RemoveAll(filepath.Join(f.dir, IndexDirName)); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	if got := searchNames(t, f, UserQuery{Text: "芳"}); !slices.Equal(got, []string{"clerk.cy"}) {
		t.Errorf("after rebuild, search 芳 = %v", got)
	}
	if got := searchNames(t, f, UserQuery{}); len(got) != 3 {
		t.Errorf("after rebuild, %d users listed, want 3", len(got))
	}
	// Three users and the agent's agency.
	st := f.IndexStatus()
	if st.Rebuilding || st.Documents != 4 || st.Lag != 0 || st.LastApplied != st.LastNote {
		t.Errorf("index status = %+v, want 4 documents and no lag", st)
	}
}

func TestIndexRebuiltWhenDamaged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.close()
	meta := filepath.Join(f.dir, IndexDirName, "index_meta.json")
	if err := os.WriteFile(meta, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	if got := searchNames(t, f, UserQuery{Text: "王"}); !slices.Equal(got, []string{"clerk.cy"}) {
		t.Errorf("after a damaged index, search 王 = %v", got)
	}
}

// A crash between the commit and the index update loses nothing: the note
// stays in the outbox and is applied at the next start.
func TestIndexCatchesUpFromOutboxAtOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Write a user as a workflow would, without the after-commit catch-up.
	err := f.db.Update(func(tx *storage.Tx) error {
		u := &User{Username: "late", Name: "迟到者", Roles: []Role{RoleClerk}, Created: f.now()}
		_, err := userTable.Insert(tx, u)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := f.IndexStatus(); st.Lag != 1 || st.Documents != 1 {
		t.Fatalf("index status = %+v, want 1 pending note and only root indexed", st)
	}
	f.close() // as if the process died before applying the note
	f.reopen()
	// Open applied the note before returning, before any search.
	if st := f.IndexStatus(); st.Lag != 0 || st.Documents != 2 {
		t.Errorf("after reopening: index status = %+v, want 2 documents and no lag", st)
	}
	if got := searchNames(t, f, UserQuery{Text: "迟"}); !slices.Equal(got, []string{"late"}) {
		t.Errorf("after reopening, search 迟 = %v, want [late]", got)
	}
	st := f.IndexStatus()
	if st.Lag != 0 || st.LastApplied == 0 || st.LastApplied != st.LastNote {
		t.Errorf("index status = %+v, want caught up", st)
	}
	notes, err := f.db.Notes(0, 0)
	if err != nil || len(notes) != 0 {
		t.Errorf("outbox holds %d notes (%v), want them trimmed after applying", len(notes), err)
	}
}

func TestReindex(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	clerk2 := f.seedUser("clerk.hd", "陈静", []Role{RoleClerk}, "110108", fixturePassword)
	// Remove a user behind the indexer's back, outbox note and all: only a
	// rebuild from the store can drop its document.
	err := f.db.Update(func(tx *storage.Tx) error {
		if err := userTable.Delete(tx, clerk2.ID); err != nil {
			return err
		}
		return tx.Delete("outbox", storage.U64(tx.Sequence("outbox")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if page, err := f.SearchUsers(f.admin, UserQuery{}); err != nil || page.Total != 3 {
		t.Fatalf("before Reindex: total %d, %v; want the stale document counted", page.Total, err)
	}
	if err := f.Reindex(f.admin); err != nil {
		t.Fatal(err)
	}
	if got := searchNames(t, f, UserQuery{}); !slices.Equal(got, []string{"clerk.cy", "root"}) {
		t.Errorf("after Reindex: %v", got)
	}
	st := f.IndexStatus()
	if st.Rebuilding || st.Documents != 2 || st.Lag != 0 {
		t.Errorf("index status = %+v", st)
	}
	if e := f.lastAudit(); e.Action != "index.rebuild" || e.Username != "root" {
		t.Errorf("last audit entry = %+v", e)
	}
	if f.SearchRebuilding() {
		t.Error("SearchRebuilding after Reindex returned")
	}
}

func TestStatusFigures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.login("clerk.cy", fixturePassword, PortalGov)
	if _, err := f.ScheduledBackup(); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(90 * time.Minute)
	st, err := f.Status(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if st.SchemaVersion != SchemaVersion() || st.DataFileSize <= 0 || st.Counts["users"] != 2 || st.Sessions != 1 ||
		st.Counts["dict"] != len(defaultCertTypes)+len(defaultIDTypes)+len(demoDistricts) ||
		!st.Audit.OK || st.Index.Documents != 2 || st.Index.Lag != 0 || st.LastBackup == nil || st.Uptime != 90*time.Minute {
		t.Errorf("status = %+v", st)
	}
	if err := f.Ping(); err != nil {
		t.Error(err)
	}
}

// TestWriteAfterIndexClosedCatchesUpAtNextStart: a change committed while
// the platform stops (the index already closed: a request or an import
// that outlived the shutdown) is not an error in the log, and is found by
// search after the next start, from the outbox.
func TestWriteAfterIndexClosedCatchesUpAtNextStart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	logs := &syncBuffer{}
	f.App.log = slog.New(slog.NewTextHandler(logs, nil))
	if err := f.ix.Close(); err != nil {
		t.Fatal(err)
	}
	f.seedUser("late.clerk", "晚到", []Role{RoleClerk}, "110105", fixturePassword)
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a write while stopping logged an error:\n%s", logs)
	}
	f.close()
	f.reopen()
	if got := searchNames(t, f, UserQuery{Text: "晚到"}); !slices.Equal(got, []string{"late.clerk"}) {
		t.Errorf("after the next start, search 晚到 = %v, want [late.clerk]", got)
	}
}

// TestStopDuringRebuild: a platform stopped while its index is rebuilt in
// the background (minutes for a million records, longer than systemd
// waits) abandons the rebuild instead of finishing it, without an error in
// the log; the next start sees the unfinished index and rebuilds it, and
// search finds every record.
func TestStopDuringRebuild(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	logs := &syncBuffer{}
	f.App.log = slog.New(slog.NewTextHandler(logs, nil))
	f.indexer.stop() // what Close does first
	f.indexer.rebuildInBackground()
	// The same, begun only once Close has closed the index too.
	f.indexer.rebuildInBackground()
	if err := f.ix.Close(); err != nil {
		t.Fatal(err)
	}
	f.indexer.rebuildInBackground()
	// Until the rebuild's end is logged ("rebuilt" or "rebuild stopped").
	for i := 0; i < 1000 && !strings.Contains(logs.String(), "search index rebuil"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	if strings.Contains(out, "level=ERROR") || !strings.Contains(out, "search index rebuild stopped with the platform") {
		t.Errorf("log of a rebuild under a stop:\n%s", out)
	}
	if strings.Contains(out, "search index rebuilt") {
		t.Errorf("the rebuild went on to the end after the stop:\n%s", out)
	}
	f.close()
	f.reopen()
	if got := searchNames(t, f, UserQuery{Text: "王芳"}); !slices.Equal(got, []string{"clerk.cy"}) {
		t.Errorf("after the next start, search 王芳 = %v, want [clerk.cy]", got)
	}
}
