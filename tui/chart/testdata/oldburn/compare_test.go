package oldburn

// The budget screen's hand-drawn burn chart against tui/chart.Burn on the
// same 24h of 5m, 1h and 6h burn rates (5m points, as the screen fetches
// them), at the chart sizes of a 160×48 and an 80×24 terminal:
//
//	go test ./tui/chart/testdata/oldburn -run Compare -v        # bytes, and the charts in NO_COLOR and 16 colours with -show
//	go test ./tui/chart/testdata/oldburn -run '^$' -bench . -benchmem
//
// "string" is the styled string's length; "first paint" is what Bubble
// Tea v2's renderer (ultraviolet) writes to paint the chart on a blank
// screen in each colour profile, what a first frame costs over SSH; "next
// refresh" is what it writes when the chart moves on by one 5-minute step.

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"

	"oncall/internal/slo"
	"oncall/tui/chart"
	"oncall/tui/kit"
)

var show = flag.Bool("show", false, "print each chart in NO_COLOR and 16 colours")

var now = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

// rates are 24h of burn rates every 5 minutes up to now plus k steps:
// the 6h window flat under 1×, the 1h window slowly over it, the 5m
// window noisy with a 200× spike at noon yesterday and a burst over the
// page threshold in the last hour.
func rates(k int) map[string][]slo.Point {
	out := map[string][]slo.Point{}
	from := now.Add(time.Duration(k)*5*time.Minute - 24*time.Hour)
	for j := 0; j <= 288; j++ {
		ts := from.Add(time.Duration(j) * 5 * time.Minute)
		i := j + k
		x := float64(i)
		r5 := 0.6 + 0.4*math.Sin(x/7) + 0.3*math.Sin(x/2.3)
		if i == 144 {
			r5 = 200
		}
		if i > 276 {
			r5 = 20 + x - 276
		}
		out["5m"] = append(out["5m"], slo.Point{Time: ts, Value: r5})
		out["1h"] = append(out["1h"], slo.Point{Time: ts, Value: 1.2 + 0.5*math.Sin(x/30) + max(0, x-270)})
		out["6h"] = append(out["6h"], slo.Point{Time: ts, Value: 0.5 + 0.1*math.Sin(x/60)})
	}
	return out
}

// styles are the budget screen's (screen_budget_view.go) on a dark background.
type styles struct {
	lines              map[string]lipgloss.Style
	glyphs             map[string]string
	thr, subtle, muted lipgloss.Style
}

func budgetStyles() styles {
	st := kit.NewStyles(true)
	return styles{
		lines: map[string]lipgloss.Style{
			"5m": lipgloss.NewStyle().Foreground(st.Palette.Muted),
			"1h": lipgloss.NewStyle().Foreground(st.Palette.Accent).Bold(true),
			"6h": lipgloss.NewStyle().Foreground(st.Palette.Acked).Bold(true),
		},
		glyphs: map[string]string{"5m": "·", "1h": "•", "6h": "▪"},
		thr:    lipgloss.NewStyle().Foreground(st.Palette.Critical),
		subtle: st.Subtle,
		muted:  st.Muted,
	}
}

var windows = []string{"5m", "1h", "6h"}

func oldChart(w, plotH int) string { return oldChartAt(w, plotH, 0) }

func oldChartAt(w, plotH, k int) string {
	st, r := budgetStyles(), rates(k)
	end := now.Add(time.Duration(k) * 5 * time.Minute)
	var lines []burnChartLine
	for _, l := range windows {
		lines = append(lines, burnChartLine{label: l, glyph: st.glyphs[l], style: st.lines[l], pts: r[l]})
	}
	return strings.Join(burnChart(lines, end.Add(-24*time.Hour), end, w, plotH, slo.PageFastBurn, st.thr, st.subtle, st.muted), "\n")
}

func newChart(w, plotH int, shapes bool) string { return newChartAt(w, plotH, shapes, 0) }

