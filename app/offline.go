package app

import (
	"errors"
	"io"
	"path/filepath"
	"time"

	"anju/storage"
)

// ErrDataLocked is returned when another process (a running platform)
// holds the data file.
var ErrDataLocked = storage.ErrLocked

// ErrSchemaTooNew is returned for a data file written by a newer anju.
var ErrSchemaTooNew = storage.ErrTooNew

// ErrNotABackup is returned by Restore for a readable database that holds
// no anju data.
var ErrNotABackup = errors.New("not an anju backup")

// DataInUse reports whether another process (a running platform) holds
// the data folder's store. It only reads: a start that cannot go on (its
// port is taken) uses it to say why without touching the file.
func DataInUse(dataDir string) bool {
	db, err := storage.Open(filepath.Join(dataDir, DataFileName), storage.Options{LockTimeout: 100 * time.Millisecond, ReadOnly: true})
	if err != nil {
		return errors.Is(err, ErrDataLocked)
	}
	db.Close()
	return false
}

// BackupOffline writes a backup of the data folder's store when no
// platform runs (the CLI opens the file itself, read-only).
func BackupOffline(dataDir string, w io.Writer) (int64, error) {
	db, err := storage.Open(filepath.Join(dataDir, DataFileName), storage.Options{LockTimeout: time.Second, ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return db.Backup(w)
}
