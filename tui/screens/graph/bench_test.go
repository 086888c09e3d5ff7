package graph

import (
	"fmt"
	"math"
	"testing"
	"time"

	"oncall/internal/graph"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

// The budget: a frame of the graph screen under 16 ms for 10
// series × 1,000 points, the chart built once per reply.
//
//	go test ./tui/screens/graph -run '^$' -bench . -benchmem

// bigResult is 10 series × 1,000 points over the hour before now, over
// and under a threshold, with pending and firing marks.
func bigResult() *graph.Result {
	r := &graph.Result{Alert: "APIDown", Start: now.Add(-time.Hour), End: now, Step: 3600 * time.Millisecond,
		Threshold: &graph.Threshold{Op: ">", Value: 0.05},
		Markers:   []graph.Marker{{Kind: graph.MarkPending, At: now.Add(-13 * time.Minute)}, {Kind: graph.MarkFiring, At: now.Add(-12 * time.Minute)}}}
	for s := range 10 {
		ser := graph.Series{Name: fmt.Sprintf("instance=10.0.0.%d:9100", s+1)}
		for i := range 1000 {
			v := 0.03 + 0.02*math.Sin(float64(i)/40+float64(s)) + float64(s%4)*0.01
			ser.Points = append(ser.Points, graph.Point{T: r.Start.Add(time.Duration(i) * r.Step), V: v})
		}
		r.Series = append(r.Series, ser)
	}
	return r
}

// opened is a session at w×h showing the fixture's APIDown full screen,
// given the big reply.
func opened(b *testing.B, w, h int) (*tuitest.Driver, *screen, string) {
	d := tuitest.New(b, tuitest.Setup{Width: w, Height: h, Dark: true, Entries: []kit.Entry{Entry(Options{})}})
	s := screenOf(b, d)
	d.Press("P")
	if s.alert == nil || s.alert.Name() != "APIDown" {
		b.Fatalf("the graph screen is not open on APIDown: %v", s.alert)
	}
	key := entryKey(s.alert, s.spanD())
	s.graphs[key].inFlight = true
	s.Update(d.M, graphMsg{key: key, seq: s.graphs[key].seq, res: bigResult()})
	return d, s, key
}

// BenchmarkReplyFrame is a reply and the frame that follows it: the chart
// built and drawn.
func BenchmarkReplyFrame(b *testing.B) {
	for _, sz := range []struct{ w, h int }{{160, 48}, {80, 24}} {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			d, s, key := opened(b, sz.w, sz.h)
			var n int
			for b.Loop() {
				e := s.graphs[key]
				e.inFlight = true
				s.Update(d.M, graphMsg{key: key, seq: e.seq, res: bigResult()})
				n += len(d.M.Render())
			}
			if s.full == nil || len(s.full.View()) == 0 {
				b.Fatal("no chart")
			}
		})
	}
}

// BenchmarkCursorKey is a cursor key and its frame: Update and Render of
// the whole session, the chart not built again.
func BenchmarkCursorKey(b *testing.B) {
	for _, sz := range []struct{ w, h int }{{160, 48}, {80, 24}} {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			d, s, _ := opened(b, sz.w, sz.h)
			d.M.Render()
			built := s.full
			keys := []string{"left", "right"}
			i := 0
			for b.Loop() {
				d.M.Update(tuitest.Key(keys[i%2]))
				_ = d.M.Render()
				i++
			}
			if s.full != built {
				b.Error("a cursor key built the chart again")
			}
		})
	}
}

// BenchmarkIdleFrame is a frame where nothing changed.
func BenchmarkIdleFrame(b *testing.B) {
	d, _, _ := opened(b, 160, 48)
	for b.Loop() {
		_ = d.M.Render()
	}
}
