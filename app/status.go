package app

import (
	"time"

	"anju/storage"
)

// Status is the system status page.
type Status struct {
	Version       string
	SchemaVersion int
	DataFile      string
	DataFileSize  int64
	Started       time.Time
	Uptime        time.Duration
	Counts        map[string]int // records per table
	Index         IndexStatus
	Audit         AuditReport
	LastBackup    *BackupFile
	BackupProblem *BackupProblem // the last scheduled backup failed
	Sessions      int
	// ConnectorFailures counts registry connector failures since start;
	// UnavailableAttempts all recorded ones.
	ConnectorFailures int64
	ConnectorMode     string
}

// IndexStatus tells whether search is current.
type IndexStatus struct {
	Rebuilding  bool
	Documents   uint64
	LastApplied uint64
	LastNote    uint64
	Lag         uint64 // notes not yet applied
	LastError   string
}

// Status gathers the figures of the status page (sysadmin).
func (a *App) Status(actor Actor) (Status, error) {
	if err := actor.require(PermStatusView); err != nil {
		return Status{}, err
	}
	st := Status{Version: a.version, SchemaVersion: SchemaVersion(), DataFile: a.db.Path(),
		Started: a.started, Uptime: a.now().Sub(a.started).Round(time.Second), Counts: map[string]int{}}
	var err error
	if st.DataFileSize, err = a.db.Size(); err != nil {
		return st, err
	}
	err = a.db.View(func(tx *storage.Tx) error {
		st.Counts["users"] = userTable.Count(tx)
		st.Counts["dict"] = dictTable.Count(tx)
		st.Counts["audit"] = auditTable.Count(tx)
		st.Counts["properties"] = propertyTable.Count(tx)
		st.Counts["verifications"] = verificationTable.Count(tx)
		st.Counts["attempts"] = attemptTable.Count(tx)
		st.Sessions = sessionTable.Count(tx)
		return nil
	})
	if err != nil {
		return st, err
	}
	if st.Audit, err = a.checkAuditChain(); err != nil {
		return st, err
	}
	st.Index = a.IndexStatus()
	st.ConnectorFailures, st.ConnectorMode = a.connectorFailures.Load(), a.ParamString(ParamConnectorMode)
	if list, err := listBackups(a.backupDir()); err == nil && len(list) > 0 {
		st.LastBackup = &list[0]
	}
	st.BackupProblem = a.backupProblem.Load()
	return st, nil
}

// IndexStatus reports the index's progress through the outbox.
func (a *App) IndexStatus() IndexStatus {
	s := IndexStatus{Rebuilding: a.indexer.rebuilding.Load()}
	s.Documents, _ = a.ix.Count()
	s.LastApplied, _ = a.ix.LastApplied()
	s.LastNote, _ = a.db.LastNoteSeq()
	if s.LastNote > s.LastApplied {
		s.Lag = s.LastNote - s.LastApplied
	}
	if e, ok := a.indexer.lastErr.Load().(string); ok {
		s.LastError = e
	}
	return s
}

// Ping reads the store, for health checks.
func (a *App) Ping() error {
	return a.db.View(func(tx *storage.Tx) error {
		_ = tx.Meta(auditHeadKey)
		return nil
	})
}
