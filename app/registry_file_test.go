package app

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// regfileTestHeaderZh is the template header in Chinese.
func regfileTestHeaderZh() []string {
	h := make([]string, len(RegistryColumns))
	for i, c := range RegistryColumns {
		h[i] = c.Zh
	}
	return h
}

// regfileTestGood is a valid row in template column order.
func regfileTestGood() []string {
	return []string{"110105", "不动产权证书", "京(2024)朝阳区不动产权第0012345号", "张三", "居民身份证", "110105198503124013",
		"50%", "北京市朝阳区示例路1号院2号楼3单元401", "89.5", "住宅", "否", "是", "否", "否", "否", "2024-05-20"}
}

// regfileTestWant is what regfileTestGood reads as (Line aside).
func regfileTestWant(line int) RegistryRow {
	return RegistryRow{Line: line, District: "110105", CertType: "不动产权证书", CertNo: "京(2024)朝阳区不动产权第0012345号",
		OwnerName: "张三", OwnerIDType: "居民身份证", OwnerIDNo: "110105198503124013", Share: "50%",
		Address: "北京市朝阳区示例路1号院2号楼3单元401", Area: 89.5, Use: "住宅", Mortgaged: true,
		RegisteredOn: time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)}
}

func regfileTestCol(key string) int {
	for i, c := range RegistryColumns {
		if c.Key == key {
			return i
		}
	}
	panic("no column " + key)
}

// regfileTestWith returns the good row with some columns replaced.
func regfileTestWith(kv ...string) []string {
	rec := regfileTestGood()
	for i := 0; i < len(kv); i += 2 {
		rec[regfileTestCol(kv[i])] = kv[i+1]
	}
	return rec
}

func regfileTestCSV(records ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(records)
	return b.Bytes()
}

