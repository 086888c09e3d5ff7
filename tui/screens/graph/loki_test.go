package graph

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/demo"
	"oncall/internal/demo/simlogs"
	"oncall/internal/history"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
)

// startLoki starts the demo's simulated Loki beside the incident: its
// logs, and its ruler with the log-based alerts at now. It returns the
// client the graph screen runs Loki rules on, and what the ruler lists.
func (in *incident) startLoki(t *testing.T) (*loki.Client, *ruler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := simlogs.Start(context.Background(), simlogs.Options{Clock: func() time.Time { return now }, LiveEvery: -1,
		Ruler: func(at time.Time) []lokitest.RuleGroup { return demo.RulerGroups(in.b.LogRules(at), at) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	lc, err := loki.New(loki.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := lc.Ruler()
	if err != nil {
		t.Fatal(err)
	}
	r := &ruler{}
	if r.alerts, err = rc.Alerts(ctx); err != nil {
		t.Fatal(err)
	}
	if r.rules, err = rc.AlertingRules(ctx); err != nil {
		t.Fatal(err)
	}
	return lc, r
}

// A log-based alert's graph is its LogQL rule run on Loki; Prometheus's
// ALERTS has no series of it (Loki's ruler writes one only with
// remote_write), and the history says so rather than "0 episodes". Once
// ALERTS has its series, its episodes are shown as any alert's.
func TestLogBasedAlertsGraphAndHistory(t *testing.T) {
	in := startIncident(t)
	lc, r := in.startLoki(t)
	for _, sz := range []struct{ w, h int }{{160, 48}, {80, 24}} {
		d := in.session(t, setup{w: sz.w, h: sz.h, opts: Options{Loki: lc}, ruler: r})
		d.SelectAlert("DatabaseTooManyClients")
		if sz.w < 120 {
			d.Press("enter")
		}
		graphed(d).UntilScreen("┄ > 5")
		text := d.Screen()
		for _, want := range []string{"Graph · last hour · P full screen", "9  ┄ > 5", "F firing since 03:26:00",
			"history none in Prometheus' ALERTS", "(Loki's ruler writes ALERTS only with remote_write)"} {
			if !strings.Contains(text, want) {
				t.Errorf("%dx%d: the detail lacks %q:\n%s", sz.w, sz.h, want, text)
			}
		}
		if strings.Contains(text, "episodes in 24h") || strings.Contains(text, "✗") {
			t.Errorf("%dx%d: claims a history, or an error:\n%s", sz.w, sz.h, text)
		}
		if sz.w < 120 {
			continue
		}
		// The other log-based alerts, the pending one included.
		for _, name := range []string{"BackendPoolTimeouts", "BackendSlowQueries"} {
			d.Press("g").SelectAlert(name)
			graphed(d).UntilScreen(name)
			text := d.Screen()
			if !strings.Contains(text, "┄ > ") || !strings.Contains(text, "history none in Prometheus' ALERTS") || strings.Contains(text, "✗") {
				t.Errorf("%s:\n%s", name, text)
			}
		}

		// ALERTS with DatabaseTooManyClients's series: its episode is shown.
		d.Press("g").SelectAlert("DatabaseTooManyClients")
		graphed(d).UntilScreen("none in Prometheus' ALERTS")
		var labels model.Metric = model.Metric{model.MetricNameLabel: "ALERTS", "alertstate": "firing"}
		for _, a := range d.M.Alerts() {
			if a.Name() == "DatabaseTooManyClients" {
				for k, v := range a.Labels {
					labels[model.LabelName(k)] = model.LabelValue(v)
				}
			}
		}
		rng := history.NewRange(now.Add(-history.Week), now)
		stamps := &model.SampleStream{Metric: labels}
		for ts := now.Add(-4 * time.Minute).Truncate(rng.Step); !ts.After(now); ts = ts.Add(rng.Step) {
			stamps.Values = append(stamps.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(ts.UnixNano()), Value: model.SampleValue(ts.Unix())})
		}
		set, err := history.Parse(model.Matrix{stamps}, rng)
		if err != nil {
			t.Fatal(err)
		}
		s := screenOf(t, d)
		d.Send(historyMsg{seq: s.hist.seq, set: set}).UntilScreen("1 episode in 24h · 1 in 7d")
		if text := d.Screen(); strings.Contains(text, "none in Prometheus' ALERTS") {
			t.Errorf("ALERTS has the series, the detail says it has none:\n%s", text)
		}
	}
}
