package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anju/app"
)

// TestServeRefusesBadSettings: a setting the platform cannot read stops
// it with the setting named, instead of a default the officer did not ask
// for (ANJU_SECURE_COOKIES=yes read as false).
func TestServeRefusesBadSettings(t *testing.T) {
	// Not parallel: it sets environment variables.
	cases := []struct {
		env, val string
		args     []string
		want     string
	}{
		{"ANJU_SECURE_COOKIES", "yes", nil, `ANJU_SECURE_COOKIES="yes"`},
		{"ANJU_TRUST_PROXY", "on", nil, `ANJU_TRUST_PROXY="on"`},
		{"ANJU_LOG_LEVEL", "verbose", nil, `log level "verbose"`},
		{"", "", []string{"--log-format", "xml"}, `log format "xml"`},
	}
	for _, c := range cases {
		if c.env != "" {
			t.Setenv(c.env, c.val)
		}
		var out, errOut bytes.Buffer
		args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, c.args...)
		err := run(context.Background(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s %v: %v, want an error naming %s", c.env, c.val, c.args, err, c.want)
		}
		if c.env != "" {
			t.Setenv(c.env, "")
		}
	}
}

// TestServeOnAFolderAlreadyServed: a second anju serve on a data folder a
// running platform holds says where that one answers and how to stop it.
func TestServeOnAFolderAlreadyServed(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--data", p.Config.DataDir, "--addr", "127.0.0.1:0"}, &out, &errOut)
	if err == nil {
		t.Fatal("a second serve on the same data folder started")
	}
	for _, want := range []string{"in use by another anju process", "already serving this data folder at http://127.0.0.1:", "anju stop, or Ctrl+C"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The refused start served its "starting" page on its own port, and
	// closed it: the running platform's control file stays, so that anju
	// backup still reaches that one.
	if _, err := os.Stat(filepath.Join(p.Config.DataDir, controlFile)); err != nil {
		t.Errorf("the refused second start removed the running platform's control file: %v", err)
	}
}

// TestServeOnATakenPortCreatesNothing: a first start on an address another
// program holds stops before it creates the admin, whose one-time password
// a later start would not print again; that start prints it.
func TestServeOnATakenPortCreatesNothing(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"serve", "--data", data, "--addr", ln.Addr().String()}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Fatalf("serve on a taken port: %v", err)
	}
	if strings.Contains(out.String(), "One-time password") {
		t.Errorf("a one-time password was printed by a start that failed:\n%s", out.String())
	}
	// The next start, on a free address, creates him and prints it.
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DataDir: data, LogFormat: "text"}, Out: &out}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.Contains(out.String(), "One-time password") {
		t.Errorf("the first successful start printed no one-time password:\n%s", out.String())
	}
}

// TestServeOnATakenPortLeavesTheDataFileAlone: a second copy started by
// mistake on the port the platform uses (or a newer binary tried beside
// it) stops with the port named before it opens the data file: not a byte
// of it is written (no migration to the new binary's schema), no index is
// made. The same port on the same folder says that folder is served.
func TestServeOnATakenPortLeavesTheDataFileAlone(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	initDataFolder(t, data)
	if err := os.RemoveAll(filepath.Join(data, app.IndexDirName)); err != nil {
		t.Fatal(err)
	}
	dataFile := filepath.Join(data, app.DataFileName)
	before, err := os.ReadFile(dataFile)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"serve", "--data", data, "--addr", ln.Addr().String()}, &out, &errOut)
	if err == nil {
		t.Fatal("serve on a taken port started")
	}
	for _, want := range []string{"listen on " + ln.Addr().String(), "choose another one with --addr", "The data folder was not touched"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if after, _ := os.ReadFile(dataFile); !bytes.Equal(before, after) {
		t.Error("the failed start wrote into the data file")
	}
	if _, err := os.Stat(filepath.Join(data, app.IndexDirName)); err == nil {
		t.Error("the failed start made a search index")
	}

	p := startPlatform(t, false)
	err = run(context.Background(), []string{"serve", "--data", p.Config.DataDir, "--addr", p.listener.Addr().String()}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "already serving this data folder at "+p.URL()[:len("http://")]) {
		t.Errorf("serve on the running platform's folder and port: %v", err)
	}
}

// TestServeTLSCertificate: a certificate that cannot be read stops the
// start with the flag named, before the data folder is made or the first
// admin's one-time password printed (it said "serving at https://…" and
// ran on, serving nothing); a good one serves HTTPS.
func TestServeTLSCertificate(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	// Already stopped: a start that wrongly goes on returns at once.
	stopped, stop := context.WithCancel(context.Background())
	stop()
	err := run(stopped, []string{"serve", "--data", data, "--addr", "127.0.0.1:0",
		"--tls-cert", filepath.Join(t.TempDir(), "missing.pem"), "--tls-key", filepath.Join(t.TempDir(), "missing.key")}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--tls-cert ") || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("serve with a missing certificate: %v", err)
	}
	if strings.Contains(out.String(), "One-time password") || strings.Contains(out.String(), "serving at") {
		t.Errorf("a start that cannot serve HTTPS printed:\n%s", out.String())
	}
	if _, err := os.Stat(data); err == nil {
		t.Error("a start that cannot serve HTTPS made the data folder")
	}

	certFile, keyFile := selfSignedCert(t)
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DataDir: data, LogFormat: "text", TLSCert: certFile, TLSKey: keyFile}, Out: &out}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test's own certificate
	res, err := hc.Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatalf("GET over HTTPS: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Errorf("GET %s/healthz: %d, TLS %v", m.URL(), res.StatusCode, res.TLS != nil)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "anju test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
