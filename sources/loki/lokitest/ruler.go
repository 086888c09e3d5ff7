package lokitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RuleGroup is one rule group of the ruler, as a test loads it. The fake
// serves it on Loki's Prometheus-compatible /prometheus/api/v1/rules and
// /prometheus/api/v1/alerts in the JSON Loki's ruler writes.
type RuleGroup struct {
	Name string
	// File is the rule namespace (Loki reports it as "file").
	File           string
	Interval       time.Duration
	Rules          []Rule
	LastEvaluation time.Time
	EvaluationTime time.Duration
}

// Rule is an alerting rule (Alert set) or a recording rule (Record set).
type Rule struct {
	Alert, Record string
	// Expr is the LogQL expression.
	Expr        string
	For         time.Duration
	Labels      map[string]string
	Annotations map[string]string
	// Health is "ok", "err" or "unknown" (empty: "ok").
	Health         string
	LastError      string
	LastEvaluation time.Time
	EvaluationTime time.Duration
	// State is "inactive", "pending" or "firing"; empty derives it from
	// Alerts (firing wins over pending).
	State  string
	Alerts []Alert
}

// Alert is one active alert of a rule.
type Alert struct {
	Labels      map[string]string
	Annotations map[string]string
	// State is "pending" or "firing".
	State    string
	ActiveAt time.Time
	Value    float64
}

// SetRuleGroups replaces the rule groups of a tenant ("" is the server's
// own tenant: SingleTenant or the one WithTenant named).
func (s *Server) SetRuleGroups(tenant string, groups ...RuleGroup) {
	if tenant == "" {
		tenant = s.tenant
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules[tenant] = slices.Clone(groups)
}

type wireAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	ActiveAt    *time.Time        `json:"activeAt"`
	Value       string            `json:"value"`
}

type wireAlertingRule struct {
	State          string            `json:"state"`
	Name           string            `json:"name"`
	Query          string            `json:"query"`
	Duration       float64           `json:"duration"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations"`
	Alerts         []wireAlert       `json:"alerts"`
	Health         string            `json:"health"`
	LastError      string            `json:"lastError"`
	Type           string            `json:"type"`
	LastEvaluation time.Time         `json:"lastEvaluation"`
	EvaluationTime float64           `json:"evaluationTime"`
}

type wireRecordingRule struct {
	Name           string            `json:"name"`
	Query          string            `json:"query"`
	Labels         map[string]string `json:"labels"`
	Health         string            `json:"health"`
	LastError      string            `json:"lastError"`
	Type           string            `json:"type"`
	LastEvaluation time.Time         `json:"lastEvaluation"`
	EvaluationTime float64           `json:"evaluationTime"`
}

type wireRuleGroup struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	Rules          []any     `json:"rules"`
	Interval       float64   `json:"interval"`
	Limit          int64     `json:"limit"`
	LastEvaluation time.Time `json:"lastEvaluation"`
	EvaluationTime float64   `json:"evaluationTime"`
}

// nonNilMap keeps absent label sets as {} on the wire, as Loki writes them.
func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func wireAlerts(as []Alert) []wireAlert {
	out := make([]wireAlert, 0, len(as))
	for _, a := range as {
		at := a.ActiveAt
		out = append(out, wireAlert{
			Labels: nonNilMap(a.Labels), Annotations: nonNilMap(a.Annotations),
			State: a.State, ActiveAt: &at,
			// Loki renders the value with 'e' formatting.
			Value: strconv.FormatFloat(a.Value, 'e', -1, 64),
		})
	}
	return out
}

func (r Rule) state() string {
	if r.State != "" {
		return r.State
	}
	st := "inactive"
	for _, a := range r.Alerts {
		switch a.State {
		case "firing":
			return "firing"
		case "pending":
			st = "pending"
		}
	}
	return st
}

func (r Rule) health() string {
	if r.Health == "" {
		return "ok"
	}
	return r.Health
}

// handleRules serves GET /prometheus/api/v1/rules with Loki's optional
// type, file, rule_group and rule_name filters.
func (s *Server) handleRules(w http.ResponseWriter, r *http.Request, org string) {
	typ := strings.ToLower(r.Form.Get("type"))
	if typ != "" && typ != "alert" && typ != "record" {
		writeJSONStatus(w, http.StatusBadRequest, map[string]any{"status": "error", "errorType": "bad_data", "error": fmt.Sprintf("not supported value %q", typ)})
		return
	}
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	s.mu.Lock()
	groups := slices.Clone(s.rules[org])
	s.mu.Unlock()
	out := make([]wireRuleGroup, 0, len(groups))
	for _, g := range groups {
		if !in(r.Form["file"], g.File) || !in(r.Form["rule_group"], g.Name) {
			continue
		}
		wg := wireRuleGroup{Name: g.Name, File: g.File, Rules: []any{}, Interval: g.Interval.Seconds(),
			LastEvaluation: g.LastEvaluation, EvaluationTime: g.EvaluationTime.Seconds()}
		for _, rl := range g.Rules {
			name := rl.Alert
			if name == "" {
				name = rl.Record
			}
			if !in(r.Form["rule_name"], name) {
				continue
			}
			if rl.Alert != "" {
				if typ == "record" {
					continue
				}
				wg.Rules = append(wg.Rules, wireAlertingRule{
					State: rl.state(), Name: rl.Alert, Query: rl.Expr, Duration: rl.For.Seconds(),
					Labels: nonNilMap(rl.Labels), Annotations: nonNilMap(rl.Annotations), Alerts: wireAlerts(rl.Alerts),
					Health: rl.health(), LastError: rl.LastError, Type: "alerting",
					LastEvaluation: rl.LastEvaluation, EvaluationTime: rl.EvaluationTime.Seconds(),
				})
				continue
			}
			if typ == "alert" {
				continue
			}
			wg.Rules = append(wg.Rules, wireRecordingRule{
				Name: rl.Record, Query: rl.Expr, Labels: nonNilMap(rl.Labels), Health: rl.health(),
				LastError: rl.LastError, Type: "recording",
				LastEvaluation: rl.LastEvaluation, EvaluationTime: rl.EvaluationTime.Seconds(),
			})
		}
		out = append(out, wg)
	}
	// Loki keeps groups in the order of their namespace.
	sort.SliceStable(out, func(i, j int) bool { return out[i].File < out[j].File })
	writeJSON(w, map[string]any{"status": "success", "data": map[string]any{"groups": out}, "errorType": "", "error": ""})
}

// handleAlerts serves GET /prometheus/api/v1/alerts: every active alert of
// every alerting rule.
func (s *Server) handleAlerts(w http.ResponseWriter, org string) {
	s.mu.Lock()
	groups := slices.Clone(s.rules[org])
	s.mu.Unlock()
	alerts := []wireAlert{}
	for _, g := range groups {
		for _, rl := range g.Rules {
			if rl.Alert != "" {
				alerts = append(alerts, wireAlerts(rl.Alerts)...)
			}
		}
	}
	writeJSON(w, map[string]any{"status": "success", "data": map[string]any{"alerts": alerts}, "errorType": "", "error": ""})
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(v)
	_, _ = w.Write(b)
}
