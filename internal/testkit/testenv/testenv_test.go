package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeTB records Fatalf/Skipf instead of ending the real test; other methods
// (TempDir, Cleanup, Logf...) go to the real test.
type fakeTB struct {
	testing.TB
	fatal string
	skip  string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runFake runs fn against a fakeTB wrapping t in its own goroutine
// (Fatalf/Skipf end that goroutine).
func runFake(t testing.TB, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

func TestRequireFindsBinary(t *testing.T) {
	path := Require(t, "sh")
	if !filepath.IsAbs(path) {
		t.Fatalf("Require returned relative path %q", path)
	}
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		t.Fatalf("Require returned %q which is not a file: %v", path, err)
	}
}

func TestRequireMissingFailsInCI(t *testing.T) {
	t.Setenv("CI", "true")
	f := runFake(t, func(tb testing.TB) { Require(tb, "oncall-no-such-server") })
	if f.fatal == "" || f.skip != "" {
		t.Fatalf("want Fatalf in CI, got fatal=%q skip=%q", f.fatal, f.skip)
	}
	if !strings.Contains(f.fatal, "oncall-no-such-server") {
		t.Errorf("message does not name the binary: %q", f.fatal)
	}
}

func TestRequireMissingSkipsLocally(t *testing.T) {
	t.Setenv("CI", "")
	f := runFake(t, func(tb testing.TB) { Require(tb, "prometheus-alertmanager-missing") })
	if f.skip == "" || f.fatal != "" {
		t.Fatalf("want Skipf outside CI, got fatal=%q skip=%q", f.fatal, f.skip)
	}
	if !strings.Contains(f.skip, "install") {
		t.Errorf("skip message does not say how to install: %q", f.skip)
	}
}

func TestStartJaegerMissingBinary(t *testing.T) {
	t.Setenv("ONCALL_JAEGER_BIN", filepath.Join(t.TempDir(), "jaeger"))
	t.Setenv("CI", "true")
	f := runFake(t, func(tb testing.TB) { StartJaeger(tb) })
	if f.fatal == "" || !strings.Contains(f.fatal, "make tools") {
		t.Fatalf("want Fatalf mentioning `make tools` in CI, got fatal=%q skip=%q", f.fatal, f.skip)
	}
	t.Setenv("CI", "false")
	f = runFake(t, func(tb testing.TB) { StartJaeger(tb) })
	if f.skip == "" || !strings.Contains(f.skip, "make tools") {
		t.Fatalf("want Skipf mentioning `make tools` locally, got fatal=%q skip=%q", f.fatal, f.skip)
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if got := modulePath(data); got != "oncall" {
		t.Fatalf("RepoRoot %s has module %q, want oncall", root, got)
	}
}

func TestFreePortIsBindable(t *testing.T) {
	port := FreePort(t)
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("FreePort returned %d which cannot be bound: %v", port, err)
	}
	_ = l.Close()
	ports, err := freePorts(5, true)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || seen[p] {
			t.Fatalf("freePorts returned invalid or duplicate port in %v", ports)
		}
		seen[p] = true
	}
}

func TestWaitFor(t *testing.T) {
	var calls atomic.Int32
	WaitFor(t, 5*time.Second, "third call", func() bool { return calls.Add(1) >= 3 })
	if got := calls.Load(); got != 3 {
		t.Fatalf("cond called %d times, want 3", got)
	}
	start := time.Now()
	f := runFake(t, func(tb testing.TB) {
		WaitFor(tb, 300*time.Millisecond, "never true", func() bool { return false })
	})
	if !strings.Contains(f.fatal, "never true") {
		t.Fatalf("want Fatalf naming the condition, got %q", f.fatal)
	}
	if elapsed := time.Since(start); elapsed < 300*time.Millisecond || elapsed > 3*time.Second {
		t.Fatalf("WaitFor gave up after %s, want about 300ms", elapsed)
	}
}

func TestPrometheusConfigRendering(t *testing.T) {
	cfg := prometheusConfig("127.0.0.1:9999", "/tmp/rules.yml", PrometheusOptions{
		AlertmanagerURLs:   []string{"http://127.0.0.1:1234/", "127.0.0.1:5678"},
		ExtraScrapeConfigs: "- job_name: extra\n  static_configs:\n    - targets: ['127.0.0.1:1']",
	})
	for _, want := range []string{
		"evaluation_interval: 1s", "api_version: v2", `- "127.0.0.1:1234"`, `- "127.0.0.1:5678"`,
		`- "/tmp/rules.yml"`, "  - job_name: extra\n    static_configs:\n      - targets: ['127.0.0.1:1']",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
}

func TestTailBufferKeepsLastBytes(t *testing.T) {
	var b tailBuffer
	_, _ = b.Write([]byte(strings.Repeat("x", maxLogBytes)))
	_, _ = b.Write([]byte("\nlast line\n"))
	out := b.String()
	if len(out) != maxLogBytes || !strings.HasSuffix(out, "last line\n") {
		t.Fatalf("kept %d bytes ending %q", len(out), out[len(out)-20:])
	}
	if got := b.lastLine(); got != "last line" {
		t.Fatalf("lastLine = %q", got)
	}
}

// postJSON POSTs body to url and decodes a 200 JSON answer into v.
func postJSON(url, body string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: status %d: %s", url, resp.StatusCode, out)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(out, v)
}
