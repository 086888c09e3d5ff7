package lokitest

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// DefaultMaxQuerySeries is max_query_series: how many series a metric
// query may return.
const DefaultMaxQuerySeries = 500

// sample is one element of an instant vector.
type sample struct {
	labels map[string]string
	key    string // labelsKey(labels)
	v      float64
}

// rangeSeries is one series of a range aggregation's lines: their
// timestamps in order and the running total of their bytes.
type rangeSeries struct {
	labels map[string]string
	key    string
	ts     []int64
	cum    []float64 // cum[i] is the bytes of the lines before i; len(ts)+1
}

// metricEval evaluates a metric query at each step of [start, end].
type metricEval struct {
	loaded map[*rangeAgg][]*rangeSeries
	w      work
	bytes  int64
}

// seriesLimitError is Loki's max_query_series refusal.
func seriesLimitError(limit int) error {
	return fmt.Errorf("maximum number of series (%d) reached for a single query; consider reducing query cardinality by adding more specific stream selectors, reducing the time range, or aggregating results with functions like sum(), count() or topk()", limit)
}

// pipelineError is Loki's refusal of a metric query whose lines carry a
// parser or label filter error.
func pipelineError(labels map[string]string) error {
	e := labels["__error__"]
	return fmt.Errorf("pipeline error: '%s' for series: '%s'.\n"+
		"Use a label filter to intentionally skip this error. (e.g | __error__!=\"%s\").\n"+
		"To skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"+
		"The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )", e, labelsKey(labels), e)
}

// load reads the lines of every range aggregation in n once, over
// (start-range, end], through its pipeline. The caller holds s.mu.
func (ev *metricEval) load(s *Server, tenant string, n node, start, end int64) {
	switch n := n.(type) {
	case *rangeAgg:
		ev.loaded[n] = ev.series(s, tenant, n, start-int64(n.rng), end)
	case *vectorAgg:
		ev.load(s, tenant, n.inner, start, end)
	case *binary:
		ev.load(s, tenant, n.lhs, start, end)
		ev.load(s, tenant, n.rhs, start, end)
	}
}

// series groups the lines a range aggregation keeps in (from, to] by
// their labels: stream labels, structured metadata, then parsed labels.
func (ev *metricEval) series(s *Server, tenant string, ra *rangeAgg, from, to int64) []*rangeSeries {
	type point struct {
		ts    int64
		bytes float64
	}
	type acc struct {
		labels map[string]string
		pts    []point
	}
	byKey := map[string]*acc{}
	var keys []string
	for _, st := range s.tenants[tenant] {
		if !matchesSelector(ra.q.selector, st.labels) {
			continue
		}
		for _, e := range st.rangeEntries(from+1, to+1) {
			ev.w.scanned++
			ev.bytes += int64(len(e.line))
			res, ok := ra.q.run(e.line, st.labels, e.sm)
			ev.w.parsed += int64(res.parsers)
			if !ok {
				continue
			}
			labels := st.labels
			if len(e.sm) > 0 || len(res.parsed) > 0 {
				labels = snapshotLabels(st.labels)
				for k, v := range e.sm {
					labels[k] = v
				}
				for k, v := range res.parsed {
					labels[k] = v
				}
			}
			key := labelsKey(labels)
			a := byKey[key]
			if a == nil {
				a = &acc{labels: labels}
				byKey[key] = a
				keys = append(keys, key)
			}
			a.pts = append(a.pts, point{e.ts, float64(len(res.line))})
		}
	}
	sort.Strings(keys)
	out := make([]*rangeSeries, 0, len(keys))
	for _, k := range keys {
		a := byKey[k]
		sort.SliceStable(a.pts, func(i, j int) bool { return a.pts[i].ts < a.pts[j].ts })
		rs := &rangeSeries{labels: a.labels, key: k, ts: make([]int64, len(a.pts)), cum: make([]float64, len(a.pts)+1)}
		for i, p := range a.pts {
			rs.ts[i], rs.cum[i+1] = p.ts, rs.cum[i]+p.bytes
		}
		out = append(out, rs)
	}
	return out
}

