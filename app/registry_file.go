package app

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// This file reads the real-estate registration centre's export (产权登记导出)
// as CSV (UTF-8, UTF-8 with BOM or GB18030/GBK) or XLSX, one row per owner,
// and writes the import template. It streams: CSV is read record by record
// through a decoding reader, XLSX through excelize's Rows iterator over a
// spooled temporary copy (a ZIP needs random access), so memory does not grow
// with the number of rows.

// RegistryRow is one row of the centre's export: one owner of one property.
// Rows sharing District and CertNo are co-owners of the same property.
type RegistryRow struct {
	Line         int       // 1-based line (CSV) or row (XLSX) number in the file; the header is normally 1
	District     string    // GB/T 2260 6-digit code as written (validated: 6 digits)
	CertType     string    // as written (a code like "01" or a name like "不动产权证书"); the importer resolves it
	CertNo       string    // normalised with NormalizeCertNo
	OwnerName    string    // trimmed, inner whitespace collapsed to one space
	OwnerIDType  string    // as written (code or name); the importer resolves it
	OwnerIDNo    string    // half-width, upper-cased, whitespace removed; not checksum-validated here (the type is not resolved yet: the importer checks resident IDs)
	Share        string    // e.g. "50%", "1/2", "共同共有", "" — kept as text, trimmed
	Address      string    // trimmed, inner whitespace collapsed
	Area         float64   // building area in m², > 0
	Use          string    // 规划用途 as written, e.g. 住宅, 商业, 办公
	Seized       bool      // 查封
	Mortgaged    bool      // 抵押
	Disputed     bool      // 异议
	Cancelled    bool      // 注销
	Restricted   bool      // 限制交易
	RegisteredOn time.Time // 登记日期 at midnight UTC; zero when the cell is empty
}

// RegistryRowError is one rejected row: its line, its certificate number
// (normalised, when the row has one), the column key of the first bad field
// ("" for registry.row_short), the message key of the reason and the value
// as written (cut to 64 characters).
type RegistryRowError struct {
	Line   int
	CertNo string
	Field  string
	Reason string
	Value  string
}

// RegistryFileInfo describes a file read by ReadRegistryFile.
type RegistryFileInfo struct {
	Format     string   // "csv" or "xlsx"
	Encoding   string   // CSV: "utf-8", "utf-8-bom" or "gb18030"; "" for XLSX (always Unicode)
	HeaderLine int      // line/row of the header (1 unless title rows precede it)
	Rows       int      // rows passed to the row callback
	Rejected   int      // rows passed to the reject callback
	Ignored    []string // headers of unknown columns, as written, in file order
	// LastRow is the sheet's last row as the workbook's dimension records
	// it (XLSX; 0 for CSV or a workbook without one): an XLSX file is
	// spooled whole before its first row is read, so progress through it
	// is counted in rows, not bytes.
	LastRow int
}

// RegistryFileError makes the whole file unusable. Key is a message key:
// registry.file_unknown_format, registry.file_no_header, registry.file_header_unknown,
// registry.file_missing_column (Columns: the missing columns as
// "建筑面积(area)"), registry.file_duplicate_column (Columns: the clashing
// headers as written) or registry.file_unreadable (Err: the cause, Line: where
// reading stopped when known; rows before it may already have been passed on).
type RegistryFileError struct {
	Key     string
	Columns []string
	Line    int
	Err     error
}

