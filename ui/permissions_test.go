package ui_test

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"anju/app"
)

// Who may do what, as the route × role table of the issue. perm is
// "public" (no sign-in), "portal" (any user of the route's portal) or the
// permission the route requires.
const (
	public = "public"
	portal = "portal"
)

type routeCase struct {
	method, path string // as registered with the router
	perm         string
	want         int // status for a user who may use the route
}

// routeTable lists every route under /gov/ and /agency/. A route added
// without a line here fails TestRouteTableIsComplete. Each capability may
// append its own lines from its test file's init (with routeFixtures to
// create the records its {id} routes need).
var routeTable = []routeCase{
	{"GET", "/gov/login", public, http.StatusOK},
	{"POST", "/gov/login", public, http.StatusUnprocessableEntity}, // empty form
	{"GET", "/gov/", portal, http.StatusOK},
	{"GET", "/gov/stats", portal, http.StatusOK}, // each sees the figures of the lists he may open (app.Statistics)
	{"GET", "/gov/password", portal, http.StatusOK},
	{"POST", "/gov/password", portal, http.StatusUnprocessableEntity}, // wrong current password
	{"GET", "/gov/profile", portal, http.StatusOK},
	{"GET", "/gov/admin/users", string(app.PermUserManage), http.StatusOK},
	{"GET", "/gov/admin/users/new", string(app.PermUserManage), http.StatusOK},
	{"POST", "/gov/admin/users", string(app.PermUserManage), http.StatusUnprocessableEntity},
	{"GET", "/gov/admin/users/{id:[0-9]+}", string(app.PermUserManage), http.StatusOK},
	{"POST", "/gov/admin/users/{id:[0-9]+}", string(app.PermUserManage), http.StatusUnprocessableEntity},
	{"POST", "/gov/admin/users/{id:[0-9]+}/reset-password", string(app.PermUserManage), http.StatusOK},
	{"POST", "/gov/admin/users/{id:[0-9]+}/end-sessions", string(app.PermUserManage), http.StatusSeeOther},
	{"POST", "/gov/admin/users/{id:[0-9]+}/unlock", string(app.PermUserManage), http.StatusSeeOther},
	{"GET", "/gov/admin/params", string(app.PermParamManage), http.StatusOK},
	{"POST", "/gov/admin/params", string(app.PermParamManage), http.StatusUnprocessableEntity},
	{"GET", "/gov/admin/dicts", string(app.PermDictManage), http.StatusSeeOther},
	{"GET", "/gov/admin/dicts/{kind}", string(app.PermDictManage), http.StatusOK},
	{"POST", "/gov/admin/dicts/{kind}", string(app.PermDictManage), http.StatusUnprocessableEntity},
	{"GET", "/gov/admin/audit", string(app.PermAuditView), http.StatusOK},
	{"GET", "/gov/admin/audit.csv", string(app.PermAuditView), http.StatusOK},
	{"POST", "/gov/admin/audit/walk", string(app.PermAuditView), http.StatusSeeOther},
	{"GET", "/gov/admin/backups", string(app.PermBackup), http.StatusOK},
	{"POST", "/gov/admin/backups/now", string(app.PermBackup), http.StatusOK},
	{"GET", "/gov/admin/backups/{name}", string(app.PermBackup), http.StatusOK},
	{"GET", "/gov/admin/status", string(app.PermStatusView), http.StatusOK},
	{"GET", "/gov/admin/apikeys", string(app.PermAPIKeys), http.StatusOK},
	{"POST", "/gov/admin/apikeys", string(app.PermAPIKeys), http.StatusUnprocessableEntity},                    // empty form
	{"POST", "/gov/admin/apikeys/{id:[0-9]+}/revoke", string(app.PermAPIKeys), http.StatusUnprocessableEntity}, // no reason
	{"GET", "/gov/api-docs", string(app.PermAPIKeys), http.StatusOK},
	{"GET", "/gov/admin/registry", string(app.PermRegistry), http.StatusOK},
	{"POST", "/gov/admin/registry/import", string(app.PermRegistry), http.StatusUnprocessableEntity}, // no file
	{"GET", "/gov/admin/registry/imports/{id:[0-9]+}", string(app.PermRegistry), http.StatusOK},
	{"GET", "/gov/admin/registry/imports/{id:[0-9]+}/rejects.csv", string(app.PermRegistry), http.StatusOK},
	{"GET", "/gov/admin/registry/template.csv", string(app.PermRegistry), http.StatusOK},
	{"GET", "/gov/admin/registry/template.xlsx", string(app.PermRegistry), http.StatusOK},
	{"GET", "/gov/verifications", string(app.PermVerifyList), http.StatusOK},
	{"GET", "/gov/verifications/new", string(app.PermVerify), http.StatusOK},
	{"GET", "/gov/verify-attempts", string(app.PermVerifyList), http.StatusOK},
	{"POST", "/gov/verifications", string(app.PermVerify), http.StatusUnprocessableEntity}, // empty form
	{"GET", "/gov/verifications/{code}", string(app.PermVerifyList), http.StatusOK},
	{"GET", "/gov/verifications/{code}/notice", string(app.PermVerifyList), http.StatusOK},
	{"POST", "/gov/verifications/{code}/revoke", string(app.PermVerifyRevoke), http.StatusUnprocessableEntity}, // no reason
	{"POST", "/gov/logout", portal, http.StatusSeeOther},                                                       // last: it ends the session

	{"GET", "/agency/login", public, http.StatusOK},
	{"POST", "/agency/login", public, http.StatusUnprocessableEntity},
	{"GET", "/agency/", portal, http.StatusOK},
	{"GET", "/agency/password", portal, http.StatusOK},
	{"POST", "/agency/password", portal, http.StatusUnprocessableEntity},
	{"GET", "/agency/profile", portal, http.StatusOK},
	{"GET", "/agency/verifications", string(app.PermVerifyList), http.StatusOK},
	{"GET", "/agency/verifications/new", string(app.PermVerify), http.StatusOK},
	{"GET", "/agency/verify-attempts", string(app.PermVerifyList), http.StatusOK},
	{"POST", "/agency/verifications", string(app.PermVerify), http.StatusUnprocessableEntity},
	{"GET", "/agency/verifications/{code}", string(app.PermVerifyList), http.StatusOK},
	{"GET", "/agency/verifications/{code}/notice", string(app.PermVerifyList), http.StatusOK},
	{"POST", "/agency/logout", portal, http.StatusSeeOther},
}

