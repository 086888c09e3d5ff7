package simtraces

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"oncall/internal/demo/simlogs"
)

// Instrumentation scopes of the demo's services.
const (
	scopeGateway  = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	scopeGwVer    = "0.63.0"
	scopeBackend  = "@opentelemetry/instrumentation-http"
	scopeBeVer    = "0.203.0"
	scopePg       = "@opentelemetry/instrumentation-pg"
	scopePgVer    = "0.56.0"
	scopeRedis    = "@opentelemetry/instrumentation-ioredis"
	scopeRedisVer = "0.52.0"
	scopeApp      = "conectcrm"
	scopeAppVer   = "4.18.2"
)

// NumHealthy is how many successful requests the demo adds, spread over
// the hour before the anchor, so searches see more than the failures.
const NumHealthy = 40

// Demo returns the demo's traces anchored at the demo's start: one per
// failing request of simlogs.Requests (same trace and span ids, so their
// log lines lead here), plus NumHealthy successful requests.
func Demo(anchor time.Time) []Trace {
	reqs := simlogs.Requests()
	out := make([]Trace, 0, len(reqs)+NumHealthy)
	for _, r := range reqs {
		out = append(out, failing(anchor, r))
	}
	for i := range NumHealthy {
		out = append(out, healthy(anchor, i))
	}
	return out
}

// derivedID is a deterministic id of n hex digits for spans the logs do
// not name.
func derivedID(name string, n int) string {
	sum := sha256.Sum256([]byte("simtraces/" + name))
	return hex.EncodeToString(sum[:])[:n]
}

func resources() map[string][]Attr {
	env := Attr{Key: "deployment.environment.name", Value: simlogs.Env}
	return map[string][]Attr{
		simlogs.ServiceGateway:  {env, {Key: "host.name", Value: "gw-7d9f8-x2kq"}, {Key: "service.version", Value: "2.14.1"}},
		simlogs.ServiceBackend:  {env, {Key: "host.name", Value: "backend-2"}, {Key: "service.version", Value: "4.18.2"}, {Key: "process.runtime.name", Value: "nodejs"}},
		simlogs.ServicePostgres: {env, {Key: "host.name", Value: "pg-primary-0"}},
	}
}

// failing builds the trace of one failing request: the gateway's server
// span, the backend's (which timed out waiting for a pooled connection)
// and the postgres call that was cancelled — the hops simlogs logged —
// plus the smaller spans around them.
func failing(anchor time.Time, r simlogs.Request) Trace {
	start := anchor.Add(r.Start)
	t := Trace{TraceID: r.TraceID, Resource: resources()}
	at := func(d time.Duration) time.Time { return start.Add(d) }
	var gw, be simlogs.Hop
	for _, h := range r.Hops {
		switch h.Service {
		case simlogs.ServiceGateway:
			gw = h
		case simlogs.ServiceBackend:
			be = h
		}
	}
	for _, h := range r.Hops {
		s := Span{SpanID: h.SpanID, ParentSpanID: h.ParentID, Service: h.Service, Name: h.Operation,
			Start: at(h.Offset), Duration: h.Duration}
		if h.Error != "" {
			s.Status, s.Message = StatusError, h.Error
		}
		switch h.Service {
		case simlogs.ServiceGateway:
			s.Kind, s.Scope, s.ScopeVersion = KindServer, scopeGateway, scopeGwVer
			s.Attrs = []Attr{
				{"http.request.method", r.Method}, {"http.route", r.Route}, {"url.path", strings.ReplaceAll(r.Route, "{id}", "48213")},
				{"http.response.status_code", r.Status}, {"server.address", "api.conectcrm.example"},
				{"network.peer.address", "10.42.7.19"}, {"user_agent.original", "conectcrm-web/5.2"},
				{"upstream.instance", r.Instance}, {"cache.hit", false}, {"upstream.retry.backoff", 1.5},
				{"feature.flags", []string{"new-dashboard", "pg-pool-v2"}},
			}
		case simlogs.ServiceBackend:
			s.Kind, s.Scope, s.ScopeVersion = KindServer, scopeBackend, scopeBeVer
			s.Attrs = []Attr{
				{"http.request.method", r.Method}, {"http.route", r.Route}, {"http.response.status_code", 500},
				{"server.address", r.Instance}, {"code.function", h.Operation},
			}
			if h.Error != "" {
				s.Events = []Event{{Name: "exception", At: s.End().Add(-2 * time.Millisecond), Attrs: []Attr{
					{"exception.type", "TimeoutError"}, {"exception.message", h.Error}, {"pool.size", 20},
					{"exception.stacktrace", "TimeoutError: " + h.Error + "\n    at Pool._acquire (node_modules/pg-pool/index.js:201:17)\n    at ContactsService.list (src/contacts/contacts.service.ts:48:22)"},
				}}}
			}
		case simlogs.ServicePostgres:
			s.Kind, s.Scope, s.ScopeVersion = KindClient, scopePg, scopePgVer
			s.Attrs = []Attr{
				{"db.system", "postgresql"}, {"db.namespace", "conectcrm"}, {"db.query.text", h.Operation},
				{"server.address", "pg-primary.db.svc"}, {"server.port", 5432}, {"db.client.connection.pool.name", "crm-main"},
			}
			if h.Error != "" {
				s.Events = []Event{{Name: "exception", At: s.End(), Attrs: []Attr{
					{"exception.type", "DatabaseError"}, {"exception.message", h.Error}, {"db.response.status_code", "57014"},
				}}}
			}
		}
		t.Spans = append(t.Spans, s)
	}
	// The spans around the hops, with derived ids.
	id := func(n string) string { return derivedID(r.TraceID+"/"+n, 16) }
	t.Spans = append(t.Spans,
		Span{SpanID: id("auth"), ParentSpanID: gw.SpanID, Service: simlogs.ServiceGateway, Name: "auth.verify_token", Kind: KindInternal,
			Start: at(400 * time.Microsecond), Duration: 1200 * time.Microsecond, Scope: scopeGateway, ScopeVersion: scopeGwVer,
			Attrs: []Attr{{"auth.method", "jwt"}, {"enduser.id", "u-20931"}}, Status: StatusOK},
		Span{SpanID: id("session"), ParentSpanID: be.SpanID, Service: simlogs.ServiceBackend, Name: "GET", Kind: KindClient,
			Start: at(be.Offset + 500*time.Microsecond), Duration: 900 * time.Microsecond, Scope: scopeRedis, ScopeVersion: scopeRedisVer,
			Attrs: []Attr{{"db.system", "redis"}, {"db.query.text", "GET session:u-20931"}, {"server.address", "redis-0.cache.svc"}}},
		Span{SpanID: id("respond"), ParentSpanID: be.SpanID, Service: simlogs.ServiceBackend, Name: "ErrorFilter.catch", Kind: KindInternal,
			Start: at(be.Offset + be.Duration - 2*time.Millisecond), Duration: 1500 * time.Microsecond, Scope: scopeApp, ScopeVersion: scopeAppVer,
			Attrs: []Attr{{"http.response.status_code", 500}}},
	)
	return t
}

