package simlogs

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// Line is one log line of the demo.
type Line struct {
	// Labels are the stream labels: service_name, env and level.
	Labels map[string]string
	Time   time.Time
	Text   string
}

// Incident moments, as offsets from the anchor (they match the alerts of
// the simulated Alertmanager).
const (
	backend1Down  = -12*time.Minute - 10*time.Second // APIDown fires 12m before the anchor
	errorsStart   = -10*time.Minute - 30*time.Second // HighErrorRate
	memoryHigh    = -25 * time.Minute                // HighMemoryUsage on backend-2
	trafficLow    = -40 * time.Minute                // LowTraffic on the gateway
	pgConnsHigh   = -6*time.Minute - 20*time.Second  // DatabaseConnectionsHigh
	redisRefusing = -50 * time.Second                // RedisDown (pending)
)

func labels(service, level string) map[string]string {
	return map[string]string{"service_name": service, "env": Env, "level": level}
}

// jsonLine renders fields as one JSON object, keys in the given order.
func jsonLine(kv ...any) string {
	b := []byte{'{'}
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(kv[i])
		v, _ := json.Marshal(kv[i+1])
		b = append(b, k...)
		b = append(b, ':')
		b = append(b, v...)
	}
	return string(append(b, '}'))
}

// gen produces lines from a seeded generator.
type gen struct {
	rng *rand.Rand
	out []Line
}

func (g *gen) add(service, level string, t time.Time, text string) {
	g.out = append(g.out, Line{Labels: labels(service, level), Time: t, Text: text})
}

var okRoutes = [...]string{"/api/v1/contacts", "/api/v1/deals", "/api/v1/contacts/{id}", "/api/v1/tickets/{id}", "/api/v1/dashboard", "/api/v1/auth/refresh", "/healthz"}

func (g *gen) route() string { return okRoutes[g.rng.IntN(len(okRoutes))] }
func (g *gen) method() string {
	if g.rng.IntN(4) == 0 {
		return "POST"
	}
	return "GET"
}
func (g *gen) ip() string { return fmt.Sprintf("10.42.%d.%d", g.rng.IntN(8), 2+g.rng.IntN(250)) }

// gatewayAccess is one access-log line; failing answers are warnings.
func (g *gen) gatewayAccess(t time.Time, status int, dur time.Duration) {
	level := "info"
	if status >= 500 {
		level = "warn"
	}
	g.add(ServiceGateway, level, t, jsonLine("level", level, "msg", "request", "method", g.method(), "path", g.route(),
		"status", status, "duration_ms", dur.Milliseconds(), "upstream", ServiceBackend, "client_ip", g.ip()))
}

func (g *gen) backendInfo(t time.Time, inst string) {
	d := time.Duration(8+g.rng.IntN(60)) * time.Millisecond
	g.add(ServiceBackend, "info", t, jsonLine("level", "info", "instance", inst, "msg", "request completed",
		"method", g.method(), "route", g.route(), "status", 200, "duration_ms", d.Milliseconds()))
}

// History returns the demo's log history: the hour before anchor, oldest
// first, several thousand lines. It is the same for the same anchor.
func History(anchor time.Time) []Line {
	g := &gen{rng: rand.New(rand.NewPCG(2026, 11))}
	at := func(off time.Duration) time.Time { return anchor.Add(off) }
	// api-gateway: steady traffic, lower for the last 40 minutes, failing
	// answers once the backend errors start.
	for off := -time.Hour; off < 0; {
		t := at(off)
		switch {
		case off >= errorsStart && g.rng.IntN(100) < 37:
			g.gatewayAccess(t, []int{500, 502, 504}[g.rng.IntN(3)], time.Duration(4800+g.rng.IntN(400))*time.Millisecond)
		default:
			g.gatewayAccess(t, 200, time.Duration(10+g.rng.IntN(80))*time.Millisecond)
		}
		step := 1200 * time.Millisecond
		if off >= trafficLow {
			step = 2600 * time.Millisecond
		}
		off += step + time.Duration(g.rng.IntN(400))*time.Millisecond
	}
	g.backendHistory(at)
	g.out = append(g.out, cadenceLines(anchor, -2*time.Hour, -time.Nanosecond, cadence.history)...)
	g.postgresHistory(at)
	for _, r := range Requests() {
		g.requestLines(anchor, r)
	}
	sort.SliceStable(g.out, func(i, j int) bool { return g.out[i].Time.Before(g.out[j].Time) })
	return g.out
}

