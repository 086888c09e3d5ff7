package simtraces

import (
	"cmp"
	"slices"
	"strconv"
)

// The OTLP/JSON shapes Jaeger's /api/v3 gateway writes: 64-bit integers as
// strings, ids as hex, enums as numbers, one resourceSpans per span (the
// memory store keeps each span with its own resource), attributes sorted
// by key, empty fields left out.

type v3Response struct {
	Result v3Traces `json:"result"`
}

type v3Traces struct {
	ResourceSpans []v3ResourceSpans `json:"resourceSpans"`
}

type v3ResourceSpans struct {
	Resource   v3Resource     `json:"resource"`
	ScopeSpans []v3ScopeSpans `json:"scopeSpans"`
}

type v3Resource struct {
	Attributes []v3KeyValue `json:"attributes"`
}

type v3ScopeSpans struct {
	Scope v3Scope  `json:"scope"`
	Spans []v3Span `json:"spans"`
}

type v3Scope struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

type v3Span struct {
	TraceID      string       `json:"traceId"`
	SpanID       string       `json:"spanId"`
	ParentSpanID string       `json:"parentSpanId,omitempty"`
	Flags        int          `json:"flags"`
	Name         string       `json:"name"`
	Kind         int          `json:"kind"`
	Start        string       `json:"startTimeUnixNano"`
	End          string       `json:"endTimeUnixNano"`
	Attributes   []v3KeyValue `json:"attributes,omitempty"`
	Events       []v3Event    `json:"events,omitempty"`
	Status       v3Status     `json:"status"`
}

type v3Status struct {
	Message string `json:"message,omitempty"`
	Code    int    `json:"code,omitempty"`
}

type v3Event struct {
	TimeUnixNano string       `json:"timeUnixNano"`
	Name         string       `json:"name"`
	Attributes   []v3KeyValue `json:"attributes,omitempty"`
}

type v3KeyValue struct {
	Key   string  `json:"key"`
	Value v3Value `json:"value"`
}

type v3Value struct {
	StringValue *string  `json:"stringValue,omitempty"`
	BoolValue   *bool    `json:"boolValue,omitempty"`
	IntValue    *string  `json:"intValue,omitempty"`
	DoubleValue *float64 `json:"doubleValue,omitempty"`
	ArrayValue  *v3Array `json:"arrayValue,omitempty"`
}

type v3Array struct {
	Values []v3Value `json:"values"`
}

// sampledFlags are the W3C sampled flag plus OTLP's "context has is_remote"
// bit, as the Go SDK sets them.
const sampledFlags = 0x101

func value(v any) v3Value {
	switch x := v.(type) {
	case string:
		return v3Value{StringValue: &x}
	case bool:
		return v3Value{BoolValue: &x}
	case int:
		s := strconv.Itoa(x)
		return v3Value{IntValue: &s}
	case int64:
		s := strconv.FormatInt(x, 10)
		return v3Value{IntValue: &s}
	case float64:
		return v3Value{DoubleValue: &x}
	case []string:
		arr := &v3Array{Values: make([]v3Value, 0, len(x))}
		for _, e := range x {
			arr.Values = append(arr.Values, value(e))
		}
		return v3Value{ArrayValue: arr}
	}
	s := ""
	return v3Value{StringValue: &s}
}

func keyValues(attrs []Attr) []v3KeyValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make([]v3KeyValue, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, v3KeyValue{Key: a.Key, Value: value(a.Value)})
	}
	slices.SortStableFunc(out, func(a, b v3KeyValue) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

func nanos(t interface{ UnixNano() int64 }) string { return strconv.FormatInt(t.UnixNano(), 10) }

// encode renders traces as the gateway's answer.
func encode(traces []*Trace) v3Response {
	resp := v3Response{Result: v3Traces{ResourceSpans: []v3ResourceSpans{}}}
	for _, t := range traces {
		for _, s := range byEnd(t.Spans) {
			res := append([]Attr{{Key: "service.name", Value: s.Service}}, t.Resource[s.Service]...)
			sp := v3Span{
				TraceID: t.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID, Flags: sampledFlags,
				Name: s.Name, Kind: int(s.Kind), Start: nanos(s.Start), End: nanos(s.End()),
				Attributes: keyValues(s.Attrs), Status: v3Status{Code: int(s.Status), Message: s.Message},
			}
			for _, e := range s.Events {
				sp.Events = append(sp.Events, v3Event{TimeUnixNano: nanos(e.At), Name: e.Name, Attributes: keyValues(e.Attrs)})
			}
			resp.Result.ResourceSpans = append(resp.Result.ResourceSpans, v3ResourceSpans{
				Resource:   v3Resource{Attributes: keyValues(res)},
				ScopeSpans: []v3ScopeSpans{{Scope: v3Scope{Name: s.Scope, Version: s.ScopeVersion}, Spans: []v3Span{sp}}},
			})
		}
	}
	return resp
}
