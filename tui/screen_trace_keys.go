package tui

import (
	tea "charm.land/bubbletea/v2"
)

// HandleKey implements Screen.
//
//	j/k, ↑/↓, pgup/pgdn, g/G  move in the focused part
//	tab                       waterfall → logs (→ span detail) → waterfall
//	enter                     waterfall: span mode on/off (the span's tags and
//	                          events; logs narrowed to its span_id)
//	                          logs: select the line's span, span mode on
//	c                         copy the Jaeger link (OSC 52)
//	r                         fetch trace and logs again
//	esc                       leave span mode, then go back where it came from
func (s *TraceScreen) HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.Keys()
	switch {
	case msg.String() == "c":
		url := s.src.TraceURL(s.traceID)
		if url == "" {
			return true, Status("no Jaeger link to copy", true)
		}
		return true, tea.Batch(tea.SetClipboard(url), Status("copied "+url, false))
	case matches(msg, k.Tab):
		s.cycleFocus()
		return true, nil
	case matches(msg, k.Back):
		if s.spanMode {
			s.setSpanMode(m, false)
			return true, nil
		}
		if s.prev != "" && m.ScreenNamed(s.prev) != nil { // any screen, moved or legacy
			m.ShowScreen(s.prev)
			return true, nil
		}
		return false, nil
	case matches(msg, k.Refresh):
		return true, s.reload(m)
	case matches(msg, k.Enter):
		return true, s.enter(m)
	}
	if d, ok := s.moveBy(m, msg); ok {
		s.move(m, d)
		return true, nil
	}
	return false, nil
}

// moveBy turns a movement key into a delta (large deltas clamp).
func (s *TraceScreen) moveBy(m *Model, msg tea.KeyPressMsg) (int, bool) {
	k := m.Keys()
	page := max(1, s.h/2-2)
	switch {
	case matches(msg, k.Up):
		return -1, true
	case matches(msg, k.Down):
		return 1, true
	case matches(msg, k.PageUp):
		return -page, true
	case matches(msg, k.PageDown):
		return page, true
	case matches(msg, k.Top):
		return -1 << 30, true
	case matches(msg, k.Bottom):
		return 1 << 30, true
	}
	return 0, false
}

func (s *TraceScreen) move(m *Model, d int) {
	switch s.focus {
	case traceFocusWaterfall:
		if s.wf == nil || len(s.wf.Rows) == 0 {
			return
		}
		c := max(0, min(len(s.wf.Rows)-1, s.cursor+d))
		if c != s.cursor {
			s.cursor = c
			s.detailOffset = 0
			s.selectionChanged(m.Styles())
		}
	case traceFocusLogs:
		s.logCursor = max(0, min(len(s.shown)-1, s.logCursor+d))
	case traceFocusSpan:
		s.detailOffset = max(0, min(len(s.wrapped)-1, s.detailOffset+d))
	}
}

func (s *TraceScreen) cycleFocus() {
	switch s.focus {
	case traceFocusWaterfall:
		if s.src.Loki != nil {
			s.focus = traceFocusLogs
		} else if s.spanMode {
			s.focus = traceFocusSpan
		}
	case traceFocusLogs:
		s.focus = traceFocusWaterfall
		if s.spanMode {
			s.focus = traceFocusSpan
		}
	default:
		s.focus = traceFocusWaterfall
	}
}

func (s *TraceScreen) setSpanMode(m *Model, on bool) {
	s.spanMode = on
	s.detailOffset = 0
	if !on && s.focus == traceFocusSpan {
		s.focus = traceFocusWaterfall
	}
	s.selectionChanged(m.Styles())
}

func (s *TraceScreen) enter(m *Model) tea.Cmd {
	if s.wf == nil || len(s.wf.Rows) == 0 {
		return nil
	}
	switch s.focus {
	case traceFocusLogs:
		if s.logCursor >= len(s.shown) {
			return nil
		}
		row := &s.logs[s.shown[s.logCursor]]
		r := s.wf.RowOf(row.spanID)
		if row.spanID == "" || r < 0 {
			return Status("this log line names no span of the trace", true)
		}
		s.cursor = r
		s.focus = traceFocusWaterfall
		s.setSpanMode(m, true)
		// keep the same line under the cursor in the narrowed list
		for i, li := range s.shown {
			if &s.logs[li] == row {
				s.logCursor = i
			}
		}
	default:
		s.setSpanMode(m, !s.spanMode)
	}
	return nil
}
