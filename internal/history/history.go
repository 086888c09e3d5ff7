// Package history reads alerts' firing history from Prometheus'
// ALERTS{alertstate="firing"} series: the firing episodes of every alert
// over a span (one range query for all alerts), each alert's history found
// by its labels, and per-alert summaries (episodes in the last 24h and 7d,
// last resolved, flapping, an hourly strip) for the alert detail, the
// alert list and `oncall alerts --history`. The handoff uses the same
// episodes for "fired during the shift".
package history

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Source runs range queries (*prometheus.Client satisfies it).
type Source interface {
	QueryRange(ctx context.Context, q string, r v1.Range) (model.Value, error)
}

// MaxPoints bounds the points per series of a history query; Prometheus
// refuses more than 11,000.
const MaxPoints = 10000

// bucketLabel marks the count_over_time half of the query's result.
const bucketLabel = "oncall_bucket"

// Step is the query step for a span: one second, or span/MaxPoints rounded
// up to whole seconds (9s for 24h, 61s for 7d), so that a series never has
// more than MaxPoints points.
func Step(span time.Duration) time.Duration {
	s := time.Duration(math.Ceil(span.Seconds()/MaxPoints)) * time.Second
	return max(s, time.Second)
}

// Query is the one history query for every alert at a step. Its two halves
// are told apart by the oncall_bucket label:
//
//   - timestamp(ALERTS{alertstate="firing"}) gives, at every step, the time
//     of the latest firing sample: episode starts and ends are exact, and
//     the lookback that keeps a series visible for minutes after its last
//     sample when no staleness marker was written (backfilled or federated
//     data) is ignored;
//   - count_over_time(ALERTS{alertstate="firing"}[step]) counts the firing
//     samples of each step's whole interval, so an episode shorter than the
//     step that falls between two steps is still seen (its bounds are then
//     those of the step: Episode.Approximate).
func Query(step time.Duration) string {
	return fmt.Sprintf(`timestamp(ALERTS{alertstate="firing"}) or label_replace(count_over_time(ALERTS{alertstate="firing"}[%s]), %q, "1", "", "")`,
		model.Duration(step), bucketLabel)
}

// Range is the span a Set covers and the step it was read at.
type Range struct {
	From, To time.Time
	Step     time.Duration
}

// Pad is how far before its range a history query starts, so that an
// alert already firing when the range began is told from one that started
// exactly then.
const Pad = 5 * time.Minute

// NewRange is [from, to] at the step of the padded span.
func NewRange(from, to time.Time) Range {
	return Range{From: from, To: to, Step: Step(to.Sub(from) + Pad)}
}

// Episode is one continuous firing period. Start is the first and End the
// last evaluation seen firing; End is nil while it still fires.
type Episode struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end"`
	// StartedBefore: it was already firing when the span began (Start is
	// then the span's start).
	StartedBefore   bool  `json:"startedBefore"`
	Ongoing         bool  `json:"ongoing"`
	DurationSeconds int64 `json:"durationSeconds"`
	// Approximate: it was seen only between two query steps (shorter than
	// a step); Start and End are the bounds of that step.
	Approximate bool `json:"approximate,omitempty"`
}

// Series is one alert's history: the labels of its ALERTS series (without
// __name__ and alertstate) and its episodes, oldest first.
type Series struct {
	Labels   map[string]string
	Episodes []Episode
}

// Set is the history of every alert that fired during a range.
type Set struct {
	Range  Range
	Series []Series // sorted by labels
	byName map[string][]int
}

// Fetch reads the history of every alert over [from, to] with one range
// query (see Query and Step) that starts Pad earlier. Times are returned in
// to's location.
func Fetch(ctx context.Context, src Source, from, to time.Time) (*Set, error) {
	r := NewRange(from, to)
	v, err := src.QueryRange(ctx, Query(r.Step), v1.Range{Start: r.From.Add(-Pad), End: r.To, Step: r.Step})
	if err != nil {
		return nil, err
	}
	return Parse(v, r)
}

// FetchWeek is Fetch over the week before now: what Set.Summary sums up
// (the last 24h and 7d) for the alert detail, the alert list and `oncall
// alerts --history`. At its 61s step a series has at most ~10,000 points
// per half, and only while it fired: fetch it once a minute or so, not on
// every alert refresh.
func FetchWeek(ctx context.Context, src Source, now time.Time) (*Set, error) {
	return Fetch(ctx, src, now.Add(-Week), now)
}

