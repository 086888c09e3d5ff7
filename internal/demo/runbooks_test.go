package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/demo"
	"oncall/internal/wire"
	"oncall/runbooks"
	"oncall/tui"
)

// Done-when: for every alert of the demo, the runbook screen (opened with R
// through Model.Update, wired exactly as `oncall demo` wires it) finds a
// runbook that is not generated and has runnable blocks, and the first
// promql block runs against the simulated Prometheus and returns data.
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
	dark := true
	m, err := tui.New(tui.Deps{Config: cfg, AM: am, Prom: prom, Screens: wire.Screens(cfg, wire.Env{Getenv: getenv})}, tui.Options{Dark: &dark, NoFetch: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
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
	m.SetData(amA, sils, pa, rules)
	all := m.Alerts()
	if len(all) < 8 {
		t.Fatalf("the demo shows %d alerts, want at least 8", len(all))
	}
	for _, want := range all {
		t.Run(want.Name(), func(t *testing.T) {
			demoKeys(t, m, "A", "g")
			for i := 0; i < 40 && (m.Selected() == nil || m.Selected().Fingerprint != want.Fingerprint); i++ {
				demoKeys(t, m, "j")
			}
			if m.Selected() == nil || m.Selected().Fingerprint != want.Fingerprint {
				t.Fatal("cannot select the alert in the list")
			}
			demoKeys(t, m, "R")
			st, _ := tui.RunbookStateOf(m)
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
				demoKeys(t, m, "tab")
				st, _ = tui.RunbookStateOf(m)
			}
			if st.Selected < 0 || rb.Blocks[st.Selected].Lang != "promql" {
				t.Fatalf("no promql block in %s", rb.Origin())
			}
			demoKeys(t, m, "enter")
			st, _ = tui.RunbookStateOf(m)
			res, ok := st.Results[st.Selected]
			if !ok || res.Running || res.Err != "" || res.Series == 0 {
				t.Errorf("%s: running %q gave %+v", rb.Origin(), res.Query, res)
			}
			t.Logf("%s: %s → %d series", rb.Origin(), res.Query, res.Series)
		})
	}
}

// demoKeys presses keys and runs what they return: replies addressed to a
// screen go back into the model; other messages (status, timers) are
// dropped.
func demoKeys(t *testing.T, m *tui.Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		msg := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		switch k {
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		}
		_, cmd := m.Update(msg)
		demoRun(t, m, cmd)
	}
}

func demoRun(t *testing.T, m *tui.Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				demoRun(t, m, c)
			}
		case tui.Routed:
			_, next := m.Update(msg)
			demoRun(t, m, next)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a command did not finish in 30s")
	}
}
