package app

import (
	"errors"
	"fmt"
	"sort"

	"anju/storage"
)

// Code classifies an error a user may see; the UI maps it to an HTTP status.
type Code string

const (
	EINVALID      Code = "invalid"      // input fails validation
	ENOTFOUND     Code = "not_found"    // no such record (or not visible to the actor)
	EFORBIDDEN    Code = "forbidden"    // the actor lacks the permission
	EUNAUTHORIZED Code = "unauthorized" // not signed in, or the session ended
	ECONFLICT     Code = "conflict"     // duplicate or stale
	ELOCKED       Code = "locked"       // account temporarily locked
	EUNAVAILABLE  Code = "unavailable"  // a dependency (index, registry) is not ready
	EINTERNAL     Code = "internal"     // anything else: logged, shown with the request ID
)

// Error is an error a user may see. Key is a message key translated by the
// UI (with Args); Fields holds per-field message keys for forms, and
// FieldArgs the arguments of those that name what was wrong (the unknown
// district codes of a list).
type Error struct {
	Code      Code
	Key       string
	Args      []any
	Fields    map[string]string
	FieldArgs map[string][]any
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Key)
	}
	names := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		names = append(names, f+"="+e.Fields[f])
	}
	sort.Strings(names)
	return fmt.Sprintf("%s: %s %v", e.Code, e.Key, names)
}

// Errorf returns a user-facing error with a message key and its arguments.
func Errorf(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// ErrorCode returns the code of err, EINTERNAL for errors without one.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the user-facing error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// validation collects per-field problems of one form.
type validation struct {
	fields map[string]string
	args   map[string][]any
}

func (v *validation) add(field, key string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, seen := v.fields[field]; !seen {
		v.fields[field] = key
	}
}

// addf is add with the message's arguments, for a message that must say
// which value is wrong.
func (v *validation) addf(field, key string, args ...any) {
	if _, seen := v.fields[field]; seen {
		return
	}
	v.add(field, key)
	if v.args == nil {
		v.args = map[string][]any{}
	}
	v.args[field] = args
}

// check adds the message key of err (a validator sentinel) when err is not nil.
func (v *validation) check(field string, err error) {
	if err != nil {
		v.add(field, err.Error())
	}
}

func (v *validation) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Key: "form.invalid", Fields: v.fields, FieldArgs: v.args}
}

// fieldError is a one-field validation error.
func fieldError(field, key string) error {
	return &Error{Code: EINVALID, Key: "form.invalid", Fields: map[string]string{field: key}}
}

// notFound turns a missing record (storage.ErrNotFound) or one the actor
// may not see (err == nil) into ENOTFOUND with the given message key, so
// that nobody learns whether a record he may not see exists; any other
// error passes through.
func notFound(key string, err error) error {
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		return Errorf(ENOTFOUND, key)
	}
	return err
}
