// Package alerts is oncall's view of alerts: Alertmanager's alerts merged
// with Prometheus's pending state and rules, with acks recognised from
// silences. It is pure: no I/O.
package alerts

import (
	"strings"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// State is the operator-facing state of an alert.
type State string

// States, in the order an operator cares about them.
const (
	StateFiring      State = "firing"
	StatePending     State = "pending"
	StateAcked       State = "acked"
	StateSilenced    State = "silenced"
	StateInhibited   State = "inhibited"
	StateUnprocessed State = "unprocessed"
	StateResolved    State = "resolved"
)

// Ack is an acknowledgement: an ACK! silence covering the alert.
type Ack struct {
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	SilenceID string    `json:"silenceID"`
	Note      string    `json:"note,omitempty"`
	EndsAt    time.Time `json:"endsAt"`
}

// Where an alert's rule lives.
const (
	SourcePrometheus = "prometheus"
	SourceLoki       = "loki"
)

// Rule is what the rule source (Prometheus, or Loki's ruler) knows of the
// alert's rule.
type Rule struct {
	Expr   string        `json:"expr"`
	For    time.Duration `json:"-"`
	Group  string        `json:"group,omitempty"`
	Source string        `json:"source"` // SourcePrometheus or SourceLoki
	// Labels and Annotations are the rule's own (templates unexpanded).
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Health      string            `json:"health,omitempty"`
	LastError   string            `json:"lastError,omitempty"`
	LastEval    time.Time         `json:"lastEvaluation,omitzero"`
}

// Alert is one alert as oncall shows it.
type Alert struct {
	Fingerprint  string            `json:"fingerprint"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	State        State             `json:"state"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	ActiveAt     *time.Time        `json:"activeAt,omitempty"`
	Receivers    []string          `json:"receivers"`
	SilencedBy   []string          `json:"silencedBy"`
	InhibitedBy  []string          `json:"inhibitedBy"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	Ack          *Ack              `json:"ack"`
	Rule         *Rule             `json:"rule,omitempty"`
	// Cluster is the oncall context the alert was read from ("" when only
	// one is watched and nobody set it).
	Cluster string `json:"cluster,omitempty"`

	search string // lower-cased search key, set by Prepare
	// set by Prepare: the alert's name and lower-cased severity (hot in
	// sorting and drawing 100,000 alerts)
	prepared  bool
	name, sev string
}

// Field is a label's value, or for "@cluster", "@state", "@source" and
// "@receiver" oncall's own field (receivers joined by commas).
func (a *Alert) Field(name string) string {
	f, ok := strings.CutPrefix(name, "@")
	if !ok {
		return a.Labels[name]
	}
	switch f {
	case "cluster":
		return a.Cluster
	case "state":
		return string(a.State)
	case "source":
		if a.Rule != nil {
			return a.Rule.Source
		}
	case "receiver":
		return strings.Join(a.Receivers, ",")
	}
	return ""
}

// Key identifies the alert among every watched cluster: the same labels in
// two clusters are two alerts.
func (a *Alert) Key() string {
	if a.Cluster == "" {
		return a.Fingerprint
	}
	return a.Cluster + "/" + a.Fingerprint
}

// Name is the alertname label.
func (a *Alert) Name() string {
	if a.prepared {
		return a.name
	}
	return a.Labels["alertname"]
}

// Severity is the severity label, lower-cased.
func (a *Alert) Severity() string {
	if a.prepared {
		return a.sev
	}
	return strings.ToLower(a.Labels["severity"])
}

// Summary is the summary annotation, falling back to description/message.
func (a *Alert) Summary() string {
	for _, k := range []string{"summary", "description", "message"} {
		if v := a.Annotations[k]; v != "" {
			return v
		}
	}
	return ""
}

// Since is when the alert became active: Prometheus's activeAt if known.
func (a *Alert) Since() time.Time {
	if a.ActiveAt != nil && !a.ActiveAt.IsZero() {
		return *a.ActiveAt
	}
	return a.StartsAt
}

// LabelSet returns the labels as a model.LabelSet for matcher evaluation.
func (a *Alert) LabelSet() model.LabelSet {
	ls := make(model.LabelSet, len(a.Labels))
	for k, v := range a.Labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

// MatchedBy reports whether every matcher selects the alert's labels, as
// labels.Matchers.Matches does, without building a label set: it runs for
// every alert × silence on each refresh and for every alert on each filter
// keystroke.
func (a *Alert) MatchedBy(ms labels.Matchers) bool {
	for _, m := range ms {
		if !m.Matches(a.Labels[m.Name]) {
			return false
		}
	}
	return true
}

// Fingerprint computes Alertmanager's fingerprint of a label set.
func Fingerprint(labels map[string]string) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

// FromAlertmanager converts the API's alerts.
func FromAlertmanager(in models.GettableAlerts) []*Alert {
	out := make([]*Alert, 0, len(in))
	for _, g := range in {
		if g == nil {
			continue
		}
		a := &Alert{
			Labels:       map[string]string(g.Labels),
			Annotations:  map[string]string(g.Annotations),
			GeneratorURL: string(g.GeneratorURL),
			State:        StateFiring,
		}
		if a.Labels == nil {
			a.Labels = map[string]string{}
		}
		if a.Annotations == nil {
			a.Annotations = map[string]string{}
		}
		if g.Fingerprint != nil {
			a.Fingerprint = *g.Fingerprint
		} else {
			a.Fingerprint = Fingerprint(a.Labels)
		}
		if g.StartsAt != nil {
			a.StartsAt = time.Time(*g.StartsAt)
		}
		if g.EndsAt != nil {
			a.EndsAt = time.Time(*g.EndsAt)
		}
		for _, r := range g.Receivers {
			if r != nil && r.Name != nil {
				a.Receivers = append(a.Receivers, *r.Name)
			}
		}
		if st := g.Status; st != nil {
			a.SilencedBy = st.SilencedBy
			a.InhibitedBy = st.InhibitedBy
			switch {
			case st.State != nil && *st.State == models.AlertStatusStateUnprocessed:
				a.State = StateUnprocessed
			case len(st.SilencedBy) > 0:
				a.State = StateSilenced
			case len(st.InhibitedBy) > 0:
				a.State = StateInhibited
			}
		}
		if a.Receivers == nil {
			a.Receivers = []string{}
		}
		if a.SilencedBy == nil {
			a.SilencedBy = []string{}
		}
		if a.InhibitedBy == nil {
			a.InhibitedBy = []string{}
		}
		out = append(out, a)
	}
	return out
}

// MergePrometheus adds what Prometheus knows: activeAt for alerts both know,
// pending alerts (which never reach Alertmanager), and rule expressions.
// Alerts are matched by their label set; Alertmanager may hold extra
// external labels, so a Prometheus alert whose labels are a subset of exactly
// one Alertmanager alert's labels is matched too.
func MergePrometheus(am []*Alert, prom []v1.Alert, rules map[string][]v1.AlertingRule) []*Alert {
	return MergeRuleSource(am, prom, rules, SourcePrometheus)
}

// MergeRuleSource merges one rule source's alerts and rules (Prometheus, or
// Loki's ruler through its Prometheus-compatible API) as MergePrometheus
// does, marking the rules with source. An alert keeps the rule it already
// has unless this source is the one its generator URL points at.
func MergeRuleSource(am []*Alert, prom []v1.Alert, rules map[string][]v1.AlertingRule, source string) []*Alert {
	byFP := make(map[string]*Alert, len(am))
	byName := map[string][]*Alert{}
	for _, a := range am {
		byFP[a.Fingerprint] = a
		byName[a.Name()] = append(byName[a.Name()], a)
	}
	for _, p := range prom {
		labels := make(map[string]string, len(p.Labels))
		for k, v := range p.Labels {
			labels[string(k)] = string(v)
		}
		fp := Fingerprint(labels)
		match := byFP[fp]
		if match == nil {
			match = subsetMatch(byName[labels["alertname"]], labels)
		}
		active := p.ActiveAt
		if match != nil {
			if !active.IsZero() && match.ActiveAt == nil {
				match.ActiveAt = &active
			}
			continue
		}
		if p.State != v1.AlertStatePending {
			continue // firing at the source but not (yet) in Alertmanager: shown once it arrives
		}
		ann := make(map[string]string, len(p.Annotations))
		for k, v := range p.Annotations {
			ann[string(k)] = string(v)
		}
		a := &Alert{Fingerprint: fp, Labels: labels, Annotations: ann, State: StatePending, StartsAt: active,
			Receivers: []string{}, SilencedBy: []string{}, InhibitedBy: []string{}}
		if !active.IsZero() {
			a.ActiveAt = &active
		}
		a.Rule = &Rule{Source: source} // known to come from this source; filled below
		am = append(am, a)
		byFP[fp] = a
		byName[a.Name()] = append(byName[a.Name()], a)
	}
	for _, a := range am {
		rs := rules[a.Name()]
		if len(rs) == 0 || (a.Rule != nil && a.Rule.Expr != "" && GeneratedBy(a.GeneratorURL) != source) {
			continue
		}
		a.Rule = ruleOf(pickRule(rs, a.Labels), source)
	}
	return am
}

// GeneratedBy guesses which rule source a generator URL points at:
// Prometheus's expression browser (/graph?g0.expr=…) or Grafana Explore,
// where Loki's ruler points (/explore?…); "" when it cannot tell.
func GeneratedBy(url string) string {
	switch {
	case strings.Contains(url, "/graph?") || strings.HasSuffix(url, "/graph"):
		return SourcePrometheus
	case strings.Contains(url, "/explore"):
		return SourceLoki
	}
	return ""
}

// pickRule is the rule whose own labels the alert carries (several rules
// may share a name, e.g. one per severity), else the first.
func pickRule(rs []v1.AlertingRule, labels map[string]string) v1.AlertingRule {
	for _, r := range rs {
		ok := len(r.Labels) > 0
		for k, v := range r.Labels {
			if labels[string(k)] != string(v) {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return rs[0]
}

func ruleOf(r v1.AlertingRule, source string) *Rule {
	out := &Rule{Expr: r.Query, For: time.Duration(r.Duration * float64(time.Second)), Source: source,
		Health: string(r.Health), LastError: r.LastError, LastEval: r.LastEvaluation}
	if len(r.Labels) > 0 {
		out.Labels = make(map[string]string, len(r.Labels))
		for k, v := range r.Labels {
			out.Labels[string(k)] = string(v)
		}
	}
	if len(r.Annotations) > 0 {
		out.Annotations = make(map[string]string, len(r.Annotations))
		for k, v := range r.Annotations {
			out.Annotations[string(k)] = string(v)
		}
	}
	return out
}

func subsetMatch(cands []*Alert, labels map[string]string) *Alert {
	var found *Alert
	for _, c := range cands {
		ok := true
		for k, v := range labels {
			if c.Labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			if found != nil {
				return nil // ambiguous
			}
			found = c
		}
	}
	return found
}

// Counts tallies alerts by severity, for the header.
func Counts(as []*Alert) map[string]int {
	out := map[string]int{}
	for _, a := range as {
		s := a.Severity()
		if s == "" {
			s = "none"
		}
		out[s]++
	}
	return out
}

// SeverityRank orders severities: critical first.
func SeverityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical", "page", "emergency":
		return 0
	case "error", "high":
		return 1
	case "warning", "warn", "medium":
		return 2
	case "info", "low":
		return 3
	}
	return 4
}

// StateRank orders states: what needs attention first.
func StateRank(s State) int {
	switch s {
	case StateFiring:
		return 0
	case StatePending:
		return 1
	case StateUnprocessed:
		return 2
	case StateAcked:
		return 3
	case StateSilenced:
		return 4
	case StateInhibited:
		return 5
	}
	return 6
}

// SortKey names an ordering of the alert list.
type SortKey string

// Sort keys.
const (
	SortSeverity SortKey = "severity"
	SortAge      SortKey = "age"
	SortName     SortKey = "name"
	SortState    SortKey = "state"
	// SortEpisodes puts the alerts that fired most often (their firing
	// episodes, see SortBy) first.
	SortEpisodes SortKey = "episodes"
)

// SortKeys lists the orders the UI cycles through.
func SortKeys() []SortKey {
	return []SortKey{SortSeverity, SortAge, SortName, SortState, SortEpisodes}
}

// Inputs is everything one cluster's sources returned; any may be nil
// (that source failed or is not configured).
type Inputs struct {
	Cluster     string
	AM          models.GettableAlerts
	Silences    models.GettableSilences
	Prom        []v1.Alert
	Rules       map[string][]v1.AlertingRule
	RulerAlerts []v1.Alert                   // Loki's ruler
	RulerRules  map[string][]v1.AlertingRule // Loki's ruler
}

// Build merges everything the sources returned into the alert list and the
// silence list, with acks applied. Any input may be nil (its source failed).
func Build(am models.GettableAlerts, sils models.GettableSilences, prom []v1.Alert, rules map[string][]v1.AlertingRule) ([]*Alert, []*Silence) {
	return BuildAll(Inputs{AM: am, Silences: sils, Prom: prom, Rules: rules})
}

// BuildAll is Build for one cluster with every rule source: Prometheus's
// alerts and rules, then the Loki ruler's. Each alert is marked with the
// cluster.
func BuildAll(in Inputs) ([]*Alert, []*Silence) {
	as := FromAlertmanager(in.AM)
	as = MergeRuleSource(as, in.Prom, in.Rules, SourcePrometheus)
	if in.RulerAlerts != nil || in.RulerRules != nil {
		as = MergeRuleSource(as, in.RulerAlerts, in.RulerRules, SourceLoki)
	}
	for _, a := range as {
		a.Cluster = in.Cluster
	}
	ss := FromModelSilences(in.Silences, as)
	for _, s := range ss {
		s.Cluster = in.Cluster
	}
	ApplyAcks(as, ss)
	return as, ss
}
