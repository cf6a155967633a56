package app

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"anju/storage"
)

// AppRef names an application: by ID for signed-in users, or by the
// applicant's secret link on the public portal (Token).
type AppRef struct {
	ID    uint64
	Token string
}

// nextAppNo issues an application number: SQ, the year and a sequence.
func nextAppNo(tx *storage.Tx, now time.Time) (string, error) {
	n, err := tx.NextSequence("agency_app_no")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("SQ%d%06d", now.Year(), n), nil
}

// canSeeApp: the people handling it. A clerk's draft is his own until he
// submits it; a public draft is the applicant's until submitted.
func canSeeApp(actor Actor, ap *AgencyApplication) bool {
	switch {
	case actor.System:
		return true
	case actor.Can(PermAgencyPortal):
		return actor.Can(PermAgencyApply) && actor.AgencyID != 0 &&
			(ap.ApplicantAgency == actor.AgencyID || ap.AgencyID == actor.AgencyID)
	case !actor.Can(PermAgencyView) || !actor.InJurisdiction(ap.District()):
		return false
	case ap.Status == AppDraft:
		return ap.Source == SourceGov && ap.SubmittedBy.UserID == actor.UserID
	}
	return true
}

// loadApp reads an application for the actor (or the holder of its link).
func loadApp(tx *storage.Tx, actor Actor, ref AppRef) (*AgencyApplication, error) {
	if ref.Token != "" {
		ap, err := applicationTable.LookupOne(tx, "token", []byte(tokenHash(ref.Token)))
		if err != nil {
			return nil, notFound("agency.app_not_found", err)
		}
		return ap, nil
	}
	ap, err := applicationTable.Get(tx, ref.ID)
	if err != nil || !canSeeApp(actor, ap) {
		return nil, notFound("agency.app_not_found", err)
	}
	return ap, nil
}

// checkCanEdit: only an application in draft or returned may be edited,
// by whoever is on its applicant's side.
func checkCanEdit(actor Actor, ref AppRef, ap *AgencyApplication) error {
	if ap.Status != AppDraft && ap.Status != AppRejected {
		return Errorf(ECONFLICT, "agency.app_not_editable")
	}
	switch ap.Source {
	case SourcePublic:
		if ref.Token == "" {
			return Errorf(EFORBIDDEN, "agency.app_public_only")
		}
		return nil
	case SourceAgency:
		if actor.Can(PermAgencyApply) && actor.AgencyID == ap.ApplicantAgency {
			return nil
		}
	default:
		if actor.Can(PermAgencyFile) {
			return nil
		}
	}
	return Errorf(EFORBIDDEN, "error.forbidden")
}

// publicActor is who a public applicant is in the audit log: his masked
// mobile, and the address and request ID of the request (from, the
// anonymous actor the UI passes), all the log can know of someone without
// an account.
func publicActor(ap *AgencyApplication, from Actor) Actor {
	return Actor{Username: PublicPrefix + MaskPhone(ap.ApplicantMobile), Name: ap.SubmittedBy.Name, IP: from.IP, RequestID: from.RequestID}
}

// applicantAgency returns the agency of an agency admin, which must be
// live; forBranch also requires it to be a head office (the seed's FAQ:
// a branch's admin manages its own branch and applies for no one).
func applicantAgency(tx *storage.Tx, actor Actor, forBranch bool) (*Agency, error) {
	ag, err := agencyByID(tx, actor.AgencyID)
	if err != nil {
		return nil, notFound("agency.not_found", err)
	}
	switch {
	case !ag.Live():
		return nil, Errorf(ECONFLICT, "agency.not_live")
	case forBranch && ag.IsBranch():
		return nil, Errorf(EFORBIDDEN, "agency.branch_cannot_apply", ag.HeadOfficeName)
	}
	return ag, nil
}

// CanApplyForBranch says whether the actor's agency may apply for a
// branch, and if not the message key of why (for a disabled button).
func (a *App) CanApplyForBranch(actor Actor) (bool, string, []any) {
	if !actor.Can(PermAgencyApply) {
		return false, "error.forbidden", nil
	}
	var err error
	_ = a.db.View(func(tx *storage.Tx) error {
		_, err = applicantAgency(tx, actor, true)
		return nil
	})
	if e, ok := AsError(err); ok {
		return false, e.Key, e.Args
	}
	return err == nil, "", nil
}

