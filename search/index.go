// Package search owns the full-text index (bleve): the mapping of document
// types to bleve fields, the Chinese/English analyzer, indexing in batches,
// the last applied outbox sequence, queries with filters, facets, sorting and
// paging, and removing and recreating the index when its mapping is stale or
// it fails to open.
//
// It knows nothing of housing or of HTTP: callers describe their documents
// with a Schema and get IDs back, and load the records from the store. The
// index is derived data; it can always be rebuilt from the store.
//
// It must never import anju/app, anju/ui or anju/storage.
package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	berrors "go.etcd.io/bbolt/errors"
)

// Keys kept in the index with SetInternal. bleve's own keys start with "_".
var (
	keyVersion     = []byte("anju.version")
	keyLastApplied = []byte("anju.last_applied")
)

// lockTimeout bounds the wait for the index's bolt file lock, so that a
// second process fails fast instead of hanging, like the store does.
const lockTimeout = "1s"

// Doc is one document to index. ID must be unique across the index, so
// callers prefix it with the type ("user/123"). Fields not declared for Type
// are ignored. Values:
//
//	Text, Keyword, Stored: string, any integer, bool, or a slice of them
//	Number:                any integer or float, or a slice of them
//	Date, Instant:         time.Time or a slice of them; zero time = no value
//
// Pointers are followed and nil means no value; NaN, ±Inf and dates bleve
// cannot represent are skipped rather than failing the batch.
type Doc struct {
	Type   string
	ID     string
	Fields map[string]any
}

// Index is an open search index. It is safe for concurrent use; Reset and
// Close wait for calls in progress.
type Index struct {
	dir     string
	types   map[string]*docType
	version string

	mu  sync.RWMutex
	idx bleve.Index // nil once closed
}

// OpenResult tells the caller whether the index must be refilled.
type OpenResult struct {
	// Rebuild is true when Open found no usable index (missing, built with
	// another schema or mapping version, or failing to open) and created a
	// fresh, empty one: the caller must refill it from the store.
	Rebuild bool
	// Reason says why, for the log.
	Reason string
}

// Open opens the index in dir, or creates it. An index that is missing, of
// another version, or that fails to open is removed and created empty, with
// Rebuild set. Open refuses (and leaves dir alone) when dir holds files that
// are not a bleve index, or when another process has the index open.
func Open(dir string, s Schema) (*Index, OpenResult, error) {
	types, err := compileSchema(s)
	if err != nil {
		return nil, OpenResult{}, err
	}
	if _, err := buildMapping(types); err != nil { // fail on a bad schema before touching dir
		return nil, OpenResult{}, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	ix := &Index{dir: dir, types: types, version: versionString(s)}

	idx, err := openBleve(dir)
	var reason string
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		reason = "index folder does not exist"
	case errors.Is(err, berrors.ErrTimeout):
		return nil, OpenResult{}, fmt.Errorf("open search index %q: %w", dir, ErrInUse)
	case err != nil:
		reason = fmt.Sprintf("index failed to open: %v", err)
	default:
		got, gerr := idx.GetInternal(keyVersion)
		switch {
		case gerr != nil:
			reason = fmt.Sprintf("index version unreadable: %v", gerr)
		case len(got) == 0:
			reason = "index has no version (interrupted creation or not created by anju)"
		case string(got) != ix.version:
			reason = fmt.Sprintf("index version is %q, want %q", got, ix.version)
		case !filled(idx):
			reason = "index was never filled completely (an interrupted rebuild)"
		default:
			ix.idx = idx
			return ix, OpenResult{}, nil
		}
		if cerr := idx.Close(); cerr != nil {
			return nil, OpenResult{}, fmt.Errorf("close stale search index %q: %w", dir, cerr)
		}
	}

	if err := ix.create(); err != nil {
		return nil, OpenResult{}, err
	}
	return ix, OpenResult{Rebuild: true, Reason: reason}, nil
}

// filled reports whether the index was filled to a point of the store:
// SetLastApplied (or an apply up to a sequence) has been called since it
// was created. A fill that is interrupted leaves it unset, and the next
// Open starts again rather than serve part of the documents.
func filled(idx bleve.Index) bool {
	v, err := idx.GetInternal(keyLastApplied)
	return err == nil && len(v) == 8
}

