package cli_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"oncall/internal/demo/simtraces"
	"oncall/internal/testkit/testenv"
	"oncall/sources/jaeger"
)

const traceTestID = "6b1f0e6a2d3c4b5a9f8e7d6c5b4a3f2e"

// traceIDs hands out one trace id and sequential span ids, so the test
// knows every id.
type traceIDs struct {
	mu   sync.Mutex
	next uint64
}

func (g *traceIDs) span() trace.SpanID {
	g.next++
	var s trace.SpanID
	v := 0x5ea1c0de00000000 | g.next
	for i := 7; i >= 0; i-- {
		s[i] = byte(v)
		v >>= 8
	}
	return s
}

func (g *traceIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var t trace.TraceID
	b, _ := hex.DecodeString(traceTestID)
	copy(t[:], b)
	return t, g.span()
}

func (g *traceIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.span()
}

// exportedSpan is what the test sent, in the -o json shape.
type exportedSpan struct {
	SpanID         string            `json:"spanID"`
	ParentSpanID   string            `json:"parentSpanID"`
	Service        string            `json:"service"`
	Operation      string            `json:"operation"`
	Start          time.Time         `json:"start"`
	DurationMicros int64             `json:"durationMicros"`
	Error          bool              `json:"error"`
	Tags           map[string]string `json:"tags"`
}

type spanSpec struct {
	service, name string
	parent        int
	offset, dur   time.Duration
	attrs         []attribute.KeyValue
	fail          string
}

