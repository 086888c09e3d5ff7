// Package loki is a thin client for Loki's documented HTTP API: log and
// metric range queries (with the categorize-labels encoding), batched
// fetching beyond one query's limit, label and series metadata, live tail
// over WebSocket, and the readiness probe.
package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"oncall/internal/httpx"
)

// Config says where Loki is and how to reach it.
type Config struct {
	// URL is Loki's base URL (or a gateway's, with a path prefix).
	URL string
	// Tenant is sent as X-Scope-OrgID when set.
	Tenant string
	// Context is the config context this Loki belongs to; errors name it
	// in hints ("set [contexts.<Context>.loki] tenant").
	Context string
	// Client holds auth, TLS, headers and the timeout.
	Client httpx.ClientConfig
}

// Client talks to one Loki. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	tenant  string
	context string
	cfg     httpx.ClientConfig
	http    *http.Client
}

// New validates the config and builds a client.
func New(cfg Config) (*Client, error) {
	raw := strings.TrimSpace(cfg.URL)
	if raw == "" {
		return nil, errors.New("loki: no URL configured")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("loki: invalid URL %s: cannot parse it", httpx.RedactURL(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("loki: invalid URL %s: scheme must be http or https", httpx.RedactURL(raw))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("loki: invalid URL %s: no host", httpx.RedactURL(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("loki: invalid URL %s: must not carry a query or fragment", httpx.RedactURL(raw))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	hc, err := httpx.NewClient(cfg.Client)
	if err != nil {
		return nil, fmt.Errorf("loki: %w", err)
	}
	return &Client{base: u, tenant: cfg.Tenant, context: cfg.Context, cfg: cfg.Client, http: hc}, nil
}

// endpoint joins an (escaped) API path to the base URL.
func (c *Client) endpoint(path string, params url.Values) *url.URL {
	u := *c.base
	unescaped, err := url.PathUnescape(path)
	if err != nil {
		unescaped = path
	}
	u.Path = c.base.Path + unescaped
	u.RawPath = c.base.EscapedPath() + path
	if len(params) > 0 {
		u.RawQuery = params.Encode()
	}
	return &u
}

// get performs one GET and returns the body of a 2xx answer. Any other
// answer becomes an *HTTPError. op names the call in errors.
func (c *Client) get(ctx context.Context, op, path string, params url.Values, header http.Header) ([]byte, error) {
	budget := c.cfg.EffectiveTimeout()
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < budget {
		budget = time.Until(dl) // the caller's deadline comes first: name it in errors
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.EffectiveTimeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(path, params).String(), nil)
	if err != nil {
		return nil, fmt.Errorf("loki: %s: building request: %w", op, httpx.CleanError(err))
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.tenant != "" {
		req.Header.Set("X-Scope-OrgID", c.tenant)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(op, err, budget)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
		return nil, c.hint(newHTTPError(resp, b, c.cfg.Secrets()))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		if errors.Is(err, httpx.ErrBodyTooLarge) {
			return nil, fmt.Errorf("loki: %s: %w", op, httpx.ErrBodyTooLarge)
		}
		return nil, fmt.Errorf("loki: %s: reading response: %s", op, oneLine(httpx.CleanError(err).Error(), c.cfg.Secrets()))
	}
	if looksHTML(resp.Header.Get("Content-Type"), body) {
		return nil, &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, HTML: true}
	}
	return body, nil
}

func (c *Client) transportError(op string, err error, budget time.Duration) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("loki: %s: %w", op, context.Canceled)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("loki: %s: no answer within %s: %w", op, roundBudget(budget), context.DeadlineExceeded)
	}
	return fmt.Errorf("loki: %s: %s", op, oneLine(httpx.CleanError(err).Error(), c.cfg.Secrets()))
}

// roundBudget renders a timeout budget readably: 400ms, 1.5s, 10s.
func roundBudget(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return 0
	case d < time.Second:
		return d.Round(10 * time.Millisecond)
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// apiResponse is Loki's JSON envelope.
type apiResponse struct {
	Status string          `json:"status"`
	Data   json.RawMessage `json:"data"`
	Error  string          `json:"error"`
}

// getData performs a GET and decodes the envelope's data into v.
func (c *Client) getData(ctx context.Context, op, path string, params url.Values, header http.Header, v any) error {
	body, err := c.get(ctx, op, path, params, header)
	if err != nil {
		return err
	}
	var env apiResponse
	if err := json.Unmarshal(body, &env); err != nil {
		return decodeError(op, err)
	}
	if env.Status != "success" {
		msg := env.Error
		if msg == "" {
			msg = fmt.Sprintf("status %q", env.Status)
		}
		return fmt.Errorf("loki: %s failed: %s", op, oneLine(msg, c.cfg.Secrets()))
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return decodeError(op, err)
	}
	return nil
}

func decodeError(op string, err error) error {
	msg := err.Error()
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(msg, "unexpected end of JSON input") {
		msg = "truncated JSON (unexpected end of input)"
	}
	return fmt.Errorf("loki: decoding %s response: %s", op, oneLine(msg, nil))
}

// Ready checks GET /ready; Loki answers 200 "ready" once it can serve.
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.get(ctx, "ready", "/ready", nil, nil)
	return err
}
