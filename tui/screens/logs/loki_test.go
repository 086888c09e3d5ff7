package logs

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/logview"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
	"oncall/tui/tuitest"
)

// tooManyClients is the log-based rule (issue 17).
const tooManyClients = `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "too many clients" [1m])) > 5`

// logAlertSession shows one pending alert of Loki's ruler (rule expr,
// alert labels), ruled by expr, with the fixture's lines and a few more
// in srv.
func logAlertSession(t *testing.T, srv *lokitest.Server, o Options, expr string, labels map[string]string) (*tuitest.Driver, *Screen) {
	t.Helper()
	d, s := start(t, srv, setup{dark: true, opts: o, config: func(ts *tuitest.Setup) { ts.NoData = true }})
	ls := model.LabelSet{}
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	rule := v1.AlertingRule{Name: labels["alertname"], Query: expr, Duration: 60, Labels: model.LabelSet{"severity": "warning"},
		Annotations: model.LabelSet{"summary": "too many clients"}, Health: v1.RuleHealthGood}
	d.M.SetClusterData("prod", alerts.Inputs{
		RulerAlerts: []v1.Alert{{Labels: ls, State: v1.AlertStatePending, ActiveAt: now.Add(-2 * time.Minute)}},
		RulerRules:  map[string][]v1.AlertingRule{labels["alertname"]: {rule}},
	})
	d.Settle()
	if a := d.M.Selected(); a == nil || !logview.IsLogAlert(a) {
		t.Fatalf("the pending log-based alert is not selected: %+v", a)
	}
	d.Press("l").Until("the logs to load", func() bool { return !s.loading })
	return d, s
}

func pushTooManyClients(srv *lokitest.Server) {
	be := map[string]string{"service_name": "conectcrm-backend", "env": "prod", "level": "error"}
	srv.Push(be, now.Add(-3*time.Minute), `{"level":"error","msg":"request failed","error":"sorry, too many clients already"}`, nil)
	srv.Push(be, now.Add(-100*time.Second), `{"level":"error","msg":"request failed","error":"sorry, too many clients already"}`, nil)
	srv.Push(map[string]string{"service_name": "postgres", "env": "prod", "level": "error"}, now.Add(-90*time.Second), `{"error_severity":"FATAL","message":"sorry, too many clients already"}`, nil)
	srv.Push(be, now.Add(-20*time.Minute), `{"level":"error","msg":"request failed","error":"sorry, too many clients already (before the window)"}`, nil)
}

// l on a log-based alert opens the lines that fired it; W widens to the
// service's whole log and back (issue 17).
func TestLogAlertOpensTheLinesThatFiredIt(t *testing.T) {
	srv := fixtureLoki(t)
	pushTooManyClients(srv)
	d, s := logAlertSession(t, srv, Options{}, tooManyClients, map[string]string{"alertname": "DatabaseTooManyClients", "service_name": "conectcrm-backend"})
	const want = `{service_name="conectcrm-backend"} |= "too many clients"`
	if s.query != want {
		t.Fatalf("query %q, want %q", s.query, want)
	}
	if s.buf.Len() != 2 {
		t.Fatalf("%d rows, want the 2 backend lines of the rule's window", s.buf.Len())
	}
	for i := 0; i < s.buf.Len(); i++ {
		if r := s.buf.At(i); !strings.Contains(r.Line, "too many clients") || r.Service != "conectcrm-backend" || strings.Contains(r.Line, "before the window") {
			t.Fatalf("row %d: %s %s", i, r.Service, r.Line)
		}
	}
	// the rule's range [1m] is shorter than AlertLead: the window opens 5m before it became active
	if !s.start.Equal(now.Add(-7*time.Minute)) || !s.end.Equal(now) {
		t.Fatalf("window %v–%v", s.start, s.end)
	}
	out := d.Screen()
	for _, w := range []string{want, "lines that fired it", "the rule's log query, narrowed to the alert's labels (W: the service's whole log)"} {
		if !strings.Contains(out, w) {
			t.Errorf("screen lacks %q:\n%s", w, out)
		}
	}

	// W: the service's whole log. The alert has no service label for the
	// alert_selector, so the rule's own selector is the service's log.
	d.Press("W").Until("the whole service", func() bool { return !s.loading })
	if s.query != `{service_name="conectcrm-backend"}` || s.buf.Len() <= 2 || !strings.Contains(d.Screen(), "whole service") {
		t.Fatalf("W: query %q, %d rows:\n%s", s.query, s.buf.Len(), d.Screen())
	}
	if !strings.Contains(d.Screen(), "the rule's stream selector: no alert_selector fits") {
		t.Fatalf("the fallback is not said:\n%s", d.Screen())
	}
	d.Press("W").Until("the rule's lines again", func() bool { return !s.loading })
	if s.query != want || s.buf.Len() != 2 {
		t.Fatalf("W again: %q, %d rows", s.query, s.buf.Len())
	}

	// e on the rule's lines: the planner adds the level to the selector
	d.Press("e").Until("errors", func() bool { return !s.loading })
	if s.query != `{service_name="conectcrm-backend", level=~"error|warn"} |= "too many clients"` || s.buf.Len() != 2 {
		t.Fatalf("e: %q, %d rows", s.query, s.buf.Len())
	}
}

