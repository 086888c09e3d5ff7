package simgraphs_test

import (
	"context"
	"math"
	"testing"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simgraphs"
	"oncall/internal/graph"
	"oncall/sources/prometheus"
)

var start = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// Every demo alert has a graph: its query is answered with the alert's
// series, the threshold splits the quiet past from the outage, and the
// pending and firing times are marked.
func TestEveryDemoAlertHasAGraph(t *testing.T) {
	b, err := sim.Start(context.Background(), sim.Options{Clock: func() time.Time { return start }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	queries := simgraphs.Register(b.Prometheus)
	prom, err := prometheus.New(prometheus.Config{URL: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	demo := b.Prometheus.Alerts()
	if len(demo) == 0 || len(queries) != len(demo) {
		t.Fatalf("%d queries registered for %d alerts", len(queries), len(demo))
	}
	for _, d := range demo {
		a := simgraphs.Alert(d)
		a.State = alerts.State(b.Prometheus.StateAt(d.Name, start))
		a.StartsAt = start.Add(-time.Minute)
		active := start.Add(-2 * time.Minute)
		a.ActiveAt = &active
		res, err := graph.Fetch(context.Background(), graph.Sources{Prom: prom}, graph.Request{Alert: a, Span: 6 * time.Hour, Now: start})
		if err != nil {
			t.Errorf("%s: %v", d.Name, err)
			continue
		}
		if res.Query != queries[d.Name] || len(res.Series) != 1 || len(res.Markers) == 0 {
			t.Errorf("%s: query %q (registered %q), %d series, markers %v, note %q", d.Name, res.Query, queries[d.Name], len(res.Series), res.Markers, res.Note)
			continue
		}
		last, ok := res.Series[0].Last()
		if !ok || math.IsNaN(last) || (d.Value != 0 && (last < d.Value*0.95 || last > d.Value*1.05)) || (d.Value == 0 && last != 0) {
			t.Errorf("%s: latest value %v, want about %v", d.Name, last, d.Value)
		}
		thr := res.Threshold
		if thr == nil {
			if res.Note == "" {
				t.Errorf("%s: no threshold and no note saying why", d.Name)
			}
			continue
		}
		first := res.Series[0].Points[0].V
		if thr.Holds(first) || !thr.Holds(last) {
			t.Errorf("%s: %v %s %v at the start of the range and %v now: want quiet then over the threshold", d.Name, first, thr.Op, thr.Value, last)
		}
	}
}
