package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"oncall/internal/demo/sim"
	"oncall/internal/demo/simslo"
)

// budgetSim is the simulated Prometheus, optionally with the demo SLO
// answers registered.
func budgetSim(t *testing.T, withSLO bool) *sim.Backend {
	t.Helper()
	b, err := sim.Start(context.Background(), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if withSLO {
		simslo.RegisterDemo(b.Prometheus)
	}
	return b
}

func TestBudgetWithoutSLOs(t *testing.T) {
	b := budgetSim(t, false)
	code, stdout, stderr := run(t, map[string]string{"ONCALL_PROMETHEUS_URL": b.Prometheus.URL()}, "budget")
	if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
		!strings.HasPrefix(stderr, `oncall: no SLO configured for context "default" and none discovered from Sloth or Pyrra recording rules: add [[contexts.default.slo]]`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, _, stderr = run(t, nil, "budget")
	if code != 1 || !strings.Contains(stderr, "budget needs Prometheus") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("no Prometheus: exit %d, %q", code, stderr)
	}

	code, _, stderr = run(t, map[string]string{"ONCALL_PROMETHEUS_URL": b.Prometheus.URL()}, "budget", "--at", "yesterday")
	if code != 1 || !strings.Contains(stderr, `--at: "yesterday" is neither RFC 3339`) {
		t.Errorf("bad --at: exit %d, %q", code, stderr)
	}
}

func TestBudgetOneFailingSLO(t *testing.T) {
	b := budgetSim(t, true)
	cfg := writeConfig(t, `current_context = "demo"
[contexts.demo.prometheus]
url = "`+b.Prometheus.URL()+`"

[[contexts.demo.slo]]
name = "availability"
objective = 99.9
errors = 'sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[$window]))'
total = 'sum(rate(http_requests_total{service="conectcrm-backend"}[$window]))'

[[contexts.demo.slo]]
name = "broken"
objective = 99
errors = 'sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[$window])'
total = 'sum(rate(http_requests_total{service="conectcrm-backend"}[$window]))'
`)
	code, stdout, stderr := run(t, nil, "--config", cfg, "budget", "-o", "json")
	got := budgetJSON(t, stdout)
	if code != 1 || len(got) != 1 || got["availability"].State != "page" {
		t.Errorf("exit %d, reports %v", code, got)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "oncall: warning: slo broken: query over") || lines[1] != "oncall: SLO broken could not be evaluated (see the warning above)" {
		t.Errorf("stderr %q", stderr)
	}
}

func TestBudgetTimeout(t *testing.T) {
	b := budgetSim(t, true)
	b.Prometheus.SetDelay(5 * time.Second)
	cfg := writeConfig(t, "current_context = \"demo\"\n[contexts.demo.prometheus]\nurl = \""+b.Prometheus.URL()+"\"\n")
	start := time.Now()
	code, _, stderr := run(t, nil, "--config", cfg, "--timeout", "500ms", "budget")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s with --timeout 500ms", d)
	}
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "oncall: ") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}
