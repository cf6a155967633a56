package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

//go:embed messages/*.json
var messageFiles embed.FS

// Languages, the default first.
const (
	langZH = "zh-CN"
	langEN = "en"
)

var languages = []string{langZH, langEN}

// catalog holds every message in every language. Both files must have the
// same keys (checked at start-up and by a test).
type catalog struct {
	msgs map[string]map[string]string
}

// Messages are split by subject: messages/<subject>.<lang>.json, so that
// each capability keeps its own texts; a key defined twice is an error.
// sharedCatalog is the catalog, read once: the starting page (Starting)
// and the portals (New) both use it, and nothing changes it once loaded.
var sharedCatalog = sync.OnceValues(loadCatalog)

func loadCatalog() (*catalog, error) {
	c := &catalog{msgs: map[string]map[string]string{}}
	for _, lang := range languages {
		c.msgs[lang] = map[string]string{}
		files, err := fs.Glob(messageFiles, "messages/*."+lang+".json")
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no message files for %s", lang)
		}
		for _, f := range files {
			b, err := messageFiles.ReadFile(f)
			if err != nil {
				return nil, err
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("messages %s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := c.msgs[lang][k]; dup {
					return nil, fmt.Errorf("message %q defined twice (%s)", k, f)
				}
				c.msgs[lang][k] = v
			}
		}
	}
	zh, en := c.msgs[langZH], c.msgs[langEN]
	for k := range zh {
		if _, ok := en[k]; !ok {
			return nil, fmt.Errorf("message %q has no English text", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			return nil, fmt.Errorf("message %q has no Chinese text", k)
		}
	}
	return c, nil
}

// has reports whether key exists (in every language, see loadCatalog).
func (c *catalog) has(key string) bool {
	_, ok := c.msgs[langZH][key]
	return ok
}

// keys lists every key (for tests).
func (c *catalog) keys() []string { return slices.Sorted(maps.Keys(c.msgs[langZH])) }

// t translates key into lang; a missing key shows itself (and a test
// fails on it), never an empty string.
func (c *catalog) t(lang, key string, args ...any) string {
	m, ok := c.msgs[lang][key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return m
	}
	return FormatMessage(m, localArgs(lang, args)...)
}

// localArgs writes a date given to a message (app passes time.Time, not
// text) as every other date on the page reads: 2026年12月20日, 20 Dec 2026;
// and a list ([]string, e.g. names) as joinList does.
func localArgs(lang string, args []any) []any {
	var out []any // a copy, once there is a date or a list: args is the error's own
	for i, a := range args {
		var local string
		switch a := a.(type) {
		case time.Time:
			local = formatDate(lang, a)
		case []string:
			local = joinList(lang, a)
		default:
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[i] = local
	}
	if out == nil {
		return args
	}
	return out
}

// FormatMessage fills a message text with its arguments, as every page
// does (exported for the tests that build the text they expect).
func FormatMessage(m string, args ...any) string {
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(pluralForms(m, args), args...)
}

// pluralForms chooses between the forms of a word written {one|other}:
// the first when the argument of the nearest verb before it is 1 ("%v
// agenc{y|ies}" reads "1 agency", "2 agencies"). Chinese needs none; the
// choice is made on the message, not on the formatted text, so a name
// given as an argument is never taken for one.
func pluralForms(m string, args []any) string {
	if !strings.Contains(m, "|") {
		return m
	}
	var b strings.Builder
	arg := -1 // the argument of the last verb seen
	for i := 0; i < len(m); i++ {
		switch {
		case m[i] == '%' && i+1 < len(m):
			if m[i+1] != '%' {
				arg++
			}
			b.WriteString(m[i : i+2])
			i++
			continue
		case m[i] == '{':
			if j := strings.IndexAny(m[i+1:], "{}"); j >= 0 && m[i+1+j] == '}' {
				if one, other, ok := strings.Cut(m[i+1:i+1+j], "|"); ok {
					if arg >= 0 && arg < len(args) && fmt.Sprint(args[arg]) == "1" {
						b.WriteString(one)
					} else {
						b.WriteString(other)
					}
					i += j + 1
					continue
				}
			}
		}
		b.WriteByte(m[i])
	}
	return b.String()
}

// pickLang chooses the page language: the signed-in user's choice, then
// the lang cookie, then Accept-Language; Chinese by default.
func pickLang(r *http.Request, userLang string) string {
	if slices.Contains(languages, userLang) {
		return userLang
	}
	if c, err := r.Cookie("lang"); err == nil && slices.Contains(languages, c.Value) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		switch {
		case strings.HasPrefix(tag, "zh"):
			return langZH
		case strings.HasPrefix(tag, "en"):
			return langEN
		}
	}
	return langZH
}

// formatDate shows a date in the convention of lang, in server local time.
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.Local()
	if lang == langZH {
		return t.Format("2006年1月2日")
	}
	return t.Format("2 Jan 2006")
}

// formatMonth names a month in the convention of lang ("2026年11月",
// "November 2026"), in server local time.
func formatMonth(lang string, t time.Time) string {
	t = t.Local()
	if lang == langZH {
		return t.Format("2006年1月")
	}
	return t.Format("January 2006")
}

func formatDateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return formatDate(lang, t) + " " + t.Local().Format("15:04")
}

// formatDuration shows an uptime as days, hours and minutes.
func formatDuration(lang string, d time.Duration) string {
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	if lang == langZH {
		switch {
		case days > 0:
			return fmt.Sprintf("%d天%d小时", days, hours)
		case hours > 0:
			return fmt.Sprintf("%d小时%d分钟", hours, mins)
		}
		return fmt.Sprintf("%d分钟", mins)
	}
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dmin", hours, mins)
	}
	return fmt.Sprintf("%d min", mins)
}

// listSep separates the items of a list: 、 in Chinese, a comma in English.
// Every list a page shows is joined with it (template funcs joinList and
// listSep, and lists given to a message).
func listSep(lang string) string {
	if lang == langZH {
		return "、"
	}
	return ", "
}

// joinList joins the items of a list as lang writes it: 甲、乙; A, B.
func joinList(lang string, xs []string) string { return strings.Join(xs, listSep(lang)) }

// colon follows a label before its value: full-width in Chinese
// (合同编号：HT…), a colon and a space in English (Contract no.: HT…).
func colon(lang string) string {
	if lang == langZH {
		return "："
	}
	return ": "
}

// paren writes s in brackets after a word: full-width in Chinese
// (张三（居民身份证）), half-width after a space in English.
func paren(lang, s string) string {
	if lang == langZH {
		return "（" + s + "）"
	}
	return " (" + s + ")"
}
