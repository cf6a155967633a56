package app

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"anju/storage"
)

// Idempotency: a platform that retries a request (a timeout, a dropped
// connection) sends the same Idempotency-Key header and gets the first
// answer back instead of a second verification. Records are kept 24 hours
// in the bucket "idempotency" under "<api key ID>/<idempotency key>".

const (
	idempotencyBucket = "idempotency"
	idempotencyTTL    = 24 * time.Hour
)

type idempotencyRecord struct {
	RequestHash string    `json:"request_hash"` // hex SHA-256 of the request
	Status      int       `json:"status"`
	Body        []byte    `json:"body"`
	Time        time.Time `json:"time"`
}

// idemLocks serialises requests with the same key (lookup, work, store),
// so that concurrent duplicates give one verification. Entries are counted
// and removed when the last holder leaves.
var idemLocks = struct {
	sync.Mutex
	m map[string]*idemLock
}{m: map[string]*idemLock{}}

type idemLock struct {
	sync.Mutex
	refs int
}

func lockIdempotencyKey(k string) func() {
	idemLocks.Lock()
	l := idemLocks.m[k]
	if l == nil {
		l = &idemLock{}
		idemLocks.m[k] = l
	}
	l.refs++
	idemLocks.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		idemLocks.Lock()
		if l.refs--; l.refs == 0 {
			delete(idemLocks.m, k)
		}
		idemLocks.Unlock()
	}
}

// keepAnswer writes a use case's answer as the idempotency record, in the
// use case's own transaction. Answers of 500 and above are not kept, so
// that a retry after a transient failure tries again.
type keepAnswer func(tx *storage.Tx, status int, body []byte) error

// idempotent runs do once per (keyID, idemKey): a retry with the same key
// and the same request (requestHash) returns the stored status and body
// with replay true; the same key with another request is EINVALID
// "api.idempotency_mismatch". do must call keep in the write transaction
// that records its outcome, so that the answer is kept if and only if the
// outcome is (a crash cannot leave a verification whose retry verifies
// again); a do that writes nothing keeps nothing. Records older than 24
// hours are ignored and overwritten.
func (a *App) idempotent(keyID uint64, idemKey string, requestHash string, do func(keep keepAnswer) (status int, body []byte, err error)) (status int, body []byte, replay bool, err error) {
	k := []byte(strconv.FormatUint(keyID, 10) + "/" + idemKey)
	unlock := lockIdempotencyKey(string(k))
	defer unlock()
	now := a.now()
	var rec *idempotencyRecord
	err = a.db.View(func(tx *storage.Tx) error {
		b := tx.Get(idempotencyBucket, k)
		if b == nil {
			return nil
		}
		var r idempotencyRecord
		if err := json.Unmarshal(b, &r); err != nil {
			a.log.Warn("unreadable idempotency record, ignored", "key", string(k), "err", err)
			return nil
		}
		if now.Sub(r.Time) < idempotencyTTL {
			rec = &r
		}
		return nil
	})
	if err != nil {
		return 0, nil, false, err
	}
	if rec != nil {
		if rec.RequestHash != requestHash {
			return 0, nil, false, Errorf(EINVALID, "api.idempotency_mismatch")
		}
		return rec.Status, rec.Body, true, nil
	}
	status, body, err = do(func(tx *storage.Tx, status int, body []byte) error {
		if status >= 500 {
			return nil
		}
		b, err := json.Marshal(idempotencyRecord{RequestHash: requestHash, Status: status, Body: body, Time: now})
		if err != nil {
			return err
		}
		return tx.Put(idempotencyBucket, k, b)
	})
	return status, body, false, err
}

// sweepIdempotency removes records older than 24 hours.
func (a *App) sweepIdempotency() (int, error) {
	cutoff := a.now().Add(-idempotencyTTL)
	var old [][]byte
	err := a.db.View(func(tx *storage.Tx) error {
		return tx.Scan(idempotencyBucket, nil, false, func(k, v []byte) (bool, error) {
			var r struct {
				Time time.Time `json:"time"`
			}
			if json.Unmarshal(v, &r) != nil || r.Time.Before(cutoff) {
				old = append(old, append([]byte(nil), k...))
			}
			return true, nil
		})
	})
	if err != nil || len(old) == 0 {
		return 0, err
	}
	for start := 0; start < len(old); start += 1000 {
		chunk := old[start:min(start+1000, len(old))]
		err := a.db.Update(func(tx *storage.Tx) error {
			for _, k := range chunk {
				if err := tx.Delete(idempotencyBucket, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return len(old), nil
}
