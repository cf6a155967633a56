package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anju/app"
	"anju/storage"
	"anju/ui"
)

// TestBackupCommand: `anju backup -o FILE` writes a copy that opens, with
// the platform stopped and while it runs; an existing file of that name is
// replaced (nightly scripts reuse one), but never the data file itself.
func TestBackupCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initDataFolder(t, dir)
	out := filepath.Join(t.TempDir(), "nightly.db")
	var stdout, stderr bytes.Buffer
	for range 2 { // the second run replaces the first file
		if err := run(context.Background(), []string{"backup", "--data", dir, "-o", out}, &stdout, &stderr); err != nil {
			t.Fatalf("backup: %v\n%s", err, stderr.String())
		}
	}
	if !strings.Contains(stdout.String(), "opened the data file") {
		t.Errorf("output:\n%s", stdout.String())
	}
	opensAsData(t, out)

	live := filepath.Join(dir, app.DataFileName)
	before, err := os.ReadFile(live)
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"backup", "--data", dir, "-o", live}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "is the data file itself") {
		t.Fatalf("backup over the data file: %v", err)
	}
	if after, _ := os.ReadFile(live); !bytes.Equal(before, after) {
		t.Fatal("the refused backup changed the data file")
	}

	// -o a folder writes a dated file into it; a folder that does not
	// exist is named as such.
	folder := t.TempDir()
	stdout.Reset()
	if err := run(context.Background(), []string{"backup", "--data", dir, "-o", folder}, &stdout, &stderr); err != nil {
		t.Fatalf("backup into a folder: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(folder, "anju-*.db"))
	if len(files) != 1 || !strings.Contains(stdout.String(), files[0]) {
		t.Fatalf("backup into a folder wrote %v; output %q", files, stdout.String())
	}
	opensAsData(t, files[0])
	missing := filepath.Join(folder, "nas", "anju.db")
	err = run(context.Background(), []string{"backup", "--data", dir, "-o", missing}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "folder "+filepath.Dir(missing)+" does not exist") {
		t.Fatalf("backup into a missing folder: %v", err)
	}

	// A folder without a data file (a forgotten or mistyped --data) is
	// told as the other commands tell it, naming the flag.
	empty := t.TempDir()
	err = run(context.Background(), []string{"backup", "--data", empty, "-o", folder}, &stdout, &stderr)
	if want := "no data file anju.db in " + empty + " (wrong --data?)"; err == nil || err.Error() != want {
		t.Fatalf("backup of a folder without a data file: %v, want %q", err, want)
	}

	p := startPlatform(t, false)
	stdout.Reset()
	if err := run(context.Background(), []string{"backup", "--data", p.Config.DataDir, "-o", out}, &stdout, &stderr); err != nil {
		t.Fatalf("backup while serving: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "from the running platform") {
		t.Errorf("output:\n%s", stdout.String())
	}
	opensAsData(t, out)
}

// TestBackupCommandPlatformCopyFails: when the running platform's copy
// fails half way, `anju backup` fails and leaves no file (nor its .tmp)
// behind, rather than a shorter one that looks like a backup; failing
// before the first byte, it says so too.
func TestBackupCommandPlatformCopyFails(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	for limit, says := range map[int64]string{3 * 4096: "copy broke off after 8192 bytes", 100: "could not write the backup"} {
		p.App.BreakBackupsAfter(limit)
		out := filepath.Join(t.TempDir(), "nightly.db")
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"backup", "--data", p.Config.DataDir, "-o", out}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("break after %d: %v, want it to say %q; output %s", limit, err, says, stdout.String())
		}
		for _, f := range []string{out, out + ".tmp"} {
			if st, serr := os.Stat(f); serr == nil {
				t.Errorf("break after %d: %s left behind (%d bytes)", limit, f, st.Size())
			}
		}
	}
}

