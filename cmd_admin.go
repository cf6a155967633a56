package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"anju/app"
	"anju/ui"
)

// openApp opens the data folder for a maintenance command; a running
// platform holds the file, and the error says so.
func openApp(data string) (*app.App, error) {
	if err := requireDataFile(data); err != nil {
		return nil, err
	}
	a, err := app.Open(app.Config{DataDir: data, Version: version()})
	if errors.Is(err, app.ErrDataLocked) {
		return nil, fmt.Errorf("%w; stop it first (anju stop, or Ctrl+C where anju serve runs)", err)
	}
	return a, err
}

func runReindex(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reindex", "")
	data := dataFlag(fs)
	if err := parseFlags(fs, args, 0, 0, stderr); err != nil {
		return err
	}
	a, err := openApp(*data)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if err := a.Reindex(app.SystemActor("cli reindex")); err != nil {
		return err
	}
	st := a.IndexStatus()
	fmt.Fprintf(stdout, "search index rebuilt: %d documents in %s\n", st.Documents, time.Since(start).Round(time.Millisecond))
	return nil
}

func runResetPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reset-password", "USER")
	data := dataFlag(fs)
	if err := parseFlags(fs, args, 1, 1, stderr); err != nil {
		return err
	}
	user := fs.Arg(0)
	if err := requireDataFile(*data); err != nil {
		return err
	}
	var (
		password string
		disabled bool
	)
	a, err := app.Open(app.Config{DataDir: *data, Version: version()})
	switch {
	case errors.Is(err, app.ErrDataLocked):
		resp, cerr := controlRequest(ctx, *data, "/internal/reset-password?user="+url.QueryEscape(user))
		if cerr != nil {
			return fmt.Errorf("reset password of %q: %w", user, cerr)
		}
		defer resp.Body.Close()
		var out struct {
			Password string
			Disabled bool
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return err
		}
		password, disabled = out.Password, out.Disabled
	case err != nil:
		return err
	default:
		defer a.Close()
		var u *app.User
		u, password, err = a.ResetPasswordByName(app.SystemActor("cli reset-password"), user)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return fmt.Errorf("no user %q", user)
		}
		if err != nil {
			return err
		}
		disabled = u.Disabled
	}
	fmt.Fprintf(stdout, "New one-time password of %s: %s\nThe account is unlocked, its sessions ended; the password must be changed at next sign-in.\n", user, password)
	if disabled {
		// Else the officer hands over the password and the user reads
		// "this account is disabled" at the sign-in page.
		fmt.Fprintf(stdout, "Note: %s is disabled and still cannot sign in: a system administrator enables it again in System management → Users (untick \"Disable this account\").\n", user)
	}
	return nil
}

func runAuditVerify(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit-verify", "")
	data := dataFlag(fs)
	if err := parseFlags(fs, args, 0, 0, stderr); err != nil {
		return err
	}
	a, err := openApp(*data)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.VerifyAudit(app.SystemActor("cli audit-verify"))
	if err != nil {
		return err
	}
	if !r.OK {
		// The problem in words (it was its message key) and what to do.
		return fmt.Errorf("audit chain BROKEN at entry %d: %s (%d entries read). The log was changed outside anju: keep this data file as it is for investigation, and compare with a backup written before (restore it into another folder with anju restore --data OTHER FILE)",
			r.BrokenAt, ui.ConsoleMessage(r.Problem), r.Entries)
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries\n", r.Entries)
	return nil
}

// requireDataFile refuses to run a maintenance command on a folder without
// a data file, rather than silently creating an empty platform there.
// A folder this user may not read is told as such: an officer who forgot
// sudo before anju reset-password --data /var/lib/anju (0700, owned by the
// service account) was told there was no data file and to check --data.
func requireDataFile(data string) error {
	_, err := os.Stat(filepath.Join(data, app.DataFileName))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot read the data folder %s: permission denied; run this command with sudo, or as the account the platform runs under (sudo -u anju …)", data)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no data file %s in %s (wrong --data?)", app.DataFileName, data)
	default:
		return fmt.Errorf("data file: %w", err)
	}
}
