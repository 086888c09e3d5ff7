package graph_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/graph"
	"oncall/internal/testkit/testenv"
	"oncall/sources/prometheus"
)

// graphRules: GraphHighErrors pends (for: 1h) on every series of
// oncall_graph_error_ratio above 0.05. GraphTopErrors is the same alert
// written so that no label reaches its result provably unchanged (topk
// without by): its series can only be told apart after the query.
const graphRules = `groups:
  - name: graph-test
    interval: 1s
    rules:
      - alert: GraphHighErrors
        expr: oncall_graph_error_ratio > 0.05
        for: 1h
        labels:
          severity: critical
      - alert: GraphTopErrors
        expr: (0.05 < topk(10, oncall_graph_error_ratio))
        for: 1h
        labels:
          severity: critical
`

// sampleStep is the backfilled samples' interval; the chart's queries use
// the same step so every point is one sample.
const sampleStep = 15 * time.Second

// The backfilled series, one sample every 15s for two hours up to last:
//
//	{job="api", instance="a"}  i/1000 at sample i (0 … 0.48): over the threshold at the end
//	{job="api", instance="b"}  0.02: never over it
//	{job="web", instance="c"}  0.3: over it, another alert of the same rule
//
// Every series carries severity="info", which the rule overrides.
func valueOf(instance string, i int) float64 {
	switch instance {
	case "a":
		return float64(i) / 1000
	case "b":
		return 0.02
	}
	return 0.3
}

type graphFixture struct {
	prom   *prometheus.Client
	first  time.Time // the first sample
	last   time.Time // the last sample (a multiple of 15s)
	byName map[string][]*alerts.Alert
}

func startGraphFixture(t *testing.T) graphFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	testenv.Require(t, "prometheus")
	testenv.Require(t, "promtool")
	last := time.Now().Truncate(sampleStep)
	first := last.Add(-2 * time.Hour)
	var om strings.Builder
	om.WriteString("# TYPE oncall_graph_error_ratio gauge\n")
	for _, s := range []struct{ job, instance string }{{"api", "a"}, {"api", "b"}, {"web", "c"}} {
		for i := 0; !first.Add(time.Duration(i) * sampleStep).After(last); i++ {
			ts := first.Add(time.Duration(i) * sampleStep)
			fmt.Fprintf(&om, "oncall_graph_error_ratio{instance=%q,job=%q,severity=\"info\"} %g %d\n", s.instance, s.job, valueOf(s.instance, i), ts.Unix())
		}
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	testenv.Backfill(t, dataDir, om.String())
	p := testenv.StartPrometheus(t, testenv.PrometheusOptions{DataDir: dataDir, Rules: graphRules})
	c, err := prometheus.New(prometheus.Config{URL: p.URL})
	if err != nil {
		t.Fatal(err)
	}
	f := graphFixture{prom: c, first: first, last: last}
	// The rules evaluate on the last samples (within the 5m lookback):
	// both alerts pend for instances a and c.
	testenv.WaitFor(t, 60*time.Second, "GraphHighErrors and GraphTopErrors pend for a and c", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pa, err := c.Alerts(ctx)
		if err != nil {
			return false
		}
		rules, err := c.AlertingRules(ctx)
		if err != nil {
			return false
		}
		as, _ := alerts.Build(nil, nil, pa, rules)
		f.byName = map[string][]*alerts.Alert{}
		for _, a := range as {
			f.byName[a.Name()] = append(f.byName[a.Name()], a)
		}
		return len(f.byName["GraphHighErrors"]) == 2 && len(f.byName["GraphTopErrors"]) == 2
	})
	return f
}

