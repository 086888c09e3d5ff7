package sim

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

func TestPrometheusAlerts(t *testing.T) {
	b, _ := startSim(t)
	res, err := promClient(t, b).Alerts(ctxTimeout(t, 5*time.Second))
	if err != nil {
		t.Fatalf("Alerts: %v", err)
	}
	states := map[string]v1.AlertState{}
	active := map[string]time.Time{}
	for _, a := range res.Alerts {
		name := string(a.Labels[model.AlertNameLabel])
		states[name] = a.State
		active[name] = a.ActiveAt
		if a.Annotations["runbook_url"] == "" || a.Annotations["summary"] == "" {
			t.Errorf("%s lacks annotations: %v", name, a.Annotations)
		}
	}
	if len(res.Alerts) != 8 {
		t.Errorf("%d alerts, want 8 (7 firing + RedisDown pending)", len(res.Alerts))
	}
	if states["RedisDown"] != v1.AlertStatePending || !active["RedisDown"].Equal(epoch().Add(-30*time.Second)) {
		t.Errorf("RedisDown = %s since %v, want pending since 30s ago", states["RedisDown"], active["RedisDown"])
	}
	// APIDown fired 12m ago after its for: 1m, so it became pending 13m ago.
	if states["APIDown"] != v1.AlertStateFiring || !active["APIDown"].Equal(epoch().Add(-13*time.Minute)) {
		t.Errorf("APIDown = %s since %v", states["APIDown"], active["APIDown"])
	}
	if states["LowTraffic"] != v1.AlertStateFiring {
		t.Errorf("LowTraffic is %s in Prometheus; silences only exist in Alertmanager", states["LowTraffic"])
	}

	// The same alert has the same labels (hence fingerprint) on both sides.
	am := byName(listAlerts(t, b, nil))
	for _, a := range res.Alerts {
		name := string(a.Labels[model.AlertNameLabel])
		if x, ok := am[name]; ok && *x.Fingerprint != a.Labels.Fingerprint().String() {
			t.Errorf("%s fingerprint differs between Prometheus and Alertmanager", name)
		}
	}
}

func TestPrometheusRules(t *testing.T) {
	b, clk := startSim(t)
	api := promClient(t, b)
	res, err := api.Rules(ctxTimeout(t, 5*time.Second), nil)
	if err != nil {
		t.Fatalf("Rules: %v", err)
	}
	alerting := map[string]v1.AlertingRule{}
	recording := 0
	for _, g := range res.Groups {
		if g.File == "" || g.Interval <= 0 {
			t.Errorf("group %s: file %q interval %v", g.Name, g.File, g.Interval)
		}
		for _, r := range g.Rules {
			switch r := r.(type) {
			case v1.AlertingRule:
				if _, dup := alerting[r.Name]; dup {
					t.Errorf("duplicate rule %s", r.Name)
				}
				alerting[r.Name] = r
			case v1.RecordingRule:
				recording++
				if r.Query == "" || r.Health != v1.RuleHealthGood {
					t.Errorf("recording rule %+v", r)
				}
			}
		}
	}
	if len(alerting) != 27 || recording < 2 {
		t.Errorf("%d alerting and %d recording rules, want 27 and a few", len(alerting), recording)
	}
	var firing, pending []string
	for name, r := range alerting {
		if r.Annotations["runbook_url"] == "" || r.Labels["severity"] == "" || r.Query == "" {
			t.Errorf("rule %s lacks severity/runbook/query", name)
		}
		switch r.State {
		case "firing":
			firing = append(firing, name)
		case "pending":
			pending = append(pending, name)
		case "inactive":
			if len(r.Alerts) != 0 {
				t.Errorf("inactive rule %s has alerts", name)
			}
		default:
			t.Errorf("rule %s state %q", name, r.State)
		}
	}
	sort.Strings(firing)
	if want := []string{"APIDown", "DatabaseConnectionsHigh", "ErrorBudgetBurnFast", "HighErrorRate", "HighLatencyP95", "HighMemoryUsage", "LowTraffic"}; !reflect.DeepEqual(firing, want) {
		t.Errorf("firing rules %v, want %v", firing, want)
	}
	if !reflect.DeepEqual(pending, []string{"RedisDown"}) {
		t.Errorf("pending rules %v", pending)
	}
	for _, name := range []string{"DiskSpaceLow", "HighCPUUsage", "CertificateExpiringSoon", "DatabaseDown", "HighLogErrorRate"} {
		if r, ok := alerting[name]; !ok || r.State != "inactive" {
			t.Errorf("rule %s missing or not inactive", name)
		}
	}
	if d := alerting["RedisDown"].Duration; d != 60 {
		t.Errorf("RedisDown for = %vs, want 60", d)
	}

	// Each Alertmanager generatorURL carries its rule's expression.
	for name, a := range byName(listAlerts(t, b, nil)) {
		u, _ := url.Parse(string(a.GeneratorURL))
		if got := u.Query().Get("g0.expr"); got != alerting[name].Query {
			t.Errorf("%s generatorURL expr %q, rule query %q", name, got, alerting[name].Query)
		}
	}

	// A minute later RedisDown has fired.
	clk.Advance(time.Minute)
	res, err = api.Rules(ctxTimeout(t, 5*time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			if r, ok := r.(v1.AlertingRule); ok && r.Name == "RedisDown" && r.State != "firing" {
				t.Errorf("RedisDown after 1m is %s", r.State)
			}
		}
	}

	code, body, _ := httpGet(t, b.Prometheus.URL()+"/api/v1/rules?type=record")
	if code != 200 || strings.Contains(body, `"alerting"`) || !strings.Contains(body, `"recording"`) {
		t.Errorf("type=record → %d %.200s", code, body)
	}
}

