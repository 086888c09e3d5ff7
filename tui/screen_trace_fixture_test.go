package tui

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
)

// The trace of the trace-screen tests: a failing GET across api-gateway,
// conectcrm-backend and postgres, at fixed times.
const (
	trFixtureID = "4bf92f3577b34da6a3ce929d0e0e4736"
	trGw        = "a1b2c3d4e5f60001"
	trAuth      = "a1b2c3d4e5f60002"
	trBe        = "a1b2c3d4e5f60003"
	trRedis     = "a1b2c3d4e5f60004"
	trPg        = "a1b2c3d4e5f60005"
	trCatch     = "a1b2c3d4e5f60006"
	trUIURL     = "http://jaeger.example:16686"
)

var trStart = fixedNow.Add(-4 * time.Minute)

func trSpan(id, parent, service, op string, off, dur time.Duration, tags map[string]string) jaeger.Span {
	return jaeger.Span{TraceID: trFixtureID, SpanID: id, ParentSpanID: parent, Service: service, Operation: op,
		Start: trStart.Add(off), Duration: dur, Tags: tags}
}

func trFixtureTrace() *jaeger.Trace {
	ms := time.Millisecond
	gw := trSpan(trGw, "", "api-gateway", "GET /api/v1/contacts", 0, 5021*ms,
		map[string]string{"http.request.method": "GET", "http.response.status_code": "500", "otel.status_description": "upstream conectcrm-backend answered 500"})
	gw.Error, gw.Kind, gw.Status = true, "server", "ERROR"
	be := trSpan(trBe, trGw, "conectcrm-backend", "contacts.list", 3*ms, 5015*ms,
		map[string]string{"http.route": "/api/v1/contacts", "server.address": "backend-2:3001", "otel.status_description": "timeout acquiring connection from pool after 5000ms"})
	be.Error, be.Kind, be.Status = true, "server", "ERROR"
	be.Events = []jaeger.Event{{Time: trStart.Add(5016 * ms), Name: "exception", Attrs: map[string]string{"exception.type": "TimeoutError", "exception.message": "timeout acquiring connection from pool after 5000ms"}}}
	be.Process = map[string]string{"host.name": "backend-2"}
	pg := trSpan(trPg, trBe, "postgres", "SELECT id, name FROM crm.contacts WHERE account_id = $1", 5*ms, 5000*ms,
		map[string]string{"db.system": "postgresql", "otel.status_description": "canceling statement due to statement timeout"})
	pg.Error, pg.Kind, pg.Status = true, "client", "ERROR"
	return &jaeger.Trace{TraceID: trFixtureID, Spans: []jaeger.Span{
		gw,
		trSpan(trAuth, trGw, "api-gateway", "auth.verify_token", 400*time.Microsecond, 1200*time.Microsecond, map[string]string{"auth.method": "jwt"}),
		be,
		trSpan(trRedis, trBe, "conectcrm-backend", "GET", 3500*time.Microsecond, 900*time.Microsecond, map[string]string{"db.system": "redis"}),
		pg,
		trSpan(trCatch, trBe, "conectcrm-backend", "ErrorFilter.catch", 5016*ms, 1500*time.Microsecond, nil),
	}}
}

// trFixtureLogs are the trace's log lines, as Loki returns them (newest
// first, so the screen must sort them).
func trFixtureLogs() []loki.Entry {
	at := func(d time.Duration) time.Time { return trStart.Add(d) }
	line := func(svc, level string, t time.Time, text string) loki.Entry {
		return loki.Entry{Time: t, Line: text, Labels: map[string]string{"service_name": svc, "env": "prod", "level": level}}
	}
	return []loki.Entry{
		line("api-gateway", "error", at(5021*time.Millisecond), `{"level":"error","msg":"upstream request failed","status":500,"trace_id":"`+trFixtureID+`","span_id":"`+trGw+`"}`),
		line("conectcrm-backend", "error", at(5018*time.Millisecond), `{"level":"error","msg":"request failed","error":"timeout acquiring connection from pool after 5000ms","trace_id":"`+trFixtureID+`","span_id":"`+trBe+`"}`),
		line("postgres", "error", at(5005*time.Millisecond), `{"error_severity":"ERROR","message":"canceling statement due to statement timeout","statement":"SELECT 1 /*traceparent='00-`+trFixtureID+`-`+trPg+`-01'*/"}`),
		line("conectcrm-backend", "info", at(3*time.Millisecond), `{"level":"info","msg":"GET /api/v1/contacts","trace_id":"`+trFixtureID+`"}`),
	}
}