func (e *RegistryFileError) Error() string {
	s := e.Key
	if len(e.Columns) > 0 {
		s += ": " + strings.Join(e.Columns, ", ")
	}
	if e.Line > 0 {
		s += fmt.Sprintf(" (line %d)", e.Line)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *RegistryFileError) Unwrap() error { return e.Err }

// RegistryColumns lists the columns of the import template in order: the
// English key (also accepted as a header), the Chinese header and whether
// the column must be present.
var RegistryColumns = []struct {
	Key, Zh  string
	Required bool
}{
	{"district_code", "区县代码", true},
	{"cert_type", "证书类型", true},
	{"cert_no", "不动产权证号", true},
	{"owner_name", "权利人", true},
	{"owner_id_type", "权利人证件类型", true},
	{"owner_id_no", "权利人证件号码", true},
	{"share", "共有份额", false},
	{"address", "房屋坐落", true},
	{"area", "建筑面积", true},
	{"use", "规划用途", true},
	{"seized", "查封", false},
	{"mortgaged", "抵押", false},
	{"disputed", "异议", false},
	{"cancelled", "注销", false},
	{"restricted", "限制交易", false},
	{"registered_on", "登记日期", false},
}

// registryColumnLabel names a column as the officer's file may head it,
// either way: 建筑面积(area). Any other key is returned as it is.
func registryColumnLabel(key string) string {
	for _, c := range RegistryColumns {
		if c.Key == key {
			return c.Zh + "(" + c.Key + ")"
		}
	}
	return key
}

// Column indexes, in RegistryColumns order.
const (
	regfileColDistrict = iota
	regfileColCertType
	regfileColCertNo
	regfileColOwnerName
	regfileColOwnerIDType
	regfileColOwnerIDNo
	regfileColShare
	regfileColAddress
	regfileColArea
	regfileColUse
	regfileColSeized
	regfileColMortgaged
	regfileColDisputed
	regfileColCancelled
	regfileColRestricted
	regfileColRegisteredOn
	regfileNumCols
)

const (
	regfilePeekSize     = 64 << 10 // bytes inspected for format and encoding
	regfileMaxRecord    = 1 << 20  // a CSV record longer than this is a runaway quote
	regfileMaxTitleRows = 5        // non-empty rows without any known header tolerated above the header
	regfileMaxValue     = 64       // runes of a value kept in a RegistryRowError
	regfileMaxArea      = 1e6      // m²; anything larger is a shifted column, not a home
)

// regfileHeaders maps a canonical header (see regfileHeaderCanon) to its
// column index; both the Chinese and the English name are accepted.
var regfileHeaders = func() map[string]int {
	m := make(map[string]int, 2*len(RegistryColumns))
	for i, c := range RegistryColumns {
		m[regfileHeaderCanon(c.Key)] = i
		m[regfileHeaderCanon(c.Zh)] = i
	}
	return m
}()

// ReadRegistryFile streams the file: it calls row for every good row and
// reject for every bad one, in file order, never holding the whole file in
// memory. The format is detected from the content (a ZIP is XLSX, read from
// its first sheet; anything else is comma-separated text in UTF-8, UTF-8 with
// BOM or GB18030); filename is not trusted. An error returned by row stops
// reading and is returned as is. A file that cannot be used at all returns a
// *RegistryFileError before anything is passed to row; a *RegistryFileError
// with Key registry.file_unreadable may also come after some rows when the
// file turns out truncated or corrupt further on. reject may be nil.
func ReadRegistryFile(r io.Reader, filename string, row func(RegistryRow) error, reject func(RegistryRowError)) (RegistryFileInfo, error) {
	var info RegistryFileInfo
	return readRegistryFile(r, &info, row, reject)
}

// readRegistryFile is ReadRegistryFile filling info as it goes, so that row
// may look at it (LastRow is known before the first row).
func readRegistryFile(r io.Reader, info *RegistryFileInfo, row func(RegistryRow) error, reject func(RegistryRowError)) (RegistryFileInfo, error) {
	src, isCSV, done, err := openTableFile(r, info)
	if err != nil {
		return *info, err
	}
	defer done()
	return regfileRead(src, isCSV, info, row, reject)
}

// openTableFile detects a table file's format and encoding from its content
// (see ReadRegistryFile; info gets Format and Encoding) and returns a
// streaming source of its records, whether it is CSV (whose short records
// are errors) and a function that releases it. Other imports (bulk
// back-entry of contracts) read their files through it too.
func openTableFile(r io.Reader, info *RegistryFileInfo) (src regfileSource, isCSV bool, done func(), err error) {
	done = func() {}
	br := bufio.NewReaderSize(r, regfilePeekSize)
	head, err := br.Peek(regfilePeekSize)
	more := err == nil
	if err != nil && err != io.EOF {
		return nil, false, done, &RegistryFileError{Key: "registry.file_unreadable", Err: err}
	}
	if len(bytes.TrimSpace(head)) == 0 {
		info.Format = "csv"
		return nil, false, done, &RegistryFileError{Key: "registry.file_no_header"}
	}
	switch regfileSniff(head) {
	case "xlsx":
		info.Format = "xlsx"
		src, done, err := regfileOpenXLSX(br, info)
		return src, false, done, err
	case "csv":
	default:
		return nil, false, done, &RegistryFileError{Key: "registry.file_unknown_format"}
	}
	info.Format = "csv"
	var text io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		info.Encoding = "utf-8-bom"
		br.Discard(3)
	case regfileValidUTF8(head, more):
		info.Encoding = "utf-8"
	default:
		info.Encoding = "gb18030"
		text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	lim := &regfileLimitReader{r: text}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &regfileCSVSource{cr: cr, lim: lim}, true, done, nil
}

// regfileSniff classifies the first bytes of a file: "xlsx", "csv" or ""
// (a binary or markup format that is not a table we read: legacy .xls, an
// encrypted workbook, UTF-16 text, HTML disguised as .xls, PDF, images…).
func regfileSniff(head []byte) string {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return "xlsx"
	}
	for _, magic := range []string{
		"PK\x05\x06", "PK\x07\x08", // empty or spanned ZIP
		"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", // OLE: .xls, .et, encrypted .xlsx
		"\xFF\xFE", "\xFE\xFF",             // UTF-16 ("Unicode text")
		"%PDF", "\x89PNG", "\xFF\xD8\xFF", "GIF8", "\x1F\x8B", "Rar!", "7z\xBC\xAF",
	} {
		if bytes.HasPrefix(head, []byte(magic)) {
			return ""
		}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return ""
	}
	if t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n"); len(t) > 0 && t[0] == '<' {
		return "" // HTML or XML (SpreadsheetML 2003) saved as .xls
	}
	return "csv"
}

