// Package graph is the alert graph screen (P): the alert rule's expression
// over 1h, 6h, 24h or 7d with its threshold, the times the alert went
// pending and firing, a line per series and a cursor that reads the
// values. The same screen puts a compact chart of the last hour and the
// alert's firing history (episodes, a 24-hour strip, flapping, last
// resolved) in the alert detail, and counts the episodes the alert list
// sorts by.
//
// The data is internal/graph's (the rule split with Prometheus's parser,
// queried with query_range narrowed to the alert's series) and
// internal/history's (one ALERTS range query per cluster about once a
// minute); tui/chart draws it. Every query runs in a tea.Cmd with a
// timeout; graphs are cached per alert and range, and a chart is built
// once per reply, size or theme, never per frame.
package graph

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/graph"
	"oncall/internal/history"
	"oncall/tui/chart"
	"oncall/tui/kit"
)

// Name is the screen's name (and Routed address).
const Name = "graph"

// Options tune the screen; zero values take the defaults.
type Options struct {
	// Loki runs the queries of log-based (Loki ruler) rules; nil: their
	// graphs say no Loki can run them.
	Loki graph.LokiRanger
	// Flapping is [alerts] flapping_episodes: more episodes than this in
	// 24h marks an alert as flapping (0: history.DefaultFlappingEpisodes).
	Flapping int
	// Timeout bounds one query (default 15s).
	Timeout time.Duration
	// MaxAge is how long a graph is shown before it is queried again
	// (default 1m); HistoryEvery how often the cluster's firing history is
	// (default 1m).
	MaxAge, HistoryEvery time.Duration
	// Debounce is how long the detail waits on an alert before querying
	// its graph, so that scrolling through the list does not query every
	// alert it passes (default 150ms).
	Debounce time.Duration
	// History, when set, is shared with other sessions (oncall serve):
	// their firing-history queries of one Prometheus are coalesced.
	History *history.Cache
}

// HistoryEvery is how often a session reads the cluster's firing history
// by default.
const HistoryEvery = time.Minute

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, 15*time.Second)
	def(&o.MaxAge, time.Minute)
	def(&o.HistoryEvery, HistoryEvery)
	def(&o.Debounce, 150*time.Millisecond)
	if o.Flapping <= 0 {
		o.Flapping = history.DefaultFlappingEpisodes
	}
	return o
}

// The screen's own actions ([keys.graph]).
const (
	actRange = "range"
	actLeft  = "cursor_left"
	actRight = "cursor_right"
	// openBound is the global action that opens the screen.
	openBound = "graph"
)

// Spec is the screen's name, title, opening key and keys. P ("plot") opens
// it: g and G are the global top and bottom, p is the handoff's post and v
// the logs' line view, and a global key may not clash with any screen's
// own key.
func Spec() kit.Spec {
	return kit.Spec{
		Name:  Name,
		Title: "Graph",
		Open:  kit.Binding{Action: openBound, Keys: []string{"P"}, Help: "alert graph"},
		Keys: []kit.Binding{
			{Action: actRange, Keys: []string{"t"}, Help: "next range: 1h 6h 24h 7d", Short: "range"},
			{Action: actLeft, Keys: []string{"left"}, Display: "←", Help: "cursor left", Short: "cursor"},
			{Action: actRight, Keys: []string{"right"}, Display: "→", Help: "cursor right", Short: "cursor"},
			{Action: kit.PageUp, Help: "cursor 10 columns left"},
			{Action: kit.PageDown, Help: "cursor 10 columns right"},
			{Action: kit.Top, Help: "cursor to the start"},
			{Action: kit.Bottom, Help: "cursor to the end"},
			{Action: kit.Refresh, Help: "query again", Short: "reload"},
			{Action: kit.Back, Help: "hide cursor, back", Short: "back"},
		},
	}
}

// Entry registers the screen. It is always available: for an alert
// without a rule, or a context without Prometheus, it says so in one line.
// Each cluster's instance queries that cluster's Prometheus (Host.Sources).
func Entry(o Options) kit.Entry {
	o = o.withDefaults()
	return kit.Entry{Spec: Spec(), New: func(_ kit.Host, keys *kit.Keymap) kit.Screen { return newScreen(o, keys) }}
}

// The screen is a DetailFetcher, a DetailExtender, an EpisodeCounter and
// a Refresher.
var (
	_ kit.DetailFetcher  = (*screen)(nil)
	_ kit.DetailExtender = (*screen)(nil)
	_ kit.EpisodeCounter = (*screen)(nil)
	_ kit.Refresher      = (*screen)(nil)
)

// points is how many points per series a graph asks for, whatever its
// width: a chart of any width reads them (two braille dots a column), and
// one graph per alert and range serves the detail and the full screen.
const points = 480

// The series drawn: the detail's compact chart shows the first five of
// the full screen's eight (one glyph each).
const (
	topN        = 8
	compactTopN = 5
)

// screen is one session's (and one cluster's) graph screen.
type screen struct {
	opts Options
	keys *kit.Keymap

	graphs map[string]*entry // by alert and range (entryKey)
	seq    int               // of the latest graph request
	want   int               // generation of the latest debounced request

	// the alert the detail shows, and its width
	detail  *alerts.Alert
	detailW int
	bodyH   int  // the body's height (the detail chart's is less on a short terminal)
	noRules bool // the detail alert's context has no rule source

	hist hist

	// the full screen
	alert  *alerts.Alert
	span   int // index into graph.Spans()
	full   *chart.Chart
	built  fullKey
	cursor int  // the cursor's column, -1 hidden
	multi  bool // several clusters are watched: the header names the alert's
}

