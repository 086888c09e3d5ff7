// Package actions performs oncall's writes (silence, ack, expire, extend,
// undo, ack keep-alive) against an Alertmanager cluster and journals every
// attempt, successful, failed or stopped. The CLI, the TUI and `oncall
// serve` share it, so the rails are enforced here, below every UI:
//
//   - read-only (the context's readonly, --readonly, serve's viewers): every
//     write is refused before any request is sent;
//   - the context's guard (internal/guard): a rule refuses the write, or asks
//     for a confirmation the call must carry (Options.Confirmed, Force);
//   - expiring someone else's silence asks for a confirmation naming them;
//   - extend and expire stop when the silence changed since it was loaded;
//   - a dry run returns what would be written and what it matches.
//
// Each journal entry says which rail allowed or stopped the write (Guard).
package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/guard"
	"oncall/internal/journal"
	"oncall/sources/alertmanager"
)

// Service performs and journals writes. Set its fields before use; it is
// then safe for concurrent use.
type Service struct {
	AM      *alertmanager.Client
	Journal *journal.Journal
	User    string
	Context string
	Now     func() time.Time
	// Guard holds the context's rules (guard.New of its [guard]); nil has none.
	Guard *guard.Policy
	// ReadOnly, when set, is why every write is refused: "readonly = true
	// in the config", "--readonly", "viewer".
	ReadOnly string
}

// ApplyContext sets the guard and read-only mode from the context's config.
// A ReadOnly already set (by --readonly) is kept.
func (s *Service) ApplyContext(c *config.Context) error {
	if c == nil {
		return nil
	}
	p, err := guard.New(c.Guard)
	if err != nil {
		return fmt.Errorf("contexts.%s.%w", s.Context, err)
	}
	s.Guard = p
	if c.ReadOnly && s.ReadOnly == "" {
		s.ReadOnly = "readonly = true in the config"
	}
	return nil
}

// Writable returns the ReadOnlyError every write would meet, or nil: a UI
// can answer a write key with it without trying.
func (s *Service) Writable() error {
	if s.ReadOnly == "" {
		return nil
	}
	return &ReadOnlyError{Context: s.Context, Reason: s.ReadOnly}
}

// Options qualify one write.
type Options struct {
	// Live are the cluster's alerts as the caller shows them (the TUI's
	// list). Nil: the service fetches them from Alertmanager when the
	// guard needs them or for a dry run.
	Live []*alerts.Alert
	// Confirmed are the rules the operator confirmed (ConfirmError.Rules
	// shown in a second dialog). A rule in "refuse" mode cannot be.
	Confirmed []string
	// Force confirms every rule in "confirm" mode (the CLI's --force).
	Force bool
	// DryRun sends no write and journals nothing: the Result says what
	// would be written and what it matches, and the error is the one the
	// write would meet. It doubles as a dialog's preview.
	DryRun bool
}

// decide records the guard's verdict in res and says whether the write
// stops here, and with which error: a refusing or unconfirmed rule,
// read-only (ro, which wins), or a dry run (stop with no error).
func decide(res *Result, v guard.Verdict, o Options, ro error) (stop bool, err error) {
	res.Verdict = v
	res.Guard, err = gate(v, o)
	if ro != nil {
		res.Guard, err = "read-only", ro
	}
	return err != nil || o.DryRun, err
}

func (o Options) confirmed(rule string) bool { return o.Force || slices.Contains(o.Confirmed, rule) }

