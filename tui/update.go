package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
)

// actionDoneMsg reports a finished write.
type actionDoneMsg struct {
	what string
	id   string
	err  error
}

type keepAliveDoneMsg struct {
	done []alerts.Extension
	errs []error
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, m.takePending()
	case tea.BackgroundColorMsg:
		if m.autoTheme() {
			m.bgDetected = true
			m.st = NewStyles(msg.IsDark())
			m.syncDetail()
		}
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case fetched:
		return m, tea.Batch(m.applyFetched(msg), m.takeNotify())
	case tickMsg:
		if msg.gen != m.tickGen || m.quitting {
			return m, nil // a stopped ticker: do not reschedule
		}
		return m, tea.Batch(m.refresh(), m.scheduleTick())
	case actionDoneMsg:
		return m, m.actionDone(msg)
	case keepAliveDoneMsg:
		m.keepAliveRun = false
		if len(msg.errs) > 0 {
			return m, m.setStatus("ack keep-alive failed: "+msg.errs[0].Error(), true)
		}
		if len(msg.done) > 0 {
			return m, tea.Batch(m.setStatus(fmt.Sprintf("kept %d ack(s) alive", len(msg.done)), false), m.refreshNow())
		}
	case StatusMsg:
		return m, m.setStatus(msg.Text, msg.Err)
	case statusExpiredMsg:
		if msg.id == m.status.id {
			m.status = statusLine{}
		}
	case RefreshMsg:
		return m, m.refreshNow()
	case Routed:
		if s := m.screens[msg.Screen()]; s != nil {
			return m, s.Update(m, msg)
		}
	}
	return m, nil
}

func (m *Model) refreshNow() tea.Cmd {
	if m.opts.NoFetch {
		return nil
	}
	return m.refresh()
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return m.quit()
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
		_, cmd := m.screens[m.screen].HandleKey(m, msg)
		return cmd
	}
	if used, cmd := m.viewKey(msg); used {
		return cmd
	}
	return m.globalKey(msg)
}

// viewKey handles keys that belong to the current view.
func (m *Model) viewKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := &m.keys
	switch m.view {
	case viewAlerts, viewDetail:
		switch {
		case matches(msg, k.Silence):
			return true, m.openSilenceDialog()
		case matches(msg, k.Ack):
			return true, m.ack()
		case matches(msg, k.Enter) && m.view == viewAlerts:
			if m.wide {
				m.focus = focusDetail
			} else {
				m.view = viewDetail
			}
			return true, nil
		case matches(msg, k.Tab) && m.wide:
			m.focus = 1 - m.focus
			return true, nil
		case matches(msg, k.Back) && (m.view == viewDetail || m.focus == focusDetail):
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
		switch {
		case matches(msg, k.Expire):
			return true, m.confirmExpire()
		case matches(msg, k.Extend):
			return true, m.promptExtend()
		}
		return m.silencesPane.HandleKey(msg, m.now())
	case viewScreen:
		return m.screens[m.screen].HandleKey(m, msg)
	}
	return false, nil
}

// globalKey handles keys that work everywhere.
func (m *Model) globalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	switch {
	case matches(msg, k.Quit):
		return m.quit()
	case matches(msg, k.Help):
		m.overlays.push(&HelpDialog{keys: &m.keys}, m.now())
	case matches(msg, k.Refresh):
		cmd := m.setStatus("refreshing…", false)
		m.refreshStatus = m.statusID // a failing reply replaces it (applyFetched)
		return tea.Batch(m.refreshNow(), cmd)
	case matches(msg, k.Silences):
		m.view = viewSilences
	case matches(msg, k.Alerts), matches(msg, k.Back):
		m.view, m.focus = viewAlerts, focusList
	case matches(msg, k.Tab):
		m.nextTab()
	default:
		for action, name := range m.screenKeys {
			if b := m.keys.named()[action]; b != nil && matches(msg, *b) {
				return m.openScreen(name)
			}
		}
		if matches(msg, k.Logs, k.Traces, k.Budget, k.Runbook, k.Handoff, k.Note) {
			return m.setStatus(fmt.Sprintf("%q: not available (no source configured for it)", msg.String()), true)
		}
	}
	return nil
}

// OpenScreen shows a registered screen for the selected alert.
func (m *Model) openScreen(name string) tea.Cmd {
	s := m.screens[name]
	if s == nil {
		return nil
	}
	m.back = backTo{view: m.view, screen: m.screen}
	m.view, m.screen = viewScreen, name
	return s.Open(m, m.alertsPane.Selected())
}

// backTo is the view a screen was opened from.
type backTo struct {
	view   viewID
	screen string
}

// returnFromScreen shows the view the current screen was opened from: a
// screen that is only a dialog (the note) leaves the operator where they
// were.
func (m *Model) returnFromScreen() {
	if m.back.view == viewScreen && m.screens[m.back.screen] == nil {
		m.back = backTo{view: viewAlerts}
	}
	m.view, m.screen = m.back.view, m.back.screen
}

// ShowScreen switches to a screen without re-opening it.
func (m *Model) ShowScreen(name string) {
	if m.screens[name] != nil {
		m.view, m.screen = viewScreen, name
	}
}

// ScreenByName returns a registered screen.
func (m *Model) ScreenByName(name string) Screen { return m.screens[name] }

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

func (m *Model) refuseReadOnly() tea.Cmd {
	return m.setStatus("read-only session (viewer): silences and acks are refused", true)
}

