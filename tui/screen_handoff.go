package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/handoff"
	"oncall/tui/dialog"
)

// HandoffScreenName is the name of the handoff screen (the "handoff" key).
const HandoffScreenName = "handoff"

// handoffStale is how old the handoff may get before a tick reloads it
// while it is shown.
const handoffStale = time.Minute

// HandoffOptions configure the handoff screen and the note dialog.
type HandoffOptions struct {
	// Webhook is the Slack-compatible webhook the handoff can be posted to
	// ("" disables posting). It is a secret and never shown.
	Webhook string
	// JournalPath is the journal used when the session has no action
	// service (otherwise the service's journal is used).
	JournalPath string
	// Since is the window, as for `oncall handoff --since` ("": the shift).
	Since string
}

// handoffKeys are the screen's own bindings, built per screen.
type handoffKeys struct {
	Copy, Write, Post, Edit, Strike, Focus key.Binding
}

func newHandoffKeys() handoffKeys {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	return handoffKeys{Copy: b("c", "copy"), Write: b("w", "write file"), Post: b("p", "post"),
		Edit: b("e", "edit note"), Strike: b("x", "strike/unstrike"), Focus: b("tab", "notes/preview")}
}

// handoffScreen previews the handoff (rendered with glamour), lists the
// notes with edit and strike, and exports: clipboard (OSC 52), file, webhook.
type handoffScreen struct {
	opts handoffOptions
	keys handoffKeys

	seq     int // latest collect request
	loading bool
	err     string
	loaded  time.Time
	sum     *handoff.Summary
	md      string

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

// handoffOptions wraps the options (kept private to the screen).
type handoffOptions = HandoffOptions

// HandoffScreenSpec registers the handoff screen on the "handoff" key (H).
func HandoffScreenSpec(o HandoffOptions) ScreenSpec {
	return ScreenSpec{Name: HandoffScreenName, Key: "handoff", Factory: func(*Model) Screen {
		return &handoffScreen{opts: o, keys: newHandoffKeys()}
	}}
}

// Title implements Screen.
func (h *handoffScreen) Title() string { return "Handoff" }

// Open implements Screen: collect the handoff (always fresh).
func (h *handoffScreen) Open(m *Model, _ *alerts.Alert) tea.Cmd {
	h.offset = 0
	return h.load(m)
}

// Capturing implements Screen: text is typed in dialogs only.
func (h *handoffScreen) Capturing() bool { return false }

// Refresh implements Refresher: reload a stale handoff while it is shown,
// and re-render after a resize or a background change.
func (h *handoffScreen) Refresh(m *Model) tea.Cmd {
	if !h.shown(m) {
		return nil
	}
	if !h.loading && m.now().Sub(h.loaded) > handoffStale {
		return h.load(m)
	}
	return h.rerender(m)
}

// Resize implements Resizer: render the preview again at the new width.
func (h *handoffScreen) Resize(m *Model, _, _ int) tea.Cmd { return h.rerender(m) }

func (h *handoffScreen) shown(m *Model) bool {
	return m.view == viewScreen && m.screen == HandoffScreenName
}

// Update implements Screen.
func (h *handoffScreen) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case handoffDataMsg:
		if msg.seq != h.seq {
			return nil // a newer load is in flight
		}
		h.loading, h.loaded = false, m.now()
		if msg.err != nil {
			h.err = msg.err.Error()
			return nil
		}
		h.err, h.sum, h.md = "", msg.sum, msg.md
		h.setNotes(msg.sum)
		h.rwidth = 0 // force a render
		return h.rerender(m)
	case handoffRenderedMsg:
		if msg.seq != h.rseq {
			return nil
		}
		h.renderErr = ""
		old := len(h.rendered)
		if msg.err != nil {
			h.renderErr = msg.err.Error()
			h.rendered = strings.Split(h.md, "\n")
		} else {
			h.rendered = msg.lines
		}
		if old > 0 { // keep the place after a resize
			h.offset = h.offset * len(h.rendered) / old
		}
		h.rwidth, h.rdark = msg.width, msg.dark
		h.clamp()
	case handoffExportedMsg:
		if msg.err != nil {
			return m.setStatus(msg.what+" failed: "+msg.err.Error(), true)
		}
		return m.setStatus(msg.what, false)
	case handoffReloadMsg:
		if h.seq > 0 {
			return h.load(m)
		}
	}
	return nil
}

// setNotes lists the shift's notes and the open follow-ups, oldest first.
func (h *handoffScreen) setNotes(s *handoff.Summary) {
	var cur string
	if h.cursor < len(h.notes) {
		cur = h.notes[h.cursor].ID
	}
	seen := map[string]bool{}
	h.notes = h.notes[:0]
	for _, list := range [][]handoff.Note{s.Notes, s.FollowUps} {
		for _, n := range list {
			if !seen[n.ID] {
				seen[n.ID] = true
				h.notes = append(h.notes, n)
			}
		}
	}
	sort.SliceStable(h.notes, func(i, j int) bool { return h.notes[i].At.Before(h.notes[j].At) })
	h.cursor = 0
	for i, n := range h.notes {
		if n.ID == cur {
			h.cursor = i
		}
	}
	if len(h.notes) == 0 {
		h.focusNotes = false
	}
}