// at evaluates n at t: a vector, or a number for a literal.
func (ev *metricEval) at(n node, t int64) ([]sample, float64, error) {
	switch n := n.(type) {
	case literal:
		return nil, float64(n), nil
	case *rangeAgg:
		v, err := ev.rangeAt(n, t)
		return v, 0, err
	case *vectorAgg:
		in, _, err := ev.at(n.inner, t)
		if err != nil {
			return nil, 0, err
		}
		return aggregate(n, in), 0, nil
	case *binary:
		return ev.binaryAt(n, t)
	}
	return nil, 0, fmt.Errorf("lokitest: unknown expression %T", n)
}

// rangeAt is a range aggregation over (t-range, t]: a series without a
// line in the window has no sample.
func (ev *metricEval) rangeAt(ra *rangeAgg, t int64) ([]sample, error) {
	var out []sample
	secs := ra.rng.Seconds()
	for _, rs := range ev.loaded[ra] {
		lo := sort.Search(len(rs.ts), func(i int) bool { return rs.ts[i] > t-int64(ra.rng) })
		hi := sort.Search(len(rs.ts), func(i int) bool { return rs.ts[i] > t })
		if hi <= lo {
			continue
		}
		if _, bad := rs.labels["__error__"]; bad {
			return nil, pipelineError(rs.labels)
		}
		n, bytes := float64(hi-lo), rs.cum[hi]-rs.cum[lo]
		var v float64
		switch ra.op {
		case "count_over_time":
			v = n
		case "rate":
			v = n / secs
		case "bytes_over_time":
			v = bytes
		default: // bytes_rate
			v = bytes / secs
		}
		out = append(out, sample{labels: rs.labels, key: rs.key, v: v})
	}
	return out, nil
}

// groupLabels are the labels an aggregation keeps of a sample.
func groupLabels(va *vectorAgg, ls map[string]string) map[string]string {
	out := map[string]string{}
	if va.without {
		drop := map[string]bool{}
		for _, g := range va.grouping {
			drop[g] = true
		}
		for k, v := range ls {
			if !drop[k] {
				out[k] = v
			}
		}
		return out
	}
	for _, g := range va.grouping {
		if v := ls[g]; v != "" {
			out[g] = v
		}
	}
	return out
}

// aggregate applies a vector aggregation to one step's vector.
func aggregate(va *vectorAgg, in []sample) []sample {
	type group struct {
		labels map[string]string
		key    string
		vs     []sample
	}
	groups := map[string]*group{}
	var order []string
	for _, s := range in {
		gl := groupLabels(va, s.labels)
		k := labelsKey(gl)
		g := groups[k]
		if g == nil {
			g = &group{labels: gl, key: k}
			groups[k] = g
			order = append(order, k)
		}
		g.vs = append(g.vs, s)
	}
	var out []sample
	for _, k := range order {
		g := groups[k]
		if va.op == "topk" || va.op == "bottomk" {
			vs := g.vs
			sort.SliceStable(vs, func(i, j int) bool {
				if vs[i].v != vs[j].v {
					return (vs[i].v > vs[j].v) == (va.op == "topk")
				}
				return vs[i].key < vs[j].key
			})
			out = append(out, vs[:min(va.k, len(vs))]...)
			continue
		}
		var v float64
		switch va.op {
		case "sum", "avg":
			for _, s := range g.vs {
				v += s.v
			}
			if va.op == "avg" {
				v /= float64(len(g.vs))
			}
		case "count":
			v = float64(len(g.vs))
		case "min":
			v = math.Inf(1)
			for _, s := range g.vs {
				v = math.Min(v, s.v)
			}
		case "max":
			v = math.Inf(-1)
			for _, s := range g.vs {
				v = math.Max(v, s.v)
			}
		}
		out = append(out, sample{labels: g.labels, key: g.key, v: v})
	}
	return out
}

// apply computes a op b; for a comparison it says whether it holds (and
// the value is 1 or 0).
func apply(op string, a, b float64) (float64, bool) {
	holds := func(c bool) (float64, bool) {
		if c {
			return 1, true
		}
		return 0, false
	}
	switch op {
	case "+":
		return a + b, true
	case "-":
		return a - b, true
	case "*":
		return a * b, true
	case "/":
		return a / b, true
	case "%":
		return math.Mod(a, b), true
	case "^":
		return math.Pow(a, b), true
	case "==":
		return holds(a == b)
	case "!=":
		return holds(a != b)
	case ">":
		return holds(a > b)
	case ">=":
		return holds(a >= b)
	case "<":
		return holds(a < b)
	}
	return holds(a <= b)
}

