package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"anju/storage"
)

// WriteBackup writes a consistent copy of the store to w while the platform
// keeps serving. The copy never contains the search index (it is rebuilt
// from the store). The backup is audited with its file name (name; the
// console's copy, named on the console's side, with who made it).
func (a *App) WriteBackup(actor Actor, name string, w io.Writer) (int64, error) {
	return a.WriteBackupTo(actor, name, func(int64) io.Writer { return w })
}

// WriteBackupTo is WriteBackup with the copy's exact length told to open
// before its first byte: a download declares it, so that a copy that fails
// half way cannot be taken for a whole backup. When it fails with nothing
// written (n == 0), nothing has been sent and an error can still be shown.
func (a *App) WriteBackupTo(actor Actor, name string, open func(size int64) io.Writer) (int64, error) {
	if err := actor.require(PermBackup); err != nil {
		return 0, err
	}
	// The audit entry goes in first so that the copy records its own making.
	action := "backup.download"
	if actor.System {
		action = "backup.write" // scheduled or from the CLI
	}
	detail := cmp.Or(name, actor.Username)
	if err := a.update(func(tx *storage.Tx) error {
		return a.audit(tx, actor, action, "", 0, detail)
	}); err != nil {
		return 0, err
	}
	n, err := a.db.BackupTo(func(size int64) io.Writer {
		w := open(size)
		if limit := a.backupBreakAfter.Load(); limit > 0 {
			w = &breakingWriter{w: w, left: limit}
		}
		return w
	})
	if err != nil {
		a.auditBackupFailed(actor, action, detail, n, err)
	}
	return n, err
}

// auditBackupFailed follows the entry of a backup copy that then failed
// with one saying so: that entry, written before the copy so that the copy
// holds it, cannot know the outcome, and alone it read as a backup taken
// (a download broken off half way, a scheduled backup on a full disk).
func (a *App) auditBackupFailed(actor Actor, action, detail string, sent int64, cause error) {
	detail = fmt.Sprintf("%s: broken off after %d bytes: %v", detail, sent, cause)
	if err := a.update(func(tx *storage.Tx) error {
		return a.audit(tx, actor, action+"_failed", "", 0, detail)
	}); err != nil {
		a.log.Error("audit a failed backup", "action", action, "detail", detail, "err", err)
	}
}

// BreakBackupsAfter makes every later backup copy (a kept backup's
// download too) fail once it has written n bytes (0: never), as a disk
// read error half way through the data file would. Only for tests of
// what a user receives then: nothing else calls it.
func (a *App) BreakBackupsAfter(n int64) { a.backupBreakAfter.Store(n) }

// breakingWriter refuses the write that would take it past its limit.
type breakingWriter struct {
	w    io.Writer
	left int64
}

func (b *breakingWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > b.left {
		return 0, errors.New("backup copy broken off (test)")
	}
	b.left -= int64(len(p))
	return b.w.Write(p)
}

// BackupFile is a scheduled backup kept in data/backups.
type BackupFile struct {
	Name    string
	Size    int64
	Created time.Time
}

const backupPrefix, backupSuffix = "anju-", ".db"

func (a *App) backupDir() string { return filepath.Join(a.dataDir, BackupDir) }

// Backups lists the kept backups, newest first.
func (a *App) Backups(actor Actor) ([]BackupFile, error) {
	if err := actor.require(PermBackup); err != nil {
		return nil, err
	}
	list, err := listBackups(a.backupDir())
	if err != nil {
		// The page still opens, saying why no backup can be listed (or
		// written): an internal-error page would hide it from the sysadmin.
		err = fmt.Errorf("scheduled backup: read %s: %w", a.backupDir(), err)
		a.log.Error("list backups", "err", err)
		a.backupProblem.Store(&BackupProblem{At: a.now(), Err: err.Error()})
		return nil, nil
	}
	return list, nil
}

func listBackups(dir string) ([]BackupFile, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []BackupFile
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, BackupFile{Name: name, Size: info.Size(), Created: info.ModTime()})
	}
	slices.SortFunc(out, func(x, y BackupFile) int { return strings.Compare(y.Name, x.Name) })
	return out, nil
}

// OpenBackup opens a kept backup for download; name must be one listed.
func (a *App) OpenBackup(actor Actor, name string) (*os.File, error) {
	if err := actor.require(PermBackup); err != nil {
		return nil, err
	}
	list, err := listBackups(a.backupDir())
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(list, func(b BackupFile) bool { return b.Name == name }) {
		return nil, Errorf(ENOTFOUND, "backup.not_found")
	}
	if err := a.update(func(tx *storage.Tx) error {
		return a.audit(tx, actor, "backup.download", "", 0, name)
	}); err != nil {
		return nil, err
	}
	return os.Open(filepath.Join(a.backupDir(), name))
}

