package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/search"
	"anju/storage"
)

// VerificationQuery filters the verification list.
type VerificationQuery struct {
	Text     string // code, certificate number, address, owner, agency or the name of who asked
	Status   string // valid, expired, used, revoked, voided
	District string
	From, To time.Time // creation date range, To exclusive
	Page     int
	Size     int
}

// VerificationPage is one page of the list.
type VerificationPage struct {
	Items []*Verification
	Total int
	Page  int
	Pages int
	// Window is set when a broad query was narrowed to recent
	// verifications (see broadWindowDays); the list says so.
	Window *ListWindow
}

// ListWindow says which recent verifications a broad query was narrowed to:
// those whose Field of the record ("created", or "valid_until" for expired
// codes) is on or after Since, the last Days days.
type ListWindow struct {
	Field string
	Since time.Time
	Days  int
}

// broadWindowDays narrows broad queries (no date range, and no text or only
// one or two characters, which match a large part of all addresses and
// names) to the verifications of the last 90 days: the default validity of
// a code, so every code that can still be in use. Counting and ordering
// every match of such a query over 1,000,000 verifications took 0.3–1.1 s
// (docs/benchmarks.md 4.4); a date range or a longer text lifts the window.
// Queries for valid codes (bounded by their validity) and for used,
// revoked or voided ones (a few percent) are not narrowed.
const broadWindowDays = 90

// broadText reports whether free text is short enough to match a large
// part of all verifications: empty, or at most two characters.
func broadText(text string) bool {
	return utf8.RuneCountInString(strings.Join(strings.Fields(text), "")) <= 2
}

// SearchVerifications lists what the actor may see: government users their
// jurisdiction, agency users their agency, newest first (by ID: Created is
// the time of the insert, so the order is the same and needs no sort over
// the matches). A broad query without a date range is narrowed to recent
// verifications (broadWindowDays), and the page says so.
func (a *App) SearchVerifications(actor Actor, q VerificationQuery) (VerificationPage, error) {
	if err := actor.require(PermVerifyList); err != nil {
		return VerificationPage{}, err
	}
	// The start of a code, read off a notice or a screen ("5QLF-8Q3Q"):
	// the codes starting so. Should none, the words are searched as any
	// other text (a username such as "clerk2" looks like one too).
	c := NormalizeVerificationCode(strings.TrimSpace(q.Text))
	tried := isCodePrefix(c, printedGroup(q.Text))
	if tried {
		page, err := a.searchVerifications(actor, q, c)
		if err != nil || page.Total > 0 {
			return page, err
		}
	}
	page, err := a.searchVerifications(actor, q, "")
	if err != nil || page.Total > 0 {
		return page, err
	}
	if !tried && isCodePrefix(c, true) {
		// A start without a digit ("NYHT", the first group of a printed
		// code, as about a third of codes begin) is taken for words first,
		// so that it never hides a name; when no words match, it is the
		// start of a code after all.
		if byCode, err := a.searchVerifications(actor, q, c); err != nil || byCode.Total > 0 {
			return byCode, err
		}
	}
	if serial := certSerial(NormalizeCertNo(q.Text)); len(serial) >= 3 { // as serialQuery takes it
		// Part of a certificate number, without the start of it that
		// the clerk left out ("朝阳区不动产权第0102999号"): what its serial
		// finds, as typing only the digits does.
		bySerial := q
		bySerial.Text = serial
		if s, err := a.searchVerifications(actor, bySerial, ""); err != nil || s.Total > 0 {
			return s, err
		}
	}
	return page, nil
}

// isCodePrefix reports whether a normalised text can be the start of a
// verification code: four or more of its characters, one a digit (most
// codes have several; words seldom do) unless it was typed grouped as
// codes are printed ("NYHT-Y": a code may start with five letters).
func isCodePrefix(c string, grouped bool) bool {
	if len(c) < 4 || len(c) >= vcodeLen || !grouped && strings.IndexAny(c, "23456789") < 0 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if vcodeValue(c[i]) < 0 {
			return false
		}
	}
	return true
}

