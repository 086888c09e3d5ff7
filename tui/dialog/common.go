package dialog

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"oncall/internal/sanitize"
	"oncall/tui/kit"
)

// Confirm asks yes/no; yes returns OnYes.
type Confirm struct {
	Title, Body string
	OnYes       kit.Action
	// Explicit takes only y for yes, not enter: the second confirmation a
	// guard rule or someone else's silence asks for is typed on purpose,
	// never by the enter that submitted the first dialog.
	Explicit bool
}

// HandleKey implements kit.Dialog: y (or enter, unless Explicit) confirms,
// n or esc cancels.
func (d *Confirm) HandleKey(msg tea.KeyPressMsg) (kit.Action, tea.Cmd) {
	switch msg.String() {
	case "y", "Y":
		return d.OnYes, nil
	case "enter":
		if !d.Explicit {
			return d.OnYes, nil
		}
	case "n", "N", "esc", "q":
		return kit.ActionClose{}, nil
	}
	return nil, nil
}

// View implements kit.Dialog.
func (d *Confirm) View(w, h int, st *kit.Styles) string {
	bw := min(w-4, 70)
	hint := "y/enter: yes · n/esc: no"
	if d.Explicit {
		hint = "y: yes · n/esc: no"
	}
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left,
		st.DialogTitle.Render(d.Title), "", sanitize.Block(d.Body), "", st.Muted.Render(hint)))
}

// Notice tells something that needs no answer (a write stopped because
// the silence changed meanwhile); enter, esc or q closes it.
type Notice struct {
	Title, Body string
}

// HandleKey implements kit.Dialog.
func (d *Notice) HandleKey(msg tea.KeyPressMsg) (kit.Action, tea.Cmd) {
	switch msg.String() {
	case "enter", "esc", "q", "y", "n":
		return kit.ActionClose{}, nil
	}
	return nil, nil
}

// View implements kit.Dialog.
func (d *Notice) View(w, h int, st *kit.Styles) string {
	bw := min(w-4, 80)
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left,
		st.DialogTitle.Render(d.Title), "", sanitize.Block(d.Body), "", st.Muted.Render("enter/esc: close")))
}

// Prompt asks for one value; Submit turns it into an action or an
// error shown in the dialog.
type Prompt struct {
	Title  string
	Hint   string
	field  textField
	Submit func(string) (kit.Action, error)
}

// NewPrompt builds a prompt with an initial value.
func NewPrompt(title, prompt, value, hint string, submit func(string) (kit.Action, error)) *Prompt {
	return &Prompt{Title: title, Hint: hint, field: newTextField(prompt, value, 1024), Submit: submit}
}

// HandleKey implements kit.Dialog: enter submits, esc cancels.
func (d *Prompt) HandleKey(msg tea.KeyPressMsg) (kit.Action, tea.Cmd) {
	return d.field.handleKey(msg, d.Submit)
}

// View implements kit.Dialog.
func (d *Prompt) View(w, h int, st *kit.Styles) string {
	return d.field.view(d.field.width(w), st, st.DialogTitle.Render(d.Title), nil, d.Hint)
}

// textField is the one text input of a Prompt or a Note, with its error
// line: esc cancels, enter submits the trimmed text (or shows why not),
// any other key edits the text and clears the error.
type textField struct {
	input textinput.Model
	err   string
}

func newTextField(prompt, value string, limit int) textField {
	in := textinput.New()
	in.Prompt = prompt
	in.CharLimit = limit
	in.SetValue(value)
	in.Focus()
	return textField{input: in}
}

func (f *textField) handleKey(msg tea.KeyPressMsg, submit func(string) (kit.Action, error)) (kit.Action, tea.Cmd) {
	switch msg.String() {
	case "esc":
		return kit.ActionClose{}, nil
	case "enter":
		a, err := submit(strings.TrimSpace(f.input.Value()))
		if err != nil {
			f.err = err.Error()
			return nil, nil
		}
		return a, nil
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	f.err = ""
	return nil, cmd
}

// width is the dialog box's width in a terminal w wide (at most 80); it
// sizes the input to fit.
func (f *textField) width(w int) int {
	bw := min(w-4, 80)
	f.input.SetWidth(max(10, bw-6-len(f.input.Prompt)))
	return bw
}

// view is the dialog box bw wide: head, the input, then more lines, the
// error if any and the hint.
func (f *textField) view(bw int, st *kit.Styles, head string, more []string, hint string) string {
	lines := append([]string{head, "", f.input.View()}, more...)
	if f.err != "" {
		lines = append(lines, st.Error.Render(f.err))
	}
	lines = append(lines, "", st.Muted.Render(hint))
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}
