package jaeger

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	model "github.com/jaegertracing/jaeger-idl/model/v1"
	"github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"oncall/internal/httpx"
)

// fakeQuery is an in-process api_v2 QueryService for error paths a real
// Jaeger cannot be made to produce on demand.
type fakeQuery struct {
	api_v2.UnimplementedQueryServiceServer
	mu       sync.Mutex
	md       metadata.MD
	query    *api_v2.TraceQueryParameters
	chunks   [][]model.Span
	err      error
	block    bool
	services []string
}

func (f *fakeQuery) record(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.md = md
	f.mu.Unlock()
}

func (f *fakeQuery) seen() (metadata.MD, *api_v2.TraceQueryParameters) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.md, f.query
}

// wait, when the fake blocks, holds the call until its deadline and then
// fails it as a real server does. Answering normally instead raced the
// client: the server's copy of the deadline can fire first and its answer
// arrive before the client's own deadline.
func (f *fakeQuery) wait(ctx context.Context) error {
	if f.block {
		<-ctx.Done()
		return status.FromContextError(ctx.Err()).Err()
	}
	return nil
}

func (f *fakeQuery) GetTrace(_ *api_v2.GetTraceRequest, s api_v2.QueryService_GetTraceServer) error {
	f.record(s.Context())
	if err := f.wait(s.Context()); err != nil {
		return err
	}
	for _, c := range f.chunks {
		if err := s.Send(&api_v2.SpansResponseChunk{Spans: c}); err != nil {
			return err
		}
	}
	return f.err
}

func (f *fakeQuery) FindTraces(r *api_v2.FindTracesRequest, s api_v2.QueryService_FindTracesServer) error {
	f.record(s.Context())
	f.mu.Lock()
	f.query = r.Query
	f.mu.Unlock()
	for _, c := range f.chunks {
		if err := s.Send(&api_v2.SpansResponseChunk{Spans: c}); err != nil {
			return err
		}
	}
	return f.err
}

func (f *fakeQuery) GetServices(ctx context.Context, _ *api_v2.GetServicesRequest) (*api_v2.GetServicesResponse, error) {
	f.record(ctx)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	return &api_v2.GetServicesResponse{Services: f.services}, nil
}

