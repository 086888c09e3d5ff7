package simtraces

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"oncall/internal/demo/simlogs"
	"oncall/sources/jaeger"
)

var anchor = time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC)

func serve(t *testing.T, traces []Trace) (*httptest.Server, jaeger.Client) {
	t.Helper()
	srv := httptest.NewServer(NewHandler(traces))
	t.Cleanup(srv.Close)
	c, err := jaeger.NewHTTP(jaeger.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

// shape lists every JSON path of a document with the type found there
// (array elements share the path "[]").
func shape(v any, path string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			shape(e, path+"."+k, out)
		}
	case []any:
		for _, e := range x {
			shape(e, path+"[]", out)
		}
	default:
		out[fmt.Sprintf("%s:%T", path, x)] = true
	}
}

func TestAnswersHaveTheShapeRealJaegerSends(t *testing.T) {
	raw, err := os.ReadFile("../../../sources/jaeger/testdata/v3_trace_checkout.json")
	if err != nil {
		t.Fatal(err)
	}
	var real any
	if err := json.Unmarshal(raw, &real); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	shape(real, "", want)

	traces := Demo(anchor)
	srv, _ := serve(t, traces)
	resp, err := http.Get(srv.URL + "/api/v3/traces/" + traces[0].TraceID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	var ours any
	if err := json.Unmarshal(body, &ours); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	shape(ours, "", got)
	var missing, extra []string
	for p := range want {
		if !got[p] {
			missing = append(missing, p)
		}
	}
	for p := range got {
		if !want[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("shape differs from the captured answer\nmissing: %v\nextra: %v", missing, extra)
	}
	// One resourceSpans per span, in the order spans ended.
	var doc v3Response
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Result.ResourceSpans); n != len(traces[0].Spans) {
		t.Errorf("%d resourceSpans, want one per span (%d)", n, len(traces[0].Spans))
	}
	var ends []string
	for _, rs := range doc.Result.ResourceSpans {
		ends = append(ends, rs.ScopeSpans[0].Spans[0].End)
	}
	if !slices.IsSortedFunc(ends, func(a, b string) int { return strings.Compare(fmt.Sprintf("%020s", a), fmt.Sprintf("%020s", b)) }) {
		t.Errorf("spans not in end order: %v", ends)
	}
}

func TestClientReadsEveryDemoSpanBack(t *testing.T) {
	traces := Demo(anchor)
	_, c := serve(t, traces)
	ctx := context.Background()
	for _, want := range traces[:3] {
		got, err := c.GetTrace(ctx, want.TraceID)
		if err != nil {
			t.Fatalf("GetTrace(%s): %v", want.TraceID, err)
		}
		if len(got.Spans) != len(want.Spans) {
			t.Fatalf("%s: %d spans, want %d", want.TraceID, len(got.Spans), len(want.Spans))
		}
		byID := map[string]jaeger.Span{}
		for _, s := range got.Spans {
			byID[s.SpanID] = s
		}
		for _, w := range want.Spans {
			g, ok := byID[w.SpanID]
			if !ok {
				t.Fatalf("span %s missing", w.SpanID)
			}
			if g.ParentSpanID != w.ParentSpanID || g.Service != w.Service || g.Operation != w.Name || !g.Start.Equal(w.Start) ||
				g.Duration != w.Duration || g.Error != (w.Status == StatusError) || g.Kind != w.Kind.name() {
				t.Errorf("span %s: got %+v, want %+v", w.SpanID, g, w)
			}
			for _, a := range w.Attrs {
				want := fmt.Sprint(a.Value)
				if list, ok := a.Value.([]string); ok {
					b, _ := json.Marshal(list)
					want = string(b)
				}
				if g.Tags[a.Key] != want {
					t.Errorf("span %s tag %s = %q, want %v", w.SpanID, a.Key, g.Tags[a.Key], a.Value)
				}
			}
			if w.Message != "" && g.Tags["otel.status_description"] != w.Message {
				t.Errorf("span %s status message %q, want %q", w.SpanID, g.Tags["otel.status_description"], w.Message)
			}
			if len(g.Events) != len(w.Events) || g.Tags["otel.scope.name"] != w.Scope || g.Process["deployment.environment.name"] != "prod" {
				t.Errorf("span %s: events %d (want %d), scope %q, process %v", w.SpanID, len(g.Events), len(w.Events), g.Tags["otel.scope.name"], g.Process)
			}
		}
	}
}

func TestDemoTracesAreTheLoggedRequests(t *testing.T) {
	traces := Demo(anchor)
	reqs := simlogs.Requests()
	if len(traces) != len(reqs)+NumHealthy {
		t.Fatalf("%d traces, want %d", len(traces), len(reqs)+NumHealthy)
	}
	for i, r := range reqs {
		tr := traces[i]
		if tr.TraceID != r.TraceID {
			t.Fatalf("trace %d id %s, want the logged %s", i, tr.TraceID, r.TraceID)
		}
		if !tr.Start().Equal(anchor.Add(r.Start)) {
			t.Errorf("trace %s starts %v, want %v", tr.TraceID, tr.Start(), anchor.Add(r.Start))
		}
		for _, h := range r.Hops {
			i := slices.IndexFunc(tr.Spans, func(s Span) bool { return s.SpanID == h.SpanID })
			if i < 0 {
				t.Fatalf("trace %s lacks the logged span %s (%s)", tr.TraceID, h.SpanID, h.Service)
			}
			s := tr.Spans[i]
			if s.ParentSpanID != h.ParentID || s.Service != h.Service || (h.Error != "") != (s.Status == StatusError) {
				t.Errorf("span %s: parent %s service %s status %d; logged parent %s service %s error %q", s.SpanID, s.ParentSpanID, s.Service, s.Status, h.ParentID, h.Service, h.Error)
			}
		}
		if tr.Errors() == 0 {
			t.Errorf("failing request %s has no error span", tr.TraceID)
		}
	}
	for _, tr := range traces[len(reqs):] {
		if tr.Errors() != 0 {
			t.Errorf("healthy trace %s has errors", tr.TraceID)
		}
	}
}

func TestSearchFindsTheIncidentsErrorTraces(t *testing.T) {
	_, c := serve(t, Demo(anchor))
	ctx := context.Background()
	q := jaeger.SearchQuery{Service: simlogs.ServiceBackend, Tags: map[string]string{"error": "true"}, Start: anchor.Add(-17 * time.Minute), End: anchor, Limit: 50}
	got, err := c.FindTraces(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.TraceID)
		if s.Errors == 0 || s.Spans != 6 || !slices.Contains(s.Services, simlogs.ServicePostgres) {
			t.Errorf("summary %+v", s)
		}
	}
	want := simlogs.TraceIDs()
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("error traces = %v\nwant the logged %v", ids, want)
	}
	// Without the error tag the healthy traces of the window show up too.
	q.Tags, q.Start = nil, anchor.Add(-time.Hour)
	all, err := c.FindTraces(ctx, q)
	if err != nil || len(all) != 50 {
		t.Errorf("all traces: %d, %v; want the limit of 50", len(all), err)
	}
	// An empty window is "No traces found", which the client reads as none.
	q.Start, q.End = anchor.Add(time.Hour), anchor.Add(2*time.Hour)
	none, err := c.FindTraces(ctx, q)
	if err != nil || len(none) != 0 {
		t.Errorf("empty window: %v, %v", none, err)
	}
}

