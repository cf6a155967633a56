package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
)

// Config is the command-line configuration of a serving platform. Every
// flag has an environment variable; a flag given wins over the variable.
type Config struct {
	Addr         string
	DataDir      string
	Demo         bool
	TLSCert      string
	TLSKey       string
	SecureCookie bool
	TrustProxy   bool
	LogFormat    string
	LogLevel     string
	LogFile      string
}

func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

// boolEnvs are the environment variables read as booleans.
var boolEnvs = []string{"ANJU_DEMO", "ANJU_SECURE_COOKIES", "ANJU_TRUST_PROXY"}

// check refuses a configuration the platform would otherwise quietly
// replace with a default: ANJU_SECURE_COOKIES=yes read as false leaves
// cookies without Secure behind an HTTPS proxy, and a mistyped log level
// hides the messages the officer asked for.
func (c *Config) check() error {
	for _, name := range boolEnvs {
		if v := os.Getenv(name); v != "" {
			if _, err := strconv.ParseBool(v); err != nil {
				return fmt.Errorf("%s=%q: use true or false (or 1 or 0)", name, v)
			}
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("log level %q: use debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log format %q: use text or json", c.LogFormat)
	}
	return nil
}

// dataFlag registers --data alone, for commands that only need the folder.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", envString("ANJU_DATA", "data"), "data folder: the data file anju.db, the index and backups (env ANJU_DATA)")
}

// register adds the serve flags to fs.
func (c *Config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", envString("ANJU_ADDR", "localhost:8080"), "listen address; use :8080 to serve other machines (env ANJU_ADDR)")
	fs.StringVar(&c.DataDir, "data", envString("ANJU_DATA", "data"), "data folder: the data file anju.db, the index and backups (env ANJU_DATA)")
	fs.BoolVar(&c.Demo, "demo", envBool("ANJU_DEMO"), "load the demo district and demo accounts (env ANJU_DEMO)")
	fs.StringVar(&c.TLSCert, "tls-cert", envString("ANJU_TLS_CERT", ""), "serve HTTPS with this certificate file (env ANJU_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", envString("ANJU_TLS_KEY", ""), "private key of --tls-cert (env ANJU_TLS_KEY)")
	fs.BoolVar(&c.SecureCookie, "secure-cookies", envBool("ANJU_SECURE_COOKIES"), "mark cookies Secure: set it behind a reverse proxy that serves HTTPS (env ANJU_SECURE_COOKIES)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", envBool("ANJU_TRUST_PROXY"), "take client addresses from X-Forwarded-For; only behind a reverse proxy (env ANJU_TRUST_PROXY)")
	fs.StringVar(&c.LogFormat, "log-format", envString("ANJU_LOG_FORMAT", "text"), "log format: text or json (env ANJU_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", envString("ANJU_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env ANJU_LOG_LEVEL)")
	fs.StringVar(&c.LogFile, "log-file", envString("ANJU_LOG_FILE", ""), "also write the log and start-up messages to this file, rotated at 10 MiB, 5 old files kept; a Windows service writes DATA\\logs\\anju.log unless set (env ANJU_LOG_FILE)")
}

// logFilePath is where the log file goes: --log-file, or for a Windows
// service (which has no console: what it writes to standard error is lost)
// logs\anju.log in the data folder.
func (c *Config) logFilePath(service bool, goos string) string {
	if c.LogFile != "" || !service || goos != "windows" {
		return c.LogFile
	}
	return filepath.Join(c.DataDir, "logs", "anju.log")
}

// logger logs to w through a logBuffer; flush writes what it holds.
func (c *Config) logger(w io.Writer) (log *slog.Logger, flush func()) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	buf := &logBuffer{w: w}
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(buf, opts)
	}
	return slog.New(flushingHandler{h, buf}), buf.Flush
}
