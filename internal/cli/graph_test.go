package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"oncall/internal/demo/sim"
	"oncall/internal/demo/simgraphs"
	"oncall/internal/testkit/testenv"
	"oncall/sources/prometheus"
)

// graphJSON is what `oncall graph -o json` prints (graph.Result).
type graphJSON struct {
	Alert     string `json:"alert"`
	Query     string `json:"query"`
	Step      string `json:"step"`
	Threshold *struct {
		Op    string  `json:"op"`
		Value float64 `json:"value"`
	} `json:"threshold"`
	Series []struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
		Points []struct {
			T time.Time `json:"t"`
			V *float64  `json:"v"`
		} `json:"points"`
	} `json:"series"`
	Markers []struct {
		Kind string    `json:"kind"`
		At   time.Time `json:"at"`
	} `json:"markers"`
	Note string `json:"note"`
}

// alertJSON is an alert of `oncall alerts --history -o json`.
type alertJSON struct {
	Labels  map[string]string `json:"labels"`
	History *struct {
		Episodes24h  int        `json:"episodes24h"`
		Episodes7d   int        `json:"episodes7d"`
		Flapping     bool       `json:"flapping"`
		Firing       bool       `json:"firing"`
		LastFired    *time.Time `json:"lastFired"`
		LastResolved *time.Time `json:"lastResolved"`
		Hourly       string     `json:"hourly"`
	} `json:"history"`
}

// The CLI against a real Prometheus: a backfilled series that crosses a
// rule's threshold (the alert pends), and the rule's firing history
// backfilled in ALERTS: two episodes earlier today.
//
//	oncall_cli_ratio{job="api",instance="a"}  i/1000 at sample i, every 15s for 2h up to now
//	oncall_cli_ratio{job="api",instance="b"}  0.02 (under the threshold)
//	ALERTS{alertname="CliHighErrors",…,instance="a"} firing 5h–4h30m and 2h–1h40m ago
func TestGraphAndHistoryAgainstRealPrometheus(t *testing.T) {
	testenv.Require(t, "prometheus")
	testenv.Require(t, "promtool")
	const step = 15 * time.Second
	last := time.Now().Truncate(step)
	first := last.Add(-2 * time.Hour)
	value := func(instance string, i int) float64 {
		if instance == "a" {
			return float64(i) / 1000
		}
		return 0.02
	}
	var om strings.Builder
	om.WriteString("# TYPE oncall_cli_ratio gauge\n")
	for _, inst := range []string{"a", "b"} {
		for i := 0; !first.Add(time.Duration(i) * step).After(last); i++ {
			fmt.Fprintf(&om, "oncall_cli_ratio{instance=%q,job=\"api\"} %g %d\n", inst, value(inst, i), first.Add(time.Duration(i)*step).Unix())
		}
	}
	om.WriteString("# TYPE ALERTS gauge\n")
	for _, ep := range [][2]time.Duration{{5 * time.Hour, 4*time.Hour + 30*time.Minute}, {2 * time.Hour, time.Hour + 40*time.Minute}} {
		for ts := last.Add(-ep[0]); !ts.After(last.Add(-ep[1])); ts = ts.Add(step) {
			fmt.Fprintf(&om, "ALERTS{alertname=\"CliHighErrors\",alertstate=\"firing\",instance=\"a\",job=\"api\",severity=\"critical\"} 1 %d\n", ts.Unix())
		}
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	testenv.Backfill(t, dataDir, om.String())
	p := testenv.StartPrometheus(t, testenv.PrometheusOptions{DataDir: dataDir, Rules: `groups:
  - name: cli
    interval: 1s
    rules:
      - alert: CliHighErrors
        expr: oncall_cli_ratio > 0.05
        for: 1h
        labels:
          severity: critical
`})
	c, err := prometheus.New(prometheus.Config{URL: p.URL})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 60*time.Second, "CliHighErrors pends for instance a", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pa, err := c.Alerts(ctx)
		return err == nil && len(pa) == 1 && pa[0].Labels["instance"] == "a"
	})
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{}) // `alerts` reads it; the alert only pends
	env := map[string]string{"ONCALL_PROMETHEUS_URL": p.URL, "ONCALL_ALERTMANAGER_URL": am.URL}

	// The chart's data: the alert's own series, one point per sample, and
	// the rule's threshold.
	code, stdout, stderr := run(t, env, "graph", "CliHighErrors", "-o", "json")
	if code != 0 {
		t.Fatalf("graph: exit %d: %s", code, stderr)
	}
	var g graphJSON
	if err := json.Unmarshal([]byte(stdout), &g); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if g.Threshold == nil || g.Threshold.Op != ">" || g.Threshold.Value != 0.05 || g.Step != "15s" || len(g.Series) != 1 || g.Series[0].Labels["instance"] != "a" {
		t.Fatalf("graph: threshold %+v, step %s, series %d (note %q)", g.Threshold, g.Step, len(g.Series), g.Note)
	}
	pts := g.Series[0].Points
	if n := len(pts); n < 235 || n > 242 {
		t.Errorf("%d points, want about 240 (an hour at 15s)", n)
	}
	for _, pt := range pts {
		// After the last sample (the test started in the past) Prometheus
		// looks back to it.
		at := pt.T
		if at.After(last) {
			at = last
		}
		i := int(at.Sub(first) / step)
		if pt.V == nil || *pt.V != value("a", i) || (!pt.T.After(last) && !pt.T.Equal(first.Add(time.Duration(i)*step))) {
			t.Fatalf("point %s = %v, want sample %d's %g", pt.T, pt.V, i, value("a", i))
		}
	}
	if len(g.Markers) != 1 || g.Markers[0].Kind != "pending" {
		t.Errorf("markers %+v, want the pending time", g.Markers)
	}
	// Piped: a table of the same values.
	code, stdout, stderr = run(t, env, "graph", "CliHighErrors", "--range", "30m")
	if code != 0 || !strings.Contains(stdout, "# threshold: > 0.05") || !strings.Contains(stdout, "# S1: ") || !strings.Contains(stdout, "TIME") {
		t.Fatalf("graph table: exit %d, %s\n%s", code, stderr, stdout)
	}
	if rows := strings.Count(stdout, "\n") - strings.Count(stdout, "# ") - 1; rows < 178 || rows > 182 {
		t.Errorf("%d rows for 30m, want 181 (a 10s step for 240 points, both ends)", rows)
	}

	// The firing history: the two backfilled episodes.
	code, stdout, stderr = run(t, env, "alerts", "--history", "-o", "json")
	if code != 0 {
		t.Fatalf("alerts --history: exit %d: %s", code, stderr)
	}
	var as []alertJSON
	if err := json.Unmarshal([]byte(stdout), &as); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if len(as) != 1 || as[0].History == nil {
		t.Fatalf("alerts: %s", stdout)
	}
	h := as[0].History
	if h.Episodes24h != 2 || h.Episodes7d != 2 || h.Firing || h.LastFired == nil || h.LastResolved == nil || len([]rune(h.Hourly)) != 24 {
		t.Fatalf("history %+v", h)
	}
	if d := last.Sub(*h.LastResolved); d < time.Hour+38*time.Minute || d > time.Hour+42*time.Minute {
		t.Errorf("last resolved %s ago, want 1h40m", d)
	}
	if d := last.Sub(*h.LastFired); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("last fired %s ago, want 2h", d)
	}
	code, stdout, _ = run(t, env, "alerts", "--history")
	if code != 0 || !strings.Contains(stdout, "EPISODES 24H/7D") || !strings.Contains(stdout, "2/2") || !regexp.MustCompile(`(1h59m|2h) ago`).MatchString(stdout) {
		t.Errorf("alerts --history table: exit %d\n%s", code, stdout)
	}
}

