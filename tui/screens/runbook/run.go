package runbook

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/logql"
	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/sources/loki"
	"oncall/tui/kit"
)

// Diagnostics settings: a range over the last hour for the sparkline, at
// most maxSeries series and logLimit log lines per result.
const (
	queryRange  = time.Hour
	queryStep   = 2 * time.Minute
	maxSeries   = 10
	logLimit    = 50
	maxLogChars = 400
)

// result is the outcome of running one block, sanitized when it
// arrives. seq ties it to the run that asked for it.
type result struct {
	seq      int
	query    string // the query sent, after substitution
	code     string // the block as written
	running  bool
	err      string
	kind     string // vector, scalar, matrix, string, streams
	at       time.Time
	took     time.Duration
	series   []seriesRow
	more     int // series or lines not shown
	logs     []logRow
	rangeErr string
	// slow warns that a logql block is likely slow as written (run anyway),
	// with the cheaper form when there is one; hint is a timeout's.
	slow, hint string
}

type seriesRow struct{ labels, value, spark string }

// logRow is a log line made readable as the logs pane shows it: its level,
// the message first and the other fields after Lead.
type logRow struct {
	at    time.Time
	level logview.Level
	text  string
	lead  int
}

// runSelected runs the selected block: promql against Prometheus (instant
// query plus a one-hour range for the sparkline), logql against Loki (last
// hour, newest 50 lines). Shell blocks are never run.
func (s *screen) runSelected(h kit.Host) tea.Cmd {
	b, ok := s.selected()
	if !ok {
		return kit.Status(fmt.Sprintf("select a code block with %s, then press %s to run it", s.keys.Key(kit.Tab), s.keys.Key(kit.Enter)), false)
	}
	if !b.Runnable {
		return kit.Status(fmt.Sprintf("%s blocks are never run; press %s to copy it", langName(b.Lang), s.keys.Key(actCopy)), false)
	}
	s.runSeq++
	res := &result{seq: s.runSeq, code: b.Code, running: true}
	s.results[b.Index] = res
	defer s.relayout(h.Styles())
	q, err := b.Substitute(s.ra)
	if err != nil {
		res.running, res.err = false, err.Error()
		return nil
	}
	res.query = q
	now, clock, timeout, idx, seq := h.Now(), h.Now, s.d.Timeout, b.Index, res.seq
	switch b.Lang {
	case "promql":
		prom := s.d.Prom
		if p := h.Sources(s.alert).Prom; prom == nil && p != nil {
			prom = p
		}
		if prom == nil {
			res.running, res.err = false, fmt.Sprintf("no Prometheus configured for context %q", s.context)
			return nil
		}
		return func() tea.Msg {
			return ranMsg{block: idx, res: runPromQL(prom, q, now, clock, timeout, seq, b.Code)}
		}
	case "logql":
		lk := s.d.Loki
		if lk == nil {
			msg := fmt.Sprintf("no Loki configured for context %q", s.context)
			if s.d.LokiErr != "" {
				msg = s.d.LokiErr
			}
			res.running, res.err = false, msg
			return nil
		}
		slow := slowLogQL(q)
		res.slow = slow
		return func() tea.Msg {
			r := runLogQL(lk, q, now, clock, timeout, seq, b.Code)
			r.slow = slow
			return ranMsg{block: idx, res: r}
		}
	}
	res.running, res.err = false, "cannot run "+sanitize.Text(b.Lang)
	return nil
}

func langName(lang string) string {
	if lang == "" {
		return "code"
	}
	return sanitize.Text(lang)
}

