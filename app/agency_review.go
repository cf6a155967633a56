package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"anju/storage"
)

// reviewable loads a pending application for a reviewer: of his
// jurisdiction, and not one he entered himself (separation of duties).
func reviewable(tx *storage.Tx, actor Actor, id uint64) (*AgencyApplication, error) {
	if err := actor.require(PermAgencyReview); err != nil {
		return nil, err
	}
	ap, err := loadApp(tx, actor, AppRef{ID: id})
	if err != nil {
		return nil, err
	}
	switch {
	case ap.Status != AppPending:
		return nil, Errorf(ECONFLICT, "agency.app_not_pending")
	case ap.Own(actor):
		return nil, Errorf(EFORBIDDEN, "agency.review_own")
	}
	return ap, nil
}

// Own reports whether actor entered the application: he may not decide it
// (the decisions, the reviewer's to-do and the queue's mark ask this).
func (ap *AgencyApplication) Own(actor Actor) bool {
	return ap.SubmittedBy.UserID != 0 && ap.SubmittedBy.UserID == actor.UserID
}

// CanReview says whether the actor may decide the application now, and if
// not why (shown instead of the buttons).
func (a *App) CanReview(actor Actor, id uint64) (bool, string) {
	var err error
	_ = a.db.View(func(tx *storage.Tx) error {
		_, err = reviewable(tx, actor, id)
		return nil
	})
	if e, ok := AsError(err); ok {
		return false, e.Key
	}
	return err == nil, ""
}

// RejectApplication returns an application with a reason the applicant
// sees; he may correct it and submit it again.
func (a *App) RejectApplication(actor Actor, id uint64, reason string) (*AgencyApplication, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldError("reject_reason", "agency.reject_reason_required")
	}
	var ap *AgencyApplication
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if ap, err = reviewable(tx, actor, id); err != nil {
			return err
		}
		now := a.now()
		ap.Status, ap.RejectReason, ap.ReviewedBy, ap.Decided = AppRejected, reason, personOf(actor), now
		ap.History = append(ap.History, AppEvent{Time: now, By: personOf(actor), Action: "rejected", Note: reason})
		if ap.Kind == AppCancel {
			// A refused cancellation ends there: the agency stays filed.
			ap.Status = AppRejected
			if err := clearPending(tx, ap); err != nil {
				return err
			}
		}
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
		return a.audit(tx, actor, "agency.app_reject", "agency_application", ap.ID, ap.No+": "+reason)
	})
	return ap, err
}

// ApproveApplication decides an application in one transaction: a new
// filing gets its filing number, its agency record and its admin account
// (the initial password sealed until the applicant's side prints the
// account notice); a change replaces the agency's information (keeping the
// former name searchable); a cancellation disables the agency's accounts
// and ends its practitioners' employment.
func (a *App) ApproveApplication(actor Actor, id uint64) (*AgencyApplication, error) {
	// bcrypt takes ~60 ms: hash outside the write transaction.
	password := NewOneTimePassword()
	hash, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	key, err := a.Secret("agency.credential")
	if err != nil {
		return nil, err
	}
	var ap *AgencyApplication
	err = a.update(func(tx *storage.Tx) error {
		var err error
		if ap, err = reviewable(tx, actor, id); err != nil {
			return err
		}
		now := a.now()
		var ag *Agency
		switch ap.Kind {
		case AppNew:
			ag, err = a.approveNew(tx, actor, ap, hash, password, key, now)
		case AppChange:
			ag, err = a.approveChange(tx, ap, now)
		case AppCancel:
			ag, err = a.approveCancel(tx, actor, ap, now)
		}
		if err != nil {
			return err
		}
		ap.Status, ap.ReviewedBy, ap.Decided, ap.AgencyID = AppApproved, personOf(actor), now, ag.ID
		ap.Version = ag.Version
		ap.History = append(ap.History, AppEvent{Time: now, By: personOf(actor), Action: "approved"})
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
		return a.audit(tx, actor, "agency.app_approve", "agency_application", ap.ID, ap.No+" "+ap.Kind+" "+ag.Name+" "+ag.FilingNo,
			auditNote("audit.note.agency_approved", noteText(ap.No), noteKey("agency.kind."+ap.Kind), noteText(ag.Name), noteText(ag.FilingNo)))
	})
	return ap, err
}

