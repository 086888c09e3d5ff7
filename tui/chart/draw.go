package chart

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"

	tslc "github.com/NimbleMarkets/ntcharts/v2/linechart/timeserieslinechart"
)

// Runes this package draws over ntcharts' plot.
const (
	thresholdRune = '┄'
	markerRune    = '┊'
	cursorRune    = '│'
	tickRune      = '┴'
)

// geom is where a build put things: the plot area on the canvas and its
// scales.
type geom struct {
	px       int // first plot column on the canvas
	gw, gh   int // plot columns and rows
	lo, hi   float64
	from, to float64 // Unix seconds
	shapes   bool
	tr       func(float64) float64
}

// plot is one build's ntcharts model and its geometry.
type plot struct {
	geom
	lc tslc.Model
}

// row is the canvas row of a (transformed) value, as ntcharts places it:
// braille has four dot rows per cell, runes one.
func (p *geom) row(v float64) int {
	fr := (v - p.lo) / (p.hi - p.lo)
	fr = math.Max(0, math.Min(1, fr))
	if p.shapes {
		return p.gh - 1 - int(math.Round(fr*float64(p.gh-1)))
	}
	n := float64(4*p.gh - 1)
	return (4*p.gh - 1 - int(math.Round(fr*n))) / 4
}

// col is the plot column (0-based) of a time, or -1 outside the range.
func (p *geom) col(t time.Time) int {
	x := float64(t.Unix())
	if x < p.from || x > p.to {
		return -1
	}
	fx := (x - p.from) / (p.to - p.from)
	if p.shapes {
		return int(math.Round(fx * float64(p.gw-1)))
	}
	return int(math.Round(fx*float64(2*p.gw-1))) / 2
}

func (p *plot) cell(x, y int) canvas.Cell { return p.lc.Canvas.Cell(canvas.Point{X: p.px + x, Y: y}) }

func (p *plot) set(x, y int, r rune, st lipgloss.Style) {
	p.lc.Canvas.SetCell(canvas.Point{X: p.px + x, Y: y}, canvas.NewCellWithStyle(r, st))
}

// setEmpty draws r where nothing is drawn yet.
func (p *plot) setEmpty(x, y int, r rune, st lipgloss.Style) {
	if p.cell(x, y).Rune == 0 {
		p.set(x, y, r, st)
	}
}

// build draws the chart and keeps the string.
func (c *Chart) build() {
	pal := c.palette()
	d := c.data
	legendRows := 1
	if c.opts.Variant == Full {
		legendRows = 2 + len(d.Lines) // readout, a line per series, threshold and markers
		if c.h-legendRows < 8 {
			legendRows = 2
		}
	}
	chartH := c.h - legendRows
	if c.w < 24 || chartH < 4 || !d.To.After(d.From) || d.To.Unix() <= d.From.Unix() {
		c.plotW, c.cursor, c.grid = 0, -1, nil
		c.view = fitLines([]string{pal.muted.Render("  (no room to draw the chart)")}, c.w, c.h)
		return
	}
	p := c.newPlot(pal, chartH)
	c.plotW = p.gw
	switch {
	case c.rescale >= 0:
		c.cursor, c.rescale = min(p.gw-1, int(c.rescale*float64(p.gw))), -1
	case c.cursor >= p.gw:
		c.cursor = p.gw - 1
	}
	if c.opts.Shapes {
		c.drawShapes(p, pal)
	} else {
		c.drawBraille(p, pal)
	}
	c.drawThreshold(p, pal)
	c.drawMarkers(p, pal)
	if !c.opts.Shapes {
		c.drawEnds(p, pal)
	}
	c.grid, c.geo = snapshot(&p.lc.Canvas), p.geom
	c.legendLines = c.legend(pal, legendRows)
	c.compose()
}

func (c *Chart) newPlot(pal palette, chartH int) *plot {
	d := c.data
	tr := func(v float64) float64 { return v }
	if d.LogY {
		tr = math.Log10
	}
	lo, hi, yStep := yScale(d, tr, chartH-2)
	loc := c.opts.Location
	if loc == nil {
		loc = time.Local
	}
	span := d.To.Sub(d.From)
	xLabel := timeLabel(span, loc)
	if c.opts.RelativeTime {
		xLabel = relativeLabel(d.To)
	}
	yLabel := func(_ int, v float64) string {
		if d.LogY {
			return formatValue(math.Pow(10, v)) + d.Unit
		}
		return formatValue(v) + d.Unit
	}
	xStep := len(xLabel(0, float64(d.To.Unix()))) + 4
	lc := tslc.New(c.w, chartH,
		tslc.WithXYSteps(xStep, yStep),
		tslc.WithXLabelFormatter(xLabel),
		tslc.WithYLabelFormatter(yLabel),
		tslc.WithAxesStyles(pal.axis, pal.label),
		tslc.WithTimeRange(d.From, d.To),
		tslc.WithYRange(lo, hi))
	lc.AutoMinX, lc.AutoMaxX, lc.AutoMinY, lc.AutoMaxY = false, false, false, false
	return &plot{lc: lc, geom: geom{px: lc.Origin().X + 1, gw: lc.GraphWidth(), gh: lc.GraphHeight(), lo: lo, hi: hi,
		from: float64(d.From.Unix()), to: float64(d.To.Unix()), shapes: c.opts.Shapes, tr: tr}}
}

