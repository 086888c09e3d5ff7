// Package chart draws time series for the terminal with ntcharts: a line
// chart of N series over a time axis, a Y axis with labels, a threshold
// drawn as a dashed line, labelled vertical markers (an alert's pending and
// firing times), a legend and a cursor that reads the values under it. It
// also draws the budget screen's burn-rate chart (Burn).
//
// A Chart is built once per data reply: New draws it and keeps the
// rendered string; View returns that string. Only Resize, SetStyles and a
// cursor move draw it again. Braille lines, axes and their labels are
// ntcharts' (timeserieslinechart); this package adds what ntcharts does not
// draw: the threshold, the markers, the cursor and the legend.
//
// Colour is never the only cue: every series has a glyph (● ■ ▲ ◆ ▼ ○ □ △)
// drawn at its latest point and under the cursor and repeated in the
// legend; the threshold is ┄ and the markers are ┊ columns topped by their
// letter. With Options.Shapes each series is drawn with its glyph instead
// of braille, for terminals where colour cannot tell lines apart at all.
package chart

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"oncall/internal/sanitize"
	"oncall/tui/kit"
)

// Point is one sample; a value that is not a number is a gap.
type Point struct {
	T time.Time
	V float64
}

// Line is one series.
type Line struct {
	Name   string // shown in the legend; sanitized when drawn
	Points []Point
	// Glyph and Style replace the series' place in Glyphs and in the
	// palette when set.
	Glyph string
	Style *lipgloss.Style
}

// Threshold is the line the series are compared with.
type Threshold struct {
	Op    string // >, >=, <, <=, == or != (empty: just a level)
	Value float64
	Label string // what it is, e.g. "page"
}

// Marker is a time marked with a vertical line topped by Letter.
type Marker struct {
	Letter string // one cell, e.g. "P"
	Name   string // e.g. "pending"
	At     time.Time
	Firing bool // drawn in the firing colour
}

// Data is what a chart shows.
type Data struct {
	Lines     []Line
	From, To  time.Time
	Threshold *Threshold
	Markers   []Marker
	// Hidden is how many series were left out; the legend says so.
	Hidden int
	// LogY draws the Y axis on a log scale (values ≤ 0 sit at the bottom).
	LogY bool
	// Unit follows the Y labels and values ("×").
	Unit string
	// LastOnTop draws the last line over the others (the budget's 6h
	// window); by default the first is on top (the busiest series).
	LastOnTop bool
	// YMin and YMax fix the value range when YMax > YMin (else it is the
	// data's and the threshold's); values outside are drawn at its edge.
	YMin, YMax float64
}

// Variant is the chart's layout.
type Variant int

const (
	// Full is the full-screen chart: a legend line per series, the
	// threshold and markers on their own line, the cursor's readout.
	Full Variant = iota
	// Compact is the alert detail's chart (8–10 rows): a one-line legend.
	Compact
)

// Options shape a chart.
type Options struct {
	Variant Variant
	// Shapes draws every series with its glyph (the extreme value of each
	// column, toward the threshold) instead of a braille line.
	Shapes bool
	// Location is the time axis's zone; Local when nil.
	Location *time.Location
	// RelativeTime labels the time axis by how long before the end
	// ("-18h") instead of by the clock.
	RelativeTime bool
}

// Chart is a built chart.
type Chart struct {
	data   Data
	opts   Options
	st     *kit.Styles
	pal    *palette // set by Burn: its caller's styles, not a palette's
	w, h   int
	cursor int // plot column, -1 for none
	// rescale is the cursor's place as a fraction of the plot's width
	// across a resize (-1: none), applied once the new width is known
	rescale float64
	view    string
	// the last build: the plot area, the drawn plot and the legend under
	// it, for compose
	plotW       int
	geo         geom
	grid        *grid
	legendLines []string
}

// Glyphs tell the series apart without colour, in order.
func Glyphs() []string { return []string{"●", "■", "▲", "◆", "▼", "○", "□", "△"} }

// New builds a chart of w×h cells.
func New(d Data, w, h int, st *kit.Styles, o Options) *Chart {
	c := &Chart{data: d, opts: o, st: st, w: w, h: h, cursor: -1, rescale: -1}
	c.build()
	return c
}

