package jaeger

import (
	"encoding/json"
	"time"
)

// spanJSON is the -o json shape of a Span: durations in whole microseconds,
// times in RFC 3339 with nanoseconds.
type spanJSON struct {
	TraceID        string            `json:"traceID"`
	SpanID         string            `json:"spanID"`
	ParentSpanID   string            `json:"parentSpanID"`
	Service        string            `json:"service"`
	Operation      string            `json:"operation"`
	Start          time.Time         `json:"start"`
	DurationMicros int64             `json:"durationMicros"`
	Error          bool              `json:"error"`
	Kind           string            `json:"kind,omitempty"`
	Status         string            `json:"status,omitempty"`
	Tags           map[string]string `json:"tags"`
	Process        map[string]string `json:"process,omitempty"`
	Events         []Event           `json:"events"`
	Warnings       []string          `json:"warnings,omitempty"`
}

// MarshalJSON renders the span with durationMicros and an RFC 3339 start.
func (s Span) MarshalJSON() ([]byte, error) {
	j := spanJSON{
		TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID,
		Service: s.Service, Operation: s.Operation, Start: s.Start,
		DurationMicros: s.Duration.Microseconds(), Error: s.Error,
		Kind: s.Kind, Status: s.Status, Tags: s.Tags, Process: s.Process,
		Events: s.Events, Warnings: s.Warnings,
	}
	if j.Tags == nil {
		j.Tags = map[string]string{}
	}
	if j.Events == nil {
		j.Events = []Event{}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the shape MarshalJSON writes.
func (s *Span) UnmarshalJSON(b []byte) error {
	var j spanJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Span{
		TraceID: j.TraceID, SpanID: j.SpanID, ParentSpanID: j.ParentSpanID,
		Service: j.Service, Operation: j.Operation, Start: j.Start,
		Duration: time.Duration(j.DurationMicros) * time.Microsecond, Error: j.Error,
		Kind: j.Kind, Status: j.Status, Tags: j.Tags, Process: j.Process,
		Events: j.Events, Warnings: j.Warnings,
	}
	return nil
}

type summaryJSON struct {
	TraceID        string    `json:"traceID"`
	Root           string    `json:"root"`
	Start          time.Time `json:"start"`
	DurationMicros int64     `json:"durationMicros"`
	Spans          int       `json:"spans"`
	Errors         int       `json:"errors"`
	Services       []string  `json:"services"`
}

// MarshalJSON renders the summary with durationMicros and an RFC 3339 start.
func (t TraceSummary) MarshalJSON() ([]byte, error) {
	j := summaryJSON{
		TraceID: t.TraceID, Root: t.Root, Start: t.Start,
		DurationMicros: t.Duration.Microseconds(), Spans: t.Spans,
		Errors: t.Errors, Services: t.Services,
	}
	if j.Services == nil {
		j.Services = []string{}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the shape MarshalJSON writes.
func (t *TraceSummary) UnmarshalJSON(b []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*t = TraceSummary{
		TraceID: j.TraceID, Root: j.Root, Start: j.Start,
		Duration: time.Duration(j.DurationMicros) * time.Microsecond,
		Spans:    j.Spans, Errors: j.Errors, Services: j.Services,
	}
	return nil
}
