package sim

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/logql/seedrules"
)

// Alert states as Prometheus names them.
const (
	statePending  = "pending"
	stateFiring   = "firing"
	stateInactive = "inactive"
)

// incident is the immutable scenario both servers serve, anchored at start.
type incident struct {
	start     time.Time
	groups    []groupSpec
	rules     []ruleSpec
	instances []*alertInstance
	// logRules and logGroups are Loki's ruler's (logalerts.go);
	// logInstances its alerts, held by Alertmanager once they fire.
	logRules     []ruleSpec
	logGroups    []seedrules.Group
	logInstances []*alertInstance
}

// alertInstance is one alert of the incident with everything derived.
type alertInstance struct {
	rule         *ruleSpec
	labels       model.LabelSet
	annotations  map[string]string
	activeAt     time.Time // became pending
	firedAt      time.Time // became firing (activeAt + for)
	value        float64
	fingerprint  string
	generatorURL string
	// episodes are its past episodes (history.go) and the outage's, oldest
	// first
	episodes []span
}

func newIncident(start time.Time, promURL, scenario string) *incident {
	in := &incident{start: start, groups: groups(), rules: rules()}
	byName := make(map[string]*ruleSpec, len(in.rules))
	for i := range in.rules {
		byName[in.rules[i].name] = &in.rules[i]
	}
	specs, past := alerts(), pastEpisodes()
	if scenario == ScenarioStaging {
		specs, past = stagingAlerts(), nil // quiet: no past episodes either
	}
	for _, spec := range specs {
		r := byName[spec.rule]
		ls := model.LabelSet{model.AlertNameLabel: model.LabelValue(r.name)}
		for k, v := range spec.series {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		for k, v := range r.labels {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		firedAt := start.Add(-spec.firing)
		ai := &alertInstance{
			rule:         r,
			labels:       ls,
			activeAt:     firedAt.Add(-r.dur),
			firedAt:      firedAt,
			value:        spec.value,
			fingerprint:  ls.Fingerprint().String(),
			generatorURL: generatorURL(promURL, r.expr),
		}
		for _, w := range past[r.name] {
			fired := start.Add(w.from)
			ai.episodes = append(ai.episodes, span{active: fired.Add(-r.dur), fired: fired, end: start.Add(w.to)})
		}
		ai.episodes = append(ai.episodes, span{active: ai.activeAt, fired: ai.firedAt})
		ai.annotations = make(map[string]string, len(r.annotations))
		for k, v := range r.annotations {
			ai.annotations[k] = expandTemplate(v, ls, spec.value)
		}
		in.instances = append(in.instances, ai)
	}
	in.logRules, in.logGroups = logRules()
	if scenario != ScenarioStaging {
		// the quiet staging's logs fire none of the log-based rules
		in.logInstances = newLogInstances(start, in.logRules)
	}
	return in
}

// generatorURL is the Prometheus graph link for expr, as Prometheus builds it.
func generatorURL(promURL, expr string) string {
	return promURL + "/graph?g0.expr=" + url.QueryEscape(expr) + "&g0.tab=1"
}

// stateAt is the Prometheus state of the alert at t: in one of its past
// episodes, or in the outage (pending from activeAt, firing from firedAt).
func (ai *alertInstance) stateAt(t time.Time) string { return ai.stateIn(t) }

// labelMap copies the alert's labels into a plain map.
func (ai *alertInstance) labelMap() map[string]string {
	m := make(map[string]string, len(ai.labels))
	for k, v := range ai.labels {
		m[string(k)] = string(v)
	}
	return m
}

// firingAt lists the alerts Prometheus would have sent to Alertmanager by t.
func (in *incident) firingAt(t time.Time) []*alertInstance {
	var out []*alertInstance
	for _, ai := range in.instances {
		if ai.stateAt(t) == stateFiring {
			out = append(out, ai)
		}
	}
	return out
}

// activeAt lists the pending and firing alerts at t.
func (in *incident) activeAt(t time.Time) []*alertInstance {
	var out []*alertInstance
	for _, ai := range in.instances {
		if ai.stateAt(t) != stateInactive {
			out = append(out, ai)
		}
	}
	return out
}

// instance finds the alert of the named rule (the incident has one per rule).
func (in *incident) instance(alertname string) *alertInstance {
	for _, ai := range in.instances {
		if ai.rule.name == alertname {
			return ai
		}
	}
	return nil
}

var templateRE = regexp.MustCompile(`\{\{\s*\$(labels\.([a-zA-Z_][a-zA-Z0-9_]*)|value)\s*(?:\|\s*([a-zA-Z]+)\s*)?\}\}`)

// expandTemplate expands the small subset of Prometheus annotation
// templating the scenario uses: $labels.x, $value and the humanize filters.
func expandTemplate(tmpl string, ls model.LabelSet, value float64) string {
	return templateRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		sub := templateRE.FindStringSubmatch(m)
		if sub[2] != "" {
			return string(ls[model.LabelName(sub[2])])
		}
		switch sub[3] {
		case "humanizePercentage":
			return strconv.FormatFloat(value*100, 'f', -1, 64) + "%"
		case "humanizeDuration":
			return humanizeDuration(value)
		default:
			return strconv.FormatFloat(value, 'f', -1, 64)
		}
	})
}

func humanizeDuration(sec float64) string {
	if math.IsNaN(sec) || math.IsInf(sec, 0) {
		return fmt.Sprint(sec)
	}
	d := time.Duration(sec * float64(time.Second)).Round(time.Second)
	return d.String()
}
