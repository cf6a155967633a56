package ui

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gorilla/mux"
	"github.com/gorilla/sessions"

	"anju/app"
)

// Config is what the HTTP layer needs besides the App.
type Config struct {
	Logger *slog.Logger
	// TLS says the platform is served over HTTPS (directly or behind a
	// proxy that terminates TLS): cookies are then marked Secure.
	TLS bool
	// TrustProxy takes the client address from X-Forwarded-For / X-Real-IP;
	// only set it behind a reverse proxy.
	TrustProxy bool
	// ControlToken authorises the local CLI (anju backup) on /internal/;
	// empty disables the control endpoints.
	ControlToken string
	// RestoreCommand is how the backups page starts the restore command
	// it shows, ready to copy: as the platform's own account and with this
	// binary's path (main knows both). Empty: "anju restore".
	RestoreCommand string
}

// Server is the HTTP handler of all portals.
type Server struct {
	app     *app.App
	cfg     Config
	log     *slog.Logger
	router  *mux.Router
	handler http.Handler
	pages   *pages
	msgs    *catalog
	cookies *sessions.CookieStore
	limiter *rateLimiter
	// publicLimiter bounds public checks (a code, a filing, a party's
	// confirmation, an application) per client address; browseLimiter the
	// public pages read by sequential number (agencies, practitioners), on
	// an allowance of their own.
	publicLimiter *rateLimiter
	browseLimiter *rateLimiter
	assets        *assets
	// publicPages, shells and busyPages: public pages (public_cache.go).
	publicPages *publicPages
	shellMu     sync.RWMutex
	shells      map[string]*publicShell // name, language, rebuilding
	busyMu      sync.RWMutex
	busyPages   map[string]*busyPage // language, rebuilding, wait
	// apiReadTimeout overrides apiReadTimeout when set (tests).
	apiReadTimeout atomic.Int64
}

// New builds the router and parses every template; a missing template or
// message key is an error here, not on a user's screen.
func New(a *app.App, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{app: a, cfg: cfg, log: cfg.Logger}
	var err error
	if s.msgs, err = sharedCatalog(); err != nil {
		return nil, err
	}
	if s.assets, err = sharedAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s); err != nil {
		return nil, err
	}
	if err := s.checkParamMessages(); err != nil {
		return nil, err
	}
	key, err := a.Secret("ui.cookie")
	if err != nil {
		return nil, err
	}
	s.cookies = sessions.NewCookieStore(key)
	s.cookies.Options = &sessions.Options{Path: "/", HttpOnly: true, Secure: cfg.TLS, SameSite: http.SameSiteLaxMode}
	s.limiter = newRateLimiter(func() int { return a.ParamInt(app.ParamLoginRatePerMin) })
	s.publicLimiter = newRateLimiter(func() int { return a.ParamInt(app.ParamPublicRate) })
	s.browseLimiter = newRateLimiter(func() int { return a.ParamInt(app.ParamPublicBrowseRate) })
	s.routes()
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() {
	r := mux.NewRouter()
	r.StrictSlash(true)
	r.NotFoundHandler = http.HandlerFunc(s.handleNotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.handleMethodNotAllowed)
	s.router = r

	// The public check and the platform API first: they are the busiest
	// (every QR scan, every listing a platform publishes), and mux tries
	// the routes in the order they were added, a regular expression each.
	// The API sat behind some 150 routes: matching took 2% of the server's
	// CPU at 2,000 verifications/s (docs/benchmarks.md 4.23).
	// HEAD too: link checkers and chat apps ask before they show a link.
	r.HandleFunc("/v/{code}", s.handlePublicCheck).Methods("GET", "HEAD")
	s.registerAPIRoutes(r)
	r.HandleFunc("/healthz", s.handleHealth).Methods("GET")
	r.PathPrefix("/static/").Handler(s.assets).Methods("GET")
	r.HandleFunc("/lang", s.handleLang).Methods("POST")

	s.registerPublicRoutes(r)
	s.registerAuthRoutes(r)
	s.registerHomeRoutes(r)
	s.registerStatsRoutes(r) // stats.go
	s.registerUserRoutes(r)
	s.registerParamRoutes(r)
	s.registerDictRoutes(r)
	s.registerAuditRoutes(r)
	s.registerBackupRoutes(r)
	s.registerStatusRoutes(r)
	s.registerControlRoutes(r)
	s.registerVerificationRoutes(r)
	s.registerRegistryRoutes(r)
	s.registerAPIKeyRoutes(r)
	s.registerAgencyRoutes(r)
	s.registerPractitionerRoutes(r)
	s.registerPremisesRoutes(r)
	s.registerAgencyPortalRoutes(r)
	s.registerDirectoryRoutes(r)
	s.registerContractRoutes(r)
	s.registerContractPageRoutes(r)
	s.registerFilingRoutes(r)
	s.registerContractImportRoutes(r)
	s.registerCreditRoutes(r)     // ui/credit.go
	s.registerCreditRuleRoutes(r) // ui/credit_rules.go
	s.registerListRoutes(r)       // ui/credit_lists.go
	s.registerAnnouncementRoutes(r)

	var h http.Handler = r
	h = s.withSession(h)
	h = crossOrigin(h, s)
	h = securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.logRequests(h)
	h = withRequestID(h)
	s.handler = h
}

// checkParamMessages makes a parameter without its texts fail at start-up
// (and in every test) instead of on the settings page.
func (s *Server) checkParamMessages() error {
	for _, d := range app.ParamDefs() {
		keys := []string{"param." + d.Key, "param." + d.Key + ".help", "param_group." + d.Group}
		if d.Unit != "" {
			keys = append(keys, "unit."+d.Unit)
		}
		for _, o := range d.Options {
			keys = append(keys, "param."+d.Key+"."+o)
		}
		for _, k := range keys {
			if !s.msgs.has(k) {
				return fmt.Errorf("parameter %s: message %q missing", d.Key, k)
			}
		}
	}
	return nil
}