// SendBackup copies a kept backup (OpenBackup) to the writer open returns,
// told the file's exact length before the first byte as WriteBackupTo
// does; a copy that fails is audited as failed. When it fails with nothing
// written (n == 0), nothing has been sent and an error can still be shown.
func (a *App) SendBackup(actor Actor, name string, open func(size int64) io.Writer) (int64, error) {
	f, err := a.OpenBackup(actor, name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		a.auditBackupFailed(actor, "backup.download", name, 0, err)
		return 0, err
	}
	w := open(st.Size())
	if limit := a.backupBreakAfter.Load(); limit > 0 {
		w = &breakingWriter{w: w, left: limit}
	}
	n, err := io.Copy(w, f)
	if err != nil {
		a.auditBackupFailed(actor, "backup.download", name, n, err)
	}
	return n, err
}

// BackupProblem is the failure of the last scheduled backup, kept until
// one succeeds: the log alone would leave a sysadmin reading "a backup is
// taken every 24 hours" beside a list that stopped growing days ago.
type BackupProblem struct {
	At  time.Time
	Err string
}

// ScheduledBackupProblem returns the failure of the last scheduled backup,
// nil when it succeeded (or none was tried since start).
func (a *App) ScheduledBackupProblem(actor Actor) (*BackupProblem, error) {
	if err := actor.require(PermBackup); err != nil {
		return nil, err
	}
	return a.backupProblem.Load(), nil
}

// ScheduledBackup writes one backup into data/backups and removes the
// oldest beyond the retention count. The file is written under a temporary
// name and renamed, so a listed backup is always complete. Its failure is
// kept for the Backups and System status pages until one succeeds.
func (a *App) ScheduledBackup() (BackupFile, error) {
	b, err := a.scheduledBackup()
	if err != nil {
		a.backupProblem.Store(&BackupProblem{At: a.now(), Err: err.Error()})
	} else {
		a.backupProblem.Store(nil)
	}
	return b, err
}

func (a *App) scheduledBackup() (BackupFile, error) {
	dir := a.backupDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return BackupFile{}, err
	}
	name := backupPrefix + a.now().Format("20060102-150405") + backupSuffix
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return BackupFile{}, err
	}
	n, err := a.WriteBackup(SystemActor("schedule"), name, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return BackupFile{}, fmt.Errorf("scheduled backup: %w", err)
	}
	list, err := listBackups(dir)
	if err != nil {
		return BackupFile{}, err
	}
	keep := a.ParamInt(ParamBackupKeep)
	for i := keep; i < len(list); i++ {
		if err := os.Remove(filepath.Join(dir, list[i].Name)); err != nil {
			a.log.Error("remove old backup", "file", list[i].Name, "err", err)
		}
	}
	return BackupFile{Name: name, Size: n, Created: a.now()}, nil
}

// restoreTempName is the file Restore prepares beside the data file.
const restoreTempName = DataFileName + ".restore.tmp"

// restoreTempStale is how long a restore's temporary file must have gone
// unwritten before a start removes it: anju restore copies into it without
// holding the data file's lock, and a copy under way writes it constantly.
const restoreTempStale = time.Minute

// UploadTempPattern names (os.CreateTemp) the file an uploaded registry
// export is saved to in the data folder while it is imported.
const UploadTempPattern = "upload-*.tmp"

// removeLeftoverTemps removes what an interrupted backup (a crash, a full
// disk, a killed process) or restore left in the data folder: a scheduled
// backup's backups/anju-*.db.tmp and anju.db.restore.tmp, each as large as
// the data file, never listed nor restorable; and an uploaded registry
// export (upload-*.tmp, hundreds of MB for a district) whose import a stop
// cut short. Called by Open with the data file locked: no other anju then
// serves this folder, so no backup is being written into backups/ (this
// process starts its own later, and anju backup without a running
// platform holds the lock for its whole copy) and no upload is imported.
func (a *App) removeLeftoverTemps() {
	remove := func(path string, info os.FileInfo) {
		if err := os.Remove(path); err != nil {
			a.log.Warn("remove a leftover temporary file", "file", path, "err", err)
			return
		}
		a.log.Info("removed a leftover temporary file of an interrupted backup, restore or upload", "file", path, "bytes", info.Size())
	}
	entries, _ := os.ReadDir(a.backupDir())
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix+".tmp") {
			continue
		}
		if info, err := e.Info(); err == nil {
			remove(filepath.Join(a.backupDir(), name), info)
		}
	}
	uploads, _ := filepath.Glob(filepath.Join(a.dataDir, UploadTempPattern))
	for _, path := range uploads {
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			remove(path, info)
		}
	}
	path := filepath.Join(a.dataDir, restoreTempName)
	if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() && time.Since(info.ModTime()) >= restoreTempStale {
		remove(path, info)
	}
}