// regfileValidUTF8 reports whether head is valid UTF-8, allowing a multi-byte
// sequence cut by the end of the peek when more bytes follow.
func regfileValidUTF8(head []byte, more bool) bool {
	if more {
		for i := 1; i <= utf8.UTFMax-1 && i <= len(head); i++ {
			if c := head[len(head)-i]; c >= 0xC0 { // start of a multi-byte sequence
				if !utf8.FullRune(head[len(head)-i:]) {
					head = head[:len(head)-i]
				}
				break
			} else if c < 0x80 {
				break
			}
		}
	}
	return utf8.Valid(head)
}

// regfileLimitReader fails a read once more than regfileMaxRecord bytes were
// consumed since the last reset, so that an unterminated quote cannot pull
// the rest of the file into one CSV record.
type regfileLimitReader struct {
	r    io.Reader
	left int
}

var regfileErrRecordTooLong = errors.New("record longer than 1 MiB (unterminated quote?)")

func (l *regfileLimitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, regfileErrRecordTooLong
	}
	if len(p) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= n
	return n, err
}

// regfileSource yields the records of a file with their line numbers and
// io.EOF at the end.
type regfileSource interface {
	next() (line int, rec []string, err error)
}

type regfileCSVSource struct {
	cr  *csv.Reader
	lim *regfileLimitReader
}

func (s *regfileCSVSource) next() (int, []string, error) {
	s.lim.left = regfileMaxRecord
	rec, err := s.cr.Read()
	if err != nil {
		return 0, nil, err
	}
	line, _ := s.cr.FieldPos(0)
	return line, rec, nil
}

type regfileXLSXSource struct {
	rows *excelize.Rows
	n    int
}

