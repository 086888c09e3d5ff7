package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
)

// Alertmanager is the simulated Alertmanager. It serves the incident's
// firing alerts with routing, inhibition and silences applied, and keeps
// silences created through the API in memory.
type Alertmanager struct {
	srv     *server
	in      *incident
	clock   func() time.Time
	root    *route
	inhibit []inhibitRule
	recv    []receiverSpec
	config  string

	mu       sync.Mutex
	silences map[string]*silence
}

func newAlertmanager(srv *server, in *incident, clock func() time.Time) *Alertmanager {
	a := &Alertmanager{
		srv:      srv,
		in:       in,
		clock:    clock,
		root:     routingTree(),
		inhibit:  inhibitRules(),
		recv:     receivers(),
		silences: map[string]*silence{},
	}
	a.config = configYAML(a.root, a.inhibit, a.recv)
	for _, s := range seedSilences(in.start) {
		a.silences[s.id] = s
	}
	return a
}

// URL is the base URL of the server (no /api/v2 suffix).
func (a *Alertmanager) URL() string { return a.srv.url }

// SetFault makes the API routes misbehave; None restores normal service.
func (a *Alertmanager) SetFault(f Fault) { a.srv.faults.set(f) }

// SetDelay delays every API response by d (0 disables), before any fault.
func (a *Alertmanager) SetDelay(d time.Duration) { a.srv.faults.setDelay(d) }

func (a *Alertmanager) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/alerts", a.getAlerts)
	mux.HandleFunc("GET /api/v2/alerts/groups", a.getAlertGroups)
	mux.HandleFunc("GET /api/v2/silences", a.getSilences)
	mux.HandleFunc("POST /api/v2/silences", a.postSilences)
	mux.HandleFunc("GET /api/v2/silence/{id}", a.getSilence)
	mux.HandleFunc("DELETE /api/v2/silence/{id}", a.deleteSilence)
	mux.HandleFunc("GET /api/v2/status", a.getStatus)
	mux.HandleFunc("GET /api/v2/receivers", a.getReceivers)
	return mux
}

// evaluated is an alert as Alertmanager sees it at one instant.
type evaluated struct {
	ai          *alertInstance
	routes      []*route
	silencedBy  []string
	inhibitedBy []string
}

func (e *evaluated) state() string {
	if len(e.silencedBy) > 0 || len(e.inhibitedBy) > 0 {
		return models.AlertStatusStateSuppressed
	}
	return models.AlertStatusStateActive
}

func (e *evaluated) receivers() []string {
	out := make([]string, 0, len(e.routes))
	for _, r := range e.routes {
		out = append(out, r.receiver)
	}
	return out
}

// evaluate computes every firing alert's routes and mute status at now.
func (a *Alertmanager) evaluate(now time.Time) []*evaluated {
	firing := a.in.sentAt(now)
	a.mu.Lock()
	active := make([]*silence, 0, len(a.silences))
	for _, s := range a.silences {
		if s.state(now) == models.SilenceStatusStateActive {
			active = append(active, s)
		}
	}
	a.mu.Unlock()

	out := make([]*evaluated, 0, len(firing))
	for _, ai := range firing {
		e := &evaluated{ai: ai, routes: a.root.match(ai.labels), silencedBy: []string{}, inhibitedBy: []string{}}
		for _, s := range active {
			if s.compiled.Matches(ai.labels) {
				e.silencedBy = append(e.silencedBy, s.id)
			}
		}
		sort.Strings(e.silencedBy)
		if by := inhibitedBy(a.inhibit, ai, firing); by != nil {
			e.inhibitedBy = by
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ai.fingerprint < out[j].ai.fingerprint })
	return out
}

