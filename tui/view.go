package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"oncall/tui/kit"
)

// wideMin is the width from which the list and the detail sit side by side;
// below it the UI is a single pane with tabs.
const wideMin = 120

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.wide = w >= wideMin
	if m.wide && m.view == viewDetail {
		m.view, m.focus = viewAlerts, focusDetail
	}
	bodyH := m.bodyHeight()
	detailW := m.detail.width
	if m.wide {
		lw := m.listWidth()
		m.alertsPane.SetSize(lw, bodyH)
		m.detail.SetSize(w-lw-1, bodyH)
	} else {
		m.alertsPane.SetSize(w, bodyH)
		m.detail.SetSize(w, bodyH)
	}
	m.silencesPane.SetSize(w, bodyH)
	m.resizeScreens(w, bodyH)
	if m.detail.width != detailW {
		m.syncDetail() // the detail's chart is drawn at its width
	}
}

func (m *Model) listWidth() int { return m.width * 58 / 100 }

// bodyHeight is what is left after the header, the tab line and the status bar.
func (m *Model) bodyHeight() int { return max(1, m.height-3) }

// View implements tea.Model.
func (m *Model) View() tea.View {
	if m.waitingForBackground() {
		v := tea.NewView("")
		v.AltScreen = true
		return v
	}
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "oncall · " + m.deps.Config.CurrentContext
	if m.deps.Config.UI.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

// Render draws the whole screen as a string of exactly width×height cells.
func (m *Model) Render() string {
	if m.width == 0 || m.height == 0 {
		return "starting…"
	}
	if m.width < 40 || m.height < 10 {
		return kit.Box([]string{"too small", "oncall needs 40×10", fmt.Sprintf("(now %d×%d)", m.width, m.height)}, m.width, m.height)
	}
	now := m.now()
	w, bodyH := m.width, m.bodyHeight()
	var body string
	switch m.alertsState() {
	case alertsLoading:
		m.alertsPane.emptyText = "Waiting for the first answer from the alert sources…"
	case alertsUnknown:
		m.alertsPane.emptyText = "No data: every alert source failed (see the status bar); what fires is unknown."
	default:
		m.alertsPane.emptyText = ""
	}
	switch m.view {
	case viewAlerts, viewDetail:
		switch {
		case m.wide:
			lw := m.listWidth()
			list := m.alertsPane.View(lw, bodyH, m.st, now)
			sep := m.st.Border.Render(strings.TrimSuffix(strings.Repeat("│\n", bodyH), "\n"))
			body = lipgloss.JoinHorizontal(lipgloss.Top, list, sep, m.detail.View(w-lw-1, bodyH, m.st))
		case m.view == viewDetail:
			body = m.detail.View(w, bodyH, m.st)
		default:
			body = m.alertsPane.View(w, bodyH, m.st, now)
		}
	case viewSilences:
		body = m.silencesPane.View(w, bodyH, m.st, now)
	case viewScreen:
		body = kit.Box(strings.Split(m.screens[m.screen].View(w, bodyH, m.st, now), "\n"), w, bodyH)
	}
	bottom := m.statusBar(now)
	if m.cmdline.Active() {
		bottom = m.cmdline.View(w, m.st)
	}
	out := m.header(now) + "\n" + m.tabs() + "\n" + body + "\n" + bottom
	if top := m.overlays.top(); top != nil {
		out = m.overlayOn(out, top.View(w, m.height, m.st))
	}
	return out
}

// overlayOn centres a dialog box over the screen.
func (m *Model) overlayOn(base, dlg string) string {
	dw, dh := lipgloss.Width(dlg), lipgloss.Height(dlg)
	x, y := max(0, (m.width-dw)/2), max(0, (m.height-dh)/3)
	c := lipgloss.NewCompositor(lipgloss.NewLayer(base), lipgloss.NewLayer(dlg).X(x).Y(y).Z(1))
	return kit.Box(strings.Split(c.Render(), "\n"), m.width, m.height)
}
