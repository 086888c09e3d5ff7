// Package e2e drives the built oncall binary in tmux against real servers,
// the way an operator would: send keys, read the screen.
package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/testkit/testenv"
)

// buildOncall compiles the binary once per test into a temp dir.
func buildOncall(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "oncall")
	// Built as .goreleaser.yaml builds the release: static, trimmed paths,
	// no symbol table, so start-up and output are measured on what ships.
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/oncall")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type tmux struct {
	t       *testing.T
	bin     string
	socket  string
	session string
}

func startTmux(t *testing.T, w, h int, env []string, command string) *tmux {
	t.Helper()
	bin := testenv.Require(t, "tmux")
	x := &tmux{t: t, bin: bin, socket: filepath.Join(t.TempDir(), "tmux.sock"), session: "oncall"}
	args := []string{"-S", x.socket, "-f", "/dev/null", "new-session", "-d", "-s", x.session, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, command)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command(bin, "-S", x.socket, "kill-server").Run() }) //nolint:errcheck
	return x
}

func (x *tmux) keys(keys ...string) {
	x.t.Helper()
	args := append([]string{"-S", x.socket, "send-keys", "-t", x.session}, keys...)
	if out, err := exec.Command(x.bin, args...).CombinedOutput(); err != nil {
		x.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

func (x *tmux) screen() string {
	out, err := exec.Command(x.bin, "-S", x.socket, "capture-pane", "-p", "-t", x.session).CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitScreen polls the screen until cond holds.
func (x *tmux) waitScreen(timeout time.Duration, what string, cond func(string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(timeout)
	var s string
	for time.Now().Before(deadline) {
		if s = x.screen(); cond(s) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	x.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
	return ""
}

// TestTmuxAckAgainstRealServers: the alert appears, `a` acks it, the ack is
// visible on screen and in Alertmanager's own API.
func TestTmuxAckAgainstRealServers(t *testing.T) {
	bin := buildOncall(t)
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules, AlertmanagerURLs: []string{am.URL}})
	_ = prom
	testenv.WaitFor(t, 30*time.Second, "TestAPIDown in Alertmanager", func() bool {
		return strings.Contains(get(t, am.URL+"/api/v2/alerts"), "TestAPIDown")
	})
	state := t.TempDir()
	env := []string{
		"ONCALL_ALERTMANAGER_URL=" + am.URL, "ONCALL_PROMETHEUS_URL=" + prom.URL, "ONCALL_USER=e2e@bastion",
		"XDG_STATE_HOME=" + state, "XDG_CONFIG_HOME=" + t.TempDir(), "TERM=xterm-256color", "HOME=" + t.TempDir(),
	}
	x := startTmux(t, 160, 48, env, bin)
	x.waitScreen(20*time.Second, "the firing alert", func(s string) bool { return strings.Contains(s, "TestAPIDown") && strings.Contains(s, "firing") })
	// The cursor starts on the most urgent alert: critical TestAPIDown.
	x.waitScreen(5*time.Second, "TestAPIDown selected", func(s string) bool { return strings.Contains(s, "▌ CRIT  firing") })
	x.keys("a")
	s := x.waitScreen(20*time.Second, "the ack on screen", func(s string) bool { return strings.Contains(s, "acked e2e@bastion") })
	if !strings.Contains(s, "TestAPIDown") {
		t.Fatalf("ack not on TestAPIDown:\n%s", s)
	}
	var sils []struct {
		CreatedBy string                 `json:"createdBy"`
		Comment   string                 `json:"comment"`
		Status    struct{ State string } `json:"status"`
	}
	if err := json.Unmarshal([]byte(get(t, am.URL+"/api/v2/silences")), &sils); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, si := range sils {
		if si.Status.State == "active" && si.CreatedBy == "e2e@bastion" && strings.HasPrefix(si.Comment, "ACK! e2e@bastion:") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("want exactly one ACK! silence by e2e@bastion, got %d: %+v", n, sils)
	}
	x.keys("q")
	journal, err := os.ReadFile(filepath.Join(state, "oncall", "journal.jsonl"))
	if err != nil || !strings.Contains(string(journal), `"action":"ack"`) {
		t.Fatalf("ack not journaled: %v %s", err, journal)
	}
}

// TestTmuxNoColor80x24 checks the narrow layout with NO_COLOR: tabs, no
// colour escape sequences on the screen.
func TestTmuxNoColor80x24(t *testing.T) {
	bin := buildOncall(t)
	env := []string{"NO_COLOR=1", "TERM=screen-256color", "XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "HOME=" + t.TempDir()}
	x := startTmux(t, 80, 24, env, bin+" demo")
	s := x.waitScreen(20*time.Second, "the demo alerts", func(s string) bool { return strings.Contains(s, "APIDown") })
	if !strings.Contains(s, "Alerts  Detail  Silences") {
		t.Fatalf("no tabs at 80x24:\n%s", s)
	}
	out, err := exec.Command(x.bin, "-S", x.socket, "capture-pane", "-p", "-e", "-t", x.session).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, sgr := range []string{"[38;", "[48;", "[31m", "[91m"} {
		if strings.Contains(string(out), sgr) {
			t.Fatalf("NO_COLOR screen holds colour sequence %q", sgr)
		}
	}
	x.keys("q")
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
