package jaeger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	model "github.com/jaegertracing/jaeger-idl/model/v1"
)

func TestNormalizeTraceID(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"7a3f9c1e5b2d4086", "00000000000000007a3f9c1e5b2d4086", ""},
		{"ABC", "00000000000000000000000000000abc", ""},
		{" 5F2B8E61C0D94A7FB3E1D2C4A6F80917 ", "5f2b8e61c0d94a7fb3e1d2c4a6f80917", ""},
		{"f", "0000000000000000000000000000000f", ""},
		{"", "", "empty trace id"},
		{"xyz", "", "not hexadecimal"},
		{"12-34", "", "not hexadecimal"},
		{strings.Repeat("a", 33), "", "longer than 32"},
		{"0000", "", "all zeros"},
	} {
		got, err := NormalizeTraceID(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("NormalizeTraceID(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestWireID(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
		bad   bool
	}{
		{"a1b2c3d400000004", 16, "a1b2c3d400000004", false},
		{"obLD1AAAAAQ=", 16, "a1b2c3d400000004", false},                             // base64 of the same 8 bytes
		{"AAAAAAAAAAB6P5weWy1Ahg==", 32, "00000000000000007a3f9c1e5b2d4086", false}, // base64 of 16 bytes
		{"7A3F9C1E5B2D40867A3F9C1E5B2D4086", 32, "7a3f9c1e5b2d40867a3f9c1e5b2d4086", false},
		{"7a3f9c1e5b2d4086", 32, "", true}, // hex must be full width
		{"", 16, "", false},
		{"zz", 16, "", true},
		{"AAAA", 32, "", true}, // base64 of 3 bytes: wrong size
	} {
		got, err := wireID(tc.in, tc.width)
		if got != tc.want || (err != nil) != tc.bad {
			t.Errorf("wireID(%q, %d) = %q, %v; want %q", tc.in, tc.width, got, err, tc.want)
		}
	}
}

func TestFromModel(t *testing.T) {
	tid := model.NewTraceID(0xabc, 0xdef)
	other := model.NewTraceID(1, 2)
	start := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.FixedZone("x", 3600))
	ms := &model.Span{
		TraceID: tid, SpanID: 0x10, OperationName: "op", StartTime: start, Duration: 1500 * time.Microsecond,
		References: []model.SpanRef{
			{TraceID: other, SpanID: 0x99, RefType: model.ChildOf}, // another trace: a link, not the parent
			{TraceID: tid, SpanID: 0x7, RefType: model.FollowsFrom},
			{TraceID: tid, SpanID: 0x8, RefType: model.ChildOf},
		},
		Tags: []model.KeyValue{
			model.String("span.kind", "client"), model.String("otel.status_code", "ERROR"), model.Bool("error", true),
			model.Int64("n", -3), model.Float64("f", 0.1), model.Binary("b", []byte{0xde, 0xad}),
			model.Bool("ok", false), model.String("@jaeger@format", "otlp"),
		},
		Logs: []model.Log{{Timestamp: start.Add(time.Millisecond), Fields: []model.KeyValue{
			model.String("event", "retry"), model.Int64("attempt", 2),
		}}, {Timestamp: start, Fields: []model.KeyValue{model.String("event", "bare")}}},
		Process:  &model.Process{ServiceName: "svc", Tags: []model.KeyValue{model.String("host.name", "h1")}},
		Warnings: []string{"clock skew adjusted"},
	}
	s := fromModel(ms)
	if s.TraceID != "0000000000000abc0000000000000def" || s.SpanID != "0000000000000010" || s.ParentSpanID != "0000000000000008" {
		t.Errorf("ids %s %s parent %s", s.TraceID, s.SpanID, s.ParentSpanID)
	}
	if s.Service != "svc" || s.Kind != "client" || s.Status != "ERROR" || !s.Error || s.Start.Location() != time.UTC ||
		!s.Start.Equal(start) || s.Duration != 1500*time.Microsecond || len(s.Warnings) != 1 {
		t.Errorf("span %+v", s)
	}
	want := map[string]string{"n": "-3", "f": "0.1", "b": "dead", "ok": "false"}
	if !mapsEqual(s.Tags, want) {
		t.Errorf("tags %v, want %v", s.Tags, want)
	}
	if !mapsEqual(s.Process, map[string]string{"host.name": "h1"}) {
		t.Errorf("process %v", s.Process)
	}
	if len(s.Events) != 2 || s.Events[0].Name != "retry" || !mapsEqual(s.Events[0].Attrs, map[string]string{"attempt": "2"}) ||
		s.Events[1].Name != "bare" || s.Events[1].Attrs != nil {
		t.Errorf("events %+v", s.Events)
	}

	// FOLLOWS_FROM is the fallback parent; an OpenTracing error tag without
	// a status is kept and still marks the span.
	ms.References = ms.References[:2]
	ms.Tags = []model.KeyValue{model.Bool("error", true)}
	s = fromModel(ms)
	if s.ParentSpanID != "0000000000000007" || !s.Error || s.Status != "" || s.Tags["error"] != "true" {
		t.Errorf("fallback: parent %s error %v status %q tags %v", s.ParentSpanID, s.Error, s.Status, s.Tags)
	}
	ms.References, ms.Process = nil, nil
	if s = fromModel(ms); s.ParentSpanID != "" || s.Service != "" {
		t.Errorf("no refs/process: parent %q service %q", s.ParentSpanID, s.Service)
	}
}

