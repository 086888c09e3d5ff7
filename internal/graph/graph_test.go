package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/graph"
)

var now = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

func TestStep(t *testing.T) {
	cases := []struct {
		span   time.Duration
		points int
		want   time.Duration
	}{
		{time.Hour, 240, 15 * time.Second},
		{6 * time.Hour, 240, 2 * time.Minute},
		{24 * time.Hour, 240, 10 * time.Minute},
		{7 * 24 * time.Hour, 240, time.Hour},
		{time.Hour, 100000, 5 * time.Second}, // capped at MaxPoints: 3.6s → 5s
		{time.Minute, 1000, time.Second},
		{365 * 24 * time.Hour, 100, 88 * time.Hour}, // past a day: whole hours
	}
	for _, tc := range cases {
		got := graph.Step(tc.span, tc.points)
		if got != tc.want {
			t.Errorf("Step(%s, %d) = %s, want %s", tc.span, tc.points, got, tc.want)
		}
		if n := int(tc.span / got); n > max(2, min(tc.points, graph.MaxPoints)) {
			t.Errorf("Step(%s, %d) gives %d points", tc.span, tc.points, n)
		}
	}
}

func TestPlanWithoutRuleSaysSo(t *testing.T) {
	a := &alerts.Alert{Labels: map[string]string{"alertname": "AMOnly"}, State: alerts.StateFiring, StartsAt: now.Add(-10 * time.Minute)}
	res, err := graph.Fetch(context.Background(), graph.Sources{}, graph.Request{Alert: a, Now: now})
	if err != nil || res.Query != "" || !strings.Contains(res.Note, "no rule known") {
		t.Fatalf("query %q note %q err %v, want no query and a note", res.Query, res.Note, err)
	}
	if len(res.Markers) != 1 || res.Markers[0].Kind != graph.MarkFiring {
		t.Errorf("markers %+v, want the firing start", res.Markers)
	}
}

func TestMarkersOfAFiringAlert(t *testing.T) {
	active := now.Add(-20 * time.Minute)
	a := &alerts.Alert{Labels: map[string]string{"alertname": "X"}, State: alerts.StateSilenced, ActiveAt: &active, StartsAt: now.Add(-15 * time.Minute),
		Rule: &alerts.Rule{Expr: "up == 0", Source: alerts.SourcePrometheus}}
	res := graph.Plan(graph.Request{Alert: a, Now: now})
	if len(res.Markers) != 2 || res.Markers[0] != (graph.Marker{Kind: graph.MarkPending, At: active}) || res.Markers[1] != (graph.Marker{Kind: graph.MarkFiring, At: a.StartsAt}) {
		t.Errorf("markers %+v", res.Markers)
	}
	if !res.Start.Equal(now.Add(-time.Hour)) || !res.End.Equal(now) || res.Step != 15*time.Second {
		t.Errorf("range %s … %s step %s", res.Start, res.End, res.Step)
	}
}

func TestMissingSourcesSaySo(t *testing.T) {
	prom := &alerts.Alert{Labels: map[string]string{"alertname": "X"}, Rule: &alerts.Rule{Expr: "up == 0", Source: alerts.SourcePrometheus}}
	res, err := graph.Fetch(context.Background(), graph.Sources{Loki: &fakeLoki{}}, graph.Request{Alert: prom, Now: now})
	if err != nil || !strings.Contains(res.Note, "no Prometheus configured") {
		t.Errorf("note %q err %v", res.Note, err)
	}
	loki := &alerts.Alert{Labels: map[string]string{"alertname": "X"}, Rule: &alerts.Rule{Expr: `sum(rate({a="b"}[1m])) > 1`, Source: alerts.SourceLoki}}
	res, err = graph.Fetch(context.Background(), graph.Sources{Prom: fakeProm{}}, graph.Request{Alert: loki, Now: now})
	if err != nil || !strings.Contains(res.Note, "no Loki is configured") || res.Threshold == nil {
		t.Errorf("note %q threshold %v err %v", res.Note, res.Threshold, err)
	}
}

type fakeProm struct {
	v   model.Value
	err error
}

func (f fakeProm) QueryRange(context.Context, string, v1.Range) (model.Value, error) {
	return f.v, f.err
}

func TestQueryErrorKeepsThePlan(t *testing.T) {
	a := &alerts.Alert{Labels: map[string]string{"alertname": "X"}, Rule: &alerts.Rule{Expr: "up == 0", Source: alerts.SourcePrometheus}}
	res, err := graph.Fetch(context.Background(), graph.Sources{Prom: fakeProm{err: errors.New("prometheus http://p: query_range: timed out")}}, graph.Request{Alert: a, Now: now})
	if err == nil || res == nil || res.Query != "up" || res.Threshold == nil {
		t.Fatalf("res %+v err %v, want the plan and the error", res, err)
	}
	_, err = graph.Fetch(context.Background(), graph.Sources{Prom: fakeProm{v: model.Vector{}}}, graph.Request{Alert: a, Now: now})
	if err == nil || !strings.Contains(err.Error(), "want a matrix") {
		t.Errorf("a vector answer: %v", err)
	}
}

// fakeLoki is Loki's query_range for a metric query: it records what it
// was asked and returns its matrix.
type fakeLoki struct {
	m          model.Matrix
	query      string
	start, end time.Time
	step       time.Duration
	calls      int
}

func (f *fakeLoki) MetricRange(_ context.Context, q string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	f.calls++
	f.query, f.start, f.end, f.step = q, start, end, step
	return f.m, nil
}

