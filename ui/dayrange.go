package ui

import (
	"net/url"
	"strings"
	"time"

	"anju/app"
)

// dayRange reads the "from" and "to" date fields of a list's filter as
// whole local days, [from 00:00, the day after to 00:00), in half-width or
// full-width digits. It returns the fields that cannot be used, nil when
// both can: a date that is not one, or a "to" before the "from", which
// would otherwise list nothing without saying why.
func dayRange(q url.Values) (from, to time.Time, errs map[string]string) {
	day := func(field string) time.Time {
		s := strings.TrimSpace(q.Get(field))
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, app.HalfWidth(s), time.Local)
		if err != nil {
			if errs == nil {
				errs = map[string]string{}
			}
			errs[field] = "list.date_invalid"
		}
		return t
	}
	from, to = day("from"), day("to")
	if !to.IsZero() {
		if !from.IsZero() && to.Before(from) {
			return from, to, map[string]string{"to": "list.date_order"}
		}
		to = to.AddDate(0, 0, 1)
	}
	return from, to, errs
}
