package sim

import (
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// Prometheus is the simulated Prometheus: the incident's alerting and
// recording rules, their alerts, and a tiny query evaluator.
type Prometheus struct {
	srv   *server
	in    *incident
	clock func() time.Time

	mu       sync.Mutex
	handlers []queryHandler
}

// queryHandler answers the queries match accepts.
type queryHandler struct {
	match func(query string) bool
	eval  func(q string, ts time.Time) model.Value
}

func newPrometheus(srv *server, in *incident, clock func() time.Time) *Prometheus {
	return &Prometheus{srv: srv, in: in, clock: clock}
}

// URL is the base URL of the server (no /api/v1 suffix).
func (p *Prometheus) URL() string { return p.srv.url }

// SetFault makes the API routes misbehave; None restores normal service.
func (p *Prometheus) SetFault(f Fault) { p.srv.faults.set(f) }

// SetDelay delays every API response by d (0 disables), before any fault.
func (p *Prometheus) SetDelay(d time.Duration) { p.srv.faults.setDelay(d) }

// IncidentStart is the instant the incident's relative times count from
// (the clock's value when Start ran).
func (p *Prometheus) IncidentStart() time.Time { return p.in.start }

// Handle registers an evaluator for the queries match accepts. Handlers
// are tried in registration order, before the built-ins (up, vector(n),
// ALERTS, selectors over the built-in series). eval is called once per
// evaluation instant: for range queries once per step, and the vectors it
// returns are assembled into a matrix. The sample timestamps of returned
// vectors and scalars are set to the evaluation instant. Use Exact to
// match a query string up to whitespace.
func (p *Prometheus) Handle(match func(query string) bool, eval func(q string, ts time.Time) model.Value) {
	p.mu.Lock()
	p.handlers = append(p.handlers, queryHandler{match: match, eval: eval})
	p.mu.Unlock()
}

func (p *Prometheus) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/alerts", p.getAlerts)
	mux.HandleFunc("GET /api/v1/rules", p.getRules)
	mux.HandleFunc("GET /api/v1/query", p.query)
	mux.HandleFunc("POST /api/v1/query", p.query)
	mux.HandleFunc("GET /api/v1/query_range", p.queryRange)
	mux.HandleFunc("POST /api/v1/query_range", p.queryRange)
	mux.HandleFunc("GET /api/v1/status/buildinfo", p.buildinfo)
	return mux
}

// promResponse is Prometheus' response envelope.
type promResponse struct {
	Status    string `json:"status"`
	Data      any    `json:"data,omitempty"`
	ErrorType string `json:"errorType,omitempty"`
	Error     string `json:"error,omitempty"`
}

func promOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, promResponse{Status: "success", Data: data})
}

func promBadData(w http.ResponseWriter, format string, args ...any) {
	writeJSON(w, http.StatusBadRequest, promResponse{Status: "error", ErrorType: "bad_data", Error: fmt.Sprintf(format, args...)})
}

// promAlert is an alert in /api/v1/alerts and /api/v1/rules.
type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	ActiveAt    time.Time         `json:"activeAt"`
	Value       string            `json:"value"`
}

func toPromAlert(ai *alertInstance, state string) *promAlert {
	return &promAlert{
		Labels:      ai.labelMap(),
		Annotations: copyMap(ai.annotations),
		State:       state,
		ActiveAt:    ai.activeAt.UTC(),
		Value:       strconv.FormatFloat(ai.value, 'e', -1, 64),
	}
}

func (p *Prometheus) getAlerts(w http.ResponseWriter, _ *http.Request) {
	now := p.clock()
	out := []*promAlert{}
	for _, ai := range p.in.activeAt(now) {
		out = append(out, toPromAlert(ai, ai.stateAt(now)))
	}
	promOK(w, map[string]any{"alerts": out})
}

type promRuleGroup struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	Rules          []any     `json:"rules"`
	Interval       float64   `json:"interval"`
	Limit          int       `json:"limit"`
	EvaluationTime float64   `json:"evaluationTime"`
	LastEvaluation time.Time `json:"lastEvaluation"`
}

type promAlertingRule struct {
	State          string            `json:"state"`
	Name           string            `json:"name"`
	Query          string            `json:"query"`
	Duration       float64           `json:"duration"`
	KeepFiringFor  float64           `json:"keepFiringFor"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations"`
	Alerts         []*promAlert      `json:"alerts"`
	Health         string            `json:"health"`
	EvaluationTime float64           `json:"evaluationTime"`
	LastEvaluation time.Time         `json:"lastEvaluation"`
	Type           string            `json:"type"`
}

type promRecordingRule struct {
	Name           string            `json:"name"`
	Query          string            `json:"query"`
	Labels         map[string]string `json:"labels,omitempty"`
	Health         string            `json:"health"`
	EvaluationTime float64           `json:"evaluationTime"`
	LastEvaluation time.Time         `json:"lastEvaluation"`
	Type           string            `json:"type"`
}

func (p *Prometheus) getRules(w http.ResponseWriter, r *http.Request) {
	typ := r.URL.Query().Get("type")
	if typ != "" && typ != "alert" && typ != "record" {
		promBadData(w, "invalid query parameter type='%s' (should be 'alert' or 'record')", typ)
		return
	}
	now := p.clock()
	groups := []*promRuleGroup{}
	for _, g := range p.in.groups {
		last := now.Truncate(g.interval).UTC()
		pg := &promRuleGroup{Name: g.name, File: g.file, Rules: []any{}, Interval: g.interval.Seconds(),
			EvaluationTime: 0.00173, LastEvaluation: last}
		for i := range p.in.rules {
			rs := &p.in.rules[i]
			if rs.group != g.name {
				continue
			}
			if rs.record {
				if typ != "alert" {
					pg.Rules = append(pg.Rules, &promRecordingRule{Name: rs.name, Query: rs.expr, Health: "ok",
						EvaluationTime: 0.00041, LastEvaluation: last, Type: "recording"})
				}
				continue
			}
			if typ == "record" {
				continue
			}
			pg.Rules = append(pg.Rules, p.alertingRule(rs, now, last))
		}
		if typ == "" || len(pg.Rules) > 0 {
			groups = append(groups, pg)
		}
	}
	promOK(w, map[string]any{"groups": groups})
}

func (p *Prometheus) alertingRule(rs *ruleSpec, now, last time.Time) *promAlertingRule {
	rule := &promAlertingRule{
		State: stateInactive, Name: rs.name, Query: rs.expr, Duration: rs.dur.Seconds(),
		Labels: copyMap(rs.labels), Annotations: copyMap(rs.annotations), Alerts: []*promAlert{},
		Health: "ok", EvaluationTime: 0.00052, LastEvaluation: last, Type: "alerting",
	}
	for _, ai := range p.in.instances {
		if ai.rule != rs {
			continue
		}
		st := ai.stateAt(now)
		if st == stateInactive {
			continue
		}
		rule.Alerts = append(rule.Alerts, toPromAlert(ai, st))
		if st == stateFiring || rule.State == stateInactive {
			rule.State = st
		}
	}
	return rule
}

func (p *Prometheus) buildinfo(w http.ResponseWriter, _ *http.Request) {
	promOK(w, map[string]string{
		"version": "2.42.0", "revision": "oncall-sim", "branch": "HEAD",
		"buildUser": "oncall@sim", "buildDate": "20230201-00:00:00", "goVersion": runtime.Version(),
	})
}