func regfileTestGBK(t testing.TB, b []byte) []byte {
	t.Helper()
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// regfileTestXLSX writes records to the first sheet of a workbook; an int
// cell is written as a number, a float64 as a number, a bool as a boolean,
// a time.Time as an Excel date (serial number with a date format).
func regfileTestXLSX(t testing.TB, records ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, rec := range records {
		if rec == nil {
			continue // leaves an empty row
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &rec); err != nil {
			t.Fatal(err)
		}
	}
	// A second sheet that must not be read.
	if _, err := f.NewSheet("说明"); err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("说明", "A1", "区县代码")
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func regfileTestAny(rec []string) []any {
	out := make([]any, len(rec))
	for i, s := range rec {
		out[i] = s
	}
	return out
}

type regfileTestResult struct {
	info    RegistryFileInfo
	rows    []RegistryRow
	rejects []RegistryRowError
	err     error
}

func regfileTestRead(data []byte, name string) regfileTestResult {
	var res regfileTestResult
	res.info, res.err = ReadRegistryFile(bytes.NewReader(data), name,
		func(r RegistryRow) error { res.rows = append(res.rows, r); return nil },
		func(e RegistryRowError) { res.rejects = append(res.rejects, e) })
	return res
}

func TestRegistryFileFormats(t *testing.T) {
	good := regfileTestGood()
	second := regfileTestWith("owner_name", "李四", "owner_id_no", "110105198707264026")
	wantSecond := regfileTestWant(3)
	wantSecond.OwnerName, wantSecond.OwnerIDNo = "李四", "110105198707264026"
	utf8CSV := regfileTestCSV(regfileTestHeaderZh(), good, second)

	// English headers in another order, with upper case, spaces and extra columns.
	perm := []int{15, 2, 0, 1, 3, 5, 4, 7, 6, 9, 8, 14, 13, 12, 11, 10}
	enHeader := []string{"备注"}
	for _, i := range perm {
		k := RegistryColumns[i].Key
		if i == 0 {
			k = " District_Code "
		}
		if i == 8 {
			k = "AREA"
		}
		enHeader = append(enHeader, k)
	}
	enHeader = append(enHeader, "source")
	permute := func(rec []string) []string {
		out := []string{"内部备注"}
		for _, i := range perm {
			out = append(out, rec[i])
		}
		return append(out, "centre")
	}
	englishCSV := regfileTestCSV(enHeader, permute(good), permute(second))

	xlsxGood := regfileTestAny(good)
	xlsxGood[regfileTestCol("area")] = 89.5
	xlsxGood[regfileTestCol("registered_on")] = time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)
	xlsxSecond := regfileTestAny(second)
	xlsxSecond[regfileTestCol("mortgaged")] = true

	// Hand-written CSV: CRLF, quoted fields with commas, quotes and a line break, a bare quote.
	crlf := "\xEF\xBB\xBF" + strings.Join(regfileTestHeaderZh(), ",") + "\r\n" +
		`110105,不动产权证书,"京(2024)朝阳区不动产权第0012345号",张三,居民身份证,110105198503124013,50%,"北京市朝阳区示例路1号院2号楼3单元401",89.5,住宅,否,是,否,否,否,2024-05-20` + "\r\n" +
		`110105,不动产权证书,京(2024)朝阳区不动产权第0012346号,"王""五",居民身份证,11010819790903301X,,"北京市朝阳区示例路1号院,` + "\r\n" + `2号楼",89.5,住宅,,,,,,` + "\r\n" +
		`110105,不动产权证书,京(2024)朝阳区不动产权第0012347号,赵"六,居民身份证,11010819790903301X,,某地,89.5,住宅,,,,,,` + "\r\n"

	tests := []struct {
		name     string
		data     []byte
		filename string
		format   string
		encoding string
		ignored  []string
		want     []RegistryRow
	}{
		{"utf-8", utf8CSV, "registry.csv", "csv", "utf-8", nil, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"utf-8-bom", append([]byte("\xEF\xBB\xBF"), utf8CSV...), "registry.csv", "csv", "utf-8-bom", nil, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"gbk", regfileTestGBK(t, utf8CSV), "registry.csv", "csv", "gb18030", nil, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"gbk named xlsx", regfileTestGBK(t, utf8CSV), "registry.xlsx", "csv", "gb18030", nil, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"xlsx", regfileTestXLSX(t, regfileTestAny(regfileTestHeaderZh()), xlsxGood, xlsxSecond), "registry.xlsx", "xlsx", "", nil, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"xlsx named csv", regfileTestXLSX(t, regfileTestAny(regfileTestHeaderZh()), xlsxGood, xlsxSecond), "export.csv", "xlsx", "", nil, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"xlsx title row and gaps", regfileTestXLSX(t, []any{"不动产登记信息导出（2024年5月）"}, nil, regfileTestAny(regfileTestHeaderZh()), nil, xlsxGood),
			"registry.xlsx", "xlsx", "", nil, []RegistryRow{regfileTestWant(5)}},
		{"english headers reordered, extra columns", englishCSV, "registry.csv", "csv", "utf-8", []string{"备注", "source"}, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"english headers gbk", regfileTestGBK(t, englishCSV), "registry.csv", "csv", "gb18030", []string{"备注", "source"}, []RegistryRow{regfileTestWant(2), wantSecond}},
		{"crlf quoted lazy", []byte(crlf), "registry.csv", "csv", "utf-8-bom", nil, []RegistryRow{
			regfileTestWant(2),
			{Line: 3, District: "110105", CertType: "不动产权证书", CertNo: "京(2024)朝阳区不动产权第0012346号", OwnerName: `王"五`, OwnerIDType: "居民身份证",
				OwnerIDNo: "11010819790903301X", Address: "北京市朝阳区示例路1号院, 2号楼", Area: 89.5, Use: "住宅"},
			{Line: 5, District: "110105", CertType: "不动产权证书", CertNo: "京(2024)朝阳区不动产权第0012347号", OwnerName: `赵"六`, OwnerIDType: "居民身份证",
				OwnerIDNo: "11010819790903301X", Address: "某地", Area: 89.5, Use: "住宅"},
		}},
		{"header variants", regfileTestCSV(
			[]string{"*区县代码", "证书类型*", "不动产权证号", "权 利 人", "权利人证件类型", "权利人证件号码", "共有份额", "房屋坐落", "建筑面积（㎡）", "ＵＳＥ", "查封", "抵押", "异议", "注销", "限制交易", "登记日期", "", ""},
			append(good, "", "")), "registry.csv", "csv", "utf-8", nil, []RegistryRow{regfileTestWant(2)}},
		{"blank lines and empty rows skipped", regfileTestCSV(regfileTestHeaderZh(), make([]string, 16), good, []string{" ", "\u3000"}, second),
			"registry.csv", "csv", "utf-8", nil, []RegistryRow{regfileTestWant(3), func() RegistryRow { r := wantSecond; r.Line = 5; return r }()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := regfileTestRead(tt.data, tt.filename)
			if res.err != nil {
				t.Fatalf("err = %v", res.err)
			}
			if len(res.rejects) > 0 {
				t.Fatalf("rejects = %+v", res.rejects)
			}
			if res.info.Format != tt.format || res.info.Encoding != tt.encoding {
				t.Errorf("format/encoding = %q/%q, want %q/%q", res.info.Format, res.info.Encoding, tt.format, tt.encoding)
			}
			if res.info.Rows != len(tt.want) || res.info.Rejected != 0 {
				t.Errorf("info = %+v", res.info)
			}
			if !reflect.DeepEqual(res.info.Ignored, tt.ignored) {
				t.Errorf("ignored = %q, want %q", res.info.Ignored, tt.ignored)
			}
			if len(res.rows) != len(tt.want) {
				t.Fatalf("got %d rows, want %d: %+v", len(res.rows), len(tt.want), res.rows)
			}
			for i := range tt.want {
				if !reflect.DeepEqual(res.rows[i], tt.want[i]) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, res.rows[i], tt.want[i])
				}
			}
		})
	}
}

