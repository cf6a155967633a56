package app

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"anju/storage"
)

// storedParams returns the raw parameter values in the store.
func storedParams(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := f.db.View(func(tx *storage.Tx) error {
		return tx.Scan(paramBucket, nil, false, func(k, v []byte) (bool, error) {
			var s string
			err := json.Unmarshal(v, &s)
			out[string(k)] = s
			return true, err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSetParamsValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, audits0, _ := f.counts()
	tests := []struct {
		name   string
		values map[string]string
		field  string
		key    string
	}{
		{"below minimum", map[string]string{ParamSessionIdle: "4"}, ParamSessionIdle, "param.out_of_range"},
		{"above maximum", map[string]string{ParamLoginMaxFails: "21"}, ParamLoginMaxFails, "param.out_of_range"},
		{"negative", map[string]string{ParamBackupHours: "-1"}, ParamBackupHours, "param.out_of_range"},
		{"not integer", map[string]string{ParamLoginLockMins: "15 分钟"}, ParamLoginLockMins, "param.not_integer"},
		{"decimal", map[string]string{ParamBackupKeep: "7.5"}, ParamBackupKeep, "param.not_integer"},
		{"empty integer", map[string]string{ParamBackupKeep: ""}, ParamBackupKeep, "param.not_integer"},
		{"unknown key", map[string]string{"no.such.param": "1"}, "no.such.param", "param.unknown"},
		{"too long", map[string]string{ParamOrgName: strings.Repeat("住", 61)}, ParamOrgName, "param.too_long"},
		// All or nothing: the valid value in the same form is not stored.
		// The live registry service without its address.
		{"connector without URL", map[string]string{ParamConnectorMode: "connector", ParamConnectorURL: " "}, ParamConnectorURL, "param.connector_url_required"},
		{"connector first without URL", map[string]string{ParamConnectorMode: "connector_first"}, ParamConnectorURL, "param.connector_url_required"},
		// A black-list line above the red-list line (both on).
		{"black line above red", map[string]string{ParamListBlackBelow: "80", ParamListRedAbove: "70"}, ParamListBlackBelow, "param.list_lines_order"},
		{"red line below black", map[string]string{ParamListRedAbove: "50"}, ParamListRedAbove, "param.list_lines_order"},
		{"one bad among good", map[string]string{ParamOrgName: "某市住建委", ParamSessionIdle: "60", ParamBackupKeep: "0"}, ParamBackupKeep, "param.out_of_range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFieldError(t, f.SetParams(f.admin, tt.values), tt.field, tt.key)
		})
	}
	if got := storedParams(t, f); len(got) != 0 {
		t.Errorf("stored after refused forms: %v", got)
	}
	if _, audits, _ := f.counts(); audits != audits0 {
		t.Errorf("refused forms wrote %d audit entries", audits-audits0)
	}
	if f.ParamInt(ParamSessionIdle) != 30 || f.Branding().OrgName != "住房和城乡建设委员会" {
		t.Error("a refused form changed a value in use")
	}
}

func TestSetParamsStoresAuditsAndApplies(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, audits0, _ := f.counts()
	err := f.SetParams(f.admin, map[string]string{
		ParamOrgName:       "  北京市朝阳区住房和城乡建设委员会 ",
		ParamSessionIdle:   "６０", // full-width digits from a Chinese IME
		ParamLoginMaxFails: "5",  // unchanged: not written, not audited
		ParamOrgContact:    "010-6509 0000",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ParamOrgName: "北京市朝阳区住房和城乡建设委员会", ParamSessionIdle: "60", ParamOrgContact: "010-6509 0000"}
	got := storedParams(t, f)
	if len(got) != len(want) {
		t.Errorf("stored = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("stored %s = %q, want %q", k, got[k], v)
		}
	}
	entries := f.auditEntries()[audits0:]
	if len(entries) != 3 {
		t.Fatalf("%d audit entries, want one per changed value (3)", len(entries))
	}
	details := map[string]bool{}
	for _, e := range entries {
		if e.Action != "param.set" || e.Username != "root" {
			t.Errorf("audit entry = %+v", e)
		}
		details[e.Detail] = true
	}
	for _, d := range []string{
		"org.name: 住房和城乡建设委员会 → 北京市朝阳区住房和城乡建设委员会",
		"session.idle_minutes: 30 → 60",
		"org.contact:  → 010-6509 0000",
	} {
		if !details[d] {
			t.Errorf("no audit entry %q (have %v)", d, details)
		}
	}

	b := f.Branding()
	if b.OrgName != "北京市朝阳区住房和城乡建设委员会" || b.Contact != "010-6509 0000" || b.Title != "住房租赁监管服务平台" {
		t.Errorf("branding = %+v", b)
	}
	if f.ParamInt(ParamSessionIdle) != 60 {
		t.Errorf("idle = %d, want 60", f.ParamInt(ParamSessionIdle))
	}
	params, err := f.Params(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(params) != len(paramDefs) || params[0].Key != ParamOrgName || params[0].Value != b.OrgName {
		t.Errorf("Params()[0] = %+v of %d", params[0], len(params))
	}

	// Saving the same form again changes nothing.
	if err := f.SetParams(f.admin, map[string]string{ParamSessionIdle: "60"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.auditEntries()) - audits0; n != 3 {
		t.Errorf("%d audit entries after an unchanged save, want 3", n)
	}

	// Values survive a restart.
	f.close()
	f.reopen()
	if f.Branding().OrgName != "北京市朝阳区住房和城乡建设委员会" || f.ParamInt(ParamSessionIdle) != 60 {
		t.Error("parameters lost after reopening")
	}
}

func TestParamDefinitionsAreConsistent(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, d := range paramDefs {
		if seen[d.Key] {
			t.Errorf("%s declared twice", d.Key)
		}
		seen[d.Key] = true
		if v, problem := normalizeParam(d, d.Default); problem != "" || v != d.Default {
			t.Errorf("%s: default %q is not valid (%s)", d.Key, d.Default, problem)
		}
	}
}

func TestSecretParamNeverLeavesTheServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const token = "SECRET-TOKEN-123"
	_, audits0, _ := f.counts()
	if err := f.SetParams(f.admin, map[string]string{ParamConnectorToken: " " + token + " "}); err != nil {
		t.Fatal(err)
	}
	if got := f.ParamString(ParamConnectorToken); got != token {
		t.Fatalf("token in use = %q", got)
	}
	params, err := f.Params(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range params {
		if p.Key == ParamConnectorToken && (p.Value != "" || !p.IsSet) {
			t.Errorf("Params() hands out the secret: %+v", p)
		}
	}

	// The settings form cannot hold the secret: empty keeps it.
	if err := f.SetParams(f.admin, map[string]string{ParamConnectorToken: "", ParamSessionIdle: "45"}); err != nil {
		t.Fatal(err)
	}
	if got := f.ParamString(ParamConnectorToken); got != token {
		t.Errorf("an empty submission changed the token to %q", got)
	}
	wantFieldError(t, f.SetParams(f.admin, map[string]string{ParamConnectorToken: "other"}, ParamConnectorToken),
		ParamConnectorToken, "param.secret_clear_and_set")
	wantFieldError(t, f.SetParams(f.admin, nil, ParamOrgName), ParamOrgName, "param.unknown")
	if err := f.SetParams(f.admin, map[string]string{ParamConnectorToken: ""}, ParamConnectorToken); err != nil {
		t.Fatal(err)
	}
	if got := f.ParamString(ParamConnectorToken); got != "" {
		t.Errorf("token after clearing = %q", got)
	}

	var details []string
	for _, e := range f.auditEntries()[audits0:] {
		if strings.Contains(e.Detail, "SECRET") {
			t.Errorf("audit entry holds the secret: %+v", e)
		}
		details = append(details, e.Detail)
	}
	want := []string{"registry.connector_token: (changed)", "session.idle_minutes: 30 → 45", "registry.connector_token: (cleared)"}
	if !slices.Equal(details, want) {
		t.Errorf("audit details = %q, want %q", details, want)
	}
}

func TestURLParamsMustBeHTTPAddresses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct{ key, value, problem string }{
		{ParamPublicBaseURL, "zfzl example", "param.bad_url"},
		{ParamPublicBaseURL, "zfzl.example.gov.cn", "param.bad_url"}, // no scheme
		{ParamPublicBaseURL, "ftp://zfzl.example.gov.cn", "param.bad_url"},
		{ParamPublicBaseURL, "https://", "param.bad_url"},
		{ParamPublicBaseURL, "https://:8443/", "param.bad_url"},
		{ParamPublicBaseURL, "https://zfzl.example.gov.cn/#top", "param.bad_url"},
		{ParamPublicBaseURL, "https://zfzl.example.gov.cn/?from=qr", "param.url_has_query"},
		{ParamConnectorURL, "not a url", "param.bad_url"},
		{ParamConnectorURL, "/api/property", "param.bad_url"},
		{ParamConnectorURL, "https://user:pw@bdc.example.gov.cn/api", "param.bad_url"},
		{ParamConnectorURL, "http://bdc.example.gov.cn/a b", "param.bad_url"},
	} {
		wantFieldError(t, f.SetParams(f.admin, map[string]string{tc.key: tc.value}), tc.key, tc.problem)
	}
	if got := storedParams(t, f); len(got) != 0 {
		t.Errorf("stored after refused URLs: %v", got)
	}
	good := map[string]string{
		ParamPublicBaseURL: " https://zfzl.example.gov.cn:8443/anju/ ",
		ParamConnectorURL:  "http://10.1.2.3:8080/api/property?src=anju",
	}
	if err := f.SetParams(f.admin, good); err != nil {
		t.Fatal(err)
	}
	if got := f.ParamString(ParamPublicBaseURL); got != "https://zfzl.example.gov.cn:8443/anju/" {
		t.Errorf("base URL = %q", got)
	}
	if err := f.SetParams(f.admin, map[string]string{ParamPublicBaseURL: "", ParamConnectorURL: ""}); err != nil {
		t.Errorf("emptying the URLs (the defaults): %v", err)
	}
}
