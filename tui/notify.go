package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/internal/watch"
)

// Notification modes of [alerts] notify.
const (
	NotifyOff  = ""
	NotifyBell = "bell"
	NotifyOSC9 = "osc9"
)

// notifier rings the terminal bell, or sends an OSC 9 desktop notification,
// when a critical alert starts firing that the session has not seen firing
// before. The first complete load only records what is already firing: an
// operator who opens oncall in the middle of an incident is not beeped at.
type notifier struct {
	seen    map[string]bool // fingerprints seen firing critical
	armed   bool            // the first complete load has been recorded
	pending []string        // names of the alerts to announce
}

// observe records the critical alerts firing now. loaded reports that every
// configured alert source has answered at least once; until then nothing is
// announced.
func (n *notifier) observe(mode string, as []*alerts.Alert, loaded bool) {
	if mode == NotifyOff {
		return
	}
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	for _, a := range as {
		if a.State != alerts.StateFiring || a.Severity() != "critical" || n.seen[a.Key()] {
			continue
		}
		n.seen[a.Key()] = true
		if n.armed {
			n.pending = append(n.pending, a.Name())
		}
	}
	if loaded {
		n.armed = true
	}
}

// take returns the command that announces what observe found (nil: nothing).
func (n *notifier) take(mode string) tea.Cmd {
	if len(n.pending) == 0 {
		return nil
	}
	names := n.pending
	n.pending = nil
	return tea.Raw(notification(mode, names))
}

// notification is the raw sequence for a mode: BEL, or OSC 9 with a short,
// sanitized text (alert names come from servers and must not smuggle escape
// sequences into the terminal).
func notification(mode string, names []string) string {
	if mode != NotifyOSC9 {
		return string(rune(ansi.BEL))
	}
	text := "oncall: critical firing: " + strings.Join(names, ", ")
	text = strings.Map(func(r rune) rune {
		if r == ';' {
			return ','
		}
		return r
	}, sanitize.Truncate(text, 120))
	return ansi.Notify(text)
}

// observeNotify is called after every merge with the snapshots that
// changed: only their alerts can be new.
func (m *Model) observeNotify(changed []*watch.Snapshot) {
	for _, s := range changed {
		m.notify.observe(m.deps.Config.Alerts.Notify, s.Alerts, false)
	}
	m.notify.observe(m.deps.Config.Alerts.Notify, nil, m.alertSourcesLoaded())
}

// takeNotify returns the pending notification command, if any.
func (m *Model) takeNotify() tea.Cmd { return m.notify.take(m.deps.Config.Alerts.Notify) }