// StartFiling begins a new filing with its first step: a clerk for any
// agency of his jurisdiction, or an agency admin of a head office for a new
// branch of his agency.
func (a *App) StartFiling(actor Actor, f AgencyForm) (*AgencyApplication, error) {
	source := SourceGov
	switch {
	case actor.Can(PermAgencyFile):
	case actor.Can(PermAgencyApply):
		source = SourceAgency
	default:
		return nil, Errorf(EFORBIDDEN, "error.forbidden")
	}
	var ap *AgencyApplication
	err := a.update(func(tx *storage.Tx) error {
		var head *Agency
		if source == SourceAgency {
			var err error
			if head, err = applicantAgency(tx, actor, true); err != nil {
				return err
			}
		}
		now := a.now()
		ap = &AgencyApplication{Kind: AppNew, Status: AppDraft, Form: f, Source: source,
			SubmittedBy: personOf(actor), ApplicantAgency: actor.AgencyID, Created: now}
		if err := a.parseFirstStep(tx, actor, ap, head); err != nil {
			return err
		}
		return a.insertApp(tx, actor, ap, now)
	})
	return ap, err
}

// StartPublicFiling begins an agency's own application on the public
// portal. The returned token is the applicant's only key to it: it is
// shown as a link to keep, and only its hash is stored.
func (a *App) StartPublicFiling(from Actor, f AgencyForm, applicantName, applicantMobile string) (*AgencyApplication, string, error) {
	var v validation
	applicantName = strings.TrimSpace(applicantName)
	if applicantName == "" {
		v.add("applicant_name", "agency.applicant_name_required")
	}
	mob, err := NormalizeMobile(applicantMobile)
	if strings.TrimSpace(applicantMobile) == "" {
		v.add("applicant_mobile", "agency.applicant_mobile_required")
	} else {
		v.check("applicant_mobile", err)
	}
	token := newToken()
	var ap *AgencyApplication
	err = a.update(func(tx *storage.Tx) error {
		now := a.now()
		ap = &AgencyApplication{Kind: AppNew, Status: AppDraft, Form: f, Source: SourcePublic,
			SubmittedBy: Person{Name: applicantName}, ApplicantMobile: mob, TokenHash: tokenHash(token), Created: now}
		perr := a.parseFirstStep(tx, Actor{}, ap, nil)
		if e, ok := AsError(perr); ok {
			for k, key := range e.Fields {
				v.add(k, key)
			}
		} else if perr != nil {
			return perr
		}
		if err := v.err(); err != nil {
			return err
		}
		return a.insertApp(tx, publicActor(ap, from), ap, now)
	})
	if err != nil {
		return nil, "", err
	}
	return ap, token, nil
}

func (a *App) insertApp(tx *storage.Tx, actor Actor, ap *AgencyApplication, now time.Time) error {
	no, err := nextAppNo(tx, now)
	if err != nil {
		return err
	}
	// Step is the furthest step the form may open: the first one is saved.
	ap.No, ap.Step = no, StepPremises
	ap.History = append(ap.History, AppEvent{Time: now, By: personOf(actor), Action: "saved"})
	if _, err := applicationTable.Insert(tx, ap); err != nil {
		return err
	}
	return a.audit(tx, actor, "agency.app_start", "agency_application", ap.ID, ap.No+" "+ap.Kind+" "+ap.Form.Name,
		auditNote("audit.note.agency_app", noteText(ap.No), noteKey("agency.kind."+ap.Kind), noteText(ap.Form.Name)))
}

// agencyForApply returns the agency a change or cancellation is for,
// checking the actor's side: a clerk of its jurisdiction, or its own admin.
func agencyForApply(tx *storage.Tx, actor Actor, agencyID uint64) (*Agency, error) {
	if !actor.Can(PermAgencyFile) && !actor.Can(PermAgencyApply) {
		return nil, Errorf(EFORBIDDEN, "error.forbidden")
	}
	if actor.Can(PermAgencyApply) && actor.AgencyID != agencyID {
		return nil, Errorf(ENOTFOUND, "agency.not_found")
	}
	ag, err := agencyByID(tx, agencyID)
	if err != nil || !canSeeAgency(actor, ag) {
		return nil, notFound("agency.not_found", err)
	}
	if !ag.Live() {
		return nil, Errorf(ECONFLICT, "agency.not_live")
	}
	if ag.PendingApp != 0 {
		if open, err := applicationTable.Get(tx, ag.PendingApp); err == nil && open.Open() {
			return nil, Errorf(ECONFLICT, "agency.app_already_open", open.No)
		}
	}
	return ag, nil
}

