package tui

import (
	"context"
	"slices"
	"strings"
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
	"oncall/sources/prometheus"
	"oncall/tui/kit"
	logscreen "oncall/tui/screens/logs"
	"oncall/tui/screens/trace"
	"oncall/tui/screens/traces"
)

// cursorRow is the plain screen's line under a cursor mark ("▌").
func cursorRow(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "▌") {
			return l
		}
	}
	return ""
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
	entries := []kit.Entry{
		logscreen.Entry(logscreen.Options{Client: lc, AlertSelector: `{service_name="{{ .Labels.service }}"}`}),
		trace.Entry(trace.Options{Jaeger: jc, Loki: lc, TraceSelector: `{env="prod"}`, UIURL: jg.URL()}),
	}
	cfg.Refresh = config.Duration(time.Hour)
	m, d := startLive(t, Deps{Config: cfg, AM: am, Prom: prom, Entries: entries}, Options{})
	d.until("every source to answer", 20*time.Second, func() bool {
		return allHealthy(m)
	})
	if a := m.Selected(); a == nil || a.Name() != "APIDown" {
		t.Fatalf("selected %v, want APIDown first", a)
	}

	d.key("l")
	ls := m.ScreenNamed(logscreen.Name).(*logscreen.Screen)
	d.until("the logs", 20*time.Second, func() bool { st := ls.State(); return st.Loaded && !st.Loading })
	d.key("[")
	if ls.State().TraceID == "" {
		t.Fatalf("[ did not reach a line with a trace id:\n%s", plain(m.Render()))
	}
	d.key("enter")
	tr := m.ScreenNamed(trace.Name).(*trace.Screen)
	d.until("the trace and its logs", 20*time.Second, func() bool {
		busy, logsBusy := tr.Loading()
		return m.Shown() == trace.Name && !busy && !logsBusy
	})
	spans, lines := tr.Size()
	if !slices.Contains(simlogs.TraceIDs(), tr.TraceID()) || spans == 0 || lines == 0 {
		te, le := tr.Errors()
		t.Fatalf("trace %s (logged: %v), %d spans, %d log lines, err %q/%q", tr.TraceID(), slices.Contains(simlogs.TraceIDs(), tr.TraceID()), spans, lines, te, le)
	}
	out := plain(m.Render())
	for _, want := range []string{"Trace " + tr.TraceID(), "api-gateway", "conectcrm-backend", "postgres", "Logs ", `request failed error="timeout acquiring connection`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q on the trace screen:\n%s", want, out)
		}
	}
	// The log line's span is selected; esc goes back to the logs.
	if row := cursorRow(out); !strings.Contains(row, simlogs.ServiceBackend) {
		t.Errorf("the cursor is on %q, want the backend span the log line named", row)
	}
	d.key("esc")
	if m.Shown() != logscreen.Name {
		t.Errorf("esc went to %q, want the logs", m.Shown())
	}
}

// TestTracesListOpensTheTrace: T lists the alert's error traces from a
// simulated Jaeger, enter opens the selected one in the trace screen (the
// two screens meet only through kit.OpenTraceMsg), esc comes back to the
// list.
func TestTracesListOpensTheTrace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	jg, err := simtraces.Start(ctx, "", simtraces.NewHandler(simtraces.Demo(fixedNow)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = jg.Close() })
	jc, err := jaeger.NewHTTP(jaeger.Config{URL: jg.URL()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	entries := []kit.Entry{trace.Entry(trace.Options{Jaeger: jc, UIURL: jg.URL()}), traces.Entry(traces.Options{Jaeger: jc})}
	dark, zero := true, time.Duration(0)
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }, Entries: entries}, Options{Dark: &dark, NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.SetData(uiFixture())
	d := newDriver(t, m)

	d.key("T")
	list := m.ScreenNamed(traces.Name).(*traces.Screen)
	d.until("the error traces", 10*time.Second, func() bool { return !list.Loading() && list.Len() > 0 })
	if e := list.Err(); e != "" {
		t.Fatalf("search failed: %s", e)
	}
	row := cursorRow(plain(m.Render()))
	d.key("enter")
	tr := m.ScreenNamed(trace.Name).(*trace.Screen)
	d.until("the trace", 10*time.Second, func() bool {
		busy, _ := tr.Loading()
		spans, _ := tr.Size()
		return m.Shown() == trace.Name && !busy && spans > 0
	})
	if id := tr.TraceID(); !strings.Contains(row, id[:16]) {
		t.Errorf("opened %s, the list's cursor was on %q", id, row)
	}
	d.key("esc")
	if m.Shown() != traces.Name {
		t.Errorf("esc went to %q, want the error-trace list", m.Shown())
	}
}
