package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/journal"
	"oncall/internal/sanitize"
	"oncall/tui/dialog"
)

// NoteScreenName is the name of the note screen (the "note" key action).
const NoteScreenName = "note"

// noteLookback is how far back the alert detail looks for notes.
const noteLookback = 7 * 24 * time.Hour

// journalTimeout bounds one journal read or write.
const journalTimeout = 5 * time.Second

// noteScreen is what the note key opens: it pushes the note dialog for the
// selected alert (or the shift) and goes back to the alert list at once. It
// also journals notes (its dialog's actions) and shows an alert's notes in
// the detail pane.
type noteScreen struct {
	opts HandoffOptions
	seq  int
	// byFP holds the notes per alert fingerprint, newest last.
	byFP map[string][]journal.Note
}

// noteSavedMsg reports a journaled note, edit or strike.
type noteSavedMsg struct {
	what string
	err  error
}

func (noteSavedMsg) Screen() string { return NoteScreenName }

// notesLoadedMsg carries the notes read for the detail pane.
type notesLoadedMsg struct {
	seq   int
	notes []journal.Note
}

func (notesLoadedMsg) Screen() string { return NoteScreenName }

// NoteScreenSpec registers the note dialog on the "note" key (n).
func NoteScreenSpec(o HandoffOptions) ScreenSpec {
	return ScreenSpec{Name: NoteScreenName, Key: "note", Factory: func(m *Model) Screen {
		s := &noteScreen{opts: o}
		m.AddDetailExtra(s.detailLines)
		return s
	}}
}

// Title implements Screen.
func (s *noteScreen) Title() string { return "Note" }

// Open implements Screen: the dialog goes over the view it was asked from.
func (s *noteScreen) Open(m *Model, a *alerts.Alert) tea.Cmd {
	m.Back()
	if m.opts.ReadOnly {
		return m.setStatus("read-only session (viewer): notes are refused", true)
	}
	if noteJournal(m, s.opts) == nil {
		return m.setStatus("no journal configured: notes cannot be saved", true)
	}
	m.PushDialog(dialog.NewNote(a))
	return nil
}

// HandleKey implements Screen.
func (s *noteScreen) HandleKey(*Model, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }

// View implements Screen (never shown: Open returns to the alert list).
func (s *noteScreen) View(w, h int, st *Styles, now time.Time) string { return "" }

// Capturing implements Screen.
func (s *noteScreen) Capturing() bool { return false }

// Refresh implements Refresher: re-read the notes for the detail pane.
func (s *noteScreen) Refresh(m *Model) tea.Cmd {
	j := noteJournal(m, s.opts)
	if j == nil {
		return nil
	}
	s.seq++
	seq, since := s.seq, m.now().Add(-noteLookback)
	return func() tea.Msg {
		res, err := j.Read(since)
		if err != nil {
			return nil
		}
		return notesLoadedMsg{seq: seq, notes: journal.FoldNotes(res.Entries)}
	}
}

// Update implements Screen.
func (s *noteScreen) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case notesLoadedMsg:
		if msg.seq != s.seq {
			return nil
		}
		s.byFP = map[string][]journal.Note{}
		for _, n := range msg.notes {
			if n.Fingerprint != "" {
				s.byFP[n.Fingerprint] = append(s.byFP[n.Fingerprint], n)
			}
		}
		m.syncDetail()
	case noteSavedMsg:
		if msg.err != nil {
			return m.setStatus(msg.what+" failed: "+msg.err.Error(), true)
		}
		return tea.Batch(m.setStatus(msg.what, false), s.Refresh(m), func() tea.Msg { return handoffReloadMsg{} })
	}
	return nil
}

// HandleAction implements ActionHandler: journal a note or an edit.
func (s *noteScreen) HandleAction(m *Model, a Action) (tea.Cmd, bool) {
	j := noteJournal(m, s.opts)
	user, ctx := whoAmI(m)
	now := m.now()
	switch a := a.(type) {
	case dialog.AddNote:
		e, err := journal.NoteEntry(journal.NoteInput{User: user, Context: ctx, Text: a.Text, Alert: a.Alert, Fingerprint: a.Fingerprint, FollowUp: a.FollowUp, Time: now})
		what := "note saved"
		if a.Alert != "" {
			what = "note saved on " + a.Alert
		}
		return m.tracked(what, e.Target, appendCmd(j, e, err, what)), true
	case dialog.EditNote:
		e, err := journal.NoteEditEntry(user, ctx, a.ID, a.Text, a.FollowUp, now)
		return m.tracked("note edited", a.ID, appendCmd(j, e, err, "note edited")), true
	}
	return nil, false
}

// appendCmd journals e (unless err) and reports it as a noteSavedMsg.
func appendCmd(j *journal.Journal, e journal.Entry, err error, what string) tea.Cmd {
	return func() tea.Msg {
		if err != nil {
			return noteSavedMsg{what: what, err: err}
		}
		if j == nil {
			return noteSavedMsg{what: what, err: fmt.Errorf("no journal configured")}
		}
		ctx, cancel := context.WithTimeout(context.Background(), journalTimeout)
		defer cancel()
		return noteSavedMsg{what: what, err: j.AppendContext(ctx, e)}
	}
}

// detailLines shows the alert's notes in the detail pane.
func (s *noteScreen) detailLines(a *alerts.Alert, st *Styles, now time.Time) []string {
	notes := s.byFP[a.Fingerprint]
	if len(notes) == 0 {
		return nil
	}
	out := []string{st.Header.Render(fmt.Sprintf("Notes (%d)", len(notes)))}
	for _, n := range notes {
		head := st.Muted.Render(fmt.Sprintf("%s %s: ", n.Created.Local().Format("Jan 2 15:04"), sanitize.Text(n.User)))
		text := sanitize.Text(n.Text)
		switch {
		case n.Struck:
			text = st.Subtle.Strikethrough(true).Render(text)
		case n.FollowUp:
			text = st.Accent.Render("follow-up: ") + text
		}
		out = append(out, head+text)
	}
	return out
}

// noteJournal is the session's journal: the action service's (which the
// demo points elsewhere), else the configured one.
func noteJournal(m *Model, o HandoffOptions) *journal.Journal {
	if svc := m.deps.Actions; svc != nil && svc.Journal != nil {
		return svc.Journal
	}
	if o.JournalPath != "" {
		return &journal.Journal{Path: o.JournalPath, Retention: m.deps.Config.Journal.Retention.D()}
	}
	return nil
}

// whoAmI is the session's user and context.
func whoAmI(m *Model) (user, context string) {
	user = m.deps.Config.Identity.User
	if svc := m.deps.Actions; svc != nil && svc.User != "" {
		user = svc.User
	}
	return user, m.deps.Config.CurrentContext
}
