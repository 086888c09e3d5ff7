package kit

import (
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
)

// Screen is a full-body view beyond the alert list: logs, trace, budget,
// runbook, handoff. The root owns screens and drives them; a screen never
// receives messages that are not addressed to it, and talks to the root only
// through Host.
type Screen interface {
	// Open shows the screen for an alert (nil when none is selected) and
	// returns the commands that fetch its data.
	Open(h Host, a *alerts.Alert) tea.Cmd
	// HandleKey handles a key while the screen is shown; false hands the
	// key on to the global keys.
	HandleKey(h Host, msg tea.KeyPressMsg) (bool, tea.Cmd)
	// Update handles a message addressed to this screen (see Routed).
	Update(h Host, msg tea.Msg) tea.Cmd
	// View draws the screen into exactly w×h cells.
	View(w, h int, st *Styles, now time.Time) string
	// Capturing reports that a text input has focus: the root then passes
	// every key to the screen, global keys included.
	Capturing() bool
}

// Refresher is a Screen that also refreshes on the global tick.
type Refresher interface {
	Refresh(h Host) tea.Cmd
}

// Resizer is a Screen that wants to know its size as soon as the terminal
// is resized (e.g. to re-render markdown at the new width).
type Resizer interface {
	Resize(h Host, w, hgt int) tea.Cmd
}

// ActionHandler is a Screen that handles the actions of its own dialogs.
type ActionHandler interface {
	HandleAction(h Host, a Action) (tea.Cmd, bool)
}

// DetailExtender is a Screen that adds lines to the alert detail pane (SLO
// burn, escalation, notes). The root asks in registration order, when the
// detail is rebuilt (never per frame).
type DetailExtender interface {
	DetailLines(a *alerts.Alert, st *Styles, now time.Time) []string
}

// DetailFetcher is a DetailExtender whose lines need data fetched for the
// alert the detail shows (the alert's graph, its firing history). Each time
// the detail is rebuilt the root calls DetailShown first, with the width
// the detail is drawn at, and runs the command it returns (nil when there
// is nothing to fetch: cached, or in flight). Its routed replies come back
// to the screen's Update, which calls Host.DetailChanged when its lines
// changed. DetailShown runs on every cursor move: it must not block.
type DetailFetcher interface {
	DetailShown(h Host, a *alerts.Alert, width int) tea.Cmd
}

// EpisodeCounter is a screen that knows how often each alert fired
// (firing episodes in the last 24h), which the alert list sorts by
// (alerts.SortEpisodes). It calls Host.ListChanged when the counts change.
type EpisodeCounter interface {
	Episodes(a *alerts.Alert) (n int, known bool)
}

// Routed is a message addressed to one screen by name.
type Routed interface {
	Screen() string
}

// Spec describes a screen: its name, tab title, the global key that opens
// it, and its own keys. The root builds the key table from every spec, so a
// screen's keys show in the help, feed its hint line and are remapped by
// [keys.<name>] without the root knowing them.
type Spec struct {
	Name  string
	Title string
	// Open is the global binding that opens the screen (Action "" when
	// another screen opens it, as the trace screen).
	Open Binding
	// Keys are the screen's own bindings, in the order of its help.
	Keys []Binding
}

// Entry registers a screen with a session: its spec and its factory, or
// why it is not available (no source configured).
type Entry struct {
	Spec
	// New builds the screen for one session (nil: not available).
	New func(h Host, keys *Keymap) Screen
	// Unavailable says why New is nil ("no Loki configured for context prod").
	Unavailable string
}

// Session is who and where the operator is.
type Session struct {
	User     string
	Context  string
	Role     string // "viewer", "responder", "" locally
	ReadOnly bool
	// Actions performs writes (nil: none are possible).
	Actions *actions.Service
}

// Sources are the alert sources of one context (a watched cluster).
type Sources struct {
	Context string
	AM      *alertmanager.Client // nil: not configured
	Prom    *prometheus.Client   // nil: not configured
	Actions *actions.Service     // nil: no writes in this context
}

// Host is everything a screen may ask of the root.
type Host interface {
	Styles() *Styles
	Now() time.Time
	// Config is the session's configuration (read only).
	Config() *config.Config
	Session() Session
	// Sources are those of the alert's context (nil: the screen's own
	// cluster, or the selected alert's).
	Sources(a *alerts.Alert) Sources
	// Clusters are the watched contexts' sources, in the order watched
	// (the handoff covers every one).
	Clusters() []Sources

	Selected() *alerts.Alert
	Alerts() []*alerts.Alert
	Silences() []*alerts.Silence
	Rules() map[string][]v1.AlertingRule

	// BodySize is the size a screen is drawn in.
	BodySize() (w, h int)
	// Visible reports whether the named screen is what the session shows.
	Visible(screen string) bool
	// Shown names the screen shown ("" when a view of the root is).
	Shown() string
	// Show switches to a screen without opening it again.
	Show(screen string)
	// Back shows what the current screen was opened from.
	Back()

	// Status shows a transient message in the status bar.
	Status(text string, isErr bool) tea.Cmd
	// PushDialog opens a dialog over the screen.
	PushDialog(d Dialog)
	// Track wraps a write so the session hears when it starts and ends.
	Track(what, target string, run func() tea.Msg) tea.Cmd
	// DetailChanged rebuilds the alert detail (a DetailExtender's lines
	// changed).
	DetailChanged()
	// ListChanged re-sorts the alert list when its order depends on what
	// a screen counts (an EpisodeCounter's counts changed).
	ListChanged()
}

// StatusMsg shows a transient status message (errors stay longer).
type StatusMsg struct {
	Text string
	Err  bool
}

// Status is a command that shows a status message.
func Status(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text, Err: isErr} }
}

// RefreshMsg asks the root to refresh every source now.
type RefreshMsg struct{}

// TraceScreen is the name the trace screen registers under.
const TraceScreen = "trace"

// OpenTraceMsg asks the trace screen to show a trace; any screen may send
// it (logs: enter on a line with a trace id; error traces: enter).
type OpenTraceMsg struct {
	TraceID, SpanID string
	// Hint is a time near the trace (a log line's), to find its logs.
	Hint time.Time
}

// Screen implements Routed.
func (OpenTraceMsg) Screen() string { return TraceScreen }

// OpenTrace is a command that opens a trace.
func OpenTrace(traceID, spanID string, hint time.Time) tea.Cmd {
	return func() tea.Msg { return OpenTraceMsg{TraceID: traceID, SpanID: spanID, Hint: hint} }
}