// healthy builds a successful request: the gateway, the backend and a fast
// query.
func healthy(anchor time.Time, i int) Trace {
	tid := derivedID(fmt.Sprintf("healthy/%d", i), 32)
	start := anchor.Add(-58*time.Minute + time.Duration(i)*85*time.Second)
	id := func(n string) string { return derivedID(tid+"/"+n, 16) }
	routes := [][3]string{
		{"GET", "/api/v1/contacts", "SELECT id, name, email FROM crm.contacts WHERE account_id = $1 ORDER BY updated_at DESC LIMIT 50"},
		{"GET", "/api/v1/dashboard", "SELECT stage, count(*), sum(amount) FROM crm.deals GROUP BY stage"},
		{"POST", "/api/v1/deals", "INSERT INTO crm.deals (account_id, title, amount) VALUES ($1, $2, $3) RETURNING id"},
	}
	rt := routes[i%len(routes)]
	q := time.Duration(2+i%7) * time.Millisecond
	total := q + 9*time.Millisecond
	at := func(d time.Duration) time.Time { return start.Add(d) }
	return Trace{TraceID: tid, Resource: resources(), Spans: []Span{
		{SpanID: id("gateway"), Service: simlogs.ServiceGateway, Name: rt[0] + " " + rt[1], Kind: KindServer, Start: start, Duration: total,
			Scope: scopeGateway, ScopeVersion: scopeGwVer, Attrs: []Attr{{"http.request.method", rt[0]}, {"http.route", rt[1]}, {"http.response.status_code", 200}}},
		{SpanID: id("backend"), ParentSpanID: id("gateway"), Service: simlogs.ServiceBackend, Name: rt[0] + " " + rt[1], Kind: KindServer,
			Start: at(2 * time.Millisecond), Duration: total - 4*time.Millisecond, Scope: scopeBackend, ScopeVersion: scopeBeVer,
			Attrs: []Attr{{"http.request.method", rt[0]}, {"http.route", rt[1]}, {"http.response.status_code", 200}, {"server.address", "backend-2:3001"}}},
		{SpanID: id("postgres"), ParentSpanID: id("backend"), Service: simlogs.ServicePostgres, Name: rt[2], Kind: KindClient,
			Start: at(4 * time.Millisecond), Duration: q, Scope: scopePg, ScopeVersion: scopePgVer,
			Attrs: []Attr{{"db.system", "postgresql"}, {"db.query.text", rt[2]}, {"server.address", "pg-primary.db.svc"}, {"server.port", 5432}}},
	}}
}