// Result says what a write did, or would do in a dry run.
type Result struct {
	SilenceID string `json:"id,omitempty"`
	// Extended: an ack extended the user's existing ack in place.
	Extended bool `json:"extended,omitempty"`
	// Unchanged: the user's existing ack already lasts long enough, so
	// nothing was written.
	Unchanged bool      `json:"unchanged,omitempty"`
	Comment   string    `json:"comment,omitempty"`
	EndsAt    time.Time `json:"endsAt,omitzero"`
	// Body is what was (or would be) posted to Alertmanager.
	Body *models.PostableSilence `json:"body,omitempty"`
	// Verdict is the guard's: its findings and the firing alerts matched.
	Verdict guard.Verdict `json:"verdict"`
	// Guard is what the journal says allowed or stopped the write.
	Guard  string `json:"guard,omitempty"`
	DryRun bool   `json:"dryRun,omitempty"`
	// Previous is the silence as it was before an expire or an extend;
	// after an expire, pass it to Undo.
	Previous *alerts.Silence `json:"previous,omitempty"`
	// JournalErr is set when the write happened but was not journaled.
	JournalErr error `json:"-"`
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// finish journals an attempt with res.Guard and returns actErr, joined on
// one line with a journal failure, which also lands in res.JournalErr. A
// dry run journals nothing.
func (s *Service) finish(e journal.Entry, res *Result, o Options, actErr error) (Result, error) {
	if o.DryRun {
		return *res, actErr
	}
	e.User, e.Context, e.Time, e.Guard = s.User, s.Context, s.now(), res.Guard
	e.Result = journal.ResultOK
	switch {
	case actErr != nil && stopped(actErr):
		e.Result, e.Error = journal.ResultRefused, actErr.Error()
	case actErr != nil:
		e.Result, e.Error = journal.ResultError, actErr.Error()
	}
	if e.SilenceID == "" {
		e.SilenceID = res.SilenceID
	}
	if s.Journal == nil {
		return *res, actErr
	}
	jerr := s.Journal.Append(e)
	if jerr == nil {
		return *res, actErr
	}
	je := &JournalError{Err: jerr}
	if actErr == nil {
		je.Done = fmt.Sprintf("%s %s done", e.Action, or(res.SilenceID, e.Target))
		res.JournalErr = je
		return *res, je
	}
	return *res, fmt.Errorf("%w; %w", actErr, je)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// gate turns a verdict into the journal's guard word and the rail's error.
func gate(v guard.Verdict, o Options) (string, error) {
	if f, ok := v.Refusal(); ok {
		return "refused " + f.Rule, &RefusedError{Finding: f, Verdict: v}
	}
	var need []guard.Finding
	for _, f := range v.Findings {
		if !o.confirmed(f.Rule) {
			need = append(need, f)
		}
	}
	if len(need) > 0 {
		ce := &ConfirmError{Findings: need, Verdict: v}
		var rules []string
		for _, f := range need {
			rules = append(rules, f.Rule)
			if f.Rule == guard.RuleAuthor {
				ce.Author = strings.TrimPrefix(f.Reason, authorReason)
			}
		}
		return "unconfirmed " + strings.Join(rules, ", "), ce
	}
	if c := v.Confirmations(); len(c) > 0 {
		return "confirmed " + strings.Join(c, ", "), nil
	}
	if !v.Rules {
		return "off", nil
	}
	return "ok", nil
}

// judge runs the guard, fetching the live alerts when it needs them (or
// for a dry run) and the caller gave none.
func (s *Service) judge(ctx context.Context, r guard.Request, o Options) (guard.Verdict, error) {
	live := o.Live
	if live == nil && (s.Guard.NeedsLive(r.Kind) || o.DryRun) {
		var err error
		if live, err = s.live(ctx); err != nil {
			return guard.Verdict{}, err
		}
	}
	return s.Guard.Check(r, live), nil
}

// live reads the cluster's alerts from Alertmanager.
func (s *Service) live(ctx context.Context) ([]*alerts.Alert, error) {
	got, err := s.AM.Alerts(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("guard: reading the firing alerts: %w", err)
	}
	return alerts.FromAlertmanager(got), nil
}

// mutedBy are the firing alerts that the silence id mutes now (what its
// expiry would show again), and how many fire in all.
func (s *Service) mutedBy(ctx context.Context, id string, o Options) ([]*alerts.Alert, int, error) {
	live := o.Live
	if live == nil {
		var err error
		if live, err = s.live(ctx); err != nil {
			return nil, 0, err
		}
	}
	firing := guard.Firing(live)
	muted := []*alerts.Alert{}
	for _, al := range firing {
		if slices.Contains(al.SilencedBy, id) {
			muted = append(muted, al)
		}
	}
	return muted, len(firing), nil
}

func alertOf(ms labels.Matchers) string {
	for _, m := range ms {
		if m.Name == "alertname" && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// Silence validates and creates a silence from now for d. It is
// CreateSilence with no options.
func (s *Service) Silence(ctx context.Context, ms labels.Matchers, d time.Duration, comment string) (string, error) {
	r, err := s.CreateSilence(ctx, SilenceRequest{Matchers: ms, Duration: d, Comment: comment}, Options{})
	return r.SilenceID, err
}

// AckResult says what an ack did.
type AckResult struct {
	SilenceID string    `json:"id"`
	Extended  bool      `json:"extended"`
	Comment   string    `json:"comment"`
	EndsAt    time.Time `json:"endsAt"`
}

// Ack acknowledges: an ACK! silence over the matchers for d. It is
// Acknowledge with no options.
func (s *Service) Ack(ctx context.Context, ms labels.Matchers, d time.Duration, note string) (AckResult, error) {
	r, err := s.Acknowledge(ctx, AckRequest{Matchers: ms, Duration: d, Note: note}, Options{})
	return AckResult{SilenceID: r.SilenceID, Extended: r.Extended, Comment: r.Comment, EndsAt: r.EndsAt}, err
}

// Expire expires a silence by ID without a loaded copy (no conflict
// check). It is ExpireSilence with no options: someone else's silence is
// stopped by the author rule (a *ConfirmError), as from every way in.
func (s *Service) Expire(ctx context.Context, id string) error {
	_, err := s.ExpireSilence(ctx, SilenceRef{ID: id}, Options{})
	return err
}

// Extend moves a silence's end to max(now, current end) + d, in place,
// without a loaded copy (no conflict check). It is ExtendSilence with no
// options.
func (s *Service) Extend(ctx context.Context, id string, d time.Duration) (string, time.Time, error) {
	r, err := s.ExtendSilence(ctx, SilenceRef{ID: id}, d, Options{})
	return r.SilenceID, r.EndsAt, err
}
