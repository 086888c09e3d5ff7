package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/guard"
	"oncall/internal/sanitize"
	"oncall/tui/dialog"
	"oncall/tui/kit"
)

// undoWindow is how long u restores a silence just expired.
const undoWindow = 8 * time.Second

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

// actionExpire expires a silence as it was loaded (updatedAt), with the
// rules already confirmed (the author's, for someone else's silence).
type actionExpire struct {
	id, cluster string
	updatedAt   time.Time
	confirmed   []string
}

// actionExtend extends a silence as it was loaded.
type actionExtend struct {
	id, cluster string
	updatedAt   time.Time
	dur         time.Duration
	confirmed   []string
}

// actionUndo restores a silence just expired.
type actionUndo struct {
	u         *undoable
	confirmed []string
}

// undoable is the silence u restores: as it was before it expired.
type undoable struct {
	prev    *alerts.Silence
	cluster string
	gen     int
}

// undoExpiredMsg ends the undo window gen opened.
type undoExpiredMsg struct{ gen int }

// confirmExpire asks before expiring; someone else's silence needs an
// explicit y, and the dialog names who created it.
func (m *Model) confirmExpire() tea.Cmd {
	s, svc, refused := m.selectedSilence("expire")
	if refused != nil {
		return refused
	}
	where := ""
	if m.multi() {
		where = " in " + s.Cluster
	}
	act := actionExpire{id: s.ID, cluster: s.Cluster, updatedAt: s.UpdatedAt}
	d := &dialog.Confirm{Title: "Expire silence" + where + "?", Body: fmt.Sprintf("%s by %s\n%s", s.ID, s.CreatedBy, s.Comment), OnYes: act}
	if s.CreatedBy != svc.User {
		by := sanitize.Text(s.CreatedBy)
		act.confirmed = []string{guard.RuleAuthor}
		d.Title = "Expire a silence created by " + kit.Cut(by, 40) + where + "?"
		d.Body = fmt.Sprintf("Created by %s, not by you.\n%s\n%s\n\nExpire it all the same?", s.CreatedBy, s.ID, s.Comment)
		d.OnYes, d.Explicit = act, true
	}
	m.overlays.push(d, m.now())
	return nil
}

func (m *Model) expire(a actionExpire) tea.Cmd {
	svc, refused := m.writable(a.cluster)
	if refused != nil {
		return refused
	}
	return m.write("expired", a.id, func(ctx context.Context) actionDoneMsg {
		res, err := svc.ExpireSilence(ctx, actions.SilenceRef{ID: a.id, UpdatedAt: a.updatedAt}, actions.Options{Confirmed: a.confirmed})
		msg := actionDoneMsg{id: a.id, err: err, cluster: a.cluster, ask: "Expire it anyway?", again: func(rules []string) kit.Action {
			b := a
			b.confirmed = append(slices.Clone(a.confirmed), rules...)
			return b
		}}
		if written(err) {
			msg.expired = res.Previous
		}
		return msg
	})
}

func (m *Model) promptExtend() tea.Cmd {
	s, _, refused := m.selectedSilence("extend")
	if refused != nil {
		return refused
	}
	id, cluster, updated := s.ID, s.Cluster, s.UpdatedAt
	m.overlays.push(dialog.NewPrompt("Extend silence "+kit.ShortID(id), "by: ", "1h", "enter extends from its current end · esc cancels", func(v string) (kit.Action, error) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("use a duration such as 30m or 2h")
		}
		return actionExtend{id: id, cluster: cluster, updatedAt: updated, dur: d}, nil
	}), m.now())
	return nil
}

func (m *Model) extend(a actionExtend) tea.Cmd {
	svc, refused := m.writable(a.cluster)
	if refused != nil {
		return refused
	}
	return m.write("extended", a.id, func(ctx context.Context) actionDoneMsg {
		res, err := svc.ExtendSilence(ctx, actions.SilenceRef{ID: a.id, UpdatedAt: a.updatedAt}, a.dur, actions.Options{Confirmed: a.confirmed})
		return actionDoneMsg{id: res.SilenceID, err: err, ask: "Extend it anyway?", again: func(rules []string) kit.Action {
			b := a
			b.confirmed = append(slices.Clone(a.confirmed), rules...)
			return b
		}}
	})
}

