package chart

import (
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"oncall/internal/slo"
)

// BurnLine is one burn-rate window of the budget screen's chart.
type BurnLine struct {
	Label  string // "5m", "1h", "6h"
	Glyph  string
	Style  lipgloss.Style
	Points []slo.Point
}

// Burn draws the budget screen's burn-rate chart with ntcharts, from the
// inputs of the hand-drawn one it replaced: the windows' burn rates
// over (from, to] on a log scale, the page threshold as a dashed line, a
// time axis labelled "-24h … now" and a legend with each window's latest
// rate, in plotH+2 lines of w cells like the hand-drawn chart (ntcharts
// puts the time labels under the axis, so the plot gets plotH-1 rows).
// With shapes, each window is drawn with its glyph (the column's
// highest rate) instead of braille: for NO_COLOR and 16 colours.
func Burn(series []BurnLine, from, to time.Time, w, plotH int, threshold float64, thrStyle, axis, muted lipgloss.Style, shapes bool) []string {
	if w < 24 || plotH < 3 || !to.After(from) {
		return nil
	}
	d := Data{From: from, To: to, LogY: true, Unit: "×", LastOnTop: true,
		Threshold: &Threshold{Value: threshold, Label: "page"}}
	d.YMin, d.YMax = burnScale(series, threshold)
	for _, s := range series {
		l := Line{Name: s.Label, Glyph: s.Glyph, Style: &s.Style, Points: make([]Point, len(s.Points))}
		for i, p := range s.Points {
			l.Points[i] = Point{T: p.Time, V: p.Value}
		}
		d.Lines = append(d.Lines, l)
	}
	pal := palette{axis: axis, label: muted, muted: muted, thr: thrStyle, pending: muted, firing: thrStyle, cursor: muted}
	c := &Chart{data: d, opts: Options{Variant: Compact, Shapes: shapes, RelativeTime: true}, pal: &pal,
		w: w, h: plotH + 2, cursor: -1, rescale: -1}
	c.build()
	return strings.Split(c.view, "\n")
}

// burnScale is the log scale's range in whole decades: from 0.1× (so the
// sustainable 1× is inside) or the decade under the smallest positive
// rate, at most four decades under the top, to the decade over the
// largest rate and 1.5 times the threshold.
func burnScale(series []BurnLine, threshold float64) (lo, hi float64) {
	top, bottom := threshold*1.5, 0.1
	for _, s := range series {
		for _, p := range s.Points {
			if finite(p.Value) && p.Value > top {
				top = p.Value
			}
			if p.Value > 0 && p.Value < bottom {
				bottom = p.Value
			}
		}
	}
	hi = math.Pow(10, math.Ceil(math.Log10(top)))
	lo = math.Max(math.Pow(10, math.Floor(math.Log10(bottom))), hi/1e4)
	return lo, hi
}
