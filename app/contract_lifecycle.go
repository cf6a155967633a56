package app

import (
	"context"
	"time"

	"anju/search"
	"anju/storage"
)

// ExpireContracts is the daily job: first every revocation recorded for
// today or earlier takes effect (revokeDue), then every signed contract
// whose last day is before today becomes expired, and a filing it had is
// marked ended (or cancelled, revoked). It returns how many contracts it
// ended, revoked or expired. A recorded revocation's date is within the
// term, so it comes first; a contract it revokes is no longer signed and
// is not expired too. Only the system runs it (app.Run's schedule, tests,
// the CLI).
func (a *App) ExpireContracts(actor Actor) (int, error) {
	if !actor.System {
		return 0, Errorf(EFORBIDDEN, "error.forbidden")
	}
	today := day(a.now())
	revoked, err := a.revokeDue(actor, today)
	if err != nil {
		return revoked, err
	}
	expired, err := a.expireDue(actor, today)
	return revoked + expired, err
}

// revokeDue makes the revocations recorded for today or earlier take
// effect, dueBatch contracts a transaction. The "revoke_on" index holds
// exactly the signed contracts with a recorded revocation, by date, so the
// due ones are one range; each leaves it as it is revoked.
func (a *App) revokeDue(actor Actor, today time.Time) (int, error) {
	to := []byte(today.AddDate(0, 0, 1).Format(time.DateOnly))
	total, err := a.drainDue(keyedBelow(contractTable, "revoke_on", to), func(tx *storage.Tx, id uint64) (bool, error) {
		c, err := contractTable.Get(tx, id)
		if err != nil {
			return false, err
		}
		return true, a.revokeRecorded(tx, actor, c, today)
	})
	if total > 0 {
		a.log.Info("recorded revocations took effect", "count", total)
	}
	return total, err
}

// revokeRecorded revokes c, signed with a revocation recorded for today or
// earlier, as RevokeContract does on the day itself: revoked from the
// recorded date, its filing cancelled, with a history line and an audit
// entry. A term that ended before the recorded date (which the form does
// not accept) ended the lease first: it expires instead (and should that
// not apply, the revocation does, so that the job always moves on).
func (a *App) revokeRecorded(tx *storage.Tx, actor Actor, c *Contract, today time.Time) error {
	r := c.Revocation
	if !c.Terms.End.IsZero() && day(c.Terms.End).Before(day(r.On)) {
		if done, err := a.expireContract(tx, actor, c.ID, today); err != nil || done {
			return err
		}
	}
	return a.endByRevocation(tx, actor, c, r.On, r.Reason, a.now())
}

// expireDue expires the signed contracts whose last day is before today.
func (a *App) expireDue(actor Actor, today time.Time) (int, error) {
	total, from := 0, 0
	// The index finds the candidates (a range on the last day); the store
	// decides. A candidate the store no longer holds as due (the index lags)
	// is stepped over, so that the loop always ends.
	for round := 0; round < 100000; round++ {
		if err := a.indexer.catchUp(); err != nil {
			return total, err
		}
		res, err := a.ix.Search(search.Query{Type: "contract", Filters: map[string][]string{"status": {ContractSigned}},
			Ranges: []search.Range{{Field: "end", Max: today}}, Sort: []string{"_id"}, From: from, Size: dueBatch})
		if err != nil {
			return total, err
		}
		if len(res.Hits) == 0 {
			break
		}
		n := 0
		err = a.update(func(tx *storage.Tx) error {
			for _, h := range res.Hits {
				id, ok := parseDocID(h.ID)
				if !ok {
					from++
					continue
				}
				done, err := a.expireContract(tx, actor, id, today)
				if err != nil {
					return err
				}
				if done {
					n++
				} else {
					from++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	if total > 0 {
		a.log.Info("contracts expired", "count", total)
	}
	return total, nil
}

// expireContract expires one contract if it is still signed and its term
// ended before today; it reports whether it did.
func (a *App) expireContract(tx *storage.Tx, actor Actor, id uint64, today time.Time) (bool, error) {
	c, err := contractTable.Get(tx, id)
	if err != nil {
		return false, nil // gone from the store: the index will follow
	}
	if c.Status != ContractSigned || c.Terms.End.IsZero() || !day(c.Terms.End).Before(today) {
		return false, nil
	}
	now := a.now()
	// The lease ended at the end of its last day.
	c.Status, c.Ended, c.Updated = ContractExpired, day(c.Terms.End).AddDate(0, 0, 1), now
	c.event(now, actor, "expired", "")
	if err := a.followFiling(tx, actor, c, FilingEnded, now); err != nil {
		return false, err
	}
	if err := contractTable.Put(tx, c); err != nil {
		return false, err
	}
	return true, a.audit(tx, actor, "contract.expire", "contract", c.ID, contractLabel(c)+" "+c.Terms.End.Format(time.DateOnly),
		auditNote("audit.note.contract_expired", noteText(contractLabel(c)), noteDate(c.Terms.End)))
}

// contractExpiryLoop runs ExpireContracts once a day (and once soon after
// start), while the index is not being rebuilt; a failed run is retried at
// the next tick.
func (a *App) contractExpiryLoop(ctx context.Context) {
	actor := SystemActor("contract-expiry")
	a.runDaily(ctx, "expire contracts", time.Minute, a.SearchRebuilding, func() error {
		_, err := a.ExpireContracts(actor)
		return err
	})
}

// SeedContract stores a contract as given, for loaders of existing records
// and tests (the system only): a signed one without a number gets one, and
// its filing deadline if missing. Workflows go through SignContract and
// BackEntry instead.
func (a *App) SeedContract(actor Actor, c *Contract) (*Contract, error) {
	if !actor.System {
		return nil, Errorf(EFORBIDDEN, "error.forbidden")
	}
	c.ID = 0
	err := a.update(func(tx *storage.Tx) error {
		now := a.now()
		if c.Created.IsZero() {
			c.Created, c.Updated = now, now
		}
		if c.Status != ContractDraft && c.Status != ContractCancelled {
			if c.Signed.IsZero() {
				c.Signed = now
			}
			if c.No == "" {
				no, err := nextContractNo(tx, c.District, c.Signed)
				if err != nil {
					return err
				}
				c.No = no
			}
			if c.FilingDue.IsZero() {
				c.FilingDue = day(c.Signed).AddDate(0, 0, a.ParamInt(ParamFilingDeadlineDays))
			}
		}
		if _, err := contractTable.Insert(tx, c); err != nil {
			return err
		}
		if signedOnline(c) {
			if err := a.keepContractText(tx, c); err != nil {
				return err
			}
		}
		return a.audit(tx, actor, "contract.seed", "contract", c.ID, contractLabel(c))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