func (m *Model) openSilenceDialog() tea.Cmd {
	if m.opts.ReadOnly || m.deps.Actions == nil {
		return m.refuseReadOnly()
	}
	a := m.alertsPane.Selected()
	if a == nil {
		return m.setStatus("select an alert to silence", true)
	}
	ms := alerts.MatchersFor(a, m.deps.Config.Alerts.SilenceLabels)
	m.overlays.push(NewSilenceDialog(ms, m.deps.Config.Alerts.SilenceDuration.D(), m.merged), m.now())
	return nil
}

func (m *Model) ack() tea.Cmd {
	if m.opts.ReadOnly || m.deps.Actions == nil {
		return m.refuseReadOnly()
	}
	a := m.alertsPane.Selected()
	if a == nil {
		return m.setStatus("select an alert to ack", true)
	}
	if a.Ack != nil {
		return m.setStatus(fmt.Sprintf("%s is already acked by %s", a.Name(), a.Ack.By), false)
	}
	ms := alerts.MatchersFor(a, m.deps.Config.Alerts.AckLabels)
	svc, dur, name := m.deps.Actions, m.deps.Config.Alerts.AckDuration.D(), a.Name()
	return tea.Batch(m.setStatus("acking "+name+"…", false), m.tracked("acked "+name, ms.String(), func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		res, err := svc.Ack(ctx, ms, dur, "")
		return actionDoneMsg{what: "acked " + name, id: res.SilenceID, err: err}
	}))
}

func (m *Model) confirmExpire() tea.Cmd {
	if m.opts.ReadOnly || m.deps.Actions == nil {
		return m.refuseReadOnly()
	}
	s := m.silencesPane.Selected()
	if s == nil || s.State == "expired" {
		return m.setStatus("select an active silence to expire", true)
	}
	m.overlays.push(&ConfirmDialog{Title: "Expire silence?", Body: fmt.Sprintf("%s by %s\n%s", s.ID, s.CreatedBy, s.Comment), OnYes: actionExpire{id: s.ID}}, m.now())
	return nil
}

type actionExpire struct{ id string }
type actionExtend struct {
	id  string
	dur time.Duration
}

func (m *Model) promptExtend() tea.Cmd {
	if m.opts.ReadOnly || m.deps.Actions == nil {
		return m.refuseReadOnly()
	}
	s := m.silencesPane.Selected()
	if s == nil || s.State == "expired" {
		return m.setStatus("select an active silence to extend", true)
	}
	id := s.ID
	m.overlays.push(NewPromptDialog("Extend silence "+shortID(id), "by: ", "1h", "enter extends from its current end · esc cancels", func(v string) (Action, error) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("use a duration such as 30m or 2h")
		}
		return actionExtend{id: id, dur: d}, nil
	}), m.now())
	return nil
}

// doAction turns a dialog's action into commands. Writes run as commands
// with a timeout; their results come back as actionDoneMsg.
func (m *Model) doAction(a Action) tea.Cmd {
	svc := m.deps.Actions
	run := func(what, target string, f func(ctx context.Context) (string, error)) tea.Cmd {
		return m.tracked(what, target, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			id, err := f(ctx)
			return actionDoneMsg{what: what, id: id, err: err}
		})
	}
	switch a := a.(type) {
	case nil:
		return nil
	case ActionClose:
		m.overlays.pop()
	case ActionCreateSilence:
		m.overlays.pop()
		return tea.Batch(m.setStatus("creating silence…", false), run("silenced", a.Matchers.String(), func(ctx context.Context) (string, error) {
			return svc.Silence(ctx, a.Matchers, a.Duration, a.Comment)
		}))
	case actionExpire:
		m.overlays.pop()
		return run("expired", a.id, func(ctx context.Context) (string, error) { return a.id, svc.Expire(ctx, a.id) })
	case actionExtend:
		m.overlays.pop()
		return run("extended", a.id, func(ctx context.Context) (string, error) {
			id, _, err := svc.Extend(ctx, a.id, a.dur)
			return id, err
		})
	default:
		m.overlays.pop()
		for _, s := range m.screens {
			if h, ok := s.(ActionHandler); ok {
				if cmd, ok := h.HandleAction(m, a); ok {
					return cmd
				}
			}
		}
	}
	return nil
}

// ActionHandler is a Screen that handles actions from its own dialogs.
type ActionHandler interface {
	HandleAction(m *Model, a Action) (tea.Cmd, bool)
}

// PushDialog opens a dialog (screens use it).
func (m *Model) PushDialog(d Dialog) { m.overlays.push(d, m.now()) }

func (m *Model) actionDone(msg actionDoneMsg) tea.Cmd {
	if msg.err != nil {
		return m.setStatus(msg.what+" failed (journaled): "+msg.err.Error(), true)
	}
	text := msg.what
	if msg.id != "" {
		text += " · silence " + msg.id
	}
	return tea.Batch(m.setStatus(text, false), m.refreshNow())
}

// keepAcksAlive extends the user's own acks on still-firing alerts before
// they expire. At most one run is in flight.
func (m *Model) keepAcksAlive() tea.Cmd {
	cfg := m.deps.Config
	svc := m.deps.Actions
	if svc == nil || m.opts.ReadOnly || !cfg.Alerts.KeepAcksAlive || m.keepAliveRun || m.amSilences == nil || m.amAlerts == nil {
		return nil
	}
	dur := cfg.Alerts.AckDuration.D()
	lead := max(3*m.refreshEvery, dur/3)
	if len(alerts.PlanKeepAlive(m.silences, m.merged, svc.User, m.now(), lead, dur)) == 0 {
		return nil
	}
	m.keepAliveRun = true
	sils, live := m.silences, m.merged
	return m.tracked("ack keep-alive", "", func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done, errs := svc.KeepAcksAlive(ctx, sils, live, lead, dur)
		return keepAliveDoneMsg{done: done, errs: errs}
	})
}
