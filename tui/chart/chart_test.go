package chart_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"oncall/internal/graph"
	"oncall/tui/chart"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

var end = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

// series is n series of points 15s apart over the hour before end: waves
// around 0.03 apart by 0.01, the first climbing over 0.05 in the last 15
// minutes.
func series(n, points int) []chart.Line {
	from := end.Add(-time.Hour)
	step := time.Hour / time.Duration(points-1)
	var ls []chart.Line
	for s := 0; s < n; s++ {
		l := chart.Line{Name: fmt.Sprintf("instance=10.0.0.%d:9100", s+1)}
		for i := 0; i < points; i++ {
			v := 0.03 + 0.02*math.Sin(float64(i)*240/float64(points)/20+float64(s)) + float64(s%4)*0.01
			if s == 0 && i > points*3/4 {
				v += float64(i-points*3/4) * 0.25 / float64(points)
			}
			l.Points = append(l.Points, chart.Point{T: from.Add(time.Duration(i) * step), V: v})
		}
		ls = append(ls, l)
	}
	return ls
}

func alertData(n, points int) chart.Data {
	return chart.Data{Lines: series(n, points), From: end.Add(-time.Hour), To: end,
		Threshold: &chart.Threshold{Op: ">", Value: 0.05},
		Markers: []chart.Marker{
			{Letter: "P", Name: "pending since", At: end.Add(-13 * time.Minute)},
			{Letter: "F", Name: "firing since", At: end.Add(-8 * time.Minute), Firing: true},
		},
		Hidden: 2}
}

// as renders s as a terminal of that profile gets it: NO_COLOR is ASCII
// (attributes, no colour), 16 colours is ANSI.
func as(s string, p colorprofile.Profile) string {
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: p}
	if _, err := w.WriteString(s); err != nil {
		panic(err)
	}
	return b.String()
}

func checkBox(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if kit.Width(l) != w {
			t.Fatalf("line %d is %d cells, want %d: %q", i, kit.Width(l), w, kit.Strip(l))
		}
	}
}

func TestGolden(t *testing.T) {
	for _, sz := range []struct {
		name    string
		w, h    int
		variant chart.Variant
	}{{"compact-80x9", 80, 9, chart.Compact}, {"full-80x24", 80, 24, chart.Full}, {"full-160x48", 160, 48, chart.Full}} {
		for _, theme := range []string{"dark", "light", "nocolor"} {
			t.Run(sz.name+"-"+theme, func(t *testing.T) {
				c := chart.New(alertData(3, 241), sz.w, sz.h, kit.NewStyles(theme != "light"), chart.Options{Variant: sz.variant, Location: time.UTC})
				if sz.variant == chart.Full {
					c.SetCursor(c.PlotWidth() * 2 / 3)
				}
				out := c.View()
				checkBox(t, out, sz.w, sz.h)
				if theme == "nocolor" {
					out = as(out, colorprofile.ASCII)
				}
				tuitest.Golden(t, "graph-"+sz.name+"-"+theme, out)
			})
		}
	}
	// What NO_COLOR and 16-colour terminals get with shapes instead of braille.
	c := chart.New(alertData(3, 241), 80, 24, kit.NewStyles(true), chart.Options{Variant: chart.Full, Shapes: true, Location: time.UTC})
	tuitest.Golden(t, "graph-shapes-full-80x24-nocolor", as(c.View(), colorprofile.ASCII))
	tuitest.Golden(t, "graph-full-80x24-ansi16", as(chart.New(alertData(3, 241), 80, 24, kit.NewStyles(true), chart.Options{Location: time.UTC}).View(), colorprofile.ANSI))
}

// column is where ntcharts' braille puts a time: two dots per cell.
func column(c *chart.Chart, at, from, to time.Time) int {
	fx := float64(at.Unix()-from.Unix()) / float64(to.Unix()-from.Unix())
	return int(math.Round(fx*float64(2*c.PlotWidth()-1))) / 2
}

