package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/actions"
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
	cluster string
	done    []alerts.Extension
	errs    []error
}

func (m *Model) refuseReadOnly() tea.Cmd {
	return m.setStatus("read-only session (viewer): silences and acks are refused", true)
}

// writable is the write service of a cluster, or the command that says why
// there is none.
func (m *Model) writable(cluster string) (*actions.Service, tea.Cmd) {
	svc := m.actionsFor(cluster)
	if m.opts.ReadOnly || svc == nil {
		return nil, m.refuseReadOnly()
	}
	return svc, nil
}

func (m *Model) openSilenceDialog() tea.Cmd {
	a := m.alertsPane.Selected()
	if a == nil {
		if _, refused := m.writable(""); refused != nil {
			return refused
		}
		return m.setStatus("select an alert to silence", true)
	}
	if _, refused := m.writable(a.Cluster); refused != nil {
		return refused
	}
	ms := alerts.MatchersFor(a, m.deps.Config.Alerts.SilenceLabels)
	d := dialog.NewSilence(ms, m.deps.Config.Alerts.SilenceDuration.D(), m.merged)
	if m.multi() {
		d.WithClusters(m.clusterOf(a.Cluster).Name, m.watched)
	}
	m.silenceHome = m.clusterOf(a.Cluster).Name
	m.overlays.push(d, m.now())
	return nil
}

func (m *Model) ack() tea.Cmd {
	a := m.alertsPane.Selected()
	cluster := ""
	if a != nil {
		cluster = a.Cluster
	}
	svc, refused := m.writable(cluster)
	if refused != nil {
		return refused
	}
	if a == nil {
		return m.setStatus("select an alert to ack", true)
	}
	if a.Ack != nil {
		return m.setStatus(fmt.Sprintf("%s is already acked by %s", a.Name(), a.Ack.By), false)
	}
	ms := alerts.MatchersFor(a, m.deps.Config.Alerts.AckLabels)
	dur, name := m.deps.Config.Alerts.AckDuration.D(), a.Name()
	return tea.Batch(m.setStatus("acking "+name+"…", false), m.tracked("acked "+name, ms.String(), func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		res, err := svc.Ack(ctx, ms, dur, "")
		return actionDoneMsg{what: "acked " + name, id: res.SilenceID, err: err}
	}))
}

// selectedSilence is the silence under the cursor and its cluster's write
// service, or the command that says why it cannot be written.
func (m *Model) selectedSilence(verb string) (*alerts.Silence, *actions.Service, tea.Cmd) {
	s := m.silencesPane.Selected()
	cluster := ""
	if s != nil {
		cluster = s.Cluster
	}
	svc, refused := m.writable(cluster)
	if refused != nil {
		return nil, nil, refused
	}
	if s == nil || s.State == "expired" {
		return nil, nil, m.setStatus("select an active silence to "+verb, true)
	}
	return s, svc, nil
}

func (m *Model) confirmExpire() tea.Cmd {
	s, _, refused := m.selectedSilence("expire")
	if refused != nil {
		return refused
	}
	where := ""
	if m.multi() {
		where = " in " + s.Cluster
	}
	m.overlays.push(&dialog.Confirm{Title: "Expire silence" + where + "?", Body: fmt.Sprintf("%s by %s\n%s", s.ID, s.CreatedBy, s.Comment), OnYes: actionExpire{id: s.ID, cluster: s.Cluster}}, m.now())
	return nil
}

type actionExpire struct{ id, cluster string }
type actionExtend struct {
	id, cluster string
	dur         time.Duration
}

func (m *Model) promptExtend() tea.Cmd {
	s, _, refused := m.selectedSilence("extend")
	if refused != nil {
		return refused
	}
	id, cluster := s.ID, s.Cluster
	m.overlays.push(dialog.NewPrompt("Extend silence "+kit.ShortID(id), "by: ", "1h", "enter extends from its current end · esc cancels", func(v string) (kit.Action, error) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("use a duration such as 30m or 2h")
		}
		return actionExtend{id: id, cluster: cluster, dur: d}, nil
	}), m.now())
	return nil
}

// doAction turns a dialog's action into commands. Writes run as commands
// with a timeout; their results come back as actionDoneMsg.
func (m *Model) doAction(a kit.Action) tea.Cmd {
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
		targets := a.Clusters
		if len(targets) == 0 {
			targets = []string{m.silenceHome}
		}
		cmds := []tea.Cmd{m.setStatus("creating silence…", false)}
		for _, c := range targets {
			svc, refused := m.writable(c)
			if refused != nil {
				return refused
			}
			what := "silenced"
			if m.multi() {
				what += " in " + c
			}
			cmds = append(cmds, run(what, a.Matchers.String(), func(ctx context.Context) (string, error) {
				return svc.Silence(ctx, a.Matchers, a.Duration, a.Comment)
			}))
		}
		return tea.Batch(cmds...)
	case actionExpire:
		m.overlays.pop()
		svc, refused := m.writable(a.cluster)
		if refused != nil {
			return refused
		}
		return run("expired", a.id, func(ctx context.Context) (string, error) { return a.id, svc.Expire(ctx, a.id) })
	case actionExtend:
		m.overlays.pop()
		svc, refused := m.writable(a.cluster)
		if refused != nil {
			return refused
		}
		return run("extended", a.id, func(ctx context.Context) (string, error) {
			id, _, err := svc.Extend(ctx, a.id, a.dur)
			return id, err
		})
	default:
		m.overlays.pop()
		for _, in := range m.instances {
			if h, ok := m.screens[in.key].(kit.ActionHandler); ok {
				if cmd, ok := h.HandleAction(m.hostFor(in), a); ok {
					return in.wrap(cmd)
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