// printedGroup tells whether a typed text starts as a code is printed:
// four characters, then a dash (FormatVerificationCode).
func printedGroup(typed string) bool {
	t := []rune(strings.TrimSpace(HalfWidth(typed)))
	return len(t) >= 5 && (t[4] == '-' || t[4] == '－')
}

// certSerial is the serial number of a certificate number, the digits
// between 第 and 号 without leading zeros ("京(2011)朝阳区不动产权第0102999号"
// → "102999"): what a clerk types who has the number but not its prefix.
// "" when the number has no such part.
func certSerial(certNo string) string {
	_, rest, ok := strings.Cut(certNo, "第")
	if !ok {
		return ""
	}
	digits, _, ok := strings.Cut(rest, "号")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return ""
	}
	return strings.TrimLeft(digits, "0")
}

// serialQuery turns a typed serial ("0102999", full-width digits too) into
// the form certSerial indexes; ok is false for any other text.
func serialQuery(text string) (string, bool) {
	t := HalfWidth(strings.TrimSpace(text))
	if len(t) < 3 || strings.Trim(t, "0123456789") != "" {
		return "", false
	}
	s := strings.TrimLeft(t, "0")
	return s, s != ""
}

// searchVerifications is SearchVerifications with the codes limited to
// those starting with codePrefix when it is not "".
func (a *App) searchVerifications(actor Actor, q VerificationQuery, codePrefix string) (VerificationPage, error) {
	now := a.now()
	text := strings.TrimSpace(q.Text)
	exact := false // a code, a certificate number or its serial
	// A typed code is found whatever its grouping or case.
	if c := NormalizeVerificationCode(text); CheckVerificationCode(c) == VCodeOK {
		text, exact = c, true
	} else if codePrefix != "" {
		text, exact = "", true
	} else if c := NormalizeCertNo(text); c != text && strings.Contains(c, "第") && strings.HasSuffix(c, "号") {
		// So is a certificate number (…第…号) typed with full-width
		// brackets or digits, 〔〕 or spaces, as it is in Verify.
		text, exact = c, true
	} else if s, ok := serialQuery(text); ok {
		text, exact = s, true // equal to the keyword cert_serial
	}
	sq := search.Query{Type: "verification", Text: text, Filters: map[string][]string{}, Sort: []string{"-_id"}}
	if codePrefix != "" {
		sq.Prefix = map[string]string{"code": codePrefix}
	}
	switch {
	case actor.System:
	case actor.Can(PermAgencyPortal):
		sq.Filters["agency_id"] = []string{strconv.FormatUint(actor.AgencyID, 10)}
	case actor.District != "":
		sq.Filters["district"] = []string{actor.District}
	}
	if q.District != "" {
		if actor.District != "" && q.District != actor.District {
			return VerificationPage{Page: 1, Pages: 1}, nil
		}
		sq.Filters["district"] = []string{q.District}
	}
	switch q.Status {
	case "", VStatusValid, VStatusExpired, VStatusUsed, VStatusRevoked, VStatusVoided:
	default:
		// Not one the list offers (a hand-edited address): any status,
		// as the list shows it, rather than no filter and no window.
		q.Status = ""
	}
	switch q.Status {
	case VStatusValid:
		sq.Filters["status"] = []string{VStatusValid}
		// State: expired once now >= ValidUntil. Ranges are [Min, Max).
		sq.Ranges = append(sq.Ranges, search.Range{Field: "valid_until", Min: now.Add(time.Nanosecond)})
	case VStatusExpired:
		sq.Filters["status"] = []string{VStatusValid}
		sq.Ranges = append(sq.Ranges, search.Range{Field: "valid_until", Max: now.Add(time.Nanosecond)})
	case VStatusUsed, VStatusRevoked, VStatusVoided:
		sq.Filters["status"] = []string{q.Status}
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		r := search.Range{Field: "issued"}
		if !q.From.IsZero() {
			r.Min = q.From
		}
		if !q.To.IsZero() {
			r.Max = q.To
		}
		sq.Ranges = append(sq.Ranges, r)
	}
	var window *ListWindow
	if q.From.IsZero() && q.To.IsZero() && !exact && broadText(text) {
		// From the start of that hour: a range from a whole hour reads
		// no per-second terms of the index (search.Instant).
		since := now.AddDate(0, 0, -broadWindowDays).Truncate(time.Hour)
		field := "" // of the index
		switch q.Status {
		case "":
			window, field = &ListWindow{Field: "created", Since: since, Days: broadWindowDays}, "issued"
		case VStatusExpired:
			window, field = &ListWindow{Field: "valid_until", Since: since, Days: broadWindowDays}, "valid_until"
		}
		if window != nil {
			sq.Ranges = append(sq.Ranges, search.Range{Field: field, Min: since})
		}
	}
	var items []*Verification
	load := func(tx *storage.Tx, id uint64) error {
		v, err := verificationTable.Get(tx, id)
		if err == nil && canSeeVerification(actor, v) {
			items = append(items, v)
		}
		return nil
	}
	// The newest possible creation time of a match, where searchNewest
	// starts to look: the end of the date range, and for expired codes
	// one validity period ago.
	end := now
	if !q.To.IsZero() && q.To.Before(end) {
		end = q.To
	}
	if q.Status == VStatusExpired {
		if e := now.AddDate(0, 0, -a.ParamInt(ParamVerifyDays)); e.Before(end) {
			end = e
		}
	}
	page, err := a.searchNewest(sq, q.Page, q.Size, end, load)
	if err != nil {
		return VerificationPage{}, err
	}
	return VerificationPage{Items: items, Total: page.Total, Page: page.Page, Pages: page.Pages, Window: window}, nil
}

