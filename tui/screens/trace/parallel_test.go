package trace

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/demo/simtraces"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
	"oncall/tui/kit"
	"oncall/tui/tuitest/fixture"
)

// TestOpenTraceFetchesTraceAndLogsAtOnce proves the two fetches run in
// parallel: each server holds its answer until both requests have
// arrived, so fetching one after the other could never finish.
func TestOpenTraceFetchesTraceAndLogsAtOnce(t *testing.T) {
	traces := simtraces.Demo(fixture.Now())
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
	fake.Push(map[string]string{"service_name": "api-gateway", "env": "prod"}, fixture.Now().Add(-11*time.Minute), `{"msg":"upstream request failed","trace_id":"`+id+`"}`, nil)
	lsrv := httptest.NewServer(barrier(fake, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/query_range") }))
	t.Cleanup(lsrv.Close)
	jc, err := jaeger.NewHTTP(jaeger.Config{URL: jsrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := loki.New(loki.Config{URL: lsrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, 120, 40, true, Options{Jaeger: jc, Loki: lc, TraceSelector: `{env="prod"}`})
	s := screenOf(t, d)

	cmd := s.Update(d.M, kit.OpenTraceMsg{TraceID: id})
	if cmd == nil {
		t.Fatal("opening a trace gave no command")
	}
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 || batch[0] == nil || batch[1] == nil {
		t.Fatalf("opening a trace gave %#v, want a batch of the two fetches", batch)
	}
	start := time.Now()
	d.Run(func() tea.Msg { return batch })
	d.Until("the trace and its logs", func() bool { return !s.loading && !s.logsLoading })
	if s.err != "" || s.logsErr != "" || s.wf == nil || len(s.logs) != 1 {
		t.Fatalf("trace err %q, logs err %q, %d log lines", s.err, s.logsErr, len(s.logs))
	}
	if arrived.Load() != 2 || time.Since(start) > 4*time.Second {
		t.Errorf("%d data requests, %s", arrived.Load(), time.Since(start))
	}
}
