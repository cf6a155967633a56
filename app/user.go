package app

import (
	"crypto/rand"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"anju/search"
	"anju/storage"
)

// User is a staff account of the government or the agency portal.
type User struct {
	ID                 uint64    `json:"id"`
	Username           string    `json:"username"` // lower case, unique
	Name               string    `json:"name"`
	Phone              string    `json:"phone,omitempty"`
	Roles              []Role    `json:"roles"`
	District           string    `json:"district,omitempty"` // jurisdiction of government users; "" = whole city
	AgencyID           uint64    `json:"agency_id,omitempty"`
	AgencyName         string    `json:"agency_name,omitempty"`     // the agency's name when the account was made or renamed
	PractitionerID     uint64    `json:"practitioner_id,omitempty"` // an agent's own practitioner record
	PasswordHash       []byte    `json:"password_hash"`
	MustChangePassword bool      `json:"must_change_password"`
	PasswordChanged    time.Time `json:"password_changed"`
	Disabled           bool      `json:"disabled"`
	Lang               string    `json:"lang,omitempty"`
	Created            time.Time `json:"created"`
	Updated            time.Time `json:"updated"`
}

// Portal is the portal the user signs in to.
func (u *User) Portal() Portal {
	if len(u.Roles) > 0 && u.Roles[0].Portal() == PortalAgency {
		return PortalAgency
	}
	return PortalGov
}

// HasRole reports whether the user holds r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

var userTable = storage.NewTable(storage.TableOptions[User]{
	Name:  "users",
	ID:    func(u *User) uint64 { return u.ID },
	SetID: func(u *User, id uint64) { u.ID = id },
	Indexes: []storage.Index[User]{
		{Name: "username", Unique: true, Keys: func(u *User) [][]byte { return [][]byte{[]byte(u.Username)} }},
		{Name: "agency", Keys: func(u *User) [][]byte {
			if u.AgencyID == 0 {
				return nil
			}
			return [][]byte{storage.U64(u.AgencyID)}
		}},
	},
	Outbox: true,
})

// userDoc is how a user appears in the search index.
func userDoc(u *User) search.Doc {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	status := "active"
	if u.Disabled {
		status = "disabled"
	}
	return search.Doc{Type: "user", ID: docID("user", u.ID), Fields: map[string]any{
		"name": u.Name, "username": usernameTerms(u.Username), "agency_name": u.AgencyName,
		"login": u.Username, "roles": roles, "district": u.District,
		"portal": string(u.Portal()), "status": status, "created": u.Created,
	}}
}

// usernameTerms is what the user list's search finds a username by: the
// username, each of its parts (between . _ -) and every beginning of
// either, from two characters. Word search alone found agent.zhang only
// when typed in full: not by "zhang", nor "agent.zh", nor jg11010120240001
// by "jg1101". Usernames are short, so this is a few dozen terms a user.
func usernameTerms(username string) string {
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		for i := 2; i <= len(w); i++ { // usernames are ASCII
			if p := w[:i]; !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	add(username)
	for _, part := range strings.FieldsFunc(username, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
		add(part)
	}
	if len(out) == 0 {
		return username
	}
	return strings.Join(out, " ")
}

var userDocType = search.DocType{Name: "user", Fields: []search.Field{
	{Name: "name", Kind: search.Text},
	{Name: "username", Kind: search.Text},
	{Name: "agency_name", Kind: search.Text},
	{Name: "login", Kind: search.Keyword, Sortable: true},
	{Name: "roles", Kind: search.Keyword},
	{Name: "district", Kind: search.Keyword},
	{Name: "portal", Kind: search.Keyword},
	{Name: "status", Kind: search.Keyword},
	{Name: "created", Kind: search.Date, Sortable: true},
}}

// UserInput is the user form.
type UserInput struct {
	Username   string
	Name       string
	Phone      string
	Roles      []Role
	District   string
	AgencyName string
	Disabled   bool
	// NoJurisdiction: the form's jurisdiction was left unchosen. ""
	// means the whole city, so a forgotten choice would make a government
	// account that sees every district's records and personal data; the
	// form asks for the whole city explicitly instead.
	NoJurisdiction bool
}

func normalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(HalfWidth(s))) }

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return unicode.IsLetter(rune(s[0]))
}

