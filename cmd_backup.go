package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"anju/app"
)

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "")
	data := dataFlag(fs)
	out := fs.String("o", "", "write the backup to this file, or into this folder as anju-YYYYMMDD-HHMMSS.db (required)")
	if err := parseFlags(fs, args, 0, 0, stderr); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(stderr, "anju backup: -o FILE is required")
		fs.Usage()
		return errUsage
	}
	// The same words as the other commands: an officer who forgot --data
	// read "no data file in data: stat data/anju.db: no such file or
	// directory", with no hint of the flag.
	if err := requireDataFile(*data); err != nil {
		return err
	}
	live, err := os.Stat(filepath.Join(*data, app.DataFileName))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// A folder (a NAS mount in a nightly job) gets a dated file, named as
	// the scheduled backups are; before, the rename onto the folder failed
	// with "file exists".
	if st, err := os.Stat(*out); err == nil && st.IsDir() {
		*out = filepath.Join(*out, "anju-"+time.Now().Format("20060102-150405")+".db")
	} else if st, err := os.Stat(filepath.Dir(*out)); err != nil || !st.IsDir() {
		return fmt.Errorf("backup: folder %s does not exist; create it or choose another -o", filepath.Dir(*out))
	}
	// An existing file is replaced (a script may reuse one name), but
	// never the data file itself: the rename would put the copy over it.
	if cur, err := os.Stat(*out); err == nil && os.SameFile(cur, live) {
		return fmt.Errorf("backup: %s is the data file itself; write the backup to another file", *out)
	}
	// Written under a temporary name, renamed when complete: a failed
	// backup never leaves a file that looks like a good one.
	tmp := *out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	start := time.Now()
	var n int64
	how := "from the running platform"
	// A running platform announces itself in its control file: ask it
	// first rather than wait for the data file's lock to time out.
	if _, serr := os.Stat(filepath.Join(*data, controlFile)); serr == nil {
		n, err = backupViaControl(ctx, *data, f)
	}
	if n == 0 {
		if _, serr := f.Seek(0, io.SeekStart); serr == nil {
			_ = f.Truncate(0)
		}
		n, err = app.BackupOffline(*data, f)
		how = "opened the data file"
	}
	if errors.Is(err, app.ErrDataLocked) {
		// The platform is running: ask it to write the copy.
		if _, serr := f.Seek(0, io.SeekStart); serr == nil {
			_ = f.Truncate(0)
		}
		n, err = backupViaControl(ctx, *data, f)
		how = "from the running platform"
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, *out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup written to %s (%d bytes, %s, %s)\n", *out, n, how, time.Since(start).Round(time.Millisecond))
	return nil
}

// controlRequest calls an /internal/ endpoint of the platform running on
// this data folder, as announced in its control file.
func controlRequest(ctx context.Context, dataDir, path string) (*http.Response, error) {
	return controlRequestBody(ctx, dataDir, path, nil)
}

// controlRequestBody is controlRequest with a request body (a file the
// running platform reads as it arrives).
func controlRequestBody(ctx context.Context, dataDir, path string, body io.Reader) (*http.Response, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, controlFile))
	if errors.Is(err, os.ErrNotExist) {
		// A platform writes its control file once it serves; until then
		// (migrations, demo data) the lock is held with none, as it is by
		// the commands that need the platform stopped. Asking for the
		// service's user here sent officers after the wrong cause.
		return nil, errors.New("the data file is in use by another anju process that does not take commands yet: a platform still starting (migrating the data file, loading), or anju restore, reindex or audit-verify; try again once it serves (its log says \"anju serving\"), or when that command has ended")
	}
	if err != nil {
		return nil, fmt.Errorf("the data file is in use by another anju process, and its control file cannot be read (%v); run this command as the service's user, or stop the platform first", err)
	}
	var info controlInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("read control file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, info.URL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+info.Token)
	resp, err := controlClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the data file is in use by another anju process, which does not answer at %s: %w", info.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		if e.Error == "" {
			e.Error = resp.Status
		}
		return nil, errors.New(e.Error)
	}
	return resp, nil
}

func backupViaControl(ctx context.Context, dataDir string, w io.Writer) (int64, error) {
	resp, err := controlRequest(ctx, dataDir, "/internal/backup")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	// The platform declares the copy's length and breaks the connection
	// off when its copy fails; a short body is never a backup.
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("the platform sent %d bytes of %d", n, resp.ContentLength)
	}
	if err != nil {
		return n, fmt.Errorf("the running platform's copy broke off after %d bytes (see its log): %w", n, err)
	}
	return n, nil
}

// controlClient talks to this machine's own platform. Under --tls-cert the
// certificate names the public host, not 127.0.0.1, so it is not verified:
// the connection stays on this machine and the bearer token from the
// 0600 control file is what authorises it.
var controlClient = &http.Client{Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // local control connection, token-authenticated
}}