func newChartAt(w, plotH int, shapes bool, k int) string {
	st, r := budgetStyles(), rates(k)
	end := now.Add(time.Duration(k) * 5 * time.Minute)
	var lines []chart.BurnLine
	for _, l := range windows {
		lines = append(lines, chart.BurnLine{Label: l, Glyph: st.glyphs[l], Style: st.lines[l], Points: r[l]})
	}
	return strings.Join(chart.Burn(lines, end.Add(-24*time.Hour), end, w, plotH, slo.PageFastBurn, st.thr, st.subtle, st.muted, shapes), "\n")
}

// sizes are the chart's width and plot height in the budget screen at
// 160×48 and 80×24.
var sizes = []struct {
	name     string
	w, plotH int
}{{"160x48", 159, 30}, {"80x24", 79, 8}}

func as(s string, p colorprofile.Profile) string {
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: p}
	if _, err := w.WriteString(s); err != nil {
		panic(err)
	}
	return b.String()
}

// wire is what Bubble Tea v2's renderer writes to paint s on a blank
// screen with that profile, or, with a previous frame, to turn that frame
// into s (it rewrites only the cells that changed).
func wire(s string, p colorprofile.Profile, previous ...string) int {
	var out bytes.Buffer
	r := uv.NewTerminalRenderer(&out, []string{"TERM=xterm-256color"})
	r.SetColorProfile(p)
	for _, f := range append(previous, s) {
		out.Reset()
		lines := strings.Split(f, "\n")
		buf := uv.NewScreenBuffer(kit.Width(lines[0]), len(lines))
		uv.NewStyledString(f).Draw(buf, buf.Bounds())
		r.Render(buf.RenderBuffer)
		if err := r.Flush(); err != nil {
			panic(err)
		}
	}
	return out.Len()
}

func TestCompare(t *testing.T) {
	for _, sz := range sizes {
		for _, c := range []struct {
			name      string
			out, next string // now, and five minutes later (the next refresh)
		}{
			{"hand-drawn", oldChart(sz.w, sz.plotH), oldChartAt(sz.w, sz.plotH, 1)},
			{"ntcharts braille", newChart(sz.w, sz.plotH, false), newChartAt(sz.w, sz.plotH, false, 1)},
			{"ntcharts shapes", newChart(sz.w, sz.plotH, true), newChartAt(sz.w, sz.plotH, true, 1)},
		} {
			lines := strings.Split(c.out, "\n")
			if len(lines) != sz.plotH+2 {
				t.Errorf("%s %s: %d lines, want %d", c.name, sz.name, len(lines), sz.plotH+2)
			}
			t.Logf("%s %-17s string %6d B · first paint: truecolor %6d B, 16 colours %6d B, NO_COLOR %6d B · next refresh: %6d / %6d / %6d B",
				sz.name, c.name, len(c.out),
				wire(c.out, colorprofile.TrueColor), wire(c.out, colorprofile.ANSI), wire(c.out, colorprofile.ASCII),
				wire(c.next, colorprofile.TrueColor, c.out), wire(c.next, colorprofile.ANSI, c.out), wire(c.next, colorprofile.ASCII, c.out))
			if *show {
				fmt.Printf("--- %s %s, NO_COLOR ---\n%s\n--- 16 colours ---\n%s\n", c.name, sz.name, as(c.out, colorprofile.ASCII), as(c.out, colorprofile.ANSI))
			}
		}
	}
}

// BenchmarkHandDrawn is the hand-drawn chart: the budget screen draws it
// in View, so this is its cost per frame.
func BenchmarkHandDrawn(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			var out string
			for b.Loop() {
				out = oldChart(sz.w, sz.plotH)
			}
			b.ReportMetric(float64(len(out)), "bytes")
		})
	}
}

// BenchmarkNtcharts is Burn: its cost per data reply or resize; a frame
// returns the kept string.
func BenchmarkNtcharts(b *testing.B) {
	for _, sz := range sizes {
		for _, shapes := range []bool{false, true} {
			name := sz.name + "/braille"
			if shapes {
				name = sz.name + "/shapes"
			}
			b.Run(name, func(b *testing.B) {
				var out string
				for b.Loop() {
					out = newChart(sz.w, sz.plotH, shapes)
				}
				b.ReportMetric(float64(len(out)), "bytes")
			})
		}
	}
}
