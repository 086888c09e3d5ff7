package jaeger

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"oncall/internal/httpx"
)

// maxGRPCMessage caps one received gRPC message, like httpx caps bodies.
const maxGRPCMessage = int(httpx.MaxBodyBytes)

type grpcClient struct {
	addr    string
	conn    *grpc.ClientConn
	api     api_v2.QueryServiceClient
	timeout time.Duration
	secrets []string
	now     func() time.Time
}

// NewGRPC returns a client of the api_v2 QueryService at cfg.GRPC. TLS is
// used when cfg.Client.TLS is set or the address starts with grpcs://;
// bearer token, basic auth and headers travel as per-call metadata.
func NewGRPC(cfg Config) (Client, error) {
	addr, useTLS, err := parseGRPCAddr(cfg.GRPC)
	if err != nil {
		return nil, err
	}
	cc := cfg.Client
	if cc.BearerToken != "" && cc.BearerTokenFile != "" {
		return nil, errors.New("jaeger grpc: set bearer_token or bearer_token_file, not both")
	}
	var creds credentials.TransportCredentials = insecure.NewCredentials()
	if cc.TLS != nil || useTLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cc.TLS != nil {
			if tc, err = httpx.TLSConfig(*cc.TLS); err != nil {
				return nil, fmt.Errorf("jaeger grpc: %w", err)
			}
		}
		creds = credentials.NewTLS(tc)
	}
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(creds),
		grpc.WithPerRPCCredentials(&rpcAuth{cfg: cc}),
		grpc.WithDefaultCallOptions(
			grpc.ForceCodecV2(gogoCodec{}),
			grpc.MaxCallRecvMsgSize(maxGRPCMessage),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("jaeger grpc %s: %w", addr, err)
	}
	return &grpcClient{
		addr:    addr,
		conn:    conn,
		api:     api_v2.NewQueryServiceClient(conn),
		timeout: cc.EffectiveTimeout(),
		secrets: cc.Secrets(),
		now:     time.Now,
	}, nil
}

func parseGRPCAddr(raw string) (addr string, useTLS bool, err error) {
	addr = strings.TrimSpace(raw)
	switch {
	case strings.HasPrefix(addr, "grpcs://"), strings.HasPrefix(addr, "https://"):
		useTLS = true
		addr = addr[strings.Index(addr, "://")+3:]
	case strings.HasPrefix(addr, "grpc://"), strings.HasPrefix(addr, "http://"):
		addr = addr[strings.Index(addr, "://")+3:]
	}
	addr = strings.TrimSuffix(addr, "/")
	if addr == "" {
		return "", false, errors.New("jaeger grpc: no address set")
	}
	if strings.ContainsAny(addr, "/@?#") || !strings.Contains(addr, ":") {
		return "", false, fmt.Errorf("jaeger grpc: address %q is not host:port", clip(httpx.RedactURL("//"+addr), 80))
	}
	return addr, useTLS, nil
}

// rpcAuth sends the configured auth and headers as gRPC metadata.
type rpcAuth struct{ cfg httpx.ClientConfig }

func (a *rpcAuth) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	md := make(map[string]string, len(a.cfg.Headers)+1)
	for k, v := range a.cfg.Headers {
		md[strings.ToLower(k)] = v
	}
	switch {
	case a.cfg.BearerToken != "":
		md["authorization"] = "Bearer " + a.cfg.BearerToken
	case a.cfg.BearerTokenFile != "":
		b, err := os.ReadFile(a.cfg.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("bearer_token_file: %w", err)
		}
		md["authorization"] = "Bearer " + strings.TrimSpace(string(b))
	}
	if ba := a.cfg.BasicAuth; ba != nil {
		pw := ba.Password
		if ba.PasswordFile != "" {
			b, err := os.ReadFile(ba.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("basic_auth.password_file: %w", err)
			}
			pw = strings.TrimSpace(string(b))
		}
		md["authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(ba.Username+":"+pw))
	}
	return md, nil
}

// RequireTransportSecurity is false so plain-text deployments inside a
// cluster can still send a token; TLS is the operator's choice.
func (a *rpcAuth) RequireTransportSecurity() bool { return false }

// gogoCodec marshals Jaeger's gogo-generated messages with their own
// Marshal/Unmarshal methods; the stock codec cannot handle their custom
// id types. It is set per connection, never registered globally.
type gogoCodec struct{}

func (gogoCodec) Name() string { return "proto" }

