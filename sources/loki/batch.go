package loki

import (
	"context"
	"fmt"
	"time"
)

// QueryRangeBatched fetches more lines than one query may return, like
// logcli --batch: it repeats query_range, walking the time range in the
// query's direction, asking for `batch` new lines per request, until `max`
// lines are collected (max <= 0: no cap) or the range is exhausted.
//
// Each request restarts at the timestamp of the last line received (start
// for forward, end+1ns for backward), so lines sharing that nanosecond are
// fetched again and dropped as duplicates (same time, labels and line). To
// make progress even when more than `batch` lines share one nanosecond, the
// request limit is `batch` plus the number of lines already seen at that
// nanosecond: at most that many can be duplicates, so every full answer
// brings at least `batch` new lines. On an error the lines collected so far
// are returned with it.
func (c *Client) QueryRangeBatched(ctx context.Context, q Query, batch int, max int) ([]Entry, error) {
	if batch <= 0 {
		return nil, fmt.Errorf("loki: batch size must be positive, got %d", batch)
	}
	q, err := q.normalize(time.Now())
	if err != nil {
		return nil, err
	}
	var (
		out      []Entry
		boundary int64
		started  bool                    // boundary is set
		seen     = map[string]struct{}{} // keys of lines at the boundary nanosecond
	)
	for {
		want := batch
		if max > 0 && max-len(out) < want {
			want = max - len(out)
		}
		if want <= 0 {
			return out, nil
		}
		sub := q
		sub.Limit = want + len(seen)
		res, err := c.queryRange(ctx, sub)
		if err != nil {
			return out, err
		}
		if res.Type != "streams" {
			return nil, fmt.Errorf("loki: batched queries need a log query, got a %s result", res.Type)
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
			out = append(out, e)
			fresh++
			if max > 0 && len(out) >= max {
				return out, nil
			}
		}
		if len(res.Entries) < sub.Limit || fresh == 0 {
			return out, nil // range exhausted
		}
		if q.Direction == Forward {
			q.Start = time.Unix(0, boundary)
		} else {
			q.End = time.Unix(0, boundary+1)
		}
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("loki: batched query interrupted: %w", err)
		}
	}
}

// entryKey identifies a line for de-duplication: time, stream labels and
// text.
func entryKey(e Entry) string {
	return fmt.Sprintf("%d\x00%s\x00%s", e.Time.UnixNano(), labelsString(e.Labels), e.Line)
}