// An expression that cannot be taken apart says so and shows the
// service's whole log, as for any alert.
func TestLogAlertWithAnExpressionThatCannotBeTakenApart(t *testing.T) {
	d, s := logAlertSession(t, fixtureLoki(t), Options{}, `sum(count_over_time({service_name="conectcrm-backend"} |= "x" [1m]) >`,
		map[string]string{"alertname": "Broken", "service": "conectcrm-backend"})
	wantQ := `{env="prod", service_name=~"conectcrm-backend|api-gateway|postgres"}`
	if s.query != wantQ || !s.loaded || s.buf.Len() == 0 {
		t.Fatalf("query %q, %d rows", s.query, s.buf.Len())
	}
	if out := d.Screen(); !strings.Contains(out, "the rule's expression cannot be taken apart (logql: line 1") || !strings.Contains(out, "the service's whole log is shown") {
		t.Fatalf("the fallback is not said:\n%s", out)
	}
}

// A load that hits Loki's limits says how it fitted them, and which end
// of the window the cap cut (issue 15).
func TestLoadSaysWhichLimitsItWorkedAround(t *testing.T) {
	srv := lokitest.New(lokitest.WithMaxEntries(5))
	t.Cleanup(srv.Close)
	pushFixture(srv)
	d, s := start(t, srv, setup{dark: true, opts: Options{MaxLines: 10}})
	open(t, d, s)
	if s.buf.Len() != 10 || !s.capped {
		t.Fatalf("%d rows, capped %v", s.buf.Len(), s.capped)
	}
	notes := strings.Join(s.report.notes, " | ")
	for _, w := range []string{"Loki allows 5 lines per request (max_entries_limit_per_query): asked for 10, retried with 5",
		"10-line cap reached: lines before 2026-11-26 03:19:00 left out (backward keeps the newest)"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q: %s", w, notes)
		}
	}
	if out := d.Screen(); !strings.Contains(out, "Loki allows 5 lines per request") || !strings.Contains(out, "(4 requests)") {
		t.Fatalf("the pane does not say it:\n%s", out)
	}
}

// A load that times out says which stage is likely slow and offers the
// cheaper form (issue 15).
func TestTimeoutSaysWhichStageIsSlow(t *testing.T) {
	srv := lokitest.New(lokitest.WithCosts(lokitest.Costs{PerLineParsed: 200 * time.Millisecond}))
	t.Cleanup(srv.Close)
	pushFixture(srv)
	d, s := logAlertSession(t, srv, Options{Timeout: 400 * time.Millisecond},
		`sum by (service_name) (count_over_time({service_name="conectcrm-backend"} | json | level="error" [5m])) > 10`,
		map[string]string{"alertname": "BackendErrorBurst", "service_name": "conectcrm-backend"})
	if s.err == "" || s.report.hint == "" {
		t.Fatalf("err %q, hint %q", s.err, s.report.hint)
	}
	out := d.Screen()
	if !strings.Contains(out, `Loki did not answer in time: | json parses every line of {service_name="conectcrm-backend"} before any filter`) {
		t.Fatalf("no slow hint:\n%s", out)
	}
}