// otherRoutes are the routes outside the two staff portals; they are
// listed so that a new top-level route is noticed too. The platform API
// (/api/) is left to its own tests: it answers to API keys, not sessions.
var otherRoutes = []string{
	"GET /",
	"GET /healthz",
	"GET /static/",
	"POST /lang",
	"GET /check",           // public check of a verification code
	"GET /v/{code}",        // the same, from the QR code
	"HEAD /v/{code}",       // link checkers ask before showing the link
	"GET /v/{code}/notice", // the notice anyone may print (the API's notice_url)
}

// routeFixture creates the records a capability's routes need and returns
// path prefix -> ID: "{id:[0-9]+}" in a path with that prefix becomes the
// ID (the longest matching prefix wins). forms holds the body to post to
// "METHOD /path" where an empty form would not do.
type routeFixture func(t *testing.T, e *env) (ids map[string]uint64, forms map[string]url.Values)

var routeFixtures []routeFixture

func (rc routeCase) portal() string {
	if strings.HasPrefix(rc.path, "/agency") {
		return "agency"
	}
	return "gov"
}

// registeredRoutes walks the router: "METHOD /path/template".
func registeredRoutes(t *testing.T, r *mux.Router) []string {
	t.Helper()
	var out []string
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return nil // a route without a path (none today)
		}
		methods, err := route.GetMethods()
		if err != nil {
			methods = []string{"ANY"}
		}
		for _, m := range methods {
			out = append(out, m+" "+tpl)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk routes: %v", err)
	}
	sort.Strings(out)
	return out
}

