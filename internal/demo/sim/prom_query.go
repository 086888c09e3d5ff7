package sim

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
)

// maxPoints is Prometheus' limit of points per series in a range query.
const maxPoints = 11000

// NormalizeQuery removes whitespace outside quoted strings, so queries that
// differ only in spacing compare equal.
func NormalizeQuery(q string) string {
	var b strings.Builder
	var quote rune
	escaped := false
	for _, c := range q {
		switch {
		case quote != 0:
			b.WriteRune(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\' && quote != '`':
				escaped = true
			case c == quote:
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
			b.WriteRune(c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Exact returns a Handle matcher accepting queries equal to query up to
// whitespace (see NormalizeQuery).
func Exact(query string) func(string) bool {
	want := NormalizeQuery(query)
	return func(q string) bool { return NormalizeQuery(q) == want }
}

// checkSyntax rejects what Prometheus' parser surely rejects: empty input,
// unbalanced brackets and unterminated strings. The message mirrors
// Prometheus' "line:col: parse error: …".
func checkSyntax(q string) error {
	if strings.TrimSpace(q) == "" {
		return fmt.Errorf("1:1: parse error: no expression found in input")
	}
	type open struct {
		c   rune
		pos int
	}
	var stack []open
	var quote rune
	quotePos, escaped := 0, false
	closers := map[rune]rune{')': '(', '}': '{', ']': '['}
	names := map[rune]string{'(': "parenthesis", '{': "brace", '[': "bracket"}
	pos := 0
	for _, c := range q {
		pos++
		if quote != 0 {
			switch {
			case escaped:
				escaped = false
			case c == '\\' && quote != '`':
				escaped = true
			case c == quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'', '`':
			quote, quotePos = c, pos
		case '(', '{', '[':
			stack = append(stack, open{c, pos})
		case ')', '}', ']':
			if len(stack) == 0 || stack[len(stack)-1].c != closers[c] {
				return fmt.Errorf("1:%d: parse error: unexpected right %s %q", pos, names[closers[c]], string(c))
			}
			stack = stack[:len(stack)-1]
		}
	}
	if quote != 0 {
		return fmt.Errorf("1:%d: parse error: unterminated quoted string", quotePos)
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		if top.c == '{' {
			return fmt.Errorf("1:%d: parse error: unexpected end of input inside braces", pos+1)
		}
		return fmt.Errorf("1:%d: parse error: unclosed left %s", top.pos, names[top.c])
	}
	return nil
}

// parseTime accepts Unix seconds (with fraction) or RFC 3339, as Prometheus.
func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		frac = math.Round(frac*1000) / 1000
		return time.Unix(int64(sec), int64(frac*float64(time.Second))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}

// parseStep accepts seconds (with fraction) or a Prometheus duration.
func parseStep(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		ts := f * float64(time.Second)
		if ts > float64(math.MaxInt64) || ts < float64(math.MinInt64) {
			return 0, fmt.Errorf("cannot parse %q to a valid duration. It overflows int64", s)
		}
		return time.Duration(ts), nil
	}
	if d, err := model.ParseDuration(s); err == nil {
		return time.Duration(d), nil
	}
	return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
}

func (p *Prometheus) query(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		promBadData(w, "invalid form: %v", err)
		return
	}
	q := r.Form.Get("query")
	if err := checkSyntax(q); err != nil {
		promBadData(w, "invalid parameter \"query\": %v", err)
		return
	}
	ts := p.clock()
	if s := r.Form.Get("time"); s != "" {
		t, err := parseTime(s)
		if err != nil {
			promBadData(w, "invalid parameter \"time\": Invalid time value for 'time': %v", err)
			return
		}
		ts = t
	}
	v := p.eval(q, ts)
	promOK(w, map[string]any{"resultType": v.Type().String(), "result": v})
}

func (p *Prometheus) queryRange(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		promBadData(w, "invalid form: %v", err)
		return
	}
	start, err := parseTime(r.Form.Get("start"))
	if err != nil {
		promBadData(w, "invalid parameter \"start\": %v", err)
		return
	}
	end, err := parseTime(r.Form.Get("end"))
	if err != nil {
		promBadData(w, "invalid parameter \"end\": %v", err)
		return
	}
	if end.Before(start) {
		promBadData(w, "invalid parameter \"end\": end timestamp must not be before start time")
		return
	}
	step, err := parseStep(r.Form.Get("step"))
	if err != nil {
		promBadData(w, "invalid parameter \"step\": %v", err)
		return
	}
	if step <= 0 {
		promBadData(w, "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
		return
	}
	if end.Sub(start)/step > maxPoints {
		promBadData(w, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
		return
	}
	q := r.Form.Get("query")
	if err := checkSyntax(q); err != nil {
		promBadData(w, "invalid parameter \"query\": %v", err)
		return
	}
	m := p.evalRange(q, start, end, step)
	promOK(w, map[string]any{"resultType": m.Type().String(), "result": m})
}

// eval answers an instant query: registered handlers first, then the
// built-ins, else an empty vector.
func (p *Prometheus) eval(q string, ts time.Time) model.Value {
	p.mu.Lock()
	handlers := append([]queryHandler(nil), p.handlers...)
	p.mu.Unlock()
	var v model.Value
	for _, h := range handlers {
		if h.match(q) {
			v = h.eval(q, ts)
			break
		}
	}
	if v == nil {
		v = p.builtin(q, ts)
	}
	stamp := model.TimeFromUnixNano(ts.UnixNano())
	// Copies, so handlers may return shared values safely.
	switch x := v.(type) {
	case model.Vector:
		out := make(model.Vector, 0, len(x))
		for _, s := range x {
			out = append(out, &model.Sample{Metric: s.Metric.Clone(), Value: s.Value, Timestamp: stamp})
		}
		return out
	case *model.Scalar:
		return &model.Scalar{Value: x.Value, Timestamp: stamp}
	case model.Matrix:
		if x == nil {
			return model.Matrix{}
		}
	}
	return v
}

// evalRange evaluates q at every step and assembles the series.
func (p *Prometheus) evalRange(q string, start, end time.Time, step time.Duration) model.Matrix {
	series := map[model.Fingerprint]*model.SampleStream{}
	for t := start; !t.After(end); t = t.Add(step) {
		switch v := p.eval(q, t).(type) {
		case model.Matrix:
			// The handler answered the whole range itself.
			return v
		case *model.Scalar:
			addPoint(series, model.Metric{}, v.Timestamp, v.Value)
		case model.Vector:
			for _, s := range v {
				addPoint(series, s.Metric, s.Timestamp, s.Value)
			}
		}
	}
	out := make(model.Matrix, 0, len(series))
	for _, ss := range series {
		out = append(out, ss)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Metric.Before(out[j].Metric) })
	return out
}

