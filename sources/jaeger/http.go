package jaeger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"oncall/internal/httpx"
)

type httpClient struct {
	base    string // no trailing slash
	hc      *http.Client
	timeout time.Duration
	secrets []string
	now     func() time.Time
}

// NewHTTP returns a client of the /api/v3 JSON gateway at cfg.URL.
func NewHTTP(cfg Config) (Client, error) {
	raw := strings.TrimSpace(cfg.URL)
	if raw == "" {
		return nil, errors.New("jaeger: no url set")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("jaeger: url %q must be http(s)://host[:port][/path]", httpx.RedactURL(raw))
	}
	hc, err := httpx.NewClient(cfg.Client)
	if err != nil {
		return nil, fmt.Errorf("jaeger: %w", err)
	}
	u.RawQuery, u.Fragment = "", ""
	return &httpClient{
		base:    strings.TrimSuffix(u.String(), "/"),
		hc:      hc,
		timeout: cfg.Client.EffectiveTimeout(),
		secrets: cfg.Client.Secrets(),
		now:     time.Now,
	}, nil
}

// httpError is a non-2xx answer.
type httpError struct {
	url     string
	status  int
	message string
	gateway bool // the body was the gateway's own {"error":{…}} JSON
}

func (e *httpError) Error() string {
	s := fmt.Sprintf("jaeger GET %s: HTTP %d", e.url, e.status)
	if t := http.StatusText(e.status); t != "" {
		s += " " + t
	}
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

type gatewayError struct {
	Error *struct {
		HTTPCode int    `json:"httpCode"`
		Message  string `json:"message"`
	} `json:"error"`
}

// get fetches path?query and decodes the JSON answer into out.
func (c *httpClient) get(ctx context.Context, path string, q url.Values, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	full := c.base + path
	if len(q) > 0 {
		full += "?" + q.Encode()
	}
	shown := httpx.RedactURL(full)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, full, nil)
	if err != nil {
		return fmt.Errorf("jaeger GET %s: %w", shown, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("jaeger GET %s: %s", shown, c.scrub(httpx.CleanError(err).Error()))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("jaeger GET %s: reading body: %s", shown, c.scrub(err.Error()))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		he := &httpError{url: shown, status: resp.StatusCode}
		var ge gatewayError
		if json.Unmarshal(body, &ge) == nil && ge.Error != nil {
			he.gateway = true
			he.message = clip(c.scrub(ge.Error.Message), 300)
		} else {
			he.message = bodySnippet(c.scrubHead(body))
		}
		return he
	}
	if err := json.Unmarshal(body, out); err != nil {
		if looksHTML(body) {
			return fmt.Errorf("jaeger GET %s: expected JSON, got HTML (%s): is the URL a Jaeger query endpoint?", shown, bodySnippet(c.scrubHead(body)))
		}
		return fmt.Errorf("jaeger GET %s: malformed JSON response: %s", shown, clip(err.Error(), 200))
	}
	return nil
}

func (c *httpClient) scrub(s string) string { return httpx.Scrub(s, c.secrets) }

// scrubHead scrubs the start of a body for bodySnippet, which shows at most
// its first 4 KiB. Secrets go before any cut, so a token across the cut
// cannot leave its first half.
func (c *httpClient) scrubHead(b []byte) []byte {
	return []byte(c.scrub(string(b[:min(len(b), 8<<10)])))
}

// looksHTML reports whether a body is markup (an HTML page, usually from a
// proxy or the UI) rather than JSON.
func looksHTML(b []byte) bool {
	return strings.HasPrefix(strings.TrimSpace(string(b[:min(len(b), 512)])), "<")
}

// bodySnippet summarizes an error body on one line: an HTML page by its
// title (or its text), anything else by its start.
func bodySnippet(b []byte) string {
	s := string(b[:min(len(b), 4096)])
	if looksHTML(b) {
		// Lower-case ASCII only: strings.ToLower may change the byte length
		// (invalid UTF-8, some runes), and the indexes below slice s.
		low := asciiLower(s)
		if i := strings.Index(low, "<title>"); i >= 0 {
			if j := strings.Index(low[i:], "</title>"); j > 0 {
				return "HTML page: " + clip(s[i+7:i+j], 120)
			}
		}
		return "HTML page: " + clip(stripTags(s), 120)
	}
	if strings.TrimSpace(s) == "" {
		return "empty body"
	}
	return clip(s, 200)
}

// asciiLower lower-cases A–Z and leaves every other byte alone, so the
// result has the same length and byte offsets as s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (c *httpClient) GetTrace(ctx context.Context, id string) (*Trace, error) {
	tid, err := NormalizeTraceID(id)
	if err != nil {
		return nil, err
	}
	var resp v3TraceResponse
	err = c.get(ctx, "/api/v3/traces/"+tid, nil, &resp)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusNotFound {
		return nil, notFound(tid)
	}
	if err != nil {
		return nil, err
	}
	spans, err := c.decode(&resp, "/api/v3/traces/"+tid)
	if err != nil {
		return nil, err
	}
	for _, t := range groupTraces(spans) {
		if t.TraceID == tid {
			return t, nil
		}
	}
	return nil, notFound(tid)
}