// opensAsData checks a backup file opens as a data folder's file.
func opensAsData(t *testing.T, file string) {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, app.DataFileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(app.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreCommandMessages: only a restore refused because the platform
// runs is told to stop it; a damaged file is told what is wrong, not to
// stop a service that may not be running.
func TestRestoreCommandMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initDataFolder(t, dir)
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"restore", "--data", dir, junk}, &stdout, &stderr)
	if err == nil || strings.Contains(err.Error(), "stop") {
		t.Fatalf("restore of a non-database file: %v", err)
	}

	p := startPlatform(t, false)
	backup := filepath.Join(t.TempDir(), "b.db")
	if err := run(context.Background(), []string{"backup", "--data", p.Config.DataDir, "-o", backup}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"restore", "--data", p.Config.DataDir, backup}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("restore while serving: %v", err)
	}
}

// TestRestoreCommandWithoutData: a restore without --data, from a folder
// with no ./data, is refused with the flag named, rather than a new
// platform made in ./data that the running service never reads; with
// --data naming a new folder (a new machine) it restores there, named in
// full.
func TestRestoreCommandWithoutData(t *testing.T) {
	// Not parallel: it changes the working directory (a developer's own
	// ./data must never be the target).
	src := t.TempDir()
	initDataFolder(t, src)
	backup := filepath.Join(t.TempDir(), "b.db")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--data", src, "-o", backup}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANJU_DATA", "")
	cwd := t.TempDir()
	t.Chdir(cwd)
	err := run(context.Background(), []string{"restore", backup}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no data file anju.db in data") || !strings.Contains(err.Error(), "--data /var/lib/anju") {
		t.Errorf("restore without --data: %v, want a refusal naming --data", err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "data")); !os.IsNotExist(err) {
		t.Errorf("restore without --data made ./data (%v)", err)
	}

	stdout.Reset()
	if err := run(context.Background(), []string{"restore", "--data", "newdata", backup}, &stdout, &stderr); err != nil {
		t.Fatalf("restore into a new folder named with --data: %v", err)
	}
	if want := "into " + filepath.Join(cwd, "newdata") + ";"; !strings.Contains(stdout.String(), want) {
		t.Errorf("restore says %q, want the folder in full (%q)", stdout.String(), want)
	}
}

// TestAuditVerifyCommandSaysWhatIsWrong: a broken chain is told in words,
// with what to do, not as a message key.
func TestAuditVerifyCommandSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := app.Open(app.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.BootstrapAdmin(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"audit-verify", "--data", dir}, &stdout, &stderr); err != nil {
		t.Fatalf("audit-verify of an intact chain: %v", err)
	}
	// Edit the first entry's detail behind anju's back.
	db, err := storage.Open(filepath.Join(dir, app.DataFileName), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *storage.Tx) error {
		raw := tx.Get("audit", storage.U64(1))
		if raw == nil {
			t.Fatal("no audit entry 1")
		}
		var e map[string]any
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		e["detail"] = "edited"
		b, _ := json.Marshal(e)
		return tx.Put("audit", storage.U64(1), b)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"audit-verify", "--data", dir}, &stdout, &stderr)
	if err == nil {
		t.Fatal("audit-verify passed an edited entry")
	}
	for _, want := range []string{"BROKEN at entry 1", "an entry was altered", "keep this data file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "audit.") {
		t.Errorf("error %q shows a message key", err)
	}
}

