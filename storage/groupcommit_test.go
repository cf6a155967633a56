package storage

import (
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func openGroupTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "group.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Callers that arrive while a commit runs, over several times the batch
// delay, commit together in the next transaction instead of in one small
// transaction per delay queued behind the writer lock.
func TestBatchGroupStaysOpenDuringCommit(t *testing.T) {
	db := openGroupTest(t)
	release := make(chan struct{})
	inCommit := make(chan struct{})
	var once sync.Once
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- db.Batch(func(tx *Tx) error {
			once.Do(func() { close(inCommit) })
			<-release // hold the writer (and the group) while the others arrive
			return tx.Put("group", []byte("first"), []byte("v"))
		})
	}()
	<-inCommit

	const n = 12
	var mu sync.Mutex
	txIDs := map[int]bool{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := db.Batch(func(tx *Tx) error {
				mu.Lock()
				txIDs[tx.btx.ID()] = true
				mu.Unlock()
				return tx.Put("group", []byte(strconv.Itoa(i)), []byte("v"))
			})
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
		time.Sleep(batchDelay / 2) // n calls spread over 6 delays
	}
	// Every call has reached the committer (on a busy machine a goroutine
	// may start late), and the next group's timer has fired. Calls taken by
	// a group before the held commit ends would never add up to n here,
	// and the check below fails after the wait.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		db.group.mu.Lock()
		queued := len(db.group.pending)
		db.group.mu.Unlock()
		if queued == n {
			break
		}
	}
	time.Sleep(2 * batchDelay)
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(txIDs) != 1 {
		t.Errorf("the %d callers that arrived during one commit used %d transactions, want 1", n, len(txIDs))
	}
	err := db.View(func(tx *Tx) error {
		if got := tx.Count("group"); got != n+1 {
			return fmt.Errorf("%d keys stored, want %d", got, n+1)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// A function that panics in a group does not lose the others' work, and its
// caller sees the panic, from running it alone.
func TestBatchPanicIsTheCallersOwn(t *testing.T) {
	db := openGroupTest(t)
	const n = 10
	var wg sync.WaitGroup
	panics := make(chan any, n)
	for i := range n {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					panics <- p
				}
			}()
			err := db.Batch(func(tx *Tx) error {
				if i == 3 {
					panic("boom")
				}
				return tx.Put("group", []byte(strconv.Itoa(i)), []byte("v"))
			})
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	close(panics)
	var got []any
	for p := range panics {
		got = append(got, p)
	}
	if len(got) != 1 || got[0] != "boom" {
		t.Errorf("panics seen by callers: %v, want one \"boom\"", got)
	}
	err := db.View(func(tx *Tx) error {
		if c := tx.Count("group"); c != n-1 {
			return fmt.Errorf("%d keys stored, want %d", c, n-1)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
