// Package graph turns an alert and its rule into the data of the alert's
// chart: the rule's expression split into the plotted side and its
// threshold, run over a time range restricted to the alert's own series,
// the busiest series kept, and the times the alert went pending and
// firing. It draws nothing (tui/chart does) and caches nothing (the UI
// caches per alert and range): it is pure functions (Plan, Result.Fill)
// plus the one query call (Fetch).
//
// A Prometheus rule is taken apart with Prometheus's own PromQL parser; a
// Loki ruler rule with internal/logql, and its metric expression runs on
// Loki's query_range through LokiRanger.
package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/logql"
)

// Defaults of a Request.
const (
	// DefaultPoints is about what a 120-column chart shows: two braille
	// dots per column.
	DefaultPoints = 240
	// MaxPoints caps the points per series whatever the chart's width:
	// more than a terminal can show, and a 10 × 1,000 chart builds in a
	// few milliseconds.
	MaxPoints = 1000
	// DefaultTopN is how many series are drawn when more remain.
	DefaultTopN = 5
)

// Spans are the ranges the graph screen offers: 1h, 6h, 24h and 7d.
func Spans() []time.Duration {
	return []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
}

// PromRanger runs a PromQL range query (*prometheus.Client satisfies it).
type PromRanger interface {
	QueryRange(ctx context.Context, q string, r v1.Range) (model.Value, error)
}

// LokiRanger runs a LogQL metric query over a range with Loki's
// query_range API and returns its matrix.
type LokiRanger interface {
	MetricRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error)
}

// Sources are where the queries run; either may be nil (not configured).
type Sources struct {
	Prom PromRanger
	Loki LokiRanger
}

// Request asks for one alert's chart.
type Request struct {
	Alert *alerts.Alert
	// Span is how far back the chart goes (see Spans); one hour when zero.
	Span time.Duration
	// Points is about how many points per series the chart can show (two
	// per column for braille); DefaultPoints when zero, at most MaxPoints.
	Points int
	// TopN is how many series are drawn at most; DefaultTopN when zero.
	TopN int
	// Now is the end of the range; time.Now() when zero.
	Now time.Time
}

// Markers of the alert's own times.
const (
	MarkPending = "pending" // Prometheus's activeAt: the expression first held
	MarkFiring  = "firing"  // Alertmanager's startsAt: it held for the rule's `for`
)

// Marker is a time the chart marks with a vertical line.
type Marker struct {
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
}

// Result is the chart's data.
type Result struct {
	Alert  string `json:"alert"`
	Source string `json:"source,omitempty"` // alerts.SourcePrometheus or SourceLoki
	Expr   string `json:"expr,omitempty"`   // the rule's expression
	// Query is what was (or would be) sent: the plotted side, narrowed to
	// the alert's labels. Empty when nothing can be run (see Note). It
	// holds label values from servers: sanitize it before showing it.
	Query     string        `json:"query,omitempty"`
	Start     time.Time     `json:"start"`
	End       time.Time     `json:"end"`
	Step      time.Duration `json:"-"` // written as "step": "15s"
	Threshold *Threshold    `json:"threshold,omitempty"`
	// Narrowed are the labels whose matchers were added to the query's
	// selectors (see injectMatchers); the others are checked on the
	// returned series.
	Narrowed []string `json:"narrowedBy,omitempty"`
	Series   []Series `json:"series"`
	// Hidden is how many of the alert's series were left out (past TopN).
	Hidden int `json:"hidden"`
	// HiddenNames name the first 20 of them, the busiest first.
	HiddenNames []string `json:"hiddenNames,omitempty"`
	// Others is how many returned series were dropped as another alert's:
	// a label of theirs contradicts the alert's.
	Others  int      `json:"others"`
	Markers []Marker `json:"markers"`
	// Note says in one line what could not be done: no rule, no source
	// to run it on, an expression drawn whole, nothing returned…
	Note string `json:"note,omitempty"`

	ident map[string]string
	topN  int
}

