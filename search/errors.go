package search

import "errors"

// Errors callers can test with errors.Is. Each is returned wrapped with the
// detail (field, type or document ID) that caused it.
var (
	// ErrClosed is returned by every method after Close, or after a Reset
	// that failed to recreate the index.
	ErrClosed = errors.New("search index is closed")

	// ErrInUse is returned by Open when another process holds the index.
	// The folder is left untouched: it belongs to the other process.
	ErrInUse = errors.New("search index is in use by another process")

	// ErrSchema is returned by Open for a Schema that cannot be mapped
	// (duplicate or reserved names, a field declared with two kinds, …).
	ErrSchema = errors.New("invalid search schema")

	// ErrDoc is returned by Apply for a document of an undeclared type, an
	// empty ID, or a value that does not fit its field's kind. Nothing of
	// the batch is applied.
	ErrDoc = errors.New("invalid search document")

	// ErrQuery is returned by Search for a query naming an unknown type or
	// field, or a field of the wrong kind for its use. Free text never
	// causes it.
	ErrQuery = errors.New("invalid search query")
)