// TestResetPasswordCommandSaysTheAccountIsDisabled: a new one-time password
// does not let a disabled account in; the console says so, with the
// platform stopped and through the running one.
func TestResetPasswordCommandSaysTheAccountIsDisabled(t *testing.T) {
	t.Parallel()
	seed := func(dir string) {
		a, err := app.Open(app.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		for _, in := range []app.UserInput{
			{Username: "gone.clerk", Name: "离职录入员", Roles: []app.Role{app.RoleClerk}, Disabled: true},
			{Username: "live.clerk", Name: "在职录入员", Roles: []app.Role{app.RoleClerk}},
		} {
			if _, _, err := a.CreateUser(app.SystemActor("test"), in); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(how, dir string) {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"reset-password", "--data", dir, "gone.clerk"}, &out, &errOut); err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if !strings.Contains(out.String(), "gone.clerk is disabled and still cannot sign in") {
			t.Errorf("%s: output does not say the account is disabled:\n%s", how, out.String())
		}
		out.Reset()
		if err := run(context.Background(), []string{"reset-password", "--data", dir, "live.clerk"}, &out, &errOut); err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if strings.Contains(out.String(), "disabled") {
			t.Errorf("%s: an enabled account is called disabled:\n%s", how, out.String())
		}
		// An empty name (an unset shell variable) is no such user, not an
		// internal error.
		err := run(context.Background(), []string{"reset-password", "--data", dir, ""}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), `no user ""`) && !strings.Contains(err.Error(), `reset password of "": No such user.`) {
			t.Errorf("%s: reset-password of an empty name: %v, want No such user", how, err)
		}
	}
	dir := t.TempDir()
	seed(dir)
	check("offline", dir)

	p := startPlatform(t, false)
	if err := p.Close(); err != nil { // seed the running platform's folder
		t.Fatal(err)
	}
	seed(p.Config.DataDir)
	if err := p.Open(); err != nil {
		t.Fatal(err)
	}
	check("through the running platform", p.Config.DataDir)
}

// TestBackupCommandWhilePlatformStarts: anju backup while the data file is
// held by a process that has no control file (a platform still starting,
// anju reindex) says so and when to try again, instead of sending the
// officer to run it as the service's user.
func TestBackupCommandWhilePlatformStarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initDataFolder(t, dir)
	a, err := app.Open(app.Config{DataDir: dir}) // holds the lock, as a start does
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"backup", "--data", dir, "-o", filepath.Join(t.TempDir(), "b.db")}, &stdout, &stderr)
	if err == nil {
		t.Fatal("backup of a held data file succeeded")
	}
	for _, want := range []string{"does not take commands yet", "still starting", "try again once it serves"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "service's user") {
		t.Errorf("error %q names a permission problem there is not", err)
	}
}

// TestBackupCommandWhileStartingAfterACrash: after a crash the control
// file of the run that crashed is still there, and names the address the
// new start answers on with its "starting" page; anju backup then says the
// platform is starting and when to try again, not "503 Service Unavailable".
func TestBackupCommandWhileStartingAfterACrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initDataFolder(t, dir)
	a, err := app.Open(app.Config{DataDir: dir}) // holds the lock, as a start does
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	starting, err := ui.Starting()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(starting)
	defer srv.Close()
	b, _ := json.Marshal(controlInfo{URL: srv.URL, Token: "of-the-run-that-crashed", PID: 1})
	if err := os.WriteFile(filepath.Join(dir, controlFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"backup", "--data", dir, "-o", filepath.Join(t.TempDir(), "b.db")},
		{"reset-password", "admin", "--data", dir},
	} {
		err = run(context.Background(), args, io.Discard, io.Discard)
		if err == nil {
			t.Fatalf("%s of a data file held by a start succeeded", args[0])
		}
		for _, want := range []string{"still starting", "try again once it serves"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("anju %s: error %q does not say %q", args[0], err, want)
			}
		}
	}
}

// TestCommandsOnAnUnreadableDataFolder: an officer who forgets sudo before
// a command on the service's data folder (0700, the service account's) is
// told he may not read it and what to run instead, not that there is no
// data file and his --data may be wrong.
func TestCommandsOnAnUnreadableDataFolder(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads every folder: run this test as another user")
	}
	dir := t.TempDir()
	initDataFolder(t, dir)
	if err := os.Chmod(dir, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	out := filepath.Join(t.TempDir(), "b.db")
	csv := filepath.Join(t.TempDir(), "registry.csv")
	if err := os.WriteFile(csv, []byte("cert_no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"reset-password", "--data", dir, "admin"},
		{"backup", "--data", dir, "-o", out},
		{"reindex", "--data", dir},
		{"audit-verify", "--data", dir},
		{"apikey", "create", "--data", dir, "Platform A"},
		{"import-registry", "--data", dir, csv},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "cannot read the data folder "+dir+": permission denied; run this command with sudo") ||
			strings.Contains(err.Error(), "wrong --data") {
			t.Errorf("anju %s on a folder this user may not read: %v", args[0], err)
		}
	}
}
