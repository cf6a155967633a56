package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/storage"
)

// RegistryImport is the report of one import of the centre's export.
type RegistryImport struct {
	ID         uint64    `json:"id"`
	File       string    `json:"file"`
	Format     string    `json:"format"`
	Encoding   string    `json:"encoding"`
	By         string    `json:"by"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished,omitzero"`
	Rows       int       `json:"rows"`
	Created    int       `json:"created"`                  // properties new to the copy
	Updated    int       `json:"updated"`                  // properties replaced
	Unchanged  int       `json:"unchanged,omitempty"`      // properties the file gives as already held: not written
	Rejected   int       `json:"rejected"`                 // rows refused
	Voided     int       `json:"voided"`                   // verification codes voided by changes
	RejectBlob uint64    `json:"reject_blob"`              // CSV report of rejected rows
	Failed     string    `json:"failed,omitempty"`         // message key
	FailedCols []string  `json:"failed_columns,omitempty"` // the columns a file error names
}

var importTable = storage.NewTable(storage.TableOptions[RegistryImport]{
	Name:  "registry_imports",
	ID:    func(r *RegistryImport) uint64 { return r.ID },
	SetID: func(r *RegistryImport, id uint64) { r.ID = id },
})

// ImportProgress is reported while an import runs.
type ImportProgress struct {
	Rows, Rejected int
	BytesRead      int64
	Format         string // "csv" or "xlsx", once the file is opened
	Line, LastRow  int    // XLSX: the row reached and the sheet's last (0 when the workbook does not say)
}

// Percent is how far the import has gone through a file of size bytes, or
// -1 when that cannot be told. An XLSX file is spooled whole before its
// first row is read, so its bytes would show 100% from the start: it is
// measured by rows against the sheet's last row instead, when the workbook
// records it (Excel and WPS do; excelize writes "A1", and a row past the
// recorded end shows the record wrong).
func (p ImportProgress) Percent(size int64) int {
	switch {
	case p.Format == "xlsx" && p.LastRow > 1 && p.Line <= p.LastRow:
		return p.Line * 100 / p.LastRow
	case p.Format == "xlsx":
		return -1
	case size > 0:
		return int(min(100, p.BytesRead*100/size))
	}
	return -1 // a stream of unknown length (a console import through the platform)
}

// importBatch is how many properties one transaction writes: large enough
// for throughput, small enough that memory stays flat on a 1M-row file.
// The certificate index's keys come in any order, so each batch rewrites
// every leaf of it that one of its keys falls in: five times fewer batches
// than at 2,000 write those pages far fewer times (docs/benchmarks.md 4.25).
// 40,000 was no faster.
const importBatch = 10000

// propertyBatch is what one import transaction writes: the properties by
// district and certificate number, in the order of their first row.
type propertyBatch struct {
	pending map[string]*Property
	order   []string
}

// errImportWriteFailed stops the reading of a file once a batch could not be
// written; the import returns the write's own error.
var errImportWriteFailed = errors.New("registry import: a batch could not be written")

// rejectReportLimit bounds the stored report of rejected rows.
const rejectReportLimit = 32 << 20

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ImportRegistry reads the centre's export (CSV in UTF-8 or GB18030, or
// XLSX) as a stream and upserts properties by district and normalised
// certificate number; rows sharing a certificate number are co-owners.
// Properties are written in batches, each its own transaction, so an
// import of a million rows needs neither a million transactions nor the
// whole file in memory; an interrupted import can simply be run again.
func (a *App) ImportRegistry(actor Actor, r io.Reader, filename string, progress func(ImportProgress)) (*RegistryImport, error) {
	rep, job, err := a.beginImport(actor, filename, 0)
	if err != nil {
		return nil, err
	}
	defer a.endImport(rep.ID, job)
	return a.runImport(actor, rep, r, job.track(progress))
}