// On the simulated incident every demo alert has a graph, and the firing
// history sorts the list (backend-2's flapping memory first).
func TestGraphAndHistoryOnTheDemo(t *testing.T) {
	b, err := sim.Start(context.Background(), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	simgraphs.Register(b.Prometheus)
	env := map[string]string{"ONCALL_PROMETHEUS_URL": b.Prometheus.URL(), "ONCALL_ALERTMANAGER_URL": b.Alertmanager.URL()}
	for _, a := range b.Prometheus.Alerts() {
		code, stdout, stderr := run(t, env, "graph", a.Name, "-o", "json")
		var g graphJSON
		if code != 0 || json.Unmarshal([]byte(stdout), &g) != nil || len(g.Series) != 1 || len(g.Markers) == 0 {
			t.Errorf("graph %s: exit %d, %s\n%.300s", a.Name, code, stderr, stdout)
		}
	}
	code, stdout, stderr := run(t, env, "alerts", "--sort", "episodes", "-o", "json")
	var as []alertJSON
	if code != 0 || json.Unmarshal([]byte(stdout), &as) != nil || len(as) == 0 || as[0].History == nil {
		t.Fatalf("alerts --sort episodes: exit %d, %s\n%.300s", code, stderr, stdout)
	}
	if top := as[0]; top.Labels["alertname"] != "HighMemoryUsage" || top.History.Episodes24h != 7 || !top.History.Flapping {
		t.Errorf("first by episodes: %s %+v", top.Labels["alertname"], top.History)
	}
	// Bad input: one line naming the cause.
	for args, want := range map[string]string{
		"graph NoSuchAlert":           `no alert or alerting rule named "NoSuchAlert"`,
		"graph APIDown --range 1x":    `--range "1x": not a duration`,
		"graph APIDown --range 200d":  "--range 200d: want more than 0 and at most 90d",
		"graph":                       "give an alert name or --fingerprint",
		"graph APIDown --top 0":       "--top 0: want at least 1",
		"graph APIDown -o yaml":       `unknown output format "yaml"`,
		"alerts --history --sort age": "",
	} {
		code, _, stderr := run(t, env, strings.Fields(args)...)
		if want == "" {
			if code != 0 {
				t.Errorf("%s: exit %d: %s", args, code, stderr)
			}
			continue
		}
		if code == 0 || !strings.Contains(stderr, want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q, want one line with %q", args, code, stderr, want)
		}
	}
	// Without a Prometheus, --history says what it needs.
	code, _, stderr = run(t, map[string]string{"ONCALL_ALERTMANAGER_URL": b.Alertmanager.URL()}, "alerts", "--history")
	if code == 0 || !strings.Contains(stderr, "has no Prometheus to read ALERTS from") {
		t.Errorf("--history without Prometheus: exit %d, %s", code, stderr)
	}
}
