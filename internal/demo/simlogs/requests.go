// Package simlogs is the Loki of `oncall demo`: a fake Loki (lokitest)
// seeded with an hour of JSON logs of the simulated incident for
// api-gateway, conectcrm-backend and postgres, that keeps logging a few
// lines a second while the demo runs.
//
// The failing requests of the incident are deterministic (Requests,
// TraceIDs): their error lines carry trace_id and span_id, and the demo's
// simulated Jaeger builds traces with the same ids, so a log line leads to
// its trace and back. Times are offsets from the demo's anchor (the moment
// the demo started).
package simlogs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Service names, as in the simulated Alertmanager and Prometheus.
const (
	ServiceGateway  = "api-gateway"
	ServiceBackend  = "conectcrm-backend"
	ServicePostgres = "postgres"
)

// Env is the env label of every stream.
const Env = "prod"

// Request is one failing request of the incident: the gateway called the
// backend, which timed out waiting for a postgres connection.
type Request struct {
	// TraceID is 32 lower-case hex characters.
	TraceID string
	// Start is the offset from the demo's anchor (negative: in the past).
	Start time.Duration
	// Method and Route are the HTTP request, e.g. GET /api/v1/contacts.
	Method, Route string
	// Status is what the gateway answered.
	Status int
	// Duration is the whole request, as the gateway saw it.
	Duration time.Duration
	// Instance is the backend instance that served it.
	Instance string
	// Hops are the spans, in call order: api-gateway (the root),
	// conectcrm-backend, postgres.
	Hops []Hop
}

// Hop is one service's part of a request: one span.
type Hop struct {
	Service string
	// SpanID is 16 lower-case hex characters; ParentID is "" for the root.
	SpanID, ParentID string
	// Operation is the span name.
	Operation string
	// Offset is from the request's Start.
	Offset, Duration time.Duration
	// Error is the hop's failure ("" when it did not fail itself).
	Error string
}

// Services lists the services the request went through, in call order.
func (r Request) Services() []string {
	out := make([]string, len(r.Hops))
	for i, h := range r.Hops {
		out[i] = h.Service
	}
	return out
}

// NumRequests is how many failing requests carry trace ids.
const NumRequests = 20

type route struct{ method, path, op, query string }

var routes = [...]route{
	{"GET", "/api/v1/contacts", "contacts.list", "SELECT id, name, email FROM crm.contacts WHERE account_id = $1 ORDER BY updated_at DESC LIMIT 50"},
	{"POST", "/api/v1/deals", "deals.create", "INSERT INTO crm.deals (account_id, title, amount) VALUES ($1, $2, $3) RETURNING id"},
	{"GET", "/api/v1/contacts/{id}", "contacts.get", "SELECT * FROM crm.contacts WHERE id = $1"},
	{"PUT", "/api/v1/tickets/{id}", "tickets.update", "UPDATE crm.tickets SET status = $2, updated_at = now() WHERE id = $1"},
	{"GET", "/api/v1/dashboard", "dashboard.summary", "SELECT stage, count(*), sum(amount) FROM crm.deals GROUP BY stage"},
}

// hexID derives a deterministic id of n hex characters from a name.
func hexID(name string, n int) string {
	sum := sha256.Sum256([]byte("conectcrm-incident/" + name))
	return hex.EncodeToString(sum[:])[:n]
}

// TraceIDs returns the trace ids of Requests, in order.
func TraceIDs() []string {
	rs := Requests()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.TraceID
	}
	return out
}

// Requests returns the incident's failing requests, oldest first: one
// every 33 seconds from 11 minutes before the anchor. They are the same on
// every call.
func Requests() []Request {
	out := make([]Request, NumRequests)
	for i := range out {
		trace := hexID(fmt.Sprintf("request/%d", i), 32)
		rt := routes[i%len(routes)]
		seed := sha256.Sum256([]byte(trace))
		wait := 5000*time.Millisecond + time.Duration(seed[0]%40)*time.Millisecond
		total := wait + time.Duration(8+seed[1]%20)*time.Millisecond
		status := 500
		if i%4 == 3 {
			status = 504
		}
		inst := "backend-2:3001"
		if i%2 == 1 {
			inst = "backend-3:3001"
		}
		gw := Hop{Service: ServiceGateway, SpanID: hexID(trace+"/gateway", 16), Operation: rt.method + " " + rt.path,
			Duration: total, Error: fmt.Sprintf("upstream %s answered %d", ServiceBackend, status)}
		if status == 504 {
			gw.Error = fmt.Sprintf("upstream %s timed out after %dms", ServiceBackend, total.Milliseconds())
		}
		be := Hop{Service: ServiceBackend, SpanID: hexID(trace+"/backend", 16), ParentID: gw.SpanID, Operation: rt.op,
			Offset: 3 * time.Millisecond, Duration: total - 6*time.Millisecond,
			Error: fmt.Sprintf("timeout acquiring connection from pool after %dms (pool size 20, %d waiting)", wait.Milliseconds(), 90+int(seed[2]%80))}
		pg := Hop{Service: ServicePostgres, SpanID: hexID(trace+"/postgres", 16), ParentID: be.SpanID, Operation: rt.query,
			Offset: 5 * time.Millisecond, Duration: wait, Error: "canceling statement due to statement timeout"}
		out[i] = Request{
			TraceID: trace, Start: -11*time.Minute + time.Duration(i)*33*time.Second + time.Duration(seed[3]%9)*100*time.Millisecond,
			Method: rt.method, Route: rt.path, Status: status, Duration: total, Instance: inst,
			Hops: []Hop{gw, be, pg},
		}
	}
	return out
}
