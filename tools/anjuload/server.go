package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// server is an `anju serve` child process.
type server struct {
	cmd  *exec.Cmd
	url  string
	exit chan error
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServer starts `bin serve --data dir --addr 127.0.0.1:PORT [extra...]`
// with its output going to log (nil: discarded).
func startServer(bin, dir string, log io.Writer, extra ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--data", dir, "--addr", addr}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, url: "http://" + addr, exit: make(chan error, 1)}
	go func() { s.exit <- cmd.Wait() }()
	return s, nil
}

// waitHealthy polls GET /healthz every 2ms until it answers 200 and returns
// the body of that answer.
func (s *server) waitHealthy(timeout time.Duration) (string, error) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exit:
			return "", fmt.Errorf("server exited before answering: %v", err)
		default:
		}
		resp, err := client.Get(s.url + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(body), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return "", fmt.Errorf("no 200 from %s/healthz within %s", s.url, timeout)
}

// stop sends SIGINT (as Ctrl+C does) and waits for the exit.
func (s *server) stop() (time.Duration, error) {
	start := time.Now()
	_ = s.cmd.Process.Signal(os.Interrupt)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	select {
	case err := <-s.exit:
		return time.Since(start), err
	case <-ctx.Done():
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exit
		return time.Since(start), fmt.Errorf("server did not stop within 30s; killed")
	}
}
