// Package alertmanager reads alerts and silences from one Alertmanager HA
// cluster and writes silences to it, through the official API v2 client.
//
// Reads go to the first healthy peer and fail over to the next. Writes go to
// exactly one peer per cluster: Alertmanager gossips silences between peers,
// so writing to every peer would create duplicates.
package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	amclient "github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/client/general"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/httpx"
	"oncall/internal/sanitize"
)

// Config is one cluster: the URLs of its peers and how to reach them.
type Config struct {
	URLs   []string
	Client httpx.ClientConfig
}

// Client talks to one Alertmanager cluster.
type Client struct {
	peers   []*peer
	timeout time.Duration
	secrets []string // the config's, scrubbed from errors (a proxy may echo them)

	mu        sync.Mutex
	preferred int
}

type peer struct {
	url string
	api *amclient.AlertmanagerAPI
}

// New builds a client for the cluster. It does no I/O.
func New(cfg Config) (*Client, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("alertmanager: no URL configured")
	}
	rt, err := httpx.NewTransport(cfg.Client)
	if err != nil {
		return nil, fmt.Errorf("alertmanager: %w", err)
	}
	c := &Client{timeout: cfg.Client.EffectiveTimeout(), secrets: cfg.Client.Secrets()}
	for _, raw := range cfg.URLs {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("alertmanager: invalid URL %q", httpx.RedactURL(raw))
		}
		tr := httptransport.New(u.Host, u.Path+amclient.DefaultBasePath, []string{u.Scheme})
		tr.Transport = rt
		c.peers = append(c.peers, &peer{url: httpx.RedactURL(u.String()), api: amclient.New(tr, strfmt.Default)})
	}
	return c, nil
}

// Peers returns the peer URLs (redacted).
func (c *Client) Peers() []string {
	out := make([]string, len(c.peers))
	for i, p := range c.peers {
		out[i] = p.url
	}
	return out
}

// Active returns the URL of the peer currently preferred for reads and writes.
func (c *Client) Active() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peers[c.preferred].url
}

// order returns the peers starting from the preferred one.
func (c *Client) order() []int {
	c.mu.Lock()
	start := c.preferred
	c.mu.Unlock()
	idx := make([]int, len(c.peers))
	for i := range idx {
		idx[i] = (start + i) % len(c.peers)
	}
	return idx
}

func (c *Client) prefer(i int) {
	c.mu.Lock()
	c.preferred = i
	c.mu.Unlock()
}

// read runs fn against each peer in turn until one succeeds. A client error
// (4xx) is returned at once: another peer would answer the same.
func (c *Client) read(ctx context.Context, what string, fn func(ctx context.Context, p *peer) error) error {
	var errs []string
	for _, i := range c.order() {
		p := c.peers[i]
		cctx, cancel := context.WithTimeout(ctx, c.timeout)
		err := fn(cctx, p)
		cancel()
		if err == nil {
			c.prefer(i)
			return nil
		}
		if isClientError(err) || ctx.Err() != nil {
			return c.describe(p.url, what, err)
		}
		errs = append(errs, c.describe(p.url, what, err).Error())
	}
	if len(errs) == 1 {
		return errors.New(errs[0])
	}
	return fmt.Errorf("alertmanager: all %d peers failed: %s", len(errs), strings.Join(errs, "; "))
}

// Alerts lists alerts. filter holds Alertmanager matchers (pushed down to the
// server); active/silenced/inhibited/unprocessed are all included.
func (c *Client) Alerts(ctx context.Context, filter []string) (models.GettableAlerts, error) {
	var out models.GettableAlerts
	err := c.read(ctx, "list alerts", func(ctx context.Context, p *peer) error {
		yes := true
		params := alert.NewGetAlertsParamsWithContext(ctx).WithActive(&yes).WithSilenced(&yes).WithInhibited(&yes).WithUnprocessed(&yes).WithFilter(filter)
		res, err := p.api.Alert.GetAlerts(params)
		if err != nil {
			return err
		}
		out = res.Payload
		return nil
	})
	return out, err
}

