package ui

import (
	"fmt"
	"strings"

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
