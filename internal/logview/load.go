package logview

import (
	"context"
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
}

// Fetch runs the load newest-first in batches (so more lines than one
// query's limit come back) and returns the rows oldest first. capped is
// true when Max lines were reached, i.e. older lines of the window were
// left out. On an error the rows fetched so far are returned with it.
func (l Load) Fetch(ctx context.Context, c *loki.Client, b *Builder) (rows []Row, capped bool, err error) {
	maxLines := l.Max
	if maxLines <= 0 {
		maxLines = DefaultMaxLines
	}
	batch := l.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	batch = min(batch, maxLines)
	es, err := c.QueryRangeBatched(ctx, loki.Query{
		Query: l.Query, Start: l.Start, End: l.End, Direction: loki.Backward, Categorize: true,
	}, batch, maxLines)
	slices.Reverse(es)
	// Lines of one nanosecond may arrive in any stream order: make the
	// order stable by time only, keeping Loki's order otherwise.
	sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
	return b.BuildAll(es), len(es) >= maxLines, err
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
