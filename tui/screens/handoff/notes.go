package handoff

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/journal"
	"oncall/internal/sanitize"
	"oncall/tui/dialog"
	"oncall/tui/kit"
)

// lookback is how far back the alert detail looks for notes.
const lookback = 7 * 24 * time.Hour

// journalTimeout bounds one journal read or write.
const journalTimeout = 5 * time.Second

// noteScreen is what the note key opens: it pushes the note dialog for the
// selected alert (or the shift) and goes back at once, so the dialog sits
// over what was shown. It also journals notes (its dialog's actions) and
// shows an alert's notes in the detail pane.
type noteScreen struct {
	opts Options
	seq  int
	// byFP holds the notes per alert fingerprint, newest last.
	byFP map[string][]journal.Note
}

// savedMsg reports a journaled note, edit or strike.
type savedMsg struct {
	what string
	err  error
}

func (savedMsg) Screen() string { return NoteName }

// notesLoadedMsg carries the notes read for the detail pane.
type notesLoadedMsg struct {
	seq   int
	notes []journal.Note
}

func (notesLoadedMsg) Screen() string { return NoteName }

// Open implements kit.Screen: the dialog goes over the view it was asked
// from.
func (s *noteScreen) Open(h kit.Host, a *alerts.Alert) tea.Cmd {
	h.Back()
	if why := refuseNotes(h, s.opts); why != "" {
		return h.Status(why, true)
	}
	h.PushDialog(dialog.NewNote(a))
	return nil
}

// HandleKey implements kit.Screen (never shown: Open goes back).
func (s *noteScreen) HandleKey(kit.Host, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }

// View implements kit.Screen (never shown: Open goes back).
func (s *noteScreen) View(w, h int, st *kit.Styles, now time.Time) string { return "" }

// Capturing implements kit.Screen.
func (s *noteScreen) Capturing() bool { return false }

// Refresh implements kit.Refresher: re-read the notes for the detail pane.
func (s *noteScreen) Refresh(h kit.Host) tea.Cmd {
	j := journalOf(h, s.opts)
	if j == nil {
		return nil
	}
	s.seq++
	seq, since := s.seq, h.Now().Add(-lookback)
	return func() tea.Msg {
		res, err := j.Read(since)
		if err != nil {
			return nil
		}
		return notesLoadedMsg{seq: seq, notes: journal.FoldNotes(res.Entries)}
	}
}

// Update implements kit.Screen.
func (s *noteScreen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
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
		h.DetailChanged()
	case savedMsg:
		if msg.err != nil {
			return h.Status(msg.what+" failed: "+msg.err.Error(), true)
		}
		return tea.Batch(h.Status(msg.what, false), s.Refresh(h), func() tea.Msg { return reloadMsg{} })
	}
	return nil
}

// HandleAction implements kit.ActionHandler: journal a note or an edit.
func (s *noteScreen) HandleAction(h kit.Host, a kit.Action) (tea.Cmd, bool) {
	j := journalOf(h, s.opts)
	user, ctx := whoAmI(h)
	now := h.Now()
	switch a := a.(type) {
	case dialog.AddNote:
		e, err := journal.NoteEntry(journal.NoteInput{User: user, Context: ctx, Text: a.Text, Alert: a.Alert, Fingerprint: a.Fingerprint, FollowUp: a.FollowUp, Time: now})
		what := "note saved"
		if a.Alert != "" {
			what = "note saved on " + a.Alert
		}
		return h.Track(what, e.Target, appendCmd(j, e, err, what)), true
	case dialog.EditNote:
		e, err := journal.NoteEditEntry(user, ctx, a.ID, a.Text, a.FollowUp, now)
		return h.Track("note edited", a.ID, appendCmd(j, e, err, "note edited")), true
	}
	return nil, false
}

// DetailLines implements kit.DetailExtender: the alert's notes.
func (s *noteScreen) DetailLines(a *alerts.Alert, st *kit.Styles, now time.Time) []string {
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

// appendCmd journals e (unless err) and reports it as a savedMsg.
func appendCmd(j *journal.Journal, e journal.Entry, err error, what string) tea.Cmd {
	return func() tea.Msg {
		if err != nil {
			return savedMsg{what: what, err: err}
		}
		if j == nil {
			return savedMsg{what: what, err: fmt.Errorf("no journal configured")}
		}
		ctx, cancel := context.WithTimeout(context.Background(), journalTimeout)
		defer cancel()
		return savedMsg{what: what, err: j.AppendContext(ctx, e)}
	}
}

// journalOf is the session's journal: the action service's (which the
// demo points elsewhere), else the configured one.
func journalOf(h kit.Host, o Options) *journal.Journal {
	if svc := h.Session().Actions; svc != nil && svc.Journal != nil {
		return svc.Journal
	}
	if o.JournalPath != "" {
		return &journal.Journal{Path: o.JournalPath, Retention: h.Config().Journal.Retention.D()}
	}
	return nil
}

// whoAmI is the session's user and context.
func whoAmI(h kit.Host) (user, context string) {
	s := h.Session()
	return s.User, s.Context
}
