package graph

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/go-openapi/strfmt"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simgraphs"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// now is the clock of the simulated incident and of the session.
var now = fixture.Now()

// incident is the simulated demo incident at now: Alertmanager and
// Prometheus on loopback ports, the alerts' graphs and firing history
// answered over the real APIs.
type incident struct {
	b    *sim.Backend
	am   *alertmanager.Client
	prom *prometheus.Client
}

func startIncident(t testing.TB) *incident {
	t.Helper()
	b, err := sim.Start(context.Background(), sim.Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	simgraphs.Register(b.Prometheus)
	am, err := alertmanager.New(alertmanager.Config{URLs: []string{b.Alertmanager.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	prom, err := prometheus.New(prometheus.Config{URL: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return &incident{b: b, am: am, prom: prom}
}

// setup is a session on the incident: its alerts fed once, as the watch
// hub would (no polling, so the status bar is the same in every run), the
// graph screen registered with o.
type setup struct {
	w, h    int
	dark    bool
	opts    Options
	noProm  bool // the session has no Prometheus (Alertmanager only)
	noRules bool // Prometheus lists no rule
	edit    func(*config.Config)
	// ruler is what Loki's ruler lists (nil: no ruler)
	ruler *ruler
}

// ruler is what Loki's ruler answered.
type ruler struct {
	alerts []v1.Alert
	rules  map[string][]v1.AlertingRule
}

func (in *incident) session(t testing.TB, s setup) *tuitest.Driver {
	t.Helper()
	if s.w == 0 {
		s.w, s.h = 160, 48
	}
	if s.opts.Debounce == 0 {
		s.opts.Debounce = time.Millisecond
	}
	cfg := tuitest.Config()
	if s.edit != nil {
		s.edit(cfg)
	}
	deps := tui.Deps{AM: in.am, Prom: in.prom, Now: func() time.Time { return now }}
	if s.noProm {
		deps.Prom = nil
	}
	d := tuitest.New(t, tuitest.Setup{Width: s.w, Height: s.h, Dark: s.dark, Config: cfg, Deps: deps, NoData: true,
		Entries: []kit.Entry{Entry(s.opts)}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	am, err := in.am.Alerts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	sils, err := in.am.Silences(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := in.prom.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := in.prom.AlertingRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.noProm {
		pa, rules = nil, nil
	}
	if s.noRules {
		rules = nil
	}
	for _, a := range am { // the same links whatever port the server got
		a.GeneratorURL = strfmt.URI(strings.Replace(string(a.GeneratorURL), in.b.Prometheus.URL(), "http://prometheus:9090", 1))
	}
	in2 := alerts.Inputs{AM: am, Silences: sils, Prom: pa, Rules: rules}
	if s.ruler != nil {
		in2.RulerAlerts, in2.RulerRules = s.ruler.alerts, s.ruler.rules
	}
	d.M.SetClusterData(cfg.CurrentContext, in2)
	// SetData is no message: the commands it queued (the detail's
	// fetches) go out with the next Update's.
	return d.Send(nudge{})
}

// nudge is a message nothing handles.
type nudge struct{}

// screenOf is the driven model's graph screen.
func screenOf(t testing.TB, d *tuitest.Driver) *screen {
	t.Helper()
	return tuitest.ScreenAs[*screen](t, d, Name)
}

// graphed waits until the detail shows the selected alert's chart and its
// history.
func graphed(d *tuitest.Driver) *tuitest.Driver {
	return d.UntilScreen("Graph · last hour").Until("the chart and the history", func() bool {
		out := d.Screen()
		return strings.Contains(out, "┄") && strings.Contains(out, "history ") && !strings.Contains(out, "reading ALERTS")
	})
}

// noColor is the frame as a NO_COLOR terminal gets it, after Bubble Tea
// reported the profile: charts in shapes, no colour, attributes kept.
func noColor(d *tuitest.Driver) string {
	d.Send(tea.ColorProfileMsg{Profile: colorprofile.ASCII})
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ASCII}
	if _, err := w.WriteString(d.Render()); err != nil {
		panic(err)
	}
	return b.String()
}

// noColorFrames are a view's NO_COLOR golden frames, one per size,
// named NAME-WxH-nocolor.
func noColorFrames(t *testing.T, name string, open tuitest.Open) {
	t.Helper()
	for _, sz := range fixture.Sizes() {
		n := strings.Replace(fixture.Name(name, sz.W, sz.H, true), "-dark", "-nocolor", 1)
		t.Run(n, func(t *testing.T) {
			d := open(t, sz.W, sz.H, true)
			fixture.Frame(t, n, noColor(d), sz.W, sz.H)
		})
	}
}
