package actions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/alerts"
	"oncall/internal/guard"
	"oncall/internal/journal"
	"oncall/internal/sanitize"
	"oncall/sources/alertmanager"
)

// SilenceRef names a silence as the caller loaded it. UpdatedAt is its
// updatedAt then (alerts.Silence.UpdatedAt); zero means the caller loaded
// no copy (the CLI, given an ID), which skips the conflict check.
type SilenceRef struct {
	ID        string
	UpdatedAt time.Time
}

// authorReason prefixes the author rule's reason; the author follows.
const authorReason = "created by "

// load fetches the silence and checks it against the caller's copy.
func (s *Service) load(ctx context.Context, ref SilenceRef) (*models.GettableSilence, *alerts.Silence, error) {
	cur, err := s.AM.Silence(ctx, ref.ID)
	if err != nil {
		return nil, nil, err
	}
	sils := alerts.FromModelSilences(models.GettableSilences{cur}, nil)
	if len(sils) != 1 {
		return nil, nil, fmt.Errorf("alertmanager: silence %s: answer has no ID", sanitize.Text(ref.ID))
	}
	prev := sils[0]
	if !ref.UpdatedAt.IsZero() && !prev.UpdatedAt.Equal(ref.UpdatedAt) {
		return cur, prev, &ConflictError{ID: ref.ID, Loaded: ref.UpdatedAt, Current: prev}
	}
	return cur, prev, nil
}

// ExpireSilence expires a silence after the rails: read-only, the conflict
// check against ref.UpdatedAt, and, when someone else created it, a
// confirmation of the author rule (ConfirmError.Author names them). The
// Result's Previous is the silence before it expired: pass it to Undo.
func (s *Service) ExpireSilence(ctx context.Context, ref SilenceRef, o Options) (Result, error) {
	e := journal.Entry{Action: journal.ActionExpire, Target: ref.ID, SilenceID: ref.ID}
	res := Result{SilenceID: ref.ID, DryRun: o.DryRun}
	ro := s.Writable()
	if ro != nil && !o.DryRun {
		res.Guard = "read-only"
		return s.finish(e, &res, o, ro)
	}
	_, prev, err := s.load(ctx, ref)
	res.Previous = prev
	if prev != nil {
		res.Comment, res.EndsAt, e.Comment = prev.Comment, prev.EndsAt, prev.Comment
	}
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		res.Guard = "conflict"
	}
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	if prev.State == models.SilenceStatusStateExpired {
		return s.finish(e, &res, o, fmt.Errorf("silence %s has already expired", sanitize.Text(ref.ID)))
	}
	v := guard.Verdict{Rules: true}
	if prev.CreatedBy != s.User {
		by := sanitize.Text(prev.CreatedBy)
		v.Findings = append(v.Findings, guard.Finding{Rule: guard.RuleAuthor, Mode: guard.Confirm, Reason: authorReason + by})
		e.Extra = map[string]string{"createdBy": by}
	}
	if o.DryRun {
		// what the expiry would show again
		if v.Matched, v.Firing, err = s.mutedBy(ctx, ref.ID, o); err != nil {
			return s.finish(e, &res, o, err)
		}
	}
	if stop, err := decide(&res, v, o, ro); stop {
		return s.finish(e, &res, o, err)
	}
	return s.finish(e, &res, o, s.AM.ExpireSilence(ctx, ref.ID))
}

// ExtendSilence moves a silence's end to max(now, current end) + d, in
// place (same ID), after the rails: read-only, the conflict check, and the
// guard's duration rule (the ack limit for an ACK! silence).
func (s *Service) ExtendSilence(ctx context.Context, ref SilenceRef, d time.Duration, o Options) (Result, error) {
	e := journal.Entry{Action: journal.ActionExtend, Target: ref.ID, SilenceID: ref.ID}
	res := Result{SilenceID: ref.ID, DryRun: o.DryRun}
	ro := s.Writable()
	if ro != nil && !o.DryRun {
		res.Guard = "read-only"
		return s.finish(e, &res, o, ro)
	}
	if d <= 0 {
		return s.finish(e, &res, o, errors.New("extension must be positive"))
	}
	cur, prev, err := s.load(ctx, ref)
	res.Previous = prev
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		res.Guard = "conflict"
	}
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	now := s.now()
	base := now
	if prev.EndsAt.After(base) {
		base = prev.EndsAt
	}
	end := base.Add(d)
	res.Comment, res.EndsAt, e.EndsAt = prev.Comment, end, &end
	body, err := alertmanager.ExtensionOf(cur, end)
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	res.Body = body
	kind := guard.KindExtend
	if prev.Ack {
		kind = guard.KindAckExtend
	}
	v := s.Guard.Check(guard.Request{Kind: kind, Matchers: prev.LabelMatchers(), Duration: end.Sub(now)}, nil)
	if o.DryRun {
		// what the extension keeps hidden
		if v.Matched, v.Firing, err = s.mutedBy(ctx, ref.ID, o); err != nil {
			return s.finish(e, &res, o, err)
		}
	}
	if stop, err := decide(&res, v, o, ro); stop {
		return s.finish(e, &res, o, err)
	}
	res.SilenceID, err = s.AM.ExtendLoaded(ctx, cur, end)
	return s.finish(e, &res, o, err)
}

