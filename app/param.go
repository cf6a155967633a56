package app

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"anju/storage"
)

// ParamType says how a parameter's value is entered and checked.
type ParamType string

const (
	ParamInt    ParamType = "int"
	ParamBool   ParamType = "bool"
	ParamString ParamType = "string"
	ParamEnum   ParamType = "enum" // one of Options; label "param.<Key>.<option>"
)

// ParamDef declares a run-time parameter. Its label and meaning are the
// message keys "param.<Key>" and "param.<Key>.help"; later capabilities add
// their own definitions to paramDefs.
type ParamDef struct {
	Key     string
	Group   string // message key suffix "param_group.<Group>"
	Type    ParamType
	Default string
	Min     int // for ParamInt
	Max     int
	Unit    string // message key suffix "unit.<Unit>", may be empty
	MaxLen  int    // for ParamString
	// Required: a ParamString that may not be emptied (what every portal
	// and printed document names the bureau by).
	Required bool
	Options  []string
	// Check, when set, further checks a normalised value and returns the
	// message key of its problem ("" when fine).
	Check func(string) string
	// Secret marks a credential (a ParamString): its value never leaves the
	// server through the settings page or the audit log, which is a hash
	// chain that can never be edited once a value has been written to it.
	Secret bool
}

// Parameter keys used by this package.
const (
	ParamOrgName         = "org.name"
	ParamPlatformTitle   = "org.title"
	ParamOrgContact      = "org.contact"
	ParamSealText        = "org.seal_text"
	ParamSessionIdle     = "session.idle_minutes"
	ParamLoginMaxFails   = "login.max_failures"
	ParamLoginLockMins   = "login.lock_minutes"
	ParamLoginRatePerMin = "login.rate_per_minute"
	ParamBackupHours     = "backup.interval_hours"
	ParamBackupKeep      = "backup.keep"
	ParamVerifyDays      = "verify.valid_days"
	ParamVerifyNonResid  = "verify.allow_non_residential"
	ParamVerifyDuplicate = "verify.allow_duplicate"
	ParamPublicBaseURL   = "public.base_url"
	ParamConnectorMode   = "registry.connector_mode"
	ParamConnectorURL    = "registry.connector_url"
	ParamConnectorToken  = "registry.connector_token"
	ParamConnectorMillis = "registry.connector_timeout_ms"
	ParamPublicRate      = "public.check_rate_per_minute"
	// ParamPublicBrowseRate is the public pages a tenant browses (an
	// agency's page, a practitioner's card and photo) per address: their
	// own allowance, so that reading a few agencies never uses up the code
	// checks' and a run of checks never closes the directory.
	ParamPublicBrowseRate = "public.browse_rate_per_minute"
	ParamMapTileURL       = "map.tile_url"
	ParamMapAttribution   = "map.attribution"

	ParamDepositMaxMonths   = "contract.deposit_max_months" // a deposit above this many months' rent is flagged
	ParamPartyConfirm       = "contract.party_confirm"      // parties confirm on the public portal before signing
	ParamFilingRequiresSign = "filing.require_online_sign"  // 备案前是否必须进行合同网签
	ParamFilingDeadlineDays = "filing.deadline_days"        // filing is due this many days after signing

	ParamCreditBase          = "credit.base_score"     // every subject starts from this score
	ParamCreditLevelA        = "credit.level_a"        // a score at or above this is level A
	ParamCreditLevelB        = "credit.level_b"        // ... B
	ParamCreditLevelC        = "credit.level_c"        // ... C; below is D
	ParamCreditObjectionDays = "credit.objection_days" // a subject may object this many days after a record is made
	ParamListBlackBelow      = "list.black_below"      // a score below this lists the subject black automatically (0: never)
	ParamListRedAbove        = "list.red_above"        // a score at or above this lists it red automatically (0: never)
	ParamListAutoDays        = "list.auto_days"        // an automatic entry lasts this many days
	ParamListBlockBlack      = "list.block_black"      // a blacklisted agency cannot start verifications or contracts
)

