package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed static
var staticFiles embed.FS

// assets serves the embedded static files under content-hashed URLs
// (/static/<hash>/<name>) with a year-long cache: a new binary brings new
// hashes, so browsers never keep a stale stylesheet.
type assets struct {
	files  map[string][]byte // name -> content
	hashes map[string]string // name -> short hash
}

// sharedAssets are the static files, read and hashed once for Starting and
// New alike; nothing changes them once loaded.
var sharedAssets = sync.OnceValues(loadAssets)

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, hashes: map[string]string{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		a.files[name] = b
		a.hashes[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// url returns the hashed URL of an asset; an unknown name panics at
// template execution, which the template tests catch.
func (a *assets) url(name string) string {
	h, ok := a.hashes[name]
	if !ok {
		panic("unknown asset " + name)
	}
	return "/static/" + h + "/" + name
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/static/")
	hash, name, ok := strings.Cut(rest, "/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, found := a.files[name]
	if !found {
		http.NotFound(w, r)
		return
	}
	if hash == a.hashes[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	_, _ = w.Write(b)
}
