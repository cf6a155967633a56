package app

import (
	"context"
	"time"
)

// runDaily runs work once soon after start (after first) and then once a
// calendar day, looking every ten minutes; a failed run is logged and tried
// again at the next look. busy, when it says so, puts a run off (while the
// index is rebuilt, say).
func (a *App) runDaily(ctx context.Context, name string, first time.Duration, busy func() bool, work func() error) {
	var lastDay time.Time
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	start := time.After(first)
	for {
		select {
		case <-ctx.Done():
			return
		case <-start:
		case <-t.C:
		}
		today := day(a.now())
		if today.Equal(lastDay) || (busy != nil && busy()) {
			continue
		}
		if err := work(); err != nil {
			if ctx.Err() == nil {
				a.log.Error(name, "err", err)
			}
			continue
		}
		lastDay = today
	}
}
