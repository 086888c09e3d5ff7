package trace

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"oncall/sources/jaeger"
	"oncall/tui/kit"
	"oncall/tui/tuitest/fixture"
)

// trBigTrace is a deterministic trace of n spans nesting a few levels
// deep across a dozen services.
func trBigTrace(n int) *jaeger.Trace {
	r := rand.New(rand.NewPCG(3, 5))
	t := &jaeger.Trace{TraceID: trFixtureID}
	t.Spans = append(t.Spans, jaeger.Span{TraceID: trFixtureID, SpanID: fmt.Sprintf("%016x", 1), Service: "api-gateway", Operation: "GET /bulk", Start: trStart, Duration: 10 * time.Second})
	for i := 1; i < n; i++ {
		p := &t.Spans[r.IntN(len(t.Spans))]
		off := time.Duration(r.Int64N(int64(max(p.Duration, 1))))
		t.Spans = append(t.Spans, jaeger.Span{
			TraceID: trFixtureID, SpanID: fmt.Sprintf("%016x", i+1), ParentSpanID: p.SpanID,
			Service: fmt.Sprintf("service-%02d", r.IntN(12)), Operation: fmt.Sprintf("call-%d", i%97),
			Start: p.Start.Add(off), Duration: time.Duration(r.Int64N(int64(max(p.Duration-off, 1)))) + time.Microsecond,
			Error: r.IntN(40) == 0,
		})
	}
	return t
}

// bigDriver is a session showing a 10,000-span trace, its styles, and a
// step that moves the waterfall's cursor as a key does.
func bigDriver(tb testing.TB) (*Screen, *kit.Styles, func(d int)) {
	tb.Helper()
	src, j, _ := trSources()
	j.traces[trFixtureID] = trBigTrace(10000)
	d := newDriver(tb, 160, 48, true, src)
	d.Timeout = time.Minute
	s := trOpen(tb, d, "")
	if s.wf == nil || len(s.wf.Rows) != 10000 {
		tb.Fatalf("trace not loaded: %v", s.err)
	}
	st := d.M.Styles()
	return s, st, func(d int) {
		before := s.spans.Cursor()
		s.spans.Move(d)
		s.moved(st, before)
	}
}

// BenchmarkTraceScreen10k is one frame of the trace screen holding a
// 10,000-span trace: a cursor move plus View at 160×48. The layout is
// built once when the trace arrives; a frame draws only visible rows.
func BenchmarkTraceScreen10k(b *testing.B) {
	s, st, move := bigDriver(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		move(1 + i%41)
		if s.spans.AtEnd() {
			move(-len(s.wf.Rows))
		}
		_ = s.View(160, 45, st, fixture.Now())
	}
}

// TestTraceScreen10kFrameIsFast guards the frame budget loosely (the
// benchmark gives the real figure): 50 frames of a 10,000-span trace must
// take well under 16 ms each even on a loaded machine.
func TestTraceScreen10kFrameIsFast(t *testing.T) {
	start := time.Now()
	s, st, move := bigDriver(t)
	load := time.Since(start)
	start = time.Now()
	for i := range 50 {
		move(97)
		if i%10 == 0 {
			move(-5000)
		}
		_ = s.View(160, 45, st, fixture.Now())
	}
	frame := time.Since(start) / 50
	t.Logf("10k spans: load+build %s, frame %s", load, frame)
	if frame > 16*time.Millisecond {
		t.Errorf("a frame takes %s, over the 16 ms budget", frame)
	}
}
