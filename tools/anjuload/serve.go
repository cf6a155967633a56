package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"anju/app"
	"anju/ui"
)

// runServe serves a data folder like `anju serve` does (the same App and
// ui handler, log lines in text format), plus net/http/pprof on a second
// address, so that a load run can be profiled or traced:
//
//	anjuload serve -data DIR -pprof 127.0.0.1:6061 &
//	curl -o cpu.prof 'http://127.0.0.1:6061/debug/pprof/profile?seconds=10'
//	curl -o trace.out 'http://127.0.0.1:6061/debug/pprof/trace?seconds=5'
//
// It writes DIR/anju.control (address and process ID, no control token)
// so that the other subcommands find it. It neither creates the first
// administrator nor loads demo data: start `anju serve --demo` once first.
// It is a measuring aid, not a way to run the platform.
func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	data := fs.String("data", "", "data folder (made by anju serve)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	pprofAddr := fs.String("pprof", "127.0.0.1:6061", "address of net/http/pprof")
	trustProxy := fs.Bool("trust-proxy", false, "as anju serve --trust-proxy")
	logPath := fs.String("log", "", "log file (default: standard error)")
	_ = fs.Parse(args)
	if *data == "" {
		return fmt.Errorf("-data is required")
	}
	logw := os.Stderr
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		logw = f
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.Open(app.Config{DataDir: *data, Logger: log, Version: "anjuload", NoIndexWait: true})
	if err != nil {
		return err
	}
	defer a.Close()
	handler, err := ui.New(a, ui.Config{Logger: log, TrustProxy: *trustProxy})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	psrv := &http.Server{Addr: *pprofAddr, Handler: mux}
	go func() {
		if err := psrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server", "err", err)
		}
	}()
	url := "http://" + ln.Addr().String()
	ctl, _ := json.Marshal(map[string]any{"url": url, "pid": os.Getpid()})
	ctlPath := filepath.Join(*data, "anju.control")
	if err := os.WriteFile(ctlPath, ctl, 0o600); err != nil {
		return err
	}
	defer os.Remove(ctlPath)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	fmt.Printf("serving %s at %s, pprof at http://%s/debug/pprof/\n", *data, url, *pprofAddr)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	_ = psrv.Shutdown(sctx)
	<-done
	return nil
}