// runPromQL runs the instant query and the range query in parallel.
func runPromQL(p PromQuerier, q string, now time.Time, clock func() time.Time, timeout time.Duration, seq int, code string) *result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res := &result{seq: seq, query: q, code: code, at: now}
	start := clock()
	var (
		wg     sync.WaitGroup
		rng    model.Value
		errRng error
	)
	r := v1.Range{Start: now.Add(-queryRange), End: now, Step: queryStep}
	wg.Add(1)
	go func() { defer wg.Done(); rng, errRng = p.QueryRange(ctx, q, r) }()
	v, err := p.Query(ctx, q, now)
	wg.Wait()
	res.took = clock().Sub(start)
	if err != nil {
		res.err = err.Error()
		return res
	}
	sparks := map[model.Fingerprint]string{}
	if errRng != nil {
		res.rangeErr = errRng.Error()
	} else if mx, ok := rng.(model.Matrix); ok {
		for _, ss := range mx {
			sparks[ss.Metric.Fingerprint()] = sparkline(points(ss.Values, r))
		}
	}
	res.kind = v.Type().String()
	switch x := v.(type) {
	case model.Vector:
		sortVector(x, q)
		var metrics []model.Metric
		for _, smp := range x {
			metrics = append(metrics, smp.Metric)
		}
		names := metricNames(metrics)
		for i, smp := range x {
			res.series = append(res.series, seriesRow{labels: names[i], value: formatValue(float64(smp.Value)), spark: sparks[smp.Metric.Fingerprint()]})
		}
	case *model.Scalar:
		res.series = []seriesRow{{labels: "scalar", value: formatValue(float64(x.Value)), spark: sparks[model.Metric{}.Fingerprint()]}}
	case model.Matrix:
		var metrics []model.Metric
		for _, ss := range x {
			metrics = append(metrics, ss.Metric)
		}
		names := metricNames(metrics)
		for i, ss := range x {
			row := seriesRow{labels: names[i], value: "-"}
			if n := len(ss.Values); n > 0 {
				row.value = formatValue(float64(ss.Values[n-1].Value))
				row.spark = sparkline(values(ss.Values))
			}
			res.series = append(res.series, row)
		}
	case *model.String:
		res.series = []seriesRow{{labels: "string", value: sanitize.Truncate(x.Value, 200)}}
	}
	res.capSeries()
	return res
}

// readable is a log row as the logs pane shows it (logview.Builder: the
// level from the labels or the line, the message, then the fields).
func readable(b *logview.Builder, e loki.Entry) logRow {
	r := b.Build(e)
	text := sanitize.Truncate(r.Text, maxLogChars)
	return logRow{at: e.Time, level: r.Level, text: text, lead: min(int(r.Lead), len(text))}
}

// runLogQL runs a LogQL query over the last hour: log lines (newest first)
// or, for a metric query, series with a sparkline.
func runLogQL(l LogQuerier, q string, now time.Time, clock func() time.Time, timeout time.Duration, seq int, code string) *result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res := &result{seq: seq, query: q, code: code, at: now}
	start := clock()
	out, err := l.QueryRange(ctx, loki.Query{Query: q, Start: now.Add(-queryRange), End: now, Limit: logLimit, Direction: loki.Backward, Step: queryStep})
	res.took = clock().Sub(start)
	if err != nil {
		res.err = err.Error()
		res.hint = logview.SlowHint(q, err)
		return res
	}
	res.kind = out.Type
	if out.Type == "streams" {
		b := logview.NewBuilder(nil, nil).WithFormatter(logview.NewFormatter(nil))
		for i, e := range out.Entries {
			if i == logLimit {
				res.more = len(out.Entries) - logLimit
				break
			}
			res.logs = append(res.logs, readable(b, e))
		}
		return res
	}
	var metrics []model.Metric
	for _, s := range out.Series {
		mt := model.Metric{}
		for k, v := range s.Labels {
			mt[model.LabelName(k)] = model.LabelValue(v)
		}
		metrics = append(metrics, mt)
	}
	names := metricNames(metrics)
	r := v1.Range{Start: now.Add(-queryRange), End: now, Step: queryStep}
	for i, s := range out.Series {
		row := seriesRow{labels: names[i], value: "-"}
		if n := len(s.Samples); n > 0 {
			row.value = formatValue(s.Samples[n-1].Value)
			pts := make([]model.SamplePair, len(s.Samples))
			for j, p := range s.Samples {
				pts[j] = model.SamplePair{Timestamp: model.TimeFromUnixNano(p.Time.UnixNano()), Value: model.SampleValue(p.Value)}
			}
			row.spark = sparkline(points(pts, r))
		}
		res.series = append(res.series, row)
	}
	res.capSeries()
	return res
}