// TestRegistryFileCoOwners: one row per owner, co-owners share the certificate number.
func TestRegistryFileCoOwners(t *testing.T) {
	data := regfileTestCSV(regfileTestHeaderZh(),
		regfileTestWith("owner_name", "张三", "owner_id_no", "110105198503124013", "share", "1/2"),
		regfileTestWith("owner_name", "李四", "owner_id_no", "110105198707264026", "share", "1/2", "cert_no", "京（２０２４）朝阳区不动产权第００１２３４５号"),
		regfileTestWith("owner_name", "王五", "cert_no", "京(2023)海淀区不动产权第0067890号", "share", "单独所有"))
	res := regfileTestRead(data, "a.csv")
	if res.err != nil || len(res.rows) != 3 {
		t.Fatalf("err %v rows %d", res.err, len(res.rows))
	}
	if res.rows[0].CertNo != res.rows[1].CertNo || res.rows[0].OwnerName == res.rows[1].OwnerName || res.rows[2].CertNo == res.rows[0].CertNo {
		t.Errorf("co-owners: %+v", res.rows)
	}
	if res.rows[1].Share != "1/2" || res.rows[2].Share != "单独所有" {
		t.Errorf("shares %q %q", res.rows[1].Share, res.rows[2].Share)
	}
}

