package loki

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Cut says which end of a query's window is missing because the query's
// line limit was reached. With a limit Loki returns the lines nearest to
// where the direction starts (Loki#9459): backward keeps the newest and
// leaves out the oldest, forward the reverse.
type Cut int

const (
	// CutNone: the limit was not reached, the whole window came back.
	CutNone Cut = iota
	// CutOldest: the oldest lines of the window were left out (backward).
	CutOldest
	// CutNewest: the newest lines of the window were left out (forward).
	CutNewest
)

// String names the missing end, e.g. "oldest lines left out".
func (c Cut) String() string {
	switch c {
	case CutOldest:
		return "oldest lines left out"
	case CutNewest:
		return "newest lines left out"
	}
	return "complete"
}

// cutFor is the end a limit cuts in a direction.
func cutFor(d Direction) Cut {
	if d == Forward {
		return CutNewest
	}
	return CutOldest
}

// LimitNotes records what the client changed so a request fits Loki's
// limits. The zero value means nothing was changed.
type LimitNotes struct {
	// ShrunkFrom and ShrunkTo are set when Loki refused ShrunkFrom lines
	// per request (max_entries_limit_per_query) and the request was
	// retried once with its limit, ShrunkTo.
	ShrunkFrom, ShrunkTo int
	// SplitInto is the number of queries the window was split into after
	// Loki refused its length (max_query_length); MaxQueryLength is the
	// limit it named.
	SplitInto      int
	MaxQueryLength time.Duration
}

// Notes renders the changes as one-line sentences for a status bar.
func (n LimitNotes) Notes() []string {
	var out []string
	if n.ShrunkTo > 0 {
		out = append(out, fmt.Sprintf("Loki allows %d lines per request (max_entries_limit_per_query): asked for %d, retried with %d", n.ShrunkTo, n.ShrunkFrom, n.ShrunkTo))
	}
	if n.SplitInto > 1 {
		out = append(out, fmt.Sprintf("window split into %d queries of at most %s (Loki's max_query_length)", n.SplitInto, shortDuration(n.MaxQueryLength)))
	}
	return out
}

// shortDuration renders 721h as 30d1h and 90s as 1m30s.
func shortDuration(d time.Duration) string {
	days := d / (24 * time.Hour)
	rest := d - days*24*time.Hour
	s := strings.TrimSuffix(strings.TrimSuffix(rest.String(), "0s"), "0m")
	if rest == 0 {
		s = ""
	}
	if days > 0 {
		return fmt.Sprintf("%dd%s", days, s)
	}
	if s == "" {
		return "0s"
	}
	return s
}

// maxPieces bounds how many queries a window is split into; beyond it the
// limit is reported instead (a 1-minute max_query_length over a day would
// be 1,440 requests).
const maxPieces = 200

// timeSpan is a half-open time range [start, end).
type timeSpan struct{ start, end time.Time }

