package tui

import (
	"time"

	"oncall/tui/kit"
)

type overlay struct {
	d      kit.Dialog
	opened time.Time
}

// overlayStack holds the open dialogs, topmost last.
type overlayStack struct {
	items []overlay
	grace time.Duration
}

func (s *overlayStack) push(d kit.Dialog, now time.Time) {
	s.items = append(s.items, overlay{d: d, opened: now})
}

func (s *overlayStack) pop() {
	if len(s.items) > 0 {
		s.items = s.items[:len(s.items)-1]
	}
}

func (s *overlayStack) top() kit.Dialog {
	if len(s.items) == 0 {
		return nil
	}
	return s.items[len(s.items)-1].d
}

// inGrace reports whether the top dialog opened too recently to take keys.
func (s *overlayStack) inGrace(now time.Time) bool {
	if len(s.items) == 0 {
		return false
	}
	return now.Sub(s.items[len(s.items)-1].opened) < s.grace
}