// View is the rendered chart: h lines of w cells.
func (c *Chart) View() string { return c.view }

// Resize draws the chart again at a new size, keeping the cursor's column
// in proportion.
func (c *Chart) Resize(w, h int) {
	if w == c.w && h == c.h {
		return
	}
	if c.cursor >= 0 && c.plotW > 0 {
		c.rescale = (float64(c.cursor) + 0.5) / float64(c.plotW)
	}
	c.w, c.h = w, h
	c.build()
}

// SetStyles draws the chart again with other styles (a theme change).
func (c *Chart) SetStyles(st *kit.Styles) {
	c.st = st
	c.build()
}

// PlotWidth is the number of columns the cursor moves over.
func (c *Chart) PlotWidth() int { return c.plotW }

// SetCursor puts the cursor on a plot column (clamped); a negative col
// hides it. It reports whether the chart changed.
func (c *Chart) SetCursor(col int) bool {
	if col < 0 {
		col = -1
	} else {
		col = min(col, c.plotW-1)
	}
	if col == c.cursor {
		return false
	}
	c.cursor = col
	c.compose()
	return true
}

// MoveCursor moves the cursor by delta columns, showing it at the right
// edge (the latest values) first.
func (c *Chart) MoveCursor(delta int) bool {
	if c.cursor < 0 {
		return c.SetCursor(c.plotW - 1)
	}
	return c.SetCursor(max(0, c.cursor+delta))
}

// Reading is one series' value under the cursor.
type Reading struct {
	Name, Glyph string
	Value       float64
	OK          bool // false: no sample near the cursor
}

// Cursor returns the cursor's column (-1: hidden), the time under it and
// each drawn series' value there: the sample nearest that time within
// one column.
func (c *Chart) Cursor() (col int, at time.Time, rs []Reading) {
	if c.cursor < 0 || c.plotW <= 0 {
		return -1, time.Time{}, nil
	}
	at, half := c.colTime(c.cursor)
	for i, l := range c.data.Lines {
		v, ok := nearest(l.Points, at, half)
		rs = append(rs, Reading{Name: sanitize.Text(l.Name), Glyph: c.glyph(i), Value: v, OK: ok})
	}
	return c.cursor, at, rs
}

// colTime is the middle time of a plot column and half its width.
func (c *Chart) colTime(col int) (time.Time, time.Duration) {
	span := c.data.To.Sub(c.data.From)
	w := span / time.Duration(max(1, c.plotW))
	return c.data.From.Add(time.Duration(float64(span) * (float64(col) + 0.5) / float64(c.plotW))), w / 2
}

// nearest is the value of the point nearest at, within tol (twice over:
// samples need not fall on columns).
func nearest(pts []Point, at time.Time, tol time.Duration) (float64, bool) {
	i := sort.Search(len(pts), func(i int) bool { return !pts[i].T.Before(at) })
	best, bestD := math.NaN(), time.Duration(math.MaxInt64)
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(pts) || !finite(pts[j].V) {
			continue
		}
		d := pts[j].T.Sub(at)
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = pts[j].V, d
		}
	}
	return best, bestD <= 2*tol+time.Second
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// drawOrder lists the lines in the order they are drawn: the one on top
// last.
func (c *Chart) drawOrder() []int {
	n := len(c.data.Lines)
	out := make([]int, n)
	for k := range out {
		out[k] = n - 1 - k
		if c.data.LastOnTop {
			out[k] = k
		}
	}
	return out
}

// glyph is line i's glyph: its own, or its place in Glyphs.
func (c *Chart) glyph(i int) string {
	if g := c.data.Lines[i].Glyph; g != "" {
		return g
	}
	g := Glyphs()
	return g[i%len(g)]
}

// style is line i's style: its own, or its place in the palette.
func (c *Chart) style(pal palette, i int) lipgloss.Style {
	if st := c.data.Lines[i].Style; st != nil {
		return *st
	}
	return pal.series[i%len(pal.series)]
}

func (c *Chart) palette() palette {
	if c.pal != nil {
		return *c.pal
	}
	return newPalette(c.st)
}

// palette is the chart's styles, built from the session's.
type palette struct {
	axis, label, muted, thr, pending, firing, cursor lipgloss.Style
	series                                           []lipgloss.Style
}