func TestThresholdMarkersAndLegend(t *testing.T) {
	d := alertData(3, 241)
	c := chart.New(d, 100, 30, kit.NewStyles(true), chart.Options{Variant: chart.Full, Location: time.UTC})
	lines := strings.Split(kit.Strip(c.View()), "\n")
	plotX := 100 - c.PlotWidth()
	// The threshold is one dashed row, between the labels around 0.05.
	thr := -1
	for i, l := range lines {
		if strings.Count(l, "┄") > c.PlotWidth()/4 {
			if thr >= 0 {
				t.Fatalf("two threshold rows, %d and %d", thr, i)
			}
			thr = i
		}
	}
	if thr < 0 || !strings.HasSuffix(lines[thr], " > 0.05 ") {
		t.Fatalf("threshold row %d = %q, want ┄ labelled > 0.05 at its end", thr, lines[thr])
	}
	labelled := 0
	for i, l := range lines {
		if strings.Contains(l, "└") {
			break // the axis
		}
		label, _, ok := strings.Cut(l, "│")
		if !ok || strings.TrimSpace(label) == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(label), 64)
		if err != nil {
			t.Fatalf("Y label %q: %v", label, err)
		}
		labelled++
		if (i < thr && v < 0.05) || (i > thr && v > 0.05) || (i == thr && v != 0.05) {
			t.Errorf("Y label %g on row %d, the threshold 0.05 on row %d", v, i, thr)
		}
	}
	if labelled < 3 {
		t.Errorf("%d Y labels around the threshold", labelled)
	}
	// Markers: their letter on the top row, ┊ below, ┴ on the axis, at
	// the columns of their times.
	axis := -1
	for i, l := range lines {
		if strings.Contains(l, "└") {
			axis = i
		}
	}
	for _, m := range d.Markers {
		x := plotX + column(c, m.At, d.From, d.To)
		if got := []rune(lines[0])[x]; string(got) != m.Letter {
			t.Errorf("marker %s: top row has %q at column %d: %q", m.Letter, got, x, lines[0])
		}
		if got := []rune(lines[axis])[x]; got != '┴' {
			t.Errorf("marker %s: axis has %q at column %d", m.Letter, got, x)
		}
		if !strings.Contains(lines[1], "┊") {
			t.Errorf("no ┊ under the markers: %q", lines[1])
		}
	}
	legend := strings.Join(lines[axis+2:], "\n")
	for _, want := range []string{"● instance=10.0.0.1:9100 0.", "■ instance=10.0.0.2:9100", "▲ instance=10.0.0.3:9100",
		"┄ > 0.05", "P pending since 11:47:00", "F firing since 11:52:00", "+2 more series hidden"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend lacks %q:\n%s", want, legend)
		}
	}
	// Each series' latest point carries its glyph in the plot.
	plot := strings.Join(lines[:axis], "\n")
	for _, g := range []string{"●", "■", "▲"} {
		if !strings.Contains(plot, g) {
			t.Errorf("the plot lacks %s", g)
		}
	}
}

func TestCursorReadsTheValuesUnderIt(t *testing.T) {
	d := alertData(2, 241)
	c := chart.New(d, 120, 30, kit.NewStyles(true), chart.Options{Variant: chart.Full, Location: time.UTC})
	before := c.View()
	if col, _, rs := c.Cursor(); col != -1 || rs != nil {
		t.Fatalf("cursor %d %v before it is shown", col, rs)
	}
	if !c.MoveCursor(-1) {
		t.Fatal("the first move shows the cursor")
	}
	if col, _, _ := c.Cursor(); col != c.PlotWidth()-1 {
		t.Errorf("the cursor first shows at the right edge, got column %d of %d", col, c.PlotWidth())
	}
	want := c.PlotWidth() / 3
	c.SetCursor(want)
	if c.SetCursor(want) {
		t.Error("setting the same column reports a change")
	}
	col, at, rs := c.Cursor()
	if col != want || len(rs) != 2 {
		t.Fatalf("cursor %d with %d readings", col, len(rs))
	}
	for i, r := range rs {
		// the sample nearest the cursor's time
		var best chart.Point
		for _, p := range d.Lines[i].Points {
			if math.Abs(float64(p.T.Sub(at))) < math.Abs(float64(best.T.Sub(at))) {
				best = p
			}
		}
		if !r.OK || r.Value != best.V || r.Glyph != chart.Glyphs()[i] {
			t.Errorf("reading %d = %+v, want %g from %s (cursor at %s)", i, r, best.V, best.T, at)
		}
	}
	view := kit.Strip(c.View())
	if view == kit.Strip(before) || !strings.Contains(view, "│ Mar 14 "+at.Format("15:04:05")) {
		t.Errorf("the readout does not show the cursor's time %s:\n%s", at.Format("15:04:05"), view)
	}
	// A resize keeps the cursor at the same place in time.
	c.Resize(180, 40)
	if col, at2, _ := c.Cursor(); col < 0 || at2.Sub(at).Abs() > 2*time.Hour/time.Duration(c.PlotWidth()) {
		t.Errorf("after a resize the cursor is at %d (%s), was at %s", col, at2, at)
	}
	c.SetCursor(-1)
	if strings.Contains(kit.Strip(c.View()), "│ Mar 14") {
		t.Error("a hidden cursor still has a readout")
	}
}

// A frame is the kept string: building happens in New, Resize, SetStyles
// and cursor moves only.
func TestViewIsBuiltOnce(t *testing.T) {
	c := chart.New(alertData(3, 241), 100, 24, kit.NewStyles(true), chart.Options{Location: time.UTC})
	v1, v2 := c.View(), c.View()
	if v1 != v2 || len(v1) == 0 {
		t.Fatal("two frames differ")
	}
	if got := testing.AllocsPerRun(100, func() { _ = c.View() }); got != 0 {
		t.Errorf("a frame allocates %v times, want 0: it must not draw", got)
	}
	c.SetStyles(kit.NewStyles(false))
	if c.View() == v1 {
		t.Error("a theme change kept the old colours")
	}
	if kit.Strip(c.View()) != kit.Strip(v1) {
		t.Error("a theme change moved something")
	}
}

