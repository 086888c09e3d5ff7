// Package actions performs oncall's writes (silence, ack, expire, extend,
// ack keep-alive) against an Alertmanager cluster and journals every attempt,
// successful or not. The CLI and the TUI share it.
package actions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
	"oncall/internal/journal"
	"oncall/sources/alertmanager"
)

// Service performs and journals writes.
type Service struct {
	AM      *alertmanager.Client
	Journal *journal.Journal
	User    string
	Context string
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// record journals an attempt. A journal failure is returned joined to the
// action's own error so it is never silent.
func (s *Service) record(e journal.Entry, actErr error) error {
	e.User, e.Context, e.Time = s.User, s.Context, s.now()
	e.Result = "ok"
	if actErr != nil {
		e.Result, e.Error = "error", actErr.Error()
	}
	if s.Journal == nil {
		return actErr
	}
	if jerr := s.Journal.Append(e); jerr != nil {
		return errors.Join(actErr, fmt.Errorf("not journaled: %w", jerr))
	}
	return actErr
}

// Silence validates and creates a silence from now for d.
func (s *Service) Silence(ctx context.Context, ms labels.Matchers, d time.Duration, comment string) (string, error) {
	start := s.now()
	end := start.Add(d)
	e := journal.Entry{Action: journal.ActionSilence, Target: ms.String(), Comment: comment, EndsAt: &end}
	ps, err := alerts.NewSilence(ms, start, end, s.User, comment)
	if err != nil {
		return "", s.record(e, err)
	}
	id, err := s.AM.PostSilence(ctx, ps)
	e.SilenceID = id
	return id, s.record(e, err)
}

// AckResult says what an ack did.
type AckResult struct {
	SilenceID string    `json:"id"`
	Extended  bool      `json:"extended"`
	Comment   string    `json:"comment"`
	EndsAt    time.Time `json:"endsAt"`
}

// Ack acknowledges: an ACK! silence over the matchers for d. If the user
// already has an active ack with the same matchers, it is extended in place
// instead, so repeated acks never pile up duplicates.
func (s *Service) Ack(ctx context.Context, ms labels.Matchers, d time.Duration, note string) (AckResult, error) {
	comment := alerts.AckComment(s.User, note)
	end := s.now().Add(d)
	e := journal.Entry{Action: journal.ActionAck, Target: ms.String(), Comment: comment, EndsAt: &end}
	if v := ms; len(v) > 0 {
		for _, m := range v {
			if m.Name == "alertname" {
				e.Alert = m.Value
			}
		}
	}
	if err := alerts.ValidateSilence(ms, s.now(), end, s.User, comment); err != nil {
		return AckResult{}, s.record(e, err)
	}
	existing, err := s.AM.Silences(ctx, nil)
	if err != nil {
		return AckResult{}, s.record(e, fmt.Errorf("checking for an existing ack: %w", err))
	}
	if cur := alerts.FindAck(alerts.FromModelSilences(existing, nil), s.User, ms); cur != nil {
		if !cur.EndsAt.Before(end) {
			e.SilenceID = cur.ID
			return AckResult{SilenceID: cur.ID, Extended: false, Comment: cur.Comment, EndsAt: cur.EndsAt}, s.record(e, nil)
		}
		id, err := s.AM.ExtendSilence(ctx, cur.ID, end)
		e.SilenceID = id
		return AckResult{SilenceID: id, Extended: true, Comment: cur.Comment, EndsAt: end}, s.record(e, err)
	}
	ps, err := alerts.NewSilence(ms, s.now(), end, s.User, comment)
	if err != nil {
		return AckResult{}, s.record(e, err)
	}
	id, err := s.AM.PostSilence(ctx, ps)
	e.SilenceID = id
	return AckResult{SilenceID: id, Comment: comment, EndsAt: end}, s.record(e, err)
}

// Expire expires a silence.
func (s *Service) Expire(ctx context.Context, id string) error {
	err := s.AM.ExpireSilence(ctx, id)
	return s.record(journal.Entry{Action: journal.ActionExpire, Target: id, SilenceID: id}, err)
}

// Extend moves a silence's end to max(now, current end) + d, in place.
func (s *Service) Extend(ctx context.Context, id string, d time.Duration) (string, time.Time, error) {
	e := journal.Entry{Action: journal.ActionExtend, Target: id, SilenceID: id}
	if d <= 0 {
		return "", time.Time{}, s.record(e, errors.New("extension must be positive"))
	}
	cur, err := s.AM.Silence(ctx, id)
	if err != nil {
		return "", time.Time{}, s.record(e, err)
	}
	base := s.now()
	if cur.EndsAt != nil && time.Time(*cur.EndsAt).After(base) {
		base = time.Time(*cur.EndsAt)
	}
	end := base.Add(d)
	e.EndsAt = &end
	nid, err := s.AM.ExtendSilence(ctx, id, end)
	e.SilenceID = nid
	return nid, end, s.record(e, err)
}

// KeepAcksAlive extends, in place, the user's ACK! silences that still cover
// a live alert and would expire within lead. It returns what it extended and
// the errors it met (each also journaled).
func (s *Service) KeepAcksAlive(ctx context.Context, sils []*alerts.Silence, live []*alerts.Alert, lead, extendBy time.Duration) ([]alerts.Extension, []error) {
	plan := alerts.PlanKeepAlive(sils, live, s.User, s.now(), lead, extendBy)
	var done []alerts.Extension
	var errs []error
	for _, x := range plan {
		end := x.NewEnd
		_, err := s.AM.ExtendSilence(ctx, x.SilenceID, end)
		if rerr := s.record(journal.Entry{Action: journal.ActionAckExtend, Target: x.SilenceID, SilenceID: x.SilenceID, Alert: x.Alert, EndsAt: &end}, err); rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		done = append(done, x)
	}
	return done, errs
}
