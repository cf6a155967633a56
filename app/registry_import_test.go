package app

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"anju/storage"
)

// vfFiller is n rows of n distinct single-owner properties, enough to put
// more than one import batch between two rows of the same certificate.
func vfFiller(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = vfRow("京(2020)朝阳区不动产权第"+strconv.Itoa(5000000+i)+"号", "填充"+strconv.Itoa(i%97), vfID(i%1000),
			"address", "北京市朝阳区填充路"+strconv.Itoa(i)+"号")
	}
	return rows
}

func concatRows(parts ...[][]string) [][]string { return slices.Concat(parts...) }

// ownerNames lists a property's owners' names in stored order.
func ownerNames(p *Property) []string {
	var out []string
	for _, o := range p.Owners {
		out = append(out, o.Name)
	}
	return out
}

func TestImportRegistryCoOwners(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	base := f.RegistryCount()
	filler := vfFiller(importBatch + 100)
	rows := concatRows(
		[][]string{
			vfRow(vfCertNo(1), "司马骏", vfID(2), "share", "50%"),
			vfRow(vfCertNo(1), "诸葛蕾", vfID(3), "share", "50%"), // adjacent co-owner
			vfRow(vfCertNo(2), "欧阳麒", vfID(1), "share", "1/3", "seized", "是"),
		},
		filler,
		[][]string{
			// Far apart, in a later batch: co-owners of the same certificates,
			// the second without the restriction the first row carries.
			vfRow(vfCertNo(2), "上官黛", vfID(4), "share", "1/3"),
			vfRow(vfCertNo(2), "欧阳麒", vfID(1), "share", "1/3"), // the same owner again
			vfRow(vfCertNo(2), "皇甫嵩", vfID(5), "share", "1/3"),
		},
	)
	var progress []ImportProgress
	rep, err := f.ImportRegistry(f.admin, bytes.NewReader(vfCSV(rows...)), "export.csv", func(p ImportProgress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	properties := 2 + len(filler)
	if rep.Rows != len(rows) || rep.Rejected != 0 || rep.Created != properties || rep.Updated != 0 || rep.Voided != 0 ||
		rep.Format != "csv" || rep.Encoding != "utf-8" || rep.By != "root" || rep.Failed != "" || rep.Finished.IsZero() {
		t.Errorf("report = %+v, want %d rows, %d created, none updated", rep, len(rows), properties)
	}
	if n := f.RegistryCount(); n != base+properties {
		t.Errorf("registry holds %d properties, want %d", n, base+properties)
	}
	if len(progress) == 0 || progress[len(progress)-1].Rows != len(rows) || progress[len(progress)-1].BytesRead == 0 {
		t.Errorf("progress = %+v", progress)
	}
	p1 := f.property("110105", vfCertNo(1))
	if !slices.Equal(ownerNames(p1), []string{"司马骏", "诸葛蕾"}) || p1.Owners[0].IDType != "resident_id" ||
		p1.Owners[0].Share != "50%" || p1.Owners[1].IDNo != vfID(3) || p1.CertType != "01" || p1.Source != "import:export.csv" ||
		p1.Area != 89.5 || p1.Use != "住宅" || p1.Address != vfAddress || p1.ImportID != rep.ID ||
		!p1.RegisteredOn.Equal(time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("adjacent co-owners: %+v", p1)
	}
	p2 := f.property("110105", vfCertNo(2))
	if !slices.Equal(ownerNames(p2), []string{"欧阳麒", "上官黛", "皇甫嵩"}) {
		t.Errorf("co-owners across batches: %q", ownerNames(p2))
	}
	if !p2.Seized {
		t.Errorf("the restriction on the certificate's first row was lost when its later rows were merged: %+v", p2)
	}
	// Every co-owner verifies; the seized property is refused.
	f.mustVerify(f.clerk, vfInput(vfCertNo(1), vfOwner("诸葛蕾", vfID(3))))
	_, err = f.Verify(f.clerk, vfInput(vfCertNo(2), vfOwner("皇甫嵩", vfID(5))))
	wantRefusal(t, err, "cert_no", "verify.seized")
}

func TestImportRegistryLaterImportWins(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(
		vfRow(vfCertNo(1), "司马骏", vfID(2)),
		vfRow(vfCertNo(1), "诸葛蕾", vfID(3), "seized", "是"),
	)
	first := f.property("110105", vfCertNo(1))
	f.clock.Advance(time.Hour)
	rep := f.importRows(vfRow(vfCertNo(1), "上官黛", vfID(4), "address", "北京市朝阳区麒麟路9号", "area", "120", "registered_on", "2026-01-15"))
	if rep.Created != 0 || rep.Updated != 1 || rep.Rows != 1 {
		t.Errorf("report = %+v", rep)
	}
	p := f.property("110105", vfCertNo(1))
	if p.ID != first.ID || !slices.Equal(ownerNames(p), []string{"上官黛"}) || p.Seized || p.Address != "北京市朝阳区麒麟路9号" ||
		p.Area != 120 || !p.Updated.Equal(f.now()) || p.ImportID != rep.ID {
		t.Errorf("after the second import: %+v", p)
	}
	// The former owners no longer verify; the new one does.
	_, err := f.Verify(f.agent, vfInput(vfCertNo(1), vfOwner("司马骏", vfID(2))))
	wantRefusal(t, err, "owner_id_no", "verify.owner_mismatch")
	in := vfInput(vfCertNo(1), vfOwner("上官黛", vfID(4)))
	in.Area = "120" // the area registered now
	f.mustVerify(f.agent, in)
	// The imports are listed newest first with the audit trail.
	list, err := f.RegistryImports(f.admin, 10)
	if err != nil || len(list) != 2 || list[0].ID != rep.ID {
		t.Fatalf("imports = %+v %v", list, err)
	}
	var audits []string
	for _, e := range f.auditEntries() {
		if e.Action == "registry.import" {
			audits = append(audits, e.Detail)
		}
	}
	if len(audits) != 2 || audits[1] != "test.csv: rows=1 created=0 updated=1 rejected=0 voided=0" {
		t.Errorf("import audit entries = %q", audits)
	}
}

func TestImportRegistryRejects(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	base := f.RegistryCount()
	rows := [][]string{
		vfRow(vfCertNo(1), "欧阳麒", vfID(1)),                                                    // line 2
		vfRow(vfCertNo(2), "司马骏", vfID(2), "cert_type", "房产证"),                                // 3
		vfRow(vfCertNo(3), "诸葛蕾", vfID(3), "owner_id_type", "驾驶证"),                            // 4
		vfRow(vfCertNo(4), "上官黛", vfID(4), "district_code", "11010"),                          // 5
		vfRow(vfCertNo(5), "皇甫嵩", vfID(5), "area", "abc"),                                     // 6
		vfRow(vfCertNo(6), "欧阳麒", vfID(1), "seized", "可能"),                                    // 7
		vfRow(vfCertNo(7), "欧阳麒", vfID(1), "cert_type", "Real estate title certificate"),      // 8: English name
		vfRow(vfCertNo(8), "欧阳麒", vfID(1), "cert_type", "02", "owner_id_type", "resident_id"), // 9: codes
	}
	rep, err := f.ImportRegistry(f.admin, bytes.NewReader(vfCSV(rows...)), "mixed.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 8 || rep.Rejected != 5 || rep.Created != 3 || rep.RejectBlob == 0 {
		t.Errorf("report = %+v", rep)
	}
	if n := f.RegistryCount(); n != base+3 {
		t.Errorf("properties %d, want %d", n, base+3)
	}
	if p := f.property("110105", vfCertNo(7)); p == nil || p.CertType != "01" {
		t.Errorf("cert type by English name: %+v", p)
	}
	if p := f.property("110105", vfCertNo(8)); p == nil || p.CertType != "02" {
		t.Errorf("cert type by code: %+v", p)
	}
	for _, n := range []int{2, 3, 4, 5, 6} {
		if p := f.property("110105", vfCertNo(n)); p != nil {
			t.Errorf("rejected row stored: %+v", p)
		}
	}
	data, err := f.RegistryRejects(f.admin, rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Error("the report lacks the BOM Excel needs")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"行号 line", "不动产权证号 cert_no", "字段 field", "原因 reason", "内容 value"},
		// The column as the file may head it, in either language.
		{"3", vfCertNo(2), "证书类型(cert_type)", "registry.cert_type_unknown", "房产证"},
		{"4", vfCertNo(3), "权利人证件类型(owner_id_type)", "registry.id_type_unknown", "驾驶证"},
		{"5", vfCertNo(4), "区县代码(district_code)", "registry.district_invalid", "11010"},
		{"6", vfCertNo(5), "建筑面积(area)", "registry.area_invalid", "abc"},
		{"7", vfCertNo(6), "查封(seized)", "registry.flag_invalid", "可能"},
	}
	if len(recs) != len(want) {
		t.Fatalf("report rows = %q", recs)
	}
	for i := range want {
		if !slices.Equal(recs[i], want[i]) {
			t.Errorf("report row %d = %q, want %q", i, recs[i], want[i])
		}
	}
	// An import without rejected rows has no report; a clerk gets none.
	clean := f.importRows(vfRow(vfCertNo(9), "欧阳麒", vfID(1)))
	_, err = f.RegistryRejects(f.admin, clean.ID)
	wantError(t, err, ENOTFOUND, "registry.report_not_found")
	_, err = f.RegistryRejects(f.clerk, rep.ID)
	wantError(t, err, EFORBIDDEN, "error.forbidden")
}

// TestImportRegistryRejectsUnverifiable: rows that verification could never
// pass (a district the dictionary does not know, a resident ID whose check
// character is wrong) are rejected with their line, field and reason; a
// district that is only disabled is kept, and so is a passport number that
// no checksum applies to.
func TestImportRegistryRejectsUnverifiable(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	var yanqing *DictEntry
	entries, err := f.Dict(DictDistrict, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Code == "110119" {
			yanqing = e
		}
	}
	if yanqing == nil {
		t.Fatal("the demo has no district 110119")
	}
	if _, err := f.SaveDictEntry(f.admin, DictDistrict, yanqing.ID, DictInput{Code: yanqing.Code, Name: yanqing.Name, NameEn: yanqing.NameEn, Sort: strconv.Itoa(yanqing.Sort)}); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		vfRow(vfCertNo(1), "欧阳麒", vfID(1)),                                              // line 2
		vfRow(vfCertNo(2), "司马骏", vfID(2), "district_code", "999999"),                   // 3
		vfRow(vfCertNo(3), "诸葛蕾", vfID(3), "district_code", "120101"),                   // 4: Tianjin, not in the dictionary
		vfRow(vfCertNo(4), "上官黛", "110105198001010012"),                                 // 5: check digit should be 6
		vfRow(vfCertNo(5), "皇甫嵩", "110105198001010016"),                                 // 6
		vfRow(vfCertNo(6), "欧阳麒", vfID(1), "district_code", "110119"),                   // 7: disabled, kept
		vfRow(vfCertNo(7), "司马骏", "E12345678", "owner_id_type", "护照"),                   // 8
		vfRow(vfCertNo(8), "诸葛蕾", "110105198013010016"),                                 // 9: no 13th month
		vfRow(vfCertNo(9), "上官黛", "110105198001010012", "owner_id_type", "港澳居民来往内地通行证"), // 10: not a resident ID
	}
	rep, err := f.ImportRegistry(f.admin, bytes.NewReader(vfCSV(rows...)), "unverifiable.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 9 || rep.Rejected != 4 || rep.Created != 5 {
		t.Errorf("report = %+v, want 9 rows, 4 rejected, 5 created", rep)
	}
	for _, c := range []struct {
		district string
		n        int
		stored   bool
	}{
		{"110105", 1, true}, {"999999", 2, false}, {"120101", 3, false}, {"110105", 4, false}, {"110105", 5, true},
		{"110119", 6, true}, {"110105", 7, true}, {"110105", 8, false}, {"110105", 9, true},
	} {
		if p := f.property(c.district, vfCertNo(c.n)); (p != nil) != c.stored {
			t.Errorf("certificate %d in %s: stored %+v, want stored %v", c.n, c.district, p, c.stored)
		}
	}
	data, err := f.RegistryRejects(f.admin, rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"行号 line", "不动产权证号 cert_no", "字段 field", "原因 reason", "内容 value"},
		{"3", vfCertNo(2), "区县代码(district_code)", "registry.district_unknown", "999999"},
		{"4", vfCertNo(3), "区县代码(district_code)", "registry.district_unknown", "120101"},
		{"5", vfCertNo(4), "权利人证件号码(owner_id_no)", "idcard.checksum", "110105198001010012"},
		{"9", vfCertNo(8), "权利人证件号码(owner_id_no)", "idcard.birth", "110105198013010016"},
	}
	if !slices.EqualFunc(recs, want, slices.Equal) {
		t.Errorf("report = %q, want %q", recs, want)
	}
	// The owner whose row was kept verifies.
	f.mustVerify(f.agent, vfInput(vfCertNo(5), vfOwner("皇甫嵩", "110105198001010016")))
}