// slowLogQL says when a logql block, run as written, is likely slow: a
// parser before any line filter over a selector without an exact matcher
// (logview.LikelySlow), or over any selector (logql.Analyze), for a log
// query or each log query inside a metric one; "" when it looks cheap.
func slowLogQL(q string) string {
	queries := []string{q}
	if m, err := logql.Extract(q); err == nil {
		queries = queries[:0]
		for _, lq := range m.Queries {
			queries = append(queries, lq.String())
		}
	}
	for _, lq := range queries {
		if reason, slow := logview.LikelySlow(lq); slow {
			return reason
		}
		a, err := logql.Analyze(lq)
		if err != nil || a.Cost != logql.ParsesAll {
			continue
		}
		out := "may be slow on a busy stream: " + a.Verdict
		if a.Cheaper != "" {
			out += "; cheaper: " + a.Cheaper
		} else {
			out += "; a line filter before the parser (|= \"…\") would spare Loki the parsing"
		}
		return out
	}
	return ""
}

// tookText is " · 42ms", or "" below a millisecond (a frozen test clock).
func (r *result) tookText() string {
	if r.took < time.Millisecond {
		return ""
	}
	return " · " + r.took.Round(time.Millisecond).String()
}

func (r *result) capSeries() {
	if len(r.series) > maxSeries {
		r.more = len(r.series) - maxSeries
		r.series = r.series[:maxSeries]
	}
}

// sortVector orders a vector as the query asks (topk/sort_desc: highest
// first; bottomk/sort: lowest first) and by labels otherwise, so the table
// is stable between runs.
func sortVector(v model.Vector, q string) {
	nq := strings.ReplaceAll(q, " ", "")
	switch {
	case strings.Contains(nq, "topk(") || strings.Contains(nq, "sort_desc("):
		sort.SliceStable(v, func(i, j int) bool { return v[i].Value > v[j].Value })
	case strings.Contains(nq, "bottomk(") || strings.Contains(nq, "sort("):
		sort.SliceStable(v, func(i, j int) bool { return v[i].Value < v[j].Value })
	default:
		sort.SliceStable(v, func(i, j int) bool { return v[i].Metric.Before(v[j].Metric) })
	}
}

// metricNames prints each metric as name{labels}, leaving out the labels
// every series shares when there are several (they say nothing).
func metricNames(ms []model.Metric) []string {
	common := map[model.LabelName]model.LabelValue{}
	if len(ms) > 1 {
		for k, v := range ms[0] {
			common[k] = v
		}
		for _, m := range ms[1:] {
			for k, v := range common {
				if m[k] != v {
					delete(common, k)
				}
			}
		}
		delete(common, model.MetricNameLabel)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		var keys []string
		for k := range m {
			if _, shared := common[k]; !shared && k != model.MetricNameLabel {
				keys = append(keys, string(k))
			}
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for j, k := range keys {
			parts[j] = k + "=" + fmt.Sprintf("%q", string(m[model.LabelName(k)]))
		}
		name := string(m[model.MetricNameLabel])
		switch {
		case len(parts) > 0:
			name += "{" + strings.Join(parts, ",") + "}"
		case name == "":
			name = "{}"
		}
		out[i] = sanitize.Truncate(name, 200)
	}
	return out
}

// formatValue prints a sample compactly: 4 significant digits, SI suffixes
// from ten thousand up.
func formatValue(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	a := math.Abs(f)
	for _, u := range []struct {
		from, div float64
		s         string
	}{{1e12, 1e12, "T"}, {1e9, 1e9, "G"}, {1e6, 1e6, "M"}, {1e4, 1e3, "k"}} {
		if a >= u.from {
			return fmt.Sprintf("%.4g%s", f/u.div, u.s)
		}
	}
	return fmt.Sprintf("%.4g", f)
}

// points places samples into the range's step slots (NaN: no sample).
func points(vs []model.SamplePair, r v1.Range) []float64 {
	n := int(r.End.Sub(r.Start)/r.Step) + 1
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	for _, p := range vs {
		i := int(math.Round(float64(p.Timestamp.Time().Sub(r.Start)) / float64(r.Step)))
		if i >= 0 && i < n {
			out[i] = float64(p.Value)
		}
	}
	return out
}

func values(vs []model.SamplePair) []float64 {
	out := make([]float64, len(vs))
	for i, p := range vs {
		out[i] = float64(p.Value)
	}
	return out
}

var sparkBars = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values scaled between their min and max; missing values
// are blanks, a flat series is drawn at the bottom (zero) or middle.
func sparkline(vs []float64) string {
	lo, hi, seen := math.Inf(1), math.Inf(-1), false
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi, seen = math.Min(lo, v), math.Max(hi, v), true
	}
	if !seen {
		return ""
	}
	var b strings.Builder
	for _, v := range vs {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b.WriteRune(' ')
		case hi == lo && v == 0:
			b.WriteRune(sparkBars[0])
		case hi == lo:
			b.WriteRune(sparkBars[3])
		default:
			b.WriteRune(sparkBars[int(math.Round((v-lo)/(hi-lo)*float64(len(sparkBars)-1)))])
		}
	}
	return b.String()
}

