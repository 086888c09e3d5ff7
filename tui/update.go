package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"oncall/tui/dialog"
	"oncall/tui/kit"
)

// Update implements tea.Model. Commands queued while handling msg (a
// detail fetch, see detailFetches) are returned with its own.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	model, cmd := m.update(msg)
	if len(m.pending) > 0 {
		cmd = tea.Batch(cmd, m.takePending())
	}
	return model, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, m.takePending()
	case tea.BackgroundColorMsg:
		if m.autoTheme() {
			m.bgDetected = true
			m.st = kit.NewStyles(msg.IsDark())
			m.st.Shapes = m.shapes
			m.syncDetail()
		}
	case tea.ColorProfileMsg:
		m.setProfile(msg.Profile)
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case snapsMsg:
		return m, m.applySnapsMsg(msg)
	case tickMsg:
		if msg.gen != m.tickGen || m.quitting || m.stopped.Load() {
			return m, nil // a stopped ticker: do not reschedule
		}
		return m, tea.Batch(m.refreshScreens(), m.scheduleTick())
	case actionDoneMsg:
		return m, m.actionDone(msg)
	case undoExpiredMsg:
		if m.undo != nil && m.undo.gen == msg.gen {
			m.undo = nil
		}
	case keepAliveDoneMsg:
		m.keepBusy[msg.cluster] = false
		if len(msg.errs) > 0 && !written(msg.errs[0]) {
			return m, m.setStatus("ack keep-alive failed: "+msg.errs[0].Error(), true)
		}
		if len(msg.errs) > 0 {
			return m, tea.Batch(m.setStatus(fmt.Sprintf("kept %d ack(s) alive — done, but not journaled: %s", len(msg.done), msg.errs[0].Error()), true), m.refreshNow())
		}
		if len(msg.done) > 0 {
			return m, tea.Batch(m.setStatus(fmt.Sprintf("kept %d ack(s) alive", len(msg.done)), false), m.refreshNow())
		}
	case kit.StatusMsg:
		return m, m.setStatus(msg.Text, msg.Err)
	case statusExpiredMsg:
		if msg.id == m.status.id {
			m.status = statusLine{}
		}
	case kit.RefreshMsg:
		return m, m.refreshNow()
	case instanceMsg:
		return m, m.route(msg.key, msg.msg)
	case kit.Routed:
		return m, m.route("", msg)
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	before := backTo{view: m.view, screen: m.screen}
	cmd := m.dispatchKey(msg)
	if now := (backTo{view: m.view, screen: m.screen}); now != before && !m.switching {
		m.prev = before
	}
	m.switching = false
	return cmd
}

func (m *Model) dispatchKey(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.cmdline.Active() {
		return m.commandKey(msg)
	}
	if top := m.overlays.top(); top != nil {
		if m.overlays.inGrace(m.now()) {
			return nil // typed before the dialog appeared
		}
		act, cmd := top.HandleKey(msg)
		return tea.Batch(cmd, m.doAction(act))
	}
	// A focused text input takes every key.
	switch {
	case m.view == viewAlerts && m.alertsPane.Filtering():
		_, cmd := m.alertsPane.HandleKey(msg)
		m.syncDetail()
		return cmd
	case m.view == viewSilences && m.silencesPane.Filtering():
		_, cmd := m.silencesPane.HandleKey(msg, m.now())
		return cmd
	case m.view == viewScreen && m.screens[m.screen].Capturing():
		in := m.current()
		_, cmd := m.screens[m.screen].HandleKey(m.hostFor(in), msg)
		return in.wrap(cmd)
	}
	if used, cmd := m.viewKey(msg); used {
		return cmd
	}
	return m.globalKey(msg)
}

// viewKey handles keys that belong to the current view.
func (m *Model) viewKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.keys.Scope(scopeAlerts)
	switch m.view {
	case viewAlerts, viewDetail:
		switch {
		case k.Is(msg, actSilence):
			return true, m.openSilenceDialog()
		case k.Is(msg, actAck):
			return true, m.ack()
		case k.Is(msg, kit.Enter) && m.view == viewAlerts:
			if m.wide {
				m.focus = focusDetail
			} else {
				m.view = viewDetail
			}
			return true, nil
		case k.Is(msg, kit.Tab) && m.wide:
			m.focus = 1 - m.focus
			return true, nil
		case k.Is(msg, kit.Back) && (m.view == viewDetail || m.focus == focusDetail):
			m.view, m.focus = viewAlerts, focusList
			return true, nil
		}
		if m.view == viewDetail || m.focus == focusDetail {
			return m.detail.HandleKey(msg), nil
		}
		used, cmd := m.alertsPane.HandleKey(msg)
		if used {
			m.syncDetail()
		}
		return used, cmd
	case viewSilences:
		k := m.keys.Scope(scopeSilences)
		switch {
		case k.Is(msg, actExpire):
			return true, m.confirmExpire()
		case k.Is(msg, actExtend):
			return true, m.promptExtend()
		}
		return m.silencesPane.HandleKey(msg, m.now())
	case viewScreen:
		in := m.current()
		used, cmd := m.screens[m.screen].HandleKey(m.hostFor(in), msg)
		return used, in.wrap(cmd)
	}
	return false, nil
}

// globalKey handles keys that work everywhere.
func (m *Model) globalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys.Global()
	switch {
	case k.Is(msg, kit.Quit):
		return m.quit()
	case k.Is(msg, kit.Help):
		m.overlays.push(dialog.NewHelp(m.currentKeys(), m.commandNames()...), m.now())
	case k.Is(msg, kit.Refresh):
		cmd := m.setStatus("refreshing…", false)
		m.refreshStatus = m.statusID // a failing reply replaces it (applyFetched)
		return tea.Batch(m.refreshNow(), cmd)
	case k.Is(msg, actSilences):
		m.view = viewSilences
	case k.Is(msg, actAlerts), k.Is(msg, kit.Back):
		m.view, m.focus = viewAlerts, focusList
	case k.Is(msg, kit.Tab):
		m.nextTab()
	case m.undo != nil && m.keys.Scope(scopeSilences).Is(msg, actUndo):
		return m.undoKey()
	case k.Is(msg, actCommand):
		return m.openCommandLine()
	case k.Is(msg, actPrevious):
		m.switching = true
		return m.previousView()
	default:
		if ok, found := m.openKeyFor(msg); found {
			return m.openWith(ok, msg)
		}
	}
	return nil
}

// backTo is the view a screen was opened from.
type backTo struct {
	view   viewID
	screen string
}

// nextTab cycles alerts → silences → open screens in narrow layouts.
func (m *Model) nextTab() {
	switch m.view {
	case viewAlerts, viewDetail:
		m.view = viewSilences
	default:
		m.view = viewAlerts
	}
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.Stop()
	return tea.Quit
}