// backupLoop takes a backup whenever the newest kept one is older than the
// interval parameter (0 turns scheduled backups off). Checking every minute
// against the newest file, rather than sleeping for the interval, survives
// restarts and parameter changes.
func (a *App) backupLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if hours := a.ParamInt(ParamBackupHours); hours > 0 {
			list, err := listBackups(a.backupDir())
			if err != nil {
				// An unreadable backups folder would otherwise stop the
				// schedule without a word.
				err = fmt.Errorf("scheduled backup: read %s: %w", a.backupDir(), err)
				a.log.Error("scheduled backup", "err", err)
				a.backupProblem.Store(&BackupProblem{At: a.now(), Err: err.Error()})
			}
			if err == nil && (len(list) == 0 || a.now().Sub(list[0].Created) >= time.Duration(hours)*time.Hour) {
				if b, err := a.ScheduledBackup(); err != nil {
					a.log.Error("scheduled backup", "err", err)
				} else {
					a.log.Info("scheduled backup written", "file", b.Name, "bytes", b.Size)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	SchemaVersion int
	KeptAside     string // where the replaced data file was moved ("" if none)
}

// Restore puts a backup in place of the data file; the platform must be
// stopped (the data file's lock is checked). The backup is copied to a
// temporary file, checked, migrated to this binary's schema, and only then
// renamed over the data file; the current file is kept aside first. The
// index folder is removed so that it is rebuilt from the restored store.
func Restore(dataDir, backupPath string, now time.Time) (RestoreResult, error) {
	var res RestoreResult
	version, err := storage.CheckFile(backupPath)
	if err != nil {
		return res, fmt.Errorf("backup %s is not usable: %w", backupPath, err)
	}
	if version == 0 {
		// A bbolt file with no schema version was never opened by anju (the
		// search index's root.bolt, another program's database): migrating
		// it would put an empty platform in place of the bureau's data.
		return res, fmt.Errorf("backup %s is %w: it holds no anju data; choose a file written by anju backup, the Backups page or DATA/backups", backupPath, ErrNotABackup)
	}
	if version > SchemaVersion() {
		return res, fmt.Errorf("backup %s has schema %d, newer than this anju (%d): %w", backupPath, version, SchemaVersion(), storage.ErrTooNew)
	}
	res.SchemaVersion = version
	dataPath := filepath.Join(dataDir, DataFileName)
	if _, err := os.Stat(dataPath); err == nil {
		// Fails with ErrLocked if the platform is running.
		db, err := storage.Open(dataPath, storage.Options{LockTimeout: time.Second, ReadOnly: true})
		if err != nil {
			return res, err
		}
		db.Close()
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return res, err
	}
	tmp := filepath.Join(dataDir, restoreTempName)
	if err := storage.CopyFile(backupPath, tmp); err != nil {
		return res, err
	}
	db, err := storage.Open(tmp, storage.Options{LockTimeout: time.Second})
	if err == nil {
		_, err = db.Migrate(migrations)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("prepare restored file: %w", err)
	}
	if _, err := os.Stat(dataPath); err == nil {
		res.KeptAside = dataPath + ".before-restore-" + now.Format("20060102-150405")
		// A hard link keeps the current file under its new name while it
		// stays in place, so that the rename below replaces it in one
		// step: a restore cut short (a crash, a power cut) never leaves
		// the folder without a data file, on which the next start would
		// create an empty platform and a new administrator. Where the file
		// system has no links, it is moved aside as before.
		if err := os.Link(dataPath, res.KeptAside); err != nil {
			if err := os.Rename(dataPath, res.KeptAside); err != nil {
				os.Remove(tmp)
				return res, fmt.Errorf("keep current data file aside: %w", err)
			}
		}
	}
	if restoreBeforeReplace != nil {
		restoreBeforeReplace()
	}
	if err := os.Rename(tmp, dataPath); err != nil {
		return res, fmt.Errorf("put backup in place (current file kept at %s): %w", res.KeptAside, err)
	}
	if err := os.RemoveAll(filepath.Join(dataDir, IndexDirName)); err != nil {
		return res, fmt.Errorf("remove old index: %w", err)
	}
	return res, nil
}

// restoreBeforeReplace, when set (tests), runs between keeping the current
// file aside and putting the backup in its place.
var restoreBeforeReplace func()

// RecordRestore writes the audit entry of a restore into the restored
// store (called by the CLI after Restore, with the store opened).
func (a *App) RecordRestore(from string, res RestoreResult) error {
	return a.update(func(tx *storage.Tx) error {
		return a.audit(tx, SystemActor("restore"), "backup.restore", "", 0, from)
	})
}
