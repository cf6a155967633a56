package ui

import (
	"bytes"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/app"
)

// publicPages keeps the rendered public check page for a few seconds, so
// that a code opened again and again (a QR code in a listing that many people
// scan) is not rendered each time: rendering was about half of the CPU of a
// check (docs/benchmarks.md 4.3).
//
// What a cached page may show is decided by its key: the code and its state,
// the end reason, the language, the address asked for (the language switch
// comes back to it) and whether the search index is rebuilding. The record
// itself is read on every request (App.CheckCode), so a revoked or voided
// code, or one that expires, shows its new state at once. The TTL bounds only
// how long a change of the branding or of a district's name takes to show.
//
// Only anonymous requests without a session cookie are served from it: a
// signed-in page shows who is signed in, and a session cookie may carry a
// one-time notice (flash). The footer's request ID differs per request: the
// page is kept as the bytes before and after it.
type publicPages struct {
	ttl time.Duration
	max int

	mu    sync.RWMutex
	pages map[string]*publicPage
}

type publicPage struct {
	head, tail []byte // the page around the request ID
	expires    time.Time
}

const (
	publicPageTTL   = 5 * time.Second
	publicPagesMax  = 4096 // a few KiB each
	requestIDMarker = "anjuRequestIdMarker3b1f9c"
)

func newPublicPages(ttl time.Duration, max int) *publicPages {
	return &publicPages{ttl: ttl, max: max, pages: map[string]*publicPage{}}
}

func (c *publicPages) get(key string, now time.Time) *publicPage {
	c.mu.RLock()
	p := c.pages[key]
	c.mu.RUnlock()
	if p == nil || now.After(p.expires) {
		return nil
	}
	return p
}

func (c *publicPages) put(key string, p *publicPage, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pages) >= c.max {
		for k, old := range c.pages {
			if now.After(old.expires) {
				delete(c.pages, k)
			}
		}
		if len(c.pages) >= c.max {
			// Still full of live pages (many codes within seconds):
			// start again rather than track their age.
			c.pages = make(map[string]*publicPage, c.max)
		}
	}
	c.pages[key] = p
}

// cacheablePublic reports whether r may be answered with a cached public
// page: nobody signed in, and no session cookie (which could hold a flash).
func cacheablePublic(r *http.Request) bool {
	if authOf(r) != nil {
		return false
	}
	_, err := r.Cookie(cookieName)
	return err != nil
}

// renderPublicCheck writes the public check page of pc, from the cache when
// it can.
func (s *Server) renderPublicCheck(w http.ResponseWriter, r *http.Request, pc app.PublicCheck) {
	v := &view{Title: "verify.public_title", Portal: "public"}
	data := func(lang string) any { return s.newCheckView(lang, pc) }
	s.renderCachedPublic(w, r, "public_check", v, data, pc.Code, pc.State, pc.EndReason)
}

// renderCachedPublic writes a public page from the cache when it can. key
// names what the page shows besides the language, the address and whether
// the index is rebuilding (for the public check: the code's state, read on
// every request); the rest may be up to the TTL old. data, if not nil,
// makes v.Data in the page's language, only when the page is rendered.
func (s *Server) renderCachedPublic(w http.ResponseWriter, r *http.Request, name string, v *view, data func(lang string) any, key ...string) {
	if !cacheablePublic(r) {
		if data != nil {
			v.Data = data(pickLang(r, actorOf(r).Lang)) // the language fillView picks
		}
		s.render(w, r, http.StatusOK, name, v)
		return
	}
	lang := pickLang(r, "")
	rebuilding := s.app.SearchRebuilding()
	k := strings.Join(append([]string{name, lang, r.URL.RequestURI(), boolKey(rebuilding)}, key...), "\x00")
	now := time.Now()
	p := s.publicPages.get(k, now)
	if p == nil {
		if data != nil {
			v.Data = data(lang)
		}
		s.fillView(w, r, v)
		v.Rebuilding = rebuilding
		var ok bool
		if p, ok = s.renderPublicPage(name, v, now); !ok {
			s.render(w, r, http.StatusOK, name, v) // logs and shows the error page
			return
		}
		s.publicPages.put(k, p, now)
	}
	id := template.HTMLEscapeString(requestID(r))
	// One write (one syscall) of the whole page, from a pooled buffer: a
	// page a request would be most of what a check allocates. Its length
	// is known, so it goes without chunked encoding.
	bp := pageBufs.Get().(*[]byte)
	out := append(append(append((*bp)[:0], p.head...), id...), p.tail...)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	*bp = out
	pageBufs.Put(bp)
}

