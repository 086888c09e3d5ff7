package jaeger

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	model "github.com/jaegertracing/jaeger-idl/model/v1"
)

// Tags the OTLP-to-Jaeger translation adds that this package carries in
// Span fields instead.
const (
	tagSpanKind   = "span.kind"
	tagStatusCode = "otel.status_code"
	tagError      = "error"
	tagEventName  = "event"
	jaegerPrefix  = "@jaeger@" // Jaeger-internal attributes (warnings, format)
	warningsAttr  = "@jaeger@warnings"
)

func modelTraceID(t model.TraceID) string { return fmt.Sprintf("%016x%016x", t.High, t.Low) }

func modelSpanID(s model.SpanID) string { return fmt.Sprintf("%016x", uint64(s)) }

// modelValue renders a tag value as a string, the same way for both
// transports: floats in shortest form, binary as hex.
func modelValue(kv *model.KeyValue) string {
	switch kv.VType {
	case model.ValueType_STRING:
		return kv.VStr
	case model.ValueType_BOOL:
		return strconv.FormatBool(kv.VBool)
	case model.ValueType_INT64:
		return strconv.FormatInt(kv.VInt64, 10)
	case model.ValueType_FLOAT64:
		return formatFloat(kv.VFloat64)
	case model.ValueType_BINARY:
		return hex.EncodeToString(kv.VBinary)
	default:
		return kv.AsString()
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func modelTags(kvs []model.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for i := range kvs {
		out[kvs[i].Key] = modelValue(&kvs[i])
	}
	return out
}

// fromModel converts an api_v2 span into a Span.
func fromModel(ms *model.Span) Span {
	s := Span{
		TraceID:   modelTraceID(ms.TraceID),
		SpanID:    modelSpanID(ms.SpanID),
		Operation: ms.OperationName,
		Start:     ms.StartTime.UTC(),
		Duration:  ms.Duration,
		Warnings:  ms.Warnings,
	}
	s.ParentSpanID = modelParent(ms)
	if ms.Process != nil {
		s.Service = ms.Process.ServiceName
		if len(ms.Process.Tags) > 0 {
			s.Process = modelTags(ms.Process.Tags)
		}
	}
	tags := modelTags(ms.Tags)
	s.Kind = strings.ToLower(tags[tagSpanKind])
	delete(tags, tagSpanKind)
	s.Status = strings.ToUpper(tags[tagStatusCode])
	delete(tags, tagStatusCode)
	// The translation adds error=true for status ERROR; only then is the
	// tag synthetic. A span from a Jaeger/OpenTracing client keeps it.
	if s.Status == "ERROR" {
		delete(tags, tagError)
		s.Error = true
	} else if strings.EqualFold(tags[tagError], "true") {
		s.Error = true
	}
	for k := range tags {
		if strings.HasPrefix(k, jaegerPrefix) {
			delete(tags, k)
		}
	}
	s.Tags = tags
	for i := range ms.Logs {
		s.Events = append(s.Events, fromModelLog(&ms.Logs[i]))
	}
	return s
}

// modelParent is the first CHILD_OF reference within the same trace, else
// the first FOLLOWS_FROM one within the same trace.
func modelParent(ms *model.Span) string {
	var follows string
	for _, r := range ms.References {
		if r.TraceID != ms.TraceID || r.SpanID == 0 {
			continue
		}
		switch r.RefType {
		case model.SpanRefType_CHILD_OF:
			return modelSpanID(r.SpanID)
		case model.SpanRefType_FOLLOWS_FROM:
			if follows == "" {
				follows = modelSpanID(r.SpanID)
			}
		}
	}
	return follows
}

func fromModelLog(l *model.Log) Event {
	attrs := modelTags(l.Fields)
	e := Event{Time: l.Timestamp.UTC(), Name: attrs[tagEventName]}
	delete(attrs, tagEventName)
	if len(attrs) > 0 {
		e.Attrs = attrs
	}
	return e
}

func modelTraceIDFromHex(tid string) (model.TraceID, error) {
	id, err := model.TraceIDFromString(tid)
	if err != nil {
		return model.TraceID{}, fmt.Errorf("invalid trace id %q: %w", tid, err)
	}
	return id, nil
}
