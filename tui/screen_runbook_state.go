package tui

import "oncall/runbooks"

// RunbookState is a snapshot of what the runbook screen shows, for tests
// and tools driving a Model.
type RunbookState struct {
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
	Results map[int]RunbookResult
}

// RunbookResult is the outcome of running one block.
type RunbookResult struct {
	// Query is the query sent, after substitution.
	Query   string
	Running bool
	// Err is the error shown under the block ("" when it ran).
	Err string
	// Series and Lines count the series (promql, metric logql) and log
	// lines (logql) the result holds.
	Series, Lines int
}

// RunbookStateOf returns the runbook screen's state; ok is false when the
// model has no runbook screen.
func RunbookStateOf(m *Model) (st RunbookState, ok bool) {
	s, ok := m.ScreenByName(RunbookScreenName).(*runbookScreen)
	if !ok {
		return RunbookState{}, false
	}
	st = RunbookState{Runbook: s.rb, Loading: s.loading, Err: s.err, Selected: s.sel, Results: map[int]RunbookResult{}}
	for i, r := range s.results {
		res := RunbookResult{Query: r.query, Running: r.running, Err: r.err, Series: len(r.series), Lines: len(r.logs)}
		if r.kind == "streams" {
			res.Lines += r.more
		} else {
			res.Series += r.more
		}
		st.Results[i] = res
	}
	return st, true
}