func TestRegistryFileNormalisation(t *testing.T) {
	tests := []struct {
		key, in string
		get     func(RegistryRow) any
		want    any
	}{
		{"cert_no", "京（２０２４）朝阳区不动产权第００１２３４５号", func(r RegistryRow) any { return r.CertNo }, "京(2024)朝阳区不动产权第0012345号"},
		{"cert_no", "京〔2024〕朝阳区 不动产权第\u30000012345号", func(r RegistryRow) any { return r.CertNo }, "京(2024)朝阳区不动产权第0012345号"},
		{"cert_no", "\t京(2024)朝阳区不动产权第0012345号\u200b", func(r RegistryRow) any { return r.CertNo }, "京(2024)朝阳区不动产权第0012345号"},
		{"owner_id_no", "１１０１０８ １９７９０９０３ ３０１ｘ", func(r RegistryRow) any { return r.OwnerIDNo }, "11010819790903301X"},
		{"owner_id_no", "e12345678", func(r RegistryRow) any { return r.OwnerIDNo }, "E12345678"},
		{"owner_id_no", `="110105198503124013"`, func(r RegistryRow) any { return r.OwnerIDNo }, "110105198503124013"},
		{"owner_name", "  John\u3000  Smith ", func(r RegistryRow) any { return r.OwnerName }, "John Smith"},
		{"district_code", "１１０１０５", func(r RegistryRow) any { return r.District }, "110105"},
		{"share", " 共同共有 ", func(r RegistryRow) any { return r.Share }, "共同共有"},
		{"cert_type", " 01 ", func(r RegistryRow) any { return r.CertType }, "01"},
		{"use", " 商业 ", func(r RegistryRow) any { return r.Use }, "商业"},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.in, func(t *testing.T) {
			res := regfileTestRead(regfileTestCSV(regfileTestHeaderZh(), regfileTestWith(tt.key, tt.in)), "a.csv")
			if res.err != nil || len(res.rows) != 1 {
				t.Fatalf("err %v rows %d rejects %+v", res.err, len(res.rows), res.rejects)
			}
			if got := tt.get(res.rows[0]); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRegistryFileRowErrors(t *testing.T) {
	tests := []struct {
		name   string
		rec    []string
		field  string
		reason string
		value  string
	}{
		{"district empty", regfileTestWith("district_code", ""), "district_code", "registry.district_invalid", ""},
		{"district 5 digits", regfileTestWith("district_code", "11010"), "district_code", "registry.district_invalid", "11010"},
		{"district letters", regfileTestWith("district_code", "朝阳区"), "district_code", "registry.district_invalid", "朝阳区"},
		{"cert type", regfileTestWith("cert_type", " "), "cert_type", "registry.cert_type_required", ""},
		{"cert no", regfileTestWith("cert_no", "\u3000"), "cert_no", "registry.cert_no_required", ""},
		{"owner name", regfileTestWith("owner_name", ""), "owner_name", "registry.owner_name_required", ""},
		{"owner id type", regfileTestWith("owner_id_type", ""), "owner_id_type", "registry.owner_id_type_required", ""},
		{"owner id no", regfileTestWith("owner_id_no", ""), "owner_id_no", "registry.owner_id_no_required", ""},
		{"owner id no mangled by Excel", regfileTestWith("owner_id_no", "1.10105E+17"), "owner_id_no", "registry.owner_id_no_invalid", "1.10105E+17"},
		{"address", regfileTestWith("address", ""), "address", "registry.address_required", ""},
		{"area empty", regfileTestWith("area", ""), "area", "registry.area_invalid", ""},
		{"area zero", regfileTestWith("area", "0"), "area", "registry.area_invalid", "0"},
		{"area negative", regfileTestWith("area", "-5"), "area", "registry.area_invalid", "-5"},
		{"area text", regfileTestWith("area", "约90平"), "area", "registry.area_invalid", "约90平"},
		{"area decimal comma", regfileTestWith("area", "89,5"), "area", "registry.area_invalid", "89,5"},
		{"area huge", regfileTestWith("area", "110105198503124013"), "area", "registry.area_invalid", "110105198503124013"},
		{"area exponent", regfileTestWith("area", "1e2"), "area", "registry.area_invalid", "1e2"},
		{"use", regfileTestWith("use", ""), "use", "registry.use_required", ""},
		{"flag seized", regfileTestWith("seized", "可能"), "seized", "registry.flag_invalid", "可能"},
		{"flag mortgaged", regfileTestWith("mortgaged", "2"), "mortgaged", "registry.flag_invalid", "2"},
		{"flag disputed", regfileTestWith("disputed", "yes!"), "disputed", "registry.flag_invalid", "yes!"},
		{"flag cancelled", regfileTestWith("cancelled", "已注销"), "cancelled", "registry.flag_invalid", "已注销"},
		{"flag restricted", regfileTestWith("restricted", "x"), "restricted", "registry.flag_invalid", "x"},
		{"date", regfileTestWith("registered_on", "2023-02-30"), "registered_on", "registry.date_invalid", "2023-02-30"},
		{"row short", regfileTestGood()[:9], "", "registry.row_short", "9/16"},
		{"first error wins", regfileTestWith("district_code", "1", "area", "x"), "district_code", "registry.district_invalid", "1"},
		{"long value cut", regfileTestWith("area", strings.Repeat("九", 100)), "area", "registry.area_invalid", strings.Repeat("九", 64) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A good row before and after: the bad one is reported and reading goes on.
			data := regfileTestCSV(regfileTestHeaderZh(), regfileTestGood(), tt.rec, regfileTestGood())
			res := regfileTestRead(data, "a.csv")
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.rows) != 2 || res.info.Rows != 2 || res.info.Rejected != 1 || len(res.rejects) != 1 {
				t.Fatalf("rows %d info %+v rejects %+v", len(res.rows), res.info, res.rejects)
			}
			wantCert := NormalizeCertNo(tt.rec[regfileTestCol("cert_no")])
			want := RegistryRowError{Line: 3, CertNo: wantCert, Field: tt.field, Reason: tt.reason, Value: tt.value}
			if res.rejects[0] != want {
				t.Errorf("reject = %+v, want %+v", res.rejects[0], want)
			}
			if res.rows[0].Line != 2 || res.rows[1].Line != 4 {
				t.Errorf("lines %d %d", res.rows[0].Line, res.rows[1].Line)
			}
		})
	}
}

func TestRegistryFileFlags(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"是", true}, {"否", false}, {"有", true}, {"无", false},
		{"Y", true}, {"N", false}, {"y", true}, {"n", false},
		{"yes", true}, {"no", false}, {"YES", true}, {"No", false},
		{"1", true}, {"0", false}, {"１", true}, {"０", false},
		{"true", true}, {"false", false}, {"TRUE", true}, {"False", false},
		{"", false}, {" 是 ", true}, {"Ｙ", true},
	}
	for _, col := range []string{"seized", "mortgaged", "disputed", "cancelled", "restricted"} {
		for _, tt := range tests {
			res := regfileTestRead(regfileTestCSV(regfileTestHeaderZh(),
				regfileTestWith("seized", "否", "mortgaged", "否", col, tt.in)), "a.csv")
			if res.err != nil || len(res.rows) != 1 {
				t.Fatalf("%s=%q: err %v rejects %+v", col, tt.in, res.err, res.rejects)
			}
			r := res.rows[0]
			got := map[string]bool{"seized": r.Seized, "mortgaged": r.Mortgaged, "disputed": r.Disputed, "cancelled": r.Cancelled, "restricted": r.Restricted}
			for k, v := range got {
				if want := k == col && tt.want; v != want {
					t.Errorf("%s=%q: %s = %v, want %v", col, tt.in, k, v, want)
				}
			}
		}
	}
	// An absent optional flag column is false.
	h, rec := regfileTestHeaderZh()[:10], regfileTestGood()[:10]
	res := regfileTestRead(regfileTestCSV(h, rec), "a.csv")
	if res.err != nil || len(res.rows) != 1 || res.rows[0].Mortgaged || !res.rows[0].RegisteredOn.IsZero() {
		t.Fatalf("without optional columns: %v %+v", res.err, res.rows)
	}
}

