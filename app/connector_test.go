package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/storage"
)

// fakeRegistry is the registration centre's HTTP service as an httptest
// server; answer decides each response.
type fakeRegistry struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	answer   func(w http.ResponseWriter, r *http.Request)
}

func newFakeRegistry(t testing.TB, answer func(w http.ResponseWriter, r *http.Request)) *fakeRegistry {
	t.Helper()
	fr := &fakeRegistry{answer: answer}
	fr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fr.mu.Lock()
		fr.requests = append(fr.requests, r.Clone(r.Context()))
		answer := fr.answer
		fr.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(fr.Close)
	return fr
}

func (fr *fakeRegistry) setAnswer(answer func(w http.ResponseWriter, r *http.Request)) {
	fr.mu.Lock()
	fr.answer = answer
	fr.mu.Unlock()
}

func (fr *fakeRegistry) lastRequest(t testing.TB) *http.Request {
	t.Helper()
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if len(fr.requests) == 0 {
		t.Fatal("the registry service was not asked")
	}
	return fr.requests[len(fr.requests)-1]
}

func (fr *fakeRegistry) count() int {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return len(fr.requests)
}

// answerJSON answers 200 with v as JSON.
func answerJSON(v any) func(w http.ResponseWriter, r *http.Request) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return answerRaw(http.StatusOK, string(body))
}

func answerRaw(status int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// answerSlowly answers well, but only after d (or when the client gives up).
func answerSlowly(d time.Duration, then func(w http.ResponseWriter, r *http.Request)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			then(w, r)
		case <-r.Context().Done():
		}
	}
}

// found is the centre's answer for a clear residential property of the
// given owners (name, ID number pairs).
func connFound(certNo string, edit func(p map[string]any), owners ...[2]string) map[string]any {
	var os []map[string]any
	for _, o := range owners {
		os = append(os, map[string]any{"name": o[0], "id_type": "resident_id", "id_no": o[1], "share": ""})
	}
	p := map[string]any{"district": "110105", "cert_type": "01", "cert_no": certNo, "owners": os,
		"address": "北京市朝阳区接口路1号院3号楼501", "area": 89.5, "use": "住宅", "registered_on": "2021-06-30"}
	if edit != nil {
		edit(p)
	}
	return map[string]any{"found": true, "property": p}
}

