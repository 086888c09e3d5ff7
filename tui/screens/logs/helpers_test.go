package logs

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// Trace ids of the logs fixture.
const (
	traceA = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceB = "0af7651916cd43dd8448eb211c80319c"
)

// testSelector shows the alert's service and its neighbours.
const testSelector = `{env="prod", service_name=~"{{ .Labels.service }}|api-gateway|postgres"}`

// now is the clock of the UI tests.
var now = fixture.Now()

// pushFixture pushes the incident's lines, relative to now.
func pushFixture(srv *lokitest.Server) {
	ls := func(svc, level string) map[string]string {
		return map[string]string{"service_name": svc, "env": "prod", "level": level}
	}
	push := func(ago time.Duration, svc, level, line string) {
		srv.Push(ls(svc, level), now.Add(-ago), line, nil)
	}
	push(16*time.Minute, "api-gateway", "info", `{"level":"info","msg":"request","method":"GET","path":"/api/v1/contacts","status":200,"duration_ms":23}`)
	push(14*time.Minute, "conectcrm-backend", "info", `{"level":"info","instance":"backend-1:3001","msg":"request completed","route":"/api/v1/deals","status":200,"duration_ms":41}`)
	push(12*time.Minute+10*time.Second, "conectcrm-backend", "error", `{"level":"error","instance":"backend-1:3001","msg":"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"}`)
	push(12*time.Minute, "conectcrm-backend", "error", `{"level":"error","instance":"backend-1:3001","msg":"process exited","code":134,"signal":"SIGABRT"}`)
	push(11*time.Minute, "postgres", "info", `{"error_severity":"LOG","message":"connection authorized: user=crm database=crm"}`)
	push(10*time.Minute, "api-gateway", "warn", `{"level":"warn","msg":"request","method":"POST","path":"/api/v1/deals","status":502,"duration_ms":5012}`)
	push(9*time.Minute+2*time.Second, "conectcrm-backend", "error", `{"level":"error","msg":"request failed","error":"timeout acquiring connection from pool after 5000ms","trace_id":"`+traceA+`","span_id":"00f067aa0ba902b7"}`)
	push(9*time.Minute, "api-gateway", "error", `{"level":"error","msg":"upstream request failed","status":500,"trace_id":"`+traceA+`","span_id":"b7ad6b7169203331"}`)
	push(7*time.Minute, "conectcrm-backend", "warn", `{"level":"warn","instance":"backend-2:3001","msg":"heap usage high","heap_used_mb":1874,"heap_limit_mb":2048}`)
	push(6*time.Minute, "postgres", "error", `{"error_severity":"FATAL","message":"remaining connection slots are reserved for non-replication superuser connections"}`)
	push(5*time.Minute, "conectcrm-backend", "error", "panic: runtime error: invalid memory address\n\tgoroutine 7 [running]")
	push(4*time.Minute, "api-gateway", "info", `{"level":"info","msg":"request","path":"/api/v1/contacts","status":200,"user_agent":"`+strings.Repeat("Mozilla/5.0 (X11; Linux x86_64) ", 8)+`END-OF-LONG-LINE"}`)
	push(2*time.Minute, "conectcrm-backend", "error", `{"level":"error","msg":"request failed","error":"canceling statement due to statement timeout","trace_id":"`+traceB+`"}`)
	push(30*time.Second, "conectcrm-backend", "debug", `{"level":"debug","msg":"pool stats","active":20,"idle":0,"waiting":151}`)
}

// fixtureLoki is a fake Loki holding the fixture's lines, closed when the
// test ends.
func fixtureLoki(t testing.TB) *lokitest.Server {
	t.Helper()
	srv := lokitest.New()
	t.Cleanup(srv.Close)
	pushFixture(srv)
	return srv
}

// fixtureLines is how many lines pushFixture pushes.
const fixtureLines = 14

// traceOpens records what the logs screen asks the trace screen to open:
// it stands in for the trace screen (tui/screens/trace tests that screen),
// registered under its name so the root routes kit.OpenTraceMsg to it.
type traceOpens struct{ got []kit.OpenTraceMsg }

func (r *traceOpens) entry() kit.Entry {
	return kit.Entry{Spec: kit.Spec{Name: kit.TraceScreen, Title: "Trace"}, New: func(kit.Host, *kit.Keymap) kit.Screen { return (*traceRecorder)(r) }}
}

type traceRecorder traceOpens

func (r *traceRecorder) Open(kit.Host, *alerts.Alert) tea.Cmd { return nil }
func (r *traceRecorder) HandleKey(kit.Host, tea.KeyPressMsg) (bool, tea.Cmd) {
	return false, nil
}
func (r *traceRecorder) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	if m, ok := msg.(kit.OpenTraceMsg); ok {
		r.got = append(r.got, m)
		h.Show(kit.TraceScreen)
	}
	return nil
}
func (r *traceRecorder) View(w, h int, _ *kit.Styles, _ time.Time) string {
	return kit.Box([]string{"trace " + r.last()}, w, h)
}
func (r *traceRecorder) Capturing() bool { return false }
func (r *traceRecorder) last() string {
	if len(r.got) == 0 {
		return ""
	}
	return r.got[len(r.got)-1].TraceID
}

// setup is one test's session: its size, background, options and config.
type setup struct {
	w, h   int
	dark   bool
	opts   Options
	trace  *traceOpens
	config func(*tuitest.Setup)
}

// start builds a session with the logs screen on srv (a fake Loki; nil
// when opts has a client) and returns its driver and screen.
func start(t testing.TB, srv *lokitest.Server, s setup) (*tuitest.Driver, *Screen) {
	t.Helper()
	o := s.opts
	if o.Client == nil && srv != nil {
		c, err := loki.New(loki.Config{URL: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		o.Client = c
	}
	if o.AlertSelector == "" {
		o.AlertSelector = testSelector
	}
	if s.w == 0 {
		s.w, s.h = 160, 48
	}
	ts := tuitest.Setup{Width: s.w, Height: s.h, Dark: s.dark, Entries: []kit.Entry{Entry(o)}}
	if s.trace != nil {
		ts.Entries = append(ts.Entries, s.trace.entry())
	}
	if s.config != nil {
		s.config(&ts)
	}
	d := tuitest.New(t, ts)
	return d, tuitest.ScreenAs[*Screen](t, d, Name)
}

// open opens the logs of the selected alert (APIDown) and waits for them.
func open(t testing.TB, d *tuitest.Driver, s *Screen) {
	t.Helper()
	d.Press("l").Until("the logs to load", func() bool { return !s.loading })
	if !s.loaded {
		t.Fatalf("logs did not load: err %q", s.err)
	}
}

// opened is a session (s) on a fake Loki holding the fixture's lines, with
// the logs of APIDown open.
func opened(t testing.TB, s setup) (*tuitest.Driver, *Screen) {
	t.Helper()
	d, scr := start(t, fixtureLoki(t), s)
	open(t, d, scr)
	return d, scr
}
