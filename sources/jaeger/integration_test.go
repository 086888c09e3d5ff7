package jaeger

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"oncall/internal/testkit/testenv"
)

// liveJaeger starts a real Jaeger v2, exports the fixture to it and returns
// both clients once the traces are readable.
func liveJaeger(t *testing.T) (grpcC, httpC Client, want exported) {
	t.Helper()
	j := testenv.StartJaeger(t)
	want = exportFixture(t, j.OTLPGRPC)
	var err error
	if grpcC, err = NewGRPC(Config{GRPC: j.QueryGRPC}); err != nil {
		t.Fatalf("NewGRPC: %v", err)
	}
	t.Cleanup(func() { _ = grpcC.Close() })
	if httpC, err = NewHTTP(Config{URL: j.QueryHTTP}); err != nil {
		t.Fatalf("NewHTTP: %v", err)
	}
	t.Cleanup(func() { _ = httpC.Close() })

	// The receiver batches: poll until both traces are complete.
	deadline := time.Now().Add(30 * time.Second)
	for _, w := range []*Trace{want.checkout, want.health} {
		for {
			tr, err := httpC.GetTrace(context.Background(), w.TraceID)
			if err == nil && len(tr.Spans) == len(w.Spans) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("trace %s not complete in Jaeger after 30s: %v", w.TraceID, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return grpcC, httpC, want
}

// diffSpans lists every difference between two traces, span by span, with
// times compared to the microsecond.
func diffSpans(want, got *Trace) []string {
	var d []string
	if want.TraceID != got.TraceID {
		d = append(d, fmt.Sprintf("trace id %s != %s", got.TraceID, want.TraceID))
	}
	if len(want.Spans) != len(got.Spans) {
		return append(d, fmt.Sprintf("%d spans, want %d", len(got.Spans), len(want.Spans)))
	}
	for i := range want.Spans {
		w, g := want.Spans[i], got.Spans[i]
		f := func(field string, gv, wv any) {
			if fmt.Sprint(gv) != fmt.Sprint(wv) {
				d = append(d, fmt.Sprintf("span %d (%s) %s: got %v, want %v", i, w.Operation, field, gv, wv))
			}
		}
		f("trace id", g.TraceID, w.TraceID)
		f("span id", g.SpanID, w.SpanID)
		f("parent", g.ParentSpanID, w.ParentSpanID)
		f("service", g.Service, w.Service)
		f("operation", g.Operation, w.Operation)
		f("start", g.Start.Truncate(time.Microsecond).UTC(), w.Start.Truncate(time.Microsecond).UTC())
		f("duration", g.Duration.Microseconds(), w.Duration.Microseconds())
		f("error", g.Error, w.Error)
		f("kind", g.Kind, w.Kind)
		f("status", g.Status, w.Status)
		if !maps.Equal(g.Tags, w.Tags) {
			d = append(d, fmt.Sprintf("span %d (%s) tags: got %v, want %v", i, w.Operation, g.Tags, w.Tags))
		}
		if !maps.Equal(g.Process, w.Process) {
			d = append(d, fmt.Sprintf("span %d (%s) process: got %v, want %v", i, w.Operation, g.Process, w.Process))
		}
		if len(g.Events) != len(w.Events) {
			d = append(d, fmt.Sprintf("span %d (%s): %d events, want %d", i, w.Operation, len(g.Events), len(w.Events)))
			continue
		}
		for k := range w.Events {
			ge, we := g.Events[k], w.Events[k]
			if ge.Name != we.Name || !ge.Time.Truncate(time.Microsecond).Equal(we.Time.Truncate(time.Microsecond)) || !maps.Equal(ge.Attrs, we.Attrs) {
				d = append(d, fmt.Sprintf("span %d (%s) event %d: got %+v, want %+v", i, w.Operation, k, ge, we))
			}
		}
	}
	return d
}

// TestLive runs every check against one real Jaeger v2 loaded with the
// fixture.
func TestLive(t *testing.T) {
	grpcC, httpC, want := liveJaeger(t)
	t.Run("GetTraceBothTransportsAgree", func(t *testing.T) { checkGetTrace(t, grpcC, httpC, want) })
	t.Run("GetTraceShortAndMissingIDs", func(t *testing.T) { checkIDs(t, grpcC, httpC, want) })
	t.Run("FindTraces", func(t *testing.T) { checkFindTraces(t, grpcC, httpC, want) })
	t.Run("SummaryMatchesExport", func(t *testing.T) { checkSummary(t, grpcC, want) })
	t.Run("ServicesAndOperations", func(t *testing.T) { checkServices(t, grpcC, httpC) })
}

func checkGetTrace(t *testing.T, grpcC, httpC Client, want exported) {
	ctx := context.Background()
	for _, w := range []*Trace{want.checkout, want.health} {
		viaGRPC, err := grpcC.GetTrace(ctx, w.TraceID)
		if err != nil {
			t.Fatalf("grpc GetTrace: %v", err)
		}
		viaHTTP, err := httpC.GetTrace(ctx, w.TraceID)
		if err != nil {
			t.Fatalf("http GetTrace: %v", err)
		}
		for _, d := range diffSpans(w, viaGRPC) {
			t.Errorf("grpc vs exported: %s", d)
		}
		for _, d := range diffSpans(w, viaHTTP) {
			t.Errorf("http vs exported: %s", d)
		}
		for _, d := range diffSpans(viaGRPC, viaHTTP) {
			t.Errorf("http vs grpc: %s", d)
		}
	}
}

func checkIDs(t *testing.T, grpcC, httpC Client, want exported) {
	ctx := context.Background()
	short := strings.ToUpper(strings.TrimLeft(checkoutTraceID, "0")) // 7A3F9C1E5B2D4086
	for name, c := range map[string]Client{"grpc": grpcC, "http": httpC} {
		tr, err := c.GetTrace(ctx, short)
		if err != nil {
			t.Fatalf("%s GetTrace(%s): %v", name, short, err)
		}
		if tr.TraceID != checkoutTraceID || len(tr.Spans) != len(want.checkout.Spans) {
			t.Errorf("%s GetTrace(%s) = %s with %d spans, want %s with %d", name, short, tr.TraceID, len(tr.Spans), checkoutTraceID, len(want.checkout.Spans))
		}
		missing := "deadbeef00000000000000000000beef"
		_, err = c.GetTrace(ctx, missing)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "trace "+missing+" not found") {
			t.Errorf("%s GetTrace(missing) error = %v, want trace %s not found", name, err, missing)
		}
		if _, err = c.GetTrace(ctx, "not-hex"); err == nil || !strings.Contains(err.Error(), "not hexadecimal") {
			t.Errorf("%s GetTrace(not-hex) error = %v, want a validation error", name, err)
		}
	}
}

func checkFindTraces(t *testing.T, grpcC, httpC Client, want exported) {
	ctx := context.Background()
	window := SearchQuery{Start: want.start.Add(-time.Minute), End: time.Now().Add(time.Minute)}
	cases := []struct {
		name  string
		q     SearchQuery
		wants []*Trace // newest first
	}{
		{"service", SearchQuery{Service: "api-gateway"}, []*Trace{want.health, want.checkout}},
		{"service+error", SearchQuery{Service: "api-gateway", Tags: map[string]string{"error": "true"}}, []*Trace{want.checkout}},
		{"downstream error", SearchQuery{Service: "postgres", Tags: map[string]string{"error": "true"}}, []*Trace{want.checkout}},
		{"tag", SearchQuery{Service: "api-gateway", Tags: map[string]string{"http.status_code": "200"}}, []*Trace{want.health}},
		{"operation", SearchQuery{Service: "api-gateway", Operation: "GET /checkout"}, []*Trace{want.checkout}},
		{"min duration", SearchQuery{Service: "api-gateway", MinDuration: 100 * time.Millisecond}, []*Trace{want.checkout}},
		{"limit", SearchQuery{Service: "api-gateway", Limit: 1}, nil},
		{"no match", SearchQuery{Service: "postgres", Tags: map[string]string{"db.system": "mysql"}}, []*Trace{}},
	}
	for _, tc := range cases {
		q := tc.q
		q.Start, q.End = window.Start, window.End
		results := map[string][]TraceSummary{}
		for name, c := range map[string]Client{"grpc": grpcC, "http": httpC} {
			got, err := c.FindTraces(ctx, q)
			if err != nil {
				t.Fatalf("%s FindTraces %s: %v", name, tc.name, err)
			}
			results[name] = got
			if tc.name == "limit" {
				if len(got) != 1 {
					t.Errorf("%s FindTraces limit 1 returned %d traces", name, len(got))
				}
				continue
			}
			var ids, wantIDs []string
			for _, s := range got {
				ids = append(ids, s.TraceID)
			}
			for _, w := range tc.wants {
				wantIDs = append(wantIDs, w.TraceID)
			}
			if !slices.Equal(ids, wantIDs) {
				t.Errorf("%s FindTraces %s = %v, want %v", name, tc.name, ids, wantIDs)
			}
		}
		if tc.name != "limit" && !slices.EqualFunc(results["grpc"], results["http"], summaryEqual) {
			t.Errorf("FindTraces %s: grpc %+v != http %+v", tc.name, results["grpc"], results["http"])
		}
	}
}

func summaryEqual(a, b TraceSummary) bool {
	return a.TraceID == b.TraceID && a.Root == b.Root && a.Start.Truncate(time.Microsecond).Equal(b.Start.Truncate(time.Microsecond)) &&
		a.Duration.Microseconds() == b.Duration.Microseconds() && a.Spans == b.Spans && a.Errors == b.Errors && slices.Equal(a.Services, b.Services)
}

func checkSummary(t *testing.T, grpcC Client, want exported) {
	got, err := grpcC.FindTraces(context.Background(), SearchQuery{Service: "postgres", Start: want.start.Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("FindTraces(postgres) = %d traces, want 1", len(got))
	}
	s := got[0]
	root := want.checkout.Spans[0]
	if s.Root != "api-gateway: GET /checkout" || s.Spans != 4 || s.Errors != 2 ||
		!slices.Equal(s.Services, []string{"api-gateway", "conectcrm-backend", "postgres"}) ||
		s.Duration.Microseconds() != root.Duration.Microseconds() || !s.Start.Truncate(time.Microsecond).Equal(root.Start.Truncate(time.Microsecond)) {
		t.Errorf("summary = %+v, want root %q, 4 spans, 2 errors, 3 services, start %s, %s", s, "api-gateway: GET /checkout", root.Start, root.Duration)
	}
}

func checkServices(t *testing.T, grpcC, httpC Client) {
	ctx := context.Background()
	wantOps := map[string][]string{
		"api-gateway":       {"GET /checkout", "GET /health"},
		"conectcrm-backend": {"POST /orders", "render receipt"},
		"postgres":          {"INSERT orders"},
	}
	for name, c := range map[string]Client{"grpc": grpcC, "http": httpC} {
		if err := c.Ping(ctx); err != nil {
			t.Errorf("%s Ping: %v", name, err)
		}
		svcs, err := c.Services(ctx)
		if err != nil {
			t.Fatalf("%s Services: %v", name, err)
		}
		if want := []string{"api-gateway", "conectcrm-backend", "postgres"}; !slices.Equal(svcs, want) {
			t.Errorf("%s Services = %v, want %v", name, svcs, want)
		}
		for svc, want := range wantOps {
			ops, err := c.Operations(ctx, svc)
			if err != nil {
				t.Fatalf("%s Operations(%s): %v", name, svc, err)
			}
			if !slices.Equal(ops, want) {
				t.Errorf("%s Operations(%s) = %v, want %v", name, svc, ops, want)
			}
		}
		ops, err := c.Operations(ctx, "no-such-service")
		if err != nil || len(ops) != 0 {
			t.Errorf("%s Operations(unknown) = %v, %v; want none", name, ops, err)
		}
	}
}