// pageBufs holds the buffers renderCachedPublic writes pages from.
var pageBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// renderPublicPage renders page name for v (filled) as the bytes before
// and after the request ID. Only the page's "content" template is executed:
// the layout around it comes from the page's shell (publicShell). A code
// drawn at random is seldom in the page cache, and the layout was about
// half of the rendering (docs/benchmarks.md 4.10).
func (s *Server) renderPublicPage(name string, v *view, now time.Time) (*publicPage, bool) {
	t, ok := s.pages.byLang[v.Lang][name]
	if !ok {
		return nil, false
	}
	sh := s.publicShell(name, v, now)
	if sh == nil {
		return nil, false
	}
	// Sized for the longest content seen in this shell, so that the page
	// is allocated once and not grown (and copied) as it is written.
	var buf bytes.Buffer
	buf.Grow(len(sh.parts[0]) + len(v.Path) + len(sh.parts[1]) + int(sh.content.Load()) + len(sh.parts[2]))
	buf.Write(sh.parts[0])
	buf.WriteString(attrEscaper.Replace(v.Path))
	buf.Write(sh.parts[1])
	start := buf.Len()
	if err := sh.stamps.writeContent(&buf, t, v); err != nil {
		return nil, false
	}
	if n := int64(buf.Len() - start); n > sh.content.Load() {
		sh.content.Store(n) // a race between two pages only loses a hint
	}
	buf.Write(sh.parts[2])
	return &publicPage{head: buf.Bytes(), tail: sh.parts[3], expires: now.Add(s.publicPages.ttl)}, true
}

// A public page's shell is the layout rendered once per language (and
// state of the index) with markers where the address asked for (in the
// language switch), the content and the request ID go. The shell template
// of a page is the page with its "content" replaced by the marker
// (parsePages, shellPages). Anonymous requests without a session see no
// name, flash or banner of their own, so nothing else in the layout
// differs between them; the TTL bounds how long a change of branding takes.
const (
	pathMarker    = "anjuPathMarker7c2e41"
	contentMarker = "anjuContentMarker5d0a93"
)

// shellPages are the pages served through renderCachedPublic; parsePages
// makes a shell template for each.
var shellPages = map[string]bool{"public_check": true, "public_agency": true}

type publicShell struct {
	parts   [4][]byte // before the path, before the content, before the request ID, after it
	expires time.Time
	content atomic.Int64 // bytes of the longest content rendered into it
	stamps  stamps       // the content's stamps (content_stamp.go)
}

func (s *Server) publicShell(name string, v *view, now time.Time) *publicShell {
	k := name + "\x00" + v.Lang + "\x00" + boolKey(v.Rebuilding)
	s.shellMu.RLock()
	sh := s.shells[k]
	s.shellMu.RUnlock()
	if sh != nil && now.Before(sh.expires) {
		return sh
	}
	t, ok := s.pages.shells[v.Lang][name]
	if !ok {
		return nil
	}
	sv := *v
	sv.Path, sv.RequestID = pathMarker, requestIDMarker
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", &sv); err != nil {
		s.log.Error("public page shell", "page", name, "err", err)
		return nil
	}
	parts, ok := splitMarkers(buf.Bytes(), pathMarker, contentMarker, requestIDMarker)
	if !ok {
		s.log.Error("public page shell: a marker is not there once", "page", name)
		return nil
	}
	sh = &publicShell{expires: now.Add(s.publicPages.ttl)}
	copy(sh.parts[:], parts)
	s.shellMu.Lock()
	s.shells[k] = sh
	s.shellMu.Unlock()
	return sh
}

// attrEscaper escapes a quoted attribute's value as html/template does, so
// that a page from a shell is the very page the template renders.
var attrEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// splitMarkers cuts b at each marker in turn; each must be there exactly
// once, in that order.
func splitMarkers(b []byte, markers ...string) ([][]byte, bool) {
	parts := make([][]byte, 0, len(markers)+1)
	for _, m := range markers {
		before, after, ok := bytes.Cut(b, []byte(m))
		if !ok || bytes.Contains(after, []byte(m)) {
			return nil, false
		}
		parts = append(parts, before)
		b = after
	}
	return append(parts, b), true
}

