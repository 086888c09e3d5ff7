package jaeger

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Minimal OTLP/JSON structures, as the /api/v3 gateway renders them.

type v3TraceResponse struct {
	Result *otlpTraces `json:"result"`
}

type otlpTraces struct {
	ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
}

type otlpResourceSpans struct {
	Resource struct {
		Attributes []otlpKeyValue `json:"attributes"`
	} `json:"resource"`
	ScopeSpans []otlpScopeSpans `json:"scopeSpans"`
}

type otlpScopeSpans struct {
	Scope struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"scope"`
	Spans []otlpSpan `json:"spans"`
}

type otlpSpan struct {
	TraceID           string         `json:"traceId"`
	SpanID            string         `json:"spanId"`
	ParentSpanID      string         `json:"parentSpanId"`
	TraceState        string         `json:"traceState"`
	Name              string         `json:"name"`
	Kind              otlpEnum       `json:"kind"`
	StartTimeUnixNano otlpInt        `json:"startTimeUnixNano"`
	EndTimeUnixNano   otlpInt        `json:"endTimeUnixNano"`
	Attributes        []otlpKeyValue `json:"attributes"`
	Events            []otlpEvent    `json:"events"`
	Status            struct {
		Code    otlpEnum `json:"code"`
		Message string   `json:"message"`
	} `json:"status"`
}

type otlpEvent struct {
	TimeUnixNano otlpInt        `json:"timeUnixNano"`
	Name         string         `json:"name"`
	Attributes   []otlpKeyValue `json:"attributes"`
}

type otlpKeyValue struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

type otlpValue struct {
	StringValue *string         `json:"stringValue"`
	BoolValue   *bool           `json:"boolValue"`
	IntValue    *otlpInt        `json:"intValue"`
	DoubleValue *otlpFloat      `json:"doubleValue"`
	BytesValue  *string         `json:"bytesValue"`
	ArrayValue  *otlpArrayValue `json:"arrayValue"`
	KvlistValue *otlpKvList     `json:"kvlistValue"`
}

type otlpArrayValue struct {
	Values []otlpValue `json:"values"`
}

type otlpKvList struct {
	Values []otlpKeyValue `json:"values"`
}

// otlpInt is a 64-bit integer that OTLP/JSON writes as a string (but a
// number is accepted too).
type otlpInt int64

func (n *otlpInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		u, uerr := strconv.ParseUint(s, 10, 64)
		if uerr != nil {
			return fmt.Errorf("bad integer %s", clip(string(b), 40))
		}
		v = int64(u) //nolint:gosec // OTLP fixed64 timestamps fit until 2262
	}
	*n = otlpInt(v)
	return nil
}

// otlpFloat accepts a JSON number or the strings "NaN", "Infinity" and
// "-Infinity" that proto3 JSON uses.
type otlpFloat float64

func (f *otlpFloat) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseFloat(string(bytes.Trim(b, `"`)), 64)
	if err != nil {
		return fmt.Errorf("bad number %s", clip(string(b), 40))
	}
	*f = otlpFloat(v)
	return nil
}

// otlpEnum is an enum written as its number or its name.
type otlpEnum struct {
	n    int
	name string
}

func (e *otlpEnum) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.name)
	}
	return json.Unmarshal(b, &e.n)
}

var spanKinds = []string{"", "internal", "server", "client", "producer", "consumer"}

func (e otlpEnum) kind() string {
	if e.name != "" {
		k := strings.ToLower(strings.TrimPrefix(e.name, "SPAN_KIND_"))
		if k == "unspecified" {
			return ""
		}
		return k
	}
	if e.n > 0 && e.n < len(spanKinds) {
		return spanKinds[e.n]
	}
	return ""
}

func (e otlpEnum) status() string {
	switch {
	case e.name == "STATUS_CODE_OK" || e.n == 1:
		return "OK"
	case e.name == "STATUS_CODE_ERROR" || e.n == 2:
		return "ERROR"
	}
	return ""
}

// raw turns a value into plain Go data, for rendering arrays and maps.
func (v otlpValue) raw() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.IntValue != nil:
		return int64(*v.IntValue)
	case v.DoubleValue != nil:
		return float64(*v.DoubleValue)
	case v.BytesValue != nil:
		return *v.BytesValue // already base64, as json renders []byte
	case v.ArrayValue != nil:
		out := make([]any, 0, len(v.ArrayValue.Values))
		for _, x := range v.ArrayValue.Values {
			out = append(out, x.raw())
		}
		return out
	case v.KvlistValue != nil:
		out := make(map[string]any, len(v.KvlistValue.Values))
		for _, kv := range v.KvlistValue.Values {
			out[kv.Key] = kv.Value.raw()
		}
		return out
	}
	return nil
}