// HandleKey implements Screen. Every key it uses also re-renders the
// preview if the terminal was resized since.
func (h *handoffScreen) HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k, hk := m.Keys(), &h.keys
	var cmd tea.Cmd
	switch {
	case matches(msg, k.Note):
		cmd = h.newNote(m)
	case matches(msg, hk.Copy):
		cmd = h.copy(m)
	case matches(msg, hk.Write):
		cmd = h.promptWrite(m)
	case matches(msg, hk.Post):
		cmd = h.confirmPost(m)
	case matches(msg, k.Refresh):
		cmd = tea.Batch(h.load(m), func() tea.Msg { return RefreshMsg{} })
	case matches(msg, hk.Focus):
		if len(h.notes) > 0 {
			h.focusNotes = !h.focusNotes
		}
	case matches(msg, hk.Edit):
		cmd = h.editNote(m)
	case matches(msg, hk.Strike):
		cmd = h.strikeNote(m)
	case matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom):
		h.move(msg, k)
	default:
		return false, nil
	}
	return true, tea.Batch(h.rerender(m), cmd)
}

// move scrolls the preview or moves the note cursor.
func (h *handoffScreen) move(msg tea.KeyPressMsg, k *KeyMap) {
	page := max(1, h.height-1)
	if h.focusNotes {
		switch {
		case matches(msg, k.Up):
			h.cursor--
		case matches(msg, k.Down):
			h.cursor++
		case matches(msg, k.Top):
			h.cursor = 0
		case matches(msg, k.Bottom):
			h.cursor = len(h.notes) - 1
		}
		h.cursor = max(0, min(h.cursor, len(h.notes)-1))
		return
	}
	switch {
	case matches(msg, k.Up):
		h.offset--
	case matches(msg, k.Down):
		h.offset++
	case matches(msg, k.PageUp):
		h.offset -= page
	case matches(msg, k.PageDown):
		h.offset += page
	case matches(msg, k.Top):
		h.offset = 0
	case matches(msg, k.Bottom):
		h.offset = len(h.rendered)
	}
	h.clamp()
}

func (h *handoffScreen) clamp() {
	h.offset = max(0, min(h.offset, len(h.rendered)-max(1, h.height)))
}

func (h *handoffScreen) selectedNote() *handoff.Note {
	if !h.focusNotes || h.cursor < 0 || h.cursor >= len(h.notes) {
		return nil
	}
	return &h.notes[h.cursor]
}

func (h *handoffScreen) newNote(m *Model) tea.Cmd {
	if m.opts.ReadOnly {
		return m.setStatus("read-only session (viewer): notes are refused", true)
	}
	if noteJournal(m, h.opts) == nil {
		return m.setStatus("no journal configured: notes cannot be saved", true)
	}
	m.PushDialog(dialog.NewNote(nil))
	return nil
}

func (h *handoffScreen) editNote(m *Model) tea.Cmd {
	n := h.selectedNote()
	switch {
	case n == nil:
		return m.setStatus("tab to the notes, then pick one to edit", true)
	case m.opts.ReadOnly:
		return m.setStatus("read-only session (viewer): notes are refused", true)
	}
	about := "about the shift"
	if n.Alert != "" {
		about = "about " + n.Alert
	}
	m.PushDialog(dialog.NewNoteEdit(n.ID, n.Text, about, n.FollowUp))
	return nil
}

func (h *handoffScreen) strikeNote(m *Model) tea.Cmd {
	n := h.selectedNote()
	switch {
	case n == nil:
		return m.setStatus("tab to the notes, then pick one to strike out", true)
	case m.opts.ReadOnly:
		return m.setStatus("read-only session (viewer): notes are refused", true)
	}
	user, ctx := whoAmI(m)
	what := "note struck out"
	if n.Struck {
		what = "note restored"
	}
	e := journalStrike(user, ctx, n.ID, !n.Struck, m.now())
	return m.tracked(what, n.ID, appendCmd(noteJournal(m, h.opts), e, nil, what))
}

func (h *handoffScreen) promptWrite(m *Model) tea.Cmd {
	if h.sum == nil {
		return m.setStatus("the handoff is still loading", true)
	}
	if m.opts.ReadOnly {
		return m.setStatus("read-only session (viewer): writing files is refused", true)
	}
	name := fmt.Sprintf("handoff-%s-%s.md", safeName(h.sum.Context), h.sum.Window.To.Format("20060102-1504"))
	m.PushDialog(NewPromptDialog("Write the handoff to a file", "file: ", name, "enter writes Markdown (.json: JSON) · esc cancels", func(v string) (Action, error) {
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("give a file name")
		}
		return actionWriteHandoff{path: v}, nil
	}))
	return nil
}

func (h *handoffScreen) confirmPost(m *Model) tea.Cmd {
	switch {
	case h.sum == nil:
		return m.setStatus("the handoff is still loading", true)
	case m.opts.ReadOnly:
		return m.setStatus("read-only session (viewer): posting is refused", true)
	case h.opts.Webhook == "":
		return m.setStatus("no webhook configured: set $ONCALL_HANDOFF_WEBHOOK or [shift] webhook", true)
	}
	m.PushDialog(&ConfirmDialog{Title: "Post the handoff?",
		Body:  fmt.Sprintf("Post this handoff (%d lines of Markdown) to the configured webhook?", strings.Count(h.md, "\n")),
		OnYes: actionPostHandoff{}})
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
