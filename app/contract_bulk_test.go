package app

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"anju/storage"
)

// bulkFixture: an App with registry properties in Chaoyang and Haidian, a
// Chaoyang clerk, a Haidian clerk, and the parameter 备案前是否必须进行合同网签
// off (so back-entry is allowed).
type bulkFixture struct {
	*fixture
	clerk, clerkHD Actor
}

func newBulkFixture(t *testing.T) *bulkFixture {
	f := &bulkFixture{fixture: newFixture(t)}
	f.clerk = f.actor(f.seedUser("bulk.clerk", "补录员", []Role{RoleClerk}, "110105", fixturePassword))
	f.clerkHD = f.actor(f.seedUser("bulk.clerk.hd", "海淀补录员", []Role{RoleClerk}, "110108", fixturePassword))
	f.bulkProperty("110105", "京(2018)朝阳区不动产权第0101010号", Owner{Name: "房东甲", IDType: "resident_id", IDNo: "110105198001010016"},
		Owner{Name: "房东乙", IDType: "resident_id", IDNo: "110105198202020026"})
	f.bulkProperty("110105", "京(2019)朝阳区不动产权第0202020号", Owner{Name: "房东丙", IDType: "resident_id", IDNo: "110105197503030039"})
	f.bulkProperty("110108", "京(2020)海淀区不动产权第0303030号", Owner{Name: "房东丁", IDType: "resident_id", IDNo: "110108196604040046"})
	f.bulkSignRequired(false)
	return f
}

func (f *bulkFixture) bulkProperty(district, certNo string, owners ...Owner) {
	f.t.Helper()
	p := &Property{District: district, CertType: "01", CertNo: NormalizeCertNo(certNo), Address: "北京市测试区补录路" + certNo[len(certNo)-8:],
		Area: 80, Use: "住宅", Owners: owners, Source: "test"}
	err := f.update(func(tx *storage.Tx) error { _, _, err := f.upsertProperty(tx, p, SystemActor("test")); return err })
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *bulkFixture) bulkSignRequired(on bool) {
	f.t.Helper()
	if err := f.SetParams(f.admin, map[string]string{ParamFilingRequiresSign: map[bool]string{true: "true", false: "false"}[on]}); err != nil {
		f.t.Fatal(err)
	}
}

// bulkHeaderRow is the template's header in Chinese.
func bulkHeaderRow() []string {
	h := make([]string, len(BulkColumns))
	for i, c := range BulkColumns {
		h[i] = c.Zh
	}
	return h
}

// bulkRecord is a good row for the first property; set changes columns by key.
func bulkRecord(set map[string]string) []string {
	v := map[string]string{
		"district_code": "110105", "cert_no": "京(2018)朝阳区不动产权第0101010号", "mode": "整租",
		"lessor": "房东甲、房东乙", "lessor_id_no": "110105198001010016、110105198202020026", "lessor_phone": "13800000001",
		"lessee": "租客一", "lessee_id_no": "110105199005050052", "lessee_phone": "13900000001",
		"co_residents": "同住人", "co_resident_id_no": "11010519950707007X",
		"start": "2025-09-01", "end": "2026-08-31", "rent": "6,500元", "deposit": "6500", "payment_cycle": "季付",
		"payment_method": "银行转账", "utilities": "承租人", "signed_on": "2025年8月25日",
	}
	for k, x := range set {
		v[k] = x
	}
	rec := make([]string, len(BulkColumns))
	for i, c := range BulkColumns {
		rec[i] = v[c.Key]
	}
	return rec
}

