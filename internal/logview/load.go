package logview

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"oncall/sources/loki"
)

// DefaultBatch is how many lines one request asks for. It stays below
// Loki's default max_entries_limit_per_query (5000) because a batched
// request also re-asks for the lines sharing the previous boundary's
// nanosecond.
const DefaultBatch = 4000

// Load is one log window.
type Load struct {
	Query      string
	Start, End time.Time
	// Max caps the lines returned: the newest Max are kept (<= 0:
	// DefaultMaxLines).
	Max int
	// Batch is the lines per request (<= 0: DefaultBatch).
	Batch int
	// Direction is where reading starts: backward (the default) keeps the
	// newest Max lines of the window, forward the oldest.
	Direction loki.Direction
}

// Loaded is the outcome of one Load.
type Loaded struct {
	// Rows are oldest first.
	Rows []Row
	// Capped is set when Max lines were reached: older lines of the
	// window were left out (reading backward, the default), or newer ones
	// (forward); Fetch.Cut says which.
	Capped bool
	// Fetch says what was sent and how it went: the exact query, the
	// requests, the elapsed time, limits worked around, the end cut.
	Fetch *loki.FetchResult
	// Hint is set when the load timed out: the stage likely slow and the
	// cheaper form to try (SlowHint), ready to show.
	Hint string
}

// Report is one line for a status bar, e.g. "1,234 lines in 0.31s (2
// requests)", followed by the fetch's notes.
func (l Loaded) Report() []string {
	if l.Fetch == nil {
		return nil
	}
	head := fmt.Sprintf("%s lines in %s (%d requests)", thousands(len(l.Rows)), l.Fetch.Elapsed.Round(time.Millisecond), l.Fetch.Requests)
	return append([]string{head}, l.Fetch.Notes()...)
}

// Run runs the load newest-first (or oldest-first, Direction forward) in
// batches (so more lines than one query's limit come back) and returns the
// rows oldest first with what the fetch did. On an error the rows fetched so far are returned with it, and
// a timeout gets Hint.
func (l Load) Run(ctx context.Context, c *loki.Client, b *Builder) (Loaded, error) {
	maxLines := l.Max
	if maxLines <= 0 {
		maxLines = DefaultMaxLines
	}
	batch := l.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	batch = min(batch, maxLines)
	dir := l.Direction
	if dir != loki.Forward {
		dir = loki.Backward
	}
	res, err := c.FetchLogs(ctx, loki.Query{
		Query: l.Query, Start: l.Start, End: l.End, Direction: dir, Categorize: true,
	}, batch, maxLines)
	var out Loaded
	if res != nil {
		es := slices.Clone(res.Entries)
		if dir == loki.Backward {
			slices.Reverse(es)
		}
		// Lines of one nanosecond may arrive in any stream order: make the
		// order stable by time only, keeping Loki's order otherwise.
		sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
		out.Rows, out.Capped, out.Fetch = b.BuildAll(es), res.Capped, res
	}
	out.Hint = SlowHint(l.Query, err)
	return out, err
}

// Fetch is Run returning the rows and whether Max was reached.
func (l Load) Fetch(ctx context.Context, c *loki.Client, b *Builder) (rows []Row, capped bool, err error) {
	out, err := l.Run(ctx, c, b)
	return out.Rows, out.Capped, err
}

// thousands renders 12345 as "12,345".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ResolveSelector is the stream selector for an alert: the alert_selector
// template when one is configured, else DefaultSelector over the label
// names Loki knows in [start, end).
func ResolveSelector(ctx context.Context, c *loki.Client, t *SelectorTemplate, labels map[string]string, start, end time.Time) (string, error) {
	if !t.Empty() {
		return t.Render(labels)
	}
	known, err := c.Labels(ctx, start, end)
	if err != nil {
		return "", err
	}
	return DefaultSelector(known, labels)
}
