package ui

import (
	"bytes"
	"html/template"
	"reflect"
	"strconv"
	"sync"
)

// A content stamp is a page's "content" template rendered once with a
// marker in each field of its data, cut at the markers. Putting a page
// together from it is copying bytes and escaping the fields: executing the
// template walks it through reflection, which was most of the CPU of an
// uncached public check (docs/benchmarks.md 4.12).
//
// Only data that is a pointer to a struct of strings can be stamped
// (checkView). A template may test whether a field is empty ({{if .X}}), so
// there is one stamp per set of empty fields; it must not look at a field's
// value otherwise (TestPublicShellPagesMatchFullRender compares every state
// with the template's own rendering). A field placed anywhere but in HTML
// text or a quoted attribute value (a URL, a script) is escaped otherwise
// than the stamp would, and so is content that shows the address asked for
// or the request ID: such a page is not stamped but rendered.
type contentStamp struct {
	lits   [][]byte // the text before each field, and after the last
	fields []int    // the field placed after lits[i]
}

// stampMarker is what field i of the data holds while the stamp is made.
// Its < and + are escaped by html/template in text and attribute values
// (and differently anywhere else), which is how the stamp knows where each
// field went.
func stampMarker(i int) string { return stampMarkerPrefix + strconv.Itoa(i) + "<+" }

const stampMarkerPrefix = "anjuStampField"

// stamps holds a shell's content stamps by the data's type and set of
// empty fields; nil means the page cannot be stamped.
type stamps struct {
	mu sync.RWMutex
	m  map[stampKey]*contentStamp
}

type stampKey struct {
	data  reflect.Type
	empty uint64
}

// stampKeyOf returns the struct data points to and its stamp key, when it
// can be stamped: a struct of at most 64 fields, all strings. (Whether they
// are exported is decided once per key, by makeStamp.) It runs on every
// page not in the cache, so it looks at each field once and only at values.
func stampKeyOf(data any) (reflect.Value, stampKey, bool) {
	p := reflect.ValueOf(data)
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, stampKey{}, false
	}
	s := p.Elem()
	if s.NumField() > 64 {
		return reflect.Value{}, stampKey{}, false
	}
	var empty uint64
	for i := 0; i < s.NumField(); i++ {
		f := s.Field(i)
		if f.Kind() != reflect.String {
			return reflect.Value{}, stampKey{}, false
		}
		if f.Len() == 0 {
			empty |= 1 << i
		}
	}
	return s, stampKey{s.Type(), empty}, true
}

// writeContent writes the "content" of page t for v to buf, from a stamp
// when v.Data can be stamped, else by executing the template.
func (st *stamps) writeContent(buf *bytes.Buffer, t *template.Template, v *view) error {
	s, key, ok := stampKeyOf(v.Data)
	if !ok {
		return t.ExecuteTemplate(buf, "content", v)
	}
	st.mu.RLock()
	cs, made := st.m[key]
	st.mu.RUnlock()
	if !made {
		var err error
		if cs, err = makeStamp(t, v, s, key.empty); err != nil {
			return err
		}
		st.mu.Lock()
		if st.m == nil {
			st.m = map[stampKey]*contentStamp{}
		}
		st.m[key] = cs
		st.mu.Unlock()
	}
	if cs == nil {
		return t.ExecuteTemplate(buf, "content", v)
	}
	for i, f := range cs.fields {
		buf.Write(cs.lits[i])
		_, _ = attrEscaper.WriteString(buf, s.Field(f).String())
	}
	buf.Write(cs.lits[len(cs.lits)-1])
	return nil
}

// makeStamp renders the content of t with a marker in each field of s that
// is not empty, and cuts it at the markers. A nil stamp (and no error) says
// the page cannot be stamped.
func makeStamp(t *template.Template, v *view, s reflect.Value, empty uint64) (*contentStamp, error) {
	for i := 0; i < s.NumField(); i++ {
		if !s.Type().Field(i).IsExported() {
			return nil, nil // the template cannot read it, nor this set it
		}
	}
	marked := reflect.New(s.Type())
	for i := 0; i < s.NumField(); i++ {
		if empty&(1<<i) == 0 {
			marked.Elem().Field(i).SetString(stampMarker(i))
		}
	}
	mv := *v
	mv.Data = marked.Interface()
	mv.Path, mv.RequestID = pathMarker, requestIDMarker
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "content", &mv); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	if bytes.Contains(out, []byte(pathMarker)) || bytes.Contains(out, []byte(requestIDMarker)) {
		return nil, nil
	}
	cs := &contentStamp{}
	prefix := []byte(stampMarkerPrefix) // not changed by escaping
	for {
		i := bytes.Index(out, prefix)
		if i < 0 {
			break
		}
		f, n := markerAt(out[i:], s.NumField())
		if f < 0 {
			return nil, nil // a field outside text and attribute values
		}
		cs.lits = append(cs.lits, out[:i])
		cs.fields = append(cs.fields, f)
		out = out[i+n:]
	}
	cs.lits = append(cs.lits, out)
	return cs, nil
}

// markerAt returns the field whose marker, escaped as in HTML text, starts
// b, and the marker's length; -1 when none does.
func markerAt(b []byte, fields int) (field, n int) {
	for i := 0; i < fields; i++ {
		m := attrEscaper.Replace(stampMarker(i))
		if bytes.HasPrefix(b, []byte(m)) {
			return i, len(m)
		}
	}
	return -1, 0
}
