package app

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"anju/storage"
)

// PhotoMaxBytes bounds a practitioner's photo: an ID-style portrait is a
// few hundred kilobytes.
const PhotoMaxBytes = 2 << 20

// PractitionerInput is the form that adds a practitioner to an agency.
type PractitionerInput struct {
	Name       string
	IDNo       string // resident ID: identifies the person
	Mobile     string
	Role       string
	QualCertNo string
	// Agency names the employer for government users (filing number,
	// credit code or exact name); agency users always add to their own.
	Agency    string
	Start     string // YYYY-MM-DD
	Photo     []byte // optional: JPEG or PNG
	PhotoName string
}

// PractitionerUpdate is the edit form. An empty Mobile keeps the stored
// one: the form never shows the number in full (that would be a view of
// personal data to audit), so it is only typed when it changes.
type PractitionerUpdate struct {
	Mobile      string
	QualCertNo  string
	Role        string // of the current employment
	Photo       []byte
	PhotoName   string
	RemovePhoto bool
}

// qualificationNeeded: brokers and broker assistants hold a national
// qualification (房地产经纪人 / 经纪人协理职业资格); other staff need none.
func qualificationNeeded(role string) bool { return role == PracBroker || role == PracAssistant }

// parseDay reads a YYYY-MM-DD date (full-width digits tolerated) as local
// midnight.
func parseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(HalfWidth(s)), time.Local)
	return t, err == nil
}

// checkPhoto accepts a JPEG or PNG, judged by its content, up to
// PhotoMaxBytes; it returns the content type.
func checkPhoto(data []byte) (string, error) {
	if len(data) > PhotoMaxBytes {
		return "", fieldError("photo", "practitioner.photo_too_big")
	}
	switch ct := http.DetectContentType(data); ct {
	case "image/jpeg", "image/png":
		return ct, nil
	}
	return "", fieldError("photo", "practitioner.photo_type")
}

// storePhoto saves a checked photo and drops the one it replaces.
func storePhoto(tx *storage.Tx, p *Practitioner, name, ct string, data []byte) error {
	if name == "" {
		name = "photo"
	}
	info, err := tx.PutBlob(name, ct, data, PhotoMaxBytes)
	if err != nil {
		return err
	}
	if p.PhotoBlob != 0 {
		_ = tx.DeleteBlob(p.PhotoBlob)
	}
	p.PhotoBlob = info.ID
	return nil
}

// employerFor finds the agency that is to employ someone: an agency
// user's own, or the one a government user named within his jurisdiction.
// Only a live (filed, not cancelled) agency employs.
func employerFor(tx *storage.Tx, actor Actor, ref string) (*Agency, error) {
	var ag *Agency
	switch {
	case !actor.System && actor.Can(PermAgencyPortal):
		var err error
		if ag, err = agencyTable.Get(tx, actor.AgencyID); err != nil {
			return nil, fieldError("agency", "practitioner.agency_unknown")
		}
	default:
		if strings.TrimSpace(ref) == "" {
			return nil, fieldError("agency", "practitioner.agency_required")
		}
		found, err := resolveAgency(tx, ref)
		if err != nil || found == nil {
			return nil, fieldError("agency", "practitioner.agency_unknown")
		}
		if !actor.InJurisdiction(found.District) {
			return nil, fieldError("agency", "practitioner.agency_outside")
		}
		ag = found
	}
	if !ag.Live() {
		return nil, fieldError("agency", "practitioner.agency_not_filed")
	}
	return ag, nil
}

