package app

import (
	"sync"
	"sync/atomic"

	"anju/storage"
)

// apiKeyCache keeps API keys by prefix for AuthenticateAPIKey, which every
// API request calls: reading and decoding the key's record in a read
// transaction was about 4% of a verification's CPU at 2,000 a second.
//
// Every write of a key record bumps gen once its transaction has committed
// (written), and an entry is used only while it carries the current gen. A
// reader notes gen before its read transaction, so a key read just before a
// revocation committed is never kept as current: the revoked key's next
// request reads the record again and is refused.
type apiKeyCache struct {
	gen      atomic.Uint64
	mu       sync.RWMutex
	byPrefix map[string]cachedAPIKey
}

type cachedAPIKey struct {
	gen uint64
	key *APIKey // shared by the callers: read, never changed
}

// written marks the cache stale when tx commits. Call it wherever a key
// record is inserted, changed or deleted.
func (c *apiKeyCache) written(tx *storage.Tx) {
	tx.OnCommit(func() { c.gen.Add(1) })
}

// apiKeyByPrefix returns the key whose prefix is prefix, or an error that Is
// storage.ErrNotFound. Unknown prefixes are not cached, so guessing them
// cannot grow the cache.
func (a *App) apiKeyByPrefix(prefix string) (*APIKey, error) {
	c := &a.keyCache
	gen := c.gen.Load()
	c.mu.RLock()
	e, ok := c.byPrefix[prefix]
	c.mu.RUnlock()
	if ok && e.gen == gen {
		return e.key, nil
	}
	var k *APIKey
	err := a.db.View(func(tx *storage.Tx) (err error) {
		k, err = apiKeyTable.LookupOne(tx, "prefix", []byte(prefix))
		return err
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.byPrefix == nil {
		c.byPrefix = make(map[string]cachedAPIKey)
	}
	c.byPrefix[prefix] = cachedAPIKey{gen: gen, key: k}
	c.mu.Unlock()
	return k, nil
}
