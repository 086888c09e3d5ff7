package waterfall

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"oncall/sources/jaeger"
)

// bigTrace builds a deterministic trace of n spans: a root fanning out
// into calls that nest up to a few levels deep, across a dozen services.
func bigTrace(n int) *jaeger.Trace {
	r := rand.New(rand.NewPCG(7, 11))
	t := &jaeger.Trace{TraceID: "0af7651916cd43dd8448eb211c80319c"}
	services := make([]string, 12)
	for i := range services {
		services[i] = fmt.Sprintf("service-%02d", i)
	}
	t.Spans = append(t.Spans, jaeger.Span{TraceID: t.TraceID, SpanID: fmt.Sprintf("%016x", 1), Service: "api-gateway",
		Operation: "GET /bulk", Start: t0, Duration: 10 * time.Second})
	for i := 1; i < n; i++ {
		p := &t.Spans[r.IntN(len(t.Spans))]
		off := time.Duration(r.Int64N(int64(max(p.Duration, 1))))
		dur := time.Duration(r.Int64N(int64(max(p.Duration-off, 1)))) + time.Microsecond
		t.Spans = append(t.Spans, jaeger.Span{
			TraceID: t.TraceID, SpanID: fmt.Sprintf("%016x", i+1), ParentSpanID: p.SpanID,
			Service: services[r.IntN(len(services))], Operation: fmt.Sprintf("call-%d", i%97),
			Start: p.Start.Add(off), Duration: dur, Error: r.IntN(50) == 0,
		})
	}
	return t
}

func TestBigTraceIsWholeAndCriticalPathAddsUp(t *testing.T) {
	tr := bigTrace(10000)
	w := Build(tr)
	if len(w.Rows) != 10000 {
		t.Fatalf("%d rows, want 10000", len(w.Rows))
	}
	seen := make([]bool, len(tr.Spans))
	for i := range w.Rows {
		r := &w.Rows[i]
		if seen[r.Span] {
			t.Fatalf("span %d shown twice", r.Span)
		}
		seen[r.Span] = true
		if r.Parent >= i || (r.Parent >= 0 && w.Rows[r.Parent].Depth != r.Depth-1) {
			t.Fatalf("row %d: parent %d does not precede it one level up", i, r.Parent)
		}
	}
	if got, want := w.CriticalTime(), w.Rows[w.Root].Duration; got != want {
		t.Errorf("critical time %v, want the root's %v", got, want)
	}
}

// BenchmarkWaterfall10k measures laying out a 10,000-span trace once
// ("build") and then drawing one 48-row frame of it ("frame": labels and
// bars of the visible rows only), which must stay well under 16 ms.
func BenchmarkWaterfall10k(b *testing.B) {
	tr := bigTrace(10000)
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Build(tr)
		}
	})
	b.Run("frame", func(b *testing.B) {
		w := Build(tr)
		cells := make([]Cell, 0, 100)
		top := 0
		b.ReportAllocs()
		for b.Loop() {
			top = (top + 37) % (len(w.Rows) - 48)
			for i := top; i < top+48; i++ {
				_ = w.Label(i)
				cells = w.Paint(i, 100, cells)
			}
		}
	})
}
