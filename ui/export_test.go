package ui

import (
	"time"

	"github.com/gorilla/mux"
)

// Router exposes the route table to the tests of package ui_test, which
// walk it to check that every route is in the route × role table.
func (s *Server) Router() *mux.Router { return s.router }

// The request bounds of the forms with files, so that a test can post a
// file just over one (readUploadForm's errUploadTooBig).
const (
	MaxLicenceUpload   = maxLicenceUpload
	MaxSignUpload      = maxSignUpload
	MaxBackEntryUpload = maxBackEntryUpload
	MaxFilingDocUpload = maxFilingDocUpload
	MaxPracUpload      = maxPracUpload
)

// SetAPIReadTimeout shortens the API's read deadline for a test.
func (s *Server) SetAPIReadTimeout(d time.Duration) { s.apiReadTimeout.Store(int64(d)) }
