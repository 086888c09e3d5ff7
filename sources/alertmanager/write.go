package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"
)

// PostSilence creates a silence, or updates one in place when s.ID is set,
// and returns its ID. The silence is written to exactly one peer: the cluster
// replicates it. If a peer fails before the request could have reached it
// (connection refused), the next peer is tried. If the failure is unclear (a
// timeout or a dropped connection after sending), the next peer is first asked
// whether the silence already exists, polling for up to replicationWait while
// gossip catches up, so a retry does not create a duplicate.
func (c *Client) PostSilence(ctx context.Context, s *models.PostableSilence) (string, error) {
	var errs []error
	for _, i := range c.order() {
		p := c.peers[i]
		if len(errs) > 0 && !refused(errs[len(errs)-1]) {
			if id, ok := c.findExisting(ctx, p, s); ok {
				c.prefer(i)
				return id, nil
			}
		}
		cctx, cancel := context.WithTimeout(ctx, c.timeout)
		res, err := p.api.Silence.PostSilences(silence.NewPostSilencesParamsWithContext(cctx).WithSilence(s))
		cancel()
		if err == nil {
			c.prefer(i)
			return res.Payload.SilenceID, nil
		}
		if isClientError(err) || ctx.Err() != nil {
			return "", c.describe(p.url, "post silence", err)
		}
		errs = append(errs, c.describe(p.url, "post silence", err))
	}
	return "", fmt.Errorf("silence not written: %w", errors.Join(errs...))
}

// replicationWait bounds how long PostSilence, after an unclear failure,
// waits for a silence the failed peer may have stored to be gossiped to the
// next peer before writing it there (Alertmanager gossips every 200ms by
// default, so a stored silence normally arrives well within this).
const replicationWait = 2 * time.Second

// findExisting looks for an active silence equal to s (same matchers,
// author, comment and end) on peer p, e.g. one a timed-out post created on
// another peer. It polls for up to replicationWait, since the silence reaches
// p by gossip only after the failed peer stored it; it gives up at once if p
// cannot be listed.
func (c *Client) findExisting(ctx context.Context, p *peer, s *models.PostableSilence) (string, bool) {
	deadline := time.Now().Add(replicationWait)
	for {
		id, ok, err := c.lookupSilence(ctx, p, s)
		if ok || err != nil || time.Now().After(deadline) {
			return id, ok
		}
		select {
		case <-ctx.Done():
			return "", false
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lookupSilence lists p's silences once and returns the ID of an active one
// equal to s.
func (c *Client) lookupSilence(ctx context.Context, p *peer, s *models.PostableSilence) (string, bool, error) {
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := p.api.Silence.GetSilences(silence.NewGetSilencesParamsWithContext(cctx))
	if err != nil {
		return "", false, err
	}
	for _, g := range res.Payload {
		if g.ID == nil || g.Status == nil || g.Status.State == nil || *g.Status.State == models.SilenceStatusStateExpired {
			continue
		}
		if s.ID != "" && *g.ID == s.ID && sameTime(g.EndsAt, s.EndsAt) {
			return *g.ID, true, nil
		}
		if deref(g.CreatedBy) == deref(s.CreatedBy) && deref(g.Comment) == deref(s.Comment) &&
			sameTime(g.EndsAt, s.EndsAt) && SameMatchers(g.Matchers, s.Matchers) {
			return *g.ID, true, nil
		}
	}
	return "", false, nil
}

func sameTime(a, b *strfmt.DateTime) bool {
	if a == nil || b == nil {
		return a == b
	}
	d := time.Time(*a).Sub(time.Time(*b))
	return d < time.Second && d > -time.Second
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// refused reports errors where the request surely never reached the server.
func refused(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// ExpireSilence expires a silence by ID.
func (c *Client) ExpireSilence(ctx context.Context, id string) error {
	uid, err := parseID(id)
	if err != nil {
		return fmt.Errorf("silence ID %q is not a UUID", id)
	}
	return c.read(ctx, "expire silence "+id, func(ctx context.Context, p *peer) error {
		_, err := p.api.Silence.DeleteSilence(silence.NewDeleteSilenceParamsWithContext(ctx).WithSilenceID(uid))
		return err
	})
}

// ExtendSilence moves an active silence's end to newEnd, in place: the same
// ID is posted back with only endsAt changed, which Alertmanager applies
// without creating a new silence. It returns the (unchanged) ID.
func (c *Client) ExtendSilence(ctx context.Context, id string, newEnd time.Time) (string, error) {
	cur, err := c.Silence(ctx, id)
	if err != nil {
		return "", err
	}
	return c.ExtendLoaded(ctx, cur, newEnd)
}

// ExtendLoaded is ExtendSilence for a silence the caller has just fetched
// (and checked): it posts cur back with only endsAt changed, without
// fetching it again.
func (c *Client) ExtendLoaded(ctx context.Context, cur *models.GettableSilence, newEnd time.Time) (string, error) {
	ps, err := ExtensionOf(cur, newEnd)
	if err != nil {
		return "", err
	}
	return c.PostSilence(ctx, ps)
}

// ExtensionOf is the body that moves cur's end to newEnd in place: its own
// ID and fields, endsAt changed. An expired silence cannot be extended.
func ExtensionOf(cur *models.GettableSilence, newEnd time.Time) (*models.PostableSilence, error) {
	if cur == nil || cur.ID == nil {
		return nil, errors.New("no silence to extend")
	}
	if cur.Status != nil && cur.Status.State != nil && *cur.Status.State == models.SilenceStatusStateExpired {
		return nil, fmt.Errorf("silence %s has expired; create a new one", *cur.ID)
	}
	end := strfmt.DateTime(newEnd.UTC())
	ps := &models.PostableSilence{ID: *cur.ID, Silence: cur.Silence}
	ps.EndsAt = &end
	return ps, nil
}

// SameMatchers reports whether two matcher lists are equal as sets.
func SameMatchers(a, b models.Matchers) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(m *models.Matcher) string {
		eq := m.IsEqual == nil || *m.IsEqual
		return fmt.Sprintf("%s\x00%s\x00%v\x00%v", deref(m.Name), deref(m.Value), m.IsRegex != nil && *m.IsRegex, eq)
	}
	seen := map[string]int{}
	for _, m := range a {
		seen[key(m)]++
	}
	for _, m := range b {
		k := key(m)
		if seen[k] == 0 {
			return false
		}
		seen[k]--
	}
	return true
}

// parseID validates a silence ID.
func parseID(id string) (strfmt.UUID, error) {
	if !strfmt.IsUUID(id) {
		return "", errors.New("not a UUID")
	}
	return strfmt.UUID(id), nil
}
