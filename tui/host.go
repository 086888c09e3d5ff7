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
	if svc := m.actionsFor(""); svc != nil && svc.User != "" {
		user = svc.User
	}
	c := m.clusterOf("")
	return kit.Session{User: user, Context: c.Name, Role: m.opts.Role, ReadOnly: m.opts.ReadOnly, Actions: c.Actions}
}

// Sources returns the alert sources of the alert's cluster (nil: the
// selected alert's, else the first watched cluster's).
func (m *Model) Sources(a *alerts.Alert) kit.Sources {
	if a == nil {
		a = m.alertsPane.Selected()
	}
	name := ""
	if a != nil {
		name = a.Cluster
	}
	return m.sourcesOf(name)
}

func (m *Model) sourcesOf(cluster string) kit.Sources {
	c := m.clusterOf(cluster)
	if c == nil {
		return kit.Sources{}
	}
	return kit.Sources{Context: c.Name, AM: c.AM, Prom: c.Prom, Actions: c.Actions}
}

// Clusters lists the watched clusters' sources, in the order watched.
func (m *Model) Clusters() []kit.Sources {
	out := make([]kit.Sources, 0, len(m.watched))
	for _, n := range m.watched {
		out = append(out, m.sourcesOf(n))
	}
	return out
}

// Selected returns the alert under the cursor.
func (m *Model) Selected() *alerts.Alert { return m.alertsPane.Selected() }

// Alerts returns the merged alert list.
func (m *Model) Alerts() []*alerts.Alert { return m.merged }

// Silences returns the silence list.
func (m *Model) Silences() []*alerts.Silence { return m.silences }

// Rules returns the selected alert's cluster's alerting rules by name
// (Prometheus's and the Loki ruler's).
func (m *Model) Rules() map[string][]v1.AlertingRule {
	if a := m.alertsPane.Selected(); a != nil {
		return m.rulesOf(m.clusterOf(a.Cluster).Name)
	}
	return m.rulesOf(m.watched[0])
}

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

// Show switches to a registered screen (a name, or the key Shown gave)
// without opening it again.
func (m *Model) Show(name string) {
	if in, ok := m.target(name, ""); ok {
		m.view, m.screen = viewScreen, in.key
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

// ScreenNamed returns a registered screen (tests use it): a name (the
// first watched cluster's instance of a cluster screen) or an instance key.
func (m *Model) ScreenNamed(name string) kit.Screen {
	if in, ok := m.target(name, ""); ok {
		return m.screens[in.key]
	}
	return nil
}

// clusterHost is the Host of a per-cluster screen instance: it answers for
// its cluster, and for its own visibility.
type clusterHost struct {
	*Model
	in instance
}

func (h *clusterHost) Visible(string) bool {
	return !h.quitting && h.view == viewScreen && h.screen == h.in.key
}

func (h *clusterHost) Sources(a *alerts.Alert) kit.Sources {
	if a != nil && a.Cluster != "" {
		return h.sourcesOf(a.Cluster)
	}
	return h.sourcesOf(h.in.cluster)
}

func (h *clusterHost) Rules() map[string][]v1.AlertingRule { return h.rulesOf(h.in.cluster) }

func (h *clusterHost) Session() kit.Session {
	s := h.Model.Session()
	s.Context = h.in.cluster
	s.Actions = h.actionsFor(h.in.cluster)
	return s
}

func (h *clusterHost) Show(name string) {
	if in, ok := h.target(name, h.in.cluster); ok {
		h.view, h.screen = viewScreen, in.key
	} else {
		h.Model.Show(name)
	}
}
