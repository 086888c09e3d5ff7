package kit

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// SearchEvent says what a key did to a SearchBox.
type SearchEvent int

const (
	// SearchTyping: the text may have changed; the box stays open.
	SearchTyping SearchEvent = iota
	// SearchCommit: enter; the box closed with its text.
	SearchCommit
	// SearchCancel: esc; the box closed.
	SearchCancel
)

// SearchBox is the one-line "/ " input that every list and screen uses for
// filtering and searching. It only edits text: what a query means is the
// caller's (alert matchers, log search, runbook find).
type SearchBox struct {
	input  textinput.Model
	active bool
}

// NewSearchBox builds a closed box with a placeholder and a length limit.
func NewSearchBox(placeholder string, limit int) SearchBox {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = placeholder
	in.CharLimit = limit
	return SearchBox{input: in}
}

// Open focuses the box with value and returns the cursor's command.
func (b *SearchBox) Open(value string) tea.Cmd {
	b.active = true
	b.input.SetValue(value)
	b.input.CursorEnd()
	return b.input.Focus()
}

// Active reports whether the box has focus (it then takes every key).
func (b *SearchBox) Active() bool { return b.active }

// Value is the text in the box.
func (b *SearchBox) Value() string { return b.input.Value() }

// SetValue replaces the text.
func (b *SearchBox) SetValue(v string) { b.input.SetValue(v) }

// SetWidth sets the input's width in cells.
func (b *SearchBox) SetWidth(w int) { b.input.SetWidth(max(1, w)) }

// HandleKey edits the box: enter commits, esc cancels, anything else is
// typed.
func (b *SearchBox) HandleKey(msg tea.KeyPressMsg) (SearchEvent, tea.Cmd) {
	switch msg.String() {
	case "enter":
		b.close()
		return SearchCommit, nil
	case "esc":
		b.close()
		return SearchCancel, nil
	}
	var cmd tea.Cmd
	b.input, cmd = b.input.Update(msg)
	return SearchTyping, cmd
}

func (b *SearchBox) close() {
	b.active = false
	b.input.Blur()
}

// View draws the box.
func (b *SearchBox) View() string { return b.input.View() }