func TestRouteTableIsComplete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	listed := map[string]bool{}
	for _, rc := range routeTable {
		k := rc.method + " " + rc.path
		if listed[k] {
			t.Errorf("route table lists %s twice", k)
		}
		listed[k] = true
	}
	for _, k := range otherRoutes {
		listed[k] = true
	}
	registered := registeredRoutes(t, e.srv.Router())
	for _, k := range registered {
		_, path, _ := strings.Cut(k, " ")
		if strings.HasPrefix(path, "/api/") {
			continue
		}
		if !listed[k] {
			t.Errorf("route %s is registered but not in the route × role table (ui/permissions_test.go): add it with its permission", k)
		}
	}
	for k := range listed {
		if !slices.Contains(registered, k) {
			t.Errorf("route table lists %s, which is not registered", k)
		}
	}
}

// TestSystemManagementIsSysadminOnly pins the policy of the issue: system
// management belongs to the sysadmin role alone.
func TestSystemManagementIsSysadminOnly(t *testing.T) {
	t.Parallel()
	for _, p := range []app.Permission{app.PermUserManage, app.PermParamManage, app.PermDictManage,
		app.PermAuditView, app.PermBackup, app.PermStatusView} {
		if got := app.RolesWith(p); !slices.Equal(got, []app.Role{app.RoleSysadmin}) {
			t.Errorf("permission %s is held by %v, want only sysadmin", p, got)
		}
	}
}

// TestRoutesByRole requests every route of the table as every role of the
// demo district and as an anonymous visitor.
func TestRoutesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Every role signs in from 127.0.0.1; lift the per-IP sign-in limit.
	e.setParams(app.ParamLoginRatePerMin, "600")
	target, _, err := e.app.CreateUser(sys, app.UserInput{Username: "target.user", Name: "对象用户",
		Roles: []app.Role{app.RoleViewer}})
	if err != nil {
		t.Fatal(err)
	}
	backup, err := e.app.ScheduledBackup()
	if err != nil {
		t.Fatal(err)
	}
	code := sharedVerification(t, e)
	key, _, err := e.app.CreateAPIKey(sys, app.APIKeyInput{Name: "测试平台", Contact: "010-1234 5678"})
	if err != nil {
		t.Fatal(err)
	}
	var registryCSV bytes.Buffer
	if err := app.RegistryTemplateCSV(&registryCSV); err != nil {
		t.Fatal(err)
	}
	registryCSV.WriteString("110105,a row,that,is,refused\n") // so that the import has a rejects report
	imp, err := e.app.ImportRegistry(sys, &registryCSV, "test.csv", nil)
	if err != nil || imp.Rejected == 0 {
		t.Fatalf("registry import: %+v %v", imp, err)
	}
	// {id} is a user, an API key or a registry import, by route.
	ids := map[string]uint64{"/gov/admin/users/": target.ID, "/gov/admin/apikeys/": key.ID, "/gov/admin/registry/imports/": imp.ID}
	forms := map[string]url.Values{
		"POST /gov/password":    {"current": {"not-my-password"}, "new": {"Abcdef-12345"}, "confirm": {"Abcdef-12345"}},
		"POST /agency/password": {"current": {"not-my-password"}, "new": {"Abcdef-12345"}, "confirm": {"Abcdef-12345"}},
	}
	for _, fx := range routeFixtures {
		fids, fforms := fx(t, e)
		maps.Copy(ids, fids)
		maps.Copy(forms, fforms)
	}
	urlOf := func(path string) string {
		best := ""
		for prefix := range ids {
			if strings.HasPrefix(path, prefix) && len(prefix) > len(best) {
				best = prefix
			}
		}
		if best != "" {
			path = strings.ReplaceAll(path, "{id:[0-9]+}", fmt.Sprint(ids[best]))
		}
		return strings.NewReplacer(
			"{kind}", string(app.DictDistrict),
			"{name}", backup.Name,
			"{code}", code,
			"{step:[1-4]}", "1",
		).Replace(path)
	}

	roles := append(append([]app.Role{}, app.GovRoles...), app.AgencyRoles...)
	for _, role := range roles {
		account := ""
		for _, d := range e.demo {
			if slices.Equal(d.Roles, []app.Role{role}) {
				account = d.Username
				break
			}
		}
		if account == "" {
			t.Fatalf("the demo has no account with the single role %s", role)
		}
		t.Run(string(role), func(t *testing.T) {
			userPortal := string(role.Portal())
			c := e.signedIn(userPortal, account)
			for _, rc := range routeTable {
				u := urlOf(rc.path)
				var r *resp
				if rc.method == "GET" {
					r = c.get(u)
				} else {
					r = c.post(u, forms[rc.method+" "+rc.path])
				}
				what := fmt.Sprintf("%s %s as %s (%s)", rc.method, u, role, account)
				switch {
				case rc.perm == public:
					want := rc.want
					if rc.method == "GET" && rc.portal() == userPortal {
						want = http.StatusSeeOther // signed in already: to the portal's home
					}
					checkStatus(t, what, r, want)
				case rc.portal() != userPortal && strings.HasSuffix(rc.path, "/logout"):
					// Anyone signed in may sign out, to his own portal's sign-in.
					checkStatus(t, what, r, http.StatusSeeOther)
					if loc := r.Header.Get("Location"); loc != "/"+userPortal+"/login" {
						t.Errorf("%s: signed out to %q", what, loc)
					}
					c = e.signedIn(userPortal, account)
				case rc.portal() != userPortal:
					// Refused in his own portal's frame: its sign-out works.
					checkStatus(t, what, r, http.StatusForbidden)
					checkShows(t, what, r, zh("error.wrong_portal_signed_in"))
					checkShows(t, what, r, `action="/`+userPortal+`/logout"`)
				case rc.perm == portal || slices.Contains(app.RolesWith(app.Permission(rc.perm)), role):
					checkStatus(t, what, r, rc.want)
					if r.StatusCode == http.StatusForbidden {
						break
					}
					if strings.HasSuffix(rc.path, "/logout") {
						c = e.signedIn(userPortal, account)
					}
				default:
					checkStatus(t, what, r, http.StatusForbidden)
					checkShows(t, what, r, zh("error.forbidden"))
				}
			}
		})
	}

	t.Run("anonymous", func(t *testing.T) {
		c := e.client()
		for _, rc := range routeTable {
			u := urlOf(rc.path)
			var r *resp
			if rc.method == "GET" {
				r = c.get(u)
			} else {
				r = c.post(u, forms[rc.method+" "+rc.path])
			}
			what := fmt.Sprintf("%s %s, not signed in", rc.method, u)
			if rc.perm == public {
				checkStatus(t, what, r, rc.want)
				continue
			}
			login := "/" + rc.portal() + "/login"
			if rc.method == "GET" {
				login += "?next=" + url.QueryEscape(u)
			}
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != login {
				t.Errorf("%s: %d to %q, want 303 to %q", what, r.StatusCode, r.Header.Get("Location"), login)
			}
		}
	})
}