func sourceOf(actor Actor) string {
	if actor.Can(PermAgencyPortal) {
		return SourceAgency
	}
	return SourceGov
}

// StartChange opens a change (变更) of a filed agency, filled with its
// current information.
func (a *App) StartChange(actor Actor, agencyID uint64) (*AgencyApplication, error) {
	var ap *AgencyApplication
	err := a.update(func(tx *storage.Tx) error {
		ag, err := agencyForApply(tx, actor, agencyID)
		if err != nil {
			return err
		}
		now := a.now()
		ap = &AgencyApplication{Kind: AppChange, Status: AppDraft, AgencyID: ag.ID, Form: FormOf(ag.AgencyInfo),
			Info: ag.AgencyInfo, Source: sourceOf(actor), SubmittedBy: personOf(actor), ApplicantAgency: actor.AgencyID, Created: now}
		if err := a.insertApp(tx, actor, ap, now); err != nil {
			return err
		}
		ap.Step = StepCount // every step is filled already
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
		ag.PendingApp = ap.ID
		return agencyTable.Put(tx, ag)
	})
	return ap, err
}

// StartCancellation applies for an agency's cancellation (注销): one step,
// the reason, submitted for review at once. A head office with live
// branches cannot be cancelled before them.
func (a *App) StartCancellation(actor Actor, agencyID uint64, reason string) (*AgencyApplication, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldError("reason", "agency.cancel_reason_required")
	}
	var ap *AgencyApplication
	err := a.update(func(tx *storage.Tx) error {
		ag, err := agencyForApply(tx, actor, agencyID)
		if err != nil {
			return err
		}
		if names := liveBranchNames(tx, ag.ID); len(names) > 0 {
			return Errorf(ECONFLICT, "agency.cancel_has_branches", names)
		}
		now := a.now()
		ap = &AgencyApplication{Kind: AppCancel, Status: AppPending, AgencyID: ag.ID, Form: FormOf(ag.AgencyInfo),
			Info: ag.AgencyInfo, Reason: reason, Source: sourceOf(actor), SubmittedBy: personOf(actor),
			ApplicantAgency: actor.AgencyID, Created: now, Submitted: now}
		if err := a.insertApp(tx, actor, ap, now); err != nil {
			return err
		}
		ap.Step = StepCount
		ap.History = append(ap.History, AppEvent{Time: now, By: personOf(actor), Action: "submitted", Note: reason})
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
		ag.PendingApp = ap.ID
		if err := agencyTable.Put(tx, ag); err != nil {
			return err
		}
		return a.audit(tx, actor, "agency.app_submit", "agency_application", ap.ID, ap.No+" cancel "+ag.Name,
			auditNote("audit.note.agency_app", noteText(ap.No), noteKey("agency.kind.cancel"), noteText(ag.Name)))
	})
	return ap, err
}

func liveBranchNames(tx *storage.Tx, headID uint64) []string {
	ids, _ := agencyTable.Lookup(tx, "head_office", storage.U64(headID))
	var names []string
	for _, id := range ids {
		if b, err := agencyTable.Get(tx, id); err == nil && b.Live() {
			names = append(names, b.Name)
		}
	}
	return names
}

// headFixedFor: an agency's branch application keeps its head office;
// a change never moves an agency under another head office.
func headFixedFor(tx *storage.Tx, ap *AgencyApplication) (*Agency, error) {
	switch {
	case ap.Kind == AppNew && ap.Source == SourceAgency:
		return agencyByID(tx, ap.ApplicantAgency)
	case ap.Kind != AppNew && ap.Info.HeadOfficeID != 0:
		return agencyByID(tx, ap.Info.HeadOfficeID)
	case ap.Kind != AppNew:
		return &Agency{}, nil // no head office, and none may be added
	}
	return nil, nil
}

