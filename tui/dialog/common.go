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
}

// HandleKey implements kit.Dialog: y or enter confirms, n or esc cancels.
func (d *Confirm) HandleKey(msg tea.KeyPressMsg) (kit.Action, tea.Cmd) {
	switch msg.String() {
	case "y", "Y", "enter":
		return d.OnYes, nil
	case "n", "N", "esc", "q":
		return kit.ActionClose{}, nil
	}
	return nil, nil
}

// View implements kit.Dialog.
func (d *Confirm) View(w, h int, st *kit.Styles) string {
	bw := min(w-4, 70)
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left,
		st.DialogTitle.Render(d.Title), "", sanitize.Block(d.Body), "", st.Muted.Render("y/enter: yes · n/esc: no")))
}

// Prompt asks for one value; Submit turns it into an action or an
// error shown in the dialog.
type Prompt struct {
	Title  string
	Hint   string
	input  textinput.Model
	Submit func(string) (kit.Action, error)
	err    string
}

// NewPrompt builds a prompt with an initial value.
func NewPrompt(title, prompt, value, hint string, submit func(string) (kit.Action, error)) *Prompt {
	in := textinput.New()
	in.Prompt = prompt
	in.SetValue(value)
	in.CharLimit = 1024
	in.Focus()
	return &Prompt{Title: title, Hint: hint, input: in, Submit: submit}
}

// HandleKey implements kit.Dialog.
func (d *Prompt) HandleKey(msg tea.KeyPressMsg) (kit.Action, tea.Cmd) {
	switch msg.String() {
	case "esc":
		return kit.ActionClose{}, nil
	case "enter":
		a, err := d.Submit(strings.TrimSpace(d.input.Value()))
		if err != nil {
			d.err = err.Error()
			return nil, nil
		}
		return a, nil
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	d.err = ""
	return nil, cmd
}

// View implements kit.Dialog.
func (d *Prompt) View(w, h int, st *kit.Styles) string {
	bw := min(w-4, 80)
	d.input.SetWidth(bw - 6 - len(d.input.Prompt))
	lines := []string{st.DialogTitle.Render(d.Title), "", d.input.View()}
	if d.err != "" {
		lines = append(lines, st.Error.Render(d.err))
	}
	lines = append(lines, "", st.Muted.Render(d.Hint))
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}