// Silences lists silences (all states), optionally filtered by matchers.
func (c *Client) Silences(ctx context.Context, filter []string) (models.GettableSilences, error) {
	var out models.GettableSilences
	err := c.read(ctx, "list silences", func(ctx context.Context, p *peer) error {
		res, err := p.api.Silence.GetSilences(silence.NewGetSilencesParamsWithContext(ctx).WithFilter(filter))
		if err != nil {
			return err
		}
		out = res.Payload
		return nil
	})
	return out, err
}

// Silence fetches one silence by ID.
func (c *Client) Silence(ctx context.Context, id string) (*models.GettableSilence, error) {
	uid, err := parseID(id)
	if err != nil {
		return nil, fmt.Errorf("silence ID %q is not a UUID", sanitize.Text(id))
	}
	var out *models.GettableSilence
	err = c.read(ctx, "get silence "+id, func(ctx context.Context, p *peer) error {
		res, err := p.api.Silence.GetSilence(silence.NewGetSilenceParamsWithContext(ctx).WithSilenceID(uid))
		if err != nil {
			return err
		}
		out = res.Payload
		return nil
	})
	return out, err
}

// Status returns the cluster status as seen by the first healthy peer.
func (c *Client) Status(ctx context.Context) (*models.AlertmanagerStatus, error) {
	var out *models.AlertmanagerStatus
	err := c.read(ctx, "status", func(ctx context.Context, p *peer) error {
		res, err := p.api.General.GetStatus(general.NewGetStatusParamsWithContext(ctx))
		if err != nil {
			return err
		}
		out = res.Payload
		return nil
	})
	return out, err
}

// PeerStatus checks one peer (for `oncall check`), returning its version.
func (c *Client) PeerStatus(ctx context.Context, i int) (string, error) {
	p := c.peers[i]
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := p.api.General.GetStatus(general.NewGetStatusParamsWithContext(cctx))
	if err != nil {
		return "", c.describe(p.url, "status", err)
	}
	v := "?"
	if res.Payload.VersionInfo != nil && res.Payload.VersionInfo.Version != nil {
		v = *res.Payload.VersionInfo.Version
	}
	return v, nil
}

// isClientError reports a 4xx answer: the request itself is wrong.
func isClientError(err error) bool {
	var ae *runtime.APIError
	if errors.As(err, &ae) {
		return ae.Code >= 400 && ae.Code < 500
	}
	switch err.(type) {
	case *silence.PostSilencesBadRequest, *silence.PostSilencesNotFound, *silence.GetSilenceNotFound,
		*silence.DeleteSilenceNotFound, *alert.GetAlertsBadRequest, *silence.GetSilencesBadRequest:
		return true
	}
	return false
}

// describe turns an API or transport error into one line naming the peer.
func (c *Client) describe(peerURL, what string, err error) error {
	msg := err.Error()
	switch e := err.(type) {
	case *silence.PostSilencesBadRequest:
		msg = "400 bad request: " + e.Payload
	case *silence.PostSilencesNotFound:
		msg = "404 not found: " + e.Payload
	case *silence.GetSilenceNotFound:
		msg = "404 silence not found"
	case *silence.DeleteSilenceNotFound:
		msg = "404 silence not found"
	case *silence.DeleteSilenceInternalServerError:
		msg = "500 internal server error: " + e.Payload
	case *alert.GetAlertsBadRequest:
		msg = "400 bad request: " + e.Payload
	case *alert.GetAlertsInternalServerError:
		msg = "500 internal server error: " + e.Payload
	case *silence.GetSilencesBadRequest:
		msg = "400 bad request: " + e.Payload
	case *silence.PostSilencesOK, nil:
	}
	var ae *runtime.APIError
	if errors.As(err, &ae) {
		msg = fmt.Sprintf("unexpected HTTP %d answer", ae.Code)
	}
	if cause := httpx.Cause(err); cause != "" {
		msg = cause // refused, timed out, TLS trust, cut off, too large, bad JSON
	}
	msg = strings.TrimSpace(httpx.Scrub(msg, c.secrets))
	if strings.Contains(msg, "<html") || strings.Contains(msg, "<!DOCTYPE") {
		msg = "unexpected HTML answer"
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Errorf("alertmanager %s: %s: %s", peerURL, what, sanitize.Truncate(msg, 300))
}
