// Package oldburn is a verbatim copy of the budget screen's hand-drawn
// burn-rate chart (tui/screen_budget_chart.go at 0594b4f, with the two
// helpers it borrows from package tui), kept under testdata so that
// compare_test.go can measure it against tui/chart.Burn on the same data.
// Nothing builds it but `go test ./tui/chart/testdata/oldburn`.
package oldburn

import (
	"math"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"oncall/internal/slo"
	"oncall/tui/kit"
)

// burnChartLine is one series of the burn-rate chart.
type burnChartLine struct {
	label string
	glyph string
	style lipgloss.Style
	pts   []slo.Point
}

// burnChartCell is one cell of the plot.
type burnChartCell struct {
	glyph string
	style *lipgloss.Style
}

// burnChartLabelW is the width of the y-axis labels ("1000×" plus the axis).
const burnChartLabelW = 7

// burnChart draws series over (from, to] as a line chart on a log scale:
// plotH rows of plot with the y axis on the left, a row of time labels and
// a legend. threshold is drawn as a dashed line (the fast-burn page
// threshold). Each column shows the highest value of its time slice, so a
// short spike is never lost. Later series are drawn over earlier ones.
func burnChart(series []burnChartLine, from, to time.Time, w, plotH int, threshold float64, thrStyle, axis lipgloss.Style, muted lipgloss.Style) []string {
	pw := w - burnChartLabelW
	if pw < 10 || plotH < 2 || !to.After(from) {
		return nil
	}
	lo, hi := burnChartScale(series, threshold)
	rowOf := func(v float64) int {
		if !(v > lo) {
			return 0
		}
		f := (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
		return max(0, min(plotH-1, int(math.Round(f*float64(plotH-1)))))
	}
	grid := make([][]burnChartCell, plotH)
	for i := range grid {
		grid[i] = make([]burnChartCell, pw)
	}
	set := func(r, x int, g string, st *lipgloss.Style) {
		grid[plotH-1-r][x] = burnChartCell{g, st}
	}
	thrRow := rowOf(threshold)
	for x := 0; x < pw; x++ {
		set(thrRow, x, "┄", &thrStyle)
	}
	span := to.Sub(from)
	for i := range series {
		ln := &series[i]
		cols := burnColumnMax(ln.pts, from, span, pw)
		prev := -1
		for x, v := range cols {
			if math.IsNaN(v) {
				prev = -1
				continue
			}
			r := rowOf(v)
			if prev >= 0 && budgetAbs(r-prev) > 1 {
				step := 1
				if r < prev {
					step = -1
				}
				for y := prev + step; y != r; y += step {
					set(y, x, "│", &ln.style)
				}
			}
			set(r, x, ln.glyph, &ln.style)
			prev = r
		}
	}
	labels := burnChartYLabels(lo, hi, threshold, plotH, rowOf)
	out := make([]string, 0, plotH+2)
	for i, row := range grid {
		r := plotH - 1 - i
		var b strings.Builder
		if l, ok := labels[r]; ok {
			b.WriteString(axis.Render(budgetPadLeft(l, burnChartLabelW-2) + " ┤"))
		} else {
			b.WriteString(axis.Render(strings.Repeat(" ", burnChartLabelW-1) + "│"))
		}
		for _, c := range row {
			if c.style == nil {
				b.WriteByte(' ')
				continue
			}
			b.WriteString(c.style.Render(c.glyph))
		}
		out = append(out, b.String())
	}
	out = append(out, axis.Render(strings.Repeat(" ", burnChartLabelW-1)+"└")+muted.Render(burnTimeAxis(span, pw)))
	var legend []string
	for _, ln := range series {
		item := ln.style.Render(ln.glyph+" "+ln.label) + " "
		if n := len(ln.pts); n > 0 {
			item += muted.Render(formatBurnCell(ln.pts[n-1].Value))
		} else {
			item += muted.Render("no data")
		}
		legend = append(legend, item)
	}
	legend = append(legend, thrStyle.Render("┄ "+formatBurnCell(threshold)+" page"))
	out = append(out, strings.Repeat(" ", burnChartLabelW)+strings.Join(legend, "   "))
	return out
}

// burnSparklines draws each series as a one-row sparkline on the same log
// scale as burnChart (eight heights per row), each cell coloured by its
// burn rate, for terminals too short for the line chart.
func burnSparklines(series []burnChartLine, from, to time.Time, w int, threshold float64, colour func(float64) lipgloss.Style, axis, muted lipgloss.Style) []string {
	pw := w - burnChartLabelW
	if pw < 10 || !to.After(from) {
		return nil
	}
	lo, hi := burnChartScale(series, threshold)
	blocks := []string{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}
	var out []string
	for _, ln := range series {
		var b strings.Builder
		b.WriteString(ln.style.Render(budgetPadLeft(ln.label, burnChartLabelW-2)) + axis.Render(" │"))
		for _, v := range burnColumnMax(ln.pts, from, to.Sub(from), pw) {
			if math.IsNaN(v) {
				b.WriteByte(' ')
				continue
			}
			f := 0.0
			if v > lo {
				f = (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
			}
			b.WriteString(colour(v).Render(blocks[max(0, min(7, int(math.Round(f*7))))]))
		}
		out = append(out, b.String())
	}
	out = append(out, axis.Render(strings.Repeat(" ", burnChartLabelW-1)+"└")+muted.Render(burnTimeAxis(to.Sub(from), pw)))
	legend := muted.Render("log scale "+formatBurnCell(lo)+"–"+formatBurnCell(hi)+" · ") +
		colour(threshold).Render("≥"+formatBurnCell(threshold)) + muted.Render(" · ") +
		colour(slo.PageSlowBurn).Render("≥6×") + muted.Render(" · ") + colour(1).Render("≥1×") + muted.Render(" · ") + colour(0).Render("<1×")
	return append(out, strings.Repeat(" ", burnChartLabelW)+legend)
}

// burnChartScale picks the log-scale range: whole decades from below the
// smallest positive value (at most 4 decades under the top, and at most
// 0.1× so the sustainable rate 1× is inside) to above the largest value and
// the threshold.
func burnChartScale(series []burnChartLine, threshold float64) (lo, hi float64) {
	maxV, minV := threshold*1.5, math.Inf(1)
	for _, ln := range series {
		for _, p := range ln.pts {
			if p.Value > maxV {
				maxV = p.Value
			}
			if p.Value > 0 && p.Value < minV {
				minV = p.Value
			}
		}
	}
	hi = math.Pow(10, math.Ceil(math.Log10(maxV)))
	lo = 0.1
	if minV < lo {
		lo = math.Pow(10, math.Floor(math.Log10(minV)))
	}
	lo = math.Max(lo, hi/1e4)
	return lo, hi
}

// burnChartYLabels labels the threshold's row and every decade's row that is
// free and not next to another label.
func burnChartYLabels(lo, hi, threshold float64, plotH int, rowOf func(float64) int) map[int]string {
	labels := map[int]string{rowOf(threshold): formatBurnCell(threshold)}
	for d := hi; d >= lo*0.999; d /= 10 {
		r := rowOf(d)
		if _, taken := labels[r]; taken {
			continue
		}
		if _, near := labels[r+1]; near && plotH < 12 {
			continue
		}
		if _, near := labels[r-1]; near && plotH < 12 {
			continue
		}
		labels[r] = strconv.FormatFloat(d, 'g', -1, 64) + "×"
	}
	return labels
}

// burnColumnMax buckets points into n columns over (from, from+span] and keeps
// each column's highest value (NaN for an empty column).
func burnColumnMax(pts []slo.Point, from time.Time, span time.Duration, n int) []float64 {
	cols := make([]float64, n)
	for i := range cols {
		cols[i] = math.NaN()
	}
	for _, p := range pts {
		off := p.Time.Sub(from)
		if off < 0 || off > span {
			continue
		}
		x := min(n-1, int(float64(off)/float64(span)*float64(n)))
		if math.IsNaN(cols[x]) || p.Value > cols[x] {
			cols[x] = p.Value
		}
	}
	return cols
}

// burnTimeAxis labels the x axis at quarters of the span: "-24h … now".
func burnTimeAxis(span time.Duration, w int) string {
	line := []rune(strings.Repeat("─", w))
	put := func(x int, s string) {
		rs := []rune(s)
		x = max(0, min(x, w-len(rs)))
		copy(line[x:], rs)
	}
	for q := 0; q < 4; q++ {
		put(q*w/4, "-"+budgetSpan(span*time.Duration(4-q)/4))
	}
	put(w-3, "now")
	return string(line)
}

// budgetSpan renders a chart span: whole hours up to three days ("24h",
// "18h"), else two units ("7d", "1h 30m").
func budgetSpan(d time.Duration) string {
	if d%time.Hour == 0 && d <= 72*time.Hour {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return slo.HumanDuration(d)
}

func budgetPadLeft(s string, w int) string {
	if n := width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

func budgetAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// From tui/legacy.go and tui/screen_budget_rows.go.

func width(s string) int { return kit.Width(s) }

func formatBurnCell(b float64) string {
	switch {
	case math.IsNaN(b) || math.IsInf(b, 0):
		return "—"
	case b >= 100:
		return strconv.FormatFloat(b, 'f', 0, 64) + "×"
	case b >= 10:
		return strconv.FormatFloat(b, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(b, 'f', 2, 64) + "×"
}