// splitWindow cuts [start, end) into pieces Loki accepts under a
// max_query_length of limit, in the order the direction reads them
// (backward: newest piece first). Loki rounds a query's bounds outward to
// milliseconds before comparing, so each piece stays a little under the
// limit.
func splitWindow(start, end time.Time, limit time.Duration, dir Direction) ([]timeSpan, error) {
	step := limit - time.Second
	if limit <= 2*time.Second {
		step = limit / 2
	}
	if step <= time.Millisecond {
		return nil, fmt.Errorf("loki: max_query_length %s is too short to split the window into", limit)
	}
	n := int((end.Sub(start) + step - 1) / step)
	if n > maxPieces {
		return nil, fmt.Errorf("loki: the window is %s but this Loki allows %s per query (max_query_length): narrow the window", shortDuration(end.Sub(start).Round(time.Second)), shortDuration(limit))
	}
	out := make([]timeSpan, 0, n)
	for s := start; s.Before(end); s = s.Add(step) {
		e := s.Add(step)
		if e.After(end) {
			e = end
		}
		out = append(out, timeSpan{s, e})
	}
	if dir != Forward {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// isLogQuery reports whether a LogQL expression is a log query (a stream
// selector and a pipeline) rather than a metric query: log queries start
// with the selector's brace.
func isLogQuery(q string) bool { return strings.HasPrefix(strings.TrimSpace(q), "{") }

// tooLong returns the limit of a max_query_length refusal.
func tooLong(err error) (time.Duration, bool) {
	var he *HTTPError
	if !errors.As(err, &he) {
		return 0, false
	}
	_, limit, ok := he.QueryTooLong()
	return limit, ok
}

// maxEntries returns the limit of a max_entries_limit_per_query refusal.
func maxEntries(err error) (int, bool) {
	var he *HTTPError
	if !errors.As(err, &he) {
		return 0, false
	}
	_, limit, ok := he.MaxEntries()
	return limit, ok
}

// queryShrinking runs one query_range; when Loki refuses its limit as over
// max_entries_limit_per_query and notes has not shrunk yet, it retries once
// with Loki's limit and records it. requests counts the requests made.
func (c *Client) queryShrinking(ctx context.Context, q Query, notes *LimitNotes, requests *int) (*Result, Query, error) {
	*requests++
	res, err := c.queryRange(ctx, q)
	if err == nil || notes.ShrunkTo > 0 {
		return res, q, err
	}
	if lim, ok := maxEntries(err); ok && q.Limit > lim {
		notes.ShrunkFrom, notes.ShrunkTo = q.Limit, lim
		q.Limit = lim
		*requests++
		res, err = c.queryRange(ctx, q)
	}
	return res, q, err
}

// queryFitted runs a query within Loki's limits: an entries limit over
// max_entries_limit_per_query is shrunk once, and a log query's window
// over max_query_length is split and merged in the query's direction,
// stopping once the limit is filled. A metric query over max_query_length
// returns the error with the limit named.
func (c *Client) queryFitted(ctx context.Context, q Query) (*Result, error) {
	var (
		notes    LimitNotes
		requests int
	)
	res, used, err := c.queryShrinking(ctx, q, &notes, &requests)
	if err == nil {
		res.Limits, res.Requests = notes, requests
		res.setCut(used)
		return res, nil
	}
	limit, ok := tooLong(err)
	if !ok {
		return nil, err
	}
	if !isLogQuery(q.Query) {
		return nil, fmt.Errorf("%w; splitting a metric query is not supported: narrow the window to %s", err, shortDuration(limit))
	}
	pieces, serr := splitWindow(q.Start, q.End, limit, q.Direction)
	if serr != nil {
		return nil, serr
	}
	notes.SplitInto, notes.MaxQueryLength = len(pieces), limit
	want := q.Limit
	if want <= 0 {
		want = 100 // Loki's default limit
	}
	merged := &Result{Type: "streams"}
	for _, p := range pieces {
		sub := q
		sub.Start, sub.End, sub.Limit = p.start, p.end, want-len(merged.Entries)
		r, _, err := c.queryShrinking(ctx, sub, &notes, &requests)
		if err != nil {
			return nil, err
		}
		if r.Type != "streams" {
			return nil, fmt.Errorf("loki: splitting needs a log query, got a %s result", r.Type)
		}
		merged.Entries = append(merged.Entries, r.Entries...)
		if notes.ShrunkTo > 0 {
			want = min(want, notes.ShrunkTo) // as a single query would have
		}
		if len(merged.Entries) >= want {
			break
		}
	}
	merged.Limits, merged.Requests = notes, requests
	q.Limit = want
	merged.setCut(q)
	return merged, nil
}

// setCut records which end the limit cut, for log results that filled it.
func (r *Result) setCut(q Query) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	if r.Type == "streams" && len(r.Entries) >= limit {
		r.Cut = cutFor(q.Direction)
	}
}
