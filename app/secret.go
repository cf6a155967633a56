package app

import (
	"crypto/rand"

	"anju/storage"
)

// Secret returns a 32-byte random key named name, created on first use and
// kept in the store, so that signed cookies survive restarts. A restored
// backup brings its keys with it.
func (a *App) Secret(name string) ([]byte, error) {
	key := "secret." + name
	var out []byte
	err := a.db.Update(func(tx *storage.Tx) error {
		if b := tx.Meta(key); len(b) == 32 {
			out = b
			return nil
		}
		out = make([]byte, 32)
		_, _ = rand.Read(out)
		return tx.SetMeta(key, out)
	})
	return out, err
}
