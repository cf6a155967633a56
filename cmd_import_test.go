package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anju/app"
)

// registryCSV is a registry export with two good rows and one without a
// certificate number.
const registryCSV = "区县代码,证书类型,不动产权证号,权利人,权利人证件类型,权利人证件号码,共有份额,房屋坐落,建筑面积,规划用途,查封,抵押,异议,注销,限制交易,登记日期\n" +
	"110105,不动产权证书,京(2025)朝阳区不动产权第7700001号,赵一,居民身份证,110105198001011238,,北京市朝阳区望京西路1号1单元101,88.5,住宅,否,否,否,否,否,2020-05-20\n" +
	"110105,不动产权证书,京(2025)朝阳区不动产权第7700002号,钱二,居民身份证,110105199002022347,,北京市朝阳区望京西路2号2单元202,66,住宅,否,是,否,否,否,2021-03-02\n" +
	"110105,不动产权证书,,孙三,居民身份证,110105199002022347,,北京市朝阳区望京西路3号,50,住宅,否,否,否,否,否,2021-03-02\n"

// TestImportRegistryCommandThroughRunningPlatform: `anju import-registry`
// while the platform runs sends the file to it (the data file is locked)
// instead of asking the officer to stop the service; the report is the
// same as offline, and file errors are worded the same.
func TestImportRegistryCommandThroughRunningPlatform(t *testing.T) {
	t.Parallel()
	// No district entered yet: the rows' districts are not checked (a new
	// installation may import the registry before its districts).
	p := startPlatform(t, false)
	file := filepath.Join(t.TempDir(), "centre.csv")
	if err := os.WriteFile(file, []byte(registryCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"import-registry", "--data", p.Config.DataDir, file}, &out, &errOut); err != nil {
		t.Fatalf("import-registry: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "through the running platform") {
		t.Errorf("the command does not say it went through the platform:\n%s", errOut.String())
	}
	// The bar measures what was sent (an XLSX file is read only once all
	// of it has arrived), then ends on the platform's report.
	if draws := strings.Split(strings.TrimSpace(errOut.String()), "\r"); !strings.Contains(errOut.String(), "100%  sent to the platform") ||
		!strings.Contains(draws[len(draws)-1], "100%  3 rows, 1 rejected") {
		t.Errorf("the bar through the platform:\n%q", errOut.String())
	}
	if !strings.Contains(out.String(), "of centre.csv (csv utf-8): 3 rows, 2 properties created, 0 updated, 0 unchanged, 1 rows rejected") {
		t.Errorf("report:\n%s", out.String())
	}
	// A file sent in many reads, faster than the bar is redrawn: "all
	// sent" is still drawn before the platform's report.
	big := registryCSV + strings.Repeat("110105,不动产权证书,,孙三,居民身份证,110105199002022347,,北京市朝阳区望京西路3号,50,住宅,否,否,否,否,否,2021-03-02\n", 4000)
	if err := os.WriteFile(file, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if err := run(context.Background(), []string{"import-registry", "--data", p.Config.DataDir, file}, &out, &errOut); err != nil {
		t.Fatalf("import-registry: %v\n%s", err, errOut.String())
	}
	if draws := strings.Split(strings.TrimSpace(errOut.String()), "\r"); len(draws) < 2 || !strings.Contains(draws[len(draws)-2], "100%  sent to the platform") {
		t.Errorf("the bar through the platform, all sent:\n%q", errOut.String())
	}
	imports, err := p.App.RegistryImports(app.SystemActor("test"), 5)
	if err != nil || len(imports) < 2 || imports[1].Created != 2 || !strings.Contains(imports[1].By, "import-registry") {
		t.Fatalf("imports in the platform: %d, first %+v, %v", len(imports), imports[0], err)
	}

	// A file that is not a registry export: worded as offline, not a key.
	bad := filepath.Join(t.TempDir(), "notes.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"import-registry", "--data", p.Config.DataDir, bad}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), msgEN("registry.file_header_unknown")) {
		t.Fatalf("a file without the columns: %v", err)
	}
	// Refused as a whole: no row counts of an import that did not happen.
	if got := out.String(); !strings.Contains(got, "of notes.csv: nothing imported") || strings.Contains(got, "0 rows") {
		t.Errorf("report of a refused file:\n%s", got)
	}
	// Not a table at all: no empty "( )" where the format goes either.
	out.Reset()
	if err := os.WriteFile(bad, []byte("%PDF-1.7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"import-registry", "--data", p.Config.DataDir, bad}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), msgEN("registry.file_unknown_format")) || strings.Contains(out.String(), "(") {
		t.Errorf("a PDF: %v\n%s", err, out.String())
	}
}

// TestControlEndpointsNeedTheToken: the control endpoints (which act as the
// system) refuse a caller without the control file's token, even on this
// machine, and do nothing.
func TestControlEndpointsNeedTheToken(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	base := "http://" + p.listener.Addr().String()
	for _, path := range []string{"/internal/import-registry?name=x.csv", "/internal/backup", "/internal/reset-password?user=admin",
		"/internal/apikey?name=x&rate=60"} {
		for _, auth := range []string{"", "Bearer wrong-token"} {
			req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(registryCSV))
			if err != nil {
				t.Fatal(err)
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %q: %d, want 403", path, auth, resp.StatusCode)
			}
		}
	}
	imports, err := p.App.RegistryImports(app.SystemActor("test"), 5)
	if err != nil || len(imports) != 0 {
		t.Errorf("refused imports were run: %d %v", len(imports), err)
	}
}

// TestImportRegistryCommandBarEndsAtTheEnd: the console's progress bar,
// redrawn at most twice a second, is drawn once more when the import is
// done, so that the officer does not see a finished import stop at the
// last figure drawn (it stopped at 5000 rows of 6000 here, and at 88% on
// a file of 300,000 rows).
func TestImportRegistryCommandBarEndsAtTheEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initDataFolder(t, dir)
	var b strings.Builder
	b.WriteString("区县代码,证书类型,不动产权证号,权利人,权利人证件类型,权利人证件号码,房屋坐落,建筑面积,规划用途\n")
	for i := range 6000 {
		fmt.Fprintf(&b, "110105,不动产权证书,京(2025)朝阳区不动产权第77%05d号,赵一,居民身份证,110105198001011238,北京市朝阳区望京西路%d号,88.5,住宅\n", i, i)
	}
	file := filepath.Join(t.TempDir(), "centre.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"import-registry", "--data", dir, file}, &out, &errOut); err != nil {
		t.Fatalf("import-registry: %v\n%s", err, errOut.String())
	}
	draws := strings.Split(strings.TrimSpace(errOut.String()), "\r")
	if last := draws[len(draws)-1]; !strings.Contains(last, "100%  6000 rows, 0 rejected") {
		t.Errorf("the bar ends at %q, want 100%% and 6000 rows:\n%q", last, errOut.String())
	}
}

// A file name left empty (an unset shell variable) or naming no file is
// told as such, with the command's form.
func TestImportRegistryCommandWithoutAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initDataFolder(t, dir)
	for _, tc := range []struct{ file, want string }{
		{"", "no registry file given: anju import-registry [--data DIR] FILE"},
		{"  ", "no registry file given"},
		{filepath.Join(dir, "missing.csv"), "cannot read the registry file: open " + filepath.Join(dir, "missing.csv") + ": no such file or directory"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"import-registry", "--data", dir, tc.file}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("import-registry %q: %v, want %q", tc.file, err, tc.want)
		}
	}
}
