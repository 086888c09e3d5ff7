// Package jaeger reads traces from a Jaeger query service, either over gRPC
// (the api_v2 QueryService) or over HTTP (the /api/v3 JSON gateway). Both
// transports return the same normalized shapes, so callers never care which
// one is in use.
package jaeger

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"oncall/internal/httpx"
)

// Config says where the Jaeger query service is and how to reach it.
type Config struct {
	// URL is the HTTP base of the query service, e.g. http://jaeger:16686.
	URL string `toml:"url" json:"url"`
	// GRPC is host:port of the api_v2 QueryService (optional). A
	// grpc:// or grpcs:// prefix forces plain text or TLS.
	GRPC string `toml:"grpc" json:"grpc,omitempty"`
	// Client holds auth, TLS, headers and the per-call timeout.
	Client httpx.ClientConfig `toml:"client" json:"client"`
}

// Span is one normalized span.
type Span struct {
	TraceID      string
	SpanID       string
	ParentSpanID string
	Service      string
	Operation    string
	Start        time.Time
	Duration     time.Duration
	Error        bool
	// Tags are the span's attributes rendered as strings, without the
	// synthetic ones (span.kind, otel.status_code, derived error) that are
	// carried by Kind, Status and Error instead.
	Tags map[string]string
	// Process holds the resource (process) attributes other than the
	// service name.
	Process  map[string]string
	Events   []Event
	Kind     string // server, client, producer, consumer, internal or ""
	Status   string // OK, ERROR or "" when unset
	Warnings []string
}

// End is the span's end time.
func (s Span) End() time.Time { return s.Start.Add(s.Duration) }

// Event is a span event (a log in Jaeger's older model).
type Event struct {
	Time  time.Time         `json:"time"`
	Name  string            `json:"name"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Trace is a whole trace, spans sorted by start time, then span id.
type Trace struct {
	TraceID string `json:"traceID"`
	Spans   []Span `json:"spans"`
}

// SearchQuery selects traces. Service is required; a zero End means now and
// a zero Start means one hour before End.
type SearchQuery struct {
	Service     string
	Operation   string
	Tags        map[string]string // e.g. error=true
	Start, End  time.Time
	MinDuration time.Duration
	MaxDuration time.Duration
	Limit       int // 0 means DefaultLimit
}

// DefaultLimit is the number of traces a search returns when Limit is 0.
const DefaultLimit = 20

// TraceSummary is one line of a search result.
type TraceSummary struct {
	TraceID  string
	Root     string // "service: operation" of the root span
	Start    time.Time
	Duration time.Duration
	Spans    int
	Errors   int
	Services []string
}

// Client reads from a Jaeger query service.
type Client interface {
	// GetTrace fetches one trace by id (hex, up to 32 digits).
	GetTrace(ctx context.Context, id string) (*Trace, error)
	// FindTraces searches traces, newest first.
	FindTraces(ctx context.Context, q SearchQuery) ([]TraceSummary, error)
	// Services lists known service names, sorted.
	Services(ctx context.Context) ([]string, error)
	// Operations lists a service's operation names, sorted.
	Operations(ctx context.Context, service string) ([]string, error)
	// Ping checks that the query service answers.
	Ping(ctx context.Context) error
	// Close releases connections.
	Close() error
}

// ErrNotFound is wrapped by GetTrace when the trace does not exist.
var ErrNotFound = errors.New("not found")

// notFound is the error GetTrace returns for a missing trace.
func notFound(id string) error {
	return fmt.Errorf("trace %s %w", id, ErrNotFound)
}

// New returns the gRPC client when cfg.GRPC is set, the HTTP one otherwise.
func New(cfg Config) (Client, error) {
	if strings.TrimSpace(cfg.GRPC) != "" {
		return NewGRPC(cfg)
	}
	return NewHTTP(cfg)
}

// NormalizeTraceID validates a trace id (1–32 hex digits) and returns it as
// 32 lowercase hex digits, left-padded with zeros.
func NormalizeTraceID(id string) (string, error) {
	s := strings.TrimSpace(id)
	if s == "" {
		return "", errors.New("empty trace id")
	}
	if len(s) > 32 {
		return "", fmt.Errorf("invalid trace id %q: longer than 32 hex digits", clip(s, 40))
	}
	if _, err := hex.DecodeString(padHex(s, len(s)+len(s)%2)); err != nil {
		return "", fmt.Errorf("invalid trace id %q: not hexadecimal", clip(s, 40))
	}
	s = padHex(strings.ToLower(s), 32)
	if strings.Trim(s, "0") == "" {
		return "", errors.New("invalid trace id: all zeros")
	}
	return s, nil
}

func padHex(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// wireID turns an id from the wire into lowercase hex of width digits. The
// v3 gateway renders ids as full-width hex; a base64 rendering (the proto3
// JSON default for bytes) is accepted too. An empty id stays empty.
func wireID(s string, width int) (string, error) {
	if s == "" {
		return "", nil
	}
	if len(s) == width {
		if _, err := hex.DecodeString(s); err == nil {
			return strings.ToLower(s), nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == width/2 {
			return hex.EncodeToString(b), nil
		}
	}
	return "", fmt.Errorf("id %q is neither %d-digit hex nor base64 of %d bytes", clip(s, 40), width, width/2)
}

// clip shortens s to at most n bytes for an error message, on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// window fills in the defaults of a search's time range and limit.
func (q SearchQuery) window(now time.Time) (start, end time.Time, limit int, err error) {
	if strings.TrimSpace(q.Service) == "" {
		return start, end, 0, errors.New("trace search needs a service")
	}
	end = q.End
	if end.IsZero() {
		end = now
	}
	start = q.Start
	if start.IsZero() {
		start = end.Add(-time.Hour)
	}
	if !start.Before(end) {
		return start, end, 0, fmt.Errorf("trace search: start %s is not before end %s", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	if q.MinDuration < 0 || q.MaxDuration < 0 || (q.MaxDuration > 0 && q.MinDuration > q.MaxDuration) {
		return start, end, 0, fmt.Errorf("trace search: bad duration range %s..%s", q.MinDuration, q.MaxDuration)
	}
	limit = q.Limit
	if limit < 0 {
		return start, end, 0, fmt.Errorf("trace search: negative limit %d", limit)
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	return start, end, limit, nil
}
