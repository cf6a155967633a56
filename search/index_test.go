package search

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func userSchema(version int) Schema {
	return Schema{Version: version, Types: []DocType{
		{Name: "user", Fields: []Field{
			{Name: "name", Kind: Text},
			{Name: "username", Kind: Text},
			{Name: "role", Kind: Keyword},
			{Name: "district", Kind: Keyword},
			{Name: "score", Kind: Number, Sortable: true},
			{Name: "created", Kind: Date, Sortable: true},
			{Name: "visits", Kind: Number}, // not Sortable
			{Name: "note", Kind: Stored},
		}},
		{Name: "agency", Fields: []Field{
			{Name: "name", Kind: Text},
			{Name: "credit_code", Kind: Keyword},
		}},
	}}
}

func day(d int) time.Time { return time.Date(2024, 1, d, 8, 0, 0, 0, time.UTC) }

func testUsers() []Doc {
	u := func(id, name, username, role, district string, score float64, created time.Time) Doc {
		return Doc{Type: "user", ID: "user/" + id, Fields: map[string]any{
			"name": name, "username": username, "role": role, "district": district,
			"score": score, "created": created,
		}}
	}
	docs := []Doc{
		u("1", "张伟", "zhangwei", "admin", "110105", 90, day(1)),
		u("2", "张小红", "zhangxiaohong", "clerk", "110108", 75, day(2)),
		u("3", "李娜", "lina", "reviewer", "310101", 60, day(3)),
		u("4", "Mary Jane Watson", "mjwatson", "clerk", "110101", 82.5, day(4)),
		u("5", "王小明", "wangxiaoming", "clerk", "110108", 60, day(5)),
	}
	// user/6 has no score and no date: it sorts last either way.
	docs = append(docs, Doc{Type: "user", ID: "user/6", Fields: map[string]any{
		"name": "赵六", "username": "zhaoliu", "role": "viewer", "district": "120101",
	}})
	return docs
}

