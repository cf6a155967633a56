package ui_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFailedRegistryImportMarkedInHistory: a file the import could not
// read (no header row it knows) is marked failed in the history list,
// not shown as an import of nothing.
func TestFailedRegistryImportMarkedInHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	r := admin.postFile("/gov/admin/registry/import", nil, "file", "wrong.csv", []byte("a,b,c\n1,2,3\n"))
	if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d", r.StatusCode)
	}
	var list *resp
	for i := 0; i < 100; i++ { // the import runs in the background
		list = admin.get("/gov/admin/registry")
		if strings.Contains(list.body, "wrong.csv") && strings.Contains(list.body, zh("registry.failed_tag")) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the failed import is not marked in the history:\n%s", visibleText(list.body))
}

// TestRegistryImportMissingColumnsInEnglish: the import page names the
// missing columns after the language's colon, not a full-width "："
// inside an English sentence.
func TestRegistryImportMissingColumnsInEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	r := admin.postFile("/gov/admin/registry/import", nil, "file", "short.csv", []byte("区县代码,证书类型,不动产权证号,权利人,权利人证件类型,权利人证件号码,房屋坐落,建筑面积\n"))
	wantStatus(t, r, http.StatusSeeOther)
	page := r.Header.Get("Location")
	for i := 0; i < 100; i++ { // the import runs in the background
		r = admin.get(page, "Accept-Language", "en")
		if strings.Contains(r.body, en("registry.failed")) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantText(t, r, en("registry.failed")+en("registry.file_missing_column")+": 规划用途(use)")
	wantNoText(t, r, "：")
	r = admin.get(page)
	wantText(t, r, zh("registry.failed")+zh("registry.file_missing_column")+"：规划用途(use)")
}

// TestRegistryUploadOfAnEmptyFile: a chosen file of 0 bytes is refused
// beside the file field as empty, not as if none were chosen.
func TestRegistryUploadOfAnEmptyFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	r := admin.postFile("/gov/admin/registry/import", nil, "file", "export.csv", nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "file", zh("registry.file_empty"))
}

// TestRegistryImportOfAnUnknownHeader: a file with rows but no column the
// import knows (another system's headings) is not called empty: the page
// says no header row was found and what the first row must hold.
func TestRegistryImportOfAnUnknownHeader(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	r := admin.postFile("/gov/admin/registry/import", nil, "file", "export.csv", []byte("证号,姓名,地址\n京(2024)朝阳区不动产权第0012345号,张三,示例路1号\n"))
	wantStatus(t, r, http.StatusSeeOther)
	page := r.Header.Get("Location")
	for i := 0; i < 100; i++ { // the import runs in the background
		r = admin.get(page)
		if strings.Contains(r.body, zh("registry.failed")) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantText(t, r, zh("registry.failed")+zh("registry.file_header_unknown"))
	wantNoText(t, r, zh("registry.file_no_header"))
	wantText(t, admin.get(page, "Accept-Language", "en"), en("registry.failed")+en("registry.file_header_unknown"))
}

// TestRegistryHistoryEmptyRowSpansTheTable: before any import, the
// history's "no imports yet" row spans every column of its header, not all
// but the last (the row's border stopped short of the table's).
func TestRegistryHistoryEmptyRowSpansTheTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := wantOK(t, e.signedIn("gov", "sysadmin").get("/gov/admin/registry"))
	table := regexp.MustCompile(`(?s)<h2>` + regexp.QuoteMeta(zh("registry.history")) + `</h2>.*?</table>`).FindString(r.body)
	head := regexp.MustCompile(`(?s)<thead>.*?</thead>`).FindString(table)
	cols := strings.Count(head, "<th>")
	wantText(t, r, `<td colspan="`+strconv.Itoa(cols)+`" class="empty">`+zh("registry.no_imports"))
}

// TestRegistryImportOfAWordDocument: a Word document chosen by mistake is
// told to be no CSV or XLSX file, not a damaged one.
func TestRegistryImportOfAWordDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("gov", "sysadmin")
	var doc bytes.Buffer
	z := zip.NewWriter(&doc)
	for _, n := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := z.Create(n)
		_, _ = w.Write([]byte("<x/>"))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	r := admin.postFile("/gov/admin/registry/import", nil, "file", "产权数据说明.docx", doc.Bytes())
	wantStatus(t, r, http.StatusSeeOther)
	page := r.Header.Get("Location")
	for i := 0; i < 100; i++ { // the import runs in the background
		r = admin.get(page)
		if strings.Contains(r.body, zh("registry.failed")) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantText(t, r, zh("registry.failed")+zh("registry.file_unknown_format"))
	wantNoText(t, r, zh("registry.file_unreadable"))
}
