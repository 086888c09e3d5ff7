package tui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simlogs"
	"oncall/internal/demo/simtraces"
	"oncall/sources/alertmanager"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
	"oncall/sources/prometheus"
)

// trDrive runs a command like the runtime does and applies every message
// to the model, until nothing but long timers (status expiry, refresh
// ticks) is left.
func trDrive(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	results := make(chan tea.Msg, 1024)
	inflight := 0
	start := func(c tea.Cmd) {
		if c == nil {
			return
		}
		inflight++
		go func() { results <- c() }()
	}
	start(cmd)
	deadline := time.After(30 * time.Second)
	for inflight > 0 {
		select {
		case msg := <-results:
			inflight--
			switch msg := msg.(type) {
			case nil:
			case tea.BatchMsg:
				for _, c := range msg {
					start(c)
				}
			default:
				_, next := m.Update(msg)
				start(next)
			}
		case <-time.After(1500 * time.Millisecond):
			return // only timers are left
		case <-deadline:
			t.Fatal("commands still running after 30s")
		}
	}
}

// TestDemoAlertToLogsToTraceInThreeKeys is the done-when check: in the
// demo, from an alert the trace of a failing request is three keystrokes
// away — l (its logs), [ (the newest line with a trace id), enter — against
// the demo's servers started here.
func TestDemoAlertToLogsToTraceInThreeKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, err := sim.Start(ctx, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	// Live lines (without trace ids) keep arriving, newer than the traced ones.
	logs, err := simlogs.Start(ctx, simlogs.Options{LiveEvery: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(logs.Close)
	jg, err := simtraces.Start(ctx, "", simtraces.NewHandler(simtraces.Demo(logs.Anchor)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = jg.Close() })
	time.Sleep(200 * time.Millisecond)

	am, err := alertmanager.New(alertmanager.Config{URLs: []string{b.Alertmanager.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	prom, err := prometheus.New(prometheus.Config{URL: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := loki.New(loki.Config{URL: logs.URL()})
	if err != nil {
		t.Fatal(err)
	}
	jc, err := jaeger.NewHTTP(jaeger.Config{URL: jg.URL()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.CurrentContext = "demo"
	screens := append([]ScreenSpec{LogsScreenSpec(LogsOptions{Client: lc, AlertSelector: `{service_name="{{ .Labels.service }}"}`})},
		TraceScreens(TraceSources{Jaeger: jc, Loki: lc, TraceSelector: `{env="prod"}`, UIURL: jg.URL()})...)
	dark, zero := true, time.Duration(0)
	m, err := New(Deps{Config: cfg, AM: am, Prom: prom, Screens: screens}, Options{Dark: &dark, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	trDrive(t, m, m.refresh())
	if a := m.Selected(); a == nil || a.Name() != "APIDown" {
		t.Fatalf("selected %v, want APIDown first", a)
	}

	for _, k := range []string{"l", "[", "enter"} {
		_, cmd := m.Update(keyMsg(k))
		trDrive(t, m, cmd)
		if ls, _ := m.ScreenByName(LogsScreenName).(*LogsScreen); k == "[" && (ls == nil || ls.row() == nil || ls.row().TraceID == "") {
			t.Fatalf("[ did not reach a line with a trace id:\n%s", plain(m.Render()))
		}
	}

	s, _ := m.ScreenByName(TraceScreenName).(*TraceScreen)
	if m.view != viewScreen || m.screen != TraceScreenName || s == nil {
		t.Fatalf("after l, [, enter: view %d screen %q, want the trace screen\n%s", m.view, m.screen, plain(m.Render()))
	}
	if !slices.Contains(simlogs.TraceIDs(), s.traceID) || s.wf == nil || len(s.logs) == 0 {
		t.Fatalf("trace %s (logged: %v), waterfall %v, %d log lines, err %q/%q", s.traceID, slices.Contains(simlogs.TraceIDs(), s.traceID), s.wf != nil, len(s.logs), s.err, s.logsErr)
	}
	out := plain(m.Render())
	for _, want := range []string{"Trace " + s.traceID, "api-gateway", "conectcrm-backend", "postgres", "Logs ", "request failed error=timeout acquiring connection"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q on the trace screen:\n%s", want, out)
		}
	}
	// The log line's span is selected; esc goes back to the logs.
	if sp := s.selectedSpan(); sp == nil || sp.Service != simlogs.ServiceBackend {
		t.Errorf("selected span %+v, want the backend span the log line named", sp)
	}
	m.Update(keyMsg("esc"))
	if m.screen != LogsScreenName {
		t.Errorf("esc went to %q, want the logs", m.screen)
	}
}

// TestOpenTraceFetchesTraceAndLogsAtOnce proves the two fetches run in
// parallel: each server holds its answer until both requests have
// arrived, so fetching one after the other could never finish.
func TestOpenTraceFetchesTraceAndLogsAtOnce(t *testing.T) {
	traces := simtraces.Demo(fixedNow)
	id := traces[0].TraceID
	var arrived atomic.Int32
	both := make(chan struct{})
	barrier := func(next http.Handler, data func(*http.Request) bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if data(r) {
				if arrived.Add(1) == 2 {
					close(both)
				}
				select {
				case <-both:
				case <-time.After(5 * time.Second):
					http.Error(w, "the other fetch never started", http.StatusServiceUnavailable)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	jsrv := httptest.NewServer(barrier(simtraces.NewHandler(traces), func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/v3/traces/") }))
	t.Cleanup(jsrv.Close)
	fake := lokitest.NewHandler()
	fake.Push(map[string]string{"service_name": "api-gateway", "env": "prod"}, fixedNow.Add(-11*time.Minute), `{"msg":"upstream request failed","trace_id":"`+id+`"}`, nil)
	lsrv := httptest.NewServer(barrier(fake, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/query_range") }))
	t.Cleanup(lsrv.Close)
	jc, _ := jaeger.NewHTTP(jaeger.Config{URL: jsrv.URL})
	lc, _ := loki.New(loki.Config{URL: lsrv.URL})
	m := trModel(t, 120, 40, true, TraceSources{Jaeger: jc, Loki: lc, TraceSelector: `{env="prod"}`})

	msg := OpenTrace(m, id, "")()
	batch, ok := msg.(tea.BatchMsg)
	if !ok || len(batch) != 2 || batch[0] == nil || batch[1] == nil {
		t.Fatalf("OpenTrace gave %T %v, want a batch of the two fetches", msg, msg)
	}
	start := time.Now()
	for _, reply := range trExec([]tea.Cmd{batch[0], batch[1]}) {
		m.Update(reply)
	}
	s := m.ScreenByName(TraceScreenName).(*TraceScreen)
	if s.err != "" || s.logsErr != "" || s.wf == nil || len(s.logs) != 1 {
		t.Fatalf("trace err %q, logs err %q, %d log lines", s.err, s.logsErr, len(s.logs))
	}
	if arrived.Load() != 2 || time.Since(start) > 4*time.Second {
		t.Errorf("%d data requests, %s", arrived.Load(), time.Since(start))
	}
}