// AddPractitioner registers a practitioner with an agency. The resident
// ID identifies the person: someone already on record who has left his
// last agency gets a new employment on the same record (his card number
// and history stay); someone still employed elsewhere is refused until
// that agency ends the employment.
func (a *App) AddPractitioner(actor Actor, in PractitionerInput) (*Practitioner, error) {
	if err := actor.require(PermPractitionerManage); err != nil {
		return nil, err
	}
	var v validation
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		v.add("name", "practitioner.name_required")
	case utf8.RuneCountInString(name) > 50:
		v.add("name", "practitioner.name_too_long")
	}
	idNo := NormalizeResidentID(in.IDNo)
	if idNo == "" {
		v.add("id_no", "practitioner.id_no_required")
	} else {
		v.check("id_no", CheckResidentID(idNo))
	}
	mobile := a.checkMobile(&v, in.Mobile, true)
	role := strings.TrimSpace(in.Role)
	if !slices.Contains(PractitionerRoles, role) {
		v.add("role", "practitioner.role_required")
	}
	qual := strings.ToUpper(strings.TrimSpace(HalfWidth(in.QualCertNo)))
	if qual == "" && qualificationNeeded(role) {
		v.add("qual_cert_no", "practitioner.qual_required")
	} else if utf8.RuneCountInString(qual) > 40 {
		v.add("qual_cert_no", "practitioner.qual_too_long")
	}
	start, startOK := a.checkDay(&v, "start", in.Start, "practitioner.start_required")
	var photoType string
	if len(in.Photo) > 0 {
		ct, err := checkPhoto(in.Photo)
		if err != nil {
			v.add("photo", err.(*Error).Fields["photo"])
		}
		photoType = ct
	}
	var p *Practitioner
	err := a.update(func(tx *storage.Tx) error {
		ag, err := employerFor(tx, actor, in.Agency)
		if err != nil {
			e := err.(*Error)
			v.add("agency", e.Fields["agency"])
		}
		if err := v.err(); err != nil {
			return err
		}
		now := a.now()
		emp := Employment{AgencyID: ag.ID, AgencyName: ag.Name, Role: role, Start: start, Entered: now}
		p, err = practitionerTable.LookupOne(tx, "id_no", []byte(idNo))
		switch {
		case errors.Is(err, storage.ErrNotFound):
			card, err := nextCardNo(tx)
			if err != nil {
				return err
			}
			p = &Practitioner{CardNo: card, Name: name, IDNo: idNo, Mobile: mobile, QualCertNo: qual,
				Employments: []Employment{emp}, Created: now, Updated: now}
			if photoType != "" {
				if err := storePhoto(tx, p, in.PhotoName, photoType, in.Photo); err != nil {
					return err
				}
			}
			if _, err := practitionerTable.Insert(tx, p); err != nil {
				return err
			}
			return a.audit(tx, actor, "practitioner.add", "practitioner", p.ID, p.CardNo+" "+p.Name+" → "+ag.Name)
		case err != nil:
			return err
		}
		// A person on record.
		if cur := p.Current(); cur != nil {
			if cur.AgencyID == ag.ID {
				return fieldError("id_no", "practitioner.already_here")
			}
			return &Error{Code: ECONFLICT, Key: "practitioner.employed_elsewhere_at", Args: []any{cur.AgencyName},
				Fields: map[string]string{"id_no": "practitioner.employed_elsewhere"}}
		}
		if p.Name != name {
			return fieldError("name", "practitioner.name_mismatch")
		}
		// Days, not instants: an end recorded with a time of day (as the
		// cancellation of an agency once did) still allows a start that day.
		if last := p.Employments[len(p.Employments)-1]; startOK && day(start).Before(day(last.End)) {
			return fieldError("start", "practitioner.start_before_last_end")
		}
		p.Employments = append(p.Employments, emp)
		p.Mobile, p.Updated = mobile, now
		if qual != "" {
			p.QualCertNo = qual
		}
		if photoType != "" {
			if err := storePhoto(tx, p, in.PhotoName, photoType, in.Photo); err != nil {
				return err
			}
		}
		if err := practitionerTable.Put(tx, p); err != nil {
			return err
		}
		if err := a.followSubject(tx, Subject{SubjectPractitioner, p.ID}, a.now()); err != nil {
			return err
		}
		return a.audit(tx, actor, "practitioner.join", "practitioner", p.ID, p.CardNo+" "+p.Name+" → "+ag.Name)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// checkMobile validates a mobile number; an empty one is an error only
// when required. It returns the normalised number.
func (a *App) checkMobile(v *validation, s string, required bool) string {
	if strings.TrimSpace(s) == "" {
		if required {
			v.add("mobile", "practitioner.mobile_required")
		}
		return ""
	}
	m, err := NormalizeMobile(s)
	v.check("mobile", err)
	return m
}

// checkDay validates a required date that may not lie in the future.
func (a *App) checkDay(v *validation, field, s, requiredKey string) (time.Time, bool) {
	if strings.TrimSpace(s) == "" {
		v.add(field, requiredKey)
		return time.Time{}, false
	}
	t, ok := parseDay(s)
	if !ok {
		v.add(field, "practitioner.date_invalid")
		return time.Time{}, false
	}
	now := a.now()
	if t.After(now) || t.Year() < 1950 {
		v.add(field, "practitioner.date_out_of_range")
		return time.Time{}, false
	}
	return t, true
}

// canManagePractitioner: an agency admin manages the people his agency
// employs now; a government clerk those employed in his jurisdiction, or,
// once they have left, those he can see.
func canManagePractitioner(tx *storage.Tx, actor Actor, p *Practitioner) bool {
	if !actor.Can(PermPractitionerManage) {
		return false
	}
	cur := p.Current()
	switch {
	case actor.System:
		return true
	case actor.Can(PermAgencyPortal):
		return cur != nil && actor.AgencyID != 0 && cur.AgencyID == actor.AgencyID
	case cur != nil:
		return actor.InJurisdiction(agencyDistrictIn(tx)(cur.AgencyID))
	}
	return canSeePractitioner(tx, actor, p)
}

// loadManaged reads a practitioner the actor may manage. One he may see
// but not manage is forbidden; one he may not see is not found.
func loadManaged(tx *storage.Tx, actor Actor, id uint64) (*Practitioner, error) {
	p, err := practitionerTable.Get(tx, id)
	if err != nil || !canSeePractitioner(tx, actor, p) {
		return nil, notFound("practitioner.not_found", err)
	}
	if !canManagePractitioner(tx, actor, p) {
		return nil, Errorf(EFORBIDDEN, "practitioner.not_yours")
	}
	return p, nil
}

// UpdatePractitioner changes the mobile, the qualification certificate,
// the role of the current employment and the photo.
func (a *App) UpdatePractitioner(actor Actor, id uint64, in PractitionerUpdate) (*Practitioner, error) {
	if err := actor.require(PermPractitionerManage); err != nil {
		return nil, err
	}
	var p *Practitioner
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if p, err = loadManaged(tx, actor, id); err != nil {
			return err
		}
		var v validation
		mobile := a.checkMobile(&v, in.Mobile, false)
		cur := p.Current()
		role := strings.TrimSpace(in.Role)
		if cur != nil && !slices.Contains(PractitionerRoles, role) {
			v.add("role", "practitioner.role_required")
		}
		if cur == nil {
			role = ""
		}
		qual := strings.ToUpper(strings.TrimSpace(HalfWidth(in.QualCertNo)))
		if qual == "" && qualificationNeeded(role) {
			v.add("qual_cert_no", "practitioner.qual_required")
		} else if utf8.RuneCountInString(qual) > 40 {
			v.add("qual_cert_no", "practitioner.qual_too_long")
		}
		var photoType string
		if len(in.Photo) > 0 {
			ct, err := checkPhoto(in.Photo)
			if err != nil {
				v.add("photo", err.(*Error).Fields["photo"])
			}
			photoType = ct
		}
		if err := v.err(); err != nil {
			return err
		}
		// changes for Detail, notes the same in the reader's words.
		var changes []string
		var notes []*AuditNote
		if mobile != "" && mobile != p.Mobile {
			p.Mobile = mobile
			changes = append(changes, "mobile")
			notes = append(notes, auditNote("audit.note.changed_mobile"))
		}
		if qual != p.QualCertNo {
			p.QualCertNo = qual
			changes = append(changes, "qualification")
			notes = append(notes, auditNote("audit.note.changed_qualification"))
		}
		if cur != nil && role != cur.Role {
			changes = append(changes, "role "+cur.Role+" → "+role)
			notes = append(notes, auditNote("audit.note.changed_role", noteKey("practitioner.role."+cur.Role), noteKey("practitioner.role."+role)))
			cur.changeRole(role, day(a.now()))
		}
		switch {
		case photoType != "":
			if err := storePhoto(tx, p, in.PhotoName, photoType, in.Photo); err != nil {
				return err
			}
			changes = append(changes, "photo")
			notes = append(notes, auditNote("audit.note.changed_photo"))
		case in.RemovePhoto && p.PhotoBlob != 0:
			_ = tx.DeleteBlob(p.PhotoBlob)
			p.PhotoBlob = 0
			changes = append(changes, "photo removed")
			notes = append(notes, auditNote("audit.note.removed_photo"))
		}
		if len(changes) == 0 {
			return nil
		}
		p.Updated = a.now()
		if err := practitionerTable.Put(tx, p); err != nil {
			return err
		}
		return a.audit(tx, actor, "practitioner.update", "practitioner", p.ID, p.CardNo+": "+strings.Join(changes, "; "),
			auditNote("audit.note.changes", noteText(p.CardNo), noteList(notes)))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// EndEmployment records that a practitioner has left his agency (离职).
// His accounts at that agency are disabled: he may no longer act in its
// name.
func (a *App) EndEmployment(actor Actor, id uint64, end, reason string) (*Practitioner, error) {
	if err := actor.require(PermPractitionerManage); err != nil {
		return nil, err
	}
	var p *Practitioner
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if p, err = loadManaged(tx, actor, id); err != nil {
			return err
		}
		cur := p.Current()
		if cur == nil {
			return Errorf(ECONFLICT, "practitioner.not_employed")
		}
		var v validation
		when, ok := a.checkDay(&v, "end", end, "practitioner.end_required")
		switch n := len(cur.Former); {
		case !ok:
		case when.Before(day(cur.Start)):
			v.add("end", "practitioner.end_before_start")
		case n > 0 && when.Before(cur.Former[n-1].Until):
			// He held the role he has now from that day: he did not leave before it.
			v.add("end", "practitioner.end_before_role_change")
		}
		reason = strings.TrimSpace(reason)
		switch {
		case reason == "":
			v.add("reason", "practitioner.reason_required")
		case utf8.RuneCountInString(reason) > 200:
			v.add("reason", "practitioner.reason_too_long")
		}
		if err := v.err(); err != nil {
			return err
		}
		cur.End, cur.EndReason, cur.EndedBy = when, reason, actor.Username
		p.Updated = a.now()
		if err := practitionerTable.Put(tx, p); err != nil {
			return err
		}
		if err := disablePractitionerAccounts(tx, p.ID, cur.AgencyID, a.now()); err != nil {
			return err
		}
		if err := a.followSubject(tx, Subject{SubjectPractitioner, p.ID}, a.now()); err != nil {
			return err
		}
		return a.audit(tx, actor, "practitioner.end", "practitioner", p.ID, p.CardNo+" "+p.Name+" ← "+cur.AgencyName+": "+reason)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// disablePractitionerAccounts disables the accounts at agencyID linked to
// the practitioner and ends their sessions.
func disablePractitionerAccounts(tx *storage.Tx, practitionerID, agencyID uint64, now time.Time) error {
	ids, err := userTable.Lookup(tx, "agency", storage.U64(agencyID))
	if err != nil {
		return err
	}
	for _, uid := range ids {
		u, err := userTable.Get(tx, uid)
		if err != nil {
			return err
		}
		if u.PractitionerID != practitionerID || u.Disabled {
			continue
		}
		u.Disabled = true
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
		if _, err := endSessions(tx, u.ID, endDisabled(u), now); err != nil {
			return err
		}
	}
	return nil
}

// endEmploymentsOf ends every open employment at an agency on the day of
// when, e.g. when the agency's cancellation (注销) is approved. The end is
// a day (local midnight) like one typed in the end-of-employment form, so
// that another agency may hire him from that same day. It runs in
// the caller's transaction (which writes the audit entry of the whole
// step); the practitioners' search documents follow through the outbox.
func endEmploymentsOf(tx *storage.Tx, agencyID uint64, when time.Time, reason string) error {
	ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(agencyID))
	if err != nil {
		return err
	}
	for _, id := range ids {
		p, err := practitionerTable.Get(tx, id)
		if err != nil {
			return err
		}
		cur := p.Current()
		if cur == nil || cur.AgencyID != agencyID {
			continue
		}
		end := day(when)
		if end.Before(day(cur.Start)) {
			end = day(cur.Start)
		}
		cur.End, cur.EndReason, cur.EndedBy = end, reason, "system"
		p.Updated = when
		if err := practitionerTable.Put(tx, p); err != nil {
			return err
		}
	}
	return nil
}
