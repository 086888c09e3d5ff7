package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
	"oncall/tui/kit"
	"oncall/tui/screens/trace"
)

// Trace ids of the logs fixture.
const (
	logsTraceA = "4bf92f3577b34da6a3ce929d0e0e4736"
	logsTraceB = "0af7651916cd43dd8448eb211c80319c"
)

// logsSelector shows the alert's service and its neighbours.
const logsSelector = `{env="prod", service_name=~"{{ .Labels.service }}|api-gateway|postgres"}`

// logsFixture pushes the incident's lines, relative to fixedNow.
func logsFixture(srv *lokitest.Server) {
	ls := func(svc, level string) map[string]string {
		return map[string]string{"service_name": svc, "env": "prod", "level": level}
	}
	push := func(ago time.Duration, svc, level, line string) {
		srv.Push(ls(svc, level), fixedNow.Add(-ago), line, nil)
	}
	push(16*time.Minute, "api-gateway", "info", `{"level":"info","msg":"request","method":"GET","path":"/api/v1/contacts","status":200,"duration_ms":23}`)
	push(14*time.Minute, "conectcrm-backend", "info", `{"level":"info","instance":"backend-1:3001","msg":"request completed","route":"/api/v1/deals","status":200,"duration_ms":41}`)
	push(12*time.Minute+10*time.Second, "conectcrm-backend", "error", `{"level":"error","instance":"backend-1:3001","msg":"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"}`)
	push(12*time.Minute, "conectcrm-backend", "error", `{"level":"error","instance":"backend-1:3001","msg":"process exited","code":134,"signal":"SIGABRT"}`)
	push(11*time.Minute, "postgres", "info", `{"error_severity":"LOG","message":"connection authorized: user=crm database=crm"}`)
	push(10*time.Minute, "api-gateway", "warn", `{"level":"warn","msg":"request","method":"POST","path":"/api/v1/deals","status":502,"duration_ms":5012}`)
	push(9*time.Minute+2*time.Second, "conectcrm-backend", "error", `{"level":"error","msg":"request failed","error":"timeout acquiring connection from pool after 5000ms","trace_id":"`+logsTraceA+`","span_id":"00f067aa0ba902b7"}`)
	push(9*time.Minute, "api-gateway", "error", `{"level":"error","msg":"upstream request failed","status":500,"trace_id":"`+logsTraceA+`","span_id":"b7ad6b7169203331"}`)
	push(7*time.Minute, "conectcrm-backend", "warn", `{"level":"warn","instance":"backend-2:3001","msg":"heap usage high","heap_used_mb":1874,"heap_limit_mb":2048}`)
	push(6*time.Minute, "postgres", "error", `{"error_severity":"FATAL","message":"remaining connection slots are reserved for non-replication superuser connections"}`)
	push(5*time.Minute, "conectcrm-backend", "error", "panic: runtime error: invalid memory address\n\tgoroutine 7 [running]")
	push(4*time.Minute, "api-gateway", "info", `{"level":"info","msg":"request","path":"/api/v1/contacts","status":200,"user_agent":"`+strings.Repeat("Mozilla/5.0 (X11; Linux x86_64) ", 8)+`END-OF-LONG-LINE"}`)
	push(2*time.Minute, "conectcrm-backend", "error", `{"level":"error","msg":"request failed","error":"canceling statement due to statement timeout","trace_id":"`+logsTraceB+`"}`)
	push(30*time.Second, "conectcrm-backend", "debug", `{"level":"debug","msg":"pool stats","active":20,"idle":0,"waiting":151}`)
}

// logsFixtureLines is how many lines logsFixture pushes.
const logsFixtureLines = 14

// newLogsModel is a test model with the logs screen on a fake Loki (and
// the trace screen on a Jaeger that is never called).
func newLogsModel(t testing.TB, w, h int, dark bool, srv *lokitest.Server, o LogsOptions) (*Model, *LogsScreen) {
	t.Helper()
	if o.Client == nil && srv != nil {
		c, err := loki.New(loki.Config{URL: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		o.Client = c
	}
	if o.AlertSelector == "" {
		o.AlertSelector = logsSelector
	}
	jc, err := jaeger.New(jaeger.Config{URL: "http://127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	zero := time.Duration(0)
	screens := []ScreenSpec{LogsScreenSpec(o)}
	entries := []kit.Entry{trace.Entry(trace.Options{Jaeger: jc})}
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }, Screens: screens, Entries: entries}, Options{Dark: &dark, NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.SetData(uiFixture())
	return m, m.ScreenByName(LogsScreenName).(*LogsScreen)
}

// logsRun runs a command as the runtime would and feeds the logs screen's
// replies back, running what they return up to depth levels deep. It
// returns the status messages seen. Other messages are dropped, and so are
// commands that do not answer within five seconds.
func logsRun(t testing.TB, m *Model, cmd tea.Cmd, depth int) []StatusMsg {
	t.Helper()
	if cmd == nil || depth < 0 {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(5 * time.Second):
		return nil
	}
	var out []StatusMsg
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			out = append(out, logsRun(t, m, c, depth)...)
		}
	case StatusMsg:
		out = append(out, msg)
	case Routed:
		if msg.Screen() == LogsScreenName {
			_, next := m.Update(msg)
			out = append(out, logsRun(t, m, next, depth-1)...)
		}
	}
	return out
}

// logsPress sends one key through the root and runs what it returns
// (except while the search box is open: its commands only blink the
// cursor).
func logsPress(t testing.TB, m *Model, key string) []StatusMsg {
	t.Helper()
	_, cmd := m.Update(keyMsg(key))
	if s := m.ScreenByName(LogsScreenName); s != nil && s.Capturing() {
		return nil
	}
	return logsRun(t, m, cmd, 1)
}

// logsOpen opens the logs of the selected alert (APIDown) and loads them.
func logsOpen(t testing.TB, m *Model, s *LogsScreen) {
	t.Helper()
	logsPress(t, m, "l")
	if s.loading || !s.loaded {
		t.Fatalf("logs did not load: err %q", s.err)
	}
}

// screenText is the rendered screen without styling.
func screenText(m *Model) string { return plain(m.Render()) }