// beginImport records a new import and registers its job, so that its page
// and the history show it running (a console import through the platform
// included) and only an import without a job as interrupted. size is the
// file's, 0 when not known (a stream).
func (a *App) beginImport(actor Actor, filename string, size int64) (*RegistryImport, *importJob, error) {
	if err := actor.require(PermRegistry); err != nil {
		return nil, nil, err
	}
	rep := &RegistryImport{File: filename, By: actor.Username, Started: a.now()}
	err := a.update(func(tx *storage.Tx) error {
		_, err := importTable.Insert(tx, rep)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	job := &importJob{total: size}
	a.imports.Store(rep.ID, job)
	return rep, job, nil
}

// endImport hands the import over to its stored report.
func (a *App) endImport(id uint64, job *importJob) {
	job.done.Store(true)
	a.imports.Delete(id)
}

func (a *App) runImport(actor Actor, rep *RegistryImport, r io.Reader, progress func(ImportProgress)) (*RegistryImport, error) {
	filename := rep.File
	certTypes, err := a.dictResolver(DictCertType)
	if err != nil {
		return nil, err
	}
	idTypes, err := a.dictResolver(DictIDType)
	if err != nil {
		return nil, err
	}
	// A property is verified by its district, so a row whose district the
	// bureau's dictionary does not know could never be verified. A disabled
	// entry still counts: disabling is reversible and only stops the
	// district being offered, while its properties must keep following the
	// centre (owner changes voiding codes) so that enabling it again needs
	// no re-import.
	// A store with no district entered yet is not checked: on a new
	// installation the officer may import the registry first, and every
	// row would be refused; verifying needs the districts in any case.
	districts, err := a.dictResolver(DictDistrict)
	if err != nil {
		return nil, err
	}
	var rejects bytes.Buffer
	rejects.WriteString("\ufeff")
	rw := csv.NewWriter(&rejects)
	_ = rw.Write([]string{"行号 line", "不动产权证号 cert_no", "字段 field", "原因 reason", "内容 value"})
	reject := func(e RegistryRowError) {
		rep.Rejected++
		if rejects.Len() < rejectReportLimit {
			_ = rw.Write([]string{strconv.Itoa(e.Line), e.CertNo, registryColumnLabel(e.Field), e.Reason, e.Value})
		}
	}
	// pending holds the properties of the current batch by key; a
	// certificate's owners may span rows.
	pending := make(map[string]*Property, importBatch)
	order := make([]string, 0, importBatch)
	// A certificate's co-owner rows may lie far apart in the file, so
	// whether its owners changed is known only at the end: a hash of the
	// owners before this import and one of the owners it last wrote are
	// kept for every updated property (24 bytes each, not the owners) and
	// compared once the file is read. Keeping the second hash saves
	// reading and decoding every updated property again at the end (a
	// quarter of a re-import's time). Should anything else write the
	// property meanwhile (the live connector), that write voids codes
	// itself when the owners differ from the import's.
	type ownersChange struct{ before, after uint64 }
	owners := map[uint64]ownersChange{}
	// The batches are written by one goroutine while the next is read and
	// checked: on two cores reading the file and writing the store overlap
	// (docs/benchmarks.md 4.26). It writes them in order, each after the
	// last one's commit, so a certificate whose rows fall in two batches
	// finds the first batch's property as written by this import.
	write := func(b propertyBatch) error {
		return a.db.Update(func(tx *storage.Tx) error {
			for _, k := range b.order {
				p := b.pending[k]
				old, err := findProperty(tx, p.District, p.CertNo)
				if err != nil {
					return err
				}
				// A certificate already written by this same import (rows
				// far apart in the file), or found unchanged by it (an
				// entry in owners with an older ImportID): merge owners
				// and restrictions.
				seen := false
				if old != nil {
					_, seen = owners[old.ID]
				}
				sameImport := old != nil && (old.ImportID == rep.ID || seen)
				if !sameImport && old != nil && old.sameRegistration(p) {
					// Most of a periodic full export is what the copy
					// already holds: not writing it saves the encoding,
					// the index updates and the pages of the commit, and
					// the file does not churn. Its owners are recorded as
					// seen, so that a co-owner row further down the file
					// is merged into them, and changes them.
					h := ownersHash(old.Owners)
					owners[old.ID] = ownersChange{before: h, after: h}
					rep.Unchanged++
					continue
				}
				if sameImport {
					p.Owners = mergeOwners(old.Owners, p.Owners)
					p.Seized = p.Seized || old.Seized
					p.Mortgaged = p.Mortgaged || old.Mortgaged
					p.Disputed = p.Disputed || old.Disputed
					p.Cancelled = p.Cancelled || old.Cancelled
					p.Restricted = p.Restricted || old.Restricted
				} else if old != nil {
					owners[old.ID] = ownersChange{before: ownersHash(old.Owners)}
				}
				created, voided, err := a.replaceProperty(tx, old, p, actor, false)
				if err != nil {
					return err
				}
				if c, ok := owners[p.ID]; ok {
					c.after = ownersHash(p.Owners)
					owners[p.ID] = c
				}
				switch {
				case created:
					rep.Created++
				case !sameImport:
					rep.Updated++
				}
				rep.Voided += voided
			}
			return nil
		})
	}
	batches := make(chan propertyBatch)
	written := make(chan error, 1)
	var writeFailed atomic.Bool
	go func() {
		var err error
		for b := range batches {
			if err == nil {
				if err = write(b); err != nil {
					writeFailed.Store(true)
				}
			}
		}
		written <- err
	}()
	// stopWriter waits for the last batch; deferred too, so that the
	// writer never outlives the import.
	stopWriter := sync.OnceValue(func() error { close(batches); return <-written })
	defer stopWriter()
	// flush hands the batch read so far to the writer and starts the next;
	// once a write has failed, reading stops (the writer's error is the
	// one returned).
	flush := func() error {
		if len(order) > 0 {
			batches <- propertyBatch{pending: pending, order: order}
			pending, order = make(map[string]*Property, importBatch), make([]string, 0, importBatch)
		}
		if writeFailed.Load() {
			return errImportWriteFailed
		}
		return nil
	}
	cr := &countingReader{r: r}
	var info RegistryFileInfo
	report := func(line int) {
		progress(ImportProgress{Rows: rep.Rows, Rejected: rep.Rejected, BytesRead: cr.n, Format: info.Format, Line: line, LastRow: info.LastRow})
	}
	_, err = readRegistryFile(cr, &info, func(row RegistryRow) error {
		rep.Rows++
		if _, ok := districts[row.District]; !ok && len(districts) > 0 {
			reject(RegistryRowError{Line: row.Line, CertNo: row.CertNo, Field: "district_code", Reason: "registry.district_unknown", Value: row.District})
			return nil
		}
		ct, ok := certTypes[strings.ToLower(row.CertType)]
		if !ok {
			reject(RegistryRowError{Line: row.Line, CertNo: row.CertNo, Field: "cert_type", Reason: "registry.cert_type_unknown", Value: row.CertType})
			return nil
		}
		it, ok := idTypes[strings.ToLower(row.OwnerIDType)]
		if !ok {
			reject(RegistryRowError{Line: row.Line, CertNo: row.CertNo, Field: "owner_id_type", Reason: "registry.id_type_unknown", Value: row.OwnerIDType})
			return nil
		}
		// Verification checks a resident ID before it looks the owner up,
		// so an owner stored with an invalid one could never pass.
		if it == "resident_id" {
			if err := CheckResidentID(row.OwnerIDNo); err != nil {
				reject(RegistryRowError{Line: row.Line, CertNo: row.CertNo, Field: "owner_id_no", Reason: err.Error(), Value: row.OwnerIDNo})
				return nil
			}
		}
		key := row.District + "/" + row.CertNo
		p, seen := pending[key]
		if !seen {
			p = &Property{District: row.District, CertType: ct, CertNo: row.CertNo, Address: row.Address, Area: row.Area,
				Use: row.Use, RegisteredOn: row.RegisteredOn, Source: "import:" + filename, ImportID: rep.ID, Updated: a.now()}
			pending[key] = p
			order = append(order, key)
		}
		// Any row may carry a restriction of the property.
		p.Seized = p.Seized || row.Seized
		p.Mortgaged = p.Mortgaged || row.Mortgaged
		p.Disputed = p.Disputed || row.Disputed
		p.Cancelled = p.Cancelled || row.Cancelled
		p.Restricted = p.Restricted || row.Restricted
		p.Owners = mergeOwners(p.Owners, []Owner{{Name: row.OwnerName, IDType: it, IDNo: row.OwnerIDNo, Share: row.Share}})
		if len(order) >= importBatch {
			if err := flush(); err != nil {
				return err
			}
		}
		if progress != nil && rep.Rows%5000 == 0 {
			report(row.Line)
		}
		return nil
	}, func(e RegistryRowError) { rep.Rows++; reject(e) })
	if err == nil {
		err = flush()
	}
	if werr := stopWriter(); werr != nil {
		err = werr
	}
	var changed []uint64
	for id, c := range owners {
		if c.before != c.after {
			changed = append(changed, id)
		}
	}
	if err == nil && len(changed) > 0 {
		slices.Sort(changed)
		err = a.update(func(tx *storage.Tx) error {
			for _, id := range changed {
				n, err := a.voidPropertyVerifications(tx, id, "verify.owner_changed", actor)
				if err != nil {
					return err
				}
				rep.Voided += n
			}
			return nil
		})
	}
	rep.Format, rep.Encoding = info.Format, info.Encoding
	rep.Finished = a.now()
	var fileErr *RegistryFileError
	if errors.As(err, &fileErr) {
		rep.Failed, rep.FailedCols = fileErr.Key, fileErr.Columns
	} else if err != nil {
		rep.Failed = "registry.import_failed"
	}
	rw.Flush()
	if progress != nil {
		report(info.LastRow)
	}
	if serr := a.update(func(tx *storage.Tx) error {
		if rep.Rejected > 0 {
			b, err := tx.PutBlob("rejected-rows.csv", "text/csv", rejects.Bytes(), rejectReportLimit+1<<20)
			if err != nil {
				return err
			}
			rep.RejectBlob = b.ID
		}
		if err := importTable.Put(tx, rep); err != nil {
			return err
		}
		detail := filename + ": rows=" + strconv.Itoa(rep.Rows) + " created=" + strconv.Itoa(rep.Created) +
			" updated=" + strconv.Itoa(rep.Updated) + " rejected=" + strconv.Itoa(rep.Rejected) + " voided=" + strconv.Itoa(rep.Voided)
		note := auditNote("audit.note.registry_import", noteText(filename), noteInt(rep.Rows), noteInt(rep.Created),
			noteInt(rep.Updated), noteInt(rep.Rejected), noteInt(rep.Voided))
		if rep.Failed != "" {
			detail += " failed=" + rep.Failed
			note = auditNote("audit.note.registry_import_failed", noteSub(note), noteKey(rep.Failed))
		}
		return a.audit(tx, actor, "registry.import", "registry_import", rep.ID, detail, note)
	}); serr != nil {
		return rep, serr
	}
	if fileErr != nil {
		e := Errorf(EINVALID, fileErr.Key)
		e.Fields = map[string]string{"file": fileErr.Key}
		return rep, e
	}
	return rep, err
}

func mergeOwners(have, add []Owner) []Owner {
	for _, o := range add {
		dup := false
		for _, h := range have {
			if ownerKey(h.Name, h.IDNo) == ownerKey(o.Name, o.IDNo) {
				dup = true
				break
			}
		}
		if !dup {
			have = append(have, o)
		}
	}
	return have
}

// dictResolver maps a dictionary's codes and names (Chinese and English,
// lower-cased) to codes, as the centre's export may use either.
func (a *App) dictResolver(kind DictKind) (map[string]string, error) {
	entries, err := a.Dict(kind, false)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, e := range entries {
		for _, k := range []string{e.Code, e.Name, e.NameEn} {
			if k != "" {
				m[strings.ToLower(k)] = e.Code
			}
		}
	}
	return m, nil
}

// RegistryImports lists past imports, newest first.
func (a *App) RegistryImports(actor Actor, limit int) ([]*RegistryImport, error) {
	if err := actor.require(PermRegistry); err != nil {
		return nil, err
	}
	var out []*RegistryImport
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		out, _, err = importTable.Page(tx, tx.Sequence(importTable.Name())+1, true, limit, nil)
		return err
	})
	for _, rep := range out {
		a.markInterrupted(rep)
	}
	return out, err
}

