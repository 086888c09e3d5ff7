package trace

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
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

var trStart = fixture.Now().Add(-4 * time.Minute)

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

func trSources() (Options, *trJaeger, *trLoki) {
	j := &trJaeger{traces: map[string]*jaeger.Trace{trFixtureID: trFixtureTrace()}}
	l := &trLoki{entries: trFixtureLogs()}
	return Options{Jaeger: j, Loki: l, TraceSelector: `{env="prod"}`, UIURL: trUIURL}, j, l
}

// newDriver is a session at w×h with the trace screen on o (and more
// screens), on the UI tests' incident.
func newDriver(t testing.TB, w, h int, dark bool, o Options, more ...kit.Entry) *tuitest.Driver {
	t.Helper()
	return tuitest.New(t, tuitest.Setup{Width: w, Height: h, Dark: dark, Entries: append([]kit.Entry{Entry(o)}, more...)})
}

// screenOf is the driven session's trace screen.
func screenOf(t testing.TB, d *tuitest.Driver) *Screen {
	t.Helper()
	return tuitest.ScreenAs[*Screen](t, d, Name)
}

// trOpen opens the fixture trace as the logs screen does (kit.OpenTrace)
// and waits for it and its logs.
func trOpen(t testing.TB, d *tuitest.Driver, span string) *Screen {
	t.Helper()
	d.Run(kit.OpenTrace(trFixtureID, span, time.Time{}))
	s := screenOf(t, d)
	d.Until("the trace and its logs", func() bool { return !s.loading && !s.logsLoading })
	if d.M.Shown() != Name {
		t.Fatalf("trace screen not shown (shown %q)", d.M.Shown())
	}
	return s
}