// connectorFixture is a vfFixture whose connector asks fr, with its log
// kept for inspection.
type connectorFixture struct {
	*vfFixture
	fr  *fakeRegistry
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newConnectorFixture(t *testing.T, mode string, answer func(w http.ResponseWriter, r *http.Request)) *connectorFixture {
	t.Helper()
	f := &connectorFixture{vfFixture: newVFFixture(t), fr: newFakeRegistry(t, answer), log: &syncBuffer{}}
	f.App.log = slog.New(slog.NewTextHandler(f.log, nil))
	f.setParams(ParamConnectorMode, mode, ParamConnectorURL, f.fr.URL+"/api/property?src=anju",
		// A time limit no answer of the fake registry reaches, even on a
		// loaded -race run (an instant answer once took over 200 ms and
		// failed TestConnectorFound); the slow case sets its own.
		ParamConnectorToken, "s3cret-token", ParamConnectorMillis, "10000")
	return f
}

// connectorFailures is the figure of the status page.
func (f *connectorFixture) connectorFailures(t *testing.T) int64 {
	t.Helper()
	st, err := f.Status(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	return st.ConnectorFailures
}

func TestConnectorFound(t *testing.T) {
	t.Parallel()
	cert := vfCertNo(1)
	f := newConnectorFixture(t, "connector", answerJSON(connFound("京（2024）朝阳区不动产权第"+cert[len("京(2024)朝阳区不动产权第"):],
		nil, [2]string{"欧阳麒", vfID(1)}, [2]string{"诸葛蕾", vfID(3)})))
	if f.property("110105", cert) != nil {
		t.Fatal("the property is in the local copy already")
	}
	res, err := f.Verify(f.agent, vfInput(" "+cert, vfOwner("诸葛蕾", vfID(3))))
	if err != nil {
		t.Fatalf("verify through the connector: %v", err)
	}
	v := res.Verification
	r := f.fr.lastRequest(t)
	if got := r.Header.Get("Authorization"); got != "Bearer s3cret-token" {
		t.Errorf("Authorization = %q", got)
	}
	q := r.URL.Query()
	if r.Method != http.MethodGet || r.URL.Path != "/api/property" || q.Get("src") != "anju" ||
		q.Get("district") != "110105" || q.Get("cert_no") != cert {
		t.Errorf("request = %s %s", r.Method, r.URL)
	}
	p := f.property("110105", cert)
	if p == nil {
		t.Fatal("the connector's answer was not kept in the local copy")
	}
	if p.Source != "connector" || p.CertNo != cert || p.CertType != "01" || len(p.Owners) != 2 || p.Owners[1].IDNo != vfID(3) ||
		p.Address != "北京市朝阳区接口路1号院3号楼501" || p.Area != 89.5 || !p.Updated.Equal(f.now()) ||
		!p.RegisteredOn.Equal(time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("upserted property = %+v", p)
	}
	if v.PropertyID != p.ID || v.Status != VStatusValid {
		t.Errorf("verification = %+v", v)
	}
	if a := f.lastAttempt(); a.Outcome != "passed" {
		t.Errorf("attempt = %+v", a)
	}
	if n := f.connectorFailures(t); n != 0 {
		t.Errorf("connector failures = %d", n)
	}

	// The centre now reports a seizure: the request is refused and the
	// code issued before is voided with that reason.
	f.fr.setAnswer(answerJSON(connFound(cert, func(p map[string]any) { p["seized"] = true },
		[2]string{"欧阳麒", vfID(1)}, [2]string{"诸葛蕾", vfID(3)})))
	before := f.verificationCount()
	_, err = f.Verify(f.leju, vfInput(cert, vfOwner("欧阳麒", vfID(1))))
	f.wantRefused(t, err, f.leju, "refused", "cert_no", "verify.seized", before)
	if s := f.stored(v.Code); s.Status != VStatusVoided || s.EndReason != "verify.seized" {
		t.Errorf("code after the centre reported a seizure = %s %q", s.Status, s.EndReason)
	}
	if pc, err := f.CheckCode(v.Code); err != nil || pc.State != VStatusVoided || pc.EndReason != "verify.seized" {
		t.Errorf("public check = %+v %v", pc, err)
	}
	if p := f.property("110105", cert); !p.Seized {
		t.Errorf("local copy not updated: %+v", p)
	}
}

func TestConnectorNotFound(t *testing.T) {
	t.Parallel()
	f := newConnectorFixture(t, "connector", answerJSON(map[string]any{"found": false}))
	// In "connector" mode the centre's answer replaces the local copy.
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	before := f.verificationCount()
	_, err := f.Verify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	f.wantRefused(t, err, f.agent, "refused", "cert_no", "verify.cert_not_found", before)
	if n := f.connectorFailures(t); n != 0 {
		t.Errorf("a clear answer counted as a failure: %d", n)
	}

	// "connector_first": the local copy is used when the centre does not
	// know the certificate.
	f.setParams(ParamConnectorMode, "connector_first")
	asked := f.fr.count()
	v := f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	if f.fr.count() != asked+1 {
		t.Error("connector_first did not ask the centre")
	}
	if p := f.property("110105", vfCertNo(1)); v.PropertyID != p.ID || p.Source != "import:test.csv" {
		t.Errorf("verification %+v of property %+v", v, p)
	}
	// …and the centre's answer when it has one.
	f.fr.setAnswer(answerJSON(connFound(vfCertNo(2), nil, [2]string{"司马骏", vfID(2)})))
	v = f.mustVerify(f.agent, vfInput(vfCertNo(2), vfOwner("司马骏", vfID(2))))
	if p := f.property("110105", vfCertNo(2)); p == nil || p.Source != "connector" || v.PropertyID != p.ID {
		t.Errorf("connector_first with an answer: property %+v", p)
	}
	// "off" never asks.
	f.setParams(ParamConnectorMode, "off")
	asked = f.fr.count()
	f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	if f.fr.count() != asked {
		t.Error("mode off asked the centre")
	}
}

// TestConnectorFailures: every way the centre can fail is "registry
// unavailable" (EUNAVAILABLE), recorded as such and counted, never as a
// refusal of the owner, and logged with what IT needs.
func TestConnectorFailures(t *testing.T) {
	t.Parallel()
	f := newConnectorFixture(t, "connector", nil)
	demoAttempts := len(f.attempts())
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	good := answerJSON(connFound(vfCertNo(1), nil, [2]string{"欧阳麒", vfID(1)}))
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	for i, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		url    string // instead of the fake registry's
		log    string // in the log line
	}{
		{"slow", answerSlowly(2*time.Second, good), "", "timeout"},
		{"garbage", answerRaw(http.StatusOK, "<html><body>系统维护中</body></html>"), "", "malformed"},
		{"JSON without found", answerRaw(http.StatusOK, `{"result":"ok"}`), "", "malformed"},
		{"found without owners", answerJSON(map[string]any{"found": true, "property": map[string]any{"cert_no": vfCertNo(1)}}), "", "malformed"},
		{"another certificate", answerJSON(connFound(vfCertNo(2), nil, [2]string{"欧阳麒", vfID(1)})), "", "malformed"},
		{"HTTP 500", answerRaw(http.StatusInternalServerError, `{"error":"数据库连接失败"}`), "", "HTTP 500"},
		{"HTTP 401", answerRaw(http.StatusUnauthorized, `{"error":"token"}`), "", "HTTP 401"},
		{"not at all", good, closedURL, "unreachable"},
		{"not configured", good, " ", "config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fr.setAnswer(tc.answer)
			if tc.log == "timeout" {
				// Only the slow case is about the time limit.
				f.setParams(ParamConnectorMillis, "200")
				defer f.setParams(ParamConnectorMillis, "10000")
			}
			switch {
			case strings.TrimSpace(tc.url) == "" && tc.url != "":
				// The settings page refuses the live service without its
				// address; a file written before it did may still hold it.
				tamper(t, f.fixture, func(tx *storage.Tx) error {
					return tx.Put(paramBucket, []byte(ParamConnectorURL), []byte(`""`))
				})
				if err := f.db.View(f.params.load); err != nil {
					t.Fatal(err)
				}
				defer f.setParams(ParamConnectorURL, f.fr.URL)
			case tc.url != "":
				f.setParams(ParamConnectorURL, tc.url)
				defer f.setParams(ParamConnectorURL, f.fr.URL)
			}
			before, attempts := f.verificationCount(), len(f.attempts())
			res, err := f.Verify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
			e := wantError(t, err, EUNAVAILABLE, "verify.registry_unavailable")
			if len(e.Fields) != 0 || res.Verification != nil {
				t.Errorf("unavailable carries fields %v or a verification", e.Fields)
			}
			all := f.attempts()
			if len(all) != attempts+1 {
				t.Fatalf("attempts %d → %d", attempts, len(all))
			}
			a := all[len(all)-1]
			if a.Outcome != "unavailable" || a.Reason != "verify.registry_unavailable" || a.Field != "" ||
				a.Requester.Username != "agent.zhang" || a.CertNo != vfCertNo(1) || a.District != "110105" {
				t.Errorf("attempt = %+v", a)
			}
			if n := f.verificationCount(); n != before {
				t.Errorf("verifications %d → %d", before, n)
			}
			if n := f.connectorFailures(t); n != int64(i+1) {
				t.Errorf("connector failures = %d, want %d", n, i+1)
			}
			lines := strings.Split(strings.TrimSpace(f.log.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, "registry connector failed") || !strings.Contains(last, tc.log) ||
				!strings.Contains(last, "user=agent.zhang") || !strings.Contains(last, "district=110105") {
				t.Errorf("log line %q lacks %q", last, tc.log)
			}
		})
	}
	// No failure was ever recorded as a refusal or an invalid request (the
	// demo's own refusals come before).
	for _, a := range f.attempts()[demoAttempts:] {
		if a.Outcome == "refused" || a.Outcome == "invalid" {
			t.Errorf("attempt %+v", a)
		}
	}
	// The centre recovers: the same request passes.
	f.fr.setAnswer(good)
	f.mustVerify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
}

// TestConnectorURLStoredUnchecked: a connector URL stored before the
// parameter was checked is logged as a configuration problem, not as
// Go's "unsupported protocol scheme".
func TestConnectorURLStoredUnchecked(t *testing.T) {
	t.Parallel()
	f := newConnectorFixture(t, "connector", nil)
	f.importRows(vfRow(vfCertNo(1), "欧阳麒", vfID(1)))
	err := f.db.Update(func(tx *storage.Tx) error {
		b, _ := json.Marshal("not a url")
		return tx.Put(paramBucket, []byte(ParamConnectorURL), b)
	})
	if err == nil {
		err = f.db.View(f.params.load)
	}
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Verify(f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", vfID(1))))
	wantError(t, err, EUNAVAILABLE, "verify.registry_unavailable")
	if log := f.log.String(); !strings.Contains(log, "registry connector config") || !strings.Contains(log, `\"not a url\" is not an http(s) address`) {
		t.Errorf("log = %s", log)
	}
}

// TestConnectorFailureDoesNotHideInputErrors: a request that is invalid
// on its face gets its field message (422 on the API), not "registry
// unavailable" (503, which invites the client to retry it unchanged).
func TestConnectorFailureDoesNotHideInputErrors(t *testing.T) {
	t.Parallel()
	f := newConnectorFixture(t, "connector", answerRaw(http.StatusBadGateway, "bad gateway"))
	owner := vfOwner("欧阳麒", vfID(1))
	badSum := vfID(1)[:17] + map[bool]string{true: "1", false: "0"}[vfID(1)[17] == '0']
	for _, tc := range []struct {
		actor Actor
		in    VerifyInput
		field string
		key   string
	}{
		{f.clerkHD, vfInput(vfCertNo(1), owner), "district", "verify.district_outside"},
		{f.agent, vfInput(vfCertNo(1), vfOwner("欧阳麒", badSum)), "owner_id_no", "idcard.checksum"},
		{f.agent, sharedRoom(vfInput(vfCertNo(1), owner), ""), "room", "verify.room_required_shared"},
	} {
		before := f.verificationCount()
		_, err := f.Verify(tc.actor, tc.in)
		f.wantRefused(t, err, tc.actor, "invalid", tc.field, tc.key, before)
	}
	if n := f.connectorFailures(t); n != 0 || f.fr.count() != 0 {
		t.Errorf("invalid requests asked the centre %d times (%d failures)", f.fr.count(), n)
	}
}