// apiAlert renders e the way Alertmanager does. Prometheus re-sends firing
// alerts every evaluation, so updatedAt trails now and endsAt is 4m ahead.
func (a *Alertmanager) apiAlert(e *evaluated, now time.Time) *models.GettableAlert {
	updated := now.Truncate(30 * time.Second)
	if updated.Before(e.ai.firedAt) {
		updated = e.ai.firedAt
	}
	startsAt := strfmt.DateTime(e.ai.firedAt.UTC())
	endsAt := strfmt.DateTime(updated.Add(4 * time.Minute).UTC())
	updatedAt := strfmt.DateTime(updated.UTC())
	fp := e.ai.fingerprint
	state := e.state()
	recv := make([]*models.ReceiverReference, 0, len(e.routes))
	for _, name := range e.receivers() {
		recv = append(recv, &models.ReceiverReference{Name: &name})
	}
	return &models.GettableAlert{
		Annotations: models.LabelSet(copyMap(e.ai.annotations)),
		EndsAt:      &endsAt,
		Fingerprint: &fp,
		Receivers:   recv,
		StartsAt:    &startsAt,
		Status: &models.AlertStatus{
			State:       &state,
			SilencedBy:  append([]string{}, e.silencedBy...),
			InhibitedBy: append([]string{}, e.inhibitedBy...),
			MutedBy:     []string{},
		},
		UpdatedAt: &updatedAt,
		Alert: models.Alert{
			GeneratorURL: strfmt.URI(e.ai.generatorURL),
			Labels:       models.LabelSet(e.ai.labelMap()),
		},
	}
}

// alertQuery is the parsed query of /alerts and /alerts/groups.
type alertQuery struct {
	active, silenced, inhibited, unprocessed bool
	matchers                                 []*labels.Matcher
	receiver                                 *regexp.Regexp
}

func parseAlertQuery(q url.Values) (*alertQuery, string) {
	aq := &alertQuery{
		active:      boolParam(q, "active", true),
		silenced:    boolParam(q, "silenced", true),
		inhibited:   boolParam(q, "inhibited", true),
		unprocessed: boolParam(q, "unprocessed", true),
	}
	ms, err := parseFilter(q)
	if err != nil {
		return nil, err.Error()
	}
	aq.matchers = ms
	if q.Has("receiver") {
		re, err := regexp.Compile("^(?:" + q.Get("receiver") + ")$")
		if err != nil {
			return nil, "failed to parse receiver param: " + err.Error()
		}
		aq.receiver = re
	}
	return aq, ""
}

// keep applies the status and label filters (not the receiver filter).
func (aq *alertQuery) keep(e *evaluated) bool {
	if !matchFilterLabels(aq.matchers, e.ai.labelMap()) {
		return false
	}
	if !aq.unprocessed && e.state() == models.AlertStatusStateUnprocessed {
		return false
	}
	if !aq.active && e.state() == models.AlertStatusStateActive {
		return false
	}
	if !aq.silenced && len(e.silencedBy) > 0 {
		return false
	}
	if !aq.inhibited && len(e.inhibitedBy) > 0 {
		return false
	}
	return true
}

func (a *Alertmanager) getAlerts(w http.ResponseWriter, r *http.Request) {
	aq, msg := parseAlertQuery(r.URL.Query())
	if aq == nil {
		writeJSON(w, http.StatusBadRequest, msg)
		return
	}
	now := a.clock()
	res := models.GettableAlerts{}
	for _, e := range a.evaluate(now) {
		if !aq.keep(e) {
			continue
		}
		if aq.receiver != nil && !anyMatch(aq.receiver, e.receivers()) {
			continue
		}
		res = append(res, a.apiAlert(e, now))
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *Alertmanager) getAlertGroups(w http.ResponseWriter, r *http.Request) {
	aq, msg := parseAlertQuery(r.URL.Query())
	if aq == nil {
		writeJSON(w, http.StatusBadRequest, msg)
		return
	}
	now := a.clock()
	type key struct{ receiver, labels string }
	byKey := map[key]*models.AlertGroup{}
	var keys []key
	for _, e := range a.evaluate(now) {
		if !aq.keep(e) {
			continue
		}
		for _, rt := range e.routes {
			if aq.receiver != nil && !aq.receiver.MatchString(rt.receiver) {
				continue
			}
			gl := model.LabelSet{}
			for _, l := range rt.groupBy {
				if v, ok := e.ai.labels[model.LabelName(l)]; ok {
					gl[model.LabelName(l)] = v
				}
			}
			k := key{rt.receiver, gl.String()}
			g, ok := byKey[k]
			if !ok {
				name := rt.receiver
				lm := models.LabelSet{}
				for n, v := range gl {
					lm[string(n)] = string(v)
				}
				g = &models.AlertGroup{Receiver: &models.ReceiverReference{Name: &name}, Labels: lm, RouteLabels: models.LabelSet{}, Alerts: []*models.GettableAlert{}}
				byKey[k] = g
				keys = append(keys, k)
			}
			g.Alerts = append(g.Alerts, a.apiAlert(e, now))
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].receiver != keys[j].receiver {
			return keys[i].receiver < keys[j].receiver
		}
		return keys[i].labels < keys[j].labels
	})
	res := models.AlertGroups{}
	for _, k := range keys {
		res = append(res, byKey[k])
	}
	writeJSON(w, http.StatusOK, res)
}

