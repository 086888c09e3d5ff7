package jaeger

import (
	"slices"
	"strings"
	"time"
)

// sortSpans orders spans by start time, then span id.
func sortSpans(spans []Span) {
	slices.SortStableFunc(spans, func(a, b Span) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.SpanID, b.SpanID)
	})
}

// groupTraces splits spans into traces, each sorted, in first-seen order.
// Duplicate spans (same span id within a trace) are kept once.
func groupTraces(spans []Span) []*Trace {
	byID := map[string]*Trace{}
	seen := map[[2]string]bool{}
	var out []*Trace
	for _, s := range spans {
		k := [2]string{s.TraceID, s.SpanID}
		if seen[k] {
			continue
		}
		seen[k] = true
		t := byID[s.TraceID]
		if t == nil {
			t = &Trace{TraceID: s.TraceID}
			byID[s.TraceID] = t
			out = append(out, t)
		}
		t.Spans = append(t.Spans, s)
	}
	for _, t := range out {
		sortSpans(t.Spans)
	}
	return out
}

// Summarize condenses a trace into a search-result line. The root is the
// earliest span whose parent is not in the trace.
func Summarize(t *Trace) TraceSummary {
	sum := TraceSummary{TraceID: t.TraceID, Spans: len(t.Spans)}
	if len(t.Spans) == 0 {
		return sum
	}
	ids := make(map[string]bool, len(t.Spans))
	for _, s := range t.Spans {
		ids[s.SpanID] = true
	}
	services := map[string]bool{}
	var root *Span
	var first, last time.Time
	for i := range t.Spans {
		s := &t.Spans[i]
		if s.Error {
			sum.Errors++
		}
		if s.Service != "" {
			services[s.Service] = true
		}
		if first.IsZero() || s.Start.Before(first) {
			first = s.Start
		}
		if end := s.End(); end.After(last) {
			last = end
		}
		isRoot := s.ParentSpanID == "" || !ids[s.ParentSpanID]
		if isRoot && (root == nil || s.Start.Before(root.Start)) {
			root = s
		}
	}
	if root == nil { // a cycle of parents: fall back to the earliest span
		root = &t.Spans[0]
	}
	sum.Root = root.Service + ": " + root.Operation
	sum.Start = first
	sum.Duration = last.Sub(first)
	for s := range services {
		sum.Services = append(sum.Services, s)
	}
	slices.Sort(sum.Services)
	return sum
}

// summarizeAll turns traces into summaries, newest first, at most limit.
func summarizeAll(traces []*Trace, limit int) []TraceSummary {
	out := make([]TraceSummary, 0, len(traces))
	for _, t := range traces {
		out = append(out, Summarize(t))
	}
	slices.SortStableFunc(out, func(a, b TraceSummary) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return strings.Compare(a.TraceID, b.TraceID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// matchesQuery reports whether some span of the trace satisfies the
// span-level conditions of q, the way Jaeger's own storage does: the same
// span must match the service, operation, duration range and every tag. A
// tag matches span tags, process tags or event attributes; the tag "error"
// matches the span's error flag.
func matchesQuery(t *Trace, q SearchQuery) bool {
	for i := range t.Spans {
		if spanMatches(&t.Spans[i], q) {
			return true
		}
	}
	return false
}

func spanMatches(s *Span, q SearchQuery) bool {
	if q.Service != "" && s.Service != q.Service {
		return false
	}
	if q.Operation != "" && s.Operation != q.Operation {
		return false
	}
	if q.MinDuration > 0 && s.Duration < q.MinDuration {
		return false
	}
	if q.MaxDuration > 0 && s.Duration > q.MaxDuration {
		return false
	}
	for k, v := range q.Tags {
		if !spanHasTag(s, k, v) {
			return false
		}
	}
	return true
}

func spanHasTag(s *Span, k, v string) bool {
	if k == "error" {
		return s.Error == strings.EqualFold(v, "true")
	}
	if tv, ok := s.Tags[k]; ok && tv == v {
		return true
	}
	if pv, ok := s.Process[k]; ok && pv == v {
		return true
	}
	for _, e := range s.Events {
		if ev, ok := e.Attrs[k]; ok && ev == v {
			return true
		}
	}
	return false
}

// fetchLimit is how many traces to ask the server for when some tags are
// checked here rather than by the server: more than asked for, capped.
func fetchLimit(limit int, filteredHere bool) int {
	if !filteredHere {
		return limit
	}
	return min(max(limit*5, 100), 1000)
}
