// Package waterfall lays a trace out for display: the span tree in display
// order, a shared time axis, bars scaled to a width, error marks, a stable
// colour per service and the critical path. It is pure: Build does all the
// work once per trace (O(n log n)); drawing a row afterwards is O(1), so a
// view only pays for the rows it shows.
package waterfall

import (
	"cmp"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"oncall/sources/jaeger"
)

// Colors is the number of service colours; Row.Color is in [0, Colors).
const Colors = 8

// Row is one span in display order (depth first, children by start time).
type Row struct {
	// Span indexes Waterfall.Spans.
	Span int
	// Parent is the row of the parent span, -1 at root level.
	Parent int
	// Depth is 0 at root level.
	Depth int
	// Children is the number of child rows.
	Children int
	// Orphan means the span names a parent that is not in the trace (or
	// its parents form a cycle); it is shown at root level.
	Orphan bool
	// Service indexes Waterfall.Services; Color is the service's colour.
	Service, Color int
	// Offset is the start relative to Waterfall.Start.
	Offset   time.Duration
	Duration time.Duration
	Error    bool
	// Critical means some part of the span is on the critical path;
	// Segments are those parts, as offsets from Waterfall.Start.
	Critical bool
	Segments []Segment
}

// End is the row's end relative to Waterfall.Start.
func (r *Row) End() time.Duration { return r.Offset + r.Duration }

// Segment is a time range relative to Waterfall.Start.
type Segment struct{ From, To time.Duration }

// Waterfall is a trace laid out for display.
type Waterfall struct {
	TraceID string
	// Spans are the trace's spans as given (not reordered).
	Spans []jaeger.Span
	// Rows are the spans in display order.
	Rows []Row
	// Start is the earliest span start; Duration runs to the latest end.
	Start    time.Time
	Duration time.Duration
	// Services are the trace's service names, sorted.
	Services []string
	// Colors maps each of Services to its colour index.
	Colors []int
	// Root is the row the critical path starts from (-1 when empty).
	Root     int
	Errors   int
	MaxDepth int
	// CriticalRows are the rows on the critical path, in the order the
	// walk reached them (the root first).
	CriticalRows []int

	bySpanID map[string]int // span id → row
}

// Build lays out a trace. A nil or empty trace gives an empty waterfall.
func Build(t *jaeger.Trace) *Waterfall {
	w := &Waterfall{Root: -1, bySpanID: map[string]int{}}
	if t == nil || len(t.Spans) == 0 {
		if t != nil {
			w.TraceID = t.TraceID
		}
		return w
	}
	w.TraceID, w.Spans = t.TraceID, t.Spans
	w.layout()
	w.assignServices()
	w.criticalPath()
	return w
}

