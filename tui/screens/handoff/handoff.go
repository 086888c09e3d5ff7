// Package handoff is the handoff screen (H: the shift's summary rendered
// with glamour, its notes with edit and strike, and the exports: clipboard,
// file, webhook) and the note screen (n: a note about the selected alert or
// the shift, journaled, and shown in the alert's detail).
package handoff

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/handoff"
	"oncall/internal/journal"
	"oncall/tui/dialog"
	"oncall/tui/kit"
)

// stale is how old the handoff may get before a tick reloads it while it
// is shown.
const stale = time.Minute

// Options configure the handoff screen and the note screen.
type Options struct {
	// Webhook is the Slack-compatible webhook the handoff can be posted to
	// ("" disables posting). It is a secret and never shown.
	Webhook string
	// JournalPath is the journal used when the session has no action
	// service (otherwise the service's journal is used).
	JournalPath string
	// Since is the window, as for `oncall handoff --since` ("": the shift).
	Since string
}

// screen previews the handoff (rendered with glamour), lists the notes
// with edit and strike, and exports: clipboard (OSC 52), file, webhook.
type screen struct {
	opts Options
	keys *kit.Keymap

	seq     int // latest collect request
	loading bool
	err     string
	loaded  time.Time
	sum     *handoff.Summary
	md      string // exported (copy, file)
	preview string // rendered on the screen (handoff.PreviewMarkdown)

	rseq      int // latest render request
	rendered  []string
	rwidth    int
	rdark     bool
	renderErr string

	notes      []handoff.Note
	cursor     int
	focusNotes bool
	offset     int
	height     int // preview height at the last View
}

// Open implements kit.Screen: collect the handoff (always fresh).
func (s *screen) Open(h kit.Host, _ *alerts.Alert) tea.Cmd {
	s.offset = 0
	return s.load(h)
}

// Capturing implements kit.Screen: text is typed in dialogs only.
func (s *screen) Capturing() bool { return false }

// Refresh implements kit.Refresher: reload a stale handoff while it is
// shown, and re-render after a resize or a background change.
func (s *screen) Refresh(h kit.Host) tea.Cmd {
	if !h.Visible(Name) {
		return nil
	}
	if !s.loading && h.Now().Sub(s.loaded) > stale {
		return s.load(h)
	}
	return s.rerender(h)
}

// Resize implements kit.Resizer: render the preview again at the new width.
func (s *screen) Resize(h kit.Host, _, _ int) tea.Cmd { return s.rerender(h) }

// Update implements kit.Screen.
func (s *screen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		if msg.seq != s.seq {
			return nil // a newer load is in flight
		}
		s.loading, s.loaded = false, h.Now()
		if msg.err != nil {
			s.err = msg.err.Error()
			return nil
		}
		s.err, s.sum, s.md, s.preview = "", msg.sum, msg.md, msg.preview
		s.setNotes(msg.sum)
		s.rwidth = 0 // force a render
		return s.rerender(h)
	case renderedMsg:
		if msg.seq != s.rseq {
			return nil
		}
		s.renderErr = ""
		old := len(s.rendered)
		if msg.err != nil {
			s.renderErr = msg.err.Error()
			s.rendered = strings.Split(s.preview, "\n")
		} else {
			s.rendered = msg.lines
		}
		if old > 0 { // keep the place after a resize
			s.offset = s.offset * len(s.rendered) / old
		}
		s.rwidth, s.rdark = msg.width, msg.dark
		s.clamp()
	case exportedMsg:
		if msg.err != nil {
			return h.Status(msg.what+" failed: "+msg.err.Error(), true)
		}
		return h.Status(msg.what, false)
	case reloadMsg:
		if s.seq > 0 {
			return s.load(h)
		}
	}
	return nil
}

// setNotes lists the shift's notes and the open follow-ups, oldest first.
func (s *screen) setNotes(sum *handoff.Summary) {
	var cur string
	if s.cursor < len(s.notes) {
		cur = s.notes[s.cursor].ID
	}
	seen := map[string]bool{}
	s.notes = s.notes[:0]
	for _, list := range [][]handoff.Note{sum.Notes, sum.FollowUps} {
		for _, n := range list {
			if !seen[n.ID] {
				seen[n.ID] = true
				s.notes = append(s.notes, n)
			}
		}
	}
	sort.SliceStable(s.notes, func(i, j int) bool { return s.notes[i].At.Before(s.notes[j].At) })
	s.cursor = 0
	for i, n := range s.notes {
		if n.ID == cur {
			s.cursor = i
		}
	}
	if len(s.notes) == 0 {
		s.focusNotes = false
	}
}

// HandleKey implements kit.Screen. Every key it uses also re-renders the
// preview if the terminal was resized since.
func (s *screen) HandleKey(h kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := s.keys
	var cmd tea.Cmd
	switch {
	case k.Is(msg, actNote):
		cmd = s.newNote(h)
	case k.Is(msg, actCopy):
		cmd = s.copy(h)
	case k.Is(msg, actWrite):
		cmd = s.promptWrite(h)
	case k.Is(msg, actPost):
		cmd = s.confirmPost(h)
	case k.Is(msg, kit.Refresh):
		cmd = tea.Batch(s.load(h), func() tea.Msg { return kit.RefreshMsg{} })
	case k.Is(msg, kit.Tab):
		if len(s.notes) > 0 {
			s.focusNotes = !s.focusNotes
		}
	case k.Is(msg, actEdit):
		cmd = s.editNote(h)
	case k.Is(msg, actStrike):
		cmd = s.strikeNote(h)
	case s.move(msg):
	default:
		return false, nil
	}
	return true, tea.Batch(s.rerender(h), cmd)
}

