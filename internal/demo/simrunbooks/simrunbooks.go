// Package simrunbooks is the demo's data for the runbooks' diagnostics. It
// teaches the simulated Prometheus to answer the PromQL blocks of the shipped
// runbooks (runbooks/shipped) for the demo incident, with values that follow
// the incident's timeline, and serves the shipped runbooks over HTTP so a
// runbook_url pointing at a web page works offline (see Serve).
//
// The timeline mirrors internal/sim's incident (all relative to its start
// t0): gateway traffic low since t0-50m, backend-2 leaking memory since
// t0-40m, latency and database connections climbing from t0-15m,
// backend-1 down at t0-13m with 5xx errors from t0-12m, redis down at
// t0-30s.
package simrunbooks

import (
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"oncall/internal/demo/sim"
)

// handler answers the queries its pattern matches (after
// sim.NormalizeQuery); m holds the pattern's submatches.
type handler struct {
	re   *regexp.Regexp
	eval func(w *world, m []string, ts time.Time) model.Value
}

// world is the incident's timeline, anchored at the simulated Prometheus'
// incident start.
type world struct{ t0 time.Time }

func (w *world) at(d time.Duration) time.Time { return w.t0.Add(d) }

// ramp goes from 0 before from to 1 after to, linearly.
func ramp(ts, from, to time.Time) float64 {
	switch {
	case ts.Before(from):
		return 0
	case !ts.Before(to):
		return 1
	}
	return float64(ts.Sub(from)) / float64(to.Sub(from))
}

// wobble is a slow deterministic ±pct variation so sparklines look alive.
func wobble(ts time.Time, seed, pct float64) float64 {
	return 1 + pct*math.Sin(float64(ts.Unix())/420+seed)
}

func mix(a, b, f float64) float64 { return a + (b-a)*f }

// Register makes p answer the shipped runbooks' diagnostics for the demo
// incident. Queries are recognised by shape (whitespace is ignored), so any
// service, instance or job label filled in by the runbook templates works.
func Register(p *sim.Prometheus) {
	w := &world{t0: p.IncidentStart()}
	for _, h := range handlers() {
		re, eval := h.re, h.eval
		p.Handle(func(q string) bool { return re.MatchString(sim.NormalizeQuery(q)) },
			func(q string, ts time.Time) model.Value {
				return eval(w, re.FindStringSubmatch(sim.NormalizeQuery(q)), ts)
			})
	}
}

// Metric helpers.
func metric(kv ...string) model.Metric {
	m := model.Metric{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
	}
	return m
}

func sample(v float64, kv ...string) *model.Sample {
	return &model.Sample{Metric: metric(kv...), Value: model.SampleValue(v)}
}

func one(v float64) model.Value { return model.Vector{sample(v)} }

// errRatio is the backend's share of 5xx answers at ts.
func (w *world) errRatio(ts time.Time) float64 {
	return mix(0.004, 0.372, ramp(ts, w.at(-13*time.Minute), w.at(-11*time.Minute))) * wobble(ts, 1, 0.04)
}

// avgErrRatio averages errRatio over the window before ts.
func (w *world) avgErrRatio(ts time.Time, window time.Duration) float64 {
	const n = 12
	sum := 0.0
	for i := 0; i < n; i++ {
		sum += w.errRatio(ts.Add(-window * time.Duration(i) / n))
	}
	return sum / n
}

// traffic is the request rate of a service at ts and its ratio to the
// same time last week.
func (w *world) traffic(service string, ts time.Time) (rate, vsLastWeek float64) {
	if service == sim.ServiceGateway {
		r := mix(31, 1.2, ramp(ts, w.at(-52*time.Minute), w.at(-50*time.Minute))) * wobble(ts, 2, 0.08)
		return r, r / 31
	}
	r := mix(42, 26, ramp(ts, w.at(-13*time.Minute), w.at(-12*time.Minute))) * wobble(ts, 3, 0.06)
	return r, r / 42
}

// codeShares splits the error ratio over status codes.
var codeShares = []struct {
	code  string
	share float64
}{{"500", 0.25}, {"502", 0.45}, {"503", 0.30}}

// routes and their share of errors and their p95 latency before/after.
var routes = []struct {
	route         string
	errShare      float64
	p95Ok, p95Bad float64
}{
	{"/api/contacts", 0.42, 0.18, 2.84},
	{"/api/deals", 0.27, 0.22, 1.93},
	{"/api/auth/login", 0.18, 0.09, 0.71},
	{"/api/webhooks/inbound", 0.09, 0.12, 1.12},
	{"/api/reports", 0.04, 0.61, 3.62},
}

