package app

import (
	"strconv"
	"strings"
	"time"

	"anju/search"
	"anju/storage"
)

// VerificationQuery filters the verification list.
type VerificationQuery struct {
	Text     string // code, certificate number, address, owner or agency
	Status   string // valid, expired, used, revoked, voided
	District string
	From, To time.Time // creation date range, To exclusive
	Page     int
	Size     int
}

// VerificationPage is one page of the list.
type VerificationPage struct {
	Items []*Verification
	Total int
	Page  int
	Pages int
}

// SearchVerifications lists what the actor may see: government users their
// jurisdiction, agency users their agency, newest first.
func (a *App) SearchVerifications(actor Actor, q VerificationQuery) (VerificationPage, error) {
	if err := actor.require(PermVerifyList); err != nil {
		return VerificationPage{}, err
	}
	now := a.now()
	text := strings.TrimSpace(q.Text)
	// A typed code is found whatever its grouping or case.
	if c := NormalizeVerificationCode(text); CheckVerificationCode(c) == VCodeOK {
		text = c
	} else if c := NormalizeCertNo(text); c != text && strings.Contains(c, "第") && strings.HasSuffix(c, "号") {
		// So is a certificate number (…第…号) typed with full-width
		// brackets or digits, 〔〕 or spaces, as it is in Verify.
		text = c
	}
	sq := search.Query{Type: "verification", Text: text, Filters: map[string][]string{}, Sort: []string{"-_id"}}
	switch {
	case actor.System:
	case actor.Can(PermAgencyPortal):
		sq.Filters["agency_id"] = []string{strconv.FormatUint(actor.AgencyID, 10)}
	case actor.District != "":
		sq.Filters["district"] = []string{actor.District}
	}
	if q.District != "" {
		if actor.District != "" && q.District != actor.District {
			return VerificationPage{Page: 1, Pages: 1}, nil
		}
		sq.Filters["district"] = []string{q.District}
	}
	switch q.Status {
	case VStatusValid:
		sq.Filters["status"] = []string{VStatusValid}
		// State: expired once now >= ValidUntil. Ranges are [Min, Max).
		sq.Ranges = append(sq.Ranges, search.Range{Field: "valid_until", Min: now.Add(time.Nanosecond)})
	case VStatusExpired:
		sq.Filters["status"] = []string{VStatusValid}
		sq.Ranges = append(sq.Ranges, search.Range{Field: "valid_until", Max: now.Add(time.Nanosecond)})
	case VStatusUsed, VStatusRevoked, VStatusVoided:
		sq.Filters["status"] = []string{q.Status}
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		r := search.Range{Field: "created"}
		if !q.From.IsZero() {
			r.Min = q.From
		}
		if !q.To.IsZero() {
			r.Max = q.To
		}
		sq.Ranges = append(sq.Ranges, r)
	}
	var items []*Verification
	page, err := a.searchPage(sq, q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		v, err := verificationTable.Get(tx, id)
		if err == nil && canSeeVerification(actor, v) {
			items = append(items, v)
		}
		return nil
	})
	if err != nil {
		return VerificationPage{}, err
	}
	return VerificationPage{Items: items, Total: page.Total, Page: page.Page, Pages: page.Pages}, nil
}
