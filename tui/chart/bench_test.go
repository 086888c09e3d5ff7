package chart_test

import (
	"testing"
	"time"

	"oncall/tui/chart"
	"oncall/tui/kit"
)

// The budget: a frame under 16 ms for 10 series × 1,000 points,
// the chart built once per data reply.
//
//	go test ./tui/chart -run '^$' -bench . -benchmem

// BenchmarkBuild is what a data reply (or a resize, or a theme change)
// costs: New on 10 series × 1,000 points.
func BenchmarkBuild(b *testing.B) {
	for _, sz := range []struct {
		name    string
		w, h    int
		variant chart.Variant
	}{{"full-160x48", 160, 48, chart.Full}, {"full-80x24", 80, 24, chart.Full}, {"compact-100x10", 100, 10, chart.Compact}} {
		b.Run(sz.name, func(b *testing.B) {
			d := alertData(10, 1000)
			st := kit.NewStyles(true)
			var c *chart.Chart
			for b.Loop() {
				c = chart.New(d, sz.w, sz.h, st, chart.Options{Variant: sz.variant, Location: time.UTC})
			}
			b.ReportMetric(float64(len(c.View())), "bytes")
		})
	}
}

// BenchmarkFrame is what every frame costs: the kept string.
func BenchmarkFrame(b *testing.B) {
	c := chart.New(alertData(10, 1000), 160, 48, kit.NewStyles(true), chart.Options{Variant: chart.Full, Location: time.UTC})
	var n int
	for b.Loop() {
		n += len(c.View())
	}
	_ = n
}

// BenchmarkCursorMove is a cursor key: the chart drawn again with the
// cursor one column on.
func BenchmarkCursorMove(b *testing.B) {
	c := chart.New(alertData(10, 1000), 160, 48, kit.NewStyles(true), chart.Options{Variant: chart.Full, Location: time.UTC})
	i := 0
	for b.Loop() {
		c.SetCursor(i % c.PlotWidth())
		i++
	}
}
