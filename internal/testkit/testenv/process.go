package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// readyTimeout bounds how long a server may take to become ready.
	readyTimeout = 60 * time.Second
	// stopTimeout bounds a graceful stop before the process is killed.
	stopTimeout = 5 * time.Second
	// maxLogBytes is how much of a server's output is kept for failure reports.
	maxLogBytes = 256 << 10
	// startAttempts is how often a start is retried when a port was taken.
	startAttempts = 3
)

// errPortInUse marks a start that failed because a chosen port was taken
// between choosing it and the server binding it.
var errPortInUse = errors.New("port already in use")

// tailBuffer is a goroutine-safe writer that keeps the last maxLogBytes bytes.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

// Write appends p, dropping the oldest bytes beyond maxLogBytes.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - maxLogBytes; over > 0 {
		b.buf = append(b.buf[:0:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns the kept output.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// lastLine returns the last non-empty line of the kept output.
func (b *tailBuffer) lastLine() string {
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// process is one running server binary.
type process struct {
	name string
	cmd  *exec.Cmd
	logs *tailBuffer
	done chan struct{}
	err  error // set before done is closed
}

// startProcess starts bin with args in dir, capturing stdout and stderr.
func startProcess(name, bin, dir string, args []string) (*process, error) {
	p := &process{name: name, logs: &tailBuffer{}, done: make(chan struct{})}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = p.logs
	cmd.Stderr = p.logs
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p.cmd = cmd
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to end. Safe to call twice.
func (p *process) kill() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop sends SIGTERM, waits up to stopTimeout, then kills.
func (p *process) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.kill()
	}
}

// exitError describes why the process ended, naming the cause from its output.
func (p *process) exitError() error {
	for _, line := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(line, "address already in use") {
			return fmt.Errorf("%s exited: %w: %s", p.name, errPortInUse, strings.TrimSpace(line))
		}
	}
	state := "exited"
	if p.err != nil {
		state = p.err.Error()
	}
	if last := p.logs.lastLine(); last != "" {
		return fmt.Errorf("%s %s: %s", p.name, state, last)
	}
	return fmt.Errorf("%s %s with no output", p.name, state)
}

// waitReady polls url until it answers 200 and every address in dial accepts
// TCP connections, the process dies or timeout passes.
func (p *process) waitReady(url string, dial []string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		if p.exited() {
			return p.exitError()
		}
		lastErr = probe(client, url)
		for _, addr := range dial {
			if lastErr != nil {
				break
			}
			lastErr = probeTCP(addr)
		}
		if lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %v", p.name, timeout, lastErr)
		}
		select {
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// probe does one GET of url and wants a 200.
func probe(client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), client.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// probeTCP checks that addr accepts a TCP connection.
func probeTCP(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

// launch describes one start attempt: arguments, the URL that must answer 200
// and addresses that must accept connections before the server counts as ready.
type launch struct {
	args     []string
	readyURL string
	dial     []string
}

// runServer starts a server, retrying with fresh ports (prepare is called per
// attempt) when a port was taken. The process is stopped on t.Cleanup and its
// output is logged if the test failed.
func runServer(t testing.TB, name, bin, dir string, prepare func() (launch, error)) *process {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < startAttempts; attempt++ {
		l, err := prepare()
		if err != nil {
			t.Fatalf("testenv: cannot prepare %s: %v", name, err)
			return nil
		}
		p, err := startProcess(name, bin, dir, l.args)
		if err != nil {
			t.Fatalf("testenv: %v", err)
			return nil
		}
		t.Cleanup(func() {
			p.stop()
			if t.Failed() {
				t.Logf("testenv: %s output (%s %s):\n%s", name, bin, strings.Join(l.args, " "), p.logs.String())
			}
		})
		err = p.waitReady(l.readyURL, l.dial, readyTimeout)
		if err == nil {
			return p
		}
		p.kill()
		lastErr = err
		if !errors.Is(err, errPortInUse) {
			break
		}
	}
	t.Fatalf("testenv: cannot start %s: %v", name, lastErr)
	return nil
}

// getJSON GETs url and decodes a 200 JSON answer into v.
func getJSON(url string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

// writeFile writes content to path, failing the test on error.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("testenv: cannot write %s: %v", path, err)
	}
}
