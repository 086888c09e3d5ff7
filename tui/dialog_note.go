package tui

import (
	"sort"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
)

// noteMaxLen caps a note's length.
const noteMaxLen = 2000

// actionAddNote asks to journal a new note.
type actionAddNote struct {
	text, alert, fingerprint string
	followUp                 bool
}

// actionEditNote asks to journal a new text for note id.
type actionEditNote struct {
	id, text string
	followUp bool
}

// NoteDialog asks for a note's text and whether it is a follow-up for the
// next shift. It never writes: enter returns an action.
type NoteDialog struct {
	title    string
	about    string
	input    textinput.Model
	followUp bool
	err      string
	submit   func(text string, followUp bool) Action
}

// newNoteDialog builds a dialog for a new note about a (nil: the shift).
func newNoteDialog(a *alerts.Alert) *NoteDialog {
	d := &NoteDialog{title: "New note", about: "about the shift"}
	var name, fp string
	if a != nil {
		name, fp = a.Name(), a.Fingerprint
		d.about = "about " + sanitize.Text(name)
		if id := identifyingLabels(a.Labels); id != "" {
			d.about += " · " + id
		}
	}
	d.submit = func(text string, followUp bool) Action {
		return actionAddNote{text: text, alert: name, fingerprint: fp, followUp: followUp}
	}
	d.init("")
	return d
}

// newNoteEditDialog builds a dialog that edits note id.
func newNoteEditDialog(id, text, about string, followUp bool) *NoteDialog {
	d := &NoteDialog{title: "Edit note", about: about, followUp: followUp}
	d.submit = func(text string, followUp bool) Action { return actionEditNote{id: id, text: text, followUp: followUp} }
	d.init(text)
	return d
}

func (d *NoteDialog) init(value string) {
	d.input = textinput.New()
	d.input.Prompt = "note: "
	d.input.Placeholder = "what happened, what you did, what is left"
	d.input.CharLimit = noteMaxLen
	d.input.SetValue(value)
	d.input.Focus()
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

// HandleKey implements Dialog: enter saves, tab toggles follow-up, esc
// cancels.
func (d *NoteDialog) HandleKey(msg tea.KeyPressMsg) (Action, tea.Cmd) {
	switch msg.String() {
	case "esc":
		return ActionClose{}, nil
	case "tab":
		d.followUp = !d.followUp
		return nil, nil
	case "enter":
		text := strings.TrimSpace(d.input.Value())
		if text == "" {
			d.err = "write something first (esc cancels)"
			return nil, nil
		}
		return d.submit(text, d.followUp), nil
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	d.err = ""
	return nil, cmd
}

// View implements Dialog.
func (d *NoteDialog) View(w, h int, st *Styles) string {
	bw := min(w-4, 80)
	d.input.SetWidth(max(10, bw-6-len(d.input.Prompt)))
	box := "[ ]"
	if d.followUp {
		box = "[x]"
	}
	lines := []string{
		st.DialogTitle.Render(d.title) + st.Muted.Render(" · "+cut(d.about, max(10, bw-len(d.title)-7))),
		"", d.input.View(), "",
		st.Value.Render(box + " follow-up for the next shift"),
	}
	if d.err != "" {
		lines = append(lines, st.Error.Render(d.err))
	}
	lines = append(lines, "", st.Muted.Render("enter saves · tab toggles follow-up · esc cancels"))
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}
