package loki

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Direction is the order log lines are returned in.
type Direction string

const (
	// Backward returns the newest lines first (Loki's default).
	Backward Direction = "backward"
	// Forward returns the oldest lines first.
	Forward Direction = "forward"
)

// DefaultRange is the window queried when Query.Start is zero.
const DefaultRange = time.Hour

// Query is one range query.
type Query struct {
	// Query is the LogQL expression.
	Query string
	// Start (inclusive) and End (exclusive) bound the query. A zero End is
	// now; a zero Start is DefaultRange before End.
	Start, End time.Time
	// Limit caps the number of log lines (0: Loki's default of 100).
	Limit int
	// Direction of log lines (empty: backward).
	Direction Direction
	// Step is the resolution of metric queries (0: Loki picks one).
	Step time.Duration
	// Categorize asks Loki 3 to keep stream labels, structured metadata and
	// parsed labels apart (X-Loki-Response-Encoding-Flags: categorize-labels).
	Categorize bool
}

// Entry is one log line.
type Entry struct {
	Time time.Time
	Line string
	// Labels are the stream labels. Without Categorize, Loki merges
	// structured metadata and parsed labels into them. The map is shared by
	// all entries of one stream: treat it as read-only.
	Labels map[string]string
	// StructuredMetadata and Parsed are filled only for categorized answers.
	StructuredMetadata, Parsed map[string]string
}

// Sample is one point of a metric series.
type Sample struct {
	Time  time.Time
	Value float64
}

// Series is one metric series.
type Series struct {
	Labels  map[string]string
	Samples []Sample
}

// Result is the answer to a range query.
type Result struct {
	// Type is Loki's resultType: "streams", "matrix", "vector" or "scalar".
	Type string
	// Entries are all log lines of all streams, in the requested direction.
	Entries []Entry
	// Series are the metric series of a matrix, vector or scalar result.
	Series []Series
	// Stats is Loki's query statistics object, as sent (nil when the
	// window was split into several queries).
	Stats map[string]any
	// Limits says what was changed to fit Loki's limits.
	Limits LimitNotes
	// Cut says which end of the window is missing because the line limit
	// was reached (log queries only).
	Cut Cut
	// Query is the exact expression sent; Requests and Elapsed are the
	// requests it took and their wall-clock time (set by QueryRange).
	Query    string
	Requests int
	Elapsed  time.Duration
}

// normalize fills the defaults so a query's window is fixed once.
func (q Query) normalize(now time.Time) (Query, error) {
	if q.End.IsZero() {
		q.End = now
	}
	if q.Start.IsZero() {
		q.Start = q.End.Add(-DefaultRange)
	}
	if q.End.Before(q.Start) {
		return q, fmt.Errorf("loki: query end %s is before start %s", q.End.Format(time.RFC3339), q.Start.Format(time.RFC3339))
	}
	switch q.Direction {
	case "":
		q.Direction = Backward
	case Backward, Forward:
	default:
		return q, fmt.Errorf("loki: invalid direction %q (want backward or forward)", string(q.Direction))
	}
	if q.Limit < 0 {
		return q, fmt.Errorf("loki: negative limit %d", q.Limit)
	}
	if q.Step < 0 {
		return q, fmt.Errorf("loki: negative step %s", q.Step)
	}
	return q, nil
}

// nanos renders a time as Loki's nanosecond epoch string.
func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// params builds the documented query_range parameters.
func (q Query) params() url.Values {
	v := url.Values{}
	v.Set("query", q.Query)
	v.Set("start", nanos(q.Start))
	v.Set("end", nanos(q.End))
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	v.Set("direction", string(q.Direction))
	if q.Step > 0 {
		v.Set("step", strconv.FormatFloat(q.Step.Seconds(), 'f', -1, 64))
	}
	return v
}

// QueryRange runs GET /loki/api/v1/query_range within Loki's limits: a
// limit over max_entries_limit_per_query is shrunk to Loki's and retried
// once, and a log query's window over max_query_length is split into
// pieces Loki accepts and merged in order (Result.Limits says so). With a
// limit reached, Result.Cut says which end of the window was left out.
func (c *Client) QueryRange(ctx context.Context, q Query) (*Result, error) {
	began := time.Now()
	q, err := q.normalize(began)
	if err != nil {
		return nil, err
	}
	res, err := c.queryFitted(ctx, q)
	if err != nil {
		return nil, err
	}
	res.Query, res.Elapsed = q.Query, time.Since(began)
	return res, nil
}

func (c *Client) queryRange(ctx context.Context, q Query) (*Result, error) {
	var header http.Header
	if q.Categorize {
		header = http.Header{"X-Loki-Response-Encoding-Flags": {"categorize-labels"}}
	}
	var data queryData
	if err := c.getData(ctx, "query_range", "/loki/api/v1/query_range", q.params(), header, &data); err != nil {
		return nil, err
	}
	res, err := data.result(q.Direction)
	if err != nil {
		return nil, fmt.Errorf("loki: decoding query_range response: %s", oneLine(err.Error(), nil))
	}
	return res, nil
}
