package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/search"
	"anju/storage"
)

// searchSchema lists every document type in the index. Bump Version when a
// type or field changes: the index is then rebuilt from the store at start.
var searchSchema = search.Schema{Version: 17, Types: []search.DocType{userDocType, verificationDocType,
	agencyDocType, practitionerDocType, contractDocType, filingDocType}}

// indexedKind turns one stored record into its search document. Every
// table declared with Outbox: true has an entry here.
type indexedKind struct {
	docType string
	load    func(tx *storage.Tx, id uint64) (search.Doc, error) // storage.ErrNotFound = deleted
	each    func(tx *storage.Tx, fn func(search.Doc) error) error
}

var indexedKinds = map[string]indexedKind{
	userTable.Name():           tableKind(userTable, "user", userDoc),
	verificationTable.Name():   tableKind(verificationTable, "verification", verificationDoc),
	agencyTable.Name():         tableKind(agencyTable, "agency", agencyDoc),
	practitionerTable.Name():   practitionerKind,
	contractTable.Name():       tableKind(contractTable, "contract", contractDoc),
	contractFilingTable.Name(): tableKind(contractFilingTable, "filing", filingDoc),
}

func tableKind[T any](t *storage.Table[T], docType string, doc func(*T) search.Doc) indexedKind {
	return indexedKind{
		docType: docType,
		load: func(tx *storage.Tx, id uint64) (search.Doc, error) {
			v, err := t.Get(tx, id)
			if err != nil {
				return search.Doc{}, err
			}
			return doc(v), nil
		},
		each: func(tx *storage.Tx, fn func(search.Doc) error) error {
			return t.Each(tx, false, func(v *T) (bool, error) { return true, fn(doc(v)) })
		},
	}
}

// docID is a record's document ID: its type and its ID zero-padded to 20
// digits ("verification/00000000000000000042"), so that document IDs sort
// as the records' IDs do. Record IDs come from a sequence, so sorting by
// "-_id" is newest first, and it is by far the cheapest order bleve has: a
// segment keeps each document's ID uncompressed at the head of its stored
// fields, while a Date or Keyword sort decompresses a doc-value chunk per hit
// (about 100 ms against 2 ms for an agency's 4,275 verifications among
// 1,000,000).
func docID(docType string, id uint64) string {
	b := make([]byte, 0, len(docType)+21)
	b = append(b, docType...)
	b = append(b, '/')
	n := strconv.AppendUint(nil, id, 10)
	for range 20 - len(n) {
		b = append(b, '0')
	}
	return string(append(b, n...))
}