// openTest opens a fresh index filled with testUsers and one agency.
func openTest(t testing.TB) *Index {
	t.Helper()
	ix, res, err := Open(filepath.Join(t.TempDir(), "index"), userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if !res.Rebuild {
		t.Fatalf("new index: Rebuild = false, want true")
	}
	agency := Doc{Type: "agency", ID: "agency/1", Fields: map[string]any{
		"name": "张家口安居房产经纪有限公司", "credit_code": "91110105MA01ABCD2X",
	}}
	if err := ix.Apply(append(testUsers(), agency), nil); err != nil {
		t.Fatal(err)
	}
	return ix
}

func ids(t testing.TB, ix *Index, q Query) []string {
	t.Helper()
	res, err := ix.Search(q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestOpenRebuildReasons(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")

	ix, res, err := Open(dir, userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild || !strings.Contains(res.Reason, "does not exist") {
		t.Errorf("missing folder: %+v, want Rebuild with reason", res)
	}
	if err := ix.Apply(testUsers(), nil); err != nil {
		t.Fatal(err)
	}
	// Filled but never marked (a rebuild killed half-way): filled again.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, res, err = Open(dir, userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild || !strings.Contains(res.Reason, "never filled") {
		t.Errorf("unfinished fill: %+v, want Rebuild", res)
	}
	if err := ix.Apply(testUsers(), nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.SetLastApplied(0); err != nil { // the fill is complete
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	// Same version: kept, documents still there.
	ix, res, err = Open(dir, userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rebuild {
		t.Errorf("same version: Rebuild = true (%s)", res.Reason)
	}
	if n, _ := ix.Count(); n != uint64(len(testUsers())) {
		t.Errorf("same version: Count = %d, want %d", n, len(testUsers()))
	}
	if got := ids(t, ix, Query{Type: "user", Text: "张"}); len(got) != 2 {
		t.Errorf("same version: search 张 = %v", got)
	}
	ix.Close()

	// Another schema version: rebuilt empty.
	ix, res, err = Open(dir, userSchema(2))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild || !strings.Contains(res.Reason, "schema=2") {
		t.Errorf("new version: %+v, want Rebuild naming the version", res)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("new version: Count = %d, want 0", n)
	}
	ix.Apply(testUsers(), nil)
	ix.Close()

	// Fields changed but Version not bumped: the fingerprint catches it.
	changed := userSchema(2)
	changed.Types[0].Fields = append(changed.Types[0].Fields, Field{Name: "phone", Kind: Keyword})
	ix, res, err = Open(dir, changed)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild {
		t.Errorf("changed fields, same version: Rebuild = false")
	}
	ix.Close()

	// Folder deleted.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	ix, res, err = Open(dir, changed)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild {
		t.Errorf("deleted folder: Rebuild = false")
	}
	ix.Apply(testUsers(), nil)
	ix.Close()

	// Corrupt metadata.
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("garbage\x00\xff{"), 0o600); err != nil {
		t.Fatal(err)
	}
	ix, res, err = Open(dir, changed)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild || !strings.Contains(res.Reason, "failed to open") {
		t.Errorf("corrupt meta: %+v, want Rebuild with reason", res)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("corrupt meta: Count = %d, want 0", n)
	}
	ix.Close()

	// Valid JSON, but not a usable index.
	os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte(`{"storage":"nope","index_type":"nope"}`), 0o600)
	if _, res, err = Open(dir, changed); err != nil || !res.Rebuild {
		t.Errorf("bogus meta: %+v, %v", res, err)
	}
}

func TestOpenEmptyFolder(t *testing.T) {
	dir := t.TempDir() // exists, empty: e.g. made by an installer
	ix, res, err := Open(dir, userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !res.Rebuild {
		t.Errorf("empty folder: Rebuild = false")
	}
}

func TestOpenRefusesForeignFolder(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "anju.db")
	if err := os.WriteFile(data, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(dir, userSchema(1))
	if err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("Open on a folder with other files: err = %v, want refusal", err)
	}
	if _, err := os.Stat(data); err != nil {
		t.Fatalf("foreign file was removed: %v", err)
	}
}

func TestOpenInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the lock timeout")
	}
	dir := filepath.Join(t.TempDir(), "index")
	ix, _, err := Open(dir, userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Apply(testUsers(), nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = Open(dir, userSchema(1))
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open: err = %v, want ErrInUse", err)
	}
	if n, err := ix.Count(); err != nil || n != uint64(len(testUsers())) {
		t.Fatalf("first index damaged by second Open: %d, %v", n, err)
	}
}

func TestSchemaErrors(t *testing.T) {
	cases := map[string]Schema{
		"empty type name": {Types: []DocType{{Name: ""}}},
		"duplicate type":  {Types: []DocType{{Name: "a"}, {Name: "a"}}},
		"reserved field":  {Types: []DocType{{Name: "a", Fields: []Field{{Name: "_type", Kind: Keyword}}}}},
		"dotted field":    {Types: []DocType{{Name: "a", Fields: []Field{{Name: "a.b", Kind: Keyword}}}}},
		"duplicate field": {Types: []DocType{{Name: "a", Fields: []Field{{Name: "x"}, {Name: "x"}}}}},
		"sortable text":   {Types: []DocType{{Name: "a", Fields: []Field{{Name: "x", Kind: Text, Sortable: true}}}}},
		"unknown kind":    {Types: []DocType{{Name: "a", Fields: []Field{{Name: "x", Kind: 99}}}}},
		"kind differs by type": {Types: []DocType{
			{Name: "a", Fields: []Field{{Name: "status", Kind: Keyword}}},
			{Name: "b", Fields: []Field{{Name: "status", Kind: Text}}},
		}},
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			_, _, err := Open(dir, s)
			if !errors.Is(err, ErrSchema) {
				t.Fatalf("err = %v, want ErrSchema", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a bad schema created the folder")
			}
		})
	}
}

func TestApplyDeleteAndReplace(t *testing.T) {
	ix := openTest(t)
	if err := ix.Apply(nil, []string{"user/1", "user/404"}); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ix, Query{Type: "user", Text: "张"}); !slices.Equal(got, []string{"user/2"}) {
		t.Errorf("after delete, 张 = %v, want [user/2]", got)
	}
	// A put replaces the whole document: the old name no longer matches.
	if err := ix.Apply([]Doc{{Type: "user", ID: "user/2", Fields: map[string]any{"name": "刘红"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ix, Query{Type: "user", Text: "张"}); len(got) != 0 {
		t.Errorf("after replace, 张 = %v, want none", got)
	}
	if got := ids(t, ix, Query{Type: "user", Filters: map[string][]string{"role": {"clerk"}}}); slices.Contains(got, "user/2") {
		t.Errorf("after replace, old role still indexed: %v", got)
	}
	// Put and delete of the same ID in one batch: deleted.
	if err := ix.Apply([]Doc{{Type: "user", ID: "user/3", Fields: map[string]any{"name": "李娜"}}}, []string{"user/3"}); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ix, Query{Type: "user", Text: "李娜"}); len(got) != 0 {
		t.Errorf("put+delete: %v, want none", got)
	}
	if n, _ := ix.Count(); n != 5 { // 6 users + 1 agency - 2
		t.Errorf("Count = %d, want 5", n)
	}
}

func TestApplyRejectsBadDocsAtomically(t *testing.T) {
	ix := openTest(t)
	good := Doc{Type: "user", ID: "user/7", Fields: map[string]any{"name": "孙七"}}
	bad := []Doc{
		{Type: "nosuch", ID: "x/1"},
		{Type: "user", ID: ""},
		{Type: "user", ID: "user/8", Fields: map[string]any{"score": "ninety"}},
		{Type: "user", ID: "user/8", Fields: map[string]any{"created": "2024-01-01"}},
		{Type: "user", ID: "user/8", Fields: map[string]any{"name": map[string]int{}}},
	}
	for _, b := range bad {
		err := ix.Apply([]Doc{good, b}, nil)
		if !errors.Is(err, ErrDoc) {
			t.Errorf("Apply(%+v): err = %v, want ErrDoc", b, err)
		}
	}
	if got := ids(t, ix, Query{Type: "user", Text: "孙七"}); len(got) != 0 {
		t.Errorf("a failed batch indexed its good document: %v", got)
	}
}

func TestUndeclaredFieldsIgnoredAndValueForms(t *testing.T) {
	ix := openTest(t)
	score := 42
	var nilTime *time.Time
	err := ix.Apply([]Doc{{Type: "user", ID: "user/9", Fields: map[string]any{
		"name":        "周九",
		"secret":      "机密",                          // not declared for user
		"credit_code": "SECRET123",                   // declared for agency only
		"role":        []string{"clerk", "reviewer"}, // multi-valued keyword
		"district":    110105,                        // integer into a keyword
		"score":       &score,                        // pointer to int
		"created":     nilTime,                       // nil = no value
		"visits":      math.NaN(),                    // NaN is skipped
		"note":        "stored only",
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{
		{Type: "user", Text: "机密"},
		{Type: "user", Text: "SECRET123"},
		{Type: "user", Text: "stored"},
	} {
		if got := ids(t, ix, q); len(got) != 0 {
			t.Errorf("%q found %v in an undeclared or stored-only field", q.Text, got)
		}
	}
	if got := ids(t, ix, Query{Type: "user", Filters: map[string][]string{"role": {"reviewer"}, "district": {"110105"}}}); !slices.Equal(got, []string{"user/9"}) {
		t.Errorf("multi-valued role + integer district: %v", got)
	}
	if got := ids(t, ix, Query{Type: "user", Ranges: []Range{{Field: "score", Min: 42, Max: 43}}}); !slices.Equal(got, []string{"user/9"}) {
		t.Errorf("pointer score: %v", got)
	}
}

func TestLastAppliedSurvivesReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, _, err := Open(dir, userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := ix.LastApplied(); err != nil || seq != 0 {
		t.Fatalf("new index LastApplied = %d, %v; want 0", seq, err)
	}
	if err := ix.SetLastApplied(1<<40 + 7); err != nil {
		t.Fatal(err)
	}
	ix.Close()

	ix, res, err := Open(dir, userSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if res.Rebuild {
		t.Fatalf("reopen rebuilt: %s", res.Reason)
	}
	if seq, err := ix.LastApplied(); err != nil || seq != 1<<40+7 {
		t.Fatalf("LastApplied after reopen = %d, %v", seq, err)
	}
}

func TestResetKeepsIndexUsable(t *testing.T) {
	ix := openTest(t)
	ix.SetLastApplied(99)
	if err := ix.Reset(); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("Count after Reset = %d", n)
	}
	if seq, _ := ix.LastApplied(); seq != 0 {
		t.Errorf("LastApplied after Reset = %d", seq)
	}
	if err := ix.Apply(testUsers(), nil); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ix, Query{Type: "user", Text: "小红"}); !slices.Equal(got, []string{"user/2"}) {
		t.Errorf("after Reset and refill: %v", got)
	}
}

func TestClosed(t *testing.T) {
	ix := openTest(t)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := ix.Search(Query{Type: "user"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Search after Close: %v", err)
	}
	if err := ix.Apply(testUsers(), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Close: %v", err)
	}
	if err := ix.Reset(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reset after Close: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	ix := openTest(t)
	done := make(chan error, 3)
	go func() {
		for i := range 20 {
			id := fmt.Sprintf("user/c%d", i)
			if err := ix.Apply([]Doc{{Type: "user", ID: id, Fields: map[string]any{"name": "并发"}}}, nil); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	go func() {
		for range 50 {
			if _, err := ix.Search(Query{Type: "user", Text: "并", Facets: []string{"role"}}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	go func() { done <- ix.Reset() }()
	for range 3 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestApplyUpTo: documents and the last applied sequence go in one batch; a
// batch with no documents still records the sequence, and a failed batch
// records neither.
func TestApplyUpTo(t *testing.T) {
	ix := openTest(t)
	if err := ix.ApplyUpTo([]Doc{{Type: "user", ID: "user/7", Fields: map[string]any{"name": "孙七"}}}, []string{"user/1"}, 41); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ix, Query{Type: "user", Text: "孙七"}); !slices.Equal(got, []string{"user/7"}) {
		t.Errorf("孙七 = %v", got)
	}
	if seq, err := ix.LastApplied(); err != nil || seq != 41 {
		t.Errorf("LastApplied = %d, %v; want 41", seq, err)
	}
	if err := ix.ApplyUpTo(nil, nil, 42); err != nil {
		t.Fatal(err)
	}
	if seq, _ := ix.LastApplied(); seq != 42 {
		t.Errorf("LastApplied after an empty batch = %d, want 42", seq)
	}
	if err := ix.ApplyUpTo([]Doc{{Type: "nosuch", ID: "x/1"}}, nil, 43); !errors.Is(err, ErrDoc) {
		t.Errorf("bad document: err = %v", err)
	}
	if seq, _ := ix.LastApplied(); seq != 42 {
		t.Errorf("LastApplied after a failed batch = %d, want 42", seq)
	}
}