// newestSliceFrom is the number of matches from which searchNewest looks
// for the page among recent verifications first.
var newestSliceFrom = 20_000

// searchNewest is searchPage for a list ordered newest first by ID. Every
// match is visited to order them: about 0.2 µs each, 50–100 ms for the
// 250,000 verifications of 90 days of a city. So when there are many
// matches, it counts them (cheap: nothing is read per match), then looks
// for the page among the verifications created in the last day, 4 days, 16
// days…, and takes the first slice that holds the whole page. Created is
// the time of the insert, in the order of the IDs, so the newest matches of
// the slice are the newest matches of all.
func (a *App) searchNewest(sq search.Query, page, size int, end time.Time, load func(tx *storage.Tx, id uint64) error) (pageInfo, error) {
	if size <= 0 || size > 100 {
		size = 20
	}
	page = max(page, 1)
	if err := a.indexer.catchUp(); err != nil {
		a.log.Error("index catch-up before search", "err", err)
	}
	total, err := a.ix.CountMatches(sq)
	if err != nil {
		return pageInfo{}, fmt.Errorf("count %s: %w", sq.Type, err)
	}
	page = min(page, max(int((total+uint64(size)-1)/uint64(size)), 1)) // past the end: the last page
	need := uint64(page * size)
	if total <= uint64(newestSliceFrom) || need > total || need > uint64(newestSliceFrom/2) {
		return a.searchPage(sq, page, size, load)
	}
	for days := 1; days <= 256; days *= 4 {
		wq := sq
		// From a whole hour, like the broad window: a slice a little
		// longer is still the newest verifications, and its range reads
		// no per-second terms.
		since := end.AddDate(0, 0, -days).Truncate(time.Hour)
		wq.Ranges = append(slices.Clip(sq.Ranges), search.Range{Field: "issued", Min: since})
		wq.From, wq.Size = (page-1)*size, size
		res, err := a.ix.Search(wq)
		if err != nil {
			return pageInfo{}, fmt.Errorf("search %s: %w", sq.Type, err)
		}
		if res.Total < need {
			continue
		}
		err = a.loadHits(res.Hits, load)
		pages := (int(total) + size - 1) / size
		return pageInfo{Total: int(total), Page: page, Pages: pages}, err
	}
	return a.searchPage(sq, page, size, load)
}
