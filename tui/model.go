// Package tui is oncall's interactive screen: one root tea.Model that owns
// plain pane types, an overlay stack of dialogs, the styles and the keymap.
// See ARCHITECTURE.md.
package tui

import (
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/sanitize"
	"oncall/internal/watch"
	"oncall/sources/alertmanager"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
	"oncall/tui/cmdline"
	"oncall/tui/kit"
)

// Cluster is one context the session can watch: its clients, its writes,
// and the screens that follow an alert of that context (logs, traces,
// budget, runbook), built for it.
type Cluster struct {
	Name    string
	AM      *alertmanager.Client
	Prom    *prometheus.Client
	Ruler   *loki.Ruler      // Loki's ruler (log-based alerts), nil: none
	Actions *actions.Service // nil: no writes in this context
	Entries []kit.Entry
}

// Deps is what the UI talks to. Any source may be nil (not configured).
type Deps struct {
	Config *config.Config
	// Clusters are the contexts the session may watch (":ctx" switches
	// between them), built by internal/wire.
	Clusters []*Cluster
	// Watch names the clusters watched at start (default: the config's
	// current context).
	Watch []string
	// Hub polls the clusters' sources; the sessions of one server share it
	// (nil: the model polls on its own).
	Hub *watch.Hub
	// AM, Prom and Actions are the short way to give one cluster, named
	// after the config's current context (tests, and the CLI's single
	// context when Clusters is empty).
	AM      *alertmanager.Client
	Prom    *prometheus.Client
	Actions *actions.Service // nil: read-only
	// Entries are the screens (tui/screens/…) that are not tied to a
	// cluster (handoff, notes), in registration order; with the short
	// form, every screen. See internal/wire/screens.go.
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
	// FetchTimeout bounds one source's fetch when the model polls on its
	// own (no Deps.Hub); 0: 8s.
	FetchTimeout time.Duration
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
	overlays     overlayStack
	cmdline      *cmdline.Line
	prev         backTo // the view before the current one ("-")
	switching    bool   // "-" swapped the views: prev is already set

	// screens: registered screens by instance key (screens.go)
	screens   map[string]kit.Screen
	instances []instance // in registration order
	openKeys  []openKey  // global actions that open screens
	specs     map[string]kit.Spec

	// clusters (clusters.go)
	clusters map[string]*Cluster
	watched  []string
	hub      *watch.Hub
	ownHub   bool
	sub      *watch.Sub
	snaps    map[string]*watch.Snapshot
	merged   []*alerts.Alert
	silences []*alerts.Silence
	counts   clusterCounts // header counts, computed per rebuild
	// countCache: each snapshot's severity counts, counted once
	countCache map[*watch.Snapshot]map[string]int
	keepBusy   map[string]bool
	// silenceHome is the cluster of the alert the silence dialog was
	// opened on.
	silenceHome string
	// undo is the silence just expired that u restores, until the undo
	// window undoGen opened closes (nil: none).
	undo    *undoable
	undoGen int

	// shapes: charts draw glyphs, not braille (16 colours or NO_COLOR;
	// see setProfile)
	shapes bool

	tickGen      int
	stopped      atomic.Bool // Stop was called: ticks are not rescheduled
	refreshEvery time.Duration
	lastRefresh  time.Time
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
		screens: map[string]kit.Screen{}, specs: map[string]kit.Spec{},
		refreshEvery: cfg.Refresh.D(), snaps: map[string]*watch.Snapshot{}, keepBusy: map[string]bool{},
		countCache: map[*watch.Snapshot]map[string]int{},
	}
	if m.refreshEvery <= 0 {
		m.refreshEvery = 10 * time.Second
	}
	m.overlays.grace = kit.DefaultGrace
	if o.Grace != nil {
		m.overlays.grace = *o.Grace
	}
	m.alertsPane = NewAlertsPane(keys.Scope(scopeAlerts), cfg.Alerts.GroupBy, alerts.SortKey(cfg.Alerts.Sort))
	m.alertsPane.episodes = m.episodesOf
	m.detail = NewDetailPane(keys.Global()).WithLinks(cfg)
	m.silencesPane = NewSilencesPane(keys.Scope(scopeSilences))
	if err := m.setupClusters(); err != nil {
		return nil, err
	}
	m.registerScreens()
	m.cmdline = newCmdline(m)
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
		cmds = append(cmds, m.subscribe(), m.refreshScreens(), m.scheduleTick())
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

// SetData feeds data directly (tests, golden views): the first watched
// cluster's sources answered this, at once.
func (m *Model) SetData(am models.GettableAlerts, sils models.GettableSilences, prom []v1.Alert, rules map[string][]v1.AlertingRule) {
	m.SetClusterData(m.watched[0], alerts.Inputs{AM: am, Silences: sils, Prom: prom, Rules: rules})
}

// SetClusterData feeds one cluster's data directly (tests, golden views).
func (m *Model) SetClusterData(cluster string, in alerts.Inputs) {
	in.Cluster = cluster
	as, ss := alerts.BuildAll(in)
	alerts.Prepare(as)
	health := map[string]watch.Health{}
	for _, src := range []string{watch.SrcAM, watch.SrcSil, watch.SrcProm, watch.SrcRules} {
		health[src] = watch.Health{OK: true, Latency: 12 * time.Millisecond, LastOK: m.now()}
	}
	if in.RulerAlerts != nil || in.RulerRules != nil {
		health[watch.SrcRuler] = watch.Health{OK: true, Latency: 12 * time.Millisecond, LastOK: m.now()}
	}
	rules := map[string][]v1.AlertingRule{}
	for n, r := range in.Rules {
		rules[n] = r
	}
	for n, r := range in.RulerRules {
		rules[n] = append(rules[n], r...)
	}
	m.applySnapshots([]*watch.Snapshot{{Cluster: cluster, Alerts: as, Silences: ss, Rules: rules, Health: health, AMAlerts: in.AM, AMSilences: in.Silences, At: m.now()}})
}

func (m *Model) syncDetail() {
	a := m.alertsPane.Selected()
	m.detailFetches(a)
	m.detail.SetAlert(a, m.merged, m.silences, m.detailExtensions(a), m.st, m.now())
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

// Stop stops the refresh ticker (a pending tick is ignored) and the
// session's subscription (and the hub, when the model polls on its own).
// It may be called from another goroutine than the program's (a served
// session ending): it only sets a flag and closes what is safe to close.
func (m *Model) Stop() {
	m.stopped.Store(true)
	if m.sub != nil {
		m.sub.Close()
	}
	if m.ownHub {
		m.hub.Close()
	}
}
