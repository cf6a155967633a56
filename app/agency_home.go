package app

import (
	"slices"
	"strconv"
	"time"

	"anju/search"
	"anju/storage"
)

// The agency portal's home page: the filing's state, the agency's figures
// and what waits for someone of the agency to act. An agent sees his own
// work only.

// AgencyHome is the home page's summary for the signed-in agency user.
type AgencyHome struct {
	// Agency is the actor's agency; nil for an account linked to none.
	Agency *Agency
	// FilingsOverdue are the agency's signed leases past their filing
	// deadline; FilingsReturned its filing applications returned.
	FilingsOverdue, FilingsReturned int
	// Pending is the agency's open change or cancellation (Agency.PendingApp).
	Pending *AgencyApplication
	// Applications are the open applications of the agency or made by the
	// actor (a branch applied for), newest first: drafts, pending, rejected.
	Applications []*AgencyApplication

	// Admin figures (PermAgencyStaff and PermAgencyView).
	StaffActive, StaffDisabled int
	StaffMustChange            int // active accounts still on their one-time password
	Employed                   int // practitioners employed now
	Premises                   int
	PremisesNoCoords           []string // names of premises without coordinates
	Branches                   int      // live branches of a head office
	ValidVerifications         int      // the agency's valid verification codes

	// The agent's own figures.
	MyVerifications      int
	MyValidVerifications int
	MyPractitioner       *Practitioner // his record, if his account is linked

	// Objectable are the agency's new credit records it may still object
	// to (the subject "is notified": credit_record.go).
	Objectable []*CreditRecord

	// Listed are the active red and black list entries of the agency and
	// of the user's own practitioner record: public, and theirs to know.
	Listed []*ListEntry

	// Actions is what awaits someone of the agency, most urgent first.
	Actions []HomeAction
}

// HomeAction is one item of "awaiting action": a message key with its
// arguments, where to go, and how urgent ("error", "warn" or "info").
type HomeAction struct {
	Key   string
	Args  []any
	Link  string
	Level string
	// LinkKey names the link ("" for 去处理): a list entry is to be read,
	// not handled.
	LinkKey string
}