// String renders a value the way Jaeger's api_v2 translation does, so both
// transports agree: arrays and maps as JSON, bytes as hex.
func (v otlpValue) String() string {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return strconv.FormatBool(*v.BoolValue)
	case v.IntValue != nil:
		return strconv.FormatInt(int64(*v.IntValue), 10)
	case v.DoubleValue != nil:
		return formatFloat(float64(*v.DoubleValue))
	case v.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*v.BytesValue)
		if err != nil {
			return *v.BytesValue
		}
		return hex.EncodeToString(b)
	case v.ArrayValue != nil, v.KvlistValue != nil:
		b, err := json.Marshal(v.raw())
		if err != nil {
			return ""
		}
		return string(b)
	}
	return ""
}

func otlpAttrs(kvs []otlpKeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		out[kv.Key] = kv.Value.String()
	}
	return out
}

func unixNano(n otlpInt) time.Time { return time.Unix(0, int64(n)).UTC() }

// fromOTLP flattens OTLP/JSON traces into Spans.
func fromOTLP(td *otlpTraces) ([]Span, error) {
	var out []Span
	for _, rs := range td.ResourceSpans {
		res := otlpAttrs(rs.Resource.Attributes)
		service := res["service.name"]
		delete(res, "service.name")
		if len(res) == 0 {
			res = nil
		}
		for _, ss := range rs.ScopeSpans {
			for i := range ss.Spans {
				s, err := fromOTLPSpan(&ss.Spans[i], service, res, ss.Scope.Name, ss.Scope.Version)
				if err != nil {
					return nil, err
				}
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func fromOTLPSpan(sp *otlpSpan, service string, process map[string]string, scopeName, scopeVersion string) (Span, error) {
	var err error
	s := Span{Service: service, Operation: sp.Name, Kind: sp.Kind.kind(), Status: sp.Status.Code.status()}
	if s.TraceID, err = wireID(sp.TraceID, 32); err != nil {
		return s, fmt.Errorf("trace id: %w", err)
	}
	if s.SpanID, err = wireID(sp.SpanID, 16); err != nil {
		return s, fmt.Errorf("span id: %w", err)
	}
	if s.ParentSpanID, err = wireID(sp.ParentSpanID, 16); err != nil {
		return s, fmt.Errorf("parent span id: %w", err)
	}
	if s.TraceID == "" || s.SpanID == "" {
		return s, fmt.Errorf("span %q has no trace or span id", clip(sp.Name, 60))
	}
	if strings.Trim(s.ParentSpanID, "0") == "" {
		s.ParentSpanID = ""
	}
	if process != nil {
		s.Process = make(map[string]string, len(process))
		for k, v := range process {
			s.Process[k] = v
		}
	}
	s.Start = unixNano(sp.StartTimeUnixNano)
	if sp.EndTimeUnixNano > sp.StartTimeUnixNano {
		s.Duration = time.Duration(sp.EndTimeUnixNano - sp.StartTimeUnixNano)
	}
	tags := make(map[string]string, len(sp.Attributes)+4)
	for _, kv := range sp.Attributes {
		switch {
		case kv.Key == warningsAttr && kv.Value.ArrayValue != nil:
			for _, w := range kv.Value.ArrayValue.Values {
				s.Warnings = append(s.Warnings, w.String())
			}
		case strings.HasPrefix(kv.Key, jaegerPrefix):
		default:
			tags[kv.Key] = kv.Value.String()
		}
	}
	// The same extra tags the api_v2 translation adds, so both agree.
	addIf(tags, "otel.scope.name", scopeName)
	addIf(tags, "otel.scope.version", scopeVersion)
	addIf(tags, "otel.status_description", sp.Status.Message)
	addIf(tags, "w3c.tracestate", sp.TraceState)
	s.Tags = tags
	s.Error = s.Status == "ERROR" || strings.EqualFold(tags[tagError], "true")
	for _, e := range sp.Events {
		ev := Event{Time: unixNano(e.TimeUnixNano), Name: e.Name}
		if len(e.Attributes) > 0 {
			ev.Attrs = otlpAttrs(e.Attributes)
			if ev.Name == "" {
				ev.Name = ev.Attrs[tagEventName]
			}
			delete(ev.Attrs, tagEventName)
			if len(ev.Attrs) == 0 {
				ev.Attrs = nil
			}
		}
		s.Events = append(s.Events, ev)
	}
	return s, nil
}

func addIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}
