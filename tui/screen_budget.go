package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
)

// BudgetScreenName is the budget screen's name (and Routed address).
const BudgetScreenName = "budget"

// BudgetOptions tunes the budget screen; zero values take the defaults.
type BudgetOptions struct {
	// Timeout bounds one evaluation of every SLO (default 20s).
	Timeout time.Duration
	// DiscoverEvery is how often Sloth/Pyrra SLOs are looked for again
	// (default 5m).
	DiscoverEvery time.Duration
	// HistorySpan and HistoryStep shape the burn-rate chart (default the
	// last 24h every 5m); HistoryEvery is how often it is refetched while
	// the screen has been opened (default 1m).
	HistorySpan, HistoryStep, HistoryEvery time.Duration
}

func (o BudgetOptions) withDefaults() BudgetOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, 20*time.Second)
	def(&o.DiscoverEvery, 5*time.Minute)
	def(&o.HistorySpan, 24*time.Hour)
	def(&o.HistoryStep, 5*time.Minute)
	def(&o.HistoryEvery, time.Minute)
	return o
}

// BudgetScreenSpec registers the error-budget screen on the "budget" key
// (b). Its SLOs are the current context's configured ones plus those
// discovered from Sloth/Pyrra rules, evaluated against the session's
// Prometheus on every refresh tick. It also adds each linked SLO's line to
// the alert detail.
func BudgetScreenSpec(o BudgetOptions) ScreenSpec {
	return ScreenSpec{Name: BudgetScreenName, Key: "budget", Factory: func(m *Model) Screen {
		s := newBudgetScreen(m, o)
		m.AddDetailExtra(s.detailLines)
		return s
	}}
}

// BudgetScreen shows the error budget and burn rates of every SLO.
type BudgetScreen struct {
	opts       BudgetOptions
	api        v1.API
	configured []slo.Definition
	context    string
	secrets    []string // scrubbed from every error shown

	seq           int // of the latest evaluation request
	inFlight      bool
	inFlightSince time.Time
	discovered    []slo.Definition
	discoveredAt  time.Time
	discoverErr   string

	rows        []*budgetRow // built when results arrive
	evaluatedAt time.Time
	loadErr     string // why there is nothing to show (sanitized)
	loaded      bool
	sel         int
	opened      bool
	openAlert   *alerts.Alert // opened for it before the first figures came

	hist    map[string]*budgetHist // by SLO name
	histSeq int

	version int // bumped on every change the view depends on
	cache   budgetCache
}

// budgetHist is the burn-rate history of one SLO.
type budgetHist struct {
	seq      int
	series   map[string][]slo.Point
	end      time.Time
	fetched  time.Time
	inFlight bool
	err      string
}

// budgetLoadedMsg is the reply of one evaluation.
type budgetLoadedMsg struct {
	seq         int
	at          time.Time
	discoverRan bool
	discovered  []slo.Definition
	discoverErr error
	results     []SLOResult
}

// Screen implements Routed.
func (budgetLoadedMsg) Screen() string { return BudgetScreenName }

// budgetHistoryMsg is the reply of one burn-history fetch.
type budgetHistoryMsg struct {
	seq    int
	name   string
	end    time.Time
	series map[string][]slo.Point
	err    error
}

// Screen implements Routed.
func (budgetHistoryMsg) Screen() string { return BudgetScreenName }

func newBudgetScreen(m *Model, o BudgetOptions) *BudgetScreen {
	s := &BudgetScreen{opts: o.withDefaults(), hist: map[string]*budgetHist{}}
	d := m.Deps()
	if d.Prom != nil {
		s.api = d.Prom.API
	}
	if d.Config != nil {
		s.context = d.Config.CurrentContext
		s.secrets = d.Config.Secrets()
		if cur, err := d.Config.Current(); err == nil {
			s.configured = SLODefinitions(cur.SLO)
		}
	}
	return s
}

// Title implements Screen.
func (s *BudgetScreen) Title() string { return "Budget" }

// Capturing implements Screen: the screen has no text input.
func (s *BudgetScreen) Capturing() bool { return false }

// Open implements Screen: it selects the SLO the alert belongs to, if any,
// and fetches fresh figures.
func (s *BudgetScreen) Open(m *Model, a *alerts.Alert) tea.Cmd {
	s.opened = true
	s.openAlert = a
	s.selectAlert()
	return tea.Batch(s.load(m.Now()), s.history(m.Now()))
}

// Refresh implements Refresher: the figures follow the global tick, so the
// alert detail's SLO lines stay current even while the screen is hidden.
func (s *BudgetScreen) Refresh(m *Model) tea.Cmd {
	return tea.Batch(s.load(m.Now()), s.history(m.Now()))
}