// AgencyHome returns the home summary of the actor's agency. It needs only
// the agency portal; each figure is filled as the actor's roles allow.
func (a *App) AgencyHome(actor Actor) (*AgencyHome, error) {
	if err := actor.require(PermAgencyPortal); err != nil {
		return nil, err
	}
	h := &AgencyHome{}
	var me *User
	err := a.db.View(func(tx *storage.Tx) error {
		if u, err := userTable.Get(tx, actor.UserID); err == nil {
			me = u
		}
		if actor.AgencyID == 0 {
			return nil
		}
		ag, err := agencyByID(tx, actor.AgencyID)
		if err != nil {
			return nil // an account whose agency is gone: nothing to show
		}
		h.Agency = ag
		if actor.Can(PermAgencyApply) {
			if err := h.loadApplications(tx, actor); err != nil {
				return err
			}
		}
		if actor.Can(PermAgencyStaff) {
			users, err := agencyUsers(tx, ag.ID)
			if err != nil {
				return err
			}
			for _, u := range users {
				switch {
				case u.Disabled:
					h.StaffDisabled++
				default:
					h.StaffActive++
					if u.MustChangePassword && u.ID != actor.UserID {
						h.StaffMustChange++
					}
				}
			}
		}
		if actor.Can(PermAgencyView) {
			h.Premises = len(ag.Premises)
			for _, p := range ag.Premises {
				if !p.HasCoords {
					h.PremisesNoCoords = append(h.PremisesNoCoords, p.Name)
				}
			}
			ids, err := agencyTable.Lookup(tx, "head_office", storage.U64(ag.ID))
			if err != nil {
				return err
			}
			for _, id := range ids {
				if b, err := agencyTable.Get(tx, id); err == nil && b.Live() {
					h.Branches++
				}
			}
		}
		if actor.Can(PermCreditObject) {
			now := a.now()
			err := recordTable.LookupPrefix(tx, "agency", storage.U64(ag.ID), func(_ []byte, id uint64) (bool, error) {
				r, err := recordTable.Get(tx, id)
				if err == nil && r.CanObject(now) {
					h.Objectable = append(h.Objectable, r)
				}
				return true, err
			})
			if err != nil {
				return err
			}
		}
		subjects := []Subject{{Kind: SubjectAgency, ID: ag.ID}}
		if me != nil && me.PractitionerID != 0 {
			subjects = append(subjects, Subject{Kind: SubjectPractitioner, ID: me.PractitionerID})
		}
		for _, s := range subjects {
			entries, err := subjectEntries(tx, s)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.ActiveAt(a.now()) {
					h.Listed = append(h.Listed, e)
				}
			}
		}
		if me != nil && me.PractitionerID != 0 {
			if p, err := practitionerTable.Get(tx, me.PractitionerID); err == nil {
				h.MyPractitioner = p
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if h.Agency != nil {
		if err := a.homeCounts(actor, h); err != nil {
			return nil, err
		}
		if h.Agency.Live() && actor.Can(PermContractView) {
			fc, err := a.CountFilings(actor)
			if err != nil {
				return nil, err
			}
			h.FilingsOverdue, h.FilingsReturned = fc.Overdue, fc.Returned
		}
	}
	h.Actions = h.actions(actor)
	return h, nil
}

// loadApplications finds the open applications of the agency and those
// the actor made (a branch's filing has no agency until approved).
func (h *AgencyHome) loadApplications(tx *storage.Tx, actor Actor) error {
	seen := map[uint64]bool{}
	add := func(index string, key []byte) error {
		ids, err := applicationTable.Lookup(tx, index, key)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			ap, err := applicationTable.Get(tx, id)
			if err != nil {
				return err
			}
			if ap.Open() && canSeeApp(actor, ap) {
				h.Applications = append(h.Applications, ap)
			}
			if ap.ID == h.Agency.PendingApp && ap.Open() {
				h.Pending = ap
			}
		}
		return nil
	}
	if err := add("agency", storage.U64(h.Agency.ID)); err != nil {
		return err
	}
	if err := add("submitter", storage.U64(actor.UserID)); err != nil {
		return err
	}
	slices.SortFunc(h.Applications, func(x, y *AgencyApplication) int { return y.Created.Compare(x.Created) })
	return nil
}

// homeCounts fills the figures that come from the search index.
func (a *App) homeCounts(actor Actor, h *AgencyHome) error {
	if actor.Can(PermAgencyView) {
		n, err := a.EmployedCount(h.Agency.ID)
		if err != nil {
			return err
		}
		h.Employed = n
	}
	if !actor.Can(PermVerifyList) {
		return nil
	}
	agency := strconv.FormatUint(h.Agency.ID, 10)
	now := a.now()
	var err error
	if actor.Can(PermAgencyStaff) {
		if h.ValidVerifications, err = a.countVerifications(agency, "", now, true); err != nil {
			return err
		}
	}
	if h.MyVerifications, err = a.countVerifications(agency, actor.Username, now, false); err != nil {
		return err
	}
	h.MyValidVerifications, err = a.countVerifications(agency, actor.Username, now, true)
	return err
}

// countVerifications counts an agency's verifications (those requested by
// one user when requester is set); valid keeps the unexpired valid ones.
func (a *App) countVerifications(agencyID, requester string, now time.Time, valid bool) (int, error) {
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before count", "err", err)
	}
	q := search.Query{Type: "verification", Size: 1, Filters: map[string][]string{"agency_id": {agencyID}}}
	if requester != "" {
		q.Filters["requester"] = []string{requester}
	}
	if valid {
		q.Filters["status"] = []string{VStatusValid}
		q.Ranges = []search.Range{{Field: "valid_until", Min: now.Add(time.Nanosecond)}}
	}
	res, err := a.ix.Search(q)
	if err != nil {
		return 0, err
	}
	return int(res.Total), nil
}

// actions lists what awaits the agency, most urgent first.
func (h *AgencyHome) actions(actor Actor) []HomeAction {
	var out []HomeAction
	ag := h.Agency
	if ag == nil {
		return []HomeAction{{Key: "aghome.no_agency", Level: "warn"}}
	}
	admin := actor.Can(PermAgencyStaff)
	switch ag.Status {
	case AgencyCancelled:
		out = append(out, HomeAction{Key: "aghome.cancelled", Level: "error"})
		return out // nothing else can be done for a cancelled agency
	case AgencyUnfiled:
		out = append(out, HomeAction{Key: "aghome.unfiled", Level: "warn"})
	}
	for _, ap := range h.Applications {
		link := "/agency/agency-applications/" + strconv.FormatUint(ap.ID, 10)
		switch ap.Status {
		case AppRejected:
			out = append(out, HomeAction{Key: "aghome.app_rejected", Args: []any{ap.No, ap.RejectReason}, Link: link, Level: "error"})
		case AppDraft:
			out = append(out, HomeAction{Key: "aghome.app_draft", Args: []any{ap.No}, Link: link, Level: "warn"})
		case AppPending:
			out = append(out, HomeAction{Key: "aghome.app_pending", Args: []any{ap.No}, Link: link, Level: "info"})
		}
	}
	for _, e := range h.Listed {
		key, link, level := "aghome.listed_agency_", "/agency/credit", "info"
		if e.Subject.Kind == SubjectPractitioner {
			key, link = "aghome.listed_me_", "/agency/credit/practitioner/"+strconv.FormatUint(e.Subject.ID, 10)
		}
		if e.List == ListBlack {
			level = "error"
		}
		out = append(out, HomeAction{Key: key + e.List, Args: []any{e.No(), e.Expires}, Link: link, Level: level, LinkKey: "aghome.view"})
	}
	for _, r := range h.Objectable {
		level := "info"
		if r.Points < 0 {
			level = "warn"
		}
		out = append(out, HomeAction{Key: "aghome.credit_record", Args: []any{r.RuleNo, r.Item, r.Points, r.ObjectionUntil},
			Link: "/agency/credit/records/" + strconv.FormatUint(r.ID, 10), Level: level})
	}
	if h.FilingsReturned > 0 {
		out = append(out, HomeAction{Key: "aghome.filings_returned", Args: []any{h.FilingsReturned}, Link: "/agency/filings?status=rejected", Level: "error"})
	}
	if h.FilingsOverdue > 0 {
		out = append(out, HomeAction{Key: "aghome.filings_overdue", Args: []any{h.FilingsOverdue}, Link: "/agency/filings/overdue", Level: "warn"})
	}
	if admin && h.StaffMustChange > 0 {
		out = append(out, HomeAction{Key: "aghome.staff_must_change", Args: []any{h.StaffMustChange}, Link: "/agency/staff", Level: "info"})
	}
	if actor.Can(PermAgencyView) && len(h.PremisesNoCoords) > 0 {
		out = append(out, HomeAction{Key: "aghome.premises_no_coords", Args: []any{len(h.PremisesNoCoords)}, Link: "/agency/agency", Level: "warn"})
	}
	if actor.HasRole(RoleAgent) && h.MyPractitioner == nil {
		out = append(out, HomeAction{Key: "aghome.not_linked", Level: "info"})
	}
	return out
}

// BranchFigures are one agency's figures on the branches page.
type BranchFigures struct {
	Agency        *Agency // nil on the totals row
	StaffActive   int
	StaffDisabled int
	Employed      int
	Premises      int
}

// BranchesOverview is the branches page: a head office with its branches'
// figures and totals, or a branch with its head office named.
type BranchesOverview struct {
	Agency   *Agency
	Own      BranchFigures   // the actor's agency itself
	Branches []BranchFigures // a head office's branches, live first
	Total    BranchFigures   // the agency and all its branches
	// CanApply says whether the actor may apply for a new branch; when he
	// may not, BlockKey (and BlockArgs) say why, next to the disabled button.
	CanApply  bool
	BlockKey  string
	BlockArgs []any
}

// AgencyBranchesOverview returns the branches page of the actor's agency.
// The rule of the seed's FAQ shows here: a branch's admin manages his own
// branch only and cannot apply for another agency; the head office's admin
// applies for new branches.
func (a *App) AgencyBranchesOverview(actor Actor) (*BranchesOverview, error) {
	if err := actor.require(PermAgencyView); err != nil {
		return nil, err
	}
	if !actor.Can(PermAgencyPortal) || actor.AgencyID == 0 {
		return nil, Errorf(ENOTFOUND, "agency.not_found")
	}
	ag, err := a.GetAgency(actor, actor.AgencyID)
	if err != nil {
		return nil, err
	}
	branches, err := a.AgencyBranches(actor, ag.ID)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(branches, func(x, y *Agency) int {
		if x.Live() != y.Live() {
			if x.Live() {
				return -1
			}
			return 1
		}
		return x.Filed.Compare(y.Filed)
	})
	ids := []uint64{ag.ID}
	for _, b := range branches {
		ids = append(ids, b.ID)
	}
	employed, err := a.EmployedCounts(ids)
	if err != nil {
		return nil, err
	}
	o := &BranchesOverview{Agency: ag}
	err = a.db.View(func(tx *storage.Tx) error {
		figures := func(x *Agency) (BranchFigures, error) {
			f := BranchFigures{Agency: x, Employed: employed[x.ID], Premises: len(x.Premises)}
			users, uerr := agencyUsers(tx, x.ID)
			for _, u := range users {
				if u.Disabled {
					f.StaffDisabled++
				} else {
					f.StaffActive++
				}
			}
			return f, uerr
		}
		own, ferr := figures(ag)
		if ferr != nil {
			return ferr
		}
		o.Own, o.Total = own, own
		o.Total.Agency = nil
		for _, b := range branches {
			f, err := figures(b)
			if err != nil {
				return err
			}
			o.Branches = append(o.Branches, f)
			o.Total.StaffActive += f.StaffActive
			o.Total.StaffDisabled += f.StaffDisabled
			o.Total.Employed += f.Employed
			o.Total.Premises += f.Premises
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The same check refuses the application itself (applicantAgency).
	o.CanApply, o.BlockKey, o.BlockArgs = a.CanApplyForBranch(actor)
	return o, nil
}
