package app

import (
	"slices"
	"strings"

	"anju/storage"
)

// AgencyCredit is the agency portal's credit page: the agency's own credit
// and the scores of the practitioners it employs now.
type AgencyCredit struct {
	*CreditView
	Practitioners []CreditSummary // lowest score first
}

// MyCredit returns the actor's agency's credit page.
func (a *App) MyCredit(actor Actor) (*AgencyCredit, error) {
	if err := actor.require(PermCreditView); err != nil {
		return nil, err
	}
	if actor.AgencyID == 0 {
		return nil, Errorf(ENOTFOUND, "credit.subject_not_found")
	}
	v, err := a.CreditPage(actor, Subject{SubjectAgency, actor.AgencyID})
	if err != nil {
		return nil, err
	}
	out := &AgencyCredit{CreditView: v}
	listed, err := a.ListedSubjects()
	if err != nil {
		return nil, err
	}
	err = a.db.View(func(tx *storage.Tx) error {
		ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(actor.AgencyID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := practitionerTable.Get(tx, id)
			if err != nil {
				return err
			}
			if c := p.Current(); c == nil || c.AgencyID != actor.AgencyID {
				continue
			}
			s := Subject{SubjectPractitioner, p.ID}
			sum := a.readSummary(tx, s, listed)
			sum.Name, sum.Code = p.Name, p.CardNo
			out.Practitioners = append(out.Practitioners, sum)
		}
		return nil
	})
	slices.SortStableFunc(out.Practitioners, func(x, y CreditSummary) int {
		if x.Score != y.Score {
			return x.Score - y.Score
		}
		return strings.Compare(x.Code, y.Code)
	})
	return out, err
}