func (gogoCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(interface{ Marshal() ([]byte, error) })
	if !ok {
		return nil, fmt.Errorf("jaeger grpc codec: cannot marshal %T", v)
	}
	b, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (gogoCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(interface{ Unmarshal([]byte) error })
	if !ok {
		return fmt.Errorf("jaeger grpc codec: cannot unmarshal into %T", v)
	}
	return m.Unmarshal(data.Materialize())
}

// fail turns a gRPC error into one line naming the address and call.
func (c *grpcClient) fail(call string, err error) error {
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Code().String() + ": " + st.Message()
	} else if errors.Is(err, context.DeadlineExceeded) {
		msg = "timed out"
	}
	return fmt.Errorf("jaeger grpc %s %s: %s", c.addr, call, clip(httpx.Scrub(msg, c.secrets), 300))
}

func (c *grpcClient) GetTrace(ctx context.Context, id string) (*Trace, error) {
	tid, err := NormalizeTraceID(id)
	if err != nil {
		return nil, err
	}
	mid, err := modelTraceIDFromHex(tid)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	stream, err := c.api.GetTrace(ctx, &api_v2.GetTraceRequest{TraceID: mid})
	if err != nil {
		return nil, c.fail("GetTrace", err)
	}
	spans, err := recvSpans(stream)
	if status.Code(err) == codes.NotFound {
		return nil, notFound(tid)
	}
	if err != nil {
		return nil, c.fail("GetTrace", err)
	}
	traces := groupTraces(spans)
	for _, t := range traces {
		if t.TraceID == tid {
			return t, nil
		}
	}
	return nil, notFound(tid)
}

// recvSpans drains a span stream.
func recvSpans(stream interface {
	Recv() (*api_v2.SpansResponseChunk, error)
}) ([]Span, error) {
	var out []Span
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for i := range chunk.Spans {
			out = append(out, fromModel(&chunk.Spans[i]))
		}
	}
}

func (c *grpcClient) FindTraces(ctx context.Context, q SearchQuery) ([]TraceSummary, error) {
	start, end, limit, err := q.window(c.now())
	if err != nil {
		return nil, err
	}
	_, hasErrTag := q.Tags[tagError]
	params := &api_v2.TraceQueryParameters{
		ServiceName:   q.Service,
		OperationName: q.Operation,
		StartTimeMin:  start,
		StartTimeMax:  end,
		DurationMin:   q.MinDuration,
		DurationMax:   q.MaxDuration,
		SearchDepth:   int32(min(fetchLimit(limit, hasErrTag), 1<<20)), //nolint:gosec // bounded above
	}
	// Jaeger v2's memory store reads a string "error" tag as false and
	// then demands status OK, so the error condition is checked here.
	for k, v := range q.Tags {
		if k != tagError {
			if params.Tags == nil {
				params.Tags = map[string]string{}
			}
			params.Tags[k] = v
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	stream, err := c.api.FindTraces(ctx, &api_v2.FindTracesRequest{Query: params})
	if err != nil {
		return nil, c.fail("FindTraces", err)
	}
	spans, err := recvSpans(stream)
	if err != nil {
		return nil, c.fail("FindTraces", err)
	}
	traces := groupTraces(spans)
	if len(q.Tags) > 0 {
		traces = slices.DeleteFunc(traces, func(t *Trace) bool { return !matchesQuery(t, q) })
	}
	return summarizeAll(traces, limit), nil
}

func (c *grpcClient) Services(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.GetServices(ctx, &api_v2.GetServicesRequest{})
	if err != nil {
		return nil, c.fail("GetServices", err)
	}
	out := slices.Clone(resp.Services)
	slices.Sort(out)
	return out, nil
}

func (c *grpcClient) Operations(ctx context.Context, service string) ([]string, error) {
	if strings.TrimSpace(service) == "" {
		return nil, errors.New("operations: no service given")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.GetOperations(ctx, &api_v2.GetOperationsRequest{Service: service})
	if err != nil {
		return nil, c.fail("GetOperations", err)
	}
	names := make([]string, 0, len(resp.Operations))
	for _, op := range resp.Operations {
		names = append(names, op.Name)
	}
	if len(names) == 0 { // servers older than the operations field
		names = append(names, resp.OperationNames...)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func (c *grpcClient) Ping(ctx context.Context) error {
	_, err := c.Services(ctx)
	return err
}

func (c *grpcClient) Close() error { return c.conn.Close() }