var paramDefs = []ParamDef{
	{Key: ParamOrgName, Group: "branding", Type: ParamString, Default: "住房和城乡建设委员会", MaxLen: 60, Required: true},
	{Key: ParamPlatformTitle, Group: "branding", Type: ParamString, Default: "住房租赁监管服务平台", MaxLen: 60, Required: true},
	{Key: ParamOrgContact, Group: "branding", Type: ParamString, Default: "", MaxLen: 120},
	{Key: ParamSealText, Group: "branding", Type: ParamString, Default: "住房租赁监管专用章", MaxLen: 40, Required: true},
	{Key: ParamSessionIdle, Group: "security", Type: ParamInt, Default: "30", Min: 5, Max: 480, Unit: "minutes"},
	{Key: ParamLoginMaxFails, Group: "security", Type: ParamInt, Default: "5", Min: 3, Max: 20, Unit: "times"},
	{Key: ParamLoginLockMins, Group: "security", Type: ParamInt, Default: "15", Min: 1, Max: 1440, Unit: "minutes"},
	{Key: ParamLoginRatePerMin, Group: "security", Type: ParamInt, Default: "20", Min: 5, Max: 600, Unit: "per_minute"},
	{Key: ParamBackupHours, Group: "backup", Type: ParamInt, Default: "24", Min: 0, Max: 720, Unit: "hours"},
	{Key: ParamBackupKeep, Group: "backup", Type: ParamInt, Default: "7", Min: 1, Max: 365, Unit: "copies"},
	{Key: ParamVerifyDays, Group: "verify", Type: ParamInt, Default: "90", Min: 1, Max: 365, Unit: "days"},
	{Key: ParamVerifyNonResid, Group: "verify", Type: ParamBool, Default: "false"},
	{Key: ParamVerifyDuplicate, Group: "verify", Type: ParamBool, Default: "false"},
	{Key: ParamPublicBaseURL, Group: "verify", Type: ParamString, Default: "", MaxLen: 200, Check: CheckBaseURL},
	{Key: ParamPublicRate, Group: "verify", Type: ParamInt, Default: "60", Min: 5, Max: 100000, Unit: "per_minute"},
	{Key: ParamPublicBrowseRate, Group: "verify", Type: ParamInt, Default: "120", Min: 5, Max: 100000, Unit: "per_minute"},
	{Key: ParamConnectorMode, Group: "registry", Type: ParamEnum, Default: "off", Options: []string{"off", "connector", "connector_first"}},
	{Key: ParamConnectorURL, Group: "registry", Type: ParamString, Default: "", MaxLen: 300, Check: CheckHTTPURL},
	{Key: ParamConnectorToken, Group: "registry", Type: ParamString, Default: "", MaxLen: 300, Secret: true},
	{Key: ParamConnectorMillis, Group: "registry", Type: ParamInt, Default: "3000", Min: 200, Max: 60000, Unit: "ms"},
	// Premises distribution: the server-drawn map always works; a tile
	// server (usually on the bureau's intranet) adds an interactive map.
	{Key: ParamMapTileURL, Group: "map", Type: ParamString, Default: "", MaxLen: 300, Check: CheckTileURL},
	{Key: ParamMapAttribution, Group: "map", Type: ParamString, Default: "", MaxLen: 200},
	{Key: ParamDepositMaxMonths, Group: "contract", Type: ParamInt, Default: "3", Min: 1, Max: 12, Unit: "months"},
	{Key: ParamPartyConfirm, Group: "contract", Type: ParamBool, Default: "false"},
	{Key: ParamFilingRequiresSign, Group: "contract", Type: ParamBool, Default: "true"},
	{Key: ParamFilingDeadlineDays, Group: "contract", Type: ParamInt, Default: "30", Min: 1, Max: 365, Unit: "days"},
	{Key: ParamCreditBase, Group: "credit", Type: ParamInt, Default: "100", Min: 1, Max: 1000, Unit: "points"},
	{Key: ParamCreditLevelA, Group: "credit", Type: ParamInt, Default: "90", Min: 1, Max: 1000, Unit: "points"},
	{Key: ParamCreditLevelB, Group: "credit", Type: ParamInt, Default: "75", Min: 1, Max: 1000, Unit: "points"},
	{Key: ParamCreditLevelC, Group: "credit", Type: ParamInt, Default: "60", Min: 1, Max: 1000, Unit: "points"},
	{Key: ParamCreditObjectionDays, Group: "credit", Type: ParamInt, Default: "15", Min: 1, Max: 90, Unit: "days"},
	{Key: ParamListBlackBelow, Group: "list", Type: ParamInt, Default: "60", Min: 0, Max: 1000, Unit: "points"},
	{Key: ParamListRedAbove, Group: "list", Type: ParamInt, Default: "115", Min: 0, Max: 2000, Unit: "points"},
	{Key: ParamListAutoDays, Group: "list", Type: ParamInt, Default: "365", Min: 1, Max: 3650, Unit: "days"},
	{Key: ParamListBlockBlack, Group: "list", Type: ParamBool, Default: "true"},
}

