package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/tui/dialog"
	"oncall/tui/kit"
)

// This file carries the screens that still live in this package while they
// move to tui/screens/<name>: their interface, the adapter that makes them a
// kit.Screen, and the names they used. It goes away with the last of them.

// Screen is a legacy screen: it is driven with the root model itself.
type Screen interface {
	Title() string
	Open(m *Model, a *alerts.Alert) tea.Cmd
	HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd)
	Update(m *Model, msg tea.Msg) tea.Cmd
	View(w, h int, st *Styles, now time.Time) string
	Capturing() bool
}

// Refresher is a legacy screen that refreshes on the global tick.
type Refresher interface {
	Refresh(m *Model) tea.Cmd
}

// Resizer is a legacy screen that wants to know its size.
type Resizer interface {
	Resize(m *Model, w, h int) tea.Cmd
}

// ActionHandler is a legacy screen that handles its dialogs' actions.
type ActionHandler interface {
	HandleAction(m *Model, a Action) (tea.Cmd, bool)
}

// ScreenFactory builds a legacy screen for one model (one session).
type ScreenFactory func(m *Model) Screen

// ScreenSpec registers a legacy screen: its name, the global action that
// opens it, and its factory.
type ScreenSpec struct {
	Name    string
	Key     string
	Factory ScreenFactory
}

// legacy adapts a legacy screen to kit.Screen.
type legacy struct {
	s Screen
	m *Model
}

func (l *legacy) Open(_ kit.Host, a *alerts.Alert) tea.Cmd { return l.s.Open(l.m, a) }
func (l *legacy) HandleKey(_ kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	return l.s.HandleKey(l.m, msg)
}
func (l *legacy) Update(_ kit.Host, msg tea.Msg) tea.Cmd { return l.s.Update(l.m, msg) }
func (l *legacy) View(w, h int, st *kit.Styles, now time.Time) string {
	return l.s.View(w, h, st, now)
}
func (l *legacy) Capturing() bool { return l.s.Capturing() }

func (l *legacy) Refresh(kit.Host) tea.Cmd {
	if r, ok := l.s.(Refresher); ok {
		return r.Refresh(l.m)
	}
	return nil
}

func (l *legacy) Resize(_ kit.Host, w, h int) tea.Cmd {
	if r, ok := l.s.(Resizer); ok {
		return r.Resize(l.m, w, h)
	}
	return nil
}

func (l *legacy) HandleAction(_ kit.Host, a kit.Action) (tea.Cmd, bool) {
	if r, ok := l.s.(ActionHandler); ok {
		return r.HandleAction(l.m, a)
	}
	return nil, false
}

// legacyOpenBindings are the keys of the screens not yet registered as
// kit.Entry; each still opens its screen, or says it is not available.
func legacyOpenBindings() []kit.Binding {
	return []kit.Binding{
		{Action: "logs", Keys: []string{"l"}, Help: "logs", Group: groupGo},
		{Action: "traces", Keys: []string{"T"}, Help: "error traces", Group: groupGo},
		{Action: "note", Keys: []string{"n"}, Help: "note", Group: groupGo},
		{Action: "handoff", Keys: []string{"H"}, Help: "handoff", Group: groupGo},
	}
}

// detailExtra is a legacy screen's detail lines (AddDetailExtra).
type detailExtra struct {
	screen string
	f      DetailExtra
}

// The names the legacy screens use.
type (
	Styles        = kit.Styles
	Action        = kit.Action
	ActionClose   = kit.ActionClose
	Dialog        = kit.Dialog
	StatusMsg     = kit.StatusMsg
	RefreshMsg    = kit.RefreshMsg
	Routed        = kit.Routed
	ConfirmDialog = dialog.Confirm
)

// Status is a command that shows a status message.
func Status(text string, isErr bool) tea.Cmd { return kit.Status(text, isErr) }

// NewStyles builds the styles for a background.
func NewStyles(dark bool) *Styles { return kit.NewStyles(dark) }

// NewPromptDialog builds a prompt dialog.
func NewPromptDialog(title, prompt, value, hint string, submit func(string) (Action, error)) *dialog.Prompt {
	return dialog.NewPrompt(title, prompt, value, hint, submit)
}

func fit(s string, w int) string                         { return kit.Fit(s, w) }
func cut(s string, w int) string                         { return kit.Cut(s, w) }
func box(lines []string, w, h int) string                { return kit.Box(lines, w, h) }
func width(s string) int                                 { return kit.Width(s) }
func ansiStrip(s string) string                          { return kit.Strip(s) }
func hyperlink(url, text string) string                  { return kit.Hyperlink(url, text) }
func shortID(id string) string                           { return kit.ShortID(id) }
func matches(msg tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(msg, b...) }

func plural(n int) string { return kit.Plural(n) }

// ScreenByName returns a registered legacy screen (nil when none).
func (m *Model) ScreenByName(name string) Screen {
	if l, ok := m.screens[name].(*legacy); ok {
		return l.s
	}
	return nil
}

// ShowScreen switches to a screen without re-opening it.
func (m *Model) ShowScreen(name string) { m.Show(name) }
