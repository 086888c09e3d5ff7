package wire_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/serve"
	"oncall/internal/testkit/testenv"
	"oncall/internal/wire"
	"oncall/tui"
	"oncall/tui/tuitest"
)

// proxy counts the requests for each API path prefix that pass through to
// target.
type proxy struct {
	srv              *httptest.Server
	alerts, silences atomic.Int64
	history          atomic.Int64 // Prometheus range queries of ALERTS
}

func countingProxy(t *testing.T, target string) *proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/alerts":
			p.alerts.Add(1)
		case "/api/v2/silences":
			p.silences.Add(1)
		case "/api/v1/query_range":
			// the client POSTs the form: read it, then hand the body on
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			if q := form.Get("query") + r.URL.Query().Get("query"); strings.Contains(q, `ALERTS{alertstate="firing"}`) {
				p.history.Add(1)
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// TestFiftySessionsShareOnePoll: `oncall serve` builds every session from
// wire.Sessions; fifty sessions watching the same context make one fetch
// per source per refresh interval, counted at a real Alertmanager.
func TestFiftySessionsShareOnePoll(t *testing.T) {
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	p := countingProxy(t, am.URL)
	cfg := sessionsConfig(t, config.Context{Alertmanager: config.Alertmanager{URLs: []string{p.srv.URL}}})
	const sessions = 50
	runSessions(t, cfg, sessions)
	time.Sleep(1500 * time.Millisecond) // every session subscribed, the first poll done
	start := p.alerts.Load()
	const window = 3500 * time.Millisecond
	time.Sleep(window)
	got := p.alerts.Load() - start
	polls := int64(window/time.Second) + 1
	t.Logf("%d sessions: %d alert fetches in %v (interval 1s); %d in all", sessions, got, window, p.alerts.Load())
	if got > polls || got < polls-2 {
		t.Fatalf("%d sessions made %d alert fetches in %v; want about %d (one per interval), not %d", sessions, got, window, polls, polls*sessions)
	}
}

// TestFiftySessionsShareOneHistory: the sessions' graph screens read the
// week's firing history through one cache: fifty sessions make one
// ALERTS range query, counted at a real Prometheus, not fifty.
func TestFiftySessionsShareOneHistory(t *testing.T) {
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules, AlertmanagerURLs: []string{am.URL}})
	p := countingProxy(t, prom.URL)
	cfg := sessionsConfig(t, config.Context{Alertmanager: config.Alertmanager{URLs: []string{am.URL}}, Prometheus: config.Prometheus{URL: p.srv.URL}})
	const sessions = 50
	runSessions(t, cfg, sessions)
	deadline := time.Now().Add(10 * time.Second)
	for p.history.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // every session has had its refreshes
	got := p.history.Load()
	t.Logf("%d sessions: %d ALERTS range queries", sessions, got)
	if got != 1 {
		t.Fatalf("%d sessions made %d firing-history queries; want 1 (shared)", sessions, got)
	}
}

// sessionsConfig is context prod for alice, refreshed every second.
func sessionsConfig(t *testing.T, prod config.Context) *config.Config {
	cfg := config.Defaults()
	cfg.Identity.User = "alice"
	cfg.CurrentContext = "prod"
	cfg.Refresh = config.Duration(time.Second)
	cfg.Journal.Path = t.TempDir() + "/journal.jsonl"
	cfg.Contexts["prod"] = &prod
	return cfg
}

// runSessions builds n viewer sessions as `oncall serve` does
// (wire.Sessions, one hub) and runs each model until the test ends.
func runSessions(t *testing.T, cfg *config.Config, n int) {
	t.Helper()
	build, hub, err := wire.Sessions(cfg, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	for i := range n {
		d, err := build(serve.Identity{User: fmt.Sprintf("op%d", i), Fingerprint: fmt.Sprintf("SHA256:%012d", i), Role: serve.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		m, err := tui.New(d, tui.Options{})
		if err != nil {
			t.Fatal(err)
		}
		runModel(t, m)
	}
}

// runModel runs a model as Bubble Tea's runtime does, without a terminal:
// commands in goroutines, messages through Update on one goroutine.
func runModel(t *testing.T, m *tui.Model) {
	done := make(chan struct{})
	msgs := make(chan tea.Msg, 256)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, x := range b {
					run(x)
				}
				return
			}
			if msg != nil {
				select {
				case msgs <- msg:
				case <-done:
				}
			}
		}()
	}
	go func() {
		for {
			select {
			case msg := <-msgs:
				_, c := m.Update(msg)
				run(c)
			case <-done:
				return
			}
		}
	}()
	msgs <- tea.WindowSizeMsg{Width: 80, Height: 24}
	run(m.Init())
	t.Cleanup(func() { close(done); m.Stop() })
}

// TestTenSlowClustersFillTheListWithin400ms: ten clusters whose sources
// each answer in 200 ms fill the list within 400 ms of the start: the
// fetches run side by side, bounded but not one cluster after another.
func TestTenSlowClustersFillTheListWithin400ms(t *testing.T) {
	cfg := config.Defaults()
	cfg.Identity.User = "alice"
	cfg.Refresh = config.Duration(time.Hour)
	cfg.Journal.Path = t.TempDir() + "/journal.jsonl"
	var names []string
	for i := range 10 {
		b, err := sim.Start(t.Context(), sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		b.Alertmanager.SetDelay(200 * time.Millisecond)
		b.Prometheus.SetDelay(200 * time.Millisecond)
		n := fmt.Sprintf("prod-%02d", i)
		names = append(names, n)
		cfg.Contexts[n] = &config.Context{
			Alertmanager: config.Alertmanager{URLs: []string{b.Alertmanager.URL()}},
			Prometheus:   config.Prometheus{URL: b.Prometheus.URL()},
		}
	}
	cfg.CurrentContext = names[0]
	cfg.Watching = names
	d, err := wire.Local(cfg, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	m, err := tui.New(d, tui.Options{})
	if err != nil {
		t.Fatal(err)
	}
	drv := tuitest.Drive(t, m, 160, 48)
	begin := time.Now()
	drv.Go(m.Init())
	drv.Until("every cluster's alerts", func() bool {
		seen := map[string]bool{}
		for _, a := range drv.M.Alerts() {
			seen[a.Cluster] = true
		}
		return len(seen) == 10
	})
	took := time.Since(begin)
	t.Logf("10 clusters at 200 ms a request: the list was filled in %v", took)
	limit := 400 * time.Millisecond
	if raceOn {
		limit = 1200 * time.Millisecond
	}
	if took > limit {
		t.Fatalf("filled in %v, want within %v", took, limit)
	}
}
