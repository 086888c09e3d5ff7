package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
	"oncall/internal/guard"
	"oncall/internal/journal"
)

// SilenceRequest is a new silence: from now for Duration.
type SilenceRequest struct {
	Matchers labels.Matchers
	Duration time.Duration
	Comment  string
}

// CreateSilence creates a silence after the rails: read-only, validation,
// the guard (against o.Live, or the alerts it fetches), confirmation.
func (s *Service) CreateSilence(ctx context.Context, r SilenceRequest, o Options) (Result, error) {
	start := s.now()
	end := start.Add(r.Duration)
	e := journal.Entry{Action: journal.ActionSilence, Target: r.Matchers.String(), Comment: r.Comment, EndsAt: &end}
	res := Result{Comment: r.Comment, EndsAt: end, DryRun: o.DryRun}
	ro := s.Writable()
	if ro != nil && !o.DryRun {
		res.Guard = "read-only"
		return s.finish(e, &res, o, ro)
	}
	body, err := alerts.NewSilence(r.Matchers, start, end, s.User, r.Comment)
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	res.Body = body
	v, err := s.judge(ctx, guard.Request{Kind: guard.KindSilence, Matchers: r.Matchers, Duration: r.Duration, Comment: r.Comment}, o)
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	if stop, err := decide(&res, v, o, ro); stop {
		return s.finish(e, &res, o, err)
	}
	res.SilenceID, err = s.AM.PostSilence(ctx, body)
	return s.finish(e, &res, o, err)
}

// AckRequest is an ack: an "ACK! <user>: <note>" silence from now for
// Duration.
type AckRequest struct {
	Matchers labels.Matchers
	Duration time.Duration
	Note     string
}

// Acknowledge acks after the same rails as CreateSilence (the guard judges
// it as an ack: the ack duration limit, no comment rule). If the user
// already has an active ack with the same matchers, it is extended in place
// instead (Extended), or left as it is when it lasts long enough
// (Unchanged), so repeated acks never pile up duplicates.
func (s *Service) Acknowledge(ctx context.Context, r AckRequest, o Options) (Result, error) {
	comment := alerts.AckComment(s.User, r.Note)
	start := s.now()
	end := start.Add(r.Duration)
	e := journal.Entry{Action: journal.ActionAck, Target: r.Matchers.String(), Comment: comment, EndsAt: &end, Alert: alertOf(r.Matchers)}
	res := Result{Comment: comment, EndsAt: end, DryRun: o.DryRun}
	ro := s.Writable()
	if ro != nil && !o.DryRun {
		res.Guard = "read-only"
		return s.finish(e, &res, o, ro)
	}
	body, err := alerts.NewSilence(r.Matchers, start, end, s.User, comment)
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	res.Body = body
	v, err := s.judge(ctx, guard.Request{Kind: guard.KindAck, Matchers: r.Matchers, Duration: r.Duration, Comment: comment}, o)
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	if _, err := decide(&res, v, o, ro); err != nil { // a dry run goes on: does an ack exist?
		return s.finish(e, &res, o, err)
	}
	existing, err := s.AM.Silences(ctx, nil)
	if err != nil {
		return s.finish(e, &res, o, fmt.Errorf("checking for an existing ack: %w", err))
	}
	if cur := alerts.FindAck(alerts.FromModelSilences(existing, nil), s.User, r.Matchers); cur != nil {
		res.SilenceID = cur.ID
		if !cur.EndsAt.Before(end) {
			res.Unchanged, res.Body, res.Comment, res.EndsAt = true, nil, cur.Comment, cur.EndsAt
			return s.finish(e, &res, o, nil)
		}
		res.Extended, res.Comment = true, cur.Comment
		res.Body = extensionBody(cur, end)
		if o.DryRun {
			return res, nil
		}
		res.SilenceID, err = s.AM.ExtendSilence(ctx, cur.ID, end)
		return s.finish(e, &res, o, err)
	}
	if o.DryRun {
		return res, nil
	}
	res.SilenceID, err = s.AM.PostSilence(ctx, body)
	return s.finish(e, &res, o, err)
}

// extensionBody is what extending cur in place to end posts.
func extensionBody(cur *alerts.Silence, end time.Time) *models.PostableSilence {
	start, stop := strfmt.DateTime(cur.StartsAt.UTC()), strfmt.DateTime(end.UTC())
	by, comment := cur.CreatedBy, cur.Comment
	return &models.PostableSilence{ID: cur.ID, Silence: models.Silence{
		Matchers: alerts.ToModelMatchers(cur.LabelMatchers()), StartsAt: &start, EndsAt: &stop, CreatedBy: &by, Comment: &comment,
	}}
}
