package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/tui/dialog"
	"oncall/tui/kit"
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
	m.overlays.push(dialog.NewSilence(ms, m.deps.Config.Alerts.SilenceDuration.D(), m.merged), m.now())
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
	m.overlays.push(&dialog.Confirm{Title: "Expire silence?", Body: fmt.Sprintf("%s by %s\n%s", s.ID, s.CreatedBy, s.Comment), OnYes: actionExpire{id: s.ID}}, m.now())
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
	m.overlays.push(dialog.NewPrompt("Extend silence "+kit.ShortID(id), "by: ", "1h", "enter extends from its current end · esc cancels", func(v string) (kit.Action, error) {
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
func (m *Model) doAction(a kit.Action) tea.Cmd {
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
	case kit.ActionClose:
		m.overlays.pop()
	case dialog.CreateSilence:
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
		for _, name := range m.screenOrder {
			if h, ok := m.screens[name].(kit.ActionHandler); ok {
				if cmd, ok := h.HandleAction(m, a); ok {
					return cmd
				}
			}
		}
	}
	return nil
}

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