const paramBucket = "params"

// ParamDefs lists every parameter definition (the UI checks at start-up
// that each has its label, help, group and unit texts).
func ParamDefs() []ParamDef { return slices.Clone(paramDefs) }

// Param is a definition with its current value, for the settings page.
// A secret's Value is always empty; IsSet says whether one is stored.
type Param struct {
	ParamDef
	Value string
	IsSet bool
}

// params caches the stored values; it is refreshed after every change.
type params struct {
	mu     sync.RWMutex
	values map[string]string
}

func (p *params) load(tx *storage.Tx) error {
	values := map[string]string{}
	err := tx.Scan(paramBucket, nil, false, func(k, v []byte) (bool, error) {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return false, err
		}
		values[string(k)] = s
		return true, nil
	})
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.values = values
	p.mu.Unlock()
	return nil
}

func paramDef(key string) (ParamDef, bool) {
	i := slices.IndexFunc(paramDefs, func(d ParamDef) bool { return d.Key == key })
	if i < 0 {
		return ParamDef{}, false
	}
	return paramDefs[i], true
}

// ParamString returns a parameter's value, or its default.
func (a *App) ParamString(key string) string {
	a.params.mu.RLock()
	v, ok := a.params.values[key]
	a.params.mu.RUnlock()
	if ok {
		return v
	}
	d, _ := paramDef(key)
	return d.Default
}

// ParamInt returns an integer parameter.
func (a *App) ParamInt(key string) int {
	n, err := strconv.Atoi(a.ParamString(key))
	if err != nil {
		d, _ := paramDef(key)
		n, _ = strconv.Atoi(d.Default)
	}
	return n
}

// ParamBool returns a boolean parameter.
func (a *App) ParamBool(key string) bool { return a.ParamString(key) == "true" }

// Params lists every parameter with its value, in declaration order.
func (a *App) Params(actor Actor) ([]Param, error) {
	if err := actor.require(PermParamManage); err != nil {
		return nil, err
	}
	out := make([]Param, 0, len(paramDefs))
	for _, d := range paramDefs {
		p := Param{ParamDef: d, Value: a.ParamString(d.Key)}
		if d.Secret {
			p.IsSet, p.Value = p.Value != "", ""
		}
		out = append(out, p)
	}
	return out, nil
}

// Branding is what every portal shows in its header and on printed pages.
type Branding struct{ OrgName, Title, Contact, SealText string }

// Branding returns the bureau's branding parameters (public).
func (a *App) Branding() Branding {
	return Branding{
		OrgName:  a.ParamString(ParamOrgName),
		Title:    a.ParamString(ParamPlatformTitle),
		Contact:  a.ParamString(ParamOrgContact),
		SealText: a.ParamString(ParamSealText),
	}
}