func TestImportRegistryCertNoNormalised(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	typedInExcel := "京（２０２４）朝阳区 不动产权第\u3000００１２３４５号 "
	rep := f.importRows(vfRow(typedInExcel, "欧阳麒", vfID(1)))
	const half = "京(2024)朝阳区不动产权第0012345号"
	p := f.property("110105", half)
	if p == nil || p.CertNo != half || rep.Created != 1 {
		t.Fatalf("stored %+v (report %+v)", p, rep)
	}
	// Typed half-width, full-width, with 〔〕 or spaces: the same certificate.
	for _, typed := range []string{half, "京（2024）朝阳区不动产权第0012345号", "京〔2024〕朝阳区不动产权第 0012345 号", typedInExcel} {
		v := f.mustVerify(f.agent, vfInput(typed, vfOwner("欧阳麒", vfID(1))))
		if v.CertNo != half || v.PropertyID != p.ID {
			t.Errorf("typed %q: verification %+v", typed, v)
		}
	}
	// Importing the half-width form finds the same property (unchanged:
	// nothing to write).
	rep = f.importRows(vfRow(half, "欧阳麒", vfID(1)))
	if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 1 {
		t.Errorf("re-import in another form: %+v", rep)
	}
}

func TestImportRegistryGBKAndXLSX(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	rows := [][]string{
		vfRow(vfCertNo(1), "司马骏", vfID(2), "share", "50%"),
		vfRow(vfCertNo(1), "诸葛蕾", vfID(3), "share", "50%"),
		vfRow(vfCertNo(2), "欧阳麒", vfID(1), "district_code", "110108", "address", "北京市海淀区麒麟街1号"),
	}
	gbk := regfileTestGBK(t, vfCSV(rows...))
	if bytes.Contains(gbk, []byte("司马骏")) {
		t.Fatal("the GBK file is UTF-8")
	}
	rep, err := f.ImportRegistry(f.admin, bytes.NewReader(gbk), "登记导出.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Encoding != "gb18030" || rep.Format != "csv" || rep.Created != 2 || rep.Rejected != 0 {
		t.Errorf("report = %+v", rep)
	}
	p1 := f.property("110105", vfCertNo(1))
	p2 := f.property("110108", vfCertNo(2))
	if p1 == nil || !slices.Equal(ownerNames(p1), []string{"司马骏", "诸葛蕾"}) || p1.Address != vfAddress || p1.Use != "住宅" {
		t.Fatalf("GBK import: %+v", p1)
	}
	if p2 == nil || p2.Address != "北京市海淀区麒麟街1号" || p2.Owners[0].Name != "欧阳麒" {
		t.Fatalf("GBK import: %+v", p2)
	}
	f.mustVerify(f.clerk, vfInput(vfCertNo(1), vfOwner("司马骏", vfID(2))))

	// The same rows as a workbook.
	records := [][]any{regfileTestAny(regfileTestHeaderZh())}
	for _, r := range rows {
		r = slices.Clone(r)
		r[regfileTestCol("cert_no")] = strings.Replace(r[regfileTestCol("cert_no")], "2024", "2025", 1)
		records = append(records, regfileTestAny(r))
	}
	rep, err = f.ImportRegistry(f.admin, bytes.NewReader(regfileTestXLSX(t, records...)), "登记导出.xlsx", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != "xlsx" || rep.Created != 2 || rep.Rejected != 0 {
		t.Errorf("XLSX report = %+v", rep)
	}
	x := f.property("110105", strings.Replace(vfCertNo(1), "2024", "2025", 1))
	if x == nil || !slices.Equal(ownerNames(x), []string{"司马骏", "诸葛蕾"}) {
		t.Errorf("XLSX import: %+v", x)
	}
}

// TestImportRegistryXLSXProgress: an XLSX file is spooled whole before its
// first row is read, so its bytes showed the progress page and the console
// at 100% from the first report while the rows were still being imported.
// Its progress is counted in rows against the sheet's dimension.
func TestImportRegistryXLSXProgress(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	records := [][]any{regfileTestAny(regfileTestHeaderZh())}
	for _, r := range vfFiller(12000) {
		records = append(records, regfileTestAny(r))
	}
	// excelize records the dimension as "A1"; Excel and WPS write the
	// whole range.
	wb, err := excelize.OpenReader(bytes.NewReader(regfileTestXLSX(t, records...)))
	if err != nil {
		t.Fatal(err)
	}
	if err := wb.SetSheetDimension("Sheet1", "A1:P12001"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	var percents []int
	rep, err := f.ImportRegistry(f.admin, bytes.NewReader(file), "登记导出.xlsx", func(p ImportProgress) {
		percents = append(percents, p.Percent(int64(len(file))))
	})
	if err != nil || rep.Created != 12000 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	// Reports at 5000 and 10000 rows of 12001, then the end.
	if !slices.Equal(percents, []int{41, 83, 100}) {
		t.Errorf("progress of the XLSX import = %v%%, want [41 83 100]", percents)
	}
	// A workbook that does not record its size (or records "A1"): the
	// share is not known, rather than shown as done.
	percents = nil
	f.ImportRegistry(f.admin, bytes.NewReader(regfileTestXLSX(t, records...)), "登记导出.xlsx", func(p ImportProgress) {
		percents = append(percents, p.Percent(10))
	})
	if len(percents) == 0 || percents[0] != -1 {
		t.Errorf("progress of an XLSX file without its dimension = %v%%, want -1 (not known) before the end", percents)
	}
	if got := (ImportProgress{Format: "csv", BytesRead: 25}).Percent(100); got != 25 {
		t.Errorf("CSV: %d%%, want 25", got)
	}
}

func TestImportRegistryFileErrors(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	base := f.RegistryCount()
	header := regfileTestHeaderZh()
	area := regfileTestCol("area")
	cut := func(rec []string) []string { return slices.Delete(slices.Clone(rec), area, area+1) }
	data := regfileTestCSV(cut(header), cut(vfRow(vfCertNo(1), "欧阳麒", vfID(1))))
	rep, err := f.ImportRegistry(f.admin, bytes.NewReader(data), "no-area.csv", nil)
	e := wantError(t, err, EINVALID, "registry.file_missing_column")
	if e.Fields["file"] != "registry.file_missing_column" {
		t.Errorf("fields = %v", e.Fields)
	}
	if rep == nil || rep.Failed != "registry.file_missing_column" || !slices.Equal(rep.FailedCols, []string{"建筑面积(area)"}) ||
		rep.Created != 0 || rep.Rows != 0 {
		t.Errorf("report = %+v", rep)
	}
	if n := f.RegistryCount(); n != base {
		t.Errorf("a file missing a column wrote %d properties", n-base)
	}
	// The failed import is kept with its reason.
	list, _ := f.RegistryImports(f.admin, 1)
	if len(list) != 1 || list[0].Failed != "registry.file_missing_column" {
		t.Errorf("imports = %+v", list)
	}
	if e := f.lastAudit(); e.Action != "registry.import" || !strings.Contains(e.Detail, "failed=registry.file_missing_column") {
		t.Errorf("audit = %+v", e)
	}
	// Not a table at all.
	_, err = f.ImportRegistry(f.admin, bytes.NewReader([]byte("%PDF-1.7\n\x00\x01\x02binary")), "scan.pdf", nil)
	wantError(t, err, EINVALID, "registry.file_unknown_format")
	if n := f.RegistryCount(); n != base {
		t.Errorf("a PDF wrote %d properties", n-base)
	}
}

func TestImportRegistryPermission(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	base := f.RegistryCount()
	imports := func() int {
		var n int
		_ = f.db.View(func(tx *storage.Tx) error { n = importTable.Count(tx); return nil })
		return n
	}
	before := imports()
	data := vfCSV(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	for _, actor := range []Actor{f.clerk, f.reviewer, f.viewer, f.agent, f.leju} {
		_, err := f.ImportRegistry(actor, bytes.NewReader(data), "x.csv", nil)
		wantError(t, err, EFORBIDDEN, "error.forbidden")
		path := filepath.Join(t.TempDir(), "upload.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = f.StartRegistryImport(actor, path, "x.csv")
		wantError(t, err, EFORBIDDEN, "error.forbidden")
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("a refused upload was left on disk: %v", err)
		}
		_, err = f.RegistryImports(actor, 10)
		wantError(t, err, EFORBIDDEN, "error.forbidden")
	}
	if n := f.RegistryCount(); n != base || imports() != before {
		t.Errorf("refused imports wrote: properties %d → %d, imports %d → %d", base, n, before, imports())
	}
}

func TestStartRegistryImport(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	base := f.RegistryCount()
	rows := concatRows(vfFiller(3000), [][]string{vfRow(vfCertNo(1), "欧阳麒", vfID(1), "area", "很大")})
	path := filepath.Join(t.TempDir(), "upload-1.tmp")
	if err := os.WriteFile(path, vfCSV(rows...), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := f.StartRegistryImport(f.admin, path, "月度导出.csv")
	if err != nil {
		t.Fatal(err)
	}
	var st ImportState
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err = f.ImportState(f.admin, id)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Running {
			break
		}
		if st.Percent < 0 || st.Percent > 100 {
			t.Errorf("percent %d", st.Percent)
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still running: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := st.Report
	if st.Percent != 100 || st.Rows != 3001 || st.Rejected != 1 || r.Rows != 3001 || r.Created != 3000 ||
		r.Rejected != 1 || r.Failed != "" || r.Finished.IsZero() || r.File != "月度导出.csv" || r.By != "root" {
		t.Errorf("state = %+v, report %+v", st, r)
	}
	if n := f.RegistryCount(); n != base+3000 {
		t.Errorf("properties %d, want %d", n, base+3000)
	}
	// The uploaded file is removed once done.
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("upload left behind: %v", err)
	}
	_, err = f.ImportState(f.admin, id+100)
	wantError(t, err, ENOTFOUND, "registry.import_not_found")
	_, err = f.ImportState(f.clerk, id)
	wantError(t, err, EFORBIDDEN, "error.forbidden")
}

// TestStreamedImportShownRunning: an import read from a stream (the
// console's, sent through the running platform) was shown on its page as
// "interrupted (service restart)" while it ran, having no job; only an
// import that no process runs is interrupted, in the history too.
func TestStreamedImportShownRunning(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := f.ImportRegistry(f.admin, pr, "console.csv", nil)
		done <- err
	}()
	// The header and a first row, then the console is still sending.
	if _, err := pw.Write(vfCSV(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))); err != nil {
		t.Fatal(err)
	}
	var list []*RegistryImport
	for i := 0; i < 200 && (len(list) == 0 || list[0].File != "console.csv"); i++ {
		list, _ = f.RegistryImports(f.admin, 1)
		time.Sleep(10 * time.Millisecond)
	}
	if len(list) == 0 || list[0].File != "console.csv" || list[0].Failed != "" {
		t.Fatalf("the running import in the history: %+v", list)
	}
	st, err := f.ImportState(f.admin, list[0].ID)
	if err != nil || !st.Running || st.Report.Failed != "" {
		t.Errorf("the running import's page: %+v %+v, %v", st, st.Report, err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, _ = f.ImportState(f.admin, list[0].ID)
	if st.Running || st.Report.Failed != "" || st.Report.Created != 1 {
		t.Errorf("the finished import: %+v %+v", st, st.Report)
	}

	// A report left unfinished by a stopped platform: no job runs it.
	rep, _, err := f.beginImport(f.admin, "stopped.csv", 100)
	if err != nil {
		t.Fatal(err)
	}
	f.imports.Delete(rep.ID)
	list, _ = f.RegistryImports(f.admin, 1)
	if st, _ := f.ImportState(f.admin, rep.ID); st.Report.Failed != "registry.import_interrupted" ||
		len(list) == 0 || list[0].ID != rep.ID || list[0].Failed != "registry.import_interrupted" {
		t.Errorf("the interrupted import: page %+v, history %+v", st.Report, list)
	}
}

func TestReimportVoidsVerifications(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	p1 := vfRow(vfCertNo(1), "欧阳麒", vfID(1))
	p2 := vfRow(vfCertNo(2), "司马骏", vfID(2))
	p3a := vfRow(vfCertNo(3), "诸葛蕾", vfID(3), "share", "50%")
	p3b := vfRow(vfCertNo(3), "上官黛", vfID(4), "share", "50%")
	filler := vfFiller(importBatch + 10)
	// Co-owner rows of P3 far apart, as the centre's export may have them.
	file := concatRows([][]string{p1, p2, p3a}, filler, [][]string{p3b})
	f.importRows(file...)

	v1 := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	revoked := f.mustVerify(f.agent, sharedRoom(vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))), "B"))
	if _, err := f.RevokeVerification(f.clerk, revoked.Code, "录入错误"); err != nil {
		t.Fatal(err)
	}
	v2 := f.mustVerify(f.leju, vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2))))
	v3 := f.mustVerify(f.clerk, vfInput(vfCertNo(3), vfOwner("上官黛", vfID(4))))

	// The same export again, and once more with a mortgage registered:
	// nothing a verification relies on changed.
	// Nothing is written for what is unchanged, but P3, whose first owner's
	// row comes a batch before the second's, which the first batch alone
	// shows with one owner.
	f.clock.Advance(time.Hour)
	before := f.property("110105", vfCertNo(2))
	rep := f.importRows(file...)
	if rep.Voided != 0 || rep.Updated != 1 || rep.Unchanged != 2+len(filler) || rep.Created != 0 {
		t.Errorf("unchanged re-import: %+v", rep)
	}
	if after := f.property("110105", vfCertNo(2)); !after.Updated.Equal(before.Updated) || after.ImportID != before.ImportID {
		t.Errorf("an unchanged property was written again: %+v, was %+v", after, before)
	}
	if got := ownerNames(f.property("110105", vfCertNo(3))); !slices.Equal(got, []string{"诸葛蕾", "上官黛"}) {
		t.Errorf("P3's owners after the re-import = %q", got)
	}
	mortgaged := slices.Clone(p1)
	mortgaged[regfileTestCol("mortgaged")] = "是"
	if rep := f.importRows(mortgaged); rep.Voided != 0 {
		t.Errorf("a mortgage voided codes: %+v", rep)
	}
	for _, v := range []*Verification{v1, v2, v3} {
		if s := f.stored(v.Code); s.Status != VStatusValid {
			t.Errorf("%s after an unchanged re-import: %s %s", v.Code, s.Status, s.EndReason)
		}
	}

	// P1 seized: its valid code is voided, the revoked one stays revoked.
	f.clock.Advance(time.Hour)
	seized := slices.Clone(p1)
	seized[regfileTestCol("seized")] = "是"
	rep = f.importRows(seized, p3a, p3b)
	if rep.Voided != 1 || rep.Updated != 1 || rep.Unchanged != 1 {
		t.Errorf("seizure report = %+v", rep)
	}
	s1 := f.stored(v1.Code)
	if s1.Status != VStatusVoided || s1.EndReason != "verify.seized" || !s1.Ended.Equal(f.now()) || s1.EndedBy != "root" {
		t.Errorf("seized property's code = %+v", s1)
	}
	if s := f.stored(revoked.Code); s.Status != VStatusRevoked || s.EndReason != "录入错误" {
		t.Errorf("revoked code became %+v", s)
	}
	pc, err := f.CheckCode(v1.Code)
	if err != nil || pc.State != VStatusVoided || pc.EndReason != "verify.seized" || !pc.Ended.Equal(f.now()) {
		t.Errorf("public check = %+v %v", pc, err)
	}
	var voidAudit *AuditEntry
	for _, e := range f.auditEntries() {
		if e.Action == "verification.void" && e.RecordID == v1.ID {
			voidAudit = e
		}
	}
	if voidAudit == nil || voidAudit.Detail != v1.Code+" verify.seized" {
		t.Errorf("void audit = %+v", voidAudit)
	}
	// Visible in the list, for the agency and the district's clerk.
	for _, actor := range []Actor{f.agent, f.clerk} {
		page, err := f.SearchVerifications(actor, VerificationQuery{Status: VStatusVoided, Text: vfCertNo(1)})
		if err != nil || page.Total != 1 || page.Items[0].Code != v1.Code || page.Items[0].EndReason != "verify.seized" {
			t.Errorf("%s's voided list = %+v %v", actor.Username, page, err)
		}
	}
	// A new verification of P1 is refused.
	_, err = f.Verify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	wantRefusal(t, err, "cert_no", "verify.seized")

	// P2 sold: another owner. Its code, checked while valid, says voided
	// at the next check.
	if pc, err := f.CheckCode(v2.Code); err != nil || pc.State != VStatusValid || pc.EndReason != "" {
		t.Errorf("public check before the sale = %+v %v", pc, err)
	}
	f.clock.Advance(time.Hour)
	sold := slices.Clone(p2)
	sold[regfileTestCol("owner_name")], sold[regfileTestCol("owner_id_no")] = "皇甫嵩", vfID(5)
	rep = f.importRows(sold)
	if rep.Voided != 1 {
		t.Errorf("owner change report = %+v", rep)
	}
	s2 := f.stored(v2.Code)
	if s2.Status != VStatusVoided || s2.EndReason != "verify.owner_changed" {
		t.Errorf("sold property's code = %+v", s2)
	}
	if pc, err := f.CheckCode(v2.Code); err != nil || pc.State != VStatusVoided || pc.EndReason != "verify.owner_changed" {
		t.Errorf("public check = %+v %v", pc, err)
	}
	if s := f.stored(v3.Code); s.Status != VStatusValid {
		t.Errorf("unrelated code = %+v", s)
	}
	// P4 gains a co-owner whose row lies a batch away from the first
	// owner's: the owners changed, though the first rows looked the same.
	p4 := vfRow(vfCertNo(4), "东方朔", vfID(6))
	f.importRows(p4)
	v4 := f.mustVerify(f.agent, vfInput(vfCertNo(4), vfOwner("东方朔", vfID(6))))
	rep = f.importRows(concatRows([][]string{p4}, filler, [][]string{vfRow(vfCertNo(4), "令狐冲", vfID(8))})...)
	if got := ownerNames(f.property("110105", vfCertNo(4))); !slices.Equal(got, []string{"东方朔", "令狐冲"}) {
		t.Errorf("owners after a co-owner was added = %q", got)
	}
	if s := f.stored(v4.Code); rep.Voided != 1 || s.Status != VStatusVoided || s.EndReason != "verify.owner_changed" {
		t.Errorf("co-owner added far apart: report voided %d, code %s %q", rep.Voided, s.Status, s.EndReason)
	}
	// An expired code is not voided: it stays expired.
	f.clock.Advance(91 * 24 * time.Hour)
	rep = f.importRows(vfRow(vfCertNo(3), "诸葛蕾", vfID(3), "disputed", "是"))
	if rep.Voided != 0 {
		t.Errorf("an expired code was voided: %+v", rep)
	}
	if s := f.stored(v3.Code); s.Status != VStatusValid || s.State(f.now()) != VStatusExpired {
		t.Errorf("expired code = %+v", s)
	}
}

// BenchmarkImportCSV imports a generated export of 100,000 rows (50,000
// co-owned properties): "new" into an empty registry, "again" the same
// file over the first import (every property updated and its owners
// compared). Without the race detector:
//
//	go test -run '^$' -bench ImportCSV -benchtime 3x ./app/
func BenchmarkImportCSV(b *testing.B) {
	const n = 100000
	var buf bytes.Buffer
	if err := regfileTestGenCSV(&buf, n); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	admin := SystemActor("bench")
	for _, again := range []bool{false, true} {
		name := "new"
		if again {
			name = "again"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				a, err := Open(Config{DataDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				benchDistricts(b, a)
				if again {
					if _, err := a.ImportRegistry(admin, bytes.NewReader(data), "first.csv", nil); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				rep, err := a.ImportRegistry(admin, bytes.NewReader(data), "bench.csv", nil)
				if err != nil || rep.Rows != n || rep.Created+rep.Updated != n/2 || rep.Rejected != 0 {
					b.Fatalf("import: %+v %v", rep, err)
				}
				b.StopTimer()
				if err := a.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