// SaveStep stores one step of the form. With next, the step's fields are
// validated (the "下一步" button) and a mistake is reported on its field
// with nothing stored; without it (the "保存草稿" button) the form is kept
// as typed, to be finished later.
func (a *App) SaveStep(actor Actor, ref AppRef, step int, f AgencyForm, next bool) (*AgencyApplication, error) {
	if step < StepBasic || step > StepPremises {
		return nil, Errorf(EINVALID, "agency.step_unknown")
	}
	var ap *AgencyApplication
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if ap, err = loadApp(tx, actor, ref); err != nil {
			return err
		}
		if err := checkCanEdit(actor, ref, ap); err != nil {
			return err
		}
		if ap.Kind == AppCancel {
			return Errorf(ECONFLICT, "agency.app_not_editable")
		}
		// The step's own fields replace the stored ones; the others stay.
		if step == StepBasic {
			premises := ap.Form.Premises
			ap.Form = f
			ap.Form.USCC = NormalizeUSCC(f.USCC)
			ap.Form.Premises = premises
		} else {
			ap.Form.Premises = f.Premises
		}
		if next {
			head, err := headFixedFor(tx, ap)
			if err != nil {
				return err
			}
			if step == StepBasic {
				err = a.parseFirstStep(tx, actorFor(actor, ap, ref), ap, head)
			} else {
				err = a.parseAgencyForm(tx, actorFor(actor, ap, ref), &ap.Form, step, &ap.Info, head)
			}
			if err != nil {
				return err
			}
			ap.Step = max(ap.Step, step+1)
		}
		return applicationTable.Put(tx, ap)
	})
	return ap, err
}

// actorFor is the actor whose jurisdiction a form is checked against: a
// public applicant may name any district.
func actorFor(actor Actor, ap *AgencyApplication, ref AppRef) Actor {
	if ref.Token != "" {
		return Actor{}
	}
	return actor
}

// AttachLicence stores the business licence scan (PDF, JPEG or PNG by
// content, at most LicenceMaxBytes), replacing an earlier one.
func (a *App) AttachLicence(actor Actor, ref AppRef, name string, data []byte) (*AgencyApplication, error) {
	ct, err := checkLicence(data)
	if err != nil {
		return nil, err
	}
	var ap *AgencyApplication
	err = a.update(func(tx *storage.Tx) error {
		if ap, err = loadApp(tx, actor, ref); err != nil {
			return err
		}
		if err := checkCanEdit(actor, ref, ap); err != nil {
			return err
		}
		old := ap.Info.LicenceBlob
		info, err := tx.PutBlob(name, ct, data, LicenceMaxBytes)
		if err != nil {
			return err
		}
		// A new filing's earlier upload is nobody's: drop it. A change
		// keeps the agency's current scan, which its history shows.
		if old != 0 && (ap.Kind == AppNew || old != ap.Info.LicenceBlob) {
			if ag, err := agencyByID(tx, ap.AgencyID); err != nil || ag.LicenceBlob != old {
				_ = tx.DeleteBlob(old)
			}
		}
		ap.Info.LicenceBlob, ap.Info.LicenceName, ap.Info.LicenceType = info.ID, name, ct
		ap.Step = max(ap.Step, StepConfirm)
		return applicationTable.Put(tx, ap)
	})
	return ap, err
}

// SubmitApplication validates every step and puts the application in the
// review queue (or back in it, after a rejection).
func (a *App) SubmitApplication(actor Actor, ref AppRef) (*AgencyApplication, error) {
	var ap *AgencyApplication
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if ap, err = loadApp(tx, actor, ref); err != nil {
			return err
		}
		if err := checkCanEdit(actor, ref, ap); err != nil {
			return err
		}
		head, err := headFixedFor(tx, ap)
		if err != nil {
			return err
		}
		if err := a.parseAgencyForm(tx, actorFor(actor, ap, ref), &ap.Form, 0, &ap.Info, head); err != nil {
			return err
		}
		if ap.Info.LicenceBlob == 0 {
			return fieldError("licence", "agency.licence_required")
		}
		if err := checkUSCCFree(tx, ap); err != nil {
			return err
		}
		now := a.now()
		action := "submitted"
		if ap.Status == AppRejected {
			action = "resubmitted"
		}
		who := actor
		if ref.Token != "" {
			who = publicActor(ap, actor)
		}
		ap.Status, ap.Submitted, ap.RejectReason = AppPending, now, ""
		ap.History = append(ap.History, AppEvent{Time: now, By: personOf(who), Action: action})
		if err := applicationTable.Put(tx, ap); err != nil {
			if errors.Is(err, storage.ErrDuplicate) {
				return fieldError("uscc", "agency.uscc_in_review")
			}
			return err
		}
		return a.audit(tx, who, "agency.app_submit", "agency_application", ap.ID, ap.No+" "+ap.Kind+" "+ap.Info.Name,
			auditNote("audit.note.agency_app", noteText(ap.No), noteKey("agency.kind."+ap.Kind), noteText(ap.Info.Name)))
	})
	return ap, err
}

