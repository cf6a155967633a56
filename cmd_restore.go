package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"anju/app"
)

func runRestore(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", "BACKUP-FILE")
	data := dataFlag(fs)
	if err := parseFlags(fs, args, 1, 1, stderr); err != nil {
		return err
	}
	from := fs.Arg(0)
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	res, err := app.Restore(*data, from, time.Now())
	if errors.Is(err, app.ErrDataLocked) {
		return fmt.Errorf("restore: %w; stop it first (anju stop, or Ctrl+C where anju serve runs)", err)
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if res.KeptAside != "" {
		fmt.Fprintf(stdout, "current data file kept at %s\n", res.KeptAside)
	}
	// Open once: migrates if needed, rebuilds the index now rather than at
	// the next start, and records the restore in the audit log.
	a, err := app.Open(app.Config{DataDir: *data, Version: version()})
	if err != nil {
		return fmt.Errorf("open restored data: %w", err)
	}
	defer a.Close()
	if err := a.RecordRestore(from, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s (schema %d) into %s; search index rebuilt. Start the platform again (anju start for the service, or anju serve)\n", from, res.SchemaVersion, *data)
	return nil
}
