package jaeger

import (
	"context"
	"encoding/hex"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Trace ids the fixture exports. The first has a zero high half, so it
// also exercises 64-bit ids and left padding.
const (
	checkoutTraceID = "00000000000000007a3f9c1e5b2d4086"
	healthTraceID   = "5f2b8e61c0d94a7fb3e1d2c4a6f80917"
	scopeName       = "oncall/jaeger-test"
	scopeVersion    = "1.2.3"
)

// fixedIDs hands out the queued trace ids for root spans and sequential
// span ids, so the test knows every id in advance.
type fixedIDs struct {
	mu     sync.Mutex
	traces []trace.TraceID
	next   uint64
}

func (g *fixedIDs) spanID() trace.SpanID {
	g.next++
	var s trace.SpanID
	v := 0xa1b2c3d400000000 | g.next
	for i := 7; i >= 0; i-- {
		s[i] = byte(v)
		v >>= 8
	}
	return s
}

func (g *fixedIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.traces[0]
	g.traces = g.traces[1:]
	return t, g.spanID()
}

func (g *fixedIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.spanID()
}

func mustTraceID(t *testing.T, s string) trace.TraceID {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 16 {
		t.Fatalf("bad fixture trace id %q", s)
	}
	var id trace.TraceID
	copy(id[:], b)
	return id
}

type eventDef struct {
	name   string
	offset time.Duration
	attrs  []attribute.KeyValue
}

type spanDef struct {
	service  string
	name     string
	kind     trace.SpanKind
	parent   int // index into the defs, -1 for a root
	offset   time.Duration
	duration time.Duration
	attrs    []attribute.KeyValue
	status   codes.Code
	message  string
	events   []eventDef
}

// checkoutDefs is a failing checkout across three services; healthDefs a
// healthy one-span trace. Offsets carry sub-microsecond parts on purpose.
func checkoutDefs() []spanDef {
	return []spanDef{
		{service: "api-gateway", name: "GET /checkout", kind: trace.SpanKindServer, parent: -1,
			duration: 182*time.Millisecond + 345*time.Microsecond + 678,
			attrs: []attribute.KeyValue{
				attribute.String("http.method", "GET"), attribute.Int("http.status_code", 500),
				attribute.Bool("cache.hit", false), attribute.Float64("sample.ratio", 0.25),
				attribute.StringSlice("feature.flags", []string{"new-cart", "fast-pay"}),
			},
			status: codes.Error, message: "upstream failed"},
		{service: "conectcrm-backend", name: "POST /orders", kind: trace.SpanKindServer, parent: 0,
			offset: 2*time.Millisecond + 101*time.Microsecond, duration: 170 * time.Millisecond,
			attrs: []attribute.KeyValue{attribute.String("customer.tier", "gold"), attribute.Int64("order.items", 3)},
			events: []eventDef{{name: "cache miss", offset: 5 * time.Millisecond,
				attrs: []attribute.KeyValue{attribute.String("cache.key", "cart:42"), attribute.Int("attempt", 1)}}}},
		{service: "postgres", name: "INSERT orders", kind: trace.SpanKindClient, parent: 1,
			offset: 20*time.Millisecond + 7*time.Microsecond + 250, duration: 150*time.Millisecond + 999*time.Microsecond,
			attrs: []attribute.KeyValue{
				attribute.String("db.system", "postgresql"), attribute.String("db.statement", "INSERT INTO orders VALUES ($1)"),
				attribute.Bool("db.retry", true),
			},
			status: codes.Error, message: "connection reset by peer",
			events: []eventDef{{name: "exception", offset: 150 * time.Millisecond,
				attrs: []attribute.KeyValue{
					attribute.String("exception.type", "*net.OpError"),
					attribute.String("exception.message", "read tcp: connection reset by peer"),
				}}}},
		{service: "conectcrm-backend", name: "render receipt", kind: trace.SpanKindInternal, parent: 1,
			offset: 20*time.Millisecond + 7*time.Microsecond + 250, duration: 40 * time.Microsecond,
			status: codes.Ok},
	}
}

func healthDefs() []spanDef {
	return []spanDef{{service: "api-gateway", name: "GET /health", kind: trace.SpanKindServer, parent: -1,
		duration: 900 * time.Microsecond, attrs: []attribute.KeyValue{attribute.Int("http.status_code", 200)}}}
}

// exported is what the fixture sent, as the Spans a client should return.
type exported struct {
	checkout, health *Trace
	start            time.Time
}

// exportFixture sends both traces to the OTLP/gRPC receiver at addr, one
// tracer provider per service, and returns what a reader should see.
func exportFixture(t *testing.T, addr string) exported {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ids := &fixedIDs{traces: []trace.TraceID{mustTraceID(t, checkoutTraceID), mustTraceID(t, healthTraceID)}}
	providers := map[string]*sdktrace.TracerProvider{}
	provider := func(service string) *sdktrace.TracerProvider {
		if p := providers[service]; p != nil {
			return p
		}
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(addr), otlptracegrpc.WithInsecure())
		if err != nil {
			t.Fatalf("otlp exporter: %v", err)
		}
		p := sdktrace.NewTracerProvider(
			sdktrace.WithSyncer(exp),
			sdktrace.WithIDGenerator(ids),
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithResource(resource.NewSchemaless(
				attribute.String("service.name", service),
				attribute.String("deployment.environment", "test"),
			)),
		)
		providers[service] = p
		return p
	}
	base := time.Now().Add(-2 * time.Minute).Truncate(time.Second).Add(123456789)
	out := exported{start: base}
	out.checkout = emit(ctx, t, provider, checkoutDefs(), base)
	out.health = emit(ctx, t, provider, healthDefs(), base.Add(time.Second))
	for _, p := range providers {
		if err := p.Shutdown(ctx); err != nil {
			t.Fatalf("flush spans: %v", err)
		}
	}
	return out
}

