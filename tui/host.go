package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/tui/kit"
)

// The root model is the screens' kit.Host: all a screen may ask of it.
var _ kit.Host = (*Model)(nil)

// Styles returns the session's styles (screens render with them).
func (m *Model) Styles() *kit.Styles { return m.st }

// Now is the session clock.
func (m *Model) Now() time.Time { return m.now() }

// Config is the session's configuration.
func (m *Model) Config() *config.Config { return m.deps.Config }

// Session says who and where the operator is.
func (m *Model) Session() kit.Session {
	user := m.deps.Config.Identity.User
	if svc := m.deps.Actions; svc != nil && svc.User != "" {
		user = svc.User
	}
	return kit.Session{User: user, Context: m.deps.Config.CurrentContext, Role: m.opts.Role, ReadOnly: m.opts.ReadOnly, Actions: m.deps.Actions}
}

// Sources returns the alert sources of the alert's context.
func (m *Model) Sources(*alerts.Alert) kit.Sources {
	return kit.Sources{Context: m.deps.Config.CurrentContext, AM: m.deps.AM, Prom: m.deps.Prom}
}

// Selected returns the alert under the cursor.
func (m *Model) Selected() *alerts.Alert { return m.alertsPane.Selected() }

// Alerts returns the merged alert list.
func (m *Model) Alerts() []*alerts.Alert { return m.merged }

// Silences returns the silence list.
func (m *Model) Silences() []*alerts.Silence { return m.silences }

// Rules returns Prometheus's alerting rules by alert name.
func (m *Model) Rules() map[string][]v1.AlertingRule { return m.rules }

// BodySize is the size screens are drawn in.
func (m *Model) BodySize() (int, int) { return m.width, m.bodyHeight() }

// Visible reports whether the named screen is what the session shows.
func (m *Model) Visible(screen string) bool {
	return !m.quitting && m.view == viewScreen && m.screen == screen
}

// Shown names the screen shown ("" when a view of the root is).
func (m *Model) Shown() string {
	if m.view == viewScreen {
		return m.screen
	}
	return ""
}

// Show switches to a registered screen without opening it again.
func (m *Model) Show(name string) {
	if m.screens[name] != nil {
		m.view, m.screen = viewScreen, name
	}
}

// Back shows the view the current screen was opened from: a screen that is
// only a dialog (the note) leaves the operator where they were.
func (m *Model) Back() {
	if m.back.view == viewScreen && m.screens[m.back.screen] == nil {
		m.back = backTo{view: viewAlerts}
	}
	m.view, m.screen = m.back.view, m.back.screen
}

// Status shows a message for a while; errors stay longer.
func (m *Model) Status(text string, isErr bool) tea.Cmd { return m.setStatus(text, isErr) }

// PushDialog opens a dialog.
func (m *Model) PushDialog(d kit.Dialog) { m.overlays.push(d, m.now()) }

// Track wraps a write so Options.OnAction hears when it starts and ends.
func (m *Model) Track(what, target string, run func() tea.Msg) tea.Cmd {
	return m.tracked(what, target, run)
}

// DetailChanged rebuilds the alert detail.
func (m *Model) DetailChanged() { m.syncDetail() }

// ScreenNamed returns a registered screen (tests use it).
func (m *Model) ScreenNamed(name string) kit.Screen { return m.screens[name] }
