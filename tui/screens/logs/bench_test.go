package logs

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/sources/loki"
	"oncall/tui/tuitest"
)

// syntheticLogRows builds n realistic rows (JSON lines, one in ten with a
// trace id) without a server, readable as the screen builds them.
func syntheticLogRows(n int) []logview.Row {
	b := logview.NewBuilder(nil, time.UTC).WithFormatter(logview.NewFormatter(nil))
	streams := []map[string]string{
		{"service_name": "api-gateway", "env": "prod", "level": "info"},
		{"service_name": "conectcrm-backend", "env": "prod", "level": "error"},
		{"service_name": "postgres", "env": "prod", "level": "warn"},
	}
	rows := make([]logview.Row, n)
	start := now.Add(-time.Hour)
	for i := range rows {
		line := fmt.Sprintf(`{"ts":"%d","level":"info","msg":"request completed","method":"GET","route":"/api/v1/contacts/%d","status":200,"duration_ms":%d,"client_ip":"10.42.%d.%d"}`, i, i%9973, i%700, i%8, i%250)
		if i%10 == 0 {
			line = fmt.Sprintf(`{"level":"error","msg":"request failed","error":"timeout acquiring connection from pool after 5000ms","trace_id":"%032x","span_id":"%016x"}`, i+1, i+1)
		}
		rows[i] = b.Build(loki.Entry{Time: start.Add(time.Duration(i) * 36 * time.Millisecond), Labels: streams[i%3], Line: line})
	}
	return rows
}

// screenWith shows n rows in a 160×48 session's logs screen. Frames are
// driven through the root model itself: a benchmark times Update and
// View, not the driver's settling.
func screenWith(t testing.TB, n int, wrap bool) (*tuitest.Driver, *Screen) {
	c, err := loki.New(loki.Config{URL: "http://127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	d, s := start(t, nil, setup{dark: true, opts: Options{Client: c, MaxLines: max(n, 1)}})
	s.buf.Reset(syntheticLogRows(n))
	s.list.SetLen(s.buf.Len())
	s.list.Select(s.buf.Len() - 1)
	s.loaded, s.wrap = true, wrap
	s.search = logview.NewSearch("pool")
	d.M.Show(Name)
	return d, s
}

// BenchmarkLogsPane100k holds 100,000 lines and measures one frame: a
// scroll (alternating page moves and jumps across the buffer) and a full
// render. MB-heap is the heap in use with the lines held.
func BenchmarkLogsPane100k(b *testing.B) {
	for _, wrap := range []bool{false, true} {
		b.Run(fmt.Sprintf("wrap=%v", wrap), func(b *testing.B) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			d, s := screenWith(b, 100000, wrap)
			m := d.M
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			keys := []tea.KeyPressMsg{tuitest.Key("pgup"), tuitest.Key("pgup"), tuitest.Key("g"), tuitest.Key("pgdown"), tuitest.Key("G"), tuitest.Key("up")}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Update(keys[i%len(keys)])
				_ = m.Render()
			}
			b.StopTimer()
			b.ReportMetric(float64(after.HeapInuse)/(1<<20), "MB-heap")
			b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), "MB-lines")
			runtime.KeepAlive(s)
		})
	}
}

// BenchmarkLogsSearch100k measures searching 100,000 held lines, one frame
// each: "enter" runs a new search (/, query, enter: count the matches over
// the whole buffer and jump to the first) and renders, for a common, a rare
// and an absent query (the worst case: two full scans), in lower case
// (smart case: case-insensitive) and with capitals (exact). "next" is n to
// the next of ~10 rare matches plus the frame.
func BenchmarkLogsSearch100k(b *testing.B) {
	enter := tuitest.Key("enter")
	slash := tuitest.Key("/")
	for _, q := range []struct{ name, query string }{{"common", "pool"}, {"rare", "contacts/4242"}, {"absent", "no such line"}, {"absent-case", "No Such Line"}} {
		b.Run("enter/"+q.name, func(b *testing.B) {
			d, s := screenWith(b, 100000, false)
			m := d.M
			b.ReportAllocs()
			for b.Loop() {
				m.Update(slash)
				s.box.SetValue(q.query)
				m.Update(enter)
				_ = m.Render()
			}
			if s.search.Query() != q.query {
				b.Fatalf("search is %q", s.search.Query())
			}
		})
	}
	b.Run("next", func(b *testing.B) {
		d, s := screenWith(b, 100000, false)
		m := d.M
		m.Update(slash)
		s.box.SetValue("contacts/4242")
		m.Update(enter)
		if s.matches == 0 {
			b.Fatal("the rare query matches nothing")
		}
		next := tuitest.Key("n")
		b.ReportAllocs()
		for b.Loop() {
			m.Update(next)
			_ = m.Render()
		}
	})
}

// The cost of a frame is the viewport's: rendering with 100,000 lines held
// allocates no more than with 1,000.
func TestFrameCostDoesNotGrowWithTheBuffer(t *testing.T) {
	for _, wrap := range []bool{false, true} {
		allocs := map[int]float64{}
		for _, n := range []int{1000, 100000} {
			d, _ := screenWith(t, n, wrap)
			m := d.M
			keys := []tea.KeyPressMsg{tuitest.Key("pgup"), tuitest.Key("pgdown")}
			i := 0
			allocs[n] = testing.AllocsPerRun(20, func() {
				m.Update(keys[i%2])
				i++
				_ = m.Render()
			})
		}
		if allocs[100000] > allocs[1000]*1.1+10 {
			t.Errorf("wrap=%v: %.0f allocs per frame with 100k lines vs %.0f with 1k", wrap, allocs[100000], allocs[1000])
		}
	}
}
