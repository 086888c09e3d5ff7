package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/guard"
	"oncall/internal/sanitize"
	"oncall/tui/dialog"
	"oncall/tui/kit"
)

// writeTimeout bounds one write (with the reads its rails make).
const writeTimeout = 15 * time.Second

// actionDoneMsg reports a finished write.
type actionDoneMsg struct {
	what string
	id   string
	err  error
	// ask titles the second confirmation a ConfirmError asks for, and
	// again is the same write with those rules confirmed (nil: none).
	ask   string
	again func(confirmed []string) kit.Action
	// done replaces "what · silence id" as the status of a success.
	done string
	// expired is the silence an expire removed, as it was, and cluster
	// where: u restores it for a few seconds.
	expired *alerts.Silence
	cluster string
}

type keepAliveDoneMsg struct {
	cluster string
	done    []alerts.Extension
	errs    []error
}

// writable is the write service of a cluster, or the command that says in
// one line why it takes no write (read-only, a viewer, no Alertmanager).
func (m *Model) writable(cluster string) (*actions.Service, tea.Cmd) {
	svc := m.actionsFor(cluster)
	if why := m.blocked(cluster, svc); why != "" {
		return nil, m.setStatus(why, true)
	}
	return svc, nil
}

// blocked says why svc, cluster's service, takes no write ("" when it
// does): the service's own read-only rail first.
func (m *Model) blocked(cluster string, svc *actions.Service) string {
	switch {
	case svc != nil && svc.Writable() != nil:
		return svc.Writable().Error()
	case m.opts.ReadOnly:
		return "read-only session (viewer): silences and acks are refused"
	case svc == nil:
		return "no writes in " + m.clusterOf(cluster).Name + ": it has no Alertmanager"
	}
	return ""
}

// liveOf is a cluster's alerts as last fetched (nil before its first
// snapshot: the service then reads them itself when its guard needs them).
func (m *Model) liveOf(cluster string) []*alerts.Alert {
	if s := m.snaps[m.clusterOf(cluster).Name]; s != nil && s.AMAlerts != nil {
		return s.Alerts
	}
	return nil
}

// judge previews a write to a cluster: its guard against its last
// snapshot, pure and cheap (the silence dialog calls it as you type).
func (m *Model) judge(cluster string, r guard.Request) dialog.Preview {
	c := m.clusterOf(cluster)
	p := dialog.Preview{Cluster: c.Name, Blocked: m.blocked(c.Name, c.Actions)}
	var policy *guard.Policy
	if c.Actions != nil {
		policy = c.Actions.Guard
	}
	p.Verdict = policy.Check(r, m.liveOf(c.Name))
	return p
}

// write runs one write as a command with a timeout; f's message comes
// back as the actionDoneMsg of what.
func (m *Model) write(what, target string, f func(ctx context.Context) actionDoneMsg) tea.Cmd {
	return m.tracked(what, target, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		msg := f(ctx)
		msg.what = what
		return msg
	})
}

// confirmFirst opens the second confirmation of the guard's findings that
// are not confirmed yet (true), whose yes is again with their rules.
func (m *Model) confirmFirst(title string, ps []dialog.Preview, confirmed []string, again func([]string) kit.Action) bool {
	multi := len(ps) > 1
	lines, rules := dialog.Findings(ps, confirmed, multi)
	if len(rules) == 0 {
		return false
	}
	var body []string
	for _, p := range ps {
		if p.Verdict.Matched != nil {
			in := ""
			if multi {
				in = p.Cluster + ": "
			}
			body = append(body, fmt.Sprintf("%smatches %d of %d firing alerts", in, len(p.Verdict.Matched), p.Verdict.Firing))
		}
	}
	body = append(body, "The guard asks for a confirmation:")
	for _, l := range lines {
		body = append(body, "  • "+l)
	}
	body = append(body, "", "Write it all the same?")
	m.overlays.push(&dialog.Confirm{Title: title, Body: strings.Join(body, "\n"), OnYes: again(append(slices.Clone(confirmed), rules...)), Explicit: true}, m.now())
	return true
}

// closeWriteDialogs closes the silence dialog and the confirmations above
// it once a write goes ahead.
func (m *Model) closeWriteDialogs() {
	for {
		switch m.overlays.top().(type) {
		case *dialog.Silence, *dialog.Confirm:
			m.overlays.pop()
		default:
			return
		}
	}
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
	home := m.clusterOf(a.Cluster).Name
	ms := alerts.MatchersFor(a, m.deps.Config.Alerts.SilenceLabels)
	d := dialog.NewSilence(ms, m.deps.Config.Alerts.SilenceDuration.D(), m.merged)
	if m.multi() {
		d.WithClusters(home, m.watched)
	}
	d.WithGuard(home, m.judge)
	m.silenceHome = home
	m.overlays.push(d, m.now())
	return nil
}