// offerUndo opens the undo window of a silence just expired: u restores
// it, and the status bar says so, until the window closes.
func (m *Model) offerUndo(msg actionDoneMsg) tea.Cmd {
	if msg.expired == nil {
		return nil
	}
	m.undoGen++
	gen := m.undoGen
	m.undo = &undoable{prev: msg.expired, cluster: msg.cluster, gen: gen}
	return tea.Tick(undoWindow, func(time.Time) tea.Msg { return undoExpiredMsg{gen: gen} })
}

// undoKey restores the silence of the open undo window.
func (m *Model) undoKey() tea.Cmd {
	u := m.undo
	m.undo = nil
	return m.restore(actionUndo{u: u})
}

// restore re-creates an expired silence: same matchers, comment and end,
// under a new ID.
func (m *Model) restore(a actionUndo) tea.Cmd {
	svc, refused := m.writable(a.u.cluster)
	if refused != nil {
		return refused
	}
	prev, live := a.u.prev, m.liveOf(a.u.cluster)
	return m.write("restored", prev.ID, func(ctx context.Context) actionDoneMsg {
		res, err := svc.Undo(ctx, prev, actions.Options{Live: live, Confirmed: a.confirmed})
		return actionDoneMsg{id: res.SilenceID, err: err, ask: "Restore it anyway?",
			done: fmt.Sprintf("silence %s restored with a new id: %s", kit.ShortID(prev.ID), res.SilenceID),
			again: func(rules []string) kit.Action {
				return actionUndo{u: a.u, confirmed: append(slices.Clone(a.confirmed), rules...)}
			}}
	})
}

// written reports a write that reached Alertmanager: no error, or only
// the journal failed after it.
func written(err error) bool {
	var je *actions.JournalError
	return err == nil || errors.As(err, &je) && je.Done != ""
}

// actionDone shows how a write ended: done (and for an expire, u to undo
// it), done but not journaled, stopped by a rail, or failed.
func (m *Model) actionDone(msg actionDoneMsg) tea.Cmd {
	text := msg.done
	if text == "" {
		text = msg.what
		if msg.id != "" {
			text += " · silence " + msg.id
		}
	}
	var (
		je *actions.JournalError
		ce *actions.ConfirmError
		co *actions.ConflictError
		ro *actions.ReadOnlyError
		re *actions.RefusedError
	)
	switch {
	case msg.err == nil:
		return tea.Batch(m.setStatus(text, false), m.offerUndo(msg), m.refreshNow())
	case errors.As(msg.err, &je) && je.Done != "":
		return tea.Batch(m.setStatus(text+" — done, but not journaled: "+je.Err.Error(), true), m.offerUndo(msg), m.refreshNow())
	case errors.As(msg.err, &ce) && msg.again != nil:
		m.confirmFirst(msg.ask, []dialog.Preview{{Verdict: guard.Verdict{Findings: ce.Findings, Matched: ce.Verdict.Matched, Firing: ce.Verdict.Firing}}}, nil, msg.again)
		return nil
	case errors.As(msg.err, &co):
		m.overlays.push(&dialog.Notice{Title: "The silence changed since it was loaded", Body: conflictBody(co)}, m.now())
		return tea.Batch(m.setStatus("not "+msg.what+": the silence changed since it was loaded; nothing written", true), m.refreshNow())
	case errors.As(msg.err, &ro), errors.As(msg.err, &re), errors.As(msg.err, &ce):
		return m.setStatus("not "+msg.what+" (journaled): "+msg.err.Error(), true)
	}
	return m.setStatus(msg.what+" failed (journaled): "+msg.err.Error(), true)
}

// conflictBody is the silence as Alertmanager now holds it.
func conflictBody(co *actions.ConflictError) string {
	c := co.Current
	lines := []string{
		"Nothing was written: " + co.ID + " changed after it was loaded.",
		"",
		fmt.Sprintf("now:        %s until %s", c.State, c.EndsAt.Local().Format("2006-01-02 15:04:05")),
		"created by: " + c.CreatedBy,
		"updated:    " + c.UpdatedAt.Local().Format("2006-01-02 15:04:05"),
		"comment:    " + c.Comment,
		"matchers:   " + strings.Join(c.Matchers, ", "),
		"",
		"The list shows it as it is now: look again, then act.",
	}
	return strings.Join(lines, "\n")
}
