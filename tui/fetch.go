package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/tui/kit"
)

// Source names, as shown in the status bar.
const (
	srcAM    = "alertmanager"
	srcProm  = "prometheus"
	srcRules = "rules"
	srcSil   = "silences"
)

// fetched is the reply of one fetch. seq lets the root drop stale replies:
// only the reply to the latest request of a source is applied.
type fetched struct {
	source  string
	seq     int
	latency time.Duration
	err     error

	amAlerts   models.GettableAlerts
	silences   models.GettableSilences
	promAlerts []v1.Alert
	rules      map[string][]v1.AlertingRule
}

// tickMsg drives the automatic refresh. gen identifies the ticker: a tick
// from an older generation is ignored and not rescheduled, which is how the
// ticker is stopped.
type tickMsg struct{ gen int }

// sourceHealth is what the status bar shows of a source.
type sourceHealth struct {
	ok        bool
	latency   time.Duration
	err       string
	failSince time.Time
	lastOK    time.Time
	inFlight  bool
}

// fetchCmd wraps one source call with a timeout into a command.
func fetchCmd(source string, seq int, timeout time.Duration, call func(ctx context.Context, f *fetched) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		f := fetched{source: source, seq: seq}
		start := time.Now()
		f.err = call(ctx, &f)
		f.latency = time.Since(start)
		return f
	}
}

// refresh issues a fetch for every configured source, in parallel.
func (m *Model) refresh() tea.Cmd {
	var cmds []tea.Cmd
	to := m.fetchTimeout
	if am := m.deps.AM; am != nil {
		cmds = append(cmds,
			m.startFetch(srcAM, to, func(ctx context.Context, f *fetched) (err error) {
				f.amAlerts, err = am.Alerts(ctx, nil)
				return err
			}),
			m.startFetch(srcSil, to, func(ctx context.Context, f *fetched) (err error) {
				f.silences, err = am.Silences(ctx, nil)
				return err
			}))
	}
	if p := m.deps.Prom; p != nil {
		cmds = append(cmds,
			m.startFetch(srcProm, to, func(ctx context.Context, f *fetched) (err error) {
				f.promAlerts, err = p.Alerts(ctx)
				return err
			}),
			m.startFetch(srcRules, to, func(ctx context.Context, f *fetched) (err error) {
				f.rules, err = p.AlertingRules(ctx)
				return err
			}))
	}
	for _, name := range m.screenOrder {
		if r, ok := m.screens[name].(kit.Refresher); ok {
			if c := r.Refresh(m); c != nil {
				cmds = append(cmds, c)
			}
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) startFetch(source string, timeout time.Duration, call func(ctx context.Context, f *fetched) error) tea.Cmd {
	m.seq[source]++
	h := m.healthOf(source)
	h.inFlight = true
	return fetchCmd(source, m.seq[source], timeout, call)
}

func (m *Model) healthOf(source string) *sourceHealth {
	h := m.health[source]
	if h == nil {
		h = &sourceHealth{}
		m.health[source] = h
	}
	return h
}

// applyFetched stores a reply. Stale replies are dropped; a failed source
// keeps its last good data, marked stale by its health.
func (m *Model) applyFetched(f fetched) tea.Cmd {
	if f.seq != m.seq[f.source] {
		return nil // a newer request is in flight or done
	}
	h := m.healthOf(f.source)
	h.inFlight = false
	now := m.now()
	if f.err != nil {
		if h.ok || h.failSince.IsZero() {
			h.failSince = now
		}
		h.ok, h.err = false, f.err.Error()
		if m.status.id == m.refreshStatus && !m.status.err {
			m.status = statusLine{} // show the failure, not "refreshing…"
		}
		return nil
	}
	h.ok, h.err, h.latency, h.lastOK, h.failSince = true, "", steadyLatency(h.latency, f.latency), now, time.Time{}
	switch f.source {
	case srcAM:
		m.amAlerts = f.amAlerts
	case srcSil:
		m.amSilences = f.silences
	case srcProm:
		m.promAlerts = f.promAlerts
	case srcRules:
		m.rules = f.rules
	}
	m.lastRefresh = now
	m.rebuildData()
	if f.source == srcSil || f.source == srcAM {
		return m.keepAcksAlive()
	}
	return nil
}

func (m *Model) scheduleTick() tea.Cmd {
	gen := m.tickGen
	return tea.Tick(m.refreshEvery, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}