func (a *App) approveNew(tx *storage.Tx, actor Actor, ap *AgencyApplication, hash []byte, password string, key []byte, now time.Time) (*Agency, error) {
	if err := checkUSCCFree(tx, ap); err != nil {
		return nil, Errorf(ECONFLICT, "agency.uscc_taken_now")
	}
	if ap.Info.HeadOfficeID != 0 {
		head, err := agencyByID(tx, ap.Info.HeadOfficeID)
		if err != nil || !head.Live() {
			return nil, Errorf(ECONFLICT, "agency.head_office_gone")
		}
	}
	no, err := nextFilingNo(tx, ap.Info.District, now)
	if err != nil {
		return nil, err
	}
	ag := &Agency{Status: AgencyFiled, FilingNo: no, AgencyInfo: ap.Info, Version: 1, Filed: now, Created: now, Updated: now}
	// An agency known by name from before filings existed keeps its ID, so
	// that its accounts and verifications stay linked.
	if ids, _ := agencyTable.Lookup(tx, "name", []byte(strings.ToLower(ap.Info.Name))); len(ids) > 0 {
		for _, id := range ids {
			if old, err := agencyByID(tx, id); err == nil && old.Status == AgencyUnfiled {
				ag.ID, ag.Created = old.ID, old.Created
				break
			}
		}
	}
	if ag.ID != 0 {
		err = agencyTable.Put(tx, ag)
	} else {
		_, err = agencyTable.Insert(tx, ag)
	}
	if err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return nil, Errorf(ECONFLICT, "agency.uscc_taken_now")
		}
		return nil, err
	}
	u := &User{Username: agencyAdminUsername(no), Name: ap.Info.Contact, Phone: ap.Info.ContactMobile,
		Roles: []Role{RoleAgencyAdmin}, AgencyID: ag.ID, AgencyName: ag.Name, PasswordHash: hash,
		MustChangePassword: true, Created: now, Updated: now}
	if _, err := userTable.Insert(tx, u); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return nil, Errorf(ECONFLICT, "agency.admin_username_taken", u.Username)
		}
		return nil, err
	}
	ag.AdminUserID = u.ID
	if err := agencyTable.Put(tx, ag); err != nil {
		return nil, err
	}
	sealed, err := seal(key, []byte(password), ap.No)
	if err != nil {
		return nil, err
	}
	ap.Credential = &Credential{Username: u.Username, Sealed: sealed}
	if err := a.audit(tx, actor, "user.create", "user", u.ID, u.Username+" agency_admin of "+ag.FilingNo,
		auditNote("audit.note.agency_admin_of", noteText(u.Username), noteText(ag.FilingNo))); err != nil {
		return nil, err
	}
	return ag, nil
}

func (a *App) approveChange(tx *storage.Tx, ap *AgencyApplication, now time.Time) (*Agency, error) {
	ag, err := agencyByID(tx, ap.AgencyID)
	if err != nil {
		return nil, err
	}
	if !ag.Live() {
		return nil, Errorf(ECONFLICT, "agency.not_live")
	}
	if err := checkUSCCFree(tx, ap); err != nil {
		return nil, Errorf(ECONFLICT, "agency.uscc_taken_now")
	}
	old := ag.AgencyInfo
	if old.Name != ap.Info.Name && !containsString(ag.FormerNames, old.Name) {
		ag.FormerNames = append(ag.FormerNames, old.Name)
	}
	ag.AgencyInfo = ap.Info
	ag.Version++
	ag.PendingApp = 0
	ag.Updated = now
	if err := agencyTable.Put(tx, ag); err != nil {
		return nil, err
	}
	if old.Name != ag.Name {
		// Accounts and branches show the agency's name.
		if err := renameAgencyRefs(tx, ag); err != nil {
			return nil, err
		}
	}
	if old.Name != ag.Name || old.District != ag.District {
		// Practitioner documents carry the employer's name and district.
		if err := renotePractitioners(tx, ag.ID); err != nil {
			return nil, err
		}
		// So do the credit summaries and list entries (app/credit_follow.go).
		if err := a.followStaff(tx, ag.ID, now); err != nil {
			return nil, err
		}
	}
	return ag, nil
}