func boolKey(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// publicAllowed takes one of the client address's public checks (code
// and filing checks, confirmations, applications); over the limit it
// answers with the busy page itself and reports false.
func (s *Server) publicAllowed(w http.ResponseWriter, r *http.Request) bool {
	return s.allowedBy(s.publicLimiter, w, r)
}

// browseAllowed is publicAllowed for the pages a tenant browses (an
// agency's page, a practitioner's card), on their own allowance: a tenant
// who reads a few agencies' pages must still be able to check a code.
func (s *Server) browseAllowed(w http.ResponseWriter, r *http.Request) bool {
	return s.allowedBy(s.browseLimiter, w, r)
}

func (s *Server) allowedBy(l *rateLimiter, w http.ResponseWriter, r *http.Request) bool {
	ok, wait := l.take(s.clientIP(r), l.rate())
	if !ok {
		s.rateLimitedPublic(w, r, wait)
	}
	return ok
}

// retrySeconds is a wait as Retry-After gives it: whole seconds, at least 1.
func retrySeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// rateLimitedPublic answers a public request over its address's limit: the
// public portal's frame (header, language switch, footer) in the reader's
// language, saying how many seconds to wait, as Retry-After does. A tenant
// who scanned a QR code in WeChat must see the platform he expected and
// what to do, not a bare message.
//
// The limiter exists to protect the server under load, so the refusal must
// cost less than an answer (docs/benchmarks.md 4.5, finding 2): the page is
// rendered once per language and wait, kept for the public pages' TTL (a
// change of branding shows after it), and each refusal only joins its parts
// around the address asked for (the language switch returns to it) and the
// request ID. Nothing is read from the store.
func (s *Server) rateLimitedPublic(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := retrySeconds(wait)
	lang := pickLang(r, actorOf(r).Lang)
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("Cache-Control", "no-store")
	p := s.busyPage(lang, secs, time.Now())
	if p == nil {
		s.renderError(w, r, http.StatusTooManyRequests, "public.busy_text", secs)
		return
	}
	path := attrEscaper.Replace(r.URL.RequestURI())
	id := template.HTMLEscapeString(requestID(r))
	bp := pageBufs.Get().(*[]byte)
	out := append(append(append(append(append((*bp)[:0], p.parts[0]...), path...), p.parts[1]...), id...), p.parts[2]...)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(out)
	*bp = out
	pageBufs.Put(bp)
}

// A busy page: the rendered public_busy page cut at the address asked for
// and at the request ID.
type busyPage struct {
	parts   [3][]byte
	expires time.Time
}

func (s *Server) busyPage(lang string, secs int, now time.Time) *busyPage {
	rebuilding := s.app.SearchRebuilding()
	k := lang + "\x00" + boolKey(rebuilding) + "\x00" + strconv.Itoa(secs)
	s.busyMu.RLock()
	p := s.busyPages[k]
	s.busyMu.RUnlock()
	if p != nil && now.Before(p.expires) {
		return p
	}
	t, ok := s.pages.byLang[lang]["public_busy"]
	if !ok {
		return nil
	}
	v := &view{Title: "public.busy_title", Portal: "public", Lang: lang, Brand: s.app.Branding(),
		Path: pathMarker, RequestID: requestIDMarker, Rebuilding: rebuilding, Data: secs, Form: url.Values{}}
	v.s = s
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", v); err != nil {
		s.log.Error("busy page", "err", err)
		return nil
	}
	parts, ok := splitMarkers(buf.Bytes(), pathMarker, requestIDMarker)
	if !ok {
		s.log.Error("busy page: a marker is not there once")
		return nil
	}
	p = &busyPage{expires: now.Add(s.publicPages.ttl)}
	copy(p.parts[:], parts)
	s.busyMu.Lock()
	if len(s.busyPages) > 64 { // a wait is at most 12 s (the lowest rate is 5 a minute)
		clear(s.busyPages)
	}
	s.busyPages[k] = p
	s.busyMu.Unlock()
	return p
}