// A multi-tenant Loki without the org id: the error says which setting
// names the tenant (issue 15).
func TestNoOrgIDGetsTheHint(t *testing.T) {
	srv := lokitest.New(lokitest.WithTenant("acme"))
	t.Cleanup(srv.Close)
	pushFixture(srv)
	d, s := start(t, srv, setup{dark: true})
	d.Press("l").Until("the load", func() bool { return !s.loading })
	if !strings.Contains(s.err, "401") || !strings.Contains(s.err, "no org id") || !strings.Contains(s.err, `set tenant = "<org id>" in [contexts.`) {
		t.Fatalf("err %q", s.err)
	}
	// with the tenant, the same screen loads
	c, err := loki.New(loki.Config{URL: srv.URL(), Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	d2, s2 := start(t, nil, setup{dark: true, opts: Options{Client: c}})
	open(t, d2, s2)
	if s2.err != "" || s2.buf.Len() != fixtureLines {
		t.Fatalf("with the tenant: err %q, %d rows", s2.err, s2.buf.Len())
	}
}

// hide_fields leaves fields out of the readable line; v still shows the
// raw line whole.
func TestHideFieldsAndTheRawLine(t *testing.T) {
	d, s := opened(t, setup{dark: true, opts: Options{HideFields: []string{"instance", "heap_limit_mb"}}})
	var heap *logview.Row
	for i := 0; i < s.buf.Len(); i++ {
		if r := s.buf.At(i); strings.Contains(r.Line, "heap usage high") {
			heap = r
			s.moveTo(i)
		}
	}
	if heap == nil || heap.Text != "heap usage high heap_used_mb=1874" {
		t.Fatalf("readable line %q", heap.Text)
	}
	d.Press("v")
	out := d.Screen()
	if !strings.Contains(out, `"instance": "backend-2:3001"`) || !strings.Contains(out, `"heap_limit_mb": 2048`) {
		t.Fatalf("v should show the whole raw line:\n%s", out)
	}
}

// A tail whose connection drops reconnects and marks the gap in the pane:
// the lines of the gap are backfilled, never silently lost (issue 15).
func TestTailGapIsMarked(t *testing.T) {
	srv := fixtureLoki(t)
	d, s := start(t, srv, setup{dark: true})
	open(t, d, s)
	startTail(t, d, s)
	if srv.DropTails() != 1 {
		t.Fatal("no tail to drop")
	}
	ls := map[string]string{"service_name": "conectcrm-backend", "env": "prod", "level": "error"}
	srv.Push(ls, time.Now(), `{"msg":"logged while the tail was down"}`, nil)
	var gap *logview.Row
	d.Until("the gap marker", func() bool {
		for i := s.buf.Len() - 1; i >= 0 && gap == nil; i-- {
			if r := s.buf.At(i); r.Gap != nil {
				gap = r
			}
		}
		return gap != nil
	})
	if !strings.Contains(gap.Text, "tail reconnected (connection lost)") {
		t.Fatalf("gap row %q", gap.Text)
	}
	d.Until("the line of the gap", func() bool {
		for i := 0; i < s.buf.Len(); i++ {
			if strings.Contains(s.buf.At(i).Line, "logged while the tail was down") {
				return true
			}
		}
		return false
	})
	if out := d.Screen(); !strings.Contains(out, "⋯ tail reconnected (connection lost)") {
		t.Fatalf("the pane does not show the gap:\n%s", out)
	}
	d.Press("t")
}