// HandleKey implements Screen: j/k (and g/G, page keys) select an SLO.
func (s *BudgetScreen) HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.Keys()
	sel := s.sel
	switch {
	case matches(msg, k.Up):
		sel--
	case matches(msg, k.Down):
		sel++
	case matches(msg, k.PageUp):
		sel -= 5
	case matches(msg, k.PageDown):
		sel += 5
	case matches(msg, k.Top):
		sel = 0
	case matches(msg, k.Bottom):
		sel = len(s.rows) - 1
	default:
		return false, nil
	}
	s.selectRow(sel)
	return true, s.history(m.Now())
}

// selectAlert selects the first SLO the alert the screen was opened for
// belongs to; before the first figures arrive it waits for them.
func (s *BudgetScreen) selectAlert() {
	if s.openAlert == nil || !s.loaded {
		return
	}
	for i, r := range s.rows {
		if r.link.matches(s.openAlert) {
			s.selectRow(i)
			break
		}
	}
	s.openAlert = nil
}

func (s *BudgetScreen) selectRow(i int) {
	i = max(0, min(i, len(s.rows)-1))
	if i != s.sel {
		s.sel = i
		s.version++
	}
}

// Selected returns the name of the selected SLO ("" when there is none).
func (s *BudgetScreen) Selected() string {
	if r := s.selectedRow(); r != nil {
		return r.def.Name
	}
	return ""
}

func (s *BudgetScreen) selectedRow() *budgetRow {
	if s.sel < 0 || s.sel >= len(s.rows) {
		return nil
	}
	return s.rows[s.sel]
}

// Update implements Screen.
func (s *BudgetScreen) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case budgetLoadedMsg:
		if msg.seq != s.seq {
			return nil // a newer evaluation was asked for
		}
		s.apply(msg)
		s.selectAlert()
		m.syncDetail()
		return s.history(m.Now())
	case budgetHistoryMsg:
		h := s.hist[msg.name]
		if h == nil || msg.seq != h.seq {
			return nil
		}
		h.inFlight = false
		h.fetched = m.Now()
		if msg.err != nil {
			h.err = s.errText(msg.err)
		} else {
			h.series, h.end, h.err = msg.series, msg.end, ""
		}
		s.version++
	}
	return nil
}

// load starts an evaluation unless one is already running (a reply that
// never comes is given up on after the timeout).
func (s *BudgetScreen) load(now time.Time) tea.Cmd {
	if s.api == nil {
		if s.loadErr == "" {
			s.loadErr = "no Prometheus configured for this context: SLOs are evaluated in Prometheus"
			s.version++
		}
		return nil
	}
	if s.inFlight && now.Sub(s.inFlightSince) < s.opts.Timeout+5*time.Second {
		return nil
	}
	s.seq++
	s.inFlight, s.inFlightSince = true, now
	seq, api, configured, timeout := s.seq, s.api, s.configured, s.opts.Timeout
	discover := s.discoveredAt.IsZero() || now.Sub(s.discoveredAt) >= s.opts.DiscoverEvery
	known := append([]slo.Definition(nil), s.discovered...)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		msg := budgetLoadedMsg{seq: seq, at: now, discovered: known, discoverRan: discover}
		if discover {
			found, err := promslo.Discover(ctx, api, now)
			if err != nil {
				msg.discoverErr = err
			} else {
				msg.discovered = found
			}
		}
		msg.results = EvaluateSLOs(ctx, api, MergeSLOs(configured, msg.discovered), now)
		return msg
	}
}

// history fetches the selected SLO's burn history once the screen has been
// opened, when it is missing or older than HistoryEvery.
func (s *BudgetScreen) history(now time.Time) tea.Cmd {
	r := s.selectedRow()
	if !s.opened || s.api == nil || r == nil || r.status == nil {
		return nil
	}
	h := s.hist[r.def.Name]
	if h == nil {
		h = &budgetHist{}
		s.hist[r.def.Name] = h
	}
	if h.inFlight || (!h.fetched.IsZero() && now.Sub(h.fetched) < s.opts.HistoryEvery) {
		return nil
	}
	s.histSeq++
	h.seq, h.inFlight = s.histSeq, true
	seq, api, def, o := s.histSeq, s.api, r.def, s.opts
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
		defer cancel()
		series, err := promslo.BurnHistory(ctx, api, def, now, o.HistorySpan, o.HistoryStep)
		return budgetHistoryMsg{seq: seq, name: def.Name, end: now, series: series, err: err}
	}
}
