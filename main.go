// Command anju is the housing rental supervision platform: one binary that
// serves the government, agency and public portals and manages its own data
// folder, installed as an OS service. Each subcommand lives in its own
// cmd_*.go file with its own flag set; main only maps errors to exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Exit codes: 0 success, 1 failure, 2 wrong usage.
const (
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks a wrong command line; the message was already printed.
var errUsage = errors.New("usage")

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := stopOnSignals(context.Background(), sigs, &hardStop{exit: os.Exit})
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(exitUsage)
	default:
		fmt.Fprintln(os.Stderr, "anju:", err)
		os.Exit(exitFailure)
	}
}

// stopOnSignals returns a context ended by the first stop signal (Ctrl+C,
// SIGTERM): the command stops cleanly, which during a long start means
// after the step under way. A second signal ends the process at once
// (hardStop): an officer who presses Ctrl+C again does not want to wait
// for a migration of minutes, and signal.NotifyContext swallowed it.
func stopOnSignals(parent context.Context, sigs <-chan os.Signal, h *hardStop) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithValue(parent, hardStopKey{}, h))
	done := make(chan struct{})
	go func() {
		for n := 0; ; n++ {
			select {
			case <-sigs:
			case <-done:
				return
			}
			if n > 0 {
				h.now()
				return
			}
			cancel()
		}
	}()
	var once sync.Once
	return ctx, func() { once.Do(func() { close(done) }); cancel() }
}

// hardStop ends the process at a second stop signal, after saying so.
// Nothing is left half written: bbolt keeps a transaction not yet
// committed (a migration under way) out of the data file, and the next
// start runs that migration again.
type hardStop struct {
	exit func(code int) // os.Exit; a test's own

	mu  sync.Mutex
	say func() // set by serve, to say it in its log; nil: a line on standard error
}

type hardStopKey struct{}

// hardStopOf is the hardStop of main's context; nil in a service's start
// (its manager stops it once, then kills it) and in most tests.
func hardStopOf(ctx context.Context) *hardStop {
	h, _ := ctx.Value(hardStopKey{}).(*hardStop)
	return h
}

func (h *hardStop) sayWith(say func()) {
	h.mu.Lock()
	h.say = say
	h.mu.Unlock()
}

func (h *hardStop) now() {
	h.mu.Lock()
	say := h.say
	h.mu.Unlock()
	if say != nil {
		say()
	} else {
		fmt.Fprintln(os.Stderr, "anju: stop signal again: exiting now")
	}
	h.exit(exitFailure)
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the platform (the default)", runServe},
		{"install", "install as an OS service with the given serve flags", runInstall},
		{"uninstall", "stop and remove the OS service (the data folder stays)", serviceAction("uninstall")},
		{"start", "start the OS service", serviceAction("start")},
		{"stop", "stop the OS service", serviceAction("stop")},
		{"status", "show whether the OS service runs", runServiceStatus},
		{"backup", "write a consistent copy of the data file (-o FILE)", runBackup},
		{"restore", "put a backup in place of the data file (service stopped)", runRestore},
		{"reindex", "rebuild the search index from the data file", runReindex},
		{"import-registry", "import the registration centre's export (CSV or XLSX)", runImportRegistry},
		{"reset-password", "give a user a new one-time password", runResetPassword},
		{"audit-verify", "check the audit log's hash chain", runAuditVerify},
		{"apikey", "create an API key for a listing platform (apikey create NAME)", runAPIKey},
		{"version", "print the version", runVersion},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runServe(ctx, nil, stdout, stderr)
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		usage(stdout)
		return nil
	}
	if len(name) > 0 && name[0] == '-' {
		// Flags without a command are flags of serve.
		return runServe(ctx, args, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "anju: unknown command %q\n\n", name)
	usage(stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Anju (安居) housing rental supervision platform")
	fmt.Fprintln(w, "\nUsage: anju <command> [flags]   (anju <command> -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
}

// parseFlags parses a command's flags, printing help or a clear error;
// extra positional arguments beyond maxArgs are a usage error.
func parseFlags(fs *flag.FlagSet, args []string, minArgs, maxArgs int, stderr io.Writer) error {
	fs.SetOutput(stderr)
	// Flags may come before or after the positional arguments
	// (anju reset-password admin --data DIR).
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if n := len(positional); n < minArgs || n > maxArgs {
		if n < minArgs {
			fmt.Fprintf(stderr, "anju %s: missing argument\n", fs.Name())
		} else {
			fmt.Fprintf(stderr, "anju %s: unexpected argument %q\n", fs.Name(), positional[maxArgs])
		}
		fs.Usage()
		return errUsage
	}
	// Re-parse so that fs.Args() holds exactly the positional arguments.
	return fs.Parse(append(positionalFlags(fs), append([]string{"--"}, positional...)...))
}

// positionalFlags returns the flags already set on fs as arguments, so a
// final parse keeps them.
func positionalFlags(fs *flag.FlagSet) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) { out = append(out, "-"+f.Name+"="+f.Value.String()) })
	return out
}

// newFlagSet makes a command's flag set with a usage line.
func newFlagSet(name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: anju %s [flags] %s\n", name, argsUsage)
		fs.PrintDefaults()
	}
	return fs
}