// binaryAt evaluates an operation at t. A comparison without bool keeps
// the vector's samples for which it holds, with their values; with bool
// every sample becomes 1 or 0. Two vectors are matched on all labels.
func (ev *metricEval) binaryAt(b *binary, t int64) ([]sample, float64, error) {
	lv, ls, err := ev.at(b.lhs, t)
	if err != nil {
		return nil, 0, err
	}
	rv, rs, err := ev.at(b.rhs, t)
	if err != nil {
		return nil, 0, err
	}
	_, lScalar := b.lhs.(literal)
	_, rScalar := b.rhs.(literal)
	isCmp := isComparison(b.op)
	result := func(s sample, x, y float64) (sample, bool) {
		v, holds := apply(b.op, x, y)
		switch {
		case isCmp && b.retBool:
			s.v = v
		case isCmp && !holds:
			return s, false
		case !isCmp:
			s.v = v
		}
		return s, true
	}
	var out []sample
	switch {
	case rScalar:
		for _, s := range lv {
			if r, ok := result(s, s.v, rs); ok {
				out = append(out, r)
			}
		}
	case lScalar:
		for _, s := range rv {
			if r, ok := result(s, ls, s.v); ok {
				out = append(out, r)
			}
		}
	case isSetOp(b.op):
		out = setOp(b.op, lv, rv)
	default:
		right := make(map[string]sample, len(rv))
		for _, s := range rv {
			right[s.key] = s
		}
		for _, s := range lv {
			r, matched := right[s.key]
			if !matched {
				continue
			}
			if res, ok := result(s, s.v, r.v); ok {
				out = append(out, res)
			}
		}
	}
	return out, 0, nil
}

// setOp is and, or or unless, matching on all labels.
func setOp(op string, lv, rv []sample) []sample {
	inRight := make(map[string]bool, len(rv))
	for _, s := range rv {
		inRight[s.key] = true
	}
	var out []sample
	for _, s := range lv {
		if (op == "and") == inRight[s.key] || op == "or" {
			out = append(out, s)
		}
	}
	if op == "or" {
		inLeft := make(map[string]bool, len(lv))
		for _, s := range lv {
			inLeft[s.key] = true
		}
		for _, s := range rv {
			if !inLeft[s.key] {
				out = append(out, s)
			}
		}
	}
	return out
}

// matrixSeries is one series of a matrix answer.
type matrixSeries struct {
	labels map[string]string
	key    string
	points [][2]any
}

// stepTimes are Loki's evaluation times of a range query: start rounded
// down and end rounded up to a multiple of step (the query frontend
// aligns them), then every step in between.
func stepTimes(start, end int64, step time.Duration) (int64, int64) {
	s := int64(step)
	alStart := start - mod(start, s)
	alEnd := end
	if m := mod(end, s); m != 0 {
		alEnd += s - m
	}
	return alStart, alEnd
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// evalRange evaluates a metric query at each step from start to end,
// already aligned. The caller holds s.mu.
func (s *Server) evalRange(tenant string, n node, start, end int64, step time.Duration) ([]*matrixSeries, metricEval, error) {
	ev := metricEval{loaded: map[*rangeAgg][]*rangeSeries{}}
	ev.load(s, tenant, n, start, end)
	byKey := map[string]*matrixSeries{}
	for t := start; t <= end; t += int64(step) {
		vec, _, err := ev.at(n, t)
		if err != nil {
			return nil, ev, err
		}
		for _, smp := range vec {
			ms := byKey[smp.key]
			if ms == nil {
				ms = &matrixSeries{labels: smp.labels, key: smp.key}
				byKey[smp.key] = ms
				if s.maxSeries > 0 && len(byKey) > s.maxSeries {
					return nil, ev, seriesLimitError(s.maxSeries)
				}
			}
			ms.points = append(ms.points, [2]any{unixSeconds(t), formatValue(smp.v)})
		}
	}
	out := make([]*matrixSeries, 0, len(byKey))
	for _, ms := range byKey {
		out = append(out, ms)
	}
	sort.Slice(out, func(i, j int) bool { return labelsLess(out[i].labels, out[j].labels) })
	return out, ev, nil
}