func TestRegistryFileDates(t *testing.T) {
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2023-05-01", d(2023, 5, 1), true},
		{"2023-5-1", d(2023, 5, 1), true},
		{"2023/5/1", d(2023, 5, 1), true},
		{"2023/05/01", d(2023, 5, 1), true},
		{"2023.5.1", d(2023, 5, 1), true},
		{"20230501", d(2023, 5, 1), true},
		{"2023年5月1日", d(2023, 5, 1), true},
		{"2023年05月01日", d(2023, 5, 1), true},
		{"2023年5月1号", d(2023, 5, 1), true},
		{"２０２３－０５－０１", d(2023, 5, 1), true},
		{"2023/5/1 0:00:00", d(2023, 5, 1), true},
		{"2023-05-01T00:00:00Z", d(2023, 5, 1), true},
		{"45047", d(2023, 5, 1), true},
		{"45047.5", d(2023, 5, 1), true},
		{"36526", d(2000, 1, 1), true},
		{"2024-02-29", d(2024, 2, 29), true},
		{"", time.Time{}, true},
		{"2023-02-29", time.Time{}, false},
		{"2023-13-01", time.Time{}, false},
		{"2023-5", time.Time{}, false},
		{"23-5-1", time.Time{}, false},
		{"1/5/2023", time.Time{}, false},
		{"2023", time.Time{}, false},
		{"999", time.Time{}, false},
		{"1899-12-31", time.Time{}, false},
		{"2023-05-01-02", time.Time{}, false},
		{"2023/5-1", time.Time{}, false},
		{"五月一日", time.Time{}, false},
		{"20231301", time.Time{}, false},
	}
	for _, tt := range tests {
		res := regfileTestRead(regfileTestCSV(regfileTestHeaderZh(), regfileTestWith("registered_on", tt.in)), "a.csv")
		if res.err != nil {
			t.Fatal(res.err)
		}
		if !tt.ok {
			if len(res.rejects) != 1 || res.rejects[0].Reason != "registry.date_invalid" || res.rejects[0].Field != "registered_on" {
				t.Errorf("%q: rows %+v rejects %+v, want registry.date_invalid", tt.in, res.rows, res.rejects)
			}
			continue
		}
		if len(res.rows) != 1 || !res.rows[0].RegisteredOn.Equal(tt.want) {
			t.Errorf("%q: rows %+v rejects %+v, want %v", tt.in, res.rows, res.rejects, tt.want)
		}
	}
}

func TestRegistryFileAreas(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"89.5", 89.5}, {"89.50", 89.5}, {"89", 89}, {"89.50㎡", 89.5}, {"89.5 ㎡", 89.5},
		{"89.5平方米", 89.5}, {"89.5平米", 89.5}, {"89.5m²", 89.5}, {"89.5M2", 89.5}, {"89.5 m2", 89.5},
		{"８９．５", 89.5}, {"８９．５０㎡", 89.5}, {"1,089.5", 1089.5}, {"1,089", 1089}, {"12,345,678.25", 0},
		{"1，089.5", 1089.5}, {"0.01", 0.01}, {" 89.5 ", 89.5},
		{"1,08.5", 0}, {"1089,5", 0}, {",089", 0}, {"89.", 0}, {".5", 0}, {"89.5.1", 0}, {"㎡", 0}, {"NaN", 0}, {"Inf", 0}, {"0x10", 0},
	}
	for _, tt := range tests {
		res := regfileTestRead(regfileTestCSV(regfileTestHeaderZh(), regfileTestWith("area", tt.in)), "a.csv")
		if res.err != nil {
			t.Fatal(res.err)
		}
		if tt.want == 0 {
			if len(res.rejects) != 1 || res.rejects[0].Reason != "registry.area_invalid" {
				t.Errorf("%q: rows %+v, want registry.area_invalid", tt.in, res.rows)
			}
			continue
		}
		if len(res.rows) != 1 || res.rows[0].Area != tt.want {
			t.Errorf("%q: rows %+v rejects %+v, want %v", tt.in, res.rows, res.rejects, tt.want)
		}
	}
}