// exportTrace sends a failing request across api-gateway →
// conectcrm-backend → postgres (one tag value hostile) to Jaeger over
// OTLP/gRPC and returns the spans sent.
func exportTrace(t *testing.T, otlpAddr string) []exportedSpan {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	specs := []spanSpec{
		{service: "api-gateway", name: "GET /api/v1/contacts", parent: -1, dur: 5021 * time.Millisecond,
			attrs: []attribute.KeyValue{attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 500)}, fail: "upstream answered 500"},
		{service: "conectcrm-backend", name: "contacts.list", parent: 0, offset: 3 * time.Millisecond, dur: 5015 * time.Millisecond,
			attrs: []attribute.KeyValue{attribute.String("evil", "x\x1b]52;c;cHduZWQ=\x07y"), attribute.Bool("retry", false)}, fail: "timeout acquiring connection from pool"},
		{service: "postgres", name: "SELECT crm.contacts", parent: 1, offset: 5 * time.Millisecond, dur: 5000 * time.Millisecond,
			attrs: []attribute.KeyValue{attribute.String("db.system", "postgresql")}, fail: "canceling statement due to statement timeout"},
		{service: "conectcrm-backend", name: "redis GET session", parent: 1, offset: 4 * time.Millisecond, dur: 800 * time.Microsecond},
	}
	ids := &traceIDs{}
	providers := map[string]*sdktrace.TracerProvider{}
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	spans := make([]trace.Span, len(specs))
	var want []exportedSpan
	for i, s := range specs {
		p := providers[s.service]
		if p == nil {
			exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(otlpAddr), otlptracegrpc.WithInsecure())
			if err != nil {
				t.Fatal(err)
			}
			p = sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(ids), sdktrace.WithSampler(sdktrace.AlwaysSample()),
				sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", s.service))))
			providers[s.service] = p
		}
		pctx := ctx
		if s.parent >= 0 {
			pctx = trace.ContextWithSpan(ctx, spans[s.parent])
		}
		_, sp := p.Tracer("oncall/cli-test").Start(pctx, s.name, trace.WithTimestamp(base.Add(s.offset)), trace.WithAttributes(s.attrs...))
		spans[i] = sp
		w := exportedSpan{
			SpanID: sp.SpanContext().SpanID().String(), Service: s.service, Operation: s.name,
			Start: base.Add(s.offset).UTC(), DurationMicros: s.dur.Microseconds(),
			Tags: map[string]string{"otel.scope.name": "oncall/cli-test"},
		}
		if s.parent >= 0 {
			w.ParentSpanID = spans[s.parent].SpanContext().SpanID().String()
		}
		for _, a := range s.attrs {
			w.Tags[string(a.Key)] = a.Value.String()
		}
		if s.fail != "" {
			sp.SetStatus(codes.Error, s.fail)
			w.Error, w.Tags["otel.status_description"] = true, s.fail
		}
		want = append(want, w)
	}
	for i := len(specs) - 1; i >= 0; i-- {
		spans[i].End(trace.WithTimestamp(base.Add(specs[i].offset + specs[i].dur)))
	}
	for _, p := range providers {
		if err := p.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// TestTraceAgainstRealJaeger exports spans to a real Jaeger v2 and reads
// them back through `oncall trace`.
func TestTraceAgainstRealJaeger(t *testing.T) {
	j := testenv.StartJaeger(t)
	want := exportTrace(t, j.OTLPGRPC)
	c, err := jaeger.NewHTTP(jaeger.Config{URL: j.QueryHTTP})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		tr, err := c.GetTrace(context.Background(), traceTestID)
		if err == nil && len(tr.Spans) == len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace not complete in Jaeger after 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	env := map[string]string{"ONCALL_JAEGER_URL": j.QueryHTTP}

	t.Run("json is exactly the exported spans", func(t *testing.T) {
		code, stdout, stderr := run(t, env, "trace", traceTestID, "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var got struct {
			TraceID string         `json:"traceID"`
			Spans   []exportedSpan `json:"spans"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, stdout)
		}
		if got.TraceID != traceTestID || len(got.Spans) != len(want) {
			t.Fatalf("trace %s with %d spans, want %s with %d", got.TraceID, len(got.Spans), traceTestID, len(want))
		}
		byID := map[string]exportedSpan{}
		for _, s := range got.Spans {
			byID[s.SpanID] = s
		}
		for _, w := range want {
			g, ok := byID[w.SpanID]
			if !ok {
				t.Errorf("span %s (%s) missing", w.SpanID, w.Operation)
				continue
			}
			if g.ParentSpanID != w.ParentSpanID || g.Service != w.Service || g.Operation != w.Operation ||
				!g.Start.Truncate(time.Microsecond).Equal(w.Start) || g.DurationMicros != w.DurationMicros || g.Error != w.Error {
				t.Errorf("span %s:\n got %+v\nwant %+v", w.SpanID, g, w)
			}
			delete(g.Tags, "otel.scope.version")
			if !maps.Equal(g.Tags, w.Tags) {
				t.Errorf("span %s tags:\n got %v\nwant %v", w.SpanID, g.Tags, w.Tags)
			}
		}
	})

	t.Run("text waterfall fits and marks errors", func(t *testing.T) {
		for _, width := range []string{"", "120", "60"} {
			args := []string{"trace", strings.TrimLeft(traceTestID, "0")}
			cols := 80 // not a terminal
			if width != "" {
				args = append(args, "--width", width)
				fmt.Sscan(width, &cols)
			}
			code, stdout, stderr := run(t, env, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
			for _, l := range lines {
				if ansi.StringWidth(l) > cols && !strings.HasPrefix(l, "jaeger: http") { // the link is never cut
					t.Errorf("width %d: line of %d columns: %q", cols, ansi.StringWidth(l), l)
				}
				if strings.ContainsAny(l, "\x1b\x07") {
					t.Errorf("raw control byte in %q", l)
				}
			}
			if summary := "trace " + traceTestID + " · 4 spans · 3 services · 5.02s · 3 errors"; !strings.HasPrefix(lines[0], summary) &&
				!(cols < len(summary) && strings.HasPrefix(summary, strings.TrimSuffix(lines[0], "…"))) {
				t.Errorf("summary = %q", lines[0])
			}
			pg := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "postgres: SELECT") })
			redis := slices.IndexFunc(lines, func(l string) bool { return strings.HasSuffix(l, "800µs") })
			if pg < 0 || redis < 0 || !strings.HasPrefix(lines[pg], "!*     postgres") || !strings.HasPrefix(lines[redis], " *     conectcrm-backend: ") {
				t.Errorf("width %d: postgres line %d, redis line %d:\n%s", cols, pg, redis, stdout)
			}
			if cols >= 60 && (!strings.Contains(lines[pg], "#") || !strings.Contains(lines[pg], "|")) {
				t.Errorf("width %d: no bar on %q", cols, lines[pg])
			}
			if !strings.HasPrefix(lines[len(lines)-1], "jaeger: "+j.QueryHTTP+"/trace/"+traceTestID) {
				t.Errorf("last line = %q, want the Jaeger link", lines[len(lines)-1])
			}
		}
	})

	t.Run("a missing trace is one line", func(t *testing.T) {
		code, stdout, stderr := run(t, env, "trace", "deadbeefdeadbeef")
		if code == 0 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 ||
			!strings.Contains(stderr, "trace 0000000000000000deadbeefdeadbeef not found") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
}

func TestTraceRefusesBadInputBeforeAnyRequest(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	t.Cleanup(srv.Close)
	env := map[string]string{"ONCALL_JAEGER_URL": srv.URL}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"trace", "not-hex"}, env, `invalid trace id "not-hex": not hexadecimal`},
		{[]string{"trace", "abc", "-o", "yaml"}, env, `unknown output format "yaml"`},
		{[]string{"trace", "abc", "--width", "-3"}, env, "--width -3: must be positive"},
		{[]string{"trace", "abc"}, map[string]string{"ONCALL_ALERTMANAGER_URL": srv.URL}, `no Jaeger configured for context "default"`},
		{[]string{"trace"}, env, "accepts 1 arg(s), received 0"},
	} {
		code, stdout, stderr := run(t, tc.env, tc.args...)
		if code == 0 || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	if hits != 0 {
		t.Errorf("%d requests reached Jaeger", hits)
	}
}

func TestTraceSecretsStayOutOfErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"httpCode":401,"message":"bad token ` + r.Header.Get("Authorization") + `"}}`))
	}))
	t.Cleanup(srv.Close)
	cfg := writeConfig(t, `[contexts.prod.jaeger]
url = "`+srv.URL+`"
bearer_token = "s3cr3t-jaeger-token"
`)
	code, stdout, stderr := run(t, map[string]string{"ONCALL_CONFIG": cfg}, "trace", traceTestID)
	if code == 0 || strings.Contains(stdout+stderr, "s3cr3t-jaeger-token") || !strings.Contains(stderr, "401") {
		t.Errorf("exit %d, stderr %q: want the 401 without the token", code, stderr)
	}
}

// TestTraceAgainstTheDemoJaeger reads a demo trace through the CLI, as a
// demo user would.
func TestTraceAgainstTheDemoJaeger(t *testing.T) {
	traces := simtraces.Demo(time.Now())
	srv := httptest.NewServer(simtraces.NewHandler(traces))
	t.Cleanup(srv.Close)
	code, stdout, stderr := run(t, map[string]string{"ONCALL_JAEGER_URL": srv.URL}, "trace", traces[0].TraceID, "--width", "100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"api-gateway: GET /api/v1/contacts", "conectcrm-backend: contacts.list", "postgres: SELECT", "auth.verify_token"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in\n%s", want, stdout)
		}
	}
}