// markInterrupted marks a report that was never finished and has no job
// running (the platform stopped during the import) as failed, so that the
// history does not show it as an import of nothing.
func (a *App) markInterrupted(rep *RegistryImport) {
	if _, running := a.imports.Load(rep.ID); !running && rep.Finished.IsZero() && rep.Failed == "" {
		rep.Failed = "registry.import_interrupted"
	}
}

// RegistryRejects returns the CSV report of an import's rejected rows.
func (a *App) RegistryRejects(actor Actor, importID uint64) ([]byte, error) {
	if err := actor.require(PermRegistry); err != nil {
		return nil, err
	}
	var data []byte
	err := a.db.View(func(tx *storage.Tx) error {
		rep, err := importTable.Get(tx, importID)
		if err != nil || rep.RejectBlob == 0 {
			return Errorf(ENOTFOUND, "registry.report_not_found")
		}
		_, data, err = tx.GetBlob(rep.RejectBlob)
		return err
	})
	return data, err
}

// RegistryCount is the number of properties in the local copy.
func (a *App) RegistryCount() int {
	n := 0
	_ = a.db.View(func(tx *storage.Tx) error { n = propertyTable.Count(tx); return nil })
	return n
}

// importJob tracks a running import for its progress page.
type importJob struct {
	total    int64
	progress atomic.Pointer[ImportProgress]
	done     atomic.Bool
	err      atomic.Value // string: message key
}