func (a *App) approveCancel(tx *storage.Tx, actor Actor, ap *AgencyApplication, now time.Time) (*Agency, error) {
	ag, err := agencyByID(tx, ap.AgencyID)
	if err != nil {
		return nil, err
	}
	if !ag.Live() {
		return nil, Errorf(ECONFLICT, "agency.not_live")
	}
	if names := liveBranchNames(tx, ag.ID); len(names) > 0 {
		return nil, Errorf(ECONFLICT, "agency.cancel_has_branches", names)
	}
	ag.Status, ag.Cancelled, ag.Updated, ag.PendingApp = AgencyCancelled, now, now, 0
	ag.Version++
	if err := agencyTable.Put(tx, ag); err != nil {
		return nil, err
	}
	ids, err := userTable.Lookup(tx, "agency", storage.U64(ag.ID))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		u, err := userTable.Get(tx, id)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			continue
		}
		u.Disabled, u.Updated = true, now
		if err := userTable.Put(tx, u); err != nil {
			return nil, err
		}
		if _, err := endSessions(tx, u.ID, endDisabled(u), now); err != nil {
			return nil, err
		}
		if err := a.audit(tx, actor, "user.update", "user", u.ID, u.Username+": disabled (agency cancelled)",
			auditNote("audit.note.disabled_agency_cancelled", noteText(u.Username))); err != nil {
			return nil, err
		}
	}
	if err := endEmploymentsOf(tx, ag.ID, now, "机构注销 agency cancelled"); err != nil {
		return nil, err
	}
	// Its practitioners now work nowhere: their credit is city-wide.
	if err := a.followStaff(tx, ag.ID, now); err != nil {
		return nil, err
	}
	return ag, nil
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// renameAgencyRefs updates the name copies: accounts and branches.
func renameAgencyRefs(tx *storage.Tx, ag *Agency) error {
	ids, err := userTable.Lookup(tx, "agency", storage.U64(ag.ID))
	if err != nil {
		return err
	}
	for _, id := range ids {
		u, err := userTable.Get(tx, id)
		if err != nil {
			return err
		}
		u.AgencyName = ag.Name
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
	}
	ids, err = agencyTable.Lookup(tx, "head_office", storage.U64(ag.ID))
	if err != nil {
		return err
	}
	for _, id := range ids {
		b, err := agencyTable.Get(tx, id)
		if err != nil {
			return err
		}
		b.HeadOfficeName = ag.Name
		if err := agencyTable.Put(tx, b); err != nil {
			return err
		}
	}
	return nil
}

// renotePractitioners asks the indexer to redo the practitioners who ever
// worked at the agency.
func renotePractitioners(tx *storage.Tx, agencyID uint64) error {
	ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(agencyID))
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.AppendNote(practitionerTable.Name(), id, "put"); err != nil {
			return err
		}
	}
	return nil
}

// AccountNotice is the 账号开通通知书: the new agency admin's username and
// initial password, shown once.
type AccountNotice struct {
	Application *AgencyApplication
	Agency      *Agency
	Username    string
	Password    string
}

