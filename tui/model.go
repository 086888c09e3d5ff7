// Package tui is oncall's interactive screen: one root tea.Model that owns
// plain pane types, an overlay stack of dialogs, the styles and the keymap.
// See ARCHITECTURE.md.
package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/sanitize"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
	"oncall/tui/kit"
)

// Deps is what the UI talks to. Any source may be nil (not configured).
type Deps struct {
	Config  *config.Config
	AM      *alertmanager.Client
	Prom    *prometheus.Client
	Actions *actions.Service // nil: read-only
	// Entries are the screens (tui/screens/…), in registration order: see
	// internal/wire/screens.go.
	Entries []kit.Entry
	Now     func() time.Time
}

// Options are per-session settings.
type Options struct {
	// Dark forces the background (nil: detect; light until detected).
	Dark *bool
	// ReadOnly makes the session a viewer: silence and ack are refused.
	ReadOnly bool
	// Role is shown in the status bar ("viewer", "responder").
	Role string
	// Grace overrides the dialog input grace period (tests).
	Grace *time.Duration
	// NoFetch disables fetching (golden tests feed data directly).
	NoFetch bool
	// OnAction, when set, hears every write start and finish (see session.go).
	OnAction func(ActionEvent)
	// BackgroundWait, when the theme is automatic, holds the first frame
	// until the terminal says its background colour or this much time has
	// passed, so a light terminal is never first painted dark. `oncall
	// serve` sets it: the answer crosses the network.
	BackgroundWait time.Duration
}

type viewID int

const (
	viewAlerts viewID = iota
	viewDetail        // narrow layouts only
	viewSilences
	viewScreen // one of m.screens, named by m.screen
)

type focusID int

const (
	focusList focusID = iota
	focusDetail
)

// statusLine is a transient message with a time to live.
type statusLine struct {
	text    string
	err     bool
	id      int
	expires time.Time
}

type statusExpiredMsg struct{ id int }

// Model is the root model.
type Model struct {
	deps Deps
	opts Options
	st   *kit.Styles
	keys *kit.KeyTable
	now  func() time.Time

	width, height int
	wide          bool
	view          viewID
	focus         focusID
	screen        string

	alertsPane   *AlertsPane
	detail       *DetailPane
	silencesPane *SilencesPane
	screens      map[string]kit.Screen
	screenOrder  []string
	screenTitles map[string]string
	openKeys     []openKey // global actions that open screens
	overlays     overlayStack

	amAlerts   models.GettableAlerts
	amSilences models.GettableSilences
	promAlerts []v1.Alert
	rules      map[string][]v1.AlertingRule
	merged     []*alerts.Alert
	silences   []*alerts.Silence
	sevCounts  []sevCount // header counts, computed per rebuild

	health       map[string]*sourceHealth
	seq          map[string]int
	tickGen      int
	refreshEvery time.Duration
	fetchTimeout time.Duration
	lastRefresh  time.Time
	keepAliveRun bool
	bgDetected   bool

	status   statusLine
	statusID int
	quitting bool
	pending  []tea.Cmd // commands queued by resize (screen_resize.go)
	back     backTo    // where the open screen was opened from
	// bgWaitUntil: no frame before this unless the background is known.
	bgWaitUntil time.Time
	notify      notifier // new-critical bell / OSC 9 (notify.go)

	// refreshStatus is the id of the "refreshing…" message: a failed
	// reply clears it so the source's error shows at once.
	refreshStatus int
}