// layout orders the spans depth first. Spans whose parent is missing (or
// which only reach a cycle) are placed at root level, marked Orphan.
func (w *Waterfall) layout() {
	spans := w.Spans
	n := len(spans)
	first := spans[0].Start
	last := spans[0].End()
	idx := make(map[string]int, n) // span id → span index (first wins)
	for i := range spans {
		if _, dup := idx[spans[i].SpanID]; !dup {
			idx[spans[i].SpanID] = i
		}
		if spans[i].Start.Before(first) {
			first = spans[i].Start
		}
		if e := spans[i].End(); e.After(last) {
			last = e
		}
	}
	w.Start, w.Duration = first, last.Sub(first)

	byStart := func(a, b int) int {
		if c := spans[a].Start.Compare(spans[b].Start); c != 0 {
			return c
		}
		if c := strings.Compare(spans[a].SpanID, spans[b].SpanID); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	children := make([][]int, n)
	var top []int
	orphan := make([]bool, n)
	for i := range spans {
		p, ok := idx[spans[i].ParentSpanID]
		switch {
		case spans[i].ParentSpanID == "":
			top = append(top, i)
		case !ok || p == i:
			top = append(top, i)
			orphan[i] = true
		default:
			children[p] = append(children[p], i)
		}
	}
	for i := range children {
		if len(children[i]) > 1 {
			slices.SortFunc(children[i], byStart)
		}
	}
	slices.SortFunc(top, byStart)

	w.Rows = make([]Row, 0, n)
	visited := make([]bool, n)
	type frame struct{ span, parentRow, depth int }
	stack := make([]frame, 0, 64)
	visit := func(root int) {
		stack = append(stack[:0], frame{root, -1, 0})
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if visited[f.span] {
				continue
			}
			visited[f.span] = true
			s := &spans[f.span]
			row := len(w.Rows)
			w.Rows = append(w.Rows, Row{
				Span: f.span, Parent: f.parentRow, Depth: f.depth, Orphan: orphan[f.span],
				Offset: s.Start.Sub(first), Duration: s.Duration, Error: s.Error,
			})
			if f.parentRow >= 0 {
				w.Rows[f.parentRow].Children++
			}
			w.bySpanID[s.SpanID] = row
			w.MaxDepth = max(w.MaxDepth, f.depth)
			if s.Error {
				w.Errors++
			}
			kids := children[f.span]
			for k := len(kids) - 1; k >= 0; k-- { // pushed in reverse: popped in start order
				stack = append(stack, frame{kids[k], row, f.depth + 1})
			}
		}
	}
	for _, r := range top {
		visit(r)
	}
	// What is left only reaches a cycle of parents: break it at the
	// earliest span.
	if len(w.Rows) < n {
		var rest []int
		for i := range spans {
			if !visited[i] {
				rest = append(rest, i)
			}
		}
		slices.SortFunc(rest, byStart)
		for _, r := range rest {
			if !visited[r] {
				orphan[r] = true
				visit(r)
			}
		}
	}
	w.Root = w.mainRoot()
}

// mainRoot is the root-level row the critical path starts from: the
// longest true root (no parent id), else the longest root-level row.
func (w *Waterfall) mainRoot() int {
	best, bestTrue := -1, false
	for i := range w.Rows {
		r := &w.Rows[i]
		if r.Parent >= 0 {
			continue
		}
		isTrue := !r.Orphan
		switch {
		case best < 0,
			isTrue && !bestTrue,
			isTrue == bestTrue && r.Duration > w.Rows[best].Duration:
			best, bestTrue = i, isTrue
		}
	}
	return best
}

// assignServices sorts the service names and gives each a colour: its
// name's hash modulo Colors, moving to the next free colour on a clash
// (names in sorted order), so a service keeps its colour across traces
// unless it clashes.
func (w *Waterfall) assignServices() {
	set := map[string]int{}
	for i := range w.Spans {
		set[w.Spans[i].Service] = 0
	}
	w.Services = make([]string, 0, len(set))
	for s := range set {
		w.Services = append(w.Services, s)
	}
	slices.Sort(w.Services)
	w.Colors = make([]int, len(w.Services))
	var used [Colors]bool
	for i, s := range w.Services {
		set[s] = i
		c := ServiceColor(s)
		if i < Colors {
			for used[c] {
				c = (c + 1) % Colors
			}
		}
		used[c] = true
		w.Colors[i] = c
	}
	for i := range w.Rows {
		si := set[w.Spans[w.Rows[i].Span].Service]
		w.Rows[i].Service, w.Rows[i].Color = si, w.Colors[si]
	}
}

// ServiceColor is the preferred colour of a service name in [0, Colors).
func ServiceColor(service string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(service))
	return int(h.Sum32() % Colors)
}

// Span returns the span shown in a row.
func (w *Waterfall) Span(row int) *jaeger.Span { return &w.Spans[w.Rows[row].Span] }

// RowOf returns the row of a span id, or -1.
func (w *Waterfall) RowOf(spanID string) int {
	if r, ok := w.bySpanID[strings.ToLower(spanID)]; ok {
		return r
	}
	return -1
}

// Ancestors returns the rows from the root level down to row's parent.
func (w *Waterfall) Ancestors(row int) []int {
	var out []int
	for p := w.Rows[row].Parent; p >= 0; p = w.Rows[p].Parent {
		out = append(out, p)
	}
	slices.Reverse(out)
	return out
}