// TakeAccountNotice returns the initial password of an approved filing's
// admin account to the side that entered the filing (the clerk who
// submitted it, the head office that applied, or the public applicant's
// link), once: the sealed copy is erased in the same transaction.
func (a *App) TakeAccountNotice(actor Actor, ref AppRef) (*AccountNotice, error) {
	key, err := a.Secret("agency.credential")
	if err != nil {
		return nil, err
	}
	var n *AccountNotice
	err = a.update(func(tx *storage.Tx) error {
		ap, err := loadApp(tx, actor, ref)
		if err != nil {
			return err
		}
		if ap.Kind != AppNew || ap.Status != AppApproved || ap.Credential == nil {
			return Errorf(ENOTFOUND, "agency.notice_none")
		}
		mine := ref.Token != "" ||
			(ap.Source == SourceGov && ap.SubmittedBy.UserID == actor.UserID) ||
			(ap.Source == SourceAgency && actor.Can(PermAgencyApply) && actor.AgencyID == ap.ApplicantAgency)
		if !mine {
			return Errorf(EFORBIDDEN, "agency.notice_not_yours", ap.SubmittedBy.Name)
		}
		if len(ap.Credential.Sealed) == 0 {
			return Errorf(ECONFLICT, "agency.notice_taken")
		}
		pw, err := open(key, ap.Credential.Sealed, ap.No)
		if err != nil {
			return err
		}
		ag, err := agencyByID(tx, ap.AgencyID)
		if err != nil {
			return err
		}
		n = &AccountNotice{Application: ap, Agency: ag, Username: ap.Credential.Username, Password: string(pw)}
		ap.Credential.Sealed, ap.Credential.Shown = nil, a.now()
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
		who := actor
		if ref.Token != "" {
			who = publicActor(ap, actor)
		}
		return a.audit(tx, who, "agency.notice_print", "agency_application", ap.ID, ap.No+" "+ap.Credential.Username)
	})
	return n, err
}

// CanReissueNotice reports whether ReissueAccountNotice would give ap's
// agency admin a new initial password: the printed notice was taken and
// the admin has not signed in and chosen his own password since.
func (a *App) CanReissueNotice(actor Actor, ap *AgencyApplication) bool {
	if !actor.Can(PermAgencyFile) || ap.Kind != AppNew || ap.Status != AppApproved || ap.Credential == nil || len(ap.Credential.Sealed) > 0 {
		return false
	}
	ok := false
	_ = a.db.View(func(tx *storage.Tx) error {
		u, err := userByName(tx, ap.Credential.Username)
		ok = err == nil && u.MustChangePassword && !u.Disabled
		return nil
	})
	return ok
}

// ReissueAccountNotice gives the agency admin a new initial password when
// the notice was lost before its first sign-in (afterwards a sysadmin
// resets passwords). A clerk of the jurisdiction does it.
func (a *App) ReissueAccountNotice(actor Actor, id uint64) (*AccountNotice, error) {
	if err := actor.require(PermAgencyFile); err != nil {
		return nil, err
	}
	password := NewOneTimePassword()
	hash, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	var n *AccountNotice
	err = a.update(func(tx *storage.Tx) error {
		ap, err := loadApp(tx, actor, AppRef{ID: id})
		if err != nil {
			return err
		}
		if ap.Kind != AppNew || ap.Status != AppApproved || ap.Credential == nil {
			return Errorf(ENOTFOUND, "agency.notice_none")
		}
		u, err := userByName(tx, ap.Credential.Username)
		if err != nil {
			return notFound("agency.notice_none", err)
		}
		if !u.MustChangePassword || u.Disabled {
			return Errorf(ECONFLICT, "agency.notice_in_use")
		}
		u.PasswordHash, u.Updated = hash, a.now()
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
		if _, err := endSessions(tx, u.ID, endPasswordReset, a.now()); err != nil {
			return err
		}
		ag, err := agencyByID(tx, ap.AgencyID)
		if err != nil {
			return err
		}
		ap.Credential.Sealed, ap.Credential.Shown = nil, a.now()
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
		n = &AccountNotice{Application: ap, Agency: ag, Username: u.Username, Password: password}
		return a.audit(tx, actor, "agency.notice_reissue", "agency_application", ap.ID, ap.No+" "+u.Username)
	})
	return n, err
}

// seal encrypts a short secret with AES-GCM, bound to ad (the application
// number), so that the initial password never sits in the records in
// plain text (record dumps, index, logs). The key is kept in the store's
// meta bucket: this does not protect against whoever holds the whole file.
func seal(key, plain []byte, ad string) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, []byte(ad)), nil
}

func open(key, sealed []byte, ad string) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("sealed credential too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(ad))
}
