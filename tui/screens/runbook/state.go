package runbook

import (
	"oncall/runbooks"
	"oncall/tui/kit"
)

// State is a snapshot of what the runbook screen shows, for tests and tools
// driving a session (tuitest.Driver.ScreenNamed(Name) gives the screen).
type State struct {
	// Runbook is the runbook shown (nil while loading, on error or before
	// any alert was opened).
	Runbook *runbooks.Runbook
	// Loading is true while the lookup runs; Err is the lookup's error.
	Loading bool
	Err     string
	// Selected is the index (in Runbook.Blocks) of the selected block, -1
	// for none.
	Selected int
	// Results are the results shown under blocks, by block index.
	Results map[int]Result
}

// Result is the outcome of running one block.
type Result struct {
	// Query is the query sent, after substitution.
	Query   string
	Running bool
	// Err is the error shown under the block ("" when it ran).
	Err string
	// Series and Lines count the series (promql, metric logql) and log
	// lines (logql) the result holds.
	Series, Lines int
	// Slow warns that a logql block is likely slow as written (it runs
	// anyway); Hint is a timeout's cheaper form.
	Slow, Hint string
}

// StateOf returns the runbook screen's state; ok is false when s is not
// the runbook screen (nil: none is registered).
func StateOf(s kit.Screen) (st State, ok bool) {
	rs, ok := s.(*screen)
	if !ok {
		return State{}, false
	}
	st = State{Runbook: rs.rb, Loading: rs.loading, Err: rs.err, Selected: rs.sel, Results: map[int]Result{}}
	for i, r := range rs.results {
		res := Result{Query: r.query, Running: r.running, Err: r.err, Series: len(r.series), Lines: len(r.logs), Slow: r.slow, Hint: r.hint}
		if r.kind == "streams" {
			res.Lines += r.more
		} else {
			res.Series += r.more
		}
		st.Results[i] = res
	}
	return st, true
}
