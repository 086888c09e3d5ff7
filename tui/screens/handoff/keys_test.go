package handoff

import (
	"strings"
	"testing"

	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

// collected is a session at w×h showing the handoff, once collected.
func collected(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	t.Helper()
	d := start(t, tuitest.Setup{Width: w, Height: h, Dark: dark}, Options{})
	s := tuitest.ScreenAs[*screen](t, d, Name)
	return d.Press("H").Until("the handoff is collected", func() bool { return !s.loading })
}

// TestHandoffHelp: ? on the handoff screen lists the screen's own keys
// first (with their meaning here), then the global ones.
func TestHandoffHelp(t *testing.T) {
	tuitest.Help(t, "handoff-help", collected, "Handoff", "c     copy (OSC 52 clipboard)", "w     write to a file", "p     post to the webhook",
		"n     new note about the shift", "tab   notes ↔ preview", "e     edit the selected note", "x     strike out / restore", "r     collect again")
	out := collected(t, 160, 48, true).Press("?").Screen()
	if i, j := strings.Index(out, "copy (OSC 52 clipboard)"), strings.Index(out, "A     alerts"); i < 0 || j < 0 || i > j {
		t.Errorf("the screen's keys do not come before the global ones:\n%s", out)
	}
}

// TestHandoffKeysRemap: [keys.handoff] write = "W" moves the write key (w
// no longer writes), the footer says so; [keys] note = "N" moves both the
// note dialog of the alert list and the handoff's shift note.
func TestHandoffKeysRemap(t *testing.T) {
	cfg := tuitest.Config()
	cfg.Keys.Screens = map[string]map[string]string{"handoff": {"write": "W"}}
	cfg.Keys.Global = map[string]string{"note": "N"}
	d := start(t, tuitest.Setup{Config: cfg, Dark: true}, Options{})

	d.Press("n")
	if strings.Contains(d.Screen(), "New note") {
		t.Fatalf("n still opens the note dialog after [keys] note = \"N\":\n%s", d.Screen())
	}
	d.Press("N")
	if !strings.Contains(d.Screen(), "New note · about "+d.M.Selected().Name()) {
		t.Fatalf("N does not open the note dialog:\n%s", d.Screen())
	}
	d.Press("esc")

	showHandoff(t, d, handoffFixture(t))
	if out := d.Screen(); !strings.Contains(out, "W write file") || !strings.Contains(out, "N note") || !strings.Contains(out, "N new") {
		t.Fatalf("the hints do not follow the remap:\n%s", out)
	}
	d.Press("w")
	if strings.Contains(d.Screen(), "Write the handoff to a file") {
		t.Fatal("w still writes after [keys.handoff] write = \"W\"")
	}
	d.Press("W")
	if !strings.Contains(d.Screen(), "Write the handoff to a file") {
		t.Fatalf("W does not open the write prompt:\n%s", d.Screen())
	}
	d.Press("esc", "N")
	if !strings.Contains(d.Screen(), "New note · about the shift") {
		t.Fatalf("N on the handoff does not open the shift note:\n%s", d.Screen())
	}
}

// TestHandoffKeyClash: a remap onto a global key is a config error that
// names both actions.
func TestHandoffKeyClash(t *testing.T) {
	cfg := tuitest.Config()
	cfg.Keys.Screens = map[string]map[string]string{"handoff": {"copy": "S"}}
	_, err := tui.New(tui.Deps{Config: cfg, Entries: []kit.Entry{Entry(Options{}), NotesEntry(Options{})}}, tui.Options{})
	if err == nil || !strings.Contains(err.Error(), "handoff.copy") || !strings.Contains(err.Error(), "silences") {
		t.Fatalf("err = %v, want a clash of handoff.copy and the global silences", err)
	}
}
