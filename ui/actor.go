package ui

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"anju/app"
)

// actorWords is whoever did something as every page names him (the
// template function actor): a person by his name and username, "李强
// (reviewer)"; the system, which records keep as "system:<job>"
// (app.SystemJob), in words, never by that internal name: a console
// command as 控制台（anju import-registry） / the console (anju
// import-registry), a job as 系统自动（信用记分） / the system (credit
// scoring), or just 系统自动 / the system. A system actor given a name (the
// demo's announcements, by the bureau) is named by it.
//
// who is a username (string) or an app.Person; name, if given, is the
// name kept beside a username (an announcement's ByName).
func (s *Server) actorWords(lang string, who any, name ...string) string {
	var username, n string
	switch w := who.(type) {
	case string:
		username = w
	case app.Person:
		username, n = w.Username, w.Name
	case *app.Person:
		if w != nil {
			username, n = w.Username, w.Name
		}
	default:
		panic(fmt.Sprintf("actor: a username or an app.Person, not %T", who))
	}
	if len(name) > 0 {
		n = name[0]
	}
	if job, ok := app.SystemJob(username); ok {
		switch {
		case n != "" && n != username:
			return n
		case strings.HasPrefix(job, "cli "):
			return s.msgs.t(lang, "actor.console", "anju "+strings.TrimPrefix(job, "cli "))
		case s.msgs.has(jobKey(job)):
			return s.msgs.t(lang, "actor.system_job", s.msgs.t(lang, jobKey(job)))
		}
		return s.msgs.t(lang, "actor.system")
	}
	if p, ok := app.PlatformName(username); ok {
		return s.msgs.t(lang, "actor.platform", p)
	}
	if who, ok := app.PublicWho(username); ok {
		// A public applicant's history keeps the name he gave beside his
		// masked phone; the audit log keeps the masked part alone.
		if n != "" && n != username && n != who {
			return s.msgs.t(lang, "actor.public_named", n, who)
		}
		return s.msgs.t(lang, "actor.public", who)
	}
	switch {
	case n == "" || n == username:
		return username
	case username == "":
		return n
	}
	return n + " (" + username + ")"
}

// jobKey is the message naming a system job ("registry connector":
// actor.job.registry_connector).
func jobKey(job string) string { return "actor.job." + strings.ReplaceAll(job, " ", "_") }

// actorQuery is what records keep for a user typed into a search (the
// audit log's User) as pages name him: the words for the console or the
// system (控制台, 系统, the console, the system) find the system's
// usernames, which no one types; those for a listing platform or the
// public (对接平台, 公众, the platform, the public) find theirs; and any of
// them with what follows in brackets, as pages show it (对接平台（某某找房）,
// 公众（139****2222）, 控制台（anju apikey）, 系统自动（演示数据）), that one
// platform, person, command or job. A Chinese part of the
// words will do (two characters or more); English words must be whole
// ("console", not "co": a part of a username). Anything else is searched
// as typed.
func (s *Server) actorQuery(lang, text string) string {
	text = strings.TrimSpace(text)
	q := strings.ToLower(app.HalfWidth(text))
	if q == "" {
		return text
	}
	// what follows the words in brackets: the platform, the masked phone.
	var inner string
	if i := strings.Index(q, "("); i > 0 && strings.HasSuffix(q, ")") {
		q, inner = strings.TrimSpace(q[:i]), strings.TrimSpace(q[i+1:len(q)-1])
	}
	cjk := utf8.RuneCountInString(q) >= 2
	for _, r := range q {
		cjk = cjk && r > unicode.MaxASCII
	}
	names := func(key string) bool {
		// The words before the job or command: 控制台, 系统自动, the console.
		w, _, _ := strings.Cut(strings.ToLower(s.msgs.t(lang, key, "")), "（")
		w, _, _ = strings.Cut(w, "(")
		w = strings.TrimSpace(w)
		return q == w || strings.HasSuffix(w, " "+q) || cjk && strings.Contains(w, q)
	}
	switch {
	case names("actor.platform"):
		return app.PlatformPrefix + inner
	case names("actor.public"):
		return app.PublicPrefix + inner
	case inner != "" && names("actor.console") && strings.HasPrefix(inner, "anju "):
		return "system:cli " + strings.TrimPrefix(inner, "anju ")
	case inner != "" && names("actor.system_job"):
		// The job as named in brackets (演示数据, demo data) is one of
		// actor.job.*: its key gives the job.
		for _, k := range s.msgs.keys() {
			if job, ok := strings.CutPrefix(k, "actor.job."); ok && strings.ToLower(app.HalfWidth(s.msgs.t(lang, k))) == inner {
				return "system:" + strings.ReplaceAll(job, "_", " ")
			}
		}
		return text
	case inner != "":
		return text
	case names("actor.console"):
		return "system:cli"
	case names("actor.system"), names("actor.system_job"):
		return "system:"
	}
	return text
}