// alertFor returns the pending alert of instance, with the external label
// cluster="eu" that Alertmanager's copy would carry and the data lacks.
func (f graphFixture) alertFor(t *testing.T, name, instance string) *alerts.Alert {
	t.Helper()
	for _, a := range f.byName[name] {
		if a.Labels["instance"] == instance {
			a.Labels["cluster"] = "eu"
			return a
		}
	}
	t.Fatalf("no %s alert for instance %s: %v", name, instance, f.byName[name])
	return nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAgainstRealPrometheus(t *testing.T) {
	f := startGraphFixture(t)
	t.Run("points, threshold and marker of the alert's own series", f.testOwnSeries)
	t.Run("filtered when no label can narrow the query", f.testFiltered)
	t.Run("narrowing selects what filtering keeps", f.testNarrowingIsExact)
}

func (f graphFixture) testOwnSeries(t *testing.T) {
	a := f.alertFor(t, "GraphHighErrors", "a")
	if a.State != alerts.StatePending || a.ActiveAt == nil || a.Rule == nil || a.Rule.Expr != "oncall_graph_error_ratio > 0.05" {
		t.Fatalf("alert from the real rule: state %s activeAt %v rule %+v", a.State, a.ActiveAt, a.Rule)
	}
	res, err := graph.Fetch(ctxT(t), graph.Sources{Prom: f.prom}, graph.Request{Alert: a, Span: time.Hour, Points: 240, Now: f.last})
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != sampleStep {
		t.Fatalf("step %s, want 15s for 1h at 240 points", res.Step)
	}
	if res.Threshold == nil || *res.Threshold != (graph.Threshold{Op: ">", Value: 0.05}) {
		t.Errorf("threshold %+v, want > 0.05", res.Threshold)
	}
	wantQ := `oncall_graph_error_ratio{cluster=~"eu|",instance=~"a|",job=~"api|"}`
	if res.Query != wantQ || !slices.Equal(res.Narrowed, []string{"cluster", "instance", "job"}) {
		t.Errorf("query %s narrowed by %v, want %s", res.Query, res.Narrowed, wantQ)
	}
	if len(res.Series) != 1 || res.Hidden != 0 || res.Others != 0 || res.Note != "" {
		t.Fatalf("%d series (%d hidden, %d others, note %q), want only instance a's", len(res.Series), res.Hidden, res.Others, res.Note)
	}
	s := res.Series[0]
	if s.Labels["instance"] != "a" || s.Labels["job"] != "api" {
		t.Errorf("series labels %v, want instance a of job api", s.Labels)
	}
	// One point per sample from the first step at or after an hour ago to
	// the last sample, each the sample's own value at its own time.
	start := f.last.Add(-time.Hour)
	if len(s.Points) != 241 {
		t.Fatalf("%d points, want 241 (an hour at 15s, both ends)", len(s.Points))
	}
	for k, p := range s.Points {
		at := start.Add(time.Duration(k) * sampleStep)
		i := int(at.Sub(f.first) / sampleStep)
		if !p.T.Equal(at) || p.V != valueOf("a", i) {
			t.Fatalf("point %d = %s %g, want %s %g", k, p.T, p.V, at, valueOf("a", i))
		}
	}
	if len(res.Markers) != 1 || res.Markers[0].Kind != graph.MarkPending || !res.Markers[0].At.Equal(*a.ActiveAt) {
		t.Errorf("markers %+v, want one pending marker at activeAt %s", res.Markers, a.ActiveAt)
	}
}

func (f graphFixture) testFiltered(t *testing.T) {
	a := f.alertFor(t, "GraphTopErrors", "c")
	res, err := graph.Fetch(ctxT(t), graph.Sources{Prom: f.prom}, graph.Request{Alert: a, Span: 30 * time.Minute, Points: 120, Now: f.last})
	if err != nil {
		t.Fatal(err)
	}
	if res.Query != "topk(10, oncall_graph_error_ratio)" || len(res.Narrowed) != 0 {
		t.Errorf("query %s narrowed by %v, want topk as written, not narrowed", res.Query, res.Narrowed)
	}
	if res.Threshold == nil || *res.Threshold != (graph.Threshold{Op: ">", Value: 0.05}) {
		t.Errorf("threshold of `0.05 < …` is %+v, want > 0.05", res.Threshold)
	}
	if len(res.Series) != 1 || res.Others != 2 {
		t.Fatalf("%d series, %d others, want instance c's alone and two others dropped", len(res.Series), res.Others)
	}
	s := res.Series[0]
	if s.Labels["instance"] != "c" || len(s.Points) != 121 {
		t.Fatalf("series %v with %d points, want instance c with 121", s.Labels, len(s.Points))
	}
	for _, p := range s.Points {
		if p.V != 0.3 {
			t.Fatalf("point %s = %g, want 0.3", p.T, p.V)
		}
	}
}

// For expressions that narrow differently, the narrowed query keeps the
// same series with the same points as the plain query filtered.
func (f graphFixture) testNarrowingIsExact(t *testing.T) {
	base := f.alertFor(t, "GraphHighErrors", "a")
	exprs := []string{
		`sum by (job) (oncall_graph_error_ratio) > 0.1`,
		`max without (instance) (oncall_graph_error_ratio) > 0.1`,
		`oncall_graph_error_ratio / on (job) group_left () sum by (job) (oncall_graph_error_ratio) > 0.1`,
		`label_replace(oncall_graph_error_ratio, "svc", "$1", "job", "(.*)") > 0.1`,
		`oncall_graph_error_ratio and on (job) (oncall_graph_error_ratio > 0.1)`,
		`max_over_time(sum by (job, instance) (oncall_graph_error_ratio)[5m:15s]) > 0.1`,
	}
	for _, expr := range exprs {
		a := *base
		a.Labels = map[string]string{"alertname": "X", "job": "api", "instance": "a", "svc": "api", "cluster": "eu", "severity": "critical"}
		a.Rule = &alerts.Rule{Expr: expr, Source: alerts.SourcePrometheus, Labels: map[string]string{"severity": "critical"}}
		req := graph.Request{Alert: &a, Span: time.Hour, Points: 240, Now: f.last, TopN: 10}
		narrowed, err := graph.Fetch(ctxT(t), graph.Sources{Prom: f.prom}, req)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		split, err := graph.SplitPromQL(expr)
		if err != nil {
			t.Fatal(err)
		}
		plain := graph.Plan(req)
		v, err := f.prom.QueryRange(ctxT(t), split.Plotted, v1.Range{Start: plain.Start, End: plain.End, Step: plain.Step})
		if err != nil {
			t.Fatalf("%s: %v", split.Plotted, err)
		}
		m, _ := v.(model.Matrix)
		plain.Fill(m)
		if len(narrowed.Narrowed) == 0 {
			t.Errorf("%s: nothing narrowed", expr)
		}
		if len(narrowed.Series) == 0 || len(narrowed.Series) != len(plain.Series) {
			t.Errorf("%s: %d series narrowed (%s), %d filtered", expr, len(narrowed.Series), narrowed.Query, len(plain.Series))
			continue
		}
		for i := range plain.Series {
			n, p := narrowed.Series[i], plain.Series[i]
			if fmt.Sprint(n.Labels) != fmt.Sprint(p.Labels) || fmt.Sprint(n.Points) != fmt.Sprint(p.Points) {
				t.Errorf("%s: series %d differs:\n narrowed %v %v\n filtered %v %v", expr, i, n.Labels, n.Points[:3], p.Labels, p.Points[:3])
			}
		}
	}
}
