// Package app is Anju's domain: the records (users, parameters, dictionaries,
// audit entries, ...), the rules and workflows that change them, and the
// permission table every use case checks.
//
// Every use case is a method on *App that takes the acting user (an Actor).
// A workflow step runs in one storage transaction which also appends its
// audit entry and the outbox notes that keep the search index current.
//
// app speaks to the store through anju/storage and to the index through
// anju/search; no bbolt or bleve type appears in its API, and it must never
// import anju/ui or net/http.
package app