// track keeps the job's progress for its page and passes it on.
func (j *importJob) track(progress func(ImportProgress)) func(ImportProgress) {
	return func(p ImportProgress) {
		j.progress.Store(&p)
		if progress != nil {
			progress(p)
		}
	}
}

// StartRegistryImport imports an uploaded file (saved at path, removed
// when done) in the background and returns the import's ID at once; the
// page polls ImportState for progress.
func (a *App) StartRegistryImport(actor Actor, path, filename string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, err
	}
	rep, job, err := a.beginImport(actor, filename, info.Size())
	if err != nil {
		f.Close()
		os.Remove(path)
		return 0, err
	}
	go func() {
		defer os.Remove(path)
		defer f.Close()
		defer a.endImport(rep.ID, job)
		_, err := a.runImport(actor, rep, f, job.track(nil))
		if err != nil {
			a.log.Error("registry import", "import", rep.ID, "file", filename, "err", err)
			job.err.Store(errorKey(err))
		}
	}()
	return rep.ID, nil
}

func errorKey(err error) string {
	if e, ok := AsError(err); ok {
		return e.Key
	}
	return "registry.import_failed"
}

// ImportState is an import as its progress page shows it.
type ImportState struct {
	Report   *RegistryImport
	Running  bool
	Percent  int // -1: not known (an XLSX file whose sheet does not give its size)
	Rows     int
	Rejected int
}

