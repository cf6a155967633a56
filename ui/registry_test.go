package ui_test

import (
	"net/http"
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
