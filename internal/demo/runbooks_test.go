package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"oncall/internal/demo"
	"oncall/internal/wire"
	"oncall/runbooks"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/screens/runbook"
	"oncall/tui/tuitest"
)

// Done-when: for every alert of the demo, the runbook screen (opened with R
// in a session driven by tuitest, wired exactly as `oncall demo` wires it)
// finds a runbook that is not generated and has runnable blocks, and the
// first promql block runs against the simulated Prometheus and returns data.
func TestDemoEveryAlertHasARunnableRunbook(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	state := filepath.Join(t.TempDir(), "state")
	getenv := func(k string) string { return map[string]string{"XDG_STATE_HOME": state}[k] }
	in, err := demo.Start(ctx, demo.Options{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close() }()
	cfg := in.Config
	am, err := wire.Alertmanager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	prom, err := wire.Prometheus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var entries []kit.Entry // one Finder for every session, as oncall demo has
	for _, e := range wire.Entries(cfg, wire.Env{Getenv: getenv}) {
		if e.Name == runbook.Name {
			entries = append(entries, e)
		}
	}
	amA, err := am.Alerts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	sils, err := am.Silences(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := prom.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := prom.AlertingRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	session := func(t *testing.T) *tuitest.Driver {
		d := tuitest.New(t, tuitest.Setup{Dark: true, NoData: true, Deps: tui.Deps{Config: cfg, AM: am, Prom: prom, Now: time.Now}, Entries: entries})
		d.M.SetData(amA, sils, pa, rules)
		d.Timeout = 30 * time.Second
		return d
	}
	all := session(t).M.Alerts()
	if len(all) < 8 {
		t.Fatalf("the demo shows %d alerts, want at least 8", len(all))
	}
	for _, want := range all {
		t.Run(want.Name(), func(t *testing.T) {
			d := session(t)
			state := func() runbook.State {
				st, ok := runbook.StateOf(d.ScreenNamed(runbook.Name))
				if !ok {
					t.Fatal("no runbook screen registered")
				}
				return st
			}
			d.Press("A", "g")
			for i := 0; i < 40 && (d.M.Selected() == nil || d.M.Selected().Fingerprint != want.Fingerprint); i++ {
				d.Press("j")
			}
			if d.M.Selected() == nil || d.M.Selected().Fingerprint != want.Fingerprint {
				t.Fatal("cannot select the alert in the list")
			}
			d.Press("R").Until("the runbook lookup", func() bool { return !state().Loading })
			st := state()
			rb := st.Runbook
			if rb == nil {
				t.Fatalf("no runbook: %q", st.Err)
			}
			if rb.Source == runbooks.SourceGenerated {
				t.Fatalf("runbook %s (warning %q), want a real one", rb.Origin(), rb.Warning)
			}
			if rb.Warning != "" {
				// the sim's rule points at a section the shipped
				// collection does not have; the lookup falls back to the
				// shipped file named after the alert
				t.Logf("%s: %s", rb.Origin(), rb.Warning)
			}
			if len(rb.Runnable()) == 0 {
				t.Fatalf("%s has no runnable block", rb.Origin())
			}
			for i := 0; i < len(rb.Blocks) && (st.Selected < 0 || rb.Blocks[st.Selected].Lang != "promql"); i++ {
				d.Press("tab")
				st = state()
			}
			if st.Selected < 0 || rb.Blocks[st.Selected].Lang != "promql" {
				t.Fatalf("no promql block in %s", rb.Origin())
			}
			d.Press("enter").Until("the query's result", func() bool {
				res, ok := state().Results[st.Selected]
				return ok && !res.Running
			})
			res := state().Results[st.Selected]
			if res.Err != "" || res.Series == 0 {
				t.Errorf("%s: running %q gave %+v", rb.Origin(), res.Query, res)
			}
			t.Logf("%s: %s → %d series", rb.Origin(), res.Query, res.Series)
		})
	}
}