// normalizeParam checks a submitted value against its definition and
// returns the canonical form, or the message key of the problem.
func normalizeParam(d ParamDef, raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	switch d.Type {
	case ParamInt:
		n, err := strconv.Atoi(HalfWidth(raw))
		if err != nil {
			return "", "param.not_integer"
		}
		if n < d.Min || n > d.Max {
			return "", "param.out_of_range"
		}
		return strconv.Itoa(n), ""
	case ParamBool:
		switch raw {
		case "true", "on", "1":
			return "true", ""
		case "false", "off", "0", "":
			return "false", ""
		}
		return "", "param.not_bool"
	case ParamEnum:
		if !slices.Contains(d.Options, raw) {
			return "", "param.not_option"
		}
		return raw, ""
	default:
		if d.Required && raw == "" {
			return "", "param.required"
		}
		if d.MaxLen > 0 && len([]rune(raw)) > d.MaxLen {
			return "", "param.too_long"
		}
		if d.Check != nil {
			if problem := d.Check(raw); problem != "" {
				return "", problem
			}
		}
		return raw, ""
	}
}

// CheckHTTPURL checks an address the server calls or prints: empty (none),
// or an absolute http(s) URL with a host. A name in it is refused because
// the page and the log show the URL in clear (a credential belongs in a
// secret parameter), a fragment because paths and queries are appended.
// It returns the message key of the problem, "" when fine.
func CheckHTTPURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " \t\r\n\"'<>\\`") || (u.Scheme != "http" && u.Scheme != "https") ||
		u.Hostname() == "" || u.User != nil || strings.Contains(s, "#") {
		return "param.bad_url"
	}
	return ""
}

// CheckBaseURL checks the public base URL (public.base_url), to which the
// printed notice's QR code appends "/v/<code>": an http(s) URL, as
// CheckHTTPURL, without a query.
func CheckBaseURL(s string) string {
	if problem := CheckHTTPURL(s); problem != "" {
		return problem
	}
	if strings.Contains(s, "?") {
		return "param.url_has_query"
	}
	return ""
}

