package app

import "anju/storage"

// demoFilingRecord writes the filing application that a demo contract's
// history tells of (filing_submitted, filing_rejected, filing_approved,
// filing_cancelled, filing_ended), so that the review queue and the
// agency's list show the demo's filings. It needs the contract's ID (call
// it after inserting the contract) and sets c.FilingID; the caller writes
// c. A contract never applied for gets nothing.
func demoFilingRecord(tx *storage.Tx, c *Contract) error {
	if c.FilingStatus == FilingNone || c.ID == 0 {
		return nil
	}
	f := &ContractFiling{Status: c.FilingStatus, ContractID: c.ID, ContractNo: c.No, Source: c.Source,
		District: c.District, CertNo: c.CertNo, Address: contractAddress(c), AgencyID: c.AgencyID,
		AgencyName: c.AgencyName, Start: c.Terms.Start, End: c.Terms.End, Rent: c.Terms.Rent, Due: c.FilingDue,
		CertificateNo: c.FilingCertNo, Side: SourceGov}
	if c.AgencyID != 0 && c.SignedBy.UserID == c.AgentID {
		f.Side = SourceAgency
	}
	f.copyParties(c)
	for _, e := range c.History {
		ev := AppEvent{Time: e.Time, By: e.By, Note: e.Note}
		switch e.Action {
		case "filing_submitted":
			ev.Action = "submitted"
			if f.Submitted.IsZero() {
				f.Submitted, f.SubmittedBy = e.Time, e.By
			} else {
				ev.Action, f.Resubmitted = "resubmitted", e.Time
			}
		case "filing_rejected":
			ev.Action = "rejected"
			f.RejectReason, f.ReviewedBy, f.Decided = e.Note, e.By, e.Time
		case "filing_approved":
			ev.Action, ev.Note = "approved", c.FilingCertNo
			f.ReviewedBy, f.Decided = e.By, e.Time
		case "filing_cancelled", "filing_ended":
			ev.Action = e.Action[len("filing_"):]
			f.Ended = filingEndedOn(c, e.Time)
		default:
			continue
		}
		f.History = append(f.History, ev)
		f.Updated = e.Time
	}
	if f.Submitted.IsZero() {
		return nil // not applied for after all
	}
	no, err := nextFilingAppNo(tx, f.Submitted)
	if err != nil {
		return err
	}
	f.No = no
	if _, err := contractFilingTable.Insert(tx, f); err != nil {
		return err
	}
	c.FilingID = f.ID
	return nil
}
