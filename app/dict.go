package app

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"anju/storage"
)

// DictKind names a dictionary the bureau maintains.
type DictKind string

const (
	DictDistrict DictKind = "district"  // GB/T 2260 six-digit codes
	DictCertType DictKind = "cert_type" // property certificate types
	DictIDType   DictKind = "id_type"   // identity document types
)

// DictKinds lists the dictionaries in display order.
var DictKinds = []DictKind{DictDistrict, DictCertType, DictIDType}

// DictEntry is one coded value. Entries are disabled, never deleted, because
// stored records keep referring to their codes.
type DictEntry struct {
	ID      uint64    `json:"id"`
	Kind    DictKind  `json:"kind"`
	Code    string    `json:"code"`
	Name    string    `json:"name"`    // Chinese name
	NameEn  string    `json:"name_en"` // English name
	Sort    int       `json:"sort"`
	Enabled bool      `json:"enabled"`
	Updated time.Time `json:"updated"`
}

// Label returns the entry's name in lang.
func (e *DictEntry) Label(lang string) string {
	if lang == "en" && e.NameEn != "" {
		return e.NameEn
	}
	return e.Name
}

var dictTable = storage.NewTable(storage.TableOptions[DictEntry]{
	Name:  "dict",
	ID:    func(e *DictEntry) uint64 { return e.ID },
	SetID: func(e *DictEntry, id uint64) { e.ID = id },
	Indexes: []storage.Index[DictEntry]{
		{Name: "code", Unique: true, Keys: func(e *DictEntry) [][]byte {
			return [][]byte{[]byte(string(e.Kind) + "/" + e.Code)}
		}},
	},
})

func dictGet(tx *storage.Tx, kind DictKind, code string) (*DictEntry, error) {
	return dictTable.LookupOne(tx, "code", []byte(string(kind)+"/"+code))
}

// dictHas reports whether kind has an enabled entry code. An enabled entry
// of the cache answers at once: forms check a district or an ID type inside
// write transactions (a verification checks four, in the group commit), and
// reading and decoding the entry from the store was a sixth of its work.
// Anything else is read in tx, so that an entry written earlier in the same
// transaction (the demo seeds districts, then its users) is seen.
func (a *App) dictHas(tx *storage.Tx, kind DictKind, code string) bool {
	if e, ok, err := a.dicts.entry(a, kind, code); err == nil && ok && e.Enabled {
		return true
	}
	e, err := dictGet(tx, kind, code)
	return err == nil && e.Enabled
}

// Dict returns a dictionary's entries in display order; enabledOnly drops
// disabled ones (for pick lists). Dictionaries are public reference data.
// The entries are fresh copies: the caller may change them.
func (a *App) Dict(kind DictKind, enabledOnly bool) ([]*DictEntry, error) {
	all, err := a.dicts.get(a, kind)
	var out []*DictEntry
	for _, e := range all {
		if e.Enabled || !enabledOnly {
			c := e
			out = append(out, &c)
		}
	}
	return out, err
}

// DictLabel returns the name in lang of the entry of kind with code, enabled
// or not; ok is false when there is none. Unlike Dict it copies nothing:
// pages show a district name per row, and the public check one per request.
func (a *App) DictLabel(kind DictKind, code, lang string) (label string, ok bool, err error) {
	all, err := a.dicts.get(a, kind)
	for i := range all {
		if all[i].Code == code {
			return all[i].Label(lang), true, err
		}
	}
	return "", false, err
}

// dictCache keeps every dictionary as last read from the store. Pages
// show district names through Dict (the public check page several times
// per request): reading and decoding the district entries from the store
// each time took a fifth of the CPU of a public check. Every write of an
// entry (SaveDictEntry, LoadDemo's seeding) drops the cache after its
// commit; gen keeps a read that began before a drop from storing what it
// read.
type dictCache struct {
	mu    sync.Mutex
	gen   uint64
	kinds map[DictKind]cachedDict
}

type cachedDict struct {
	all    []DictEntry    // display order
	byCode map[string]int // index in all
}

func (c *dictCache) get(a *App, kind DictKind) ([]DictEntry, error) {
	d, err := c.dict(a, kind)
	return d.all, err
}

// entry is kind's entry code, enabled or not.
func (c *dictCache) entry(a *App, kind DictKind, code string) (DictEntry, bool, error) {
	d, err := c.dict(a, kind)
	i, ok := d.byCode[code]
	if !ok {
		return DictEntry{}, false, err
	}
	return d.all[i], true, err
}

