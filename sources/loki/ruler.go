package loki

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/httpx"
)

// Ruler reads Loki's ruler through its Prometheus-compatible API
// (/prometheus/api/v1/rules and /prometheus/api/v1/alerts) with
// client_golang's v1 client, so rules and alerts come back as the same
// v1 types oncall uses for Prometheus. The tenant header and the client's
// auth ride on every request. It is safe for concurrent use.
type Ruler struct {
	c   *Client
	api v1.API
}

// tenantTransport adds X-Scope-OrgID to every request.
type tenantTransport struct {
	tenant string
	next   http.RoundTripper
}

func (t tenantTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.tenant != "" {
		r = r.Clone(r.Context())
		r.Header.Set("X-Scope-OrgID", t.tenant)
	}
	return t.next.RoundTrip(r)
}

// Ruler builds the ruler reader of this Loki: <url>/prometheus, with the
// client's tenant, auth, TLS and headers. It does no I/O.
func (c *Client) Ruler() (*Ruler, error) {
	rt, err := httpx.NewTransport(c.cfg)
	if err != nil {
		return nil, fmt.Errorf("loki: ruler: %w", err)
	}
	u := *c.base
	u.Path += "/prometheus"
	u.RawPath = ""
	ac, err := api.NewClient(api.Config{Address: u.String(), RoundTripper: tenantTransport{tenant: c.tenant, next: rt}})
	if err != nil {
		return nil, fmt.Errorf("loki: ruler: %w", err)
	}
	return &Ruler{c: c, api: v1.NewAPI(ac)}, nil
}

// Rules returns every rule group the ruler evaluates for the tenant.
func (r *Ruler) Rules(ctx context.Context) (v1.RulesResult, error) {
	ctx, cancel := context.WithTimeout(ctx, r.c.cfg.EffectiveTimeout())
	defer cancel()
	res, err := r.api.Rules(ctx, nil)
	if err != nil {
		return v1.RulesResult{}, r.describe("rules", err)
	}
	return res, nil
}

// AlertingRules returns the alerting rules keyed by alert name, as
// prometheus.Client.AlertingRules does; recording rules are left out.
func (r *Ruler) AlertingRules(ctx context.Context) (map[string][]v1.AlertingRule, error) {
	res, err := r.Rules(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]v1.AlertingRule{}
	for _, g := range res.Groups {
		for _, rule := range g.Rules {
			if ar, ok := rule.(v1.AlertingRule); ok {
				out[ar.Name] = append(out[ar.Name], ar)
			}
		}
	}
	return out, nil
}

// Alerts returns the ruler's pending and firing alerts with their activeAt.
func (r *Ruler) Alerts(ctx context.Context) ([]v1.Alert, error) {
	ctx, cancel := context.WithTimeout(ctx, r.c.cfg.EffectiveTimeout())
	defer cancel()
	res, err := r.api.Alerts(ctx)
	if err != nil {
		return nil, r.describe("alerts", err)
	}
	return res.Alerts, nil
}

// describe turns a v1 error into this package's errors: an HTTP refusal
// becomes an *HTTPError (with the org-id hint), anything else one line
// naming the call.
func (r *Ruler) describe(op string, err error) error {
	var ve *v1.Error
	if errors.As(err, &ve) {
		if code := statusFromV1(ve.Msg); code != 0 {
			body := ve.Detail
			if body == "" {
				body = ve.Msg
			}
			resp := &http.Response{StatusCode: code, Header: http.Header{}}
			return r.c.hint(newHTTPError(resp, []byte(body), r.c.cfg.Secrets()))
		}
		return fmt.Errorf("loki: ruler %s: %s: %s", op, ve.Type, oneLine(ve.Msg, r.c.cfg.Secrets()))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("loki: ruler %s: no answer within %s: %w", op, r.c.cfg.EffectiveTimeout(), context.DeadlineExceeded)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("loki: ruler %s: %w", op, context.Canceled)
	}
	if cause := httpx.Cause(err); cause != "" {
		return fmt.Errorf("loki: ruler %s: %s", op, oneLine(cause, r.c.cfg.Secrets()))
	}
	return fmt.Errorf("loki: ruler %s: %s", op, oneLine(httpx.CleanError(err).Error(), r.c.cfg.Secrets()))
}

// statusFromV1 reads the status of client_golang's generic HTTP errors
// ("client error: 401", "server error: 502"); 0 when it is not one.
func statusFromV1(msg string) int {
	for _, p := range []string{"client error: ", "server error: ", "bad response code "} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			var code int
			if _, err := fmt.Sscanf(rest, "%d", &code); err == nil && code >= 100 && code <= 599 {
				return code
			}
		}
	}
	return 0
}
