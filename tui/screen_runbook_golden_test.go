package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/testkit/testenv"
	"oncall/runbooks"
	"oncall/sources/prometheus"
)

// TestRunbookGoldenViews renders the runbook screen at 80×24 and 160×48 on
// dark and light backgrounds: as opened, and with a promql block run
// (inline table and sparklines) and a logql block that has no Loki.
func TestRunbookGoldenViews(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		for _, dark := range []bool{true, false} {
			bg := map[bool]string{true: "dark", false: "light"}[dark]
			for _, v := range []struct {
				name string
				keys []string
			}{
				{"runbook", nil},
				{"runbook-ran", []string{"tab", "tab", "tab", "enter", "shift+tab", "shift+tab", "enter"}},
			} {
				name := fmt.Sprintf("%s-%dx%d-%s", v.name, sz.w, sz.h, bg)
				t.Run(name, func(t *testing.T) {
					m := newRunbookModel(t, sz.w, sz.h, dark, RunbookDeps{Prom: &rbFakeProm{}})
					openAPIDown(t, m)
					rbSend(t, m, v.keys...)
					out := m.Render()
					lines := strings.Split(out, "\n")
					if len(lines) != sz.h {
						t.Fatalf("rendered %d lines, want %d", len(lines), sz.h)
					}
					for i, l := range lines {
						if w := width(l); w != sz.w {
							t.Fatalf("line %d is %d cells wide, want %d: %q", i, w, sz.w, plain(l))
						}
					}
					if v.name == "runbook-ran" {
						rbContains(t, "view", plain(out), "✓ 2 series")
						rbContains(t, "body", rbBody(rbScreen(t, m)), `no Loki configured for context "prod"`)
					}
					golden(t, name, out)
				})
			}
		}
	}
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
	m := newRunbookModel(t, 120, 40, true, RunbookDeps{Finder: runbooks.NewFinder(runbooks.Options{Paths: []string{dir}})})
	m.deps.Prom = client
	m.now = time.Now
	m.SetData(models.GettableAlerts{amAlert(fxAlert{Labels: map[string]string{"alertname": "PromSelf", "severity": "warning", "job": "prometheus"}, Summary: "self", Age: time.Minute})}, nil, nil, nil)
	rbSelect(t, m, "PromSelf")
	rbSend(t, m, "R")
	s := rbScreen(t, m)
	if s.rb == nil || s.rb.Source != runbooks.SourceFile {
		t.Fatalf("runbook: %+v (err %q)", s.rb, s.err)
	}
	rbSend(t, m, "tab", "enter")
	r := s.results[0]
	if r == nil || r.err != "" || r.running || len(r.series) != 1 || r.series[0].value != "1" {
		t.Fatalf("result: %+v", r)
	}
	if !strings.ContainsAny(r.series[0].spark, "▁▂▃▄▅▆▇█") {
		t.Errorf("no sparkline from the range query: %q", r.series[0].spark)
	}
	rbContains(t, "result", rbBlockText(s, 0), "✓ 1 series", `up{instance="`, `job="prometheus"}`)

	// a query Prometheus rejects shows its error under the block
	rbSend(t, m, "tab", "enter")
	if r := s.results[1]; r == nil || !strings.Contains(r.err, "bad_data") {
		t.Fatalf("broken query: %+v", r)
	}
	rbContains(t, "error", rbBlockText(s, 1), "✗ prometheus", "bad_data")
}