// checkUserInput validates the form; cur is the account as stored, nil
// when creating one.
func (a *App) checkUserInput(tx *storage.Tx, actor Actor, in *UserInput, cur *User) error {
	var v validation
	creating := cur == nil
	in.Username = normalizeUsername(in.Username)
	in.Name = strings.TrimSpace(in.Name)
	in.AgencyName = strings.TrimSpace(in.AgencyName)
	switch {
	case creating && in.Username == "":
		v.add("username", "user.username_required")
	case creating && !validUsername(in.Username):
		v.add("username", "user.username_invalid")
	}
	if in.Name == "" {
		v.add("name", "user.name_required")
	} else if len([]rune(in.Name)) > 40 {
		v.add("name", "user.name_too_long")
	}
	if strings.TrimSpace(in.Phone) != "" {
		p, err := NormalizeMobile(in.Phone)
		v.check("phone", err)
		in.Phone = p
	} else {
		in.Phone = ""
	}
	if len(in.Roles) == 0 {
		v.add("roles", "user.roles_required")
	}
	portals := map[Portal]bool{}
	for _, r := range in.Roles {
		if !r.Valid() {
			v.add("roles", "user.role_unknown")
		}
		portals[r.Portal()] = true
	}
	switch {
	case len(portals) > 1:
		v.add("roles", "user.roles_mixed")
	case cur != nil && len(portals) == 1 && !portals[cur.Portal()]:
		// An account stays in the portal it was made for. Ticking clerk on
		// an agent's account dropped its agency and left a government
		// account of the whole city (the form's default jurisdiction); the
		// other way round a clerk's account lost its district. Who needs
		// the other portal gets an account of his own there.
		v.add("roles", "user.portal_fixed")
	case portals[PortalGov] && in.AgencyName != "":
		// An account named after an agency is that agency's: government
		// roles on it were a slip of the tick box, which made a
		// government account of the agency's staff member.
		v.add("roles", "user.gov_roles_for_agency")
	}
	if portals[PortalAgency] {
		if actor.District != "" {
			// Agency accounts are city-wide; a district's sysadmin
			// manages the staff of his district only.
			v.add("roles", "user.agency_outside")
		}
		in.District = ""
		if in.AgencyName == "" {
			v.add("agency_name", "user.agency_required")
		}
	} else {
		in.AgencyName = ""
		switch {
		case in.NoJurisdiction && portals[PortalGov]:
			v.add("district", "user.jurisdiction_required")
		// The account's own district is kept even when its entry has
		// been disabled since: saving the phone must not move it.
		case in.District != "" && (cur == nil || in.District != cur.District) && !a.dictHas(tx, DictDistrict, in.District):
			v.add("district", "user.district_unknown")
		case !actor.InJurisdiction(in.District) || (actor.District != "" && in.District == ""):
			v.add("district", "user.district_outside")
		}
	}
	return v.err()
}

// resolveAgency finds the agency an agency account belongs to from what a
// sysadmin typed: its filing number, credit code or exact name. Only a
// filed agency (or one known from before filings existed) takes accounts.
func resolveAgency(tx *storage.Tx, ref string) (*Agency, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, nil
	}
	try := func(index string, key []byte) (*Agency, bool) {
		ids, err := agencyTable.Lookup(tx, index, key)
		if err != nil {
			return nil, false
		}
		for _, id := range ids {
			if ag, err := agencyTable.Get(tx, id); err == nil && ag.Status != AgencyCancelled {
				return ag, true
			}
		}
		return nil, false
	}
	if ag, ok := try("filing_no", []byte(strings.ToUpper(HalfWidth(ref)))); ok {
		return ag, nil
	}
	if ag, ok := try("uscc", []byte(NormalizeUSCC(ref))); ok {
		return ag, nil
	}
	if ag, ok := try("name", []byte(strings.ToLower(ref))); ok {
		return ag, nil
	}
	return nil, fieldError("agency_name", "user.agency_unknown")
}

// agencyOfInput resolves in.AgencyName and replaces it with the agency's
// name as filed.
func agencyOfInput(tx *storage.Tx, in *UserInput) (uint64, error) {
	ag, err := resolveAgency(tx, in.AgencyName)
	if err != nil || ag == nil {
		return 0, err
	}
	in.AgencyName = ag.Name
	return ag.ID, nil
}

