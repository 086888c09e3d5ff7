package waterfall

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"oncall/sources/jaeger"
)

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// sp builds a span starting at startMS and lasting durMS milliseconds.
func sp(id, parent, service string, startMS, durMS int) jaeger.Span {
	return jaeger.Span{
		TraceID: "00000000000000000000000000000abc", SpanID: id, ParentSpanID: parent,
		Service: service, Operation: "op-" + id,
		Start: t0.Add(time.Duration(startMS) * time.Millisecond), Duration: time.Duration(durMS) * time.Millisecond,
	}
}

func trace(spans ...jaeger.Span) *jaeger.Trace {
	return &jaeger.Trace{TraceID: "00000000000000000000000000000abc", Spans: spans}
}

// order lists the span ids of the rows, with their depth.
func order(w *Waterfall) []string {
	var out []string
	for i := range w.Rows {
		out = append(out, fmt.Sprintf("%s@%d", w.Span(i).SpanID, w.Rows[i].Depth))
	}
	return out
}

func TestTreeOrdersChildrenUnderParentsByStart(t *testing.T) {
	// Input deliberately shuffled: children before parents, later first.
	w := Build(trace(
		sp("b", "root", "svc-b", 40, 20),
		sp("b1", "b", "svc-b", 45, 5),
		sp("a", "root", "svc-a", 10, 20),
		sp("root", "", "gw", 0, 100),
		sp("a2", "a", "svc-a", 20, 5),
		sp("a1", "a", "svc-a", 12, 5),
	))
	want := []string{"root@0", "a@1", "a1@2", "a2@2", "b@1", "b1@2"}
	if got := order(w); !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	if w.Rows[0].Children != 2 || w.Rows[1].Children != 2 || w.Rows[5].Children != 0 {
		t.Errorf("children counts = %d,%d,%d, want 2,2,0", w.Rows[0].Children, w.Rows[1].Children, w.Rows[5].Children)
	}
	if w.Rows[2].Parent != 1 || w.Rows[4].Parent != 0 || w.Rows[0].Parent != -1 {
		t.Errorf("parents = %d,%d,%d, want 1,0,-1", w.Rows[2].Parent, w.Rows[4].Parent, w.Rows[0].Parent)
	}
	if w.Duration != 100*time.Millisecond || !w.Start.Equal(t0) || w.MaxDepth != 2 {
		t.Errorf("duration %v start %v depth %d", w.Duration, w.Start, w.MaxDepth)
	}
	if w.RowOf("a2") != 3 || w.RowOf("nope") != -1 {
		t.Errorf("RowOf(a2) = %d, RowOf(nope) = %d", w.RowOf("a2"), w.RowOf("nope"))
	}
	if got := w.Ancestors(3); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("Ancestors(a2) = %v, want [0 1]", got)
	}
}

func TestOrphansAndCyclesGoToRootLevel(t *testing.T) {
	w := Build(trace(
		sp("root", "", "gw", 10, 100),
		sp("lost", "feedfeedfeedfeed", "api", 5, 10), // parent not in trace
		sp("kid", "lost", "api", 6, 2),
		sp("self", "self", "api", 50, 1), // its own parent
		sp("x", "y", "db", 70, 5),        // x and y only reach each other
		sp("y", "x", "db", 60, 5),
	))
	want := []string{"lost@0", "kid@1", "root@0", "self@0", "y@0", "x@1"}
	if got := order(w); !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	for i, wantOrphan := range []bool{true, false, false, true, true, false} {
		if w.Rows[i].Orphan != wantOrphan {
			t.Errorf("row %d (%s) orphan = %v, want %v", i, w.Span(i).SpanID, w.Rows[i].Orphan, wantOrphan)
		}
	}
	// The critical path starts at the true root, not at the earlier orphan.
	if w.Span(w.Root).SpanID != "root" {
		t.Errorf("root = %s, want root", w.Span(w.Root).SpanID)
	}
	if !w.Start.Equal(t0.Add(5*time.Millisecond)) || w.Duration != 105*time.Millisecond {
		t.Errorf("axis = %v + %v, want t0+5ms + 105ms", w.Start, w.Duration)
	}
}

func TestEmptyTrace(t *testing.T) {
	w := Build(&jaeger.Trace{TraceID: "abc"})
	if len(w.Rows) != 0 || w.Root != -1 || w.TraceID != "abc" {
		t.Fatalf("empty trace: %+v", w)
	}
	if got := Text(w, 80); len(got) != 1 || !strings.Contains(got[0], "no spans") {
		t.Errorf("Text(empty) = %q", got)
	}
	if Build(nil).Root != -1 {
		t.Error("Build(nil) should be empty")
	}
}

