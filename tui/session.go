package tui

import (
	"errors"

	tea "charm.land/bubbletea/v2"
)

// ActionEvent reports a write (silence, ack, expire, extend, ack keep-alive)
// that the session starts or finishes. `oncall serve` logs them and, when it
// shuts down, waits for the ones still running.
type ActionEvent struct {
	// What names the action as the status bar does: "silenced", "acked
	// APIDown", "expired", "extended", "ack keep-alive".
	What string
	// Target is the matchers or the silence ID the action is about.
	Target string
	// Done is false when the action starts and true when it has finished.
	Done bool
	// ID is the silence the action created or changed (Done only).
	ID string
	// Err is the action's error (Done only).
	Err error
}

// tracked wraps a write command so Options.OnAction hears when it starts
// and when it ends. Without a hook the command is returned unchanged.
func (m *Model) tracked(what, target string, run func() tea.Msg) tea.Cmd {
	hook := m.opts.OnAction
	if hook == nil {
		return run
	}
	return func() tea.Msg {
		hook(ActionEvent{What: what, Target: target})
		msg := run()
		ev := ActionEvent{What: what, Target: target, Done: true}
		switch r := msg.(type) {
		case actionDoneMsg:
			ev.ID, ev.Err = r.id, r.err
		case keepAliveDoneMsg:
			ev.Err = errors.Join(r.errs...)
			if len(r.done) > 0 {
				ev.ID = r.done[0].SilenceID
			}
		}
		hook(ev)
		return msg
	}
}
