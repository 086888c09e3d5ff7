package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/demo"
	"oncall/internal/watch"
	"oncall/sources/alertmanager"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
	"oncall/tui/kit"
	logscreen "oncall/tui/screens/logs"
)

// selectNamed moves the list's cursor to the alert called name.
func selectNamed(t *testing.T, d *driver, name string) *alerts.Alert {
	t.Helper()
	d.key("g")
	for i := 0; i < 30; i++ {
		if a := d.m.Selected(); a != nil && a.Name() == name {
			return a
		}
		d.key("j")
	}
	t.Fatalf("no %s in the list:\n%s", name, plain(d.m.Render()))
	return nil
}

// TestLokiRulerFeedsTheUI is issue 17's done-when in the demo, against the
// simulated Alertmanager, Prometheus and Loki with its ruler (a fake
// Loki serving the seed's rules): log-based alerts show with their rule,
// the pending one too, the source link is a short Grafana link, and l
// opens the lines that fired each — only lines matching its rule's filter.
func TestLokiRulerFeedsTheUI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	state := filepath.Join(t.TempDir(), "state")
	in, err := demo.Start(ctx, demo.Options{Getenv: func(k string) string { return map[string]string{"XDG_STATE_HOME": state}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close() })
	cur, err := in.Config.Current()
	if err != nil {
		t.Fatal(err)
	}
	am, err := alertmanager.New(alertmanager.Config{URLs: cur.Alertmanager.URLs})
	if err != nil {
		t.Fatal(err)
	}
	prom, err := prometheus.New(prometheus.Config{URL: cur.Prometheus.URL})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := loki.New(loki.Config{URL: cur.Loki.URL})
	if err != nil {
		t.Fatal(err)
	}
	ruler, err := lc.Ruler()
	if err != nil {
		t.Fatal(err)
	}
	cfg := in.Config
	cfg.Refresh = config.Duration(time.Hour)
	entries := []kit.Entry{logscreen.Entry(logscreen.Options{Client: lc, AlertSelector: demo.AlertSelector})}
	m, d := startLive(t, Deps{Config: cfg, Clusters: []*Cluster{{Name: demo.Context, AM: am, Prom: prom, Ruler: ruler, Entries: entries}}}, Options{})
	d.until("every source, the ruler too", 20*time.Second, func() bool { return allHealthy(m) && srcHealth(m, watch.SrcRuler).OK })

	out := plain(m.Render())
	for _, want := range []string{"DatabaseTooManyClients", "BackendPoolTimeouts", "BackendSlowQueries", "[log]"} {
		if !strings.Contains(out, want) {
			t.Errorf("the list lacks %q:\n%s", want, out)
		}
	}

	// the firing one: Alertmanager's alert with its Loki rule
	a := selectNamed(t, d, "DatabaseTooManyClients")
	if a.Rule == nil || a.Rule.Source != alerts.SourceLoki || !strings.Contains(a.Rule.Expr, `|= "too many clients"`) {
		t.Fatalf("rule %+v", a.Rule)
	}
	styled := m.Render()
	out = plain(styled)
	for _, want := range []string{"Rule · Loki ruler", "LogQL:", `(count_over_time({service_name="conectcrm-backend"} |= "too`, `clients" [1m])) > 5`,
		"for: 1m0s", "labels: severity=warning team=crm", "health ok", "source: Grafana Explore (grafana.conectcrm.example)", "l opens the lines that fired it"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(styled, "\x1b]8;;"+demo.GrafanaURL+"/explore?left=") || strings.Contains(out, "/explore?left=") {
		t.Errorf("the source is not a short OSC 8 link to grafana_url/explore")
	}

	logs := m.ScreenNamed(logscreen.Name).(*logscreen.Screen)
	checkLines := func(query, match string, atLeast int) {
		t.Helper()
		d.key("l")
		d.until("the lines that fired it", 20*time.Second, func() bool { st := logs.State(); return st.Loaded && !st.Loading && st.Query == query })
		st := logs.State()
		if st.Err != "" || st.Lines < atLeast {
			t.Fatalf("%s: err %q, %d lines", query, st.Err, st.Lines)
		}
		for i, line := range logs.Lines() {
			if !strings.Contains(line, match) {
				t.Fatalf("line %d does not match the rule's filter %q: %s", i, match, line)
			}
		}
		d.key("esc")
	}
	checkLines(`{service_name="conectcrm-backend"} |= "too many clients"`, "too many clients", 6)

	// narrowed after the parser to the alert's instance
	selectNamed(t, d, "BackendPoolTimeouts")
	checkLines(`{service_name="conectcrm-backend"} |= "timeout acquiring connection from pool" | json | instance="backend-2:3001"`, `"instance":"backend-2:3001"`, 10)

	// the pending one: only Loki's ruler knows it
	a = selectNamed(t, d, "BackendSlowQueries")
	if a.State != alerts.StatePending || a.Rule == nil || a.Rule.Source != alerts.SourceLoki {
		t.Fatalf("pending alert %s with rule %+v", a.State, a.Rule)
	}
	if out := plain(m.Render()); !strings.Contains(out, "Rule · Loki ruler") || !strings.Contains(out, `level="warn"} |= "slow query" [10m])) > 20`) {
		t.Errorf("the pending alert's detail:\n%s", out)
	}
	checkLines(`{service_name="conectcrm-backend", level="warn"} |= "slow query"`, "slow query", 1)
}
