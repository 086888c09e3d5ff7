package traceid

import (
	"strings"
	"sync"
	"testing"
)

const (
	tr32 = "4bf92f3577b34da6a3ce929d0e0e4736"
	tr16 = "a3ce929d0e0e4736"
	sp   = "00f067aa0ba902b7"
	tr2  = "0af7651916cd43dd8448eb211c80319c"
	sp2  = "b7ad6b7169203331"
	tp   = "00-" + tr32 + "-" + sp + "-01"
)

func TestExtract(t *testing.T) {
	x, err := NewExtractor(`req=(?P<trace>[0-9a-f]{32})/(?P<span>[0-9a-f]{16})`)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		line string
		sm   map[string]string
		want IDs
	}{
		{"plain line", "GET /health 200 3ms", nil, IDs{}},
		{"empty", "", nil, IDs{}},
		// structured metadata, every key
		{"sm trace_id", "x", map[string]string{"trace_id": tr32, "span_id": sp}, IDs{tr32, sp}},
		{"sm traceId", "x", map[string]string{"traceId": tr32, "spanId": sp}, IDs{tr32, sp}},
		{"sm traceID", "x", map[string]string{"traceID": tr16, "spanID": sp}, IDs{tr16, sp}},
		{"sm trace.id", "x", map[string]string{"trace.id": tr32, "span.id": sp}, IDs{tr32, sp}},
		{"sm otel", "x", map[string]string{"otelTraceID": tr32, "otelSpanID": sp}, IDs{tr32, sp}},
		{"sm upper case normalized", "x", map[string]string{"trace_id": strings.ToUpper(tr32)}, IDs{tr32, ""}},
		{"sm beats line", `{"trace_id":"` + tr2 + `"}`, map[string]string{"trace_id": tr32}, IDs{tr32, ""}},
		{"sm invalid falls through to line", `{"trace_id":"` + tr2 + `"}`, map[string]string{"trace_id": "xyz"}, IDs{tr2, ""}},
		{"sm span only, trace in line", "trace_id=" + tr2, map[string]string{"span_id": sp}, IDs{tr2, sp}},
		// JSON
		{"json top level", `{"msg":"hi","trace_id":"` + tr32 + `","span_id":"` + sp + `"}`, nil, IDs{tr32, sp}},
		{"json traceId spanId", `{"traceId":"` + tr32 + `","spanId":"` + sp + `"}`, nil, IDs{tr32, sp}},
		{"json traceID", ` {"traceID":"` + tr16 + `"}`, nil, IDs{tr16, ""}},
		{"json dotted key", `{"trace.id":"` + tr32 + `","span.id":"` + sp + `"}`, nil, IDs{tr32, sp}},
		{"json otel", `{"otelTraceID":"` + tr32 + `","otelSpanID":"` + sp + `"}`, nil, IDs{tr32, sp}},
		{"json nested trace.id", `{"trace":{"id":"` + tr32 + `"},"span":{"id":"` + sp + `"}}`, nil, IDs{tr32, sp}},
		{"json nested deeper", `{"ctx":{"otel":{"trace_id":"` + tr32 + `"}},"n":[1,2,{"x":null}],"ok":true}`, nil, IDs{tr32, ""}},
		{"json top level beats nested", `{"ctx":{"trace_id":"` + tr2 + `"},"trace_id":"` + tr32 + `"}`, nil, IDs{tr32, ""}},
		{"json ids in arrays ignored", `{"links":[{"trace_id":"` + tr2 + `"}]}`, nil, IDs{}},
		{"json traceparent field", `{"traceparent":"` + tp + `"}`, nil, IDs{tr32, sp}},
		{"json escaped value", `{"trace_id":"\u0034bf92f3577b34da6a3ce929d0e0e4736"}`, nil, IDs{tr32, ""}},
		{"json number ignored", `{"trace_id":12345678901234567890}`, nil, IDs{}},
		{"json all-zero rejected", `{"trace_id":"00000000000000000000000000000000"}`, nil, IDs{}},
		{"json wrong length rejected", `{"trace_id":"` + tr32[:20] + `"}`, nil, IDs{}},
		{"json non-hex rejected", `{"trace_id":"` + strings.Repeat("g", 32) + `"}`, nil, IDs{}},
		{"json span zero rejected", `{"trace_id":"` + tr32 + `","span_id":"0000000000000000"}`, nil, IDs{tr32, ""}},
		{"malformed json falls back to logfmt", `{"broken": trace_id=` + tr32, nil, IDs{tr32, ""}},
		// logfmt
		{"logfmt", `level=info msg="done" trace_id=` + tr32 + ` span_id=` + sp, nil, IDs{tr32, sp}},
		{"logfmt quoted", `msg="a b" traceID="` + strings.ToUpper(tr16) + `"`, nil, IDs{tr16, ""}},
		{"logfmt dotted", `trace.id=` + tr32 + ` span.id=` + sp, nil, IDs{tr32, sp}},
		{"logfmt otel", `otelTraceID=` + tr32 + ` otelSpanID=` + sp, nil, IDs{tr32, sp}},
		{"logfmt key priority", `traceId=` + tr2 + ` trace_id=` + tr32, nil, IDs{tr32, ""}},
		{"logfmt traceparent key", `traceparent=` + tp + ` x=1`, nil, IDs{tr32, sp}},
		{"logfmt similar key ignored", `my_trace_id=` + tr32, nil, IDs{}},
		// traceparent anywhere
		{"traceparent in text", `forwarding with header traceparent: ` + tp + `, ok`, nil, IDs{tr32, sp}},
		{"traceparent glued rejected", `x` + tp + `y`, nil, IDs{}},
		{"traceparent wrong version", `01-` + tr32 + `-` + sp + `-01`, nil, IDs{}},
		{"traceparent zero trace", `00-00000000000000000000000000000000-` + sp + `-01`, nil, IDs{}},
		{"traceparent span not paired with other trace", `trace_id=` + tr2 + ` hdr ` + tp, nil, IDs{tr2, ""}},
		{"traceparent span paired with same trace", `trace_id=` + tr32 + ` hdr ` + tp, nil, IDs{tr32, sp}},
		// custom regex last
		{"custom regex", `request req=` + tr2 + `/` + sp2 + ` done`, nil, IDs{tr2, sp2}},
		{"custom regex loses to logfmt", `trace_id=` + tr32 + ` req=` + tr2 + `/` + sp2, nil, IDs{tr32, sp2}},
		{"custom regex invalid capture", `req=` + strings.Repeat("0", 32) + `/` + sp2, nil, IDs{}},
		{"span without trace dropped", `span_id=` + sp, nil, IDs{}},
	}
	for _, tc := range cases {
		if got := x.Extract(tc.line, tc.sm); got != tc.want {
			t.Errorf("%s: Extract(%q, %v) = %+v, want %+v", tc.name, tc.line, tc.sm, got, tc.want)
		}
	}
}

