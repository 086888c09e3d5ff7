package tui

import (
	"github.com/charmbracelet/colorprofile"

	"oncall/internal/alerts"
	"oncall/tui/kit"
)

// What screens add to the alert views beyond their detail lines: data
// fetched for the alert the detail shows (kit.DetailFetcher: the alert's
// graph and firing history), the counts the list sorts by
// (kit.EpisodeCounter) and the colour profile charts are drawn for.

// followsAlert reports whether an instance speaks for the alert: a
// session screen, or a cluster screen of the alert's cluster (the first
// watched one for an alert without a cluster).
func (m *Model) followsAlert(in instance, a *alerts.Alert) bool {
	if in.cluster == "" {
		return true
	}
	return a != nil && (in.cluster == a.Cluster || (a.Cluster == "" && in.cluster == m.watched[0]))
}

// detailFetches lets the DetailFetcher screens that speak for the alert
// start what the detail about to be built needs; their commands are
// queued and returned by Update.
func (m *Model) detailFetches(a *alerts.Alert) {
	if a == nil {
		return
	}
	for _, in := range m.instances {
		f, ok := m.screens[in.key].(kit.DetailFetcher)
		if !ok || !m.followsAlert(in, a) {
			continue
		}
		if cmd := f.DetailShown(m.hostFor(in), a, m.detail.width); cmd != nil {
			m.pending = append(m.pending, in.wrap(cmd))
		}
	}
}

// episodesOf is the alert's firing episodes as its cluster's
// EpisodeCounter knows them (0 when none does).
func (m *Model) episodesOf(a *alerts.Alert) int {
	for _, in := range m.instances {
		if c, ok := m.screens[in.key].(kit.EpisodeCounter); ok && m.followsAlert(in, a) {
			if n, known := c.Episodes(a); known {
				return n
			}
		}
	}
	return 0
}

// ListChanged re-sorts the alert list when it is sorted by what a screen
// counts.
func (m *Model) ListChanged() {
	if m.alertsPane.SortKey() != alerts.SortEpisodes {
		return
	}
	m.alertsPane.Reorder()
	m.syncDetail()
}

// setProfile records the terminal's colour profile: with 16 colours or
// fewer, or NO_COLOR, charts draw shapes (kit.Styles.Shapes). The styles
// are replaced, not changed, so what screens cached for the old ones is
// drawn again.
func (m *Model) setProfile(p colorprofile.Profile) {
	m.shapes = p != colorprofile.Unknown && p < colorprofile.ANSI256
	if m.st.Shapes == m.shapes {
		return
	}
	st := *m.st
	st.Shapes = m.shapes
	m.st = &st
	m.syncDetail()
}