// Identity reported in /api/v2/status.
const (
	amVersion  = "0.25.0"
	amPeerName = "01HQ0NCA11S1MA1ERTMANAGER0"
)

func (a *Alertmanager) getStatus(w http.ResponseWriter, _ *http.Request) {
	str := func(s string) *string { return &s }
	status := models.ClusterStatusStatusReady
	uptime := strfmt.DateTime(a.in.start.UTC())
	addr := strings.TrimPrefix(strings.TrimPrefix(a.srv.url, "https://"), "http://")
	host := addr
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		host = addr[:i]
	}
	writeJSON(w, http.StatusOK, &models.AlertmanagerStatus{
		Cluster: &models.ClusterStatus{
			Name:   amPeerName,
			Status: &status,
			Peers:  []*models.PeerStatus{{Name: str(amPeerName), Address: str(host + ":9094")}},
		},
		Config: &models.AlertmanagerConfig{Original: str(a.config)},
		Uptime: &uptime,
		VersionInfo: &models.VersionInfo{
			Version: str(amVersion), Revision: str("oncall-sim"), Branch: str("HEAD"),
			BuildUser: str("oncall@sim"), BuildDate: str("20230317-00:00:00"), GoVersion: str("go1.26"),
		},
	})
}

func (a *Alertmanager) getReceivers(w http.ResponseWriter, _ *http.Request) {
	res := make([]*models.Receiver, 0, len(a.recv))
	for _, rc := range a.recv {
		name := rc.name
		res = append(res, &models.Receiver{Name: &name})
	}
	writeJSON(w, http.StatusOK, res)
}

// parseFilter parses the filter (or filter[]) query parameters.
func parseFilter(q url.Values) ([]*labels.Matcher, error) {
	raw := append(append([]string{}, q["filter"]...), q["filter[]"]...)
	ms := make([]*labels.Matcher, 0, len(raw))
	for _, s := range raw {
		m, err := labels.ParseMatcher(s)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// matchFilterLabels is Alertmanager's API filter: a matcher for the empty
// value also accepts a missing label.
func matchFilterLabels(matchers []*labels.Matcher, sms map[string]string) bool {
	for _, m := range matchers {
		v, prs := sms[m.Name]
		switch m.Type {
		case labels.MatchNotRegexp, labels.MatchNotEqual:
			if m.Value == "" && prs {
				continue
			}
		default:
			if m.Value == "" && !prs {
				continue
			}
		}
		if !m.Matches(v) {
			return false
		}
	}
	return true
}

// boolParam reads a boolean query parameter the way go-openapi does:
// "true", "1", "yes", "y", "on", "t", "ok", "enabled", "selected",
// "checked" are true, anything else false.
func boolParam(q url.Values, name string, def bool) bool {
	if !q.Has(name) {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(q.Get(name))) {
	case "true", "1", "yes", "y", "on", "t", "ok", "enabled", "selected", "checked":
		return true
	}
	return false
}

func anyMatch(re *regexp.Regexp, names []string) bool {
	for _, n := range names {
		if re.MatchString(n) {
			return true
		}
	}
	return false
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// writeJSON writes v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
