package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"oncall/tui/kit"
)

// legend is the lines under the plot: rows of them.
func (c *Chart) legend(pal palette, rows int) []string {
	d := c.data
	names := legendNames(d.Lines)
	var out []string
	if c.opts.Variant == Full {
		rows-- // the readout's, written by compose
	}
	// item is a series' glyph, name (cut to nameW cells; none when 0) and
	// latest value.
	item := func(i, nameW int) string {
		v := "no data"
		if pt, ok := lastFinite(d.Lines[i].Points); ok {
			v = formatValue(pt.V) + d.Unit
		}
		label := c.glyph(i)
		if nameW > 0 {
			label += " " + kit.Cut(names[i], nameW)
		}
		return c.style(pal, i).Render(label) + " " + pal.muted.Render(v)
	}
	// extras are the threshold, the markers and the hidden count; short
	// ones leave out the markers' names and "more series".
	extras := func(short bool) []string {
		var out []string
		if t := d.Threshold; t != nil {
			s := "┄ " + strings.TrimSpace(t.Op+" "+formatValue(t.Value)+d.Unit)
			if t.Label != "" {
				s += " " + t.Label
			}
			out = append(out, pal.thr.Render(s))
		}
		for _, m := range d.Markers {
			st := pal.pending
			if m.Firing {
				st = pal.firing
			}
			text := " " + m.Name + " " + markerTime(m.At, d.To, c.opts.Location)
			if short {
				text = " " + markerTime(m.At, d.To, c.opts.Location)
			}
			if m.At.Before(d.From) {
				text += " ◂"
			}
			out = append(out, st.Render(m.Letter)+pal.muted.Render(text))
		}
		switch {
		case d.Hidden > 0 && short:
			out = append(out, pal.muted.Render(fmt.Sprintf("+%d hidden", d.Hidden)))
		case d.Hidden > 0:
			out = append(out, pal.muted.Render(fmt.Sprintf("+%d more series hidden", d.Hidden)))
		}
		if len(d.Lines) == 0 {
			out = append([]string{pal.muted.Render("no data")}, out...)
		}
		return out
	}
	if rows-len(out) > len(d.Lines) {
		// a line per series: glyph, name, latest value
		for i := range d.Lines {
			out = append(out, " "+item(i, c.w-14))
		}
		return append(out, " "+joinCut(extras(false), c.w-1))
	}
	// One line: the threshold, the markers and the hidden count always;
	// the series' names as long as they fit, cut, or left out.
	for _, try := range []struct {
		nameW int
		short bool
	}{{c.w, false}, {24, false}, {12, false}, {0, false}, {0, true}} {
		items := make([]string, 0, len(d.Lines)+4)
		for i := range d.Lines {
			items = append(items, item(i, try.nameW))
		}
		line := strings.Join(append(items, extras(try.short)...), "  ")
		if kit.Width(line) <= c.w-1 || try.short {
			return append(out, " "+line)
		}
	}
	return out
}

// readout is the cursor's line: its time and each series' value.
func (c *Chart) readout(pal palette) string {
	_, at, rs := c.Cursor()
	if rs == nil && c.cursor < 0 {
		return ""
	}
	loc := c.opts.Location
	if loc == nil {
		loc = time.Local
	}
	items := []string{pal.cursor.Render("│ " + at.In(loc).Format("Jan 2 15:04:05"))}
	for i, r := range rs {
		v := "–"
		if r.OK {
			v = formatValue(r.Value) + c.data.Unit
		}
		items = append(items, c.style(pal, i).Render(r.Glyph)+" "+v)
	}
	return " " + joinCut(items, c.w-1)
}

// timeLabel formats the time axis: clock times up to a day and a half,
// then dates.
func timeLabel(span time.Duration, loc *time.Location) func(int, float64) string {
	layout := "15:04"
	if span > 36*time.Hour {
		layout = "Jan 2"
	}
	return func(_ int, v float64) string { return time.Unix(int64(v), 0).In(loc).Format(layout) }
}

// relativeLabel labels the time axis by the time before end: "-18h",
// "-45m", "now".
func relativeLabel(end time.Time) func(int, float64) string {
	return func(_ int, v float64) string {
		ago := end.Sub(time.Unix(int64(v), 0))
		switch {
		case ago >= time.Hour:
			return "-" + strconv.Itoa(int(ago.Round(time.Hour)/time.Hour)) + "h"
		case ago >= time.Minute:
			return "-" + strconv.Itoa(int(ago.Round(time.Minute)/time.Minute)) + "m"
		}
		return "now"
	}
}

func markerTime(at, end time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	if end.Sub(at) < 20*time.Hour && end.Sub(at) > -time.Hour {
		return at.In(loc).Format("15:04:05")
	}
	return at.In(loc).Format("Jan 2 15:04")
}

// formatValue writes a value in at most about six cells: three
// significant digits, k/M/G/T above ten thousand.
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == 0:
		return "0"
	}
	a := math.Abs(v)
	for _, u := range []struct {
		from, div float64
		s         string
	}{{1e12, 1e12, "T"}, {1e9, 1e9, "G"}, {1e6, 1e6, "M"}, {1e4, 1e3, "k"}} {
		if a >= u.from {
			return sig(v/u.div) + u.s
		}
	}
	if a < 0.001 {
		return strconv.FormatFloat(v, 'e', 1, 64)
	}
	return sig(v)
}

// sig is v with three significant digits, without trailing zeros.
func sig(v float64) string {
	if v == 0 {
		return "0"
	}
	d := 3 - int(math.Floor(math.Log10(math.Abs(v)))) - 1
	if d < 0 {
		p := math.Pow(10, float64(-d))
		return strconv.FormatFloat(math.Round(v/p)*p, 'f', 0, 64)
	}
	return strconv.FormatFloat(roundTo(v, d), 'f', -1, 64)
}

func roundTo(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}
