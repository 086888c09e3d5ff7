package sim

import (
	"encoding/json"
	"maps"
	"net/url"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/logql/seedrules"
)

// The incident's log-based alerts: rules of Loki's ruler
// (logql/seedrules) that the demo's logs make true. Loki's ruler sends a
// firing one to Alertmanager with a relative Grafana Explore link as its
// generator URL (the ruler has no external_url), so the simulated
// Alertmanager holds it beside Prometheus's alerts; the simulated
// Prometheus knows nothing of them. The demo's simulated Loki serves their
// rules and states (see LogAlerts).
func logAlertSpecs() []alertSpec {
	backend := map[string]string{"service_name": ServiceBackend, "env": "prod"}
	// values: what each rule's metric gives at the start over the demo's
	// logs (internal/demo/simlogs), as its graph shows
	return []alertSpec{
		{rule: "DatabaseTooManyClients", series: backend, firing: 4 * time.Minute, value: 9},
		{rule: "BackendPoolTimeouts", series: map[string]string{"service_name": ServiceBackend, "instance": "backend-2:3001", "env": "prod"}, firing: 7 * time.Minute, value: 31},
		// pending: it fires 2 minutes into the demo
		{rule: "BackendSlowQueries", series: backend, firing: -2 * time.Minute, value: 39},
	}
}

// logRules are the seed's Loki rules as the incident's rule specs, with
// their group; a description is added (the seed has none).
func logRules() ([]ruleSpec, []seedrules.Group) {
	groups := seedrules.Groups()
	var out []ruleSpec
	for _, g := range groups {
		for _, r := range g.Rules {
			ann := maps.Clone(r.Annotations)
			ann["description"] = "A log-based alert of Loki's ruler (group " + g.Name + "): its LogQL rule counts matching log lines."
			out = append(out, ruleSpec{group: g.Name, name: r.Alert, expr: r.Expr, dur: r.For, labels: maps.Clone(r.Labels), annotations: ann})
		}
	}
	return out, groups
}

// exploreURL is the relative Grafana Explore link Loki's ruler puts in a
// generator URL when it has no external_url.
func exploreURL(expr string) string {
	left, _ := json.Marshal(map[string]any{
		"queries": []map[string]any{{"expr": expr, "refId": "A", "datasource": map[string]string{"type": "loki"}}},
		"range":   map[string]string{"from": "now-1h", "to": "now"},
	})
	return "/explore?left=" + url.QueryEscape(string(left))
}

// newLogInstances builds the log-based alerts of the incident.
func newLogInstances(start time.Time, rules []ruleSpec) []*alertInstance {
	byName := make(map[string]*ruleSpec, len(rules))
	for i := range rules {
		byName[rules[i].name] = &rules[i]
	}
	var out []*alertInstance
	for _, spec := range logAlertSpecs() {
		r := byName[spec.rule]
		ls := model.LabelSet{model.AlertNameLabel: model.LabelValue(r.name)}
		for k, v := range spec.series {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		for k, v := range r.labels {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		firedAt := start.Add(-spec.firing)
		ai := &alertInstance{rule: r, labels: ls, activeAt: firedAt.Add(-r.dur), firedAt: firedAt, value: spec.value,
			fingerprint: ls.Fingerprint().String(), generatorURL: exploreURL(r.expr)}
		ai.episodes = []span{{active: ai.activeAt, fired: ai.firedAt}} // the outage's only
		ai.annotations = make(map[string]string, len(r.annotations))
		for k, v := range r.annotations {
			ai.annotations[k] = expandTemplate(v, ls, spec.value)
		}
		out = append(out, ai)
	}
	return out
}

// sentAt lists the alerts Alertmanager holds at t: Prometheus's firing
// ones and the ruler's.
func (in *incident) sentAt(t time.Time) []*alertInstance {
	out := in.firingAt(t)
	for _, ai := range in.logInstances {
		if ai.stateAt(t) == stateFiring {
			out = append(out, ai)
		}
	}
	return out
}

// LogRuleGroup is one rule group of the simulated Loki ruler.
type LogRuleGroup struct {
	Name     string
	Interval time.Duration
	Rules    []LogRule
}

// LogRule is one alerting rule of Loki's ruler with its alerts at one
// instant.
type LogRule struct {
	seedrules.Rule
	Alerts []LogAlert
}

// LogAlert is one pending or firing log-based alert.
type LogAlert struct {
	Labels, Annotations map[string]string
	// State is "pending" or "firing".
	State    string
	ActiveAt time.Time
	Value    float64
}

// LogRules is what Loki's ruler knows at t: the seed's 15 rules in their 7
// groups, with the incident's log-based alerts that are pending or firing
// at t.
func (b *Backend) LogRules(t time.Time) []LogRuleGroup {
	in := b.Prometheus.in
	var out []LogRuleGroup
	for _, g := range in.logGroups {
		lg := LogRuleGroup{Name: g.Name, Interval: g.Interval}
		for _, r := range g.Rules {
			lr := LogRule{Rule: r}
			for _, ai := range in.logInstances {
				if st := ai.stateAt(t); ai.rule.name == r.Alert && st != stateInactive {
					lr.Alerts = append(lr.Alerts, LogAlert{Labels: ai.labelMap(), Annotations: copyMap(ai.annotations), State: st, ActiveAt: ai.activeAt, Value: ai.value})
				}
			}
			lg.Rules = append(lg.Rules, lr)
		}
		out = append(out, lg)
	}
	return out
}

// Clock is the simulators' clock.
func (b *Backend) Clock() func() time.Time { return b.Prometheus.clock }
