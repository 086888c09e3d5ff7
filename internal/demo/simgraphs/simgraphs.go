// Package simgraphs makes the simulated Prometheus answer the graph of
// every demo alert: the plotted side of the alert's rule, narrowed to the
// alert's series exactly as internal/graph asks for it, with values that
// cross the rule's threshold when the alert went pending (in the outage
// and in its past episodes) and stay on the quiet side otherwise.
package simgraphs

import (
	"math"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/demo/sim"
	"oncall/internal/graph"
)

// Register adds a query handler per demo alert to p, and returns the
// queries it answers (by alert name).
func Register(p *sim.Prometheus) map[string]string {
	out := map[string]string{}
	for _, a := range p.Alerts() {
		plan := graph.Plan(graph.Request{Alert: Alert(a)})
		if plan.Query == "" {
			continue
		}
		out[a.Name] = plan.Query
		p.Handle(sim.Exact(plan.Query), curve(p, a, plan.Threshold))
	}
	return out
}

// Alert is the demo alert as oncall sees it once Alertmanager and the
// rules API are merged: its labels and its rule.
func Alert(a sim.Alert) *alerts.Alert {
	return &alerts.Alert{Labels: a.Labels, Rule: &alerts.Rule{Expr: a.Rule, Labels: a.RuleLabels, Source: alerts.SourcePrometheus}}
}

// curve is the alert's series: its value while the alert is active, a
// quiet level on the other side of the threshold otherwise (nothing for
// an expression drawn whole: such a rule returns only what fires).
func curve(p *sim.Prometheus, a sim.Alert, thr *graph.Threshold) func(string, time.Time) model.Value {
	metric := model.Metric{}
	for k, v := range a.Series {
		metric[model.LabelName(k)] = model.LabelValue(v)
	}
	return func(_ string, ts time.Time) model.Value {
		wave := math.Sin(float64(ts.Unix())/1000) + 0.5*math.Sin(float64(ts.Unix())/230)
		v, ok := over(a.Value*(1+0.015*wave), thr), true
		if p.StateAt(a.Name, ts) == "inactive" {
			v, ok = quiet(a.Value, thr, wave)
		}
		if !ok {
			return model.Vector{}
		}
		return model.Vector{{Metric: metric, Value: model.SampleValue(v)}}
	}
}

// over keeps an active alert's wavering value on the firing side of its
// threshold (a memory ratio of 0.912 ± 1.5% against > 0.9 would dip under
// it while the alert fires).
func over(v float64, thr *graph.Threshold) float64 {
	if thr == nil {
		return v
	}
	margin := math.Max(math.Abs(thr.Value)*0.002, 1e-3)
	switch thr.Op {
	case ">", ">=":
		return math.Max(v, thr.Value+margin)
	case "<", "<=":
		return math.Min(v, thr.Value-margin)
	}
	return v
}

// quiet is the value of an alert that does not fire: well under an upper
// threshold, well over a lower one, 1 for "== 0" (a target that is up).
func quiet(active float64, thr *graph.Threshold, wave float64) (float64, bool) {
	if thr == nil {
		return 0, false
	}
	t := thr.Value
	switch thr.Op {
	case ">", ">=":
		if t <= 0 {
			return 0, true
		}
		return t * (0.35 + 0.08*wave), true
	case "<", "<=":
		return math.Max(t, 1) * (6 + 1.5*wave), true
	case "==":
		return t + 1, true
	}
	return active + 1, true
}
