package app

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/storage"
)

// fileSum returns the SHA-256 of a file, to show that it was not touched.
func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// writeBackupFile writes a hot backup of f's store to a new file.
func writeBackupFile(t *testing.T, f *fixture) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	n, err := f.WriteBackup(f.admin, "anju-test.db", out)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := out.Stat(); n <= 0 || st.Size() != n {
		t.Fatalf("backup wrote %d bytes, file has %d", n, st.Size())
	}
	return path
}

func TestBackupWhileWritingThenRestore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)

	// Another goroutine keeps creating users, each in its own transaction
	// with its index entries, outbox note and audit entry (as CreateUser,
	// minus the bcrypt cost, so that many commits race with the copy).
	var (
		mu        sync.Mutex
		committed []string
		stop      = make(chan struct{})
		done      = make(chan error, 1)
	)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			name := fmt.Sprintf("busy%04d", i)
			if _, err := f.insertUser(name, "忙碌"+name, []Role{RoleClerk}, "110108", fixturePassword); err != nil {
				done <- err
				return
			}
			mu.Lock()
			committed = append(committed, name)
			mu.Unlock()
			time.Sleep(time.Millisecond) // leave the CPU to the parallel tests
		}
	}()
	snapshot := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(committed)
	}
	stopWriter := sync.OnceValue(func() error {
		close(stop)
		return <-done
	})
	t.Cleanup(func() { stopWriter() }) // before the App closes, even on failure
	waitCommitted := func(n int) {
		deadline := time.Now().Add(time.Minute)
		for len(snapshot()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("the writer committed %d users in a minute, want %d", len(snapshot()), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitCommitted(10)
	before := snapshot()
	path := writeBackupFile(t, f)
	waitCommitted(len(before) + 10) // and more after the backup
	if err := stopWriter(); err != nil {
		t.Fatalf("writer: %v", err)
	}
	before = append(before, "root", "clerk.cy")
	all := append(snapshot(), "root", "clerk.cy")
	t.Logf("%d users committed before the backup began, %d in all", len(before), len(all))

	dir := t.TempDir()
	res, err := Restore(dir, path, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.KeptAside != "" || res.SchemaVersion != SchemaVersion() {
		t.Errorf("Restore into an empty folder = %+v", res)
	}
	r := &fixture{t: t, dir: dir, clock: f.clock, admin: f.admin}
	r.reopen()
	for _, name := range before {
		if !r.hasUser(name) {
			t.Errorf("user %s, committed before the backup began, is not in the restored store", name)
		}
	}
	restored := searchNames(t, r, UserQuery{Size: 100})
	if page, _ := r.SearchUsers(r.admin, UserQuery{}); page.Total != len(restored) {
		t.Fatalf("search total %d, listed %d: raise Size", page.Total, len(restored))
	}
	for _, name := range restored {
		if !slices.Contains(all, name) {
			t.Errorf("restored store has %s, never committed", name)
		}
	}
	if len(restored) < len(before) {
		t.Errorf("search after restore lists %d users, want at least %d (the index is rebuilt)", len(restored), len(before))
	}
	rep, err := r.VerifyAudit(r.admin)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Entries < len(before)+1 {
		t.Errorf("restored audit chain = %+v", rep)
	}
	var backedUp bool
	for _, e := range r.auditEntries() {
		backedUp = backedUp || (e.Action == "backup.download" && e.Username == "root")
	}
	if !backedUp {
		t.Error("the backup does not hold the audit entry of its own making")
	}
}

func TestRestoreKeepsCurrentFileAside(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	path := writeBackupFile(t, f)
	f.seedUser("after", "之后", []Role{RoleClerk}, "110105", fixturePassword)
	f.close()

	res, err := Restore(f.dir, path, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.KeptAside == "" || !strings.HasPrefix(filepath.Base(res.KeptAside), DataFileName+".before-restore-") {
		t.Fatalf("KeptAside = %q", res.KeptAside)
	}
	// The kept-aside file is the replaced store, records and all. (Not
	// byte-identical: Restore's lock check opens it for writing, which
	// commits an empty transaction.)
	aside, err := storage.Open(res.KeptAside, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = aside.View(func(tx *storage.Tx) error {
		if n := userTable.Count(tx); n != 3 {
			t.Errorf("kept-aside store has %d users, want 3", n)
		}
		_, err := userByName(tx, "after")
		return err
	})
	aside.Close()
	if err != nil {
		t.Errorf("kept-aside store: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, IndexDirName)); !os.IsNotExist(err) {
		t.Errorf("index folder still there after restore (%v): it must be rebuilt", err)
	}
	if _, err := os.Stat(f.dataFile() + ".restore.tmp"); !os.IsNotExist(err) {
		t.Error("temporary restore file left behind")
	}

	f.reopen()
	if !f.hasUser("clerk.cy") || f.hasUser("after") {
		t.Error("the restored store is not the backup's")
	}
	if got := searchNames(t, f, UserQuery{Text: "之后"}); len(got) != 0 {
		t.Errorf("search finds %v, a user not in the backup", got)
	}
	if got := searchNames(t, f, UserQuery{Text: "芳"}); !slices.Equal(got, []string{"clerk.cy"}) {
		t.Errorf("search 芳 after restore = %v", got)
	}
	if err := f.RecordRestore(path, res); err != nil {
		t.Fatal(err)
	}
	if e := f.lastAudit(); e.Action != "backup.restore" || e.Detail != path {
		t.Errorf("last audit entry = %+v", e)
	}
	if rep, _ := f.VerifyAudit(f.admin); !rep.OK {
		t.Errorf("audit after restore = %+v", rep)
	}
}

// newerSchemaFile writes a store that has had one migration more than this
// binary knows.
func newerSchemaFile(t *testing.T, path string) {
	t.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms := append(slices.Clone(migrations), storage.Migration{Name: "from the future", Up: func(*storage.Tx) error { return nil }})
	if _, err := db.Migrate(ms); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreRefusesBadBackups(t *testing.T) {
	t.Parallel()
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a bbolt file "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(t.TempDir(), "newer.db")
	newerSchemaFile(t, newer)

	// A bbolt database that is not anju's, such as the search index's
	// root.bolt that lies in the same folder.
	foreign := filepath.Join(t.TempDir(), "root.bolt")
	db, err := storage.Open(foreign, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *storage.Tx) error { return tx.Put("internal", []byte("k"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path string
		is         error
	}{
		{"another program's database", foreign, ErrNotABackup},
		{"not bbolt", junk, nil},
		{"empty", empty, nil},
		{"missing", filepath.Join(t.TempDir(), "nope.db"), os.ErrNotExist},
		{"newer schema", newer, ErrSchemaTooNew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
			f.close()
			before := fileSum(t, f.dataFile())
			_, err := Restore(f.dir, tt.path, f.clock.Now())
			if err == nil {
				t.Fatal("Restore accepted it")
			}
			if tt.is != nil {
				wantIs(t, err, tt.is)
			}
			if fileSum(t, f.dataFile()) != before {
				t.Error("the current data file changed")
			}
			entries, _ := os.ReadDir(f.dir)
			for _, e := range entries {
				if e.Name() != DataFileName && e.Name() != IndexDirName {
					t.Errorf("left %s in the data folder", e.Name())
				}
			}
			f.reopen()
			if !f.hasUser("clerk.cy") {
				t.Error("data lost")
			}
		})
	}
}

func TestRestoreRefusedWhileDataFileOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := writeBackupFile(t, f)
	f.seedUser("after", "之后", []Role{RoleClerk}, "110105", fixturePassword)
	_, err := Restore(f.dir, path, f.clock.Now())
	wantIs(t, err, ErrDataLocked)
	if !f.hasUser("after") {
		t.Error("the running App lost data")
	}
	if _, err := os.Stat(f.dataFile() + ".restore.tmp"); !os.IsNotExist(err) {
		t.Error("temporary restore file left behind")
	}
	// A second App on the same folder is refused the same way.
	_, err = Open(Config{DataDir: f.dir})
	wantIs(t, err, ErrDataLocked)
}

func TestBackupOffline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seedUser("clerk.cy", "王芳", []Role{RoleClerk}, "110105", fixturePassword)
	f.close()
	var buf bytes.Buffer
	n, err := BackupOffline(f.dir, &buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("BackupOffline = %d, %v (buffer %d)", n, err, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "offline.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := storage.CheckFile(path); err != nil || v != SchemaVersion() {
		t.Errorf("CheckFile = %d, %v", v, err)
	}
}

func TestScheduledBackupRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.SetParams(f.admin, map[string]string{ParamBackupKeep: "2"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for range 4 {
		b, err := f.ScheduledBackup()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, b.Name)
		f.clock.Advance(time.Hour)
	}
	list, err := f.Backups(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range list {
		got = append(got, b.Name)
		if b.Size <= 0 {
			t.Errorf("%s: size %d", b.Name, b.Size)
		}
	}
	if want := []string{names[3], names[2]}; !slices.Equal(got, want) {
		t.Errorf("kept backups = %v, want the newest two %v", got, want)
	}
	entries, _ := os.ReadDir(f.backupDir())
	if len(entries) != 2 {
		t.Errorf("backups folder holds %d files, want 2", len(entries))
	}
	if names[0] != "anju-20260302-090000.db" {
		t.Errorf("backup name = %s", names[0])
	}

	file, err := f.OpenBackup(f.admin, names[3])
	if err != nil {
		t.Fatal(err)
	}
	file.Close()
	if v, err := storage.CheckFile(filepath.Join(f.backupDir(), names[3])); err != nil || v != SchemaVersion() {
		t.Errorf("kept backup: CheckFile = %d, %v", v, err)
	}
	for _, name := range []string{names[0], "../" + DataFileName, "anju-x.db.tmp"} {
		_, err := f.OpenBackup(f.admin, name)
		wantError(t, err, ENOTFOUND, "backup.not_found")
	}
}

// TestStartRemovesLeftoverTemps: what an interrupted backup or restore left
// in the data folder (each as large as the data file) is removed at the
// next start and said in the log; kept backups stay, and so does a
// restore's file still being written.
func TestStartRemovesLeftoverTemps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.ScheduledBackup(); err != nil {
		t.Fatal(err)
	}
	kept, err := f.Backups(f.admin)
	if err != nil || len(kept) != 1 {
		t.Fatalf("kept backups = %v, %v", kept, err)
	}
	f.close()
	write := func(path string, age time.Duration) {
		t.Helper()
		if err := os.WriteFile(path, bytes.Repeat([]byte{1}, 4096), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	crashed := filepath.Join(f.dir, BackupDir, "anju-20260301-090000.db.tmp")
	restoring := filepath.Join(f.dir, DataFileName+".restore.tmp")
	upload := filepath.Join(f.dir, "upload-1089210434.tmp") // an import a stop cut short
	write(crashed, time.Second)
	write(upload, time.Second)
	write(restoring, time.Second) // a restore copying now
	open := func() string {
		t.Helper()
		logs := &bytes.Buffer{}
		a, err := Open(Config{DataDir: f.dir, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	logs := open()
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Errorf("%s is still there after a start (%v)", crashed, err)
	}
	if _, err := os.Stat(upload); !os.IsNotExist(err) {
		t.Errorf("%s is still there after a start (%v)", upload, err)
	}
	for _, file := range []string{crashed, upload} {
		if !strings.Contains(logs, "level=INFO msg=\"removed a leftover temporary file of an interrupted backup, restore or upload\" file="+file) {
			t.Errorf("the log does not name the removed file %s:\n%s", file, logs)
		}
	}
	if _, err := os.Stat(restoring); err != nil {
		t.Errorf("a restore's file written a second ago was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, BackupDir, kept[0].Name)); err != nil {
		t.Errorf("kept backup %s: %v", kept[0].Name, err)
	}

	write(restoring, time.Hour) // a restore interrupted an hour ago
	logs = open()
	if _, err := os.Stat(restoring); !os.IsNotExist(err) {
		t.Errorf("%s is still there after a start (%v)", restoring, err)
	}
	if !strings.Contains(logs, "file="+restoring) {
		t.Errorf("the log does not name the removed file:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(f.dir, BackupDir, kept[0].Name)); err != nil {
		t.Errorf("kept backup %s: %v", kept[0].Name, err)
	}
}

// TestRestoreNeverLeavesNoDataFile: at the moment between keeping the
// current file aside and putting the backup in place, the data file is
// still there, whole: a restore cut short there leaves the bureau's data
// where a start finds it, not an empty folder that a start would fill with
// a new, empty platform. (Not parallel: it sets a package hook.)
func TestRestoreNeverLeavesNoDataFile(t *testing.T) {
	f := newFixture(t)
	path := writeBackupFile(t, f)
	f.seedUser("after", "之后", []Role{RoleClerk}, "110105", fixturePassword)
	f.close()
	checked := false
	restoreBeforeReplace = func() {
		checked = true
		db, err := storage.Open(f.dataFile(), storage.Options{ReadOnly: true})
		if err != nil {
			t.Errorf("between the two steps of a restore the data file cannot be opened: %v", err)
			return
		}
		defer db.Close()
		if err := db.View(func(tx *storage.Tx) error { _, err := userByName(tx, "after"); return err }); err != nil {
			t.Errorf("between the two steps of a restore the data file is not the current one: %v", err)
		}
	}
	defer func() { restoreBeforeReplace = nil }()
	res, err := Restore(f.dir, path, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !checked || res.KeptAside == "" {
		t.Fatalf("hook ran: %t, kept aside: %q", checked, res.KeptAside)
	}
	f.reopen()
	if f.hasUser("after") {
		t.Error("the restored store is not the backup's")
	}
}