func handlers() []handler {
	h := func(pattern string, eval func(w *world, m []string, ts time.Time) model.Value) handler {
		return handler{re: regexp.MustCompile(`^` + pattern + `$`), eval: eval}
	}
	const svc = `service="([^"]+)"`
	const win = `\[(\w+)\]`
	return []handler{
		// up{job="conectcrm-backend"} == 0
		h(`up\{job="([^"]+)"\}==0`, func(w *world, m []string, ts time.Time) model.Value {
			if m[1] != sim.ServiceBackend || ts.Before(w.at(-13*time.Minute)) {
				return model.Vector{}
			}
			return model.Vector{sample(0, "__name__", "up", "job", m[1], "instance", "backend-1:3001", "service", m[1], "env", "prod")}
		}),
		// sum by (code) (rate(http_requests_total{service="X"[,code=~"5.."]}[5m]))
		h(`sumby\(code\)\(rate\(http_requests_total\{`+svc+`(,code=~"5\.\.")?\}`+win+`\)\)`, func(w *world, m []string, ts time.Time) model.Value {
			rate, _ := w.traffic(m[1], ts)
			e := w.errRatio(ts)
			out := model.Vector{}
			if m[2] == "" {
				out = append(out, sample(rate*(1-e), "code", "200"))
			}
			for _, c := range codeShares {
				out = append(out, sample(rate*e*c.share, "code", c.code))
			}
			return out
		}),
		// 5xx ratio per code: … / ignoring(code) group_left sum(rate(…))
		h(`sumby\(code\)\(rate\(http_requests_total\{`+svc+`,code=~"5\.\."\}`+win+`\)\)/ignoring\(code\)group_leftsum\(rate\(http_requests_total\{`+svc+`\}`+win+`\)\)`, func(w *world, m []string, ts time.Time) model.Value {
			e := w.errRatio(ts)
			out := model.Vector{}
			for _, c := range codeShares {
				out = append(out, sample(e*c.share, "code", c.code))
			}
			return out
		}),
		// topk(5, sum by (route) (rate|increase(http_requests_total{service="X",code=~"5.."}[w])))
		h(`topk\((\d+),sumby\(route\)\((rate|increase)\(http_requests_total\{`+svc+`,code=~"5\.\."\}`+win+`\)\)\)`, func(w *world, m []string, ts time.Time) model.Value {
			rate, _ := w.traffic(m[3], ts)
			e := rate * w.errRatio(ts)
			if m[2] == "increase" {
				e *= windowSeconds(m[4])
			}
			out := model.Vector{}
			for _, r := range routes {
				out = append(out, sample(e*r.errShare, "route", r.route))
			}
			return out
		}),
		// histogram_quantile(0.95, sum by (le, route) (rate(…_bucket{service="X"}[5m])))
		h(`histogram_quantile\(([0-9.]+),sumby\(le,route\)\(rate\(http_request_duration_seconds_bucket\{`+svc+`\}`+win+`\)\)\)`, func(w *world, m []string, ts time.Time) model.Value {
			f := ramp(ts, w.at(-16*time.Minute), w.at(-12*time.Minute))
			out := model.Vector{}
			for i, r := range routes {
				out = append(out, sample(mix(r.p95Ok, r.p95Bad, f)*wobble(ts, float64(i), 0.07), "route", r.route))
			}
			return out
		}),
		// sum(rate(…{service="X"}[w])) / sum(rate(…{service="X"}[w] offset 1w))
		h(`sum\(rate\(http_requests_total\{`+svc+`\}`+win+`\)\)/sum\(rate\(http_requests_total\{`+svc+`\}`+win+`offset1w\)\)`, func(w *world, m []string, ts time.Time) model.Value {
			_, ratio := w.traffic(m[1], ts)
			return one(ratio)
		}),
		// sum(rate(http_requests_total{service="X"}[w]))
		h(`sum\(rate\(http_requests_total\{`+svc+`\}`+win+`\)\)`, func(w *world, m []string, ts time.Time) model.Value {
			rate, _ := w.traffic(m[1], ts)
			return one(rate)
		}),
		// sum(rate(http_requests_total{service="X",code=~"5.."}[w]))
		h(`sum\(rate\(http_requests_total\{`+svc+`,code=~"5\.\."\}`+win+`\)\)`, func(w *world, m []string, ts time.Time) model.Value {
			rate, _ := w.traffic(m[1], ts)
			return one(rate * w.errRatio(ts))
		}),
		// burn rate: (sum(rate(5xx[w])) / sum(rate(all[w]))) / (1 - objective)
		h(`\(sum\(rate\(http_requests_total\{`+svc+`,code=~"5\.\."\}`+win+`\)\)/sum\(rate\(http_requests_total\{`+svc+`\}`+win+`\)\)\)/\(1-([0-9.]+)\)`, func(w *world, m []string, ts time.Time) model.Value {
			budget := 1 - parseFloat(m[5])
			if !(budget > 0) {
				return model.Vector{}
			}
			return one(w.avgErrRatio(ts, time.Duration(windowSeconds(m[2])*float64(time.Second))) / budget)
		}),
		// sum(pg_stat_activity_count{state="active"})
		h(`sum\(pg_stat_activity_count\{state="active"\}\)`, func(w *world, _ []string, ts time.Time) model.Value {
			return one(math.Round(w.pgConns(ts)["active"]))
		}),
		// sum by (state) (pg_stat_activity_count[{…}])
		h(`sumby\(state\)\(pg_stat_activity_count(\{[^}]*\})?\)`, func(w *world, _ []string, ts time.Time) model.Value {
			out := model.Vector{}
			for _, st := range []string{"active", "idle", "idle in transaction"} {
				out = append(out, sample(math.Round(w.pgConns(ts)[st]), "state", st))
			}
			return out
		}),
		// sum(pg_stat_activity_count{…}) / max(pg_settings_max_connections{…})
		h(`sum\(pg_stat_activity_count(\{[^}]*\})?\)/max\(pg_settings_max_connections(\{[^}]*\})?\)`, func(w *world, _ []string, ts time.Time) model.Value {
			c := w.pgConns(ts)
			return one((math.Round(c["active"]) + math.Round(c["idle"]) + math.Round(c["idle in transaction"])) / 100)
		}),
		// [sort_desc(]process_resident_memory_bytes{…}[)]
		h(`(sort_desc\()?process_resident_memory_bytes(\{[^}]*\})?\)?`, func(w *world, m []string, ts time.Time) model.Value {
			return selectFrom(w.memory(ts), m[2], m[1] != "")
		}),
		// redis_up{…} or up{job="redis"}
		h(`redis_up(\{[^}]*\})?orup(\{[^}]*\})?`, func(w *world, m []string, ts time.Time) model.Value {
			up := 1.0
			if !ts.Before(w.at(-30 * time.Second)) {
				up = 0
			}
			redisUp := model.Vector{sample(up, "__name__", "redis_up", "job", "redis", "instance", "redis-0:6379", "service", sim.ServiceRedis, "env", "prod")}
			scrape := model.Vector{sample(1, "__name__", "up", "job", "redis", "instance", "redis-0:9121", "service", sim.ServiceRedis, "env", "prod")}
			return append(selectFrom(redisUp, m[1], false), selectFrom(scrape, m[2], false)...)
		}),
		// redis_memory_used_bytes{…} / redis_memory_max_bytes{…}: gone once
		// redis is down (the exporter has nothing to report).
		h(`redis_memory_used_bytes(\{[^}]*\})?/redis_memory_max_bytes(\{[^}]*\})?`, func(w *world, _ []string, ts time.Time) model.Value {
			if !ts.Before(w.at(-30 * time.Second)) {
				return model.Vector{}
			}
			return model.Vector{sample(0.41*wobble(ts, 5, 0.03), "instance", "redis-0:6379", "job", "redis", "service", sim.ServiceRedis, "env", "prod")}
		}),
	}
}

