package e2e

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"oncall/internal/demo/sim"
)

// bandwidthFull runs the documented measurement (docs/performance.md):
// 120×40, refresh 10s, one full idle minute. The default is a scaled run:
// refresh 2s over 20s, judged per refresh against the same goal.
var bandwidthFull = flag.Bool("bandwidth.full", false, "measure a full idle minute at refresh 10s (slow)")

// Goals from docs/performance.md.
const (
	idleGoalPerMinute = 1024 // bytes per idle minute at refresh 10s
	changeGoal        = 2048 // bytes for a refresh in which one alert changes
)

// ptyRun is oncall running in a real pseudo-terminal; every byte it writes
// to the terminal is recorded.
type ptyRun struct {
	t   *testing.T
	f   *os.File
	cmd *exec.Cmd

	mu   sync.Mutex
	buf  bytes.Buffer
	last time.Time // time of the last write
	done chan struct{}
}

func startPty(t *testing.T, bin string, args, env []string, w, h int) *ptyRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)})
	if err != nil {
		t.Fatal(err)
	}
	p := &ptyRun{t: t, f: f, cmd: cmd, done: make(chan struct{}), last: time.Now()}
	go func() {
		defer close(p.done)
		b := make([]byte, 64*1024)
		for {
			n, err := f.Read(b)
			if n > 0 {
				p.mu.Lock()
				p.buf.Write(b[:n])
				p.last = time.Now()
				p.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		quitOrKill(f, cmd)
		<-p.done
	})
	return p
}

func (p *ptyRun) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.Len()
}

func (p *ptyRun) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// waitFor waits until the output holds s.
func (p *ptyRun) waitFor(s string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(p.output(), s) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("timed out waiting for %q; output tail: %q", s, tailOf(p.output(), 300))
}

// waitQuiet waits until nothing has been written for d.
func (p *ptyRun) waitQuiet(d, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		quiet := time.Since(p.last) >= d
		p.mu.Unlock()
		if quiet {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("output never went quiet for %s", d)
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// frozenSim starts the simulated incident on a clock that stands still, so
// nothing changes between refreshes unless the test changes it.
func frozenSim(t *testing.T) *sim.Backend {
	t.Helper()
	start := time.Now()
	b, err := sim.Start(context.Background(), sim.Options{Clock: func() time.Time { return start }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// oncallEnv is the environment of an oncall pointed at b with a config
// holding the given TOML.
func oncallEnv(t *testing.T, b *sim.Backend, toml string, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"ONCALL_CONFIG=" + cfg, "ONCALL_ALERTMANAGER_URL=" + b.Alertmanager.URL(), "ONCALL_PROMETHEUS_URL=" + b.Prometheus.URL(),
		"ONCALL_USER=bw@bastion", "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CONFIG_HOME=" + dir,
		"PATH=" + os.Getenv("PATH"),
	}
	return append(env, extra...)
}

// TestBandwidthOverPTY measures what oncall writes to a 120×40 terminal:
// the first frame, idle refreshes, and a refresh in which one alert changes
// (a silence is expired), and fails if idle output or the change exceed the
// goals. See docs/performance.md for the figures and how to reproduce them.
func TestBandwidthOverPTY(t *testing.T) {
	refresh, window := 2*time.Second, 20*time.Second
	if *bandwidthFull {
		refresh, window = 10*time.Second, time.Minute
	}
	bin := buildOncall(t)
	b := frozenSim(t)
	env := oncallEnv(t, b, fmt.Sprintf("refresh = %q\n[ui]\ntheme = \"dark\"\n", refresh), "TERM=xterm-256color")
	p := startPty(t, bin, nil, env, 120, 40)

	// (c) The first frame: everything until the screen has its data and
	// the output settles.
	p.waitFor("APIDown", 30*time.Second)
	p.waitQuiet(refresh/2, 30*time.Second)
	first := p.total()

	// (a) Idle: nothing changes on the servers for the whole window.
	mark := p.total()
	time.Sleep(window)
	idle := p.total() - mark
	refreshes := float64(window) / float64(refresh)
	perRefresh := float64(idle) / refreshes
	// A minute at the documented 10s refresh has 6 refreshes.
	perMinute := perRefresh * float64(time.Minute/(10*time.Second))

	// (b) One alert changes: expire the silence on LowTraffic, and count
	// what the next refresh writes.
	id := silenceOn(t, b, "LowTraffic")
	p.waitQuiet(refresh/4, 30*time.Second)
	mark = p.total()
	expire(t, b.Alertmanager.URL(), id)
	time.Sleep(refresh + refresh/2)
	change := p.total() - mark

	t.Logf("120x40, refresh %s: first frame %d B; idle %d B over %s (%.0f B/refresh, %.0f B/min at refresh 10s); one-alert change %d B",
		refresh, first, idle, window, perRefresh, perMinute, change)
	if perMinute >= idleGoalPerMinute {
		t.Errorf("idle output %.0f B/min at refresh 10s, goal < %d", perMinute, idleGoalPerMinute)
	}
	if change >= changeGoal {
		t.Errorf("one-alert change wrote %d B, goal < %d", change, changeGoal)
	}
	if !strings.Contains(p.output()[mark:], "firing") {
		t.Errorf("the change was not drawn: %q", tailOf(p.output(), 400))
	}
}

// silenceOn finds the active silence whose matchers name alertname.
func silenceOn(t *testing.T, b *sim.Backend, alertname string) string {
	t.Helper()
	for _, s := range b.Alertmanager.Silences() {
		if s.Status == nil || s.Status.State == nil || *s.Status.State != "active" {
			continue
		}
		for _, m := range s.Matchers {
			if m.Value != nil && *m.Value == alertname {
				return *s.ID
			}
		}
	}
	t.Fatalf("no active silence on %s", alertname)
	return ""
}

func expire(t *testing.T, amURL, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, amURL+"/api/v2/silence/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("expire silence %s: %s", id, resp.Status)
	}
}

// quitOrKill presses q in the pty, waits up to 5s for oncall to exit (then
// kills it), and closes the pty.
func quitOrKill(f *os.File, cmd *exec.Cmd) {
	_, _ = f.Write([]byte("q"))
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	f.Close()
}
