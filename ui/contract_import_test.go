package ui_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/app"
)

func init() {
	backentry := string(app.PermBackEntry)
	const pre = "/gov/contracts/backentry"
	routeTable = append(routeTable,
		routeCase{"GET", pre + "/import", backentry, http.StatusOK},
		routeCase{"POST", pre + "/import", backentry, http.StatusConflict}, // disabled by the parameter
		routeCase{"GET", pre + "/imports/{id:[0-9]+}", backentry, http.StatusOK},
		routeCase{"GET", pre + "/imports/{id:[0-9]+}/rejects.csv", backentry, http.StatusOK},
		routeCase{"GET", pre + "/template.csv", backentry, http.StatusOK},
		routeCase{"GET", pre + "/template.xlsx", backentry, http.StatusOK},
	)
	routeFixtures = append(routeFixtures, contractImportRouteFixture)
}

// contractImportRouteFixture imports the template as the Chaoyang clerk
// (its example rows are refused: fictional properties), so that the report
// routes have a report of his district with refused rows.
func contractImportRouteFixture(t *testing.T, e *env) (map[string]uint64, map[string]url.Values) {
	e.setParams(app.ParamFilingRequiresSign, "false")
	defer e.setParams(app.ParamFilingRequiresSign, "true")
	var b bytes.Buffer
	if err := app.BackEntryTemplateCSV(&b); err != nil {
		t.Fatal(err)
	}
	imp, err := e.app.ImportBackEntries(e.actor("clerk"), &b, "template.csv")
	if err != nil || len(imp.Rejected) == 0 {
		t.Fatalf("import: %+v %v", imp, err)
	}
	return map[string]uint64{"/gov/contracts/backentry/imports/": imp.ID}, nil
}

// ciCSV is a bulk back-entry file for the clear demo property: a shared
// room three years ahead (clear of the demo's leases), and rows of
// problems.
func (e *env) ciCSV(rows ...map[string]string) []byte {
	e.t.Helper()
	p := e.flProperty()
	o := p.Owners[0]
	start := time.Now().AddDate(3, 2, 0)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := make([]string, len(app.BulkColumns))
	for i, c := range app.BulkColumns {
		header[i] = c.Zh
	}
	_ = w.Write(header)
	for _, set := range rows {
		v := map[string]string{"district_code": p.District, "cert_no": p.CertNo, "mode": "合租", "rooms": "批量一室",
			"lessor": o.Name, "lessor_id_no": o.IDNo, "lessee": "批量租客", "lessee_id_no": "110108199003070024",
			"lessee_phone": "13900003333", "start": start.Format(time.DateOnly), "end": start.AddDate(1, 0, -1).Format(time.DateOnly),
			"rent": "3800", "deposit": "3800", "payment_cycle": "月付", "signed_on": time.Now().AddDate(0, 0, -1).Format("2006/1/2")}
		for k, x := range set {
			v[k] = x
		}
		rec := make([]string, len(app.BulkColumns))
		for i, c := range app.BulkColumns {
			rec[i] = v[c.Key]
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

func TestContractImportThroughTheUI(t *testing.T) {
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")

	// The parameter on (the default): the page says why, without a form;
	// a post anyway is refused.
	r := clerk.get("/gov/contracts/backentry/import")
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, zh("contractimport.title"), zh("filing.backentry_disabled"), zh("contractimport.col.lessor"))
	wantNoText(t, r, `name="file"`)
	r = clerk.postFile("/gov/contracts/backentry/import", nil, "file", "a.csv", e.ciCSV(nil))
	wantStatus(t, r, http.StatusConflict)

	e.setParams(app.ParamFilingRequiresSign, "false")
	r = clerk.get("/gov/contracts/backentry/import")
	wantText(t, r, `name="file"`, "/gov/contracts/backentry/template.xlsx", zh("contractimport.no_imports"))
	// No file, and a file without a required column: the problem next to
	// the file field.
	r = clerk.post("/gov/contracts/backentry/import", url.Values{})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "file", zh("contractimport.file_required"))
	noRent := strings.Replace(string(e.ciCSV(nil)), "月租金", "租金?", 1)
	r = clerk.postFile("/gov/contracts/backentry/import", nil, "file", "a.csv", []byte(noRent))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "file", zh("registry.file_missing_column")+zh("contractimport.colon")+"月租金(rent)")

	// A good row and a refused one: the report lists both.
	data := e.ciCSV(nil, map[string]string{"rooms": "批量二室", "lessee_id_no": "110108199003070025"})
	r = clerk.postFile("/gov/contracts/backentry/import", nil, "file", "纸质合同.csv", data)
	wantRedirectPrefix(t, r, "/gov/contracts/backentry/imports/")
	report := r.Header.Get("Location")
	r = clerk.get(report)
	wantStatus(t, r, http.StatusOK)
	imps, err := e.app.ContractImports(e.actor("clerk"), 1)
	if err != nil || len(imps) != 1 || len(imps[0].Created) != 1 || len(imps[0].Rejected) != 1 {
		t.Fatalf("imports: %+v %v", imps, err)
	}
	created := imps[0].Created[0]
	wantText(t, r, zh("contractimport.done_with_rejects", 1, 1), created.No, app.MaskName("批量租客"),
		"/gov/contracts/"+itoa(created.ID), "/gov/filings/new?contract="+created.No,
		"承租人证件号码", zh("idcard.checksum"), app.MaskID("110108199003070025"))
	wantNoText(t, r, "110108199003070025", "批量租客")
	c, err := e.app.GetContract(e.actor("clerk"), created.ID)
	if err != nil || c.Status != app.ContractSigned || c.Source != app.ContractBackEntry || c.Listing.Room != "批量一室" {
		t.Fatalf("created contract: %+v %v", c, err)
	}

	// The refused rows as CSV, in the reader's language.
	r = clerk.get(report + "/rejects.csv")
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.HasPrefix(r.body, "\ufeff") {
		t.Errorf("rejects: %s %q", ct, r.body[:min(20, len(r.body))])
	}
	wantText(t, r, zh("contractimport.line"), "3,", "承租人证件号码", zh("idcard.checksum"))
	r = clerk.get(report+"/rejects.csv", "Accept-Language", "en")
	wantText(t, r, en("contractimport.line"), "(lessee_id_no)", en("idcard.checksum"))

	// Both languages, and the list of imports.
	r = clerk.get(report, "Accept-Language", "en")
	wantText(t, r, en("contractimport.report_title"), en("contractimport.done_with_rejects", 1, 1), en("contractimport.apply_filing"))
	r = clerk.get("/gov/contracts/backentry/import", "Accept-Language", "en")
	wantText(t, r, en("contractimport.title"), en("contractimport.col.payment_cycle"), "纸质合同.csv")

	// The same file again: the good row now overlaps the contract it made.
	r = clerk.postFile("/gov/contracts/backentry/import", nil, "file", "again.csv", data)
	r = clerk.get(r.Header.Get("Location"))
	wantText(t, r, zh("contract.overlap", created.No, c.Terms.Start.Format(time.DateOnly), c.Terms.End.Format(time.DateOnly)))

	// Templates download as what they are.
	for path, ct := range map[string]string{"/gov/contracts/backentry/template.csv": "text/csv",
		"/gov/contracts/backentry/template.xlsx": "application/vnd.openxmlformats"} {
		r = clerk.get(path)
		if got := http.DetectContentType([]byte(r.body)); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), ct) ||
			strings.HasSuffix(path, ".xlsx") && got != "application/zip" {
			t.Errorf("%s: %d %s (%s)", path, r.StatusCode, r.Header.Get("Content-Type"), got)
		}
	}

	// Haidian's clerk does not see Chaoyang's report.
	hd := e.signedIn("gov", "clerk.hd")
	wantStatus(t, hd.get(report), http.StatusNotFound)
}