// createSilence judges the silence in each target cluster against its own
// live alerts and guard, asks the confirmations they need, then writes it
// once in each.
func (m *Model) createSilence(a dialog.CreateSilence) tea.Cmd {
	targets := a.Clusters
	if len(targets) == 0 {
		targets = []string{m.silenceHome}
	}
	req := guard.Request{Kind: guard.KindSilence, Matchers: a.Matchers, Duration: a.Duration, Comment: a.Comment}
	ps := make([]dialog.Preview, 0, len(targets))
	for _, c := range targets {
		ps = append(ps, m.judge(c, req))
	}
	if why := dialog.Stop(ps, len(targets) > 1); why != "" {
		if _, ok := m.overlays.top().(*dialog.Confirm); ok {
			m.overlays.pop() // back to the silence dialog, which shows why
		}
		return m.setStatus("not silenced: "+why, true)
	}
	title := "Silence anyway?"
	if m.multi() {
		title = "Silence in " + strings.Join(targets, ", ") + " anyway?"
	}
	if m.confirmFirst(title, ps, a.Confirmed, func(rules []string) kit.Action { b := a; b.Confirmed = rules; return b }) {
		return nil
	}
	m.closeWriteDialogs()
	cmds := []tea.Cmd{m.setStatus("creating silence…", false)}
	for _, c := range targets {
		svc := m.actionsFor(c)
		what := "silenced"
		if m.multi() {
			what += " in " + c
		}
		live := m.liveOf(c)
		cmds = append(cmds, m.write(what, a.Matchers.String(), func(ctx context.Context) actionDoneMsg {
			res, err := svc.CreateSilence(ctx, actions.SilenceRequest{Matchers: a.Matchers, Duration: a.Duration, Comment: a.Comment},
				actions.Options{Live: live, Confirmed: a.Confirmed})
			return actionDoneMsg{id: res.SilenceID, err: err, ask: "Silence in " + c + " anyway?", again: func(rules []string) kit.Action {
				b := a
				b.Clusters, b.Confirmed = []string{c}, append(slices.Clone(a.Confirmed), rules...)
				return b
			}}
		}))
	}
	return tea.Batch(cmds...)
}

// actionAck is an ack the guard asked to confirm.
type actionAck struct {
	cluster, name string
	matchers      labels.Matchers
	dur           time.Duration
	confirmed     []string
}

func (m *Model) ack() tea.Cmd {
	a := m.alertsPane.Selected()
	cluster := ""
	if a != nil {
		cluster = a.Cluster
	}
	if _, refused := m.writable(cluster); refused != nil {
		return refused
	}
	if a == nil {
		return m.setStatus("select an alert to ack", true)
	}
	if a.Ack != nil {
		return m.setStatus(fmt.Sprintf("%s is already acked by %s", a.Name(), a.Ack.By), false)
	}
	return m.doAck(actionAck{cluster: a.Cluster, name: a.Name(), matchers: alerts.MatchersFor(a, m.deps.Config.Alerts.AckLabels), dur: m.deps.Config.Alerts.AckDuration.D()})
}

// doAck runs an ack through the same guard as a silence (judged as an
// ack), asking the confirmations it needs first.
func (m *Model) doAck(a actionAck) tea.Cmd {
	svc, refused := m.writable(a.cluster)
	if refused != nil {
		return refused
	}
	p := m.judge(a.cluster, guard.Request{Kind: guard.KindAck, Matchers: a.matchers, Duration: a.dur, Comment: alerts.AckComment(svc.User, "")})
	if why := dialog.Stop([]dialog.Preview{p}, false); why != "" {
		return m.setStatus("not acked "+a.name+": "+why, true)
	}
	again := func(rules []string) kit.Action { b := a; b.confirmed = rules; return b }
	if m.confirmFirst("Ack "+sanitize.Text(a.name)+" anyway?", []dialog.Preview{p}, a.confirmed, again) {
		return nil
	}
	live := m.liveOf(a.cluster)
	return tea.Batch(m.setStatus("acking "+a.name+"…", false), m.write("acked "+a.name, a.matchers.String(), func(ctx context.Context) actionDoneMsg {
		res, err := svc.Acknowledge(ctx, actions.AckRequest{Matchers: a.matchers, Duration: a.dur}, actions.Options{Live: live, Confirmed: a.confirmed})
		return actionDoneMsg{id: res.SilenceID, err: err, ask: "Ack " + sanitize.Text(a.name) + " anyway?", again: func(rules []string) kit.Action {
			b := a
			b.confirmed = append(slices.Clone(a.confirmed), rules...)
			return b
		}}
	}))
}

// doAction turns a dialog's action into commands. Writes run as commands
// with a timeout; their results come back as actionDoneMsg.
func (m *Model) doAction(a kit.Action) tea.Cmd {
	switch a := a.(type) {
	case nil:
		return nil
	case kit.ActionClose:
		m.overlays.pop()
	case dialog.CreateSilence:
		return m.createSilence(a)
	case actionAck:
		m.overlays.pop()
		return m.doAck(a)
	case actionExpire:
		m.overlays.pop()
		return m.expire(a)
	case actionExtend:
		m.overlays.pop()
		return m.extend(a)
	case actionUndo:
		m.overlays.pop()
		return m.restore(a)
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
