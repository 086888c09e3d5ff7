package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/tui/kit"
	"oncall/tui/tuitest/fixture"
)

// twoClusters is a model watching prod-eu (red) and staging, each holding
// the UI fixture's incident (staging without its silences).
func twoClusters(t *testing.T, w, h int, dark bool) *Model {
	t.Helper()
	cfg := config.Defaults()
	cfg.CurrentContext = "prod-eu"
	cfg.Identity.User = "alice@bastion"
	cfg.Contexts = map[string]*config.Context{"prod-eu": {UI: config.ContextUI{Accent: "red"}}, "staging": {}, "prod-us": {}}
	zero := time.Duration(0)
	m, err := New(Deps{Config: cfg, Now: fixture.Now, Clusters: []*Cluster{{Name: "prod-eu"}, {Name: "staging"}, {Name: "prod-us"}}, Watch: []string{"prod-eu", "staging"}},
		Options{Dark: &dark, NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	as, sils, prom, rules := uiFixture()
	m.SetClusterData("prod-eu", alerts.Inputs{AM: as, Silences: sils, Prom: prom, Rules: rules})
	m.SetClusterData("staging", alerts.Inputs{AM: as[:3], Prom: prom})
	return m
}

func TestTwoClusterGoldenViews(t *testing.T) {
	for _, v := range []struct {
		name string
		keys []string
	}{
		{"clusters", nil},
		{"clusters-silences", []string{"S"}},
		{"clusters-filter", []string{"/", "@cluster=staging", "enter"}},
	} {
		fixture.Frames(t, v.name, func(t *testing.T, w, h int, dark bool) string {
			m := twoClusters(t, w, h, dark)
			keys(m, v.keys...)
			return m.Render()
		})
	}
}

func TestTwoClustersMergeAndCount(t *testing.T) {
	m := twoClusters(t, 160, 48, true)
	eu, st := 0, 0
	for _, a := range m.Alerts() {
		switch a.Cluster {
		case "prod-eu":
			eu++
		case "staging":
			st++
		}
	}
	if eu != 8 || st != 4 {
		t.Fatalf("prod-eu %d alerts, staging %d; want 8 and 4", eu, st)
	}
	out := plain(m.Render())
	for _, want := range []string{"prod-eu 3c 4w 1i", "staging 3c", "6 critical", "2 clusters", "prod-eu ✓", "staging ✓"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	// The same labels in two clusters are two alerts, each selectable.
	press(m, "/")
	typeText(m, `alertname="APIDown"`)
	press(m, "enter")
	if got := m.alertsPane.Visible(); len(got) != 2 || got[0].Key() == got[1].Key() {
		t.Fatalf("APIDown twins: %d shown", len(got))
	}
}

func TestCommandMode(t *testing.T) {
	m := twoClusters(t, 160, 48, true)
	run := func(line string) {
		t.Helper()
		press(m, ":")
		if !m.cmdline.Active() {
			t.Fatal(": did not open the command line")
		}
		typeText(m, line)
		press(m, "enter")
	}
	run("silences")
	if m.view != viewSilences {
		t.Fatalf(":silences showed view %v", m.view)
	}
	press(m, "-")
	if m.view != viewAlerts {
		t.Fatalf("- went to view %v, want back to the alerts", m.view)
	}
	press(m, "-")
	if m.view != viewSilences {
		t.Fatalf("- again went to view %v, want the silences", m.view)
	}
	run("alerts")
	run("sort name")
	if m.alertsPane.SortKey() != alerts.SortName {
		t.Fatalf("sort %s", m.alertsPane.SortKey())
	}
	run("sort sideways")
	if !m.status.err || !strings.Contains(m.status.text, `"sideways" is not a sort key`) {
		t.Fatalf("bad sort: %+v", m.status)
	}
	run(`filter severity="critical"`)
	if got := len(m.alertsPane.Visible()); got != 6 {
		t.Fatalf(":filter shows %d alerts, want 6", got)
	}
	// :group @cluster heads the filtered list with one row per cluster;
	// :group alone takes the groups away.
	run("group @cluster")
	var headers []string
	for _, r := range m.alertsPane.rows {
		if r.header() {
			headers = append(headers, m.alertsPane.groups[r.gid].header)
		}
	}
	if strings.Join(headers, ",") != "prod-eu,staging" {
		t.Fatalf(":group @cluster headers = %q", headers)
	}
	if got := len(m.alertsPane.Visible()); got != 6 {
		t.Fatalf("grouping changed the filtered list to %d alerts", got)
	}
	run("group")
	for _, r := range m.alertsPane.rows {
		if r.header() {
			t.Fatal(":group alone left a group header")
		}
	}
	run("slences")
	if !m.status.err || !strings.Contains(m.status.text, `unknown command ":slences"; did you mean :silences?`) {
		t.Fatalf("unknown command: %+v", m.status)
	}
	// history: up recalls the last command
	press(m, ":")
	press(m, "up")
	if v := m.cmdline.History(); v[len(v)-1] != "slences" {
		t.Fatalf("history %v", v)
	}
	press(m, "esc")
	if m.cmdline.Active() {
		t.Fatal("esc left the command line open")
	}
	run("ctx")
	if d, ok := m.overlays.top().(interface {
		View(int, int, *kit.Styles) string
	}); !ok {
		t.Fatal(":ctx did not list the contexts")
	} else if out := kit.Strip(d.View(160, 48, m.st)); !strings.Contains(out, "▸ prod-eu") || !strings.Contains(out, "  prod-us") {
		t.Fatalf(":ctx list:\n%s", out)
	}
	press(m, "esc")
	run("ctx prod-us,staging")
	if strings.Join(m.watched, ",") != "prod-us,staging" {
		t.Fatalf("watched %v", m.watched)
	}
	for _, a := range m.Alerts() {
		if a.Cluster == "prod-eu" {
			t.Fatal("prod-eu's alerts stay after :ctx dropped it")
		}
	}
	run("ctx prod-uss")
	if !strings.Contains(m.status.text, `unknown context "prod-uss"; did you mean prod-us?`) {
		t.Fatalf("bad context: %+v", m.status)
	}
	run("q")
	if !m.quitting {
		t.Fatal(":q did not quit")
	}
}

// Aliases come from [view] aliases and complete like commands.
func TestCommandAliases(t *testing.T) {
	m := twoClusters(t, 160, 48, true)
	m.deps.Config.View.Aliases = map[string]string{"crit": `filter severity="critical"`}
	m.cmdline = newCmdline(m)
	press(m, ":")
	typeText(m, "crit")
	press(m, "enter")
	if got := len(m.alertsPane.Visible()); got != 6 {
		t.Fatalf(":crit shows %d alerts", got)
	}
}