// Plan works out everything but the series: the query, its range and
// step, the threshold and the markers. A Result with an empty Query says
// in Note why nothing can be run.
func Plan(req Request) *Result {
	a := req.Alert
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	span := req.Span
	if span <= 0 {
		span = time.Hour
	}
	points := req.Points
	if points <= 0 {
		points = DefaultPoints
	}
	step := Step(span, points)
	res := &Result{Step: step, End: now, Start: now.Add(-span).Truncate(step), topN: req.TopN, Series: []Series{}, Markers: []Marker{}}
	if res.topN <= 0 {
		res.topN = DefaultTopN
	}
	if a == nil {
		res.Note = "no alert selected"
		return res
	}
	res.Alert = a.Name()
	res.Markers = markers(a)
	if a.Rule == nil || strings.TrimSpace(a.Rule.Expr) == "" {
		res.Note = "no rule known for this alert: no rule source (Prometheus or Loki's ruler) lists it"
		return res
	}
	res.Source, res.Expr = a.Rule.Source, a.Rule.Expr
	res.ident = identity(a)
	switch a.Rule.Source {
	case alerts.SourceLoki:
		planLogQL(res)
	default:
		res.Source = alerts.SourcePrometheus
		planPromQL(res)
	}
	return res
}

func planPromQL(res *Result) {
	s, err := SplitPromQL(res.Expr)
	if err != nil {
		// A server newer than the parser may know functions it does not:
		// the expression still runs, drawn whole and filtered.
		res.Query = res.Expr
		res.Note = "expression drawn whole: oncall's PromQL parser does not read it (" + err.Error() + ")"
		return
	}
	res.Threshold, res.Note = s.Threshold, s.Whole
	res.Narrowed = injectMatchers(s.plotted, res.ident)
	res.Query = s.plotted.String()
}

func planLogQL(res *Result) {
	res.Query = res.Expr
	m, err := logql.Extract(res.Expr)
	if err != nil {
		res.Note = "expression drawn whole: " + err.Error()
		return
	}
	switch {
	case m.Comparison != nil:
		c := m.Comparison
		res.Query = c.Expr
		res.Threshold = &Threshold{Op: c.Op, Value: c.Threshold, Bool: c.Bool}
	case m.TopOp == "and" || m.TopOp == "or" || m.TopOp == "unless":
		res.Note = "an " + m.TopOp + " expression is drawn whole: it has no single threshold"
	case isComparison(m.TopOp):
		res.Note = "the comparison is not with a constant: drawn whole, without a threshold line"
	}
}

func isComparison(op string) bool {
	switch op {
	case "==", "!=", ">", ">=", "<", "<=":
		return true
	}
	return false
}

// identity is what identifies the alert's series among the expression's:
// its labels but alertname and the rule's own labels (severity…), which
// the rule adds or overrides.
func identity(a *alerts.Alert) map[string]string {
	out := make(map[string]string, len(a.Labels))
	for k, v := range a.Labels {
		if k == "alertname" || k == model.MetricNameLabel {
			continue
		}
		if a.Rule != nil {
			if _, own := a.Rule.Labels[k]; own {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// markers are the alert's pending and firing times: activeAt when
// Prometheus knows it, and startsAt once the alert fires.
func markers(a *alerts.Alert) []Marker {
	out := []Marker{}
	if a.ActiveAt != nil && !a.ActiveAt.IsZero() {
		out = append(out, Marker{Kind: MarkPending, At: *a.ActiveAt})
	}
	if a.State != alerts.StatePending && !a.StartsAt.IsZero() {
		out = append(out, Marker{Kind: MarkFiring, At: a.StartsAt})
	}
	return out
}

// Fetch plans the chart, runs its query on the rule's source and fills
// the result. A Result whose Note says what could not be done comes back
// without an error (no rule, no source configured); a failed query
// returns the planned Result and the source's one-line error.
func Fetch(ctx context.Context, src Sources, req Request) (*Result, error) {
	res := Plan(req)
	if res.Query == "" {
		return res, nil
	}
	var m model.Matrix
	switch res.Source {
	case alerts.SourceLoki:
		if src.Loki == nil {
			res.Note = joinNote("the rule is Loki's, and no Loki is configured to run it", res.Note)
			return res, nil
		}
		var err error
		if m, err = src.Loki.MetricRange(ctx, res.Query, res.Start, res.End, res.Step); err != nil {
			return res, err
		}
	default:
		if src.Prom == nil {
			res.Note = joinNote("no Prometheus configured to run the rule's expression", res.Note)
			return res, nil
		}
		v, err := src.Prom.QueryRange(ctx, res.Query, v1.Range{Start: res.Start, End: res.End, Step: res.Step})
		if err != nil {
			return res, err
		}
		switch x := v.(type) {
		case nil:
		case model.Matrix:
			m = x
		default:
			return res, fmt.Errorf("query_range returned a %s, want a matrix", v.Type())
		}
	}
	res.Fill(m)
	return res, nil
}

func joinNote(a, b string) string {
	switch {
	case b == "":
		return a
	case a == "":
		return b
	}
	return a + "; " + b
}
