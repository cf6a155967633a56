package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"anju/app"
)

// handleAttempts lists the verification attempts that did not pass
// (app.FailedAttempts), newest first, a page at a time with a link to the
// older ones, as the audit log pages.
func (s *Server) handleAttempts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &view{Title: "attempts.title", Nav: "verify_attempts", Form: q}
	type attemptsData struct {
		Items     []*app.VerifyAttempt
		Outcomes  []string
		Districts []*app.DictEntry
		Next      string
		Newest    string // the first page, when this is an older one
	}
	d := attemptsData{Outcomes: app.AttemptOutcomes, Districts: s.enabledDistricts()}
	aq := app.AttemptQuery{Outcome: q.Get("outcome"), District: q.Get("district"), Requester: q.Get("q"), Size: 20}
	if aq.Outcome != "" && !slices.Contains(app.AttemptOutcomes, aq.Outcome) {
		aq.Outcome = "" // an old or edited link: every outcome
	}
	if b := q.Get("before"); b != "" {
		aq.Before, _ = strconv.ParseUint(b, 10, 64) // not a number: the newest
	}
	page, err := s.app.FailedAttempts(actorOf(r), aq)
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d.Items = page.Items
	base := url.Values{}
	for _, k := range []string{"q", "outcome", "district"} {
		if q.Get(k) != "" {
			base.Set(k, q.Get(k))
		}
	}
	path := r.URL.Path + "?"
	if page.Next != 0 {
		nq := url.Values{}
		for k, vals := range base {
			nq[k] = vals
		}
		nq.Set("before", strconv.FormatUint(page.Next, 10))
		d.Next = path + nq.Encode()
	}
	if aq.Before != 0 {
		d.Newest = path + base.Encode()
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "verify_attempts", v)
}

// attemptReason is an attempt's reason as the form said it. The attempt
// keeps the message key alone: a message that takes values (a length,
// a date) reads as its outcome instead of showing a placeholder.
func (s *Server) attemptReason(lang string, at *app.VerifyAttempt) string {
	if at.Reason != "" && s.msgs.has(at.Reason) {
		if m := s.msgs.t(lang, at.Reason); !strings.Contains(m, "%") {
			return m
		}
	}
	return s.msgs.t(lang, "attempts.outcome."+at.Outcome)
}