// Parse turns the result of Query (run from r.From - Pad to r.To at r.Step)
// into a Set.
func Parse(v model.Value, r Range) (*Set, error) {
	var m model.Matrix
	switch x := v.(type) {
	case nil:
	case model.Matrix:
		m = x
	default:
		return nil, fmt.Errorf("ALERTS history: got a %s, want a matrix", v.Type())
	}
	type pair struct {
		labels         map[string]string
		stamps, counts []model.SamplePair
	}
	byKey := map[string]*pair{}
	for _, ss := range m {
		labels := make(map[string]string, len(ss.Metric))
		bucket := false
		for k, v := range ss.Metric {
			switch k {
			case model.MetricNameLabel, "alertstate":
			case bucketLabel:
				bucket = true
			default:
				labels[string(k)] = string(v)
			}
		}
		key := labelKey(labels)
		p := byKey[key]
		if p == nil {
			p = &pair{labels: labels}
			byKey[key] = p
		}
		if bucket {
			p.counts = append(p.counts, ss.Values...)
		} else {
			p.stamps = append(p.stamps, ss.Values...)
		}
	}
	set := &Set{Range: r, byName: map[string][]int{}}
	for _, p := range byKey {
		raws := stampedEpisodes(p.stamps, r)
		raws = append(raws, uncovered(p.counts, raws, r)...)
		sort.Slice(raws, func(i, j int) bool { return raws[i].start.Before(raws[j].start) })
		var eps []Episode
		for _, e := range raws {
			if ep, ok := e.finish(r); ok {
				eps = append(eps, ep)
			}
		}
		if len(eps) > 0 {
			set.Series = append(set.Series, Series{Labels: p.labels, Episodes: eps})
		}
	}
	sort.Slice(set.Series, func(i, j int) bool { return labelKey(set.Series[i].Labels) < labelKey(set.Series[j].Labels) })
	for i, s := range set.Series {
		set.byName[s.Labels["alertname"]] = append(set.byName[s.Labels["alertname"]], i)
	}
	return set, nil
}

// For returns the history of the alert with these labels, nil when it did
// not fire during the range. An ALERTS series belongs to an alert when all
// its labels are the alert's: Prometheus adds its external labels (and
// Alertmanager relabelling may add more) only to the alerts it sends, not
// to ALERTS. When several series qualify the most specific wins.
func (s *Set) For(labels map[string]string) *Series {
	if s == nil {
		return nil
	}
	var best *Series
	for _, i := range s.byName[labels["alertname"]] {
		c := &s.Series[i]
		if !subset(c.Labels, labels) {
			continue
		}
		if best == nil || len(c.Labels) > len(best.Labels) {
			best = c
		}
	}
	return best
}

func subset(small, big map[string]string) bool {
	for k, v := range small {
		if w, ok := big[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// labelKey is a canonical form of a label set ({a="1", b="2"}).
func labelKey(m map[string]string) string {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.String()
}

// Clip returns the episodes that overlap [from, to], cut to it: an episode
// that began before from starts at from (StartedBefore), and one still
// firing at to is ongoing. Times are in to's location.
func Clip(eps []Episode, from, to time.Time) []Episode {
	var out []Episode
	for _, e := range eps {
		end := to
		if e.End != nil {
			end = *e.End
		}
		if end.Before(from) || e.Start.After(to) {
			continue
		}
		c := e
		if c.Start.Before(from) {
			c.Start, c.StartedBefore = from, true
		}
		c.Start = c.Start.In(to.Location())
		if e.End != nil && e.End.After(to) {
			// It ended after the window: at to it was still firing.
			c.End, c.Ongoing, end = nil, true, to
		} else if c.End != nil {
			t := end.In(to.Location())
			c.End = &t
		}
		c.DurationSeconds = int64(end.Sub(c.Start).Seconds())
		out = append(out, c)
	}
	return out
}

// String shows an episode compactly (for logs and test failures).
func (e Episode) String() string {
	var b strings.Builder
	if e.StartedBefore {
		b.WriteString("before ")
	}
	b.WriteString(e.Start.Format(time.RFC3339))
	b.WriteString("–")
	if e.End == nil {
		b.WriteString("ongoing")
	} else {
		b.WriteString(e.End.Format(time.RFC3339))
	}
	if e.Approximate {
		b.WriteString(" (approximate)")
	}
	return b.String()
}
