package app

import (
	"context"
	"time"

	"anju/storage"
)

// applyListThresholds is called, in the transaction that changed it, with
// a subject's new credit score: it lists the subject automatically when the
// score crosses the parameters' thresholds. (Filled in by the red/black
// list work.)
func (a *App) applyListThresholds(tx *storage.Tx, s Subject, score int, now time.Time) error {
	return nil
}

// loadDemoLists adds demo list entries (after the demo credit records).
func (a *App) loadDemoLists() error { return nil }

// listLoop expires list entries daily. (Filled in by the red/black list
// work.)
func (a *App) listLoop(ctx context.Context) { <-ctx.Done() }
