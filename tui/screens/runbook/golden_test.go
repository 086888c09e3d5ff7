package runbook

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/testkit/testenv"
	"oncall/runbooks"
	"oncall/sources/prometheus"
	"oncall/tui"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// opened is a session at w×h showing the runbook of APIDown.
func opened(t *testing.T, w, h int, dark bool, o Options) (*tuitest.Driver, *screen) {
	t.Helper()
	d, s := newDriver(t, w, h, dark, o)
	openAPIDown(t, d, s)
	return d, s
}

// TestRunbookGoldenViews renders the runbook screen at 80×24 and 160×48 on
// dark and light backgrounds: as opened, and with a promql block run
// (inline table and sparklines) and a logql block that has no Loki.
func TestRunbookGoldenViews(t *testing.T) {
	tuitest.Views(t, "runbook", func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
		d, _ := opened(t, w, h, dark, Options{Prom: &fakeProm{}})
		return d
	})
	tuitest.Views(t, "runbook-ran", func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
		d, s := opened(t, w, h, dark, Options{Prom: &fakeProm{}})
		d.Press("tab", "tab", "tab", "enter", "shift+tab", "shift+tab", "enter")
		d.Until("the query's result", func() bool { r := s.results[0]; return r != nil && !r.running })
		contains(t, "view", d.Screen(), "✓ 2 series")
		contains(t, "body", body(s), `no Loki configured for context "prod"`)
		return d
	})
}

// ? on the runbook screen lists its own keys first.
func TestRunbookHelpGolden(t *testing.T) {
	tuitest.Help(t, "runbook-help", func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
		d, _ := opened(t, w, h, dark, Options{})
		return d
	}, "Runbook", "next code block", "shift+tab", "copy the block", "next heading")
}

// A promql block runs against a real Prometheus (the session's, Deps.Prom):
// Prometheus scrapes itself, so up{job="prometheus"} is 1.
func TestRunbookPromQLAgainstRealPrometheus(t *testing.T) {
	p := testenv.StartPrometheus(t, testenv.PrometheusOptions{})
	client, err := prometheus.New(prometheus.Config{URL: p.URL})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "prometheus has scraped itself", func() bool {
		v, err := client.Query(context.Background(), `up{job="prometheus"}`, time.Now())
		return err == nil && v.String() != ""
	})
	dir := t.TempDir()
	md := "# PromSelf\n\nIs it up?\n\n```promql\nup{job=\"{{ .Labels.job }}\"}\n```\n\nBroken on purpose:\n\n```promql\nsum(rate(up[5m]) by\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "PromSelf.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	d, s := newDriverWith(t, tuitest.Setup{Width: 120, Height: 40, Dark: true, NoData: true, Deps: tui.Deps{Prom: client, Now: time.Now}},
		Options{Finder: runbooks.NewFinder(runbooks.Options{Paths: []string{dir}})})
	d.M.SetData(models.GettableAlerts{fixture.AM(fixture.Alert{Labels: map[string]string{"alertname": "PromSelf", "severity": "warning", "job": "prometheus"}, Summary: "self", Age: time.Minute})}, nil, nil, nil)
	selectAlert(t, d, "PromSelf")
	open(t, d, s)
	if s.rb == nil || s.rb.Source != runbooks.SourceFile {
		t.Fatalf("runbook: %+v (err %q)", s.rb, s.err)
	}
	ran := func(i int) func() bool {
		return func() bool { r := s.results[i]; return r != nil && !r.running }
	}
	d.Press("tab", "enter").Until("the first query", ran(0))
	r := s.results[0]
	if r.err != "" || len(r.series) != 1 || r.series[0].value != "1" {
		t.Fatalf("result: %+v", r)
	}
	if !strings.ContainsAny(r.series[0].spark, "▁▂▃▄▅▆▇█") {
		t.Errorf("no sparkline from the range query: %q", r.series[0].spark)
	}
	contains(t, "result", blockText(s, 0), "✓ 1 series", `up{instance="`, `job="prometheus"}`)

	// a query Prometheus rejects shows its error under the block
	d.Press("tab", "enter").Until("the broken query", ran(1))
	if r := s.results[1]; !strings.Contains(r.err, "bad_data") {
		t.Fatalf("broken query: %+v", r)
	}
	contains(t, "error", blockText(s, 1), "✗ prometheus", "bad_data")
}
