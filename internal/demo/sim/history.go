package sim

import (
	"regexp"
	"time"

	"github.com/prometheus/common/model"
)

// The incident's past: episodes the demo alerts fired (and resolved)
// before the outage, relative to the start. They show in ALERTS at those
// times, so the alerts' firing history (the detail's strip, the episode
// counts, flapping, last resolved, and the handoff's "fired during the
// shift") has something to show.
func pastEpisodes() map[string][]window {
	h := time.Hour
	m := time.Minute
	return map[string][]window{
		// The deploy 19 hours ago (the SLO's 0.8% blip): backend-1 down for 20m.
		"APIDown": {{-19 * h, -19*h + 20*m}},
		// backend-2's memory flaps around its limit: six times in the last
		// day (flapping at the default five), twice more earlier this week.
		"HighMemoryUsage": {
			{-5*24*h - 3*h, -5*24*h - 2*h}, {-3*24*h - 7*h, -3*24*h - 6*h - 20*m},
			{-22 * h, -21*h - 35*m}, {-18 * h, -17*h - 40*m}, {-14 * h, -13*h - 45*m},
			{-9 * h, -8*h - 30*m}, {-5 * h, -4*h - 40*m}, {-2 * h, -h - 50*m},
		},
		// The gateway's traffic drops under 5 req/s every night.
		"LowTraffic": nightly(6, 4*h, 90*m),
		// pgbouncer's pool filled up twice overnight.
		"DatabaseConnectionsHigh": {{-11 * h, -10*h - 48*m}, {-7*h - 30*m, -7*h - 12*m}},
	}
}

// nightly is n nights' episodes of length d, the latest ending off before
// the start (and every 24h before it).
func nightly(n int, off, d time.Duration) []window {
	var out []window
	for i := n; i >= 1; i-- {
		end := -time.Duration(i-1)*24*time.Hour - off
		out = append(out, window{end - d, end})
	}
	return out
}

// window is a firing episode, relative to the start: [from, to).
type window struct{ from, to time.Duration }

// span is an absolute episode: pending from active, firing from fired,
// resolved at end (zero: still firing).
type span struct{ active, fired, end time.Time }

// stateIn is the state at t within one of the alert's episodes.
func (ai *alertInstance) stateIn(t time.Time) string {
	for _, e := range ai.episodes {
		switch {
		case t.Before(e.active) || (!e.end.IsZero() && !t.Before(e.end)):
		case t.Before(e.fired):
			return statePending
		default:
			return stateFiring
		}
	}
	return stateInactive
}

// historyRE matches internal/history's query (whitespace removed, see
// NormalizeQuery): timestamp() of the firing ALERTS, or their samples
// counted over the step, marked with a label.
var historyRE = regexp.MustCompile(`^timestamp\(ALERTS\{alertstate="firing"\}\)orlabel_replace\(count_over_time\(ALERTS\{alertstate="firing"\}\[([0-9a-z]+)\]\),"([a-zA-Z_]+)","([^"]*)","",""\)$`)

// evalHistory answers the history query at ts as Prometheus would from
// the rules' evaluations (every group interval): for each alert firing at
// ts, the time of its latest evaluation, and for each alert firing at some
// evaluation of the last window, how many there were, marked label=value.
// ok is false when q is not that query.
func (p *Prometheus) evalHistory(q string, ts time.Time) (model.Vector, bool) {
	m := historyRE.FindStringSubmatch(q)
	if m == nil {
		return nil, false
	}
	win, err := model.ParseDuration(m[1])
	if err != nil {
		return model.Vector{}, true
	}
	out := model.Vector{}
	for _, ai := range p.in.instances {
		every := p.in.interval(ai.rule.group)
		last := ts.Truncate(every)
		labels := model.Metric{"alertstate": stateFiring}
		for k, v := range ai.labels {
			labels[k] = v
		}
		if ai.stateAt(last) == stateFiring {
			out = append(out, &model.Sample{Metric: labels, Value: model.SampleValue(float64(last.UnixMilli()) / 1000)})
		}
		n := 0
		for t := last; t.After(ts.Add(-time.Duration(win))); t = t.Add(-every) {
			if ai.stateAt(t) == stateFiring {
				n++
			}
		}
		if n > 0 {
			counted := labels.Clone()
			counted[model.LabelName(m[2])] = model.LabelValue(m[3])
			out = append(out, &model.Sample{Metric: counted, Value: model.SampleValue(n)})
		}
	}
	return out, true
}

// interval is a rule group's evaluation interval.
func (in *incident) interval(group string) time.Duration {
	for _, g := range in.groups {
		if g.name == group {
			return g.interval
		}
	}
	return time.Minute
}

// Alert is one alert of the incident as the simulated Prometheus knows
// it, for the simulators that answer queries about it (the demo's alert
// graphs).
type Alert struct {
	Name string
	// Labels are the alert's (the series', the rule's and alertname);
	// Series are those of the expression's result alone.
	Labels, Series map[string]string
	// Rule is the rule's expression and RuleLabels its own labels.
	Rule       string
	RuleLabels map[string]string
	// Value is what the expression returns while the alert is active.
	Value float64
}

// Alerts lists the incident's alerts.
func (p *Prometheus) Alerts() []Alert {
	var out []Alert
	for _, ai := range p.in.instances {
		a := Alert{Name: ai.rule.name, Labels: ai.labelMap(), Series: map[string]string{}, Rule: ai.rule.expr,
			RuleLabels: copyMap(ai.rule.labels), Value: ai.value}
		for k, v := range a.Labels {
			if _, own := ai.rule.labels[k]; !own && k != string(model.AlertNameLabel) {
				a.Series[k] = v
			}
		}
		out = append(out, a)
	}
	return out
}

// StateAt is the named alert's state at t: "pending", "firing" or
// "inactive", over its past episodes and the outage.
func (p *Prometheus) StateAt(alertname string, t time.Time) string {
	if ai := p.in.instance(alertname); ai != nil {
		return ai.stateAt(t)
	}
	return stateInactive
}