func (g *gen) backendHistory(at func(time.Duration) time.Time) {
	insts := []string{"backend-1:3001", "backend-2:3001", "backend-3:3001"}
	for off := -time.Hour; off < 0; off += 1500*time.Millisecond + time.Duration(g.rng.IntN(300))*time.Millisecond {
		t := at(off)
		inst := insts[g.rng.IntN(3)]
		if inst == "backend-1:3001" && off >= backend1Down {
			inst = insts[1+g.rng.IntN(2)]
		}
		switch {
		case off >= errorsStart && g.rng.IntN(100) < 30:
			g.add(ServiceBackend, "error", t, poolTimeoutLine(inst, 60+g.rng.IntN(120), g.method(), g.route()))
		case off >= pgConnsHigh && g.rng.IntN(100) < 20:
			g.add(ServiceBackend, "warn", t, slowQueryLine(inst, 1800+g.rng.IntN(3000)))
		case off >= redisRefusing && g.rng.IntN(100) < 40:
			g.add(ServiceBackend, "error", t, jsonLine("level", "error", "instance", inst, "msg", "session cache unavailable",
				"error", "redis: dial tcp 10.42.5.9:6379: connect: connection refused"))
		default:
			g.backendInfo(t, inst)
		}
	}
	// backend-2 running out of memory, backend-1 crashing
	for off := memoryHigh; off < 0; off += 30 * time.Second {
		t := at(off)
		g.add(ServiceBackend, "warn", t, jsonLine("level", "warn", "instance", "backend-2:3001", "msg", "heap usage high",
			"heap_used_mb", 1860+g.rng.IntN(40), "heap_limit_mb", 2048, "gc_pause_ms", 120+g.rng.IntN(200)))
	}
	crash := at(backend1Down)
	g.add(ServiceBackend, "error", crash.Add(-2*time.Second), jsonLine("level", "error", "instance", "backend-1:3001",
		"msg", "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"))
	g.add(ServiceBackend, "error", crash, jsonLine("level", "error", "instance", "backend-1:3001", "msg", "process exited", "code", 134, "signal", "SIGABRT"))
	// a library printing colours and a hostile user agent: shown escaped
	t := at(-47 * time.Minute)
	g.add(ServiceBackend, "warn", t, "\x1b[33m(node:41) DeprecationWarning:\x1b[0m Buffer() is deprecated due to security and usability issues")
	t = at(-9*time.Minute - 7*time.Second)
	g.add(ServiceGateway, "warn", t, jsonLine("level", "warn", "msg", "suspicious user agent", "path", "/api/v1/contacts",
		"user_agent", "Mozilla/5.0 \u202egnp.exe\u202c \x1b]0;owned\x07", "client_ip", "203.0.113.77"))
}

func (g *gen) postgresHistory(at func(time.Duration) time.Time) {
	pg := func(t time.Time, level, sev, msg string, extra ...any) {
		kv := append([]any{"error_severity", sev, "user", "crm", "dbname", "crm", "application_name", ServiceBackend, "message", msg}, extra...)
		g.add(ServicePostgres, level, t, jsonLine(kv...))
	}
	for off := -time.Hour; off < 0; off += 14*time.Second + time.Duration(g.rng.IntN(4000))*time.Millisecond {
		pg(at(off), "info", "LOG", "connection authorized: user=crm database=crm application_name=conectcrm-backend")
	}
	for off := -time.Hour + 3*time.Minute; off < 0; off += 5 * time.Minute {
		pg(at(off), "info", "LOG", fmt.Sprintf("checkpoint complete: wrote %d buffers (%.1f%%); write=%.3f s", 800+g.rng.IntN(3000), 2+g.rng.Float64()*8, 20+g.rng.Float64()*10))
	}
	for off := pgConnsHigh; off < 0; off += 7*time.Second + time.Duration(g.rng.IntN(3000))*time.Millisecond {
		pg(at(off), "error", "FATAL", "remaining connection slots are reserved for non-replication superuser connections")
	}
}

// requestLines logs one failing request in the three services.
func (g *gen) requestLines(anchor time.Time, r Request) {
	start := anchor.Add(r.Start)
	gw, be, pgh := r.Hops[0], r.Hops[1], r.Hops[2]
	tp := fmt.Sprintf("00-%s-%s-01", r.TraceID, pgh.SpanID)
	t := start.Add(pgh.Offset + pgh.Duration)
	g.add(ServicePostgres, "error", t, jsonLine("error_severity", "ERROR", "user", "crm", "dbname", "crm",
		"application_name", ServiceBackend, "message", pgh.Error, "statement", pgh.Operation+" /*traceparent='"+tp+"'*/"))
	t = start.Add(be.Offset + be.Duration)
	g.add(ServiceBackend, "error", t, jsonLine("level", "error", "instance", r.Instance, "msg", "request failed", "error", be.Error,
		"method", r.Method, "route", r.Route, "status", 500, "duration_ms", be.Duration.Milliseconds(), "trace_id", r.TraceID, "span_id", be.SpanID))
	t = start.Add(gw.Duration)
	g.add(ServiceGateway, "error", t, jsonLine("level", "error", "msg", "upstream request failed", "error", gw.Error,
		"method", r.Method, "path", r.Route, "status", r.Status, "duration_ms", gw.Duration.Milliseconds(), "upstream", ServiceBackend,
		"client_ip", g.ip(), "trace_id", r.TraceID, "span_id", gw.SpanID))
}

// Live returns the lines logged in (from, to] while the demo runs: the
// cadences of the lines Loki's rules count (see cadences), and at to one
// to three lines of the gateway and postgres failing (no trace ids: the
// simulated Jaeger does not have them).
func Live(rng *rand.Rand, anchor, from, to time.Time) []Line {
	g := &gen{rng: rng}
	g.out = cadenceLines(anchor, from.Sub(anchor), to.Sub(anchor), func(cadence) bool { return true })
	for i := 0; i <= rng.IntN(3); i++ {
		tt := to.Add(time.Duration(i) * time.Millisecond)
		switch rng.IntN(4) {
		case 0, 1:
			g.gatewayAccess(tt, []int{500, 502, 504}[rng.IntN(3)], time.Duration(4800+rng.IntN(400))*time.Millisecond)
		case 2:
			g.gatewayAccess(tt, 200, time.Duration(10+rng.IntN(80))*time.Millisecond)
		default:
			g.add(ServicePostgres, "error", tt, jsonLine("error_severity", "FATAL", "user", "crm", "dbname", "crm",
				"application_name", ServiceBackend, "message", "remaining connection slots are reserved for non-replication superuser connections"))
		}
	}
	return g.out
}