func (s *regfileXLSXSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, err
		}
		return 0, nil, io.EOF
	}
	s.n++ // Next steps one row at a time, gaps included
	rec, err := s.rows.Columns()
	return s.n, rec, err
}

// regfileOpenXLSX spools the workbook to a temporary file (a ZIP is read
// from its end) and streams its first sheet with raw cell values, so that
// dates come as serial numbers whatever their display format; info gets the
// sheet's LastRow. done closes the workbook and removes the copy.
func regfileOpenXLSX(r io.Reader, info *RegistryFileInfo) (src regfileSource, done func(), err error) {
	done = func() {}
	tmp, err := os.CreateTemp("", "anju-table-*.xlsx")
	if err != nil {
		return nil, done, err
	}
	remove := func() { os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		remove()
		return nil, done, &RegistryFileError{Key: "registry.file_unreadable", Err: err}
	}
	f, err := excelize.OpenFile(tmp.Name(), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    excelize.UnzipSizeLimit,
		UnzipXMLSizeLimit: 1 << 20, // larger parts (the sheet, shared strings) are read from disk
	})
	if err != nil {
		key := "registry.file_unreadable"
		if !zipHasWorkbook(tmp.Name()) {
			// A whole zip that is no workbook (a Word document, a zipped
			// folder) is the wrong file, not a damaged one.
			key = "registry.file_unknown_format"
		}
		remove()
		return nil, done, &RegistryFileError{Key: key, Err: err}
	}
	closeFile := func() { f.Close(); remove() }
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		closeFile()
		return nil, done, &RegistryFileError{Key: "registry.file_unknown_format"}
	}
	// The dimension ("A1:P100001") is read from the head of the sheet
	// without loading it; a workbook that records none, or a wrong one,
	// only costs the progress bar.
	if ref, err := f.GetSheetDimension(sheets[0]); err == nil {
		_, end, _ := strings.Cut(ref, ":")
		if _, last, err := excelize.CellNameToCoordinates(end); err == nil {
			info.LastRow = last
		}
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		closeFile()
		return nil, done, &RegistryFileError{Key: "registry.file_unreadable", Err: err}
	}
	return &regfileXLSXSource{rows: rows}, func() { rows.Close(); closeFile() }, nil
}

// zipHasWorkbook reports whether the file is a readable zip holding an
// Excel workbook part, or cannot be read as a zip at all (then it is a
// damaged workbook, as far as can be told): false only for an intact zip
// of something else.
func zipHasWorkbook(path string) bool {
	z, err := zip.OpenReader(path)
	if err != nil {
		return true
	}
	defer z.Close()
	for _, f := range z.File {
		if strings.EqualFold(f.Name, "xl/workbook.xml") || strings.EqualFold(f.Name, "xl/workbook.bin") {
			return true
		}
	}
	return false
}

// regfileParser holds the column layout found in the header.
type regfileParser struct {
	col   [regfileNumCols]int // index in the record, -1 when absent
	width int                 // header width without trailing empty headers
	csv   bool                // a record shorter than the header is an error
}