func newPalette(st *kit.Styles) palette {
	p := st.Palette
	n := lipgloss.NewStyle
	return palette{
		axis: n().Foreground(p.Subtle), label: n().Foreground(p.Muted), muted: n().Foreground(p.Muted),
		thr:     n().Foreground(p.Critical),
		pending: n().Foreground(p.Pending).Bold(true), firing: n().Foreground(p.Critical).Bold(true),
		cursor: n().Foreground(p.Accent),
		series: []lipgloss.Style{
			// In 16 colours these are blue, green, red (the threshold's
			// too), blue, blue, red, white and grey: the glyphs, not the
			// colours, tell the series apart there.
			n().Foreground(p.Accent), n().Foreground(p.OK), n().Foreground(p.Warning), n().Foreground(p.Acked),
			n().Foreground(p.Info), n().Foreground(p.Pending), n().Foreground(p.Fg), n().Foreground(p.Muted),
		},
	}
}

// yRange is the value range of the data and the threshold, in whole
// decades on a log scale. On a linear scale it starts at 0 when nothing is
// negative, unless every value sits in the upper half of the range (a
// memory ratio of 0.902 against a threshold of 0.9): then it spans the
// values with a tenth of margin, as Grafana's auto scale does, so that how
// far over the threshold a series is can be seen; the axis labels say
// where it starts.
func yRange(d Data, tr func(float64) float64) (lo, hi float64) {
	if d.YMax > d.YMin {
		return tr(d.YMin), tr(d.YMax)
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	see := func(v float64) {
		if v = tr(v); finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	for _, l := range d.Lines {
		for _, p := range l.Points {
			see(p.V)
		}
	}
	if d.Threshold != nil {
		see(d.Threshold.Value)
	}
	switch {
	case math.IsInf(lo, 1):
		return 0, 1
	case d.LogY:
		return math.Floor(lo), math.Max(math.Ceil(hi), math.Floor(lo)+1)
	case lo > 0 && lo > hi/2:
		pad := (hi - lo) / 10
		if lo-pad > 0 && hi > lo {
			return lo - pad, hi + pad
		}
		lo = 0
	case lo >= 0:
		lo = 0
	}
	if hi == lo {
		return lo - 1, hi + 1
	}
	return lo, hi
}

// segments splits points into runs without gaps, as slices of pts: a gap
// is a value that is not a number, or a time step over 2.5 times the
// smallest one.
func segments(pts []Point) [][]Point {
	minStep := time.Duration(math.MaxInt64)
	for i := 1; i < len(pts); i++ {
		if d := pts[i].T.Sub(pts[i-1].T); d > 0 && d < minStep {
			minStep = d
		}
	}
	var out [][]Point
	start := -1 // the current run's first point
	for i, p := range pts {
		switch {
		case !finite(p.V):
			if start >= 0 {
				out, start = append(out, pts[start:i]), -1
			}
		case start < 0:
			start = i
		case p.T.Sub(pts[i-1].T) > minStep*5/2:
			out, start = append(out, pts[start:i]), i
		}
	}
	if start >= 0 {
		out = append(out, pts[start:])
	}
	return out
}

// lastFinite is a line's latest point that is a number.
func lastFinite(pts []Point) (Point, bool) {
	for i := len(pts) - 1; i >= 0; i-- {
		if finite(pts[i].V) {
			return pts[i], true
		}
	}
	return Point{}, false
}

// legendNames are the lines' names, sanitized.
func legendNames(ls []Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = sanitize.Text(l.Name)
	}
	return out
}

// fitLines lays out exactly h lines of w cells.
func fitLines(lines []string, w, h int) string {
	return kit.Box(slices.Clip(lines), w, h)
}

// joinCut joins legend items with two spaces, as many as fit in w.
func joinCut(items []string, w int) string {
	var b strings.Builder
	used := 0
	for i, it := range items {
		iw := kit.Width(it)
		sep := 0
		if i > 0 {
			sep = 2
		}
		if used+sep+iw > w {
			if used == 0 {
				return kit.Cut(it, w)
			}
			break
		}
		if sep > 0 {
			b.WriteString("  ")
		}
		b.WriteString(it)
		used += sep + iw
	}
	return b.String()
}