func parseDocID(s string) (uint64, bool) {
	_, n, ok := strings.Cut(s, "/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(n, 10, 64)
	return id, err == nil
}

// indexer applies outbox notes to the index. One goroutine at a time
// applies (mu); a rebuild runs in the background while the UI says search
// is rebuilding.
type indexer struct {
	a          *App
	mu         sync.Mutex
	rebuilding atomic.Bool
	wake       chan struct{}
	lastErr    atomic.Value // string
	done       chan struct{}
	stopOnce   sync.Once
}

const indexBatch = 500

// indexCoalesce is how long the index loop waits after a poke before it
// applies the pending notes, so that one bleve batch takes many of them.
const indexCoalesce = 100 * time.Millisecond

func newIndexer(a *App) *indexer {
	return &indexer{a: a, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (ix *indexer) stop() {
	ix.stopOnce.Do(func() { close(ix.done) })
	ix.mu.Lock() // wait for a running batch or rebuild
	ix.mu.Unlock()
}

// catchUp applies every pending note. During a rebuild it does nothing: the
// rebuild applies the notes that arrived meanwhile when it ends.
func (ix *indexer) catchUp() error {
	if ix.rebuilding.Load() {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for {
		n, err := ix.applyBatch()
		if err != nil {
			ix.lastErr.Store(err.Error())
			return err
		}
		if n < indexBatch {
			ix.lastErr.Store("")
			return nil
		}
	}
}

// applyInBackground applies the pending notes on a goroutine that holds
// the indexer's lock from before it returns. Loading the demo uses it: its
// thousands of leases, verifications and filings take seconds of CPU to
// index, which a demo start should not wait for, while every list (searchPage applies
// pending notes under the same lock) and Close (stop takes the lock) wait
// until they are in the index, so nothing ever sees or keeps a partial
// index.
func (ix *indexer) applyInBackground() {
	if ix.rebuilding.Load() {
		return // the rebuild applies the notes written meanwhile when it ends
	}
	ix.mu.Lock()
	go func() {
		defer ix.mu.Unlock()
		for {
			n, err := ix.applyBatch()
			if err != nil {
				ix.lastErr.Store(err.Error())
				ix.a.log.Error("index in the background", "err", err)
				return
			}
			if n < indexBatch {
				ix.lastErr.Store("")
				return
			}
		}
	}()
}

func (ix *indexer) applyBatch() (int, error) {
	a := ix.a
	last, err := a.ix.LastApplied()
	if err != nil {
		return 0, err
	}
	notes, err := a.db.Notes(last, indexBatch)
	if err != nil || len(notes) == 0 {
		return 0, err
	}
	var puts []search.Doc
	var dels []string
	err = a.db.View(func(tx *storage.Tx) error {
		for _, n := range notes {
			k, ok := indexedKinds[n.Kind]
			if !ok {
				continue
			}
			doc, err := k.load(tx, n.ID)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				dels = append(dels, docID(k.docType, n.ID))
			case err != nil:
				return err
			default:
				puts = append(puts, doc)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	seq := notes[len(notes)-1].Seq
	if err := a.ix.ApplyUpTo(puts, dels, seq); err != nil {
		return 0, fmt.Errorf("apply index batch: %w", err)
	}
	if err := a.db.TrimNotes(seq); err != nil {
		return 0, err
	}
	return len(notes), nil
}

// rebuild refills the index from every indexed table. Notes written while
// it runs are applied afterwards, so nothing committed is missed.
func (ix *indexer) rebuild() error {
	ix.rebuilding.Store(true)
	defer ix.rebuilding.Store(false)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.stopping() {
		// Stopped before the rebuild began (a start that failed or was
		// stopped at once): the index may be closed already.
		return errRebuildStopped
	}
	a := ix.a
	start := time.Now()
	if err := a.ix.Reset(); err != nil {
		return err
	}
	var seq uint64
	count := 0
	err := a.db.View(func(tx *storage.Tx) error {
		// The outbox sequence read in the same read transaction as the
		// records: every note after it is for a change not yet seen here.
		seq = tx.Sequence("outbox")
		for _, k := range indexedKinds {
			var batch []search.Doc
			err := k.each(tx, func(d search.Doc) error {
				if ix.stopping() {
					return errRebuildStopped
				}
				batch = append(batch, d)
				count++
				if len(batch) == indexBatch {
					err := a.ix.Apply(batch, nil)
					batch = batch[:0]
					return err
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := a.ix.Apply(batch, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		ix.lastErr.Store(err.Error())
		return fmt.Errorf("rebuild index: %w", err)
	}
	if err := a.ix.SetLastApplied(seq); err != nil {
		return err
	}
	a.log.Info("search index rebuilt", "documents", count, "took", time.Since(start).Round(time.Millisecond))
	for {
		n, err := ix.applyBatch()
		if err != nil {
			return err
		}
		if n < indexBatch {
			return nil
		}
	}
}

// poke asks the loop to apply pending notes soon, without waiting: used on
// hot write paths (verifications) where the request should not wait for
// the index.
func (ix *indexer) poke() {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

func (ix *indexer) rebuildInBackground() {
	ix.rebuilding.Store(true)
	go func() {
		err := ix.rebuild()
		switch {
		case errors.Is(err, errRebuildStopped):
			ix.a.log.Info("search index rebuild stopped with the platform; it starts again at the next start")
		case err != nil:
			ix.a.log.Error("rebuild index", "err", err)
		}
	}()
}

// errRebuildStopped ends a rebuild when the platform stops. A rebuild of a
// million records takes minutes, longer than a service manager waits for a
// stop (systemd kills anju after 30 s); abandoned, the index is marked
// unfilled and the next start rebuilds it.
var errRebuildStopped = errors.New("index rebuild stopped")

// stopping reports whether stop has been called.
func (ix *indexer) stopping() bool {
	select {
	case <-ix.done:
		return true
	default:
		return false
	}
}

// loop retries pending notes periodically, in case an apply after commit
// failed (a full disk, say).
func (ix *indexer) loop(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ix.done:
			return
		case <-t.C:
		case <-ix.wake:
			// Let the notes of a burst of writes gather first. Every
			// apply is a bleve batch, hence a new segment that scorch
			// persists and merges again and again: applied after each
			// group commit of verifications (a few notes each), that work
			// took about 60% of a serving instance's CPU at 1,000
			// verifications/s. Lists do not wait for it: searchPage
			// applies pending notes itself before searching.
			select {
			case <-time.After(indexCoalesce):
			case <-ctx.Done():
				return
			case <-ix.done:
				return
			}
		}
		if err := ix.catchUp(); err != nil {
			ix.a.log.Error("index catch-up", "err", err)
		}
	}
}

// Reindex rebuilds the whole index from the store (`anju reindex`).
func (a *App) Reindex(actor Actor) error {
	if err := actor.require(PermStatusView); err != nil {
		return err
	}
	if err := a.indexer.rebuild(); err != nil {
		return err
	}
	return a.update(func(tx *storage.Tx) error { return a.audit(tx, actor, "index.rebuild", "", 0, "") })
}

// SearchRebuilding reports whether a full rebuild is under way; lists may
// then be incomplete and the UI says so.
func (a *App) SearchRebuilding() bool { return a.indexer.rebuilding.Load() }

// loadHits loads each hit from the store in one read transaction (the
// store is the source of truth; the index only finds).
func (a *App) loadHits(hits []search.Hit, load func(tx *storage.Tx, id uint64) error) error {
	return a.db.View(func(tx *storage.Tx) error {
		for _, h := range hits {
			if id, ok := parseDocID(h.ID); ok {
				if err := load(tx, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// pageInfo describes the page returned by searchPage.
type pageInfo struct{ Total, Page, Pages int }

// searchPage runs a query for one page and loads each hit from the store
// in one read transaction (the store is the source of truth). A page past
// the last is the last.
func (a *App) searchPage(q search.Query, page, size int, load func(tx *storage.Tx, id uint64) error) (pageInfo, error) {
	if size <= 0 || size > 100 {
		size = 20
	}
	if page < 1 {
		page = 1
	}
	q.From, q.Size = (page-1)*size, size
	// Apply pending notes first so that a list shows what was just saved
	// (cheap when nothing is pending).
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before search", "err", err)
	}
	res, err := a.ix.Search(q)
	if err != nil {
		return pageInfo{}, fmt.Errorf("search %s: %w", q.Type, err)
	}
	pages := max((int(res.Total)+size-1)/size, 1)
	if page > pages && res.Total > 0 {
		// A page past the end (a list that shrank, an edited address)
		// shows the last one rather than "9 / 5" over an empty table.
		return a.searchPage(q, pages, size, load)
	}
	err = a.loadHits(res.Hits, load)
	return pageInfo{Total: int(res.Total), Page: page, Pages: pages}, err
}