// pgConns is postgres' connections by state: a pool filling up from
// t0-15m as requests wait on slow queries.
func (w *world) pgConns(ts time.Time) map[string]float64 {
	f := ramp(ts, w.at(-15*time.Minute), w.at(-10*time.Minute))
	return map[string]float64{
		"active":              mix(18, 71, f) * wobble(ts, 6, 0.03),
		"idle":                mix(34, 12, f),
		"idle in transaction": mix(1, 9, f),
	}
}

// memory is the backends' resident memory: backend-2 leaks since t0-40m,
// backend-1 is gone since it went down.
func (w *world) memory(ts time.Time) model.Vector {
	const gib = 1 << 30
	out := model.Vector{}
	add := func(instance string, v float64) {
		out = append(out, sample(v, "__name__", "process_resident_memory_bytes", "job", sim.ServiceBackend, "instance", instance, "service", sim.ServiceBackend, "env", "prod"))
	}
	if ts.Before(w.at(-13 * time.Minute)) {
		add("backend-1:3001", 0.92*gib*wobble(ts, 7, 0.02))
	}
	add("backend-2:3001", mix(1.1, 1.87, ramp(ts, w.at(-40*time.Minute), w.at(0)))*gib)
	add("backend-3:3001", 0.88*gib*wobble(ts, 8, 0.02))
	return out
}

// selectFrom keeps the series matching a {…} selector ("" keeps all),
// optionally sorted by value, highest first.
func selectFrom(v model.Vector, selector string, sortDesc bool) model.Vector {
	out := model.Vector{}
	var ms labels.Matchers
	if selector != "" {
		parsed, err := labels.ParseMatchers(selector)
		if err != nil {
			return out
		}
		ms = parsed
	}
	for _, s := range v {
		if ms.Matches(model.LabelSet(s.Metric)) {
			out = append(out, s)
		}
	}
	if sortDesc {
		for i := 1; i < len(out); i++ {
			for j := i; j > 0 && out[j].Value > out[j-1].Value; j-- {
				out[j], out[j-1] = out[j-1], out[j]
			}
		}
	}
	return out
}

func windowSeconds(s string) float64 {
	d, err := model.ParseDuration(s)
	if err != nil {
		return 300
	}
	return time.Duration(d).Seconds()
}

func parseFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}
