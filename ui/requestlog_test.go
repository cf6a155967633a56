package ui_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"anju/app"
	"anju/ui"
)

// lockedBuffer is a log destination the server's goroutines write to while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// requestLogLine returns the "http" line of the request with that ID. The
// line is written once the handler returns, which may be just after the
// client has read the answer, so it is waited for.
func (b *lockedBuffer) requestLogLine(t *testing.T, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b.mu.Lock()
		data := b.buf.Bytes()
		b.mu.Unlock()
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "http" && line["request_id"] == id {
				return line
			}
		}
	}
	t.Fatalf("no request log line for request %s", id)
	return nil
}

// The request log names who made each request: the signed-in user of a
// page, the platform's key of an API call, nobody for the public.
func TestRequestLogNamesTheUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var logs lockedBuffer
	s, err := ui.New(e.app, ui.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	logged := *e
	logged.http = hs
	_, key := e.apiKey(app.APIKeyInput{Name: "贝壳找房"})

	for _, c := range []struct {
		what string
		do   func() *resp
		user string
	}{
		{"a clerk's page", func() *resp { return logged.signedIn("gov", "clerk").get("/gov/") }, "clerk"},
		{"an agent's page", func() *resp { return logged.signedIn("agency", "agent.zhang").get("/agency/") }, "agent.zhang"},
		{"an API call", func() *resp {
			return logged.client().apiCall("GET", "/api/v1/verifications/ABCD-EFGH-JKLM", key, "")
		}, "apikey:贝壳找房"},
		{"the public", func() *resp { return logged.client().get("/") }, ""},
	} {
		r := c.do()
		if r.StatusCode >= 500 {
			t.Fatalf("%s: status %d", c.what, r.StatusCode)
		}
		line := logs.requestLogLine(t, r.Header.Get("X-Request-ID"))
		if line["user"] != c.user {
			t.Errorf("%s (%s %s): logged user=%q, want %q", c.what, r.Request.Method, r.Request.URL.Path, line["user"], c.user)
		}
	}
}