// resultLines lays out a block's result for a body width.
func (s *screen) resultLines(i int, st *kit.Styles, w int) []string {
	r := s.results[i]
	if r == nil {
		return nil
	}
	const ind = "    "
	var out []string
	if r.query != "" && strings.TrimSpace(r.query) != strings.TrimSpace(r.code) {
		for j, l := range kit.Wrap(sanitize.Text(strings.Join(strings.Fields(r.query), " ")), max(20, w-len(ind)-7)) {
			lead := "query: "
			if j > 0 {
				lead = "       "
			}
			out = append(out, ind+st.Label.Render(lead)+st.Muted.Render(l))
		}
	}
	if r.slow != "" {
		for j, l := range kit.Wrap(sanitize.Text("⚠ "+r.slow), max(20, w-len(ind))) {
			if j > 0 {
				l = "  " + l
			}
			out = append(out, ind+st.SevStyle("warning").Render(l))
		}
	}
	switch {
	case r.running:
		return append(out, ind+st.StatusInfo.Render("running…"))
	case r.err != "":
		out = append(out, ind+st.Error.Render("✗ "+sanitize.Text(r.err)))
		if r.hint != "" {
			out = append(out, ind+st.Muted.Render(r.hint))
		}
		return out
	}
	at := r.at.Local().Format("15:04:05")
	switch {
	case r.kind == "streams":
		out = append(out, ind+st.StatusOK.Render(fmt.Sprintf("✓ %d line%s", len(r.logs)+r.more, kit.Plural(len(r.logs)+r.more)))+st.Muted.Render(" · last 1h, newest first · "+at+r.tookText()))
		for _, l := range r.logs {
			text := l.text
			if l.lead > 0 && l.lead < len(text) {
				text = text[:l.lead] + st.Muted.Render(text[l.lead:])
			}
			lvl := st.LevelStyle(l.level).Render(kit.Fit(strings.ToUpper(l.level.String()), 5))
			out = append(out, ind+st.Muted.Render(l.at.Local().Format("15:04:05")+" ")+lvl+" "+text)
		}
	default:
		n := len(r.series) + r.more
		head := fmt.Sprintf("✓ %d series", n)
		if r.kind == "scalar" || r.kind == "string" {
			head = "✓ " + r.kind
		}
		out = append(out, ind+st.StatusOK.Render(head)+st.Muted.Render(" · "+at+r.tookText()+" · sparkline: last 1h"))
		if n == 0 {
			out = append(out, ind+st.Muted.Render("(empty result: nothing matches right now)"))
		}
		lw, vw, sw := 0, 0, 0
		for _, row := range r.series {
			lw, vw, sw = max(lw, kit.Width(row.labels)), max(vw, kit.Width(row.value)), max(sw, kit.Width(row.spark))
		}
		// labels give way to the value and the sparkline on narrow screens
		lw = max(12, min(lw, w-len(ind)-vw-sw-4))
		for _, row := range r.series {
			line := ind + kit.Fit(row.labels, lw) + "  " + st.Bold.Render(kit.PadLeft(row.value, vw))
			if row.spark != "" {
				line += "  " + st.Accent.Render(row.spark)
			}
			out = append(out, line)
		}
	}
	if r.more > 0 && r.kind != "streams" {
		out = append(out, ind+st.Muted.Render(fmt.Sprintf("… %d more series", r.more)))
	}
	if r.rangeErr != "" {
		out = append(out, ind+st.Muted.Render("no sparkline: "+sanitize.Text(r.rangeErr)))
	}
	return out
}
