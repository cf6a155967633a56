package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"anju/app"
)

func runImportRegistry(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import-registry", "FILE (CSV in UTF-8 or GB18030/GBK, or XLSX)")
	data := dataFlag(fs)
	if err := parseFlags(fs, args, 1, 1, stderr); err != nil {
		return err
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	a, err := openApp(*data)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	last := time.Time{}
	rep, err := a.ImportRegistry(app.SystemActor("cli import-registry"), f, filepath.Base(path), func(p app.ImportProgress) {
		if time.Since(last) < 500*time.Millisecond {
			return
		}
		last = time.Now()
		pct := 100
		if info.Size() > 0 {
			pct = int(p.BytesRead * 100 / info.Size())
		}
		bar := make([]byte, 30)
		for i := range bar {
			bar[i] = '.'
			if i < pct*30/100 {
				bar[i] = '#'
			}
		}
		fmt.Fprintf(stderr, "\r[%s] %3d%%  %d rows, %d rejected", bar, pct, p.Rows, p.Rejected)
	})
	fmt.Fprintln(stderr)
	if rep != nil {
		took := time.Since(start)
		rate := float64(rep.Rows) / took.Seconds()
		fmt.Fprintf(stdout, "import #%d of %s (%s %s): %d rows, %d properties created, %d updated, %d rows rejected, %d codes voided, %s (%.0f rows/s)\n",
			rep.ID, rep.File, rep.Format, rep.Encoding, rep.Rows, rep.Created, rep.Updated, rep.Rejected, rep.Voided, took.Round(time.Millisecond), rate)
		if rep.Rejected > 0 {
			fmt.Fprintln(stdout, "the report of rejected rows (row number and reason) is in System management → 产权登记数据")
		}
	}
	if e, ok := app.AsError(err); ok {
		msg := msgEN(e.Key)
		if rep != nil && len(rep.FailedCols) > 0 {
			msg += ": " + strings.Join(rep.FailedCols, ", ")
		}
		return errors.New(msg)
	}
	return err
}

// msgEN gives the CLI a readable English text for the few file errors.
func msgEN(key string) string {
	texts := map[string]string{
		"registry.file_unknown_format":   "the file is neither CSV nor XLSX",
		"registry.file_no_header":        "the file has no header row",
		"registry.file_missing_column":   "a required column is missing (see the template: anju serve, System management → registry)",
		"registry.file_duplicate_column": "a column appears twice in the header",
		"registry.file_unreadable":       "the file cannot be read",
	}
	if t, ok := texts[key]; ok {
		return t
	}
	return key
}
