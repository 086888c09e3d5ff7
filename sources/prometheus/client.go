// Package prometheus reads alert state, alerting rules and query results from
// a Prometheus-compatible server through client_golang's v1 API.
package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/httpx"
	"oncall/internal/sanitize"
)

// Config is one Prometheus endpoint.
type Config struct {
	URL    string
	Client httpx.ClientConfig
}

// Client wraps v1.API with a timeout on every call and one-line errors.
type Client struct {
	API     v1.API
	url     string
	timeout time.Duration
	secrets []string // from the URL and the auth config, scrubbed from errors
}

// New builds a client. It does no I/O.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("prometheus: invalid URL %q", httpx.RedactURL(cfg.URL))
	}
	rt, err := httpx.NewTransport(cfg.Client)
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	c, err := api.NewClient(api.Config{Address: strings.TrimRight(cfg.URL, "/"), RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	secrets := append(urlSecrets(u), cfg.Client.Secrets()...)
	return &Client{API: v1.NewAPI(scrubbing{c, secrets}), url: httpx.RedactURL(cfg.URL), timeout: cfg.Client.EffectiveTimeout(), secrets: secrets}, nil
}

// scrubbing removes secrets from error answers before v1.API turns them
// into errors: API is used directly (SLOs, budgets), not only through
// describe, and a proxy may echo the credentials it was sent.
type scrubbing struct {
	api.Client
	secrets []string
}

func (s scrubbing) Do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	resp, body, err := s.Client.Do(ctx, req)
	if resp != nil && resp.StatusCode/100 != 2 && len(s.secrets) > 0 {
		body = []byte(httpx.Scrub(string(body), s.secrets))
	}
	return resp, body, err
}

// urlSecrets returns what a URL may carry that must not be shown: the
// userinfo password and the query string with its values (e.g. a token).
// Values shorter than 4 bytes are left alone: scrubbing them would mangle
// unrelated text (a "1" inside an IP address).
func urlSecrets(u *url.URL) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	if pw, ok := u.User.Password(); ok {
		add(pw)
	}
	add(u.RawQuery)
	for _, vs := range u.Query() {
		for _, v := range vs {
			add(v)
			add(url.QueryEscape(v))
		}
	}
	return out
}

// URL is the redacted server URL.
func (c *Client) URL() string { return c.url }

func (c *Client) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// Alerts returns the pending and firing alerts with their activeAt.
func (c *Client) Alerts(ctx context.Context) ([]v1.Alert, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.API.Alerts(ctx)
	if err != nil {
		return nil, c.describe("alerts", err)
	}
	return res.Alerts, nil
}

// AlertingRules returns every alerting rule, keyed by alert name. When several
// rules share a name the first one wins and the rest are kept in order.
func (c *Client) AlertingRules(ctx context.Context) (map[string][]v1.AlertingRule, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.API.Rules(ctx, nil)
	if err != nil {
		return nil, c.describe("rules", err)
	}
	out := map[string][]v1.AlertingRule{}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			if ar, ok := r.(v1.AlertingRule); ok {
				out[ar.Name] = append(out[ar.Name], ar)
			}
		}
	}
	return out, nil
}

// Query runs an instant query.
func (c *Client) Query(ctx context.Context, q string, at time.Time) (model.Value, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	v, _, _, err := c.API.Query(ctx, q, at)
	if err != nil {
		return nil, c.describe("query", err)
	}
	return v, nil
}

// QueryRange runs a range query.
func (c *Client) QueryRange(ctx context.Context, q string, r v1.Range) (model.Value, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	v, _, _, err := c.API.QueryRange(ctx, q, r)
	if err != nil {
		return nil, c.describe("query_range", err)
	}
	return v, nil
}

// Ping checks the server and returns its version.
func (c *Client) Ping(ctx context.Context) (string, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	bi, err := c.API.Buildinfo(ctx)
	if err != nil {
		return "", c.describe("buildinfo", err)
	}
	return bi.Version, nil
}

func (c *Client) describe(what string, err error) error {
	msg := httpx.CleanError(err).Error()
	var pe *v1.Error
	if errors.As(err, &pe) {
		msg = string(pe.Type) + ": " + pe.Msg
		if strings.Contains(pe.Detail, "<html") || strings.Contains(pe.Msg, "<html") {
			msg = string(pe.Type) + ": unexpected HTML answer"
		}
	}
	if c := httpx.Cause(err); c != "" {
		msg = c // refused, timed out, TLS trust, cut off, too large, bad JSON
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	msg = httpx.Scrub(msg, c.secrets)
	return fmt.Errorf("prometheus %s: %s: %s", c.url, what, sanitize.Truncate(msg, 300))
}
