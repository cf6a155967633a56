package app

import (
	"math"
	"strings"

	"anju/storage"
)

// Attempt outcomes other than "passed", as the list filters them.
var AttemptOutcomes = []string{"refused", "invalid", "unavailable"}

// attemptScanMax bounds the attempts one page reads: a district clerk's
// page skips the other districts' attempts, and a page must answer in
// milliseconds however many there are. A page that stops there still
// offers the older ones.
const attemptScanMax = 5000

// AttemptQuery selects verification attempts that did not pass.
type AttemptQuery struct {
	Outcome  string // "" for every outcome but "passed"
	District string // "" for every district the actor sees
	// Requester: part of the agency's or platform's name, or the user name
	// (any case): the attempts of one agency.
	Requester string
	Before    uint64 // paging: attempts with an ID below it (0: the newest)
	Size      int
}

// AttemptPage is a page of attempts, newest first.
type AttemptPage struct {
	Items []*VerifyAttempt
	// Next is Before for the older page, 0 when there is none.
	Next uint64
}

// FailedAttempts lists the verification attempts that did not pass, newest
// first: what was asked (district, certificate number), by whom, and the
// check that refused it (Reason, a message key, on Field). Every attempt
// is recorded (app/verify.go); the passed ones are the verifications.
// A clerk sees those of his jurisdiction, an agency its own; an attempt
// names no owner, so nothing in it is masked.
func (a *App) FailedAttempts(actor Actor, q AttemptQuery) (AttemptPage, error) {
	if err := actor.require(PermVerifyList); err != nil {
		return AttemptPage{}, err
	}
	if q.Size <= 0 || q.Size > 100 {
		q.Size = 20
	}
	var p AttemptPage
	who := strings.ToLower(strings.TrimSpace(q.Requester))
	from := []byte(nil)
	if q.Before > 1 {
		from = storage.U64(math.MaxUint64 - (q.Before - 1))
	} else if q.Before == 1 {
		return p, nil
	}
	err := a.db.View(func(tx *storage.Tx) error {
		read := 0
		return attemptTable.LookupRange(tx, "failed", from, nil, func(_ []byte, id uint64) (bool, error) {
			if read == attemptScanMax && len(p.Items) > 0 {
				p.Next = p.Items[len(p.Items)-1].ID
				return false, nil
			}
			if read == attemptScanMax {
				p.Next = id + 1 // nothing to show yet: the next page goes on from here
				return false, nil
			}
			read++
			at, err := attemptTable.Get(tx, id)
			if err != nil {
				return false, err
			}
			if !canSeeRequest(actor, at.Requester, at.District) || (q.Outcome != "" && at.Outcome != q.Outcome) ||
				(q.District != "" && at.District != q.District) || (who != "" && !requestedBy(at.Requester, who)) {
				return true, nil
			}
			if len(p.Items) == q.Size {
				p.Next = p.Items[len(p.Items)-1].ID
				return false, nil
			}
			p.Items = append(p.Items, at)
			return true, nil
		})
	})
	return p, err
}

// requestedBy tells whether who (lower case) is part of the requester's
// agency or platform name, his name or his user name: a clerk looks for
// what 张伟 tried by his name, as in the verification list.
func requestedBy(r Requester, who string) bool {
	for _, s := range []string{r.AgencyName, r.Platform, r.Name, r.Username} {
		if strings.Contains(strings.ToLower(s), who) {
			return true
		}
	}
	return false
}
