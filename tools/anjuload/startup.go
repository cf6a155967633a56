package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// runStartup starts the binary N times on a fresh data folder (or, with
// -restart, on one folder prepared by an uncounted first start), measures the
// time until GET /healthz answers 200, and reads the process's memory right
// then and after a series of requests.
func runStartup(args []string) error {
	fs := flag.NewFlagSet("startup", flag.ExitOnError)
	bin := fs.String("bin", "/tmp/anju", "anju binary")
	n := fs.Int("n", 7, "number of starts")
	demo := fs.Bool("demo", false, "start with --demo")
	restart := fs.Bool("restart", false, "measure restarts of one existing data folder instead of first starts")
	requests := fs.Int("requests", 300, "GET requests after start (pages and /healthz); with -demo also 10 sign-ins and 10 signed-in pages")
	base := fs.String("dir", "", "parent of the data folders (default: a temp dir, removed at the end)")
	logPath := fs.String("log", "", "append the servers' output to this file")
	_ = fs.Parse(args)

	root := *base
	if root == "" {
		d, err := os.MkdirTemp("", "anjuload-startup-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		root = d
	}
	var log io.Writer = io.Discard
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		log = f
	}
	extra := []string{}
	if *demo {
		extra = append(extra, "--demo")
	}
	shared := filepath.Join(root, "data")
	if *restart {
		s, err := startServer(*bin, shared, log, extra...)
		if err != nil {
			return err
		}
		if _, err := s.waitHealthy(60 * time.Second); err != nil {
			return err
		}
		time.Sleep(time.Second) // let the first scheduled backup and the index settle
		if _, err := s.stop(); err != nil {
			return err
		}
	}

	var ready, stopT []time.Duration
	var rssReady, hwmReady, rssAfter, hwmAfter []int64
	fmt.Printf("%-4s %-10s %-28s %-46s %s\n", "run", "ready", "healthz", "memory at ready", "memory after requests")
	for i := range *n {
		dir := shared
		if !*restart {
			dir = filepath.Join(root, fmt.Sprintf("data%d", i))
		}
		t0 := time.Now()
		s, err := startServer(*bin, dir, log, extra...)
		if err != nil {
			return err
		}
		body, err := s.waitHealthy(60 * time.Second)
		d := time.Since(t0)
		if err != nil {
			s.stop()
			return err
		}
		m0, _ := readMem(s.cmd.Process.Pid)
		if err := exercise(s.url, *requests, *demo); err != nil {
			s.stop()
			return err
		}
		m1, _ := readMem(s.cmd.Process.Pid)
		st, err := s.stop()
		if err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		fmt.Printf("%-4d %-10s %-28q %-46s %s\n", i+1, ms(d), strings.TrimSpace(body), m0, m1)
		ready, stopT = append(ready, d), append(stopT, st)
		rssReady, hwmReady = append(rssReady, m0.RSS), append(hwmReady, m0.HWM)
		rssAfter, hwmAfter = append(rssAfter, m1.RSS), append(hwmAfter, m1.HWM)
		if !*restart {
			os.RemoveAll(dir)
		}
	}
	fmt.Println()
	fmt.Printf("time to first 200 on /healthz: %s\n", durSummary(ready))
	fmt.Printf("VmRSS at ready:                %s\n", kibSummary(rssReady))
	fmt.Printf("VmHWM at ready:                %s\n", kibSummary(hwmReady))
	fmt.Printf("VmRSS after requests:          %s\n", kibSummary(rssAfter))
	fmt.Printf("VmHWM after requests:          %s\n", kibSummary(hwmAfter))
	fmt.Printf("stop (SIGINT to exit):         %s\n", durSummary(stopT))
	return nil
}

func durSummary(d []time.Duration) string {
	s := sortDur(d)
	return fmt.Sprintf("median %s  min %s  max %s  (n=%d)", ms(s[len(s)/2]), ms(s[0]), ms(s[len(s)-1]), len(s))
}

func kibSummary(v []int64) string {
	s := append([]int64(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return fmt.Sprintf("median %s  min %s  max %s", mib(s[len(s)/2]), mib(s[0]), mib(s[len(s)-1]))
}

// exercise sends the requests of a visitor: public and sign-in pages and the
// health check; on a demo instance also sign-ins of the clerk and pages seen
// signed in.
func exercise(base string, n int, demo bool) error {
	client := &http.Client{Timeout: 10 * time.Second}
	paths := []string{"/healthz", "/", "/gov/login", "/agency/login"}
	for i := range n {
		if err := get(client, base+paths[i%len(paths)]); err != nil {
			return err
		}
	}
	if !demo {
		return nil
	}
	for range 10 {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Timeout: 10 * time.Second, Jar: jar}
		resp, err := c.PostForm(base+"/gov/login", url.Values{"username": {"clerk"}, "password": {"AnjuDemo2026"}})
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/gov/") || resp.Request.URL.Path == "/gov/login" {
			return fmt.Errorf("sign-in as clerk: %s, ended at %s", resp.Status, resp.Request.URL)
		}
		if err := get(c, base+"/gov/profile"); err != nil {
			return err
		}
	}
	return nil
}

func get(c *http.Client, u string) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}
