package runbook

import (
	"strings"
	"testing"

	"oncall/tui/tuitest"
)

// [keys.runbook] remaps the screen's own keys: the new key does the job,
// the old one no longer does, and the block label, the hint line and the
// status messages name the new key.
func TestRunbookRemappedKeys(t *testing.T) {
	cfg := tuitest.Config()
	cfg.Keys.Screens = map[string]map[string]string{Name: {"copy": "y", "next_heading": "}"}}
	d, s := newDriverWith(t, tuitest.Setup{Width: 160, Height: 48, Config: cfg}, Options{Prom: &fakeProm{}})
	openAPIDown(t, d, s)
	d.Press("tab")
	contains(t, "block label and hint line", d.Screen(), "▸ promql · filled for this alert · t template · enter runs · y copies", "y copy · t template · / search · [ } heading")

	d.Press("c")
	if strings.Contains(status(d), "copied") {
		t.Errorf("c still copies after copy was remapped: %q", status(d))
	}
	d.Press("y")
	contains(t, "status after y", status(d), "copied promql query (1 line)")

	d.Press("g", "]")
	if s.mark != -1 {
		t.Errorf("] still jumps to a heading (line %d)", s.mark)
	}
	d.Press("}")
	if s.mark < 0 || !strings.Contains(s.view.plain[s.mark], "Resolution") {
		t.Errorf("} did not jump to the first heading: mark %d", s.mark)
	}

	d.Press("shift+tab", "enter")
	contains(t, "status on a shell block", status(d), "sh blocks are never run; press y to copy it")
}