// stream is a series of n points a minute apart ending at now, valued
// v(i).
func stream(labels model.Metric, n int, v func(i int) float64) *model.SampleStream {
	ss := &model.SampleStream{Metric: labels}
	for i := 0; i < n; i++ {
		ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(now.Add(time.Duration(i-n+1) * time.Minute).UnixNano()), Value: model.SampleValue(v(i))})
	}
	return ss
}

func TestLogQLRunsOnLokiOwnSeriesTopN(t *testing.T) {
	const expr = `sum by (service_name, pod) (count_over_time({service_name="api"} |= "error" [1m])) > 5`
	a := &alerts.Alert{Labels: map[string]string{"alertname": "LogErrors", "service_name": "api", "severity": "warning"},
		State: alerts.StateFiring, StartsAt: now.Add(-5 * time.Minute),
		Rule: &alerts.Rule{Expr: expr, Source: alerts.SourceLoki, Labels: map[string]string{"severity": "warning"}}}
	var m model.Matrix
	for i, last := range []float64{3, 9, 1, 7, 12, 5, 8} {
		pod := model.LabelValue("p" + string(rune('1'+i)))
		m = append(m, stream(model.Metric{"service_name": "api", "pod": pod}, 60, func(int) float64 { return last }))
	}
	m = append(m, stream(model.Metric{"service_name": "web", "pod": "w1"}, 60, func(int) float64 { return 100 }))
	loki := &fakeLoki{m: m}
	res, err := graph.Fetch(context.Background(), graph.Sources{Loki: loki}, graph.Request{Alert: a, Span: time.Hour, Points: 60, TopN: 3, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	wantQ := `sum by (service_name, pod) (count_over_time({service_name="api"} |= "error" [1m]))`
	if loki.calls != 1 || loki.query != wantQ || res.Query != wantQ {
		t.Errorf("Loki asked %d times for %q (result says %q), want once for %q", loki.calls, loki.query, res.Query, wantQ)
	}
	if !loki.start.Equal(now.Add(-time.Hour)) || !loki.end.Equal(now) || loki.step != time.Minute {
		t.Errorf("range %s … %s step %s, want the last hour at 1m", loki.start, loki.end, loki.step)
	}
	if res.Source != alerts.SourceLoki || res.Threshold == nil || *res.Threshold != (graph.Threshold{Op: ">", Value: 5}) {
		t.Errorf("source %s threshold %+v", res.Source, res.Threshold)
	}
	var names []string
	for _, s := range res.Series {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "pod=p5,pod=p2,pod=p7" || res.Hidden != 4 || res.Others != 1 {
		t.Errorf("series %s hidden %d others %d, want the 3 busiest of api's 7 by latest value, 4 hidden, web's dropped", got, res.Hidden, res.Others)
	}
}

func TestLowerBoundKeepsTheLowest(t *testing.T) {
	a := &alerts.Alert{Labels: map[string]string{"alertname": "LowTraffic"},
		Rule: &alerts.Rule{Expr: `sum by (job) (rate(requests_total[5m])) < 1`, Source: alerts.SourcePrometheus}}
	var m model.Matrix
	for i, last := range []float64{0.5, 3, 0.1, math.NaN()} {
		m = append(m, stream(model.Metric{"job": model.LabelValue(string(rune('a' + i)))}, 3, func(int) float64 { return last }))
	}
	res, err := graph.Fetch(context.Background(), graph.Sources{Prom: fakeProm{v: m}}, graph.Request{Alert: a, TopN: 2, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Series) != 2 || res.Series[0].Name != "job=c" || res.Series[1].Name != "job=a" || res.Hidden != 2 {
		t.Errorf("series %+v hidden %d, want job=c then job=a (lowest first for <)", res.Series, res.Hidden)
	}
	// The hidden ones are named, in rank order: b (3), then d (no value).
	if got := strings.Join(res.HiddenNames, ","); got != "job=b,job=d" {
		t.Errorf("hidden names %q, want job=b,job=d", got)
	}
}

func TestLogQLKeptWhole(t *testing.T) {
	expr := `sum(rate({a="b"} |= "x" [1m])) > 1 and sum(rate({a="c"}[1m])) > 2`
	a := &alerts.Alert{Labels: map[string]string{"alertname": "X"}, Rule: &alerts.Rule{Expr: expr, Source: alerts.SourceLoki}}
	loki := &fakeLoki{}
	res, err := graph.Fetch(context.Background(), graph.Sources{Loki: loki}, graph.Request{Alert: a, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if loki.query != expr || res.Threshold != nil || !strings.HasPrefix(res.Note, "an and expression is drawn whole") {
		t.Errorf("query %q threshold %v note %q", loki.query, res.Threshold, res.Note)
	}
}

func TestJSON(t *testing.T) {
	a := &alerts.Alert{Labels: map[string]string{"alertname": "X", "job": "a"}, Rule: &alerts.Rule{Expr: "up == 0", Source: alerts.SourcePrometheus}}
	m := model.Matrix{stream(model.Metric{"__name__": "up", "job": "a"}, 2, func(i int) float64 { return []float64{math.NaN(), 1}[i] })}
	res, err := graph.Fetch(context.Background(), graph.Sources{Prom: fakeProm{v: m}}, graph.Request{Alert: a, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"step":"15s"`, `"v":null`, `"v":1`, `"threshold":{"op":"==","value":0}`, `"query":"up{job=~\"a|\"}"`, `"name":"job=a"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}
