package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
)

// Screen is a full-body view beyond the alert list: logs, trace, budget,
// runbook, handoff. The root owns screens and drives them; a screen never
// receives messages that are not addressed to it.
type Screen interface {
	// Title is the tab title.
	Title() string
	// Open shows the screen for an alert (nil when none is selected) and
	// returns the commands that fetch its data.
	Open(m *Model, a *alerts.Alert) tea.Cmd
	// HandleKey handles a key while the screen is shown.
	HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd)
	// Update handles a message addressed to this screen (see Routed).
	Update(m *Model, msg tea.Msg) tea.Cmd
	// View draws the screen into exactly w×h cells.
	View(w, h int, st *Styles, now time.Time) string
	// Capturing reports that a text input has focus: the root then passes
	// every key to the screen, global keys included.
	Capturing() bool
}

// Refresher is a Screen that also refreshes on the global tick.
type Refresher interface {
	Refresh(m *Model) tea.Cmd
}

// Routed is a message addressed to one screen by name.
type Routed interface {
	Screen() string
}

// ScreenFactory builds a screen for one model (one session).
type ScreenFactory func(m *Model) Screen

// ScreenSpec registers a screen: its name, the key that opens it (an action
// name of the KeyMap) and its factory.
type ScreenSpec struct {
	Name    string
	Key     string // keymap action: logs, traces, budget, runbook, handoff, note
	Factory ScreenFactory
}

// StatusMsg shows a transient status message (errors stay longer).
type StatusMsg struct {
	Text string
	Err  bool
}

// RefreshMsg asks the root to refresh every source now.
type RefreshMsg struct{}

// Status is a helper for screens: a command that shows a status message.
func Status(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text, Err: isErr} }
}