// Undo re-creates an expired silence: the same matchers, comment, author
// and end, under a new ID (Result.SilenceID), journaled as "undo" with Ref
// the old ID. prev is the silence as it was before it expired
// (Result.Previous of ExpireSilence, or the caller's loaded copy). The new
// silence goes through the same rails as CreateSilence (as an ack when prev
// is one).
func (s *Service) Undo(ctx context.Context, prev *alerts.Silence, o Options) (Result, error) {
	if prev == nil {
		return Result{}, errors.New("undo: no silence to restore")
	}
	end := prev.EndsAt
	e := journal.Entry{Action: journal.ActionUndo, Target: prev.ID, Ref: prev.ID, Comment: prev.Comment, EndsAt: &end, Alert: alertOf(prev.LabelMatchers())}
	res := Result{Comment: prev.Comment, EndsAt: end, DryRun: o.DryRun}
	ro := s.Writable()
	if ro != nil && !o.DryRun {
		res.Guard = "read-only"
		return s.finish(e, &res, o, ro)
	}
	now := s.now()
	ms := prev.LabelMatchers()
	if !end.After(now) {
		return s.finish(e, &res, o, fmt.Errorf("silence %s ended at %s: nothing to restore", sanitize.Text(prev.ID), end.UTC().Format(time.RFC3339)))
	}
	body, err := alerts.NewSilence(ms, now, end, prev.CreatedBy, prev.Comment)
	if err != nil {
		return s.finish(e, &res, o, fmt.Errorf("silence %s cannot be restored: %w", sanitize.Text(prev.ID), err))
	}
	res.Body = body
	_, cur, err := s.load(ctx, SilenceRef{ID: prev.ID})
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	if cur.State != models.SilenceStatusStateExpired {
		return s.finish(e, &res, o, fmt.Errorf("silence %s is %s, not expired: nothing to undo", sanitize.Text(prev.ID), sanitize.Text(cur.State)))
	}
	if id, err := s.restoredAs(ctx, body); err != nil || id != "" {
		if err == nil {
			err = fmt.Errorf("silence %s was already restored as %s", sanitize.Text(prev.ID), sanitize.Text(id))
		}
		return s.finish(e, &res, o, err)
	}
	req := guard.Request{Kind: guard.KindSilence, Matchers: ms, Duration: end.Sub(now), Comment: prev.Comment}
	if prev.Ack {
		req.Kind = guard.KindAck
	}
	v, err := s.judge(ctx, req, o)
	if err != nil {
		return s.finish(e, &res, o, err)
	}
	if stop, err := decide(&res, v, o, ro); stop {
		return s.finish(e, &res, o, err)
	}
	res.SilenceID, err = s.AM.PostSilence(ctx, body)
	return s.finish(e, &res, o, err)
}

// restoredAs returns the ID of a live silence that already restores body
// (same matchers, author, comment and end), so a repeated undo does not
// create a duplicate.
func (s *Service) restoredAs(ctx context.Context, body *models.PostableSilence) (string, error) {
	all, err := s.AM.Silences(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("checking for a restored copy: %w", err)
	}
	for _, g := range all {
		if g.ID == nil || g.Status == nil || g.Status.State == nil || *g.Status.State == models.SilenceStatusStateExpired ||
			g.EndsAt == nil || g.CreatedBy == nil || g.Comment == nil {
			continue
		}
		if *g.CreatedBy == *body.CreatedBy && *g.Comment == *body.Comment && alertmanager.SameMatchers(g.Matchers, body.Matchers) &&
			time.Time(*g.EndsAt).Sub(time.Time(*body.EndsAt)).Abs() < time.Second {
			return *g.ID, nil
		}
	}
	return "", nil
}

// KeepAcksAlive extends, in place, the user's ACK! silences that still cover
// a live alert and would expire within lead. It returns what it extended and
// the errors it met (each also journaled; an extension done but not
// journaled is in both). In a read-only service, or when
// the guard's ack duration limit stops an extension, that extension is
// refused and journaled (nobody is there to confirm it).
func (s *Service) KeepAcksAlive(ctx context.Context, sils []*alerts.Silence, live []*alerts.Alert, lead, extendBy time.Duration) ([]alerts.Extension, []error) {
	now := s.now()
	plan := alerts.PlanKeepAlive(sils, live, s.User, now, lead, extendBy)
	var done []alerts.Extension
	var errs []error
	for _, x := range plan {
		end := x.NewEnd
		e := journal.Entry{Action: journal.ActionAckExtend, Target: x.SilenceID, SilenceID: x.SilenceID, Alert: x.Alert, EndsAt: &end}
		res := Result{SilenceID: x.SilenceID, EndsAt: end}
		var err error
		if ro := s.Writable(); ro != nil {
			res.Guard, err = "read-only", ro
		} else {
			v := s.Guard.Check(guard.Request{Kind: guard.KindAckExtend, Duration: end.Sub(now)}, nil)
			res.Verdict = v
			if res.Guard, err = gate(v, Options{}); err != nil && len(v.Findings) > 0 {
				res.Guard = "refused " + v.Findings[0].Rule
				err = &RefusedError{Finding: v.Findings[0], Verdict: v}
			}
		}
		if err == nil {
			_, err = s.AM.ExtendSilence(ctx, x.SilenceID, end)
		}
		if err == nil {
			done = append(done, x)
		}
		if _, rerr := s.finish(e, &res, Options{}, err); rerr != nil {
			errs = append(errs, rerr)
		}
	}
	return done, errs
}
