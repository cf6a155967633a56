package app

// loadDemoAnnouncements adds demo announcements.
func (a *App) loadDemoAnnouncements() error { return nil }
