package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"anju/storage"
)

// migrations are applied in order, each in its own transaction; the
// store's schema version is the number applied. Append only: never edit or
// reorder a migration that has shipped.
var migrations = []storage.Migration{
	{Name: "national dictionaries", Up: func(tx *storage.Tx) error {
		now := time.Now()
		if err := seedDict(tx, DictCertType, defaultCertTypes, now); err != nil {
			return err
		}
		return seedDict(tx, DictIDType, defaultIDTypes, now)
	}},
	{Name: "agency records for agencies known by name", Up: migrateAgencyNames},
	{Name: "default scoring standards", Up: seedDefaultRules},
	// The rents of the contracts signed before rent monitoring existed.
	{Name: "contracts' rent index", Up: func(tx *storage.Tx) error { return contractTable.BuildIndex(tx, "rent") }},
	// Revocations recorded ahead of their date, found by the daily job.
	{Name: "contracts' revoke_on index", Up: func(tx *storage.Tx) error { return contractTable.BuildIndex(tx, "revoke_on") }},
	// Penalties by the end of their objection period, for the lists.
	{Name: "credit records' objection_ends index", Up: func(tx *storage.Tx) error { return recordTable.BuildIndex(tx, "objection_ends") }},
	// Organisation lessees shown in full in the filing queue.
	{Name: "filing applications' organisation lessees", Up: migrateFilingOrgs},
	// The points still open to objection, kept in the credit summaries so
	// that a change of the lists' lines rechecks them from the summaries.
	{Name: "credit summaries' unsettled points", Up: func(tx *storage.Tx) error { return migrateUnsettled(tx, time.Now()) }},
	// Summaries and active list entries of subjects that moved district
	// before the copies followed them (app/credit_follow.go).
	{Name: "credit copies follow moved subjects", Up: func(tx *storage.Tx) error { return migrateFollowSubjects(tx, time.Now()) }},
	// The attempts that did not pass, listed for the staff and agencies.
	{Name: "verification attempts' failed index", Up: func(tx *storage.Tx) error { return attemptTable.BuildIndex(tx, "failed") }},
	// Cancelled agencies by their credit code, for the red/black lists.
	{Name: "agencies' uscc_any index", Up: func(tx *storage.Tx) error { return agencyTable.BuildIndex(tx, "uscc_any") }},
	// Audit entries from here on may carry a note (AuditNote). A build
	// before notes decodes such an entry without it, so its hash no longer
	// matches and that build would report the chain altered ("keep this
	// data file for investigation") after a downgrade; the new schema
	// makes it refuse the file as newer than itself instead. Nothing to
	// change in the stored entries.
	{Name: "audit entries with notes", Up: func(tx *storage.Tx) error { return nil }},
}

// SchemaVersion is the store schema this binary writes.
func SchemaVersion() int { return len(migrations) }

func (a *App) migrate(ctx context.Context) error {
	// Said before, not only after: a migration of a large file takes
	// minutes, and an officer watching the console or the journal must see
	// what the start is doing.
	from, err := a.db.SchemaVersion()
	if err != nil {
		return fmt.Errorf("migrate store: %w", err)
	}
	if from < len(migrations) {
		a.log.Info("migrating the store", "from_schema", from, "to_schema", len(migrations))
	}
	n, err := a.db.MigrateContext(ctx, migrations)
	if n > 0 {
		// Also when a stop cut the start between two migrations: the file
		// is at that schema, and the next start goes on from there.
		a.log.Info("store migrated", "applied", n, "schema", from+n)
	}
	if errors.Is(err, storage.ErrTooNew) {
		return fmt.Errorf("%w: upgrade anju before opening this data file", err)
	}
	if err != nil {
		return fmt.Errorf("migrate store: %w", err)
	}
	return nil
}