func regfileRead(src regfileSource, isCSV bool, info *RegistryFileInfo, row func(RegistryRow) error, reject func(RegistryRowError)) (RegistryFileInfo, error) {
	p := regfileParser{csv: isCSV}
	line := 0
	fail := func(err error) (RegistryFileInfo, error) {
		var fe *RegistryFileError
		if errors.As(err, &fe) {
			return *info, err
		}
		return *info, &RegistryFileError{Key: "registry.file_unreadable", Line: line + 1, Err: err}
	}

	// The header: the first non-empty row naming at least one known column,
	// after at most regfileMaxTitleRows title rows. A file with rows but none
	// naming a column (another system's headings, data without a header, an
	// XLSX whose first sheet is a cover page) is not "empty": it is told so.
	noHeader := func(titles int) error {
		if titles > 0 {
			return &RegistryFileError{Key: "registry.file_header_unknown"}
		}
		return &RegistryFileError{Key: "registry.file_no_header"}
	}
	for titles := 0; ; {
		l, rec, err := src.next()
		if err == io.EOF {
			return *info, noHeader(titles)
		}
		if err != nil {
			return fail(err)
		}
		line = l
		if regfileAllEmpty(rec) {
			continue
		}
		ok, err := p.header(rec, info)
		if err != nil {
			return *info, err
		}
		if ok {
			info.HeaderLine = line
			break
		}
		if titles++; titles >= regfileMaxTitleRows {
			return *info, noHeader(titles)
		}
	}

	for {
		l, rec, err := src.next()
		if err == io.EOF {
			return *info, nil
		}
		if err != nil {
			return fail(err)
		}
		line = l
		r, rerr, empty := p.parse(line, rec)
		switch {
		case empty:
		case rerr != nil:
			info.Rejected++
			if reject != nil {
				reject(*rerr)
			}
		default:
			if err := row(r); err != nil {
				return *info, err
			}
			info.Rows++
		}
	}
}

// header maps the columns of a header record. It returns false when the
// record names no known column (a title row or no header at all).
func (p *regfileParser) header(rec []string, info *RegistryFileInfo) (bool, error) {
	for i := range p.col {
		p.col[i] = -1
	}
	var seen [regfileNumCols]string
	var ignored, dups []string
	known := 0
	p.width = 0
	for i, h := range rec {
		name := regfileTrim(h)
		if name == "" {
			continue
		}
		p.width = i + 1
		c, ok := regfileHeaders[regfileHeaderCanon(name)]
		if !ok {
			ignored = append(ignored, name)
			continue
		}
		known++
		if p.col[c] >= 0 {
			if len(dups) == 0 || dups[len(dups)-1] != seen[c] {
				dups = append(dups, seen[c])
			}
			dups = append(dups, name)
			continue
		}
		p.col[c], seen[c] = i, name
	}
	if known == 0 {
		return false, nil
	}
	if len(dups) > 0 {
		return false, &RegistryFileError{Key: "registry.file_duplicate_column", Columns: dups}
	}
	var missing []string
	for i, c := range RegistryColumns {
		if c.Required && p.col[i] < 0 {
			missing = append(missing, registryColumnLabel(c.Key))
		}
	}
	if len(missing) > 0 {
		return false, &RegistryFileError{Key: "registry.file_missing_column", Columns: missing}
	}
	info.Ignored = ignored
	return true, nil
}

