// Package testenv starts real Prometheus, Alertmanager and Jaeger servers on
// free loopback ports for integration tests, and tears them down with the test.
//
// Every server is started by the test that needs it; nothing listens on a fixed
// port, so tests may run servers in parallel. Server output is kept in memory
// and printed only when the test fails. A missing server binary fails the test
// when CI=true and skips it otherwise.
package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// installHint tells how to get the server binary name.
func installHint(name string) string {
	switch name {
	case "prometheus", "promtool":
		return "install it with `apt-get install prometheus`"
	case "prometheus-alertmanager", "amtool":
		return "install it with `apt-get install prometheus-alertmanager`"
	case "jaeger":
		return "run `make tools` (or set $ONCALL_JAEGER_BIN)"
	default:
		return "install it and put it on $PATH"
	}
}

// Require returns the absolute path of the server binary name (looked up on
// $PATH, then in /usr/bin; "jaeger" is looked up like StartJaeger does). If it
// is missing, the test fails when $CI is "true" and is skipped otherwise, with
// a message saying how to install it.
func Require(t testing.TB, name string) string {
	t.Helper()
	var (
		path string
		err  error
	)
	if name == "jaeger" {
		path, err = jaegerBinary()
	} else {
		path, err = lookBinary(name)
	}
	if err != nil {
		missing(t, fmt.Sprintf("testenv: %s binary not found (%v); %s", name, err, installHint(name)))
		return ""
	}
	return path
}

// missing fails the test in CI and skips it elsewhere.
func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s", msg)
		return
	}
	t.Skipf("%s", msg)
}

// lookBinary finds an executable on $PATH or in /usr/bin and makes it absolute.
func lookBinary(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		candidate := filepath.Join("/usr/bin", name)
		if st, statErr := os.Stat(candidate); statErr == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return candidate, nil
		}
		return "", errors.New("not on $PATH nor in /usr/bin")
	}
	return filepath.Abs(path)
}

// jaegerBinary returns $ONCALL_JAEGER_BIN or <repo root>/.cache/bin/jaeger.
func jaegerBinary() (string, error) {
	path := os.Getenv("ONCALL_JAEGER_BIN")
	if path == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		path = filepath.Join(root, ".cache", "bin", "jaeger")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("no file at %s", abs)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", abs)
	}
	return abs, nil
}

// RepoRoot walks up from the working directory to the directory whose go.mod
// declares module "oncall" (falling back to the nearest go.mod).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot get working directory: %w", err)
	}
	nearest := ""
	for {
		data, readErr := os.ReadFile(filepath.Join(dir, "go.mod"))
		if readErr == nil {
			if nearest == "" {
				nearest = dir
			}
			if modulePath(data) == "oncall" {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if nearest != "" {
		return nearest, nil
	}
	return "", errors.New("no go.mod found above the working directory")
}

// modulePath extracts the module path from go.mod content.
func modulePath(gomod []byte) string {
	for _, line := range bytes.Split(gomod, []byte("\n")) {
		fields := strings.Fields(string(line))
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`)
		}
	}
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ports, err := freePorts(1, false)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return ports[0]
}

// freePorts returns n distinct free loopback ports. With udp set, each port is
// also free for UDP (memberlist gossip uses both on the same port).
func freePorts(n int, udp bool) ([]int, error) {
	var closers []func() error
	defer func() {
		for _, c := range closers {
			_ = c()
		}
	}()
	ports := make([]int, 0, n)
	for attempts := 0; len(ports) < n; attempts++ {
		if attempts > 50*n {
			return nil, errors.New("cannot find a free loopback port")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("cannot listen on loopback: %w", err)
		}
		closers = append(closers, l.Close)
		port := l.Addr().(*net.TCPAddr).Port
		if udp {
			pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				continue
			}
			closers = append(closers, pc.Close)
		}
		ports = append(ports, port)
	}
	return ports, nil
}

// WaitFor calls cond every 100ms until it returns true; if timeout passes
// first the test fails with msg.
func WaitFor(t testing.TB, timeout time.Duration, msg string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: timed out after %s: %s", timeout, msg)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
