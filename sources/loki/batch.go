package loki

import (
	"context"
	"fmt"
	"time"
)

// FetchResult is what a batched fetch brought back and how.
type FetchResult struct {
	// Query is the exact LogQL expression sent.
	Query string
	// Entries are the lines in the query's direction.
	Entries []Entry
	// Requests is how many query_range requests were made.
	Requests int
	// Elapsed is the wall-clock time of the whole fetch.
	Elapsed time.Duration
	// Limits says what was changed to fit Loki's limits.
	Limits LimitNotes
	// Capped is set when max lines were collected before the window was
	// exhausted; Cut then says which end was left out and Reached is the
	// time of the last line kept (the oldest for backward, the newest for
	// forward).
	Capped  bool
	Cut     Cut
	Reached time.Time
}

// Notes renders what the status bar should say about the fetch: limits
// worked around and which end of the window is missing.
func (r *FetchResult) Notes() []string {
	out := r.Limits.Notes()
	if r.Capped {
		switch r.Cut {
		case CutOldest:
			out = append(out, fmt.Sprintf("%d-line cap reached: lines before %s left out (backward keeps the newest)", len(r.Entries), r.Reached.Format(time.DateTime)))
		case CutNewest:
			out = append(out, fmt.Sprintf("%d-line cap reached: lines after %s left out (forward keeps the oldest)", len(r.Entries), r.Reached.Format(time.DateTime)))
		}
	}
	return out
}

// QueryRangeBatched fetches more lines than one query may return; it is
// FetchLogs returning only the entries.
func (c *Client) QueryRangeBatched(ctx context.Context, q Query, batch int, max int) ([]Entry, error) {
	res, err := c.FetchLogs(ctx, q, batch, max)
	if res == nil {
		return nil, err
	}
	return res.Entries, err
}

// FetchLogs fetches more lines than one query may return, like logcli
// --batch: it repeats query_range, walking the time range in the query's
// direction, asking for `batch` new lines per request, until `max` lines
// are collected (max <= 0: no cap) or the range is exhausted.
//
// Each request restarts at the timestamp of the last line received (start
// for forward, end+1ns for backward), so lines sharing that nanosecond are
// fetched again and dropped as duplicates (same time, labels and line). To
// make progress even when more than `batch` lines share one nanosecond, the
// request limit is `batch` plus the number of lines already seen at that
// nanosecond: at most that many can be duplicates, so every full answer
// brings at least `batch` new lines.
//
// Loki's limits are worked around, and said so in the result: a request
// refused as over max_entries_limit_per_query is retried once with Loki's
// limit, which then bounds every request; a window refused as over
// max_query_length is split into pieces Loki accepts, read in the query's
// direction. On an error the lines collected so far are returned with it.
func (c *Client) FetchLogs(ctx context.Context, q Query, batch int, max int) (*FetchResult, error) {
	if batch <= 0 {
		return nil, fmt.Errorf("loki: batch size must be positive, got %d", batch)
	}
	q, err := q.normalize(time.Now())
	if err != nil {
		return nil, err
	}
	began := time.Now()
	f := &fetcher{c: c, batch: batch, max: max, res: &FetchResult{Query: q.Query}}
	defer func() { f.res.Elapsed = time.Since(began) }()
	pieces := []timeSpan{{q.Start, q.End}}
	for i := 0; i < len(pieces); i++ {
		sub := q
		sub.Start, sub.End = pieces[i].start, pieces[i].end
		full, err := f.window(ctx, sub)
		if err != nil {
			if limit, ok := tooLong(err); ok && len(pieces) == 1 && len(f.res.Entries) == 0 {
				if pieces, err = splitWindow(q.Start, q.End, limit, q.Direction); err != nil {
					return f.res, err
				}
				f.res.Limits.SplitInto, f.res.Limits.MaxQueryLength = len(pieces), limit
				i = -1
				continue
			}
			return f.res, err
		}
		if full {
			f.res.Capped, f.res.Cut = true, cutFor(q.Direction)
			f.res.Reached = f.res.Entries[len(f.res.Entries)-1].Time
			break
		}
	}
	return f.res, nil
}

// fetcher is one FetchLogs call's state.
type fetcher struct {
	c     *Client
	batch int
	max   int
	res   *FetchResult
}

// window fetches one window in batches; full reports that max lines were
// collected.
func (f *fetcher) window(ctx context.Context, q Query) (full bool, err error) {
	var (
		boundary int64
		started  bool                    // boundary is set
		seen     = map[string]struct{}{} // keys of lines at the boundary nanosecond
	)
	for {
		want := f.batch
		if f.max > 0 && f.max-len(f.res.Entries) < want {
			want = f.max - len(f.res.Entries)
		}
		if want <= 0 {
			return true, nil
		}
		sub := q
		sub.Limit = want + len(seen)
		if cap := f.res.Limits.ShrunkTo; cap > 0 && sub.Limit > cap {
			if len(seen) >= cap {
				return false, fmt.Errorf("loki: more than %d lines share the nanosecond %d: Loki's max_entries_limit_per_query (%d) is too small to page past them", len(seen), boundary, cap)
			}
			sub.Limit = cap
		}
		res, used, err := f.c.queryShrinking(ctx, sub, &f.res.Limits, &f.res.Requests)
		if err != nil {
			return false, err
		}
		if res.Type != "streams" {
			return false, fmt.Errorf("loki: batched queries need a log query, got a %s result", res.Type)
		}
		fresh := 0
		for _, e := range res.Entries {
			ns := e.Time.UnixNano()
			if started && (q.Direction == Forward && ns < boundary || q.Direction == Backward && ns > boundary) {
				continue // outside the requested window: a misbehaving server
			}
			key := entryKey(e)
			if started && ns == boundary {
				if _, dup := seen[key]; dup {
					continue
				}
			} else {
				boundary, started = ns, true
				clear(seen)
			}
			seen[key] = struct{}{}
			f.res.Entries = append(f.res.Entries, e)
			fresh++
			if f.max > 0 && len(f.res.Entries) >= f.max {
				return true, nil
			}
		}
		if len(res.Entries) < used.Limit || fresh == 0 {
			return false, nil // range exhausted
		}
		if q.Direction == Forward {
			q.Start = time.Unix(0, boundary)
		} else {
			q.End = time.Unix(0, boundary+1)
		}
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("loki: batched query interrupted: %w", err)
		}
	}
}

// entryKey identifies a line for de-duplication: time, stream labels and
// text.
func entryKey(e Entry) string {
	return fmt.Sprintf("%d\x00%s\x00%s", e.Time.UnixNano(), labelsString(e.Labels), e.Line)
}