func (c *dictCache) dict(a *App, kind DictKind) (cachedDict, error) {
	c.mu.Lock()
	d, ok := c.kinds[kind]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	var list []*DictEntry
	err := a.db.View(func(tx *storage.Tx) error {
		return dictTable.LookupPrefix(tx, "code", []byte(string(kind)+"/"), func(_ []byte, id uint64) (bool, error) {
			e, err := dictTable.Get(tx, id)
			if err != nil {
				return false, err
			}
			list = append(list, e)
			return true, nil
		})
	})
	slices.SortStableFunc(list, func(x, y *DictEntry) int {
		if x.Sort != y.Sort {
			return x.Sort - y.Sort
		}
		return strings.Compare(x.Code, y.Code)
	})
	d = cachedDict{all: make([]DictEntry, len(list)), byCode: make(map[string]int, len(list))}
	for i, e := range list {
		d.all[i] = *e
		d.byCode[e.Code] = i
	}
	if err != nil {
		return d, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.kinds == nil {
			c.kinds = map[DictKind]cachedDict{}
		}
		c.kinds[kind] = d
	}
	c.mu.Unlock()
	return d, nil
}

// drop forgets every cached dictionary; call it after a commit that wrote
// dictionary entries.
func (c *dictCache) drop() {
	c.mu.Lock()
	c.gen++
	c.kinds = nil
	c.mu.Unlock()
}

// DictInput is the dictionary entry form.
type DictInput struct {
	Code    string
	Name    string
	NameEn  string
	Sort    string // as typed: "" is 0, anything but a whole number is refused
	Enabled bool
}

// checkDictInput validates the form and returns the sort number.
func checkDictInput(kind DictKind, in *DictInput) (int, error) {
	var v validation
	in.Code = strings.TrimSpace(HalfWidth(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	in.NameEn = strings.TrimSpace(in.NameEn)
	switch {
	case in.Code == "":
		v.add("code", "dict.code_required")
	case kind == DictDistrict && !isDistrictCode(in.Code):
		v.add("code", "dict.district_code_invalid")
	case len(in.Code) > 20 || strings.ContainsAny(in.Code, "/ \x00"):
		v.add("code", "dict.code_invalid")
	}
	if in.Name == "" {
		v.add("name", "dict.name_required")
	}
	sortN := 0
	if s := strings.TrimSpace(HalfWidth(in.Sort)); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < -1000000 || n > 1000000 {
			v.add("sort", "dict.sort_invalid")
		}
		sortN = n
	}
	return sortN, v.err()
}

// isDistrictCode accepts a six-digit GB/T 2260 county-level code whose
// province part is a real one (the same list as the resident ID region).
func isDistrictCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s[4:] != "00" && CheckResidentIDRegion(s[:2])
}