// TestBulkEnteredContractAppliedWithItsScan: a contract of a bulk
// back-entry has no scan; applying for its filing asks for it beside the
// upload field (in both languages, the number typed kept), takes it with
// the application, and the candidates of its property offer the field.
func TestBulkEnteredContractAppliedWithItsScan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.signedIn("gov", "clerk")
	e.setParams(app.ParamFilingRequiresSign, "false")
	r := clerk.postFile("/gov/contracts/backentry/import", nil, "file", "纸质合同.csv", e.ciCSV(nil))
	wantRedirectPrefix(t, r, "/gov/contracts/backentry/imports/")
	imps, err := e.app.ContractImports(e.actor("clerk"), 1)
	if err != nil || len(imps) != 1 || len(imps[0].Created) != 1 {
		t.Fatalf("imports: %+v %v", imps, err)
	}
	created := imps[0].Created[0]

	p := e.flProperty()
	r = wantOK(t, clerk.post("/gov/filings/new", url.Values{"mode": {"cert"}, "district": {p.District}, "cert_no": {p.CertNo}}))
	wantText(t, r, created.No, `id="scan-`+itoa(created.ID)+`"`)

	for _, lang := range []string{"zh-CN", "en"} {
		clerk.setCookie("lang", lang)
		r = clerk.post("/gov/filings/new", url.Values{"mode": {"contract"}, "contract_no": {created.No}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "scan", msg(lang, "filing.scan_required_apply"))
		wantInputValue(t, r, "contract_no", created.No)
	}
	clerk.setCookie("lang", "zh-CN")
	// Chosen among the property's contracts without the scan: beside that
	// contract's field.
	r = clerk.post("/gov/filings/new", url.Values{"mode": {"cert"}, "district": {p.District}, "cert_no": {p.CertNo},
		"contract_id": {itoa(created.ID)}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "scan-"+itoa(created.ID), zh("filing.scan_required_apply"))

	r = clerk.postFile("/gov/filings/new", url.Values{"mode": {"contract"}, "contract_no": {created.No}}, "scan", "纸质合同.pdf", flPDF)
	wantStatus(t, r, http.StatusSeeOther)
	c, err := e.app.GetContract(e.actor("clerk"), created.ID)
	if err != nil || c.FilingStatus != app.FilingPending || !c.HasDoc("paper_contract") {
		t.Fatalf("applied with the scan: %q %+v %v", c.FilingStatus, c.Docs, err)
	}
}