func vectorOf(t *testing.T, v model.Value) model.Vector {
	t.Helper()
	vec, ok := v.(model.Vector)
	if !ok {
		t.Fatalf("result is %s, want vector", v.Type())
	}
	return vec
}

func TestPrometheusQuery(t *testing.T) {
	b, _ := startSim(t)
	api := promClient(t, b)
	q := func(query string, ts time.Time) model.Vector {
		t.Helper()
		v, _, _, err := api.Query(ctxTimeout(t, 5*time.Second), query, ts)
		if err != nil {
			t.Fatalf("Query(%q): %v", query, err)
		}
		return vectorOf(t, v)
	}

	up := q("up", time.Time{})
	down := 0
	for _, s := range up {
		if s.Value == 0 {
			down++
			if s.Metric["instance"] != "backend-1:3001" {
				t.Errorf("unexpected down target %v", s.Metric)
			}
		}
		if !s.Timestamp.Time().Equal(epoch()) {
			t.Errorf("sample time %v, want the clock's now", s.Timestamp.Time())
		}
	}
	if len(up) < 5 || down != 1 {
		t.Errorf("up: %d series, %d down; want backend-1 down only", len(up), down)
	}
	if got := q(`up{job="conectcrm-backend"}`, time.Time{}); len(got) != 2 {
		t.Errorf(`up{job="conectcrm-backend"} → %d series, want 2`, len(got))
	}
	if v := q("vector(1)", time.Time{}); len(v) != 1 || v[0].Value != 1 || len(v[0].Metric) != 0 {
		t.Errorf("vector(1) = %v", v)
	}
	if v := q(` ALERTS{ alertstate = "firing" } `, time.Time{}); len(v) != 7 {
		t.Errorf("firing ALERTS = %d series, want 7", len(v))
	}
	if v := q(`ALERTS{alertstate="pending"}`, time.Time{}); len(v) != 1 || v[0].Metric["alertname"] != "RedisDown" {
		t.Errorf("pending ALERTS = %v", v)
	}
	if v := q(`rate(http_requests_total{job="nope"}[5m])`, time.Time{}); len(v) != 0 {
		t.Errorf("unknown query = %v, want empty vector", v)
	}

	// Evaluated at an earlier time: 20 minutes ago backend-1 was still up
	// and only LowTraffic and HighMemoryUsage were active.
	then := epoch().Add(-20 * time.Minute)
	if v := q(`up{instance="backend-1:3001"}`, then); len(v) != 1 || v[0].Value != 1 {
		t.Errorf("backend-1 20m ago = %v, want up", v)
	}
	var past []string
	for _, s := range q("ALERTS", then) {
		past = append(past, string(s.Metric["alertname"]))
	}
	sort.Strings(past)
	if !reflect.DeepEqual(past, []string{"HighMemoryUsage", "LowTraffic"}) {
		t.Errorf("ALERTS 20m ago = %v", past)
	}
}

