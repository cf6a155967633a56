package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	// Restoring into a folder without a data file is right on a new
	// machine, named with --data. Without --data (nor ANJU_DATA) it was an
	// officer who forgot it: the restore went into ./data of wherever he
	// stood, said "restored ... into data", and the platform he then
	// started still had the old data.
	given := os.Getenv("ANJU_DATA") != ""
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "data" })
	if !given {
		if err := requireDataFile(*data); err != nil {
			return fmt.Errorf("restore: %w: give the platform's data folder, e.g. --data /var/lib/anju (to restore onto a new machine, name its new folder with --data)", err)
		}
	}
	if abs, err := filepath.Abs(*data); err == nil {
		*data = abs // the folder is named in full in what this command says
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