// parse validates one data record. empty is true for a row whose known
// columns are all blank, which is skipped silently.
func (p *regfileParser) parse(line int, rec []string) (r RegistryRow, rerr *RegistryRowError, empty bool) {
	var v [regfileNumCols]string
	empty = true
	for i, idx := range p.col {
		if idx >= 0 && idx < len(rec) {
			if v[i] = regfileTrim(rec[idx]); v[i] != "" {
				empty = false
			}
		}
	}
	if empty {
		return r, nil, true
	}
	r.Line = line
	r.CertNo = NormalizeCertNo(v[regfileColCertNo])
	bad := func(col int, reason string) (RegistryRow, *RegistryRowError, bool) {
		e := &RegistryRowError{Line: line, CertNo: r.CertNo, Reason: reason}
		if col >= 0 {
			e.Field = RegistryColumns[col].Key
			e.Value = regfileCut(v[col])
		}
		return RegistryRow{}, e, false
	}
	if p.csv && len(rec) < p.width {
		r, e, _ := bad(-1, "registry.row_short")
		e.Value = fmt.Sprintf("%d/%d", len(rec), p.width)
		return r, e, false
	}

	if r.District = HalfWidth(v[regfileColDistrict]); !regfileDigits(r.District, 6) {
		return bad(regfileColDistrict, "registry.district_invalid")
	}
	if r.CertType = v[regfileColCertType]; r.CertType == "" {
		return bad(regfileColCertType, "registry.cert_type_required")
	}
	if r.CertNo == "" {
		return bad(regfileColCertNo, "registry.cert_no_required")
	}
	if r.OwnerName = strings.Join(strings.Fields(v[regfileColOwnerName]), " "); r.OwnerName == "" {
		return bad(regfileColOwnerName, "registry.owner_name_required")
	}
	if r.OwnerIDType = v[regfileColOwnerIDType]; r.OwnerIDType == "" {
		return bad(regfileColOwnerIDType, "registry.owner_id_type_required")
	}
	r.OwnerIDNo = regfileIDNo(v[regfileColOwnerIDNo])
	switch {
	case r.OwnerIDNo == "":
		return bad(regfileColOwnerIDNo, "registry.owner_id_no_required")
	case regfileScientific(r.OwnerIDNo):
		return bad(regfileColOwnerIDNo, "registry.owner_id_no_invalid")
	}
	r.Share = v[regfileColShare]
	if r.Address = strings.Join(strings.Fields(v[regfileColAddress]), " "); r.Address == "" {
		return bad(regfileColAddress, "registry.address_required")
	}
	var ok bool
	if r.Area, ok = regfileArea(v[regfileColArea]); !ok {
		return bad(regfileColArea, "registry.area_invalid")
	}
	if r.Use = v[regfileColUse]; r.Use == "" {
		return bad(regfileColUse, "registry.use_required")
	}
	for _, f := range [...]struct {
		col int
		dst *bool
	}{
		{regfileColSeized, &r.Seized},
		{regfileColMortgaged, &r.Mortgaged},
		{regfileColDisputed, &r.Disputed},
		{regfileColCancelled, &r.Cancelled},
		{regfileColRestricted, &r.Restricted},
	} {
		if *f.dst, ok = regfileFlag(v[f.col]); !ok {
			return bad(f.col, "registry.flag_invalid")
		}
	}
	if r.RegisteredOn, ok = regfileDate(v[regfileColRegisteredOn]); !ok {
		return bad(regfileColRegisteredOn, "registry.date_invalid")
	}
	return r, nil, false
}

// regfileTrim trims whitespace and zero-width characters (a BOM included)
// and unwraps the ="..." form some exporters use to keep long numbers as
// text in Excel.
func regfileTrim(s string) string {
	s = strings.TrimFunc(s, regfileBlank)
	if len(s) >= 3 && s[0] == '=' && s[1] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimFunc(strings.ReplaceAll(s[2:len(s)-1], `""`, `"`), regfileBlank)
	}
	return s
}

func regfileBlank(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return unicode.IsSpace(r)
}

func regfileAllEmpty(rec []string) bool {
	for _, s := range rec {
		if strings.TrimFunc(s, regfileBlank) != "" {
			return false
		}
	}
	return true
}

// regfileHeaderCanon is the form in which headers are compared: half-width,
// lower case, without whitespace, '_', '-', '*' (a "required" mark) or a
// trailing parenthesised unit such as "(㎡)".
func regfileHeaderCanon(s string) string {
	s = strings.ToLower(HalfWidth(strings.TrimFunc(s, regfileBlank)))
	s = strings.Map(func(r rune) rune {
		if regfileBlank(r) || r == '_' || r == '-' || r == '*' {
			return -1
		}
		return r
	}, s)
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndexByte(s, '('); i > 0 {
			s = s[:i]
		}
	}
	return s
}

func regfileCut(s string) string {
	if utf8.RuneCountInString(s) <= regfileMaxValue {
		return s
	}
	return string([]rune(s)[:regfileMaxValue]) + "…"
}

// regfileDigits reports whether s is exactly n ASCII digits.
func regfileDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// regfileIDNo is the owner's ID number half-width, upper-cased and without
// whitespace or zero-width characters.
func regfileIDNo(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r >= '\uFF01' && r <= '\uFF5E' { // full-width ASCII
			return r - 0xFEE0
		}
		if regfileBlank(r) {
			return -1
		}
		return r
	}, s))
}