func TestPrometheusQueryRange(t *testing.T) {
	b, _ := startSim(t)
	api := promClient(t, b)
	r := v1.Range{Start: epoch().Add(-20 * time.Minute), End: epoch(), Step: time.Minute}
	v, _, _, err := api.QueryRange(ctxTimeout(t, 5*time.Second), `up{instance="backend-1:3001"}`, r)
	if err != nil {
		t.Fatalf("QueryRange: %v", err)
	}
	m, ok := v.(model.Matrix)
	if !ok || len(m) != 1 || len(m[0].Values) != 21 {
		t.Fatalf("result = %v, want one series of 21 points", v)
	}
	for _, p := range m[0].Values {
		want := model.SampleValue(1)
		if !p.Timestamp.Time().Before(epoch().Add(-13 * time.Minute)) {
			want = 0
		}
		if p.Value != want {
			t.Errorf("up at %v = %v, want %v", p.Timestamp.Time(), p.Value, want)
		}
	}

	// The GET form works too (the client uses POST).
	code, body, _ := httpGet(t, b.Prometheus.URL()+"/api/v1/query_range?query=vector(2)&start=100&end=160&step=30s")
	var resp struct {
		Status string
		Data   struct {
			ResultType string
			Result     []struct{ Values [][2]any }
		}
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || code != 200 || resp.Data.ResultType != "matrix" || len(resp.Data.Result) != 1 || len(resp.Data.Result[0].Values) != 3 {
		t.Errorf("GET query_range → %d %s", code, body)
	}
}

func TestPrometheusHandle(t *testing.T) {
	b, _ := startSim(t)
	const query = `sum(rate(http_requests_total{service="conectcrm-backend",status=~"5.."}[5m])) / sum(rate(http_requests_total{service="conectcrm-backend"}[5m]))`
	var mu sync.Mutex
	var calls []time.Time
	b.Prometheus.Handle(Exact(query), func(_ string, ts time.Time) model.Value {
		mu.Lock()
		calls = append(calls, ts)
		mu.Unlock()
		return model.Vector{{Metric: model.Metric{"service": ServiceBackend}, Value: model.SampleValue(float64(ts.Unix() % 1000))}}
	})
	b.Prometheus.Handle(Exact("up"), func(string, time.Time) model.Value { return model.Vector{} })

	api := promClient(t, b)
	spaced := strings.ReplaceAll(query, "/", " / ")
	v, _, _, err := api.Query(ctxTimeout(t, 5*time.Second), spaced, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	vec := vectorOf(t, v)
	if len(vec) != 1 || vec[0].Value != model.SampleValue(float64(epoch().Unix()%1000)) {
		t.Errorf("handled query = %v", vec)
	}
	if v, _, _, _ := api.Query(ctxTimeout(t, 5*time.Second), "up", time.Time{}); len(vectorOf(t, v)) != 0 {
		t.Errorf("a registered handler must take precedence over the built-in up")
	}

	mu.Lock()
	calls = nil
	mu.Unlock()
	r := v1.Range{Start: epoch().Add(-4 * time.Minute), End: epoch(), Step: time.Minute}
	v, _, _, err = api.QueryRange(ctxTimeout(t, 5*time.Second), query, r)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(model.Matrix)
	mu.Lock()
	n := len(calls)
	mu.Unlock()
	if n != 5 || len(m) != 1 || len(m[0].Values) != 5 {
		t.Fatalf("range: %d evaluations, matrix %v", n, m)
	}
	for i, p := range m[0].Values {
		if ts := r.Start.Add(time.Duration(i) * time.Minute); !p.Timestamp.Time().Equal(ts) || p.Value != model.SampleValue(float64(ts.Unix()%1000)) {
			t.Errorf("point %d = %v, want value for %v", i, p, ts)
		}
	}
}

func TestPrometheusBadParams(t *testing.T) {
	b, _ := startSim(t)
	api := promClient(t, b)
	isBadData := func(err error) bool {
		var e *v1.Error
		return errors.As(err, &e) && e.Type == v1.ErrBadData
	}
	if _, _, _, err := api.Query(ctxTimeout(t, 5*time.Second), `up{job="x"`, time.Time{}); !isBadData(err) {
		t.Errorf("unbalanced query: %v, want bad_data", err)
	}
	if _, _, _, err := api.Query(ctxTimeout(t, 5*time.Second), "", time.Time{}); !isBadData(err) {
		t.Errorf("empty query: %v, want bad_data", err)
	}
	if _, _, _, err := api.QueryRange(ctxTimeout(t, 5*time.Second), "up", v1.Range{Start: epoch(), End: epoch().Add(-time.Hour), Step: time.Minute}); !isBadData(err) {
		t.Errorf("end before start: %v, want bad_data", err)
	}
	if _, _, _, err := api.QueryRange(ctxTimeout(t, 5*time.Second), "up", v1.Range{Start: epoch().Add(-24 * time.Hour), End: epoch(), Step: time.Second}); !isBadData(err) {
		t.Errorf("too many points: %v, want bad_data", err)
	}
	for _, path := range []string{
		"/api/v1/query?query=up&time=yesterday",
		"/api/v1/query_range?query=up&start=abc&end=1&step=1",
		"/api/v1/query_range?query=up&start=1&end=2",
		"/api/v1/query_range?query=up&start=1&end=2&step=0",
		"/api/v1/rules?type=bogus",
	} {
		code, body, hdr := httpGet(t, b.Prometheus.URL()+path)
		var e struct{ Status, ErrorType, Error string }
		if err := json.Unmarshal([]byte(body), &e); err != nil || code != 400 || e.Status != "error" || e.ErrorType != "bad_data" || e.Error == "" || hdr.Get("Content-Type") != "application/json" {
			t.Errorf("%s → %d %s", path, code, body)
		}
	}
}

func TestPrometheusBuildinfoAndHealth(t *testing.T) {
	b, _ := startSim(t)
	bi, err := promClient(t, b).Buildinfo(ctxTimeout(t, 5*time.Second))
	if err != nil || !strings.HasPrefix(bi.Version, "2.") || bi.GoVersion == "" {
		t.Errorf("Buildinfo = %+v, %v", bi, err)
	}
	for _, base := range []string{b.Prometheus.URL(), b.Alertmanager.URL()} {
		for _, p := range []string{"/-/ready", "/-/healthy"} {
			if code, _, _ := httpGet(t, base+p); code != 200 {
				t.Errorf("%s%s → %d", base, p, code)
			}
		}
	}
}