func TestRegistryFileXLSXCells(t *testing.T) {
	// Cells as Excel users leave them: numbers, a date cell with a date
	// format (read raw: a serial number), booleans, an ID typed as text, a
	// formula-less blank tail.
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"区县代码", "证书类型", "不动产权证号", "权利人", "权利人证件类型", "权利人证件号码", "共有份额", "房屋坐落", "建筑面积", "规划用途", "查封", "抵押", "异议", "注销", "限制交易", "登记日期"})
	f.SetSheetRow("Sheet1", "A2", &[]any{110105, "01", "京(2024)朝阳区不动产权第0012345号", "张三", "1", "110105198503124013", 0.5, "北京市朝阳区示例路1号", 1089.25, "住宅", false, true, 0, 1, "否", 45047})
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle("Sheet1", "P2", "P2", style)
	f.SetSheetRow("Sheet1", "A3", &[]any{"110105", "01", "京(2024)朝阳区不动产权第0012346号", "李四", "1", "110105198707264026", nil, "北京市朝阳区示例路2号", "60", "住宅"})
	f.SetCellValue("Sheet1", "P4", time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC))
	f.SetSheetRow("Sheet1", "A4", &[]any{"110105", "01", "京(2024)朝阳区不动产权第0012347号", "王五", "1", nil, nil, "北京市朝阳区示例路3号", "60", "住宅"})
	f.SetCellDefault("Sheet1", "F4", "1.10105198503124E+17") // what Excel stores for an ID typed as a number
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	res := regfileTestRead(b.Bytes(), "upload.bin")
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.info.Format != "xlsx" || len(res.rows) != 2 || len(res.rejects) != 1 {
		t.Fatalf("info %+v rows %+v rejects %+v", res.info, res.rows, res.rejects)
	}
	r := res.rows[0]
	if r.District != "110105" || r.Area != 1089.25 || r.Share != "0.5" || r.Seized || !r.Mortgaged || r.Disputed || !r.Cancelled ||
		r.Restricted || !r.RegisteredOn.Equal(time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)) || r.Line != 2 {
		t.Errorf("row 2: %+v", r)
	}
	if r := res.rows[1]; r.Line != 3 || r.Area != 60 || !r.RegisteredOn.IsZero() {
		t.Errorf("row 3: %+v", r)
	}
	if e := res.rejects[0]; e.Line != 4 || e.Reason != "registry.owner_id_no_invalid" {
		t.Errorf("row 4: %+v", e)
	}
}

func TestRegistryFileErrors(t *testing.T) {
	header := regfileTestHeaderZh()
	without := func(keys ...string) []string {
		var h []string
	next:
		for _, c := range RegistryColumns {
			for _, k := range keys {
				if c.Key == k {
					continue next
				}
			}
			h = append(h, c.Zh)
		}
		return h
	}
	ole := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 600)...)
	garbage := make([]byte, 100000)
	x := uint32(2463534242)
	for i := range garbage {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		garbage[i] = byte(x)
	}
	garbageNoNUL := bytes.ReplaceAll(garbage, []byte{0}, []byte{1})
	tests := []struct {
		name    string
		data    []byte
		key     string
		columns []string
	}{
		{"empty file", nil, "registry.file_no_header", nil},
		{"only blanks", []byte(" \r\n\r\n"), "registry.file_no_header", nil},
		{"only BOM", []byte("\xEF\xBB\xBF"), "registry.file_no_header", nil},
		{"only empty rows", []byte(",,,\n,,,\n"), "registry.file_no_header", nil},
		{"data without header", regfileTestCSV(regfileTestGood(), regfileTestGood(), regfileTestGood(), regfileTestGood(), regfileTestGood(), regfileTestGood()), "registry.file_header_unknown", nil},
		{"another system's headings", []byte("a,b,c\n1,2,3\n"), "registry.file_header_unknown", nil},
		{"binary garbage", garbage, "registry.file_unknown_format", nil},
		{"binary garbage without NUL", garbageNoNUL, "registry.file_header_unknown", nil},
		{"legacy xls", ole, "registry.file_unknown_format", nil},
		{"html as xls", []byte("<html><table><tr><td>区县代码</td></tr></table></html>"), "registry.file_unknown_format", nil},
		{"utf-16", []byte("\xFF\xFE\x3A\x53"), "registry.file_unknown_format", nil},
		{"pdf", []byte("%PDF-1.7\n"), "registry.file_unknown_format", nil},
		{"empty zip", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), "registry.file_unknown_format", nil},
		{"corrupt zip", []byte("PK\x03\x04garbage"), "registry.file_unreadable", nil},
		{"word document", regfileTestZip(t, "[Content_Types].xml", "word/document.xml"), "registry.file_unknown_format", nil},
		{"zipped folder", regfileTestZip(t, "导出/说明.txt"), "registry.file_unknown_format", nil},
		{"workbook without its parts", regfileTestZip(t, "[Content_Types].xml", "xl/workbook.xml"), "registry.file_unreadable", nil},
		{"missing columns", regfileTestCSV(without("area", "use"), regfileTestGood()[:14]), "registry.file_missing_column", []string{"建筑面积(area)", "规划用途(use)"}},
		{"missing column gbk", regfileTestGBK(t, regfileTestCSV(without("cert_no"))), "registry.file_missing_column", []string{"不动产权证号(cert_no)"}},
		{"missing column xlsx", regfileTestXLSX(t, regfileTestAny(without("owner_id_no"))), "registry.file_missing_column", []string{"权利人证件号码(owner_id_no)"}},
		{"duplicate column", regfileTestCSV(append(header, "权利人")), "registry.file_duplicate_column", []string{"权利人", "权利人"}},
		{"duplicate zh/en", regfileTestCSV(append(header, "Owner_Name")), "registry.file_duplicate_column", []string{"权利人", "Owner_Name"}},
		{"duplicate xlsx", regfileTestXLSX(t, regfileTestAny(append(header, "area"))), "registry.file_duplicate_column", []string{"建筑面积", "area"}},
		{"runaway quote", []byte(strings.Join(header, ",") + "\n" + `110105,"不动产权证书` + strings.Repeat("\n"+strings.Repeat("x", 100), 12000)), "registry.file_unreadable", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := 0
			_, err := ReadRegistryFile(bytes.NewReader(tt.data), "registry.csv",
				func(RegistryRow) error { called++; return nil }, func(RegistryRowError) { called++ })
			var fe *RegistryFileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *RegistryFileError", err)
			}
			if fe.Key != tt.key || !reflect.DeepEqual(fe.Columns, tt.columns) {
				t.Errorf("err = %+v, want %s %q", fe, tt.key, tt.columns)
			}
			if called != 0 {
				t.Errorf("%d callbacks before a file error", called)
			}
			if !strings.HasPrefix(fe.Error(), tt.key) {
				t.Errorf("Error() = %q", fe.Error())
			}
		})
	}
}

