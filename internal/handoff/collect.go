package handoff

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/config"
	"oncall/internal/journal"
)

// AlertmanagerSource is what the handoff reads from Alertmanager
// (*alertmanager.Client satisfies it).
type AlertmanagerSource interface {
	Alerts(ctx context.Context, filter []string) (models.GettableAlerts, error)
	Silences(ctx context.Context, filter []string) (models.GettableSilences, error)
}

// PrometheusSource runs range queries (*prometheus.Client satisfies it).
type PrometheusSource interface {
	QueryRange(ctx context.Context, q string, r v1.Range) (model.Value, error)
}

// JournalSource reads the action journal (*journal.Journal satisfies it).
type JournalSource interface {
	Read(since time.Time) (journal.ReadResult, error)
}

// BudgetSource reports each SLO's error budget at the start and end of the
// window and what was consumed in between (see PromBudgets).
type BudgetSource interface {
	Budgets(ctx context.Context, from, to time.Time) ([]Budget, error)
}

// Sources are where the handoff comes from; any may be nil (not configured),
// which leaves its sections empty.
type Sources struct {
	Alertmanager AlertmanagerSource
	Prometheus   PrometheusSource
	Journal      JournalSource
	Budgets      BudgetSource
}

// Options say whose handoff it is and which window it covers.
type Options struct {
	Context, User string
	// Since is "" (the shift), "last" (since this user's last handoff) or
	// a duration such as 12h.
	Since string
	Shift config.Shift
	// Now is the end of the window (zero: time.Now()).
	Now time.Time
}

// Source names, as reported in SourceErrors.
const (
	SourceAlertmanager = "alertmanager"
	SourcePrometheus   = "prometheus"
	SourceJournal      = "journal"
	SourceBudgets      = "error budgets"
)

// Collect reads every source (Alertmanager, Prometheus and the budgets in
// parallel, bounded by ctx) and builds the summary. A source that fails
// leaves its sections empty and is listed in SourceErrors; only invalid
// options (time zone, shift starts, --since) are returned as errors.
func Collect(ctx context.Context, src Sources, o Options) (*Summary, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	loc, err := Location(o.Shift)
	if err != nil {
		return nil, err
	}
	var d Data
	if src.Journal != nil {
		res, err := src.Journal.Read(time.Time{})
		if err != nil {
			d.Errors = append(d.Errors, SourceError{Source: SourceJournal, Error: oneLine(err.Error())})
		}
		d.Journal, d.JournalProblems = res.Entries, res.Problems
	}
	w, err := ResolveWindow(o.Since, o.Shift, now, loc, func() (time.Time, bool) {
		return LastHandoff(d.Journal, o.User, o.Context)
	})
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	fail := func(source string, err error) {
		mu.Lock()
		defer mu.Unlock()
		d.Errors = append(d.Errors, SourceError{Source: source, Error: oneLine(err.Error())})
	}
	if am := src.Alertmanager; am != nil {
		wg.Add(2)
		go func() {
			defer wg.Done()
			as, err := am.Alerts(ctx, nil)
			if err != nil {
				fail(SourceAlertmanager, err)
				return
			}
			d.Alerts, d.HaveAlerts = as, true
		}()
		go func() {
			defer wg.Done()
			ss, err := am.Silences(ctx, nil)
			if err != nil {
				fail(SourceAlertmanager, fmt.Errorf("silences: %w", err))
				return
			}
			d.Silences = ss
		}()
	}
	if p := src.Prometheus; p != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := fetchHistory(ctx, p, w)
			if err != nil {
				fail(SourcePrometheus, err)
				return
			}
			d.History = h
		}()
	}
	if b := src.Budgets; b != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bs, err := b.Budgets(ctx, w.From, w.To)
			if err != nil {
				fail(SourceBudgets, err)
			}
			d.Budgets = bs
		}()
	}
	wg.Wait()
	return Build(d, w, o.Context, o.User), nil
}

// LastHandoff returns the time of user's last successful handoff export in
// context, from journal entries. A handoff of several clusters is
// journaled with their names joined ("prod, staging") and counts for each.
func LastHandoff(entries []journal.Entry, user, context string) (time.Time, bool) {
	var last time.Time
	for _, e := range entries {
		if e.Action == journal.ActionHandoff && e.Result == journal.ResultOK && e.User == user &&
			(e.Context == "" || slices.Contains(strings.Split(e.Context, ", "), context)) && e.Time.After(last) {
			last = e.Time
		}
	}
	return last, !last.IsZero()
}
