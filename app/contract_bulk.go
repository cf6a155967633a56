package app

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"anju/storage"
)

// Bulk back-entry 合同批量补录: an office that migrates its paper leases
// uploads them as a CSV or XLSX table, one row per contract (the same
// fields as the back-entry form, see BulkColumns). The file is read as
// the registry import reads its files (openTableFile: CSV in UTF-8 or
// GB18030, XLSX through excelize, streamed). Each row is checked and
// stored by backEntryContract, the one-contract back-entry's own rule
// (registry property, IDs, dates, rent, overlap with an effective lease —
// rows of the same file included); accepted rows become signed contracts
// (Source backentry, numbered), 500 per transaction. Refused rows are
// reported by their row number with every reason, and can be downloaded
// as CSV. The scanned paper contracts are attached afterwards, one
// contract at a time, when its filing is applied for. Only allowed while
// the parameter 备案前是否必须进行合同网签 is off, and only to the bureau.

// BulkColumn is one column of the bulk back-entry template.
type BulkColumn struct {
	Key, Zh  string
	Required bool
}

// BulkColumns lists the template's columns in order. Several lessors (or
// co-residents) go into one cell, separated by 、 or ; with their ID
// numbers in the same order.
var BulkColumns = []BulkColumn{
	{"district_code", "区县代码", true},
	{"cert_no", "不动产权证号", true},
	{"mode", "租赁方式", false},
	{"rooms", "出租房间", false},
	{"lessor", "出租人", true},
	{"lessor_id_type", "出租人证件类型", false},
	{"lessor_id_no", "出租人证件号码", true},
	{"lessor_phone", "出租人电话", false},
	{"lessee", "承租人", true},
	{"lessee_id_type", "承租人证件类型", false},
	{"lessee_id_no", "承租人证件号码", true},
	{"lessee_phone", "承租人电话", true},
	{"co_residents", "共同居住人", false},
	{"co_resident_id_no", "共同居住人证件号码", false},
	{"start", "租期起", true},
	{"end", "租期止", true},
	{"rent", "月租金", true},
	{"deposit", "押金", true},
	{"payment_cycle", "付款周期", true},
	{"payment_method", "付款方式", false},
	{"utilities", "水电燃气费承担", false},
	{"fees", "其他费用约定", false},
	{"agreed_terms", "双方约定事项", false},
	{"signed_on", "合同签订日期", true},
}

// Column indexes, in BulkColumns order.
const (
	bulkDistrict = iota
	bulkCertNo
	bulkMode
	bulkRooms
	bulkLessor
	bulkLessorIDType
	bulkLessorIDNo
	bulkLessorPhone
	bulkLessee
	bulkLesseeIDType
	bulkLesseeIDNo
	bulkLesseePhone
	bulkCoResidents
	bulkCoResidentIDNo
	bulkStart
	bulkEnd
	bulkRent
	bulkDeposit
	bulkPaymentCycle
	bulkPaymentMethod
	bulkUtilities
	bulkFees
	bulkAgreed
	bulkSignedOn
	bulkNumCols
)

const (
	bulkPerTx   = 500    // rows per transaction
	bulkMaxRows = 50_000 // rows of one file; a larger migration is split
)

// ContractImport is the report of one bulk back-entry file.
type ContractImport struct {
	ID       uint64         `json:"id"`
	File     string         `json:"file"`
	Format   string         `json:"format"`
	Encoding string         `json:"encoding,omitempty"`
	By       Person         `json:"by"`
	District string         `json:"district"` // the importer's jurisdiction ("" city-wide): who may see the report
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Rows     int            `json:"rows"` // data rows read (blank rows not counted)
	Created  []BulkCreated  `json:"created"`
	Rejected []BulkRejected `json:"rejected"`
	Ignored  []string       `json:"ignored,omitempty"` // unknown headers, as written
	// Stopped is the message key of what ended the import early (the file
	// turned out unreadable further on, too many rows); rows before it were
	// imported.
	Stopped string `json:"stopped,omitempty"`
}

// BulkCreated is one contract created from a row.
type BulkCreated struct {
	Line   int    `json:"line"`
	ID     uint64 `json:"id"`
	No     string `json:"no"`
	CertNo string `json:"cert_no"`
	Lessee string `json:"lessee"` // masked
}

// BulkRejected is one refused row with every problem found.
type BulkRejected struct {
	Line     int           `json:"line"`
	CertNo   string        `json:"cert_no,omitempty"`
	Problems []BulkProblem `json:"problems"`
}