// move scrolls the preview or moves the note cursor; false when msg is no
// movement key.
func (s *screen) move(msg tea.KeyPressMsg) bool {
	k := s.keys
	if s.focusNotes {
		switch {
		case k.Is(msg, kit.Up):
			s.cursor--
		case k.Is(msg, kit.Down):
			s.cursor++
		case k.Is(msg, kit.Top):
			s.cursor = 0
		case k.Is(msg, kit.Bottom):
			s.cursor = len(s.notes) - 1
		case k.Is(msg, kit.PageUp), k.Is(msg, kit.PageDown):
		default:
			return false
		}
		s.cursor = max(0, min(s.cursor, len(s.notes)-1))
		return true
	}
	off, ok := kit.Scroll(k, msg, s.offset, len(s.rendered), s.height)
	s.offset = off
	return ok
}

func (s *screen) clamp() {
	s.offset = kit.ClampOffset(s.offset, len(s.rendered), s.height)
}

func (s *screen) selectedNote() *handoff.Note {
	if !s.focusNotes || s.cursor < 0 || s.cursor >= len(s.notes) {
		return nil
	}
	return &s.notes[s.cursor]
}

// refuseNotes says why the session cannot write notes ("" when it can).
func refuseNotes(h kit.Host, o Options) string {
	switch {
	case readOnly(h) != "":
		return readOnly(h)
	case journalOf(h, o) == nil:
		return "no journal configured: notes cannot be saved"
	}
	return ""
}

func (s *screen) newNote(h kit.Host) tea.Cmd {
	if why := refuseNotes(h, s.opts); why != "" {
		return h.Status(why, true)
	}
	h.PushDialog(dialog.NewNote(nil))
	return nil
}

// noteToChange is the selected note, for an edit or a strike (verb), or
// the status that says why there is none to change.
func (s *screen) noteToChange(h kit.Host, verb string) (*handoff.Note, tea.Cmd) {
	n := s.selectedNote()
	switch {
	case n == nil:
		return nil, h.Status("tab to the notes, then pick one to "+verb, true)
	case readOnly(h) != "":
		return nil, h.Status(readOnly(h), true)
	}
	return n, nil
}

// readOnly says why notes are refused in a read-only session: a viewer of
// oncall serve, --readonly, or a context with readonly = true (a note is a
// write to the journal like any other); "" when they are not.
func readOnly(h kit.Host) string {
	s := h.Session()
	switch {
	case s.ReadOnly:
		return "read-only session (viewer): notes are refused"
	case s.Actions != nil && s.Actions.Writable() != nil:
		return s.Actions.Writable().Error() + ": notes are refused"
	}
	return ""
}

func (s *screen) editNote(h kit.Host) tea.Cmd {
	n, refused := s.noteToChange(h, "edit")
	if n == nil {
		return refused
	}
	about := "about the shift"
	if n.Alert != "" {
		about = "about " + n.Alert
	}
	h.PushDialog(dialog.NewNoteEdit(n.ID, n.Text, about, n.FollowUp))
	return nil
}

func (s *screen) strikeNote(h kit.Host) tea.Cmd {
	n, refused := s.noteToChange(h, "strike out")
	if n == nil {
		return refused
	}
	user, ctx := whoAmI(h)
	what := "note struck out"
	if n.Struck {
		what = "note restored"
	}
	e := journal.NoteStrikeEntry(user, ctx, n.ID, !n.Struck, h.Now())
	return h.Track(what, n.ID, appendCmd(journalOf(h, s.opts), e, nil, what))
}

func (s *screen) promptWrite(h kit.Host) tea.Cmd {
	if s.sum == nil {
		return h.Status("the handoff is still loading", true)
	}
	if h.Session().ReadOnly {
		return h.Status("read-only session (viewer): writing files is refused", true)
	}
	name := fmt.Sprintf("handoff-%s-%s.md", safeName(s.sum.Context), s.sum.Window.To.Format("20060102-1504"))
	h.PushDialog(dialog.NewPrompt("Write the handoff to a file", "file: ", name, "enter writes Markdown (.json: JSON) · esc cancels", func(v string) (kit.Action, error) {
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("give a file name")
		}
		return actionWrite{path: v}, nil
	}))
	return nil
}

func (s *screen) confirmPost(h kit.Host) tea.Cmd {
	switch {
	case s.sum == nil:
		return h.Status("the handoff is still loading", true)
	case h.Session().ReadOnly:
		return h.Status("read-only session (viewer): posting is refused", true)
	case s.opts.Webhook == "":
		return h.Status("no webhook configured: set $ONCALL_HANDOFF_WEBHOOK or [shift] webhook", true)
	}
	f, err := handoff.WebhookFormat(h.Config().Shift.WebhookFormat, s.opts.Webhook)
	if err != nil {
		return h.Status("posting the handoff: "+err.Error(), true)
	}
	h.PushDialog(&dialog.Confirm{Title: "Post the handoff?",
		Body:  fmt.Sprintf("Post this handoff as %s to the configured webhook?", formatName(f)),
		OnYes: actionPost{}})
	return nil
}

// safeName keeps a context name usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, s)
}
