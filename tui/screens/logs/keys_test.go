package logs

import (
	"strings"
	"testing"

	"oncall/internal/config"
	"oncall/sources/loki"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// ? on the logs screen lists the screen's own keys first (issue 12: it
// showed only the global ones).
func TestHelpListsTheScreensKeys(t *testing.T) {
	tuitest.Help(t, "logs-help", func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
		d, _ := opened(t, setup{w: w, h: h, dark: dark})
		return d
	}, "Logs", "e     errors+warnings", "w     wrap lines", "t     live tail", "v     view line (JSON)",
		"[     prev traced line", "]     next traced line", "n     next match", "N     previous match", "/     search lines", "r     reload", "W     whole service log")
}

// [keys.logs] remaps the screen's keys: the hint line, the help and the
// key itself follow, and the old key no longer does it.
func TestRemappedKeys(t *testing.T) {
	remap := func(ts *tuitest.Setup) {
		ts.Config = tuitest.Config()
		ts.Config.Keys.Screens = map[string]map[string]string{Name: {actWrap: "y", actPrevTrace: "p"}}
	}
	d, s := opened(t, setup{dark: true, config: remap})
	if out := d.Screen(); !strings.Contains(out, "e errors · y wrap · t tail") {
		t.Fatalf("hint line does not show the remapped key:\n%s", out)
	}
	d.Press("w")
	if s.wrap {
		t.Fatal("w still wraps after wrap was remapped to y")
	}
	d.Press("y")
	if !s.wrap || !strings.Contains(d.Screen(), "wrap") {
		t.Fatal("y does not wrap")
	}
	d.Press("[")
	if s.row().TraceID != "" {
		t.Fatal("[ still jumps after prev_trace was remapped to p")
	}
	d.Press("p")
	if s.row().TraceID != traceB {
		t.Fatalf("p did not jump to the traced line: %q", s.row().Text)
	}
	d.Press("?")
	if out := d.Screen(); !strings.Contains(out, "y     wrap lines") || !strings.Contains(out, "p     prev traced line") {
		t.Fatalf("help does not show the remapped keys:\n%s", out)
	}
}

// A remap of a screen action that does not exist names the known ones.
func TestUnknownRemapIsAConfigError(t *testing.T) {
	cfg := tuitest.Config()
	cfg.Keys.Screens = map[string]map[string]string{Name: {"wrapp": "W"}}
	_, err := newModel(cfg)
	if err == nil || !strings.Contains(err.Error(), "keys.logs.wrapp: unknown action") || !strings.Contains(err.Error(), actWrap) {
		t.Fatalf("err = %v", err)
	}
}

// newModel builds a session with the logs screen, or the config's error.
func newModel(cfg *config.Config) (*tui.Model, error) {
	c, err := loki.New(loki.Config{URL: "http://127.0.0.1:9"})
	if err != nil {
		return nil, err
	}
	return tui.New(tui.Deps{Config: cfg, Now: fixture.Now, Entries: []kit.Entry{Entry(Options{Client: c})}}, tui.Options{NoFetch: true})
}
