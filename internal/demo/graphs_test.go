package demo_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/demo"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simgraphs"
	"oncall/internal/graph"
	"oncall/internal/wire"
	"oncall/sources/prometheus"
)

// Every alert of the demo has a graph, the log-based ones included: the
// alerts are merged from the simulated Alertmanager, Prometheus and Loki's
// ruler as oncall merges them, and each one's graph is run on the source
// of its rule (a Prometheus rule on the simulated Prometheus, a Loki rule
// on the simulated Loki's query_range over the demo's logs). The last hour
// shows points, the rule's threshold, quiet at first and over it now; a
// log-based alert's graph ends on the value Loki's ruler reports.
func TestEveryDemoAlertHasAGraph(t *testing.T) {
	start := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := sim.Start(ctx, sim.Options{Clock: func() time.Time { return start }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	cfg := demo.Config(b, demo.Options{})
	for _, sim := range []demo.Simulator{demo.Logs, demo.Graphs} {
		if err := sim(ctx, b, cfg); err != nil {
			t.Fatal(err)
		}
	}
	in, prom := inputs(ctx, t, cfg, demo.Context)
	lc, err := wire.Loki(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ruler, err := lc.Ruler()
	if err != nil {
		t.Fatal(err)
	}
	if in.RulerAlerts, err = ruler.Alerts(ctx); err != nil {
		t.Fatal(err)
	}
	if in.RulerRules, err = ruler.AlertingRules(ctx); err != nil {
		t.Fatal(err)
	}
	as, _ := alerts.BuildAll(in)
	want := len(b.Prometheus.Alerts()) + 3 // and the three log-based ones
	if len(as) != want {
		t.Fatalf("%d alerts, want %d", len(as), want)
	}
	// what Loki's ruler says each log-based alert's value is
	rulerValue := map[string]string{}
	for _, a := range in.RulerAlerts {
		rulerValue[string(a.Labels["alertname"])] = a.Value
	}
	logBased := map[string]alerts.State{}
	for _, a := range as {
		if a.Rule == nil {
			t.Errorf("%s: no rule", a.Name())
			continue
		}
		if a.Rule.Source == alerts.SourceLoki {
			logBased[a.Name()] = a.State
		}
		res, err := graph.Fetch(ctx, graph.Sources{Prom: prom, Loki: lc}, graph.Request{Alert: a, Span: time.Hour, Now: start})
		if err != nil {
			t.Errorf("%s: %v", a.Name(), err)
			continue
		}
		if len(res.Series) == 0 || len(res.Series[0].Points) < 10 || len(res.Markers) == 0 {
			t.Errorf("%s (%s): %d series, markers %v, note %q, query %s", a.Name(), res.Source, len(res.Series), res.Markers, res.Note, res.Query)
			continue
		}
		thr := res.Threshold
		if thr == nil {
			if res.Note == "" {
				t.Errorf("%s: no threshold and no note saying why", a.Name())
			}
			continue
		}
		pts := res.Series[0].Points
		first, last := pts[0], pts[len(pts)-1]
		if thr.Holds(first.V) || !thr.Holds(last.V) || last.T.Before(start.Add(-time.Minute)) {
			t.Errorf("%s (%s): %v %s %v at %s and %v at %s: want quiet first, over the threshold now",
				a.Name(), res.Source, first.V, thr.Op, thr.Value, first.T.Sub(start), last.V, last.T.Sub(start))
		}
		if a.Rule.Source == alerts.SourcePrometheus {
			holdsSinceFiring(t, a, res)
		}
		if v, ok := rulerValue[a.Name()]; ok {
			if want, err := strconv.ParseFloat(v, 64); err != nil || last.V != want || !last.T.Equal(start) {
				t.Errorf("%s: the graph ends with %v at %s, the ruler says %s now", a.Name(), last.V, last.T.Sub(start), v)
			}
		}
	}
	for name, st := range map[string]alerts.State{"DatabaseTooManyClients": alerts.StateFiring, "BackendPoolTimeouts": alerts.StateFiring, "BackendSlowQueries": alerts.StatePending} {
		if logBased[name] != st {
			t.Errorf("log-based %s is %q, want %q (log-based alerts: %v)", name, logBased[name], st, logBased)
		}
	}
}

// inputs reads cfg's current context as oncall merges it: Alertmanager's
// alerts, Prometheus's alerts and rules (Loki's ruler is the caller's).
func inputs(ctx context.Context, t *testing.T, cfg *config.Config, cluster string) (alerts.Inputs, *prometheus.Client) {
	t.Helper()
	am, err := wire.Alertmanager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	prom, err := wire.Prometheus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in := alerts.Inputs{Cluster: cluster}
	if in.AM, err = am.Alerts(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if in.Prom, err = prom.Alerts(ctx); err != nil {
		t.Fatal(err)
	}
	if in.Rules, err = prom.AlertingRules(ctx); err != nil {
		t.Fatal(err)
	}
	return in, prom
}

// holdsSinceFiring: from the time the alert fired on, its graph holds the
// rule's comparison (a firing alert's series never dips under its
// threshold).
func holdsSinceFiring(t *testing.T, a *alerts.Alert, res *graph.Result) {
	t.Helper()
	var since time.Time
	for _, m := range res.Markers {
		if m.Kind == graph.MarkFiring && (since.IsZero() || m.At.Before(since)) {
			since = m.At
		}
	}
	if since.IsZero() {
		return
	}
	for _, p := range res.Series[0].Points {
		if !p.T.Before(since) && !res.Threshold.Holds(p.V) {
			t.Errorf("%s: %v %s %v at %s, after it fired at %s: a firing alert's graph dips under its threshold",
				a.Name(), p.V, res.Threshold.Op, res.Threshold.Value, p.T.Format(time.TimeOnly), since.Format(time.TimeOnly))
			return
		}
	}
}

// The quiet staging cluster's alerts have graphs too: points, the rule's
// threshold, and over it now (they have fired for the whole hour).
func TestEveryStagingAlertHasAGraph(t *testing.T) {
	start := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sim.Start(ctx, sim.Options{Scenario: sim.ScenarioStaging, Clock: func() time.Time { return start }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	simgraphs.Register(st.Prometheus)
	cfg := config.Defaults()
	cfg.CurrentContext = demo.Staging
	cfg.Contexts[demo.Staging] = &config.Context{
		Alertmanager: config.Alertmanager{URLs: []string{st.Alertmanager.URL()}},
		Prometheus:   config.Prometheus{URL: st.Prometheus.URL()},
	}
	in, prom := inputs(ctx, t, cfg, demo.Staging)
	as, _ := alerts.BuildAll(in)
	if len(as) != len(st.Prometheus.Alerts()) || len(as) == 0 {
		t.Fatalf("%d alerts, want %d", len(as), len(st.Prometheus.Alerts()))
	}
	for _, a := range as {
		res, err := graph.Fetch(ctx, graph.Sources{Prom: prom}, graph.Request{Alert: a, Span: time.Hour, Now: start})
		if err != nil {
			t.Errorf("%s: %v", a.Name(), err)
			continue
		}
		if len(res.Series) == 0 || len(res.Series[0].Points) < 10 || res.Threshold == nil {
			t.Errorf("%s: %d series, threshold %v, note %q, query %s", a.Name(), len(res.Series), res.Threshold, res.Note, res.Query)
			continue
		}
		holdsSinceFiring(t, a, res)
	}
}
