package kit

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Action is what a dialog asks the root to do. Dialogs never do I/O: the
// root (or the screen that opened the dialog, see ActionHandler) turns
// actions into commands.
type Action interface{}

// ActionClose closes the top dialog.
type ActionClose struct{}

// Dialog is a modal overlay.
type Dialog interface {
	// HandleKey handles a key and returns an action (nil: nothing to do)
	// and an optional command (e.g. a text input's cursor blink).
	HandleKey(msg tea.KeyPressMsg) (Action, tea.Cmd)
	// View renders the dialog's box for the available size.
	View(w, h int, st *Styles) string
}

// DefaultGrace is how long a new dialog ignores keys, so that a keystroke
// already in flight (typed before the dialog appeared) cannot confirm it.
const DefaultGrace = 250 * time.Millisecond
