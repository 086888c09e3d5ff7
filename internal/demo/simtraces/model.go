// Package simtraces is the demo's Jaeger: a loopback HTTP server that
// answers Jaeger's /api/v3 query API (GET /api/v3/traces/{id},
// /api/v3/traces, /api/v3/services, /api/v3/operations) with OTLP/JSON
// bodies shaped like the ones real Jaeger (v1.76 / v2) sends, for a fixed
// set of traces. It is for `oncall demo` and tests; it stores nothing.
package simtraces

import (
	"cmp"
	"slices"
	"time"
)

// Kind is an OTLP span kind.
type Kind int

// Span kinds, numbered as in OTLP.
const (
	KindUnspecified Kind = iota
	KindInternal
	KindServer
	KindClient
	KindProducer
	KindConsumer
)

func (k Kind) name() string {
	return [...]string{"", "internal", "server", "client", "producer", "consumer"}[max(0, min(int(k), 5))]
}

// Status is an OTLP status code.
type Status int

// Status codes, numbered as in OTLP.
const (
	StatusUnset Status = iota
	StatusOK
	StatusError
)

// Attr is one attribute. Value is a string, bool, int, int64, float64 or
// []string.
type Attr struct {
	Key   string
	Value any
}

// Event is a span event.
type Event struct {
	Name  string
	At    time.Time
	Attrs []Attr
}

// Span is one simulated span; ids are lowercase hex (16 digits).
type Span struct {
	SpanID, ParentSpanID string
	Service, Name        string
	Kind                 Kind
	Start                time.Time
	Duration             time.Duration
	Attrs                []Attr
	Events               []Event
	Status               Status
	Message              string // status message
	// Scope is the instrumentation scope (name and version).
	Scope, ScopeVersion string
}

// End is the span's end time.
func (s *Span) End() time.Time { return s.Start.Add(s.Duration) }

// Trace is one simulated trace; the id is lowercase hex (32 digits).
type Trace struct {
	TraceID string
	Spans   []Span
	// Resource holds extra resource attributes per service (service.name
	// is added from Span.Service).
	Resource map[string][]Attr
}

// Start is the earliest span start.
func (t *Trace) Start() time.Time {
	if len(t.Spans) == 0 {
		return time.Time{}
	}
	return slices.MinFunc(t.Spans, func(a, b Span) int { return a.Start.Compare(b.Start) }).Start
}

// Errors counts the spans with status ERROR.
func (t *Trace) Errors() int {
	n := 0
	for i := range t.Spans {
		if t.Spans[i].Status == StatusError {
			n++
		}
	}
	return n
}

// byEnd orders spans as Jaeger's memory store returns them: in the order
// they were received, which for an SDK exporting on End is by end time.
func byEnd(spans []Span) []Span {
	out := slices.Clone(spans)
	slices.SortStableFunc(out, func(a, b Span) int {
		if c := a.End().Compare(b.End()); c != 0 {
			return c
		}
		return cmp.Compare(a.SpanID, b.SpanID)
	})
	return out
}