func TestErrorsAndMetadata(t *testing.T) {
	srv, c := serve(t, Demo(anchor))
	ctx := context.Background()
	if _, err := c.GetTrace(ctx, "deadbeef"); !errors.Is(err, jaeger.ErrNotFound) {
		t.Errorf("missing trace: %v, want not found", err)
	}
	for path, want := range map[string]string{
		"/api/v3/traces/zz":                                                `{"error":{"httpCode":400,"message":"malformed parameter trace_id: \"zz\" is not a hex trace id"}}`,
		"/api/v3/traces?query.service_name=x":                              `{"error":{"httpCode":400,"message":"query.start_time_min and query.start_time_max are required"}}`,
		"/api/v3/traces?query.start_time_min=now&query.start_time_max=now": `{"error":{"httpCode":400,"message":"malformed parameter query.start_time_min: parsing time \"now\" as \"2006-01-02T15:04:05.999999999Z07:00\": cannot parse \"now\" as \"2006\""}}`,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || strings.TrimSpace(string(body)) != want {
			t.Errorf("%s: %d %s\nwant 400 %s", path, resp.StatusCode, body, want)
		}
	}
	svcs, err := c.Services(ctx)
	if want := []string{"api-gateway", "conectcrm-backend", "postgres"}; err != nil || !slices.Equal(svcs, want) {
		t.Errorf("services = %v, %v; want %v", svcs, err, want)
	}
	ops, err := c.Operations(ctx, simlogs.ServiceGateway)
	if err != nil || !slices.Contains(ops, "auth.verify_token") || !slices.Contains(ops, "GET /api/v1/contacts") {
		t.Errorf("gateway operations = %v, %v", ops, err)
	}
}

func TestStartServesUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, "", NewHandler(Demo(anchor)))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := jaeger.NewHTTP(jaeger.Config{URL: s.URL()})
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for c.Ping(context.Background()) == nil {
		if time.Now().After(deadline) {
			t.Fatal("still serving after the context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = s.Close()
}
