package budget

import (
	"strings"
	"testing"

	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

// ? on the budget screen lists its keys first, with their meaning here.
func TestBudgetHelpGolden(t *testing.T) {
	tuitest.Help(t, "budget-help", opened, "Budget", "previous SLO", "next SLO", "evaluate now", "Go to", "error budget")
}

// The budget's keys are the global movement keys, so [keys] remaps them
// on this screen too; [keys.budget] has nothing of its own to remap.
func TestBudgetFollowsRemappedKeys(t *testing.T) {
	cfg := tuitest.Config()
	cfg.Keys.Global = map[string]string{"down": "J"}
	d := tuitest.New(t, tuitest.Setup{Config: cfg, Entries: []kit.Entry{Entry(Options{})}})
	s := screenOf(t, d)
	d.Press("b")
	feed(d, s, results())
	d.Press("g", "j")
	if s.Selected() != "gateway-availability" {
		t.Errorf("j still moves after down was remapped: %q", s.Selected())
	}
	d.Press("J")
	if s.Selected() != "availability" {
		t.Errorf("J did not move down: %q", s.Selected())
	}
	if !strings.Contains(d.Screen(), "↑/k J select") {
		t.Errorf("the hint line does not show the new key:\n%s", d.Screen())
	}

	bad := tuitest.Config()
	bad.Keys.Screens = map[string]map[string]string{Name: {"down": "J"}}
	_, err := tui.New(tui.Deps{Config: bad, Entries: []kit.Entry{Entry(Options{})}}, tui.Options{})
	if err == nil || !strings.Contains(err.Error(), "keys.budget.down: a global action; remap it in [keys]") {
		t.Errorf("[keys.budget] down: %v", err)
	}
}

// Without a Prometheus the wiring registers the screen as unavailable: b
// says why instead of opening it.
func TestBudgetUnavailable(t *testing.T) {
	d := tuitest.New(t, tuitest.Setup{Entries: []kit.Entry{Entry(Options{Unavailable: `no Prometheus configured for context "prod"`})}})
	if d.ScreenNamed(Name) != nil {
		t.Fatal("an unavailable screen was built")
	}
	d.Press("b")
	if d.M.Shown() != "" || !strings.Contains(d.Screen(), `"b": budget is not available (no Prometheus configured`) {
		t.Errorf("b on an unavailable budget: shown %q\n%s", d.M.Shown(), d.Screen())
	}
}