func TestNewExtractor(t *testing.T) {
	if _, err := NewExtractor(`(?P<trace>[`); err == nil || !strings.HasPrefix(err.Error(), "traceid: custom regex does not compile") {
		t.Errorf("bad regex: %v", err)
	}
	if _, err := NewExtractor(`id=([0-9a-f]+)`); err == nil || !strings.Contains(err.Error(), "(?P<trace>") {
		t.Errorf("regex without trace group: %v", err)
	}
	x, err := NewExtractor(`id=(?P<trace>[0-9a-f]+)`)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Extract("id="+tr16, nil); got != (IDs{TraceID: tr16}) {
		t.Errorf("trace-only regex: %+v", got)
	}
	var none *Extractor
	if got := none.Extract("trace_id="+tr32, nil); got.TraceID != tr32 {
		t.Errorf("nil extractor: %+v", got)
	}
}

func TestExtractConcurrent(t *testing.T) {
	x, err := NewExtractor(`req=(?P<trace>[0-9a-f]{32})`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if got := x.Extract(`{"trace_id":"`+tr32+`"}`, nil); got.TraceID != tr32 {
					t.Errorf("got %+v", got)
					return
				}
				if got := x.Extract(`req=`+tr2, nil); got.TraceID != tr2 {
					t.Errorf("got %+v", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		`{"trace_id":"` + tr32 + `","span_id":"` + sp + `"}`,
		`{"trace":{"id":"` + tr32 + `"},"a":[1,{"b":"c"}],"d":"\u00e9\n"}`,
		`level=info trace_id=` + tr32 + ` span_id="` + sp + `"`,
		"x " + tp + " y",
		`{"a":{"b":{"c":{"d":`,
		`req=` + tr2 + `/` + sp2,
		`="" "unterminated`,
	} {
		f.Add(s, tr16)
	}
	x, err := NewExtractor(`req=(?P<trace>[0-9a-fA-F]+)/(?P<span>[0-9a-fA-F]+)`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line, meta string) {
		got := x.Extract(line, map[string]string{"traceId": meta, "span_id": meta})
		if got.TraceID != "" {
			if n := len(got.TraceID); n != 16 && n != 32 || !isLowerHex(got.TraceID) || strings.Trim(got.TraceID, "0") == "" {
				t.Fatalf("invalid trace id %q from %q", got.TraceID, line)
			}
		}
		if got.SpanID != "" {
			if len(got.SpanID) != 16 || !isLowerHex(got.SpanID) || got.TraceID == "" || strings.Trim(got.SpanID, "0") == "" {
				t.Fatalf("invalid span id %q (trace %q) from %q", got.SpanID, got.TraceID, line)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	x, err := NewExtractor(`req=(?P<trace>[0-9a-f]{32})`)
	if err != nil {
		b.Fatal(err)
	}
	lines := map[string]string{
		"json":        `{"ts":"2024-05-01T10:00:00Z","level":"error","msg":"upstream timed out after 30s","http":{"method":"GET","path":"/api/v1/orders","status":504},"trace_id":"` + tr32 + `","span_id":"` + sp + `"}`,
		"json-none":   `{"ts":"2024-05-01T10:00:00Z","level":"info","msg":"request served","http":{"method":"GET","path":"/api/v1/orders","status":200},"user":"u-123"}`,
		"logfmt":      `ts=2024-05-01T10:00:00Z level=error msg="upstream timed out after 30s" method=GET path=/api/v1/orders status=504 trace_id=` + tr32 + ` span_id=` + sp,
		"plain":       `2024-05-01 10:00:00 ERROR upstream timed out after 30s while serving GET /api/v1/orders for user u-123 (status 504)`,
		"traceparent": `2024-05-01 10:00:00 ERROR proxy: forwarding GET /api/v1/orders with traceparent ` + tp + ` failed`,
	}
	for name, line := range lines {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for i := 0; i < b.N; i++ {
				_ = x.Extract(line, nil)
			}
		})
	}
	b.Run("metadata", func(b *testing.B) {
		sm := map[string]string{"trace_id": tr32, "span_id": sp}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = x.Extract("anything", sm)
		}
	})
}