func startFake(t *testing.T, f *fakeQuery, cc httpx.ClientConfig) Client {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodecV2(gogoCodec{}))
	api_v2.RegisterQueryServiceServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	c, err := NewGRPC(Config{GRPC: lis.Addr().String(), Client: cc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func mspan(trace model.TraceID, id uint64, parent uint64, service, op string, start time.Time, d time.Duration, tags ...model.KeyValue) model.Span {
	s := model.Span{TraceID: trace, SpanID: model.SpanID(id), OperationName: op, StartTime: start, Duration: d,
		Tags: tags, Process: &model.Process{ServiceName: service}}
	if parent != 0 {
		s.References = []model.SpanRef{{TraceID: trace, SpanID: model.SpanID(parent), RefType: model.ChildOf}}
	}
	return s
}

func TestGRPCMetadataAndChunkedTrace(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tid := model.NewTraceID(0, 0x7a3f9c1e5b2d4086)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	f := &fakeQuery{chunks: [][]model.Span{
		{mspan(tid, 2, 1, "backend", "child", t0.Add(time.Millisecond), time.Millisecond)},
		{mspan(tid, 1, 0, "gateway", "root", t0, 5*time.Millisecond, model.String("otel.status_code", "ERROR"), model.Bool("error", true))},
	}}
	c := startFake(t, f, httpx.ClientConfig{BearerTokenFile: tokenFile, Headers: map[string]string{"X-Scope-OrgID": "sre"}})
	tr, err := c.GetTrace(context.Background(), "7a3f9c1e5b2d4086")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := f.seen()
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer tok-from-file" {
		t.Errorf("authorization metadata %v", got)
	}
	if got := md.Get("x-scope-orgid"); len(got) != 1 || got[0] != "sre" {
		t.Errorf("x-scope-orgid metadata %v", got)
	}
	if tr.TraceID != checkoutTraceID || len(tr.Spans) != 2 || tr.Spans[0].Operation != "root" || tr.Spans[1].ParentSpanID != "0000000000000001" {
		t.Fatalf("trace %+v", tr)
	}
	if !tr.Spans[0].Error || tr.Spans[0].Status != "ERROR" || len(tr.Spans[0].Tags) != 0 {
		t.Errorf("root error=%v status=%q tags=%v: synthetic tags should move to fields", tr.Spans[0].Error, tr.Spans[0].Status, tr.Spans[0].Tags)
	}
}

func TestGRPCErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("not found", func(t *testing.T) {
		c := startFake(t, &fakeQuery{err: status.Error(codes.NotFound, "trace not found")}, httpx.ClientConfig{})
		_, err := c.GetTrace(ctx, "abc")
		if !errors.Is(err, ErrNotFound) || err.Error() != "trace 00000000000000000000000000000abc not found" {
			t.Errorf("error %v", err)
		}
	})
	t.Run("empty stream is not found", func(t *testing.T) {
		c := startFake(t, &fakeQuery{}, httpx.ClientConfig{})
		if _, err := c.GetTrace(ctx, "abc"); !errors.Is(err, ErrNotFound) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("internal error is one scrubbed line", func(t *testing.T) {
		const token = "tok-SECRET-123"
		c := startFake(t, &fakeQuery{err: status.Error(codes.Internal, "storage down\nauth was Bearer "+token)}, httpx.ClientConfig{BearerToken: token})
		_, err := c.Services(ctx)
		if err == nil {
			t.Fatal("no error")
		}
		msg := err.Error()
		if !strings.Contains(msg, "GetServices: Internal: storage down") || strings.Contains(msg, token) || strings.Contains(msg, "\n") {
			t.Errorf("error %q", msg)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		c := startFake(t, &fakeQuery{block: true}, httpx.ClientConfig{Timeout: 200 * time.Millisecond})
		begin := time.Now()
		_, err := c.Services(ctx)
		if err == nil || !strings.Contains(err.Error(), "DeadlineExceeded") || time.Since(begin) > 5*time.Second {
			t.Errorf("error %v after %s", err, time.Since(begin))
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := lis.Addr().String()
		_ = lis.Close()
		c, err := NewGRPC(Config{GRPC: addr, Client: httpx.ClientConfig{Timeout: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		err = c.Ping(ctx)
		if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "Unavailable") {
			t.Errorf("Ping error %v", err)
		}
	})
}

func TestGRPCFindTracesQuery(t *testing.T) {
	t1, t2 := model.NewTraceID(1, 1), model.NewTraceID(2, 2)
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	f := &fakeQuery{chunks: [][]model.Span{
		{mspan(t1, 1, 0, "web", "GET /", base, time.Second), mspan(t1, 2, 1, "db", "select", base.Add(time.Millisecond), 2*time.Second, model.String("otel.status_code", "ERROR"))},
		{mspan(t2, 3, 0, "web", "GET /ok", base.Add(time.Minute), time.Millisecond)},
	}}
	c := startFake(t, f, httpx.ClientConfig{})
	q := SearchQuery{Service: "web", Operation: "GET /", Tags: map[string]string{"http.method": "GET"},
		Start: base, End: base.Add(time.Hour), MinDuration: time.Millisecond, MaxDuration: time.Minute, Limit: 3}
	sums, err := c.FindTraces(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	_, p := f.seen()
	if p.ServiceName != "web" || p.OperationName != "GET /" || p.SearchDepth != 3 || !p.StartTimeMin.Equal(base) ||
		!p.StartTimeMax.Equal(base.Add(time.Hour)) || p.DurationMin != time.Millisecond || p.DurationMax != time.Minute || p.Tags["http.method"] != "GET" {
		t.Errorf("server saw %+v", p)
	}
	// http.method matches no span here: the server's answer is re-checked.
	if len(sums) != 0 {
		t.Errorf("summaries %+v, want none", sums)
	}

	q = SearchQuery{Service: "db", Tags: map[string]string{"error": "true"}, Start: base, End: base.Add(time.Hour)}
	if sums, err = c.FindTraces(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	_, p = f.seen()
	if _, sent := p.Tags["error"]; sent || p.SearchDepth != 100 {
		t.Errorf("error tag sent to server (%v) or depth %d not widened", p.Tags, p.SearchDepth)
	}
	if len(sums) != 1 || sums[0].TraceID != modelTraceID(t1) || sums[0].Errors != 1 || sums[0].Root != "web: GET /" ||
		sums[0].Duration != 2*time.Second+time.Millisecond || !slices.Equal(sums[0].Services, []string{"db", "web"}) {
		t.Errorf("summaries %+v", sums)
	}
}

func TestParseGRPCAddr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		addr string
		tls  bool
		bad  bool
	}{
		{"jaeger:16685", "jaeger:16685", false, false},
		{"grpcs://jaeger:443", "jaeger:443", true, false},
		{"grpc://10.0.0.1:16685/", "10.0.0.1:16685", false, false},
		{"[::1]:16685", "[::1]:16685", false, false},
		{"", "", false, true},
		{"jaeger", "", false, true},
		{"grpc://user:pw@jaeger:1", "", false, true},
		{"http://jaeger:16686/api", "", false, true},
	} {
		addr, useTLS, err := parseGRPCAddr(tc.in)
		if (err != nil) != tc.bad || addr != tc.addr || useTLS != tc.tls {
			t.Errorf("parseGRPCAddr(%q) = %q, %v, %v", tc.in, addr, useTLS, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error %q leaks userinfo", err)
		}
	}
}

func TestNewPicksTransport(t *testing.T) {
	g, err := New(Config{URL: "http://jaeger:16686", GRPC: "jaeger:16685"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = g.Close() }()
	if _, ok := g.(*grpcClient); !ok {
		t.Errorf("New with GRPC set = %T", g)
	}
	h, err := New(Config{URL: "http://jaeger:16686"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.(*httpClient); !ok {
		t.Errorf("New without GRPC = %T", h)
	}
}

func TestGRPCTLS(t *testing.T) {
	// httptest makes a certificate for 127.0.0.1; serve gRPC with it.
	web := httptest.NewTLSServer(http.NotFoundHandler())
	defer web.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: web.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodecV2(gogoCodec{}), grpc.Creds(credentials.NewServerTLSFromCert(&web.TLS.Certificates[0])))
	api_v2.RegisterQueryServiceServer(srv, &fakeQuery{services: []string{"b", "a"}})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	ctx := context.Background()

	c, err := NewGRPC(Config{GRPC: lis.Addr().String(), Client: httpx.ClientConfig{TLS: &httpx.TLS{CAFile: caFile}}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if svcs, err := c.Services(ctx); err != nil || !slices.Equal(svcs, []string{"a", "b"}) {
		t.Errorf("TLS Services = %v, %v", svcs, err)
	}
	// Without the CA the handshake must fail; plain text must fail too.
	for _, cfg := range []Config{
		{GRPC: "grpcs://" + lis.Addr().String(), Client: httpx.ClientConfig{Timeout: 2 * time.Second}},
		{GRPC: lis.Addr().String(), Client: httpx.ClientConfig{Timeout: 2 * time.Second}},
	} {
		bad, err := NewGRPC(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bad.Services(ctx); err == nil {
			t.Errorf("%s: Services succeeded without a trusted TLS setup", cfg.GRPC)
		}
		_ = bad.Close()
	}
	if _, err := NewGRPC(Config{GRPC: "h:1", Client: httpx.ClientConfig{TLS: &httpx.TLS{CAFile: "/nonexistent/ca.pem"}}}); err == nil {
		t.Error("NewGRPC accepted a missing CA file")
	}
}
