package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"anju/app"
)

func runImportRegistry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import-registry", "FILE (CSV in UTF-8 or GB18030/GBK, or XLSX)")
	data := dataFlag(fs)
	if err := parseFlags(fs, args, 1, 1, stderr); err != nil {
		return err
	}
	path := fs.Arg(0)
	if strings.TrimSpace(path) == "" {
		// An unset shell variable ("$FILE"): os.Open said "open : no
		// such file or directory".
		return errors.New("no registry file given: anju import-registry [--data DIR] FILE (CSV in UTF-8 or GB18030/GBK, or XLSX)")
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read the registry file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if err := requireDataFile(*data); err != nil {
		return err
	}
	start := time.Now()
	last := time.Time{}
	// bar redraws the progress line at most twice a second; final draws it
	// regardless, so that a finished import does not stay shown at the
	// last throttled figure (88% on a file read in seven seconds).
	// pct < 0 is a share not known (an XLSX sheet that does not give its
	// size): the bar stays empty and the counts say how far it got.
	bar := func(pct int, counts string, final bool) {
		if !final && time.Since(last) < 500*time.Millisecond {
			return
		}
		last = time.Now()
		b := make([]byte, 30)
		for i := range b {
			b[i] = '.'
			if i < pct*30/100 {
				b[i] = '#'
			}
		}
		shown := "  ?%"
		if pct >= 0 {
			shown = fmt.Sprintf("%3d%%", pct)
		}
		// Padded so that a shorter line clears the end of the one before.
		fmt.Fprintf(stderr, "\r[%s] %s%-30s", b, shown, counts)
	}
	var rep *app.RegistryImport
	a, err := app.Open(app.Config{DataDir: *data, Version: version()})
	switch {
	case errors.Is(err, app.ErrDataLocked):
		// The platform is running: it imports the file as it arrives, so
		// the bytes sent are the progress; not so an XLSX file, which the
		// platform reads only once it has it all, hence "sent" on the bar
		// until the platform's report comes.
		fmt.Fprintln(stderr, "importing through the running platform")
		rep, err = importViaControl(ctx, *data, filepath.Base(path), &progressReader{r: f, fn: func(n int64, eof bool) {
			// All sent is drawn whatever the throttle: the platform may
			// take a while yet (an XLSX file is read only now).
			bar(app.ImportProgress{BytesRead: n}.Percent(info.Size()), "  sent to the platform", eof)
		}})
	case err != nil:
		return err
	default:
		defer a.Close()
		rep, err = a.ImportRegistry(app.SystemActor("cli import-registry"), f, filepath.Base(path), func(p app.ImportProgress) {
			bar(p.Percent(info.Size()), fmt.Sprintf("  %d rows, %d rejected", p.Rows, p.Rejected), false)
		})
	}
	if err == nil && rep != nil {
		bar(100, fmt.Sprintf("  %d rows, %d rejected", rep.Rows, rep.Rejected), true)
	}
	fmt.Fprintln(stderr)
	switch {
	case rep != nil && rep.Failed != "" && rep.Rows == 0:
		// A file refused as a whole (not a table, no header, a column
		// missing): no figures to report, only why, which follows.
		fmt.Fprintf(stdout, "import #%d of %s: nothing imported\n", rep.ID, rep.File)
	case rep != nil:
		took := time.Since(start)
		rate := float64(rep.Rows) / took.Seconds()
		kind := strings.TrimSpace(rep.Format + " " + rep.Encoding) // XLSX has no encoding
		if kind != "" {
			kind = " (" + kind + ")"
		}
		fmt.Fprintf(stdout, "import #%d of %s%s: %d rows, %d properties created, %d updated, %d unchanged, %d rows rejected, %d codes voided, %s (%.0f rows/s)\n",
			rep.ID, rep.File, kind, rep.Rows, rep.Created, rep.Updated, rep.Unchanged, rep.Rejected, rep.Voided, took.Round(time.Millisecond), rate)
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

// importViaControl sends the file to the running platform's control
// endpoint, which imports it as it reads it and answers with the report
// (and the failure's message key, if any).
func importViaControl(ctx context.Context, dataDir, name string, body io.Reader) (*app.RegistryImport, error) {
	resp, err := controlRequestBody(ctx, dataDir, "/internal/import-registry?"+url.Values{"name": {name}}.Encode(), body)
	if err != nil {
		return nil, fmt.Errorf("import through the running platform: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Report   *app.RegistryImport `json:"report"`
		ErrorKey string              `json:"error_key"`
		Error    string              `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("read the platform's answer: %w", err)
	}
	switch {
	case out.ErrorKey != "":
		return out.Report, app.Errorf(app.EINVALID, out.ErrorKey)
	case out.Error != "":
		return out.Report, errors.New(out.Error)
	}
	return out.Report, nil
}

// progressReader reports how many bytes have been read through it, and
// when the end is reached.
type progressReader struct {
	r  io.Reader
	n  int64
	fn func(n int64, eof bool)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	p.fn(p.n, err == io.EOF)
	return n, err
}

// msgEN gives the CLI a readable English text for the few file errors.
func msgEN(key string) string {
	texts := map[string]string{
		"registry.file_unknown_format":   "the file is neither CSV nor XLSX",
		"registry.file_no_header":        "the file has no header row",
		"registry.file_header_unknown":   "no header row found: none of the first rows names a known column (see the template); of an XLSX file only the first sheet is read",
		"registry.file_missing_column":   "a required column is missing (see the template: anju serve, System management → registry)",
		"registry.file_duplicate_column": "a column appears twice in the header",
		"registry.file_unreadable":       "the file cannot be read",
	}
	if t, ok := texts[key]; ok {
		return t
	}
	return key
}
