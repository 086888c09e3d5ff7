package logview

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"oncall/internal/httpx"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
)

const backend = `{service_name="conectcrm-backend"}`

// crmLines pushes n JSON lines of the CRM backend, one in 50 an error and
// one in 50 a warning, the way the seed logs them; labels gives each
// line's stream labels.
func crmLines(srv *lokitest.Server, base time.Time, n int, labels func(level string) map[string]string) {
	for i := 0; i < n; i++ {
		level := "info"
		switch i % 50 {
		case 0:
			level = "error"
		case 25:
			level = "warn"
		}
		line := fmt.Sprintf(`{"ts":"x","level":"%s","msg":"request %d done","trace_id":"4bf92f3577b34da6a3ce929d0e0e%04d"}`, level, i, i%10000)
		srv.Push(labels(level), base.Add(time.Duration(i)*time.Millisecond), line, nil)
	}
}

func newPlanPair(t *testing.T, timeout time.Duration, opts ...lokitest.Option) (*lokitest.Server, *loki.Client) {
	t.Helper()
	srv := lokitest.New(opts...)
	t.Cleanup(srv.Close)
	c, err := loki.New(loki.Config{URL: srv.URL(), Client: httpx.ClientConfig{Timeout: timeout}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func levelCounts(rows []Row) (errs, warns, other int) {
	for _, r := range rows {
		switch r.Level {
		case LevelError:
			errs++
		case LevelWarn:
			warns++
		default:
			other++
		}
	}
	return
}

func TestErrorQueryUsesAStreamLabel(t *testing.T) {
	srv, c := newPlanPair(t, 2*time.Second)
	base := time.Now().Add(-10 * time.Minute)
	crmLines(srv, base, 3000, func(level string) map[string]string {
		return map[string]string{"service_name": "conectcrm-backend", "level": level}
	})
	p := NewPlanner(c, PlannerOptions{})
	plan, err := p.ErrorQuery(context.Background(), backend, base.Add(-time.Minute), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if plan.Source != FromStreamLabel || plan.Query != `{service_name="conectcrm-backend", level=~"error|warn"}` || plan.Cached {
		t.Fatalf("plan %+v", plan)
	}
	// the timing class: with a parser costing 2ms a line, the old form
	// (6s of parsing) cannot answer within the client's 2s; the new one
	// parses nothing and answers within it
	srv.SetCosts(lokitest.Costs{PerLineParsed: 2 * time.Millisecond})
	srv.ResetStats()
	old := Load{Query: WithErrorFilter(backend, true), Start: base.Add(-time.Minute), End: time.Now()}
	began := time.Now()
	_, err = old.Run(context.Background(), c, NewBuilder(nil, time.UTC))
	t.Logf("old form: %v after %s (%d lines to parse)", err, time.Since(began).Round(time.Millisecond), srv.Stats().LinesParsed)
	if !IsTimeout(err) {
		t.Fatalf("old form: %v, want a timeout", err)
	}
	if hint := SlowHint(old.Query, err); !strings.Contains(hint, "| json parses every line of "+backend+" before any filter") {
		t.Errorf("hint %q", hint)
	}
	srv.ResetStats()
	out, err := Load{Query: plan.Query, Start: base.Add(-time.Minute), End: time.Now()}.Run(context.Background(), c, NewBuilder(nil, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("new form %s: %d lines in %s (discovery %s)", plan.Query, len(out.Rows), out.Fetch.Elapsed.Round(time.Millisecond), plan.Discovery.Round(time.Millisecond))
	if e, w, o := levelCounts(out.Rows); e != 60 || w != 60 || o != 0 {
		t.Errorf("%d errors, %d warnings, %d others", e, w, o)
	}
	if st := srv.Stats(); st.LinesParsed != 0 || st.LinesScanned != 120 {
		t.Errorf("new form read %+v: only the error and warn streams' lines, no parser", st)
	}
	if out.Fetch.Query != plan.Query || out.Fetch.Elapsed <= 0 || out.Fetch.Requests != 1 || !strings.HasPrefix(out.Report()[0], "120 lines in ") {
		t.Errorf("report %v, fetch %+v", out.Report(), out.Fetch)
	}
}

func TestErrorQueryUsesDetectedLevelMetadata(t *testing.T) {
	srv, c := newPlanPair(t, 2*time.Second, lokitest.WithDiscoverLogLevels())
	base := time.Now().Add(-10 * time.Minute)
	crmLines(srv, base, 1000, func(string) map[string]string {
		return map[string]string{"service_name": "conectcrm-backend", "env": "prod"}
	})
	p := NewPlanner(c, PlannerOptions{})
	plan, err := p.ErrorQuery(context.Background(), backend+` != "healthz"`, base.Add(-time.Minute), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := `{service_name="conectcrm-backend"} | detected_level=~"` + ErrorLevels + `" != "healthz"`
	if plan.Source != FromMetadata || plan.Query != want {
		t.Fatalf("plan %+v\nwant %s", plan, want)
	}
	srv.ResetStats()
	out, err := Load{Query: plan.Query, Start: base.Add(-time.Minute), End: time.Now()}.Run(context.Background(), c, NewBuilder(nil, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if e, w, o := levelCounts(out.Rows); e != 20 || w != 20 || o != 0 {
		t.Errorf("%d errors, %d warnings, %d others", e, w, o)
	}
	if st := srv.Stats(); st.LinesParsed != 0 {
		t.Errorf("metadata filter parsed %d lines", st.LinesParsed)
	}
}

func TestErrorQueryFallsBackToALineFilter(t *testing.T) {
	srv, c := newPlanPair(t, 2*time.Second)
	base := time.Now().Add(-10 * time.Minute)
	api := map[string]string{"service_name": "conectcrm-backend"}
	// a level label on only some streams cannot select every error
	srv.Push(map[string]string{"service_name": "conectcrm-backend", "level": "info", "pod": "b"}, base, `level=info msg="fine"`, nil)
	srv.Push(api, base.Add(time.Second), `level=error msg="db down"`, nil)
	srv.Push(api, base.Add(2*time.Second), `level=info msg="retry after error"`, nil)
	srv.Push(api, base.Add(3*time.Second), `WARN disk almost full`, nil)
	srv.Push(api, base.Add(4*time.Second), `GET /users 200`, nil)
	p := NewPlanner(c, PlannerOptions{})
	plan, err := p.ErrorQuery(context.Background(), backend, base.Add(-time.Minute), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if plan.Source != FromLineFilter || plan.Query != backend+` |~ "(?i)(error|err|fatal|panic|crit|warn)"` {
		t.Fatalf("plan %+v", plan)
	}
	srv.ResetStats()
	out, err := Load{Query: plan.Query, Start: base.Add(-time.Minute), End: time.Now()}.Run(context.Background(), c, NewBuilder(nil, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for i := range out.Rows {
		if plan.Keep(&out.Rows[i]) {
			kept = append(kept, out.Rows[i].Line)
		}
	}
	if strings.Join(kept, " | ") != `level=error msg="db down" | WARN disk almost full` {
		t.Errorf("kept %q", kept)
	}
	if st := srv.Stats(); st.LinesParsed != 0 {
		t.Errorf("parsed %d lines", st.LinesParsed)
	}
}

func TestErrorQueryCachesPerSelector(t *testing.T) {
	srv, c := newPlanPair(t, 2*time.Second)
	base := time.Now().Add(-10 * time.Minute)
	for _, svc := range []string{"a", "b", "c"} {
		srv.Push(map[string]string{"service_name": svc, "level": "error"}, base, "x", nil)
	}
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	p := NewPlanner(c, PlannerOptions{TTL: time.Minute, Size: 2, Now: clock})
	ask := func(svc string) (ErrorPlan, int) {
		t.Helper()
		srv.ResetRequests()
		plan, err := p.ErrorQuery(context.Background(), `{service_name="`+svc+`"}`, base.Add(-time.Minute), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return plan, len(srv.Requests())
	}
	if plan, n := ask("a"); plan.Cached || n != 3 {
		t.Fatalf("first: cached %v after %d requests (labels, values, series)", plan.Cached, n)
	}
	if plan, n := ask("a"); !plan.Cached || n != 0 || plan.Query != `{service_name="a", level=~"error"}` {
		t.Fatalf("second: %+v after %d requests", plan, n)
	}
	advance(2 * time.Minute)
	if plan, n := ask("a"); plan.Cached || n != 3 {
		t.Fatalf("after the TTL: cached %v, %d requests", plan.Cached, n)
	}
	advance(time.Second)
	ask("b")
	advance(time.Second)
	ask("c") // evicts a, the oldest
	if plan, _ := ask("b"); !plan.Cached {
		t.Error("b evicted instead of a")
	}
	if plan, _ := ask("a"); plan.Cached {
		t.Error("a still cached beyond Size")
	}
	p.Forget()
	if plan, _ := ask("b"); plan.Cached {
		t.Error("Forget kept b")
	}
}

func TestErrorQueryErrors(t *testing.T) {
	srv, c := newPlanPair(t, 2*time.Second)
	p := NewPlanner(c, PlannerOptions{})
	if _, err := p.ErrorQuery(context.Background(), `sum(rate(x[5m]))`, time.Time{}, time.Time{}); err == nil || !strings.Contains(err.Error(), "no stream selector") {
		t.Errorf("no selector: %v", err)
	}
	srv.Inject(lokitest.Fault{Path: "/loki/api/v1/labels", Status: 401, Body: "no org id"})
	if _, err := p.ErrorQuery(context.Background(), backend, time.Time{}, time.Time{}); err == nil || !strings.Contains(err.Error(), "errors filter: loki: 401") {
		t.Errorf("discovery failure: %v", err)
	}
}