func TestSummarize(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := &Trace{TraceID: "t", Spans: []Span{
		// The true root was not reported: the earliest orphan is the root.
		{SpanID: "b", ParentSpanID: "missing", Service: "web", Operation: "GET", Start: t0.Add(time.Millisecond), Duration: time.Second},
		{SpanID: "c", ParentSpanID: "b", Service: "db", Operation: "q", Start: t0.Add(2 * time.Millisecond), Duration: 3 * time.Second, Error: true},
		{SpanID: "d", ParentSpanID: "gone", Service: "web", Operation: "late orphan", Start: t0.Add(5 * time.Millisecond), Duration: time.Millisecond},
	}}
	s := Summarize(tr)
	if s.Root != "web: GET" || s.Spans != 3 || s.Errors != 1 || !s.Start.Equal(t0.Add(time.Millisecond)) ||
		s.Duration != 3*time.Second+time.Millisecond || strings.Join(s.Services, ",") != "db,web" {
		t.Errorf("summary %+v", s)
	}
	if e := Summarize(&Trace{TraceID: "x"}); e.Spans != 0 || e.Root != "" {
		t.Errorf("empty trace summary %+v", e)
	}
	sums := summarizeAll([]*Trace{tr, {TraceID: "n", Spans: []Span{{SpanID: "a", Start: t0.Add(time.Hour)}}}}, 1)
	if len(sums) != 1 || sums[0].TraceID != "n" {
		t.Errorf("summarizeAll newest first, limit 1: %+v", sums)
	}
}

func TestJSONShape(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	tr := Trace{TraceID: checkoutTraceID, Spans: []Span{{
		TraceID: checkoutTraceID, SpanID: "a1", Service: "web", Operation: "GET", Start: start,
		Duration: 1234567 * time.Nanosecond, Error: true, Kind: "server", Status: "ERROR",
		Events: []Event{{Time: start, Name: "exception", Attrs: map[string]string{"k": "v"}}},
	}}}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	span := raw["spans"].([]any)[0].(map[string]any)
	for _, k := range []string{"spanID", "parentSpanID", "service", "operation", "start", "durationMicros", "error", "tags", "events"} {
		if _, ok := span[k]; !ok {
			t.Errorf("span JSON lacks %q: %s", k, b)
		}
	}
	if raw["traceID"] != checkoutTraceID || span["start"] != "2026-01-02T03:04:05.123456789Z" || span["durationMicros"] != float64(1234) ||
		span["error"] != true || span["parentSpanID"] != "" {
		t.Errorf("JSON %s", b)
	}
	if _, ok := span["Duration"]; ok {
		t.Errorf("raw Duration leaked into JSON: %s", b)
	}
	var back Trace
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if g := back.Spans[0]; g.Duration != 1234*time.Microsecond || !g.Start.Equal(start) || g.Events[0].Attrs["k"] != "v" || g.Kind != "server" {
		t.Errorf("round trip %+v", g)
	}
	sb, _ := json.Marshal(TraceSummary{TraceID: "t", Root: "web: GET", Start: start, Duration: 2 * time.Millisecond, Spans: 2})
	if !strings.Contains(string(sb), `"durationMicros":2000`) || !strings.Contains(string(sb), `"services":[]`) {
		t.Errorf("summary JSON %s", sb)
	}
}