// CreateUser creates an account with a one-time password that the new user
// must change at first sign-in. The password is returned to be shown once.
func (a *App) CreateUser(actor Actor, in UserInput) (*User, string, error) {
	if err := actor.require(PermUserManage); err != nil {
		return nil, "", err
	}
	password := NewOneTimePassword()
	// Hash before the write transaction: bcrypt takes ~60 ms and would
	// hold up every other writer.
	hash, err := hashPassword(password)
	if err != nil {
		return nil, "", err
	}
	var u *User
	err = a.update(func(tx *storage.Tx) error {
		if err := a.checkUserInput(tx, actor, &in, nil); err != nil {
			return err
		}
		agencyID, err := agencyOfInput(tx, &in)
		if err != nil {
			return err
		}
		now := a.now()
		u = &User{Username: in.Username, Name: in.Name, Phone: in.Phone, Roles: in.Roles,
			District: in.District, AgencyID: agencyID, AgencyName: in.AgencyName,
			PasswordHash: hash, MustChangePassword: true, Disabled: in.Disabled,
			Created: now, Updated: now}
		if _, err := userTable.Insert(tx, u); err != nil {
			if errors.Is(err, storage.ErrDuplicate) {
				return fieldError("username", "user.username_taken")
			}
			return err
		}
		// Where the account may act is part of what was granted, as an
		// edit records its district and agency changes.
		detail := u.Username + " " + rolesString(u.Roles)
		note := auditNote("audit.note.user_city", noteText(u.Username), noteRoles(u.Roles))
		switch {
		case u.AgencyName != "":
			detail += "; agency " + u.AgencyName
			note = auditNote("audit.note.user_agency", noteText(u.Username), noteRoles(u.Roles), noteText(u.AgencyName))
		case u.District != "":
			detail += "; district " + u.District
			note = auditNote("audit.note.user_district", noteText(u.Username), noteRoles(u.Roles), noteText(u.District))
		default:
			detail += "; city-wide"
		}
		return a.audit(tx, actor, "user.create", "user", u.ID, detail, note)
	})
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

// UpdateUser changes a user's profile, roles, jurisdiction and status.
// Disabling a user ends the user's sessions in the same transaction.
func (a *App) UpdateUser(actor Actor, id uint64, in UserInput) (*User, error) {
	if err := actor.require(PermUserManage); err != nil {
		return nil, err
	}
	var u *User
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if u, err = visibleUser(tx, actor, id); err != nil {
			return err
		}
		if err := a.checkUserInput(tx, actor, &in, u); err != nil {
			return err
		}
		if u.ID == actor.UserID && (in.Disabled || !slices.Contains(in.Roles, RoleSysadmin)) {
			return fieldError("roles", "user.cannot_demote_self")
		}
		agencyID, err := agencyOfInput(tx, &in)
		if err != nil {
			return err
		}
		if u.PractitionerID != 0 && agencyID != u.AgencyID {
			// The link says who uses the account, employed at its agency
			// (LinkPractitionerAccount's rule): moved, the account acted
			// for the new agency under a card of the old one. A person
			// who changes agency is moved under Practitioners and gets an
			// account at the new one.
			return fieldError("agency_name", "user.agency_linked_practitioner")
		}
		// changes for Detail, notes the same in the reader's words.
		var changes []string
		var notes []*AuditNote
		if u.Name != in.Name {
			changes = append(changes, "name")
			notes = append(notes, auditNote("audit.note.changed_name"))
		}
		if u.Phone != in.Phone {
			changes = append(changes, "phone")
			notes = append(notes, auditNote("audit.note.changed_phone"))
		}
		if rolesString(u.Roles) != rolesString(in.Roles) {
			changes = append(changes, "roles "+rolesString(u.Roles)+" → "+rolesString(in.Roles))
			notes = append(notes, auditNote("audit.note.changed_roles", noteRoles(u.Roles), noteRoles(in.Roles)))
		}
		if u.District != in.District {
			changes = append(changes, "district "+u.District+" → "+in.District)
			notes = append(notes, auditNote("audit.note.changed_district", noteText(u.District), noteText(in.District)))
		}
		if u.AgencyID != agencyID {
			changes = append(changes, "agency")
			notes = append(notes, auditNote("audit.note.changed_agency"))
		}
		if u.Disabled != in.Disabled {
			changes = append(changes, "disabled="+strconv.FormatBool(in.Disabled))
			notes = append(notes, auditNote(map[bool]string{true: "audit.note.changed_disabled", false: "audit.note.changed_enabled"}[in.Disabled]))
		}
		if len(changes) == 0 {
			return nil
		}
		u.Name, u.Phone, u.Roles, u.District = in.Name, in.Phone, in.Roles, in.District
		u.AgencyID, u.AgencyName, u.Disabled, u.Updated = agencyID, in.AgencyName, in.Disabled, a.now()
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
		if u.Disabled {
			if _, err := endSessions(tx, u.ID, endDisabled(u), a.now()); err != nil {
				return err
			}
		}
		return a.audit(tx, actor, "user.update", "user", u.ID, u.Username+": "+strings.Join(changes, "; "),
			auditNote("audit.note.changes", noteText(u.Username), noteList(notes)))
	})
	return u, err
}

