package graph

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/internal/demo/sim"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

// With two clusters watched, each alert's graph and history come from its
// own cluster's Prometheus: west's answers HTML error pages, so west's
// alerts say so while east's draw.
func TestEachClusterQueriesItsOwnPrometheus(t *testing.T) {
	east, west := startIncident(t), startIncident(t)
	west.b.Prometheus.SetFault(sim.HTML500)
	entry := Entry(Options{Debounce: time.Millisecond})
	d := tuitest.New(t, tuitest.Setup{Width: 160, Height: 48, NoData: true, Deps: tui.Deps{
		Clusters: []*tui.Cluster{
			{Name: "east", AM: east.am, Prom: east.prom, Entries: []kit.Entry{entry}},
			{Name: "west", AM: west.am, Prom: west.prom, Entries: []kit.Entry{entry}},
		},
		Watch: []string{"east", "west"}, Now: func() time.Time { return now },
	}})
	for _, c := range []struct {
		name string
		in   *incident
	}{{"east", east}, {"west", west}} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		am, err := c.in.am.Alerts(ctx, nil)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		d.M.SetClusterData(c.name, alerts.Inputs{AM: am, Rules: rulesOf(t, east)})
	}
	d.Send(nudge{})
	// The list is sorted by severity then age: east's and west's APIDown
	// are the first two rows.
	first := d.M.Selected()
	graphed(d)
	text := d.Screen()
	if first.Cluster != "east" || !strings.Contains(text, "┄ == 0") || !strings.Contains(text, "2 episodes in 24h") {
		t.Fatalf("east's %s:\n%s", first.Name(), text)
	}
	d.Press("j").UntilScreen("✗")
	if a := d.M.Selected(); a.Cluster != "west" || a.Name() != first.Name() {
		t.Fatalf("second row: %s@%s", a.Name(), a.Cluster)
	}
	text = d.Screen()
	if !strings.Contains(text, "Graph · last hour") || !strings.Contains(text, "server_error") || strings.Contains(text, "┄ == 0") {
		t.Errorf("west's graph should fail (its Prometheus answers 500):\n%s", text)
	}
	if e, w := d.ScreenNamed(Name+"@east").(*screen), d.ScreenNamed(Name+"@west").(*screen); e.hist.set == nil || w.hist.err == "" {
		t.Errorf("east's history %v, west's error %q", e.hist.set != nil, w.hist.err)
	}
}

// rulesOf reads the incident's alerting rules.
func rulesOf(t *testing.T, in *incident) map[string][]v1.AlertingRule {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rules, err := in.prom.AlertingRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}