// BulkProblem is one reason a row was refused: the column (its key in
// BulkColumns, "" for the row as a whole), the message key with its
// arguments and the value as written (cut to 64 characters; personal data
// masked, see bulkShown).
type BulkProblem struct {
	Column string   `json:"column,omitempty"`
	Reason string   `json:"reason"`
	Args   []string `json:"args,omitempty"`
	Value  string   `json:"value,omitempty"`
}

var contractImportTable = storage.NewTable(storage.TableOptions[ContractImport]{
	Name:  "contract_imports",
	ID:    func(c *ContractImport) uint64 { return c.ID },
	SetID: func(c *ContractImport, id uint64) { c.ID = id },
})

// requireBulkBackEntry: back-entry permission, on the government side.
func requireBulkBackEntry(actor Actor) error {
	if err := actor.require(PermBackEntry); err != nil {
		return err
	}
	return actor.require(PermGovPortal)
}

// ImportBackEntries reads a bulk back-entry file and creates a signed
// contract for every good row. A file that cannot be used at all is an
// *Error on the field "file" (its key one of the registry.file_* keys,
// the missing or clashing columns in Args) and nothing is stored;
// otherwise the report is stored and returned, whatever was refused.
func (a *App) ImportBackEntries(actor Actor, r io.Reader, filename string) (*ContractImport, error) {
	if err := requireBulkBackEntry(actor); err != nil {
		return nil, err
	}
	if !a.BackEntryEnabled() {
		return nil, Errorf(ECONFLICT, "filing.backentry_disabled")
	}
	resolveID, err := a.dictResolver(DictIDType)
	if err != nil {
		return nil, err
	}
	imp := &ContractImport{File: filename, By: personOf(actor), District: actor.District, Started: a.now()}
	var info RegistryFileInfo
	src, isCSV, done, err := openTableFile(r, &info)
	imp.Format, imp.Encoding = info.Format, info.Encoding
	if err != nil {
		return nil, bulkFileError(err)
	}
	defer done()
	cols, width, line, err := bulkHeader(src, imp)
	if err != nil {
		return nil, bulkFileError(err)
	}

	var batch []bulkRow
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := a.update(func(tx *storage.Tx) error {
			for _, br := range batch {
				c, err := a.backEntryContract(tx, actor, br.in, false)
				if e, ok := AsError(err); ok {
					imp.Rejected = append(imp.Rejected, br.rejected(e))
					continue
				}
				if err != nil {
					return err
				}
				lessee := ""
				if ls := c.Lessees(); len(ls) > 0 {
					lessee = ls[0].Shown()
				}
				imp.Created = append(imp.Created, BulkCreated{Line: br.line, ID: c.ID, No: c.No, CertNo: c.CertNo, Lessee: lessee})
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for {
		l, rec, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *RegistryFileError
			if !errors.As(err, &fe) {
				fe = &RegistryFileError{Key: "registry.file_unreadable", Line: line + 1, Err: err}
			}
			imp.Stopped = fe.Key
			break
		}
		line = l
		br, empty := parseBulkRow(line, rec, cols, width, isCSV, resolveID)
		if empty {
			continue
		}
		if imp.Rows++; imp.Rows > bulkMaxRows {
			imp.Rows--
			imp.Stopped = "contractimport.too_many_rows"
			break
		}
		if br.problems != nil {
			imp.Rejected = append(imp.Rejected, BulkRejected{Line: line, CertNo: br.in.CertNo, Problems: br.problems})
			continue
		}
		if batch = append(batch, br); len(batch) == bulkPerTx {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	// Rows refused before the batch they would have joined was stored
	// come first otherwise: the report reads in file order.
	slices.SortStableFunc(imp.Rejected, func(x, y BulkRejected) int { return x.Line - y.Line })
	imp.Finished = a.now()
	err = a.update(func(tx *storage.Tx) error {
		if _, err := contractImportTable.Insert(tx, imp); err != nil {
			return err
		}
		return a.audit(tx, actor, "contract.bulk_backentry", "contract_import", imp.ID,
			fmt.Sprintf("%s: %d rows, %d created, %d refused", filename, imp.Rows, len(imp.Created), len(imp.Rejected)),
			auditNote("audit.note.bulk_backentry", noteText(filename), noteInt(imp.Rows), noteInt(len(imp.Created)), noteInt(len(imp.Rejected))))
	})
	if err != nil {
		return nil, err
	}
	return imp, nil
}

// bulkFileError turns a file that cannot be read into the form's error.
func bulkFileError(err error) error {
	var fe *RegistryFileError
	if !errors.As(err, &fe) {
		return err
	}
	e := &Error{Code: EINVALID, Key: fe.Key, Fields: map[string]string{"file": fe.Key}}
	for _, c := range fe.Columns {
		e.Args = append(e.Args, c)
	}
	return e
}

// bulkHeader finds the header: the first non-empty row naming a known
// column, after at most a few title rows. It returns each column's index in
// the records (-1 when absent), the header's width and its line.
func bulkHeader(src regfileSource, imp *ContractImport) (cols [bulkNumCols]int, width, line int, err error) {
	canon := map[string]int{}
	for i, c := range BulkColumns {
		canon[regfileHeaderCanon(c.Key)] = i
		canon[regfileHeaderCanon(c.Zh)] = i
	}
	for titles := 0; ; {
		l, rec, err := src.next()
		if err == io.EOF {
			return cols, 0, line, &RegistryFileError{Key: "registry.file_no_header"}
		}
		if err != nil {
			return cols, 0, line, &RegistryFileError{Key: "registry.file_unreadable", Line: line + 1, Err: err}
		}
		line = l
		if regfileAllEmpty(rec) {
			continue
		}
		for i := range cols {
			cols[i] = -1
		}
		var ignored, dups []string
		known := 0
		width = 0
		for i, h := range rec {
			name := regfileTrim(h)
			if name == "" {
				continue
			}
			width = i + 1
			c, ok := canon[regfileHeaderCanon(name)]
			switch {
			case !ok:
				ignored = append(ignored, name)
			case cols[c] >= 0:
				dups = append(dups, name)
				known++
			default:
				cols[c] = i
				known++
			}
		}
		if known == 0 {
			if titles++; titles >= regfileMaxTitleRows {
				return cols, 0, line, &RegistryFileError{Key: "registry.file_no_header"}
			}
			continue
		}
		if len(dups) > 0 {
			return cols, 0, line, &RegistryFileError{Key: "registry.file_duplicate_column", Columns: dups}
		}
		var missing []string
		for i, c := range BulkColumns {
			if c.Required && cols[i] < 0 {
				missing = append(missing, c.Zh+"("+c.Key+")")
			}
		}
		if len(missing) > 0 {
			return cols, 0, line, &RegistryFileError{Key: "registry.file_missing_column", Columns: missing}
		}
		imp.Ignored = ignored
		return cols, width, line, nil
	}
}

// bulkRow is one data row turned into the back-entry form's input, with
// the problems found before the back-entry rule runs and what is needed
// to name the columns of its problems afterwards.
type bulkRow struct {
	line     int
	in       BackEntryInput
	values   [bulkNumCols]string
	partyCol []int // per form party row: the column of its name, for its problems
	problems []BulkProblem
}

// bulkSplit splits a cell of several names or numbers.
func bulkSplit(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '、', ';', '；', ',', '，', '/', '\n':
			return true
		}
		return false
	})
	out := f[:0]
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// bulkChoices map the words a paper record uses to the form's codes.
var (
	bulkModes    = map[string]string{"整租": "whole", "whole": "whole", "合租": "shared", "shared": "shared"}
	bulkCycles   = map[string]string{"月付": "monthly", "按月": "monthly", "押一付一": "monthly", "monthly": "monthly", "季付": "quarterly", "按季": "quarterly", "押一付三": "quarterly", "quarterly": "quarterly", "半年付": "half_year", "按半年": "half_year", "half_year": "half_year", "年付": "yearly", "按年": "yearly", "yearly": "yearly"}
	bulkMethods  = map[string]string{"银行转账": "transfer", "转账": "transfer", "transfer": "transfer", "现金": "cash", "cash": "cash", "网上支付": "online", "支付宝": "online", "微信": "online", "微信支付": "online", "online": "online", "其他": "other", "other": "other"}
	bulkUtilsMap = map[string]string{"承租人": "lessee", "lessee": "lessee", "出租人": "lessor", "lessor": "lessor", "双方分摊": "shared", "分摊": "shared", "shared": "shared"}
)

func bulkChoice(m map[string]string, v, empty string) string {
	v = strings.ToLower(strings.Join(strings.Fields(HalfWidth(v)), ""))
	if v == "" {
		return empty
	}
	if c, ok := m[v]; ok {
		return c
	}
	return v // not a choice: the form's rule names the problem
}

// parseBulkRow reads one record. empty is true for a row whose known
// columns are all blank (skipped silently).
func parseBulkRow(line int, rec []string, cols [bulkNumCols]int, width int, isCSV bool, resolveID map[string]string) (bulkRow, bool) {
	br := bulkRow{line: line}
	v := &br.values
	empty := true
	for i, idx := range cols {
		if idx >= 0 && idx < len(rec) {
			if v[i] = regfileTrim(rec[idx]); v[i] != "" {
				empty = false
			}
		}
	}
	if empty {
		return br, true
	}
	bad := func(col int, reason string, args ...string) {
		p := BulkProblem{Reason: reason, Args: args}
		if col >= 0 {
			p.Column, p.Value = BulkColumns[col].Key, bulkShown(col, v[col])
		}
		br.problems = append(br.problems, p)
	}
	in := &br.in
	in.District, in.CertNo = HalfWidth(v[bulkDistrict]), NormalizeCertNo(v[bulkCertNo])
	if isCSV && len(rec) < width {
		bad(-1, "registry.row_short")
		br.problems[0].Value = fmt.Sprintf("%d/%d", len(rec), width)
		return br, false
	}
	in.Mode = bulkChoice(bulkModes, v[bulkMode], "whole")
	if in.Mode != "whole" && in.Mode != "shared" {
		bad(bulkMode, "contractimport.mode_invalid")
	}
	// Dates as the registry import reads them (2024-05-01, 2024/5/1,
	// 2024年5月1日, Excel serial days), handed on in the form's layout.
	date := func(col int) string {
		if v[col] == "" {
			return ""
		}
		t, ok := regfileDate(v[col])
		if !ok {
			return v[col] // the form's rule refuses it as a date
		}
		return t.Format(time.DateOnly)
	}
	f := ContractForm{Start: date(bulkStart), End: date(bulkEnd), Rent: v[bulkRent], Deposit: v[bulkDeposit],
		PaymentCycle:  bulkChoice(bulkCycles, v[bulkPaymentCycle], ""),
		PaymentMethod: bulkChoice(bulkMethods, v[bulkPaymentMethod], "other"),
		Purpose:       "residential", Rooms: v[bulkRooms],
		Utilities: bulkChoice(bulkUtilsMap, v[bulkUtilities], "lessee"), Fees: v[bulkFees], AgreedTerms: v[bulkAgreed]}
	in.SignedOn = date(bulkSignedOn)

	idType := func(col int) string {
		if v[col] == "" {
			return ""
		}
		if code, ok := resolveID[strings.ToLower(v[col])]; ok {
			return code
		}
		return v[col] // unknown: the form's rule refuses it
	}
	// people adds the form's party rows of one role from a names cell and
	// an ID numbers cell, in the same order.
	people := func(role string, nameCol, idCol, typeCol, phoneCol int) {
		names, ids := bulkSplit(v[nameCol]), bulkSplit(v[idCol])
		if len(names) != len(ids) {
			bad(idCol, "contractimport.id_count", strconv.Itoa(len(names)), strconv.Itoa(len(ids)))
			return
		}
		typ := ""
		if typeCol >= 0 {
			typ = idType(typeCol)
		}
		for i, name := range names {
			id := regfileIDNo(ids[i])
			if regfileScientific(id) {
				bad(idCol, "contractimport.id_scientific")
				return
			}
			p := PartyForm{Role: role, Kind: PartyPerson, Name: name, IDType: typ, IDNo: id}
			if typ == "uscc" {
				p.Kind = PartyOrg
			}
			if i == 0 && phoneCol >= 0 {
				p.Phone = v[phoneCol]
			}
			f.Parties = append(f.Parties, p)
			br.partyCol = append(br.partyCol, nameCol)
		}
	}
	people(PartyLessor, bulkLessor, bulkLessorIDNo, bulkLessorIDType, bulkLessorPhone)
	people(PartyLessee, bulkLessee, bulkLesseeIDNo, bulkLesseeIDType, bulkLesseePhone)
	people(PartyCoResident, bulkCoResidents, bulkCoResidentIDNo, -1, -1)
	in.Form = f
	return br, false
}

// bulkFieldColumns maps the back-entry form's fields to the template's
// columns; a party's fields are mapped through the row's partyCol.
var bulkFieldColumns = map[string]int{
	"district": bulkDistrict, "cert_no": bulkCertNo, "signed_on": bulkSignedOn, "start": bulkStart, "end": bulkEnd,
	"rent": bulkRent, "deposit": bulkDeposit, "payment_cycle": bulkPaymentCycle, "payment_method": bulkPaymentMethod,
	"utilities": bulkUtilities, "rooms": bulkRooms, "fees": bulkFees, "agreed_terms": bulkAgreed,
}

// bulkShown is a refused value as the report keeps it: names, ID numbers
// and phone numbers masked (the report outlives the file and is seen by
// the district's other back-entry staff), anything else cut to 64
// characters.
func bulkShown(col int, value string) string {
	mask := func(f func(string) string) string {
		parts := bulkSplit(value)
		for i, p := range parts {
			parts[i] = f(p)
		}
		return strings.Join(parts, "、")
	}
	switch col {
	case bulkLessor, bulkLessee, bulkCoResidents:
		return mask(MaskName)
	case bulkLessorIDNo, bulkLesseeIDNo, bulkCoResidentIDNo:
		return mask(MaskID)
	case bulkLessorPhone, bulkLesseePhone:
		return mask(MaskPhone)
	}
	return regfileCut(value)
}

// bulkPartyColumns are the columns of a party's fields, by the column of
// its names.
var bulkPartyColumns = map[int]map[string]int{
	bulkLessor:      {"name": bulkLessor, "id_type": bulkLessorIDType, "id_no": bulkLessorIDNo, "phone": bulkLessorPhone},
	bulkLessee:      {"name": bulkLessee, "id_type": bulkLesseeIDType, "id_no": bulkLesseeIDNo, "phone": bulkLesseePhone},
	bulkCoResidents: {"name": bulkCoResidents, "id_no": bulkCoResidentIDNo},
}

// rejected reports the back-entry rule's refusal of the row: one problem
// per field, in the template's column order, or the refusal itself (an
// overlapping lease, say) for the row as a whole.
func (br *bulkRow) rejected(e *Error) BulkRejected {
	out := BulkRejected{Line: br.line, CertNo: br.in.CertNo}
	type fp struct {
		col int
		p   BulkProblem
	}
	var ps []fp
	for field, key := range e.Fields {
		col := -1
		if c, ok := bulkFieldColumns[field]; ok {
			col = c
		} else if rest, ok := strings.CutPrefix(field, "parties."); ok {
			n, sub, _ := strings.Cut(rest, ".")
			if i, err := strconv.Atoi(n); err == nil && i < len(br.partyCol) {
				col = bulkPartyColumns[br.partyCol[i]][sub]
				if col == 0 { // not a column of its own (kind…): its name's
					col = br.partyCol[i]
				}
			}
		} else if field == "parties" {
			col = bulkLessor
			if key == "contract.lessee_required" {
				col = bulkLessee
			}
		}
		p := BulkProblem{Reason: key}
		if col >= 0 {
			p.Column, p.Value = BulkColumns[col].Key, bulkShown(col, br.values[col])
		}
		ps = append(ps, fp{col, p})
	}
	slices.SortFunc(ps, func(x, y fp) int {
		if x.col != y.col {
			return x.col - y.col
		}
		return strings.Compare(x.p.Reason, y.p.Reason)
	})
	for _, p := range ps {
		out.Problems = append(out.Problems, p.p)
	}
	if len(ps) == 0 {
		p := BulkProblem{Reason: e.Key}
		for _, a := range e.Args {
			// The report is stored as text: a date as a date, not as
			// time.Time's "2026-01-01 00:00:00 +0800 CST".
			if t, ok := a.(time.Time); ok {
				a = t.Local().Format(time.DateOnly)
			}
			p.Args = append(p.Args, fmt.Sprint(a))
		}
		out.Problems = append(out.Problems, p)
	}
	return out
}

// canSeeImport: the importer's jurisdiction must lie within the actor's.
func canSeeImport(actor Actor, imp *ContractImport) bool {
	if actor.System || actor.District == "" {
		return true
	}
	return imp.District == actor.District
}

// ContractImports lists the latest bulk back-entry reports the actor may
// see, newest first.
func (a *App) ContractImports(actor Actor, limit int) ([]*ContractImport, error) {
	if err := requireBulkBackEntry(actor); err != nil {
		return nil, err
	}
	var out []*ContractImport
	err := a.db.View(func(tx *storage.Tx) error {
		return contractImportTable.Each(tx, true, func(imp *ContractImport) (bool, error) {
			if canSeeImport(actor, imp) {
				out = append(out, imp)
			}
			return len(out) < limit, nil
		})
	})
	return out, err
}

// GetContractImport returns one bulk back-entry report.
func (a *App) GetContractImport(actor Actor, id uint64) (*ContractImport, error) {
	if err := requireBulkBackEntry(actor); err != nil {
		return nil, err
	}
	var imp *ContractImport
	err := a.db.View(func(tx *storage.Tx) (err error) { imp, err = contractImportTable.Get(tx, id); return })
	if err != nil || !canSeeImport(actor, imp) {
		return nil, notFound("contractimport.not_found", err)
	}
	return imp, nil
}

// bulkTemplateRows are the template's example rows: a whole flat let by
// two co-owners to one person with his family, and a room of a shared flat
// let to a company's employee. Names, certificate numbers and addresses
// are fictional; the ID numbers and the credit code carry valid check
// characters.
var bulkTemplateRows = [][]string{
	{"110105", "京(2024)朝阳区不动产权第0012345号", "整租", "", "张三、李四", "居民身份证", "110105198503124013、110105198707264026", "13800000001",
		"王五", "居民身份证", "11010819790903301X", "13900000002", "王小五", "110108201005063012",
		"2025-03-01", "2026-02-28", "6500", "6500", "季付", "银行转账", "承租人", "物业费由出租人承担", "", "2025-02-20"},
	{"110108", "京(2023)海淀区不动产权第0067890号", "合租", "主卧", "赵六", "居民身份证", "110108197206154018", "",
		"孙七", "", "130102199211303027", "13700000003", "", "",
		"2025-06-15", "2026-06-14", "3200", "3200", "月付", "网上支付", "双方分摊", "", "承租人不得转租", "2025-06-10"},
}

// BackEntryTemplateCSV writes the bulk back-entry template as CSV: UTF-8
// with a BOM (so that Excel opens it correctly), CRLF line ends, the
// Chinese header and the example rows.
func BackEntryTemplateCSV(w io.Writer) error {
	header := make([]string, len(BulkColumns))
	for i, c := range BulkColumns {
		header[i] = c.Zh
	}
	return writeTemplateCSV(w, header, bulkTemplateRows)
}

// BackEntryTemplateXLSX writes the template as XLSX: the Chinese header
// (bold, frozen; required columns marked *), text format on every column
// so that Excel keeps 18-digit ID numbers and dates as typed, lists on the
// choice columns, and the example rows.
func BackEntryTemplateXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "合同补录"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		NumFmt: 49, Alignment: &excelize.Alignment{Horizontal: "center"}})
	if err != nil {
		return err
	}
	header := make([]any, len(BulkColumns))
	for i, c := range BulkColumns {
		header[i] = c.Zh
		if c.Required {
			header[i] = "*" + c.Zh // regfileHeaderCanon drops the mark when read back
		}
		name, _ := excelize.ColumnNumberToName(i + 1)
		width := 12.0
		switch c.Key {
		case "cert_no", "agreed_terms", "fees":
			width = 34
		case "lessor_id_no", "lessee_id_no", "co_resident_id_no":
			width = 22
		}
		if err := f.SetColWidth(sheet, name, name, width); err != nil {
			return err
		}
		if err := f.SetColStyle(sheet, name, text); err != nil {
			return err
		}
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(BulkColumns))
	if err := f.SetCellStyle(sheet, "A1", last+"1", bold); err != nil {
		return err
	}
	for i, rec := range bulkTemplateRows {
		vals := make([]any, len(rec))
		for j, s := range rec {
			vals[j] = s
		}
		cell := "A" + strconv.Itoa(i+2)
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cell, last+strconv.Itoa(i+2), text); err != nil {
			return err
		}
	}
	for col, list := range map[int][]string{bulkMode: {"整租", "合租"}, bulkPaymentCycle: {"月付", "季付", "半年付", "年付"},
		bulkPaymentMethod: {"银行转账", "现金", "网上支付", "其他"}, bulkUtilities: {"承租人", "出租人", "双方分摊"}} {
		name, _ := excelize.ColumnNumberToName(col + 1)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = name + "2:" + name + "1048576"
		if err := dv.SetDropList(list); err != nil {
			return err
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.Write(w)
}
