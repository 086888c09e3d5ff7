package tui

import (
	"strings"
	"testing"
	"time"

	"oncall/internal/alerts"
	"oncall/tui/kit"
)

func TestSourceLinkIsShortWithTheFullTarget(t *testing.T) {
	const explore = "/explore?left=%7B%22queries%22%3A%5B%7B%22expr%22%3A%22sum%28x%29%22%7D%5D%7D"
	for _, c := range []struct {
		raw, base, label, target string
	}{
		{explore, "https://grafana.example.com", "Grafana Explore (grafana.example.com)", "https://grafana.example.com" + explore},
		{explore, "https://ops.example.com/grafana/", "Grafana Explore (ops.example.com)", "https://ops.example.com/grafana" + explore},
		{explore, "", "", ""}, // relative without grafana_url: no link
		{"http://prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1", "https://grafana.example.com", "Prometheus graph (prometheus:9090)", "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1"},
		{"https://grafana.example.com/alerting/grafana/abc/view", "", "/alerting/grafana/abc/view (grafana.example.com)", "https://grafana.example.com/alerting/grafana/abc/view"},
	} {
		label, target := sourceLink(c.raw, c.base)
		if label != c.label || target != c.target {
			t.Errorf("%s on %q: %q → %q, want %q → %q", c.raw, c.base, label, target, c.label, c.target)
		}
	}
	st := kit.NewStyles(true)
	a := &alerts.Alert{GeneratorURL: explore, Cluster: "prod"}
	if got := kit.Strip(sourceLine(a, "", st)); !strings.Contains(got, "relative: set [contexts.prod] grafana_url") || strings.Contains(sourceLine(a, "", st), "\x1b]8") {
		t.Errorf("without grafana_url: %q", got)
	}
	// a hostile generator URL is never a link and never raw
	a.GeneratorURL = "https://evil.example/\x1b]8;;https://x\x07"
	if line := sourceLine(a, "", st); strings.Contains(line, "\x07") || strings.Contains(line, "\x1b]8;;https://x") {
		t.Errorf("hostile URL reached the screen: %q", line)
	}
}

func TestRuleLinesSayWhereTheRuleLives(t *testing.T) {
	st := kit.NewStyles(true)
	now := time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC)
	a := &alerts.Alert{Rule: &alerts.Rule{Expr: `sum(count_over_time({app="x"} |= "boom" [5m])) > 1`, Source: alerts.SourceLoki, For: time.Minute,
		Labels: map[string]string{"team": "crm", "severity": "warning"}, Health: "err", LastError: "parse error\nat line 1", LastEval: now.Add(-20 * time.Second)}}
	got := kit.Strip(strings.Join(ruleLines(a, "l", st, now), "\n"))
	for _, want := range []string{"Rule · Loki ruler", "LogQL:", `|= "boom" [5m])) > 1`, "for: 1m0s", "labels: severity=warning team=crm",
		"evaluated 20s ago · health err", "last error: parse error; at line 1", "l opens the lines that fired it"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	a.Rule = &alerts.Rule{Expr: "up == 0", Source: alerts.SourcePrometheus}
	got = kit.Strip(strings.Join(ruleLines(a, "l", st, now), "\n"))
	if !strings.Contains(got, "Rule · Prometheus") || !strings.Contains(got, "PromQL:") || strings.Contains(got, "fired it") {
		t.Errorf("prometheus rule:\n%s", got)
	}
}
