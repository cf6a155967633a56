package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"anju/search"
	"anju/storage"
)

// Config says where the data lives and how the App reports.
type Config struct {
	DataDir string // holds anju.db, index/ and backups/
	Logger  *slog.Logger
	Version string
	Now     func() time.Time // for tests; default time.Now
	// NoIndexWait leaves a needed index rebuild to the background (serve);
	// otherwise Open rebuilds before returning (CLI and tests).
	NoIndexWait bool
}

// File names inside the data folder.
const (
	DataFileName = "anju.db"
	IndexDirName = "index"
	BackupDir    = "backups"
)

// App is the running domain: the store, the index and the rules.
type App struct {
	db      *storage.DB
	ix      *search.Index
	log     *slog.Logger
	now     func() time.Time
	dataDir string
	version string
	started time.Time
	params  params
	indexer *indexer
	// connectorFailures counts registry connector failures since start
	// (system status).
	connectorFailures atomic.Int64
	backupBreakAfter  atomic.Int64 // tests only: BreakBackupsAfter
	backupProblem     atomic.Pointer[BackupProblem]
	httpClient        *http.Client
	imports           sync.Map    // registry import ID -> *importJob while running
	usage             apiUsage    // API key use counters not yet written
	keyCache          apiKeyCache // API keys as AuthenticateAPIKey reads them (apikey_cache.go)
	dicts             dictCache
	premises          premisesCache                           // agencies as the distribution page reads them (premises.go)
	directory         dirCache                                // public directory pages until the index changes (directory.go)
	credit            creditCache                             // public credit views until credit changes (credit_public.go)
	listed            listedCache                             // subjects on a list now, for the directory (creditlist_query.go)
	auditChain        auditChain                              // how far the audit chain was found whole (audit_chain.go)
	announcements     announceCache                           // announcements public now (announcement_public.go)
	codeCipher        atomic.Pointer[vcodeCipher]             // the data file's verification code key (vcode_id.go)
	checkMemo         *storage.Memo[Verification, checkFacts] // the public check's facts (public_check.go)
}

// Open opens (creating if needed) the data folder: the store is migrated to
// this binary's schema, and the search index is opened and brought up to
// date, or rebuilt from the store when it is missing or of another version.
func Open(cfg Config) (*App, error) { return OpenContext(context.Background(), cfg) }

// OpenContext is Open that gives up between its steps once ctx ends (an
// officer's Ctrl+C, a service stop during a long migration), returning an
// error that Is ctx.Err(), with the store and the index closed. A step
// under way ends first: a migration commits or rolls back whole, so the
// file is never left half migrated, and the next start goes on.
func OpenContext(ctx context.Context, cfg Config) (*App, error) {
	a := &App{log: cfg.Logger, now: cfg.Now, dataDir: cfg.DataDir, version: cfg.Version,
		httpClient: &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 16}},
		checkMemo:  storage.NewMemo(verificationTable, checkMemoSize, newCheckFacts)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.started = a.now()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	db, err := storage.Open(filepath.Join(cfg.DataDir, DataFileName), storage.Options{LockTimeout: time.Second})
	if err != nil {
		return nil, err
	}
	a.db = db
	a.removeLeftoverTemps()
	if err := a.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.View(a.params.load); err != nil {
		db.Close()
		return nil, fmt.Errorf("load parameters: %w", err)
	}
	if err := ctx.Err(); err != nil {
		db.Close()
		return nil, fmt.Errorf("start stopped before the search index was opened: %w", err)
	}
	ix, res, err := search.Open(filepath.Join(cfg.DataDir, IndexDirName), searchSchema)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open search index: %w", err)
	}
	a.ix = ix
	a.indexer = newIndexer(a)
	if res.Rebuild {
		a.log.Warn("search index will be rebuilt from the store", "reason", res.Reason)
		if cfg.NoIndexWait {
			a.indexer.rebuildInBackground()
		} else if err := a.indexer.rebuild(); err != nil {
			a.Close()
			return nil, err
		}
	} else if err := a.indexer.catchUp(); err != nil {
		a.Close()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		a.Close()
		return nil, fmt.Errorf("start stopped after the search index was opened: %w", err)
	}
	return a, nil
}

// Close stops the indexer and closes the index and the store.
func (a *App) Close() error {
	a.flushAPIUsage(true)
	a.auditChain.stop()
	if a.indexer != nil {
		a.indexer.stop()
	}
	var errs []error
	if a.ix != nil {
		errs = append(errs, a.ix.Close())
	}
	if a.db != nil {
		errs = append(errs, a.db.Close())
	}
	return errors.Join(errs...)
}

// Run does the periodic work of a serving instance until ctx ends: the
// indexer, scheduled backups, the sweep of idle sessions and warming the
// premises map's cache. It returns only when all of that work has stopped,
// so that Close, called next, never closes the index or the store under a
// backup or a daily job still writing (a stop right after start found the
// start-up backup half way and logged its failure as an error).
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { a.indexer.loop(ctx) })
	wg.Go(func() { a.backupLoop(ctx) })
	wg.Go(func() { a.apiKeyLoop(ctx) })
	wg.Go(func() { a.contractExpiryLoop(ctx) }) // contract_lifecycle.go
	wg.Go(func() { a.creditLoop(ctx) })         // credit_expiry.go: records expire, automatic applications
	wg.Go(func() { a.listLoop(ctx) })           // creditlist.go: list entries expire
	wg.Go(func() { a.auditChainLoop(ctx) })     // audit_chain.go: the whole chain at start and daily
	wg.Go(func() {
		if err := a.keepEarlierTexts(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("keep the texts of contracts signed earlier", "err", err)
		}
	})
	// Decode the agencies for the premises map now rather than on its
	// first request (a few hundred ms with 10,000 agencies).
	wg.Go(func() {
		if err := a.WarmPremisesCache(); err != nil && ctx.Err() == nil {
			a.log.Warn("warm premises cache", "err", err)
		}
	})
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.sweepSessions(); err != nil {
				a.log.Error("sweep sessions", "err", err)
			} else if n > 0 {
				a.log.Info("idle sessions ended", "count", n)
			}
		}
	}
}

// update runs fn in one write transaction and then applies its outbox
// notes to the index, so that lists show a change as soon as it is saved.
// A failure to index is logged, not returned: the change is committed and
// the indexer retries from the outbox.
func (a *App) update(fn func(*storage.Tx) error) error {
	if err := a.db.Update(fn); err != nil {
		return err
	}
	if err := a.indexer.catchUp(); err != nil {
		if errors.Is(err, search.ErrClosed) {
			// The platform is stopping (an import or a request that
			// outlived the shutdown's grace period): not a fault. The
			// note stays in the outbox, and Open applies it at the next
			// start.
			a.log.Info("index after commit: platform stopping; the index catches up at the next start")
			return nil
		}
		a.log.Error("index after commit", "err", err)
	}
	return nil
}

// Version is the binary's version.
func (a *App) Version() string { return a.version }

// DataDir is the data folder.
func (a *App) DataDir() string { return a.dataDir }

// Now is the App's clock (tests set it), for pages that show what is
// possible at this moment.
func (a *App) Now() time.Time { return a.now() }
