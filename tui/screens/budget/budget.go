// Package budget is the error-budget screen (b): every SLO of the context,
// configured or discovered from Sloth/Pyrra rules, with its budget left,
// burn rates and state, the selected SLO's burn-rate chart, and each linked
// SLO's line in the alert detail.
package budget

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
	"oncall/tui/kit"
)

// Name is the screen's name (and Routed address).
const Name = "budget"

// Options tunes the budget screen; zero values take the defaults.
type Options struct {
	// Timeout bounds one evaluation of every SLO (default 20s).
	Timeout time.Duration
	// DiscoverEvery is how often Sloth/Pyrra SLOs are looked for again
	// (default 5m).
	DiscoverEvery time.Duration
	// HistorySpan and HistoryStep shape the burn-rate chart (default the
	// last 24h every 5m); HistoryEvery is how often it is refetched while
	// the screen has been opened (default 1m).
	HistorySpan, HistoryStep, HistoryEvery time.Duration
	// Unavailable says why the screen cannot be offered (the wiring sets
	// it when the context has no Prometheus to evaluate SLOs in); b then
	// answers with it.
	Unavailable string
}

func (o Options) withDefaults() Options {
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

// pageRows is how far the page keys move the selection.
const pageRows = 5

// Spec is the screen's name, title, opening key (b, action "budget") and
// keys. Every key is a global action with the screen's meaning, so [keys]
// remaps them.
func Spec() kit.Spec {
	return kit.Spec{
		Name:  Name,
		Title: "Budget",
		Open:  kit.Binding{Action: "budget", Keys: []string{"b"}, Help: "error budget"},
		Keys: []kit.Binding{
			{Action: kit.Up, Help: "previous SLO", Short: "select"},
			{Action: kit.Down, Help: "next SLO", Short: "select"},
			{Action: kit.Top, Help: "first SLO"},
			{Action: kit.Bottom, Help: "last SLO"},
			{Action: kit.PageUp, Help: "5 SLOs up"},
			{Action: kit.PageDown, Help: "5 SLOs down"},
			{Action: kit.Refresh, Help: "evaluate now", Short: "refresh"},
			{Action: kit.Back, Help: "back", Short: "back"},
		},
	}
}

// Entry registers the screen. Its SLOs are the current context's configured
// ones plus those discovered from Sloth/Pyrra rules, evaluated against the
// session's Prometheus on every refresh tick; it also adds each linked
// SLO's line to the alert detail (kit.DetailExtender).
func Entry(o Options) kit.Entry {
	e := kit.Entry{Spec: Spec(), Unavailable: o.Unavailable}
	if o.Unavailable == "" {
		e.New = func(h kit.Host, keys *kit.Keymap) kit.Screen { return newScreen(h, keys, o) }
	}
	return e
}

// screen shows the error budget and burn rates of every SLO.
type screen struct {
	opts       Options
	keys       *kit.Keymap
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

	rows        []*row // built when results arrive
	evaluatedAt time.Time
	loadErr     string // why there is nothing to show (sanitized)
	loaded      bool
	list        kit.List // the selected SLO
	opened      bool
	openAlert   *alerts.Alert // opened for it before the first figures came

	hist    map[string]*history // by SLO name
	histSeq int

	version int // bumped on every change the view depends on
	cache   viewCache
}

// history is the burn-rate history of one SLO.
type history struct {
	seq      int
	series   map[string][]slo.Point
	end      time.Time
	fetched  time.Time
	inFlight bool
	err      string
}

// loadedMsg is the reply of one evaluation.
type loadedMsg struct {
	seq         int
	at          time.Time
	discoverRan bool
	discovered  []slo.Definition
	discoverErr error
	results     []promslo.Result
}

// Screen implements kit.Routed.
func (loadedMsg) Screen() string { return Name }

// historyMsg is the reply of one burn-history fetch.
type historyMsg struct {
	seq    int
	name   string
	end    time.Time
	series map[string][]slo.Point
	err    error
}

// Screen implements kit.Routed.
func (historyMsg) Screen() string { return Name }

func newScreen(h kit.Host, keys *kit.Keymap, o Options) *screen {
	s := &screen{opts: o.withDefaults(), keys: keys, hist: map[string]*history{}}
	s.list.SetHeight(pageRows + 1) // the page keys move pageRows SLOs
	if p := h.Sources(nil).Prom; p != nil {
		s.api = p.API
	}
	if cfg := h.Config(); cfg != nil {
		s.context = cfg.CurrentContext
		s.secrets = cfg.Secrets()
		if cur, err := cfg.Current(); err == nil {
			s.configured = promslo.FromConfig(cur.SLO)
		}
	}
	return s
}

// Capturing implements kit.Screen: the screen has no text input.
func (s *screen) Capturing() bool { return false }

// Open implements kit.Screen: it selects the SLO the alert belongs to, if
// any, and fetches fresh figures.
func (s *screen) Open(h kit.Host, a *alerts.Alert) tea.Cmd {
	s.opened = true
	s.openAlert = a
	s.selectAlert()
	return tea.Batch(s.load(h.Now()), s.history(h.Now()))
}

// Refresh implements kit.Refresher: the figures follow the global tick, so
// the alert detail's SLO lines stay current even while the screen is hidden.
func (s *screen) Refresh(h kit.Host) tea.Cmd {
	return tea.Batch(s.load(h.Now()), s.history(h.Now()))
}

// HandleKey implements kit.Screen: the movement keys select an SLO; the
// others (refresh, back) are the root's.
func (s *screen) HandleKey(h kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	before := s.list.Cursor()
	if !s.list.HandleKey(s.keys, msg) {
		return false, nil
	}
	if s.list.Cursor() != before {
		s.version++
	}
	return true, s.history(h.Now())
}

// selectAlert selects the first SLO the alert the screen was opened for
// belongs to; before the first figures arrive it waits for them.
func (s *screen) selectAlert() {
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

func (s *screen) selectRow(i int) {
	before := s.list.Cursor()
	s.list.Select(i)
	if s.list.Cursor() != before {
		s.version++
	}
}

// Selected returns the name of the selected SLO ("" when there is none).
func (s *screen) Selected() string {
	if r := s.selectedRow(); r != nil {
		return r.def.Name
	}
	return ""
}

func (s *screen) selectedRow() *row {
	if i := s.list.Cursor(); i < len(s.rows) {
		return s.rows[i]
	}
	return nil
}

// Update implements kit.Screen.
func (s *screen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.seq != s.seq {
			return nil // a newer evaluation was asked for
		}
		s.apply(msg)
		s.selectAlert()
		h.DetailChanged()
		return s.history(h.Now())
	case historyMsg:
		hist := s.hist[msg.name]
		if hist == nil || msg.seq != hist.seq {
			return nil
		}
		hist.inFlight = false
		hist.fetched = h.Now()
		if msg.err != nil {
			hist.err = s.errText(msg.err)
		} else {
			hist.series, hist.end, hist.err = msg.series, msg.end, ""
		}
		s.version++
	}
	return nil
}

// load starts an evaluation unless one is already running (a reply that
// never comes is given up on after the timeout).
func (s *screen) load(now time.Time) tea.Cmd {
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
		msg := loadedMsg{seq: seq, at: now, discovered: known, discoverRan: discover}
		if discover {
			found, err := promslo.Discover(ctx, api, now)
			if err != nil {
				msg.discoverErr = err
			} else {
				msg.discovered = found
			}
		}
		msg.results = promslo.EvaluateAll(ctx, api, slo.Merge(configured, msg.discovered), now)
		return msg
	}
}

// history fetches the selected SLO's burn history once the screen has been
// opened, when it is missing or older than HistoryEvery.
func (s *screen) history(now time.Time) tea.Cmd {
	r := s.selectedRow()
	if !s.opened || s.api == nil || r == nil || r.status == nil {
		return nil
	}
	h := s.hist[r.def.Name]
	if h == nil {
		h = &history{}
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
		return historyMsg{seq: seq, name: def.Name, end: now, series: series, err: err}
	}
}