// critical returns the critical segments by span id, in ms.
func critical(w *Waterfall) map[string]string {
	out := map[string]string{}
	for i := range w.Rows {
		if !w.Rows[i].Critical {
			continue
		}
		var segs []string
		for _, s := range w.Rows[i].Segments {
			segs = append(segs, fmt.Sprintf("%d-%d", s.From.Milliseconds(), s.To.Milliseconds()))
		}
		out[w.Span(i).SpanID] = strings.Join(segs, ",")
	}
	return out
}

func TestCriticalPathSequentialAndParallelChildren(t *testing.T) {
	// root calls a (which calls a1), then b (which calls b1 and b2 in
	// parallel); d runs in parallel with a and b and finishes inside b.
	w := Build(trace(
		sp("root", "", "gw", 0, 100),
		sp("a", "root", "api", 5, 35),
		sp("a1", "a", "db", 10, 20),
		sp("d", "root", "cache", 20, 40),
		sp("b", "root", "api", 45, 45),
		sp("b1", "b", "db", 50, 20),
		sp("b2", "b", "db", 55, 30),
	))
	want := map[string]string{
		"root": "0-5,40-45,90-100",
		"a":    "5-10,30-40",
		"a1":   "10-30",
		"b":    "45-55,85-90",
		"b2":   "55-85",
	}
	got := critical(w)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("critical path = %v\nwant %v", got, want)
	}
	if w.CriticalTime() != 100*time.Millisecond {
		t.Errorf("critical time = %v, want the root's 100ms", w.CriticalTime())
	}
	var onPath []string
	for _, r := range w.CriticalRows {
		onPath = append(onPath, w.Span(r).SpanID)
	}
	if want := []string{"root", "b", "b2", "a", "a1"}; !slices.Equal(onPath, want) {
		t.Errorf("walk order = %v, want %v", onPath, want)
	}
}

func TestCriticalPathClampsChildrenToTheirParent(t *testing.T) {
	w := Build(trace(
		sp("root", "", "gw", 0, 100),
		sp("late", "root", "api", 60, 90),  // overruns the root: clamped to 60-100
		sp("after", "root", "api", 120, 5), // starts after the root ended: ignored
		sp("early", "root", "api", 10, 20),
	))
	want := map[string]string{"root": "0-10,30-60", "late": "60-100", "early": "10-30"}
	if got := critical(w); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("critical path = %v, want %v", got, want)
	}
}

func TestCriticalPathBackToBackChildrenBothCount(t *testing.T) {
	w := Build(trace(
		sp("root", "", "gw", 0, 30),
		sp("first", "root", "api", 0, 10),
		sp("second", "root", "api", 10, 20),
	))
	want := map[string]string{"root": "", "first": "0-10", "second": "10-30"}
	if got := critical(w); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("critical path = %v, want %v", got, want)
	}
}

func TestCellsShareOneAxis(t *testing.T) {
	w := Build(trace(sp("root", "", "gw", 0, 100), sp("b", "root", "api", 45, 45), sp("z", "root", "api", 100, 0)))
	cases := []struct {
		row, width, a, b int
	}{
		{0, 10, 0, 10},
		{1, 10, 4, 9},
		{1, 100, 45, 90},
		{2, 10, 9, 10}, // zero length at the very end: still one cell
		{1, 0, 0, 0},
	}
	for _, c := range cases {
		if a, b := w.Bar(c.row, c.width); a != c.a || b != c.b {
			t.Errorf("Bar(%d, %d) = %d,%d, want %d,%d", c.row, c.width, a, b, c.a, c.b)
		}
	}
}

func cellString(cs []Cell) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteByte(" =#"[c])
	}
	return b.String()
}

func TestPaintMarksCriticalSegments(t *testing.T) {
	w := Build(trace(
		sp("root", "", "gw", 0, 100),
		sp("fast", "root", "api", 0, 20),
		sp("slow", "root", "api", 0, 80),
	))
	got := []string{cellString(w.Paint(0, 10, nil)), cellString(w.Paint(1, 10, nil)), cellString(w.Paint(2, 10, nil))}
	want := []string{"========##", "==        ", "########  "}
	if !slices.Equal(got, want) {
		t.Fatalf("painted = %q, want %q", got, want)
	}
}