// regfileScientific reports a number Excel turned into scientific notation
// ("1.10105E+17"): the digits of the ID are lost and no owner can match it.
func regfileScientific(s string) bool {
	i := strings.IndexByte(s, 'E')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	mant, exp := s[:i], strings.TrimPrefix(s[i+1:], "+")
	if exp == "" || !regfileDigits(exp, len(exp)) {
		return false
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	return intPart != "" && regfileDigits(intPart, len(intPart)) && regfileDigits(frac, len(frac))
}

// regfileFlag parses a restriction flag: 是/否, 有/无, Y/N, yes/no, 1/0,
// true/false (any case, full-width tolerated); empty is false.
func regfileFlag(s string) (value, ok bool) {
	switch strings.ToLower(HalfWidth(s)) {
	case "", "否", "无", "0", "n", "no", "false":
		return false, true
	case "是", "有", "1", "y", "yes", "true":
		return true, true
	}
	return false, false
}

var regfileAreaUnits = []string{"平方米", "平米", "㎡", "m²", "m2"}

// regfileArea parses a building area: "89.5", "89.50㎡", "89.5平方米",
// full-width digits, thousands separators ("1,089.5"). It must be > 0 and at
// most regfileMaxArea.
func regfileArea(s string) (float64, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(HalfWidth(s)), ""))
	for _, u := range regfileAreaUnits {
		if strings.HasSuffix(s, u) {
			s = s[:len(s)-len(u)]
			break
		}
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if hasDot && !regfileDigits(frac, len(frac)) || hasDot && frac == "" {
		return 0, false
	}
	if strings.IndexByte(intPart, ',') >= 0 {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, false
			}
		}
		intPart = strings.Join(groups, "")
		s = intPart
		if hasDot {
			s += "." + frac
		}
	}
	if intPart == "" || !regfileDigits(intPart, len(intPart)) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) || f > regfileMaxArea || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// regfileExcelEpoch is day 0 of Excel's 1900 date system for serials from 61