func emit(ctx context.Context, t *testing.T, provider func(string) *sdktrace.TracerProvider, defs []spanDef, base time.Time) *Trace {
	t.Helper()
	spans := make([]trace.Span, len(defs))
	want := &Trace{}
	for i, d := range defs {
		pctx := ctx
		if d.parent >= 0 {
			pctx = trace.ContextWithSpan(ctx, spans[d.parent])
		}
		start := base.Add(d.offset)
		tr := provider(d.service).Tracer(scopeName, trace.WithInstrumentationVersion(scopeVersion))
		_, sp := tr.Start(pctx, d.name, trace.WithSpanKind(d.kind), trace.WithTimestamp(start), trace.WithAttributes(d.attrs...))
		spans[i] = sp
		sc := sp.SpanContext()
		ws := Span{
			TraceID: sc.TraceID().String(), SpanID: sc.SpanID().String(),
			Service: d.service, Operation: d.name, Start: start.UTC(), Duration: d.duration,
			Kind: kindName(d.kind), Process: map[string]string{"deployment.environment": "test"},
			Tags: map[string]string{"otel.scope.name": scopeName, "otel.scope.version": scopeVersion},
		}
		if d.parent >= 0 {
			ws.ParentSpanID = spans[d.parent].SpanContext().SpanID().String()
		}
		for _, a := range d.attrs {
			ws.Tags[string(a.Key)] = attrString(a.Value)
		}
		for _, e := range d.events {
			sp.AddEvent(e.name, trace.WithTimestamp(start.Add(e.offset)), trace.WithAttributes(e.attrs...))
			we := Event{Time: start.Add(e.offset).UTC(), Name: e.name, Attrs: map[string]string{}}
			for _, a := range e.attrs {
				we.Attrs[string(a.Key)] = attrString(a.Value)
			}
			ws.Events = append(ws.Events, we)
		}
		switch d.status {
		case codes.Error:
			sp.SetStatus(codes.Error, d.message)
			ws.Status, ws.Error = "ERROR", true
			ws.Tags["otel.status_description"] = d.message
		case codes.Ok:
			sp.SetStatus(codes.Ok, "")
			ws.Status = "OK"
		}
		want.TraceID = ws.TraceID
		want.Spans = append(want.Spans, ws)
	}
	for i := len(defs) - 1; i >= 0; i-- {
		spans[i].End(trace.WithTimestamp(base.Add(defs[i].offset + defs[i].duration)))
	}
	sortSpans(want.Spans)
	return want
}

func kindName(k trace.SpanKind) string {
	switch k {
	case trace.SpanKindServer:
		return "server"
	case trace.SpanKindClient:
		return "client"
	case trace.SpanKindInternal:
		return "internal"
	case trace.SpanKindProducer:
		return "producer"
	case trace.SpanKindConsumer:
		return "consumer"
	}
	return ""
}

// attrString renders an exported attribute the way the package documents:
// arrays as JSON, floats in shortest form.
func attrString(v attribute.Value) string {
	if v.Type() == attribute.FLOAT64 {
		return strconv.FormatFloat(v.AsFloat64(), 'g', -1, 64)
	}
	return v.String()
}