func TestTicksAreRoundAndSpaced(t *testing.T) {
	w := Build(trace(sp("root", "", "gw", 0, 182)))
	ticks := w.Ticks(50, 8)
	var got []string
	for _, tk := range ticks {
		got = append(got, fmt.Sprintf("%d:%s", tk.Col, tk.Label))
	}
	want := []string{"0:0", "13:50ms", "27:100ms", "41:150ms"}
	if !slices.Equal(got, want) {
		t.Fatalf("ticks = %v, want %v", got, want)
	}
	axis := Axis(ticks, 50, '|')
	if len(axis) != 50 || !strings.HasPrefix(axis, "|0 ") || axis[13:19] != "|50ms " || axis[41:48] != "|150ms " {
		t.Errorf("axis = %q", axis)
	}
}

func TestServiceColoursAreStableAndDistinct(t *testing.T) {
	services := []string{"api-gateway", "conectcrm-backend", "postgres", "redis", "auth", "billing", "mailer", "search"}
	var spans []jaeger.Span
	for i, s := range services {
		spans = append(spans, sp(fmt.Sprintf("s%d", i), "", s, i, 1))
	}
	w := Build(trace(spans...))
	seen := map[int]string{}
	for i, s := range w.Services {
		if other, dup := seen[w.Colors[i]]; dup {
			t.Errorf("%s and %s share colour %d", s, other, w.Colors[i])
		}
		seen[w.Colors[i]] = s
	}
	// A service alone in another trace keeps its preferred colour.
	for _, s := range services {
		one := Build(trace(sp("x", "", s, 0, 1)))
		if one.Rows[0].Color != ServiceColor(s) {
			t.Errorf("%s alone: colour %d, want %d", s, one.Rows[0].Color, ServiceColor(s))
		}
	}
	// Every row carries its service's colour.
	for i := range w.Rows {
		if w.Services[w.Rows[i].Service] != w.Span(i).Service || w.Rows[i].Color != w.Colors[w.Rows[i].Service] {
			t.Errorf("row %d: service/colour mismatch", i)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500:                    "500ns",
		900 * time.Microsecond: "900µs",
		12*time.Millisecond + 500*time.Microsecond: "12.5ms",
		170 * time.Millisecond:                     "170ms",
		1250 * time.Millisecond:                    "1.25s",
		123 * time.Second:                          "2m3s",
		0:                                          "0ns",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTextFitsAndMarks(t *testing.T) {
	tr := trace(
		sp("root", "", "api-gateway", 0, 100),
		sp("b", "root", "conectcrm-backend", 10, 80),
		sp("db", "b", "postgres", 20, 60),
	)
	tr.Spans[2].Error = true
	tr.Spans[1].Operation = "evil\x1b]52;c;aGk=\x07op"
	w := Build(tr)
	for _, width := range []int{40, 80, 132} {
		lines := Text(w, width)
		for _, l := range lines {
			if ansi.StringWidth(l) > width {
				t.Errorf("width %d: line too wide (%d): %q", width, ansi.StringWidth(l), l)
			}
			if strings.ContainsRune(l, 0x1b) || strings.ContainsRune(l, 0x07) {
				t.Errorf("width %d: raw control byte in %q", width, l)
			}
		}
		joined := strings.Join(lines, "\n")
		if width >= 80 && !strings.Contains(joined, `evil\x1b]5`) {
			t.Errorf("width %d: hostile operation not shown escaped:\n%s", width, joined)
		}
	}
	lines := Text(w, 100)
	if !strings.HasPrefix(lines[0], "trace 00000000000000000000000000000abc · 3 spans · 3 services · 100ms · 1 errors") {
		t.Errorf("summary = %q", lines[0])
	}
	db := lines[4]
	if !strings.HasPrefix(db, "!*     postgres: op-db") || !strings.HasSuffix(db, "60ms") || !strings.Contains(db, "|  ") || !strings.Contains(db, "#") {
		t.Errorf("postgres line = %q", db)
	}
	if !strings.HasPrefix(lines[1], strings.Repeat(" ", 3+40+2)+"|0") {
		t.Errorf("axis line = %q", lines[1])
	}
	narrow := Text(w, 34)
	if strings.Contains(narrow[1], "|") || !strings.HasSuffix(narrow[1], "100ms") {
		t.Errorf("34 columns should drop the bar and the axis: %q", narrow[1])
	}
}