// ImportState returns the stored report and, while it runs, its progress.
func (a *App) ImportState(actor Actor, id uint64) (ImportState, error) {
	if err := actor.require(PermRegistry); err != nil {
		return ImportState{}, err
	}
	// The job is looked at before the report is read: a job seen done has
	// committed its final report, while a report read first could be the
	// one from before that commit, shown as finished with no rows.
	var job *importJob
	if v, ok := a.imports.Load(id); ok {
		job = v.(*importJob)
	}
	running := job != nil && !job.done.Load()
	var st ImportState
	err := a.db.View(func(tx *storage.Tx) error {
		rep, err := importTable.Get(tx, id)
		if err != nil {
			return Errorf(ENOTFOUND, "registry.import_not_found")
		}
		st.Report = rep
		return nil
	})
	if err != nil {
		return st, err
	}
	st.Rows, st.Rejected, st.Percent = st.Report.Rows, st.Report.Rejected, 100
	switch {
	case running:
		st.Running, st.Percent = true, 0
		if p := job.progress.Load(); p != nil {
			st.Rows, st.Rejected, st.Percent = p.Rows, p.Rejected, p.Percent(job.total)
		}
	case job == nil:
		// Interrupted by a restart: the report shows what was written.
		a.markInterrupted(st.Report)
	}
	return st, nil
}

// ownersHash identifies a set of owners (order does not matter).
func ownersHash(os []Owner) uint64 {
	keys := make([]string, len(os))
	for i, o := range os {
		keys[i] = ownerKey(o.Name, o.IDNo)
	}
	slices.Sort(keys)
	h := fnv.New64a()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