// parseFirstStep validates the first step of ap's form and, its credit
// code being well formed, that no agency on the register and no other open
// application holds that code: the clerk learns it beside the field when
// he saves the step, not at submission (which checks again, as the
// register may change meanwhile).
func (a *App) parseFirstStep(tx *storage.Tx, actor Actor, ap *AgencyApplication, head *Agency) error {
	err := a.parseAgencyForm(tx, actor, &ap.Form, StepBasic, &ap.Info, head)
	e, invalid := AsError(err)
	if err != nil && (!invalid || e.Fields["uscc"] != "") {
		return err
	}
	free := checkUSCCFree(tx, ap)
	switch {
	case free == nil:
		return err
	case err == nil:
		return free
	}
	if f, ok := AsError(free); ok && e.Fields != nil {
		maps.Copy(e.Fields, f.Fields)
	}
	return err
}

// checkUSCCFree: a credit code belongs to one live agency; a change may
// keep its own.
func checkUSCCFree(tx *storage.Tx, ap *AgencyApplication) error {
	holder, err := agencyTable.LookupOne(tx, "uscc", []byte(ap.Info.USCC))
	if err == nil && holder.ID != ap.AgencyID {
		return &Error{Code: EINVALID, Key: "form.invalid", Fields: map[string]string{"uscc": "agency.uscc_taken"}}
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if ap.Kind == AppNew {
		other, err := applicationTable.LookupOne(tx, "uscc_open", []byte(ap.Info.USCC))
		if err == nil && other.ID != ap.ID {
			return fieldError("uscc", "agency.uscc_in_review")
		}
	}
	return nil
}

// WithdrawApplication gives up an application that is not decided yet.
func (a *App) WithdrawApplication(actor Actor, ref AppRef) (*AgencyApplication, error) {
	var ap *AgencyApplication
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if ap, err = loadApp(tx, actor, ref); err != nil {
			return err
		}
		if !ap.Open() {
			return Errorf(ECONFLICT, "agency.app_not_open")
		}
		// The applicant's side withdraws; a pending one too (before review).
		saved := ap.Status
		ap.Status = AppDraft
		err = checkCanEdit(actor, ref, ap)
		ap.Status = saved
		if err != nil {
			return err
		}
		who := actor
		if ref.Token != "" {
			who = publicActor(ap, actor)
		}
		now := a.now()
		ap.Status, ap.Decided = AppWithdrawn, now
		ap.History = append(ap.History, AppEvent{Time: now, By: personOf(who), Action: "withdrawn"})
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
		if err := clearPending(tx, ap); err != nil {
			return err
		}
		return a.audit(tx, who, "agency.app_withdraw", "agency_application", ap.ID, ap.No)
	})
	return ap, err
}

func clearPending(tx *storage.Tx, ap *AgencyApplication) error {
	if ap.AgencyID == 0 {
		return nil
	}
	ag, err := agencyByID(tx, ap.AgencyID)
	if err != nil {
		return err
	}
	if ag.PendingApp != ap.ID {
		return nil
	}
	ag.PendingApp = 0
	return agencyTable.Put(tx, ag)
}

// GetApplication returns an application the actor (or link holder) may see.
func (a *App) GetApplication(actor Actor, ref AppRef) (*AgencyApplication, error) {
	var ap *AgencyApplication
	err := a.db.View(func(tx *storage.Tx) error {
		var err error
		ap, err = loadApp(tx, actor, ref)
		return err
	})
	return ap, err
}

// ApplicationLicence returns the licence scan of an application.
func (a *App) ApplicationLicence(actor Actor, ref AppRef) (storage.BlobInfo, []byte, error) {
	var info storage.BlobInfo
	var data []byte
	err := a.db.View(func(tx *storage.Tx) error {
		ap, err := loadApp(tx, actor, ref)
		if err != nil {
			return err
		}
		if ap.Info.LicenceBlob == 0 {
			return Errorf(ENOTFOUND, "agency.licence_missing")
		}
		info, data, err = tx.GetBlob(ap.Info.LicenceBlob)
		return err
	})
	return info, data, err
}

