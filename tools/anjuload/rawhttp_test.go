package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRawClient reads answers framed every way a server may frame them, over
// kept-alive connections, and passes on the request's headers.
func TestRawClient(t *testing.T) {
	big := strings.Repeat("页", 5000) // chunked: more than net/http buffers before it must chunk
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", "5")
			_, _ = w.Write([]byte("hello"))
		case "/chunked":
			_, _ = w.Write([]byte(big))
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(big))
		case "/close":
			w.Header().Set("Connection", "close")
			http.Error(w, "gone", http.StatusGone)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(b)
		case "/header":
			fmt.Fprint(w, r.Header.Get("X-Forwarded-For"))
			if r.Header.Get("X-Forwarded-For") != "10.0.0.7" {
				w.WriteHeader(http.StatusTeapot)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rc, err := newRawClient(srv.URL, 2)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // again and again over the same connections
		for path, want := range map[string]int{"/length": 200, "/chunked": 200, "/close": 410, "/header": 200, "/nothing": 404} {
			got, err := rc.get(path, "X-Forwarded-For: 10.0.0.7")
			if err != nil || got != want {
				t.Errorf("GET %s = %d, %v; want %d", path, got, err, want)
			}
		}
	}
	// A body sent and answers kept, as verify needs them.
	body := []byte(`{"cert_no":"京(2020)朝阳区不动产权第0000001号"}`)
	for range 3 {
		status, out, err := rc.do("POST", "/echo", []string{"Content-Type: application/json"}, body, true)
		if err != nil || status != http.StatusCreated || string(out) != string(body) {
			t.Errorf("POST /echo = %d %q, %v", status, out, err)
		}
		status, out, err = rc.do("GET", "/chunked", nil, nil, true)
		if err != nil || status != http.StatusOK || string(out) != big+big {
			t.Errorf("GET /chunked kept %d bytes, want %d (%d, %v)", len(out), 2*len(big), status, err)
		}
	}
	// One client per server, whatever the path.
	clients := newRawClients(2)
	a, path, err := clients.to(srv.URL + "/length?x=1")
	b, _, _ := clients.to(srv.URL + "/chunked")
	if err != nil || a != b || path != "/length?x=1" {
		t.Errorf("to: %p %p %q %v", a, b, path, err)
	}
	if status, err := a.get(path); err != nil || status != http.StatusOK {
		t.Errorf("GET %s = %d, %v", path, status, err)
	}
	if _, err := newRawClient("https://example.org", 1); err == nil {
		t.Error("an https address was accepted")
	}
}
