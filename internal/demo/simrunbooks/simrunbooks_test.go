package simrunbooks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/demo/sim"
	"oncall/runbooks"
	"oncall/sources/prometheus"
)

func startSim(t *testing.T) (*sim.Backend, *prometheus.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, err := sim.Start(ctx, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	Register(b.Prometheus)
	c, err := prometheus.New(prometheus.Config{URL: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return b, c
}

// Every PromQL block of the runbook of every demo alert is answered without
// error, and each runbook has at least one block with data now and a range
// for its sparkline.
func TestEveryDemoRunbookQueryIsAnswered(t *testing.T) {
	_, c := startSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	as, err := c.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) < 8 {
		t.Fatalf("the demo has %d alerts, want at least 8", len(as))
	}
	f := runbooks.NewFinder(runbooks.Options{Embedded: true})
	now := time.Now()
	for _, pa := range as {
		labels := map[string]string{}
		for k, v := range pa.Labels {
			labels[string(k)] = string(v)
		}
		a := runbooks.Alert{Labels: labels}
		t.Run(a.AlertName(), func(t *testing.T) {
			rb, err := f.Find(ctx, a)
			if err != nil || rb.Source == runbooks.SourceGenerated {
				t.Fatalf("no shipped runbook: %v %+v", err, rb)
			}
			withData := 0
			for _, b := range rb.Blocks {
				if b.Lang != "promql" {
					continue
				}
				q, err := b.Substitute(a)
				if err != nil {
					t.Fatal(err)
				}
				v, err := c.Query(ctx, q, now)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if !answered(t, q, v) {
					t.Errorf("query not recognised by the demo data: %s", q)
					continue
				}
				if vec, ok := v.(model.Vector); ok && len(vec) > 0 {
					withData++
					r, err := c.QueryRange(ctx, q, v1.Range{Start: now.Add(-time.Hour), End: now, Step: 2 * time.Minute})
					if err != nil {
						t.Fatalf("range %s: %v", q, err)
					}
					if m, ok := r.(model.Matrix); !ok || len(m) == 0 || len(m[0].Values) < 2 {
						t.Errorf("range %s: want a series with several points, got %v", q, r)
					}
				}
			}
			if withData == 0 {
				t.Errorf("no PromQL block of %s returns data now", a.AlertName())
			}
		})
	}
}

// answered tells a handled query (possibly empty on purpose) from one the
// sim answered with its empty fallback: handled queries are listed.
func answered(t *testing.T, q string, v model.Value) bool {
	t.Helper()
	nq := sim.NormalizeQuery(q)
	for _, h := range handlers() {
		if h.re.MatchString(nq) {
			return true
		}
	}
	// plain selectors over the sim's built-in series (up, redis_up, pg_up)
	vec, ok := v.(model.Vector)
	return ok && len(vec) > 0
}

func TestValuesFollowTheIncident(t *testing.T) {
	b, c := startSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t0 := b.Prometheus.IncidentStart()
	query := func(q string, at time.Time) model.Vector {
		t.Helper()
		v, err := c.Query(ctx, q, at)
		if err != nil {
			t.Fatal(err)
		}
		return v.(model.Vector)
	}
	// backend-1 is down after t0-13m, up before
	if v := query(`up{job="conectcrm-backend"} == 0`, t0); len(v) != 1 || v[0].Metric["instance"] != "backend-1:3001" {
		t.Errorf("down targets at t0: %v", v)
	}
	if v := query(`up{job="conectcrm-backend"} == 0`, t0.Add(-30*time.Minute)); len(v) != 0 {
		t.Errorf("down targets before the outage: %v", v)
	}
	// the 5xx ratio per code sums to the alert's ~37%
	sum := 0.0
	for _, s := range query(`sum by (code) (rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[5m])) / ignoring(code) group_left sum(rate(http_requests_total{service="conectcrm-backend"}[5m]))`, t0) {
		sum += float64(s.Value)
	}
	if sum < 0.3 || sum > 0.45 {
		t.Errorf("5xx ratio at t0 = %v, want about 0.372", sum)
	}
	// burn rate: 5m window far above 14.4, before the outage below 14.4
	if v := query(`(sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="conectcrm-backend"}[5m]))) / (1 - 0.999)`, t0); len(v) != 1 || v[0].Value < 14.4 {
		t.Errorf("5m burn rate at t0: %v", v)
	}
	if v := query(`(sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="conectcrm-backend"}[5m]))) / (1 - 0.999)`, t0.Add(-time.Hour)); len(v) != 1 || v[0].Value > 14.4 {
		t.Errorf("5m burn rate an hour earlier: %v", v)
	}
	// sort_desc puts the leaking backend-2 first; a selector filters
	if v := query(`sort_desc(process_resident_memory_bytes{job="conectcrm-backend"})`, t0); len(v) < 2 || v[0].Metric["instance"] != "backend-2:3001" || v[0].Value < v[1].Value {
		t.Errorf("memory by instance: %v", v)
	}
	if v := query(`process_resident_memory_bytes{job="conectcrm-backend",instance="backend-3:3001"}`, t0); len(v) != 1 || v[0].Metric["instance"] != "backend-3:3001" {
		t.Errorf("memory of backend-3: %v", v)
	}
	// redis: down at t0, its memory ratio gone; up before
	if v := query(`redis_up{instance="redis-0:6379"} or up{job="redis"}`, t0); len(v) != 2 {
		t.Errorf("redis up: %v", v)
	} else {
		for _, s := range v {
			if s.Metric["__name__"] == "redis_up" && s.Value != 0 {
				t.Errorf("redis_up at t0 = %v, want 0", s.Value)
			}
		}
	}
	if v := query(`redis_memory_used_bytes{instance="redis-0:6379"} / redis_memory_max_bytes{instance="redis-0:6379"}`, t0); len(v) != 0 {
		t.Errorf("redis memory while down: %v", v)
	}
	if v := query(`redis_memory_used_bytes{instance="redis-0:6379"} / redis_memory_max_bytes{instance="redis-0:6379"}`, t0.Add(-10*time.Minute)); len(v) != 1 {
		t.Errorf("redis memory before: %v", v)
	}
}

func TestHandlerServesShippedRunbooks(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	get := func(p string) (int, string) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/RedisDown.md"); code != 200 || !strings.HasPrefix(body, "# RedisDown") {
		t.Errorf("RedisDown.md: %d %.40q", code, body)
	}
	code, body := get("/HighMemoryUsage.md")
	all, _ := io.ReadAll(mustOpen(t, "RUNBOOKS.md"))
	want, _ := runbooks.Section(string(all), "highmemoryusage")
	if code != 200 || body != want {
		t.Errorf("HighMemoryUsage.md: %d %.60q", code, body)
	}
	for _, p := range []string{"/NoSuchAlert.md", "/../go.mod", "/x/y.md"} {
		if code, _ := get(p); code != 404 {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
}

// Serve's server answers through a runbook_url rewrite, so a Finder given
// the demo's rewrite resolves the HighMemoryUsage rule's GitHub URL offline.
func TestServeWithRewrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := runbooks.ParseRewrite(RepoURLPattern, srv.URL()+"/$1")
	if err != nil {
		t.Fatal(err)
	}
	f := runbooks.NewFinder(runbooks.Options{Rewrites: []runbooks.Rewrite{rw}})
	rb, err := f.Find(ctx, runbooks.Alert{Name: "HighMemoryUsage", Annotations: map[string]string{
		"runbook_url": "https://github.com/conectcrm/runbooks/blob/main/HighMemoryUsage.md"}})
	if err != nil || rb.Source != runbooks.SourceURL || rb.Warning != "" || len(rb.Runnable()) == 0 {
		t.Fatalf("got %v %+v", err, rb)
	}
	if !strings.Contains(rb.Origin(), "github.com/conectcrm/runbooks") {
		t.Errorf("origin %q should name the URL from the rule", rb.Origin())
	}
}

func mustOpen(t *testing.T, name string) io.Reader {
	t.Helper()
	f, err := runbooks.Shipped().Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