// GetUser returns one user.
func (a *App) GetUser(actor Actor, id uint64) (*User, error) {
	if err := actor.require(PermUserManage); err != nil {
		return nil, err
	}
	var u *User
	err := a.db.View(func(tx *storage.Tx) (err error) {
		u, err = visibleUser(tx, actor, id)
		return err
	})
	if err != nil || u.Phone == "" {
		return u, err
	}
	// The edit form shows the phone in full: that view is audited.
	err = a.update(func(tx *storage.Tx) error {
		return a.audit(tx, actor, "personal.view", "user", u.ID, u.Username+": phone",
			auditNote("audit.note.viewed_phone", noteText(u.Username)))
	})
	return u, err
}

// visibleUser loads a user the actor may manage: a district's sysadmin
// sees his district's government users only; others read as not found.
func visibleUser(tx *storage.Tx, actor Actor, id uint64) (*User, error) {
	u, err := getUser(tx, id)
	if err != nil {
		return nil, err
	}
	if actor.District != "" && !actor.System && (u.Portal() != PortalGov || u.District != actor.District) {
		return nil, Errorf(ENOTFOUND, "user.not_found")
	}
	return u, nil
}

func getUser(tx *storage.Tx, id uint64) (*User, error) {
	u, err := userTable.Get(tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, Errorf(ENOTFOUND, "user.not_found")
	}
	return u, err
}

func userByName(tx *storage.Tx, username string) (*User, error) {
	name := normalizeUsername(username)
	if name == "" {
		// No user has an empty name; the index refuses an empty key, and
		// anju reset-password "" (an unset shell variable) showed
		// "users/username: empty lookup key", or through the running
		// platform a 500 "Internal error".
		return nil, Errorf(ENOTFOUND, "user.not_found")
	}
	u, err := userTable.LookupOne(tx, "username", []byte(name))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, Errorf(ENOTFOUND, "user.not_found")
	}
	return u, err
}

// UserQuery filters the user list.
type UserQuery struct {
	Text   string
	Role   Role
	Portal Portal
	Status string // "active" or "disabled"
	Page   int    // from 1
	Size   int
}

// UserPage is one page of the user list.
type UserPage struct {
	Users []*User
	// LockedUntil holds the end of the sign-in lock of each locked user
	// of the page (repeated wrong passwords); others are absent.
	LockedUntil map[uint64]time.Time
	Total       int
	Page        int
	Pages       int
}

// SearchUsers lists users through the search index, newest first unless
// text is given. Records are loaded from the store.
func (a *App) SearchUsers(actor Actor, q UserQuery) (UserPage, error) {
	if err := actor.require(PermUserManage); err != nil {
		return UserPage{}, err
	}
	sq := search.Query{Type: "user", Text: strings.TrimSpace(q.Text), Filters: map[string][]string{}}
	if q.Role != "" {
		sq.Filters["roles"] = []string{string(q.Role)}
	}
	if q.Portal != "" {
		sq.Filters["portal"] = []string{string(q.Portal)}
	}
	if q.Status != "" {
		sq.Filters["status"] = []string{q.Status}
	}
	if actor.District != "" && !actor.System {
		sq.Filters["district"] = []string{actor.District}
		sq.Filters["portal"] = []string{string(PortalGov)}
	}
	if sq.Text == "" {
		sq.Sort = []string{"login"}
	}
	var users []*User
	locked := map[uint64]time.Time{}
	page, err := a.searchPage(sq, q.Page, q.Size, func(tx *storage.Tx, id uint64) error {
		u, err := userTable.Get(tx, id)
		if err == nil {
			users = append(users, u)
			if until := a.lockedUntil(tx, id); !until.IsZero() {
				locked[id] = until
			}
		}
		return nil
	})
	if err != nil {
		return UserPage{}, err
	}
	return UserPage{Users: users, LockedUntil: locked, Total: page.Total, Page: page.Page, Pages: page.Pages}, nil
}

func rolesString(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

// hashPassword uses bcrypt at its default cost (about 50 ms here), which
// bounds the sign-in rate an attacker gets from one CPU.
func hashPassword(p string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(p), bcrypt.DefaultCost)
}

// oneTimeAlphabet avoids look-alike characters (0/O, 1/l/I) because these
// passwords are read from a screen or a printed slip.
const oneTimeAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewOneTimePassword returns a random 12-character password that satisfies
// the password policy; it must be changed at first sign-in.
func NewOneTimePassword() string {
	for {
		b := make([]byte, 12)
		for i := range b {
			b[i] = oneTimeAlphabet[randIntn(len(oneTimeAlphabet))]
		}
		if CheckPasswordPolicy(string(b), "") == nil {
			return string(b)
		}
	}
}

func randIntn(n int) int {
	var b [1]byte
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < 256-256%n {
			return int(b[0]) % n
		}
	}
}