func addPoint(series map[model.Fingerprint]*model.SampleStream, m model.Metric, t model.Time, v model.SampleValue) {
	fp := m.Fingerprint()
	ss, ok := series[fp]
	if !ok {
		ss = &model.SampleStream{Metric: m}
		series[fp] = ss
	}
	ss.Values = append(ss.Values, model.SamplePair{Timestamp: t, Value: v})
}

var (
	vectorRE   = regexp.MustCompile(`^vector\(([^()]+)\)$`)
	selectorRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)?(\{.*\})?$`)
)

// builtin evaluates the firing-history query (history.go), vector(n),
// number literals and plain selectors over the built-in series; anything
// else yields an empty vector.
func (p *Prometheus) builtin(q string, ts time.Time) model.Value {
	nq := NormalizeQuery(q)
	if v, ok := p.evalHistory(nq, ts); ok {
		return v
	}
	if m := vectorRE.FindStringSubmatch(nq); m != nil {
		if f, err := strconv.ParseFloat(m[1], 64); err == nil {
			return model.Vector{{Metric: model.Metric{}, Value: model.SampleValue(f)}}
		}
	}
	if f, err := strconv.ParseFloat(nq, 64); err == nil {
		return &model.Scalar{Value: model.SampleValue(f)}
	}
	m := selectorRE.FindStringSubmatch(nq)
	if m == nil || (m[1] == "" && m[2] == "") {
		return model.Vector{}
	}
	var matchers labels.Matchers
	if m[2] != "" {
		ms, err := labels.ParseMatchers(m[2])
		if err != nil {
			return model.Vector{}
		}
		matchers = ms
	}
	out := model.Vector{}
	for _, s := range p.series(ts) {
		if m[1] != "" && string(s.Metric[model.MetricNameLabel]) != m[1] {
			continue
		}
		if matchers.Matches(model.LabelSet(s.Metric)) {
			out = append(out, s)
		}
	}
	return out
}

// series is the built-in data at ts: scrape health and the ALERTS series.
func (p *Prometheus) series(ts time.Time) model.Vector {
	var out model.Vector
	add := func(v float64, kv ...string) {
		m := model.Metric{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
		}
		out = append(out, &model.Sample{Metric: m, Value: model.SampleValue(v)})
	}
	// Down while the alert is pending or firing (since it became pending
	// in the outage, and in its past episodes), up otherwise.
	downSince := func(alertname string) float64 {
		if ai := p.in.instance(alertname); ai != nil && ai.stateAt(ts) != stateInactive {
			return 0
		}
		return 1
	}
	add(downSince("APIDown"), "__name__", "up", "job", ServiceBackend, "instance", "backend-1:3001", "service", ServiceBackend, "env", "prod")
	add(1, "__name__", "up", "job", ServiceBackend, "instance", "backend-2:3001", "service", ServiceBackend, "env", "prod")
	add(1, "__name__", "up", "job", ServiceGateway, "instance", "gateway-0:8080", "service", ServiceGateway, "env", "prod")
	add(1, "__name__", "up", "job", "postgres", "instance", "postgres-0:9187", "service", ServicePostgres, "env", "prod")
	add(1, "__name__", "up", "job", "redis", "instance", "redis-0:9121", "service", ServiceRedis, "env", "prod")
	add(1, "__name__", "up", "job", "prometheus", "instance", "localhost:9090", "env", "prod")
	add(1, "__name__", "up", "job", "alertmanager", "instance", "alertmanager:9093", "env", "prod")
	add(downSince("RedisDown"), "__name__", "redis_up", "job", "redis", "instance", "redis-0:6379", "service", ServiceRedis, "env", "prod")
	add(1, "__name__", "pg_up", "job", "postgres", "instance", "postgres-0:5432", "service", ServicePostgres, "env", "prod")
	for _, ai := range p.in.activeAt(ts) {
		m := model.Metric{model.MetricNameLabel: "ALERTS", "alertstate": model.LabelValue(ai.stateAt(ts))}
		for k, v := range ai.labels {
			m[k] = v
		}
		out = append(out, &model.Sample{Metric: m, Value: 1})
	}
	return out
}
