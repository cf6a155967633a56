// Package ui is Anju's HTTP face: routes per subject, middleware (request
// IDs, logs, security headers, cross-origin protection, sessions, rate
// limits), handlers of the government, agency and public portals,
// html/template pages and static assets embedded in the binary, the zh-CN
// and English messages, and the JSON API.
//
// ui calls anju/app for every rule and record; it must never import
// anju/storage, anju/search, bbolt or bleve.
package ui