func (c *httpClient) decode(resp *v3TraceResponse, path string) ([]Span, error) {
	if resp.Result == nil {
		return nil, fmt.Errorf("jaeger GET %s: response has no result", httpx.RedactURL(c.base+path))
	}
	spans, err := fromOTLP(resp.Result)
	if err != nil {
		return nil, fmt.Errorf("jaeger GET %s: %w", httpx.RedactURL(c.base+path), err)
	}
	return spans, nil
}

// FindTraces searches through /api/v3/traces. The gateway ignores tag
// filters, so with tags it fetches more traces (up to 1000) and filters them
// here; matches older than that window are missed.
func (c *httpClient) FindTraces(ctx context.Context, q SearchQuery) ([]TraceSummary, error) {
	start, end, limit, err := q.window(c.now())
	if err != nil {
		return nil, err
	}
	fetch := fetchLimit(limit, len(q.Tags) > 0)
	v := url.Values{}
	v.Set("query.service_name", q.Service)
	if q.Operation != "" {
		v.Set("query.operation_name", q.Operation)
	}
	v.Set("query.start_time_min", start.UTC().Format(time.RFC3339Nano))
	v.Set("query.start_time_max", end.UTC().Format(time.RFC3339Nano))
	v.Set("query.num_traces", strconv.Itoa(fetch))
	if q.MinDuration > 0 {
		v.Set("query.duration_min", q.MinDuration.String())
	}
	if q.MaxDuration > 0 {
		v.Set("query.duration_max", q.MaxDuration.String())
	}
	var resp v3TraceResponse
	err = c.get(ctx, "/api/v3/traces", v, &resp)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusNotFound && he.gateway {
		return []TraceSummary{}, nil // the gateway's "No traces found"
	}
	if err != nil {
		return nil, err
	}
	spans, err := c.decode(&resp, "/api/v3/traces")
	if err != nil {
		return nil, err
	}
	traces := groupTraces(spans)
	if len(q.Tags) > 0 {
		traces = slices.DeleteFunc(traces, func(t *Trace) bool { return !matchesQuery(t, q) })
	}
	return summarizeAll(traces, limit), nil
}

func (c *httpClient) Services(ctx context.Context) ([]string, error) {
	var resp struct {
		Services []string `json:"services"`
	}
	if err := c.get(ctx, "/api/v3/services", nil, &resp); err != nil {
		return nil, err
	}
	out := slices.Clone(resp.Services)
	slices.Sort(out)
	return out, nil
}

func (c *httpClient) Operations(ctx context.Context, service string) ([]string, error) {
	if strings.TrimSpace(service) == "" {
		return nil, errors.New("operations: no service given")
	}
	var resp struct {
		Operations []struct {
			Name string `json:"name"`
		} `json:"operations"`
	}
	if err := c.get(ctx, "/api/v3/operations", url.Values{"service": {service}}, &resp); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(resp.Operations))
	for _, op := range resp.Operations {
		names = append(names, op.Name)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func (c *httpClient) Ping(ctx context.Context) error {
	_, err := c.Services(ctx)
	return err
}

func (c *httpClient) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}