func newScreen(o Options, keys *kit.Keymap) *screen {
	return &screen{opts: o, keys: keys, graphs: map[string]*entry{}, cursor: -1,
		hist: hist{sums: map[string]history.Summary{}}}
}

// Messages, each addressed to this screen and carrying the sequence
// number of its request so that stale replies are dropped.
type (
	// wantMsg is a debounced request for the detail's graph.
	wantMsg struct {
		gen int
		a   *alerts.Alert
	}
	graphMsg struct {
		key string
		seq int
		res *graph.Result
		err error
	}
	historyMsg struct {
		seq int
		set *history.Set
		err error
	}
)

func (wantMsg) Screen() string    { return Name }
func (graphMsg) Screen() string   { return Name }
func (historyMsg) Screen() string { return Name }

// Capturing implements kit.Screen: no text input.
func (s *screen) Capturing() bool { return false }

// Open implements kit.Screen: it shows the alert's graph over the range
// last chosen, querying it unless it is cached and fresh.
func (s *screen) Open(h kit.Host, a *alerts.Alert) tea.Cmd {
	if a == nil || s.alert == nil || a.Key() != s.alert.Key() {
		s.cursor = -1
	}
	s.alert, s.multi = a, len(h.Clusters()) > 1
	if a == nil {
		return nil
	}
	return tea.Batch(s.ensure(h, a, s.spanD(), false), s.ensureHistory(h, false))
}

// spanD is the range shown full screen.
func (s *screen) spanD() time.Duration { return graph.Spans()[s.span] }

// Update implements kit.Screen.
func (s *screen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case wantMsg:
		if msg.gen != s.want || s.detail == nil || msg.a.Key() != s.detail.Key() {
			return nil // the detail moved on before the wait was over
		}
		return s.ensure(h, msg.a, time.Hour, false)
	case graphMsg:
		e := s.graphs[msg.key]
		if e == nil || msg.seq != e.seq {
			return nil // a reply to an older request
		}
		e.reply(msg, h.Now())
		if s.detail != nil && msg.key == entryKey(s.detail, time.Hour) {
			h.DetailChanged()
		}
	case historyMsg:
		if !s.hist.reply(msg) {
			return nil
		}
		h.DetailChanged()
		h.ListChanged()
	}
	return nil
}

// Refresh implements kit.Refresher: about once a minute the cluster's
// firing history is read again (while the cluster has alerts), and the
// full-screen graph, while shown, once it got old. The detail's graph is
// queried again when the detail is rebuilt (the alert selected again, its
// data changed) after MaxAge, not on the tick: an idle session over SSH
// does not redraw a chart every minute.
func (s *screen) Refresh(h kit.Host) tea.Cmd {
	var cmds []tea.Cmd
	if s.hasAlerts(h) {
		cmds = append(cmds, s.ensureHistory(h, false))
	}
	if h.Visible(Name) && s.alert != nil {
		cmds = append(cmds, s.ensure(h, s.alert, s.spanD(), false))
	}
	return tea.Batch(cmds...)
}

// hasAlerts reports whether any watched alert is of this screen's cluster.
func (s *screen) hasAlerts(h kit.Host) bool {
	mine := h.Sources(nil).Context
	for _, a := range h.Alerts() {
		if h.Sources(a).Context == mine {
			return true
		}
	}
	return false
}

// HandleKey implements kit.Screen.
func (s *screen) HandleKey(h kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := s.keys
	move := func(f func(c *chart.Chart) bool) (bool, tea.Cmd) {
		if s.full != nil && f(s.full) {
			s.cursor, _, _ = s.full.Cursor()
		}
		return true, nil
	}
	switch {
	case k.Is(msg, actRange):
		s.span = (s.span + 1) % len(graph.Spans())
		if s.alert == nil {
			return true, nil
		}
		return true, s.ensure(h, s.alert, s.spanD(), false)
	case k.Is(msg, actLeft):
		return move(func(c *chart.Chart) bool { return c.MoveCursor(-1) })
	case k.Is(msg, actRight):
		return move(func(c *chart.Chart) bool { return c.MoveCursor(1) })
	case k.Is(msg, kit.PageUp):
		return move(func(c *chart.Chart) bool { return c.MoveCursor(-10) })
	case k.Is(msg, kit.PageDown):
		return move(func(c *chart.Chart) bool { return c.MoveCursor(10) })
	case k.Is(msg, kit.Top):
		return move(func(c *chart.Chart) bool { return c.SetCursor(0) })
	case k.Is(msg, kit.Bottom):
		return move(func(c *chart.Chart) bool { return c.SetCursor(c.PlotWidth() - 1) })
	case k.Is(msg, kit.Refresh):
		if s.alert == nil {
			return true, nil
		}
		return true, tea.Batch(s.ensure(h, s.alert, s.spanD(), true), h.Status("querying the graph again…", false))
	case k.Is(msg, kit.Back):
		if s.cursor >= 0 {
			s.cursor = -1
			if s.full != nil {
				s.full.SetCursor(-1)
			}
			return true, nil
		}
		h.Back()
		return true, nil
	}
	return false, nil
}