// New builds the root model for one session.
func New(d Deps, o Options) (*Model, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	cfg := d.Config
	if cfg == nil {
		cfg = config.Defaults()
		d.Config = cfg
	}
	keys, err := newKeyTable(d, cfg)
	if err != nil {
		return nil, err
	}
	dark := false
	switch {
	case o.Dark != nil:
		dark = *o.Dark
	case cfg.UI.Theme == "dark":
		dark = true
	}
	m := &Model{
		deps: d, opts: o, keys: keys, now: d.Now, st: kit.NewStyles(dark),
		health: map[string]*sourceHealth{}, seq: map[string]int{},
		screens: map[string]kit.Screen{}, screenTitles: map[string]string{},
		refreshEvery: cfg.Refresh.D(), fetchTimeout: 8 * time.Second,
	}
	if m.refreshEvery <= 0 {
		m.refreshEvery = 10 * time.Second
	}
	m.overlays.grace = kit.DefaultGrace
	if o.Grace != nil {
		m.overlays.grace = *o.Grace
	}
	m.alertsPane = NewAlertsPane(keys.Scope(scopeAlerts), cfg.Alerts.GroupBy, alerts.SortKey(cfg.Alerts.Sort))
	m.detail = NewDetailPane(keys.Global())
	m.silencesPane = NewSilencesPane(keys.Scope(scopeSilences))
	m.registerScreens()
	if o.BackgroundWait > 0 && m.autoTheme() {
		m.bgWaitUntil = time.Now().Add(o.BackgroundWait)
	}
	return m, nil
}

// Init starts the first fetch, the refresh ticker and background detection.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if w := time.Until(m.bgWaitUntil); w > 0 {
		cmds = append(cmds, tea.Tick(w, func(time.Time) tea.Msg { return bgWaitDoneMsg{} }))
	}
	if !m.opts.NoFetch {
		cmds = append(cmds, m.refresh(), m.scheduleTick())
	}
	return tea.Batch(cmds...)
}

// bgWaitDoneMsg ends the wait for the background colour (a frame follows).
type bgWaitDoneMsg struct{}

// autoTheme: the palette follows the terminal's background.
func (m *Model) autoTheme() bool {
	t := m.deps.Config.UI.Theme
	return m.opts.Dark == nil && t != "dark" && t != "light"
}

// waitingForBackground: hold the first frame (see Options.BackgroundWait).
func (m *Model) waitingForBackground() bool {
	return !m.bgDetected && !m.bgWaitUntil.IsZero() && time.Now().Before(m.bgWaitUntil)
}

// KeyTable returns the session's resolved keys.
func (m *Model) KeyTable() *kit.KeyTable { return m.keys }

// Deps returns the session's dependencies.
func (m *Model) Deps() Deps { return m.deps }

// SetData feeds data directly (tests, golden views).
func (m *Model) SetData(am models.GettableAlerts, sils models.GettableSilences, prom []v1.Alert, rules map[string][]v1.AlertingRule) {
	m.amAlerts, m.amSilences, m.promAlerts, m.rules = am, sils, prom, rules
	for _, s := range []string{srcAM, srcSil, srcProm, srcRules} {
		h := m.healthOf(s)
		h.ok, h.latency, h.lastOK = true, 12*time.Millisecond, m.now()
	}
	m.lastRefresh = m.now()
	m.rebuildData()
}

// rebuildData merges the sources once per reply (never per frame).
func (m *Model) rebuildData() {
	m.merged, m.silences = alerts.Build(m.amAlerts, m.amSilences, m.promAlerts, m.rules)
	m.sevCounts = severityCounts(m.merged)
	m.alertsPane.SetAlerts(m.merged)
	m.silencesPane.SetSilences(m.silences, m.now())
	m.syncDetail()
	m.observeNotify()
}

func (m *Model) syncDetail() {
	m.detail.SetAlert(m.alertsPane.Selected(), m.merged, m.silences, m.detailExtensions(), m.st, m.now())
}

// setStatus shows a message for a while; errors stay longer.
func (m *Model) setStatus(text string, isErr bool) tea.Cmd {
	m.statusID++
	ttl := 4 * time.Second
	if isErr {
		ttl = 10 * time.Second
	}
	id := m.statusID
	m.status = statusLine{text: sanitize.Text(text), err: isErr, id: id, expires: m.now().Add(ttl)}
	return tea.Tick(ttl, func(time.Time) tea.Msg { return statusExpiredMsg{id: id} })
}

// Stop stops the refresh ticker (a pending tick is ignored).
func (m *Model) Stop() { m.tickGen++ }
