package tui

import (
	"oncall/internal/alerts"
	"runtime"
	"strings"
	"sync"
)

// The alert list's filtering: a keystroke narrows the last result when it
// can, else scans every alert on every core.

// refilter applies f, narrowing the last result when f's text only grew
// (a character typed), else scanning every alert.
func (p *AlertsPane) refilter(prev, f alerts.Filter) {
	p.filter = f
	switch {
	case f.Empty():
		p.match = nil
	case p.match != nil && narrows(prev, f):
		p.match = p.scan(f, len(p.match), func(k int) int32 { return p.match[k] })
	default:
		p.match = p.scan(f, len(p.sorted), func(k int) int32 { return int32(k) })
	}
	p.layoutRows()
}

// scanChunk is how many alerts one goroutine of scan checks at least.
const scanChunk = 16384

// scan returns, in order, the positions pos(0..n-1) whose alert passes f,
// on every core when there are many (100,000 alerts: one filter
// character within a frame).
func (p *AlertsPane) scan(f alerts.Filter, n int, pos func(int) int32) []int32 {
	parts := min(runtime.GOMAXPROCS(0), max(1, n/scanChunk))
	found := make([][]int32, parts)
	var wg sync.WaitGroup
	for c := range parts {
		lo, hi := c*n/parts, (c+1)*n/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]int32, 0, (hi-lo)/4)
			for k := lo; k < hi; k++ {
				if i := pos(k); f.Match(p.sorted[i]) {
					out = append(out, i)
				}
			}
			found[c] = out
		}()
	}
	wg.Wait()
	if parts == 1 {
		return found[0]
	}
	total := 0
	for _, f := range found {
		total += len(f)
	}
	out := make([]int32, 0, total)
	for _, f := range found {
		out = append(out, f...)
	}
	return out
}

// narrows reports whether every alert f passes also passed prev: the same
// text-only filter with more typed.
func narrows(prev, f alerts.Filter) bool {
	return len(prev.Matchers) == 0 && len(prev.Meta) == 0 && len(f.Matchers) == 0 && len(f.Meta) == 0 &&
		prev.Text != "" && strings.HasPrefix(f.Text, prev.Text)
}
