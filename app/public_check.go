package app

import (
	"errors"
	"slices"
	"time"

	"anju/storage"
)

// checkMemoSize is how many verifications' public facts are kept decoded
// (checkFacts, a few hundred bytes each): the codes being scanned at any
// time, which is a small part of the codes issued.
const checkMemoSize = 1 << 16

// checkFacts is what the public check shows of a verification as stored;
// what it shows on a given day follows from them (at).
type checkFacts struct {
	pc        PublicCheck // State and Mortgaged are set by at
	status    string
	mortgaged bool
	idCode    bool
}

func newCheckFacts(v *Verification) checkFacts {
	f := checkFacts{status: v.Status, mortgaged: v.Mortgaged, idCode: v.IDCode,
		pc: PublicCheck{Code: v.Code, Listing: v.Listing, District: v.District,
			Created: v.Created, ValidUntil: v.ValidUntil, Ended: v.Ended}}
	switch {
	case v.Requester.AgencyName != "":
		f.pc.Requester = v.Requester.AgencyName
	case v.Requester.Platform != "":
		f.pc.Requester = v.Requester.Platform
	}
	if v.Status == VStatusVoided {
		f.pc.EndReason = v.EndReason // a message key; clerks' free-text reasons stay internal
	}
	for _, o := range v.Owners {
		f.pc.OwnerNames = append(f.pc.OwnerNames, MaskName(o.Name))
	}
	return f
}

// at is the public check at time now.
func (f checkFacts) at(now time.Time) PublicCheck {
	pc := f.pc
	pc.OwnerNames = slices.Clone(pc.OwnerNames) // the memo's copy is shared
	pc.State = stateAt(f.status, pc.ValidUntil, now)
	// "Mortgaged (may be let)" is advice to a tenant about a listing he may
	// rent: under a code voided because the flat was seized, or revoked, it
	// would read as leave to let what the same page says may not be.
	pc.Mortgaged = f.mortgaged && pc.State == VStatusValid
	return pc
}

// CheckCode answers the public check. A code whose check character fails
// gets "verify.code_mistyped", a well-formed unknown one "verify.code_unknown".
//
// The facts come from a memo of the stored records (storage.Memo), which
// gives them as the record now stored says: a code revoked, voided or used
// a moment ago shows so at once.
func (a *App) CheckCode(code string) (PublicCheck, error) {
	typed := code
	code = NormalizeVerificationCode(code)
	if CheckVerificationCode(code) == VCodeMalformed {
		if c, ok := codeInText(typed); ok {
			code = c
		}
	}
	if err := codeFormError(code); err != nil {
		return PublicCheck{}, err
	}
	var f checkFacts
	err := a.db.View(func(tx *storage.Tx) (err error) {
		f, err = findByCode(a, tx, code, a.checkMemo.Get,
			func(f checkFacts) bool { return f.idCode && f.pc.Code == code }, newCheckFacts)
		return err
	})
	if errors.Is(err, errVerificationNotFound) {
		return PublicCheck{}, fieldError("code", "verify.code_unknown")
	}
	if err != nil {
		return PublicCheck{}, err
	}
	return f.at(a.now()), nil
}
