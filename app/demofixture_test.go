package app

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// LoadDemo takes seconds (thousands of registry records, agencies and
// leases, all indexed), and many tests start from the demo district. It is
// loaded once per test binary into a template folder — store and index —
// which newDemoFixture copies, so that each test still has an App of its
// own.
var demoTemplate struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demoTemplate.dir != "" {
		_ = os.RemoveAll(demoTemplate.dir)
	}
	os.Exit(code)
}

// newDemoFixture is newFixture (districts, the sysadmin "root") with the
// demo loaded, on the fixture clock's start.
func newDemoFixture(t testing.TB) *fixture {
	t.Helper()
	demoTemplate.once.Do(func() { demoTemplate.dir, demoTemplate.err = makeDemoTemplate(t) })
	if demoTemplate.err != nil {
		t.Fatalf("demo template: %v", demoTemplate.err)
	}
	f := &fixture{t: t, dir: t.TempDir(), clock: newFixtureClock()}
	if err := copyTree(demoTemplate.dir, f.dir); err != nil {
		t.Fatalf("copy the demo template: %v", err)
	}
	f.reopen()
	f.admin = f.actor(f.storedUser("root"))
	return f
}

func makeDemoTemplate(t testing.TB) (string, error) {
	dir, err := os.MkdirTemp("", "anju-app-demo-")
	if err != nil {
		return "", err
	}
	clock := newFixtureClock()
	a, err := Open(Config{DataDir: dir, Now: clock.Now})
	if err != nil {
		return dir, err
	}
	f := &fixture{App: a, t: t, dir: dir, clock: clock}
	f.seedDistricts()
	f.seedUser("root", "系统管理员", []Role{RoleSysadmin}, "", fixturePassword)
	if _, err := a.LoadDemo(); err != nil {
		_ = a.Close()
		return dir, err
	}
	return dir, a.Close() // Close waits for the background indexing of the demo
}

// copyTree copies the files and folders under src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