// openBleve opens an existing index. bleve may panic on some corrupt files;
// that is reported as an error so that the index is rebuilt.
func openBleve(dir string) (idx bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			idx, err = nil, fmt.Errorf("panic while opening: %v", r)
		}
	}()
	return bleve.OpenUsing(dir, map[string]any{"bolt_timeout": lockTimeout})
}

// create removes whatever is in ix.dir and creates an empty index there.
// The caller holds ix.mu or is the only user of ix.
func (ix *Index) create() error {
	if err := removeIndexDir(ix.dir); err != nil {
		return err
	}
	m, err := buildMapping(ix.types)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSchema, err)
	}
	idx, err := bleve.New(ix.dir, m)
	if err != nil {
		return fmt.Errorf("create search index %q: %w", ix.dir, err)
	}
	// Written last: an index without it (a crash during creation) is
	// rebuilt on the next Open.
	if err := idx.SetInternal(keyVersion, []byte(ix.version)); err != nil {
		_ = idx.Close()
		return fmt.Errorf("write search index version: %w", err)
	}
	ix.idx = idx
	return nil
}

// indexEntries are the names bleve (scorch) creates at the top of an index
// folder. removeIndexDir refuses to remove a folder holding anything else,
// so that a mistaken path (say, the data folder itself) is never wiped.
var indexEntries = map[string]bool{
	"index_meta.json":      true,
	"index_meta.json_temp": true,
	"store":                true,
}

func removeIndexDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read search index folder %q: %w", dir, err)
	}
	for _, e := range entries {
		if !indexEntries[e.Name()] {
			return fmt.Errorf("refusing to remove search index folder %q: %q is not part of a search index", dir, e.Name())
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove search index folder %q: %w", dir, err)
	}
	return nil
}

// Close closes the index. Later calls return ErrClosed; closing twice is
// not an error.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return nil
	}
	err := ix.idx.Close()
	ix.idx = nil
	if err != nil {
		return fmt.Errorf("close search index %q: %w", ix.dir, err)
	}
	return nil
}

// Reset empties the index (close, remove the folder, create it again) for a
// full rebuild. The *Index stays usable; LastApplied is 0 afterwards.
func (ix *Index) Reset() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return ErrClosed
	}
	err := ix.idx.Close()
	ix.idx = nil
	if err != nil {
		return fmt.Errorf("close search index %q for reset: %w", ix.dir, err)
	}
	return ix.create()
}

// Apply indexes puts and removes deleteIDs in one bleve batch: all or
// nothing. A put replaces the whole document with that ID. An ID both put
// and deleted is deleted.
func (ix *Index) Apply(puts []Doc, deleteIDs []string) error {
	if len(puts) == 0 && len(deleteIDs) == 0 {
		return nil
	}
	return ix.apply(puts, deleteIDs, nil)
}

// ApplyUpTo is Apply that also records seq as the last applied outbox
// sequence (see SetLastApplied) in the same batch: the documents and the
// sequence are applied together or not at all, and the index takes one
// snapshot for both instead of two (each one a snapshot for scorch to
// introduce and persist).
func (ix *Index) ApplyUpTo(puts []Doc, deleteIDs []string, seq uint64) error {
	return ix.apply(puts, deleteIDs, &seq)
}

func (ix *Index) apply(puts []Doc, deleteIDs []string, seq *uint64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return ErrClosed
	}
	b := ix.idx.NewBatch()
	for _, d := range puts {
		data, err := ix.docData(d)
		if err != nil {
			return err
		}
		if err := b.Index(d.ID, data); err != nil {
			return fmt.Errorf("%w: %q: %v", ErrDoc, d.ID, err)
		}
	}
	for _, id := range deleteIDs {
		if id == "" {
			return fmt.Errorf("%w: empty ID to delete", ErrDoc)
		}
		b.Delete(id)
	}
	if seq != nil {
		b.SetInternal(keyLastApplied, binary.BigEndian.AppendUint64(nil, *seq))
	}
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("apply search batch of %d puts, %d deletes: %w", len(puts), len(deleteIDs), err)
	}
	return nil
}