// SetParams validates and stores several parameters at once (one form).
// Nothing is stored unless every value is valid. Only changed values are
// written, each with its own audit entry.
//
// A secret is never shown, so the form it comes from cannot hold its
// current value: an empty secret keeps the stored one, and clear names the
// secrets to remove.
func (a *App) SetParams(actor Actor, values map[string]string, clear ...string) error {
	if err := actor.require(PermParamManage); err != nil {
		return err
	}
	var v validation
	clean := map[string]string{}
	for _, key := range clear {
		if d, ok := paramDef(key); !ok || !d.Secret {
			v.add(key, "param.unknown")
		} else if strings.TrimSpace(values[key]) != "" {
			v.add(key, "param.secret_clear_and_set")
		} else {
			clean[key] = ""
		}
	}
	for key, raw := range values {
		d, ok := paramDef(key)
		if !ok {
			v.add(key, "param.unknown")
			continue
		}
		if d.Secret && strings.TrimSpace(raw) == "" {
			continue // kept, or cleared above
		}
		val, problem := normalizeParam(d, raw)
		if problem != "" {
			v.add(key, problem)
			continue
		}
		clean[key] = val
	}
	checkCreditLevels(&v, clean, a.ParamInt)
	checkConnector(&v, clean, a.ParamString)
	if err := v.err(); err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(clean))
	relist := false
	err := a.update(func(tx *storage.Tx) error {
		relist = false
		for _, key := range keys {
			old := a.ParamString(key)
			if old == clean[key] {
				continue
			}
			relist = relist || slices.Contains(listParams, key)
			b, _ := json.Marshal(clean[key])
			if err := tx.Put(paramBucket, []byte(key), b); err != nil {
				return err
			}
			if err := a.audit(tx, actor, "param.set", "param", 0, paramAuditDetail(key, old, clean[key]),
				paramAuditNote(key, old, clean[key])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := a.db.View(a.params.load); err != nil || !relist {
		return err
	}
	n, err := a.recheckLists()
	if err != nil {
		a.log.Error("lists not rechecked after a change of their lines", "err", err)
		return err
	}
	a.log.Info("lists rechecked after a change of their lines", "subjects", n)
	return nil
}

// paramAuditDetail is the audit entry's "key: old → new", which for a
// secret says only that it was changed or cleared.
func paramAuditDetail(key, was, now string) string {
	if d, _ := paramDef(key); d.Secret {
		if now == "" {
			return key + ": (cleared)"
		}
		return key + ": (changed)"
	}
	return key + ": " + was + " → " + now
}

// paramAuditNote is paramAuditDetail in the reader's words: the
// parameter by its label, a switch or a choice by its words.
func paramAuditNote(key, was, now string) *AuditNote {
	d, _ := paramDef(key)
	switch {
	case d.Secret && now == "":
		return auditNote("audit.note.param_cleared", noteKey("param."+key))
	case d.Secret:
		return auditNote("audit.note.param_changed", noteKey("param."+key))
	}
	value := func(v string) AuditArg {
		switch {
		case d.Type == ParamBool && v == "true":
			return noteKey("audit.note.on")
		case d.Type == ParamBool:
			return noteKey("audit.note.off")
		case d.Type == ParamEnum && v != "":
			return noteKey("param." + key + "." + v)
		}
		return noteText(v)
	}
	return auditNote("audit.note.param_set", noteKey("param."+key), value(was), value(now))
}

// checkConnector refuses a registry source that asks the centre's live
// service while no address of it is set, judging the new values with the
// stored ones: saved, every verification failed as "registry unavailable"
// until someone came to look. The message goes beside the address.
func checkConnector(v *validation, clean map[string]string, current func(string) string) {
	get := func(key string) string {
		if s, ok := clean[key]; ok {
			return s
		}
		return current(key)
	}
	if get(ParamConnectorMode) != "off" && get(ParamConnectorURL) == "" {
		v.add(ParamConnectorURL, "param.connector_url_required")
	}
}

// checkCreditLevels refuses level thresholds out of order (A above B above
// C), and a black-list line above the red-list line, judging the new
// values with the stored ones they leave unchanged.
// The settings form sends every value, so the message goes beside the
// threshold whose value changed: lowering A below B is a mistake in A,
// though B would be the field whose order rule fails. When both of a pair
// changed, either may be the mistake, and it goes beside both.
func checkCreditLevels(v *validation, clean map[string]string, current func(string) int) {
	get := func(key string) int {
		if s, ok := clean[key]; ok {
			n, _ := strconv.Atoi(s)
			return n
		}
		return current(key)
	}
	changed := func(key string) bool { return get(key) != current(key) }
	inOrder := func(upper, lower string) {
		if get(lower) < get(upper) {
			return
		}
		cu, cl := changed(upper), changed(lower)
		if cu || !cl {
			v.add(upper, "credit.levels_order")
		}
		if cl || !cu {
			v.add(lower, "credit.levels_order")
		}
	}
	inOrder(ParamCreditLevelA, ParamCreditLevelB)
	inOrder(ParamCreditLevelB, ParamCreditLevelC)
	// The automatic lists, when both are on: a black line above the red
	// one put the scores between them on both sides (the black list won,
	// silently). Equal lines leave no score on both.
	if black, red := get(ParamListBlackBelow), get(ParamListRedAbove); black > 0 && red > 0 && black > red {
		cb, cr := changed(ParamListBlackBelow), changed(ParamListRedAbove)
		if cb || !cr {
			v.add(ParamListBlackBelow, "param.list_lines_order")
		}
		if cr || !cb {
			v.add(ParamListRedAbove, "param.list_lines_order")
		}
	}
}
