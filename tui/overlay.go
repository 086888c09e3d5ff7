package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Action is what a dialog asks the root to do. Dialogs never do I/O: the
// root turns actions into commands.
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

type overlay struct {
	d      Dialog
	opened time.Time
}

// overlayStack holds the open dialogs, topmost last.
type overlayStack struct {
	items []overlay
	grace time.Duration
}

func (s *overlayStack) push(d Dialog, now time.Time) {
	s.items = append(s.items, overlay{d: d, opened: now})
}

func (s *overlayStack) pop() {
	if len(s.items) > 0 {
		s.items = s.items[:len(s.items)-1]
	}
}

func (s *overlayStack) top() Dialog {
	if len(s.items) == 0 {
		return nil
	}
	return s.items[len(s.items)-1].d
}

func (s *overlayStack) empty() bool { return len(s.items) == 0 }

// inGrace reports whether the top dialog opened too recently to take keys.
func (s *overlayStack) inGrace(now time.Time) bool {
	if len(s.items) == 0 {
		return false
	}
	return now.Sub(s.items[len(s.items)-1].opened) < s.grace
}
