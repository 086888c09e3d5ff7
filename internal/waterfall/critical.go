package waterfall

import (
	"cmp"
	"slices"
	"time"
)

// criticalPath marks the spans that determine the trace's end-to-end
// latency, the way Jaeger's UI computes it.
//
// Algorithm. Each child is first clamped to its parent's (clamped) time
// range; a child entirely outside its parent is ignored. The walk starts at
// the root (see mainRoot) with a cursor at the root's end, and repeats:
//
//  1. Among the current span's children not yet considered, take the one
//     that finishes last while finishing no later than the cursor (children
//     are sorted by end time once; since the cursor only moves back, each
//     child is considered at most once — the walk is O(n)). A child that
//     finishes after the cursor ran in parallel with the part already on
//     the path and is skipped.
//  2. If there is one, the current span alone accounts for [child end,
//     cursor] (a segment of the path); descend into the child with the
//     cursor at the child's end.
//  3. If there is none, the current span alone accounts for [its start,
//     cursor]. Go back up to its parent with the cursor at this span's
//     start, and continue with step 1 there — that finds the sibling that
//     finished before this one began (sequential calls). At the root the
//     walk ends.
//
// Every span with a segment is on the critical path; the segments say which
// part of each span is.
func (w *Waterfall) criticalPath() {
	if w.Root < 0 {
		return
	}
	n := len(w.Rows)
	from := make([]time.Duration, n) // clamped start
	to := make([]time.Duration, n)   // clamped end
	valid := make([]bool, n)
	for i := range w.Rows { // parents come before children in display order
		r := &w.Rows[i]
		from[i], to[i], valid[i] = r.Offset, r.End(), true
		if p := r.Parent; p >= 0 {
			from[i], to[i] = max(from[i], from[p]), min(to[i], to[p])
			valid[i] = valid[p] && from[i] <= to[i]
		}
	}
	byEnd := make([][]int, n)
	for i := range w.Rows {
		if p := w.Rows[i].Parent; p >= 0 && valid[i] {
			byEnd[p] = append(byEnd[p], i)
		}
	}
	for i := range byEnd {
		slices.SortFunc(byEnd[i], func(a, b int) int {
			if c := cmp.Compare(to[b], to[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
	}
	next := make([]int, n) // position in byEnd of the next child to consider
	add := func(row int, a, b time.Duration) {
		r := &w.Rows[row]
		if !r.Critical {
			r.Critical = true
			w.CriticalRows = append(w.CriticalRows, row)
		}
		if b > a {
			r.Segments = append(r.Segments, Segment{From: a, To: b})
		}
	}
	cur, cursor := w.Root, to[w.Root]
	for {
		child := -1
		for next[cur] < len(byEnd[cur]) {
			c := byEnd[cur][next[cur]]
			next[cur]++
			if to[c] <= cursor {
				child = c
				break
			}
		}
		if child >= 0 {
			add(cur, to[child], cursor)
			cur, cursor = child, to[child]
			continue
		}
		add(cur, from[cur], cursor)
		if cur == w.Root {
			break
		}
		cur, cursor = w.Rows[cur].Parent, from[cur]
	}
	for i := range w.Rows {
		slices.SortFunc(w.Rows[i].Segments, func(a, b Segment) int { return cmp.Compare(a.From, b.From) })
	}
}

// CriticalTime is the total time on the critical path: the sum of its
// segments, which equals the root's duration.
func (w *Waterfall) CriticalTime() time.Duration {
	var d time.Duration
	for _, r := range w.CriticalRows {
		for _, s := range w.Rows[r].Segments {
			d += s.To - s.From
		}
	}
	return d
}