// regfileTestZip is a zip archive of the named files, each a few bytes.
func regfileTestZip(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("<x/>"))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type regfileTestErrReader struct{ data []byte }

func (r *regfileTestErrReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestRegistryFileStops(t *testing.T) {
	var recs [][]string
	recs = append(recs, regfileTestHeaderZh())
	for i := 0; i < 2000; i++ { // more than the 64 KiB peek
		recs = append(recs, regfileTestWith("cert_no", fmt.Sprintf("京(2024)朝阳区不动产权第%07d号", i)))
	}
	data := regfileTestCSV(recs...)

	// An error from row stops reading and comes back as is.
	stop := errors.New("stop")
	n := 0
	info, err := ReadRegistryFile(bytes.NewReader(data), "a.csv", func(RegistryRow) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	}, nil)
	if err != stop || n != 3 || info.Rows != 2 {
		t.Errorf("err %v n %d info %+v", err, n, info)
	}

	// A reader failing half-way is file_unreadable, with the rows before it delivered.
	n = 0
	info, err = ReadRegistryFile(&regfileTestErrReader{data: data[:len(data)*2/3]}, "a.csv", func(RegistryRow) error { n++; return nil }, nil)
	var fe *RegistryFileError
	if !errors.As(err, &fe) || fe.Key != "registry.file_unreadable" || !errors.Is(err, io.ErrUnexpectedEOF) || n == 0 || n != info.Rows {
		t.Errorf("err %v n %d info %+v", err, n, info)
	}
}

// TestRegistryFileUTF8Boundary: a UTF-8 character cut by the end of the
// 64 KiB peek does not make the file GB18030.
func TestRegistryFileUTF8Boundary(t *testing.T) {
	head := strings.Join(regfileTestHeaderZh(), ",") + "\n"
	for pad := 0; pad < 3; pad++ {
		var b strings.Builder
		b.WriteString(head)
		rec := strings.Join(regfileTestGood(), ",") + "\n"
		for b.Len()+len(rec) < regfilePeekSize-200 {
			b.WriteString(rec)
		}
		// An ignored-free row whose address straddles the boundary.
		fill := regfilePeekSize - b.Len() - len("110105,不动产权证书,X,张三,居民身份证,1,,") - pad
		addr := strings.Repeat("a", fill) + strings.Repeat("坊", 10)
		b.WriteString("110105,不动产权证书,X,张三,居民身份证,1,," + addr + ",50,住宅,,,,,,\n")
		res := regfileTestRead([]byte(b.String()), "a.csv")
		if res.err != nil || res.info.Encoding != "utf-8" || len(res.rejects) != 0 {
			t.Fatalf("pad %d: err %v info %+v rejects %v", pad, res.err, res.info, res.rejects)
		}
		if last := res.rows[len(res.rows)-1]; last.Address != addr {
			t.Errorf("pad %d: address mangled", pad)
		}
	}
}