// AppFilter selects applications for the queue.
type AppFilter struct {
	Status   string // "" = every status
	Kind     string
	District string // the agency's district; "" = every one the actor sees
	Mine     bool   // entered by the actor
	Limit    int
}

// ListApplications returns the applications the actor may see, newest
// first. The queue is small next to other records (thousands a year), so
// it is read from the store by its status index.
func (a *App) ListApplications(actor Actor, f AppFilter) ([]*AgencyApplication, error) {
	if !actor.Can(PermAgencyView) && !actor.Can(PermAgencyApply) {
		return nil, Errorf(EFORBIDDEN, "error.forbidden")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	var out []*AgencyApplication
	err := a.db.View(func(tx *storage.Tx) error {
		keep := func(ap *AgencyApplication) bool {
			return (f.Kind == "" || ap.Kind == f.Kind) && (!f.Mine || ap.SubmittedBy.UserID == actor.UserID)
		}
		if f.Status != "" {
			return eachVisibleApp(tx, actor, f.Status, f.District, func(ap *AgencyApplication) (bool, error) {
				if keep(ap) {
					out = append(out, ap)
				}
				return len(out) < f.Limit, nil
			})
		}
		return applicationTable.Each(tx, true, func(ap *AgencyApplication) (bool, error) {
			if canSeeApp(actor, ap) && (f.District == "" || ap.District() == f.District) && keep(ap) {
				out = append(out, ap)
			}
			return len(out) < f.Limit, nil
		})
	})
	return out, err
}

// eachVisibleApp calls fn, newest first, for each application of the
// status that the actor may see, of the agency's district ("" every one he
// sees), until fn says stop. The queue's list and the statistics' backlog
// both read through it, so they count the same applications.
func eachVisibleApp(tx *storage.Tx, actor Actor, status, district string, fn func(*AgencyApplication) (bool, error)) error {
	return applicationTable.LookupEachNewest(tx, "status", []byte(status), func(ap *AgencyApplication) (bool, error) {
		if !canSeeApp(actor, ap) || (district != "" && ap.District() != district) {
			return true, nil
		}
		return fn(ap)
	})
}

// AgencyHistory is the agency's applications, oldest first: the approved
// ones are its versions, with who entered and who approved each.
func (a *App) AgencyHistory(actor Actor, agencyID uint64) ([]*AgencyApplication, error) {
	if _, err := a.GetAgency(actor, agencyID); err != nil {
		return nil, err
	}
	var out []*AgencyApplication
	err := a.db.View(func(tx *storage.Tx) error {
		ids, err := applicationTable.Lookup(tx, "agency", storage.U64(agencyID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			ap, err := applicationTable.Get(tx, id)
			if err != nil {
				return err
			}
			if ap.Status != AppDraft {
				out = append(out, ap)
			}
		}
		return nil
	})
	return out, err
}

// FilingAgenda is what waits for a government user on his home page.
type FilingAgenda struct {
	ToReview int // pending applications he may decide
	Returned int // his applications returned with a reason
	Notices  int // approved filings whose account notice he has not printed
}

// FilingAgenda counts the actor's open filing work.
func (a *App) FilingAgenda(actor Actor) (FilingAgenda, error) {
	var ag FilingAgenda
	if !actor.Can(PermAgencyView) || actor.Can(PermAgencyPortal) {
		return ag, nil
	}
	if actor.Can(PermAgencyReview) {
		list, err := a.ListApplications(actor, AppFilter{Status: AppPending, Limit: 500})
		if err != nil {
			return ag, err
		}
		for _, ap := range list {
			if !ap.Own(actor) {
				ag.ToReview++
			}
		}
	}
	if actor.Can(PermAgencyFile) {
		err := a.db.View(func(tx *storage.Tx) error {
			ids, err := applicationTable.Lookup(tx, "submitter", storage.U64(actor.UserID))
			if err != nil {
				return err
			}
			for _, id := range ids {
				ap, err := applicationTable.Get(tx, id)
				if err != nil {
					return err
				}
				switch {
				case ap.Status == AppRejected:
					ag.Returned++
				case ap.Status == AppApproved && ap.Credential != nil && len(ap.Credential.Sealed) > 0:
					ag.Notices++
				}
			}
			return nil
		})
		if err != nil {
			return ag, err
		}
	}
	return ag, nil
}
