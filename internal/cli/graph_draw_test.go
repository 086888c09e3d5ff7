package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"oncall/internal/graph"
)

// On a terminal graph draws the screen's chart: the series, the
// threshold and the markers, with the query under it; a terminal that
// takes no colour (here: not a TTY, as NO_COLOR) gets shapes and no
// escape sequences.
func TestGraphDrawsTheChart(t *testing.T) {
	end := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	res := &graph.Result{Alert: "HighErrorRate", Query: `rate(errors_total{job=~"api|"}[5m])`, Start: end.Add(-time.Hour), End: end,
		Threshold: &graph.Threshold{Op: ">", Value: 0.05}, Hidden: 2, HiddenNames: []string{"job=b", "job=c"},
		Markers: []graph.Marker{{Kind: graph.MarkPending, At: end.Add(-10 * time.Minute)}, {Kind: graph.MarkFiring, At: end.Add(-5 * time.Minute)}}}
	s := graph.Series{Name: "job=api"}
	for i := range 240 {
		v := 0.02
		if i > 180 {
			v = 0.09
		}
		s.Points = append(s.Points, graph.Point{T: res.Start.Add(time.Duration(i) * 15 * time.Second), V: v})
	}
	res.Series = []graph.Series{s}
	var out bytes.Buffer
	v := &graphVerb{height: 16}
	if err := v.draw(&out, res, 100, true); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if strings.Contains(text, "\x1b[") {
		t.Errorf("escape sequences for a terminal without colour:\n%q", text)
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) != 1+16+2 || !strings.HasPrefix(lines[0], "HighErrorRate · last 1h") {
		t.Fatalf("%d lines:\n%s", len(lines), text)
	}
	for _, want := range []string{"┄ > 0.05", "P pending since", "F firing since", "● job=api", "query: rate(errors_total", "2 hidden: job=b, job=c", "●●●"} {
		if !strings.Contains(text, want) {
			t.Errorf("chart lacks %q:\n%s", want, text)
		}
	}
}