// docData turns d into the map bleve's mapping walks, keeping only declared
// fields with values normalised to what each field kind expects.
func (ix *Index) docData(d Doc) (map[string]any, error) {
	if d.ID == "" {
		return nil, fmt.Errorf("%w: empty ID (type %q)", ErrDoc, d.Type)
	}
	dt, ok := ix.types[d.Type]
	if !ok {
		return nil, fmt.Errorf("%w: %q: undeclared type %q", ErrDoc, d.ID, d.Type)
	}
	data := make(map[string]any, len(dt.fields)+1)
	data[typeField] = d.Type
	for name, v := range d.Fields {
		f, ok := dt.fields[name]
		if !ok {
			continue
		}
		vals, err := normalize(f.Kind, reflect.ValueOf(v), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %q field %q (%s): %v", ErrDoc, d.ID, name, f.Kind, err)
		}
		switch len(vals) {
		case 0:
		case 1:
			data[name] = vals[0]
		default:
			data[name] = vals
		}
	}
	return data, nil
}

var timeType = reflect.TypeFor[time.Time]()

// normalize appends to out the value(s) of v as string, float64 or
// time.Time according to kind, flattening slices and following pointers.
func normalize(kind FieldKind, v reflect.Value, out []any) ([]any, error) {
	if !v.IsValid() {
		return out, nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return out, nil
		}
		return normalize(kind, v.Elem(), out)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil, fmt.Errorf("unsupported value of type %s", v.Type())
		}
		for i := range v.Len() {
			var err error
			if out, err = normalize(kind, v.Index(i), out); err != nil {
				return nil, err
			}
		}
		return out, nil
	}

	switch kind {
	case Number:
		var f float64
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f = float64(v.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			f = float64(v.Uint())
		case reflect.Float32, reflect.Float64:
			f = v.Float()
		default:
			return nil, fmt.Errorf("want a number, got %s", v.Type())
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return out, nil
		}
		return append(out, f), nil

	case Date:
		if v.Type() != timeType {
			return nil, fmt.Errorf("want time.Time, got %s", v.Type())
		}
		t := v.Interface().(time.Time)
		if t.IsZero() || t.Year() < 1678 || t.Year() > 2261 {
			// bleve indexes dates as int64 nanoseconds; a typo such as the
			// year 3024 must not stop the indexing of everything else.
			return out, nil
		}
		// To the whole second: bleve indexes a date as sixteen terms of
		// its nanoseconds at coarser and coarser steps, and the finest
		// ones were a term of their own for almost every document, which
		// the index's dictionaries then carried. Truncated, documents of
		// the same second share them: a batch of documents with a date
		// each indexed about a fifth faster (docs/benchmarks.md 4.11).
		// Ranges round their ends to whole seconds (ceilSecond).
		return append(out, t.Truncate(time.Second)), nil

	case Instant:
		if v.Type() != timeType {
			return nil, fmt.Errorf("want time.Time, got %s", v.Type())
		}
		t := v.Interface().(time.Time)
		if !instantIndexable(t) {
			return out, nil
		}
		return instantTerms(t.Truncate(time.Second), out), nil

	default: // Text, Keyword, Stored
		var s string
		switch v.Kind() {
		case reflect.String:
			s = v.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s = strconv.FormatInt(v.Int(), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			s = strconv.FormatUint(v.Uint(), 10)
		case reflect.Bool:
			s = strconv.FormatBool(v.Bool())
		default:
			return nil, fmt.Errorf("want a string, got %s", v.Type())
		}
		if s == "" {
			return out, nil
		}
		return append(out, s), nil
	}
}

// SetLastApplied records the last outbox sequence applied to the index.
func (ix *Index) SetLastApplied(seq uint64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return ErrClosed
	}
	if err := ix.idx.SetInternal(keyLastApplied, binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return fmt.Errorf("set last applied sequence: %w", err)
	}
	return nil
}

// LastApplied returns the sequence recorded by SetLastApplied, or 0 for a
// new or reset index.
func (ix *Index) LastApplied() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	v, err := ix.idx.GetInternal(keyLastApplied)
	if err != nil {
		return 0, fmt.Errorf("get last applied sequence: %w", err)
	}
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(v), nil
	}
	return 0, fmt.Errorf("get last applied sequence: stored value has %d bytes, want 8", len(v))
}

// Count returns the number of documents in the index, of all types.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count search documents: %w", err)
	}
	return n, nil
}
