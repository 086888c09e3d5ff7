package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"oncall/internal/sanitize"
	"oncall/internal/timefmt"

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
	out := m.header(now) + "\n" + m.tabs() + "\n" + body + "\n" + m.statusBar(now)
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

func (m *Model) header(now time.Time) string {
	title := m.st.Title.Render("oncall")
	ctx := m.st.Muted.Render(" · " + sanitize.Text(m.deps.Config.CurrentContext))
	counts := severityHeader(m.sevCounts, m.st)
	if len(m.sevCounts) == 0 {
		switch m.alertsState() {
		case alertsLoading:
			counts = m.st.Muted.Render("loading…")
		case alertsUnknown:
			counts = m.st.StatusErr.Render("no data")
		}
	}
	right := m.st.Muted.Render(fmt.Sprintf("sort: %s", m.alertsPane.SortKey()))
	left := title + ctx + "  " + counts
	gap := m.width - kit.Width(left) - kit.Width(right)
	if gap < 1 {
		return kit.Fit(left, m.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) tabs() string {
	type tab struct {
		name   string
		active bool
	}
	tabs := []tab{{"Alerts", m.view == viewAlerts || (m.view == viewDetail && m.wide)}}
	if !m.wide {
		tabs = append(tabs, tab{"Detail", m.view == viewDetail})
	}
	tabs = append(tabs, tab{"Silences", m.view == viewSilences})
	for _, n := range m.screenOrder {
		if m.view == viewScreen && m.screen == n {
			tabs = append(tabs, tab{m.screenTitles[n], true})
		}
	}
	var parts []string
	for _, t := range tabs {
		if t.active {
			parts = append(parts, m.st.TabActive.Render(t.name))
		} else {
			parts = append(parts, m.st.TabInactive.Render(t.name))
		}
	}
	return kit.Fit(strings.Join(parts, ""), m.width)
}

// statusBar: context, user, source health, last refresh, and either the
// transient status message or a key hint.
func (m *Model) statusBar(now time.Time) string {
	st := m.st
	sep := st.Bar.Render(" │ ")
	user := m.deps.Config.Identity.User
	if m.opts.Role != "" {
		user += " (" + m.opts.Role + ")"
	} else if m.opts.ReadOnly {
		user += " (viewer)"
	}
	parts := []string{st.BarKey.Render(" " + sanitize.Text(m.deps.Config.CurrentContext)), st.Bar.Render(sanitize.Text(user))}
	names := make([]string, 0, len(m.health))
	for n := range m.health {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h := m.health[n]
		switch {
		case h.ok && !m.wide:
			parts = append(parts, st.BarOK.Render(short(n)+" ✓"))
		case h.ok:
			parts = append(parts, st.BarOK.Render(fmt.Sprintf("%s ✓ %dms", short(n), h.latency.Milliseconds())))
		case h.err != "":
			parts = append(parts, st.BarErr.Render(fmt.Sprintf("%s ✗ %s", short(n), timefmt.Ago(h.failSince, now))))
		default:
			parts = append(parts, st.Bar.Render(short(n)+" …"))
		}
	}
	if !m.lastRefresh.IsZero() {
		parts = append(parts, st.Bar.Render("↻ "+m.lastRefresh.Local().Format("15:04:05")))
	}
	left := strings.Join(parts, sep)
	var right string
	switch {
	case m.status.text != "" && m.status.err:
		right = st.BarErr.Render(" " + sanitize.Text(m.status.text) + " ")
	case m.status.text != "":
		right = st.Bar.Render(" " + sanitize.Text(m.status.text) + " ")
	default:
		if e := m.firstSourceError(); e != "" {
			right = st.BarErr.Render(" " + sanitize.Text(e) + " ")
		} else {
			right = st.Bar.Render(" ? help · q quit ")
		}
	}
	lw, rw := kit.Width(left), kit.Width(right)
	if lw+rw+1 > m.width {
		right = kit.Cut(right, max(0, m.width-lw-1))
		rw = kit.Width(right)
	}
	if lw+rw > m.width {
		return kit.Fit(left, m.width)
	}
	return left + st.Bar.Render(strings.Repeat(" ", m.width-lw-rw)) + right
}

func (m *Model) firstSourceError() string {
	names := make([]string, 0, len(m.health))
	for n, h := range m.health {
		if h.err != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return "stale: " + m.health[names[0]].err
}

func short(source string) string {
	switch source {
	case srcAM:
		return "am"
	case srcProm:
		return "prom"
	case srcSil:
		return "sil"
	}
	return source
}

// What the empty alert list means.
const (
	alertsKnown   = iota // a source answered: an empty list is all clear
	alertsLoading        // nothing answered yet, a fetch is in flight
	alertsUnknown        // nothing answered, every fetch failed
)

// alertsState tells an empty list that is all clear from one that is not
// known yet: before Alertmanager or Prometheus first answers, "all clear"
// would be a lie.
func (m *Model) alertsState() int {
	busy := false
	for _, s := range []string{srcAM, srcProm} {
		h := m.health[s]
		if h == nil {
			continue
		}
		if !h.lastOK.IsZero() {
			return alertsKnown
		}
		busy = busy || h.inFlight
	}
	if busy {
		return alertsLoading
	}
	if m.health[srcAM] == nil && m.health[srcProm] == nil {
		return alertsLoading // no fetch started yet
	}
	return alertsUnknown
}
