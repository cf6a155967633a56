package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"anju/app"
	"anju/ui"
)

// runAPIKey is `anju apikey create NAME [flags]`: an API key for a listing
// platform, for scripted set-ups. Like backup, it goes through the running
// platform when one holds the data file. The key is printed alone on the
// last line, so that a script can take it with `tail -n 1`.
func runAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: anju apikey create NAME [--contact C] [--districts 110105,110108] [--rate N] [--data DIR]")
		fmt.Fprintln(w, "\nCreates an API key for a listing platform and prints it, alone, on the last line.")
		fmt.Fprintln(w, "Run `anju apikey create -h` for the flags.")
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "anju apikey: missing subcommand")
		usage(stderr)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return flag.ErrHelp
	case "create":
		return runAPIKeyCreate(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "anju apikey: unknown subcommand %q\n", args[0])
	usage(stderr)
	return errUsage
}

func runAPIKeyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("apikey create", "NAME")
	data := dataFlag(fs)
	contact := fs.String("contact", "", "contact person and phone of the platform")
	districts := fs.String("districts", "", "allowed district codes, comma-separated (empty: every district)")
	rate := fs.Int("rate", app.DefaultAPIRate, "requests per minute allowed (1–100000)")
	if err := parseFlags(fs, args, 1, 1, stderr); err != nil {
		return err
	}
	if err := requireDataFile(*data); err != nil {
		return err
	}
	in := app.APIKeyInput{Name: fs.Arg(0), Contact: *contact, RatePerMin: *rate}
	if *rate == 0 {
		in.RatePerMin = -1 // 0 is not a rate; the App reports it as out of range
	}
	for _, d := range strings.Split(*districts, ",") {
		if d = strings.TrimSpace(d); d != "" {
			in.Districts = append(in.Districts, d)
		}
	}

	type created struct {
		ID         uint64   `json:"id"`
		Name       string   `json:"name"`
		Prefix     string   `json:"prefix"`
		Districts  []string `json:"districts"`
		RatePerMin int      `json:"rate_per_min"`
		Key        string   `json:"key"`
	}
	var out created
	how := "opened the data file"
	a, err := app.Open(app.Config{DataDir: *data, Version: version()})
	switch {
	case errors.Is(err, app.ErrDataLocked):
		how = "through the running platform"
		q := url.Values{"name": {in.Name}, "contact": {in.Contact}, "districts": {strings.Join(in.Districts, ",")},
			"rate": {strconv.Itoa(in.RatePerMin)}}
		resp, cerr := controlRequest(ctx, *data, "/internal/apikey?"+q.Encode())
		if cerr != nil {
			return fmt.Errorf("create API key %q: %w", in.Name, cerr)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return fmt.Errorf("read the platform's answer: %w", err)
		}
	case err != nil:
		return err
	default:
		defer a.Close()
		k, secret, err := a.CreateAPIKey(app.SystemActor("cli apikey"), in)
		if err != nil {
			return fmt.Errorf("create API key %q: %s", in.Name, describeAppError(err))
		}
		out = created{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Districts: k.Districts, RatePerMin: k.RatePerMin, Key: secret}
	}
	scope := "every district"
	if len(out.Districts) > 0 {
		scope = "districts " + strings.Join(out.Districts, ", ")
	}
	fmt.Fprintf(stdout, "API key %d created for %q (%s): %s, %d requests per minute.\n", out.ID, out.Name, how, scope, out.RatePerMin)
	fmt.Fprintln(stdout, "Hand it to the platform now: it is shown only this once (the data file keeps its hash).")
	fmt.Fprintln(stdout, out.Key)
	return nil
}

// describeAppError says what is wrong in English, each field named, as
// the control endpoint does for the running platform.
func describeAppError(err error) string {
	e, ok := app.AsError(err)
	if !ok {
		return err.Error()
	}
	if len(e.Fields) == 0 {
		return ui.ConsoleMessage(e.Key, e.Args...)
	}
	var parts []string
	for f, k := range e.Fields {
		parts = append(parts, f+": "+ui.ConsoleMessage(k, e.FieldArgs[f]...))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}
