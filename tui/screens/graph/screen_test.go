package graph

import (
	"strings"
	"testing"
	"time"

	"oncall/internal/config"
)

// P opens the selected alert's graph full screen: a line per series, the
// legend, the query; t changes the range (a query per range, cached), the
// cursor reads the values, esc hides the cursor, then goes back.
func TestFullScreenGraph(t *testing.T) {
	in := startIncident(t)
	d := graphed(in.session(t, setup{dark: true}))
	s := screenOf(t, d)
	d.Press("P").UntilScreen("query: up{")
	if d.M.Shown() != Name || s.seq != 1 {
		t.Fatalf("shown %q after %d queries: the cached last hour should serve", d.M.Shown(), s.seq)
	}
	text := d.Screen()
	for _, want := range []string{"Graph · APIDown · 1h 6h 24h 7d", `query: up{env=~"prod|",instance=~"backend-1:3001|",job="conectcrm-backend",job=~"conectcrm-backend|",service=~"conectcrm-backend|"}`,
		"● env=prod instance=backend-1:3001 job=conectcrm-backend service=conectcrm-backend 0", "┄ == 0  P pending since 03:17:00  F firing since 03:18:00"} {
		if !strings.Contains(text, want) {
			t.Errorf("full screen lacks %q:\n%s", want, text)
		}
	}
	d.Press("t").UntilScreen("21:30")
	if s.span != 1 || s.seq != 2 {
		t.Errorf("t: range %d after %d queries, want 6h queried once", s.span, s.seq)
	}
	d.Press("t", "t", "t") // 24h, 7d, back to 1h: cached
	d.UntilScreen("02:30")
	if s.seq != 4 {
		t.Errorf("%d queries after a round of the ranges, want 4", s.seq)
	}
	d.Press("right")
	if !strings.Contains(d.Screen(), "│ Nov 26 03:29") || s.cursor < 0 {
		t.Errorf("no readout at the latest values:\n%s", d.Screen())
	}
	d.Press("home")
	if !strings.Contains(d.Screen(), "│ Nov 26 02:30") || !strings.Contains(d.Screen(), "● 1") {
		t.Errorf("the cursor at the start reads 1 (up):\n%s", d.Screen())
	}
	d.Press("esc")
	if s.cursor != -1 || strings.Contains(d.Screen(), "│ Nov 26") || d.M.Shown() != Name {
		t.Errorf("esc with the cursor shown: cursor %d, shown %q", s.cursor, d.M.Shown())
	}
	d.Press("esc")
	if d.M.Shown() != "" {
		t.Errorf("esc without the cursor: still on %q", d.M.Shown())
	}
	// r queries again, even when fresh.
	d.Press("P", "r")
	d.Until("the query again", func() bool { return s.seq == 5 && !s.graphs[entryKey(s.alert, time.Hour)].inFlight })
}

// [keys.graph] remaps the screen's own keys and [keys] the key that opens
// it: the new keys act, the old ones no longer do, and the hint line and ?
// show the new ones.
func TestGraphKeysRemap(t *testing.T) {
	in := startIncident(t)
	d := graphed(in.session(t, setup{dark: true, edit: func(c *config.Config) {
		c.Keys.Global = map[string]string{openBound: "O"}
		c.Keys.Screens = map[string]map[string]string{Name: {actRange: "R"}}
	}}))
	s := screenOf(t, d)
	d.Press("P")
	if d.M.Shown() == Name {
		t.Fatal("P still opens the graph after it was remapped to O")
	}
	d.Press("O").UntilScreen("query: up{")
	if d.M.Shown() != Name {
		t.Fatalf("O did not open the graph: shown %q", d.M.Shown())
	}
	if !strings.Contains(d.Screen(), "R range") {
		t.Errorf("the hint line does not show R:\n%s", d.Screen())
	}
	d.Press("t")
	if s.span != 0 {
		t.Errorf("t still changes the range after it was remapped: range %d", s.span)
	}
	d.Press("R").UntilScreen("21:30")
	if s.span != 1 {
		t.Errorf("R: range %d, want 6h", s.span)
	}
	d.Press("?")
	if out := d.Screen(); !strings.Contains(out, "next range: 1h 6h 24h 7d") || !strings.Contains(out, "R ") {
		t.Errorf("? does not list R for the range:\n%s", out)
	}
}
