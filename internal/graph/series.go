package graph

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/sanitize"
)

// Step is the query step for a span drawn with about points points: the
// smallest round step (1s, 2s, 5s, 10s, 15s, 30s, 1m, 2m, 3m, 5m … 1h, 2h,
// 3h, 6h, 12h, 1d) that gives at most points points, points being capped
// at MaxPoints. At the default 240 points: 1h → 15s (240 points), 6h → 2m
// (180), 24h → 10m (144), 7d → 1h (168).
func Step(span time.Duration, points int) time.Duration {
	// Round steps, so the points fall on round times and a refresh asks
	// for the same timestamps again.
	nice := [...]time.Duration{
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
		20 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	}
	points = max(2, min(points, MaxPoints))
	raw := span / time.Duration(points)
	for _, s := range nice {
		if s >= raw {
			return s
		}
	}
	return (raw + time.Hour - 1).Truncate(time.Hour)
}

// Point is one sample. A value that is not a number (NaN, ±Inf) is a gap.
type Point struct {
	T time.Time
	V float64
}

// MarshalJSON writes {"t": RFC 3339, "v": number or null}: JSON has no NaN.
func (p Point) MarshalJSON() ([]byte, error) {
	var v any
	if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
		v = p.V
	}
	return json.Marshal(struct {
		T time.Time `json:"t"`
		V any       `json:"v"`
	}{p.T, v})
}

// Series is one line of the chart.
type Series struct {
	// Name is what tells it from the others: its distinguishing labels
	// (all of its labels when it is alone), sanitized for display.
	Name string `json:"name"`
	// Labels are the series' labels as the server returned them.
	Labels map[string]string `json:"labels"`
	Points []Point           `json:"points"`
}

// Last is the latest value that is a number, and whether there is one.
func (s *Series) Last() (float64, bool) {
	for i := len(s.Points) - 1; i >= 0; i-- {
		if v := s.Points[i].V; !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v, true
		}
	}
	return 0, false
}

// MarshalJSON adds the step as a duration ("15s").
func (r *Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		*plain
		Step string `json:"step"`
	}{(*plain)(r), model.Duration(r.Step).String()})
}

// Agrees reports whether a series belongs to the alert: none of its
// labels contradicts one of ident (it may lack some, as it lacks the
// external labels Prometheus adds to the alerts it sends). __name__ is
// not compared.
func Agrees(series model.Metric, ident map[string]string) bool {
	for k, v := range series {
		if k == model.MetricNameLabel {
			continue
		}
		if want, ok := ident[string(k)]; ok && want != string(v) {
			return false
		}
	}
	return true
}

// maxHiddenNames is how many of the series left out are named.
const maxHiddenNames = 20

// Fill keeps the returned series that belong to the alert, the TopN of
// them by their latest value (the lowest first when the threshold is a
// lower bound, `<` or `<=`), names them, and counts the rest.
func (r *Result) Fill(m model.Matrix) {
	r.Series, r.Hidden, r.Others = []Series{}, 0, 0
	var kept []Series
	for _, ss := range m {
		if ss == nil {
			continue
		}
		if !Agrees(ss.Metric, r.ident) {
			r.Others++
			continue
		}
		s := Series{Labels: make(map[string]string, len(ss.Metric)), Points: make([]Point, len(ss.Values))}
		for k, v := range ss.Metric {
			s.Labels[string(k)] = string(v)
		}
		for i, p := range ss.Values {
			s.Points[i] = Point{T: p.Timestamp.Time().In(r.End.Location()), V: float64(p.Value)}
		}
		kept = append(kept, s)
	}
	nameSeries(kept)
	low := r.Threshold != nil && (r.Threshold.Op == "<" || r.Threshold.Op == "<=")
	slices.SortStableFunc(kept, func(a, b Series) int {
		av, aok := a.Last()
		bv, bok := b.Last()
		switch {
		case aok != bok:
			if aok {
				return -1
			}
			return 1
		case aok && av != bv:
			if low {
				return cmp.Compare(av, bv)
			}
			return cmp.Compare(bv, av)
		}
		return strings.Compare(a.Name, b.Name)
	})
	topN := r.topN
	if topN <= 0 {
		topN = DefaultTopN
	}
	r.HiddenNames = nil
	if len(kept) > topN {
		r.Hidden = len(kept) - topN
		for _, s := range kept[topN:min(len(kept), topN+maxHiddenNames)] {
			r.HiddenNames = append(r.HiddenNames, s.Name)
		}
		kept = kept[:topN]
	}
	r.Series = append(r.Series, kept...)
	if len(r.Series) == 0 && r.Note == "" {
		switch {
		case r.Others > 0:
			r.Note = "the expression returned no series of this alert over the range"
		default:
			r.Note = "the expression returned no data over the range"
		}
	}
}

// nameSeries names each series by the labels whose values differ among
// them, or by all its labels when it is alone (or they all agree).
func nameSeries(ss []Series) {
	if len(ss) == 0 {
		return
	}
	var names []string
	seen := map[string]bool{}
	for _, s := range ss {
		for k := range s.Labels {
			if k != model.MetricNameLabel && !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	var distinct []string
	for _, k := range names {
		for _, s := range ss[1:] {
			if s.Labels[k] != ss[0].Labels[k] {
				distinct = append(distinct, k)
				break
			}
		}
	}
	if len(distinct) == 0 {
		distinct = names
	}
	for i := range ss {
		var parts []string
		for _, k := range distinct {
			if v, ok := ss[i].Labels[k]; ok {
				parts = append(parts, sanitize.Truncate(k, 40)+"="+sanitize.Truncate(v, 80))
			}
		}
		switch {
		case len(parts) > 0:
			ss[i].Name = strings.Join(parts, " ")
		case ss[i].Labels[model.MetricNameLabel] != "":
			ss[i].Name = sanitize.Truncate(ss[i].Labels[model.MetricNameLabel], 80)
		default:
			ss[i].Name = "value"
		}
	}
}
