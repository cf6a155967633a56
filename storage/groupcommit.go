package storage

import (
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// groupCommit gathers the functions of concurrent Batch callers into shared
// write transactions: one commit and one pair of fsyncs for many writers.
//
// It replaces bbolt's own DB.Batch, which closes a group when the group's
// timer fires, before the group has the writer lock. When a commit takes
// longer than the delay (a slow fsync, both cores busy), the groups that
// closed meanwhile wait behind the lock one after another, each as small as
// one delay's worth of callers, and each paying a whole commit: the backlog
// drains slowly and the callers at its end see the tail. Here a group stays
// open until the commit before it has finished, so everyone who arrived
// meanwhile commits in the next transaction. The delay still holds the
// first caller of a quiet moment back a little, so that the groups are not
// a caller or two each: every commit rewrites the tables' last pages and
// the branch pages above them, which costs CPU whatever the group's size.
type groupCommit struct {
	bolt  *bolt.DB
	delay time.Duration

	// commitMu is held by the group that is committing, and waited for by
	// the next one, which takes its callers only once it has it.
	commitMu sync.Mutex

	mu      sync.Mutex // guards pending and armed
	pending []groupCall
	armed   bool // a timer will run the pending calls
}

type groupCall struct {
	fn  func(*bolt.Tx) error
	err chan<- error
}

// errTrySolo tells a caller whose function failed in a group to run it again
// in a transaction of its own, so that its error (or panic) is its own and
// the others' work is committed without it.
var errTrySolo = errors.New("storage: batch function failed; run it alone")

// do runs fn in a shared transaction and returns when that transaction has
// committed (nil) or failed. fn may run more than once.
func (g *groupCommit) do(fn func(*bolt.Tx) error) error {
	errCh := make(chan error, 1)
	g.mu.Lock()
	g.pending = append(g.pending, groupCall{fn: fn, err: errCh})
	if !g.armed {
		g.armed = true
		time.AfterFunc(g.delay, g.run)
	}
	g.mu.Unlock()

	err := <-errCh
	if err == errTrySolo {
		err = g.bolt.Update(fn)
	}
	return err
}

// run commits the pending calls once the previous group has committed.
func (g *groupCommit) run() {
	g.commitMu.Lock()
	defer g.commitMu.Unlock()
	g.mu.Lock()
	calls := g.pending
	g.pending = nil
	g.armed = false
	g.mu.Unlock()

	for len(calls) > 0 {
		failed := -1
		err := g.bolt.Update(func(tx *bolt.Tx) error {
			for i, c := range calls {
				if err := callSafely(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			// Roll back, send the failing call off to run alone, and
			// commit the others without it.
			calls[failed].err <- errTrySolo
			calls = append(calls[:failed], calls[failed+1:]...)
			continue
		}
		// Success, or an error of the commit itself: the same for everyone.
		for _, c := range calls {
			c.err <- err
		}
		return
	}
}

// callSafely runs fn, turning a panic into an error so that one caller's
// panic does not take the group's goroutine (and the process) down. The
// caller then runs fn alone, where the panic happens again on its own
// goroutine.
func callSafely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in batch function: %v", p)
		}
	}()
	return fn(tx)
}
