package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// schemaVersionKey holds, in the meta bucket, the number of migrations applied.
const schemaVersionKey = "storage.schema_version"

// reservedMetaPrefix marks meta keys that belong to this package.
const reservedMetaPrefix = "storage."

// Migration is one step of the schema. Migrations are an ordered slice that
// only ever grows: never reorder, edit or remove one that has shipped.
type Migration struct {
	Name string
	Up   func(*Tx) error
}

// SchemaVersion is the number of migrations applied to the file; 0 for a new
// file.
func (db *DB) SchemaVersion() (int, error) {
	var v int
	err := db.View(func(tx *Tx) (err error) {
		v, err = tx.schemaVersion()
		return err
	})
	return v, err
}

func (tx *Tx) schemaVersion() (int, error) {
	b := tx.bucket(metaBucket)
	if b == nil {
		return 0, nil
	}
	raw := b.Get([]byte(schemaVersionKey))
	if raw == nil {
		return 0, nil
	}
	if len(raw) != 8 {
		return 0, fmt.Errorf("schema version: bad value %x", raw)
	}
	return int(ParseU64(raw)), nil
}

// Migrate applies the migrations the file has not had yet, in order, each in
// its own transaction that also records the new version, and returns how
// many it applied. When one fails, the file stays at the version before it
// and the error names the migration. A file whose version is higher than
// len(ms) was written by a newer program: Migrate changes nothing and returns
// an error that Is ErrTooNew.
func (db *DB) Migrate(ms []Migration) (applied int, err error) {
	return db.MigrateContext(context.Background(), ms)
}

// MigrateContext is Migrate that stops between two migrations once ctx
// ends (a stop asked for during a long start), returning an error that Is
// ctx.Err(): each migration is one transaction, so the file is left at the
// version of the last one committed, and the next start goes on from there.
// A migration under way is never cut: it commits or rolls back whole.
func (db *DB) MigrateContext(ctx context.Context, ms []Migration) (applied int, err error) {
	v, err := db.SchemaVersion()
	if err != nil {
		return 0, err
	}
	if v > len(ms) {
		return 0, fmt.Errorf("%w: data file %s has schema version %d, this program knows up to %d", ErrTooNew, db.path, v, len(ms))
	}
	for i := v; i < len(ms); i++ {
		m := ms[i]
		if err := ctx.Err(); err != nil {
			return applied, fmt.Errorf("migration %d (%s) not started: %w", i+1, m.Name, err)
		}
		err := db.Update(func(tx *Tx) error {
			// Another process cannot hold the file, but another goroutine
			// of this one could be migrating too.
			cur, err := tx.schemaVersion()
			if err != nil {
				return err
			}
			if cur != i {
				return fmt.Errorf("schema version changed to %d while migrating", cur)
			}
			if m.Up == nil {
				return errors.New("no Up function")
			}
			if err := m.Up(tx); err != nil {
				return err
			}
			return tx.Put(metaBucket, []byte(schemaVersionKey), U64(uint64(i+1)))
		})
		if err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", i+1, m.Name, err)
		}
		applied++
	}
	return applied, nil
}

// Meta returns a copy of an application setting stored in the meta bucket,
// nil when absent.
func (tx *Tx) Meta(key string) []byte {
	return tx.Get(metaBucket, []byte(key))
}

// SetMeta stores a small application setting in the meta bucket. Keys that
// start with "storage." belong to this package and are refused.
func (tx *Tx) SetMeta(key string, v []byte) error {
	if key == "" || strings.HasPrefix(key, reservedMetaPrefix) {
		return fmt.Errorf("meta key %q is reserved", key)
	}
	return tx.Put(metaBucket, []byte(key), v)
}
