package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"oncall/internal/sanitize"
)

// ConfirmDialog asks yes/no; yes returns OnYes.
type ConfirmDialog struct {
	Title, Body string
	OnYes       Action
}

// HandleKey implements Dialog: y or enter confirms, n or esc cancels.
func (d *ConfirmDialog) HandleKey(msg tea.KeyPressMsg) (Action, tea.Cmd) {
	switch msg.String() {
	case "y", "Y", "enter":
		return d.OnYes, nil
	case "n", "N", "esc", "q":
		return ActionClose{}, nil
	}
	return nil, nil
}

// View implements Dialog.
func (d *ConfirmDialog) View(w, h int, st *Styles) string {
	bw := min(w-4, 70)
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left,
		st.DialogTitle.Render(d.Title), "", sanitize.Block(d.Body), "", st.Muted.Render("y/enter: yes · n/esc: no")))
}

// PromptDialog asks for one value; Submit turns it into an action or an
// error shown in the dialog.
type PromptDialog struct {
	Title  string
	Hint   string
	input  textinput.Model
	Submit func(string) (Action, error)
	err    string
}

// NewPromptDialog builds a prompt with an initial value.
func NewPromptDialog(title, prompt, value, hint string, submit func(string) (Action, error)) *PromptDialog {
	in := textinput.New()
	in.Prompt = prompt
	in.SetValue(value)
	in.CharLimit = 1024
	in.Focus()
	return &PromptDialog{Title: title, Hint: hint, input: in, Submit: submit}
}

// HandleKey implements Dialog.
func (d *PromptDialog) HandleKey(msg tea.KeyPressMsg) (Action, tea.Cmd) {
	switch msg.String() {
	case "esc":
		return ActionClose{}, nil
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

// View implements Dialog.
func (d *PromptDialog) View(w, h int, st *Styles) string {
	bw := min(w-4, 80)
	d.input.SetWidth(bw - 6 - len(d.input.Prompt))
	lines := []string{st.DialogTitle.Render(d.Title), "", d.input.View()}
	if d.err != "" {
		lines = append(lines, st.Error.Render(d.err))
	}
	lines = append(lines, "", st.Muted.Render(d.Hint))
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}

// HelpDialog shows every binding, built from the keymap.
type HelpDialog struct{ keys *KeyMap }

// HandleKey implements Dialog: any key closes it.
func (d *HelpDialog) HandleKey(tea.KeyPressMsg) (Action, tea.Cmd) { return ActionClose{}, nil }

// View implements Dialog.
func (d *HelpDialog) View(w, h int, st *Styles) string {
	hm := help.New()
	hm.Styles = help.DefaultStyles(st.Dark)
	hm.SetWidth(w - 8)
	body := hm.FullHelpView(d.keys.HelpGroups())
	return st.Dialog.Render(lipgloss.JoinVertical(lipgloss.Left, st.DialogTitle.Render("Keys"), "", body, "", st.Muted.Render("any key closes")))
}
