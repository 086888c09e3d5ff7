package waterfall

import (
	"strconv"
	"strings"
	"time"
)

// Cells maps a time range (offsets from Start) onto a bar of width cells,
// returning the columns [a, b) it covers: at least one cell, never beyond
// width. Every row shares this axis.
func (w *Waterfall) Cells(from, to time.Duration, width int) (a, b int) {
	if width <= 0 {
		return 0, 0
	}
	total := int64(w.Duration)
	if total <= 0 {
		return 0, width
	}
	from, to = max(from, 0), max(to, from)
	a = int(int64(from) * int64(width) / total)
	b = int((int64(to)*int64(width) + total - 1) / total)
	a = min(a, width-1)
	b = min(max(b, a+1), width)
	return a, b
}

// Bar returns the columns a row's bar covers on a width-cell axis.
func (w *Waterfall) Bar(row, width int) (a, b int) {
	r := &w.Rows[row]
	return w.Cells(r.Offset, r.End(), width)
}

// Cell is what one column of a bar shows.
type Cell byte

// Cell values.
const (
	Empty    Cell = iota // outside the span
	Filled               // the span
	Critical             // the span's part on the critical path
)

// Paint fills dst (resized to width) with the cells of a row's bar.
func (w *Waterfall) Paint(row, width int, dst []Cell) []Cell {
	if cap(dst) < width {
		dst = make([]Cell, width)
	}
	dst = dst[:width]
	for i := range dst {
		dst[i] = Empty
	}
	a, b := w.Bar(row, width)
	for i := a; i < b; i++ {
		dst[i] = Filled
	}
	for _, s := range w.Rows[row].Segments {
		sa, sb := w.Cells(s.From, s.To, width)
		for i := max(sa, a); i < min(sb, b); i++ {
			dst[i] = Critical
		}
	}
	return dst
}

// Tick is one mark of the time axis.
type Tick struct {
	Col   int
	At    time.Duration
	Label string
}

// Ticks places axis marks at a round step (1, 2 or 5 × 10^k) chosen so
// that marks are at least minGap cells apart, from 0 to the trace's end.
func (w *Waterfall) Ticks(width, minGap int) []Tick {
	if width <= 0 || w.Duration <= 0 {
		return []Tick{{Col: 0, Label: "0"}}
	}
	minGap = max(minGap, 1)
	want := time.Duration(int64(w.Duration) * int64(minGap) / int64(width))
	step := niceStep(max(want, 1))
	var out []Tick
	for at := time.Duration(0); at <= w.Duration; at += step {
		col := int(int64(at) * int64(width) / int64(w.Duration))
		if col >= width {
			break
		}
		label := FormatDuration(at)
		if at == 0 {
			label = "0"
		}
		out = append(out, Tick{Col: col, At: at, Label: label})
	}
	return out
}

// niceStep is the smallest 1, 2 or 5 × 10^k duration ≥ d.
func niceStep(d time.Duration) time.Duration {
	for base := time.Duration(1); ; base *= 10 {
		for _, m := range []time.Duration{1, 2, 5} {
			if base*m >= d {
				return base * m
			}
		}
		if base > time.Duration(1<<62)/10 {
			return base
		}
	}
}

// Axis renders ticks into exactly width cells: each label starts at its
// column after mark, a label that would overflow or touch the previous one
// is dropped.
func Axis(ticks []Tick, width int, mark rune) string {
	if width <= 0 {
		return ""
	}
	line := []rune(strings.Repeat(" ", width))
	next := 0
	for _, t := range ticks {
		l := append([]rune{mark}, []rune(t.Label)...)
		if t.Col < next || t.Col+len(l) > width {
			continue
		}
		copy(line[t.Col:], l)
		next = t.Col + len(l) + 1
	}
	return string(line)
}

// FormatDuration renders a span duration compactly: 900µs, 12.5ms, 1.25s,
// 2m3s.
func FormatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + FormatDuration(-d)
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		return trim(float64(d)/float64(time.Microsecond), 0) + "µs"
	case d < time.Second:
		return trim(float64(d)/float64(time.Millisecond), 1) + "ms"
	case d < time.Minute:
		return trim(float64(d)/float64(time.Second), 2) + "s"
	}
	return d.Round(time.Second).String()
}

func trim(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