// yScale picks the rows between Y labels (two or more; at most a third of
// the plot, or half when that wastes a third of it or on a log scale) and
// the value range of round labels that wastes the least of the plot's
// height, or about as little (15% more) with more labels.
func yScale(d Data, tr func(float64) float64, gh int) (lo, hi float64, yStep int) {
	dlo, dhi := yRange(d, tr)
	type cand struct {
		lo, hi float64
		ys     int
		waste  float64
	}
	var cs []cand
	best := math.Inf(1)
	for ys := 2; ys == 2 || ys <= gh/3 || ((best > 1.5 || d.LogY) && ys <= gh/2); ys++ {
		l, h := niceRange(dlo, dhi, gh, ys, d.LogY)
		w := (h - l) / (dhi - dlo)
		cs = append(cs, cand{l, h, ys, w})
		best = math.Min(best, w)
	}
	for _, c := range cs {
		if c.waste <= best*1.15 {
			return c.lo, c.hi, c.ys
		}
	}
	return dlo, dhi, 2
}

// niceRange widens [lo, hi] so that the Y labels ntcharts writes every
// yStep of the gh rows fall on round values: 1, 2, 2.5 or 5 times a power
// of ten apart (whole decades on a log scale), lo a multiple of that.
func niceRange(lo, hi float64, gh, yStep int, log bool) (float64, float64) {
	per := float64(gh) / float64(yStep) // label intervals over the plot
	if log {
		t := math.Max(1, math.Ceil((hi-lo)/per))
		return lo, lo + t*per
	}
	t := niceStep((hi - lo) / per)
	for range 8 {
		l := math.Floor(lo/t) * t
		if h := l + t*per; h >= hi {
			return l, h
		}
		t = niceStep(t * 1.01)
	}
	return lo, hi
}

// niceStep is the smallest of 1, 2, 2.5 and 5 times a power of ten that
// is at least v.
func niceStep(v float64) float64 {
	if !(v > 0) || !finite(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// value is a point's value on the drawn scale (≤ 0 on a log scale sits at
// the bottom).
func (p *geom) value(v float64) float64 {
	v = p.tr(v)
	if math.IsNaN(v) {
		return p.lo
	}
	return math.Max(p.lo, math.Min(p.hi, v))
}

// drawBraille hands every gapless run of every series to ntcharts as a
// data set, the first series last so it is drawn on top.
func (c *Chart) drawBraille(p *plot, pal palette) {
	var names []string
	for _, i := range c.drawOrder() {
		for k, seg := range segments(c.data.Lines[i].Points) {
			name := fmt.Sprintf("%03d.%05d", i, k)
			p.lc.SetDataSetStyle(name, c.style(pal, i))
			for _, pt := range seg {
				p.lc.PushDataSet(name, tslc.TimePoint{Time: pt.T, Value: p.value(pt.V)})
			}
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		p.lc.Clear()
		p.lc.DrawXYAxisAndLabel()
		return
	}
	p.lc.DrawBrailleDataSets(names)
}

// drawShapes draws each series' glyph at each column's extreme value
// (highest, or lowest for a `<` threshold) with ntcharts' rune plotting.
func (c *Chart) drawShapes(p *plot, pal palette) {
	p.lc.Clear()
	p.lc.DrawXYAxisAndLabel()
	low := c.data.Threshold != nil && strings.HasPrefix(c.data.Threshold.Op, "<")
	for _, i := range c.drawOrder() {
		best := make(map[int]Point, p.gw)
		for _, pt := range c.data.Lines[i].Points {
			if !finite(pt.V) {
				continue
			}
			x := p.col(pt.T)
			if x < 0 {
				continue
			}
			b, ok := best[x]
			if !ok || (low && pt.V < b.V) || (!low && pt.V > b.V) {
				best[x] = pt
			}
		}
		g := []rune(c.glyph(i))[0]
		for _, pt := range best {
			p.lc.DrawRuneWithStyle(canvas.Float64Point{X: float64(pt.T.Unix()), Y: p.value(pt.V)}, g, c.style(pal, i))
		}
	}
}

// drawThreshold draws ┄ across the plot where nothing else is, and its
// value at the right end when the cells there are free.
func (c *Chart) drawThreshold(p *plot, pal palette) {
	t := c.data.Threshold
	if t == nil {
		return
	}
	v := p.tr(t.Value)
	if !finite(v) {
		return
	}
	y := p.row(v)
	for x := 0; x < p.gw; x++ {
		p.setEmpty(x, y, thresholdRune, pal.thr)
	}
	label := []rune(" " + strings.TrimSpace(t.Op+" "+formatValue(t.Value)+c.data.Unit) + " ")
	start := p.gw - len(label)
	if start < 0 {
		return
	}
	for i := range label {
		if r := p.cell(start+i, y).Rune; r != 0 && r != thresholdRune {
			return
		}
	}
	for i, r := range label {
		p.set(start+i, y, r, pal.thr)
	}
}

// drawMarkers draws each marker in the range as a ┊ column topped by its
// letter, with a ┴ tick on the time axis.
func (c *Chart) drawMarkers(p *plot, pal palette) {
	for _, m := range c.data.Markers {
		x := p.col(m.At)
		if x < 0 {
			continue
		}
		st := pal.pending
		if m.Firing {
			st = pal.firing
		}
		for y := 1; y < p.gh; y++ {
			p.setEmpty(x, y, markerRune, st.UnsetBold())
		}
		letter := []rune(m.Letter)
		if len(letter) == 0 {
			letter = []rune{markerRune}
		}
		p.set(x, 0, letter[0], st)
		p.set(x, p.gh, tickRune, st)
	}
}

// drawEnds marks each series' latest point with its glyph.
func (c *Chart) drawEnds(p *plot, pal palette) {
	for _, i := range c.drawOrder() {
		pt, ok := lastFinite(c.data.Lines[i].Points)
		if !ok {
			continue
		}
		if x := p.col(pt.T); x >= 0 {
			p.set(x, p.row(p.value(pt.V)), []rune(c.glyph(i))[0], c.style(pal, i))
		}
	}
}