func TestRegistryFileTemplate(t *testing.T) {
	var c, x bytes.Buffer
	if err := RegistryTemplateCSV(&c); err != nil {
		t.Fatal(err)
	}
	if err := RegistryTemplateXLSX(&x); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(c.Bytes(), []byte("\xEF\xBB\xBF区县代码,证书类型,不动产权证号,权利人,")) || !bytes.Contains(c.Bytes(), []byte("\r\n")) {
		t.Errorf("CSV template starts %q", c.Bytes()[:40])
	}
	if len(RegistryColumns) != regfileNumCols {
		t.Fatalf("%d columns", len(RegistryColumns))
	}
	for name, data := range map[string][]byte{"csv": c.Bytes(), "xlsx": x.Bytes()} {
		res := regfileTestRead(data, "template."+name)
		if res.err != nil || len(res.rejects) != 0 || len(res.rows) != 3 || res.info.Format != name || len(res.info.Ignored) != 0 {
			t.Fatalf("%s: err %v info %+v rejects %+v", name, res.err, res.info, res.rejects)
		}
		if res.rows[0].CertNo != res.rows[1].CertNo || res.rows[0].OwnerIDNo == res.rows[1].OwnerIDNo || res.rows[2].CertNo == res.rows[0].CertNo {
			t.Errorf("%s: rows 1-2 must be co-owners, row 3 a single owner: %+v", name, res.rows)
		}
		for _, r := range res.rows {
			if err := CheckResidentID(r.OwnerIDNo); err != nil {
				t.Errorf("%s: %s: %v", name, r.OwnerIDNo, err)
			}
			if r.Area <= 0 || r.RegisteredOn.IsZero() || r.Use != "住宅" {
				t.Errorf("%s: %+v", name, r)
			}
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "产权登记" {
		t.Errorf("sheets %q", got)
	}
}

// regfileTestGenCSV writes a header and n rows (co-owner pairs) to w.
func regfileTestGenCSV(w io.Writer, n int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(regfileTestHeaderZh()); err != nil {
		return err
	}
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"}
	rec := regfileTestGood()
	for i := 0; i < n; i++ {
		rec[2] = "京(2024)朝阳区不动产权第" + strconv.Itoa(1000000+i/2) + "号"
		rec[3] = names[i%len(names)]
		// Distinct resident IDs with valid check characters: the importer
		// rejects any other.
		d17 := "110105" + time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000).Format("20060102") + strconv.Itoa(1000 + i%1000)[1:]
		rec[5] = d17 + string(residentIDCheckChar(d17))
		rec[7] = "北京市朝阳区示例路" + strconv.Itoa(i/2%500+1) + "号院" + strconv.Itoa(i%30+1) + "号楼" + strconv.Itoa(i%6+1) + "单元" + strconv.Itoa(i%28+1) + "01"
		rec[8] = strconv.Itoa(40+i%160) + "." + strconv.Itoa(i%10)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

type regfileTestCounter struct {
	r io.Reader
	n int64
}

func (c *regfileTestCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestRegistryFileMemory proves streaming: a 200,000-row CSV produced on the
// fly through a pipe is read with a flat heap.
func TestRegistryFileMemory(t *testing.T) {
	const n = 200000
	for _, enc := range []string{"utf-8", "gb18030"} {
		t.Run(enc, func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				var w io.Writer = pw
				if enc == "gb18030" {
					w = simplifiedchinese.GB18030.NewEncoder().Writer(pw)
				}
				pw.CloseWithError(regfileTestGenCSV(w, n))
			}()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base, peak := ms.HeapInuse, uint64(0)
			src := &regfileTestCounter{r: pr}
			rows := 0
			info, err := ReadRegistryFile(src, "big.csv", func(r RegistryRow) error {
				if rows++; rows%10000 == 0 {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
				return nil
			}, func(e RegistryRowError) { t.Errorf("reject %+v", e) })
			if err != nil {
				t.Fatal(err)
			}
			if rows != n || info.Rows != n || info.Encoding != enc {
				t.Fatalf("rows %d info %+v", rows, info)
			}
			t.Logf("%s: %d rows, %.1f MB streamed, HeapInuse base %.1f MB, peak %.1f MB",
				enc, rows, float64(src.n)/1e6, float64(base)/1e6, float64(peak)/1e6)
			if src.n < 30e6 {
				t.Errorf("file only %d bytes: too small to prove streaming", src.n)
			}
			// The whole file would be over 30 MB (over 100 MB as RegistryRow values).
			if peak > 50<<20 || peak-min(base, peak) > 16<<20 {
				t.Errorf("HeapInuse base %d MB, peak %d MB: the file is being held in memory", base>>20, peak>>20)
			}
		})
	}
}

func BenchmarkReadRegistryCSV(b *testing.B) {
	const n = 100000
	var buf bytes.Buffer
	if err := regfileTestGenCSV(&buf, n); err != nil {
		b.Fatal(err)
	}
	utf8Data := buf.Bytes()
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf8Data)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{{"utf-8", utf8Data}, {"gb18030", gbk}} {
		b.Run(c.name, func(b *testing.B) { regfileBench(b, c.data, n) })
	}
}

func BenchmarkReadRegistryXLSX(b *testing.B) {
	const n = 100000
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := regfileTestGenCSV(&buf, n); err != nil {
		b.Fatal(err)
	}
	cr := csv.NewReader(&buf)
	for i := 1; ; i++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		vals := regfileTestAny(rec)
		if i > 1 {
			vals[regfileTestCol("area")], _ = strconv.ParseFloat(rec[regfileTestCol("area")], 64)
			vals[regfileTestCol("registered_on")] = 45047
		}
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(cell, vals); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var x bytes.Buffer
	if err := f.Write(&x); err != nil {
		b.Fatal(err)
	}
	f.Close()
	regfileBench(b, x.Bytes(), n)
}

func regfileBench(b *testing.B, data []byte, n int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows := 0
		_, err := ReadRegistryFile(bytes.NewReader(data), "bench", func(RegistryRow) error { rows++; return nil }, nil)
		if err != nil || rows != n {
			b.Fatalf("err %v rows %d", err, rows)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