// SaveDictEntry creates (id 0) or updates an entry. A code, once used,
// cannot change: records refer to it.
func (a *App) SaveDictEntry(actor Actor, kind DictKind, id uint64, in DictInput) (*DictEntry, error) {
	if err := actor.require(PermDictManage); err != nil {
		return nil, err
	}
	if !slices.Contains(DictKinds, kind) {
		return nil, Errorf(ENOTFOUND, "dict.kind_unknown")
	}
	sortN, err := checkDictInput(kind, &in)
	if err != nil {
		return nil, err
	}
	var e *DictEntry
	err = a.update(func(tx *storage.Tx) error {
		action := "dict.create"
		if id == 0 {
			e = &DictEntry{Kind: kind, Code: in.Code}
		} else {
			var err error
			e, err = dictTable.Get(tx, id)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && e.Kind != kind) {
				return Errorf(ENOTFOUND, "dict.not_found")
			}
			if err != nil {
				return err
			}
			action = "dict.update"
			if kind == DictDistrict && e.Enabled && !in.Enabled {
				if err := districtNotInUse(tx, e.Code); err != nil {
					return err
				}
			}
		}
		detail := string(kind) + "/" + e.Code + " " + in.Name
		var note *AuditNote // a new entry's detail is data alone
		if id != 0 {
			// Say what changed, as a user's edit does: two saves of one entry
			// read the same in the audit log otherwise, whether it was
			// disabled, enabled again or renamed.
			var changes []string
			var notes []*AuditNote // changes in the reader's words
			if e.Name != in.Name {
				changes = append(changes, "name "+e.Name+" → "+in.Name)
				notes = append(notes, auditNote("audit.note.changed_dict_name", noteText(e.Name), noteText(in.Name)))
			}
			if e.NameEn != in.NameEn {
				changes = append(changes, "name_en "+e.NameEn+" → "+in.NameEn)
				notes = append(notes, auditNote("audit.note.changed_dict_name_en", noteText(e.NameEn), noteText(in.NameEn)))
			}
			if e.Sort != sortN {
				changes = append(changes, "sort "+strconv.Itoa(e.Sort)+" → "+strconv.Itoa(sortN))
				notes = append(notes, auditNote("audit.note.changed_dict_sort", noteInt(e.Sort), noteInt(sortN)))
			}
			if e.Enabled != in.Enabled {
				changes = append(changes, "enabled="+strconv.FormatBool(in.Enabled))
				notes = append(notes, auditNote(map[bool]string{true: "audit.note.changed_dict_enabled", false: "audit.note.changed_dict_disabled"}[in.Enabled]))
			}
			if len(changes) == 0 {
				return nil
			}
			detail += ": " + strings.Join(changes, "; ")
			note = auditNote("audit.note.changes", noteText(string(kind)+"/"+e.Code+" "+in.Name), noteList(notes))
		}
		e.Name, e.NameEn, e.Sort, e.Enabled, e.Updated = in.Name, in.NameEn, sortN, in.Enabled, a.now()
		var err error
		if id == 0 {
			_, err = dictTable.Insert(tx, e)
		} else {
			err = dictTable.Put(tx, e)
		}
		if errors.Is(err, storage.ErrDuplicate) {
			return fieldError("code", "dict.code_taken")
		}
		if err != nil {
			return err
		}
		return a.audit(tx, actor, action, "dict", e.ID, detail, note)
	})
	a.dicts.drop()
	return e, err
}

// districtNotInUse refuses to disable a district that is still the
// jurisdiction of an active account or among the districts of a live API
// key. Forms offer enabled districts only, so such an account's edit form
// had nothing to select and saving any field of it made the account
// city-wide; refusing, with the numbers, tells the sysadmin what to move
// first. Disabled accounts and revoked keys act no more and do not count;
// records (agencies, contracts, announcements) keep their district as
// history and scope nobody.
func districtNotInUse(tx *storage.Tx, code string) error {
	var users, keys int
	err := userTable.Each(tx, false, func(u *User) (bool, error) {
		if !u.Disabled && u.District == code {
			users++
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	err = apiKeyTable.Each(tx, false, func(k *APIKey) (bool, error) {
		if k.Live() && slices.Contains(k.Districts, code) {
			keys++
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if users+keys > 0 {
		return &Error{Code: ECONFLICT, Key: "dict.district_in_use", Args: []any{users, keys},
			Fields: map[string]string{"enabled": "dict.district_in_use_field"}}
	}
	return nil
}

// seedDict inserts entries that are missing (by kind and code); it never
// overwrites what the bureau has edited.
func seedDict(tx *storage.Tx, kind DictKind, entries [][3]string, now time.Time) error {
	for i, s := range entries {
		if _, err := dictGet(tx, kind, s[0]); err == nil {
			continue
		}
		e := &DictEntry{Kind: kind, Code: s[0], Name: s[1], NameEn: s[2], Sort: (i + 1) * 10, Enabled: true, Updated: now}
		if _, err := dictTable.Insert(tx, e); err != nil {
			return err
		}
	}
	return nil
}

// Nationally defined codes every installation starts with.
var (
	defaultCertTypes = [][3]string{
		{"01", "不动产权证书", "Real estate title certificate"},
		{"02", "房屋所有权证", "House ownership certificate"},
		{"03", "不动产登记证明", "Real estate registration proof"},
		{"09", "其他权属证明", "Other proof of title"},
	}
	defaultIDTypes = [][3]string{
		{"resident_id", "居民身份证", "Resident identity card"},
		{"hk_macau", "港澳居民来往内地通行证", "Mainland travel permit for HK/Macao residents"},
		{"taiwan", "台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents"},
		{"passport", "护照", "Passport"},
		{"foreign_pr", "外国人永久居留身份证", "Foreign permanent resident ID card"},
		{"uscc", "统一社会信用代码", "Unified social credit code"},
	}
)