// trJaeger is a Jaeger client over fixed traces. gate, when set, holds
// every call until it is closed.
type trJaeger struct {
	mu      sync.Mutex
	traces  map[string]*jaeger.Trace
	found   []jaeger.TraceSummary
	err     error
	queries []jaeger.SearchQuery
	gets    []string
	gate    chan struct{}
}

func (j *trJaeger) wait(ctx context.Context) error {
	if j.gate == nil {
		return nil
	}
	select {
	case <-j.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (j *trJaeger) GetTrace(ctx context.Context, id string) (*jaeger.Trace, error) {
	if err := j.wait(ctx); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.gets = append(j.gets, id)
	if j.err != nil {
		return nil, j.err
	}
	if t := j.traces[id]; t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("trace %s %w", id, jaeger.ErrNotFound)
}

func (j *trJaeger) FindTraces(ctx context.Context, q jaeger.SearchQuery) ([]jaeger.TraceSummary, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.queries = append(j.queries, q)
	return j.found, j.err
}

func (j *trJaeger) Services(context.Context) ([]string, error)           { return nil, nil }
func (j *trJaeger) Operations(context.Context, string) ([]string, error) { return nil, nil }
func (j *trJaeger) Ping(context.Context) error                           { return nil }
func (j *trJaeger) Close() error                                         { return nil }

// trLoki is a Loki over fixed entries.
type trLoki struct {
	mu      sync.Mutex
	entries []loki.Entry
	err     error
	queries []loki.Query
}

func (l *trLoki) QueryRange(_ context.Context, q loki.Query) (*loki.Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries = append(l.queries, q)
	if l.err != nil {
		return nil, l.err
	}
	return &loki.Result{Type: "streams", Entries: l.entries}, nil
}

func (l *trLoki) Labels(context.Context, time.Time, time.Time) ([]string, error) {
	return []string{"env", "level", "service_name"}, nil
}

func trSources() (TraceSources, *trJaeger, *trLoki) {
	j := &trJaeger{traces: map[string]*jaeger.Trace{trFixtureID: trFixtureTrace()}}
	l := &trLoki{entries: trFixtureLogs()}
	return TraceSources{Jaeger: j, Loki: l, TraceSelector: `{env="prod"}`, UIURL: trUIURL}, j, l
}

// trModel is a test model with the trace screens on src.
func trModel(t testing.TB, w, h int, dark bool, src TraceSources) *Model {
	t.Helper()
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	zero := time.Duration(0)
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }, Screens: TraceScreens(src)},
		Options{Dark: &dark, NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.SetData(uiFixture())
	return m
}

// trRun runs a command the way the runtime does (batches concurrently)
// and feeds every resulting message back into the model, until no command
// is left. It returns the messages that were not routed to a screen.
func trRun(t testing.TB, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var other []tea.Msg
	for pending := []tea.Cmd{cmd}; len(pending) > 0; {
		msgs := trExec(pending)
		pending = nil
		for _, msg := range msgs {
			switch msg.(type) {
			case Routed:
				if _, next := m.Update(msg); next != nil {
					pending = append(pending, next)
				}
			case StatusMsg:
				m.Update(msg) // its command only expires the message
				other = append(other, msg)
			default:
				other = append(other, msg)
			}
		}
	}
	return other
}

// trExec runs commands concurrently, expanding batches, and collects
// their messages.
func trExec(cmds []tea.Cmd) []tea.Msg {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var out []tea.Msg
	var run func(c tea.Cmd)
	run = func(c tea.Cmd) {
		defer wg.Done()
		if c == nil {
			return
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, sub := range b {
				wg.Add(1)
				go run(sub)
			}
			return
		}
		if msg == nil {
			return
		}
		mu.Lock()
		out = append(out, msg)
		mu.Unlock()
	}
	for _, c := range cmds {
		wg.Add(1)
		go run(c)
	}
	wg.Wait()
	return out
}

// trOpen opens the fixture trace in the model, as the logs screen does.
func trOpen(t *testing.T, m *Model, span string) *TraceScreen {
	t.Helper()
	trRun(t, m, OpenTrace(m, trFixtureID, span))
	s, ok := m.ScreenByName(TraceScreenName).(*TraceScreen)
	if !ok || m.view != viewScreen || m.screen != TraceScreenName {
		t.Fatalf("trace screen not shown (view %d, screen %q)", m.view, m.screen)
	}
	return s
}