// on (Excel counts a 29 February 1900 that never was).
var regfileExcelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// regfileDate parses a registration date: 2023-05-01, 2023/5/1, 2023.5.1,
// 20230501, 2023年5月1日, optionally followed by a time that is dropped, or an
// Excel serial day number (10000 to 2958465; shorter numbers are rejected
// rather than read as a date in 1900-1927). Empty is the zero time. The year
// must be within 1900-2100.
func regfileDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(HalfWidth(s))
	if s == "" {
		return time.Time{}, true
	}
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	if strings.ContainsRune(s, '年') {
		s = strings.TrimSuffix(strings.NewReplacer("年", "-", "月", "-", "号", "").Replace(s), "日")
	}
	var y, m, d string
	switch intPart, frac, _ := strings.Cut(s, "."); {
	case regfileDigits(s, 8):
		y, m, d = s[:4], s[4:6], s[6:8]
	case intPart != "" && regfileDigits(intPart, len(intPart)) && regfileDigits(frac, len(frac)) && len(intPart) <= 7:
		n, _ := strconv.Atoi(intPart)
		if n < 10000 || n > 2958465 {
			return time.Time{}, false
		}
		return regfileExcelEpoch.AddDate(0, 0, n), true
	default:
		sep := strings.IndexAny(s, "-/.")
		if sep < 0 {
			return time.Time{}, false
		}
		parts := strings.Split(s, s[sep:sep+1])
		if len(parts) != 3 {
			return time.Time{}, false
		}
		y, m, d = parts[0], parts[1], parts[2]
		if len(y) != 4 || len(m) < 1 || len(m) > 2 || len(d) < 1 || len(d) > 2 {
			return time.Time{}, false
		}
	}
	if !regfileDigits(y, len(y)) || !regfileDigits(m, len(m)) || !regfileDigits(d, len(d)) {
		return time.Time{}, false
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	if yi < 1900 || yi > 2100 || mi < 1 || mi > 12 || di < 1 || di > 31 {
		return time.Time{}, false
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di {
		return time.Time{}, false // 2023-02-30
	}
	return t, true
}

// regfileTemplateRows are the template's example rows: two co-owners of one
// property and a single owner of another. Names, addresses and certificate
// numbers are fictional; the resident ID numbers are fictional but carry a
// valid check character.
var regfileTemplateRows = [][]string{
	{"110105", "不动产权证书", "京(2024)朝阳区不动产权第0012345号", "张三", "居民身份证", "110105198503124013", "50%", "北京市朝阳区示例路1号院2号楼3单元401", "89.5", "住宅", "否", "是", "否", "否", "否", "2024-05-20"},
	{"110105", "不动产权证书", "京(2024)朝阳区不动产权第0012345号", "李四", "居民身份证", "110105198707264026", "50%", "北京市朝阳区示例路1号院2号楼3单元401", "89.5", "住宅", "否", "是", "否", "否", "否", "2024-05-20"},
	{"110108", "不动产权证书", "京(2023)海淀区不动产权第0067890号", "王五", "居民身份证", "11010819790903301X", "", "北京市海淀区样例街8号楼1门502", "62.3", "住宅", "否", "否", "否", "否", "否", "2023-11-08"},
}

// RegistryTemplateCSV writes the import template as CSV: UTF-8 with a BOM
// (so that Excel opens it correctly), CRLF line ends, the Chinese header and
// three example rows.
func RegistryTemplateCSV(w io.Writer) error {
	header := make([]string, len(RegistryColumns))
	for i, c := range RegistryColumns {
		header[i] = c.Zh
	}
	return writeTemplateCSV(w, header, regfileTemplateRows)
}

// writeTemplateCSV writes an import template: UTF-8 with a BOM (so that
// Excel opens it correctly), CRLF line ends, the header and the rows.
func writeTemplateCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := io.WriteString(w, "\xEF\xBB\xBF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// RegistryTemplateXLSX writes the import template as XLSX: the Chinese
// header (bold, frozen), the example rows, text format on the code and number
// columns so that Excel keeps 18-digit ID numbers intact, and 是/否 lists on
// the flag columns.
func RegistryTemplateXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "产权登记"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center"},
		NumFmt:    49,
	})
	if err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(RegistryColumns))
	for i, c := range RegistryColumns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		width := 10.0
		switch c.Key {
		case "cert_no", "address":
			width = 36
		case "owner_id_no":
			width = 22
		case "owner_id_type", "cert_type", "registered_on":
			width = 14
		}
		if err := f.SetColWidth(sheet, name, name, width); err != nil {
			return err
		}
		if c.Key != "area" {
			if err := f.SetColStyle(sheet, name, text); err != nil {
				return err
			}
		}
	}
	header := make([]any, len(RegistryColumns))
	for i, c := range RegistryColumns {
		header[i] = c.Zh
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", last+"1", bold); err != nil {
		return err
	}
	for i, rec := range regfileTemplateRows {
		vals := make([]any, len(rec))
		for j, s := range rec {
			vals[j] = s
			if RegistryColumns[j].Key == "area" {
				vals[j], _ = strconv.ParseFloat(s, 64)
			}
		}
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+2), &vals); err != nil {
			return err
		}
		n := strconv.Itoa(i + 2)
		before, _ := excelize.ColumnNumberToName(regfileColArea)
		after, _ := excelize.ColumnNumberToName(regfileColArea + 2)
		if err := f.SetCellStyle(sheet, "A"+n, before+n, text); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, after+n, last+n, text); err != nil {
			return err
		}
	}
	first, _ := excelize.ColumnNumberToName(regfileColSeized + 1)
	end, _ := excelize.ColumnNumberToName(regfileColRestricted + 1)
	dv := excelize.NewDataValidation(true)
	dv.Sqref = first + "2:" + end + "1048576"
	if err := dv.SetDropList([]string{"是", "否"}); err != nil {
		return err
	}
	if err := f.AddDataValidation(sheet, dv); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.Write(w)
}
