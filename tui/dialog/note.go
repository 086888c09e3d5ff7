package dialog

import (
	"errors"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/tui/kit"
)

// NoteMaxLen caps a note's length.
const NoteMaxLen = 2000

// AddNote asks to journal a new note (about an alert, or the shift when
// Alert is "").
type AddNote struct {
	Text, Alert, Fingerprint string
	FollowUp                 bool
}

// EditNote asks to journal a new text for note ID.
type EditNote struct {
	ID, Text string
	FollowUp bool
}

// Note asks for a note's text and whether it is a follow-up for the
// next shift. It never writes: enter returns an action.
type Note struct {
	title    string
	about    string
	field    textField
	followUp bool
	submit   func(text string, followUp bool) kit.Action
}

// NewNote builds a dialog for a new note about a (nil: the shift).
func NewNote(a *alerts.Alert) *Note {
	d := &Note{title: "New note", about: "about the shift"}
	var name, fp string
	if a != nil {
		name, fp = a.Name(), a.Fingerprint
		d.about = "about " + sanitize.Text(name)
		if id := identifyingLabels(a.Labels); id != "" {
			d.about += " · " + id
		}
	}
	d.submit = func(text string, followUp bool) kit.Action {
		return AddNote{Text: text, Alert: name, Fingerprint: fp, FollowUp: followUp}
	}
	d.init("")
	return d
}

// NewNoteEdit builds a dialog that edits note id.
func NewNoteEdit(id, text, about string, followUp bool) *Note {
	d := &Note{title: "Edit note", about: about, followUp: followUp}
	d.submit = func(text string, followUp bool) kit.Action { return EditNote{ID: id, Text: text, FollowUp: followUp} }
	d.init(text)
	return d
}

func (d *Note) init(value string) {
	d.field = newTextField("note: ", value, NoteMaxLen)
	d.field.input.Placeholder = "what happened, what you did, what is left"
}

// identifyingLabels names an alert's instance among its peers.
func identifyingLabels(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if k == "instance" || k == "service" || k == "job" || k == "pod" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+labels[k])
	}
	return sanitize.Truncate(strings.Join(parts, " "), 80)
}

// HandleKey implements kit.Dialog: enter saves, tab toggles follow-up, esc
// cancels.
func (d *Note) HandleKey(msg tea.KeyPressMsg) (kit.Action, tea.Cmd) {
	if msg.String() == "tab" {
		d.followUp = !d.followUp
		return nil, nil
	}
	return d.field.handleKey(msg, func(text string) (kit.Action, error) {
		if text == "" {
			return nil, errors.New("write something first (esc cancels)")
		}
		return d.submit(text, d.followUp), nil
	})
}

// View implements kit.Dialog.
func (d *Note) View(w, h int, st *kit.Styles) string {
	bw := d.field.width(w)
	box := "[ ]"
	if d.followUp {
		box = "[x]"
	}
	head := st.DialogTitle.Render(d.title) + st.Muted.Render(" · "+kit.Cut(d.about, max(10, bw-len(d.title)-7)))
	return d.field.view(bw, st, head, []string{"", st.Value.Render(box + " follow-up for the next shift")},
		"enter saves · tab toggles follow-up · esc cancels")
}

// Value is the note's text as typed.
func (d *Note) Value() string { return d.field.input.Value() }

// FollowUp reports whether the note is marked as a follow-up.
func (d *Note) FollowUp() bool { return d.followUp }

// Err is the dialog's validation message ("" when none).
func (d *Note) Err() string { return d.field.err }