func checkStatus(t *testing.T, what string, r *resp, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Errorf("%s: status %d (Location %q), want %d\n%.400s", what, r.StatusCode, r.Header.Get("Location"), want, visibleText(r.body))
	}
}

func checkShows(t *testing.T, what string, r *resp, text string) {
	t.Helper()
	if !strings.Contains(r.text(), text) {
		t.Errorf("%s: page does not show %q", what, text)
	}
}

// sharedVerification returns the code of a valid demo verification that
// every role allowed to list verifications may see: asked for by the demo
// agency of anju.admin and agent.zhang, in the district of the demo clerk
// and reviewer.
func sharedVerification(t *testing.T, e *env) string {
	t.Helper()
	agent := e.user("agent.zhang")
	for page := 1; page <= 10; page++ {
		// A city-wide viewer: SearchVerifications filters a system actor as
		// if it were an agency user (agency 0) and finds nothing.
		res, err := e.app.SearchVerifications(app.Actor{Username: "test", Roles: []app.Role{app.RoleViewer}}, app.VerificationQuery{Status: "valid", District: "110105", Page: page, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Items {
			if v.Requester.AgencyID == agent.AgencyID {
				return v.Code
			}
		}
		if page >= res.Pages {
			break
		}
	}
	t.Fatalf("the demo has no valid verification of agent.zhang's agency in 110105")
	return ""
}
