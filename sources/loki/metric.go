package loki

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// maxPoints is Loki's (and Prometheus's) cap on the points of one series
// in a range query: a step that gives more is refused with "exceeded
// maximum resolution of 11,000 points per timeseries".
const maxPoints = 11000

// metricStep is the step MetricRange uses: the one asked for, or Loki's
// own default (the window over 250, at least a second) when step <= 0,
// raised so the window never holds more than maxPoints.
func metricStep(start, end time.Time, step time.Duration) time.Duration {
	span := end.Sub(start)
	if step <= 0 {
		step = max(time.Second, (span / 250).Truncate(time.Second))
	}
	floor := (span + maxPoints - 1) / maxPoints
	floor = (floor + time.Second - 1).Truncate(time.Second) // whole seconds, as Loki's default
	return max(step, floor)
}

// MetricRange runs a LogQL metric query (count_over_time, rate, sum by …)
// over [start, end] at step with GET /loki/api/v1/query_range and returns
// its matrix, the type client_golang's Prometheus API returns, so a
// log-based alert's graph is drawn like a Prometheus one. A step <= 0 is
// Loki's default; a step that would exceed Loki's 11,000 points per series
// is raised to fit. Loki's limits are handled as for logs: a window over
// max_query_length is split into step-aligned pieces Loki accepts and the
// series are merged; any other refusal (max_query_series, a parse error)
// is returned as an *HTTPError naming it. A log query is an error.
func (c *Client) MetricRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	if isLogQuery(query) {
		return nil, fmt.Errorf("loki: metric range: %q is a log query, not a metric query", oneLine(query, nil))
	}
	q, err := Query{Query: query, Start: start, End: end, Step: step}.normalize(time.Now())
	if err != nil {
		return nil, err
	}
	q.Step = metricStep(q.Start, q.End, q.Step)
	res, err := c.queryRange(ctx, q)
	if err == nil {
		return toMatrix(res)
	}
	limit, ok := tooLong(err)
	if !ok {
		return nil, err
	}
	pieces, err := splitMetric(q.Start, q.End, q.Step, limit)
	if err != nil {
		return nil, err
	}
	merged := map[model.Fingerprint]*model.SampleStream{}
	for _, p := range pieces {
		sub := q
		sub.Start, sub.End = p.start, p.end
		r, err := c.queryRange(ctx, sub)
		if err != nil {
			return nil, err
		}
		m, err := toMatrix(r)
		if err != nil {
			return nil, err
		}
		for _, ss := range m {
			fp := ss.Metric.Fingerprint()
			if have := merged[fp]; have != nil {
				have.Values = append(have.Values, ss.Values...)
				continue
			}
			merged[fp] = ss
		}
	}
	out := make(model.Matrix, 0, len(merged))
	for _, ss := range merged {
		ss.Values = dedupeSamples(ss.Values)
		out = append(out, ss)
	}
	sort.Sort(out)
	return out, nil
}

// splitMetric cuts [start, end] into pieces of whole steps, each shorter
// than limit, that together evaluate exactly the steps of the whole: a
// piece starts one step after the previous one's end.
func splitMetric(start, end time.Time, step, limit time.Duration) ([]timeSpan, error) {
	per := (limit - time.Second) / step // steps per piece, under the limit
	if per < 1 {
		return nil, fmt.Errorf("loki: max_query_length %s is shorter than the step %s: widen the step or narrow the window", shortDuration(limit), step)
	}
	n := int(end.Sub(start)/(per*step)) + 1
	if n > maxPieces {
		return nil, fmt.Errorf("loki: the window is %s but this Loki allows %s per query (max_query_length): narrow the window", shortDuration(end.Sub(start).Round(time.Second)), shortDuration(limit))
	}
	var out []timeSpan
	for s := start; !s.After(end); {
		e := s.Add(per * step)
		if e.After(end) {
			e = end
		}
		out = append(out, timeSpan{s, e})
		s = e.Add(step)
	}
	return out, nil
}

// toMatrix converts a metric result to a model.Matrix (a vector or scalar
// becomes one sample per series).
func toMatrix(r *Result) (model.Matrix, error) {
	if r.Type == "streams" {
		return nil, fmt.Errorf("loki: metric range: Loki answered log lines (streams), not a matrix: the query is a log query")
	}
	out := make(model.Matrix, 0, len(r.Series))
	for _, s := range r.Series {
		m := make(model.Metric, len(s.Labels))
		for k, v := range s.Labels {
			m[model.LabelName(k)] = model.LabelValue(v)
		}
		ss := &model.SampleStream{Metric: m, Values: make([]model.SamplePair, len(s.Samples))}
		for i, p := range s.Samples {
			ss.Values[i] = model.SamplePair{Timestamp: model.TimeFromUnixNano(p.Time.UnixNano()), Value: model.SampleValue(p.Value)}
		}
		out = append(out, ss)
	}
	sort.Sort(out)
	return out, nil
}

// dedupeSamples sorts samples by time and keeps the first of each
// timestamp (pieces of a split window meet at their bounds).
func dedupeSamples(vs []model.SamplePair) []model.SamplePair {
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Timestamp < vs[j].Timestamp })
	out := vs[:0]
	for i, v := range vs {
		if i > 0 && v.Timestamp == out[len(out)-1].Timestamp {
			continue
		}
		out = append(out, v)
	}
	return out
}