func bulkCSV(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(append([][]string{bulkHeaderRow()}, rows...)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBulkBackEntry(t *testing.T) {
	f := newBulkFixture(t)
	rows := [][]string{
		bulkRecord(nil), // 2: created
		bulkRecord(map[string]string{"cert_no": "京(2019)朝阳区不动产权第0202020号", "mode": "合租", "rooms": "主卧", "lessor": "房东丙",
			"lessor_id_no": "110105197503030039", "lessee": "租客二", "lessee_id_no": "130102199206060067", "co_residents": "", "co_resident_id_no": "",
			"payment_cycle": "月付", "payment_method": "", "start": "45901", "end": "2026/8/31", "signed_on": "20250828"}), // 3: created (Excel serial, slashes, compact)
		bulkRecord(map[string]string{"lessee": "租客三", "lessee_id_no": "110108198808080081", "start": "2025-12-01", "end": "2026-11-30"}), // 4: overlaps row 2
		bulkRecord(map[string]string{"lessee_id_no": "110105199005050053"}),                                                              // 5: bad check digit
		bulkRecord(map[string]string{"end": "2025-08-01", "rent": "abc"}),                                                                // 6: two problems
		bulkRecord(map[string]string{"district_code": "110108", "cert_no": "京(2020)海淀区不动产权第0303030号"}),                                   // 7: outside the clerk's district
		bulkRecord(map[string]string{"cert_no": "京(2018)朝阳区不动产权第0999999号"}),                                                              // 8: not in the registry
		bulkRecord(map[string]string{"lessor_id_no": "110105198001010016"}),                                                              // 9: two names, one ID
		make([]string, len(BulkColumns)), // 10: blank, skipped
		bulkRecord(map[string]string{"cert_no": "京(2019)朝阳区不动产权第0202020号", "lessor": "冒名者", "lessor_id_no": "410105199309090097",
			"mode": "合租", "rooms": "次卧"}), // 11: lessor is not the owner
		bulkRecord(map[string]string{"lessee_id_no": "1.10105E+17"}), // 12: Excel ate the ID
	}
	data := bulkCSV(t, rows...)

	// The parameter on (the default): refused, nothing read.
	f.bulkSignRequired(true)
	if _, err := f.ImportBackEntries(f.clerk, bytes.NewReader(data), "paper.csv"); errKey(err) != "filing.backentry_disabled" {
		t.Fatalf("with the parameter on: %v", err)
	}
	f.bulkSignRequired(false)
	// Agency staff and viewers may not import, even with back-entry rights.
	agent := Actor{UserID: 999, Username: "x", Roles: []Role{RoleAgent}, AgencyID: 1}
	if _, err := f.ImportBackEntries(agent, bytes.NewReader(data), "paper.csv"); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("agent: %v", err)
	}

	// GB18030, as Excel saves CSV on a Chinese Windows.
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(data)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := f.ImportBackEntries(f.clerk, bytes.NewReader(gbk), "纸质合同.csv")
	if err != nil {
		t.Fatal(err)
	}
	if imp.Format != "csv" || imp.Encoding != "gb18030" || imp.Rows != 10 || len(imp.Created) != 2 {
		t.Fatalf("import: format %s %s, %d rows, created %+v", imp.Format, imp.Encoding, imp.Rows, imp.Created)
	}
	type want struct {
		line           int
		column, reason string
	}
	wants := []want{
		{4, "", "contract.overlap"},
		{5, "lessee_id_no", "idcard.checksum"},
		{6, "end", "contract.end_before_start"},
		{7, "district_code", "filing.district_outside"},
		{8, "cert_no", "filing.property_unknown"},
		{9, "lessor_id_no", "contractimport.id_count"},
		{11, "lessor", "contract.lessor_not_owner"},
		{12, "lessee_id_no", "contractimport.id_scientific"},
	}
	var lines []int
	for _, r := range imp.Rejected {
		lines = append(lines, r.Line)
	}
	if !slices.Equal(lines, []int{4, 5, 6, 7, 8, 9, 11, 12}) {
		t.Fatalf("refused lines %v: %+v", lines, imp.Rejected)
	}
	for i, w := range wants {
		p := imp.Rejected[i].Problems[0]
		if p.Column != w.column || !strings.HasPrefix(p.Reason, w.reason) {
			t.Errorf("line %d: %+v, want %s %s", w.line, imp.Rejected[i].Problems, w.column, w.reason)
		}
	}
	// The overlap names the contract of row 2; row 6 has both problems.
	if args := imp.Rejected[0].Problems[0].Args; len(args) != 3 || args[0] != imp.Created[0].No {
		t.Errorf("overlap args %v, want %s first", args, imp.Created[0].No)
	} else if _, err := time.Parse(time.DateOnly, args[1]); err != nil {
		t.Errorf("overlap args %v: the term's start is stored as %q, not a date", args, args[1])
	}
	// The report keeps personal data masked.
	if v := imp.Rejected[1].Problems[0].Value; v != MaskID("110105199005050053") {
		t.Errorf("refused ID kept as %q", v)
	}
	// Row 6: every problem, in column order (the paper was signed after
	// the term it says ended).
	if ps := imp.Rejected[2].Problems; len(ps) != 3 || ps[0].Column != "end" || ps[1].Column != "rent" || ps[1].Value != "abc" ||
		ps[2].Reason != "filing.signed_after_end" {
		t.Errorf("line 6 problems %+v", ps)
	}

	// What was stored: signed back-entered contracts, numbered, with the
	// paper's dates and every party, not yet applied for filing.
	for i, cr := range imp.Created {
		c, err := f.GetContract(f.clerk, cr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != ContractSigned || c.Source != ContractBackEntry || c.No != cr.No || !strings.HasPrefix(c.No, "HT110105-2026-") ||
			c.FilingStatus != FilingNone || c.District != "110105" {
			t.Errorf("contract %d: %+v", i, c)
		}
		if i == 0 && (len(c.Lessors()) != 2 || len(c.Parties) != 4 || c.Terms.Rent != 6500 || c.Terms.PaymentCycle != "quarterly" ||
			c.Signed.Format(time.DateOnly) != "2025-08-25" || c.Listing.Mode != "whole") {
			t.Errorf("row 2 stored as %+v", c)
		}
		if i == 1 && (c.Terms.Start.Format(time.DateOnly) != "2025-09-01" || c.Listing.Mode != "shared" || c.Listing.Room != "主卧" ||
			c.Terms.PaymentMethod != "other" || c.Signed.Format(time.DateOnly) != "2025-08-28") {
			t.Errorf("row 3 stored as %+v %+v", c.Terms, c.Listing)
		}
	}
	var stored int
	_ = f.db.View(func(tx *storage.Tx) error { stored = contractTable.Count(tx); return nil })
	if stored != 2 {
		t.Errorf("%d contracts stored, want 2", stored)
	}

	// The report: the importer's district sees it, another district not.
	if got, err := f.GetContractImport(f.clerk, imp.ID); err != nil || len(got.Rejected) != 8 {
		t.Errorf("report: %v %v", got, err)
	}
	if _, err := f.GetContractImport(f.clerkHD, imp.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("Haidian clerk reads Chaoyang's report: %v", err)
	}
	if list, _ := f.ContractImports(f.clerk, 10); len(list) != 1 {
		t.Errorf("clerk's reports: %d", len(list))
	}
	if list, _ := f.ContractImports(f.clerkHD, 10); len(list) != 0 {
		t.Errorf("Haidian's reports: %d", len(list))
	}
	if a := f.lastAudit(); a.Action != "contract.bulk_backentry" || !strings.Contains(a.Detail, "2 created, 8 refused") {
		t.Errorf("audit %+v", a)
	}

	// The same file again: every good row now overlaps what it created.
	again, err := f.ImportBackEntries(f.clerk, bytes.NewReader(data), "paper.csv")
	if err != nil || len(again.Created) != 0 || again.Rejected[0].Line != 2 || again.Rejected[0].Problems[0].Reason != "contract.overlap" {
		t.Errorf("second import: %v %+v", err, again)
	}
}

func TestBulkBackEntryFileErrors(t *testing.T) {
	f := newBulkFixture(t)
	h := bulkHeaderRow()
	rent := slices.Index(h, "月租金")
	noRent := slices.Delete(slices.Clone(h), rent, rent+1)
	cases := []struct {
		name string
		data []byte
		key  string
		args string
	}{
		{"missing column", []byte(strings.Join(noRent, ",") + "\n"), "registry.file_missing_column", "月租金(rent)"},
		{"duplicate column", []byte(strings.Join(append(h, "月租金"), ",") + "\n"), "registry.file_duplicate_column", "月租金"},
		{"pdf", []byte("%PDF-1.4 not a table"), "registry.file_unknown_format", ""},
		{"empty", nil, "registry.file_no_header", ""},
	}
	for _, c := range cases {
		_, err := f.ImportBackEntries(f.clerk, bytes.NewReader(c.data), "x.csv")
		e, ok := AsError(err)
		if !ok || e.Fields["file"] != c.key || c.args != "" && !strings.Contains(strings.Join(argsOf(e), " "), c.args) {
			t.Errorf("%s: %v %v", c.name, err, e)
		}
	}
	if list, _ := f.ContractImports(f.clerk, 10); len(list) != 0 {
		t.Errorf("unusable files left %d reports", len(list))
	}
}

func argsOf(e *Error) []string {
	var out []string
	for _, a := range e.Args {
		out = append(out, a.(string))
	}
	return out
}

// The templates read back as two rows with no problem of their own (their
// properties are fictional, so the registry refuses them), and an XLSX
// with a real property's row creates the contract.
func TestBulkBackEntryTemplatesAndXLSX(t *testing.T) {
	f := newBulkFixture(t)
	for _, format := range []string{"csv", "xlsx"} {
		var b bytes.Buffer
		write := BackEntryTemplateCSV
		if format == "xlsx" {
			write = BackEntryTemplateXLSX
		}
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		imp, err := f.ImportBackEntries(f.clerk, &b, "template."+format)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Format != format || imp.Rows != 2 || len(imp.Rejected) != 2 {
			t.Fatalf("%s template: %+v", format, imp)
		}
		for _, r := range imp.Rejected {
			// The Haidian example is also outside a Chaoyang clerk's district.
			if p := r.Problems[len(r.Problems)-1]; p.Column != "cert_no" || p.Reason != "filing.property_unknown" {
				t.Errorf("%s template line %d: %+v", format, r.Line, r.Problems)
			}
		}
	}

	x := excelize.NewFile()
	defer x.Close()
	head := make([]any, len(BulkColumns))
	for i, c := range BulkColumns {
		head[i] = "*" + c.Zh // the template's required mark
	}
	rec := bulkRecord(map[string]string{"start": "2025-10-01", "end": "2026-09-30", "signed_on": "2025-09-28"})
	row := make([]any, len(rec))
	for i, s := range rec {
		row[i] = s
	}
	row[slices.IndexFunc(BulkColumns, func(c BulkColumn) bool { return c.Key == "rent" })] = 7200 // a number cell
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"2025年纸质合同迁移"})                                      // a title row
	_ = x.SetSheetRow("Sheet1", "A2", &head)
	_ = x.SetSheetRow("Sheet1", "A3", &row)
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	imp, err := f.ImportBackEntries(f.clerk, &b, "迁移.xlsx")
	if err != nil || len(imp.Created) != 1 || imp.Created[0].Line != 3 || imp.Created[0].Lessee != MaskName("租客一") {
		t.Fatalf("xlsx: %v %+v", err, imp)
	}
	c, err := f.GetContract(f.clerk, imp.Created[0].ID)
	if err != nil || c.Terms.Rent != 7200 {
		t.Errorf("xlsx contract: %v %+v", err, c)
	}
}
