package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// rawClient sends GET requests over kept-alive HTTP/1.1 connections with as
// little work as the protocol allows: the request is written from one
// reused buffer and the answer's status line and framing headers are read,
// its body discarded. The load tool runs on the same two cores as the
// server it measures; net/http's client took about 0.65 of a core at 10,000
// public checks a second (65 µs a request, docs/benchmarks.md 4.11), which
// the server then did not have. Both the platform and the bare handler are
// measured through the same client, so the ratio stays a like-for-like one.
type rawClient struct {
	addr  string // host:port
	host  string // for the Host header
	conns chan *rawConn
}

// rawClients keeps a rawClient per server: a run talks to the platform
// and to the bare handler.
type rawClients struct {
	c  int // connections kept per server
	mu sync.Mutex
	m  map[string]*rawClient
}

func newRawClients(c int) *rawClients { return &rawClients{c: c, m: map[string]*rawClient{}} }

// to returns the client for the server of address u and u's request URI.
func (p *rawClients) to(u string) (*rawClient, string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, "", err
	}
	server := pu.Scheme + "://" + pu.Host
	p.mu.Lock()
	defer p.mu.Unlock()
	rc := p.m[server]
	if rc == nil {
		if rc, err = newRawClient(server, p.c); err != nil {
			return nil, "", err
		}
		p.m[server] = rc
	}
	return rc, pu.RequestURI(), nil
}

// clientFlag is the -client flag of check and verify.
func clientFlag(fs *flag.FlagSet) *string {
	return fs.String("client", "raw", "raw: a minimal HTTP/1.1 client (rawhttp.go), leaving the shared cores to the server; nethttp: Go's net/http client")
}

type rawConn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func newRawClient(base string, c int) (*rawClient, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("%s: the raw client speaks plain http only", base)
	}
	return &rawClient{addr: u.Host, host: u.Host, conns: make(chan *rawConn, c)}, nil
}

// get sends GET path with the given extra header lines (each "Name: value")
// and returns the status once the whole answer has been read.
func (rc *rawClient) get(path string, header ...string) (int, error) {
	status, _, err := rc.do("GET", path, header, nil, false)
	return status, err
}

// do sends a request with body (if not nil, with its Content-Length) and
// returns the status and, when wantBody, a copy of the answer's body.
func (rc *rawClient) do(method, path string, header []string, body []byte, wantBody bool) (int, []byte, error) {
	var conn *rawConn
	select {
	case conn = <-rc.conns:
	default:
		c, err := net.DialTimeout("tcp", rc.addr, 5*time.Second)
		if err != nil {
			return 0, nil, err
		}
		conn = &rawConn{c: c, r: bufio.NewReaderSize(c, 16<<10), buf: make([]byte, 0, 512)}
	}
	status, out, keep, err := conn.roundTrip(method, rc.host, path, header, body, wantBody)
	if err != nil || !keep {
		conn.c.Close()
		return status, out, err
	}
	select {
	case rc.conns <- conn:
	default:
		conn.c.Close()
	}
	return status, out, nil
}

func (c *rawConn) roundTrip(method, host, path string, header []string, body []byte, wantBody bool) (status int, out []byte, keep bool, err error) {
	b := append(c.buf[:0], method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	for _, h := range header {
		b = append(b, h...)
		b = append(b, "\r\n"...)
	}
	if body != nil {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	c.buf = b
	_ = c.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.c.Write(b); err != nil {
		return 0, nil, false, err
	}

	line, err := c.line()
	if err != nil {
		return 0, nil, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		line, err := c.line()
		if err != nil {
			return status, nil, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return status, nil, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	var w io.Writer = io.Discard
	var kept bytes.Buffer
	if wantBody {
		w = &kept
	}
	switch {
	case chunked:
		err = c.copyChunked(w)
	case length >= 0:
		_, err = io.CopyN(w, c.r, int64(length))
	default: // the body runs to the end of the connection
		_, err = io.Copy(w, c.r)
		keep = false
	}
	if wantBody {
		out = kept.Bytes()
	}
	return status, out, keep && err == nil, err
}

// line reads one header line without its CRLF; the slice is valid until the
// next read.
func (c *rawConn) line() ([]byte, error) {
	l, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("header line too long")
		}
		return nil, err
	}
	return bytes.TrimRight(l, "\r\n"), nil
}

func (c *rawConn) copyChunked(w io.Writer) error {
	for {
		line, err := c.line()
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				l, err := c.line()
				if err != nil || len(l) == 0 {
					return err
				}
			}
		}
		if _, err := io.CopyN(w, c.r, n); err != nil {
			return err
		}
		if _, err := c.r.Discard(2); err != nil { // the chunk's CRLF
			return err
		}
	}
}