func TestShapesTellSeriesApartWithoutColour(t *testing.T) {
	d := alertData(4, 241)
	c := chart.New(d, 100, 24, kit.NewStyles(true), chart.Options{Variant: chart.Compact, Shapes: true, Location: time.UTC})
	out := as(c.View(), colorprofile.ASCII)
	if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Errorf("NO_COLOR output holds colours: %q", out)
	}
	plot := strings.Join(strings.Split(kit.Strip(out), "\n")[:20], "\n")
	for i, g := range chart.Glyphs()[:4] {
		if n := strings.Count(plot, g); n < c.PlotWidth()/2 {
			t.Errorf("series %d's glyph %s is drawn %d times, want about once a column", i, g, n)
		}
	}
	if strings.ContainsAny(plot, "⠁⠂⠄⡀⠈⠐⠠⢀⣿") {
		t.Error("shapes mode drew braille")
	}
}

func TestHostileNamesAreEscaped(t *testing.T) {
	d := alertData(1, 10)
	d.Lines[0].Name = "job=\x1b]52;c;ZXZpbA==\x07evil\x1b[2J"
	c := chart.New(d, 100, 12, kit.NewStyles(true), chart.Options{Variant: chart.Compact, Location: time.UTC})
	if strings.Contains(c.View(), "\x1b]52") || strings.Contains(c.View(), "\x1b[2J") || strings.Contains(c.View(), "\x07") {
		t.Errorf("a series name's escape sequence reached the terminal: %q", c.View())
	}
}

func TestSmallOrEmpty(t *testing.T) {
	c := chart.New(alertData(1, 10), 20, 3, kit.NewStyles(true), chart.Options{})
	checkBox(t, c.View(), 20, 3)
	if !strings.Contains(c.View(), "no room") || c.PlotWidth() != 0 || c.MoveCursor(1) {
		t.Errorf("a chart too small: %q, plot %d", kit.Strip(c.View()), c.PlotWidth())
	}
	empty := chart.New(chart.Data{From: end.Add(-time.Hour), To: end}, 60, 10, kit.NewStyles(true), chart.Options{Variant: chart.Compact, Location: time.UTC})
	out := kit.Strip(empty.View())
	checkBox(t, empty.View(), 60, 10)
	if !strings.Contains(out, "└") || !strings.Contains(out, "no data") {
		t.Errorf("an empty chart has no axes or no 'no data':\n%s", out)
	}
}

// Gaps (missing samples, NaN) are not bridged by a line.
func TestGapsAreNotBridged(t *testing.T) {
	from := end.Add(-time.Hour)
	var pts []chart.Point
	for i := 0; i <= 60; i++ {
		if i > 20 && i < 40 {
			continue
		}
		pts = append(pts, chart.Point{T: from.Add(time.Duration(i) * time.Minute), V: 1})
	}
	c := chart.New(chart.Data{Lines: []chart.Line{{Name: "x", Points: pts}}, From: from, To: end}, 84, 10, kit.NewStyles(true), chart.Options{Variant: chart.Compact})
	lines := strings.Split(kit.Strip(c.View()), "\n")
	for _, l := range lines {
		if !strings.ContainsAny(l, "⠁⠂⠄⡀⠈⠐⠠⢀⠉⠒⠤⣀") {
			continue
		}
		r := []rune(l)
		mid := len(r) - c.PlotWidth()/2
		if r[mid] != ' ' {
			t.Errorf("the gap in the middle is bridged: %q", l)
		}
	}
}

func TestFromGraph(t *testing.T) {
	active := end.Add(-20 * time.Minute)
	res := &graph.Result{Start: end.Add(-time.Hour), End: end, Hidden: 1,
		Threshold: &graph.Threshold{Op: "<", Value: 3, Bool: true},
		Series:    []graph.Series{{Name: "job=a", Points: []graph.Point{{T: end, V: 1}}}},
		Markers:   []graph.Marker{{Kind: graph.MarkPending, At: active}, {Kind: graph.MarkFiring, At: end.Add(-10 * time.Minute)}}}
	d := chart.FromGraph(res)
	if len(d.Lines) != 1 || d.Lines[0].Points[0].V != 1 || d.Hidden != 1 || d.Threshold.Op != "<" || d.Threshold.Label != "(bool)" {
		t.Errorf("data %+v", d)
	}
	if len(d.Markers) != 2 || d.Markers[0].Letter != "P" || d.Markers[1].Letter != "F" || !d.Markers[1].Firing {
		t.Errorf("markers %+v", d.Markers)
	}
}
